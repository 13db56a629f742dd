"""Labour aggregates: wages, 工日, advances, settlements and outstanding wages, summed in SQL."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, distinct, func, literal_column, select, type_coerce, union_all
from sqlalchemy.orm import Session

from storage.models import LaborEntry, PaymentKind, ProjectRate, RateHistory, Worker, WorkerPayment
from storage.types import Fixed, Money

ZERO = Decimal("0.00")
ZERO_DAYS = Decimal("0.0000")


def _money(expr: Any) -> ColumnElement[Decimal]:
    """SUM of a money column (or case over one), 0 when there are no rows, as Decimal yuan."""
    return type_coerce(func.coalesce(func.sum(expr), literal_column("0")), Money())


def _fixed(expr: Any, scale: int) -> ColumnElement[Decimal]:
    return type_coerce(func.coalesce(func.sum(expr), literal_column("0")), Fixed(scale))


def _if(condition: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
    """value where condition holds, else 0 (raw integer units: the caller coerces the sum)."""
    return case((condition, value), else_=literal_column("0"))


# -- single figures ---------------------------------------------------------------------------


def outstanding_wages(*, session: Session, project_id: int, until: date, worker_id: int | None = None) -> Decimal:
    """未结工资 up to a date: wages − advances − settlements, for one worker or all of a project (netted)."""
    wages = select(_money(LaborEntry.amount)).where(LaborEntry.project_id == project_id, LaborEntry.work_date <= until)
    paid = select(_money(WorkerPayment.amount)).where(
        WorkerPayment.project_id == project_id, WorkerPayment.paid_on <= until
    )
    if worker_id is not None:
        wages = wages.where(LaborEntry.worker_id == worker_id)
        paid = paid.where(WorkerPayment.worker_id == worker_id)
    return (session.scalar(wages) or ZERO) - (session.scalar(paid) or ZERO)


def wages_and_settled(*, session: Session, project_id: int, worker_id: int) -> tuple[Decimal, Decimal]:
    """A worker's wages recorded in a project and the settlements paid against them, all dates."""
    wages = select(_money(LaborEntry.amount)).where(
        LaborEntry.project_id == project_id, LaborEntry.worker_id == worker_id
    )
    settled = select(_money(WorkerPayment.amount)).where(
        WorkerPayment.project_id == project_id,
        WorkerPayment.worker_id == worker_id,
        WorkerPayment.kind == PaymentKind.settlement,
    )
    return session.scalar(wages) or ZERO, session.scalar(settled) or ZERO


def wages_owed(*, session: Session, project_id: int, until: date) -> Decimal:
    """Wages the project still has to pay up to a date: Σ over workers of max(outstanding, 0).

    A worker who has drawn more in advances than earned owes the project; that does not reduce what
    the others must be paid, so it is not netted against them.
    """
    return wages_owed_of(session=session, project_ids=[project_id], until=until)[project_id]


def wages_owed_of(*, session: Session, project_ids: Collection[int], until: date) -> dict[int, Decimal]:
    """wages_owed for many projects in one query, by project id (every id present)."""
    ids = list(project_ids)
    flows = union_all(
        select(
            LaborEntry.project_id.label("project_id"),
            LaborEntry.worker_id.label("worker_id"),
            LaborEntry.amount.label("amount"),
        ).where(LaborEntry.project_id.in_(ids), LaborEntry.work_date <= until),
        select(WorkerPayment.project_id, WorkerPayment.worker_id, -WorkerPayment.amount).where(
            WorkerPayment.project_id.in_(ids), WorkerPayment.paid_on <= until
        ),
    ).subquery()
    per_worker = (
        select(flows.c.project_id, func.sum(flows.c.amount).label("owed"))
        .group_by(flows.c.project_id, flows.c.worker_id)
        .subquery()
    )
    query = (
        select(per_worker.c.project_id, _money(per_worker.c.owed))
        .where(per_worker.c.owed > literal_column("0"))
        .group_by(per_worker.c.project_id)
    )
    owed = {pid: total or ZERO for pid, total in session.execute(query)}
    return {pid: owed.get(pid, ZERO) for pid in ids}


