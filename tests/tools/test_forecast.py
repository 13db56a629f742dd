"""One forecast as of a date (tools/forecast.py): /budget and /health show the same estimate at completion,
a past status date counts only what was reported and spent by then, a deposit paid early is no predicted overrun,
and the reply names each line's method."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from storage.demo import load_demo
from storage.models import CostEntry, ProgressUpdate, Project
from tests.support.factories import Factory
from tools import run_tool

TODAY = date(2026, 11, 25)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.mark.parametrize("code", ["SG3", "BJ", "RW"])
def test_budget_and_health_give_the_same_estimate_at_completion_on_the_demo(
    session: Session, make: Factory, code: str
) -> None:
    load_demo(session, TODAY)
    ctx = make.ctx(project=session.query(Project).filter_by(code=code).one())
    budget = run_tool(ctx, "budget_status", {})
    health = run_tool(ctx, "project_health", {})
    assert budget.ok and health.ok, (budget.text, health.text)
    assert budget.data["eac"] is not None
    assert budget.data["eac"] == health.data["eac"]


@pytest.fixture
def walls(make: Factory) -> Project:
    """Two tasks mapped to two lines; progress reported over time; costs before and after a past status date."""
    project = make.project(code="WALL", start=days(-60), finish=days(60))
    make.budget(project, "materials", 6000)
    make.budget(project, "subcontract", 4000)
    brick = make.task(
        project,
        "砌墙",
        planned_start=days(-40),
        planned_finish=days(-10),
        planned_cost=Decimal(6000),
        percent=Decimal(80),
        budget_category="materials",
    )
    make.task(
        project,
        "防水",
        planned_start=days(10),
        planned_finish=days(40),
        planned_cost=Decimal(4000),
        budget_category="subcontract",
    )
    make.session.add_all(
        [
            ProgressUpdate(task_id=brick.id, reported_on=days(-30), percent=Decimal(20)),
            ProgressUpdate(task_id=brick.id, reported_on=days(-15), percent=Decimal(50)),
            ProgressUpdate(task_id=brick.id, reported_on=days(-2), percent=Decimal(80)),
            CostEntry(project_id=project.id, category="materials", amount=Decimal(1500), entry_date=days(-25)),
            CostEntry(project_id=project.id, category="materials", amount=Decimal(1500), entry_date=days(-12)),
            CostEntry(project_id=project.id, category="materials", amount=Decimal(2400), entry_date=days(-1)),
            # the waterproofing deposit, paid long before its work starts
            CostEntry(project_id=project.id, category="subcontract", amount=Decimal(2000), entry_date=days(-20)),
        ]
    )
    make.session.commit()
    return project


def test_earned_value_on_a_past_date_uses_the_progress_reported_by_then(make: Factory, walls: Project) -> None:
    ctx = make.ctx(project=walls)
    past = run_tool(ctx, "project_health", {"as_of": days(-10).isoformat()})
    assert past.ok, past.text
    # By day -10: 砌墙 reported 50% (the 80% came later) → EV 3,000; AC 1,500 + 1,500 + the 2,000 deposit.
    assert (past.data["ev"], past.data["ac"]) == (Decimal(3000), Decimal(5000))
    now = run_tool(ctx, "project_health", {})
    assert (now.data["ev"], now.data["ac"]) == (Decimal(4800), Decimal(7400))


def test_a_deposit_paid_early_is_not_a_predicted_overrun(make: Factory, walls: Project) -> None:
    result = run_tool(make.ctx(project=walls), "budget_status", {})
    lines = {line["category"]: line for line in result.data["lines"]}
    # Waterproofing has not started: its 2,000 deposit is half its budget, not half of a doubled cost.
    assert (lines["subcontract"]["eac"], lines["subcontract"]["method"]) == (Decimal(4000), "own_spending")
    # Bricks: 5,400 spent for 4,800 earned of a 6,000 line → 6,750 at completion, by its earned value.
    assert (lines["materials"]["eac"], lines["materials"]["method"]) == (Decimal(6750), "earned_value")
    assert result.data["eac"] == Decimal(10750)
    assert "¥6,750.00（按挣值）" in result.text and "¥4,000.00（按自身花费）" in result.text  # each line's method


def test_budget_on_a_past_date_counts_nothing_after_it(make: Factory, walls: Project) -> None:
    result = run_tool(make.ctx(project=walls), "budget_status", {"as_of": days(-13).isoformat()})
    lines = {line["category"]: line for line in result.data["lines"]}
    assert lines["materials"]["actual"] == Decimal(1500)  # the costs of days -12 and -1 are after it
    assert "截至 11-12（周四）" in result.text


def test_a_project_without_budget_lines_is_never_over_budget(session: Session, make: Factory) -> None:
    project = make.project(code="NOBUD")
    make.session.add(CostEntry(project_id=project.id, category="materials", amount=Decimal(900), entry_date=TODAY))
    make.session.commit()
    result = run_tool(make.ctx(project=project), "budget_status", {})
    assert result.ok
    assert "超支" not in result.text and "超出" not in result.text
    assert "没有预算" in result.text


def test_exactly_the_budget_is_reached_not_exceeded(session: Session, make: Factory) -> None:
    project = make.project(code="EXACT")
    make.budget(project, "materials", 1000)
    make.session.add(CostEntry(project_id=project.id, category="materials", amount=Decimal(1000), entry_date=TODAY))
    make.session.commit()
    result = run_tool(make.ctx(project=project), "budget_status", {})
    line = result.data["lines"][0]
    assert line["reached"] is True
    assert "已用完" in result.text and "超支" not in result.text and "超出" not in result.text


@pytest.mark.parametrize("code", ["SG3", "BJ", "RW"])
def test_the_budget_workbook_holds_money_to_the_cent_forecasts_included(
    session: Session, make: Factory, code: str
) -> None:
    """A forecast is a quotient (budget × spent / earned): the cell holds it to the cent, as it shows."""
    import io

    from openpyxl import load_workbook

    load_demo(session, TODAY)
    ctx = make.ctx(project=session.query(Project).filter_by(code=code).one())
    result = run_tool(ctx, "export_budget", {})
    assert result.ok, result.text
    sheet = load_workbook(io.BytesIO(result.attachments[0].content)).active
    assert sheet is not None
    cells = [row[i] for row in sheet.iter_rows(min_row=2, values_only=True) for i in (1, 2, 4, 5)]
    assert any(cell is not None for cell in cells)
    for cell in cells:
        assert cell is None or Decimal(str(cell)) == Decimal(str(cell)).quantize(Decimal("0.01")), cell
