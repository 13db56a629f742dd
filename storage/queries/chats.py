"""Telegram users and chats: identity by Telegram id, chats and their bound project.

A Telegram user is found by its Telegram id only; its display name is a label, never matched (a new account
named like a member, or "admin", is a stranger). Global administrators are exactly the ids in the settings:
sync_admins applies them at every start, and identify applies them on every message.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Row, bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Chat, Membership, Notification, Project, User
from storage.queries.rows import insert_ignore


def user_by_telegram_id(*, session: Session, telegram_id: int) -> User | None:
    return session.scalar(select(User).where(User.telegram_id == telegram_id))


# Who writes where, in one statement: the user, the chat, the chat's project and whether the user is a member of
# anything (identify() on every Telegram update). Built once; the ids are bound per call.
_IDENTITY = (
    select(
        User.id.label("user_id"),
        User.is_admin,
        User.language.label("user_language"),
        Chat.id.label("chat_id"),
        Chat.language.label("chat_language"),
        Chat.blocked_at,
        Project.code.label("project_code"),
        Project.language.label("project_language"),
        exists().where(Membership.user_id == User.id).label("has_memberships"),
    )
    .select_from(User)
    .join(Chat, Chat.telegram_chat_id == bindparam("telegram_chat_id"))
    .outerjoin(Project, Project.id == Chat.project_id)
    .where(User.telegram_id == bindparam("telegram_id"))
)


def identity(*, session: Session, telegram_id: int, telegram_chat_id: int) -> Row[*tuple[Any, ...]] | None:
    """The user, chat and bound project of a Telegram sender in a chat, None when either is not known yet."""
    return session.execute(_IDENTITY, {"telegram_id": telegram_id, "telegram_chat_id": telegram_chat_id}).first()


def create_telegram_user(*, session: Session, telegram_id: int, name: str, is_admin: bool) -> User:
    """A user for a Telegram account seen for the first time (no memberships: it can read nothing).

    A concurrent first message from the same account may win the race; then that row is returned.
    """
    name = (name.strip() or f"tg{telegram_id}")[:100]
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


def sync_admins(*, session: Session, admin_ids: Collection[int]) -> int:
    """Telegram users are global administrators exactly when their id is in the settings; how many changed."""
    ids = list(admin_ids)
    demoted = session.execute(
        update(User)
        .where(User.telegram_id.is_not(None), User.is_admin.is_(True), User.telegram_id.not_in(ids or [-1]))
        .values(is_admin=False)
    )
    promoted = session.execute(
        update(User).where(User.telegram_id.in_(ids or [-1]), User.is_admin.is_(False)).values(is_admin=True)
    )
    return int(demoted.rowcount or 0) + int(promoted.rowcount or 0)  # type: ignore[attr-defined]


def chat_by_telegram_id(*, session: Session, telegram_chat_id: int) -> Chat | None:
    return session.scalar(select(Chat).where(Chat.telegram_chat_id == telegram_chat_id))


def ensure_chat(*, session: Session, telegram_chat_id: int, title: str | None, timezone: str) -> Chat:
    """The chat's row, created on its first message."""
    insert_ignore(
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


def bound_chats(*, session: Session, chat_ids: Collection[int] | None = None) -> list[tuple[Chat, Project]]:
    """Chats with a default project: the ones that get a morning digest (of those listed, if given)."""
    query = select(Chat, Project).join(Project, Project.id == Chat.project_id).order_by(Chat.id)
    if chat_ids is not None:
        query = query.where(Chat.id.in_(list(chat_ids)))
    return [(chat, project) for chat, project in session.execute(query)]


_DIGEST_CHATS = (
    select(Chat.id, Chat.timezone, Chat.digest_time)
    .where(Chat.project_id.is_not(None), Chat.blocked_at.is_(None), Chat.digest_enabled.is_(True))
    .order_by(Chat.id)
)
_LISTED_DIGEST_CHATS = (
    select(Chat.id, Chat.timezone, Chat.digest_time, Notification.dedupe_key)
    .outerjoin(
        Notification,
        (Notification.chat_id == Chat.id) & Notification.dedupe_key.in_(bindparam("keys", expanding=True)),
    )
    .where(
        Chat.project_id.is_not(None),
        Chat.blocked_at.is_(None),
        Chat.digest_enabled.is_(True),
        Chat.id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(Chat.id)
)


def digest_chats(*, session: Session | Connection) -> list[tuple[int, str, str]]:
    """(id, timezone, digest time) of the bound chats that get a digest: not blocked, not unsubscribed."""
    return [(chat_id, timezone, at) for chat_id, timezone, at in session.execute(_DIGEST_CHATS)]


def listed_digest_chats(
    *, session: Session | Connection, chat_ids: Collection[int], keys: Collection[str]
) -> list[tuple[int, str, str, set[str]]]:
    """digest_chats of those listed, each with which of the given outbox keys it already has, in one statement
    built once: the digest job of every chat asks, and most find their digest already queued."""
    found: dict[int, tuple[int, str, str, set[str]]] = {}
    for chat_id, timezone, at, key in session.execute(
        _LISTED_DIGEST_CHATS, {"ids": list(chat_ids), "keys": list(keys)}
    ):
        row = found.setdefault(chat_id, (chat_id, timezone, at, set()))
        if key is not None:
            row[3].add(key)
    return list(found.values())


def projects_without_chat(*, session: Session) -> list[Project]:
    """Projects no chat is bound to: their digest has nowhere to go but the terminal."""
    bound = select(Chat.project_id).where(Chat.project_id.is_not(None))
    return list(session.scalars(select(Project).where(Project.id.not_in(bound)).order_by(Project.code)))
