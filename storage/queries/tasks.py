"""Task aggregates: percent complete, earned value, planned value windows and schedule rows.

Task.planned_cost is stored as integer cents and Task.percent as integer hundredths of a percent.
Products of the two are summed as raw integers in SQL (type_coerce skips the Decimal conversion)
and turned into Decimal once, so no rounding happens anywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, func, literal_column, select, type_coerce
from sqlalchemy.orm import Session, aliased

from storage.models import ProgressUpdate, Task

_COST_UNITS = Decimal(100)  # cents per yuan
_PERCENT_UNITS = Decimal(100)  # hundredths per percent
ZERO = Decimal("0.00")


def _raw(column: Any) -> ColumnElement[int]:
    """A Fixed column as the integer the database holds."""
    return type_coerce(column, BigInteger)


def _int(value: Any) -> int:
    """A SUM of integers (int on SQLite, Decimal on PostgreSQL; None over no rows) as int."""
    return int(value) if value is not None else 0


@dataclass(frozen=True)
class TaskTotals:
    """Σ planned cost and Σ planned cost × percent, both exact."""

    planned_cost: Decimal  # yuan
    earned: Decimal  # EV in yuan: Σ planned cost × percent / 100


def _raw_totals(*, session: Session, project_id: int) -> tuple[int, int]:
    cost = _raw(Task.planned_cost)
    row = session.execute(
        select(func.sum(cost), func.sum(cost * _raw(Task.percent))).where(Task.project_id == project_id)
    ).one()
    return _int(row[0]), _int(row[1])


def task_totals(*, session: Session, project_id: int) -> TaskTotals:
    """Budget covered by tasks and the value earned so far (EV)."""
    cost_cents, weighted = _raw_totals(session=session, project_id=project_id)
    # weighted is cents × hundredths-of-a-percent; yuan × percent ÷ 100 = weighted ÷ 10**6.
    return TaskTotals(planned_cost=Decimal(cost_cents) / _COST_UNITS, earned=Decimal(weighted).scaleb(-6))


def project_percent_complete(*, session: Session, project_id: int) -> Decimal | None:
    """Percent complete (0-100) weighted by planned cost: Σ cost × % ÷ Σ cost; None without costed tasks."""
    cost_cents, weighted = _raw_totals(session=session, project_id=project_id)
    if cost_cents == 0:
        return None
    return Decimal(weighted) / (Decimal(cost_cents) * _PERCENT_UNITS)


@dataclass(frozen=True)
class CostWindow:
    """Planned cost of every task sharing one planned window."""

    planned_start: date
    planned_finish: date
    planned_cost: Decimal


def planned_cost_windows(*, session: Session, project_id: int, as_of: date) -> list[CostWindow]:
    """Planned cost summed per planned (start, finish), for tasks planned to have started by as_of.

    Spreading cost over dates needs date arithmetic that differs between databases; summing per
    distinct window in SQL keeps the aggregation there and leaves only a handful of fractions to Python.
    """
    return planned_cost_windows_of(session=session, project_ids=[project_id], as_of=as_of)[project_id]


def planned_cost_windows_of(
    *, session: Session, project_ids: Collection[int], as_of: date
) -> dict[int, list[CostWindow]]:
    """planned_cost_windows for many projects in one query, by project id (every id present)."""
    ids = list(project_ids)
    query = (
        select(Task.project_id, Task.planned_start, Task.planned_finish, func.sum(Task.planned_cost))
        .where(Task.project_id.in_(ids), Task.planned_start <= as_of)
        .group_by(Task.project_id, Task.planned_start, Task.planned_finish)
        .order_by(Task.project_id, Task.planned_start, Task.planned_finish)
    )
    windows: dict[int, list[CostWindow]] = {pid: [] for pid in ids}
    for pid, start, finish, cost in session.execute(query):
        windows[pid].append(CostWindow(start, finish, cost or ZERO))
    return windows


def planned_span(*, session: Session, project_id: int) -> tuple[date | None, date | None]:
    """Earliest planned start and latest planned finish of a project's tasks."""
    row = session.execute(
        select(func.min(Task.planned_start), func.max(Task.planned_finish)).where(Task.project_id == project_id)
    ).one()
    return row[0], row[1]


