"""Inserts that may race, decided by the database: INSERT … ON CONFLICT DO NOTHING."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """Insert a row unless it conflicts with a unique key; True if this call inserted it.

    RETURNING tells (rowcount is not reliable for this on every driver: psycopg reports -1). A conflict raises
    nothing, so it never aborts the caller's transaction (another user's write is never lost over it).
    """
    return insert_ignore_key(session, table, values) is not None


def insert_ignore_key(session: Session, table: Any, values: dict[str, Any]) -> Any | None:
    """insert_ignore, telling the new row's primary key (None when a row with the same unique key was there)."""
    row = session.execute(_insert_ignore_returning(session.get_bind().dialect.name, table), values).first()
    return None if row is None else row[0]


@functools.cache
def _insert_ignore_returning(dialect: str, table: Any) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING RETURNING the key, built once per table: the values are bound per call (a
    message's inbox, reply and memory rows go through here, so no statement is rebuilt on the hot path)."""
    return _insert_ignore(dialect, table).returning(next(iter(table.primary_key.columns)))


@functools.cache
def _insert_ignore(dialect: str, table: Any) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING for a table in the dialect's words, built once."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(dialect)  # pragma: no cover - only SQLite and PostgreSQL are supported


def insert_ignore_many(session: Session, table: Any, rows: list[dict[str, Any]], *, returning: Any = None) -> list[Any]:
    """insert_ignore for many rows in one executemany (one compiled statement, sent in batches); with returning (a
    column), its values for the rows this call inserted."""
    if not rows:
        return []
    statement = _insert_ignore(session.get_bind().dialect.name, table)
    if returning is None:
        session.execute(statement, rows)
        return []
    return list(session.scalars(statement.returning(returning), rows))
