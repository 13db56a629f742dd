"""Fixtures for the channel tests: the demo database behind a router with a fixed clock and no model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from bot.app import build_services
from bot.services import Services
from bot.settings import Settings
from storage.demo import load_demo

DEMO_TODAY = date(2026, 11, 25)


@pytest.fixture
def demo_services(db_url: str, session: Session) -> Iterator[Services]:
    """Services over the demo data as of 2026-11-25, at 10:00 in Shanghai, with no model configured."""
    load_demo(session, DEMO_TODAY)
    services = build_services(
        Settings(database_url=db_url, llm_api_key=None, llm_base_url=None),
        clock=lambda: datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
    )
    yield services
    services.engine.dispose()
