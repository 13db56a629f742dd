"""The LLM's short memory: the last turns of each user in each chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import ConversationTurn


def recent_turns(*, session: Session, chat_key: str, user_id: int, limit: int) -> list[ConversationTurn]:
    """The user's last `limit` turns in the chat, oldest first."""
    newest = session.scalars(
        select(ConversationTurn)
        .where(ConversationTurn.chat_key == chat_key, ConversationTurn.user_id == user_id)
        .order_by(ConversationTurn.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(newest))


def add_turn(*, session: Session, chat_key: str, user_id: int, role: str, text: str, at: datetime) -> ConversationTurn:
    """Append one turn (not committed)."""
    turn = ConversationTurn(chat_key=chat_key, user_id=user_id, role=role, text=text, created_at=at)
    session.add(turn)
    return turn


def prune_turns(*, session: Session, chat_key: str, user_id: int, keep: int) -> int:
    """Delete all but the user's newest `keep` turns in the chat (not committed); the number deleted."""
    mine = (ConversationTurn.chat_key == chat_key, ConversationTurn.user_id == user_id)
    oldest_kept = session.scalar(
        select(ConversationTurn.id).where(*mine).order_by(ConversationTurn.id.desc()).offset(keep - 1).limit(1)
    )
    if oldest_kept is None:
        return 0
    result = session.execute(delete(ConversationTurn).where(*mine, ConversationTurn.id < oldest_kept))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
