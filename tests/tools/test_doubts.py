"""Figures that read cleanly but are odd for this worker or project are proposed, with every reason in one
question; a yes writes exactly what was proposed, and confirming one doubt never passes a check needing a role."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import BudgetPolicy, CostEntry, LaborEntry, Role, WorkerPayment
from tests.support.factories import Factory
from tools import Result, run_tool

TODAY = date(2026, 11, 25)


def _count(session: Session, model: Any) -> int:
    session.rollback()
    return session.scalar(select(func.count(model.id))) or 0


def _yes(ctx: Any, proposed: Result) -> Result:
    assert proposed.proposal is not None, proposed.text
    (call,) = proposed.proposal.calls
    return run_tool(ctx, call.tool, call.args)


@pytest.fixture
def site(make: Factory) -> Any:
    project = make.project(code="SG3")
    make.worker("张三", 350)
    return project


def test_a_rate_far_from_the_worker_s_is_proposed_and_the_yes_pays_it(
    session: Session, make: Factory, site: Any
) -> None:
    ctx = make.ctx(project=site)
    proposed = run_tool(ctx, "log_labor", {"worker": "张三", "days": "1", "daily_rate": "3500"})
    assert not proposed.ok and _count(session, LaborEntry) == 0
    assert "按日工资 ¥3,500.00 算，张三的日工资是 ¥350.00" in proposed.text
    assert _yes(ctx, proposed).ok
    session.rollback()
    assert session.scalar(select(LaborEntry.amount)) == Decimal("3500.00")


@pytest.mark.parametrize("rate", ["300", "500", "180"])
def test_a_rate_near_the_worker_s_is_written_at_once(session: Session, make: Factory, site: Any, rate: str) -> None:
    result = run_tool(make.ctx(project=site), "log_labor", {"worker": "张三", "days": "1", "daily_rate": rate})
    assert result.ok, result.text


def test_a_day_of_more_than_twelve_hours_is_proposed(session: Session, make: Factory, site: Any) -> None:
    ctx = make.ctx(project=site)
    proposed = run_tool(ctx, "log_labor", {"worker": "张三", "days": "1", "overtime_hours": "6"})
    assert proposed.proposal is not None and "一天干了 14 小时" in proposed.text
    assert _count(session, LaborEntry) == 0
    assert run_tool(ctx, "log_labor", {"worker": "张三", "days": "1", "overtime_hours": "4"}).ok  # 12 h: usual


def test_several_doubts_are_asked_in_one_question_and_one_yes_covers_them(
    session: Session, make: Factory, site: Any
) -> None:
    ctx = make.ctx(project=site, language="en")
    proposed = run_tool(ctx, "log_labor", {"worker": "张三", "overtime_hours": "3", "daily_rate": "2000"})
    assert proposed.proposal is not None
    assert "no day of work" in proposed.text and "pays ¥2,000.00 a day" in proposed.text
    assert proposed.text.endswith("Confirm all of it?")
    assert _yes(ctx, proposed).ok and _count(session, LaborEntry) == 1


def test_an_advance_of_more_than_thirty_days_wages_is_proposed(session: Session, make: Factory, site: Any) -> None:
    ctx = make.ctx(project=site)
    proposed = run_tool(ctx, "record_advance", {"worker": "张三", "amount": "80000"})
    assert proposed.proposal is not None and _count(session, WorkerPayment) == 0
    assert "借支 ¥80,000.00，按张三日工资 ¥350.00 相当于 229 天的工资" in proposed.text
    assert _yes(ctx, proposed).ok and _count(session, WorkerPayment) == 1
    assert run_tool(ctx, "record_advance", {"worker": "张三", "amount": "2000"}).ok


def _cement(ctx: Any, quantity: str, price: str, **extra: Any) -> Result:
    amount = str(Decimal(quantity) * Decimal(price))
    args = {"category": "materials", "note": "水泥", "unit": "包", "quantity": quantity, "unit_price": price}
    return run_tool(ctx, "add_cost", {**args, "amount": amount, **extra})


def test_a_unit_price_far_from_what_the_project_paid_is_proposed(session: Session, make: Factory, site: Any) -> None:
    ctx = make.ctx(project=site)
    assert _cement(ctx, "40", "250").ok  # no history yet: nothing to compare with
    for days_ago, price in ((4, "26"), (3, "25"), (2, "27")):
        assert _cement(ctx, "80", price, date=(TODAY - timedelta(days=days_ago)).isoformat()).ok
    before = _count(session, CostEntry)
    proposed = _cement(ctx, "40", "250", date=(TODAY - timedelta(days=1)).isoformat())
    assert proposed.proposal is not None and _count(session, CostEntry) == before
    assert "水泥单价 ¥250.00/包，这个项目以往是 ¥26.50/包" in proposed.text  # median of 250, 27, 25, 26
    assert _cement(ctx, "40", "28").ok
    assert _yes(ctx, proposed).ok and _count(session, CostEntry) == before + 2


def test_confirming_a_doubt_does_not_pass_a_stopped_budget_line(session: Session, make: Factory, site: Any) -> None:
    make.budget(site, "labor", 100, policy=BudgetPolicy.stop)
    foreman = make.user("工长", project=site, role=Role.foreman)
    ctx = make.ctx(foreman, project=site)
    proposed = run_tool(ctx, "log_labor", {"worker": "张三", "overtime_hours": "3"})
    assert proposed.proposal is not None and "没有当天的工" in proposed.text
    stopped = _yes(ctx, proposed)  # the foreman's yes covers the odd day, not the overrun
    assert stopped.proposal is not None and stopped.proposal.roles is not None
    assert Role.foreman not in stopped.proposal.roles and _count(session, LaborEntry) == 0


def test_one_cost_over_twice_the_whole_budget_is_proposed(session: Session, make: Factory, site: Any) -> None:
    make.budget(site, "materials", 100000)
    ctx = make.ctx(project=site)
    before = _count(session, CostEntry)
    proposed = run_tool(ctx, "add_cost", {"category": "materials", "amount": "10000000000", "note": "水泥"})
    assert proposed.proposal is not None and _count(session, CostEntry) == before
    assert "超过整个项目预算 ¥100,000.00 的两倍" in proposed.text
    assert run_tool(ctx, "add_cost", {"category": "materials", "amount": "5000", "note": "水泥"}).ok
    assert _yes(ctx, proposed).ok and _count(session, CostEntry) == before + 2
