"""Day labour (点工): log 工日 and overtime, advances (借支), settlements (结算) and the labour summary."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from storage.locks import lock
from storage.models import BudgetPolicy, LaborEntry, OvertimeMode, PaymentKind, Project, Role, Worker, WorkerPayment
from storage.queries import labor as q
from storage.queries.costs import actual_for_category, budget_line
from tools import audit, costs, resolve
from tools.args import LaborSummary, LogLabor, LogPieceWork, RecordAdvance, SettleWages, WorkerPaymentArgs
from tools.base import ANY_MEMBER, Attachment, Context, NeedsConfirmation, Result, Text, ToolError, require_role, tool
from tools.categories import category_label
from tools.doubts import ADVANCE_DAYS, LONG_DAY_HOURS, RATE_FACTOR, Doubts, far_apart
from tools.fmt import day_text, qty, yuan
from tools.xlsx import append_row

LOG_ROLES = frozenset({Role.admin, Role.manager, Role.foreman})
ADVANCE_ROLES = frozenset({Role.admin, Role.manager, Role.foreman, Role.finance})
SETTLE_ROLES = frozenset({Role.admin, Role.manager, Role.finance})

MAX_DAYS_PER_DATE = Decimal(3)  # 工 a worker can have on one date, all projects together
MAX_OVERTIME = Decimal(16)
DAYS_PLACES = Decimal("0.0001")
HOURS_PLACES = Decimal("0.01")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_LINES = 30  # rows shown in a chat reply; the xlsx export has them all
MAX_NAMES = 8  # names per day shown in the calendar


def round_fraction(value: Fraction, places: int = 2) -> Decimal:
    """An exact fraction rounded once, half up (ROUND_HALF_UP: halves away from zero), to decimal places."""
    scaled = value * 10**places
    whole, rest = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    return Decimal(-whole if scaled < 0 else whole).scaleb(-places)


@dataclass(frozen=True)
class Pay:
    """What one labour entry earns, computed exactly and rounded once."""

    days: Decimal  # 工日 as stored (4 places)
    overtime_hours: Decimal
    daily_rate: Decimal
    amount: Decimal  # wages, overtime included, rounded to cents once
    overtime_amount: Decimal
    equivalent_days: Decimal | None  # folded mode: 工日 + overtime 工, for the reply


def compute_pay(project: Project, *, days: Fraction, overtime_hours: Decimal, daily_rate: Decimal) -> Pay:
    """Wages for days (exact) plus overtime paid by the project's rule (folded into 工, or per hour)."""
    rate = Fraction(daily_rate)
    hours_per_day = Fraction(project.hours_per_day)
    overtime = Fraction(overtime_hours)
    equivalent: Decimal | None = None
    if project.overtime_mode == OvertimeMode.hourly:
        hourly = Fraction(project.overtime_rate) if project.overtime_rate else rate / hours_per_day
        overtime_pay = overtime * hourly
    else:
        per_overtime_day = Fraction(project.overtime_hours_per_day or project.hours_per_day)
        overtime_days = overtime / per_overtime_day
        overtime_pay = overtime_days * rate
        equivalent = round_fraction(days + overtime_days, 4)
    return Pay(
        days=round_fraction(days, 4),
        overtime_hours=overtime_hours,
        daily_rate=daily_rate,
        amount=round_fraction(days * rate + overtime_pay),
        overtime_amount=round_fraction(overtime_pay),
        equivalent_days=equivalent,
    )


def _horizon(ctx: Context) -> date:
    """The last date anything can be recorded for (today): everything recorded so far lies on or before it."""
    return ctx.today


# -- log_labor ------------------------------------------------------------------------------

