"""Project queries: the acting user's roles, a project by its code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.memo import memo
from storage.models import Membership, Project, Role


def member_roles(*, session: Session, user_id: int) -> dict[int, Role]:
    """The user's role in each project they belong to, by project id."""
    rows = session.execute(select(Membership.project_id, Membership.role).where(Membership.user_id == user_id))
    return {project_id: role for project_id, role in rows}


def by_code(*, session: Session, code: str) -> Project | None:
    """The project with a code, read once per transaction (the router and every tool of a message ask)."""
    remembered = memo(session)
    key = ("project", code)
    if key not in remembered:
        remembered[key] = session.scalar(select(Project).where(Project.code == code))
    found: Project | None = remembered[key]
    return found