def rate_on(*, session: Session, worker_id: int, day: date, project_id: int | None = None) -> Decimal | None:
    """The daily rate in force on a day: the project's own rate from the latest date <= day, else the worker's
    rate history."""
    if project_id is not None:
        own = session.scalar(
            select(ProjectRate.daily_rate)
            .where(
                ProjectRate.project_id == project_id, ProjectRate.worker_id == worker_id, ProjectRate.valid_from <= day
            )
            .order_by(ProjectRate.valid_from.desc())
            .limit(1)
        )
        if own is not None:
            return own
    return session.scalar(
        select(RateHistory.daily_rate)
        .where(RateHistory.worker_id == worker_id, RateHistory.valid_from <= day)
        .order_by(RateHistory.valid_from.desc())
        .limit(1)
    )


def entry_on(*, session: Session, project_id: int, worker_id: int, day: date) -> LaborEntry | None:
    """The day-labour entry already recorded for a worker on a project and date, if any."""
    return session.scalars(
        select(LaborEntry)
        .where(
            LaborEntry.project_id == project_id,
            LaborEntry.worker_id == worker_id,
            LaborEntry.work_date == day,
            LaborEntry.kind == "day",
        )
        .order_by(LaborEntry.id)
        .limit(1)
    ).first()


def days_on(*, session: Session, worker_id: int, day: date, other_than: int | None = None) -> Decimal:
    """工日 a worker already has on a date, across all projects (or all but one)."""
    query = select(_fixed(LaborEntry.days, 4)).where(LaborEntry.worker_id == worker_id, LaborEntry.work_date == day)
    if other_than is not None:
        query = query.where(LaborEntry.project_id != other_than)
    return session.scalar(query) or ZERO_DAYS


# -- period summaries -----------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerRow:
    worker_id: int
    name: str
    trade: str | None
    days: Decimal  # 工日 in the period
    overtime_hours: Decimal
    wages: Decimal  # in the period
    advances: Decimal  # in the period
    settled: Decimal  # in the period
    outstanding: Decimal  # as of the period end, cumulative


@dataclass(frozen=True)
class TradeRow:
    trade: str | None
    days: Decimal
    overtime_hours: Decimal
    wages: Decimal
    head_count: int


@dataclass(frozen=True)
class DayRow:
    day: date
    head_count: int
    days: Decimal
    wages: Decimal
    names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PeriodTotals:
    days: Decimal
    overtime_hours: Decimal
    wages: Decimal
    head_count: int
    advances: Decimal
    settled: Decimal
    outstanding: Decimal  # as of the period end


def _labor_filter(project_id: int, start: date, end: date, worker_id: int | None) -> list[ColumnElement[bool]]:
    """Work done in the period: wages carried over at an import (kind opening) are owed, not work or wages earned."""
    conditions = [
        LaborEntry.project_id == project_id,
        LaborEntry.work_date >= start,
        LaborEntry.work_date <= end,
        LaborEntry.kind != "opening",
    ]
    if worker_id is not None:
        conditions.append(LaborEntry.worker_id == worker_id)
    return conditions