@dataclass(frozen=True)
class ScheduleRow:
    """An unfinished task with what the schedule needs to know about its predecessor."""

    id: int
    name: str
    planned_start: date
    planned_finish: date
    percent: Decimal
    actual_start: date | None
    predecessor_name: str | None
    predecessor_finish: date | None
    predecessor_percent: Decimal | None


def unfinished_tasks(*, session: Session, project_id: int) -> list[ScheduleRow]:
    """Tasks below 100 %, in planned order, each with its predecessor's name, finish and percent."""
    return unfinished_tasks_of(session=session, project_ids=[project_id])[project_id]


def unfinished_tasks_of(*, session: Session, project_ids: Collection[int]) -> dict[int, list[ScheduleRow]]:
    """unfinished_tasks for many projects in one query, by project id (every id present)."""
    ids = list(project_ids)
    pred = aliased(Task)
    query = (
        select(
            Task.project_id,
            Task.id,
            Task.name,
            Task.planned_start,
            Task.planned_finish,
            Task.percent,
            Task.actual_start,
            pred.name,
            pred.planned_finish,
            pred.percent,
        )
        .outerjoin(pred, pred.id == Task.predecessor_id)
        .where(Task.project_id.in_(ids), Task.percent < Decimal(100))
        .order_by(Task.project_id, Task.planned_start, Task.planned_finish, Task.id)
    )
    rows: dict[int, list[ScheduleRow]] = {pid: [] for pid in ids}
    for pid, *row in session.execute(query):
        rows[pid].append(ScheduleRow(*row))
    return rows


@dataclass(frozen=True)
class LineProgress:
    """Tasks of one budget line (or of none): planned cost and the value earned by a date, both exact."""

    category: str | None
    planned_cost: Decimal
    earned: Decimal


def earned_by_line(*, session: Session, project_id: int, as_of: date, current: bool) -> list[LineProgress]:
    """Planned cost and earned value per budget line, each task at the percent reported on or before as_of (its
    latest progress report by then). A task never reported counts its stored percent only when as_of is today or
    later (current), else nothing: EV on a past date uses what was reported by then."""
    return earned_by_line_of(session=session, project_ids=[project_id], as_of=as_of, current=current)[project_id]


def earned_by_line_of(
    *, session: Session, project_ids: Collection[int], as_of: date, current: bool
) -> dict[int, list[LineProgress]]:
    """earned_by_line for many projects in one query, by project id (every id present)."""
    ids = list(project_ids)
    # Each task's latest report by then: one seek on (task_id, reported_on) per task, not a window over them all.
    latest = (
        select(_raw(ProgressUpdate.percent))
        .where(ProgressUpdate.task_id == Task.id, ProgressUpdate.reported_on <= as_of)
        .order_by(ProgressUpdate.reported_on.desc(), ProgressUpdate.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    reported = select(ProgressUpdate.task_id).where(ProgressUpdate.task_id == Task.id).exists()
    fallback = case((reported, literal_column("0")), else_=_raw(Task.percent)) if current else literal_column("0")
    percent = func.coalesce(latest, fallback)
    cost = _raw(Task.planned_cost)
    query = (
        select(Task.project_id, Task.budget_category, func.sum(cost), func.sum(cost * percent))
        .where(Task.project_id.in_(ids))
        .group_by(Task.project_id, Task.budget_category)
    )
    lines: dict[int, list[LineProgress]] = defaultdict(list)
    for pid, category, cents, weighted in session.execute(query):
        lines[pid].append(
            LineProgress(category, Decimal(_int(cents)) / _COST_UNITS, Decimal(_int(weighted)).scaleb(-6))
        )
    return {pid: lines[pid] for pid in ids}
