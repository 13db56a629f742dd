"""Labour writes: log_labor per worker (days, hours, overtime as each worker's part of the text says) and
corrections of a day already logged."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.parser.analysis import Analysis, Quantity, Worker, ask, named_twice
from bot.parser.numbers import decimal_text
from bot.parser.plan import Plan
from bot.parser.words import (
    ADVANCE_RE,
    EACH_RE,
    FIX_ALL_RE,
    FIX_NEW_RE,
    FIX_OLD_RE,
    FIX_OTHER_RE,
    FIX_RE,
    NEGATION_RE,
    SETTLE_RE,
)
from tools.base import Call

MAX_DAYS = Decimal(3)  # 工 in one day for one worker, as the tool allows
MAX_HOURS = Decimal(16)  # hours worked in one day, overtime included


def plan_labor(an: Analysis, quantities: list[Quantity] | None = None, *, correction: bool = False) -> Plan:
    """log_labor, one call per worker, with days, hours and overtime as each worker's part of the text says.

    With correction=True each call replaces that day's entry, so it must give the day's days or hours in full.
    """
    workers, question = an.workers
    if question:
        return ask(question)
    if not workers:
        return ask(an.asked("which_worker", slot="worker"))
    quantities = an.quantities if quantities is None else quantities
    if named_twice(an):
        details = _roster_then_details(an, quantities)
        if details is None:
            return ask(an.t("ambiguous"))
        workers = details
    if len(an.project_codes) > 1:
        return ask(an.t("which_project"))
    each_day = _each_day(an)
    if each_day is None:
        day = an.entry_date()
        if isinstance(day, str):
            return ask(day)
        each_day = [day]
    bounds = [w.begin for w in workers[1:]] + [len(an.low)]
    groups: list[list[Quantity]] = []
    for worker, stop in zip(workers, bounds, strict=True):
        groups.append([q for q in quantities if worker.end <= q.begin < stop])
    prefix = [q for q in quantities if q.begin < workers[0].begin]
    if prefix and not any(groups):
        groups = [prefix for _ in workers]
    elif prefix:
        return ask(an.t("ambiguous"))
    # A worker with nothing of their own shares the next group's: 王五、赵六各半天; not one with a day of their own
    # and no figure (赵六昨天，张三昨天改成半天: how much did 赵六 work?).
    for i in range(len(groups) - 2, -1, -1):
        if not groups[i]:
            if any(workers[i].end <= s.begin < bounds[i] for s in an.spans):
                return ask(an.asked("how_much_work", slot="days", who=workers[i].name))
            groups[i] = groups[i + 1]
    if len(workers) > 1 and _TOTAL_RE.search(an.low) and not EACH_RE.search(an.low):
        names = ("、" if an.language == "zh" else ", ").join(w.name for w in workers)
        return ask(an.t("split_total", names=names))  # 一共3个工: whose share is what?
    calls: list[Call] = []
    said: list[str] = []
    if len(each_day) > 1:  # 张三18号到20号都是一天: one entry a day, shown before anything is written
        said.append(an.t("each_day", first=each_day[0].isoformat(), last=each_day[-1].isoformat(), n=len(each_day)))
    for day, (worker, group) in ((d, pair) for d in each_day for pair in zip(workers, groups, strict=True)):
        if not group:
            if correction:
                return ask(an.t("fix_how_much", who=worker.name, day=day.isoformat()))
            return ask(an.asked("how_much_work", slot="days", who=worker.name))
        args: dict[str, Any] = an.with_project(worker=worker.name, date=day.isoformat())
        for kind in ("days", "hours", "overtime"):
            values = [q.value for q in group if q.kind == kind]
            if len(values) > 1:
                return ask(an.t("ambiguous"))
            if values:
                args["overtime_hours" if kind == "overtime" else kind] = decimal_text(values[0])
        if "days" in args and "hours" in args:
            return ask(an.t("ambiguous"))
        if an.rate is not None:
            args["daily_rate"] = decimal_text(an.rate)
        if correction:
            if "days" not in args and "hours" not in args:  # 加班改成3小时: the day's 工 would be lost
                return ask(an.t("fix_how_much", who=worker.name, day=day.isoformat()))
            args["correction"] = True
        too_much = _too_much(an, args)
        if too_much:
            return ask(an.t("too_much_in_a_day", worker=worker.name, day=day.isoformat(), figure=too_much))
        said += [q.said for q in group if q.said]
        if "overtime_hours" in args and "days" not in args and "hours" not in args and not correction:
            said.append(an.t("overtime_only", worker=worker.name, day=day.isoformat(), hours=args["overtime_hours"]))
        calls.append(Call("log_labor", args))
    if an.amounts:  # money in a labour message: not ours to guess
        return ask(an.t("ambiguous"))
    if said:  # a figure worked out (a clock time) or an unusual day: proposed, with how it was read
        return Plan(calls=calls, source="rules", confirm=True, question="；".join(dict.fromkeys(said)))
    return Plan(calls=calls, source="rules", confident=True)


# Work said as a total for several workers (张三李四今天一共3个工): never the same figure for each.
_TOTAL_RE = re.compile(r"一共|总共|共计|合计|加起来|(?<![a-z])(?:in total|total|altogether|together|combined)(?![a-z])")
_EACH_DAY_RE = re.compile(
    r"都是|每天|天天|每日|各天|都(?=\s*(?:一|半|\d))|(?<![a-z])(?:each day|every day|daily)(?![a-z])"
)
_RANGE_WORD_RE = re.compile(r"到|至|~|～|—|-|(?<![a-z])(?:to|through|thru|till|until)(?![a-z])")
MAX_RANGE_DAYS = 7


def _each_day(an: Analysis) -> list[date] | None:
    """The days of a range said to be worked alike (18号到20号都是一天, Nov 2 to Nov 8 every day): at most a week,
    all past; None when the message says no such range."""
    ranges = [s for s in an.spans if s.is_period and _RANGE_WORD_RE.search(an.low, s.begin, s.stop)]
    if len(ranges) != 1 or len(an.spans) != 1 or not _EACH_DAY_RE.search(an.low):
        return None
    span = ranges[0]
    count = (span.end - span.start).days + 1
    if not 1 < count <= MAX_RANGE_DAYS or span.end > an.today:
        return None
    return [span.start + timedelta(days=i) for i in range(count)]


def _too_much(an: Analysis, args: dict[str, Any]) -> str | None:
    """More than one day can hold (3 工, 16 hours with overtime): the figures as said, to ask about them."""
    days = Decimal(args.get("days", 0))
    hours = Decimal(args.get("hours", 0))
    overtime = Decimal(args.get("overtime_hours", 0))
    worked = days * an.lexicon.hours_per_day(an.project) + hours + overtime
    if days <= MAX_DAYS and worked <= MAX_HOURS:
        return None
    zh = an.language == "zh"
    parts = [f"{args['days']} 工" if zh else f"{args['days']} day(s)"] if days else []
    parts += [f"{args['hours']} 小时" if zh else f"{args['hours']} h"] if hours else []
    parts += (
        [f"加班 {args['overtime_hours']} 小时" if zh else f"{args['overtime_hours']} h overtime"] if overtime else []
    )
    return ("、" if zh else ", ").join(parts)


def _roster_then_details(an: Analysis, quantities: list[Quantity]) -> list[Worker] | None:
    """Workers named twice as a roster and then one by one (张三和王五都来了，张三一天，王五半天): the mentions
    with figures, when every earlier mention has none of its own and each worker's last mention has its own.
    Anything else (王五和赵六各一天 王五加班2小时: 赵六 is named once) is None: whose figures are whose is unclear."""
    mentions = [Worker(h.value, h.begin, h.end) for h in sorted(an.worker_hits, key=lambda h: h.begin)]
    last = {m.name: i for i, m in enumerate(mentions)}
    first_detail = min(last.values())
    roster, details = mentions[:first_detail], mentions[first_detail:]
    if sorted(m.name for m in roster) != sorted(m.name for m in details) or len(details) != len(last):
        return None  # every worker once in the roster and once with figures
    bounds = [m.begin for m in mentions[1:]] + [len(an.low)]
    for i, (mention, stop) in enumerate(zip(mentions, bounds, strict=True)):
        own = any(mention.end <= q.begin < stop for q in quantities)
        if own != (i >= first_detail):
            return None
    return details


def plan_correction(an: Analysis) -> Plan:
    """A day already logged, corrected (更正 张三 昨天 半天, 张三昨天一个工改成半天, 王五昨天不是一天是半天):
    log_labor with correction=True, which replaces that day's entry.

    Written only when the worker, a stated date and the new figures are all clear; the old figures (before 改成 in
    a worker's part of the text, after 不是/not/instead of) are dropped. A correction of anything but labour days
    (工资改成300, 改成材料费) or one missing its worker, date or figures is asked about, never written.
    """
    workers, question = an.workers  # finds quantities and amounts first
    if question:
        return ask(question)
    low = an.low
    category, _, clear = an.category()
    if (
        an.amounts
        or FIX_OTHER_RE.search(an.text)
        or ADVANCE_RE.search(low)
        or SETTLE_RE.search(low)
        or an.percent is not None
        or (category not in (None, "labor"))
        or not clear
    ):
        return ask(an.t("fix_other"))
    if not workers:
        return ask(an.t("which_worker"))
    example = (an.today - timedelta(days=1)).isoformat()
    if not an.spans:
        return ask(an.t("fix_which_day", worker=workers[0].name, day=example))
    new, old_marks = _new_figures(an, workers)
    first_marker = min((m.start() for m in FIX_NEW_RE.finditer(an.text)), default=len(low))
    if len(workers) > 1 and not FIX_ALL_RE.search(low) and any(q.begin < first_marker for q in new):
        return ask(an.t("ambiguous"))  # 张三一个工，李四改成半天: is 张三's day corrected too?
    if len(workers) > 1 and not FIX_ALL_RE.search(low):  # 张三改成半天，孙七一天: is 孙七's day a correction?
        marks = [m.start() for m in FIX_RE.finditer(an.text)]
        starts = [0] + [w.begin for w in workers[1:]]
        stops = [w.begin for w in workers[1:]] + [len(low)]
        for worker, start, stop in zip(workers, starts, stops, strict=True):
            if any(worker.end <= q.begin < stop for q in new) and not any(start <= m < stop for m in marks):
                return ask(an.t("ambiguous"))
    said = list(low)
    for begin, end in old_marks:  # "not a full day" names the old figure; it is no absence
        said[begin:end] = " " * (end - begin)
    if NEGATION_RE.search("".join(said)):
        return ask(an.t("ambiguous"))
    return plan_labor(an, new, correction=True)


def _new_figures(an: Analysis, workers: list[Worker]) -> tuple[list[Quantity], list[tuple[int, int]]]:
    """A correction's new figures, and where the old ones were named (不是, not): a figure is old when a new-figure
    word (改成, 应该是, should be, to) follows it in its worker's part of the text, or 不是/原来/not/instead of comes
    right before it."""
    text = an.text
    markers = [m.start() for m in FIX_NEW_RE.finditer(text)]
    starts = [w.begin for w in workers]
    new: list[Quantity] = []
    old_marks: list[tuple[int, int]] = []
    for q in an.quantities:
        stop = min((b for b in starts if b > q.begin), default=len(text))
        said_old = FIX_OLD_RE.search(text, 0, q.begin)
        if said_old is not None:
            old_marks.append((said_old.start(), said_old.end()))
        elif not any(q.end <= m < stop for m in markers):
            new.append(q)
    return new, old_marks
