"""Lookups the importer needs: the existing rows a file's keys may match (no aggregates here)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import BudgetLine, Membership, Project, RateHistory, Role, Task, User, Worker


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
