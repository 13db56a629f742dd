"""Funds (资金): money in and out of a project, its balance, and the cash needed over the next 14 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from storage.locks import lock
from storage.models import CostEntry, Direction, FundTxn, Project, Role
from storage.queries import funds as fq
from storage.queries import labor as lq
from tools import audit, resolve
from tools.args import FundStatus, RecordFund
from tools.base import ANY_MEMBER, Context, NeedsConfirmation, Result, Text, ToolError, require_role, tool
from tools.doubts import Doubts
from tools.fmt import day_text, yuan

FUND_ROLES = frozenset({Role.admin, Role.manager, Role.finance})
LOOKAHEAD_DAYS = 14

_DIRECTION = {
    Direction.inflow: Text("收款", "money in"),
    Direction.outflow: Text("付款", "money out"),
}
_FROM_TO = {
    Direction.inflow: Text("，来自{counterparty}", " from {counterparty}"),
    Direction.outflow: Text("，付给{counterparty}", " to {counterparty}"),
}
_RECORDED = Text(
    "已记{direction}：{amount}，{day}{party}，项目 {code}。当前余额 {balance}。",
    "Recorded {direction}: {amount} on {day}{party}, project {code}. Balance now {balance}.",
)
_BELOW_FLOOR = Text(
    "⚠ 余额 {balance} 低于项目资金底线 {floor}。", "⚠ The balance {balance} is below the project's cash floor {floor}."
)
_BELOW_NEEDS = Text(
    "⚠ 余额 {balance} 不够未来{days}天的支出 {needs}，缺口 {gap}。",
    "⚠ The balance {balance} does not cover the next {days} days' needs of {needs}; short by {gap}.",
)
_STATUS = Text(
    "{code} 资金状况（截至 {today}）\n账上余额：{balance}\n近{days}天收入 {recent_in}，支出 {recent_out}（含工资）\n"
    "未来{days}天需付：{needs}（未结工资 {wages} + 计划付款 {planned}）",
    "{code} cash as of {today}\nBalance: {balance}\nLast {days} days: in {recent_in}, out {recent_out} (wages "
    "included)\nNeeded in the next {days} days: {needs} (wages owed {wages} + planned payments {planned})",
)
_PAYABLES = Text("应付账款 {total}（{n} 家），最多的：", "Owed to suppliers {total} ({n}), largest:")
_PAYABLE = Text("· {party}：{owed}", "· {party}: {owed}")
MAX_PAYABLES = 5


@dataclass(frozen=True)
class CashPosition:
    balance: Decimal
    wages_owed: Decimal
    planned_out: Decimal
    floor: Decimal

    @property
    def needs(self) -> Decimal:
        return self.wages_owed + self.planned_out


def cash_position(ctx: Context, project: Project, balance: Decimal) -> CashPosition:
    """What the project must pay over the next 14 days, beside its balance."""
    today = ctx.today
    window_end = today + timedelta(days=LOOKAHEAD_DAYS)
    return CashPosition(
        balance=balance,
        wages_owed=lq.wages_owed(session=ctx.session, project_id=project.id, until=window_end),
        planned_out=fq.planned_outflows(session=ctx.session, project_id=project.id, start=today, end=window_end),
        floor=project.cash_floor or Decimal(0),
    )


def warning_texts(data: dict[str, Any]) -> list[tuple[str, Text]]:
    """fund_status's warnings (from its data) in both languages, for alerts and the digest."""
    found = []
    balance, floor, needs = data["balance"], data["cash_floor"], data["upcoming_needs"]
    if "below_floor" in data["warnings"]:
        found.append(("below_floor", _BELOW_FLOOR.bind(balance=yuan(balance), floor=yuan(floor))))
    if "below_upcoming_needs" in data["warnings"]:
        text = _BELOW_NEEDS.bind(
            balance=yuan(balance), days=LOOKAHEAD_DAYS, needs=yuan(needs), gap=yuan(needs - balance)
        )
        found.append(("below_upcoming_needs", text))
    return found


