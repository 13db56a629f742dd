"""The morning digest: what newly went wrong in a chat's project, written to the outbox, then sent once.

No business rule lives here. What counts as an overrun, a late or at-risk task or low cash is decided by the tools
(tools.alerts over budget_status, schedule_status and fund_status), which also remember each condition's crossing:
the digest lists what started since the last digest, and only counts what is still wrong but already said, so a
line that stays over budget is not repeated every morning (alert fatigue is the known failure).

Delivery goes through the notification table (an outbox): the digest row is written with a unique dedupe key per
chat and day, in the transaction that records the crossings, so a second run or a second process writes nothing;
the channel sends it (bot.channels.telegram.outbox), claiming the row first, so two senders never send it twice.
When nothing is wrong the digest is a one-line "all clear": a daily line proves the checks ran (silence would look
the same as a stopped bot), and it is one line, so it adds no alert fatigue.

The morning run is set-based: the findings of every due project come from a handful of aggregate queries over all
of them (tools.alerts.conditions_of), their crossings are recorded together (tools.alerts.record_many), and each
chat's digest is rendered from them; 3,000 digests take seconds (bench/digest.py), not minutes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from storage.db import begin_write
from storage.locks import lock
from storage.models import Chat, Project, User
from storage.queries import chats as cq
from storage.queries import outbox as oq
from tools.alerts import SECTIONS, Crossings, conditions, conditions_of, hold, record, record_many
from tools.base import Context, Text
from tools.labor_summary import unlogged_days, unlogged_days_of

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
_NOTHING_NEW = Text(
    "✅ {code} {name}（{day}）：没有新问题；之前提醒过的 {n} 项仍未解决（/budget /schedule /cash）。",
    "✅ {code} {name} ({day}): nothing new; {n} problem(s) reported before are still open (/budget /schedule /cash).",
)
_STILL = Text(
    "另有 {n} 项之前已提醒、仍未解决：{what}。", "Also {n} problem(s) reported before and still open: {what}."
)
_TITLES = {"budget": Text("预算", "Budget"), "schedule": Text("进度", "Schedule"), "cash": Text("资金", "Cash")}
_LABOR = Text("记工", "Labour log")
_UNLOGGED = Text(
    "· {days} 没有记工，如有请补记，例如“张三昨天一个工”。",
    "· nothing logged on {days}; if people worked, log it, e.g. “Mike 1 day yesterday”.",
)
_FOOT = Text("详情：/budget　/schedule　/cash", "Details: /budget  /schedule  /cash")


@dataclass
class Digest:
    """One chat's digest for one day: the message and how many problems it lists."""

    text: str
    problems: int
    sections: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Findings:
    """A project's digest content for a day, before it is said in a chat's language."""

    crossings: Crossings
    missing: list[date]


def digest_key(chat_id: int, day: date) -> str:
    return f"digest:{chat_id}:{day.isoformat()}"


def chat_today(chat: Chat, now: datetime) -> date:
    """The date in the chat's timezone."""
    return now.astimezone(ZoneInfo(chat.timezone)).date()


def digest_time(chat: Chat) -> time:
    """The chat's digest time as an aware time in its timezone; 08:00 when the stored value is unreadable."""
    return _digest_time(chat.id, chat.digest_time, chat.timezone)


def _digest_time(chat_id: int, at: str, timezone: str) -> time:
    try:
        hour, minute = (int(part) for part in at.split(":"))
        return time(hour, minute, tzinfo=ZoneInfo(timezone))
    except (ValueError, AttributeError):
        log.warning("chat %s has an unreadable digest time %r; using 08:00", chat_id, at)
        return time(8, 0, tzinfo=ZoneInfo(timezone))


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


def findings(session: Any, project: Project, *, day: date, remember: bool) -> Findings:
    """What is wrong with the project on a day; with remember (inside a write transaction), which of it is new
    since the last digest is recorded, so the next digest does not repeat it.

    Through the read tools, one project at a time: a single project's digest, and the way back when a set-based
    chunk (findings_of, which must say exactly the same: tests/bot/test_digest_set_based.py) fails."""
    ctx = _system_context(session, project, "zh", day)
    if remember:
        hold(ctx, project)  # read after any write in flight committed its alert states
    found = conditions(ctx, project)
    crossings = record(ctx, project, found, digest=True) if remember else Crossings(found, [])
    return Findings(crossings, unlogged_days(ctx, project))


