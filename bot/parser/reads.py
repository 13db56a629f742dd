"""Reads: which report a question asks for, with what it names applied as filters.

Periods (这个月, 上周, 10月份), items (钢筋, 商砼), suppliers and counterparties and workers filter the answer
where the report can: cost_summary (period, category, item, supplier), fund_status (period, counterparty),
labor_summary (period, worker). budget_status is cost against budget and answers 预算/还剩/超支 questions; a spend
question with nothing it cannot filter stays a budget read (cost and budget side by side). Whatever the question
names that the chosen report cannot apply is named in the plan's caveat, never dropped in silence.
"""

from __future__ import annotations

import re
from typing import Any

from bot.parser.analysis import Analysis, ask
from bot.parser.money import CP_ANY
from bot.parser.plan import Plan
from bot.parser.words import (
    ASKING_RE,
    ATTENDED_RE,
    BUDGET_ONLY_RE,
    BUDGET_RE,
    BY_DAY_RE,
    BY_TRADE_RE,
    EXPORT_RE,
    FUND_RE,
    HEALTH_RE,
    HEDGE_RE,
    LABOR_STRONG_RE,
    LABOR_WEAK_RE,
    MODE_RE,
    MOVED_RE,
    SCHEDULE_RE,
    SPENT_RE,
)
from tools.base import Call

_NAME = r"(?P<cp>[\u4e00-\u9fffa-z][\u4e00-\u9fffa-z&.]{1,11}?)"
_MONEY = r"(?:的)?\s*(?:钱|款|货款|工程款|进度款|材料款)?\s*(?:一共|总共|共|总计|合计)?\s*(?:是)?\s*(?:多少|几)"
# Whom money went to or came from, in a question: 付了华新多少, 收了甲方多少, 甲方打了多少, how much did we pay Acme.
_PARTY_RES = [
    re.compile(rf"(?:付|转|打|汇|拨)(?:了|过)?\s*(?:给)?\s*{_NAME}\s*{_MONEY}"),
    re.compile(rf"给\s*{_NAME}\s*(?:付|转|打|汇|拨)(?:了|过)?\s*{_MONEY}"),
    re.compile(rf"收(?:了|到了?)?\s*{_NAME}\s*{_MONEY}"),
    re.compile(rf"{_NAME}\s*(?:一共|总共)?\s*(?:付|转|打|汇|拨|给)(?:了|过)\s*(?:我们)?\s*{_MONEY}"),
    re.compile(r"(?<![a-z])(?:pay|paid)\s+(?P<cp>[a-z][a-z &.]{1,40}?)\s*(?:so far|in total|this|last|\?|$)"),
    re.compile(r"(?<![a-z])from\s+(?P<cp>[a-z][a-z &.]{1,40}?)\s*(?:so far|in total|this|last|\?|$)"),
]
# Where things were bought, in a question: 在华新买了多少, 从宏达进的钢筋花了多少, spent at Acme.
_VENDOR_RES = [
    re.compile(rf"(?:在|从|跟|向)\s*{_NAME}\s*(?:那里|那边|那儿|这里|那)?\s*(?:买|进|采购|拿|花|用)"),
    re.compile(r"(?<![a-z])(?:at|from|with)\s+(?P<cp>[a-z][a-z &.]{1,40}?)\s*(?:so far|in total|this|last|\?|$)"),
]
HOW_MUCH_RE = re.compile(r"多少|几|(?<![a-z])how much(?![a-z])")
_NOT_PARTY = re.compile(
    r"^(?:了|的|我们|他们|你们|大家|一共|总共|出去|进来|过来|工资|工钱|钱|款|材料|费用|多少|几|so far|in total"
    r"|we|us|them|it|this|that)$"
)


