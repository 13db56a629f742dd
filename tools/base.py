"""The heart's plumbing: the context a tool runs in, its result, its errors and the registry."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from storage.memo import memo
from storage.models import Membership, Project, Role, User
from tools.sanitize import clean

log = logging.getLogger(__name__)

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Text:
    """A message in both languages; rendered with the context's language."""

    zh: str
    en: str

    def render(self, lang: str, **params: Any) -> str:
        template = self.zh if lang == "zh" else self.en
        return template.format(**params) if params else template

    def bind(self, **params: Any) -> Text:
        """The message with its figures filled in, still in both languages."""
        return Text(self.zh.format(**params), self.en.format(**params))


class ToolError(Exception):
    """A refusal the user should read: translated, specific, and nothing was written."""

    def __init__(self, message: Text, /, **params: Any) -> None:
        super().__init__(message.en.format(**params) if params else message.en)
        self.message = message
        self.params = params

    def render(self, lang: str) -> str:
        return self.message.render(lang, **self.params)


@dataclass
class Attachment:
    filename: str
    content: bytes
    mime: str


@dataclass
class Result:
    """What a tool returns: structured data plus the reply already rendered in ctx.language."""

    ok: bool
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    audit_id: int | None = None  # set for writes: the handle undo_last reverses
    attachments: list[Attachment] = field(default_factory=list)
    proposal: Proposal | None = None  # set when the calls wait for a yes (NeedsConfirmation)
    tool: str | None = None  # the tool that produced it (set by execute)

    @property
    def wrote(self) -> bool:
        return self.ok and self.audit_id is not None

    def to_json(self) -> str:
        """JSON for a model: Decimals and dates as strings, never Python reprs."""
        return json.dumps({"ok": self.ok, "text": self.text, "data": self.data}, ensure_ascii=False, default=str)


@dataclass
class Context:
    """Who acts, where, when: identity comes from here, never from a message or a model."""

    session: Session
    user: User
    language: Lang = "zh"
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    project_code: str | None = None  # the chat's default project
    source_text: str | None = None  # the message that caused this call, for the audit log
    # One id per incoming message: undo_last reverses everything one message wrote.
    batch: str = field(default_factory=lambda: uuid.uuid4().hex)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    chat_key: str | None = None  # where the message was written ("tg:<chat id>", "term:<user>")
    message_ref: str | None = None  # "<chat key>:<message id>": an edit of the message finds what it wrote
    confirmed_by: int | None = None  # the user who said yes to a proposal these calls come from
    # A group chat bound to a project: only that project is read or written there (its other members may not be
    # members of another project a sender belongs to); tools.resolve.project refuses any other.
    bound_project: str | None = None

    def t(self, message: Text, **params: Any) -> str:
        return message.render(self.language, **params)

    def role_in(self, project: Project) -> Role | None:
        """The user's role in a project; global administrators are admin everywhere."""
        if self.user.is_admin:
            return Role.admin
        remembered = memo(self.session)
        key = ("role", self.user.id, project.id)
        if key not in remembered:
            remembered[key] = self.session.scalar(
                select(Membership.role).where(Membership.user_id == self.user.id, Membership.project_id == project.id)
            )
        return remembered[key]  # type: ignore[no-any-return]


class ToolArgs(BaseModel):
    """Base of every tool's arguments: strict about unknown fields, strips spaces, drops invisible characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _visible(cls, value: Any) -> Any:
        """NUL, direction and zero-width characters never reach the database, whoever filled the args."""
        return clean(value) if isinstance(value, str) else value


A = TypeVar("A", bound=ToolArgs)
ToolFunc = Callable[[Context, Any], Result]

ANY_MEMBER: frozenset[Role] = frozenset(Role)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    func: ToolFunc
    args_model: type[ToolArgs]
    roles: frozenset[Role]
    writes: bool
    description: str
    internal: bool = False  # reached by buttons and the router only, never offered to the model
    # What a write can change of the project's standing (alert sections: budget, schedule, cash): after it, only
    # these are checked for immediate alerts. A write tool that says nothing moves all of them.
    moves: frozenset[str] = frozenset()


ALERT_SECTIONS = frozenset({"budget", "schedule", "cash"})
REGISTRY: dict[str, ToolSpec] = {}


def tool(
    *,
    args: type[ToolArgs],
    roles: Iterable[Role] = ANY_MEMBER,
    writes: bool = False,
    internal: bool = False,
    moves: Iterable[str] | None = None,
) -> Callable[[ToolFunc], ToolFunc]:
    """Register a tool function; its docstring is the description the model reads."""
    moved = frozenset(ALERT_SECTIONS if moves is None and writes else moves or ())
    assert moved <= ALERT_SECTIONS, f"unknown alert sections: {moved - ALERT_SECTIONS}"

    def register(func: ToolFunc) -> ToolFunc:
        REGISTRY[func.__name__] = ToolSpec(
            name=func.__name__,
            func=func,
            args_model=args,
            roles=frozenset(roles),
            writes=writes,
            description=(func.__doc__ or "").strip(),
            internal=internal,
            moves=moved,
        )
        return func

    return register


def require_role(ctx: Context, project: Project, roles: frozenset[Role]) -> Role:
    """The user's role if it is one of roles; otherwise a translated refusal naming what is needed."""
    role = ctx.role_in(project)
    if role is None:
        raise ToolError(
            Text("你不是项目 {code} 的成员，不能查看或修改它。", "You are not a member of project {code}."),
            code=project.code,
        )
    if role not in roles:
        needed = "/".join(r.value for r in Role if r in roles)
        raise ToolError(
            Text(
                "没有权限：此操作需要角色 {needed}，你在 {code} 的角色是 {role}。",
                "Not allowed: this needs role {needed}; your role in {code} is {role}.",
            ),
            needed=needed,
            code=project.code,
            role=role.value,
        )
    return role


