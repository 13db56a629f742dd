"""Day labour (点工): log 工日 and overtime, and piece work (计件); the pay of a day. Advances and settlements are
in wages.py, the labour summary in labor_summary.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from storage.locks import lock
from storage.models import BudgetPolicy, LaborEntry, OvertimeMode, Project, Role, Worker
from storage.queries import labor as q
from storage.queries.costs import actual_for_category, budget_line
from tools import audit, costs, resolve
from tools.args import LogLabor, LogPieceWork
from tools.base import Context, Result, Text, ToolError, require_role, tool
from tools.categories import category_label
from tools.doubts import LONG_DAY_HOURS, RATE_FACTOR, Doubts, far_apart
from tools.fmt import day_text, qty, yuan

LOG_ROLES = frozenset({Role.admin, Role.manager, Role.foreman})
RATE_ROLES = frozenset({Role.admin, Role.manager})  # who sets what a worker is paid (a rate, or one entry's)

MAX_DAYS_PER_DATE = Decimal(3)  # 工 a worker can have on one date, all projects together
MAX_OVERTIME = Decimal(16)
DAYS_PLACES = Decimal("0.0001")
HOURS_PLACES = Decimal("0.01")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_LINES = 30  # rows shown in a chat reply; the xlsx export has them all


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
_TINY_DAY = Text("{worker} {day} 只记 {days} 工，这么少", "{worker} on {day}: only {days} of a day")
_ODD_PIECE_PRICE = Text(
    "{item}这次单价 {price}，这个项目以前是 {usual}", "{item} at {price} a unit; this project paid {usual} before"
)
_AT_THAT_PRICE = Text("按 {price} 记吗？", "Record it at {price}?")
SMALLEST_PART_OF_A_DAY = Fraction(1, 16)  # half an hour of an 8-hour day: less is asked about
IS_IT_SO = Text("是这么多吗？", "Is that right?")
_ODD_RATE = Text(
    "这条按日工资 {given} 算，{worker}的日工资是 {usual}", "this entry pays {given} a day; {worker}'s rate is {usual}"
)
_RATE_NEEDS_MANAGER = Text(
    "{worker}的日工资是 {usual}；按 {given} 记要项目经理或管理员来记（改工价需要经理）。"
    "这条没有记录：按 {usual} 记请去掉日工资再发。",
    "{worker}'s rate is {usual} a day; an entry at {given} must be recorded by a manager or admin (changing pay "
    "needs a manager). Nothing recorded: to log it at {usual}, send it again without the rate.",
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


def rate_for(ctx: Context, worker: Worker, day: date, given: Decimal | None, project: Project) -> tuple[Decimal, str]:
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
    if 0 < days < SMALLEST_PART_OF_A_DAY:  # 0.0001 工 (¥0.04): a slip of the keyboard more likely than work
        doubts.add(_TINY_DAY, IS_IT_SO, worker=worker.name, day=shown_day, days=qty(round_fraction(days, 4), 4))
    worked = Fraction(days) * Fraction(hours_per_day) + Fraction(overtime)
    shown_hours = qty(round_fraction(worked, 2), 2)
    if worked > MAX_HOURS_IN_A_DAY:
        raise ToolError(_TOO_LONG_A_DAY, worker=worker.name, day=shown_day, hours=shown_hours)
    if worked > LONG_DAY_HOURS:
        doubts.add(_LONG_DAY, IS_IT_SO, worker=worker.name, day=shown_day, hours=shown_hours)

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

    rate, rate_source = rate_for(ctx, worker, day, args.daily_rate, project)
    if rate_source == "entry":
        usual, _ = rate_for(ctx, worker, day, None, project)
        if rate != usual and ctx.role_in(project) not in RATE_ROLES:  # one entry's rate is pay set: a manager's
            raise ToolError(_RATE_NEEDS_MANAGER, worker=worker.name, given=yuan(rate), usual=yuan(usual))
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
    # 每平9000 where 贴砖 was paid 35 a 平 before: a slip, or pay set without a manager; asked before it is written.
    before = q.last_piece_price(session=ctx.session, project_id=project.id, item=args.item, unit=args.unit)
    if before is not None and far_apart(price, before, RATE_FACTOR):
        doubts = Doubts()
        doubts.add(_ODD_PIECE_PRICE, _AT_THAT_PRICE, item=args.item, price=yuan(price), usual=yuan(before))
        doubts.confirm_or_raise(args.confirm)
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
