"""The one place that wires the assistant: database, router, agent, and the Telegram application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import tools  # noqa: F401 - importing registers every tool
from bot.router import Router
from bot.services import Services
from bot.settings import Settings
from storage.db import make_engine, make_session_factory
from storage.startup import prepare

if TYPE_CHECKING:  # the Telegram part is imported only when the bot runs
    from sqlalchemy.orm import Session, sessionmaker
    from telegram.ext import Application


def build_services(settings: Settings, *, clock: Callable[[], datetime] | None = None) -> Services:
    """Engine, sessions, the agent when a model is configured, and the router over them."""
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    agent = None
    if settings.llm_enabled:
        from bot.agent import Agent  # langchain loads only when a model is configured

        agent = Agent(settings)
    router = Router(
        sessions,
        agent=agent,
        timezone=settings.timezone,
        clock=clock,
        proposal_minutes=settings.proposal_minutes,
        rate_limit=settings.rate_limit_per_minute,
        max_text=settings.max_message_chars,
        daily_tokens=settings.llm_daily_tokens if agent is not None else 0,
    )
    from bot import metrics

    metrics.watch(sessions, router.clock)  # tool runs counted, queues read at scrape (served only when a port is set)
    return Services(settings=settings, engine=engine, sessions=sessions, router=router, clock=router.clock)


def local_today(settings: Settings) -> date:
    """Today in the configured timezone."""
    return datetime.now(UTC).astimezone(ZoneInfo(settings.timezone)).date()


def prepare_database(services: Services, today: date) -> bool:
    """Migrate, and load the demo when the database holds no project yet; True if the demo was loaded.

    Several processes starting at once on a new database take turns (storage.startup's lock).
    """
    loaded = prepare(services.engine, services.sessions, today)
    if loaded:
        demo_alerts_known(services.sessions, today)
    return loaded


def demo_alerts_known(sessions: sessionmaker[Session], today: date) -> None:
    """After the demo is loaded: its standing overruns are recorded as known (tools.alerts.baseline), so the first
    write does not announce them all at once; the morning digest still lists them."""
    from tools.alerts import baseline

    with sessions() as session:
        baseline(session, today)


def build_application(services: Services) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Telegram application over the services: the inbox queue, the one update handler, start-up and jobs."""
    from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, TypeHandler

    from bot.channels.telegram import handlers as tg
    from bot.channels.telegram.inbox import InboxQueue
    from bot.channels.telegram.workers import ChatWorkers
    from bot.render import file_url

    settings = services.settings
    if settings.telegram_token is None:
        raise ValueError("SITEBOT_TELEGRAM_TOKEN is not set")
    builder = ApplicationBuilder()
    if settings.telegram_proxy:  # python-telegram-bot's own request settings, for sending and for polling
        builder = builder.proxy(settings.telegram_proxy).get_updates_proxy(settings.telegram_proxy)
    inbox = InboxQueue(services)
    application = (
        builder.token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings.telegram_api_url))
        .context_types(ContextTypes(bot_data=tg.BotData))
        # Every update is stored in the inbox before it is queued (so before Telegram is told it arrived).
        .update_queue(inbox)
        # Updates are handed to per-chat workers at once: a slow model call must not stall other chats, while
        # one chat's messages still go in order.
        .concurrent_updates(True)
        # Without retries the limiter raises RetryAfter at once; it does not enforce 1 msg/s per private chat.
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(tg.on_startup)
        .post_stop(tg.on_shutdown)
        .build()
    )
    application.bot_data.services = services
    application.bot_data.workers = ChatWorkers(services, fresh=inbox.fresh)
    application.bot_data.workers.bot = application.bot
    application.add_handler(TypeHandler(object, tg.on_update))
    application.add_error_handler(tg.on_error)
    return application
