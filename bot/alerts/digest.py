"""The morning digest: what went wrong in a chat's project, written to the outbox, then sent once.

No business rule lives here. What counts as an overrun, a late or at-risk task or low cash is
decided by the tools (budget_status, schedule_status, fund_status); this module runs them for the
chat's project as the system, keeps the items they flagged, and renders them as one message.

Delivery goes through the notification table (an outbox): the digest row is written first, with a
unique dedupe key per chat and day, so a second run or a second process writes nothing; the channel
sends it (bot.channels.telegram.outbox), claiming the row first, so two senders never send it twice.
When nothing is wrong the digest is a one-line "all clear": a daily line proves the checks ran
(silence would look the same as a stopped bot), and it is one line, so it adds no alert fatigue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Literal, TextIO
from zoneinfo import ZoneInfo

from storage.db import begin_write
from storage.models import Chat, Project, User
from storage.queries import chats as cq
from storage.queries import outbox as oq
from tools.base import Context, Result, Text, run_tool
from tools.fmt import pct, yuan
from tools.labor import unlogged_days
from tools.tasks import percent_text

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

KIND = "digest"
SYSTEM_USER = "sitebot-digest"

_HEAD = Text("📋 {code} {name} 每日提醒（{day}）", "📋 {code} {name} daily digest ({day})")
_ALL_CLEAR = Text(
    "✅ {code} {name}（{day}）：预算、进度、资金都没有问题。",
    "✅ {code} {name} ({day}): budget, schedule and cash are all fine.",
)
_BUDGET = Text("预算", "Budget")
_SCHEDULE = Text("进度", "Schedule")
_CASH = Text("资金", "Cash")
_LABOR = Text("记工", "Labour log")
_UNLOGGED = Text(
    "· {days} 没有记工，如有请补记，例如“张三昨天一个工”。",
    "· nothing logged on {days}; if people worked, log it, e.g. “Mike 1 day yesterday”.",
)
_OVER = Text("· {label}：已用 {used}，超支 {over}", "· {label}: {used} used, over by {over}")
_PAST = Text("· {label}：已用 {used}，超过 {threshold}% 预警线", "· {label}: {used} used, past the {threshold}% line")
_TOTAL = Text("合计", "Total")
_LATE = Text(
    "· {task}：延误 {days} 天（计划 {finish} 完成，实际 {actual}）",
    "· {task}: {days} days late (due {finish}, {actual} done)",
)
_AT_RISK = Text("· {task}：计划 {planned} / 实际 {actual}", "· {task}: planned {planned} / actual {actual}")
_AT_RISK_PRED = Text("，前置任务“{predecessor}”已延误", ", predecessor “{predecessor}” is late")
_FOOT = Text("详情：/budget　/schedule　/cash", "Details: /budget  /schedule  /cash")
_CHECK_FAILED = Text(
    "· （{what}检查没有完成，请稍后发送 /{command} 查看）", "· ({what} check did not run; send /{command} later)"
)


@dataclass
class Digest:
    """One chat's digest for one day: the message and how many problems it lists."""

    text: str
    problems: int
    sections: dict[str, list[str]] = field(default_factory=dict)


def digest_key(chat_id: int, day: date) -> str:
    return f"digest:{chat_id}:{day.isoformat()}"


def chat_today(chat: Chat, now: datetime) -> date:
    """The date in the chat's timezone."""
    return now.astimezone(ZoneInfo(chat.timezone)).date()


def digest_time(chat: Chat) -> time:
    """The chat's digest time as an aware time in its timezone; 08:00 when the stored value is unreadable."""
    try:
        hour, minute = (int(part) for part in chat.digest_time.split(":"))
        return time(hour, minute, tzinfo=ZoneInfo(chat.timezone))
    except (ValueError, AttributeError):
        log.warning("chat %s has an unreadable digest time %r; using 08:00", chat.id, chat.digest_time)
        return time(8, 0, tzinfo=ZoneInfo(chat.timezone))


# -- building ----------------------------------------------------------------------------------


def _system_context(session: Any, project: Project, language: Literal["zh", "en"], day: date) -> Context:
    """The scheduler reads as an administrator that exists only in memory (never stored, never a member)."""
    return Context(
        session=session,
        user=User(name=SYSTEM_USER, is_admin=True),
        language=language,
        today=day,
        project_code=project.code,
        source_text=None,
    )


def _budget_items(ctx: Context, result: Result) -> list[str]:
    items = []
    lines = list(result.data.get("lines", []))
    total = result.data.get("total")
    if total is not None and total.get("over_budget"):
        lines.append({**total, "label": ctx.t(_TOTAL)})
    for line in lines:
        if line.get("over_budget"):
            items.append(
                ctx.t(
                    _OVER,
                    label=line["label"],
                    used=pct(line.get("percent_used")),
                    over=yuan(line["actual"] - line["budget"]),
                )
            )
        elif line.get("thresholds_crossed"):
            items.append(
                ctx.t(
                    _PAST,
                    label=line["label"],
                    used=pct(line.get("percent_used")),
                    threshold=max(line["thresholds_crossed"]),
                )
            )
    return items


def _schedule_items(ctx: Context, result: Result) -> list[str]:
    items = [
        ctx.t(
            _LATE,
            task=task["task"],
            days=task["days_late"],
            finish=task["planned_finish"].isoformat(),
            actual=percent_text(task["actual_percent"]),
        )
        for task in result.data.get("late", [])
    ]
    for task in result.data.get("at_risk", []):
        line = ctx.t(
            _AT_RISK,
            task=task["task"],
            planned=percent_text(task["planned_percent"]),
            actual=percent_text(task["actual_percent"]),
        )
        if task.get("predecessor_late"):
            line += ctx.t(_AT_RISK_PRED, predecessor=task["predecessor"])
        items.append(line)
    return items


