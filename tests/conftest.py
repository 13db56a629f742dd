"""Fixtures: a real database per test (a SQLite file, or PostgreSQL when SITEBOT_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Base
from tests.support.factories import Factory

PG_URL = os.environ.get("SITEBOT_TEST_DATABASE_URL")
TODAY = date(2026, 11, 25)


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per run: a SQLite template file, or a fresh PostgreSQL schema of our own."""
    if PG_URL:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = make_engine(PG_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(_with_schema(PG_URL, schema))
        upgrade(engine)
        engine.dispose()
        yield schema
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield str(path)


def _with_schema(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use our schema, so the CLI and Settings can take it as is."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def db_url(_template: str, tmp_path: Path) -> Iterator[str]:
    """A URL for this test's own database (SQLite) or the run's schema, emptied afterwards (PostgreSQL)."""
    if not PG_URL:
        path = tmp_path / "sitebot.db"
        shutil.copyfile(_template, path)
        yield f"sqlite:///{path}"
        return
    url = _with_schema(PG_URL, _template)
    yield url
    cleaner = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with cleaner.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    cleaner.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    factory = make_session_factory(engine)
    with factory() as session:
        yield session


@pytest.fixture
def make(session: Session) -> Factory:
    """Factories for rows and contexts: make.project(...), make.worker(...), make.ctx(...)."""
    return Factory(session, today=TODAY)