def confirmer_role(ctx: Context, project: Project, *, asserted: bool) -> Role | None:
    """The role of whoever confirmed going past a control: the user who said yes to a proposal (confirmed_by), or
    the acting user when the message itself confirms (asserted: "确认超预算"); None when nobody confirmed."""
    if ctx.confirmed_by is not None:
        confirmer = ctx.session.get(User, ctx.confirmed_by)
        if confirmer is None:
            return None
        if confirmer.is_admin:
            return Role.admin
        return ctx.session.scalar(
            select(Membership.role).where(Membership.user_id == confirmer.id, Membership.project_id == project.id)
        )
    return ctx.role_in(project) if asserted else None


# -- validation messages ---------------------------------------------------------------

FIELD_LABELS: dict[str, Text] = {
    "project": Text("项目", "project"),
    "worker": Text("工人", "worker"),
    "task": Text("任务", "task"),
    "category": Text("成本科目", "category"),
    "date": Text("日期", "date"),
    "start": Text("开始日期", "start date"),
    "end": Text("结束日期", "end date"),
    "days": Text("工日", "days"),
    "hours": Text("小时数", "hours"),
    "overtime_hours": Text("加班小时", "overtime hours"),
    "daily_rate": Text("日工资", "daily rate"),
    "amount": Text("金额", "amount"),
    "percent": Text("完成百分比", "percent complete"),
    "direction": Text("收支方向", "direction"),
    "counterparty": Text("对方", "counterparty"),
    "vendor": Text("供应商", "vendor"),
    "note": Text("备注", "note"),
    "group_by": Text("分组方式", "grouping"),
}

_ERROR_TEXT: dict[str, Text] = {
    "greater_than": Text("{field}必须大于 {limit}", "{field} must be greater than {limit}"),
    "greater_than_equal": Text("{field}不能小于 {limit}", "{field} must be at least {limit}"),
    "less_than": Text("{field}必须小于 {limit}", "{field} must be less than {limit}"),
    "less_than_equal": Text("{field}不能超过 {limit}", "{field} must be at most {limit}"),
    "missing": Text("缺少{field}", "{field} is missing"),
    "extra_forbidden": Text("不认识的参数 {field}", "unknown argument {field}"),
    "string_too_long": Text("{field}太长", "{field} is too long"),
    "string_too_short": Text("{field}不能为空", "{field} must not be empty"),
    "decimal_max_places": Text("{field}的小数位太多", "{field} has too many decimal places"),
    "literal_error": Text("{field}取值不对，可选：{expected}", "{field} must be one of: {expected}"),
    "enum": Text("{field}取值不对，可选：{expected}", "{field} must be one of: {expected}"),
}
_NOT_A_NUMBER = Text("{field}应该是数字，收到的是“{value}”", "{field} should be a number, got “{value}”")
_NOT_A_DATE = Text(
    "{field}应该是日期（如 2026-11-24），收到的是“{value}”", "{field} should be a date like 2026-11-24, got “{value}”"
)
_INVALID = Text("{field}不对：“{value}”", "invalid {field}: “{value}”")


