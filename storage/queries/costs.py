"""Cost aggregates: actual cost per category, labour included (点工 lands in labor)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.models import BudgetLine, CostEntry, LaborEntry

ZERO = Decimal("0.00")
# Wages carried over when a project under way is imported (未结 at the opening date) are owed, not a cost.
NOT_OPENING = LaborEntry.kind != "opening"


def actual_by_category(
    *, session: Session, project_id: int, until: date | None = None, since: date | None = None
) -> dict[str, Decimal]:
    """Actual cost per category in [since, until]: cost entries plus labour wages under 'labor'."""
    return actual_by_category_of(session=session, project_ids=[project_id], until=until, since=since)[project_id]


def actual_by_category_of(
    *, session: Session, project_ids: Collection[int], until: date | None = None, since: date | None = None
) -> dict[int, dict[str, Decimal]]:
    """actual_by_category for many projects in two queries, by project id (every id present)."""
    ids = list(project_ids)
    costs = select(CostEntry.project_id, CostEntry.category, func.sum(CostEntry.amount)).where(
        CostEntry.project_id.in_(ids)
    )
    labor = select(LaborEntry.project_id, func.sum(LaborEntry.amount)).where(
        LaborEntry.project_id.in_(ids), NOT_OPENING
    )
    if until is not None:
        costs = costs.where(CostEntry.entry_date <= until)
        labor = labor.where(LaborEntry.work_date <= until)
    if since is not None:
        costs = costs.where(CostEntry.entry_date >= since)
        labor = labor.where(LaborEntry.work_date >= since)
    totals: dict[int, dict[str, Decimal]] = {pid: {} for pid in ids}
    for pid, category, amount in session.execute(costs.group_by(CostEntry.project_id, CostEntry.category)):
        totals[pid][category] = amount or ZERO
    for pid, amount in session.execute(labor.group_by(LaborEntry.project_id)):
        wages = amount or ZERO
        if wages:
            totals[pid]["labor"] = totals[pid].get("labor", ZERO) + wages
    return totals


def actual_total(*, session: Session, project_id: int, until: date | None = None) -> Decimal:
    """AC: all actual cost to date, every category."""
    return sum(actual_by_category(session=session, project_id=project_id, until=until).values(), ZERO)


def actual_for_category(*, session: Session, project_id: int, category: str, until: date | None = None) -> Decimal:
    """Actual cost of one category to date; labour wages count under 'labor'."""
    costs = select(func.sum(CostEntry.amount)).where(CostEntry.project_id == project_id, CostEntry.category == category)
    if until is not None:
        costs = costs.where(CostEntry.entry_date <= until)
    total = session.scalar(costs) or ZERO
    if category == "labor":
        labor = select(func.sum(LaborEntry.amount)).where(LaborEntry.project_id == project_id, NOT_OPENING)
        if until is not None:
            labor = labor.where(LaborEntry.work_date <= until)
        total += session.scalar(labor) or ZERO
    return total


def budget_lines(*, session: Session, project_id: int) -> list[BudgetLine]:
    """A project's budget lines in the order they were set up."""
    return budget_lines_of(session=session, project_ids=[project_id])[project_id]


def budget_lines_of(*, session: Session, project_ids: Collection[int]) -> dict[int, list[BudgetLine]]:
    """budget_lines for many projects in one query, by project id (every id present)."""
    ids = list(project_ids)
    lines: dict[int, list[BudgetLine]] = {pid: [] for pid in ids}
    for line in session.scalars(select(BudgetLine).where(BudgetLine.project_id.in_(ids)).order_by(BudgetLine.id)):
        lines[line.project_id].append(line)
    return lines


def budget_line(*, session: Session, project_id: int, category: str) -> BudgetLine | None:
    """The budget line of one category, if the project has one."""
    return session.scalar(
        select(BudgetLine).where(BudgetLine.project_id == project_id, BudgetLine.category == category)
    )


