"""Short per-chat memory for the model: the last few turns, kept in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.queries.conversation import add_turn, prune_turns, recent_turns

KEEP_TURNS = 20  # rows per chat kept in the table (10 exchanges)
MAX_TURN_CHARS = 600  # a long reply (a table) is cut before it goes back to the model
_STORE_CHARS = 4000


def load_history(session: Session, chat_key: str, limit: int = 6) -> list[tuple[str, str]]:
    """The chat's last `limit` turns as (role "user"|"assistant", text), oldest first, each cut short."""
    return [
        (turn.role, _cut(turn.text, MAX_TURN_CHARS))
        for turn in recent_turns(session=session, chat_key=chat_key, limit=limit)
    ]


def remember(session: Session, chat_key: str, user_text: str, reply_text: str, *, now: datetime) -> None:
    """Store one exchange (user then assistant), commit, and forget all but the newest turns."""
    add_turn(session=session, chat_key=chat_key, role="user", text=_cut(user_text, _STORE_CHARS), at=now)
    add_turn(session=session, chat_key=chat_key, role="assistant", text=_cut(reply_text, _STORE_CHARS), at=now)
    session.flush()
    prune_turns(session=session, chat_key=chat_key, keep=KEEP_TURNS)
    session.commit()


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
