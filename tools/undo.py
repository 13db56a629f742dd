"""undo_last: reverse everything the caller's last message wrote, exactly, and audit the undo itself."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, inspect, select
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapper

from storage.locks import lock
from storage.models import AuditLog, Base, Membership, PaymentKind, Project, Role, Task, User, Worker
from storage.queries import audit as aq
from storage.types import Fixed, UTCDateTime
from tools import audit
from tools.args import UndoLast
from tools.base import ANY_MEMBER, REGISTRY, Context, Result, Retry, Text, ToolError, tool
from tools.categories import category_label
from tools.fmt import day_text, qty, yuan
from tools.labor import keep_settlements_covered

WRITING_ROLES = frozenset({Role.admin, Role.manager, Role.foreman, Role.finance})

_NOTHING = Text(
    "没有可以撤回的记录：你最近没有新的录入（已撤回的不会再撤回）。",
    "Nothing to undo: you have no recent entry that is not already undone.",
)
_NOTHING_HERE = Text(
    "没有可以撤回的记录：{who}在项目 {code} 最近没有新的录入（已撤回的不会再撤回）。",
    "Nothing to undo: {who} has no recent entry in project {code} that is not already undone.",
)
_YOU = Text("你", "you")
_ALREADY = Text("这条已经撤回过了，没有再撤回。", "That was already undone; nothing more was undone.")
_OTHERS = Text(
    "不能撤回别人的记录：只有项目管理员可以撤回其他成员的录入。",
    "You cannot undo someone else's entry: only a project admin may undo another member's writes.",
)
_NO_MEMBER = Text("项目 {code} 里没有成员“{name}”。", "Project {code} has no member called “{name}”.")
_NOT_ALLOWED = Text(
    "不能撤回：你在项目 {code} 的角色现在是 {role}，没有权限修改它。",
    "Cannot undo: your role in project {code} is now {role}, which may not change it.",
)
_NOT_MEMBER = Text(
    "不能撤回：你已不是项目 {code} 的成员。", "Cannot undo: you are no longer a member of project {code}."
)
_CHANGED = Text(
    "不能安全撤回：{what}在录入之后已被修改或删除。为避免覆盖别人的改动，什么都没有撤回。",
    "Cannot undo safely: {what} was changed or removed after it was recorded, so nothing was undone.",
)
_EXISTS = Text(
    "不能安全撤回：{what}已经存在，不能重新恢复。什么都没有撤回。",
    "Cannot undo safely: {what} already exists again, so nothing was undone.",
)
_HEAD = Text("已撤回{source}：", "Undone{source}:")
_SOURCE = Text("（原消息“{text}”）", " (message “{text}”)")
_REMOVED = Text("· 删除 {what}", "· removed {what}")
_RESTORED = Text("· 恢复 {what}", "· restored {what}")
_READDED = Text("· 恢复已删除的 {what}", "· re-added {what}")

_ROW_TEXT: dict[str, Text] = {
    "labor_entry": Text(
        "{code} {worker} {date} 点工 {days}工{overtime}，{amount}",
        "{code} day labour: {worker} on {date}, {days} day(s){overtime}, {amount}",
    ),
    "cost_entry": Text("{code} {category} {amount}，{date}", "{code} {category} {amount} on {date}"),
    "worker_payment": Text("{code} {worker} {kind} {amount}，{date}", "{code} {kind} to {worker}: {amount} on {date}"),
    "fund_txn": Text(
        "{code} {direction} {amount}，{date}{counterparty}",
        "{code} money {direction} {amount} on {date}{counterparty}",
    ),
    "progress_update": Text("{task} 进度报告 {percent}%，{date}", "progress report {task} {percent}% on {date}"),
    "task": Text("{code} 任务 {task} 完成度 {percent}%", "{code} task {task} at {percent}%"),
}
_OVERTIME = Text("，加班{hours}小时", ", {hours} h overtime")
_PAYMENT_KIND = {
    PaymentKind.advance.value: Text("借支", "advance"),
    PaymentKind.settlement.value: Text("结算工资", "wage settlement"),
}
_DIRECTION = {"in": Text("收入", "in"), "out": Text("支出", "out")}
_COUNTERPARTY = Text("，{name}", ", {name}")
_GENERIC = Text("{table} 第{id}条记录", "{table} row {id}")


def _models() -> dict[str, type[Base]]:
    return {m.class_.__tablename__: m.class_ for m in Base.registry.mappers}


def _from_json(column: ColumnElement[Any], value: Any) -> Any:
    """A value from the audit log's JSON back to the column's Python type."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, Fixed):
        return Decimal(str(value))
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, SAEnum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


