"""Fund aggregates: balance, money in and out over a period, planned outflows — summed in SQL."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal_column, or_, select, type_coerce, union_all
from sqlalchemy.orm import Session

from storage.models import CostEntry, Counterparty, Direction, FundTxn, WorkerPayment
from storage.types import Money

ZERO = Decimal("0.00")


def _money(expr: Any) -> ColumnElement[Decimal]:
    return type_coerce(func.coalesce(func.sum(expr), literal_column("0")), Money())


def _if(condition: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
    return case((condition, value), else_=literal_column("0"))


@dataclass(frozen=True)
class FundFigures:
    balance: Decimal  # Σ in − Σ out of actual transactions up to `until`
    total_in: Decimal  # actual, up to `until`
    total_out: Decimal
    period_in: Decimal  # actual, in [since, until]
    period_out: Decimal


def fund_figures(*, session: Session, project_id: int, until: date, since: date) -> FundFigures:
    """Balance to a date and money in/out over [since, until], from actual (not planned) transactions.

    Wages paid (借支 and 结算) are money out like any payment: they come from the worker_payment table.
    """
    return fund_figures_of(session=session, project_ids=[project_id], until=until, since=since)[project_id]


def fund_figures_of(
    *, session: Session, project_ids: Collection[int], until: date, since: date
) -> dict[int, FundFigures]:
    """fund_figures for many projects in two queries, by project id (every id present)."""
    ids = list(project_ids)
    inflow = FundTxn.direction == Direction.inflow
    outflow = FundTxn.direction == Direction.outflow
    in_period = FundTxn.txn_date >= since
    txns = {
        pid: tuple(sums)
        for pid, *sums in session.execute(
            select(
                FundTxn.project_id,
                _money(_if(inflow, FundTxn.amount)),
                _money(_if(outflow, FundTxn.amount)),
                _money(_if(inflow & in_period, FundTxn.amount)),
                _money(_if(outflow & in_period, FundTxn.amount)),
            )
            .where(FundTxn.project_id.in_(ids), FundTxn.planned.is_(False), FundTxn.txn_date <= until)
            .group_by(FundTxn.project_id)
        )
    }
    wages = {
        pid: tuple(sums)
        for pid, *sums in session.execute(
            select(
                WorkerPayment.project_id,
                _money(WorkerPayment.amount),
                _money(_if(WorkerPayment.paid_on >= since, WorkerPayment.amount)),
            )
            .where(WorkerPayment.project_id.in_(ids), WorkerPayment.paid_on <= until)
            .group_by(WorkerPayment.project_id)
        )
    }
    figures: dict[int, FundFigures] = {}
    for pid in ids:
        total_in, total_out, period_in, period_out = txns.get(pid, (ZERO, ZERO, ZERO, ZERO))
        wages_out, wages_in_period = wages.get(pid, (ZERO, ZERO))
        total_out += wages_out
        period_out += wages_in_period
        figures[pid] = FundFigures(
            balance=total_in - total_out,
            total_in=total_in,
            total_out=total_out,
            period_in=period_in,
            period_out=period_out,
        )
    return figures


def balance(*, session: Session, project_id: int, until: date) -> Decimal:
    """Σ in − Σ out of actual transactions up to a date."""
    return fund_figures(session=session, project_id=project_id, until=until, since=until).balance


def planned_outflows(*, session: Session, project_id: int, start: date, end: date) -> Decimal:
    """Planned (not yet paid) outflows dated in [start, end]."""
    return planned_outflows_of(session=session, project_ids=[project_id], start=start, end=end)[project_id]


def planned_outflows_of(
    *, session: Session, project_ids: Collection[int], start: date, end: date
) -> dict[int, Decimal]:
    """planned_outflows for many projects in one query, by project id (every id present)."""
    ids = list(project_ids)
    query = (
        select(FundTxn.project_id, _money(FundTxn.amount))
        .where(
            FundTxn.project_id.in_(ids),
            FundTxn.planned.is_(True),
            FundTxn.direction == Direction.outflow,
            FundTxn.txn_date >= start,
            FundTxn.txn_date <= end,
        )
        .group_by(FundTxn.project_id)
    )
    totals = {pid: total or ZERO for pid, total in session.execute(query)}
    return {pid: totals.get(pid, ZERO) for pid in ids}


@dataclass(frozen=True)
class Movement:
    day: date
    direction: Direction
    amount: Decimal
    counterparty: str | None
    note: str | None


def movements(
    *,
    session: Session,
    project_id: int,
    start: date | None,
    end: date,
    counterparty: str | None = None,
    limit: int = 20,
) -> tuple[Decimal, Decimal, int, list[Movement]]:
    """Actual money in and out in a period (of one counterparty, matched anywhere in its name): totals, how many
    movements, and the newest of them."""
    conditions = [FundTxn.project_id == project_id, FundTxn.planned.is_(False), FundTxn.txn_date <= end]
    if start is not None:
        conditions.append(FundTxn.txn_date >= start)
    if counterparty:
        escaped = counterparty.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(FundTxn.counterparty.like(f"%{escaped}%", escape="\\"))
    total_in, total_out, count = session.execute(
        select(
            _money(_if(FundTxn.direction == Direction.inflow, FundTxn.amount)),
            _money(_if(FundTxn.direction == Direction.outflow, FundTxn.amount)),
            func.count(FundTxn.id),
        ).where(*conditions)
    ).one()
    rows = [
        Movement(day, direction, amount, party, note)
        for day, direction, amount, party, note in session.execute(
            select(FundTxn.txn_date, FundTxn.direction, FundTxn.amount, FundTxn.counterparty, FundTxn.note)
            .where(*conditions)
            .order_by(FundTxn.txn_date.desc(), FundTxn.id.desc())
            .limit(limit)
        )
    ]
    return total_in, total_out, int(count or 0), rows


@dataclass(frozen=True)
class Payable:
    counterparty_id: int
    name: str
    cost: Decimal  # booked to it
    paid: Decimal  # paid to it
    owed: Decimal  # cost − paid (negative: paid ahead)


def payables(*, session: Session, project_id: int, until: date, counterparty_id: int | None = None) -> list[Payable]:
    """What is owed to each counterparty: cost booked to it minus money paid to it, up to a date, most owed first."""
    cost_rows = [
        CostEntry.project_id == project_id,
        CostEntry.entry_date <= until,
        CostEntry.counterparty_id.is_not(None),
    ]
    paid_rows = [
        FundTxn.project_id == project_id,
        FundTxn.planned.is_(False),
        FundTxn.direction == Direction.outflow,
        FundTxn.txn_date <= until,
        FundTxn.counterparty_id.is_not(None),
    ]
    if counterparty_id is not None:
        cost_rows.append(CostEntry.counterparty_id == counterparty_id)
        paid_rows.append(FundTxn.counterparty_id == counterparty_id)
    costs: Any = select(
        CostEntry.counterparty_id.label("cp"), CostEntry.amount.label("cost"), literal_column("0").label("paid")
    ).where(*cost_rows)
    paid: Any = select(
        FundTxn.counterparty_id.label("cp"), literal_column("0").label("cost"), FundTxn.amount.label("paid")
    ).where(*paid_rows)
    flows = union_all(costs, paid).subquery()
    query = (
        select(Counterparty.id, Counterparty.name, _money(flows.c.cost), _money(flows.c.paid))
        .join(flows, flows.c.cp == Counterparty.id)
        .group_by(Counterparty.id, Counterparty.name)
    )
    rows = [Payable(cp_id, name, cost, paid_, cost - paid_) for cp_id, name, cost, paid_ in session.execute(query)]
    rows.sort(key=lambda p: (-p.owed, p.name))
    return rows


def owed_to(*, session: Session, project_id: int, counterparty_id: int, until: date) -> Decimal:
    """Cost booked to one counterparty minus what it was paid, up to a date."""
    found = payables(session=session, project_id=project_id, until=until, counterparty_id=counterparty_id)
    return found[0].owed if found else ZERO


def usual_category(*, session: Session, project_id: int, counterparty_id: int) -> str | None:
    """The category most of a counterparty's costs were booked to (a payment to it is likely one more)."""
    return session.scalar(
        select(CostEntry.category)
        .where(CostEntry.project_id == project_id, CostEntry.counterparty_id == counterparty_id)
        .group_by(CostEntry.category)
        .order_by(func.count(CostEntry.id).desc())
        .limit(1)
    )


