"""Helpers for labour and fund tests: rows inserted directly, in bulk."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from storage.models import LaborEntry, Project, Worker
from tests.support.factories import Factory

TRADES = ("木工", "钢筋工", "泥瓦工", "电工")


def dime_workers(make: Factory, n: int = 100) -> list[Worker]:
    """n workers at 0.10 yuan a day, spread over four trades."""
    return [make.worker(f"W{i:03d}", daily_rate="0.10", trade=TRADES[i % len(TRADES)]) for i in range(n)]


def insert_labor(
    session: Session,
    project: Project,
    workers: list[Worker],
    last_day: date,
    n_days: int = 100,
    *,
    days: Decimal = Decimal(1),
    amount: Decimal = Decimal("0.10"),
) -> None:
    """One entry per worker per day for n_days ending on last_day, written straight to the table."""
    rows = [
        {
            "project_id": project.id,
            "worker_id": w.id,
            "work_date": last_day - timedelta(days=d),
            "kind": "day",
            "days": days,
            "overtime_hours": Decimal(0),
            "daily_rate": amount,
            "overtime_amount": Decimal(0),
            "amount": amount,
        }
        for w in workers
        for d in range(n_days)
    ]
    session.execute(insert(LaborEntry), rows)
    session.commit()
