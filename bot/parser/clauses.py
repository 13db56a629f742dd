"""A message of several actions, read clause by clause.

People put several things in one message: 张三今天1工，借支200 (a day's work and an advance), or lines under a
header (今天 / 张三 1工 / 张三借支200). Every actionable part is planned, or nothing is written:

- the message is split into clauses at lines, commas, semicolons, full stops, 、 and connectives (然后, and);
- each clause's kind is found from its own words and figures (rules.clause_kind: labour, advance, settle, cost,
  progress, fund, a read, or none for a header, a name or a date);
- with fewer than two kinds, or no write among them, the message is one action and rules.parse_text reads it
  whole, as before, unless a day other than today is named only after its first write clause (孙七干了一天，李四
  前天加班4个小时: is 孙七's day 前天 too?), which is asked about;
- a message whose clauses all say labour reads a name and a bare number (张三 1) as days, as it does in one line;
- otherwise consecutive clauses of one kind form a part, a clause of no kind joining the part after it (a header,
  a name) or, at the end, the part before it; each part is planned by the single-action machinery
  (rules.parse_clause, the safety net included), taking the project, date and workers of an earlier part when it
  names none (张三今天1工，借支200: the advance is 张三's, today); a project named anywhere is every part's (two
  projects: asked), and a part with no date before a part with one is asked about;
- every part understood: all the calls, in message order; any part not understood, or the same worker's day
  logged twice: no call, and a question naming that part.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from bot.parser.analysis import Analysis, normalise
from bot.parser.lexicon import Lexicon, fold
from bot.parser.manage import manage_plan
from bot.parser.plan import Plan
from bot.parser.rules import clause_kind, parse_clause, prelude
from bot.parser.words import CONFIRM_OVER_RE
from tools.base import Call, Text

# Where one clause ends: a line, a comma (not inside 5,200), a semicolon, a full stop (not in 0.5 or 11.24), an
# exclamation or question mark, 、, and connectives.
_SEPARATOR = re.compile(
    r"\n|[;。!?、]|(?<!\d),|,(?!\d)|\.(?=\s|$)|然后|另外|并且|同时|以及"
    r"|\s+(?:and|then|also|plus)\s+",
    re.IGNORECASE,
)
_SPACE = re.compile(r"(?<=[\u4e00-\u9fff\d])\s+(?=[\u4e00-\u9fff])")  # between Chinese words only
_WRITES = frozenset({"labour", "advance", "settle", "cost", "progress", "fund", "fund_in", "fund_out"})
_PER_WORKER = frozenset({"labour", "advance", "settle", "read:labor_summary"})
_PART_CHARS = 40

_Q = {
    "part": Text(
        "“{part}”：{question}（这条消息里的其他内容也都没有记录。）",
        "“{part}”: {question} (Nothing else in this message was recorded either.)",
    ),
    "unread_part": Text(
        "没看懂“{part}”，怕记错，这条消息都没有记录。请把这部分换个说法再发。",
        "I could not read “{part}”, so nothing in this message was recorded rather than guessed. Please say "
        "that part another way.",
    ),
    "projects": Text(
        "这条消息提到了几个项目，请一个项目发一条。", "Several projects are named; please send one message per project."
    ),
    "which_day": Text(
        "“{part}”是哪一天？日期写在了后面，不知道是否也指这部分，这条消息都没有记录。请把日期写在最前面。",
        "Which day is “{part}” for? A date comes later in the message; nothing was recorded. Please put the date "
        "first.",
    ),
    "twice": Text(
        "{worker} {day} 的记工在这条里出现了两次，请合在一起说，例如“{worker} {day} 一天加班2小时”。",
        "{worker}'s work on {day} appears twice in this message; please give it once, e.g. “{worker} {day} "
        "1 day overtime 2”.",
    ),
}


@dataclass
class _Clause:
    begin: int
    end: int
    kind: str | None = None
    names: bool = False  # names a worker, a date or a project
    workers: bool = False  # names a worker
    figures: bool = False  # has a quantity, an amount or a percentage
    dated: bool = False  # names a date
    other_day: bool = False  # names a day or period other than today


@dataclass
class _Part:
    begin: int
    end: int
    kind: str | None
    workers: bool = False
    figures: bool = False
    dated: bool = False
    late_date: bool = False  # a date came after figures given with none (孙七一天，李四前天加班)

    def add(self, clause: _Clause) -> None:
        self.late_date = self.late_date or (clause.dated and not self.dated and self.figures)
        self.end = clause.end
        self.workers = self.workers or clause.workers
        self.figures = self.figures or clause.figures
        self.dated = self.dated or clause.dated


def parse_text(text: str, lexicon: Lexicon, *, today: date, project_code: str | None, language: str) -> Plan:
    """Planned tool calls for one free-text message, of one action or several (module docstring)."""
    raw = normalise(text)
    early = prelude(raw, lexicon, language)
    if early is not None:
        return early
    # 确认超预算 said in the message: the overrun is confirmed for its costs and days, and the words are no clause
    confirmed = CONFIRM_OVER_RE.search(fold(raw)) is not None
    if confirmed:
        text = CONFIRM_OVER_RE.sub(" ", fold(unicodedata.normalize("NFKC", text)))
        raw = normalise(text)
    plan = _parse(text, raw, lexicon, today=today, project_code=project_code, language=language)
    if confirmed:
        plan.calls = [
            Call(c.tool, {**c.args, "confirm": True}) if c.tool in ("add_cost", "log_labor") else c for c in plan.calls
        ]
    return plan


def _parse(text: str, raw: str, lexicon: Lexicon, *, today: date, project_code: str | None, language: str) -> Plan:
    spaced = unicodedata.normalize("NFKC", text).strip()

    def analyse(part: str, kind: str | None = None) -> Analysis:
        return Analysis(normalise(part), lexicon, today, project_code, language, labour=kind == "labour")

    whole = analyse(raw)
    managed = manage_plan(whole)  # 王五今天砌墙8方 一方180: piece work, never labour and a cost
    if managed is not None:
        return managed
    if _roster(whole):  # 周一 张三1.5 李四1: a roster of days
        return parse_clause(analyse(raw, "labour"))
    clauses = _clauses(spaced, analyse)
    kinds = {c.kind for c in clauses if c.kind is not None}
    if len(kinds) < 2:
        # 王五今天一天 借支300, 收到甲方80万 付了商砼20万: a space between two writes of different kinds, each
        # complete on its own, separates them as a comma would.
        spaced_clauses = _clauses(spaced, analyse, _SPACE)
        spaced_kinds = {c.kind for c in spaced_clauses if c.kind is not None}
        if len(spaced_kinds & _WRITES) >= 2 and all(c.kind is not None or not c.figures for c in spaced_clauses):
            clauses, kinds = spaced_clauses, spaced_kinds
    if len(kinds) < 2 or not kinds & _WRITES:
        first = next((i for i, c in enumerate(clauses) if c.kind in _WRITES), None)
        if first is not None and not clauses[first].dated and any(c.other_day for c in clauses[first + 1 :]):
            # 孙七干了一天，李四前天加班4个小时: is 孙七's day 前天 too?
            words = spaced[clauses[first].begin : clauses[first].end].strip()
            return Plan(calls=[], source="rules", question=_Q["which_day"].render(language, part=words))
        return parse_clause(analyse(raw, kinds.pop() if len(kinds) == 1 else None))
    return _plan_parts(spaced, _parts(clauses), analyse, language)


_ROSTER_FILLER_RE = re.compile(
    r"记工|点工|出工|考勤|人工|工日|各|[:：/,，、;；\s-]|(?<![a-z])(?:crew|log|days?)(?![a-z])"
)
_ROSTER_HEADER_RE = re.compile(r"记工|点工|出工|考勤|工日|(?<![a-z])(?:crew|roster|timesheet)(?![a-z])")
_ROSTER_FIGURE_RE = re.compile(r"\|+\s*(\d+(?:\.\d+)?)")


def _roster(an: Analysis) -> bool:
    """Only dates, a project, a header word and workers each with one small bare number (记工 11.23 赵六1 孙七1
    王五0.5): days, as a foreman's list says them. Anything else in the message, and it is read as before."""
    if len({hit.value for hit in an.worker_hits}) < 2 or not (an.spans or _ROSTER_HEADER_RE.search(an.low)):
        return False  # 王五1 赵六1 with no date and no header: days or something else?
    text = an.text  # projects and dates blanked, workers as |
    figures = _ROSTER_FIGURE_RE.findall(text)
    if len(figures) != len(an.worker_hits) or any(not 0 < float(f) <= 3 for f in figures):
        return False
    return not _ROSTER_FILLER_RE.sub("", _ROSTER_FIGURE_RE.sub("", text)).strip()


