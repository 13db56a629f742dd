"""The Telegram inbox: every update stored before Telegram is told it arrived, handled once, replayed after a crash.

An update is inserted with ON CONFLICT DO NOTHING (a redelivery changes nothing). A process takes an update with
a lease before handling it, so a second process does not do the same work; the update becomes done only in the
transaction that commits its writes and its reply (mark_done), so a crash at any point leaves it pending and it is
handled again, from the start, after the restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage.models import InboxUpdate
from storage.queries.rows import insert_ignore


def store(
    *,
    session: Session,
    update_id: int,
    chat_id: int | None,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    owner: str | None = None,
    until: datetime | None = None,
    attempts: int = 0,
) -> bool:
    """Keep an update unless it is already kept; True if this call stored it. attempts: 1 when the receiver
    handles it at once (its first attempt begins with storing it), else 0 (counted when it is taken).

    The receiving process (owner) holds a lease on it from the start, so another process that is sent the same
    update (Telegram retrying elsewhere) leaves it to the receiver, unless the receiver dies or the lease runs out.
    """
    return insert_ignore(
        session,
        InboxUpdate.__table__,
        {
            "update_id": update_id,
            "chat_id": chat_id,
            "kind": kind,
            "payload": payload,
            "status": "pending",
            "attempts": attempts,
            "received_at": now,
            "lease_owner": owner,
            "lease_until": until,
        },
    )


def take(
    *, session: Session, update_id: int, owner: str, now: datetime, until: datetime, dead: list[str]
) -> int | None:
    """Lease a pending update for handling; its attempts so far (this one included), or None when it is done or
    another live process holds it. Leases of owners known to be dead are taken over at once."""
    takeable = [InboxUpdate.lease_until.is_(None), InboxUpdate.lease_until < now, InboxUpdate.lease_owner == owner]
    if dead:
        takeable.append(InboxUpdate.lease_owner.in_(dead))
    free = or_(*takeable)
    result = session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id, InboxUpdate.status == "pending", free)
        .values(lease_owner=owner, lease_until=until, attempts=InboxUpdate.attempts + 1)
        .returning(InboxUpdate.attempts)
    ).first()
    return int(result[0]) if result is not None else None


def take_own(
    *, session: Session, update_id: int, owner: str, now: datetime, until: datetime, chat_id: int | None
) -> int | None:
    """take() in one statement for the common case: the update is free or this process's own, and (chat_id given)
    no earlier update of its chat is pending elsewhere. None means "not that simple": ask waits_for_earlier,
    takeable and take."""
    free = or_(InboxUpdate.lease_until.is_(None), InboxUpdate.lease_until < now, InboxUpdate.lease_owner == owner)
    conditions = [InboxUpdate.update_id == update_id, InboxUpdate.status == "pending", free]
    if chat_id is not None:
        earlier = aliased(InboxUpdate)
        conditions.append(
            ~exists().where(
                earlier.chat_id == chat_id,
                earlier.status == "pending",
                earlier.update_id < update_id,
                or_(earlier.lease_owner.is_(None), earlier.lease_owner != owner),
            )
        )
    result = session.execute(
        update(InboxUpdate)
        .where(*conditions)
        .values(lease_owner=owner, lease_until=until, attempts=InboxUpdate.attempts + 1)
        .returning(InboxUpdate.attempts)
    ).first()
    return int(result[0]) if result is not None else None


def renew(*, session: Session, update_id: int, owner: str, until: datetime) -> bool:
    """Extend this process's lease on a pending update it is handling; False if it is done or no longer its."""
    result = session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id, InboxUpdate.status == "pending", InboxUpdate.lease_owner == owner)
        .values(lease_until=until)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def takeable(*, session: Session, update_id: int, owner: str, now: datetime, dead: list[str]) -> bool:
    """Whether take() could succeed, by a read (a process that would lose never asks for the write lock)."""
    row = session.get(InboxUpdate, update_id)
    if row is None or row.status != "pending":
        return False
    lease_until = row.lease_until
    return lease_until is None or lease_until < now or row.lease_owner == owner or row.lease_owner in dead


