"""The router end to end over the real database: rules first, nothing written twice, answers in the user's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.app import build_services
from bot.router import Incoming, Router, detect_language
from bot.services import Services
from bot.settings import Settings
from storage.demo import load_demo
from storage.models import AuditLog, LaborEntry, User, Worker

TODAY = date(2026, 11, 25)


@pytest.fixture
def services(demo_services: Services) -> Services:
    return demo_services


def user_id(session: Session, name: str) -> int:
    return session.scalar(select(User.id).where(User.name == name)) or 0


def say(router: Router, session: Session, text: str, *, user: str = "老王", project: str | None = "SG3"):
    return router.handle(
        Incoming(text=text, user_id=user_id(session, user), chat_key=f"test:{user}", project_code=project)
    )


def labor_rows(session: Session, worker: str, day: date) -> int:
    session.rollback()  # end the read snapshot: see what other sessions committed
    return (
        session.scalar(
            select(func.count(LaborEntry.id)).join(Worker).where(Worker.name == worker, LaborEntry.work_date == day)
        )
        or 0
    )


def test_free_text_write_is_recorded_once_with_what_and_how_to_undo(services: Services, session: Session) -> None:
    lisi = session.scalar(select(Worker.id).where(Worker.name == "李四"))
    session.execute(delete(LaborEntry).where(LaborEntry.worker_id == lisi, LaborEntry.work_date == date(2026, 11, 24)))
    session.commit()
    reply = say(services.router, session, "李四昨天一个工,加班2小时")
    assert reply.source == "rules" and reply.model_calls == 0
    assert labor_rows(session, "李四", date(2026, 11, 24)) == 1
    for expected in ("李四", "11-24（周二）", "SG3", "撤回"):
        assert expected in reply.text
    again = say(services.router, session, "李四昨天一个工,加班2小时")
    assert labor_rows(session, "李四", date(2026, 11, 24)) == 1
    assert "已" in again.text, again.text


def test_undo_by_words_reverses_the_last_message(services: Services, session: Session) -> None:
    say(services.router, session, "王五、赵六今天各半天")
    assert labor_rows(session, "王五", TODAY) + labor_rows(session, "赵六", TODAY) >= 2
    reply = say(services.router, session, "撤回上一条")
    assert reply.source == "rules"
    session.rollback()
    entry = session.scalar(
        select(LaborEntry)
        .join(Worker)
        .where(Worker.name == "王五", LaborEntry.work_date == TODAY, LaborEntry.days == Decimal("0.5"))
    )
    assert entry is None, reply.text


def test_one_unknown_worker_in_a_message_writes_nothing(services: Services, session: Session) -> None:
    audits = session.scalar(select(func.count(AuditLog.id)))
    reply = say(services.router, session, "王五、张山今天各半天")
    session.rollback()  # end the read snapshot: see what other sessions committed
    assert session.scalar(select(func.count(AuditLog.id))) == audits
    assert "张山" in reply.text


def test_without_a_model_unclear_text_gets_examples_and_writes_nothing(services: Services, session: Session) -> None:
    audits = session.scalar(select(func.count(AuditLog.id)))
    reply = say(services.router, session, "明天开会")
    assert reply.source == "none" and reply.model_calls == 0
    assert "/help" in reply.text
    assert session.scalar(select(func.count(AuditLog.id))) == audits


def test_english_question_gets_an_english_answer(services: Services, session: Session) -> None:
    reply = say(services.router, session, "How much have we spent on labor at Riverside?", user="Alice", project=None)
    assert reply.source == "rules"
    assert "Labor" in reply.text and "人工费" not in reply.text


def test_viewer_of_another_project_cannot_read_this_one(services: Services, session: Session) -> None:
    reply = say(services.router, session, "阳光花园预算还剩多少", user="Alice", project=None)
    assert "3,000,000" not in reply.text and "¥" not in reply.text
    assert not any(r.ok for r in reply.results)


def test_command_help_is_answered_without_writing(services: Services, session: Session) -> None:
    reply = say(services.router, session, "/help")
    assert reply.source == "command" and "/log" in reply.text


def test_empty_and_oversized_messages_are_refused_clearly(services: Services, session: Session) -> None:
    assert "请说点什么" in say(services.router, session, "   ").text
    assert "太长" in say(services.router, session, "张" * 5000).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("李四昨天一个工", "zh"),
        ("budget please", "en"),
        ("/budget", "zh"),
        ("123", "zh"),
        ("ok 张三", "zh"),
    ],
)
def test_language_follows_the_message(text: str, expected: str) -> None:
    from bot.router import _COMMAND

    assert detect_language(_COMMAND.sub("", text), "zh") == expected


def test_a_member_of_one_project_writes_there_without_naming_it(services: Services, session: Session) -> None:
    reply = say(services.router, session, "Mike Chen worked half a day today", user="Alice", project=None)
    assert reply.source == "rules", reply.text
    assert "RW" in reply.text and labor_rows(session, "Mike Chen", TODAY) == 1


def test_with_a_model_only_unclear_messages_cost_a_call(db_url: str, session: Session) -> None:
    from tests.support.fake_openai import FakeOpenAI, text

    load_demo(session, TODAY)
    with FakeOpenAI().serve() as fake:
        fake.script(text("明天开会的事我记不了，我可以帮你记工、记账、查预算。"))
        settings = Settings(
            database_url=db_url,
            llm_api_key="test",
            llm_base_url=fake.base_url,
            llm_model="fake",
            llm_timeout=5,
            llm_max_retries=0,
        )
        services = build_services(settings)
        try:
            thanks = say(services.router, session, "谢谢")
            assert thanks.model_calls == 0 and fake.calls == 0 and "不客气" in thanks.text
            rules = say(services.router, session, "上周点工汇总")
            assert rules.model_calls == 0 and fake.calls == 0
            unclear = say(services.router, session, "明天开会")
            assert unclear.source == "llm" and unclear.model_calls == 1 and fake.calls == 1
            assert "记不了" in unclear.text
        finally:
            services.engine.dispose()
