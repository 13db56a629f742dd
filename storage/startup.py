"""Start-up: migrate, and load the demo into an empty database, one process at a time.

Several processes started at once on a new database (a deploy of two bot processes, `make run` twice, `sitebot
demo` next to a starting bot) would race to create the schema and the demo. They take turns instead: a PostgreSQL
session advisory lock, or on SQLite an exclusive lock on a file next to the database; whoever comes second finds
the work done. Every command that migrates goes through here (migrate, prepare, demo), never storage.db.upgrade
alone. (The local administrator is created race-free by itself: bot.channels.terminal.acting_user.)
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage.db import is_empty, upgrade
from storage.locks import key_hash

STARTUP_KEY = "sitebot:startup"


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Hold the database's start-up lock for the block (waiting for another process that holds it)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key_hash(STARTUP_KEY)})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key_hash(STARTUP_KEY)})
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    path = Path(database).with_name(Path(database).name + ".startup-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration, one process at a time (every command that migrates uses this)."""
    with startup_lock(engine):
        upgrade(engine)


def prepare(engine: Engine, sessions: sessionmaker[Session], today: date) -> bool:
    """Migrate to the newest schema and load the demo when no project exists; True if the demo was loaded."""
    with startup_lock(engine):
        upgrade(engine)
        if not is_empty(engine):
            return False
        from storage.demo import load_demo

        with sessions() as session:
            return load_demo(session, today)


def demo(engine: Engine, sessions: sessionmaker[Session], today: date) -> bool:
    """`sitebot demo`: migrate and load the demo unless it is there (SG3 exists); True if this call loaded it."""
    with startup_lock(engine):
        upgrade(engine)
        from storage.demo import load_demo

        with sessions() as session:
            return load_demo(session, today)
