"""The worker statement (对账单 / 工资条): one person's days, piece work, advances, settlements and what is owed,
for a month or a range, across the projects the reader can see — as a chat reply and as a printable xlsx."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from storage.models import LaborEntry, PaymentKind, Project, ProjectWorker, Worker, WorkerPayment
from storage.queries import labor as q
from tools import resolve
from tools.args import WorkerStatement
from tools.base import ANY_MEMBER, Attachment, Context, Result, Text, ToolError, require_role, tool
from tools.fmt import day_text, qty, yuan
from tools.labor import XLSX_MIME, owed_text
from tools.xlsx import append_row

log = logging.getLogger(__name__)

MAX_LINES = 40  # lines in a chat reply; the xlsx has them all

_HEAD = Text("{worker} 对账单 {start} 至 {end}（{projects}）", "{worker} statement {start} to {end} ({projects})")
_OPENING = Text("期初未结：{owed}", "Owed at the start: {owed}")
_DAY = Text("· {day} {code} {days} 工{overtime}，{amount}", "· {day} {code} {days} day(s){overtime}, {amount}")
_OVERTIME = Text("，加班 {hours} 小时", ", {hours} h overtime")
_PIECE = Text(
    "· {day} {code} 包工 {item} {quantity}{unit} × {price} = {amount}",
    "· {day} {code} piece work {item} {quantity} {unit} × {price} = {amount}",
)
_PAID = Text("· {day} {code} {kind} -{amount}", "· {day} {code} {kind} -{amount}")
_CARRIED = Text("· {day} {code} 期初结转未结 {amount}", "· {day} {code} owed carried over {amount}")
_KIND = {PaymentKind.advance: Text("借支", "advance"), PaymentKind.settlement: Text("结算", "settlement")}
_TOTALS = Text(
    "合计：{days} 工，加班 {hours} 小时，工资 {wages}（其中包工 {piece}），借支 {advances}，结算 {settled}",
    "Totals: {days} day(s), {hours} h overtime, wages {wages} (piece work {piece}), advances {advances}, "
    "settled {settled}",
)
_CLOSING = Text("期末未结：{owed}", "Owed at the end: {owed}")
_MORE = Text("……另有 {n} 行，导出 Excel 可看全部。", "… {n} more lines; export to Excel to see them all.")
_NOTHING = Text("这段时间 {worker} 没有记录。", "Nothing recorded for {worker} in this period.")
_ORDER = Text("开始日期 {start} 晚于结束日期 {end}。", "The start date {start} is after the end date {end}.")


@dataclass(frozen=True)
class Line:
    day: date
    code: str
    kind: str  # day | piece | advance | settlement
    days: Decimal = Decimal(0)
    overtime: Decimal = Decimal(0)
    rate: Decimal = Decimal(0)
    item: str = ""
    quantity: Decimal = Decimal(0)
    unit: str = ""
    price: Decimal = Decimal(0)
    earned: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)


def _projects(ctx: Context, worker: Worker, wanted: Project | None) -> list[Project]:
    """The projects the statement covers: the one asked for, else every visible project the worker is on."""
    if wanted is not None:
        return [wanted]
    visible = {p.id: p for p in resolve.visible_projects(ctx)}
    on = ctx.session.scalars(select(ProjectWorker.project_id).where(ProjectWorker.worker_id == worker.id))
    return sorted((visible[i] for i in on if i in visible), key=lambda p: p.code)


def _lines(ctx: Context, worker: Worker, projects: list[Project], start: date, end: date) -> list[Line]:
    codes = {p.id: p.code for p in projects}
    session = ctx.session
    entries = session.scalars(
        select(LaborEntry)
        .where(
            LaborEntry.worker_id == worker.id,
            LaborEntry.project_id.in_(list(codes)),
            LaborEntry.work_date >= start,
            LaborEntry.work_date <= end,
        )
        .order_by(LaborEntry.work_date, LaborEntry.id)
    )
    lines = [
        Line(
            day=e.work_date,
            code=codes[e.project_id],
            kind=e.kind if e.kind in ("piece", "opening") else "day",
            days=e.days,
            overtime=e.overtime_hours,
            rate=e.daily_rate,
            item=e.item or "",
            quantity=e.quantity or Decimal(0),
            unit=e.unit or "",
            price=e.unit_price or Decimal(0),
            earned=e.amount,
        )
        for e in entries
    ]
    payments = session.scalars(
        select(WorkerPayment)
        .where(
            WorkerPayment.worker_id == worker.id,
            WorkerPayment.project_id.in_(list(codes)),
            WorkerPayment.paid_on >= start,
            WorkerPayment.paid_on <= end,
        )
        .order_by(WorkerPayment.paid_on, WorkerPayment.id)
    )
    lines += [Line(day=p.paid_on, code=codes[p.project_id], kind=p.kind.value, paid=p.amount) for p in payments]
    lines.sort(key=lambda line: (line.day, line.kind not in ("opening", "day", "piece")))
    return lines


def _owed(ctx: Context, worker: Worker, projects: list[Project], until: date) -> Decimal:
    return sum(
        (q.outstanding_wages(session=ctx.session, project_id=p.id, until=until, worker_id=worker.id) for p in projects),
        Decimal(0),
    )


@tool(args=WorkerStatement, roles=ANY_MEMBER)
def worker_statement(ctx: Context, args: WorkerStatement) -> Result:
    """A worker's statement (对账单/工资条) for a period (default this month): every day's 工日, overtime and wage,
    piece work, advances, settlements and what is owed, across projects; export=True attaches an xlsx."""
    wanted = resolve.project(ctx, args.project) if args.project else None
    if wanted is not None:
        require_role(ctx, wanted, ANY_MEMBER)
    worker = resolve.worker(ctx, args.worker, wanted)
    end = min(args.end or ctx.today, ctx.today)
    start = args.start or end.replace(day=1)
    if start > end:
        raise ToolError(_ORDER, start=start.isoformat(), end=end.isoformat())
    projects = _projects(ctx, worker, wanted)
    lines = _lines(ctx, worker, projects, start, end)
    opening = _owed(ctx, worker, projects, start - timedelta(days=1))
    closing = _owed(ctx, worker, projects, end)
    totals = {
        "days": sum((line.days for line in lines), Decimal(0)),
        "hours": sum((line.overtime for line in lines), Decimal(0)),
        "wages": sum((line.earned for line in lines), Decimal(0)),
        "piece": sum((line.earned for line in lines if line.kind == "piece"), Decimal(0)),
        "advances": sum((line.paid for line in lines if line.kind == "advance"), Decimal(0)),
        "settled": sum((line.paid for line in lines if line.kind == "settlement"), Decimal(0)),
    }
    shown = "、".join(p.code for p in projects) if ctx.language == "zh" else ", ".join(p.code for p in projects)
    head = ctx.t(
        _HEAD,
        worker=worker.name,
        start=day_text(start, ctx.language, ctx.today),
        end=day_text(end, ctx.language, ctx.today),
        projects=shown or "—",
    )
    texts = [head, ctx.t(_OPENING, owed=owed_text(ctx, opening))]
    if not lines:
        texts.append(ctx.t(_NOTHING, worker=worker.name))
    texts += [_render(ctx, line) for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        texts.append(ctx.t(_MORE, n=len(lines) - MAX_LINES))
    texts.append(
        ctx.t(
            _TOTALS,
            days=qty(totals["days"], 4),
            hours=qty(totals["hours"], 2),
            wages=yuan(totals["wages"]),
            piece=yuan(totals["piece"]),
            advances=yuan(totals["advances"]),
            settled=yuan(totals["settled"]),
        )
    )
    texts.append(ctx.t(_CLOSING, owed=owed_text(ctx, closing)))
    data: dict[str, Any] = {
        "worker": worker.name,
        "projects": [p.code for p in projects],
        "start": start,
        "end": end,
        "opening": opening,
        "closing": closing,
        **totals,
        "lines": len(lines),
    }
    attachments = [_xlsx(ctx, worker, projects, start, end, lines, opening, closing)] if args.export else []
    return Result(ok=True, text="\n".join(texts), data=data, attachments=attachments)


def _render(ctx: Context, line: Line) -> str:
    day = day_text(line.day, ctx.language, ctx.today)
    if line.kind == "day":
        overtime = ctx.t(_OVERTIME, hours=qty(line.overtime, 2)) if line.overtime else ""
        return ctx.t(_DAY, day=day, code=line.code, days=qty(line.days, 4), overtime=overtime, amount=yuan(line.earned))
    if line.kind == "opening":
        return ctx.t(_CARRIED, day=day, code=line.code, amount=yuan(line.earned))
    if line.kind == "piece":
        return ctx.t(
            _PIECE,
            day=day,
            code=line.code,
            item=line.item,
            quantity=qty(line.quantity, 4),
            unit=line.unit,
            price=yuan(line.price),
            amount=yuan(line.earned),
        )
    return ctx.t(_PAID, day=day, code=line.code, kind=ctx.t(_KIND[PaymentKind(line.kind)]), amount=yuan(line.paid))


_COLUMNS = (
    Text("日期", "Date"),
    Text("项目", "Project"),
    Text("类型", "Type"),
    Text("工日", "Days"),
    Text("加班小时", "Overtime h"),
    Text("日工资", "Daily rate"),
    Text("内容", "Item"),
    Text("数量", "Quantity"),
    Text("单价", "Unit price"),
    Text("应得", "Earned"),
    Text("已付", "Paid"),
    Text("未结", "Owed"),
)
_TYPES = {
    "day": Text("点工", "day"),
    "piece": Text("包工", "piece work"),
    "advance": Text("借支", "advance"),
    "settlement": Text("结算", "settlement"),
    "opening": Text("结转", "carried over"),
}
MONEY = "#,##0.00"


def _xlsx(
    ctx: Context,
    worker: Worker,
    projects: list[Project],
    start: date,
    end: date,
    lines: list[Line],
    opening: Decimal,
    closing: Decimal,
) -> Attachment:
    """The statement as a printable workbook: a running balance of what is owed, exact to the cent."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "statement"
    title = f"{worker.name} {start.isoformat()} – {end.isoformat()} ({', '.join(p.code for p in projects)})"
    append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True)
    append_row(sheet, [ctx.t(c) for c in _COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    append_row(sheet, ["", "", ctx.t(Text("期初", "Opening")), None, None, None, "", None, None, None, None, opening])
    sheet.cell(sheet.max_row, 12).number_format = MONEY
    balance = opening
    for line in lines:
        balance += line.earned - line.paid
        append_row(
            sheet,
            [
                line.day,
                line.code,
                ctx.t(_TYPES[line.kind]),
                line.days if line.kind == "day" else None,
                line.overtime if line.kind == "day" and line.overtime else None,
                line.rate if line.kind == "day" else None,
                line.item if line.item else "",
                line.quantity if line.kind == "piece" else None,
                line.price if line.kind == "piece" else None,
                line.earned or None,
                line.paid or None,
                balance,
            ],
        )
        row = sheet.max_row
        sheet.cell(row, 1).number_format = "yyyy-mm-dd"
        for column in (6, 9, 10, 11, 12):
            sheet.cell(row, column).number_format = MONEY
    if balance != closing:  # every row that moves what is owed is listed; a gap is a bug, never hidden
        log.error("statement of worker %s: running balance %s, owed %s", worker.id, balance, closing)
    append_row(sheet, ["", "", ctx.t(Text("期末", "Closing")), None, None, None, "", None, None, None, None, closing])
    sheet.cell(sheet.max_row, 12).number_format = MONEY
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJKL", (12, 8, 10, 8, 10, 10, 12, 8, 10, 12, 12, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    filename = f"statement_{worker.name}_{start.isoformat()}_{end.isoformat()}.xlsx"
    return Attachment(filename=filename, content=buffer.getvalue(), mime=XLSX_MIME)
