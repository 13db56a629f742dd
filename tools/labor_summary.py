"""The labour summary (点工汇总): by worker, trade or day, in chat and as xlsx; the days nobody logged."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from storage.models import Project
from storage.queries import labor as q
from tools import resolve
from tools.args import LaborSummary
from tools.base import ANY_MEMBER, Attachment, Context, Result, Text, ToolError, require_role, tool
from tools.fmt import qty, yuan
from tools.labor import MAX_LINES, XLSX_MIME
from tools.xlsx import append_row

MAX_NAMES = 8  # names per day shown in the calendar


# -- labor_summary ----------------------------------------------------------------------------

_START_AFTER_END = Text("开始日期 {start} 晚于结束日期 {end}。", "The start date {start} is after the end date {end}.")
_HEADER = {
    "worker": Text("{code} 点工汇总 {start} 至 {end}（按工人）", "{code} labour {start} to {end}, by worker"),
    "trade": Text("{code} 点工汇总 {start} 至 {end}（按工种）", "{code} labour {start} to {end}, by trade"),
    "day": Text("{code} 出勤日历 {start} 至 {end}", "{code} attendance {start} to {end}, by day"),
}
_ONE_WORKER = Text("（仅 {worker}）", " (only {worker})")
_NOTHING = Text("这段时间没有记工。", "No labour recorded in this period.")
_WORKER_LINE = Text(
    "{name}  {days}工  加班{overtime}h  工资{wages}  借支{advances}  结算{settled}  未结{outstanding}",
    "{name}  {days} d  OT {overtime} h  wages {wages}  advances {advances}  settled {settled}  owed {outstanding}",
)
_TRADE_LINE = Text(
    "{trade}  {heads}人  {days}工  加班{overtime}h  工资{wages}",
    "{trade}  {heads} worker(s)  {days} d  OT {overtime} h  wages {wages}",
)
_DAY_LINE = Text("{day}  {heads}人  {days}工  {wages}：{names}", "{day}  {heads} worker(s)  {days} d  {wages}: {names}")
_MORE_NAMES = Text("等{n}人", " and {n} more")
_NO_TRADE = Text("未分工种", "no trade")
_MORE_LINES = Text("……另有 {n} 行，导出 Excel 可看全部。", "… {n} more lines; export to Excel to see them all.")
_TOTALS = Text(
    "合计：{heads}人  {days}工  加班{overtime}h  工资{wages}",
    "Total: {heads} worker(s)  {days} d  OT {overtime} h  wages {wages}",
)
_TOTAL_PAYMENTS = Text(
    "本期借支{advances}  结算{settled}；截至 {end} 未结工资 {outstanding}",
    "In the period: advances {advances}, settled {settled}; outstanding at {end}: {outstanding}",
)


def _period(ctx: Context, start: date | None, end: date | None) -> tuple[date, date]:
    """[start, end]: default this month to today; an end in the future is clipped to today."""
    end = min(end or ctx.today, ctx.today)
    start = start or ctx.today.replace(day=1)
    if start > end:
        raise ToolError(_START_AFTER_END, start=start.isoformat(), end=end.isoformat())
    return start, end


def _aligned(names: Sequence[str]) -> list[str]:
    """Names padded to one display width (CJK characters count double)."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    widest = max((width(n) for n in names), default=0)
    return [n + " " * (widest - width(n)) for n in names]


def _lines(ctx: Context, group_by: str, rows: Sequence[Any]) -> list[str]:
    if group_by == "worker":
        names = _aligned([r.name for r in rows])
        return [
            ctx.t(
                _WORKER_LINE,
                name=name,
                days=qty(r.days, 4),
                overtime=qty(r.overtime_hours, 2),
                wages=yuan(r.wages),
                advances=yuan(r.advances),
                settled=yuan(r.settled),
                outstanding=yuan(r.outstanding),
            )
            for name, r in zip(names, rows, strict=True)
        ]
    if group_by == "trade":
        trades = _aligned([r.trade or ctx.t(_NO_TRADE) for r in rows])
        return [
            ctx.t(
                _TRADE_LINE,
                trade=trade,
                heads=r.head_count,
                days=qty(r.days, 4),
                overtime=qty(r.overtime_hours, 2),
                wages=yuan(r.wages),
            )
            for trade, r in zip(trades, rows, strict=True)
        ]
    lines = []
    sep = "、" if ctx.language == "zh" else ", "
    for r in rows:
        shown = sep.join(r.names[:MAX_NAMES])
        if len(r.names) > MAX_NAMES:
            shown += ctx.t(_MORE_NAMES, n=len(r.names) - MAX_NAMES)
        lines.append(
            ctx.t(
                _DAY_LINE,
                day=r.day.isoformat(),
                heads=r.head_count,
                days=qty(r.days, 4),
                wages=yuan(r.wages),
                names=shown,
            )
        )
    return lines


