"""The heart's plumbing: the context a tool runs in, its result, its errors and the registry."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Membership, Project, Role, User

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

    def t(self, message: Text, **params: Any) -> str:
        return message.render(self.language, **params)

    def role_in(self, project: Project) -> Role | None:
        """The user's role in a project; global administrators are admin everywhere."""
        if self.user.is_admin:
            return Role.admin
        return self.session.scalar(
            select(Membership.role).where(Membership.user_id == self.user.id, Membership.project_id == project.id)
        )


class ToolArgs(BaseModel):
    """Base of every tool's arguments: strict about unknown fields, strips spaces."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


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


REGISTRY: dict[str, ToolSpec] = {}


def tool(
    *, args: type[ToolArgs], roles: Iterable[Role] = ANY_MEMBER, writes: bool = False
) -> Callable[[ToolFunc], ToolFunc]:
    """Register a tool function; its docstring is the description the model reads."""

    def register(func: ToolFunc) -> ToolFunc:
        REGISTRY[func.__name__] = ToolSpec(
            name=func.__name__,
            func=func,
            args_model=args,
            roles=frozenset(roles),
            writes=writes,
            description=(func.__doc__ or "").strip(),
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
    "这条记录刚刚已经有人记过了（可能发了两次），这次没有重复记录。请先查一下再说。",
    "That was just recorded by someone else (perhaps sent twice), so nothing was written again. Please check first.",
)
NOTHING_WRITTEN = Text("（本条消息的记录都没有保存）", "(nothing from this message was recorded)")


@dataclass(frozen=True)
class Call:
    """One planned tool call, as the parser, the commands and the agent produce it."""

    tool: str
    args: dict[str, Any]


def validate_call(ctx: Context, call: Call) -> tuple[ToolSpec, ToolArgs] | Result:
    """The tool and its parsed args, or a translated refusal."""
    spec = REGISTRY.get(call.tool)
    if spec is None:
        return Result(ok=False, text=ctx.t(UNKNOWN_TOOL, name=str(call.tool)[:60]))
    try:
        return spec, spec.args_model.model_validate(call.args)
    except ValidationError as error:
        return Result(ok=False, text=explain_validation(error, ctx.language))


def run_calls(ctx: Context, calls: list[Call]) -> list[Result]:
    """Run one message's calls in one transaction: all are recorded, or none is.

    On a refusal the result list holds just that refusal, so a two-worker message with one
    unknown name writes neither entry.
    """
    prepared: list[tuple[ToolSpec, ToolArgs]] = []
    for call in calls:
        checked = validate_call(ctx, call)
        if isinstance(checked, Result):
            return [_nothing_written(ctx, checked, len(calls))]
        prepared.append(checked)
    session = ctx.session
    try:
        results = [spec.func(ctx, args) for spec, args in prepared]
        session.commit()
        return results
    except ToolError as error:
        session.rollback()
        return [_nothing_written(ctx, Result(ok=False, text=error.render(ctx.language)), len(calls))]
    except IntegrityError:
        # Another process wrote the same row between our check and our insert.
        session.rollback()
        log.warning("tools %s hit a constraint for user %s", [c.tool for c in calls], ctx.user.id)
        return [Result(ok=False, text=ctx.t(CONFLICT))]
    except Exception:
        session.rollback()
        log.exception("tools %s failed for user %s", [c.tool for c in calls], ctx.user.id)
        return [Result(ok=False, text=ctx.t(INTERNAL))]


def run_tool(ctx: Context, name: str, args: dict[str, Any]) -> Result:
    """Run a single tool in its own transaction."""
    return run_calls(ctx, [Call(name, args)])[0]


def _nothing_written(ctx: Context, result: Result, n_calls: int) -> Result:
    if n_calls > 1:
        result.text = f"{result.text}\n{ctx.t(NOTHING_WRITTEN)}"
    return result