def by_worker(
    *, session: Session, project_id: int, start: date, end: date, worker_id: int | None = None
) -> list[WorkerRow]:
    """Per worker: period 工日, overtime, wages, advances, settlements, and outstanding at the period end.

    Workers appear when they worked or were paid in the period, or are still owed (or owe) money at its end.
    """
    in_period = (LaborEntry.work_date >= start) & (LaborEntry.kind != "opening")  # carried over: owed, not earned
    labor = (
        select(
            LaborEntry.worker_id,
            _fixed(_if(in_period, LaborEntry.days), 4),
            _fixed(_if(in_period, LaborEntry.overtime_hours), 2),
            _money(_if(in_period, LaborEntry.amount)),
            func.sum(_if(in_period, literal_column("1"))),
            _money(LaborEntry.amount),
        )
        .where(LaborEntry.project_id == project_id, LaborEntry.work_date <= end)
        .group_by(LaborEntry.worker_id)
    )
    paid_in_period = WorkerPayment.paid_on >= start
    is_advance = WorkerPayment.kind == PaymentKind.advance
    payments = (
        select(
            WorkerPayment.worker_id,
            _money(_if(paid_in_period & is_advance, WorkerPayment.amount)),
            _money(_if(paid_in_period & ~is_advance, WorkerPayment.amount)),
            func.sum(_if(paid_in_period, literal_column("1"))),
            _money(WorkerPayment.amount),
        )
        .where(WorkerPayment.project_id == project_id, WorkerPayment.paid_on <= end)
        .group_by(WorkerPayment.worker_id)
    )
    if worker_id is not None:
        labor = labor.where(LaborEntry.worker_id == worker_id)
        payments = payments.where(WorkerPayment.worker_id == worker_id)

    figures: dict[int, dict[str, Any]] = {}
    for wid, days, overtime, wages, n_entries, wages_to_end in session.execute(labor):
        figures[wid] = {
            "days": days,
            "overtime": overtime,
            "wages": wages,
            "active": bool(n_entries),
            "wages_to_end": wages_to_end,
        }
    for wid, advances, settled, n_payments, paid_to_end in session.execute(payments):
        row = figures.setdefault(wid, {"active": False})
        row.update(advances=advances, settled=settled, paid_to_end=paid_to_end)
        row["active"] = row["active"] or bool(n_payments)
    if not figures:
        return []
    names = {
        wid: (name, trade)
        for wid, name, trade in session.execute(
            select(Worker.id, Worker.name, Worker.trade).where(Worker.id.in_(list(figures)))
        )
    }
    rows: list[WorkerRow] = []
    for wid, f in figures.items():
        outstanding = f.get("wages_to_end", ZERO) - f.get("paid_to_end", ZERO)
        if not f["active"] and not outstanding:
            continue
        name, trade = names[wid]
        rows.append(
            WorkerRow(
                worker_id=wid,
                name=name,
                trade=trade,
                days=f.get("days", ZERO_DAYS),
                overtime_hours=f.get("overtime", ZERO),
                wages=f.get("wages", ZERO),
                advances=f.get("advances", ZERO),
                settled=f.get("settled", ZERO),
                outstanding=outstanding,
            )
        )
    rows.sort(key=lambda r: (-r.wages, r.name))
    return rows


def by_trade(
    *, session: Session, project_id: int, start: date, end: date, worker_id: int | None = None
) -> list[TradeRow]:
    """Per trade (工种): 工日, overtime, wages and how many workers, in the period."""
    query = (
        select(
            Worker.trade,
            _fixed(LaborEntry.days, 4),
            _fixed(LaborEntry.overtime_hours, 2),
            _money(LaborEntry.amount),
            func.count(distinct(LaborEntry.worker_id)),
        )
        .join(Worker, Worker.id == LaborEntry.worker_id)
        .where(*_labor_filter(project_id, start, end, worker_id))
        .group_by(Worker.trade)
    )
    rows = [
        TradeRow(trade=trade, days=days, overtime_hours=overtime, wages=wages, head_count=heads)
        for trade, days, overtime, wages, heads in session.execute(query)
    ]
    rows.sort(key=lambda r: (-r.wages, r.trade or ""))
    return rows


