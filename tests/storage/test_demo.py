"""The demo data: idempotent, deterministic, and showing an overrun, a late task and low cash on any day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot.cli import main
from storage.db import make_engine, make_session_factory
from storage.demo import load_demo
from storage.models import Base, LaborEntry, Project, RateHistory, User, Worker
from tools import Context, run_tool

DAYS = [date(2026, 11, 25), date(2026, 11, 29), date(2025, 1, 1), date(2028, 2, 29), date(2031, 7, 6)]

OVER_80 = text("""
    SELECT p.code, b.category
    FROM budget_line b JOIN project p ON p.id = b.project_id
    WHERE COALESCE((SELECT SUM(c.amount) FROM cost_entry c
                    WHERE c.project_id = b.project_id AND c.category = b.category AND c.entry_date <= :today), 0)
        + CASE WHEN b.category = 'labor' THEN COALESCE((SELECT SUM(l.amount) FROM labor_entry l
                    WHERE l.project_id = b.project_id AND l.work_date <= :today), 0) ELSE 0 END
        > b.amount * 0.8
""")
LATE = text("""
    SELECT p.code, t.name FROM task t JOIN project p ON p.id = t.project_id
    WHERE t.planned_finish < :today AND t.actual_finish IS NULL AND t.percent < 10000
""")
LOW_CASH = text("""
    SELECT p.code FROM project p
    WHERE COALESCE((SELECT SUM(CASE WHEN f.direction = 'in' THEN f.amount ELSE -f.amount END) FROM fund_txn f
                    WHERE f.project_id = p.id AND f.planned = :no AND f.txn_date <= :today), 0)
        < p.cash_floor
