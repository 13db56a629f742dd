"""Audit log queries: the write batch undo_last reverses, and claiming it so it is reversed once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import AuditLog

# Changes to who may do what are not entries to take back with /undo: a role is changed by /role, a member by
# /remove, and an invite expires (undoing a join would silently lock its member out).
NOT_UNDONE = ("create_invite", "join", "set_role", "remove_member", "set_alerts")


def _undoable(user_id: int | None = None, project_id: int | None = None) -> list[object]:
    conditions: list[object] = [
        AuditLog.undo_of.is_(None),
        AuditLog.undone_at.is_(None),
        AuditLog.tool.not_in(NOT_UNDONE),
    ]
    if user_id is not None:
        conditions.append(AuditLog.user_id == user_id)
    if project_id is not None:
        conditions.append(AuditLog.project_id == project_id)
    return conditions


def last_undoable_batch(*, session: Session, user_id: int, project_id: int | None = None) -> list[AuditLog]:
    """The user's newest write batch not yet undone (one incoming message), in one project if given, oldest row
    first; [] if none. Undo records themselves (undo_of set) are never undone."""
    newest = session.scalars(
        select(AuditLog).where(*_undoable(user_id, project_id)).order_by(AuditLog.id.desc()).limit(1)  # type: ignore[arg-type]
    ).first()
    if newest is None:
        return []
    if newest.batch is None:
        return [newest]
    return batch(session=session, batch_id=newest.batch)


def batch(*, session: Session, batch_id: str) -> list[AuditLog]:
    """Every write of one message not yet undone, oldest first."""
    return list(
        session.scalars(
            select(AuditLog).where(*_undoable(), AuditLog.batch == batch_id).order_by(AuditLog.id)  # type: ignore[arg-type]
        )
    )


def batch_of_message(*, session: Session, message_ref: str, user_id: int) -> list[AuditLog]:
    """What a chat message wrote (for an edit of it), not yet undone, oldest first."""
    if not message_ref:
        return []
    first = session.scalars(
        select(AuditLog)
        .where(*_undoable(user_id), AuditLog.message_ref == message_ref)  # type: ignore[arg-type]
        .order_by(AuditLog.id)
        .limit(1)
    ).first()
    return (
        batch(session=session, batch_id=first.batch)
        if first is not None and first.batch
        else ([first] if first else [])
    )


def claim(*, session: Session, audit_ids: list[int], at: datetime) -> bool:
    """Mark writes undone, only if none of them was already: False when another undo got there first."""
    result = session.execute(
        update(AuditLog).where(AuditLog.id.in_(audit_ids), AuditLog.undone_at.is_(None)).values(undone_at=at)
    )
    return result.rowcount == len(audit_ids)  # type: ignore[attr-defined]