_XLSX_HEADERS: dict[str, tuple[Text, ...]] = {
    "worker": (
        Text("工人", "Worker"),
        Text("工种", "Trade"),
        Text("工日", "Days"),
        Text("加班小时", "Overtime h"),
        Text("工资", "Wages"),
        Text("借支", "Advances"),
        Text("结算", "Settled"),
        Text("期末未结", "Outstanding at end"),
    ),
    "trade": (
        Text("工种", "Trade"),
        Text("人数", "Workers"),
        Text("工日", "Days"),
        Text("加班小时", "Overtime h"),
        Text("工资", "Wages"),
    ),
    "day": (
        Text("日期", "Date"),
        Text("人数", "Workers"),
        Text("工日", "Days"),
        Text("工资", "Wages"),
        Text("出勤", "Present"),
    ),
}
MONEY_FORMAT = "#,##0.00"
DAYS_FORMAT = "0.0###"
HOURS_FORMAT = "0.0#"


def _xlsx(
    ctx: Context, project: Project, group_by: str, start: date, end: date, rows: Sequence[Any], totals: q.PeriodTotals
) -> Attachment:
    """The summary as a workbook: money as exact numeric cells formatted #,##0.00."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = {"worker": "workers", "trade": "trades", "day": "days"}[group_by]
    title = ctx.t(_HEADER[group_by], code=project.code, start=start.isoformat(), end=end.isoformat())
    append_row(sheet, [f"{title} {project.name}"])[0].font = Font(bold=True)
    for cell in append_row(sheet, [ctx.t(h) for h in _XLSX_HEADERS[group_by]]):
        cell.font = Font(bold=True)
    # (value, number format) per column; None format for text.
    formats: list[str | None]
    if group_by == "worker":
        formats = [None, None, DAYS_FORMAT, HOURS_FORMAT, *[MONEY_FORMAT] * 4]
        values = [
            [r.name, r.trade or "", r.days, r.overtime_hours, r.wages, r.advances, r.settled, r.outstanding]
            for r in rows
        ]
        total_row = [
            ctx.t(Text("合计", "Total")),
            "",
            totals.days,
            totals.overtime_hours,
            totals.wages,
            totals.advances,
            totals.settled,
            totals.outstanding,
        ]
        formats_total = formats
    elif group_by == "trade":
        formats = [None, "0", DAYS_FORMAT, HOURS_FORMAT, MONEY_FORMAT]
        values = [[r.trade or ctx.t(_NO_TRADE), r.head_count, r.days, r.overtime_hours, r.wages] for r in rows]
        total_row = [ctx.t(Text("合计", "Total")), totals.head_count, totals.days, totals.overtime_hours, totals.wages]
        formats_total = formats
    else:
        formats = [None, "0", DAYS_FORMAT, MONEY_FORMAT, None]
        sep = "、" if ctx.language == "zh" else ", "
        values = [[r.day.isoformat(), r.head_count, r.days, r.wages, sep.join(r.names)] for r in rows]
        total_row = [ctx.t(Text("合计", "Total")), totals.head_count, totals.days, totals.wages, ""]
        formats_total = formats
    for row_values in values:
        for cell, fmt in zip(append_row(sheet, row_values), formats, strict=False):
            if fmt:
                cell.number_format = fmt
    for cell, fmt in zip(append_row(sheet, total_row), formats_total, strict=False):
        cell.font = Font(bold=True)
        if fmt:
            cell.number_format = fmt
    for column, width in zip("ABCDEFGH", (14, 10, 10, 10, 14, 14, 14, 16), strict=False):
        sheet.column_dimensions[column].width = width
    if group_by == "day":
        sheet.column_dimensions["E"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    name = f"labor_{project.code}_{start.isoformat()}_{end.isoformat()}_{group_by}.xlsx"
    return Attachment(filename=name, content=buffer.getvalue(), mime=XLSX_MIME)


_QUERIES: dict[str, Callable[..., Sequence[Any]]] = {"worker": q.by_worker, "trade": q.by_trade, "day": q.by_day}


@tool(args=LaborSummary, roles=ANY_MEMBER)
def labor_summary(ctx: Context, args: LaborSummary) -> Result:
    """Labour summary for a period (default: this month to today): per worker 工日, overtime, wages, advances,
    settled and outstanding; or per trade; or per day (who came). Optionally one worker; export=True attaches
    an Excel file."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    start, end = _period(ctx, args.start, args.end)
    worker = resolve.worker(ctx, args.worker, project) if args.worker else None
    worker_id = worker.id if worker else None
    rows = _QUERIES[args.group_by](
        session=ctx.session, project_id=project.id, start=start, end=end, worker_id=worker_id
    )
    totals = q.period_totals(session=ctx.session, project_id=project.id, start=start, end=end, worker_id=worker_id)

    header = ctx.t(_HEADER[args.group_by], code=project.code, start=start.isoformat(), end=end.isoformat())
    if worker is not None:
        header += ctx.t(_ONE_WORKER, worker=worker.name)
    lines = [header]
    if not totals.head_count and not rows:
        lines.append(ctx.t(_NOTHING))
    lines.extend(_lines(ctx, args.group_by, rows[:MAX_LINES]))
    if len(rows) > MAX_LINES:
        lines.append(ctx.t(_MORE_LINES, n=len(rows) - MAX_LINES))
    if totals.head_count:
        lines.append(
            ctx.t(
                _TOTALS,
                heads=totals.head_count,
                days=qty(totals.days, 4),
                overtime=qty(totals.overtime_hours, 2),
                wages=yuan(totals.wages),
            )
        )
    if args.group_by == "worker":
        lines.append(
            ctx.t(
                _TOTAL_PAYMENTS,
                advances=yuan(totals.advances),
                settled=yuan(totals.settled),
                end=end.isoformat(),
                outstanding=yuan(totals.outstanding),
            )
        )
    data = {
        "project": project.code,
        "start": start,
        "end": end,
        "group_by": args.group_by,
        "worker": worker.name if worker else None,
        "rows": [dict(vars(r)) for r in rows],
        "totals": dict(vars(totals)),
    }
    attachments = [_xlsx(ctx, project, args.group_by, start, end, rows, totals)] if args.export else []
    return Result(ok=True, text="\n".join(lines), data=data, attachments=attachments)