_ASK_DAYS = Text(
    "请说明{worker} {day}干了几个工（如 1 工、半天 0.5）或几个小时。",
    "How much did {worker} work on {day}? Give days (1, 0.5 for half a day) or hours.",
)
_BOTH = Text(
    "工日和小时数只能给一个：是 {days} 工，还是 {hours} 小时？",
    "Give days or hours, not both: is it {days} day(s) or {hours} hours?",
)
_PLACES = Text("{field}最多两位小数：{value}", "{field} can have at most two decimal places: {value}")
_TOO_MUCH_OVERTIME = Text(
    "加班共 {total} 小时（其中超出标准工时 {extra} 小时），超过每天 16 小时的上限。",
    "That is {total} hours of overtime ({extra} beyond the standard day), above the 16-hour limit.",
)
_DUPLICATE = Text(
    "{worker} {day} 在项目 {code} 已经记过：{days} 工，加班 {overtime} 小时，{amount}。同一天不重复记工；"
    "如需更改，请说“更正 {worker} {iso} 半天”这样的话（会替换那一条），或 /undo 撤回后重记。",
    "{worker} already has an entry on {day} in {code}: {days} day(s), {overtime} h overtime, {amount}. "
    "The same day is not recorded twice; to change it, say “correction: {worker} {iso} 0.5 day” (it replaces "
    "that entry), or /undo and log again.",
)
_OVER_DAILY_LIMIT = Text(
    "{worker} {day} 在各项目已记 {existing} 工，再记 {days} 工共 {total} 工，超过每天 3 工的上限，没有记录。",
    "{worker} already has {existing} day(s) on {day} across projects; {days} more makes {total}, above the "
    "limit of 3 per date; nothing recorded.",
)
_MORE_THAN_A_DAY = Text(
    "{worker} {day} 在其他项目已记 {existing} 工，再记 {days} 工，一天共 {total} 工，超过一个工",
    "{worker} already has {existing} day(s) on {day} in another project; {days} more makes {total} in one day, "
    "more than a day's work",
)
_OVERTIME_ONLY = Text(
    "{worker} {day} 只有加班 {hours} 小时，没有当天的工",
    "{worker} has {hours} h of overtime on {day} but no day of work",
)
_ONLY_OVERTIME = Text("是只记加班吗？", "Only the overtime?")
_LONG_DAY = Text("{worker} {day} 一天干了 {hours} 小时", "{worker} works {hours} h on {day}")
_IS_IT_SO = Text("是这么多吗？", "Is that right?")
_ODD_RATE = Text(
    "这条按日工资 {given} 算，{worker}的日工资是 {usual}", "this entry pays {given} a day; {worker}'s rate is {usual}"
)
_BIG_ADVANCE = Text(
    "借支 {amount}，按{worker}日工资 {rate} 相当于 {days} 天的工资",
    "an advance of {amount} is {days} days of {worker}'s wages at {rate} a day",
)
_AT_THAT_RATE = Text("按 {given} 记吗？", "Record it at {given}?")
_TOO_LONG_A_DAY = Text(
    "{worker} {day} 一共 {hours} 小时，超过一天 16 小时，没有记录。请核对后重发，例如“{worker} 一天加班3小时”。",
    "{worker} on {day}: {hours} hours in all, more than 16 in a day; nothing recorded. Please check and send it "
    "again, e.g. “{worker} 1 day overtime 3 h”.",
)
MAX_HOURS_IN_A_DAY = Decimal(16)
_LOGGED = Text(
    "已记工：{worker} {day}，{days} 工{overtime}，日工资 {rate}，工资 {amount}，项目 {code}。",
    "Logged: {worker} {day}, {days} day(s){overtime}, rate {rate}/day, wages {amount}, project {code}.",
)
_OVERTIME_FOLDED = Text(
    "，加班 {hours} 小时（折合共 {equivalent} 工）", ", overtime {hours} h ({equivalent} days in all)"
)
_OVERTIME_HOURLY = Text("，加班 {hours} 小时（加班费 {pay}）", ", overtime {hours} h (overtime pay {pay})")
_REPLACED = Text("（更正：原为 {days} 工，{amount}）", " (corrected: was {days} day(s), {amount})")
_DAYS_PLACES = Text("工日最多四位小数：{value}", "Days can have at most four decimal places: {value}")
_FIELD_HOURS = Text("小时数", "hours")
_FIELD_OVERTIME = Text("加班小时", "overtime hours")


_OVERDRAWN = Text("已多借 {amount}", "overdrawn by {amount}")


def owed_text(ctx: Context, outstanding: Decimal) -> str:
    """Outstanding wages as people say them: a negative balance means the worker has drawn more than earned."""
    return ctx.t(_OVERDRAWN, amount=yuan(-outstanding)) if outstanding < 0 else yuan(outstanding)


def _check_places(ctx: Context, label: Text, value: Decimal) -> None:
    if value != value.quantize(HOURS_PLACES):
        raise ToolError(_PLACES, field=label.render(ctx.language), value=str(value)[:20])


