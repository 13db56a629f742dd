"""Immediate alerts: after a message's writes commit, the sections they could have changed are checked and any
condition that just started (a line past a threshold, a forecast overrun, late, low cash) is queued for the
project's chats, once per crossing (tools.alerts decides; the outbox sends).

The check to do is kept (alert_check) in the write's own transaction and deleted by the check, so a process that
dies between the two leaves it to the sweep of any process (sweep): the crossing is said at once all the same.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.messages import Moved
from storage.db import begin_write
from storage.models import AlertCheck, Project, User
from storage.queries import alert_checks as checks
from storage.queries.projects import by_code as project_by_code
from tools.alerts import announce as announce_project
from tools.base import ATTEMPTS, Context, Retry

log = logging.getLogger(__name__)


CHECKER = "sitebot-alerts"  # the in-memory administrator the checks read as (never stored, never a member)
SWEEP_AFTER = timedelta(seconds=15)  # a check this old was left by a process that died (or is stuck): any may do it
GIVE_UP_AFTER = timedelta(days=1)  # a check that kept failing this long is dropped: the digests have said it


def keep(session: Session, moved: Moved | None) -> Moved | None:
    """Keep the checks a message's writes need, in the write's transaction; the Moved that names them."""
    if moved is None:
        return None
    ids = []
    for code, sections in moved.sections.items():
        project = project_by_code(session=session, code=code)
        if project is not None:
            ids.append(
                checks.keep(
                    session=session,
                    project_id=project.id,
                    sections=sections,
                    user_id=moved.user_id,
                    day=moved.today,
                    now=moved.now,
                )
            )
    return replace(moved, checks=tuple(ids))


def sweep(sessions: sessionmaker[Session], now: datetime) -> int:
    """Do the checks a dead process left (older than SWEEP_AFTER), each once; how many alert messages were queued."""
    with sessions() as session:
        rows = session.execute(
            select(
                AlertCheck.id,
                AlertCheck.user_id,
                AlertCheck.day,
                AlertCheck.sections,
                AlertCheck.created_at,
                Project.code,
            )
            .join(Project, Project.id == AlertCheck.project_id)
            .where(AlertCheck.created_at < now - SWEEP_AFTER)
            .order_by(AlertCheck.id)
        ).all()
        stale = [row.id for row in rows if row.created_at < now - GIVE_UP_AFTER]
        if stale:
            begin_write(session)
            session.execute(delete(AlertCheck).where(AlertCheck.id.in_(stale)))
            session.commit()
    left: dict[tuple[int | None, date], Moved] = {}
    for row in rows:
        if row.id in stale:
            continue
        found = left.get((row.user_id, row.day)) or Moved(row.user_id, row.day, now, {})  # user: for the log only
        sections = found.sections.get(row.code, frozenset()) | frozenset(row.sections.split(","))
        left[(row.user_id, row.day)] = replace(
            found, sections={**found.sections, row.code: sections}, checks=(*found.checks, row.id)
        )
    if left:
        log.info("doing %d immediate-alert check(s) a stopped process left", sum(len(m.checks) for m in left.values()))
    return sum(announce(sessions, moved) for moved in left.values())


def announce(sessions: sessionmaker[Session], moved: Moved) -> int:
    """Queue the alerts a message's writes started; how many alert messages were queued.

    Its own transaction, after the write's: the reply never waits for it (a channel sends the reply first), and a
    failure here never costs the write. A crash between the two leaves the crossing to the next write's check or
    the morning digest.
    """
    with sessions() as session:
        # The project is judged as a whole, whoever wrote: read as an administrator that exists only in memory.
        ctx = Context(session=session, user=User(name=CHECKER, is_admin=True), today=moved.today, now=moved.now)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                begin_write(session)
                queued = sum(_project(ctx, code, sections) for code, sections in moved.sections.items())
                if moved.checks:  # done: a sweep will not do them again
                    session.execute(delete(AlertCheck).where(AlertCheck.id.in_(moved.checks)))
                session.commit()
                return queued
            except Retry as conflict:
                session.rollback()
                log.warning("alerts: conflict on attempt %d: %s", attempt, conflict)
            except Exception:
                session.rollback()
                log.exception("could not queue the alerts of user %s's message", moved.user_id)
                return 0
    return 0


def _project(ctx: Context, code: str, sections: frozenset[str]) -> int:
    """One project's check, in a savepoint: a check that fails is logged and costs no other project's alerts."""
    project = project_by_code(session=ctx.session, code=code)
    if project is None:
        return 0
    savepoint = ctx.session.begin_nested()
    try:
        language: Literal["zh", "en"] = "en" if project.language == "en" else "zh"
        queued = announce_project(replace(ctx, language=language), project, sections)
        savepoint.commit()
        return queued
    except Retry:
        raise
    except Exception:
        savepoint.rollback()
        log.exception("could not work out the alerts of project %s", code)
        return 0
