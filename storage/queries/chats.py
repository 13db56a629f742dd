"""Channel rows: Telegram users and chats, update ids already handled, and the notification outbox.

Inserts that may race (two deliveries of one update, two processes writing one digest) use
INSERT … ON CONFLICT DO NOTHING, so the database decides who wins. The caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Insert, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Chat, Notification, ProcessedUpdate, Project, User


def _insert_ignore(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """Insert a row unless it conflicts with a unique key; True if this call inserted it.

    RETURNING tells (rowcount is not reliable for this on every driver: psycopg reports -1).
    """
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    key = next(iter(table.primary_key.columns))
    return session.execute(statement.returning(key)).first() is not None


# -- exactly-once updates ----------------------------------------------------------------------


def claim_update(*, session: Session, update_id: int, payload: dict[str, Any] | None) -> bool:
    """Record an update as received; False when it was already recorded (a redelivery)."""
    return _insert_ignore(
        session, ProcessedUpdate.__table__, {"update_id": update_id, "status": "received", "payload": payload}
    )


def set_update_status(*, session: Session, update_id: int, status: str) -> None:
    """Mark how far handling an update got: answered, done or failed."""
    session.execute(update(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id).values(status=status))


def prune_updates(*, session: Session, before: datetime) -> int:
    """Forget update ids received before a time (Telegram redelivers within hours, not weeks)."""
    result = session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.received_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- identity ----------------------------------------------------------------------------------


def user_by_telegram_id(*, session: Session, telegram_id: int) -> User | None:
    return session.scalar(select(User).where(User.telegram_id == telegram_id))


def create_telegram_user(*, session: Session, telegram_id: int, name: str, is_admin: bool) -> User:
    """A user for a Telegram account seen for the first time (no memberships: it can read nothing).

    Names are unique: a taken display name gets the Telegram id appended. A concurrent first message
    from the same account may win the race; then that row is returned.
    """
    name = (name.strip() or f"tg{telegram_id}")[:80]
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        name = f"{name}#{telegram_id}"
    try:
        with session.begin_nested():
            user = User(telegram_id=telegram_id, name=name, is_admin=is_admin)
            session.add(user)
        return user
    except IntegrityError:
        existing = user_by_telegram_id(session=session, telegram_id=telegram_id)
        if existing is None:
            raise
        return existing


def chat_by_telegram_id(*, session: Session, telegram_chat_id: int) -> Chat | None:
    return session.scalar(select(Chat).where(Chat.telegram_chat_id == telegram_chat_id))


def ensure_chat(*, session: Session, telegram_chat_id: int, title: str | None, timezone: str) -> Chat:
    """The chat's row, created on its first message."""
    _insert_ignore(
        session,
        Chat.__table__,
        {
            "telegram_chat_id": telegram_chat_id,
            "title": title and title[:200],
            "timezone": timezone,
            "digest_time": "08:00",
        },
    )
    chat = chat_by_telegram_id(session=session, telegram_chat_id=telegram_chat_id)
    assert chat is not None
    return chat


def bound_chats(*, session: Session) -> list[tuple[Chat, Project]]:
    """Chats with a default project: the ones that get a morning digest."""
    query = select(Chat, Project).join(Project, Project.id == Chat.project_id).order_by(Chat.id)
    return [(chat, project) for chat, project in session.execute(query)]


# -- outbox ------------------------------------------------------------------------------------


def notification_exists(*, session: Session, dedupe_key: str) -> bool:
    return session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)) is not None


def add_notification(
    *, session: Session, chat_id: int, kind: str, dedupe_key: str, payload: dict[str, Any], now: datetime
) -> bool:
    """Queue a message unless one with the same dedupe key exists; True if this call queued it."""
    return _insert_ignore(
        session,
        Notification.__table__,
        {
            "chat_id": chat_id,
            "kind": kind,
            "dedupe_key": dedupe_key,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        },
    )


def pending_notifications(*, session: Session, chat_id: int | None = None) -> list[tuple[Notification, Chat]]:
    """Queued messages, oldest first, with their chat."""
    query = (
        select(Notification, Chat)
        .join(Chat, Chat.id == Notification.chat_id)
        .where(Notification.status == "pending")
        .order_by(Notification.id)
    )
    if chat_id is not None:
        query = query.where(Notification.chat_id == chat_id)
    return [(note, chat) for note, chat in session.execute(query)]


def claim_notification(*, session: Session, notification_id: int) -> bool:
    """Take a pending message for sending (counting the attempt); False if another sender took it."""
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "pending")
        .values(status="sending", attempts=Notification.attempts + 1)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def finish_notification(*, session: Session, notification_id: int, status: str, now: datetime) -> None:
    """Record the outcome of a send: sent, pending (retry later) or failed (give up)."""
    values: dict[str, Any] = {"status": status}
    if status == "sent":
        values["sent_at"] = now
    session.execute(update(Notification).where(Notification.id == notification_id).values(**values))


def count_notifications(*, session: Session, kind: str | None = None, status: str | None = None) -> int:
    query = select(func.count(Notification.id))
    if kind is not None:
        query = query.where(Notification.kind == kind)
    if status is not None:
        query = query.where(Notification.status == status)
    return session.scalar(query) or 0


def projects_without_chat(*, session: Session) -> list[Project]:
    """Projects no chat is bound to: their digest has nowhere to go but the terminal."""
    bound = select(Chat.project_id).where(Chat.project_id.is_not(None))
    return list(session.scalars(select(Project).where(Project.id.not_in(bound)).order_by(Project.code)))
