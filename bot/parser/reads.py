"""Reads: which report a question asks for, and its arguments."""

from __future__ import annotations

from typing import Any

from bot.parser.analysis import (
    ASKING_RE,
    ATTENDED_RE,
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
    SCHEDULE_RE,
    Analysis,
    ask,
)
from bot.parser.plan import Plan
from tools.base import Call


def plan_read(an: Analysis, tool: str) -> Plan:
    args: dict[str, Any] = an.with_project()
    if tool == "budget_status":
        category, _, clear = an.category()
        if category and clear:
            args["category"] = category
    elif tool == "labor_summary":
        workers, question = an.workers
        if question:
            return ask(question)
        if len(workers) > 1:
            return Plan(calls=[Call(tool, args)], source="rules", confident=False)
        if workers:
            args["worker"] = workers[0].name
        if an.period:
            args["start"], args["end"] = an.period[0].isoformat(), an.period[1].isoformat()
        if BY_TRADE_RE.search(an.low):
            args["group_by"] = "trade"
        elif BY_DAY_RE.search(an.low):
            args["group_by"] = "day"
        if EXPORT_RE.search(an.low):
            args["export"] = True
    return Plan(calls=[Call(tool, args)], source="rules", confident=True)


def read_tool(an: Analysis) -> str | None:
    """Which read a question is about, if any."""
    text = an.low
    if HEALTH_RE.search(text):
        return "project_health"
    if FUND_RE.search(text):
        return "fund_status"
    if LABOR_STRONG_RE.search(text):
        return "labor_summary"
    if BUDGET_RE.search(text):
        return "budget_status"
    if LABOR_WEAK_RE.search(text):
        return "labor_summary"
    if SCHEDULE_RE.search(text):
        return "schedule_status"
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
