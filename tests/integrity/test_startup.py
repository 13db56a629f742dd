"""Sixteen processes started at once on a new, empty database all come up: one migration, one demo, one admin.

The processes are forked from a warm process of the pool (no import in between) and meet at a barrier, then each
does what `sitebot chat` / `sitebot start` does before its first message (storage.startup's lock around
migrate and demo, then the local administrator), or what `sitebot demo` does. The database is a new SQLite
file, or a new PostgreSQL schema, created for the test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select, text

from storage.db import alembic_config, make_engine, make_session_factory, upgrade
from storage.demo import load_demo
from storage.models import (
    CostEntry,
    FundTxn,
    LaborEntry,
    Membership,
    Project,
    RateHistory,
    Task,
    User,
    Worker,
    WorkerPayment,
)
from tests.conftest import PG_URL, _with_schema
from tests.integrity.conftest import Processes
from tests.integrity.procs import TODAY, start_together

pytestmark = pytest.mark.slow

N = 16


@pytest.fixture
def new_database(tmp_path: Path) -> Iterator[str]:
    """A URL to a database nothing has touched: a new SQLite file, or a new PostgreSQL schema."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    schema = f"n_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _with_schema(PG_URL, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


DEMO_TABLES = (Project, User, Membership, Worker, RateHistory, Task, LaborEntry, WorkerPayment, CostEntry, FundTxn)


def counts(engine: Engine) -> dict[str, int]:
    """Rows per demo table (users other than the local administrator)."""
    with engine.connect() as connection:
        found = {t.__tablename__: connection.scalar(select(func.count()).select_from(t)) or 0 for t in DEMO_TABLES}
        found["app_user"] -= connection.scalar(select(func.count()).where(User.name == "admin")) or 0
    return found


@pytest.fixture(scope="module")
def demo_once(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """What one load of the demo writes, loaded alone into a database of its own."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'once.db'}")
    try:
        upgrade(engine)
        with make_session_factory(engine)() as session:
            assert load_demo(session, TODAY)
        return counts(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("entry", ["chat", "demo"])
def test_sixteen_processes_starting_at_once_on_a_new_database_all_succeed_and_set_it_up_once(
    entry: str, new_database: str, processes: Processes, demo_once: dict[str, int]
) -> None:
    started = processes.pool.submit(start_together, new_database, N, entry, TODAY).result(timeout=600)

    assert [s.error for s in started] == [None] * N, "\n".join(s.error or "" for s in started)
    engine = make_engine(new_database)
    try:
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
        assert counts(engine) == demo_once  # the demo, loaded once: not twice, not half
        if entry == "chat":
            assert sum(s.loaded for s in started) == 1
            with make_session_factory(engine)() as session:
                admins = session.scalars(select(User.id).where(User.name == "admin", User.telegram_id.is_(None)))
                assert list(admins) == [started[0].admin_id]  # one local administrator, the one every process uses
            assert {s.admin_id for s in started} == {started[0].admin_id}
    finally:
        engine.dispose()


def test_sixteen_terminals_starting_at_once_on_a_set_up_database_share_one_local_administrator(
    db_url: str, processes: Processes
) -> None:
    """`sitebot chat` acts as the local administrator, created on first use: sixteen first uses at once make one."""
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        assert load_demo(session, TODAY)
    engine.dispose()

    started = processes.pool.submit(start_together, db_url, N, "admin", TODAY).result(timeout=600)

    assert [s.error for s in started] == [None] * N, "\n".join(s.error or "" for s in started)
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            admins = list(session.scalars(select(User).where(User.name == "admin", User.telegram_id.is_(None))))
        assert [(a.id, a.is_admin) for a in admins] == [(started[0].admin_id, True)]
        assert {s.admin_id for s in started} == {admins[0].id}
    finally:
        engine.dispose()