def plan_read(an: Analysis, tool: str) -> Plan:
    """The read a question asks for, its filters, and a caveat naming what it names but cannot apply."""
    args: dict[str, Any] = an.with_project()
    applied: set[str] = set()
    vendor = None
    if tool == "show_chart":
        args["kind"] = chart_kind(an.low)
        return Plan(calls=[Call(tool, args)], source="rules", confident=True, caveat=_caveat(an, tool, {"category"}))
    known = [h for h in an.party_hits if an.lexicon.party_kind(an.project, h.value) != "owner"]
    if tool == "budget_status" and not BUDGET_ONLY_RE.search(an.low):
        vendor = an.party("supplier", "subcontractor", "other") or _party(an, _VENDOR_RES) or _firm(an)
        _, item, _ = an.category()
        ahead = any(span.start > an.today for span in an.spans)  # 下个月要花多少: a forecast, not spending
        if (an.spans or item or vendor) and not ahead:  # 这个月材料费花了多少, 钢筋一共花了多少钱: filtered spending
            tool = "cost_summary"
    if tool == "budget_status":
        category, _, clear = an.category()
        if category and clear:
            args["category"] = category
            applied |= {"category", "item"}
    elif tool == "cost_summary":
        words, items, own = an.categories
        # 沙钢钢筋一共进了多少货: the item word inside a supplier's name names the supplier, not the item
        items = [i for i in items if not any(h.begin <= i.begin and i.end <= h.end for h in known)]
        if items:
            args["item"] = re.sub(r"\s+", " ", an.raw[items[0].begin : items[0].end])
            applied.add("item")
        elif len({h.value for h in (*words, *own)}) == 1:
            args["category"] = (own or words)[0].value
        applied.add("category")
        vendor = vendor or _party(an, _VENDOR_RES) or _firm(an)
        if vendor:
            args["vendor"] = vendor
        _period(an, args, applied)
    elif tool == "fund_status":
        party = an.party() or _party(an, _PARTY_RES) or _firm(an)
        if party:
            args["counterparty"] = party
        _period(an, args, applied)
    elif tool == "labor_summary":
        workers, question = an.workers
        if question:
            return ask(question)
        if len(workers) > 1:
            return Plan(calls=[Call(tool, args)], source="rules", confident=False)
        if workers:
            args["worker"] = workers[0].name
        applied.add("worker")
        _period(an, args, applied)
        if BY_TRADE_RE.search(an.low):
            args["group_by"] = "trade"
        elif BY_DAY_RE.search(an.low):
            args["group_by"] = "day"
        if EXPORT_RE.search(an.low):
            args["export"] = True
    caveat = _caveat(an, tool, applied)
    return Plan(calls=[Call(tool, args)], source="rules", confident=True, caveat=caveat)


def _period(an: Analysis, args: dict[str, Any], applied: set[str]) -> None:
    if an.period:
        args["start"], args["end"] = an.period[0].isoformat(), an.period[1].isoformat()
        applied.add("period")


def _party(an: Analysis, patterns: list[re.Pattern[str]]) -> str | None:
    """A counterparty or supplier named in a question, as typed (workers, dates and projects are masked)."""
    text = an.text
    for pattern in patterns:
        for m in pattern.finditer(text):
            word = re.sub(r"^(?:了|给|的)+|(?:的|那边|那里)+$", "", m["cp"]).strip()
            if len(word) >= 2 and "|" not in word and not _NOT_PARTY.match(word) and not re.search(r"\d", word):
                begin = m.start("cp") + m["cp"].find(word)
                return an.raw[begin : begin + len(word)].strip()
    return None


def _firm(an: Analysis) -> str | None:
    """A party or firm named anywhere (甲方, 华新建材): who paid or was paid, or the supplier."""
    for pattern in CP_ANY:
        m = pattern.search(an.text)
        if m:
            return an.raw[m.start("cp") : m.end("cp")].strip()
    return None