def warning_codes(position: CashPosition) -> list[str]:
    """The warnings fund_status gives (the codes of warnings below)."""
    found = []
    if position.balance < position.floor:
        found.append("below_floor")
    if position.balance < position.needs:
        found.append("below_upcoming_needs")
    return found


def cash_data(position: CashPosition) -> dict[str, Any]:
    """What warning_texts reads of fund_status's data: what the morning digest computes for every project at once."""
    return {
        "balance": position.balance,
        "cash_floor": position.floor,
        "upcoming_needs": position.needs,
        "warnings": warning_codes(position),
    }


def warnings(ctx: Context, position: CashPosition) -> list[tuple[str, str]]:
    """(code, text) for each warning: below the project's floor, below the next 14 days' needs."""
    return [(code, text.render(ctx.language)) for code, text in warning_texts(cash_data(position))]


_NOTHING_OWED = Text(
    "还没有记录：目前应付{party} {owed}，这笔付款 {amount} 超出 {extra}。是预付款，还是一笔新的采购（记成本并付款）？",
    "Not recorded yet: {owed} is owed to {party}; this payment of {amount} is {extra} more. A payment ahead, or a new "
    "purchase (a cost, paid now)?",
)
_PREPAY = Text("只记付款（预付{party}）", "Payment only (ahead, to {party})")
_WITH_COST = Text("记{label} {amount} 的成本并付款", "Book {amount} of {label} as a cost, and pay it")
_PAID_PARTY = Text("{party}：应付 {owed}", "{party}: owed {owed}")
_PAID_AHEAD = Text("{party}：已预付 {ahead}", "{party}: paid {ahead} ahead")


_SAME_TXN = Text("{day} 已经记过一笔一样的 {amount}", "the same {amount} is already recorded on {day}")
_AGAIN = Text("再记一笔吗？", "Record it again?")