def _clauses(text: str, analyse: Callable[[str], Analysis], separator: re.Pattern[str] = _SEPARATOR) -> list[_Clause]:
    """The message's clauses with their kinds; one clause when it has no separator."""
    found: list[_Clause] = []
    begin = 0
    bounds = [(m.start(), m.end()) for m in separator.finditer(text)] + [(len(text), len(text))]
    if len(bounds) == 1:
        return []
    for start, stop in bounds:
        end = stop if text[start:stop] == "?" else start  # a question mark stays with its clause
        if text[begin:start].strip():
            found.append(_Clause(begin, end, None))
        begin = stop
    if len(found) < 2:
        return []
    for clause in found:
        an = analyse(text[clause.begin : clause.end])
        clause.kind = clause_kind(an)
        clause.names = bool(an.worker_hits or an.spans or an.projects)
        clause.workers = bool(an.worker_hits)
        clause.figures = bool(an.quantities or an.amounts or an.percent is not None)
        clause.dated = bool(an.spans)
        clause.other_day = any(span.start != an.today or span.end != an.today for span in an.spans)
    return found


def _parts(clauses: list[_Clause]) -> list[_Part]:
    """Consecutive clauses of one kind as one part. A clause of no kind goes with a neighbour: before the first
    part, with it (a header, a name); after a part with no figures yet, with it (借支： / 李四 300 / 王五 500); in
    between, with the part before it (日工资400) unless it names a worker, who begins the next (张三1工，李四，借支
    500); at the end, with the last part (谢谢, 记一下) unless it names a worker, date or project after a part with
    figures (…借了500块，张三今天): then it is a part of no kind, asked about. An advance or settlement naming a
    worker after one that named none is a part of its own (另外借支300；赵六借支2000)."""
    parts: list[_Part] = []
    pending: list[_Clause] = []
    for clause in clauses:
        if clause.kind is None:
            pending.append(clause)
            continue
        head: list[_Clause] = []
        if pending and not parts:
            head = pending
        elif pending and not parts[-1].figures:
            for waiting in pending:
                parts[-1].add(waiting)
        elif pending:
            cut = next((i for i, c in enumerate(pending) if c.workers), len(pending))
            for waiting in pending[:cut]:
                parts[-1].add(waiting)
            head = pending[cut:]
        pending = []
        last = parts[-1] if parts else None
        named = clause.workers or any(c.workers for c in head)
        if (
            last is not None
            and last.kind == clause.kind
            and not (clause.kind in _PER_WORKER and named and not last.workers and last.figures)
        ):
            for c in (*head, clause):
                last.add(c)  # 张三1工，嗯，加班2小时: still one part
            continue
        part = _Part((head[0] if head else clause).begin, clause.end, clause.kind)
        for c in (*head, clause):
            part.add(c)
        parts.append(part)
    if pending and parts:
        if parts[-1].figures and any(c.names for c in pending):
            parts.append(_Part(pending[0].begin, pending[-1].end, None))
        else:
            for waiting in pending:
                parts[-1].add(waiting)
    return parts


