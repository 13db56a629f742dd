"""Lookups the importer needs: the existing rows a file's keys may match (no aggregates here)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import (
    BudgetLine,
    CostEntry,
    Counterparty,
    FundTxn,
    LaborEntry,
    Membership,
    ProgressUpdate,
    Project,
    ProjectRate,
    ProjectWorker,
    RateHistory,
    Role,
    Task,
    User,
    Worker,
    WorkerPayment,
)


def all_projects(*, session: Session) -> list[Project]:
    return list(session.scalars(select(Project).order_by(Project.id)))


def all_workers(*, session: Session) -> list[Worker]:
    return list(session.scalars(select(Worker).order_by(Worker.id)))


def local_users(*, session: Session) -> list[User]:
    """Users without a Telegram id: the only users a name identifies."""
    return list(session.scalars(select(User).where(User.telegram_id.is_(None)).order_by(User.id)))


def telegram_users(*, session: Session, telegram_ids: Collection[int]) -> list[User]:
    if not telegram_ids:
        return []
    return list(session.scalars(select(User).where(User.telegram_id.in_(telegram_ids)).order_by(User.id)))


def budget_lines(*, session: Session, project_ids: Collection[int]) -> list[BudgetLine]:
    if not project_ids:
        return []
    return list(
        session.scalars(select(BudgetLine).where(BudgetLine.project_id.in_(project_ids)).order_by(BudgetLine.id))
    )


def tasks(*, session: Session, project_ids: Collection[int]) -> list[Task]:
    if not project_ids:
        return []
    return list(session.scalars(select(Task).where(Task.project_id.in_(project_ids)).order_by(Task.id)))


def memberships(*, session: Session, project_ids: Collection[int]) -> list[Membership]:
    if not project_ids:
        return []
    return list(
        session.scalars(select(Membership).where(Membership.project_id.in_(project_ids)).order_by(Membership.id))
    )


def last_rate_change(*, session: Session, worker_ids: Collection[int]) -> dict[int, date]:
    """The date of each worker's newest rate history row."""
    if not worker_ids:
        return {}
    query = (
        select(RateHistory.worker_id, func.max(RateHistory.valid_from))
        .where(RateHistory.worker_id.in_(worker_ids))
        .group_by(RateHistory.worker_id)
    )
    return {worker_id: valid_from for worker_id, valid_from in session.execute(query)}


def rate_on(*, session: Session, worker_id: int, valid_from: date) -> RateHistory | None:
    return session.scalar(
        select(RateHistory).where(RateHistory.worker_id == worker_id, RateHistory.valid_from == valid_from)
    )


def roles_of(*, session: Session, user_id: int) -> dict[int, Role]:
    """Project id → the user's role there."""
    query = select(Membership.project_id, Membership.role).where(Membership.user_id == user_id)
    return {project_id: role for project_id, role in session.execute(query)}


def assignments(*, session: Session) -> list[ProjectWorker]:
    """Every worker on every project's books (who a name means on a project)."""
    return list(session.scalars(select(ProjectWorker).order_by(ProjectWorker.id)))


def last_project_rate_change(*, session: Session) -> dict[tuple[int, int], date]:
    """(project id, worker id) → the date of the newest project rate."""
    query = select(ProjectRate.project_id, ProjectRate.worker_id, func.max(ProjectRate.valid_from)).group_by(
        ProjectRate.project_id, ProjectRate.worker_id
    )
    return {(project_id, worker_id): day for project_id, worker_id, day in session.execute(query)}


def project_rate_on(*, session: Session, project_id: int, worker_id: int, valid_from: date) -> ProjectRate | None:
    return session.scalar(
        select(ProjectRate).where(
            ProjectRate.project_id == project_id,
            ProjectRate.worker_id == worker_id,
            ProjectRate.valid_from == valid_from,
        )
    )


def labour_entries(*, session: Session, project_ids: Collection[int], kind: str) -> list[LaborEntry]:
    """The projects' labour entries of one kind (day, piece, opening): a history row already there is not added
    again."""
    if not project_ids:
        return []
    query = select(LaborEntry).where(LaborEntry.project_id.in_(project_ids), LaborEntry.kind == kind)
    return list(session.scalars(query))


def worker_payments(*, session: Session, project_ids: Collection[int]) -> list[WorkerPayment]:
    if not project_ids:
        return []
    return list(session.scalars(select(WorkerPayment).where(WorkerPayment.project_id.in_(project_ids))))


def cost_entries(*, session: Session, project_ids: Collection[int]) -> list[tuple[CostEntry, bool]]:
    """The projects' costs, each with whether it was paid on the spot (a payment linked to it)."""
    if not project_ids:
        return []
    paid = select(FundTxn.cost_entry_id).where(FundTxn.cost_entry_id.is_not(None))
    query = select(CostEntry, CostEntry.id.in_(paid)).where(CostEntry.project_id.in_(project_ids))
    return [(entry, bool(was_paid)) for entry, was_paid in session.execute(query)]


def fund_txns(*, session: Session, project_ids: Collection[int]) -> list[FundTxn]:
    """The projects' fund movements that are not the payment of a cost paid on the spot."""
    if not project_ids:
        return []
    return list(
        session.scalars(select(FundTxn).where(FundTxn.project_id.in_(project_ids), FundTxn.cost_entry_id.is_(None)))
    )


def progress_updates(*, session: Session, project_ids: Collection[int]) -> list[ProgressUpdate]:
    if not project_ids:
        return []
    query = select(ProgressUpdate).join(Task, Task.id == ProgressUpdate.task_id).where(Task.project_id.in_(project_ids))
    return list(session.scalars(query))


def counterparties(*, session: Session, project_ids: Collection[int]) -> list[Counterparty]:
    if not project_ids:
        return []
    return list(session.scalars(select(Counterparty).where(Counterparty.project_id.in_(project_ids))))


def latest_progress(*, session: Session, task_id: int) -> ProgressUpdate | None:
    """A task's newest progress report (latest date, then latest written)."""
    return session.scalar(
        select(ProgressUpdate)
        .where(ProgressUpdate.task_id == task_id)
        .order_by(ProgressUpdate.reported_on.desc(), ProgressUpdate.id.desc())
        .limit(1)
    )


def logged_since(*, session: Session, project_id: int, worker_id: int, day: date) -> tuple[int, Decimal]:
    """Day-labour entries of a worker on a project from a date: how many, and their wages."""
    count, wages = session.execute(
        select(func.count(LaborEntry.id), func.sum(LaborEntry.amount)).where(
            LaborEntry.project_id == project_id,
            LaborEntry.worker_id == worker_id,
            LaborEntry.kind == "day",
            LaborEntry.work_date >= day,
        )
    ).one()
    return int(count or 0), Decimal(wages or 0)


def busy_days(
    *, session: Session, worker_ids: Collection[int], more_than: Decimal
) -> list[tuple[int, str, date, Decimal]]:
    """(worker id, name, date, 工日 across all projects) where a worker has more than a day's work logged."""
    if not worker_ids:
        return []
    query = (
        select(Worker.id, Worker.name, LaborEntry.work_date, func.sum(LaborEntry.days))
        .join(Worker, Worker.id == LaborEntry.worker_id)
        .where(LaborEntry.worker_id.in_(worker_ids), LaborEntry.kind == "day")
        .group_by(Worker.id, Worker.name, LaborEntry.work_date)
        .having(func.sum(LaborEntry.days) > more_than)
        .order_by(LaborEntry.work_date, Worker.name)
    )
    return [(worker_id, name, day, Decimal(days)) for worker_id, name, day, days in session.execute(query)]