def budget_total(*, session: Session, project_id: int) -> Decimal:
    """BAC: the sum of a project's budget lines."""
    return session.scalar(select(func.sum(BudgetLine.amount)).where(BudgetLine.project_id == project_id)) or ZERO


@dataclass(frozen=True)
class CostLine:
    day: date
    category: str
    amount: Decimal
    vendor: str | None
    note: str | None


def _like(text: str) -> str:
    """A LIKE pattern matching text anywhere, with LIKE's own wildcards taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def cost_report(
    *,
    session: Session,
    project_id: int,
    start: date | None,
    end: date,
    category: str | None = None,
    item: str | None = None,
    vendor: str | None = None,
    limit: int = 20,
) -> tuple[dict[str, tuple[Decimal, int]], list[CostLine]]:
    """Costs in a period, filtered in SQL: totals and entry counts per category, and the newest entries.

    item matches the note or the supplier (钢筋 finds "钢筋" notes and 沙钢钢筋), vendor the supplier; day labour
    counts under labor unless an item or a supplier is asked for (labour has neither).
    """
    conditions = [CostEntry.project_id == project_id, CostEntry.entry_date <= end]
    if start is not None:
        conditions.append(CostEntry.entry_date >= start)
    if category is not None:
        conditions.append(CostEntry.category == category)
    if item:
        pattern = _like(item)
        conditions.append(or_(CostEntry.note.like(pattern, escape="\\"), CostEntry.vendor.like(pattern, escape="\\")))
    if vendor:
        conditions.append(CostEntry.vendor.like(_like(vendor), escape="\\"))
    totals: dict[str, tuple[Decimal, int]] = {
        cat: (amount or ZERO, count)
        for cat, amount, count in session.execute(
            select(CostEntry.category, func.sum(CostEntry.amount), func.count(CostEntry.id))
            .where(*conditions)
            .group_by(CostEntry.category)
        )
    }
    if not item and not vendor and category in (None, "labor"):
        labour = [LaborEntry.project_id == project_id, LaborEntry.work_date <= end, NOT_OPENING]
        if start is not None:
            labour.append(LaborEntry.work_date >= start)
        wages, entries = session.execute(
            select(func.sum(LaborEntry.amount), func.count(LaborEntry.id)).where(*labour)
        ).one()
        if entries:
            amount, count = totals.get("labor", (ZERO, 0))
            totals["labor"] = (amount + (wages or ZERO), count + int(entries))
    lines = [
        CostLine(day, cat, amount, vendor_name, note)
        for day, cat, amount, vendor_name, note in session.execute(
            select(CostEntry.entry_date, CostEntry.category, CostEntry.amount, CostEntry.vendor, CostEntry.note)
            .where(*conditions)
            .order_by(CostEntry.entry_date.desc(), CostEntry.id.desc())
            .limit(limit)
        )
    ]
    return totals, lines


def recent_unit_prices(*, session: Session, project_id: int, item: str, unit: str, limit: int = 20) -> list[Decimal]:
    """The unit prices the project paid for an item in a unit, newest first (at most `limit`)."""
    query = (
        select(CostEntry.unit_price)
        .where(
            CostEntry.project_id == project_id,
            CostEntry.unit_price.is_not(None),
            func.lower(CostEntry.note) == item.casefold(),
            CostEntry.unit == unit,
        )
        .order_by(CostEntry.entry_date.desc(), CostEntry.id.desc())
        .limit(limit)
    )
    return [price for price in session.scalars(query) if price is not None]


def same_cost_on(
    *, session: Session, project_id: int, day: date, category: str, amount: Decimal, note: str | None
) -> bool:
    """Whether the project already has a cost of this category, amount and note on that day: sent twice?"""
    query = select(CostEntry.id).where(
        CostEntry.project_id == project_id,
        CostEntry.entry_date == day,
        CostEntry.category == category,
        CostEntry.amount == amount,
        CostEntry.note.is_(None) if note is None else CostEntry.note == note,
    )
    return session.scalar(query.limit(1)) is not None
