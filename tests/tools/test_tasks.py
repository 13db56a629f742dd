"""update_task_progress and schedule_status, through run_tool as the product runs them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import AuditLog, ProgressUpdate, Project, Role, Task
from storage.queries.tasks import project_percent_complete, task_totals
from tests.support.factories import Factory
from tools import run_tool

TODAY = date(2026, 11, 25)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def updates(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ProgressUpdate)) or 0


@pytest.fixture
def project(make: Factory) -> Project:
    return make.project(code="SG3", name="阳光花园3号楼")


@pytest.fixture
def task(make: Factory, project: Project) -> Task:
    # 2026-11-16 .. 2026-12-05: 20 days; by the end of 11-25, 10 of them are planned done (50 %).
    return make.task(project, "主体结构", aliases=["主体"], planned_start=days(-9), planned_finish=days(10))


# -- update_task_progress: normal use ------------------------------------------------------------


def test_progress_is_recorded_with_start_date_and_plan_comparison(make: Factory, project: Project, task: Task) -> None:
    foreman = make.user(project=project, role=Role.foreman)
    result = run_tool(make.ctx(foreman, project=project), "update_task_progress", {"task": "主体", "percent": "40"})
    assert result.ok, result.text
    assert result.text.splitlines()[:3] == [
        "已更新 SG3 任务“主体结构”进度：0% → 40%，11-25（周三）。",
        "计划进度 50%，落后 10 个百分点",
        "实际开始日期记为 2026-11-25",
    ]
    make.session.refresh(task)
    assert (task.percent, task.actual_start, task.actual_finish) == (Decimal("40.00"), TODAY, None)
    update = make.session.scalars(select(ProgressUpdate)).one()
    assert (update.task_id, update.reported_on, update.percent, update.created_by) == (
        task.id,
        TODAY,
        Decimal(40),
        foreman.id,
    )


def test_progress_write_is_audited_with_the_task_before_and_after(make: Factory, project: Project, task: Task) -> None:
    result = run_tool(
        make.ctx(project=project), "update_task_progress", {"task": "主体结构", "percent": "55.5", "date": "2026-11-24"}
    )
    log = make.session.get(AuditLog, result.audit_id)
    assert log is not None and log.tool == "update_task_progress"
    created, changed = log.changes
    assert created["table"] == "progress_update" and created["before"] is None
    assert created["after"]["percent"] == "55.50"
    assert changed["table"] == "task" and changed["id"] == task.id
    assert Decimal(changed["before"]["percent"]) == 0 and changed["before"]["actual_start"] is None
    assert changed["after"]["percent"] == "55.50" and changed["after"]["actual_start"] == "2026-11-24"


def test_reaching_100_sets_the_actual_finish(make: Factory, project: Project, task: Task) -> None:
    ctx = make.ctx(project=project, language="en")
    run_tool(ctx, "update_task_progress", {"task": "主体结构", "percent": "30", "date": "2026-11-20"})
    result = run_tool(ctx, "update_task_progress", {"task": "主体结构", "percent": "100"})
    assert result.ok, result.text
    assert "Updated SG3 task “主体结构”: 30% → 100% on Nov 25 (Wed)." in result.text
    assert "Planned 50%; 50 points ahead" in result.text
    assert "Task complete; actual finish 2026-11-25" in result.text
    make.session.refresh(task)
    assert (task.actual_start, task.actual_finish) == (date(2026, 11, 20), TODAY)


def test_a_correction_below_100_clears_the_finish(make: Factory, project: Project, task: Task) -> None:
    ctx = make.ctx(project=project)
    run_tool(ctx, "update_task_progress", {"task": "主体结构", "percent": "100", "date": "2026-11-24"})
    result = run_tool(ctx, "update_task_progress", {"task": "主体结构", "percent": "90", "correction": True})
    assert result.ok, result.text
    assert "已取消原完成日期 2026-11-24" in result.text
    make.session.refresh(task)
    assert (task.percent, task.actual_start, task.actual_finish) == (Decimal(90), date(2026, 11, 24), None)
    assert updates(make.session) == 2


def test_the_same_percent_may_be_reported_again(make: Factory, project: Project, task: Task) -> None:
    ctx = make.ctx(project=project)
    assert run_tool(ctx, "update_task_progress", {"task": "主体结构", "percent": "40"}).ok
    assert run_tool(ctx, "update_task_progress", {"task": "主体结构", "percent": "40"}).ok
    assert updates(make.session) == 2


def test_progress_feeds_the_project_percent_complete(make: Factory, project: Project, task: Task) -> None:
    make.task(project, "砌体工程", planned_cost=Decimal(30000))
    run_tool(make.ctx(project=project), "update_task_progress", {"task": "主体结构", "percent": "60"})
    # (10,000 × 60 + 30,000 × 0) / 40,000
    assert project_percent_complete(session=make.session, project_id=project.id) == Decimal(15)
    assert task_totals(session=make.session, project_id=project.id).earned == Decimal(6000)


def test_percent_complete_is_exact_with_cents_and_hundredths(make: Factory, project: Project) -> None:
    make.task(project, "a", planned_cost=Decimal("3333.33"), percent=Decimal("33.33"))
    make.task(project, "b", planned_cost=Decimal("0.01"), percent=Decimal("100"))
    expected = (Decimal("3333.33") * Decimal("33.33") + Decimal("0.01") * 100) / Decimal("3333.34")
    assert project_percent_complete(session=make.session, project_id=project.id) == expected
    assert task_totals(session=make.session, project_id=project.id).earned == Decimal("1111.008889")


def test_percent_complete_is_none_without_costed_tasks(make: Factory, project: Project) -> None:
    assert project_percent_complete(session=make.session, project_id=project.id) is None
    make.task(project, planned_cost=Decimal(0))
    assert project_percent_complete(session=make.session, project_id=project.id) is None


# -- update_task_progress: bad input --------------------------------------------------------------


def test_a_lower_percent_without_correction_is_proposed_as_a_correction(
    make: Factory, project: Project, task: Task
) -> None:
    ctx = make.ctx(project=project)
    run_tool(ctx, "update_task_progress", {"task": "主体结构", "percent": "60"})
    result = run_tool(ctx, "update_task_progress", {"task": "主体结构", "percent": "50"})
    assert not result.ok and result.proposal is not None
    assert "任务“主体结构”上次报告 60%，这次 50% 更低" in result.text and "更正" in result.text
    make.session.refresh(task)
    assert task.percent == Decimal(60) and updates(make.session) == 1
    (call,) = result.proposal.calls
    assert call.args["correction"] is True and call.args["percent"] == "50"
    assert run_tool(ctx, call.tool, call.args).ok  # the yes records it as a correction
    make.session.refresh(task)
    assert task.percent == Decimal(50) and updates(make.session) == 2


@pytest.mark.parametrize("percent", ["-1", "100.01", "150", "六十", "abc", "NaN"])
def test_percent_outside_0_100_or_not_a_number_is_refused(
    make: Factory, project: Project, task: Task, percent: str
) -> None:
    result = run_tool(make.ctx(project=project), "update_task_progress", {"task": "主体结构", "percent": percent})
    assert not result.ok
    assert "完成百分比" in result.text
    assert updates(make.session) == 0


def test_an_unknown_task_is_refused_with_suggestions(make: Factory, project: Project, task: Task) -> None:
    result = run_tool(make.ctx(project=project), "update_task_progress", {"task": "主体结", "percent": "10"})
    assert not result.ok
    assert "没有找到任务“主体结”" in result.text and "主体结构" in result.text
    assert updates(make.session) == 0


def test_an_ambiguous_task_names_the_candidates(make: Factory, project: Project) -> None:
    make.task(project, "一层砌体", aliases=["砌体"])
    make.task(project, "二层砌体", aliases=["砌体"])
    result = run_tool(
        make.ctx(project=project, language="en"), "update_task_progress", {"task": "砌体", "percent": "10"}
    )
    assert not result.ok
    assert "matches several tasks" in result.text and "一层砌体" in result.text and "二层砌体" in result.text
    assert updates(make.session) == 0


@pytest.mark.parametrize(("day", "words"), [("2026-11-27", "在未来"), ("2026-01-01", "早于项目")])
def test_bad_dates_are_refused(make: Factory, project: Project, task: Task, day: str, words: str) -> None:
    result = run_tool(
        make.ctx(project=project), "update_task_progress", {"task": "主体结构", "percent": "10", "date": day}
    )
    assert not result.ok and words in result.text
    assert updates(make.session) == 0


@pytest.mark.parametrize("role", [Role.finance, Role.viewer])
def test_roles_without_progress_rights_are_refused(make: Factory, project: Project, task: Task, role: Role) -> None:
    user = make.user(project=project, role=role)
    result = run_tool(make.ctx(user, project=project), "update_task_progress", {"task": "主体结构", "percent": "10"})
    assert not result.ok and "admin/manager/foreman" in result.text
    assert updates(make.session) == 0


# -- schedule_status ---------------------------------------------------------------------------------


@pytest.fixture
def schedule(make: Factory, project: Project) -> dict[str, Task]:
    base = make.task(project, "基础施工", planned_start=days(-60), planned_finish=days(-31), percent=Decimal(100))
    late = make.task(
        project,
        "主体结构",
        planned_start=days(-30),
        planned_finish=days(-5),
        percent=Decimal(60),
        predecessor_id=base.id,
    )
    after_late = make.task(
        project,
        "砌体工程",
        planned_start=days(-4),
        planned_finish=days(15),
        percent=Decimal(20),
        predecessor_id=late.id,
    )
    # 11-16..12-05: planned 50 %; at 35 % it trails by 15 points.
    behind = make.task(project, "水电安装", planned_start=days(-9), planned_finish=days(10), percent=Decimal(35))
    on_track = make.task(project, "外墙装饰", planned_start=days(-9), planned_finish=days(10), percent=Decimal(45))
    starting = make.task(project, "竣工验收", planned_start=days(3), planned_finish=days(40))
    due = make.task(project, "室外管网", planned_start=days(-20), planned_finish=days(5), percent=Decimal(90))
    return {t.name: t for t in (base, late, after_late, behind, on_track, starting, due)}


def test_schedule_status_groups_late_at_risk_and_upcoming(
    make: Factory, project: Project, schedule: dict[str, Task]
) -> None:
    viewer = make.user(project=project, role=Role.viewer)
    result = run_tool(make.ctx(viewer, project=project), "schedule_status", {})
    assert result.ok, result.text
    assert result.text.splitlines() == [
        "SG3 阳光花园3号楼 进度（截至 2026-11-25）",
        "已延误（1）：",
        "· 主体结构：计划 100% / 实际 60%，延误 5 天（计划完成 2026-11-20）",
        "有风险（2）：",
        "· 水电安装：计划 50% / 实际 35%，落后 15 个百分点",
        "· 砌体工程：计划 25% / 实际 20%，前置任务“主体结构”已延误",
        "近7天（2）：",
        "· 竣工验收：3天后开始（2026-11-28）",
        "· 室外管网：5天后到期（2026-11-30），实际 90%",
    ]
    assert [t["task"] for t in result.data["late"]] == ["主体结构"]
    assert result.data["late"][0]["days_late"] == 5
    assert [t["task"] for t in result.data["at_risk"]] == ["水电安装", "砌体工程"]
    assert result.data["at_risk"][0]["behind_points"] == Decimal(15)


def test_schedule_status_in_english(make: Factory, project: Project, schedule: dict[str, Task]) -> None:
    text = run_tool(make.ctx(project=project, language="en"), "schedule_status", {}).text
    assert "· 主体结构: planned 100% / actual 60%, 5 days late (due 2026-11-20)" in text
    assert "· 水电安装: planned 50% / actual 35%, 15 points behind" in text
    assert "predecessor “主体结构” is late" in text
    assert "· 竣工验收: starts in 3 days (2026-11-28)" in text


def test_trailing_by_exactly_the_threshold_is_not_at_risk(make: Factory, project: Project) -> None:
    make.task(project, "水电安装", planned_start=days(-9), planned_finish=days(30), percent=Decimal(15))
    # planned 10/40 = 25 %; actual 15 % trails by 10 points: not more than 10.
    result = run_tool(make.ctx(project=project), "schedule_status", {})
    assert result.data["at_risk"] == [] and "没有延误或有风险的任务。" in result.text


def test_finishing_a_late_task_takes_it_off_the_late_list(
    make: Factory, project: Project, schedule: dict[str, Task]
) -> None:
    ctx = make.ctx(project=project)
    assert run_tool(ctx, "update_task_progress", {"task": "主体结构", "percent": "100"}).ok
    result = run_tool(ctx, "schedule_status", {})
    assert result.data["late"] == []
    assert [t["task"] for t in result.data["at_risk"]] == ["水电安装"]


def test_schedule_status_of_a_project_without_tasks(make: Factory, project: Project) -> None:
    result = run_tool(make.ctx(project=project), "schedule_status", {})
    assert result.ok and "SG3 还没有未完成的任务。" in result.text


def test_schedule_status_refuses_non_members(make: Factory, project: Project) -> None:
    make.project(code="OTHER")
    user = make.user(project=make.project(code="MINE"), role=Role.manager)
    result = run_tool(make.ctx(user), "schedule_status", {"project": "SG3"})
    assert not result.ok