def explain_validation(error: ValidationError, lang: str) -> str:
    """Turn pydantic's errors into one translated sentence per bad field."""
    parts: list[str] = []
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "?"
        label = FIELD_LABELS.get(name)
        field_name = label.render(lang) if label else name
        ctx = item.get("ctx") or {}
        kind = item["type"]
        value = str(item.get("input"))[:40]
        if kind in _ERROR_TEXT:
            limit = next((ctx[k] for k in ("gt", "ge", "lt", "le") if k in ctx), "")
            parts.append(
                _ERROR_TEXT[kind].render(lang, field=field_name, limit=limit, expected=ctx.get("expected", ""))
            )
        elif kind.startswith(("decimal", "float", "int", "finite")):
            parts.append(_NOT_A_NUMBER.render(lang, field=field_name, value=value))
        elif kind.startswith("date"):
            parts.append(_NOT_A_DATE.render(lang, field=field_name, value=value))
        else:
            parts.append(_INVALID.render(lang, field=field_name, value=value))
    sep = "；" if lang == "zh" else "; "
    return sep.join(dict.fromkeys(parts))


# -- running tools -----------------------------------------------------------------------

UNKNOWN_TOOL = Text("没有这个功能：{name}", "There is no tool called {name}.")
INTERNAL = Text(
    "抱歉，处理时出错了，什么都没有记录。请稍后再试。",
    "Sorry, something went wrong and nothing was recorded. Please try again.",
)
CONFLICT = Text(
    "这条没有记录：同一时间有别的记录在改同样的数据，重试了几次都没成功。请查一下再发一次。",
    "Not recorded: other entries were changing the same figures at the same moment, and retrying did not get "
    "through. Please check and send it again.",
)
NOTHING_WRITTEN = Text("（本条消息的记录都没有保存）", "(nothing from this message was recorded)")
ATTEMPTS = 4  # a message's transaction is run again this often after a lock conflict or a deadlock


@dataclass(frozen=True)
class Call:
    """One planned tool call, as the parser, the commands and the agent produce it."""

    tool: str
    args: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "args": dict(self.args)}


@dataclass(frozen=True)
class Option:
    """One of several ways to go on: what the user picks, and the calls it runs."""

    label: str
    calls: tuple[Call, ...]


@dataclass(frozen=True)
class Proposal:
    """Calls a tool would run only after a yes: the user's own, or one from a role named in `roles`; or, with
    options, the user's pick among several ways to go on."""

    calls: tuple[Call, ...]
    roles: frozenset[Role] | None = None  # who else may confirm it (e.g. a manager for an overrun)
    options: tuple[Option, ...] = ()


class NeedsConfirmation(Exception):
    """Raised by a write that may go ahead only when confirmed: its args gain `confirm_args` once the user says yes.

    Nothing of the message is written; the reply shows the question and the calls become a proposal.
    """

    def __init__(
        self,
        message: Text,
        /,
        *,
        confirm_args: dict[str, Any],
        roles: frozenset[Role] | None = None,
        options: list[tuple[Text, dict[str, Any]]] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message.en.format(**params) if params else message.en)
        self.message = message
        self.params = params
        self.confirm_args = confirm_args
        self.roles = roles
        self.options = options or []  # (label, args added) per way to go on; the user picks one

    def render(self, lang: str) -> str:
        return self.message.render(lang, **self.params)


class Retry(Exception):
    """The message's transaction met a conflict (a lock, a deadlock, a constraint): run it again from the start."""


def validate_call(ctx: Context, call: Call) -> tuple[ToolSpec, ToolArgs] | Result:
    """The tool and its parsed args, or a translated refusal."""
    spec = REGISTRY.get(call.tool)
    if spec is None:
        return Result(ok=False, text=ctx.t(UNKNOWN_TOOL, name=str(call.tool)[:60]))
    try:
        return spec, spec.args_model.model_validate(call.args)
    except ValidationError as error:
        return Result(ok=False, text=explain_validation(error, ctx.language))


def prepare(ctx: Context, calls: list[Call]) -> list[tuple[ToolSpec, ToolArgs]] | Result:
    """Every call validated, or the first refusal (marked as nothing written when there were several)."""
    prepared: list[tuple[ToolSpec, ToolArgs]] = []
    for call in calls:
        checked = validate_call(ctx, call)
        if isinstance(checked, Result):
            return _nothing_written(ctx, checked, len(calls))
        prepared.append(checked)
    return prepared


def _is_conflict(error: DBAPIError) -> bool:
    """A lock timeout, deadlock or serialisation failure: the same transaction may succeed when run again."""
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    if code in ("40001", "40P01", "55P03"):  # serialization_failure, deadlock_detected, lock_not_available
        return True
    return "database is locked" in str(getattr(error, "orig", error))


