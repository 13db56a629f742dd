"""Services for channel tests: the real router over the test database, a fixed clock, a Bot API double."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from bot.router import Router
from bot.services import Services
from bot.settings import Settings
from storage.db import make_session_factory

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai, on the suite's TODAY


def make_services(
    engine: Engine, db_url: str, *, token: str | None = None, api_url: str | None = None, **overrides: Any
) -> Services:
    """Services as build_services makes them, over the fixture's engine (its PostgreSQL schema included)."""
    values: dict[str, Any] = {"database_url": db_url, "telegram_token": token}
    if api_url is not None:
        values["telegram_api_url"] = api_url
    values.update(overrides)
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    sessions = make_session_factory(engine)
    router = Router(sessions, agent=None, timezone=settings.timezone, clock=lambda: NOW)
    return Services(settings=settings, engine=engine, sessions=sessions, router=router, clock=lambda: NOW)
