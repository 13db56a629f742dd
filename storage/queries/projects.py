"""Project queries: the acting user's roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Membership, Role


def member_roles(*, session: Session, user_id: int) -> dict[int, Role]:
    """The user's role in each project they belong to, by project id."""
    rows = session.execute(select(Membership.project_id, Membership.role).where(Membership.user_id == user_id))
    return {project_id: role for project_id, role in rows}
