"""xlsx exports asked for in chat (/export labor|costs|budget): numbers as numbers, money with two decimals,
dates as date cells, a frozen header row, totals that equal the database to the cent (summed in SQL).

The worker statement (/export statement 张三) is tools.statements.worker_statement with export=True.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import Field

from storage.queries import exports as eq
from storage.queries import labor as lq
from tools import resolve
from tools.base import ANY_MEMBER, Attachment, Context, Result, Text, ToolArgs, ToolError, require_role, tool
from tools.categories import category_label
from tools.fmt import qty, yuan
from tools.labor import XLSX_MIME
from tools.xlsx import append_row

MONEY = "#,##0.00"
DAYS = "0.0###"
HOURS = "0.0#"
DATE = "yyyy-mm-dd"
ZERO = Decimal(0)
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")

_BAD_MONTH = Text(
    "看不懂月份“{value}”，请用 YYYY-MM，例如 2026-11。", "Cannot read month “{value}”; use YYYY-MM, e.g. 2026-11."
)
_TOTAL = Text("合计", "Total")
_LABOR_TEXT = Text(
    "{code} {start} 至 {end} 点工汇总表：{workers} 人，{days} 工，加班 {overtime} 小时，工资 {wages}。",
    "{code} labour {start} to {end}: {workers} workers, {days} days, {overtime} overtime hours, wages {wages}.",
)
_COSTS_TEXT = Text(
    "{code} {period}费用明细：{n} 笔，合计 {total}。", "{code} costs {period}: {n} entries, total {total}."
)
_ALL_TIME = Text("全部", "all time")
_BUDGET_TEXT = Text(
    "{code} 预算执行表：预算 {budget}，已发生 {actual}。", "{code} budget: {budget} budgeted, {actual} spent."
)
_LABOR_SUMMARY_HEAD = [
    Text("工人", "Worker"),
    Text("工种", "Trade"),
    Text("工日", "Days"),
    Text("加班小时", "Overtime h"),
    Text("工资", "Wages"),
    Text("借支", "Advances"),
    Text("已结", "Settled"),
    Text("未结（期末）", "Owed (end)"),
]
_LABOR_ENTRY_HEAD = [
    Text("日期", "Date"),
    Text("工人", "Worker"),
    Text("工种", "Trade"),
    Text("类型", "Kind"),
    Text("工日", "Days"),
    Text("加班小时", "Overtime h"),
    Text("日工资", "Daily rate"),
    Text("加班工资", "Overtime pay"),
    Text("金额", "Amount"),
    Text("备注", "Note"),
]
_KINDS = {"day": Text("点工", "day"), "piece": Text("包工", "piece"), "opening": Text("期初", "opening")}
_COST_HEAD = [
    Text("日期", "Date"),
    Text("科目", "Category"),
    Text("金额", "Amount"),
    Text("供应商", "Vendor"),
    Text("数量", "Qty"),
    Text("单位", "Unit"),
    Text("单价", "Unit price"),
    Text("备注", "Note"),
]
_BUDGET_HEAD = [
    Text("科目", "Category"),
    Text("预算", "Budget"),
    Text("已发生", "Actual"),
    Text("已用 %", "Used %"),
    Text("剩余", "Remaining"),
    Text("预计完工成本", "Forecast (EAC)"),
]


class ExportPeriod(ToolArgs):
    project: str | None = Field(None, max_length=100)
    month: str | None = Field(None, max_length=7, description="YYYY-MM; omit for this month (labour) or all (costs)")


class ExportBudget(ToolArgs):
    project: str | None = Field(None, max_length=100)


def month_range_of(month: str) -> tuple[date, date] | None:
    """A YYYY-MM month's first and last day; None when it is not one."""
    match = _MONTH_RE.match(month.strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        return None
    start = date(int(match[1]), int(match[2]), 1)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, following - timedelta(days=1)


def month_range(ctx: Context, month: str | None) -> tuple[date, date] | None:
    """The month asked for (None when none was); an unreadable one is refused."""
    if not month:
        return None
    found = month_range_of(month)
    if found is None:
        raise ToolError(_BAD_MONTH, value=month[:20])
    return found


def _sheet(book: Any, title: str, head: Sequence[Text], ctx: Context) -> Any:
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    for cell in append_row(sheet, [ctx.t(h) for h in head]):
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"  # the header row stays while scrolling
    return sheet


def _row(sheet: Any, values: Sequence[Any], formats: Sequence[str | None], *, bold: bool = False) -> None:
    from openpyxl.styles import Font

    for cell, fmt in zip(append_row(sheet, values), formats, strict=False):
        if fmt and cell.value is not None and cell.value != "":
            cell.number_format = fmt
        if bold:
            cell.font = Font(bold=True)


def _save(book: Any, filename: str) -> Attachment:
    buffer = io.BytesIO()
    book.save(buffer)
    return Attachment(filename=filename, content=buffer.getvalue(), mime=XLSX_MIME)


def _book() -> Any:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    return book


@tool(args=ExportPeriod, roles=ANY_MEMBER, internal=True)
def export_labor(ctx: Context, args: ExportPeriod) -> Result:
    """点工汇总表 as xlsx: per worker for the month, then every entry (date cells, overtime column)."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    start, end = month_range(ctx, args.month) or (ctx.today.replace(day=1), ctx.today)
    workers = lq.by_worker(session=ctx.session, project_id=project.id, start=start, end=end)
    totals = lq.period_totals(session=ctx.session, project_id=project.id, start=start, end=end)
    book = _book()
    summary = _sheet(book, "汇总" if ctx.language == "zh" else "summary", _LABOR_SUMMARY_HEAD, ctx)
    formats = [None, None, DAYS, HOURS, MONEY, MONEY, MONEY, MONEY]
    for w in workers:
        _row(
            summary,
            [w.name, w.trade or "", w.days, w.overtime_hours, w.wages, w.advances, w.settled, w.outstanding],
            formats,
        )
    total = [
        ctx.t(_TOTAL),
        "",
        totals.days,
        totals.overtime_hours,
        totals.wages,
        totals.advances,
        totals.settled,
        totals.outstanding,
    ]
    _row(summary, total, formats, bold=True)
    entries = _sheet(book, "明细" if ctx.language == "zh" else "entries", _LABOR_ENTRY_HEAD, ctx)
    entry_formats = [DATE, None, None, None, DAYS, HOURS, MONEY, MONEY, MONEY, None]
    for e in eq.labor_entries(session=ctx.session, project_id=project.id, start=start, end=end):
        kind = ctx.t(_KINDS[e.kind]) if e.kind in _KINDS else e.kind
        _row(
            entries,
            [
                e.day,
                e.worker,
                e.trade or "",
                kind,
                e.days,
                e.overtime_hours,
                e.daily_rate,
                e.overtime_amount,
                e.amount,
                e.item or e.note or "",
            ],
            entry_formats,
        )
    _row(
        entries,
        [ctx.t(_TOTAL), "", "", "", totals.days, totals.overtime_hours, None, None, totals.wages, ""],
        entry_formats,
        bold=True,
    )
    for sheet in (summary, entries):
        for letter in "ABCDEFGHIJ":
            sheet.column_dimensions[letter].width = 13
    attachment = _save(book, f"labor_{project.code}_{start.isoformat()}_{end.isoformat()}.xlsx")
    text = ctx.t(
        _LABOR_TEXT,
        code=project.code,
        start=start.isoformat(),
        end=end.isoformat(),
        workers=len(workers),
        days=qty(totals.days),
        overtime=qty(totals.overtime_hours),
        wages=yuan(totals.wages),
    )
    data = {"project": project.code, "start": start, "end": end, "wages": totals.wages, "days": totals.days}
    return Result(ok=True, text=text, data=data, attachments=[attachment])


@tool(args=ExportPeriod, roles=ANY_MEMBER, internal=True)
def export_costs(ctx: Context, args: ExportPeriod) -> Result:
    """Every cost entry (of a month, or all) as xlsx, with a total per category."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    period = month_range(ctx, args.month)
    start, end = period or (None, None)
    rows = eq.cost_entries(session=ctx.session, project_id=project.id, start=start, end=end)
    totals = eq.cost_totals(session=ctx.session, project_id=project.id, start=start, end=end)
    grand = sum(totals.values(), ZERO)
    book = _book()
    sheet = _sheet(book, "费用" if ctx.language == "zh" else "costs", _COST_HEAD, ctx)
    formats = [DATE, None, MONEY, None, "0.####", None, MONEY, None]
    for c in rows:
        _row(
            sheet,
            [
                c.entry_date,
                category_label(c.category, ctx.language),
                c.amount,
                c.vendor or "",
                c.quantity,
                c.unit or "",
                c.unit_price,
                c.note or "",
            ],
            formats,
        )
    _row(sheet, [ctx.t(_TOTAL), "", grand], formats, bold=True)
    by_category = _sheet(book, "按科目" if ctx.language == "zh" else "by category", _COST_HEAD[1:3], ctx)
    for category, amount in sorted(totals.items()):
        _row(by_category, [category_label(category, ctx.language), amount], [None, MONEY])
    _row(by_category, [ctx.t(_TOTAL), grand], [None, MONEY], bold=True)
    for letter, width in zip("ABCDEFGH", (12, 12, 14, 18, 8, 6, 12, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    label = f"{start.isoformat()[:7]}" if start else "all"
    attachment = _save(book, f"costs_{project.code}_{label}.xlsx")
    shown = f"{start.isoformat()[:7]} " if start else ctx.t(_ALL_TIME) + " "
    text = ctx.t(_COSTS_TEXT, code=project.code, period=shown, n=len(rows), total=yuan(grand))
    data = {"project": project.code, "total": grand, "entries": len(rows), "by_category": totals}
    return Result(ok=True, text=text, data=data, attachments=[attachment])


@tool(args=ExportBudget, roles=ANY_MEMBER, internal=True)
def export_budget(ctx: Context, args: ExportBudget) -> Result:
    """Budget vs actual per category as xlsx (the same figures as /budget), with the total."""
    from tools.args import BudgetStatus
    from tools.costs import budget_status

    project = resolve.project(ctx, args.project)
    status = budget_status(ctx, BudgetStatus(project=project.code))
    book = _book()
    sheet = _sheet(book, "预算" if ctx.language == "zh" else "budget", _BUDGET_HEAD, ctx)
    formats: list[str | None] = [None, MONEY, MONEY, "0.0", MONEY, MONEY]
    lines: list[dict[str, Any]] = status.data.get("lines", [])
    for line in lines:
        _row(
            sheet,
            [
                line["label"],
                line["budget"],
                line["actual"],
                _tenth(line["percent_used"]),
                line["remaining"],
                _cent(line["eac"]),
            ],
            formats,
        )
    total = status.data.get("total")
    if total is not None:
        _row(
            sheet,
            [
                ctx.t(_TOTAL),
                total["budget"],
                total["actual"],
                _tenth(total["percent_used"]),
                total["remaining"],
                _cent(total["eac"]),
            ],
            formats,
            bold=True,
        )
    for letter, width in zip("ABCDEF", (14, 16, 16, 10, 16, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    attachment = _save(book, f"budget_{project.code}_{ctx.today.isoformat()}.xlsx")
    budget = total["budget"] if total else ZERO
    actual = total["actual"] if total else ZERO
    text = ctx.t(_BUDGET_TEXT, code=project.code, budget=yuan(budget), actual=yuan(actual))
    return Result(
        ok=True, text=text, data={"project": project.code, "budget": budget, "actual": actual}, attachments=[attachment]
    )


def _cent(value: Decimal | None) -> Decimal | None:
    """A forecast (a quotient) as money: to the cent, so the cell holds what it shows."""
    return None if value is None else value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _tenth(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.1"), ROUND_HALF_UP)