def by_day(*, session: Session, project_id: int, start: date, end: date, worker_id: int | None = None) -> list[DayRow]:
    """Per day worked: head count, 工日, wages and the names of who came (a calendar). Wages carried over when the
    project was imported (未结 at the opening date) are no day of work."""
    conditions = [*_labor_filter(project_id, start, end, worker_id), LaborEntry.kind != "opening"]
    totals = (
        select(
            LaborEntry.work_date,
            func.count(distinct(LaborEntry.worker_id)),
            _fixed(LaborEntry.days, 4),
            _money(LaborEntry.amount),
        )
        .where(*conditions)
        .group_by(LaborEntry.work_date)
        .order_by(LaborEntry.work_date)
    )
    present = (
        select(LaborEntry.work_date, Worker.name)
        .join(Worker, Worker.id == LaborEntry.worker_id)
        .where(*conditions)
        .group_by(LaborEntry.work_date, Worker.name)
        .order_by(LaborEntry.work_date, Worker.name)
    )
    names: dict[date, list[str]] = {}
    for day, name in session.execute(present):
        names.setdefault(day, []).append(name)
    return [
        DayRow(day=day, head_count=heads, days=days, wages=wages, names=names.get(day, []))
        for day, heads, days, wages in session.execute(totals)
    ]


def period_totals(
    *, session: Session, project_id: int, start: date, end: date, worker_id: int | None = None
) -> PeriodTotals:
    """The totals line: the period's 工日, overtime, wages, head count, advances, settlements; outstanding at end."""
    days, overtime, wages, heads = session.execute(
        select(
            _fixed(LaborEntry.days, 4),
            _fixed(LaborEntry.overtime_hours, 2),
            _money(LaborEntry.amount),
            func.count(distinct(LaborEntry.worker_id)),
        ).where(*_labor_filter(project_id, start, end, worker_id))
    ).one()
    is_advance = WorkerPayment.kind == PaymentKind.advance
    paid = select(_money(_if(is_advance, WorkerPayment.amount)), _money(_if(~is_advance, WorkerPayment.amount))).where(
        WorkerPayment.project_id == project_id, WorkerPayment.paid_on >= start, WorkerPayment.paid_on <= end
    )
    if worker_id is not None:
        paid = paid.where(WorkerPayment.worker_id == worker_id)
    advances, settled = session.execute(paid).one()
    return PeriodTotals(
        days=days,
        overtime_hours=overtime,
        wages=wages,
        head_count=heads,
        advances=advances,
        settled=settled,
        outstanding=outstanding_wages(session=session, project_id=project_id, until=end, worker_id=worker_id),
    )


def dates_logged(*, session: Session, project_id: int, start: date, end: date) -> set[date]:
    """The dates in [start, end] on which the project has any labour entry."""
    return dates_logged_of(session=session, project_ids=[project_id], start=start, end=end)[project_id]


def dates_logged_of(*, session: Session, project_ids: Collection[int], start: date, end: date) -> dict[int, set[date]]:
    """dates_logged for many projects in one query, by project id (every id present)."""
    ids = list(project_ids)
    query = (
        select(LaborEntry.project_id, LaborEntry.work_date)
        .where(
            LaborEntry.project_id.in_(ids),
            LaborEntry.work_date.between(start, end),
            LaborEntry.kind != "opening",
        )
        .distinct()
    )
    logged: dict[int, set[date]] = {pid: set() for pid in ids}
    for pid, day in session.execute(query):
        logged[pid].add(day)
    return logged


def last_piece_price(*, session: Session, project_id: int, item: str, unit: str | None) -> Decimal | None:
    """The unit price of the project's latest piece-work entry for an item (and unit), None when there is none."""
    query = select(LaborEntry.unit_price).where(
        LaborEntry.project_id == project_id, LaborEntry.kind == "piece", LaborEntry.item == item
    )
    if unit:
        query = query.where(LaborEntry.unit == unit)
    price = session.scalar(query.order_by(LaborEntry.work_date.desc(), LaborEntry.id.desc()).limit(1))
    return None if price is None else Decimal(price)
