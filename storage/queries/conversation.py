"""The LLM's short memory: the last turns of each chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import ConversationTurn


def recent_turns(*, session: Session, chat_key: str, limit: int) -> list[ConversationTurn]:
    """The chat's last `limit` turns, oldest first."""
    newest = session.scalars(
        select(ConversationTurn)
        .where(ConversationTurn.chat_key == chat_key)
        .order_by(ConversationTurn.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(newest))


def add_turn(*, session: Session, chat_key: str, role: str, text: str, at: datetime) -> ConversationTurn:
    """Append one turn (not committed)."""
    turn = ConversationTurn(chat_key=chat_key, role=role, text=text, created_at=at)
    session.add(turn)
    return turn


def prune_turns(*, session: Session, chat_key: str, keep: int) -> int:
    """Delete all but the chat's newest `keep` turns (not committed); the number deleted."""
    oldest_kept = session.scalar(
        select(ConversationTurn.id)
        .where(ConversationTurn.chat_key == chat_key)
        .order_by(ConversationTurn.id.desc())
        .offset(keep - 1)
        .limit(1)
    )
    if oldest_kept is None:
        return 0
    result = session.execute(
        delete(ConversationTurn).where(ConversationTurn.chat_key == chat_key, ConversationTurn.id < oldest_kept)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
