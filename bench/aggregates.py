"""Aggregate speed at scale: 1,000,000 labour entries and 200,000 costs across 200 projects.

Builds a fresh SQLite file in a temporary folder (and a fresh PostgreSQL schema when SITEBOT_BENCH_DATABASE_URL
is set), migrates it with the real migrations, bulk-loads it through the real schema (driver-level executemany on
SQLite, COPY on PostgreSQL; money as integer cents, exactly as storage.types.Fixed stores it), then times
budget_status, labor_summary (one project, one month) and project_health through tools.run_tool with a Context,
as the product calls them. Target: median under 50 ms each.

    .venv/bin/python bench/aggregates.py [--runs 30] [--projects 200] [--labour 1000000] [--costs 200000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, select, text

from storage.db import make_engine, make_session_factory, upgrade
from storage.models import (
    BudgetLine,
    Membership,
    Project,
    RateHistory,
    Role,
    User,
    Worker,
)
from tools import Context, run_tool

TODAY = date(2026, 11, 25)
DAYS = 500  # each project has run for 500 days
TARGET_MS = 50.0
CATEGORIES = ("labor", "materials", "machinery", "subcontract", "overhead")
COST_WEIGHTS = (0.1, 0.5, 0.15, 0.15, 0.1)
TRADES = ("木工", "钢筋工", "泥瓦工", "电工", "杂工", "焊工")
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


# -- bulk loading ------------------------------------------------------------------------------


class Bulk:
    """Raw inserts into the real tables: driver executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"

    def _sqlite_value(self, value: Any) -> Any:
        if isinstance(value, datetime):  # SQLAlchemy's SQLite DateTime format (UTC, naive)
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], batch: int = 50_000) -> int:
        count = 0
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.sqlite:
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                chunk: list[tuple[Any, ...]] = []
                for row in rows:
                    chunk.append(tuple(self._sqlite_value(v) for v in row))
                    if len(chunk) >= batch:
                        cursor.executemany(sql, chunk)
                        count += len(chunk)
                        chunk = []
                if chunk:
                    cursor.executemany(sql, chunk)
                    count += len(chunk)
            else:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            raw.commit()
        finally:
            raw.close()
        return count


def _cents(yuan: int | float) -> int:
    return round(yuan * 100)


def measured_index(projects: int) -> int:
    """The project whose figures are timed: B100 in the full run."""
    return min(100, projects - 1)


