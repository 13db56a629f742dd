"""Prometheus metrics on SITEBOT_METRICS_PORT: scraped over HTTP after real traffic (the Telegram application, the
model client, a digest), with the queues read from the database at scrape."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import Application

from bot import metrics
from bot.alerts.digest import write_digests
from bot.app import build_application, build_services
from bot.channels.telegram.outbox import send_due
from bot.settings import Settings
from storage.models import Chat, InboxUpdate, Notification, Role
from tests.support.factories import Factory
from tests.support.fake_openai import FakeOpenAI, text, tool_calls
from tests.support.fake_telegram import FakeTelegram, message_update

FOREMAN_TG = 1001
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scrape(port: int) -> Samples:
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def fake_model() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    with server.serve():
        yield server


async def deliver(app: Application[Any, Any, Any, Any, Any, Any], data: dict[str, Any]) -> None:
    update = Update.de_json(data, app.bot)
    await app.update_queue.put(update)
    app.update_queue.get_nowait()
    await app.process_update(update)
    await app.bot_data.workers.drain()


async def test_the_endpoint_reports_updates_tools_routes_model_use_notifications_and_queues(
    db_url: str, session: Session, make: Factory, fake_model: FakeOpenAI
) -> None:
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.budget(project, "labor", 100000)
    make.worker("李四", 380)
    make.worker("王五", 320)
    make.user("老王", project=project, role=Role.foreman, telegram_id=FOREMAN_TG)
    chat = Chat(telegram_chat_id=FOREMAN_TG, title=None, project_id=project.id, timezone="Asia/Shanghai")
    session.add(chat)
    session.commit()
    fake_model.script(
        text("这个我记不了。"),
        tool_calls(("log_labor", {"worker": "王五", "days": 1})),
        tool_calls(("log_labor", {"worker": "张山", "days": 1})),  # nobody: the tool refuses it
    )
    port = free_port()
    with FakeTelegram() as api:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=db_url,
            telegram_token=api.token,
            telegram_api_url=api.api_url,
            llm_api_key="k",
            llm_base_url=fake_model.base_url,
            llm_model="fake-model",
            llm_max_retries=0,
            metrics_port=port,
        )
        services = build_services(settings, clock=lambda: NOW)
        server = metrics.serve(port, services.sessions, addr="127.0.0.1")
        try:
            before = scrape(port)
            application = build_application(services)
            async with application:
                said = ["李四今天一个工", "预算还剩多少", "明天开会", "帮我给王师傅记一下", "是", "给张山记个工吧"]
                for n, words in enumerate(said, 1):
                    await deliver(application, message_update(n, words, user_id=FOREMAN_TG))
                await deliver(application, message_update(1, "李四今天一个工", user_id=FOREMAN_TG))  # redelivered
                assert write_digests(services, chat_ids=[chat.id]) == 1
                await send_due(services, application.bot)
            with services.sessions() as s:  # a reply nobody sent for an hour, an update nobody handled
                s.add(
                    Notification(chat_id=chat.id, kind="reply", dedupe_key="stuck", created_at=NOW - timedelta(hours=1))
                )
                s.add(InboxUpdate(update_id=99, chat_id=FOREMAN_TG, received_at=NOW - timedelta(minutes=3)))
                s.commit()
            after = scrape(port)
        finally:
            server.shutdown()
            server.server_close()
            services.engine.dispose()

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("sitebot_updates_total", outcome="written") == 2  # 李四, then 王五 confirmed
    assert grew("sitebot_updates_total", outcome="proposed") == 1
    assert grew("sitebot_updates_total", outcome="skipped") == 1  # the redelivery
    assert grew("sitebot_handler_seconds_count") == len(said)
    assert grew("sitebot_routes_total", route="parser") == 3  # the write, the read, the yes
    assert grew("sitebot_routes_total", route="model") == 3
    assert grew("sitebot_tool_calls_total", tool="log_labor", outcome="ok") >= 2
    assert grew("sitebot_tool_calls_total", tool="budget_status", outcome="ok") == 1
    assert grew("sitebot_tool_calls_total", tool="log_labor", outcome="refused") == 1  # 张山 is nobody
    assert grew("sitebot_model_calls_total", outcome="ok") == 3 and fake_model.calls == 3
    assert grew("sitebot_model_tokens_total", kind="input") == 3 * 1200
    assert grew("sitebot_model_tokens_total", kind="output") == 3 * 30
    assert grew("sitebot_model_seconds_count") == 3
    assert grew("sitebot_notifications_total", kind="reply", outcome="sent") == len(said)
    assert grew("sitebot_notifications_total", kind="digest", outcome="sent") == 1
    assert value(after, "sitebot_queue_depth", queue="outbox") == 1
    assert value(after, "sitebot_queue_oldest_seconds", queue="outbox") == 3600
    assert value(after, "sitebot_queue_depth", queue="inbox") == 1
    assert value(after, "sitebot_queue_oldest_seconds", queue="inbox") == 180
