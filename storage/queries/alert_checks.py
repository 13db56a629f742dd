"""Immediate-alert checks still to do (alert_check): kept in the transaction of the write that needs one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy.orm import Session

from storage.models import AlertCheck


def keep(
    *,
    session: Session,
    project_id: int,
    sections: Iterable[str],
    user_id: int | None,
    day: date,
    now: datetime,
) -> int:
    """Keep one project's check (not committed); its id."""
    row = AlertCheck(
        project_id=project_id, sections=",".join(sorted(sections)), user_id=user_id, day=day, created_at=now
    )
    session.add(row)
    session.flush()
    return row.id
