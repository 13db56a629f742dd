"""Digest speed at scale: the morning digests of 1,000 projects, each bound to 3 chats.

Builds a fresh SQLite file (and a fresh PostgreSQL schema when SITEBOT_BENCH_DATABASE_URL is set), migrates it with
the real migrations and bulk-loads it through the real schema (bench.aggregates.Bulk): per project budget lines,
a chain of tasks with planned dates, progress reports and some mapped to budget lines, costs, day labour, wage
payments, money in and out and a planned payment, and 3 bound chats (one of them in English). About a fifth of the
projects are over budget, some have late tasks, some are low on cash and some have not logged labour lately.

Then it times what the scheduler does at 08:00: every chat's digest job fires (bot.channels.telegram.jobs
digest_job calls write_digests for its chat, and with it every other chat due by then), one after the other; and
the start-up catch-up (write_digests(due_only=True)) on the next day. Target: <= 10 s for 3,000 digests.

    .venv/bin/python bench/digest.py [--projects 1000] [--chats 3] [--mode jobs|catch-up|both]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, select, text

from bench.aggregates import Bulk
from bot.alerts import digest
from bot.router import Router
from bot.services import Services
from bot.settings import Settings
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Chat, Notification

TODAY = date(2026, 11, 25)
EIGHT_AM = datetime(2026, 11, 25, 0, 0, 30, tzinfo=UTC)  # 08:00:30 in Asia/Shanghai
TARGET_S = 10.0
CATEGORIES = ("labor", "materials", "machinery", "subcontract")
WEIGHTS = (0.25, 0.45, 0.15, 0.15)
TASKS = 6
WORKERS = 4  # per project
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _cents(yuan: float) -> int:
    return round(yuan * 100)


def load(engine: Engine, *, projects: int, chats: int, seed: int = 7) -> dict[str, int]:
    """Projects with budgets, tasks, progress, costs, labour, payments, funds and bound chats; row counts."""
    rng = random.Random(seed)
    bulk = Bulk(engine)
    start = TODAY - timedelta(days=180)
    finish = TODAY + timedelta(days=180)
    counts: dict[str, int] = {}

    def js(value: Any) -> str:
        return json.dumps(value)  # a JSON column, written as its text

    project_cols = (
        "code",
        "name",
        "aliases",
        "timezone",
        "language",
        "currency",
        "start",
        "finish",
        "hours_per_day",
        "overtime_mode",
        "budget_thresholds",
        "cash_floor",
        "day_end",
        "created_at",
    )
    counts["project"] = bulk.insert(
        "project",
        project_cols,
        (
            (
                f"D{n:04d}",
                f"基准项目{n:04d}",
                js([]),
                "Asia/Shanghai",
                "en" if n % 10 == 9 else "zh",
                "CNY",
                start,
                finish,
                800,
                "folded",
                js([80, 100]),
                _cents(rng.choice((50_000, 200_000, 2_000_000))),
                "18:00",
                NOW,
            )
            for n in range(projects)
        ),
    )
    with engine.connect() as connection:
        project_ids = [row[0] for row in connection.execute(text("SELECT id FROM project ORDER BY code"))]

    budgets: dict[int, int] = {pid: rng.randrange(2_000_000, 8_000_000) for pid in project_ids}
    counts["budget_line"] = bulk.insert(
        "budget_line",
        ("project_id", "category", "label", "amount", "policy"),
        (
            (pid, category, None, _cents(int(budgets[pid] * weight)), "warn")
            for pid in project_ids
            for category, weight in zip(CATEGORIES, WEIGHTS, strict=True)
        ),
    )

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
        "budget_category",
    )
    span = (finish - start).days

    def tasks() -> Iterable[tuple[Any, ...]]:
        for n, pid in enumerate(project_ids):
            mapped = n % 3 == 0  # a third map their tasks to budget lines (EAC by earned value)
            slack = rng.uniform(0.6, 1.1) if n % 4 else rng.uniform(0.95, 1.05)
            for k in range(TASKS):
                s = start + timedelta(days=span * k // TASKS)
                f = start + timedelta(days=span * (k + 1) // TASKS - 1)
                planned = 0.0 if s > TODAY else min(1.0, ((TODAY - s).days + 1) / ((f - s).days + 1))
                percent = max(0.0, min(1.0, planned * slack))
                yield (
                    pid,
                    f"工序{k}",
                    js([]),
                    s,
                    f,
                    _cents(budgets[pid] / TASKS),
                    _cents(percent * 100),
                    s if percent > 0 else None,
                    f if percent >= 1.0 else None,
                    None,
                    CATEGORIES[k % len(CATEGORIES)] if mapped else None,
                )

    counts["task"] = bulk.insert("task", task_cols, tasks())
    with engine.begin() as connection:  # each task follows the one before it in the same project
        connection.execute(
            text(
                "UPDATE task SET predecessor_id = (SELECT p.id FROM task p WHERE p.project_id = task.project_id "
                "AND p.planned_finish < task.planned_start ORDER BY p.planned_finish DESC LIMIT 1)"
            )
        )
        task_rows = connection.execute(
            text("SELECT id, planned_start, percent FROM task WHERE actual_start IS NOT NULL")
        ).all()

    def progress() -> Iterable[tuple[Any, ...]]:
        for task_id, s, percent in task_rows:
            s = date.fromisoformat(str(s))
            steps = max(1, min(180, (TODAY - s).days) // 30)
            for i in range(1, steps + 1):
                yield (task_id, s + timedelta(days=30 * i - 1), int(percent) * i // steps, None, None, NOW)

    counts["progress_update"] = bulk.insert(
        "progress_update", ("task_id", "reported_on", "percent", "note", "created_by", "created_at"), progress()
    )

    # Costs: most projects spend in step with the work; every fifth overspends on materials.
    def costs() -> Iterable[tuple[Any, ...]]:
        for n, pid in enumerate(project_ids):
            for category, weight in zip(CATEGORIES[1:], WEIGHTS[1:], strict=True):
                share = budgets[pid] * weight * rng.uniform(0.3, 0.75)
                if n % 5 == 0 and category == "materials":
                    share = budgets[pid] * weight * rng.uniform(1.02, 1.2)
                for i in range(8):
                    yield (
                        pid,
                        category,
                        _cents(share / 8),
                        start + timedelta(days=i * 22),
                        "供应商",
                        None,
                        None,
                        NOW,
                    )

    counts["cost_entry"] = bulk.insert(
        "cost_entry",
        ("project_id", "category", "amount", "entry_date", "vendor", "note", "created_by", "created_at"),
        costs(),
    )

    counts["worker"] = bulk.insert(
        "worker",
        ("name", "aliases", "trade", "daily_rate", "is_crew", "created_at"),
        (
            (f"工人{n:05d}", js([]), "杂工", _cents(rng.randrange(250, 450, 10)), False, NOW)
            for n in range(projects * WORKERS)
        ),
    )
    with engine.connect() as connection:
        workers = connection.execute(text("SELECT id, daily_rate FROM worker ORDER BY id")).all()

    # Labour: every day for the last 40 days; every seventh project stopped logging three days ago.
    labour_cols = (
        "project_id",
        "worker_id",
        "work_date",
        "kind",
        "days",
        "overtime_hours",
        "daily_rate",
        "overtime_amount",
        "amount",
        "created_at",
    )

    def labour() -> Iterable[tuple[Any, ...]]:
        for n, pid in enumerate(project_ids):
            last = 4 if n % 7 == 0 else 1
            for wid, rate in workers[n * WORKERS : (n + 1) * WORKERS]:
                for d in range(last, 40):
                    yield (pid, wid, TODAY - timedelta(days=d), "day", 10_000, 0, rate, 0, rate, NOW)

    counts["labor_entry"] = bulk.insert("labor_entry", labour_cols, labour())

    def payments() -> Iterable[tuple[Any, ...]]:
        for n, pid in enumerate(project_ids):
            for wid, rate in workers[n * WORKERS : (n + 1) * WORKERS]:
                yield (pid, wid, "advance", rate * 20, TODAY - timedelta(days=15), None, None, NOW)

    counts["worker_payment"] = bulk.insert(
        "worker_payment",
        ("project_id", "worker_id", "kind", "amount", "paid_on", "note", "created_by", "created_at"),
        payments(),
    )

    # Funds: the owner's payments in, suppliers paid out; every sixth project runs low; a planned payment.
    fund_cols = ("project_id", "direction", "amount", "txn_date", "counterparty", "kind", "planned", "created_at")

    def funds() -> Iterable[tuple[Any, ...]]:
        for n, pid in enumerate(project_ids):
            inflow = budgets[pid] * (0.2 if n % 6 == 0 else 0.6)
            for i in range(4):
                yield (pid, "in", _cents(inflow / 4), start + timedelta(days=i * 40), "业主", "transfer", False, NOW)
            for i in range(6):
                amount = _cents(budgets[pid] * 0.3 / 6)
                yield (pid, "out", amount, start + timedelta(days=10 + i * 25), "供应商", "transfer", False, NOW)
            planned = _cents(budgets[pid] * 0.05)
            yield (pid, "out", planned, TODAY + timedelta(days=5), "供应商", "transfer", True, NOW)

    counts["fund_txn"] = bulk.insert("fund_txn", fund_cols, funds())

    counts["chat"] = bulk.insert(
        "chat",
        ("telegram_chat_id", "title", "project_id", "digest_time", "timezone", "language", "digest_enabled"),
        (
            (-1_000_000 - n * chats - k, f"群{n}-{k}", pid, "08:00", "Asia/Shanghai", "en" if k == 2 else None, True)
            for n, pid in enumerate(project_ids)
            for k in range(chats)
        ),
    )
    return counts


def services_over(engine: Engine, url: str, now: datetime) -> Services:
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    sessions = make_session_factory(engine)
    router = Router(sessions, agent=None, timezone=settings.timezone, clock=lambda: now)
    return Services(settings=settings, engine=engine, sessions=sessions, router=router, clock=lambda: now)


def _queued(engine: Engine) -> int:
    with make_session_factory(engine)() as session:
        return int(session.scalar(select(func.count(Notification.id)).where(Notification.kind == "digest")) or 0)


def at_eight(services: Services) -> tuple[float, float]:
    """Every chat's digest job at 08:00, one after the other, as the job queue runs them; seconds of wall clock
    and of this process's CPU."""
    with services.sessions() as session:
        chat_ids = list(session.scalars(select(Chat.id).order_by(Chat.id)))
    batched = "due_too" in inspect.signature(digest.write_digests).parameters
    began, cpu = time.perf_counter(), time.process_time()
    if batched:
        for chat_id in chat_ids:
            digest.write_digests(services, chat_ids=[chat_id], due_too=True)
    else:  # the code before the digest was set-based: one call for every chat (the measurement)
        digest.write_digests(services)
    return time.perf_counter() - began, time.process_time() - cpu


