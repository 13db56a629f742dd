"""The morning digest: built from the status tools, queued once per chat and day, sent once, retried on failure."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from telegram import Bot

from bot import commands_cli
from bot.alerts.digest import build_digest, digest_key, write_digests
from bot.app import build_application
from bot.channels.telegram import handlers as tg
from bot.channels.telegram.outbox import send_due
from bot.services import Services
from bot.settings import Settings
from storage.models import (
    BudgetLine,
    Chat,
    CostEntry,
    Direction,
    FundTxn,
    InboxUpdate,
    LaborEntry,
    Notification,
    Project,
    User,
)
from tests.conftest import TODAY
from tests.support.channel import make_services
from tests.support.factories import Factory
from tests.support.fake_telegram import FakeTelegram

GROUP = -100500


@pytest.fixture
def api() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def services(engine: Engine, db_url: str, api: FakeTelegram) -> Services:
    return make_services(engine, db_url, token=api.token, api_url=api.api_url)


def troubled(make: Factory, **overrides: Any) -> Project:
    """A project with an overrun (materials), a late task, a task behind plan, and cash below its floor."""
    project = make.project(code="SG3", name="阳光花园3号楼", cash_floor=Decimal(50000), **overrides)
    make.budget(project, "materials", 10000)
    make.budget(project, "labor", 100000)
    session = make.session
    session.add(CostEntry(project_id=project.id, category="materials", amount=Decimal(12500), entry_date=TODAY))
    session.add(
        FundTxn(
            project_id=project.id, direction=Direction.inflow, amount=Decimal(20000), txn_date=TODAY - timedelta(days=3)
        )
    )
    session.commit()
    make.task(
        project,
        "主体结构",
        planned_start=TODAY - timedelta(days=40),
        planned_finish=TODAY - timedelta(days=6),
        percent=Decimal(60),
    )
    make.task(
        project,
        "砌体工程",
        planned_start=TODAY - timedelta(days=10),
        planned_finish=TODAY + timedelta(days=10),
        percent=Decimal(10),
    )
    return project


def calm(make: Factory, **overrides: Any) -> Project:
    """Under budget, on schedule, cash well above its floor and needs."""
    project = make.project(code="BJ", name="滨江路", cash_floor=Decimal(1000), **overrides)
    make.budget(project, "materials", 100000)
    make.session.add(CostEntry(project_id=project.id, category="materials", amount=Decimal(100), entry_date=TODAY))
    make.session.add(FundTxn(project_id=project.id, direction=Direction.inflow, amount=Decimal(500000), txn_date=TODAY))
    make.session.commit()
    make.task(
        project,
        "管网铺设",
        planned_start=TODAY - timedelta(days=10),
        planned_finish=TODAY + timedelta(days=10),
        percent=Decimal(50),
    )
    return project


def bind(session: Session, project: Project, telegram_chat_id: int = GROUP, **overrides: Any) -> Chat:
    chat = Chat(
        telegram_chat_id=telegram_chat_id, title="工地群", project_id=project.id, timezone=project.timezone, **overrides
    )
    session.add(chat)
    session.commit()
    return chat


def notifications(session: Session) -> list[Notification]:
    session.rollback()  # end the read snapshot: see what other sessions committed
    return list(session.scalars(select(Notification).order_by(Notification.id)))


# -- content ----------------------------------------------------------------------------------------


def test_digest_lists_the_overrun_the_late_task_and_low_cash(make: Factory, session: Session) -> None:
    project = troubled(make)
    digest = build_digest(session, project, day=TODAY, language="zh")

    assert digest.text.splitlines()[0] == "📋 SG3 阳光花园3号楼 每日提醒（2026-11-25）"
    assert "· 材料费：已用 125.0%，超支 ¥2,500.00" in digest.text
    assert "· 主体结构：延误 6 天（计划 2026-11-19 完成，实际 60%）" in digest.text
    assert "· 砌体工程：计划 52.4% / 实际 10%" in digest.text
    assert "余额 ¥20,000.00 低于项目资金底线 ¥50,000.00" in digest.text
    assert "人工费" not in digest.text  # a line within budget is not news
    assert set(digest.sections) == {"budget", "schedule", "cash"}


def test_digest_reminds_of_recent_days_with_nothing_logged(make: Factory, session: Session) -> None:
    project = calm(make)
    make.budget(project, "labor", 100_000)
    worker = make.worker("张三", 300)
    session.add(
        LaborEntry(
            project_id=project.id,
            worker_id=worker.id,
            work_date=TODAY - timedelta(days=3),
            days=Decimal(1),
            daily_rate=Decimal(300),
            amount=Decimal(300),
        )
    )
    session.commit()
    digest = build_digest(session, project, day=TODAY, language="zh")
    assert "记工：" in digest.text and "11-23、11-24 没有记工" in digest.text
    assert digest.sections["labor"] and digest.problems == 1


def test_digest_speaks_the_projects_language(make: Factory, session: Session) -> None:
    project = troubled(make, language="en")
    digest = build_digest(session, project, day=TODAY, language="en")
    assert digest.text.startswith("📋 SG3 阳光花园3号楼 daily digest (2026-11-25)")
    assert "· Materials: 125.0% used, over by ¥2,500.00" in digest.text
    assert "Details: /budget" in digest.text


def test_nothing_wrong_is_one_all_clear_line(make: Factory, session: Session) -> None:
    digest = build_digest(session, calm(make), day=TODAY, language="zh")
    assert digest.problems == 0
    assert digest.text == "✅ BJ 滨江路（2026-11-25）：预算、进度、资金都没有问题。"


def test_the_digest_reads_as_the_system_and_writes_no_user(make: Factory, session: Session) -> None:
    build_digest(session, troubled(make), day=TODAY, language="zh")
    assert session.scalars(select(User.name)).all() == []


# -- the outbox -------------------------------------------------------------------------------------


def test_only_bound_chats_get_a_digest(make: Factory, services: Services, session: Session) -> None:
    project = troubled(make)
    bind(session, project)
    session.add(Chat(telegram_chat_id=-7, title="闲聊群"))
    session.commit()

    assert write_digests(services, today=TODAY) == 1
    [note] = notifications(session)
    chat = session.scalar(select(Chat).where(Chat.telegram_chat_id == GROUP))
    assert note.kind == "digest" and note.status == "pending" and note.dedupe_key == f"digest:{chat.id}:2026-11-25"
    assert note.payload["project"] == "SG3" and "材料费" in note.payload["text"]


def test_digest_uses_each_chats_own_date(make: Factory, services: Services, session: Session) -> None:
    chat = bind(session, troubled(make))
    late_evening_utc = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # already the 26th in Shanghai
    write_digests(services, now=late_evening_utc)
    assert [n.dedupe_key for n in notifications(session)] == [digest_key(chat.id, TODAY + timedelta(days=1))]


def test_catch_up_skips_chats_whose_time_has_not_come(make: Factory, services: Services, session: Session) -> None:
    bind(session, troubled(make), digest_time="18:00")
    bind(session, calm(make), telegram_chat_id=-2, digest_time="08:00")
    ten_am_shanghai = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert write_digests(services, now=ten_am_shanghai, due_only=True) == 1
    assert [n.payload["project"] for n in notifications(session)] == ["BJ"]


async def test_digest_is_written_once_per_chat_per_day_and_sent_once(
    make: Factory, services: Services, session: Session, api: FakeTelegram
) -> None:
    bind(session, troubled(make))
    bind(session, calm(make), telegram_chat_id=-2)
    async with Bot(
        services.settings.telegram_token.get_secret_value(),  # type: ignore[union-attr]
        base_url=services.settings.telegram_api_url,
    ) as bot:
        for _ in range(2):  # a second run, or a second process, on the same day
            write_digests(services, today=TODAY)
            await send_due(services, bot)

    assert [(n.status, n.attempts) for n in notifications(session)] == [("sent", 1), ("sent", 1)]
    assert sorted(call.chat_id for call in api.calls("sendMessage")) == [GROUP, -2]
    assert all(n.sent_at is not None for n in notifications(session))


async def test_a_failed_send_stays_pending_and_is_retried(
    make: Factory, services: Services, session: Session, api: FakeTelegram
) -> None:
    bind(session, troubled(make))
    write_digests(services, today=TODAY)
    api.fail("sendMessage", times=1, status=502, description="Bad Gateway")
    application = build_application(services)
    async with application:
        first = await send_due(services, application.bot)
        [note] = notifications(session)
        assert (first.sent, first.retry, note.status, note.attempts) == (0, 1, "pending", 1)
        assert note.available_at is not None and note.available_at > services.clock()  # backing off
        assert (await send_due(services, application.bot)).sent == 0
        services.clock = lambda: note.available_at  # type: ignore[assignment, misc]
        second = await send_due(services, application.bot)
    [note] = notifications(session)
    assert (second.sent, note.status, note.attempts) == (1, "sent", 2)
    assert len(api.sent_texts(GROUP)) == 1


async def test_a_chat_that_removed_the_bot_is_given_up(
    make: Factory, services: Services, session: Session, api: FakeTelegram
) -> None:
    bind(session, troubled(make))
    write_digests(services, today=TODAY)
    api.fail("sendMessage", times=1, status=403, description="Forbidden: bot was kicked from the group chat")
    application = build_application(services)
    async with application:
        delivery = await send_due(services, application.bot)
        again = await send_due(services, application.bot)
    assert (delivery.failed, again.sent) == (1, 0)
    assert [n.status for n in notifications(session)] == ["failed"]
    chat = session.scalar(select(Chat).where(Chat.telegram_chat_id == GROUP))
    assert chat is not None and chat.blocked_at is not None  # skipped by the next digests
    assert write_digests(services, today=TODAY + timedelta(days=1)) == 0


# -- sitebot alerts run ------------------------------------------------------------------------------


def _alerts(db_url: str, **settings: Any) -> int:
    config = Settings(_env_file=None, database_url=db_url, **settings)  # type: ignore[call-arg]
    return commands_cli.cmd_alerts(config, argparse.Namespace(today=TODAY))


def test_alerts_run_prints_digests_without_a_token(
    make: Factory, session: Session, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bind(session, troubled(make))
    bind(session, calm(make), telegram_chat_id=-2)

    assert _alerts(db_url) == 0
    out = capsys.readouterr().out
    assert "=== chat -100500 (工地群) ===" in out and "材料费：已用 125.0%" in out and "✅ BJ 滨江路" in out

    assert _alerts(db_url) == 0
    assert capsys.readouterr().out == ""  # idempotent: nothing new, nothing printed
    assert [n.status for n in notifications(session)] == ["sent", "sent"]


def test_alerts_run_sends_through_the_bot_api_once(
    make: Factory, session: Session, db_url: str, api: FakeTelegram
) -> None:
    bind(session, troubled(make))
    for _ in range(2):
        assert _alerts(db_url, telegram_token=api.token, telegram_api_url=api.api_url) == 0
    [digest] = api.calls("sendMessage")
    assert digest.chat_id == GROUP and "📋 SG3" in digest.text


# -- the scheduled jobs --------------------------------------------------------------------------------


async def test_the_daily_job_sends_the_chats_digest_once(
    make: Factory, services: Services, session: Session, api: FakeTelegram
) -> None:
    chat = bind(session, troubled(make))
    application = build_application(services)
    async with application:
        await tg.on_startup(application)
        [job] = application.job_queue.get_jobs_by_name(f"digest:{chat.id}")
        await job.run(application)
        await job.run(application)  # a coalesced or doubled tick, or the start-up catch-up
        [catch_up] = application.job_queue.get_jobs_by_name("digest-catch-up")
        await catch_up.run(application)
    [digest] = api.sent_texts(GROUP)
    assert digest.startswith("📋 SG3 阳光花园3号楼 每日提醒（2026-11-25）")
    assert [n.status for n in notifications(session)] == ["sent"]


async def test_the_sweep_retries_the_outbox_and_forgets_old_update_ids(
    make: Factory, services: Services, session: Session, api: FakeTelegram
) -> None:
    bind(session, troubled(make))
    write_digests(services, today=TODAY)
    session.add_all(
        [
            InboxUpdate(update_id=1, status="done", payload={}, received_at=datetime(2026, 11, 1, tzinfo=UTC)),
            InboxUpdate(update_id=2, status="done", payload={}, received_at=datetime.now(UTC)),
        ]
    )
    session.commit()
    application = build_application(services)
    async with application:
        await tg.on_startup(application)
        [sweep] = application.job_queue.get_jobs_by_name("outbox")
        await sweep.run(application)
    assert len(api.sent_texts(GROUP)) == 1
    session.rollback()  # end the read snapshot: see what other sessions committed
    assert session.scalars(select(InboxUpdate.update_id)).all() == [2]


# -- each crossing once -------------------------------------------------------------------------------


def _digest_text(session: Session, day: Any) -> str:
    session.rollback()
    [note] = [n for n in notifications(session) if n.dedupe_key == digest_key(n.chat_id, day)]
    return str(note.payload["text"])


def test_a_crossing_is_reported_once_and_again_only_after_it_recovers(
    make: Factory, services: Services, session: Session
) -> None:
    project = troubled(make)
    bind(session, project)
    day1, day2, day3, day4 = (TODAY + timedelta(days=n) for n in range(4))
    write_digests(services, today=day1)
    first = _digest_text(session, day1)
    assert "材料费：已用 125.0%，超支 ¥2,500.00" in first and "主体结构" in first

    write_digests(services, today=day2)  # nothing changed: nothing is news
    second = _digest_text(session, day2)
    assert "超支 ¥2,500.00" not in second and "没有新问题" in second and "仍未解决" in second

    line = session.scalar(
        select(BudgetLine).where(BudgetLine.project_id == project.id, BudgetLine.category == "materials")
    )
    assert line is not None
    line.amount = Decimal(20000)  # the overrun goes away (a budget revision)
    session.commit()
    write_digests(services, today=day3)
    assert "材料费" not in _digest_text(session, day3)

    session.add(CostEntry(project_id=project.id, category="materials", amount=Decimal(8000), entry_date=day3))
    session.commit()
    write_digests(services, today=day4)  # over again: a new crossing, reported again
    assert "材料费：已用 102.5%，超支 ¥500.00" in _digest_text(session, day4)


def test_a_project_without_a_budget_is_not_over_budget_in_the_digest(
    make: Factory, services: Services, session: Session
) -> None:
    project = make.project(code="NB", name="无预算项目")
    session.add(CostEntry(project_id=project.id, category="materials", amount=Decimal(900), entry_date=TODAY))
    session.commit()
    bind(session, project)
    write_digests(services, today=TODAY)
    text = _digest_text(session, TODAY)
    assert text.startswith("✅") and "超支" not in text and "都没有问题" in text


def test_spending_exactly_the_budget_is_reached_not_exceeded_in_the_digest(
    make: Factory, services: Services, session: Session
) -> None:
    project = make.project(code="EX", name="刚好用完")
    make.budget(project, "materials", 1000)
    session.add(CostEntry(project_id=project.id, category="materials", amount=Decimal(1000), entry_date=TODAY))
    session.commit()
    bind(session, project)
    write_digests(services, today=TODAY)
    text = _digest_text(session, TODAY)
    assert "材料费：预算已用完（100.0%）" in text and "超支" not in text
