"""Names kept findable and caches kept honest, by the session itself so no writer can forget either.

Every flush that writes a worker or a project rewrites its rows in name_key (each name normalised and in pinyin),
so an exact, alias or pinyin name is one indexed look-up. Every commit that changed a name anyone caches (workers,
projects, tasks, budget lines, counterparties, who is on which project's books) bumps the change marker in the
same transaction: another process sees it at its next message with one primary-key read and rebuilds its caches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, event, insert, inspect, select, update
from sqlalchemy.orm import Session, SessionTransaction

from storage.models import BudgetLine, ChangeMarker, Counterparty, NameKey, Project, ProjectWorker, Task, Worker
from storage.queries.rows import insert_ignore

MARKER = "names"
_CHANGED = "sitebot_names_changed"  # session.info: this transaction changed names not yet counted in the marker

# The attributes of each model that the lexicon or name resolution read: a change to any other column (a rate, a
# finish date) leaves every cache valid.
WATCHED: dict[type[Any], tuple[str, ...]] = {
    Project: ("code", "name", "aliases", "hours_per_day", "day_end"),
    Worker: ("name", "aliases", "id_tail"),
    Task: ("name", "aliases", "project_id"),
    BudgetLine: ("category", "label", "project_id"),
    Counterparty: ("name", "aliases", "kind", "project_id"),
    ProjectWorker: ("project_id", "worker_id"),
}
KEYED: dict[type[Any], str] = {Worker: "worker", Project: "project"}


def norm(text: str) -> str:
    """A name as compared: without any spaces, case-folded."""
    return "".join(text.split()).casefold()


@lru_cache(maxsize=4096)
def pinyin_keys(text: str) -> tuple[str, str]:
    """Full toneless pinyin and initials of a name: 张三 → ('zhangsan', 'zs')."""
    # Imported when first needed: pypinyin's dictionaries cost a process that never writes or reads a name.
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(text)).casefold().replace(" ", "")
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).casefold().replace(" ", "")
    return full, initials


def worker_names(name: str, aliases: Sequence[str] | None, id_tail: str | None) -> tuple[str, ...]:
    """A worker's names; two of one name are told apart by the tail of a number (张三 #1234)."""
    names = (name, *(aliases or []))
    return (*names, f"{name}{id_tail}", f"{name}#{id_tail}") if id_tail else names


def project_names(code: str, name: str, aliases: Sequence[str] | None) -> tuple[str, ...]:
    return (code, name, *(aliases or []))


def _names_of(row: Any) -> tuple[str, ...]:
    if isinstance(row, Worker):
        return worker_names(row.name, row.aliases, row.id_tail)
    return project_names(row.code, row.name, row.aliases)


def key_rows(kind: str, ref_id: int, names: Iterable[str]) -> list[dict[str, Any]]:
    """The name_key rows of one worker or project."""
    rows = []
    for position, name in enumerate(names):
        normal = norm(name)
        full, initials = pinyin_keys(normal)
        rows.append(
            {
                "kind": kind,
                "ref_id": ref_id,
                "position": position,
                "name": name,
                "norm": normal,
                "pinyin": full,
                "initials": initials,
            }
        )
    return rows


def _changed(obj: Any, attributes: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attributes)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    """Rewrite the name keys of the workers and projects this flush wrote; remember that names changed."""
    changed = False
    rewrite: list[Any] = []
    gone: list[tuple[str, int]] = []
    for obj in session.new:
        if type(obj) in WATCHED:
            changed = True
            if type(obj) in KEYED:
                rewrite.append(obj)
    for obj in session.dirty:
        if type(obj) in WATCHED and _changed(obj, WATCHED[type(obj)]):
            changed = True
            if type(obj) in KEYED:
                rewrite.append(obj)
    for obj in session.deleted:
        if type(obj) in WATCHED:
            changed = True
            if type(obj) in KEYED:
                gone.append((KEYED[type(obj)], obj.id))
    if not changed:
        return
    session.info[_CHANGED] = True
    connection = session.connection()
    stale = gone + [(KEYED[type(obj)], obj.id) for obj in rewrite]
    for kind in {kind for kind, _ in stale}:
        ids = [ref for k, ref in stale if k == kind]
        for start in range(0, len(ids), 500):  # bound the IN list
            chunk = ids[start : start + 500]
            connection.execute(delete(NameKey).where(NameKey.kind == kind, NameKey.ref_id.in_(chunk)))
    rows = [row for obj in rewrite for row in key_rows(KEYED[type(obj)], obj.id, _names_of(obj))]
    if rows:
        connection.execute(insert(NameKey), rows)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """Bump the marker in the committing transaction, once, as late as possible (the row lock it takes on
    PostgreSQL is held only while the commit finishes)."""
    if session.in_nested_transaction():
        return
    session.flush()  # what commit would flush next: its names count too
    if session.info.get(_CHANGED):
        bump(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (and counted) or rolled back: nothing pending either way
        session.info.pop(_CHANGED, None)


def bump(session: Session) -> None:
    """Move the marker by one: an atomic increment, so two processes committing at once both move it."""
    statement = update(ChangeMarker).where(ChangeMarker.name == MARKER).values(version=ChangeMarker.version + 1)
    if session.connection().execute(statement).rowcount:
        return
    if not insert_ignore(session, ChangeMarker.__table__, {"name": MARKER, "version": 1}):
        session.execute(statement)  # another process created the row meanwhile


def marker(session: Session) -> int:
    """The change marker as this session sees it (a flush first, so the session's own changes are counted as
    pending, see has_pending_changes)."""
    return session.execute(select(ChangeMarker.version).where(ChangeMarker.name == MARKER)).scalar() or 0


def has_pending_changes(session: Session) -> bool:
    """Whether this session's transaction changed names the marker does not count yet: a cache built now would
    hold names that may be rolled back, so it must not be kept."""
    return bool(session.info.get(_CHANGED))


def names_of(session: Session, kind: str, ids: Sequence[int] | None = None) -> dict[int, list[tuple[str, str, str]]]:
    """(name, norm, pinyin) of each worker or project (all, or those of ids), in the order of their names."""
    query = select(NameKey.ref_id, NameKey.name, NameKey.norm, NameKey.pinyin).where(NameKey.kind == kind)
    found: dict[int, list[tuple[str, str, str]]] = {}
    chunks = [None] if ids is None else [ids[i : i + 500] for i in range(0, len(ids), 500)]
    for chunk in chunks:
        limited = query if chunk is None else query.where(NameKey.ref_id.in_(chunk))
        for ref_id, name, normal, full in session.execute(limited.order_by(NameKey.ref_id, NameKey.position)):
            found.setdefault(ref_id, []).append((name, normal, full))
    return found
