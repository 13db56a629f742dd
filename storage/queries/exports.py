"""Rows for the xlsx exports: every labour and cost entry of a period, and the totals summed in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import CostEntry, LaborEntry, Worker

ZERO = Decimal(0)


@dataclass(frozen=True)
class LaborLine:
    day: date
    worker: str
    trade: str | None
    kind: str
    days: Decimal
    overtime_hours: Decimal
    daily_rate: Decimal
    overtime_amount: Decimal
    amount: Decimal
    item: str | None
    note: str | None


def labor_entries(*, session: Session, project_id: int, start: date, end: date) -> list[LaborLine]:
    """Every labour entry of the period, by date then worker."""
    rows = session.execute(
        select(LaborEntry, Worker.name, Worker.trade)
        .join(Worker, Worker.id == LaborEntry.worker_id)
        .where(LaborEntry.project_id == project_id, LaborEntry.work_date >= start, LaborEntry.work_date <= end)
        .order_by(LaborEntry.work_date, Worker.name, LaborEntry.id)
    ).all()
    return [
        LaborLine(
            e.work_date,
            name,
            trade,
            e.kind,
            e.days,
            e.overtime_hours,
            e.daily_rate,
            e.overtime_amount,
            e.amount,
            e.item,
            e.note,
        )
        for e, name, trade in rows
    ]


def cost_entries(*, session: Session, project_id: int, start: date | None, end: date | None) -> list[CostEntry]:
    """Every cost entry of the period (all of them without one), by date."""
    query = select(CostEntry).where(CostEntry.project_id == project_id)
    if start is not None:
        query = query.where(CostEntry.entry_date >= start)
    if end is not None:
        query = query.where(CostEntry.entry_date <= end)
    return list(session.scalars(query.order_by(CostEntry.entry_date, CostEntry.id)))


def cost_totals(*, session: Session, project_id: int, start: date | None, end: date | None) -> dict[str, Decimal]:
    """Cost entries summed per category in SQL (labour wages are not cost entries)."""
    query = select(CostEntry.category, func.sum(CostEntry.amount)).where(CostEntry.project_id == project_id)
    if start is not None:
        query = query.where(CostEntry.entry_date >= start)
    if end is not None:
        query = query.where(CostEntry.entry_date <= end)
    return {category: amount or ZERO for category, amount in session.execute(query.group_by(CostEntry.category))}