def catch_up(services: Services) -> tuple[float, float]:
    """The start-up catch-up: every chat whose time has passed, in one call; seconds of wall clock and CPU."""
    began, cpu = time.perf_counter(), time.process_time()
    digest.write_digests(services, due_only=True)
    return time.perf_counter() - began, time.process_time() - cpu


def bench(engine: Engine, url: str, label: str, args: argparse.Namespace) -> bool:
    print(f"== {label}")
    began = time.perf_counter()
    upgrade(engine)
    counts = load(engine, projects=args.projects, chats=args.chats)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    print("  loaded " + ", ".join(f"{n:,} {t}" for t, n in counts.items()) + f" in {time.perf_counter() - began:.1f} s")
    digests = args.projects * args.chats
    ok = True
    runs = []
    if args.mode in ("jobs", "both"):
        runs.append(("08:00, every chat's job", lambda: at_eight(services_over(engine, url, EIGHT_AM))))
    if args.mode in ("catch-up", "both"):
        runs.append(("catch-up, next day", lambda: catch_up(services_over(engine, url, EIGHT_AM + timedelta(days=1)))))
    for title, run in runs:
        before = _queued(engine)
        seconds, cpu = run()
        queued = _queued(engine) - before
        verdict = "ok" if seconds <= TARGET_S and queued == digests else "SLOW" if queued == digests else "MISSING"
        print(
            f"  {title}: {queued:,} digests in {seconds:.2f} s ({1000 * seconds / digests:.1f} ms each; "
            f"{cpu:.2f} s CPU here)   target {TARGET_S:.0f} s: {verdict}"
        )
        ok &= verdict == "ok"
    print(f"  load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--chats", type=int, default=3)
    parser.add_argument("--mode", choices=("jobs", "catch-up", "both"), default="both")
    args = parser.parse_args(argv)

    ok = True
    folder = tempfile.mkdtemp(prefix="sitebot-bench-")
    path = Path(folder) / "digest.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        ok &= bench(engine, url, f"SQLite {path}", args)
    finally:
        engine.dispose()
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
            ok &= bench(engine, pg_url, f"PostgreSQL (schema {schema})", args)
        finally:
            engine.dispose()
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print("digests within target" if ok else "digests over the target")
    return 0  # a report, not a gate


if __name__ == "__main__":
    sys.exit(main())