def _values(model: type[Base], data: dict[str, Any]) -> dict[str, Any]:
    """A snapshot's columns as Python values (columns the model no longer has are ignored)."""
    mapper: Mapper[Any] = inspect(model)
    return {attr.key: _from_json(attr.columns[0], data[attr.key]) for attr in mapper.column_attrs if attr.key in data}


def _matches(row: Base, values: dict[str, Any]) -> bool:
    return all(getattr(row, key) == value for key, value in values.items())


class _Describer:
    """One line per reversed row, in words a site manager uses."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __call__(self, table: str, values: dict[str, Any]) -> str:
        ctx, session = self.ctx, self.ctx.session
        template = _ROW_TEXT.get(table)
        if template is None:
            return ctx.t(_GENERIC, table=table, id=values.get("id"))
        project = session.get(Project, values["project_id"]) if values.get("project_id") else None
        worker = session.get(Worker, values["worker_id"]) if values.get("worker_id") else None
        task = session.get(Task, values["task_id"]) if values.get("task_id") else None
        if table == "task":
            task = session.get(Task, values["id"])
        if task is not None and project is None:
            project = session.get(Project, task.project_id)
        day = next(
            (values[k] for k in ("work_date", "entry_date", "paid_on", "txn_date", "reported_on") if values.get(k)),
            None,
        )
        params: dict[str, Any] = {
            "code": project.code if project else "",
            "worker": worker.name if worker else "",
            "task": values.get("name") or (task.name if task else ""),
            "date": day_text(day, ctx.language, ctx.today) if isinstance(day, date) else "",
            "amount": yuan(values.get("amount")),
            "days": qty(values.get("days")),
            "percent": qty(values.get("percent"), 2),
            "overtime": ctx.t(_OVERTIME, hours=qty(values["overtime_hours"])) if values.get("overtime_hours") else "",
            "category": category_label(str(values.get("category")), ctx.language),
            "kind": ctx.t(_PAYMENT_KIND[str(values["kind"])]) if values.get("kind") in _PAYMENT_KIND else "",
            "direction": ctx.t(_DIRECTION[str(values["direction"])]) if values.get("direction") in _DIRECTION else "",
            "counterparty": ctx.t(_COUNTERPARTY, name=values["counterparty"]) if values.get("counterparty") else "",
        }
        return ctx.t(template, **params)


def _check_allowed(ctx: Context, logs: list[AuditLog]) -> None:
    """The writer may undo while they still hold a role that may make that write; admins always may."""
    for log in logs:
        if log.project_id is None:
            continue
        project = ctx.session.get(Project, log.project_id)
        if project is None:
            continue
        role = ctx.role_in(project)
        if role is None:
            raise ToolError(_NOT_MEMBER, code=project.code)
        spec = REGISTRY.get(log.tool)
        allowed = spec.roles if spec is not None and spec.writes else WRITING_ROLES
        if role not in allowed:
            raise ToolError(_NOT_ALLOWED, code=project.code, role=role.value)


def _reverse(ctx: Context, change: dict[str, Any], describe: _Describer) -> tuple[audit.Change, str]:
    """Reverse one recorded change after checking the row is still as the write left it."""
    session = ctx.session
    table, row_id = change["table"], change["id"]
    model = _models().get(table)
    if model is None:
        raise ToolError(_CHANGED, what=ctx.t(_GENERIC, table=table, id=row_id))
    # Read the row as stored now (another session may have changed it), after flushing this undo's own changes.
    session.flush()
    row = session.get(model, row_id, populate_existing=True)
    before, after = change.get("before"), change.get("after")
    if after is None:  # the write deleted the row: put it back
        values = _values(model, before or {})
        what = describe(table, values)
        if row is not None:
            raise ToolError(_EXISTS, what=what)
        restored = model(**values)
        session.add(restored)
        return audit.created(restored), ctx.t(_READDED, what=what)
    expected = _values(model, after)
    what = describe(table, expected)
    if row is None or not _matches(row, expected):
        raise ToolError(_CHANGED, what=what)
    if before is None:  # the write inserted the row: remove it
        snapshot = audit.snapshot(row)
        session.delete(row)
        session.flush()
        return audit.deleted(snapshot, table), ctx.t(_REMOVED, what=what)
    current = audit.snapshot(row)
    old = _values(model, before)
    for key, value in old.items():
        setattr(row, key, value)
    return audit.updated(row, current), ctx.t(_RESTORED, what=describe(table, old))


def _recheck_budget(ctx: Context, changes: list[audit.Change]) -> list[str]:
    """Costs moved: clear alert crossings the undo took back (and announce any it made)."""
    from tools.costs import check_thresholds  # imported late: costs imports nothing from here, keep it so

    lines: list[str] = []
    seen: set[tuple[int, str]] = set()
    for change in changes:
        data = change["after"] or change["before"] or {}
        if change["table"] not in ("cost_entry", "labor_entry") or data.get("project_id") is None:
            continue
        key = (int(data["project_id"]), "labor" if change["table"] == "labor_entry" else str(data.get("category")))
        if key in seen:
            continue
        seen.add(key)
        project = ctx.session.get(Project, key[0])
        if project is not None:
            lines += check_thresholds(ctx, project, key[1])
    return lines


def _labour_reduced(changes: list[audit.Change]) -> list[tuple[int, int]]:
    """(project id, worker id) of each worker whose wages these changes lowered."""
    lowered: set[tuple[int, int]] = set()
    for change in changes:
        if change["table"] != "labor_entry":
            continue
        before, after = change["before"] or {}, change["after"] or {}
        if Decimal(str(after.get("amount") or 0)) < Decimal(str(before.get("amount") or 0)):
            row = after or before
            lowered.add((int(row["project_id"]), int(row["worker_id"])))
    return sorted(lowered)


def _target(ctx: Context, args: UndoLast) -> tuple[list[AuditLog], str]:
    """The writes to reverse and, when there are none, why: a button's message, or the last write of the user (or
    of the member an admin names) in the chat's project, or anywhere when the chat has no project."""
    from tools import resolve

    session = ctx.session
    if args.batch:
        logs = aq.batch(session=session, batch_id=args.batch)
        if not logs:
            return [], ctx.t(_ALREADY)
        if logs[0].user_id != ctx.user.id:
            project = session.get(Project, logs[0].project_id) if logs[0].project_id else None
            if project is None or ctx.role_in(project) != Role.admin:
                raise ToolError(_OTHERS)
        return logs, ""
    project = resolve.project(ctx, args.project) if (args.project or ctx.project_code) else None
    user_id, who = ctx.user.id, ctx.t(_YOU)
    if args.user:
        if project is None or ctx.role_in(project) != Role.admin:
            raise ToolError(_OTHERS)
        member = session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.project_id == project.id, User.name == args.user)
        )
        if member is None:
            raise ToolError(_NO_MEMBER, code=project.code, name=args.user[:40])
        user_id, who = member.id, member.name
    lock(session, f"undo:{user_id}")  # two undos of one user run one after the other
    logs = aq.last_undoable_batch(session=session, user_id=user_id, project_id=project.id if project else None)
    if logs:
        return logs, ""
    if project is not None:
        return [], ctx.t(_NOTHING_HERE, who=who, code=project.code)
    return [], ctx.t(_NOTHING)


