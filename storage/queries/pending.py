"""Dialogue state: the one question or proposal each user has open in each chat."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import PendingAction


def open_for(*, session: Session, chat_key: str, user_id: int) -> PendingAction | None:
    """The newest open item of a user in a chat (expired ones included: the caller tells the user)."""
    return session.scalars(
        select(PendingAction)
        .where(PendingAction.chat_key == chat_key, PendingAction.user_id == user_id, PendingAction.status == "open")
        .order_by(PendingAction.id.desc())
        .limit(1)
    ).first()


def by_token(*, session: Session, token: str) -> PendingAction | None:
    return session.scalar(select(PendingAction).where(PendingAction.token == token))


def by_message(*, session: Session, chat_key: str, message_id: int) -> PendingAction | None:
    """The item shown in a chat's message (a reply to it confirms it)."""
    return session.scalars(
        select(PendingAction)
        .where(PendingAction.chat_key == chat_key, PendingAction.message_id == message_id)
        .order_by(PendingAction.id.desc())
        .limit(1)
    ).first()


def close_open(*, session: Session, chat_key: str, user_id: int, status: str, now: datetime) -> int:
    """Close every open item of a user in a chat (a newer one replaces them); how many were open."""
    result = session.execute(
        update(PendingAction)
        .where(PendingAction.chat_key == chat_key, PendingAction.user_id == user_id, PendingAction.status == "open")
        .values(status=status, resolved_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def create(
    *,
    session: Session,
    chat_key: str,
    user_id: int,
    project_id: int | None,
    kind: str,
    calls: list[dict[str, Any]],
    text: str,
    context: dict[str, Any],
    now: datetime,
    expires_at: datetime,
) -> PendingAction:
    """A new open item (the caller closes older ones first)."""
    item = PendingAction(
        token=secrets.token_hex(8),
        chat_key=chat_key,
        user_id=user_id,
        project_id=project_id,
        kind=kind,
        status="open",
        calls=calls,
        text=text,
        context=context,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(item)
    session.flush()
    return item


def resolve(*, session: Session, pending_id: int, status: str, user_id: int | None, now: datetime) -> bool:
    """Close an open item as done, cancelled, dropped or expired; False when it was no longer open.

    The condition on status makes executing a proposal happen at most once: a second confirmation (a doubled
    delivery, another process) finds it closed and does nothing.
    """
    result = session.execute(
        update(PendingAction)
        .where(PendingAction.id == pending_id, PendingAction.status == "open")
        .values(status=status, resolved_at=now, resolved_by=user_id)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def set_message(*, session: Session, token: str, message_id: int) -> None:
    """Remember which Telegram message shows the item (its buttons, a reply to it)."""
    session.execute(update(PendingAction).where(PendingAction.token == token).values(message_id=message_id))
