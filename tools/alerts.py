"""What is wrong with a project now, and what newly went wrong: the conditions the morning digest and the
immediate alerts report, each announced once per crossing.

A condition has a key (a budget line past 80%, over budget or forecast over budget, a task late or at risk, cash
below the floor or the next 14 days' needs). Its state is kept in alert_state: when a key appears it starts a new
crossing; while it stays, nothing new is said; when it goes away and comes back, that is the next crossing. A worse
state of a budget line keeps the milder ones it includes (over budget is also past 80%), so coming back from over
budget to 90% crosses nothing. The decisions themselves are the read tools' (budget_status, schedule_status,
fund_status): nothing is judged twice.

The conditions are read and recorded under the project's alert lock (hold): with two processes writing at once, the
second reads them only after the first committed, so a crossing is neither missed (each saw only its own entry) nor
undone (a reader that did not see the other's entry would mark its crossing as recovered, and the next write would
announce it again).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from storage.db import begin_write
from storage.locks import lock
from storage.models import AlertState, Chat, Membership, Project, Role, User
from storage.queries import outbox as oq
from storage.queries.projects import by_code as project_by_code
from storage.queries.rows import insert_ignore_many
from tools.base import Context, Result, Text, read_in_transaction
from tools.categories import CATEGORIES, category_label
from tools.fmt import pct, yuan
from tools.tasks import percent_text

log = logging.getLogger(__name__)

_OVER = Text("{label}：已用 {used}，超支 {over}", "{label}: {used} used, over by {over}")
_REACHED = Text("{label}：预算已用完（{used}）", "{label}: budget reached ({used})")
_PAST = Text("{label}：已用 {used}，超过 {threshold}% 预警线", "{label}: {used} used, past the {threshold}% line")
_FORECAST = Text("{label}：预计完工 {eac}，将超支 {over}", "{label}: forecast at completion {eac}, {over} over budget")
_TOTAL = Text("项目合计", "Project total")
_LATE = Text(
    "{task}：延误 {days} 天（计划 {finish} 完成，实际 {actual}）",
    "{task}: {days} days late (due {finish}, {actual} done)",
)
_AT_RISK = Text("{task}：计划 {planned} / 实际 {actual}", "{task}: planned {planned} / actual {actual}")
_AT_RISK_PRED = Text("，前置任务“{predecessor}”已延误", ", predecessor “{predecessor}” is late")
_ALERT_HEAD = Text("🔔 {code} {name}：", "🔔 {code} {name}:")
_CHECK_FAILED = Text(
    "{what}检查没有完成，请稍后发送 /{command} 查看", "the {what} check did not run; send /{command} later"
)
_WHAT = {"budget": Text("预算", "budget"), "schedule": Text("进度", "schedule"), "cash": Text("资金", "cash")}
SECTIONS = ("budget", "schedule", "cash")


@dataclass(frozen=True)
class Condition:
    """Something wrong now: its key, its section, and the line that says it (in both languages)."""

    key: str
    section: str  # budget | schedule | cash
    text: Text
    implies: tuple[str, ...] = ()  # milder states it includes: kept active with it, never announced for it


def _label(line: dict[str, Any]) -> Text:
    """A budget line's name in both languages (a project's own line keeps its own name)."""
    category = line["category"]
    if category == "total":
        return _TOTAL
    if category in CATEGORIES:
        return Text(category_label(category, "zh"), category_label(category, "en"))
    return Text(str(line["label"]), str(line["label"]))


def _said(template: Text, label: Text, **params: Any) -> Text:
    return Text(template.zh.format(label=label.zh, **params), template.en.format(label=label.en, **params))


def _budget(ctx: Context | None, result: Result) -> list[Condition]:
    found: list[Condition] = []
    lines = list(result.data.get("lines", []))
    total = result.data.get("total")
    if total is not None and total.get("budget"):  # a project with no budget at all is over nothing
        lines.append({**total, "category": "total", "label": None})
    for line in lines:
        category, label = line["category"], _label(line)
        used = pct(line.get("percent_used"))
        crossed = [] if category == "total" else line.get("thresholds_crossed") or []
        passed = tuple(f"budget:{category}:{t}" for t in crossed)
        if line.get("over_budget"):
            over = yuan(line["actual"] - line["budget"])
            text = _said(_OVER, label, used=used, over=over)
            found.append(Condition(f"budget:{category}:over", "budget", text, (*passed, f"budget:{category}:reached")))
        elif line.get("reached"):
            text = _said(_REACHED, label, used=used)
            found.append(Condition(f"budget:{category}:reached", "budget", text, passed))
        elif passed:
            threshold = max(crossed)
            text = _said(_PAST, label, used=used, threshold=threshold)
            key = f"budget:{category}:{threshold}"
            found.append(Condition(key, "budget", text, tuple(k for k in passed if k != key)))
        if line.get("forecast_over_budget") and not line.get("over_budget"):
            text = _said(_FORECAST, label, eac=yuan(line["eac"]), over=yuan(line["eac"] - line["budget"]))
            found.append(Condition(f"forecast:{category}", "budget", text))
    return found


def _schedule(ctx: Context | None, result: Result) -> list[Condition]:
    found = [
        Condition(
            f"late:{task['task']}",
            "schedule",
            _LATE.bind(
                task=task["task"],
                days=task["days_late"],
                finish=task["planned_finish"].isoformat(),
                actual=percent_text(task["actual_percent"]),
            ),
        )
        for task in result.data.get("late", [])
    ]
    for task in result.data.get("at_risk", []):
        text = _AT_RISK.bind(
            task=task["task"],
            planned=percent_text(task["planned_percent"]),
            actual=percent_text(task["actual_percent"]),
        )
        if task.get("predecessor_late"):
            extra = _AT_RISK_PRED.bind(predecessor=task["predecessor"])
            text = Text(text.zh + extra.zh, text.en + extra.en)
        found.append(Condition(f"risk:{task['task']}", "schedule", text))
    return found


def _cash(ctx: Context, result: Result) -> list[Condition]:
    from storage.queries.funds import keeps_cash
    from tools.funds import warning_texts

    project = project_by_code(session=ctx.session, code=result.data["project"])
    if project is None or not keeps_cash(session=ctx.session, project_id=project.id):
        return []  # a project that keeps no cash book has no balance to warn about
    return [Condition(f"cash:{code}", "cash", text) for code, text in warning_texts(result.data)]


_READS = {
    "budget": ("budget_status", _budget),
    "schedule": ("schedule_status", _schedule),
    "cash": ("fund_status", _cash),
}


def conditions(ctx: Context, project: Project, sections: Iterable[str] = SECTIONS) -> list[Condition]:
    """Everything wrong with the project now, in the given sections (a check that could not run is said as such,
    never hidden)."""
    found: list[Condition] = []
    for section in [s for s in SECTIONS if s in set(sections)]:
        tool_name, pick = _READS[section]
        # In the caller's transaction, inside a savepoint: a check that fails is said as such and never rolls
        # back the write made before it in the same transaction.
        savepoint = ctx.session.begin_nested()
        try:
            result = read_in_transaction(ctx, tool_name, {"project": project.code})
            savepoint.commit()
        except Exception:
            savepoint.rollback()
            log.exception("alerts for %s: %s raised", project.code, tool_name)
            result = Result(ok=False, text="internal error")
        if result.ok:
            found += pick(ctx, result)
        else:
            log.error("alerts for %s: %s failed: %s", project.code, tool_name, result.text)
            failed = Text(
                _CHECK_FAILED.zh.format(what=_WHAT[section].zh, command=section),
                _CHECK_FAILED.en.format(what=_WHAT[section].en, command=section),
            )
            found.append(Condition(f"failed:{section}", section, failed))
    return found


def conditions_of(
    session: Any, projects: Sequence[Project], today: date, sections: Iterable[str] = SECTIONS
) -> dict[int, list[Condition]]:
    """What conditions() finds, for many projects at once: each figure one aggregate query over all of them (the
    morning digest of a thousand projects, one project's immediate check), decided by the same rules as the read
    tools, from the same data. Only the given sections are read."""
    from storage.queries import funds as fq
    from storage.queries import labor as lq
    from storage.queries.tasks import unfinished_tasks_of
    from tools.costs import budget_data
    from tools.forecast import forecasts
    from tools.funds import LOOKAHEAD_DAYS, CashPosition, cash_data, warning_texts
    from tools.tasks import schedule_data

    looked = set(sections)
    ids = [project.id for project in projects]
    found: dict[int, list[Condition]] = {pid: [] for pid in ids}
    if "budget" in looked:
        status = forecasts(session, ids, today, today=today)
        for project in projects:
            data = budget_data(project, status[project.id], "zh")
            found[project.id] += _budget(None, Result(ok=True, text="", data=data))
    if "schedule" in looked:
        schedule = unfinished_tasks_of(session=session, project_ids=ids)
        for pid in ids:
            found[pid] += _schedule(None, Result(ok=True, text="", data=schedule_data(schedule[pid], today)))
    if "cash" in looked:
        window_end = today + timedelta(days=LOOKAHEAD_DAYS)
        since = today - timedelta(days=LOOKAHEAD_DAYS - 1)
        keeping = fq.keeping_cash(session=session, project_ids=ids)
        figures = fq.fund_figures_of(session=session, project_ids=ids, until=today, since=since)
        wages = lq.wages_owed_of(session=session, project_ids=ids, until=window_end)
        planned = fq.planned_outflows_of(session=session, project_ids=ids, start=today, end=window_end)
        for project in projects:
            pid = project.id
            if pid in keeping:  # a project that keeps no cash book has no balance to warn about
                floor = project.cash_floor or Decimal(0)
                position = CashPosition(figures[pid].balance, wages[pid], planned[pid], floor)
                found[pid] += [
                    Condition(f"cash:{code}", "cash", text) for code, text in warning_texts(cash_data(position))
                ]
    return found


@dataclass(frozen=True)
class Crossings:
    """The project's conditions split by what is news: started since last asked, or already known."""

    new: list[Condition]
    known: list[Condition]


def hold(ctx: Context, project: Project) -> None:
    """Take the project's alert lock (inside a write transaction) before reading its conditions: held until commit,
    so another process's conditions are read after this transaction's write and states are committed."""
    lock(ctx.session, f"alerts:{project.id}")


_SECTION_OF = {"budget": "budget", "forecast": "budget", "late": "schedule", "risk": "schedule", "cash": "cash"}


def section_of(key: str) -> str:
    """The section a condition key belongs to (budget:…, forecast:… → budget; late:…, risk:… → schedule)."""
    return _SECTION_OF.get(key.partition(":")[0], "")


def record(
    ctx: Context,
    project: Project,
    found: list[Condition],
    *,
    digest: bool,
    checked: Callable[[str], bool] = lambda key: True,
) -> Crossings:
    """Update the project's alert states (inside a write transaction, under hold, taken before the conditions were
    read) and say which conditions are new.

    For the digest, new means not yet in a digest; for an immediate alert, new means it has just started. Only
    states whose keys were checked (checked(key)) can recover: a condition not looked at this time stays as it was.
    """
    return record_many(ctx.session, ctx.today, {project.id: found}, digest=digest, checked=checked)[project.id]


def record_many(
    session: Any,
    today: date,
    found: dict[int, list[Condition]],
    *,
    digest: bool,
    checked: Callable[[str], bool] = lambda key: True,
) -> dict[int, Crossings]:
    """record for many projects at once (by project id), in a handful of statements over all of them."""
    ids = list(found)
    lock(session, *(f"alerts:{pid}" for pid in ids))
    states: dict[int, dict[str, AlertState]] = {pid: {} for pid in ids}
    for state in session.scalars(select(AlertState).where(AlertState.project_id.in_(ids))):
        states[state.project_id][state.key] = state
    started: dict[int, set[str]] = {pid: set() for pid in ids}
    rows: list[dict[str, Any]] = []
    for pid, conditions in found.items():
        # A condition's implied keys (over budget implies past 80%) are states of their own: coming back from over
        # budget to 85% is no new crossing of 80%.
        keys = {key for c in conditions for key in (c.key, *c.implies)}
        for key in dict.fromkeys(k for c in conditions if not c.key.startswith("failed:") for k in (c.key, *c.implies)):
            state = states[pid].get(key)
            if state is None:
                row = {"project_id": pid, "key": key, "active": True, "crossing": 1, "since": today}
                rows.append({**row, "digested": 0, "detail": {}})
                started[pid].add(key)
            elif not state.active:
                state.active = True
                state.crossing += 1
                state.since = today
                started[pid].add(key)
        for key, state in states[pid].items():
            if state.active and key not in keys and checked(key):
                state.active = False  # recovered: the next time it happens is a new crossing
    insert_ignore_many(session, AlertState.__table__, rows)
    session.flush()
    if not digest:
        return {
            pid: Crossings([c for c in cs if c.key in started[pid]], [c for c in cs if c.key not in started[pid]])
            for pid, cs in found.items()
        }
    fresh: dict[int, dict[str, AlertState]] = {pid: {} for pid in ids}
    for state in session.scalars(select(AlertState).where(AlertState.project_id.in_(ids))):
        fresh[state.project_id][state.key] = state
    crossings: dict[int, Crossings] = {}
    for pid, conditions in found.items():
        new = [
            c
            for c in conditions
            if c.key.startswith("failed:") or fresh[pid][c.key].digested < fresh[pid][c.key].crossing
        ]
        crossings[pid] = Crossings(new, [c for c in conditions if c not in new])
    session.execute(
        update(AlertState)
        .where(AlertState.project_id.in_(ids), AlertState.active.is_(True))
        .values(digested=AlertState.crossing)
    )
    return crossings


def baseline(session: Any, today: date) -> int:
    """Every project's standing conditions recorded as known, announcing none (after the demo is loaded: its
    history already stands past lines, and the first write must not list them all at once); the morning digest
    still reports each as new. How many conditions were recorded."""
    projects = list(session.scalars(select(Project).order_by(Project.id)))
    if not projects:
        return 0
    begin_write(session)
    found = conditions_of(session, projects, today)
    record_many(session, today, found, digest=False)
    session.commit()
    return sum(len(conditions) for conditions in found.values())


# -- immediate alerts ---------------------------------------------------------------------------------

IMMEDIATE = ("budget:", "forecast:", "late:", "cash:")  # what is worth a message at once (risks wait for the digest)


def announce(ctx: Context, project: Project, sections: Iterable[str] = SECTIONS) -> int:
    """After a write: conditions that just started go at once to the project's chats and to its managers who
    asked for alerts (/alerts on), once per crossing (the outbox's dedupe key); how many messages were queued.

    sections: what the write could have changed (a payment cannot make a task late); only those are checked.
    """
    looked = frozenset(sections)
    if not looked:
        return 0
    hold(ctx, project)
    # The digest's set-based reads for one project: the same decisions as the read tools, without their replies.
    found = [
        c for c in conditions_of(ctx.session, [project], ctx.today, looked)[project.id] if c.key.startswith(IMMEDIATE)
    ]
    crossings = record(
        ctx, project, found, digest=False, checked=lambda key: key.startswith(IMMEDIATE) and section_of(key) in looked
    )
    if not crossings.new:
        return 0
    session = ctx.session
    states = {s.key: s.crossing for s in session.scalars(select(AlertState).where(AlertState.project_id == project.id))}
    chats = list(session.scalars(select(Chat).where(Chat.project_id == project.id, Chat.blocked_at.is_(None))))
    managers = session.scalars(
        select(User.telegram_id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.project_id == project.id,
            Membership.alerts.is_(True),
            Membership.role.in_([Role.admin, Role.manager]),
            User.telegram_id.is_not(None),
        )
    ).all()
    private = [
        chat
        for chat in session.scalars(select(Chat).where(Chat.telegram_chat_id.in_([m for m in managers if m])))
        if chat.blocked_at is None and chat.id not in {c.id for c in chats}
    ]
    queued = 0
    for chat in [*chats, *private]:
        language = "en" if (chat.language or project.language) == "en" else "zh"
        head = _ALERT_HEAD.render(language, code=project.code, name=project.name)
        lines = [condition.text.render(language) for condition in crossings.new]
        text = head + lines[0] if len(lines) == 1 else head + "".join(f"\n· {line}" for line in lines)
        # One message per chat for everything one write started (a cost can take a line over budget, the project's
        # forecast over and the cash below its floor at once); keyed by those crossings, so it is queued once
        # whichever process asks.
        crossed = "+".join(sorted(f"{c.key}:{states.get(c.key, 1)}" for c in crossings.new))
        key = f"alert:{chat.id}:{project.id}:{hashlib.sha256(crossed.encode()).hexdigest()[:24]}"
        payload: dict[str, Any] = {"text": text, "buttons": []}
        if oq.add(session=session, chat_id=chat.id, kind="alert", dedupe_key=key, payload=payload, now=ctx.now):
            queued += 1
    return queued