def _cash_items(ctx: Context, result: Result) -> list[str]:
    return [f"· {text.lstrip('⚠ ').strip()}" for text in result.data.get("warning_text", [])]


_SECTIONS: tuple[tuple[str, str, Text, str, Callable[[Context, Result], list[str]]], ...] = (
    ("budget", "budget_status", _BUDGET, "budget", _budget_items),
    ("schedule", "schedule_status", _SCHEDULE, "schedule", _schedule_items),
    ("cash", "fund_status", _CASH, "cash", _cash_items),
)


def build_digest(session: Any, project: Project, *, day: date, language: Literal["zh", "en"]) -> Digest:
    """Run the status tools for the project on a day and keep what they flagged."""
    ctx = _system_context(session, project, language, day)
    sections: dict[str, list[str]] = {}
    for key, tool_name, title, command, pick in _SECTIONS:
        result = run_tool(ctx, tool_name, {"project": project.code})
        if result.ok:
            items = pick(ctx, result)
        else:  # a check that could not run is said, not hidden: "all clear" must mean all checked
            log.error("digest for %s: %s failed: %s", project.code, tool_name, result.text)
            items = [ctx.t(_CHECK_FAILED, what=ctx.t(title), command=command)]
        if items:
            sections[key] = items
    missing = unlogged_days(ctx, project)
    if missing:
        days = (
            "、".join(f"{d.month}-{d.day}" for d in missing)
            if language == "zh"
            else ", ".join(d.strftime("%b %d") for d in missing)
        )
        sections["labor"] = [ctx.t(_UNLOGGED, days=days)]
    problems = sum(len(items) for items in sections.values())
    if not sections:
        text = ctx.t(_ALL_CLEAR, code=project.code, name=project.name, day=day.isoformat())
        return Digest(text=text, problems=0)
    lines = [ctx.t(_HEAD, code=project.code, name=project.name, day=day.isoformat())]
    titled = [(key, title) for key, _tool, title, _command, _pick in _SECTIONS] + [("labor", _LABOR)]
    for key, title in titled:
        if key in sections:
            lines.append(f"{ctx.t(title)}：" if language == "zh" else f"{ctx.t(title)}:")
            lines.extend(sections[key])
    lines.append(ctx.t(_FOOT))
    return Digest(text="\n".join(lines), problems=problems, sections=sections)


def digest_language(chat: Chat, project: Project) -> Literal["zh", "en"]:
    """The chat's language if set, else the project's."""
    return "en" if (chat.language or project.language) == "en" else "zh"


def write_digests(
    services: Services,
    *,
    today: date | None = None,
    now: datetime | None = None,
    chat_ids: Iterable[int] | None = None,
    due_only: bool = False,
) -> int:
    """Queue today's digest for every bound chat (or those listed); returns how many were queued.

    A chat's "today" is its own date unless today is given. due_only skips chats whose digest
    time has not come yet today (the start-up catch-up). An existing digest is neither rebuilt
    nor queued again.
    """
    now = now or services.clock()  # the process's one clock (tests set it)
    wanted = set(chat_ids) if chat_ids is not None else None
    queued = 0
    with services.sessions() as session:
        for chat, project in cq.bound_chats(session=session):
            if wanted is not None and chat.id not in wanted:
                continue
            local_now = now.astimezone(ZoneInfo(chat.timezone))
            day = today or local_now.date()
            if due_only and local_now.timetz().replace(tzinfo=None) < digest_time(chat).replace(tzinfo=None):
                continue
            key = digest_key(chat.id, day)
            if chat.blocked_at is not None or oq.exists(session=session, dedupe_key=key):
                continue
            language = digest_language(chat, project)
            try:
                digest = build_digest(session, project, day=day, language=language)
            except Exception:
                session.rollback()
                log.exception("could not build the digest for chat %s (project %s)", chat.id, project.code)
                continue
            payload = {
                "text": digest.text,
                "project": project.code,
                "date": day.isoformat(),
                "language": language,
                "problems": digest.problems,
            }
            begin_write(session)
            if oq.add(session=session, chat_id=chat.id, kind=KIND, dedupe_key=key, payload=payload, now=now):
                queued += 1
                log.info("queued digest %s (%d problems)", key, digest.problems)
            session.commit()
    return queued


# -- without Telegram --------------------------------------------------------------------------


def print_pending(services: Services, out: TextIO) -> int:
    """Without a Telegram token: print queued digests and alerts instead of sending them, and mark them sent."""
    shown = 0
    now = services.clock()
    with services.sessions() as session:
        begin_write(session)
        for note, chat in oq.due(session=session, now=now):
            if note.kind == "reply" or not oq.claim(session=session, notification_id=note.id, now=now, owner="print"):
                continue
            title = f" ({chat.title})" if chat.title else ""
            out.write(f"=== chat {chat.telegram_chat_id}{title} ===\n{note.payload.get('text', '')}\n\n")
            oq.finish(session=session, notification_id=note.id, status="sent", now=now)
            shown += 1
        session.commit()
    out.flush()
    return shown


def print_unbound_digests(services: Services, out: TextIO, *, today: date | None = None) -> int:
    """Without Telegram: print today's digest of every project no chat is bound to (nothing is queued)."""
    shown = 0
    now = services.clock()
    with services.sessions() as session:
        for project in cq.projects_without_chat(session=session):
            day = today or now.astimezone(ZoneInfo(project.timezone)).date()
            language: Literal["zh", "en"] = "en" if project.language == "en" else "zh"
            digest = build_digest(session, project, day=day, language=language)
            out.write(f"=== project {project.code} ===\n{digest.text}\n\n")
            shown += 1
    out.flush()
    return shown
