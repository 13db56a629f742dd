"""The real python-telegram-bot Application against a fake Bot API server, over the real database."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import Application

from bot import telegram as tg
from bot.app import Services, build_application
from bot.router import Incoming, Reply
from storage.models import Chat, LaborEntry, Membership, ProcessedUpdate, Role, User
from tests.support.channel import make_services
from tests.support.factories import Factory
from tests.support.fake_telegram import BOT_USERNAME, FakeTelegram, message_update
from tools.base import Attachment

FOREMAN_TG = 1001
STRANGER_TG = 2002
ADMIN_TG = 9000
GROUP = -100500


@pytest.fixture
def api() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def services(engine: Engine, db_url: str, api: FakeTelegram) -> Services:
    return make_services(engine, db_url, token=api.token, api_url=api.api_url, admin_ids=[ADMIN_TG])


@pytest.fixture
async def app(services: Services) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = build_application(services)
    async with application:  # initialize (getMe) … shutdown, as run_polling does around polling
        yield application


@pytest.fixture
def site(make: Factory) -> dict[str, Any]:
    """Project SG3 with a budget, worker 李四 and a foreman known by Telegram id."""
    project = make.project(code="SG3", name="阳光花园3号楼", aliases=["阳光花园"])
    make.budget(project, "labor", 100000)
    make.budget(project, "materials", 200000)
    worker = make.worker("李四", 380)
    foreman = make.user("老王", project=project, role=Role.foreman, telegram_id=FOREMAN_TG)
    return {"project": project, "worker": worker, "foreman": foreman}


async def deliver(app: Application[Any, Any, Any, Any, Any, Any], update: dict[str, Any]) -> None:
    await app.process_update(Update.de_json(update, app.bot))


def bind(session: Session, project_id: int, telegram_chat_id: int = GROUP) -> Chat:
    chat = Chat(telegram_chat_id=telegram_chat_id, title="工地群", project_id=project_id, timezone="Asia/Shanghai")
    session.add(chat)
    session.commit()
    return chat


class ScriptedRouter:
    """Stands in for the router when a test is about the channel, not the understanding."""

    def __init__(self, reply: Reply | Exception) -> None:
        self.reply = reply
        self.seen: list[Incoming] = []

    def handle(self, incoming: Incoming) -> Reply:
        self.seen.append(incoming)
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


# -- answering -------------------------------------------------------------------------------------


async def test_a_question_is_answered_through_the_router(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    bind(session, site["project"].id)
    await deliver(app, message_update(1, "预算还剩多少", user_id=FOREMAN_TG, chat_id=GROUP))

    [answer] = api.calls("sendMessage")
    assert answer.chat_id == GROUP
    assert "SG3" in answer.text and "人工费" in answer.text and "¥100,000.00" in answer.text
    assert '"message_id": 1' in answer["reply_parameters"]  # quotes the question in a group


async def test_commands_go_to_the_router_without_the_bot_mention(
    app: Any, api: FakeTelegram, services: Services, site: dict[str, Any]
) -> None:
    router = ScriptedRouter(Reply("ok", "command"))
    services.router = router  # type: ignore[assignment]
    await deliver(app, message_update(1, f"/budget@{BOT_USERNAME} SG3", user_id=FOREMAN_TG))

    assert [m.text for m in router.seen] == ["/budget SG3"]
    assert router.seen[0].chat_key == f"tg:{FOREMAN_TG}"
    assert router.seen[0].user_id == site["foreman"].id
    assert api.sent_texts() == ["ok"]


async def test_redelivered_update_is_written_once(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    bind(session, site["project"].id)
    update = message_update(7, "李四今天一个工", user_id=FOREMAN_TG, chat_id=GROUP)
    await deliver(app, update)
    await deliver(app, update)  # the same update id again: a getUpdates retry, a webhook re-post

    entries = session.scalars(select(LaborEntry)).all()
    assert [(e.days, e.amount) for e in entries] == [(Decimal(1), Decimal("380.00"))]
    [answer] = api.calls("sendMessage")
    assert "李四" in answer.text and "2026-11-25" in answer.text and "SG3" in answer.text
    assert session.get(ProcessedUpdate, 7).status == "done"


async def test_concurrent_deliveries_of_one_update_are_handled_once(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    bind(session, site["project"].id)
    update = message_update(8, "李四今天一个工", user_id=FOREMAN_TG, chat_id=GROUP)
    await asyncio.gather(deliver(app, update), deliver(app, update), deliver(app, update))

    assert session.scalar(select(func.count(LaborEntry.id))) == 1
    assert len(api.calls("sendMessage")) == 1


async def test_a_slow_chat_does_not_stall_another(
    app: Any, api: FakeTelegram, services: Services, site: dict[str, Any]
) -> None:
    release = threading.Event()

    class SlowForOneChat:
        def handle(self, incoming: Incoming) -> Reply:
            if incoming.chat_key == f"tg:{GROUP}":
                assert release.wait(10)
                return Reply("slow", "llm")
            return Reply("fast", "command")

    services.router = SlowForOneChat()  # type: ignore[assignment]
    slow = asyncio.create_task(deliver(app, message_update(1, "想一想", user_id=FOREMAN_TG, chat_id=GROUP)))
    await asyncio.sleep(0.05)
    await asyncio.wait_for(deliver(app, message_update(2, "hi", user_id=FOREMAN_TG)), timeout=5)
    assert api.sent_texts() == ["fast"]
    release.set()
    await slow
    assert api.sent_texts() == ["fast", "slow"]


# -- identity and projects -------------------------------------------------------------------------


async def test_a_stranger_gets_a_user_without_projects_and_cannot_read(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    bind(session, site["project"].id)  # even in the project's own group
    await deliver(app, message_update(1, "SG3预算还剩多少", user_id=STRANGER_TG, chat_id=GROUP, first_name="Zhou"))

    stranger = session.scalar(select(User).where(User.telegram_id == STRANGER_TG))
    assert stranger is not None and stranger.name == "Zhou" and not stranger.is_admin
    assert session.scalar(select(func.count(Membership.id)).where(Membership.user_id == stranger.id)) == 0
    [answer] = api.sent_texts()
    assert "¥" not in answer and "人工费" not in answer
    assert "没有可以访问的项目" in answer or "不是项目" in answer


async def test_admin_ids_become_administrators(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    await deliver(app, message_update(1, "SG3预算还剩多少", user_id=ADMIN_TG, first_name="Boss"))

    admin = session.scalar(select(User).where(User.telegram_id == ADMIN_TG))
    assert admin is not None and admin.is_admin
    assert "¥100,000.00" in api.sent_texts()[0]


async def test_a_taken_name_gets_the_telegram_id(app: Any, site: dict[str, Any], session: Session) -> None:
    await deliver(app, message_update(1, "你好", user_id=STRANGER_TG, first_name="老王"))
    assert session.scalar(select(User.name).where(User.telegram_id == STRANGER_TG)) == f"老王#{STRANGER_TG}"


async def test_start_greets_and_tells_a_stranger_how_to_get_added(app: Any, api: FakeTelegram) -> None:
    await deliver(app, message_update(1, "/start", user_id=STRANGER_TG, first_name="Zhou", language_code="en"))

    [greeting] = api.sent_texts()
    assert greeting.startswith("Hello, Zhou!") and "/project" in greeting
    assert f"your Telegram ID: {STRANGER_TG}" in greeting


async def test_project_binds_the_chat_for_members(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    await deliver(app, message_update(1, "/project 阳光花园", user_id=FOREMAN_TG, chat_id=GROUP))

    chat = session.scalar(select(Chat).where(Chat.telegram_chat_id == GROUP))
    assert chat is not None and chat.project_id == site["project"].id
    assert "SG3" in api.sent_texts()[-1] and "08:00" in api.sent_texts()[-1]
    [job] = app.job_queue.get_jobs_by_name(f"digest:{chat.id}")
    assert job.job.misfire_grace_time == 3600

    await deliver(app, message_update(2, "李四今天一个工", user_id=FOREMAN_TG, chat_id=GROUP))
    [entry] = session.scalars(select(LaborEntry)).all()
    assert entry.project_id == site["project"].id  # the chat's project, without naming it


async def test_project_refuses_a_non_member(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    await deliver(app, message_update(1, "/project SG3", user_id=STRANGER_TG, chat_id=GROUP))

    chat = session.scalar(select(Chat).where(Chat.telegram_chat_id == GROUP))
    assert chat is not None and chat.project_id is None
    assert "没有可以访问的项目" in api.sent_texts()[0]


async def test_project_without_a_code_lists_the_choices(app: Any, api: FakeTelegram, site: dict[str, Any]) -> None:
    await deliver(app, message_update(1, "/project", user_id=FOREMAN_TG, chat_id=GROUP))
    assert "（未设置）" in api.sent_texts()[0] and "SG3 阳光花园3号楼" in api.sent_texts()[0]


# -- sending ---------------------------------------------------------------------------------------


async def test_long_replies_are_split_at_4096(
    app: Any, api: FakeTelegram, services: Services, site: dict[str, Any]
) -> None:
    lines = [f"{i:03d} 张三 1工 ¥350.00 " + "·" * 60 for i in range(200)]
    services.router = ScriptedRouter(Reply("\n".join(lines), "command"))  # type: ignore[assignment]
    await deliver(app, message_update(1, "/summary", user_id=FOREMAN_TG))

    texts = api.sent_texts()
    assert len(texts) == 4
    assert all(len(text) <= 4096 for text in texts)
    assert "\n".join(texts).split("\n") == lines


async def test_attachments_are_sent_as_documents(
    app: Any, api: FakeTelegram, services: Services, site: dict[str, Any]
) -> None:
    sheet = Attachment("labor-2026-11.xlsx", b"PK\x03\x04 sheet", "application/vnd.ms-excel")
    services.router = ScriptedRouter(Reply("点工汇总见附件", "command", [sheet]))  # type: ignore[assignment]
    await deliver(app, message_update(1, "/summary export", user_id=FOREMAN_TG))

    [document] = api.calls("sendDocument")
    assert document.files["document"] == ("labor-2026-11.xlsx", b"PK\x03\x04 sheet")
    assert api.sent_texts() == ["点工汇总见附件"]


async def test_an_error_gets_an_apology_not_a_stack_trace(
    app: Any, api: FakeTelegram, services: Services, site: dict[str, Any], session: Session
) -> None:
    services.router = ScriptedRouter(RuntimeError("password=hunter2 in /srv/app.py"))  # type: ignore[assignment]
    await deliver(app, message_update(3, "李四今天一个工", user_id=FOREMAN_TG))

    [apology] = api.sent_texts()
    assert apology == tg.APOLOGY
    assert "hunter2" not in apology and "Traceback" not in apology
    assert session.get(ProcessedUpdate, 3).status == "failed"


async def test_a_failed_send_is_reported_as_an_error(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    api.fail("sendMessage", times=1, status=400, description="Bad Request: chat not found")
    await deliver(app, message_update(4, "你好", user_id=FOREMAN_TG))
    assert session.get(ProcessedUpdate, 4).status == "failed"  # answered nothing, wrote its status


# -- lifetime --------------------------------------------------------------------------------------


async def test_startup_sets_the_menu_and_schedules_bound_chats(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session, make: Factory
) -> None:
    chat = bind(session, site["project"].id)
    other = make.project(code="RW", name="Riverside Warehouse", timezone="Europe/London")
    london = bind(session, other.id, telegram_chat_id=-200)
    london.digest_time = "07:30"
    london.timezone = "Europe/London"
    session.commit()
    bind(session, site["project"].id, telegram_chat_id=-300).project_id = None
    session.commit()

    await tg.on_startup(app)

    menus = api.calls("setMyCommands")
    assert [m.params.get("language_code") for m in menus] == ["zh", None]
    assert "/project" not in menus[0]["commands"] and '"command": "project"' in menus[0]["commands"]
    jobs = {job.name: job for job in app.job_queue.jobs()}
    assert set(jobs) == {f"digest:{chat.id}", f"digest:{london.id}", "outbox", "digest-catch-up"}
    trigger = jobs[f"digest:{london.id}"].job.trigger
    assert str(trigger.timezone) == "Europe/London"
    assert "hour='7', minute='30'" in str(trigger)
    assert jobs[f"digest:{chat.id}"].job.misfire_grace_time == 3600


async def test_polling_answers_updates_from_get_updates(
    services: Services, api: FakeTelegram, site: dict[str, Any]
) -> None:
    services.router = ScriptedRouter(Reply("收到", "command"))  # type: ignore[assignment]
    api.push_update(message_update(41, "你好", user_id=FOREMAN_TG))
    application = build_application(services)
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.01, timeout=1, drop_pending_updates=False)
        await application.start()
        try:
            await asyncio.to_thread(api.wait_for, "sendMessage")
        finally:
            await application.updater.stop()
            await application.stop()
    assert api.sent_texts() == ["收到"]
    assert api.calls("deleteWebhook")[0].params.get("drop_pending_updates") in (None, "False", "false")
