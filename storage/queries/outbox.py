"""The outbox: every message to send (a reply, a digest, an alert), written in the transaction that caused it.

A sender claims a row (pending → sending, counting the attempt) before it talks to Telegram, so two senders never
send the same row; a row left in `sending` by a process that died is taken again after SENDING_LEASE. A failed
send goes back to pending with a time before which it is not retried (backoff, or Telegram's RetryAfter).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Chat, Notification, OutboxFile
from storage.queries.rows import insert_ignore_key, insert_ignore_many

SENDING_LEASE = timedelta(seconds=120)  # a send that did not finish in this time is retried


@dataclass(frozen=True)
class File:
    filename: str
    mime: str
    content: bytes


def add(
    *,
    session: Session,
    chat_id: int,
    kind: str,
    dedupe_key: str,
    payload: dict[str, Any],
    now: datetime,
    update_id: int | None = None,
    reply_to: int | None = None,
    files: list[File] | None = None,
    claimed_by: str | None = None,
) -> int | None:
    """Queue a message unless one with the same dedupe key exists; its id if this call queued it.

    claimed_by: the process that will send it as soon as this transaction commits holds it from the start (one
    claim transaction fewer per reply); if that process dies first, the claim is taken over as any other.
    """
    claimed = claimed_by is not None
    note_id = insert_ignore_key(
        session,
        Notification.__table__,
        {
            "chat_id": chat_id,
            "kind": kind,
            "dedupe_key": dedupe_key,
            "payload": payload,
            "status": "sending" if claimed else "pending",
            "attempts": 1 if claimed else 0,
            "claimed_at": now if claimed else None,
            "claimed_by": claimed_by,
            "created_at": now,
            "update_id": update_id,
            "reply_to": reply_to,
            "available_at": now,
        },
    )
    if note_id is None:
        return None
    for position, file in enumerate(files or []):
        session.add(
            OutboxFile(
                notification_id=note_id, position=position, filename=file.filename, mime=file.mime, content=file.content
            )
        )
    return note_id


def add_many(*, session: Session, notes: list[dict[str, Any]], now: datetime) -> set[str]:
    """Queue many messages without files (kind, chat_id, dedupe_key, payload each) in one statement, each unless
    its dedupe key exists; the dedupe keys this call queued."""
    rows = [
        {
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "update_id": None,
            "reply_to": None,
            "available_at": now,
            **note,
        }
        for note in notes
    ]
    return set(insert_ignore_many(session, Notification.__table__, rows, returning=Notification.dedupe_key))


def exists(*, session: Session, dedupe_key: str) -> bool:
    return session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)) is not None


def existing(*, session: Session | Connection, dedupe_keys: Collection[str], batch: int = 500) -> set[str]:
    """Which of the dedupe keys are already queued (or sent)."""
    keys = list(dedupe_keys)
    found: set[str] = set()
    for n in range(0, len(keys), batch):
        found.update(session.scalars(_EXISTING, {"keys": keys[n : n + batch]}))
    return found


_EXISTING = select(Notification.dedupe_key).where(Notification.dedupe_key.in_(bindparam("keys", expanding=True)))


def _sendable(now: datetime, dead: list[str] | None = None) -> Any:
    waiting = and_(
        Notification.status == "pending",
        or_(Notification.available_at.is_(None), Notification.available_at <= now),
    )
    lost = [Notification.claimed_at < now - SENDING_LEASE]
    if dead:
        lost.append(Notification.claimed_by.in_(dead))
    stuck = and_(Notification.status == "sending", or_(*lost))
    return or_(waiting, stuck)


def due(
    *,
    session: Session,
    now: datetime,
    chat_id: int | None = None,
    update_id: int | None = None,
    kind: str | None = None,
    dead: list[str] | None = None,
    limit: int = 200,
) -> list[tuple[Notification, Chat]]:
    """Messages to send now, oldest first, with their chat (of one chat or one update, if given); rows a dead
    process was sending are due again."""
    query = (
        select(Notification, Chat)
        .join(Chat, Chat.id == Notification.chat_id)
        .where(_sendable(now, dead))
        .order_by(Notification.id)
        .limit(limit)
    )
    if chat_id is not None:
        query = query.where(Notification.chat_id == chat_id)
    if update_id is not None:
        query = query.where(Notification.update_id == update_id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return [(note, chat) for note, chat in session.execute(query)]


def claim(*, session: Session, notification_id: int, now: datetime, owner: str, dead: list[str] | None = None) -> bool:
    """Take a message for sending (counting the attempt); False if another sender took it or it is not due."""
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, _sendable(now, dead))
        .values(status="sending", claimed_at=now, claimed_by=owner, attempts=Notification.attempts + 1)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def finish(
    *,
    session: Session,
    notification_id: int,
    status: str,
    now: datetime,
    message_id: int | None = None,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Record the outcome of a send: sent, pending (retried at retry_at) or failed (given up)."""
    values: dict[str, Any] = {"status": status, "last_error": error[:200] if error else None}
    if status == "sent":
        values["sent_at"] = now
        values["message_id"] = message_id
    if retry_at is not None:
        values["available_at"] = retry_at
    session.execute(update(Notification).where(Notification.id == notification_id).values(**values))


def files_of(*, session: Session, notification_id: int) -> list[OutboxFile]:
    return list(
        session.scalars(
            select(OutboxFile).where(OutboxFile.notification_id == notification_id).order_by(OutboxFile.position)
        )
    )


def claim_owners(*, session: Session) -> list[str]:
    """Processes that hold a claim on a message being sent (to find the dead ones)."""
    return [
        owner
        for owner in session.scalars(select(Notification.claimed_by).where(Notification.status == "sending").distinct())
        if owner
    ]


def depth(*, session: Session, now: datetime) -> tuple[int, datetime | None]:
    """How many messages wait to be sent, and when the oldest was queued."""
    count, oldest = session.execute(
        select(func.count(Notification.id), func.min(Notification.created_at)).where(
            Notification.status.in_(("pending", "sending"))
        )
    ).one()
    return int(count or 0), oldest


def count(*, session: Session, kind: str | None = None, status: str | None = None) -> int:
    query = select(func.count(Notification.id))
    if kind is not None:
        query = query.where(Notification.kind == kind)
    if status is not None:
        query = query.where(Notification.status == status)
    return session.scalar(query) or 0
