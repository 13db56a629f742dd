"""Exact money end to end: 10,000 labour entries at 0.10 yuan are exactly 1000.00 in every summary."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import storage.queries.labor as labor_queries
from storage.models import LaborEntry
from tests.support.factories import Factory
from tests.support.labor import dime_workers, insert_labor
from tools import run_tool

THOUSAND = Decimal("1000.00")


def test_ten_thousand_dimes_are_exactly_one_thousand_everywhere(session: Session, make: Factory) -> None:
    project = make.project(code="EX")
    make.budget(project, "labor", 2000)
    insert_labor(session, project, dime_workers(make, 100), make.today, n_days=100)
    ctx = make.ctx(project=project)
    start = (make.today.replace(day=1)).replace(year=make.today.year - 1).isoformat()
    period = {"start": start, "end": make.today.isoformat()}

    budget = run_tool(ctx, "budget_status", {"category": "labor"})
    assert budget.ok, budget.text
    assert budget.data["lines"][0]["actual"] == THOUSAND
    assert budget.data["lines"][0]["remaining"] == THOUSAND
    assert budget.data["lines"][0]["percent_used"] == Decimal(50)
    assert "¥1,000.00" in budget.text

    health = run_tool(ctx, "project_health", {})
    assert health.ok and health.data["ac"] == THOUSAND

    for group_by in ("worker", "trade", "day"):
        summary = run_tool(ctx, "labor_summary", {**period, "group_by": group_by})
        assert summary.ok, summary.text
        assert "¥1,000.00" in summary.text, (group_by, summary.text[-300:])


def test_a_racing_duplicate_is_stopped_by_the_database(
    session: Session, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were log_labor's locked check ever bypassed, the unique constraint still refuses the second write: the message
    is run again, still conflicts, and the user is told nothing was recorded."""
    project = make.project()
    make.worker("张三", 350)
    ctx = make.ctx(project=project)
    args = {"worker": "张三", "days": "1"}
    assert run_tool(ctx, "log_labor", args).ok
    monkeypatch.setattr(labor_queries, "entry_on", lambda **_: None)  # the other process saw no entry yet
    second = run_tool(make.ctx(project=project), "log_labor", args)
    assert not second.ok and "这条没有记录" in second.text
    assert session.scalar(select(func.count(LaborEntry.id))) == 1
