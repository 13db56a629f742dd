"""The set-based digest says exactly what the per-project path (the read tools, one project at a time) says.

findings() runs budget_status, schedule_status and fund_status for one project and records its crossings;
findings_of() computes the same for many projects with a handful of aggregate queries and records them all at
once. Over the demo and a varied set of projects (overruns, lines past a threshold or exactly at budget, forecasts
over budget by earned value and by project CPI, custom and unbudgeted lines, late tasks and tasks behind a late
predecessor, low cash, no cash book, wages owed, planned payments, days without labour, projects not started or
finished), both must give equal findings, equal digests in both languages and equal alert states, day after day.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts import digest
from bot.alerts.digest import Findings, findings, findings_of, render, write_digests
from bot.services import Services
from storage.db import begin_write
from storage.demo import load_demo
from storage.models import (
    AlertState,
    BudgetLine,
    Chat,
    CostEntry,
    Direction,
    FundTxn,
    LaborEntry,
    Notification,
    ProgressUpdate,
    Project,
    Task,
    WorkerPayment,
)
from tests.conftest import TODAY
from tests.support.channel import make_services
from tests.support.factories import Factory


def _labour(session: Session, project: Project, worker_id: int, days: list[int], amount: int = 300) -> None:
    for back in days:
        session.add(
            LaborEntry(
                project_id=project.id,
                worker_id=worker_id,
                work_date=TODAY - timedelta(days=back),
                days=Decimal(1),
                daily_rate=Decimal(amount),
                amount=Decimal(amount),
            )
        )


def _fund(session: Session, project: Project, direction: Direction, amount: int, back: int, **extra: Any) -> None:
    session.add(
        FundTxn(
            project_id=project.id,
            direction=direction,
            amount=Decimal(amount),
            txn_date=TODAY - timedelta(days=back),
            **extra,
        )
    )


def varied(make: Factory, session: Session) -> None:
    """Projects that between them raise every kind of finding (see test_the_set_covers_every_kind_of_finding)."""
    worker = make.worker("张三", 300, projects=[])
    shapes = [
        # (materials budget, materials spent, tasks mapped to lines, cash in, cash floor, thresholds, language)
        (10_000, 12_500, False, 20_000, 50_000, None, "zh"),
        (10_000, 10_000, True, 500_000, 1_000, None, "en"),
        (10_000, 8_500, True, 0, 0, [50, 80, 100], "zh"),
        (100_000, 100, False, 5_000, 0, None, "zh"),
        (50_000, 30_000, True, 80_000, 100_000, [50, 90], "en"),
        (0, 900, False, 0, 0, None, "zh"),
    ]
    for n, (budget, spent, mapped, cash_in, floor, thresholds, language) in enumerate(shapes):
        extra: dict[str, Any] = {"budget_thresholds": thresholds} if thresholds else {}
        project = make.project(code=f"V{n}", name=f"多样项目{n}", cash_floor=Decimal(floor), language=language, **extra)
        make.assign(worker, project)
        if budget:
            make.budget(project, "materials", budget)
            make.budget(project, "labor", 20_000)
        if n % 2 == 0:
            make.budget(project, "temp_works", 3_000, label="临时设施")
        session.add(CostEntry(project_id=project.id, category="materials", amount=Decimal(spent), entry_date=TODAY))
        session.add(
            CostEntry(project_id=project.id, category="temp_works", amount=Decimal(2_500 + 300 * n), entry_date=TODAY)
        )
        if n in (1, 3):  # a line with costs and no budget
            session.add(CostEntry(project_id=project.id, category="machinery", amount=Decimal(1_234), entry_date=TODAY))
        session.add(  # after the status date: counts for nothing today
            CostEntry(
                project_id=project.id,
                category="materials",
                amount=Decimal(99_999),
                entry_date=TODAY + timedelta(days=3),
            )
        )
        if n != 3:  # V3 logs no labour at all; V2 stopped three days ago; the others log every day
            _labour(session, project, worker.id, list(range(4, 20)) if n == 2 else list(range(1, 20)), 300 + 10 * n)
        if n == 4:
            session.add(
                WorkerPayment(
                    project_id=project.id,
                    worker_id=worker.id,
                    kind="advance",
                    amount=Decimal(1_000),
                    paid_on=TODAY - timedelta(days=2),
                )
            )
        if cash_in:
            _fund(session, project, Direction.inflow, cash_in, 20)
            _fund(session, project, Direction.outflow, cash_in // 4, 5)
        elif n == 2:  # pays costs on the spot and keeps no cash book: no cash warning
            _fund(session, project, Direction.outflow, 7_000, 5)
        if n in (0, 4):
            _fund(session, project, Direction.outflow, 60_000, -5, planned=True)
            _fund(session, project, Direction.outflow, 90_000, -40, planned=True)  # beyond 14 days
        if n == 5:
            _fund(session, project, Direction.inflow, 10_000, 30, kind="opening")
        session.commit()

        first = make.task(
            project,
            f"基础{n}",
            planned_start=TODAY - timedelta(days=40),
            planned_finish=TODAY - timedelta(days=3 + n),
            percent=Decimal(100 if n == 1 else 55 + n),
            planned_cost=Decimal(8_000),
            budget_category="materials" if mapped else None,
        )
        second = make.task(
            project,
            f"主体{n}",
            planned_start=TODAY - timedelta(days=12),
            planned_finish=TODAY + timedelta(days=8),
            percent=Decimal(5 + 15 * (n % 3)),
            planned_cost=Decimal(6_000),
            predecessor_id=first.id,
            budget_category="labor" if mapped else None,
        )
        make.task(
            project,
            f"装修{n}",
            planned_start=TODAY + timedelta(days=2),
            planned_finish=TODAY + timedelta(days=30),
            planned_cost=Decimal(4_000),
            predecessor_id=second.id,
        )
        for back, percent in ((20, 30), (6, 50), (-2, 90)):  # the last is reported after the status date
            session.add(
                ProgressUpdate(task_id=first.id, reported_on=TODAY - timedelta(days=back), percent=Decimal(percent))
            )
        session.commit()
    make.project(code="VS", name="未开工", start=TODAY + timedelta(days=10))  # nothing before its start
    make.project(code="VF", name="已完工", start=TODAY - timedelta(days=300), finish=TODAY - timedelta(days=30))
    done = make.project(code="VN", name="无日期", start=None, finish=None)
    _labour(session, done, worker.id, [1, 5])
    session.commit()


@pytest.fixture
def projects(make: Factory, session: Session) -> list[Project]:
    load_demo(session, TODAY)
    varied(make, session)
    return list(session.scalars(select(Project).order_by(Project.code)))


def _states(session: Session) -> list[tuple[Any, ...]]:
    rows = session.scalars(select(AlertState).order_by(AlertState.project_id, AlertState.key))
    return [(s.project_id, s.key, s.active, s.crossing, s.since, s.digested) for s in rows]


def _texts(project: Project, found: Findings, day: date) -> list[str]:
    return [render(project, found, day=day, language=language).text for language in ("zh", "en")]


def _both(session: Session, projects: list[Project], day: date) -> None:
    """Each path in its own write transaction on the same data: the per-project one rolled back, the set-based one
    kept; findings, digests and alert states equal."""
    begin_write(session)
    old = {p.id: findings(session, p, day=day, remember=True) for p in projects}
    old_states = _states(session)
    session.rollback()
    begin_write(session)
    new = findings_of(session, projects, day=day, remember=True)
    new_states = _states(session)
    session.commit()
    for project in projects:
        assert new[project.id] == old[project.id], project.code
        assert _texts(project, new[project.id], day) == _texts(project, old[project.id], day), project.code
    assert new_states == old_states


def test_the_set_covers_every_kind_of_finding(session: Session, projects: list[Project]) -> None:
    found = findings_of(session, projects, day=TODAY, remember=False)
    keys = {c.key for f in found.values() for c in f.crossings.new}
    kinds = {
        key.split(":")[0] + (":" + key.split(":")[-1] if key.startswith(("budget", "cash")) else "") for key in keys
    }
    assert {
        "budget:over",
        "budget:reached",
        "budget:80",
        "budget:50",
        "forecast",
        "late",
        "risk",
        "cash:below_floor",
        "cash:below_upcoming_needs",
    } <= kinds
    assert any(f.missing for f in found.values())
    assert any(not f.crossings.new and not f.missing for f in found.values())  # and an all-clear


def test_set_based_findings_and_digests_equal_the_per_project_ones(session: Session, projects: list[Project]) -> None:
    old = {p.id: findings(session, p, day=TODAY, remember=False) for p in projects}
    new = findings_of(session, projects, day=TODAY, remember=False)
    assert set(new) == set(old)
    for project in projects:
        assert new[project.id] == old[project.id], project.code
        assert _texts(project, new[project.id], TODAY) == _texts(project, old[project.id], TODAY), project.code


def test_set_based_crossings_and_alert_states_equal_the_per_project_ones_day_after_day(
    session: Session, projects: list[Project]
) -> None:
    day1, day2, day3, day4 = (TODAY + timedelta(days=n) for n in range(4))
    _both(session, projects, day1)  # everything is new
    _both(session, projects, day2)  # nothing changed: everything known
    v0 = next(p for p in projects if p.code == "V0")
    line = session.scalar(select(BudgetLine).where(BudgetLine.project_id == v0.id, BudgetLine.category == "materials"))
    assert line is not None
    line.amount = Decimal(50_000)  # V0's overrun recovers
    task = session.scalar(select(Task).where(Task.project_id == v0.id, Task.name == "主体0"))
    assert task is not None
    task.percent = Decimal(100)  # and its task at risk is done
    session.commit()
    _both(session, projects, day3)
    line.amount = Decimal(10_000)  # over again: a new crossing
    session.add(CostEntry(project_id=v0.id, category="labor", amount=Decimal(25_000), entry_date=day3))
    session.commit()
    _both(session, projects, day4)


def test_a_chunk_that_fails_is_built_one_project_at_a_time(
    session: Session, projects: list[Project], engine: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {}
    for n, project in enumerate(projects):
        session.add(Chat(telegram_chat_id=-500 - n, title="群", project_id=project.id, timezone=project.timezone))
        language = "en" if project.language == "en" else "zh"
        expected[project.code] = digest.build_digest(session, project, day=TODAY, language=language).text
    session.commit()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a query that fails")

    monkeypatch.setattr(digest, "conditions_of", broken)
    services: Services = make_services(engine, db_url)
    assert write_digests(services, today=TODAY) == len(projects)
    session.rollback()
    notes = session.scalars(select(Notification).where(Notification.kind == "digest")).all()
    assert {n.payload["project"]: n.payload["text"] for n in notes} == expected


def test_digests_another_job_queued_meanwhile_are_neither_built_again_nor_recorded(
    make: Factory, session: Session, engine: Any, db_url: str
) -> None:
    project = make.project(code="RJ", name="并发")
    make.budget(project, "materials", 1_000)
    chat = Chat(telegram_chat_id=-900, title="群", project_id=project.id, timezone=project.timezone)
    session.add(chat)
    session.commit()
    services: Services = make_services(engine, db_url)
    assert write_digests(services, today=TODAY) == 1  # the first job: all clear

    session.add(CostEntry(project_id=project.id, category="materials", amount=Decimal(1_500), entry_date=TODAY))
    session.commit()
    # a second job that chose the chat before the first committed: it finds the digest queued and records nothing
    assert digest._write_chunk(services, [project], TODAY, {project.id: [chat]}, services.clock()) == 0
    session.rollback()
    assert session.scalars(select(AlertState).where(AlertState.project_id == project.id)).all() == []
    tomorrow = TODAY + timedelta(days=1)
    write_digests(services, today=tomorrow)
    session.rollback()
    note = session.scalar(select(Notification).where(Notification.dedupe_key == digest.digest_key(chat.id, tomorrow)))
    assert note is not None and "超支 ¥500.00" in note.payload["text"]  # still news the next day
