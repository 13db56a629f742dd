"""A day already logged, corrected: the parser and /log plan log_labor with correction=True only when the worker,
the date and the new figures are all clear; anything else corrected, or a vague correction, is asked about."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.commands import help_text, parse_command
from bot.parser import Plan, parse_text
from bot.router import Incoming
from bot.services import Services
from storage.models import AuditLog, LaborEntry, User, Worker
from tests.bot.test_parser_mechanisms import LEX

TODAY = date(2026, 11, 25)
YESTERDAY = "2026-11-24"


def _plan(text: str, language: str = "zh") -> Plan:
    plan = parse_text(text, LEX, today=TODAY, project_code="SG3", language=language)
    if plan.calls:
        assert plan.confident
    return plan


def _fix(worker: str, day: str = YESTERDAY, **figures: str) -> dict[str, Any]:
    return {"project": "SG3", "worker": worker, "date": day, **figures, "correction": True}


def _args(plan: Plan | str) -> list[dict[str, Any]]:
    assert isinstance(plan, Plan), plan
    assert all(c.tool == "log_labor" for c in plan.calls)
    return [c.args for c in plan.calls]


# -- what a clear correction becomes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("纠正 赵六 11月24日 1.5个工", {"days": "1.5"}),
        ("孙七昨天一个工改成8小时", {"hours": "8"}),  # the figure before 改成 is the old one
        ("孙七昨天从一天改成半天", {"days": "0.5"}),
        ("孙七昨天记成一天了，实际是半天", {"days": "0.5"}),
        ("孙七昨天应该是1", {"days": "1"}),  # a bare figure after the new-figure word is days
        ("孙七昨天不是1是0.5", {"days": "0.5"}),
        ("孙七昨天一个工加班改成一个工加班3小时", {"days": "1", "overtime_hours": "3"}),
        ("孙七昨天改成半天 按400算", {"days": "0.5", "daily_rate": "400"}),
    ],
)
def test_a_clear_correction_plans_the_new_figures_with_correction_true(text: str, figures: dict[str, str]) -> None:
    worker = "赵六" if text.startswith("纠正") else "孙七"
    assert _args(_plan(text)) == [_fix(worker, **figures)]


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("Tom yesterday should be 8 hours", {"hours": "8"}),
        ("Tom yesterday was 1 day, should be 0.5", {"days": "0.5"}),
        ("change Tom's day yesterday from 1 to 0.5", {"days": "0.5"}),
        ("Tom half a day yesterday instead of a full day, correction", {"days": "0.5"}),
        ("correct Tom yesterday to half a day", {"days": "0.5"}),
    ],
)
def test_english_corrections_drop_the_old_figure(text: str, figures: dict[str, str]) -> None:
    assert _args(_plan(text, "en")) == [_fix("Tom Li", **figures)]


def test_a_correction_said_of_the_whole_message_corrects_every_worker_named() -> None:
    assert _args(_plan("更正：王五昨天一天，赵六半天")) == [_fix("王五", days="1"), _fix("赵六", days="0.5")]
    assert _args(_plan("王五赵六昨天都改成半天")) == [_fix("王五", days="0.5"), _fix("赵六", days="0.5")]


def test_an_ordinary_labour_message_never_carries_correction() -> None:
    assert _args(_plan("孙七昨天一个工")) == [{"project": "SG3", "worker": "孙七", "date": YESTERDAY, "days": "1"}]


# -- what is asked about, never written ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "孙七昨天的工资改成400",
        "孙七昨天改成300",
        "孙七昨天那笔改成机械费",
        "孙七的日工资应该是400",
        "赵六昨天的预支改成800",
        "水泥应该是2500",
    ],
)
def test_a_correction_of_anything_but_labour_days_is_not_written(text: str) -> None:
    plan = _plan(text)
    assert plan.calls == []
    assert plan.question == "这样只能更正记工（几个工、几小时、加班）。其他记录请撤回（/undo）后重记。"


def test_a_correction_without_a_date_asks_which_day_with_an_example() -> None:
    assert _plan("孙七改成半天").question == "更正哪一天的记工？请写上日期，例如“更正 孙七 2026-11-24 半天”。"
    question = _plan("correction: Tom half a day", "en").question
    assert question is not None and question.startswith("Which day's entry is to be corrected?")


@pytest.mark.parametrize(
    "text",
    ["孙七昨天记错了", "孙七昨天不是半天", "孙七昨天修改一下", "孙七昨天加班改成3小时", "孙七昨天一个工改成加班2小时"],
)
def test_a_correction_without_the_day_s_new_days_or_hours_asks_for_them(text: str) -> None:
    question = _plan(text).question
    assert question is not None and question.startswith("孙七那天改成多少？") and "会替换那天的记录" in question


@pytest.mark.parametrize(
    "text",
    [
        "好像记错了",
        "孙七昨天好像记错了，应该是半天",
        "更正：昨天一个工",
        "孙七昨天没来，记错了",
        "张三昨天一个工，李四昨天改成半天",
        "赵柳昨天改成半天",
        "孙七昨天改成两三天",
        "孙七明天改成半天",
        "correction: Tom didn't work yesterday",
        "Tom yesterday was wrong",
    ],
)
def test_a_vague_or_doubtful_correction_plans_no_write(text: str) -> None:
    plan = _plan(text, "en" if text.isascii() else "zh")
    assert plan.calls == [] and not plan.confident


def test_a_task_s_progress_corrected_is_still_a_progress_correction() -> None:
    plan = _plan("砌体进度报高了，应该是40%")
    assert [(c.tool, c.args) for c in plan.calls] == [
        (
            "update_task_progress",
            {"project": "SG3", "task": "砌体工程", "percent": "40", "date": "2026-11-25", "correction": True},
        )
    ]


# -- /log … 更正 --------------------------------------------------------------------------------------


def _command(text: str, language: str = "zh") -> Plan | str:
    return parse_command(text, LEX, today=TODAY, project_code="SG3", language=language)


@pytest.mark.parametrize(
    "text",
    [
        "/log 李四 0.5 昨天 更正",
        "/log 更正 李四 昨天 半天",
        "/log 李四 0.5 yesterday correction",
        "/log worker=李四 days=0.5 date=2026-11-24 correction=true",
        "/log 李四 0.5 昨天 correction=yes",
    ],
)
def test_log_with_the_correction_word_or_key_plans_a_correction(text: str) -> None:
    plan = _command(text)
    assert isinstance(plan, Plan) and plan.confident and plan.source == "command"
    assert _args(plan) == [_fix("李四", days="0.5")]


def test_log_with_correction_false_is_an_ordinary_entry() -> None:
    assert _args(_command("/log worker=李四 days=1 date=2026-11-24 correction=false")) == [
        {"project": "SG3", "worker": "李四", "date": YESTERDAY, "days": "1"}
    ]


def test_log_correction_without_a_date_or_whole_figures_asks() -> None:
    plan = _command("/log 李四 0.5 更正")
    assert isinstance(plan, Plan) and plan.calls == [] and plan.question is not None
    assert plan.question.startswith("更正哪一天的记工？")
    plan = _command("/log 李四 加班2 昨天 更正")
    assert isinstance(plan, Plan) and plan.calls == [] and plan.question is not None
    assert plan.question.startswith("李四那天改成多少？")
    reply = _command("/log 李四 0.5 昨天 correction=maybe")
    assert isinstance(reply, str) and reply.startswith("看不懂 correction=maybe")


def test_log_help_shows_the_correction_form_in_both_languages() -> None:
    zh, en = help_text("log", "zh"), help_text("log", "en")
    assert "更正" in zh.split("\n")[0] and "/log 李四 0.5 昨天 更正" in zh and "correction=true" in zh
    assert "correction" in en.split("\n")[0] and "/log Mike 0.5 yesterday correction" in en


# -- end to end: the message replaces that day's entry, and undo restores it ---------------------------


@pytest.fixture
def services(demo_services: Services) -> Services:
    return demo_services


def _say(services: Services, session: Session, text: str) -> str:
    user = session.scalar(select(User.id).where(User.name == "老王")) or 0
    reply = services.router.handle(Incoming(text=text, user_id=user, chat_key="test:fix", project_code="SG3"))
    assert reply.model_calls == 0
    return reply.text


def _days(session: Session, worker: str) -> list[Decimal]:
    session.rollback()  # end the read snapshot: see what other sessions committed
    return list(
        session.scalars(
            select(LaborEntry.days).join(Worker).where(Worker.name == worker, LaborEntry.work_date == TODAY)
        )
    )


def test_a_correction_in_words_replaces_the_day_s_entry_and_undo_restores_it(
    services: Services, session: Session
) -> None:
    _say(services, session, "张三今天一个工")
    assert _days(session, "张三") == [Decimal(1)]
    refused = _say(services, session, "张三今天半天")  # no correction word: the same day is not logged twice
    assert "更正 张三 2026-11-25 半天" in refused and _days(session, "张三") == [Decimal(1)]
    audits = session.scalar(select(func.count(AuditLog.id)))
    reply = _say(services, session, "张三今天改成半天")
    assert _days(session, "张三") == [Decimal("0.5")]
    assert "0.5 工" in reply and "更正：原为 1 工" in reply and "撤回" in reply
    assert session.scalar(select(func.count(AuditLog.id))) == (audits or 0) + 1
    _say(services, session, "撤回")
    assert _days(session, "张三") == [Decimal(1)]