def keeps_cash(*, session: Session, project_id: int) -> bool:
    """Whether a project keeps a cash book: money recorded coming in (a receipt or an opening balance, planned or
    not). Costs paid on the spot alone record only money going out (the company pays from elsewhere): a balance
    made only of them is no shortage to warn about."""
    query = select(FundTxn.id).where(
        FundTxn.project_id == project_id, or_(FundTxn.direction == Direction.inflow, FundTxn.kind == "opening")
    )
    return session.scalar(query.limit(1)) is not None


def keeping_cash(*, session: Session, project_ids: Collection[int]) -> set[int]:
    """Which of many projects keep a cash book (keeps_cash), in one query."""
    query = select(FundTxn.project_id).where(
        FundTxn.project_id.in_(list(project_ids)),
        or_(FundTxn.direction == Direction.inflow, FundTxn.kind == "opening"),
    )
    return set(session.scalars(query.distinct()))


def same_txn_on(
    *, session: Session, project_id: int, day: date, direction: Direction, amount: Decimal, counterparty_id: int | None
) -> bool:
    """Whether the project already has this movement of money (direction, amount, counterparty) on that day."""
    query = select(FundTxn.id).where(
        FundTxn.project_id == project_id,
        FundTxn.txn_date == day,
        FundTxn.direction == direction,
        FundTxn.amount == amount,
        FundTxn.cost_entry_id.is_(None),
        FundTxn.counterparty_id.is_(None) if counterparty_id is None else FundTxn.counterparty_id == counterparty_id,
    )
    return session.scalar(query.limit(1)) is not None
