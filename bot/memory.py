"""Short memory for the model: the last few turns of one user in one chat, kept in the database.

Memory is per user within a chat: in a group, one member's model request never carries another member's words,
and a stranger's words are never stored at all (the router answers strangers before anything is remembered).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.queries.conversation import add_turns, prune_turns, recent_turns

KEEP_TURNS = 20  # rows per chat and user kept in the table (10 exchanges)
MAX_TURN_CHARS = 600  # a long reply (a table) is cut before it goes back to the model
_STORE_CHARS = 4000


def load_history(session: Session, chat_key: str, user_id: int, limit: int = 6) -> list[tuple[str, str]]:
    """The user's last `limit` turns in the chat as (role "user"|"assistant", text), oldest first, each cut short."""
    return [
        (turn.role, _cut(turn.text, MAX_TURN_CHARS))
        for turn in recent_turns(session=session, chat_key=chat_key, user_id=user_id, limit=limit)
    ]


def remember(session: Session, chat_key: str, user_id: int, user_text: str, reply_text: str, *, now: datetime) -> None:
    """Store one exchange (user then assistant) and forget all but the newest turns; the caller commits."""
    turns = [("user", _cut(user_text, _STORE_CHARS)), ("assistant", _cut(reply_text, _STORE_CHARS))]
    add_turns(session=session, chat_key=chat_key, user_id=user_id, turns=turns, at=now)
    prune_turns(session=session, chat_key=chat_key, user_id=user_id, keep=KEEP_TURNS)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
