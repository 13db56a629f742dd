"""The one place that wires the assistant: database, router, agent, and the Telegram application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import tools  # noqa: F401 - importing registers every tool
from bot.router import Router
from bot.settings import Settings
from storage.db import is_empty, make_engine, make_session_factory, upgrade


@dataclass
class Services:
    """What lives as long as the process: settings, engine, sessions and the router."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    router: Router


def build_services(settings: Settings, *, clock: Callable[[], datetime] | None = None) -> Services:
    """Engine, sessions, the agent when a model is configured, and the router over them."""
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    agent = None
    if settings.llm_enabled:
        from bot.agent import Agent  # langchain loads only when a model is configured

        agent = Agent(settings)
    router = Router(sessions, agent=agent, timezone=settings.timezone, clock=clock)
    return Services(settings=settings, engine=engine, sessions=sessions, router=router)


def local_today(settings: Settings) -> date:
    """Today in the configured timezone."""
    return datetime.now(UTC).astimezone(ZoneInfo(settings.timezone)).date()


def prepare_database(services: Services, today: date) -> bool:
    """Migrate, and load the demo when the database holds no project yet; True if the demo was loaded."""
    upgrade(services.engine)
    if not is_empty(services.engine):
        return False
    from storage.demo import load_demo

    with services.sessions() as session:
        return load_demo(session, today)


from typing import TYPE_CHECKING, Any  # noqa: E402 - appended with the Telegram wiring

if TYPE_CHECKING:  # the Telegram part is imported only when the bot runs
    from telegram.ext import Application


def build_application(services: Services) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Telegram application over the services: handlers, error handler, rate limiter and digest jobs."""
    from telegram.ext import AIORateLimiter, ApplicationBuilder, CommandHandler, ContextTypes, MessageHandler, filters

    from bot import telegram as tg
    from bot.render import file_url

    settings = services.settings
    if settings.telegram_token is None:
        raise ValueError("SITEBOT_TELEGRAM_TOKEN is not set")
    application = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings.telegram_api_url))
        .context_types(ContextTypes(bot_data=tg.BotData))
        # Updates are handled concurrently (a slow model call must not stall other chats); one chat's
        # messages still go in order (tg.exactly_once holds a per-chat lock).
        .concurrent_updates(True)
        # Without retries the limiter raises RetryAfter at once; it does not enforce 1 msg/s per private chat.
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(tg.on_startup)
        .build()
    )
    application.bot_data.services = services
    private_or_group = filters.ChatType.PRIVATE | filters.ChatType.GROUPS
    # Order matters: /start and /project are the channel's own; every other command and all text go
    # to the router, which knows the tool commands (/help, /log, /budget, ...).
    application.add_handler(CommandHandler("start", tg.on_start, filters=private_or_group))
    application.add_handler(CommandHandler("project", tg.on_project, filters=private_or_group))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & private_or_group, tg.on_text))
    application.add_error_handler(tg.on_error)
    return application
