"""The audit log: every write records the rows it changed, so undo_last can reverse it exactly."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, object_session

from storage.models import AuditLog, Base, Project
from tools.base import Context

Change = dict[str, Any]


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal | date | datetime):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def snapshot(obj: Base) -> dict[str, Any]:
    """Every column of a row, JSON-safe (money as decimal strings)."""
    mapper: Mapper[Any] = inspect(obj).mapper
    return {attr.key: _json_value(getattr(obj, attr.key)) for attr in mapper.column_attrs}


def _flushed(obj: Base) -> Base:
    session = object_session(obj)
    if session is not None:
        session.flush()
    return obj


def created(obj: Base) -> Change:
    """A row this write inserted (flushed here, so it has its id)."""
    _flushed(obj)
    return {"table": obj.__tablename__, "id": obj.id, "before": None, "after": snapshot(obj)}  # type: ignore[attr-defined]


def updated(obj: Base, before: dict[str, Any]) -> Change:
    """A row this write changed; before is snapshot(obj) taken first."""
    _flushed(obj)
    return {"table": obj.__tablename__, "id": obj.id, "before": before, "after": snapshot(obj)}  # type: ignore[attr-defined]


def deleted(before: dict[str, Any], table: str) -> Change:
    return {"table": table, "id": before["id"], "before": before, "after": None}


def record(ctx: Context, tool: str, project: Project | None, changes: list[Change], summary: str) -> AuditLog:
    """Write one audit row for one tool call (flush first so new rows have ids)."""
    entry = AuditLog(
        user_id=ctx.user.id,
        project_id=project.id if project else None,
        tool=tool,
        changes=changes,
        summary=summary,
        source_text=ctx.source_text,
        batch=ctx.batch,
        created_at=ctx.now,
        chat_key=ctx.chat_key,
        message_ref=ctx.message_ref,
        confirmed_by=ctx.confirmed_by,
    )
    ctx.session.add(entry)
    ctx.session.flush()
    return entry
