"""Paying workers: advances (借支) and settlements (结算), never more than a worker is owed."""

from __future__ import annotations

from datetime import date

from storage.locks import lock
from storage.models import PaymentKind, Project, Role, Worker, WorkerPayment
from storage.queries import labor as q
from tools import audit, resolve
from tools.args import RecordAdvance, SettleWages, WorkerPaymentArgs
from tools.base import Context, NeedsConfirmation, Result, Text, ToolError, require_role, tool
from tools.doubts import ADVANCE_DAYS, Doubts
from tools.fmt import day_text, qty, yuan
from tools.labor import IS_IT_SO, owed_text, rate_for

ADVANCE_ROLES = frozenset({Role.admin, Role.manager, Role.foreman, Role.finance})

SETTLE_ROLES = frozenset({Role.admin, Role.manager, Role.finance})

_BIG_ADVANCE = Text(
    "借支 {amount}，按{worker}日工资 {rate} 相当于 {days} 天的工资",
    "an advance of {amount} is {days} days of {worker}'s wages at {rate} a day",
)


def _horizon(ctx: Context) -> date:
    """The last date anything can be recorded for (today): everything recorded so far lies on or before it."""
    return ctx.today


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
        rate, _ = rate_for(ctx, worker, day, None, project)
        if rate > 0 and amount > rate * ADVANCE_DAYS:
            doubts = Doubts()
            days = qty(amount / rate, 0)
            doubts.add(_BIG_ADVANCE, IS_IT_SO, amount=yuan(amount), worker=worker.name, rate=yuan(rate), days=days)
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
