"""Engines, sessions and migrations for SQLite (embedded) and PostgreSQL (teams)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

import storage.names  # noqa: F401  (its session listeners keep the name keys and the change marker)

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Map plain postgres URLs to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


WRITE = "sitebot_write"  # execution option: this connection's transaction will write


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite would BEGIN only before the first INSERT, so the reads a write depends on ran outside its
    # transaction; we BEGIN ourselves (see _sqlite_begin), which also makes SAVEPOINT work as documented.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """BEGIN IMMEDIATE for a write transaction: the database's write lock is taken before the first read, so
    nothing a tool checked (what is owed, a daily cap) can change before it commits; BEGIN for reads."""
    immediate = connection.get_execution_options().get(WRITE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the per-connection set-up each database needs."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def begin_write(session: Session) -> None:
    """Start the session's write transaction (ending its read transaction, which wrote nothing).

    On SQLite the write lock is taken at once (BEGIN IMMEDIATE); on PostgreSQL checks that must hold until
    commit take their own keys with storage.locks.lock.
    """
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write: the read transaction has unflushed changes")
        session.commit()
    session.connection(execution_options={WRITE: True})


def in_write(session: Session) -> bool:
    """Whether the session is inside a transaction begun by begin_write."""
    return session.in_transaction() and bool(session.connection().get_execution_options().get(WRITE))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (replies are rendered after the write)."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """Alembic configured in code, so migrations ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    command.upgrade(alembic_config(engine), "head")


def is_empty(engine: Engine) -> bool:
    """True when no project exists yet (or the schema is missing)."""
    if not inspect(engine).has_table("project"):
        return True
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT 1 FROM project LIMIT 1").first() is None
