"""Reads a message repeats within one transaction (which projects a user may see, a member's role), kept on the
session until anything could have changed them.

The memo is dropped when the transaction ends or any part of it rolls back, when a flush touches a user, project or
membership, and when a statement other than a SELECT runs through the session: a stale answer is never given, at
the price of reading again after some writes.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from storage.models import Membership, Project, User

_KEY = "sitebot_memo"
_WATCHED = (Membership, Project, User)


def memo(session: Session) -> dict[Any, Any]:
    """This session's memo for the current transaction."""
    return session.info.setdefault(_KEY, {})


def forget(session: Session) -> None:
    session.info.pop(_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        forget(session)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    forget(session)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush_context: UOWTransaction) -> None:
    if any(isinstance(row, _WATCHED) for row in chain(session.new, session.dirty, session.deleted)):
        forget(session)


@event.listens_for(Session, "do_orm_execute")
def _statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        forget(state.session)
