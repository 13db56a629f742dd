"""Planned calls in a foreman's words, for a proposal: "记：张三 11-25（周三）1 工，加班 3 小时"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tools.base import Call, Text
from tools.categories import category_label
from tools.fmt import day_text, qty, yuan

_LINES: dict[str, Text] = {
    "log_labor": Text(
        "{worker} {day} {amount}{overtime}{rate}{correction}", "{worker} {day}: {amount}{overtime}{rate}{correction}"
    ),
    "record_advance": Text("借支 {worker} {money}，{day}", "advance to {worker}: {money} on {day}"),
    "settle_wages": Text("结算工资 {worker} {money}，{day}", "wages paid to {worker}: {money} on {day}"),
    "add_cost": Text(
        "{category} {money}{priced}{note}{vendor}，{day}{unpaid}",
        "{category} {money}{priced}{note}{vendor} on {day}{unpaid}",
    ),
    "record_fund": Text("{direction} {money}{party}，{day}", "{direction} {money}{party} on {day}"),
    "update_task_progress": Text("{task} 进度 {percent}%，{day}", "{task} at {percent}% on {day}"),
}
_DAYS = Text("{n} 工", "{n} day(s)")
_HOURS = Text("{n} 小时", "{n} h")
_OVERTIME = Text("，加班 {n} 小时", ", overtime {n} h")
_RATE = Text("，日工资 {money}", ", rate {money}/day")
_CORRECTION = Text("（替换那天已记的）", " (replacing that day's entry)")
_PRICED = Text("（{quantity}{unit} × {price}）", " ({quantity} {unit} × {price})")
_NOTE = Text("，{note}", ", {note}")
_VENDOR = Text("，{vendor}", ", {vendor}")
_UNPAID = Text("，未付（挂账）", ", not paid yet")
_DIRECTION = {"in": Text("收款", "money in"), "out": Text("付款", "money out")}
_FROM = {"in": Text("，来自 {party}", " from {party}"), "out": Text("，付给 {party}", " to {party}")}
HEAD = Text("记：", "To record: ")
FOOT = Text(
    "回复“是”确认，“不”取消，或直接发更正后的内容（{minutes} 分钟内有效）。",
    "Reply “yes” to record it, “no” to cancel, or send the corrected message (valid for {minutes} minutes).",
)
FOOT_ROLES = Text(
    "需要{roles}回复“是”确认（{minutes} 分钟内有效）；“不”取消。",
    "A {roles} must reply “yes” to record it (valid for {minutes} minutes); “no” cancels.",
)


def _money(value: Any) -> str:
    try:
        return yuan(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _day(value: Any, lang: str, today: date) -> str:
    try:
        return day_text(date.fromisoformat(str(value)), lang, today)
    except ValueError:
        return day_text(today, lang, today)


def describe_call(call: Call, lang: str, today: date) -> str:
    """One planned call as one line."""
    args = call.args
    template = _LINES.get(call.tool)
    if template is None:
        shown = ", ".join(f"{key}={value}" for key, value in args.items() if value not in (None, ""))
        return f"{call.tool}({shown})"
    day = _day(args.get("date") or today.isoformat(), lang, today)
    params: dict[str, Any] = {
        "worker": args.get("worker", ""),
        "task": args.get("task", ""),
        "day": day,
        "money": _money(args.get("amount")),
        "percent": qty(Decimal(str(args.get("percent", 0))), 2),
    }
    if call.tool == "log_labor":
        amount = (
            _DAYS.render(lang, n=qty(Decimal(str(args["days"])), 4))
            if args.get("days") is not None
            else _HOURS.render(lang, n=qty(Decimal(str(args["hours"])), 2))
            if args.get("hours") is not None
            else _DAYS.render(lang, n="0")
        )
        overtime = Decimal(str(args.get("overtime_hours") or 0))
        params.update(
            amount=amount,
            overtime=_OVERTIME.render(lang, n=qty(overtime, 2)) if overtime else "",
            rate=_RATE.render(lang, money=_money(args["daily_rate"])) if args.get("daily_rate") else "",
            correction=_CORRECTION.render(lang) if args.get("correction") else "",
        )
    elif call.tool == "add_cost":
        priced = ""
        if args.get("quantity") and args.get("unit_price"):
            priced = _PRICED.render(
                lang,
                quantity=qty(Decimal(str(args["quantity"])), 4),
                unit=args.get("unit") or "",
                price=_money(args["unit_price"]),
            )
        params.update(
            category=category_label(str(args.get("category") or "overhead"), lang),
            priced=priced,
            note=_NOTE.render(lang, note=args["note"]) if args.get("note") else "",
            vendor=_VENDOR.render(lang, vendor=args["vendor"]) if args.get("vendor") else "",
            unpaid=_UNPAID.render(lang) if args.get("paid") is False else "",
        )
    elif call.tool == "record_fund":
        direction = "in" if args.get("direction") == "in" else "out"
        party = args.get("counterparty")
        params.update(
            direction=_DIRECTION[direction].render(lang),
            party=_FROM[direction].render(lang, party=party) if party else "",
        )
    return template.render(lang, **params)


def describe_calls(calls: list[Call], lang: str, today: date) -> str:
    """The calls of a proposal, one per line, under "记：" when there are several."""
    lines = [describe_call(call, lang, today) for call in calls]
    head = HEAD.render(lang)
    if len(lines) == 1:
        return head + lines[0]
    return head + "\n" + "\n".join(f"· {line}" for line in lines)


FOOT_OPTIONS = Text(
    "回复序号选一个（{minutes} 分钟内有效），“不”取消。",
    "Reply with the number of one (valid for {minutes} minutes); “no” cancels.",
)