@tool(args=UndoLast, roles=ANY_MEMBER, writes=True)
def undo_last(ctx: Context, args: UndoLast) -> Result:
    """Undo the user's last write in this chat's project: everything their last message recorded (撤回, 撤销, undo).

    Each call goes one message further back. An admin may name a member (user) to undo that member's last write.
    """
    logs, nothing = _target(ctx, args)
    if not logs:
        return Result(ok=False, text=nothing, data={"undone": []})
    _check_allowed(ctx, logs)
    # Claim the writes first: a second undo of the same message (a doubled press, another process) gets nothing.
    if not aq.claim(session=ctx.session, audit_ids=[log.id for log in logs], at=ctx.now):
        if args.batch:
            return Result(ok=False, text=ctx.t(_ALREADY), data={"undone": []})
        raise Retry("another undo claimed these writes")
    describe = _Describer(ctx)
    changes: list[audit.Change] = []
    lines: list[str] = []
    for log in reversed(logs):
        for change in reversed(log.changes or []):
            reversal, line = _reverse(ctx, change, describe)
            changes.append(reversal)
            lines.append(line)
    ctx.session.flush()
    for project_id, worker_id in _labour_reduced(changes):  # never leaves settlements above the wages left
        keep_settlements_covered(ctx, project_id, worker_id)
    alerts = _recheck_budget(ctx, changes)
    source = next((log.source_text for log in logs if log.source_text), None)
    head = ctx.t(_HEAD, source=ctx.t(_SOURCE, text=source[:60]) if source else "")
    project = ctx.session.get(Project, logs[0].project_id) if logs[0].project_id else None
    summary = "undo of audit " + ", ".join(str(log.id) for log in logs)
    entry = audit.record(ctx, "undo_last", project, changes, summary)
    entry.undo_of = logs[0].id
    ctx.session.flush()
    data = {
        "undone": [{"audit_id": log.id, "tool": log.tool, "summary": log.summary} for log in logs],
        "changes": len(changes),
    }
    if project is not None:  # the project's alert states follow the undo: a line it took back has recovered
        data["project"] = project.code
    return Result(ok=True, text="\n".join([head, *lines, *alerts]), data=data, audit_id=entry.id)
