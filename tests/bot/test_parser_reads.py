"""Reads answer the question asked: periods, items, suppliers and counterparties filter the answer, and what a
report cannot apply is named in a caveat shown after the answer, never dropped."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.parser import Plan, parse_text
from bot.router import Incoming
from bot.services import Services
from storage.models import User
from tests.bot.test_parser_figures import LEX

TODAY = date(2026, 11, 25)
MONTH = {"start": "2026-11-01", "end": "2026-11-25"}


def _read(text: str, language: str = "zh") -> Plan:
    plan = parse_text(text, LEX, today=TODAY, project_code="SG3", language=language)
    assert plan.confident and len(plan.calls) == 1 and not plan.writes, (text, plan)
    return plan


def _call(text: str, language: str = "zh") -> tuple[str, dict[str, Any]]:
    call = _read(text, language).calls[0]
    return call.tool, {k: v for k, v in call.args.items() if k != "project"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这个月材料费花了多少", ("cost_summary", {"category": "materials", **MONTH})),
        ("钢筋一共花了多少钱", ("cost_summary", {"item": "钢筋"})),
        ("10月份商砼花了多少", ("cost_summary", {"item": "商砼", "start": "2026-10-01", "end": "2026-10-31"})),
        ("在华新买了多少钢筋", ("cost_summary", {"item": "钢筋", "vendor": "华新"})),
        ("付了华新多少", ("fund_status", {"counterparty": "华新"})),
        ("收了甲方多少", ("fund_status", {"counterparty": "甲方"})),
        ("这个月收了多少钱", ("fund_status", MONTH)),
        ("how much did we pay Acme this month", ("fund_status", {"counterparty": "Acme", **MONTH})),
        ("上周张三干了几天", ("labor_summary", {"worker": "张三", "start": "2026-11-16", "end": "2026-11-22"})),
        ("本月机械费多少", ("cost_summary", {"category": "machinery", **MONTH})),
        ("华新建材的钢筋一共多少钱", ("cost_summary", {"item": "钢筋", "vendor": "华新建材"})),
        ("上个月给宏达付了多少", ("fund_status", {"counterparty": "宏达", "start": "2026-10-01", "end": "2026-10-31"})),
        ("how much did we spend at Acme", ("cost_summary", {"vendor": "Acme"})),
        ("预算还剩多少", ("budget_status", {})),
        ("材料费超支没有", ("budget_status", {"category": "materials"})),
        ("人工费花了多少了", ("budget_status", {"category": "labor"})),
    ],
)
def test_a_question_s_period_item_and_party_filter_the_answer(text: str, expected: tuple[str, dict[str, Any]]) -> None:
    language = "en" if text.isascii() else "zh"
    assert _call(text, language) == expected
    assert _read(text, language).caveat is None


@pytest.mark.parametrize(
    ("text", "named"),
    [("上个月预算还剩多少", "上个月"), ("上周的进度怎么样", "上周"), ("张三的材料费预算还剩多少", "张三")],
)
def test_what_a_report_cannot_apply_is_named_in_a_caveat(text: str, named: str) -> None:
    plan = _read(text)
    assert plan.caveat is not None and named in plan.caveat
    assert plan.to_json()["note"] == plan.caveat


@pytest.mark.parametrize("text", ["明天要多少钢筋", "帮我算下下周需要多少水泥"])
def test_how_much_of_an_item_is_needed_is_no_read_of_spending(text: str) -> None:
    plan = parse_text(text, LEX, today=TODAY, project_code="SG3", language="zh")
    assert plan.calls == []


def test_a_caveat_of_a_read_in_a_longer_message_is_kept() -> None:
    plan = parse_text("张三今天一天，上个月预算还剩多少", LEX, today=TODAY, project_code="SG3", language="zh")
    assert [c.tool for c in plan.calls] == ["log_labor", "budget_status"]
    assert plan.caveat is not None and "上个月" in plan.caveat


def test_the_caveat_is_said_after_the_answer(demo_services: Services, session: Session) -> None:
    user = session.scalar(select(User.id).where(User.name == "老王"))
    assert user is not None
    reply = demo_services.router.handle(
        Incoming(text="上个月预算还剩多少", user_id=user, chat_key="test:reads", project_code="SG3")
    )
    assert reply.source == "rules" and reply.results and reply.results[0].ok
    assert reply.text.index(reply.results[0].text) < reply.text.index("没有按“上个月”筛选")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("看一下成本曲线", "scurve"),
        ("画一下S曲线", "scurve"),
        ("最近一个月的工日图", "labor"),
        ("预算对比图", "budget"),
        ("发个预算执行图表", "budget"),
        ("show me the s-curve", "scurve"),
        ("budget chart", "budget"),
        ("labour chart please", "labor"),
    ],
)
def test_a_chart_asked_for_in_words_is_drawn(text: str, kind: str) -> None:
    language = "en" if text.isascii() else "zh"
    assert _call(text, language) == ("show_chart", {"kind": kind})


@pytest.mark.parametrize("text", ["图纸送到了吗", "买图纸花了300"])
def test_drawings_are_no_chart(text: str) -> None:
    plan = parse_text(text, LEX, today=TODAY, project_code="SG3", language="zh")
    assert all(call.tool != "show_chart" for call in plan.calls)
