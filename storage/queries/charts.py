"""Chart series, summed and cumulated in SQL: earned value and actual cost by date, 工日 per day.

Each cumulative series comes back as steps: the running total after every date on which it changed.
A chart reads the last step on or before each of its dates, so only one row per changing date (never
a project's entries) reaches Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, func, literal_column, select, type_coerce, union_all
from sqlalchemy.orm import Session

from storage.models import CostEntry, LaborEntry, ProgressUpdate, Task
from storage.types import Fixed


@dataclass(frozen=True)
class Step:
    """A running total as it stands from day on, until the next step."""

    day: date
    total: Decimal


def _raw(column: Any) -> ColumnElement[int]:
    """A Fixed column as the integer the database holds."""
    return type_coerce(column, BigInteger)


def _int(value: Any) -> int:
    """A SUM of integers (int on SQLite, Decimal on PostgreSQL) as int."""
    return int(value) if value is not None else 0


def earned_value_steps(*, session: Session, project_id: int, until: date) -> list[Step]:
    """EV after each date with progress reports, up to until: Σ planned cost × each task's latest report by then.

    Every report adds planned cost × (its percent − the same task's previous report), so the changes up to
    a date add up to each task's latest percent on or before it; a lower report (a correction) subtracts.
    Reports on the same day count in the order they were written.
    """
    percent = _raw(ProgressUpdate.percent)
    previous = func.coalesce(
        func.lag(percent).over(
            partition_by=ProgressUpdate.task_id, order_by=(ProgressUpdate.reported_on, ProgressUpdate.id)
        ),
        literal_column("0"),
    )
    changes = (
        select(
            ProgressUpdate.reported_on.label("day"),
            (_raw(Task.planned_cost) * (percent - previous)).label("change"),
        )
        .join(Task, Task.id == ProgressUpdate.task_id)
        .where(Task.project_id == project_id, ProgressUpdate.reported_on <= until)
        .subquery()
    )
    query = (
        select(changes.c.day, func.sum(func.sum(changes.c.change)).over(order_by=changes.c.day))
        .group_by(changes.c.day)
        .order_by(changes.c.day)
    )
    # cents × hundredths of a percent; yuan × percent ÷ 100 = raw ÷ 10**6, as in task_totals.
    return [Step(day, Decimal(_int(total)).scaleb(-6)) for day, total in session.execute(query)]


def actual_cost_steps(*, session: Session, project_id: int, until: date) -> list[Step]:
    """AC after each date with costs or wages, up to until: all cost entries plus all labour wages to date."""
    flows = union_all(
        select(CostEntry.entry_date.label("day"), _raw(CostEntry.amount).label("amount")).where(
            CostEntry.project_id == project_id, CostEntry.entry_date <= until
        ),
        select(LaborEntry.work_date, _raw(LaborEntry.amount)).where(
            LaborEntry.project_id == project_id, LaborEntry.work_date <= until, LaborEntry.kind != "opening"
        ),
    ).subquery()
    query = (
        select(flows.c.day, func.sum(func.sum(flows.c.amount)).over(order_by=flows.c.day))
        .group_by(flows.c.day)
        .order_by(flows.c.day)
    )
    return [Step(day, Decimal(_int(total)).scaleb(-2)) for day, total in session.execute(query)]


def days_worked_by_date(*, session: Session, project_id: int, start: date, end: date) -> dict[date, Decimal]:
    """工日 (overtime excluded) per work date in [start, end]; dates with no labour are absent."""
    query = (
        select(LaborEntry.work_date, type_coerce(func.sum(LaborEntry.days), Fixed(4)))
        .where(LaborEntry.project_id == project_id, LaborEntry.work_date.between(start, end))
        .group_by(LaborEntry.work_date)
    )
    return {day: days for day, days in session.execute(query)}
