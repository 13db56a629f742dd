"""Audit log queries: the write batch undo_last reverses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditLog


def last_undoable_batch(*, session: Session, user_id: int) -> list[AuditLog]:
    """The user's newest write batch not yet undone (one incoming message), oldest row first; [] if none.

    Undo records themselves (undo_of set) are never undone.
    """
    undoable = (AuditLog.user_id == user_id, AuditLog.undo_of.is_(None), AuditLog.undone_at.is_(None))
    newest = session.scalars(select(AuditLog).where(*undoable).order_by(AuditLog.id.desc()).limit(1)).first()
    if newest is None:
        return []
    if newest.batch is None:
        return [newest]
    return list(
        session.scalars(select(AuditLog).where(*undoable, AuditLog.batch == newest.batch).order_by(AuditLog.id))
    )
