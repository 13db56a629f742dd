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
    "log_piece_work": Text(
        "{worker} {item} {quantity}{unit} × {price}，{day}", "{worker}: {item} {quantity} {unit} × {price} on {day}"
    ),
    "add_worker": Text("添加工人 {worker}{trade}，日工资 {money}", "add worker {worker}{trade} at {money}/day"),
    "set_worker_rate": Text(
        "{worker} 日工资改为 {money}，{day}起{reprice}", "{worker}'s rate to {money}/day from {day}{reprice}"
    ),
    "add_task": Text("新任务 {task}：{start} 至 {finish}", "new task {task}: {start} to {finish}"),
    "mark_task": Text("{task} {event}，{day}", "{task} {event} on {day}"),
    "add_counterparty": Text("添加往来单位 {name}", "add {name} to the suppliers and partners"),
    "undo_last": Text("撤回{what}", "undo {what}"),
}
_TRADE = Text("（{trade}）", " ({trade})")
_REPRICE = Text("，已记的按新工资重算", ", re-pricing what is logged")
_EVENT = {"started": Text("开工", "started"), "finished": Text("完工", "finished")}
_UNDO_BATCH = Text("原来那条消息记的内容", "what the earlier message recorded")
_UNDO_LAST = Text("上一条记录", "the last entry")
_UNDO_OF = Text("{user} 的", "{user}'s ")
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
    elif call.tool == "log_piece_work":
        params.update(
            item=args.get("item", ""),
            quantity=qty(Decimal(str(args.get("quantity", 0))), 4),
            unit=args.get("unit") or "",
            price=_money(args.get("unit_price")),
        )
    elif call.tool in ("add_worker", "set_worker_rate"):
        params.update(
            worker=args.get("name") or args.get("worker", ""),
            money=_money(args.get("daily_rate")),
            trade=_TRADE.render(lang, trade=args["trade"]) if args.get("trade") else "",
            day=_day(args.get("start") or today.isoformat(), lang, today),
            reprice=_REPRICE.render(lang) if args.get("reprice") else "",
        )
    elif call.tool == "add_task":
        params.update(
            task=args.get("name", ""),
            start=_day(str(args.get("planned_start") or today.isoformat()), lang, today),
            finish=_day(str(args.get("planned_finish") or today.isoformat()), lang, today),
        )
    elif call.tool == "mark_task":
        params.update(event=_EVENT["started" if args.get("event") == "started" else "finished"].render(lang))
    elif call.tool == "add_counterparty":
        params.update(name=args.get("name", ""))
    elif call.tool == "undo_last":
        what = (_UNDO_BATCH if args.get("batch") else _UNDO_LAST).render(lang)
        params.update(what=(_UNDO_OF.render(lang, user=args["user"]) if args.get("user") else "") + what)
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
