"""Row factories with sensible defaults; every override is a keyword."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import (
    BudgetLine,
    Membership,
    Project,
    ProjectWorker,
    RateHistory,
    Role,
    Task,
    User,
    Worker,
)
from tools.base import Context


class Factory:
    def __init__(self, session: Session, today: date) -> None:
        self.session = session
        self.today = today
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def _save(self, row: Any) -> Any:
        self.session.add(row)
        self.session.commit()
        return row

    def project(self, **overrides: Any) -> Project:
        n = self._next()
        values: dict[str, Any] = {
            "code": f"P{n}",
            "name": f"测试项目{n}",
            "aliases": [],
            "start": self.today - timedelta(days=100),
            "finish": self.today + timedelta(days=200),
            "hours_per_day": Decimal(8),
        }
        values.update(overrides)
        return self._save(Project(**values))

    def budget(self, project: Project, category: str, amount: Decimal | int | str, **overrides: Any) -> BudgetLine:
        return self._save(BudgetLine(project_id=project.id, category=category, amount=Decimal(amount), **overrides))

    def worker(
        self,
        name: str | None = None,
        daily_rate: Decimal | int | str = 300,
        *,
        projects: list[Project] | None = None,
        **overrides: Any,
    ) -> Worker:
        """A worker with a rate history, on the books of the given projects (default: every project made so far)."""
        values: dict[str, Any] = {
            "name": name or f"工人{self._next()}",
            "daily_rate": Decimal(daily_rate),
            "aliases": [],
            "trade": "杂工",
        }
        values.update(overrides)
        worker = self._save(Worker(**values))
        self._save(RateHistory(worker_id=worker.id, daily_rate=worker.daily_rate, valid_from=date(2000, 1, 1)))
        on = projects if projects is not None else list(self.session.scalars(select(Project).order_by(Project.id)))
        for project in on:
            self.assign(worker, project)
        return worker

    def assign(self, worker: Worker, project: Project) -> ProjectWorker:
        """Put a worker on a project's books."""
        return self._save(ProjectWorker(project_id=project.id, worker_id=worker.id))

    def task(self, project: Project, name: str | None = None, **overrides: Any) -> Task:
        values: dict[str, Any] = {
            "project_id": project.id,
            "name": name or f"任务{self._next()}",
            "aliases": [],
            "planned_start": self.today - timedelta(days=10),
            "planned_finish": self.today + timedelta(days=10),
            "planned_cost": Decimal(10000),
        }
        values.update(overrides)
        return self._save(Task(**values))

    def user(
        self,
        name: str | None = None,
        *,
        project: Project | None = None,
        role: Role | str | None = None,
        **overrides: Any,
    ) -> User:
        user = self._save(User(name=name or f"user{self._next()}", **overrides))
        if project is not None and role is not None:
            self._save(Membership(user_id=user.id, project_id=project.id, role=Role(role)))
        return user

    def admin(self) -> User:
        return self.user("admin", is_admin=True)

    def ctx(
        self,
        user: User | None = None,
        *,
        project: Project | None = None,
        language: str = "zh",
        today: date | None = None,
        source_text: str | None = None,
    ) -> Context:
        """A context acting as user (default: a global administrator) with the chat's default project."""
        return Context(
            session=self.session,
            user=user or self.admin_user,
            language=language,  # type: ignore[arg-type]
            today=today or self.today,
            project_code=project.code if project else None,
            source_text=source_text,
        )

    @property
    def admin_user(self) -> User:
        existing = self.session.query(User).filter_by(name="admin").one_or_none()
        return existing or self.admin()
