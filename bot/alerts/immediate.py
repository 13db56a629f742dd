"""Immediate alerts: after a message's writes commit, the sections they could have changed are checked and any
condition that just started (a line past a threshold, a forecast overrun, late, low cash) is queued for the
project's chats, once per crossing (tools.alerts decides; the outbox sends)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.messages import Moved
from storage.db import begin_write
from storage.models import Project, User
from tools.alerts import announce as announce_project
from tools.base import ATTEMPTS, Context, Retry

log = logging.getLogger(__name__)


def announce(sessions: sessionmaker[Session], moved: Moved) -> int:
    """Queue the alerts a message's writes started; how many alert messages were queued.

    Its own transaction, after the write's: the reply never waits for it (a channel sends the reply first), and a
    failure here never costs the write. A crash between the two leaves the crossing to the next write's check or
    the morning digest.
    """
    with sessions() as session:
        user = session.get(User, moved.user_id)
        if user is None:
            return 0
        ctx = Context(session=session, user=user, today=moved.today, now=moved.now)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                begin_write(session)
                queued = sum(_project(ctx, code, sections) for code, sections in moved.sections.items())
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
    project = ctx.session.scalar(select(Project).where(Project.code == code))
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