OBSERVERS: list[Callable[[str, str], None]] = []  # told (tool, outcome) after every tool run (metrics, logs)


def execute(ctx: Context, prepared: list[tuple[ToolSpec, ToolArgs]]) -> list[Result]:
    """Run one message's validated calls inside a savepoint of the caller's transaction: all or none.

    A refusal (ToolError) or a needed confirmation rolls the savepoint back and is the only result; a conflict
    (a constraint another transaction won, a deadlock) raises Retry so the caller runs the message again.
    """
    session = ctx.session
    n_calls = len(prepared)
    savepoint = session.begin_nested()
    results: list[Result] = []
    try:
        for spec, args in prepared:
            outcome = "error"
            try:
                result = spec.func(ctx, args)
                result.tool = spec.name
                outcome = "ok" if result.ok else "refused"
            except ToolError:
                outcome = "refused"
                raise
            except NeedsConfirmation:
                outcome = "confirm"
                raise
            finally:
                for observe in OBSERVERS:
                    observe(spec.name, outcome)
            results.append(result)
        savepoint.commit()
        return results
    except ToolError as error:
        savepoint.rollback()
        return [_nothing_written(ctx, Result(ok=False, text=error.render(ctx.language)), n_calls)]
    except NeedsConfirmation as needed:
        savepoint.rollback()

        def calls_with(extra: dict[str, Any]) -> tuple[Call, ...]:
            return tuple(
                Call(spec.name, _call_args(args, extra if i == len(results) else None))
                for i, (spec, args) in enumerate(prepared)
            )

        options = tuple(Option(label.render(ctx.language), calls_with(extra)) for label, extra in needed.options)
        proposal = Proposal(calls=calls_with(needed.confirm_args), roles=needed.roles, options=options)
        return [Result(ok=False, text=needed.render(ctx.language), proposal=proposal)]
    except IntegrityError as error:
        savepoint.rollback()
        raise Retry(str(error.orig)[:200]) from error
    except DBAPIError as error:
        if _is_conflict(error):
            raise Retry(str(error.orig)[:200]) from error
        raise


def _call_args(args: ToolArgs, extra: dict[str, Any] | None) -> dict[str, Any]:
    """A call's arguments as JSON-safe values (the contract's strings), with the confirmation's additions."""
    values = {key: value for key, value in args.model_dump(mode="json", exclude_defaults=True).items()}
    if extra:
        values.update(extra)
    return values


def run_calls(ctx: Context, calls: list[Call]) -> list[Result]:
    """Run one message's calls in their own transaction: all are recorded, or none is.

    Writes run in a write transaction (storage.db.begin_write) and commit here; a conflict runs the message again
    from the start, up to ATTEMPTS times. On a refusal the result list holds just that refusal, so a two-worker
    message with one unknown name writes neither entry.
    """
    from storage.db import begin_write

    prepared = prepare(ctx, calls)
    if isinstance(prepared, Result):
        return [prepared]
    session = ctx.session
    writing = any(spec.writes for spec, _ in prepared)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            if writing:
                begin_write(session)
            results = execute(ctx, prepared)
            if writing:
                session.commit()
            return results
        except Retry as conflict:
            session.rollback()
            log.warning("tools %s: conflict on attempt %d: %s", [c.tool for c in calls], attempt, conflict)
        except Exception:
            session.rollback()
            log.exception("tools %s failed for user %s", [c.tool for c in calls], ctx.user.id)
            return [Result(ok=False, text=ctx.t(INTERNAL))]
    return [Result(ok=False, text=ctx.t(CONFLICT))]


def read_in_transaction(ctx: Context, name: str, args: dict[str, Any]) -> Result:
    """Run a read tool inside the caller's transaction: no commit, no rollback (a write made earlier in it stays
    the caller's to keep). A refusal is a Result; anything unexpected propagates to the caller's savepoint."""
    checked = validate_call(ctx, Call(name, args))
    if isinstance(checked, Result):
        return checked
    spec, parsed = checked
    assert not spec.writes, f"{name} writes: run it with run_calls"
    try:
        return spec.func(ctx, parsed)
    except ToolError as error:
        return Result(ok=False, text=error.render(ctx.language))


def run_tool(ctx: Context, name: str, args: dict[str, Any]) -> Result:
    """Run a single tool in its own transaction."""
    return run_calls(ctx, [Call(name, args)])[0]


def _nothing_written(ctx: Context, result: Result, n_calls: int) -> Result:
    if n_calls > 1:
        result.text = f"{result.text}\n{ctx.t(NOTHING_WRITTEN)}"
    return result