# -- reminders ------------------------------------------------------------------------------------

REMINDER_LOOKBACK = 3  # days before today checked for a missing 记工
REMINDER_HABIT = 30  # only projects that logged labour within this many days are reminded


def unlogged_days(ctx: Context, project: Project, *, lookback: int = REMINDER_LOOKBACK) -> list[date]:
    """Recent days with no labour logged, for a running project that does log labour (the 记工 reminder).

    A project that logged nothing in the last month (not started, paused, or not tracking day labour)
    is not nagged every morning.
    """
    window = reminder_window(project, ctx.today, lookback=lookback)
    if window is None:
        return []
    logged = q.dates_logged(
        session=ctx.session, project_id=project.id, start=ctx.today - timedelta(days=REMINDER_HABIT), end=window[1]
    )
    return missing_days(logged, window, ctx.today)


def unlogged_days_of(session: Any, projects: Sequence[Project], today: date) -> dict[int, list[date]]:
    """unlogged_days (default lookback) for many projects, in one query: the morning digest of them all."""
    windows = {project.id: reminder_window(project, today) for project in projects}
    ids = [pid for pid, window in windows.items() if window is not None]
    start, end = today - timedelta(days=REMINDER_HABIT), today - timedelta(days=1)
    logged = q.dates_logged_of(session=session, project_ids=ids, start=start, end=end) if ids else {}
    return {pid: missing_days(logged[pid], window, today) if window else [] for pid, window in windows.items()}


def reminder_window(project: Project, today: date, *, lookback: int = REMINDER_LOOKBACK) -> tuple[date, date] | None:
    """The days unlogged_days looks at: the last few before today, within the project's dates; None if none."""
    end = today - timedelta(days=1)
    start = today - timedelta(days=lookback)
    if project.start is not None:
        start = max(start, project.start)
    if project.finish is not None:
        end = min(end, project.finish)
    return None if start > end else (start, end)


def missing_days(logged: set[date], window: tuple[date, date], today: date) -> list[date]:
    """The window's days without labour, given the days logged (at least from a month back to the window's end)."""
    start, end = window
    if not any(today - timedelta(days=REMINDER_HABIT) <= day <= end for day in logged):
        return []  # no labour logged for a month: nothing to remind of
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if day not in logged]