def _rate(ctx: Context, worker: Worker, day: date, given: Decimal | None, project: Project) -> tuple[Decimal, str]:
    """The daily rate to pay and where it came from: the entry, the rate in force that day (the project's own,
    else the worker's history), or the worker's default."""
    if given is not None:
        return resolve.money(given), "entry"
    in_force = q.rate_on(session=ctx.session, worker_id=worker.id, day=day, project_id=project.id)
    if in_force is not None:
        return in_force, "history"
    return worker.daily_rate, "worker"


@tool(args=LogLabor, roles=LOG_ROLES, writes=True, moves=("budget", "cash"))
def log_labor(ctx: Context, args: LogLabor) -> Result:
    """Record day labour (记工/点工) for ONE worker on one date: days (工日: 1, 0.5 for 半天) or hours worked,
    plus overtime hours (加班). Call once per worker. Give daily_rate only if the user states a rate for this
    entry; otherwise the worker's rate in force that day is used."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, LOG_ROLES)
    worker = resolve.worker(ctx, args.worker, project)
    day = resolve.work_date(ctx, project, args.date)
    shown_day = day_text(day, ctx.language, ctx.today)
    hours_per_day = project.hours_per_day
    overtime = args.overtime_hours
    doubts = Doubts()  # what is odd about this entry, asked about all at once
    _check_places(ctx, _FIELD_OVERTIME, overtime)
    if args.days is not None and args.hours is not None:
        raise ToolError(_BOTH, days=qty(args.days, 4), hours=qty(args.hours, 2))
    if args.days is not None:
        if args.days != args.days.quantize(DAYS_PLACES):
            raise ToolError(_DAYS_PLACES, value=str(args.days)[:20])
        days = Fraction(args.days)
    elif args.hours is not None:
        _check_places(ctx, _FIELD_HOURS, args.hours)
        days = Fraction(min(args.hours, hours_per_day)) / Fraction(hours_per_day)
        extra = max(args.hours - hours_per_day, Decimal(0))
        if overtime + extra > MAX_OVERTIME:
            raise ToolError(_TOO_MUCH_OVERTIME, total=qty(overtime + extra, 2), extra=qty(extra, 2))
        overtime += extra
    elif overtime > 0:
        days = Fraction(0)
        doubts.add(_OVERTIME_ONLY, _ONLY_OVERTIME, worker=worker.name, day=shown_day, hours=qty(overtime, 2))
    else:
        raise ToolError(_ASK_DAYS, worker=worker.name, day=shown_day)
    worked = Fraction(days) * Fraction(hours_per_day) + Fraction(overtime)
    shown_hours = qty(round_fraction(worked, 2), 2)
    if worked > MAX_HOURS_IN_A_DAY:
        raise ToolError(_TOO_LONG_A_DAY, worker=worker.name, day=shown_day, hours=shown_hours)
    if worked > LONG_DAY_HOURS:
        doubts.add(_LONG_DAY, _IS_IT_SO, worker=worker.name, day=shown_day, hours=shown_hours)

    session = ctx.session
    # The worker's day across projects is checked and written before anyone else can add to it.
    lock(session, f"worker-day:{worker.id}:{day.isoformat()}")
    existing = q.entry_on(session=session, project_id=project.id, worker_id=worker.id, day=day)
    if existing is not None and not args.correction:
        raise ToolError(
            _DUPLICATE,
            worker=worker.name,
            day=shown_day,
            iso=day.isoformat(),
            code=project.code,
            days=qty(existing.days, 4),
            overtime=qty(existing.overtime_hours, 2),
            amount=yuan(existing.amount),
        )
    stored_days = round_fraction(days, 4)
    already = q.days_on(session=session, worker_id=worker.id, day=day) - (existing.days if existing else 0)
    figures = {
        "worker": worker.name,
        "day": shown_day,
        "existing": qty(already, 4),
        "days": qty(stored_days, 4),
        "total": qty(already + stored_days, 4),
    }
    if already + stored_days > MAX_DAYS_PER_DATE:
        raise ToolError(_OVER_DAILY_LIMIT, **figures)
    elsewhere = q.days_on(session=session, worker_id=worker.id, day=day, other_than=project.id)
    if elsewhere > 0 and elsewhere + stored_days > 1:
        doubts.add(_MORE_THAN_A_DAY, **figures)

    rate, rate_source = _rate(ctx, worker, day, args.daily_rate, project)
    if rate_source == "entry":
        usual, _ = _rate(ctx, worker, day, None, project)
        if far_apart(rate, usual, RATE_FACTOR):
            doubts.add(_ODD_RATE, _AT_THAT_RATE, given=yuan(rate), worker=worker.name, usual=yuan(usual))
    doubts.confirm_or_raise(args.confirm)
    pay = compute_pay(project, days=days, overtime_hours=overtime, daily_rate=rate)
    _labour_line_control(ctx, project, args.confirm, pay.amount - (existing.amount if existing else Decimal(0)))
    values = {
        "days": pay.days,
        "overtime_hours": pay.overtime_hours,
        "daily_rate": rate,
        "overtime_amount": pay.overtime_amount,
        "amount": pay.amount,
        "note": args.note,
    }
    if existing is not None:  # a correction replaces that day's entry; undo restores it
        before = audit.snapshot(existing)
        replaced = ctx.t(_REPLACED, days=qty(existing.days, 4), amount=yuan(existing.amount))
        lowered = pay.amount < existing.amount
        for key, value in values.items():
            setattr(existing, key, value)
        entry, change = existing, audit.updated(existing, before)
        if lowered:
            keep_settlements_covered(ctx, project.id, worker.id)
    else:
        entry = LaborEntry(
            project_id=project.id,
            worker_id=worker.id,
            work_date=day,
            kind="day",
            created_by=ctx.user.id,
            created_at=ctx.now,
            **values,
        )
        session.add(entry)
        replaced, change = "", audit.created(entry)

    overtime_text = ""
    if pay.overtime_hours:
        if pay.equivalent_days is not None:
            overtime_text = ctx.t(
                _OVERTIME_FOLDED, hours=qty(pay.overtime_hours, 2), equivalent=qty(pay.equivalent_days, 4)
            )
        else:
            overtime_text = ctx.t(_OVERTIME_HOURLY, hours=qty(pay.overtime_hours, 2), pay=yuan(pay.overtime_amount))
    line = (
        ctx.t(
            _LOGGED,
            worker=worker.name,
            day=shown_day,
            days=qty(pay.days, 4),
            overtime=overtime_text,
            rate=yuan(rate),
            amount=yuan(pay.amount),
            code=project.code,
        )
        + replaced
    )
    log = audit.record(ctx, "log_labor", project, [change], line)
    warnings = costs.check_thresholds(ctx, project, "labor")  # budget alert lines, once per crossing
    data = {
        "entry_id": entry.id,
        "project": project.code,
        "worker": worker.name,
        "date": day,
        "days": pay.days,
        "overtime_hours": pay.overtime_hours,
        "equivalent_days": pay.equivalent_days,
        "daily_rate": rate,
        "rate_source": rate_source,
        "overtime_amount": pay.overtime_amount,
        "amount": pay.amount,
        "warnings": warnings,
    }
    return Result(ok=True, text="\n".join([line, *warnings]), data=data, audit_id=log.id)


def _labour_line_control(ctx: Context, project: Project, asserted: bool, added: Decimal) -> None:
    """Labour on a "stop" line takes the same control as any cost: over budget only when a manager confirms."""
    line = budget_line(session=ctx.session, project_id=project.id, category="labor")
    if line is None or line.policy != BudgetPolicy.stop or added <= 0:
        return
    lock(ctx.session, f"budget:{project.id}:labor")
    before = actual_for_category(session=ctx.session, project_id=project.id, category="labor")
    if before + added > line.amount:
        label = category_label("labor", ctx.language, line.label)
        costs.stop_unless_confirmed(ctx, project, asserted, label, line.amount, before, added)


# -- piece work (包工) ---------------------------------------------------------------------------------

_PIECE = Text(
    "已记包工：{worker} {item} {quantity}{unit} × {price} = {amount}，{day}，项目 {code}。",
    "Piece work: {worker} {item} {quantity} {unit} × {price} = {amount} on {day}, project {code}.",
)


@tool(args=LogPieceWork, roles=LOG_ROLES, writes=True, moves=("budget", "cash"))
def log_piece_work(ctx: Context, args: LogPieceWork) -> Result:
    """Record 包工 (piece work) for a worker or crew: quantity × unit price (张三 贴砖 120平 每平35)."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, LOG_ROLES)
    worker = resolve.worker(ctx, args.worker, project)
    day = resolve.work_date(ctx, project, args.date)
    price = resolve.money(args.unit_price)
    if args.quantity != args.quantity.quantize(DAYS_PLACES):
        raise ToolError(_DAYS_PLACES, value=str(args.quantity)[:20])
    amount = resolve.money((args.quantity * price).quantize(Decimal("0.01")))
    if amount != args.quantity * price:
        raise ToolError(_PLACES, field="amount", value=str(args.quantity * price))
    session = ctx.session
    lock(session, f"worker-day:{worker.id}:{day.isoformat()}")
    _labour_line_control(ctx, project, args.confirm, amount)
    entry = LaborEntry(
        project_id=project.id,
        worker_id=worker.id,
        work_date=day,
        kind="piece",
        days=Decimal(0),
        overtime_hours=Decimal(0),
        daily_rate=Decimal(0),
        overtime_amount=Decimal(0),
        quantity=args.quantity,
        unit=args.unit,
        item=args.item,
        unit_price=price,
        amount=amount,
        note=args.note,
        created_by=ctx.user.id,
        created_at=ctx.now,
    )
    session.add(entry)
    change = audit.created(entry)
    text = ctx.t(
        _PIECE,
        worker=worker.name,
        item=args.item,
        quantity=qty(args.quantity, 4),
        unit=args.unit or "",
        price=yuan(price),
        amount=yuan(amount),
        day=day_text(day, ctx.language, ctx.today),
        code=project.code,
    )
    log = audit.record(ctx, "log_piece_work", project, [change], text)
    warnings = costs.check_thresholds(ctx, project, "labor")
    data = {"project": project.code, "worker": worker.name, "item": args.item, "amount": amount, "date": day}
    return Result(ok=True, text="\n".join([text, *warnings]), data=data, audit_id=log.id)


