"""The LLM's short memory: the last turns of each user in each chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select
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


def add_turns(*, session: Session, chat_key: str, user_id: int, turns: list[tuple[str, str]], at: datetime) -> None:
    """Append turns (role, text) in one statement (not committed)."""
    rows = [{"chat_key": chat_key, "user_id": user_id, "role": r, "text": t, "created_at": at} for r, t in turns]
    session.execute(insert(ConversationTurn), rows)


# Built once, bound per call: it runs after every message.
_MINE = (ConversationTurn.chat_key == bindparam("chat_key"), ConversationTurn.user_id == bindparam("user_id"))
_PRUNE = delete(ConversationTurn).where(
    *_MINE,
    ConversationTurn.id
    < select(ConversationTurn.id)
    .where(*_MINE)
    .order_by(ConversationTurn.id.desc())
    .offset(bindparam("skip"))
    .limit(1)
    .scalar_subquery(),
)


def prune_turns(*, session: Session, chat_key: str, user_id: int, keep: int) -> int:
    """Delete all but the user's newest `keep` turns in the chat, in one statement (not committed); the number
    deleted (a user with fewer turns: the subquery is empty, and id < NULL deletes nothing)."""
    result = session.execute(_PRUNE, {"chat_key": chat_key, "user_id": user_id, "skip": keep - 1})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
