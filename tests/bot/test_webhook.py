"""Webhook mode and several processes: the real python-telegram-bot webhook server over the real database.

Updates are posted over HTTP the way Telegram posts them; the server answers 200 only once the update is in the
inbox, 500 when it cannot be stored, 403 without the secret. Leases on the inbox let a peer take over what a dead
process left, and the polling lock keeps a second poller from starting.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.channels.telegram import inbox as tg_inbox
from bot.channels.telegram import jobs, poller
from bot.channels.telegram.handlers import webhook_options
from bot.channels.telegram.process import STORE_LEASE, store_update
from bot.services import Services
from bot.settings import Settings
from storage.models import Chat, InboxUpdate, Project, Role
from tests.support.channel import NOW, make_services
from tests.support.factories import Factory
from tests.support.fake_telegram import FakeTelegram, message_update

SECRET = "s3cret_Token-1"
URL = "https://bot.example.com/tg/hook"
FOREMAN_TG = 1001


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def api() -> Any:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def services(engine: Engine, db_url: str, api: FakeTelegram, make: Factory) -> Services:
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.user("老王", project=project, role=Role.foreman, telegram_id=FOREMAN_TG)
    return make_services(
        engine,
        db_url,
        token=api.token,
        api_url=api.api_url,
        webhook_url=URL,
        webhook_secret=SECRET,
        webhook_port=free_port(),
    )


@pytest.fixture
async def served(services: Services) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """The application behind its webhook server, as `sitebot run` starts it with SITEBOT_WEBHOOK_URL set."""
    application = build_application(services)
    async with application:
        assert application.updater is not None
        await application.updater.start_webhook(**webhook_options(services.settings))
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


async def post(services: Services, body: dict[str, Any], secret: str | None = SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    url = f"http://127.0.0.1:{services.settings.webhook_port}/tg/hook"
    async with httpx.AsyncClient() as client:
        answer = await client.post(url, content=json.dumps(body).encode(), headers=headers)
    return answer.status_code


def stored(session: Session, update_id: int) -> InboxUpdate | None:
    session.rollback()
    return session.get(InboxUpdate, update_id, populate_existing=True)


async def test_webhook_is_set_with_its_secret_and_refuses_posts_without_it(
    served: Any, services: Services, api: FakeTelegram, session: Session
) -> None:
    [call] = api.calls("setWebhook")
    assert call["url"] == URL and call["secret_token"] == SECRET
    assert json.loads(call["allowed_updates"]) == ["message", "edited_message", "callback_query"]
    update = message_update(5, "/start", user_id=FOREMAN_TG)
    assert await post(services, update, secret=None) == 403
    assert await post(services, update, secret="wrong") == 403
    await asyncio.sleep(0.2)
    assert stored(session, 5) is None
    assert api.sent_texts() == []


async def test_webhook_answers_200_once_the_update_is_stored_and_a_retry_is_answered_once(
    served: Any, services: Services, api: FakeTelegram, session: Session
) -> None:
    update = message_update(6, "/start", user_id=FOREMAN_TG)
    assert await post(services, update) == 200
    row = stored(session, 6)
    assert row is not None and row.lease_owner in (services.owner, None)  # the receiver holds it until done
    await asyncio.to_thread(api.wait_for, "sendMessage")
    assert await post(services, update) == 200  # Telegram did not get the 200 in time and sends it again
    await served.bot_data.workers.drain()
    await asyncio.sleep(0.2)
    await served.bot_data.workers.drain()
    assert len(api.sent_texts()) == 1 and "工地助手" in api.sent_texts()[0]
    row = stored(session, 6)
    assert row is not None and row.status == "done"


async def test_webhook_answers_500_when_the_update_cannot_be_stored(
    served: Any, services: Services, api: FakeTelegram, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = []

    def broken(services: Services, update: Update) -> bool:
        failures.append(update.update_id)
        raise OperationalError("INSERT INTO inbox_update", {}, Exception("the database is down"))

    monkeypatch.setattr(tg_inbox, "store_update", broken)
    update = message_update(7, "/start", user_id=FOREMAN_TG)
    assert await post(services, update) == 500  # Telegram keeps it and sends it again
    assert failures == [7] and stored(session, 7) is None
    monkeypatch.setattr(tg_inbox, "store_update", store_update)
    assert await post(services, update) == 200
    await asyncio.to_thread(api.wait_for, "sendMessage")
    await served.bot_data.workers.drain()
    assert len(api.sent_texts()) == 1


def test_webhook_settings_need_an_https_url_and_a_secret() -> None:
    def problem(**values: Any) -> str | None:
        return Settings(_env_file=None, **values).webhook_problem()  # type: ignore[call-arg]

    assert problem() is None  # polling
    assert problem(webhook_url=URL, webhook_secret=SECRET) is None
    assert "https://" in str(problem(webhook_url="http://bot.example.com/hook", webhook_secret=SECRET))
    assert "SITEBOT_WEBHOOK_SECRET" in str(problem(webhook_url=URL))
    assert "SITEBOT_WEBHOOK_SECRET" in str(problem(webhook_url=URL, webhook_secret="has spaces"))


# -- several processes: leases on the inbox ------------------------------------------------------------


def dead_pid() -> int:
    """The pid of a process that ran on this host and has exited (and was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
async def app(services: Services) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = build_application(services)
    async with application:
        yield application


async def test_a_peer_takes_over_what_a_dead_process_left_but_not_what_a_live_one_holds(
    app: Any, services: Services, api: FakeTelegram, session: Session
) -> None:
    host = socket.gethostname()[:30]
    owners = {
        11: "elsewhere:4242:aaaaaa",  # a live process on another host, its lease running
        12: f"{host}:{dead_pid()}:bbbbbb",  # a process on this host that died: taken over at once
        13: "elsewhere:4343:cccccc",  # on another host, silent past its lease: taken for dead
    }
    for update_id, owner in owners.items():
        peer = Services(
            settings=services.settings,
            engine=services.engine,
            sessions=services.sessions,
            router=services.router,
            owner=owner,
            clock=(lambda: NOW - STORE_LEASE - timedelta(seconds=1)) if update_id == 13 else (lambda: NOW),
        )
        data = message_update(update_id, "/start", user_id=5000 + update_id)  # three chats: none waits for another
        store_update(peer, Update.de_json(data, app.bot))

    workers = app.bot_data.workers
    taken = await jobs.adopt_orphans(services, app.bot, workers)
    await workers.drain()
    assert taken == 2
    assert [stored(session, u).status for u in (11, 12, 13)] == ["pending", "done", "done"]  # type: ignore[union-attr]
    assert len(api.sent_texts()) == 2
    assert await jobs.adopt_orphans(services, app.bot, workers) == 0  # the live peer's update stays its own


# -- one poller per token --------------------------------------------------------------------------------


def test_a_second_poller_is_refused_until_the_first_dies_or_goes_silent(services: Services) -> None:
    def process(owner: str, at: Any = NOW) -> Services:
        return Services(
            settings=services.settings,
            engine=services.engine,
            sessions=services.sessions,
            router=services.router,
            owner=owner,
            clock=lambda: at,
        )

    first = process("elsewhere:1:aaaaaa")
    second = process("elsewhere:2:bbbbbb")
    assert poller.take(first) is None
    assert poller.take(first) is None  # taking it again is holding it
    refused = poller.take(second)
    assert refused is not None and "already long-polling" in refused and "elsewhere:1:aaaaaa" in refused
    assert poller.lock_name(first) == "telegram-poller:123"  # the bot id only, never the token's secret part

    later = NOW + poller.LEASE - timedelta(seconds=1)
    assert poller.renew(process("elsewhere:1:aaaaaa", later)) is True  # the heartbeat keeps it
    assert poller.take(process("elsewhere:2:bbbbbb", later + timedelta(seconds=2))) is not None
    silent = later + poller.LEASE + timedelta(seconds=1)
    assert poller.take(process("elsewhere:2:bbbbbb", silent)) is None  # the first stopped renewing
    assert poller.renew(process("elsewhere:1:aaaaaa", silent)) is False  # and learns it lost the lock

    died = process(f"{socket.gethostname()[:30]}:{dead_pid()}:dddddd")
    poller.release(process("elsewhere:2:bbbbbb"))
    assert poller.take(died) is None
    assert poller.take(second) is None  # its holder ran on this host and exited: taken at once


async def test_digest_jobs_follow_chats_bound_or_changed_by_another_process(
    app: Any, services: Services, session: Session, make: Factory
) -> None:
    project = session.scalars(select(Project)).one()
    kept = Chat(telegram_chat_id=-1, title="一", project_id=project.id, timezone="Asia/Shanghai", digest_time="08:00")
    moved = Chat(telegram_chat_id=-2, title="二", project_id=project.id, timezone="Asia/Shanghai", digest_time="08:00")
    dropped = Chat(telegram_chat_id=-3, title="三", project_id=project.id, timezone="Asia/Shanghai")
    session.add_all([kept, moved, dropped])
    session.commit()
    jobs.schedule_all(app, services)
    assert jobs.refresh_schedules(app.job_queue, jobs.bound_chats(services)) == 0

    # another process: /project elsewhere binds a new chat, one chat's digest moves, one chat is unbound
    moved.digest_time = "07:15"
    dropped.project_id = None
    new = Chat(telegram_chat_id=-4, title="四", project_id=project.id, timezone="Europe/London", digest_time="09:00")
    session.add(new)
    session.commit()
    assert jobs.refresh_schedules(app.job_queue, jobs.bound_chats(services)) == 3
    digest_jobs = {job.name: job for job in app.job_queue.jobs() if job.name.startswith("digest:")}
    assert set(digest_jobs) == {f"digest:{c.id}" for c in (kept, moved, new)}
    assert "hour='7', minute='15'" in str(digest_jobs[f"digest:{moved.id}"].job.trigger)
    assert str(digest_jobs[f"digest:{new.id}"].job.trigger.timezone) == "Europe/London"


async def test_a_chats_later_update_waits_while_another_process_holds_an_earlier_one(
    app: Any, services: Services, api: FakeTelegram, session: Session
) -> None:
    peer = Services(
        settings=services.settings,
        engine=services.engine,
        sessions=services.sessions,
        router=services.router,
        owner="elsewhere:4242:aaaaaa",  # alive, its lease running
        clock=lambda: NOW,
    )
    store_update(peer, Update.de_json(message_update(30, "/start", user_id=FOREMAN_TG, message_id=30), app.bot))
    later = Update.de_json(message_update(31, "/start", user_id=FOREMAN_TG, message_id=31), app.bot)
    await app.update_queue.put(later)
    app.update_queue.get_nowait()
    app.bot_data.workers.submit(later)
    await asyncio.sleep(1.0)
    assert stored(session, 31).status == "pending" and api.sent_texts() == []  # type: ignore[union-attr]
    assert app.bot_data.workers.holds(31)

    session.execute(update(InboxUpdate).where(InboxUpdate.update_id == 30).values(status="done"))  # the peer is done
    session.commit()
    for _ in range(50):
        if stored(session, 31).status == "done":  # type: ignore[union-attr]
            break
        await asyncio.sleep(0.1)
    await app.bot_data.workers.drain()
    assert stored(session, 31).status == "done" and len(api.sent_texts()) == 1  # type: ignore[union-attr]


def test_run_refuses_webhook_mode_without_a_secret(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.commands_cli import cmd_run

    settings = Settings(_env_file=None, telegram_token="123:ABC", webhook_url=URL)  # type: ignore[call-arg]
    assert cmd_run(settings, argparse.Namespace()) == 2
    error = capsys.readouterr().err
    assert "SITEBOT_WEBHOOK_SECRET must be set" in error and "ABC" not in error


async def test_an_earlier_update_a_dead_process_left_is_answered_before_a_later_one_of_its_chat(
    app: Any, services: Services, api: FakeTelegram, session: Session
) -> None:
    dead = Services(
        settings=services.settings,
        engine=services.engine,
        sessions=services.sessions,
        router=services.router,
        owner=f"{socket.gethostname()[:30]}:{dead_pid()}:eeeeee",
        clock=lambda: NOW,
    )
    store_update(dead, Update.de_json(message_update(40, "/start", user_id=FOREMAN_TG, message_id=40), app.bot))
    later = Update.de_json(message_update(41, "/project", user_id=FOREMAN_TG, message_id=41), app.bot)
    await app.update_queue.put(later)  # stored by this process, which gets it first
    app.update_queue.get_nowait()
    app.bot_data.workers.submit(later)
    await asyncio.sleep(0.3)
    assert api.sent_texts() == []  # it waits for update 40
    assert await jobs.adopt_orphans(services, app.bot, app.bot_data.workers) == 1  # the sweep finds 40
    for _ in range(50):
        if len(api.sent_texts()) == 2:
            break
        await asyncio.sleep(0.1)
    greeting, project = api.sent_texts()
    assert "工地助手" in greeting and "默认项目" in project