_CLOSE = (
    update(InboxUpdate)
    .where(InboxUpdate.update_id == bindparam("the_update"), InboxUpdate.status == "pending")
    .values(status=bindparam("new_status"), done_at=bindparam("closed_at"), lease_owner=None, lease_until=None)
)
_CLOSE_FORGETTING = _CLOSE.values(payload={"forgotten": True})


def mark_done(*, session: Session, update_id: int, now: datetime, status: str = "done", forget: bool = False) -> bool:
    """Close a pending update (in the transaction of its writes); False when it was already closed. forget: keep
    nothing of what it said (a stranger's update: only that it came and was answered)."""
    statement = _CLOSE_FORGETTING if forget else _CLOSE  # built once: every update is closed here
    result = session.execute(statement, {"the_update": update_id, "new_status": status, "closed_at": now})
    return result.rowcount == 1  # type: ignore[attr-defined]


def lease_owners(*, session: Session) -> list[str]:
    """Processes holding a lease on a pending update (to find the dead ones)."""
    return [
        owner
        for owner in session.scalars(select(InboxUpdate.lease_owner).where(InboxUpdate.status == "pending").distinct())
        if owner
    ]


def pending(*, session: Session, limit: int = 1000) -> list[InboxUpdate]:
    """Updates not handled yet, oldest first (a restart replays them)."""
    return list(
        session.scalars(
            select(InboxUpdate).where(InboxUpdate.status == "pending").order_by(InboxUpdate.update_id).limit(limit)
        )
    )


def orphans(*, session: Session, now: datetime, owner: str, dead: list[str], limit: int = 500) -> list[InboxUpdate]:
    """Pending updates no other live process is handling, oldest first: never leased, lease run out, held by a
    process known to be dead, or by this one (the caller skips what it already holds). Any process may take them
    (a restart, or a peer's periodic sweep)."""
    free = [InboxUpdate.lease_until.is_(None), InboxUpdate.lease_until < now, InboxUpdate.lease_owner == owner]
    if dead:
        free.append(InboxUpdate.lease_owner.in_(dead))
    return list(
        session.scalars(
            select(InboxUpdate)
            .where(InboxUpdate.status == "pending", or_(*free))
            .order_by(InboxUpdate.update_id)
            .limit(limit)
        )
    )


_EARLIER_ELSEWHERE = (
    select(InboxUpdate.update_id)
    .where(
        InboxUpdate.chat_id == bindparam("chat_id"),
        InboxUpdate.status == "pending",
        InboxUpdate.update_id < bindparam("update_id"),
        or_(InboxUpdate.lease_owner.is_(None), InboxUpdate.lease_owner != bindparam("owner")),
    )
    .limit(1)
)


def waits_for_earlier(*, session: Session, chat_id: int, update_id: int, owner: str) -> bool:
    """Whether an earlier update of the same chat is still pending and not this process's own: it goes first
    (another process handles it, or a sweep adopts it when its process died). This process's own earlier updates
    are ahead of it in its chat queue already."""
    params = {"chat_id": chat_id, "update_id": update_id, "owner": owner}
    return session.scalar(_EARLIER_ELSEWHERE, params) is not None


def earlier_pending(*, session: Session, chat_id: int, update_id: int) -> bool:
    """Whether an earlier update of the same chat is still pending (a chat's messages are answered in order)."""
    return (
        session.scalar(
            select(InboxUpdate.update_id)
            .where(
                and_(
                    InboxUpdate.chat_id == chat_id,
                    InboxUpdate.status == "pending",
                    InboxUpdate.update_id < update_id,
                )
            )
            .limit(1)
        )
        is not None
    )


def depth(*, session: Session) -> tuple[int, datetime | None]:
    """How many updates wait, and when the oldest arrived."""
    count, oldest = session.execute(
        select(func.count(InboxUpdate.update_id), func.min(InboxUpdate.received_at)).where(
            InboxUpdate.status == "pending"
        )
    ).one()
    return int(count or 0), oldest


def prune(*, session: Session, before: datetime) -> int:
    """Forget handled updates received before a time (Telegram redelivers within hours, not weeks)."""
    result = session.execute(
        delete(InboxUpdate).where(InboxUpdate.status != "pending", InboxUpdate.received_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