def render(project: Project, found: Findings, *, day: date, language: Literal["zh", "en"]) -> Digest:
    """The digest in a chat's language: new problems by section, a count of the old ones, missing labour days."""
    lang = language
    shown_day = day.isoformat()
    sections: dict[str, list[str]] = defaultdict(list)
    for condition in found.crossings.new:
        sections[condition.section].append(f"· {condition.text.render(lang)}")
    if found.missing:
        days = (
            "、".join(f"{d.month}-{d.day}" for d in found.missing)
            if lang == "zh"
            else ", ".join(d.strftime("%b %d") for d in found.missing)
        )
        sections["labor"].append(_UNLOGGED.render(lang, days=days))
    still = [c for c in found.crossings.known if not c.key.startswith("failed:")]
    problems = sum(len(items) for items in sections.values())
    if not sections:
        if still:
            text = _NOTHING_NEW.render(lang, code=project.code, name=project.name, day=shown_day, n=len(still))
        else:
            text = _ALL_CLEAR.render(lang, code=project.code, name=project.name, day=shown_day)
        return Digest(text=text, problems=0)
    lines = [_HEAD.render(lang, code=project.code, name=project.name, day=shown_day)]
    for key, title in [*((s, _TITLES[s]) for s in SECTIONS), ("labor", _LABOR)]:
        if key in sections:
            lines.append(f"{title.render(lang)}：" if lang == "zh" else f"{title.render(lang)}:")
            lines.extend(sections[key])
    if still:
        what = ("、" if lang == "zh" else ", ").join(dict.fromkeys(_short(c.key, lang) for c in still))
        lines.append(_STILL.render(lang, n=len(still), what=what))
    lines.append(_FOOT.render(lang))
    return Digest(text="\n".join(lines), problems=problems, sections=dict(sections))


def _short(key: str, lang: str) -> str:
    """An old problem named in a few words: 材料费超支, 主体结构延误."""
    from tools.categories import category_label

    kind, _, rest = key.partition(":")
    if kind in ("budget", "forecast"):
        category, _, state = rest.partition(":")
        label = category_label(category, lang) if category != "total" else ("合计" if lang == "zh" else "total")
        words = {"over": ("超支", "over budget"), "reached": ("预算用完", "budget reached")}
        said = words.get(state, ("预计超支", "forecast over") if kind == "forecast" else ("过预警线", "past a line"))
        return f"{label}{said[0]}" if lang == "zh" else f"{label} {said[1]}"
    if kind in ("late", "risk"):
        return f"{rest}{'延误' if kind == 'late' else '滞后'}" if lang == "zh" else f"{rest} {kind}"
    return "资金紧张" if lang == "zh" else "low cash"


def build_digest(session: Any, project: Project, *, day: date, language: Literal["zh", "en"]) -> Digest:
    """A project's digest for a day, everything wrong counted as new (nothing is recorded)."""
    return render(project, findings(session, project, day=day, remember=False), day=day, language=language)


def digest_language(chat: Chat, project: Project) -> Literal["zh", "en"]:
    """The chat's language if set, else the project's."""
    return "en" if (chat.language or project.language) == "en" else "zh"


CHUNK = 200  # projects whose digests are built in one transaction (a failed chunk is redone one by one)
FEW = 50  # chats listed: their outbox keys are looked up with their rows


def findings_of(session: Any, projects: Sequence[Project], *, day: date, remember: bool) -> dict[int, Findings]:
    """findings for many projects at once, by project id: each figure one aggregate query over all of them, the
    alert states recorded in a few statements (a thousand projects take seconds, not minutes)."""
    found = conditions_of(session, projects, day)
    if remember:
        crossings = record_many(session, day, found, digest=True)
    else:
        crossings = {pid: Crossings(conditions, []) for pid, conditions in found.items()}
    missing = unlogged_days_of(session, projects, day)
    return {project.id: Findings(crossings[project.id], missing[project.id]) for project in projects}


def _notes(project: Project, found: Findings, day: date, chats: list[Chat]) -> list[dict[str, Any]]:
    """Each chat's digest of the project, in its language, as an outbox row."""
    notes = []
    for chat in chats:
        language = digest_language(chat, project)
        digest = render(project, found, day=day, language=language)
        payload = {
            "text": digest.text,
            "project": project.code,
            "date": day.isoformat(),
            "language": language,
            "problems": digest.problems,
        }
        notes.append({"chat_id": chat.id, "kind": KIND, "dedupe_key": digest_key(chat.id, day), "payload": payload})
    return notes


def _queue(session: Any, notes: list[dict[str, Any]], now: datetime) -> int:
    """The digests into the outbox (one already there stays as it is); how many were queued."""
    queued = oq.add_many(session=session, notes=notes, now=now)
    for note in notes:
        if note["dedupe_key"] in queued:
            log.info("queued digest %s (%d problems)", note["dedupe_key"], note["payload"]["problems"])
    return len(queued)


def _write_one(services: Services, project: Project, day: date, chats: list[Chat], now: datetime) -> int:
    """One project's digests in their own transaction (the read tools' path: a failed check is said as such)."""
    with services.sessions() as session:
        try:
            begin_write(session)
            found = findings(session, project, day=day, remember=True)
            queued = _queue(session, _notes(project, found, day, chats), now)
            session.commit()
            return queued
        except Exception:
            session.rollback()
            log.exception("could not build the digest for project %s", project.code)
            return 0