# -- advances and settlements -------------------------------------------------------------------

_SETTLED_BEYOND = Text(
    "没有改动：{worker}在 {code} 已结算 {settled}，这样改后记录的工资只有 {wages}，已结算的就超过了工资。"
    "如果确实记错了，请先撤回或更正那笔结算。",
    "Nothing changed: {worker} has been paid {settled} in settlements in {code}; after this the wages recorded "
    "would be {wages}, less than was settled. If the entry is wrong, undo or correct the settlement first.",
)


def keep_settlements_covered(ctx: Context, project_id: int, worker_id: int) -> None:
    """After a worker's labour was reduced (a correction, an undo): refuse when settlements would exceed the wages
    left. A settlement never pays more than was earned (checked under the worker's wages lock); taking the labour
    back afterwards must not break that, so the same lock is taken before the totals are compared."""
    session = ctx.session
    lock(session, f"wages:{project_id}:{worker_id}")
    session.flush()
    wages, settled = q.wages_and_settled(session=session, project_id=project_id, worker_id=worker_id)
    if settled > wages:
        project, worker = session.get(Project, project_id), session.get(Worker, worker_id)
        raise ToolError(
            _SETTLED_BEYOND,
            worker=worker.name if worker else "?",
            code=project.code if project else "?",
            settled=yuan(settled),
            wages=yuan(wages),
        )


