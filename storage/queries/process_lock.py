"""Named locks held by one live process with a lease it renews (storage.models.ProcessLock).

Taking a lock inserts its row, or takes over a row whose lease ran out or whose owner is known to be dead; every
step is one statement decided by the database, so two processes taking the same lock at once never both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.models import ProcessLock
from storage.queries.rows import insert_ignore


@dataclass(frozen=True)
class Holder:
    owner: str
    acquired_at: datetime
    expires_at: datetime


def acquire(*, session: Session, name: str, owner: str, now: datetime, until: datetime, dead: list[str]) -> bool:
    """Take the lock until `until`; True if this owner holds it now (it already did, or its holder's lease ran out
    or the holder is dead)."""
    if insert_ignore(
        session, ProcessLock.__table__, {"name": name, "owner": owner, "acquired_at": now, "expires_at": until}
    ):
        return True
    free = [ProcessLock.expires_at < now, ProcessLock.owner == owner]
    if dead:
        free.append(ProcessLock.owner.in_(dead))
    taken = session.execute(
        update(ProcessLock)
        .where(ProcessLock.name == name, or_(*free))
        .values(owner=owner, acquired_at=now, expires_at=until)
        .returning(ProcessLock.name)
    ).first()
    return taken is not None


def renew(*, session: Session, name: str, owner: str, until: datetime) -> bool:
    """Extend this owner's lease; False when the lock is no longer its own (it was taken over)."""
    renewed = session.execute(
        update(ProcessLock)
        .where(ProcessLock.name == name, ProcessLock.owner == owner)
        .values(expires_at=until)
        .returning(ProcessLock.name)
    ).first()
    return renewed is not None


def release(*, session: Session, name: str, owner: str) -> None:
    """Give the lock up (only if this owner holds it)."""
    session.execute(delete(ProcessLock).where(ProcessLock.name == name, ProcessLock.owner == owner))


def holder(*, session: Session, name: str) -> Holder | None:
    """Who holds the lock, if anyone has a row for it."""
    row = session.scalar(select(ProcessLock).where(ProcessLock.name == name))
    return Holder(row.owner, row.acquired_at, row.expires_at) if row is not None else None


def owners(*, session: Session) -> list[str]:
    """Every lock holder (to find the dead ones)."""
    return list(session.scalars(select(ProcessLock.owner).distinct()))