def _write_chunk(
    services: Services, projects: list[Project], day: date, chats: dict[int, list[Chat]], now: datetime
) -> int:
    """Many projects' digests in one transaction; if that fails, each project's on its own."""
    with services.sessions() as session:
        try:
            begin_write(session)
            # Another job or process may have queued some of them since they were chosen: asked again holding the
            # projects' alert locks (until commit), so the jobs of a thousand chats firing together build them once.
            lock(session, *(f"alerts:{p.id}" for p in projects))
            keys = [digest_key(chat.id, day) for p in projects for chat in chats[p.id]]
            queued_now = oq.existing(session=session, dedupe_keys=keys)
            chats = {p.id: [c for c in chats[p.id] if digest_key(c.id, day) not in queued_now] for p in projects}
            projects = [p for p in projects if chats[p.id]]
            if not projects:
                session.commit()
                return 0
            found = findings_of(session, projects, day=day, remember=True)
            notes = [note for p in projects for note in _notes(p, found[p.id], day, chats[p.id])]
            queued = _queue(session, notes, now)
            session.commit()
            return queued
        except Exception:
            session.rollback()
            log.exception("could not build %d digests together; building them one project at a time", len(projects))
    return sum(_write_one(services, project, day, chats[project.id], now) for project in projects)


def _due(
    connection: Connection,
    now: datetime,
    today: date | None,
    *,
    chat_ids: set[int] | None,
    due_only: bool,
    always: set[int] | None = None,
) -> dict[int, date]:
    """Bound chats (of those listed) whose digest is not queued yet, each with its day; due_only keeps those whose
    digest time has come, and the chats in always. For a few listed chats whose digests are queued, one light
    statement on a plain connection (the thousand jobs after the first one at 08:00)."""
    if chat_ids is not None and len(chat_ids) <= FEW:
        # A chat's job: its row and its digest keys of the days it can be on (every timezone's date is within a
        # day of UTC's) in one statement.
        utc = now.astimezone(UTC).date()
        days = [today] if today else [utc - timedelta(days=1), utc, utc + timedelta(days=1)]
        keys = [digest_key(chat_id, day) for chat_id in chat_ids for day in days]
        rows = cq.listed_digest_chats(session=connection, chat_ids=chat_ids, keys=keys)
        queued: set[str] | None = {key for *_, found in rows for key in found}
    else:
        rows = [(*row, set()) for row in cq.digest_chats(session=connection) if chat_ids is None or row[0] in chat_ids]
        queued = None
    chosen: dict[int, date] = {}
    for chat_id, timezone, at, _found in rows:
        local_now = now.astimezone(ZoneInfo(timezone))
        not_yet = local_now.timetz().replace(tzinfo=None) < _digest_time(chat_id, at, timezone).replace(tzinfo=None)
        if due_only and not_yet and chat_id not in (always or ()):
            continue
        chosen[chat_id] = today or local_now.date()
    if queued is None:
        keys = [digest_key(chat_id, day) for chat_id, day in chosen.items()]
        queued = oq.existing(session=connection, dedupe_keys=keys)
    return {chat_id: day for chat_id, day in chosen.items() if digest_key(chat_id, day) not in queued}


def write_digests(
    services: Services,
    *,
    today: date | None = None,
    now: datetime | None = None,
    chat_ids: Iterable[int] | None = None,
    due_only: bool = False,
    due_too: bool = False,
) -> int:
    """Queue today's digest for every bound chat (or those listed); returns how many were queued.

    A chat's "today" is its own date unless today is given. due_only skips chats whose digest time has not come
    yet today (the start-up catch-up). due_too, with chats listed: when one of them still needs its digest, the
    digests of every chat whose time has come are written with it (a thousand chats' jobs at 08:00 make one
    set-based pass, and the others find theirs queued). An existing digest is neither rebuilt nor queued again.
    A project's new problems are recorded once for all its chats of that day, in the transaction that queues
    their digests.
    """
    now = now or services.clock()  # the process's one clock (tests set it)
    wanted = set(chat_ids) if chat_ids is not None else None
    with services.engine.connect() as connection:
        left = _due(connection, now, today, chat_ids=wanted, due_only=due_only)
        if due_too and left:
            left = _due(connection, now, today, chat_ids=None, due_only=True, always=wanted)
    if not left:
        return 0
    with services.sessions() as session:
        bound = cq.bound_chats(session=session, chat_ids=left)
    due: dict[date, dict[int, list[Chat]]] = defaultdict(lambda: defaultdict(list))
    projects: dict[int, Project] = {}
    for chat, project in bound:
        if chat.blocked_at is None and chat.digest_enabled:
            due[left[chat.id]][project.id].append(chat)
            projects[project.id] = project
    queued = 0
    for day, chats in due.items():
        ids = list(chats)
        for n in range(0, len(ids), CHUNK):
            chunk = [projects[pid] for pid in ids[n : n + CHUNK]]
            queued += _write_chunk(services, chunk, day, {p.id: chats[p.id] for p in chunk}, now)
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
