"""project_health through run_tool: the textbook fence reproduced from real rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from storage.models import CostEntry, LaborEntry, Project, Role
from tests.support.factories import Factory
from tools import run_tool

TODAY = date(2026, 11, 25)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def fence(make: Factory) -> Project:
    """A project whose rows give BAC 4,000, PV 3,000, EV 2,500 and AC 2,800 on TODAY."""
    project = make.project(code="FENCE", name="四面围栏", start=days(-100), finish=days(200))
    make.budget(project, "materials", 3000)
    make.budget(project, "labor", 1000)
    # Planned before today in full: PV 2,000 + 1,000; not yet started: 0.
    make.task(
        project,
        "north side",
        planned_start=days(-90),
        planned_finish=days(-60),
        planned_cost=Decimal(2000),
        percent=Decimal(100),
    )
    make.task(
        project,
        "east side",
        planned_start=days(-59),
        planned_finish=days(-1),
        planned_cost=Decimal(1000),
        percent=Decimal(50),
    )
    make.task(project, "south side", planned_start=days(1), planned_finish=days(30), planned_cost=Decimal(1000))
    # AC: 2,000 of material and 800 of labour to date; a cost dated tomorrow is not yet actual.
    worker = make.worker("张三", 400)
    make.session.add_all(
        [
            CostEntry(project_id=project.id, category="materials", amount=Decimal("1999.99"), entry_date=days(-20)),
            CostEntry(project_id=project.id, category="materials", amount=Decimal("0.01"), entry_date=TODAY),
            CostEntry(project_id=project.id, category="materials", amount=Decimal(500), entry_date=days(1)),
            LaborEntry(
                project_id=project.id,
                worker_id=worker.id,
                work_date=days(-3),
                days=Decimal(2),
                daily_rate=Decimal(400),
                amount=Decimal(800),
            ),
        ]
    )
    make.session.commit()
    return project


def test_project_health_reproduces_the_textbook_fence(make: Factory, fence: Project) -> None:
    viewer = make.user(project=fence, role=Role.viewer)
    result = run_tool(make.ctx(viewer, project=fence), "project_health", {})
    assert result.ok, result.text
    data = result.data
    assert (data["bac"], data["pv"], data["ev"], data["ac"]) == (4000, 3000, 2500, 2800)
    assert data["cv"] == Decimal(-300) and data["sv"] == Decimal(-500)
    assert data["cpi"] == Decimal(2500) / Decimal(2800)
    assert data["spi"] == Decimal(2500) / Decimal(3000)
    assert data["eac"] == Decimal(4480) and data["etc"] == Decimal(1680) and data["vac"] == Decimal(-480)
    assert data["tcpi"] == Decimal("1.25") and data["eac_combined"] == Decimal(4816)
    assert data["eac_atypical"] == Decimal(4300)
    # 300 planned days ÷ SPI 0.8333… = 360 days from the start.
    assert data["forecast_finish"] == days(260) and data["planned_finish"] == days(200)
    assert result.text.splitlines() == [
        "FENCE 四面围栏 挣值分析（截至 2026-11-25）",
        "预算BAC ¥4,000.00｜计划值PV ¥3,000.00｜挣值EV ¥2,500.00｜实际成本AC ¥2,800.00",
        "成本偏差CV -¥300.00｜进度偏差SV -¥500.00｜CPI 0.89｜SPI 0.83｜TCPI 1.25",
        "预计总成本EAC ¥4,480.00（非典型 ¥4,300.00，综合 ¥4,816.00）｜尚需ETC ¥1,680.00｜完工偏差VAC -¥480.00",
        "预计完工 2027-08-12（计划 2027-06-13）",
        "每花1元只完成了0.89元的工作",
        "进度完成计划的83%",
        "按目前效率预计超支480元",
        "按目前进度预计晚60天完工",
    ]


def test_project_health_in_english(make: Factory, fence: Project) -> None:
    text = run_tool(make.ctx(project=fence, language="en"), "project_health", {}).text
    assert "CV -¥300.00 | SV -¥500.00 | CPI 0.89 | SPI 0.83 | TCPI 1.25" in text
    assert "Each ¥1 spent has bought only ¥0.89 of work" in text
    assert "Work done is 83% of what was planned by now" in text
    assert "At this rate the project will overrun by ¥480" in text
    assert "At this pace it will finish 60 days late" in text


def test_pv_spreads_a_task_in_progress_linearly(make: Factory) -> None:
    project = make.project()
    make.budget(project, "materials", 1000)
    # 10 planned days, 5 of them by the end of today: PV 500; 60 % done: EV 600.
    make.task(project, planned_start=days(-4), planned_finish=days(5), planned_cost=Decimal(1000), percent=Decimal(60))
    make.session.add(CostEntry(project_id=project.id, category="materials", amount=Decimal(400), entry_date=TODAY))
    make.session.commit()
    result = run_tool(make.ctx(project=project), "project_health", {})
    assert (result.data["pv"], result.data["ev"], result.data["ac"]) == (500, 600, 400)
    assert "每花1元完成了1.50元的工作" in result.text
    assert "进度完成计划的120%" in result.text
    assert "按目前效率预计节余333元" in result.text


def test_project_health_without_tasks_or_costs_explains_what_is_missing(make: Factory) -> None:
    project = make.project(code="NEW", start=None, finish=None)
    result = run_tool(make.ctx(project=project), "project_health", {})
    assert result.ok, result.text
    assert result.data["cpi"] is None and result.data["spi"] is None and result.data["eac"] is None
    assert result.data["forecast_finish"] is None
    assert "CPI —｜SPI —｜TCPI —" in result.text
    assert "预计总成本EAC —" in result.text
    assert "还没有实际成本，成本效率无法计算" in result.text
    assert "计划上还没有应完成的工作，进度效率无法计算" in result.text


def test_project_health_uses_the_task_span_when_the_project_has_no_dates(make: Factory) -> None:
    project = make.project(start=None, finish=None)
    make.budget(project, "materials", 1000)
    make.task(project, planned_start=days(-9), planned_finish=days(10), planned_cost=Decimal(1000), percent=Decimal(25))
    result = run_tool(make.ctx(project=project), "project_health", {})
    # 19 planned days ÷ (EV 250 / PV 500) = 38 days from the first planned start.
    assert result.data["planned_finish"] == days(10)
    assert result.data["forecast_finish"] == days(29)


def test_project_health_refuses_non_members(make: Factory, fence: Project) -> None:
    user = make.user(project=make.project(code="MINE"), role=Role.manager)
    result = run_tool(make.ctx(user), "project_health", {"project": "FENCE"})
    assert not result.ok