def _plan_parts(text: str, parts: list[_Part], analyse: Callable[[str, str | None], Analysis], language: str) -> Plan:
    said = [text[part.begin : part.end].strip() for part in parts]
    own = [analyse(words, part.kind) for words, part in zip(said, parts, strict=True)]
    # One project for the whole message: named in any part, it is every part's (孙七今天一天，滨江路借支200).
    named = {hit.value: an.raw[hit.begin : hit.end] for an in own for hit in an.projects}
    if len(named) > 1:
        return Plan(calls=[], source="rules", question=_Q["projects"].render(language))
    project = next(iter(named.values()), "")
    calls: list[Call] = []
    reasons: list[str] = []
    caveats: list[str] = []
    dates = workers = ""
    for i, (part, words, an) in enumerate(zip(parts, said, own, strict=True)):
        context = []
        if not an.projects and project:
            context.append(project)
        if part.kind in _WRITES and dates and part.late_date:  # 今天…，孙七一天，李四前天加班: 孙七's day?
            return Plan(calls=[], source="rules", question=_Q["which_day"].render(language, part=words))
        if part.kind in _WRITES and not an.spans:
            if dates:
                context.append(dates)
            elif _dated_later(own[i + 1 :], parts[i + 1 :]):  # 孙七一天，借支200，昨天: is it 昨天 too?
                return Plan(calls=[], source="rules", question=_Q["which_day"].render(language, part=words))
        if part.kind in _PER_WORKER and not an.worker_hits and workers:
            context.append(workers)
        if an.spans and part.kind in _WRITES:
            dates = " ".join(an.raw[s.begin : s.stop] for s in an.spans)
        if an.worker_hits:
            workers = "、".join(an.raw[h.begin : h.end] for h in an.worker_hits)
        if part.kind is None:
            return _ask(words, None, language)
        plan = parse_clause(analyse(" ".join([*context, words]), part.kind) if context else an)
        if not plan.calls or not (plan.confident or plan.confirm):
            return _ask(words, plan.question, language, plan if plan.slot in ("worker", "project") else None)
        if plan.confirm and plan.question:  # a part proposed (a clock time read): the whole message is
            reasons.append(plan.question)
        if plan.caveat:  # a read that could not apply part of its question says so
            caveats.append(plan.caveat)
        if plan.writes != (part.kind in _WRITES):  # 借支200，明天下雨吗: the advance would be read, not written
            return _ask(words, None, language)
        calls += plan.calls
    days = [(c.args["worker"], c.args["date"]) for c in calls if c.tool == "log_labor"]
    for worker, day in days:
        if days.count((worker, day)) > 1:
            return Plan(calls=[], source="rules", question=_Q["twice"].render(language, worker=worker, day=day))
    caveat = "\n".join(dict.fromkeys(caveats)) or None
    if reasons:
        question = "；".join(dict.fromkeys(reasons))
        return Plan(calls=calls, source="rules", confirm=True, question=question, caveat=caveat)
    return Plan(calls=calls, source="rules", confident=True, caveat=caveat)


def _dated_later(later: list[Analysis], parts: list[_Part]) -> bool:
    """Whether a later write (or a trailing date of no kind) names a day other than today, the day a part with no
    date of its own takes."""
    return any(
        span.start != an.today or span.end != an.today
        for an, part in zip(later, parts, strict=True)
        if part.kind is None or part.kind in _WRITES
        for span in an.spans
    )


def _ask(part: str, question: str | None, language: str, slotted: Plan | None = None) -> Plan:
    """A question about one part; a worker or project asked about keeps its slot, since the chosen name replaces the
    one typed (or the project is every part's) wherever the part stands in the message."""
    part = re.sub(r"\s+", " ", part)
    if len(part) > _PART_CHARS:
        part = part[: _PART_CHARS - 1] + "…"
    if question:
        text = _Q["part"].render(language, part=part, question=question)
    else:
        text = _Q["unread_part"].render(language, part=part)
    if slotted is not None:
        return replace(slotted, question=text)
    return Plan(calls=[], source="rules", confident=False, question=text)