@tool(args=RecordFund, roles=FUND_ROLES, writes=True, moves=("cash",))
def record_fund(ctx: Context, args: RecordFund) -> Result:
    """Record money actually received (direction "in": owner's progress payment 进度款, 预付款) or paid
    (direction "out": a supplier's or subcontractor's invoice, fees), in yuan, with who paid or was paid."""
    from tools import costs, parties
    from tools.categories import category_label

    project = resolve.project(ctx, args.project)
    require_role(ctx, project, FUND_ROLES)
    direction = Direction(args.direction)
    amount = resolve.money(args.amount)
    day = resolve.work_date(ctx, project, args.date)
    session = ctx.session
    changes: list[audit.Change] = []
    party = (
        parties.find_or_create(
            ctx,
            project,
            args.counterparty,
            kind="owner" if direction == Direction.inflow else "supplier",
            changes=changes,
        )
        if args.counterparty
        else None
    )
    cost: CostEntry | None = None
    if direction == Direction.outflow and party is not None:
        lock(session, f"payable:{project.id}:{party.id}")
        session.flush()
        owed = fq.owed_to(session=session, project_id=project.id, counterparty_id=party.id, until=max(day, ctx.today))
        if args.with_cost:
            category = resolve.category(ctx, project, args.with_cost)
            cost = CostEntry(
                project_id=project.id,
                category=category,
                amount=amount,
                entry_date=day,
                vendor=party.name,
                counterparty_id=party.id,
                note=args.note,
                created_by=ctx.user.id,
                created_at=ctx.now,
            )
            session.add(cost)
            changes.append(audit.created(cost))
        elif amount > owed and not args.prepay:
            # Nothing (or less) is owed to them: a payment ahead, or a purchase not booked yet. Never guess.
            options: list[tuple[Text, dict[str, object]]] = [(_PREPAY.bind(party=party.name), {"prepay": True})]
            guess = args.category or fq.usual_category(session=session, project_id=project.id, counterparty_id=party.id)
            if guess is None and args.note:
                implied, _ = costs.infer_category(args.note)
                guess = implied.pop() if len(implied) == 1 else None
            if guess is not None:
                label = category_label(guess, ctx.language)
                options.append((_WITH_COST.bind(label=label, amount=yuan(amount)), {"with_cost": guess}))
            raise NeedsConfirmation(
                _NOTHING_OWED,
                confirm_args={"prepay": True},
                options=options,
                party=party.name,
                owed=yuan(owed),
                amount=yuan(amount),
                extra=yuan(amount - max(owed, Decimal(0))),
            )
    lock(session, f"fund:{project.id}:{day.isoformat()}")  # two identical sends are checked one after the other
    if fq.same_txn_on(
        session=session,
        project_id=project.id,
        day=day,
        direction=direction,
        amount=amount,
        counterparty_id=party.id if party else None,
    ):
        doubts = Doubts()
        doubts.add(_SAME_TXN, _AGAIN, amount=yuan(amount), day=day_text(day, ctx.language, ctx.today))
        doubts.confirm_or_raise(args.confirm)
    txn = FundTxn(
        project_id=project.id,
        direction=direction,
        amount=amount,
        txn_date=day,
        counterparty=party.name if party else None,
        counterparty_id=party.id if party else None,
        cost_entry_id=None,
        note=args.note,
        planned=False,
        created_by=ctx.user.id,
        created_at=ctx.now,
    )
    session.add(txn)
    session.flush()
    if cost is not None:
        txn.cost_entry_id = cost.id
    changes.append(audit.created(txn))
    as_of = max(day, ctx.today)
    balance = fq.balance(session=session, project_id=project.id, until=as_of)
    shown = ctx.t(_FROM_TO[direction], counterparty=party.name) if party else ""
    line = ctx.t(
        _RECORDED,
        direction=ctx.t(_DIRECTION[direction]),
        amount=yuan(amount),
        day=day_text(day, ctx.language, ctx.today),
        party=shown,
        code=project.code,
        balance=yuan(balance),
    )
    lines = [line]
    if cost is not None:
        lines += [r for r in costs.check_thresholds(ctx, project, cost.category)]
    if direction == Direction.outflow and party is not None:
        left = fq.owed_to(session=session, project_id=project.id, counterparty_id=party.id, until=as_of)
        lines.append(
            ctx.t(_PAID_AHEAD, party=party.name, ahead=yuan(-left))
            if left < 0
            else ctx.t(_PAID_PARTY, party=party.name, owed=yuan(left))
        )
    log = audit.record(ctx, "record_fund", project, changes, line)
    found = warnings(ctx, cash_position(ctx, project, balance))
    data = {
        "txn_id": txn.id,
        "project": project.code,
        "direction": direction.value,
        "amount": amount,
        "date": day,
        "counterparty": party.name if party else None,
        "balance": balance,
        "cost": cost.category if cost else None,
        "warnings": [code for code, _ in found],
    }
    return Result(ok=True, text="\n".join([*lines, *(text for _, text in found)]), data=data, audit_id=log.id)


_MOVES_HEAD = Text(
    "{code} 收支{filters}：收入 {money_in}，支出 {money_out}（{count} 笔）",
    "{code} money{filters}: in {money_in}, out {money_out} ({count} movements)",
)
_MOVES_PERIOD = Text("，{start} 至 {end}", ", {start} to {end}")
_MOVES_UNTIL = Text("，截至 {end}", ", up to {end}")
_MOVES_PARTY = Text("，对方“{party}”", ", with “{party}”")
_MOVE = Text("· {day} {direction} {amount}{party}", "· {day} {direction} {amount}{party}")
_MOVES_NONE = Text("没有符合条件的收支。", "No money moved that matches.")
_START_AFTER_END = Text("开始日期 {start} 晚于结束日期 {end}。", "The start date {start} is after the end date {end}.")


