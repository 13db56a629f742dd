"""A project's people, rates, tasks and piece work managed in chat: each change audited and undoable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import LaborEntry, Project, ProjectRate, ProjectWorker, Role, Task, Worker
from tests.support.factories import Factory
from tools import run_tool

TODAY = date(2026, 11, 25)


@pytest.fixture
def site(make: Factory) -> Project:
    project = make.project(code="SG3", start=date(2026, 6, 1))
    make.worker("李四", 380)
    make.task(project, "水电安装", planned_cost=Decimal(10000))
    return project


def test_adding_a_worker_puts_them_on_the_books_at_their_rate_and_undo_takes_them_off(
    session: Session, make: Factory, site: Project
) -> None:
    foreman = make.user(project=site, role=Role.foreman)
    added = run_tool(
        make.ctx(foreman, project=site), "add_worker", {"name": "刘德华", "trade": "木工", "daily_rate": "350"}
    )
    assert added.ok, added.text
    assert added.text == "已添加工人 刘德华（木工），日工资 ¥350.00，项目 SG3。"
    ctx = make.ctx(foreman, project=site)  # the next message
    logged = run_tool(ctx, "log_labor", {"worker": "刘德华", "days": "1", "date": "2026-11-24"})
    assert logged.ok and logged.data["amount"] == Decimal("350.00") and logged.data["rate_source"] == "history"
    listed = run_tool(ctx, "list_workers", {})
    assert "刘德华" in listed.text and "¥350.00" in listed.text
    assert run_tool(make.ctx(foreman, project=site), "undo_last", {}).ok  # the day
    assert run_tool(make.ctx(foreman, project=site), "undo_last", {}).ok  # the worker
    session.rollback()
    assert session.scalar(select(func.count(Worker.id)).where(Worker.name == "刘德华")) == 0


def test_a_namesake_on_another_project_is_asked_about_never_merged(
    session: Session, make: Factory, site: Project
) -> None:
    other = make.project(code="BJ")
    make.worker("张三", 300, projects=[other], trade="杂工")
    asked = run_tool(make.ctx(project=site), "add_worker", {"name": "张三", "trade": "木工", "daily_rate": "350"})
    assert not asked.ok and asked.proposal is not None
    assert "已有一个 张三（杂工，在项目 BJ）" in asked.text
    assert [o.label for o in asked.proposal.options] == ["同一个人，加到 SG3，日工资 ¥350.00", "另一个人，新建 张三"]
    new = asked.proposal.options[1].calls[0]
    assert run_tool(make.ctx(project=site), new.tool, new.args).ok
    session.rollback()
    two = session.scalars(select(Worker).where(Worker.name == "张三").order_by(Worker.id)).all()
    assert [(w.trade, w.daily_rate) for w in two] == [("杂工", Decimal("300.00")), ("木工", Decimal("350.00"))]


def test_the_same_person_joins_a_second_project_with_that_projects_rate(
    session: Session, make: Factory, site: Project
) -> None:
    other = make.project(code="BJ")
    zhang = make.worker("张三", 300, projects=[other])
    asked = run_tool(make.ctx(project=site), "add_worker", {"name": "张三", "daily_rate": "350"})
    same = asked.proposal.options[0].calls[0]  # type: ignore[union-attr]
    assert run_tool(make.ctx(project=site), same.tool, same.args).ok
    session.rollback()
    assert session.scalar(select(func.count(Worker.id)).where(Worker.name == "张三")) == 1
    assert set(session.scalars(select(ProjectWorker.project_id).where(ProjectWorker.worker_id == zhang.id))) == {
        site.id,
        other.id,
    }
    here = run_tool(make.ctx(project=site), "log_labor", {"worker": "张三", "days": "1"})
    there = run_tool(make.ctx(project=other), "log_labor", {"worker": "张三", "days": "0.5", "date": "2026-11-24"})
    assert (here.data["amount"], there.data["amount"]) == (Decimal("350.00"), Decimal("150.00"))


def test_a_backdated_rate_change_reports_the_entries_and_reprices_only_when_asked(
    session: Session, make: Factory, site: Project
) -> None:
    ctx = make.ctx(project=site)
    for day in ("2026-11-20", "2026-11-23", "2026-11-24"):
        assert run_tool(ctx, "log_labor", {"worker": "李四", "days": "1", "date": day}).ok
    asked = run_tool(ctx, "set_worker_rate", {"worker": "李四", "daily_rate": "400", "start": "2026-11-23"})
    assert not asked.ok and asked.proposal is not None
    assert "已记了 2 条工（工资 ¥760.00），按新工价是 ¥800.00（+¥40.00）" in asked.text
    keep, reprice = asked.proposal.options
    assert run_tool(make.ctx(project=site), reprice.calls[0].tool, reprice.calls[0].args).ok
    session.rollback()
    amounts = session.scalars(select(LaborEntry.amount).order_by(LaborEntry.work_date)).all()
    assert amounts == [Decimal("380.00"), Decimal("400.00"), Decimal("400.00")]
    assert run_tool(make.ctx(project=site), "log_labor", {"worker": "李四", "days": "1"}).data["amount"] == Decimal(
        "400.00"
    )
    assert run_tool(make.ctx(project=site), "undo_last", {}).ok  # today's day
    assert run_tool(make.ctx(project=site), "undo_last", {}).ok  # the rate change and its re-pricing
    session.rollback()
    assert session.scalars(select(LaborEntry.amount).order_by(LaborEntry.work_date)).all() == [Decimal("380.00")] * 3
    assert session.scalar(select(func.count(ProjectRate.id)).where(ProjectRate.valid_from == date(2026, 11, 23))) == 0
    assert keep.label == "只改工价，已记的不变"


def test_a_rate_change_from_a_future_date_touches_nothing_logged(
    session: Session, make: Factory, site: Project
) -> None:
    ctx = make.ctx(project=site)
    assert run_tool(ctx, "log_labor", {"worker": "李四", "days": "1"}).ok
    changed = run_tool(ctx, "set_worker_rate", {"worker": "李四", "daily_rate": "400", "start": "2026-12-01"})
    assert changed.ok and "从 12-01（周二） 起" in changed.text
    session.rollback()
    assert session.scalars(select(LaborEntry.amount)).all() == [Decimal("380.00")]


def test_tasks_are_listed_added_and_marked_started(session: Session, make: Factory, site: Project) -> None:
    ctx = make.ctx(project=site)
    added = run_tool(
        ctx,
        "add_task",
        {"name": "外墙装饰", "planned_start": "2026-12-01", "planned_finish": "2027-01-31", "planned_cost": "50000"},
    )
    assert added.ok, added.text
    started = run_tool(ctx, "mark_task", {"task": "水电安装", "event": "started"})
    assert started.ok and started.text == "已记任务“水电安装”开工：11-25（周三）。"
    again = run_tool(ctx, "mark_task", {"task": "水电安装", "event": "started"})
    assert not again.ok and "已在" in again.text
    finished = run_tool(ctx, "mark_task", {"task": "水电安装", "event": "finished"})
    assert finished.ok and "100%" in finished.text
    listed = run_tool(ctx, "list_tasks", {})
    assert "外墙装饰" in listed.text and "11-25（周三） 完工" in listed.text
    session.rollback()
    task = session.scalar(select(Task).where(Task.name == "水电安装"))
    assert task is not None and (task.actual_start, task.actual_finish) == (TODAY, TODAY)


def test_tasks_that_do_not_add_up_to_the_budget_are_said_to(session: Session, make: Factory, site: Project) -> None:
    make.budget(site, "materials", 30000)
    listed = run_tool(make.ctx(project=site), "list_tasks", {})
    assert "任务计划成本合计 ¥10,000.00，预算合计 ¥30,000.00，差 ¥20,000.00" in listed.text


def test_piece_work_is_quantity_times_price_in_wages_and_labour_cost(
    session: Session, make: Factory, site: Project
) -> None:
    make.budget(site, "labor", 100000)
    ctx = make.ctx(project=site)
    done = run_tool(
        ctx, "log_piece_work", {"worker": "李四", "item": "贴砖", "quantity": "120", "unit": "平", "unit_price": "35"}
    )
    assert done.ok, done.text
    assert done.text.startswith("已记包工：李四 贴砖 120平 × ¥35.00 = ¥4,200.00")
    assert run_tool(ctx, "log_labor", {"worker": "李四", "days": "1"}).ok  # a day of work too, the same date
    budget = run_tool(ctx, "budget_status", {"category": "labor"})
    assert budget.data["lines"][0]["actual"] == Decimal("4580.00")
    summary = run_tool(ctx, "labor_summary", {})
    assert summary.data["totals"]["wages"] == Decimal("4580.00")
