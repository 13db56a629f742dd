"""Model tokens per user per day, shared by every process through the database (the daily cap)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Insert, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import LlmUsage


def used(*, session: Session, user_id: int, day: date) -> tuple[int, bool]:
    """Tokens the user's model calls used on the day, and whether they were told the cap was reached."""
    row = session.execute(
        select(LlmUsage.tokens, LlmUsage.notified).where(LlmUsage.user_id == user_id, LlmUsage.day == day)
    ).first()
    return (int(row.tokens), bool(row.notified)) if row is not None else (0, False)


def add(*, session: Session, user_id: int, day: date, tokens: int = 0, notified: bool = False) -> None:
    """Add tokens to the user's day (one upsert: two processes adding at once both count)."""
    table: Table = LlmUsage.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    statement: Insert
    values = {"user_id": user_id, "day": day, "tokens": tokens, "notified": notified}
    if dialect == "postgresql":
        statement = postgresql.insert(table).values(**values)
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    excluded = statement.excluded  # type: ignore[attr-defined]
    update = {"tokens": table.c.tokens + excluded.tokens}
    if notified:
        update["notified"] = excluded.notified
    session.execute(statement.on_conflict_do_update(index_elements=["user_id", "day"], set_=update))