def _caveat(an: Analysis, tool: str, applied: set[str]) -> str | None:
    """What the question names that the report cannot filter by: a period, a worker, an item, a supplier."""
    words: list[str] = []
    if "period" not in applied:
        words += [an.raw[s.begin : s.stop] for s in an.spans]
    if "worker" not in applied:
        words += [an.raw[h.begin : h.end] for h in an.worker_hits]
    categories, items, own = an.categories
    named = [(h.begin, h.end) for h in an.party_hits]  # 沙钢钢筋, 华新水泥: the item word is part of a name

    def in_name(hit: Any) -> bool:
        return any(begin <= hit.begin and hit.end <= end for begin, end in named)

    if "item" not in applied:
        words += [an.raw[h.begin : h.end] for h in items if not in_name(h)]
    if "category" not in applied:  # 工资 in a labour question is what it is about
        words += [
            an.raw[h.begin : h.end]
            for h in (*categories, *own)
            if (tool != "labor_summary" or h.value != "labor") and not in_name(h)
        ]
    if tool in ("budget_status", "schedule_status", "project_health"):
        party = _party(an, _PARTY_RES) or _party(an, _VENDOR_RES)
        if party:
            words.append(party)
    words = [w.strip() for w in dict.fromkeys(words) if w.strip()]
    if not words:
        return None
    return an.t("not_applied", words=("”“" if an.language == "zh" else "”, “").join(words))


# A picture asked for: 看一下成本曲线, 画一下S曲线, 工日图, budget chart. 图纸 (drawings) is no chart.
CHART_RE = re.compile(
    r"曲线|图表|柱状图|折线图|(?:预算|成本|费用|工日|点工|人工|进度)(?:对比|执行)?图(?!纸)|画(?:一)?(?:下|个|张)?.{0,12}图(?!纸)"
    r"|(?<![a-z])(?:chart|graph|plot|s-curve|scurve)(?![a-z])",
    re.IGNORECASE,
)
_SCURVE_RE = re.compile(r"曲线|挣值|(?<![a-z])(?:s-curve|scurve|s curve|curve|earned)(?![a-z])", re.IGNORECASE)
_LABOR_CHART_RE = re.compile(r"工日|点工|人工|用工|(?<![a-z])(?:labou?r|workers?|man-?days?)(?![a-z])", re.IGNORECASE)


def chart_kind(text: str) -> str:
    """Which chart a request for one means: the S-curve, 工日 per day, else budget against actual."""
    if _SCURVE_RE.search(text):
        return "scurve"
    if _LABOR_CHART_RE.search(text):
        return "labor"
    return "budget"


def read_tool(an: Analysis) -> str | None:
    """Which read a question is about, if any."""
    text = an.low
    if CHART_RE.search(text):
        return "show_chart"
    if HEALTH_RE.search(text):
        return "project_health"
    if FUND_RE.search(text):
        return "fund_status"
    if LABOR_STRONG_RE.search(text):
        return "labor_summary"
    if BUDGET_RE.search(text) and not (an.worker_hits and not BUDGET_ONLY_RE.search(text) and MOVED_RE.search(text)):
        return "budget_status"
    if not an.worker_hits and MOVED_RE.search(text) and not LABOR_WEAK_RE.search(text):
        return "fund_status"
    if SPENT_RE.search(text):
        return "budget_status"  # a spend question: plan_read makes it cost_summary when it names a filter
    if LABOR_WEAK_RE.search(text):
        return "labor_summary"
    if SCHEDULE_RE.search(text):
        return "schedule_status"
    words, items, own = an.categories
    planned = MODE_RE.search(text) or any(span.start > an.today for span in an.spans)  # 明天要多少钢筋: a plan
    if (words or items or own) and HOW_MUCH_RE.search(text) and not planned:
        return "budget_status"  # 本月机械费多少, 钢筋一共多少钱: spending, filtered by plan_read
    if (
        an.worker_hits
        and (an.quantities or ATTENDED_RE.search(text))
        and ASKING_RE.search(text)
        and not MODE_RE.search(text)
        and not HEDGE_RE.search(an.names_masked)
        and all(span.start <= an.today for span in an.spans)
    ):
        return "labor_summary"
    return None