_PAYMENT_LABEL = {
    PaymentKind.advance: Text("借支", "advance"),
    PaymentKind.settlement: Text("结算", "settlement"),
}
_PAID = Text(
    "已记{kind}：{worker} {amount}，{day}，项目 {code}。{worker}在 {code} 的未结工资：{outstanding}。",
    "Recorded {kind}: {worker} {amount} on {day}, project {code}. {worker}'s outstanding wages in {code}: "
    "{outstanding}.",
)
_SETTLE_TOO_MUCH = Text(
    "结算 {amount} 超过了{worker}在 {code} 的未结工资 {outstanding}（截至 {until}），没有记录。"
    "如果是预支，请记为借支。",
    "Settlement {amount} is more than {worker}'s outstanding wages in {code}, {outstanding} (as of {until}); "
    "nothing recorded. If it is paid ahead of work, record it as an advance.",
)


def _record_payment(
    ctx: Context, args: WorkerPaymentArgs | SettleWages, kind: PaymentKind, roles: frozenset[Role], tool_name: str
) -> Result:
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, roles)
    worker = resolve.worker(ctx, args.worker, project)
    day = resolve.work_date(ctx, project, args.date)
    session = ctx.session
    # What the worker is owed is read and paid against before any other payment can come between.
    lock(session, f"wages:{project.id}:{worker.id}")
    if isinstance(args, SettleWages) and args.amount is None:
        _propose_settling_all(ctx, args, project, worker, day)
    assert args.amount is not None
    amount = resolve.money(args.amount)
    if isinstance(args, RecordAdvance):
        rate, _ = _rate(ctx, worker, day, None, project)
        if rate > 0 and amount > rate * ADVANCE_DAYS:
            doubts = Doubts()
            days = qty(amount / rate, 0)
            doubts.add(_BIG_ADVANCE, _IS_IT_SO, amount=yuan(amount), worker=worker.name, rate=yuan(rate), days=days)
            doubts.confirm_or_raise(args.confirm)
    if kind == PaymentKind.settlement:
        # Not more than was earned by the payment date, nor more than is owed now.
        for until in sorted({day, _horizon(ctx)}):
            owed = q.outstanding_wages(session=session, project_id=project.id, until=until, worker_id=worker.id)
            if amount > owed:
                raise ToolError(
                    _SETTLE_TOO_MUCH,
                    amount=yuan(amount),
                    worker=worker.name,
                    code=project.code,
                    outstanding=yuan(owed),
                    until=day_text(until, ctx.language, ctx.today),
                )
    payment = WorkerPayment(
        project_id=project.id,
        worker_id=worker.id,
        kind=kind,
        amount=amount,
        paid_on=day,
        note=args.note,
        created_by=ctx.user.id,
        created_at=ctx.now,
    )
    session.add(payment)
    session.flush()
    outstanding = q.outstanding_wages(
        session=session, project_id=project.id, until=max(day, _horizon(ctx)), worker_id=worker.id
    )
    line = ctx.t(
        _PAID,
        kind=ctx.t(_PAYMENT_LABEL[kind]),
        worker=worker.name,
        amount=yuan(amount),
        day=day_text(day, ctx.language, ctx.today),
        code=project.code,
        outstanding=owed_text(ctx, outstanding),
    )
    log = audit.record(ctx, tool_name, project, [audit.created(payment)], line)
    data = {
        "payment_id": payment.id,
        "project": project.code,
        "worker": worker.name,
        "kind": kind.value,
        "amount": amount,
        "date": day,
        "outstanding": outstanding,
    }
    return Result(ok=True, text=line, data=data, audit_id=log.id)