""")


def _counts(session: Session) -> dict[str, int]:
    return {
        t.name: session.execute(select(func.count()).select_from(t)).scalar_one() for t in Base.metadata.sorted_tables
    }


def test_second_load_adds_nothing(session: Session) -> None:
    today = date(2026, 11, 25)
    assert load_demo(session, today) is True
    before = _counts(session)
    assert load_demo(session, today) is False
    assert load_demo(session, today + timedelta(days=3)) is False
    assert _counts(session) == before
    assert before["project"] == 3 and before["worker"] == 7 and before["labor_entry"] > 300


def test_same_day_loads_the_same_rows(tmp_path: Path) -> None:
    """Deterministic: no wall clock, no unseeded randomness."""
    dumps = []
    for name in ("a", "b"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        Base.metadata.create_all(engine)
        with make_session_factory(engine)() as s:
            load_demo(s, date(2026, 11, 25))
            dumps.append(
                [
                    tuple(row)
                    for row in s.execute(
                        text(
                            "SELECT project_id, worker_id, work_date, days, overtime_hours, amount"
                            " FROM labor_entry ORDER BY id"
                        )
                    )
                ]
                + [
                    tuple(row)
                    for row in s.execute(
                        text("SELECT project_id, category, amount, entry_date FROM cost_entry ORDER BY id")
                    )
                ]
            )
        engine.dispose()
    assert dumps[0] == dumps[1]


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_warnings_exist_whatever_the_day(session: Session, today: date) -> None:
    load_demo(session, today)
    over = {tuple(r) for r in session.execute(OVER_80, {"today": today})}
    assert ("SG3", "machinery") in over
    assert ("BJ", "machinery") in over
    assert ("BJ", "管网铺设") in {tuple(r) for r in session.execute(LATE, {"today": today})}
    assert ("BJ",) in {tuple(r) for r in session.execute(LOW_CASH, {"today": today, "no": False})}


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_main_structure_is_behind_plan(session: Session, today: date) -> None:
    load_demo(session, today)
    task = session.execute(
        text(
            "SELECT t.planned_start, t.planned_finish, t.percent FROM task t JOIN project p ON p.id = t.project_id "
            "WHERE p.code = 'SG3' AND t.name = '主体结构'"
        )
    ).one()
    start, finish = date.fromisoformat(str(task[0])), date.fromisoformat(str(task[1]))
    planned = Decimal(100) * (today - start).days / (finish - start).days
    assert planned - Decimal(task[2]) / 100 > 10


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_recorded_dates_lie_between_project_start_and_today(session: Session, today: date) -> None:
    load_demo(session, today)
    dated = {
        "cost_entry x": "x.entry_date",
        "labor_entry x": "x.work_date",
        "worker_payment x": "x.paid_on",
        "fund_txn x": "x.txn_date",
        "task t JOIN progress_update x ON x.task_id = t.id": "x.reported_on",
    }
    for table, column in dated.items():
        project_id = "t.project_id" if "task t" in table else "x.project_id"
        out_of_range = session.execute(
            text(
                f"SELECT COUNT(*) FROM {table} JOIN project p ON p.id = {project_id} "
                f"WHERE ({column} < p.start OR {column} > :today) "
                + ("AND x.planned = :no" if table.startswith("fund_txn") else "")
            ),
            {"today": today, "no": False},
        ).scalar_one()
        assert out_of_range == 0, table
    logged_today = session.execute(
        text("SELECT COUNT(*) FROM labor_entry WHERE work_date >= :today"), {"today": today}
    ).scalar_one()
    assert logged_today == 0  # today is left for the user to log
    planned = session.execute(
        text("SELECT MIN(txn_date), MAX(txn_date) FROM fund_txn WHERE planned = :yes"), {"yes": True}
    ).one()
    assert today < date.fromisoformat(str(planned[0])) <= date.fromisoformat(str(planned[1])) <= today + timedelta(14)


def test_labour_amounts_follow_the_rate_in_force_and_overtime_rule(session: Session) -> None:
    today = date(2026, 11, 25)
    load_demo(session, today)
    li = session.scalars(select(Worker).where(Worker.name == "李四")).one()
    assert [
        (r.valid_from, r.daily_rate)
        for r in session.scalars(
            select(RateHistory).where(RateHistory.worker_id == li.id).order_by(RateHistory.valid_from)
        )
    ] == [(today - timedelta(days=365), Decimal(360)), (today - timedelta(days=30), Decimal(380))]
    rates = {
        e.daily_rate
        for e in session.scalars(
            select(LaborEntry).where(LaborEntry.worker_id == li.id, LaborEntry.work_date < today - timedelta(days=30))
        )
    }
    assert rates == {Decimal(360)}
    entries = session.scalars(select(LaborEntry)).all()
    projects = {p.id: p for p in session.scalars(select(Project))}
    assert any(e.overtime_hours for e in entries)
    for e in entries:
        p = projects[e.project_id]
        if p.overtime_mode == "hourly":
            overtime = e.overtime_hours * p.overtime_rate
        else:
            overtime = e.overtime_hours / (p.overtime_hours_per_day or p.hours_per_day) * e.daily_rate
        assert e.amount == (e.days * e.daily_rate + overtime).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_sunday_crews_are_thinner_than_weekdays(session: Session) -> None:
    load_demo(session, date(2026, 11, 25))
    by_day = session.execute(select(LaborEntry.work_date, func.count()).group_by(LaborEntry.work_date)).all()
    sundays = [n for day, n in by_day if day.weekday() == 6]
    weekdays = [n for day, n in by_day if day.weekday() != 6]
    assert sum(sundays) / 9 < sum(weekdays) / 51


def test_demo_members_have_roles_and_no_telegram_ids(session: Session) -> None:
    load_demo(session, date(2026, 11, 25))
    rows = {
        tuple(r)
        for r in session.execute(
            text(
                "SELECT u.name, p.code, m.role, u.telegram_id FROM membership m JOIN app_user u ON u.id = m.user_id "
                "JOIN project p ON p.id = m.project_id"
            )
        )
    }
    assert {
        ("老王", "SG3", "manager", None),
        ("老王", "BJ", "manager", None),
        ("小李", "SG3", "foreman", None),
        ("会计刘", "SG3", "finance", None),
        ("会计刘", "BJ", "finance", None),
        ("Alice", "RW", "manager", None),
    } <= rows


def test_cli_demo_loads_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SITEBOT_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)  # no stray .env
    assert main(["demo", "--today", "2026-11-25"]) == 0
    assert "demo loaded for 2026-11-25" in capsys.readouterr().out
    assert main(["demo", "--today", "2026-11-25"]) == 0
    assert "already loaded" in capsys.readouterr().out
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT code FROM project ORDER BY code")).scalars().all() == ["BJ", "RW", "SG3"]
        assert connection.execute(text("SELECT MAX(work_date) FROM labor_entry")).scalar() == "2026-11-24"
    engine.dispose()


@pytest.mark.parametrize("today", [date(2026, 11, 25), date(2027, 3, 7)], ids=str)
def test_the_tools_report_the_demo_warnings(session: Session, today: date) -> None:
    load_demo(session, today)
    wang = session.scalars(select(User).where(User.name == "老王")).one()

    def ask(tool: str, code: str) -> str:
        result = run_tool(Context(session=session, user=wang, today=today, project_code=code), tool, {})
        assert result.ok, result.text
        return result.text

    assert "机械费：已用 85.0% ⚠" in ask("budget_status", "SG3")
    assert "⚠ 超支" in ask("budget_status", "BJ")
    assert "主体结构" in ask("schedule_status", "SG3").split("有风险")[1]
    assert "管网铺设" in ask("schedule_status", "BJ").split("已延误")[1]
    assert "低于项目资金底线" in ask("fund_status", "BJ")