def _movements(ctx: Context, project: Project, args: FundStatus) -> Result:
    """Money in and out in a period or with one party, as asked (这个月收了多少, 付了华新多少)."""
    end = min(args.end or ctx.today, ctx.today)
    if args.start is not None and args.start > end:
        raise ToolError(_START_AFTER_END, start=args.start.isoformat(), end=end.isoformat())
    money_in, money_out, count, rows = fq.movements(
        session=ctx.session, project_id=project.id, start=args.start, end=end, counterparty=args.counterparty
    )
    shown = day_text(end, ctx.language, ctx.today)
    filters = (
        ctx.t(_MOVES_PERIOD, start=day_text(args.start, ctx.language, ctx.today), end=shown)
        if args.start is not None
        else ctx.t(_MOVES_UNTIL, end=shown)
    )
    if args.counterparty:
        filters += ctx.t(_MOVES_PARTY, party=args.counterparty)
    lines = [
        ctx.t(
            _MOVES_HEAD,
            code=project.code,
            filters=filters,
            money_in=yuan(money_in),
            money_out=yuan(money_out),
            count=count,
        )
    ]
    if not count:
        lines.append(ctx.t(_MOVES_NONE))
    for row in rows:
        party = ctx.t(_FROM_TO[row.direction], counterparty=row.counterparty) if row.counterparty else ""
        lines.append(
            ctx.t(
                _MOVE,
                day=day_text(row.day, ctx.language, ctx.today),
                direction=ctx.t(_DIRECTION[row.direction]),
                amount=yuan(row.amount),
                party=party,
            )
        )
    data = {
        "project": project.code,
        "start": args.start,
        "end": end,
        "counterparty": args.counterparty,
        "money_in": money_in,
        "money_out": money_out,
        "count": count,
    }
    return Result(ok=True, text="\n".join(lines), data=data)


@tool(args=FundStatus, roles=ANY_MEMBER)
def fund_status(ctx: Context, args: FundStatus) -> Result:
    """Cash: the balance, this month's in/out and the next 14 days' needs; with a period or a counterparty, the
    money moved then or with them."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    if args.start is not None or args.end is not None or args.counterparty:
        return _movements(ctx, project, args)
    today = ctx.today
    since = today - timedelta(days=LOOKAHEAD_DAYS - 1)
    figures = fq.fund_figures(session=ctx.session, project_id=project.id, until=today, since=since)
    position = cash_position(ctx, project, figures.balance)
    found = warnings(ctx, position)
    owed = [p for p in fq.payables(session=ctx.session, project_id=project.id, until=today) if p.owed > 0]
    text = ctx.t(
        _STATUS,
        code=project.code,
        today=day_text(today, ctx.language, today),
        balance=yuan(figures.balance),
        days=LOOKAHEAD_DAYS,
        recent_in=yuan(figures.period_in),
        recent_out=yuan(figures.period_out),
        needs=yuan(position.needs),
        wages=yuan(position.wages_owed),
        planned=yuan(position.planned_out),
    )
    lines = [text]
    if owed:
        lines.append(ctx.t(_PAYABLES, total=yuan(sum((p.owed for p in owed), Decimal(0))), n=len(owed)))
        lines += [ctx.t(_PAYABLE, party=p.name, owed=yuan(p.owed)) for p in owed[:MAX_PAYABLES]]
    data = {
        "project": project.code,
        "as_of": today,
        "balance": figures.balance,
        "recent_in": figures.period_in,
        "recent_out": figures.period_out,
        "wages_owed": position.wages_owed,
        "planned_out": position.planned_out,
        "upcoming_needs": position.needs,
        "payables": [{"counterparty": p.name, "owed": p.owed} for p in owed],
        "cash_floor": position.floor,
        "lookahead_days": LOOKAHEAD_DAYS,
        "warnings": [code for code, _ in found],
        "warning_text": [t for _, t in found],
    }
    return Result(ok=True, text="\n".join([*lines, *(t for _, t in found)]), data=data)