_SETTLE_ALL = Text(
    "还没有记录：{worker}在 {code} 的未结工资是 {owed}（截至 {day}）。全部结清吗？",
    "Not recorded yet: {worker} is owed {owed} in {code} (as of {day}). Settle all of it?",
)
_NOTHING_OWED = Text(
    "{worker}在 {code} 没有未结工资（{owed}），没有可结清的。",
    "{worker} is owed nothing in {code} ({owed}); nothing to settle.",
)
_SETTLE_HOW_MUCH = Text(
    "结算多少？请写金额，或说“结清”付清全部未结工资。",
    "How much is paid? Give the amount, or say “settle all” to pay what is owed.",
)


def _propose_settling_all(ctx: Context, args: SettleWages, project: Project, worker: Worker, day: date) -> None:
    """结清 with no amount: propose exactly what is owed (a settlement is never of a guessed amount)."""
    if not args.all:
        raise ToolError(_SETTLE_HOW_MUCH)
    owed = min(
        q.outstanding_wages(session=ctx.session, project_id=project.id, until=until, worker_id=worker.id)
        for until in {day, _horizon(ctx)}
    )
    shown = day_text(day, ctx.language, ctx.today)
    if owed <= 0:
        raise ToolError(_NOTHING_OWED, worker=worker.name, code=project.code, owed=owed_text(ctx, owed))
    raise NeedsConfirmation(
        _SETTLE_ALL,
        confirm_args={"amount": format(owed, "f"), "all": False},
        worker=worker.name,
        code=project.code,
        owed=yuan(owed),
        day=shown,
    )


@tool(args=RecordAdvance, roles=ADVANCE_ROLES, writes=True, moves=("cash",))
def record_advance(ctx: Context, args: RecordAdvance) -> Result:
    """Record 借支: money advanced to a worker against wages (amount in yuan). Reduces the worker's outstanding
    wages on the project."""
    return _record_payment(ctx, args, PaymentKind.advance, ADVANCE_ROLES, "record_advance")


@tool(args=SettleWages, roles=SETTLE_ROLES, writes=True, moves=("cash",))
def settle_wages(ctx: Context, args: SettleWages) -> Result:
    """Record 结算: wages paid out to a worker (amount in yuan; all=true to settle what is owed, after a yes);
    refused if more than the worker is owed."""
    return _record_payment(ctx, args, PaymentKind.settlement, SETTLE_ROLES, "settle_wages")


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