def load(engine: Engine, *, projects: int, labour: int, costs: int, seed: int = 42) -> dict[str, int]:
    """Projects, budgets, workers, tasks, progress, labour, payments, costs and funds; returns row counts."""
    rng = random.Random(seed)
    start = TODAY - timedelta(days=DAYS - 1)
    factory = make_session_factory(engine)
    crew = 12  # workers per project; 10 of them come each day
    per_day = 10
    with factory() as session:
        for n in range(projects):
            project = Project(
                code=f"B{n:03d}",
                name=f"压测项目{n:03d}",
                aliases=[f"压测{n:03d}"],
                start=start,
                finish=TODAY + timedelta(days=300),
                hours_per_day=Decimal(8),
                cash_floor=Decimal(100_000),
            )
            budget = 20_000_000 + rng.randrange(0, 10_000_000)
            project.budget_lines = [
                BudgetLine(category=c, amount=Decimal(int(budget * w)))
                for c, w in zip(CATEGORIES, COST_WEIGHTS, strict=True)
            ]
            session.add(project)
        for n in range(projects * crew):
            rate = Decimal(rng.randrange(250, 450, 10))
            worker = Worker(name=f"工人{n:05d}", trade=TRADES[n % len(TRADES)], daily_rate=rate)
            worker.rates = [RateHistory(daily_rate=rate, valid_from=date(2020, 1, 1))]
            session.add(worker)
        session.flush()
        project_ids = list(session.scalars(select(Project.id).order_by(Project.code)))
        worker_ids = list(session.scalars(select(Worker.id).order_by(Worker.name)))
        rates = {wid: int(rate * 100) for wid, rate in session.execute(select(Worker.id, Worker.daily_rate))}
        manager = User(name="bench-manager", language="zh")
        admin = User(name="bench-admin", language="zh", is_admin=True)
        session.add_all([manager, admin])
        session.flush()
        # A realistic member: manager of three projects (the one measured and two others).
        measured = measured_index(projects)
        for pid in project_ids[max(0, measured - 1) : measured + 2]:
            session.add(Membership(user_id=manager.id, project_id=pid, role=Role.manager))
        session.commit()

    bulk = Bulk(engine)
    counts = {"project": projects, "worker": len(worker_ids)}

    # Tasks: eight per project, in sequence over the project's 800 days, progress to date.
    task_cols = (
        "project_id",
        "name",
        "aliases",
        "planned_start",
        "planned_finish",
        "planned_cost",
        "percent",
        "actual_start",
        "actual_finish",
        "predecessor_id",
    )
    finish = TODAY + timedelta(days=300)
    span = (finish - start).days

    def tasks() -> Iterable[tuple[Any, ...]]:
        for pid in project_ids:
            for k in range(8):
                s = start + timedelta(days=span * k // 8)
                f = start + timedelta(days=span * (k + 1) // 8 - 1)
                planned = 0.0 if s > TODAY else min(1.0, ((TODAY - s).days + 1) / ((f - s).days + 1))
                percent = max(0.0, min(1.0, planned * rng.uniform(0.7, 1.05)))
                done = percent >= 1.0
                yield (
                    pid,
                    f"任务{k}",
                    "[]",
                    s,
                    f,
                    _cents(2_000_000),
                    _cents(percent * 100),
                    s if percent > 0 else None,
                    f if done else None,
                    None,
                )

    counts["task"] = bulk.insert("task", task_cols, tasks())
    with engine.connect() as connection:
        task_rows = connection.execute(
            text("SELECT id, planned_start, percent FROM task WHERE actual_start IS NOT NULL")
        ).all()

    def progress() -> Iterable[tuple[Any, ...]]:
        for task_id, s, percent in task_rows:
            s = date.fromisoformat(str(s))
            steps = max(1, min(DAYS, (TODAY - s).days) // 7)
            for i in range(1, steps + 1):
                yield (task_id, s + timedelta(days=7 * i - 1), int(percent) * i // steps, None, None, NOW)

    counts["progress_update"] = bulk.insert(
        "progress_update", ("task_id", "reported_on", "percent", "note", "created_by", "created_at"), progress()
    )

    # Labour: per project, each day ten of its twelve workers come; a few do overtime (folded, 8 h a 工).
    per_project = labour // projects
    labour_cols = (
        "project_id",
        "worker_id",
        "work_date",
        "kind",
        "days",
        "overtime_hours",
        "daily_rate",
        "overtime_amount",
        "quantity",
        "unit_price",
        "amount",
        "note",
        "created_by",
        "created_at",
    )

    def labour_rows() -> Iterable[tuple[Any, ...]]:
        for p, pid in enumerate(project_ids):
            team = worker_ids[p * crew : (p + 1) * crew]
            made = 0
            for d in range(DAYS):
                day = start + timedelta(days=d)
                for wid in rng.sample(team, per_day):
                    if made >= per_project:
                        break
                    rate = rates[wid]
                    overtime = rng.choice((0, 0, 0, 0, 0, 0, 2, 3))
                    overtime_amount = rate * overtime // 8
                    yield (
                        pid,
                        wid,
                        day,
                        "day",
                        10_000,
                        overtime * 100,
                        rate,
                        overtime_amount,
                        None,
                        None,
                        rate + overtime_amount,
                        None,
                        None,
                        NOW,
                    )
                    made += 1

    counts["labor_entry"] = bulk.insert("labor_entry", labour_cols, labour_rows())

    payment_cols = ("project_id", "worker_id", "kind", "amount", "paid_on", "note", "created_by", "created_at")

    def payments() -> Iterable[tuple[Any, ...]]:
        for p, pid in enumerate(project_ids):
            for wid in worker_ids[p * crew : (p + 1) * crew]:
                for month in range(0, DAYS, 30):
                    yield (
                        pid,
                        wid,
                        "advance",
                        _cents(rng.choice((300, 500, 800, 1000))),
                        start + timedelta(days=month + 10),
                        None,
                        None,
                        NOW,
                    )
                    if month % 90 == 60:
                        yield (
                            pid,
                            wid,
                            "settlement",
                            _cents(6000),
                            start + timedelta(days=month + 20),
                            None,
                            None,
                            NOW,
                        )

    counts["worker_payment"] = bulk.insert("worker_payment", payment_cols, payments())

    cost_cols = ("project_id", "category", "amount", "entry_date", "vendor", "note", "created_by", "created_at")
    per_project_costs = costs // projects

    def cost_rows() -> Iterable[tuple[Any, ...]]:
        for pid in project_ids:
            for _ in range(per_project_costs):
                category = rng.choices(CATEGORIES, COST_WEIGHTS)[0]
                yield (
                    pid,
                    category,
                    rng.randrange(10_000, 2_500_000),
                    start + timedelta(days=rng.randrange(DAYS)),
                    "供应商",
                    None,
                    None,
                    NOW,
                )

    counts["cost_entry"] = bulk.insert("cost_entry", cost_cols, cost_rows())

    fund_cols = (
        "project_id",
        "direction",
        "amount",
        "txn_date",
        "counterparty",
        "note",
        "planned",
        "created_by",
        "created_at",
    )

    def funds() -> Iterable[tuple[Any, ...]]:
        for pid in project_ids:
            for k in range(100):
                direction = "in" if k % 5 == 0 else "out"
                yield (
                    pid,
                    direction,
                    rng.randrange(1_000_000, 50_000_000),
                    start + timedelta(days=k * 5),
                    "对方",
                    None,
                    False,
                    None,
                    NOW,
                )
            yield (pid, "out", 30_000_000, TODAY + timedelta(days=7), "供应商", "计划付款", True, None, NOW)

    counts["fund_txn"] = bulk.insert("fund_txn", fund_cols, funds())
    return counts


# -- timing ---------------------------------------------------------------------------------------


def _month_before(day: date) -> tuple[date, date]:
    first_this = day.replace(day=1)
    last_prev = first_this - timedelta(days=1)
    return last_prev.replace(day=1), last_prev


def time_tools(engine: Engine, *, user_name: str, code: str, runs: int, warmup: int = 3) -> dict[str, list[float]]:
    """Milliseconds per run_tool call, a fresh session per call (as one incoming message has)."""
    month_start, month_end = _month_before(TODAY)
    calls = {
        "budget_status": {"project": code},
        "labor_summary": {"project": code, "start": month_start.isoformat(), "end": month_end.isoformat()},
        "project_health": {"project": code},
    }
    factory = make_session_factory(engine)
    timings: dict[str, list[float]] = {}
    for name, args in calls.items():
        samples: list[float] = []
        for i in range(warmup + runs):
            with factory() as session:
                user = session.scalars(select(User).where(User.name == user_name)).one()
                ctx = Context(session=session, user=user, language="zh", today=TODAY)
                began = time.perf_counter()
                result = run_tool(ctx, name, args)
                elapsed = (time.perf_counter() - began) * 1000
            if not result.ok:
                raise SystemExit(f"{name} failed: {result.text}")
            if i >= warmup:
                samples.append(elapsed)
        timings[name] = samples
    return timings


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(title: str, timings: dict[str, list[float]]) -> bool:
    print(f"  {title}")
    print(f"    {'tool':<16}{'median ms':>11}{'p95 ms':>9}   target {TARGET_MS:.0f} ms")
    ok = True
    for name, samples in timings.items():
        median = statistics.median(samples)
        verdict = "ok" if median < TARGET_MS else "SLOW"
        ok &= median < TARGET_MS
        print(f"    {name:<16}{median:>11.1f}{p95(samples):>9.1f}   {verdict}")
    return ok


def bench(engine: Engine, label: str, args: argparse.Namespace) -> bool:
    print(f"== {label}")
    began = time.perf_counter()
    upgrade(engine)
    counts = load(engine, projects=args.projects, labour=args.labour, costs=args.costs)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))  # fresh bulk load: give the planner its statistics
    loaded = time.perf_counter() - began
    print("  loaded " + ", ".join(f"{n:,} {t}" for t, n in counts.items()) + f" in {loaded:.1f} s")
    code = f"B{measured_index(args.projects):03d}"
    ok = report(
        f"member (manager of 3 projects), project {code}, {args.runs} runs after warm-up",
        time_tools(engine, user_name="bench-manager", code=code, runs=args.runs),
    )
    ok &= report(
        f"global admin ({args.projects} visible projects), project {code}",
        time_tools(engine, user_name="bench-admin", code=code, runs=args.runs),
    )
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--labour", type=int, default=1_000_000)
    parser.add_argument("--costs", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file and print its path")
    args = parser.parse_args(argv)

    ok = True
    folder = tempfile.mkdtemp(prefix="sitebot-bench-")
    path = Path(folder) / "bench.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        ok &= bench(engine, f"SQLite {path}", args)
    finally:
        engine.dispose()
        if args.keep:
            print(f"  kept {path}")
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            os.rmdir(folder)

    pg_url = os.environ.get("SITEBOT_BENCH_DATABASE_URL")
    if pg_url:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(pg_url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(pg_url, connect_args={"options": f"-csearch_path={schema}"})
        try:
            ok &= bench(engine, f"PostgreSQL (schema {schema})", args)
        finally:
            engine.dispose()
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print("all medians under target" if ok else "some medians are over the target")
    return 0  # a report, not a gate: `make bench` goes on to the conversation bench


if __name__ == "__main__":
    sys.exit(main())
