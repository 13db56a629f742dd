"""Costs and budget control: add_cost, budget_status, and the one-alert-per-crossing threshold check."""

from __future__ import annotations

import re
import statistics
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from storage.locks import lock
from storage.models import (
    BudgetAlert,
    BudgetLine,
    BudgetPolicy,
    CostEntry,
    Counterparty,
    Direction,
    FundTxn,
    Project,
    Role,
)
from storage.queries import funds as funds_q
from storage.queries.costs import (
    ZERO,
    actual_for_category,
    budget_line,
    budget_lines,
    budget_total,
    recent_unit_prices,
    same_cost_on,
)
from storage.queries.rows import insert_ignore
from tools import audit, parties, resolve
from tools.args import AddCost, BudgetStatus
from tools.base import (
    ANY_MEMBER,
    Context,
    NeedsConfirmation,
    Result,
    Text,
    ToolError,
    confirmer_role,
    require_role,
    tool,
)
from tools.categories import CATEGORIES, CATEGORY_LABELS, ITEM_WORDS, category_label
from tools.doubts import PRICE_FACTOR, Doubts, far_apart
from tools.fmt import day_text, pct, qty, yuan
from tools.forecast import METHODS, LineForecast, ProjectForecast, forecast

DEFAULT_THRESHOLDS = (80, 100)
WRITERS = frozenset({Role.admin, Role.manager, Role.finance})
CONFIRMERS = frozenset({Role.admin, Role.manager})  # who may take a 'stop' line over its budget
HUNDRED = Decimal(100)

# -- thresholds ---------------------------------------------------------------------------------

_ALERT = Text(
    "⚠ {label}已用 {used}（预算 {budget}），超过 {threshold}% 预警线",
    "⚠ {label} at {used} of budget ({budget}), past the {threshold}% alert line",
)
_ALERT_OVER = Text("，已超支 {over}", ", over by {over}")


def thresholds_of(project: Project) -> list[int]:
    """The project's alert thresholds in percent, ascending (default 80 and 100)."""
    values = project.budget_thresholds or DEFAULT_THRESHOLDS
    return sorted({int(value) for value in values if int(value) > 0})


def reached(actual: Decimal, budget: Decimal, thresholds: list[int]) -> list[int]:
    """The thresholds actual has reached, compared exactly (actual × 100 ≥ budget × threshold)."""
    if budget <= 0:
        return []
    return [t for t in thresholds if actual * HUNDRED >= budget * t]


def used_percent(actual: Decimal, budget: Decimal) -> Decimal | None:
    """Percent of a budget used; None for a line without a budget."""
    return actual * HUNDRED / budget if budget > 0 else None


def check_thresholds(ctx: Context, project: Project, category: str) -> list[str]:
    """Record and announce each alert threshold the category has newly crossed; call after writing a cost.

    One alert per crossing, never one per later entry: a crossing is remembered as a BudgetAlert
    row. When actual falls back below a threshold (an undo), its row is removed so that crossing
    it again alerts again. Returns at most one line (the highest threshold newly crossed).
    """
    session = ctx.session
    line = budget_line(session=session, project_id=project.id, category=category)
    if line is None or line.amount <= 0:
        return []
    actual = actual_for_category(session=session, project_id=project.id, category=category)
    crossed = reached(actual, line.amount, thresholds_of(project))
    known = set(
        session.scalars(
            select(BudgetAlert.threshold).where(BudgetAlert.project_id == project.id, BudgetAlert.category == category)
        )
    )
    stale = known - set(crossed)
    if stale:
        session.execute(
            delete(BudgetAlert).where(
                BudgetAlert.project_id == project.id, BudgetAlert.category == category, BudgetAlert.threshold.in_(stale)
            )
        )
    # Insert-or-ignore: another user's entry crossing the same line at the same moment announced it already, and
    # that must never fail either write.
    new = [
        t
        for t in crossed
        if t not in known
        and insert_ignore(
            session,
            BudgetAlert.__table__,
            {"project_id": project.id, "category": category, "threshold": t, "crossed_on": ctx.today},
        )
    ]
    if not new:
        return []
    text = ctx.t(
        _ALERT,
        label=category_label(category, ctx.language, line.label),
        used=pct(used_percent(actual, line.amount)),
        budget=yuan(line.amount),
        threshold=max(new),
    )
    if actual > line.amount:
        text += ctx.t(_ALERT_OVER, over=yuan(actual - line.amount))
    return [text]


# -- add_cost -----------------------------------------------------------------------------------


def stop_unless_confirmed(
    ctx: Context, project: Project, asserted: bool, label: str, budget: Decimal, before: Decimal, amount: Decimal
) -> None:
    """A write over a "stop" line goes ahead only when a manager or admin confirmed it; else it becomes a proposal
    that only they can confirm (a cost or a labour entry alike)."""
    if confirmer_role(ctx, project, asserted=asserted) in CONFIRMERS:
        return
    over = before + amount - budget
    raise NeedsConfirmation(
        STOP,
        confirm_args={"confirm": True},
        roles=CONFIRMERS,
        label=label,
        budget=yuan(budget),
        actual=yuan(before),
        amount=yuan(amount),
        over=yuan(over),
    )


_PRICE_MISMATCH = Text(
    "金额对不上：{quantity}{unit} × {price} = {product}，但金额写的是 {amount}。请确认总价。",
    "The figures disagree: {quantity} {unit} × {price} = {product}, but the amount says {amount}. Which is it?",
)
_PRICE_PARTS = Text("数量和单价要一起给：{quantity}{unit} × 单价", "Give the quantity and the unit price together")
_PRICED = Text("（{quantity}{unit} × {price} = {amount}）", " ({quantity} {unit} × {price} = {amount})")


def _priced(ctx: Context, args: AddCost, amount: Decimal) -> str:
    """Quantity × unit price shown, and checked to the cent against the amount."""
    if args.quantity is None and args.unit_price is None:
        return ""
    if args.quantity is None or args.unit_price is None:
        raise ToolError(_PRICE_PARTS, quantity=qty(args.quantity or Decimal(0)), unit=args.unit or "")
    product = (args.quantity * args.unit_price).quantize(Decimal("0.01"))
    params = {"quantity": qty(args.quantity, 4), "unit": args.unit or "", "price": yuan(args.unit_price)}
    if product != amount:
        raise ToolError(_PRICE_MISMATCH, product=yuan(product), amount=yuan(amount), **params)
    return ctx.t(_PRICED, amount=yuan(product), **params)


MIN_PRICE_HISTORY = 3  # fewer earlier prices say too little about what is usual
_ODD_PRICE = Text(
    "{item}单价 {price}/{unit}，这个项目以往是 {usual}/{unit}",
    "{item} at {price} per {unit}; this project has paid {usual} per {unit}",
)
_AT_THAT_PRICE = Text("按 {price} 记吗？", "Record it at {price}?")


# One cost over twice the whole budget, or this large on a project without one, is asked about: a typo of zeros.
BUDGET_FACTOR = Decimal(2)
HUGE_WITHOUT_BUDGET = Decimal(10_000_000)
_OVER_WHOLE_BUDGET = Text(
    "这一笔 {amount} 超过整个项目预算 {budget} 的两倍",
    "this one cost of {amount} is more than twice the whole budget, {budget}",
)
_SAME_COST = Text(
    "{day} 已经记过一笔一样的 {amount}（可能发了两次）", "the same {amount} is already recorded on {day} (sent twice?)"
)
_ONE_MORE = Text("再记一笔吗？", "Record one more?")
_HUGE = Text("这一笔 {amount} 非常大", "this one cost of {amount} is very large")
_THAT_AMOUNT = Text("确实是 {amount} 吗？", "Is it really {amount}?")


def _doubt_cost(ctx: Context, project: Project, args: AddCost, amount: Decimal, day: date, category: str) -> None:
    """What is odd about a cost, asked in one question: a unit price far from the median the project paid for the
    same item and unit; an amount beyond the whole budget (or huge with no budget)."""
    doubts = Doubts()
    if same_cost_on(
        session=ctx.session, project_id=project.id, day=day, category=category, amount=amount, note=args.note
    ):
        doubts.add(_SAME_COST, _ONE_MORE, amount=yuan(amount), day=day_text(day, ctx.language, ctx.today))
    budget = budget_total(session=ctx.session, project_id=project.id)
    if (budget > 0 and amount > budget * BUDGET_FACTOR) or (budget <= 0 and amount >= HUGE_WITHOUT_BUDGET):
        seen = _OVER_WHOLE_BUDGET if budget > 0 else _HUGE
        doubts.add(seen, _THAT_AMOUNT, amount=yuan(amount), budget=yuan(budget))
    if args.unit_price is not None and args.unit and args.note:
        history = recent_unit_prices(session=ctx.session, project_id=project.id, item=args.note, unit=args.unit)
        usual = statistics.median(history) if len(history) >= MIN_PRICE_HISTORY else None
        if usual is not None and far_apart(args.unit_price, usual, PRICE_FACTOR):
            doubts.add(
                _ODD_PRICE,
                _AT_THAT_PRICE,
                item=args.note,
                price=yuan(args.unit_price),
                unit=args.unit,
                usual=yuan(usual),
            )
    doubts.confirm_or_raise(args.confirm)


_WHICH_CATEGORY = Text("请说明这笔费用的成本科目：{options}", "Which cost category is this? {options}")
_SEVERAL_CATEGORIES = Text(
    "“{text}”可能属于多个成本科目（{found}），请说明是哪个：{options}",
    "“{text}” could belong to several categories ({found}); which one? {options}",
)
STOP = Text(
    "还没有记录：{label}预算 {budget}，已用 {actual}，本笔 {amount} 将超出预算 {over}。"
    "该科目超预算需项目经理或管理员确认。",
    "Not recorded yet: {label} budget {budget}, used {actual}; this {amount} would go {over} over budget. This line "
    "stops overruns unless a manager or admin confirms.",
)
_RECORDED = Text(
    "已记录 {code} {label} {amount}，日期 {day}{extra}。", "Recorded {code} {label} {amount} on {day}{extra}."
)
_VENDOR = Text("，供应商 {vendor}", ", vendor {vendor}")
_NOTE = Text("，备注 {note}", ", note: {note}")
_LINE_USED = Text(
    "{label}已用 {used}（预算 {budget}，剩余 {remaining}）",
    "{label}: {used} of budget used (budget {budget}, remaining {remaining})",
)
_NO_BUDGET = Text("{label}没有预算，累计 {actual}", "{label} has no budget; {actual} spent so far")
_WARN_OVER = Text(
    "⚠ {label}已超出预算 {over}（该科目超预算只提醒）", "⚠ {label} is {over} over budget (this line warns only)"
)
_CONFIRMED_OVER = Text("⚠ 已确认超预算：{label}超出预算 {over}", "⚠ Overrun confirmed: {label} is {over} over budget")


def category_options(ctx: Context, lines: list[BudgetLine]) -> str:
    """Every category a cost can take: the standard ones and the project's own lines."""
    names = [
        f"{CATEGORY_LABELS[c].render('zh')}({c})"
        if ctx.language == "zh"
        else f"{c} ({CATEGORY_LABELS[c].render('zh')})"
        for c in CATEGORIES
    ]
    names += [line.label or line.category for line in lines if line.category not in CATEGORIES]
    return "、".join(names) if ctx.language == "zh" else ", ".join(names)


def _item_pattern() -> re.Pattern[str]:
    words = sorted(ITEM_WORDS, key=len, reverse=True)  # longest first: 防水卷材 before 防水
    parts = [rf"\b{re.escape(w)}\b" if w.isascii() else re.escape(w) for w in words]
    return re.compile("|".join(parts), re.IGNORECASE)


_ITEMS = _item_pattern()


def infer_category(text: str) -> tuple[set[str], list[str]]:
    """Categories implied by item words in free text (水泥 → materials), and the words found."""
    words = [m.group(0) for m in _ITEMS.finditer(text)]
    return {ITEM_WORDS[w.casefold()] for w in words}, words


def _category(ctx: Context, project: Project, args: AddCost) -> str:
    if args.category:
        return resolve.category(ctx, project, args.category)
    text = " ".join(part for part in (args.note, args.vendor) if part)
    found, words = infer_category(text)
    options = category_options(ctx, budget_lines(session=ctx.session, project_id=project.id))
    if len(found) == 1:
        return found.pop()
    if found:
        raise ToolError(
            _SEVERAL_CATEGORIES,
            text="、".join(dict.fromkeys(words))[:60],
            found="、".join(category_label(c, ctx.language) for c in sorted(found)),
            options=options,
        )
    raise ToolError(_WHICH_CATEGORY, options=options)


@tool(args=AddCost, roles=WRITERS, writes=True, moves=("budget", "cash"))
def add_cost(ctx: Context, args: AddCost) -> Result:
    """Record a cost (材料/机械/分包/管理费…) against a project's cost category: amount in yuan, date, vendor, note.

    Use for money spent that is not day labour. category: labor|materials|machinery|subcontract|overhead,
    the project's own line, or an item word (水泥, 吊车); omit it when the note or vendor names the item.
    Set confirm only when a manager explicitly confirms going over a budget line that stops overruns.
    """
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, WRITERS)
    amount = resolve.money(args.amount)
    day = resolve.work_date(ctx, project, args.date)
    category = _category(ctx, project, args)
    priced = _priced(ctx, args, amount)
    lock(ctx.session, f"cost:{project.id}:{day.isoformat()}")  # two identical sends are checked one after the other
    _doubt_cost(ctx, project, args, amount, day, category)
    session = ctx.session
    lock(session, f"budget:{project.id}:{category}")  # the line's total cannot change before this commits
    line = budget_line(session=session, project_id=project.id, category=category)
    label = category_label(category, ctx.language, line.label if line else None)
    before = actual_for_category(session=session, project_id=project.id, category=category)
    after = before + amount
    over = after - line.amount if line is not None and after > line.amount else None
    if over is not None and line is not None and line.policy == BudgetPolicy.stop:
        stop_unless_confirmed(ctx, project, args.confirm, label, line.amount, before, amount)

    changes: list[audit.Change] = []
    party = (
        parties.find_or_create(
            ctx,
            project,
            args.vendor,
            kind="subcontractor" if category == "subcontract" else "supplier",
            changes=changes,
        )
        if args.vendor
        else None
    )
    paid = args.paid is not False  # bought and paid on the spot unless said otherwise (还没付, 挂账)
    if not paid and party is None:
        raise ToolError(_WHO_IS_OWED)
    entry = CostEntry(
        project_id=project.id,
        category=category,
        amount=amount,
        quantity=args.quantity,
        unit=args.unit,
        unit_price=args.unit_price,
        entry_date=day,
        vendor=party.name if party else args.vendor,
        counterparty_id=party.id if party else None,
        note=args.note,
        created_by=ctx.user.id,
        created_at=ctx.now,
    )
    session.add(entry)
    changes.append(audit.created(entry))
    if paid:  # the same message moved cash: one cost, one payment, one undo
        payment = FundTxn(
            project_id=project.id,
            direction=Direction.outflow,
            amount=amount,
            txn_date=day,
            counterparty=party.name if party else None,
            counterparty_id=party.id if party else None,
            cost_entry_id=entry.id,
            note=args.note,
            planned=False,
            created_by=ctx.user.id,
            created_at=ctx.now,
        )
        session.add(payment)
        changes.append(audit.created(payment))
    alerts = check_thresholds(ctx, project, category)

    extra = (ctx.t(_VENDOR, vendor=args.vendor) if args.vendor else "") + (
        ctx.t(_NOTE, note=args.note) if args.note else ""
    )
    lines = [
        ctx.t(
            _RECORDED,
            code=project.code,
            label=label,
            amount=yuan(amount) + priced,
            day=day_text(day, ctx.language, ctx.today),
            extra=extra,
        )
    ]
    used = used_percent(after, line.amount) if line is not None else None
    if alerts:
        pass  # the crossing alert already gives the line's % used and budget
    elif line is not None and used is not None:
        lines.append(
            ctx.t(
                _LINE_USED, label=label, used=pct(used), budget=yuan(line.amount), remaining=yuan(line.amount - after)
            )
        )
    else:
        lines.append(ctx.t(_NO_BUDGET, label=label, actual=yuan(after)))
    if over is not None and line is not None:
        if line.policy == BudgetPolicy.stop:
            lines.append(ctx.t(_CONFIRMED_OVER, label=label, over=yuan(over)))
        elif not alerts or before > line.amount:
            # The crossing alert already says the line went over; repeat it only for later entries.
            lines.append(ctx.t(_WARN_OVER, label=label, over=yuan(over)))
    lines += alerts
    lines.append(_ledgers(ctx, project, party, amount, paid))

    summary = f"{project.code} {category} {amount} {day.isoformat()}"
    log = audit.record(ctx, "add_cost", project, changes, summary)
    data: dict[str, Any] = {
        "project": project.code,
        "entry_id": entry.id,
        "category": category,
        "amount": amount,
        "date": day,
        "vendor": args.vendor,
        "note": args.note,
        "actual": after,
        "budget": line.amount if line else None,
        "percent_used": used,
        "over_budget": over,
        "alerts": alerts,
        "paid": paid,
        "counterparty": party.name if party else None,
    }
    return Result(ok=True, text="\n".join(lines), data=data, audit_id=log.id)


_WHO_IS_OWED = Text(
    "还没付的费用要写欠谁的（供应商），例如“钢筋8000 宏达 还没付”。", "An unpaid cost needs the supplier it is owed to."
)
_PAID_CASH = Text("现金：付款 {amount}，账上余额 {balance}。", "Cash: paid {amount}; balance now {balance}.")
_OWED = Text("未付：应付{party} {owed}（账上现金不变）。", "Not paid: owed to {party} {owed} (cash unchanged).")


def _ledgers(ctx: Context, project: Project, party: Counterparty | None, amount: Decimal, paid: bool) -> str:
    """Which ledgers the cost moved besides the cost itself: cash paid now, or what is owed to the supplier."""
    if paid:
        balance = funds_q.balance(session=ctx.session, project_id=project.id, until=ctx.today)
        return ctx.t(_PAID_CASH, amount=yuan(amount), balance=yuan(balance))
    assert party is not None
    owed = funds_q.owed_to(session=ctx.session, project_id=project.id, counterparty_id=party.id, until=ctx.today)
    return ctx.t(_OWED, party=party.name, owed=yuan(owed))


# -- budget_status ------------------------------------------------------------------------------

_STATUS_HEAD = Text(
    "{code} {name} 预算执行（截至 {today}，工程完成 {complete}）",
    "{code} {name} budget vs actual (as of {today}, work {complete} complete)",
)
_STATUS_ROW = Text(
    "{label}：已用 {used}{flag}\n  预算 {budget}｜实际 {actual}｜剩余 {remaining}｜预计完工 {eac}",
    "{label}: {used} used{flag}\n  budget {budget} | actual {actual} | remaining {remaining} | forecast {eac}",
)
_STATUS_ROW_NO_BUDGET = Text(
    "{label}：没有预算\n  实际 {actual}｜预计完工 {eac}", "{label}: no budget\n  actual {actual} | forecast {eac}"
)
_BY = Text("（{method}）", " ({method})")
_TOTAL = Text("合计", "Total")
_FLAG_OVER = Text(" ⚠ 超支 {over}", " ⚠ over by {over}")
_FLAG_REACHED = Text(" ⚠ 已用完预算", " ⚠ budget reached")
_FLAG_PAST = Text(" ⚠ 超过{threshold}%预警线", " ⚠ past {threshold}%")
_FORECAST_OVER = Text("（预计超支 {over}）", " (forecast {over} over budget)")
_NO_PROGRESS = Text(
    "（还没有任务进度，预测按各科目自身花费）", "(no task progress yet: forecasts are each line's own spending)"
)
_NO_LINES = Text("{code} 还没有预算，也没有费用。", "{code} has no budget and no costs yet.")


def _status_row(
    ctx: Context,
    label: str,
    budget: Decimal,
    actual: Decimal,
    eac: Decimal | None,
    method: str | None,
    thresholds: list[int],
) -> tuple[str, dict[str, Any]]:
    used = used_percent(actual, budget)
    crossed = reached(actual, budget, thresholds)
    if budget > 0 and actual > budget:
        flag = ctx.t(_FLAG_OVER, over=yuan(actual - budget))
    elif budget > 0 and actual == budget:
        flag = ctx.t(_FLAG_REACHED)
    elif crossed:
        flag = ctx.t(_FLAG_PAST, threshold=max(crossed))
    else:
        flag = ""
    shown_eac = yuan(eac) if eac is not None else "—"
    if eac is not None and method is not None:
        shown_eac += ctx.t(_BY, method=ctx.t(METHODS[method]))  # every line's forecast says its method
    if budget > 0:
        text = ctx.t(
            _STATUS_ROW,
            label=label,
            used=pct(used),
            flag=flag,
            budget=yuan(budget),
            actual=yuan(actual),
            remaining=yuan(budget - actual),
            eac=shown_eac,
        )
    else:  # nothing to be over, nothing remaining: only what it has cost
        text = ctx.t(_STATUS_ROW_NO_BUDGET, label=label, actual=yuan(actual), eac=shown_eac)
    data = status_data(budget, actual, eac, method, thresholds)
    if data["forecast_over_budget"] and eac is not None:
        text += ctx.t(_FORECAST_OVER, over=yuan(eac - budget))
    return text, data


def status_data(
    budget: Decimal, actual: Decimal, eac: Decimal | None, method: str | None, thresholds: list[int]
) -> dict[str, Any]:
    """One budget_status row's figures and flags."""
    return {
        "budget": budget,
        "actual": actual,
        "percent_used": used_percent(actual, budget),
        "remaining": budget - actual,
        "eac": eac,
        "method": method,
        "thresholds_crossed": reached(actual, budget, thresholds),
        "over_budget": budget > 0 and actual > budget,
        "reached": budget > 0 and actual == budget,
        "forecast_over_budget": eac is not None and budget > 0 and eac > budget,
    }


def budget_data(project: Project, status: ProjectForecast, language: str) -> dict[str, Any]:
    """budget_status's lines and total (its data for the whole project, without the text), from a forecast: what
    the morning digest computes for every project at once."""
    thresholds = thresholds_of(project)
    lines = [
        {
            "category": line.category,
            "label": category_label(line.category, language, line.label),
            **status_data(line.budget, line.actual, line.eac, line.method, thresholds),
        }
        for line in status.lines
    ]
    if not lines:
        return {"project": project.code, "lines": []}
    total_budget = sum((line.budget for line in status.lines), ZERO)
    total_actual = sum((line.actual for line in status.lines), ZERO)
    total = status_data(total_budget, total_actual, status.eac, None, thresholds)
    return {"project": project.code, "lines": lines, "total": total}


@tool(args=BudgetStatus, roles=ANY_MEMBER)
def budget_status(ctx: Context, args: BudgetStatus) -> Result:
    """Budget vs actual per cost category (labour included): % used, remaining, forecast at completion, alerts.

    Optional category limits the answer to one line; as_of looks at a past date.
    """
    from tools.tasks import budget_gap_line

    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    as_of = min(args.as_of or ctx.today, ctx.today)
    status = forecast(ctx.session, project, as_of, today=ctx.today)
    thresholds = thresholds_of(project)
    lines = status.lines
    if args.category:
        wanted = resolve.category(ctx, project, args.category)
        lines = [line for line in lines if line.category == wanted] or [
            LineForecast(wanted, None, ZERO, ZERO, None, None, "no_budget")
        ]
    if not lines:
        return Result(ok=True, text=ctx.t(_NO_LINES, code=project.code), data={"project": project.code, "lines": []})
    shown = day_text(as_of, ctx.language, ctx.today)
    texts = [
        ctx.t(_STATUS_HEAD, code=project.code, name=project.name, today=shown, complete=pct(status.percent_complete))
    ]
    items: list[dict[str, Any]] = []
    for line in lines:
        label = category_label(line.category, ctx.language, line.label)
        text, data = _status_row(ctx, label, line.budget, line.actual, line.eac, line.method, thresholds)
        texts.append(text)
        items.append({"category": line.category, "label": label, **data})
    result: dict[str, Any] = {
        "project": project.code,
        "as_of": as_of,
        "percent_complete": status.percent_complete,
        "lines": items,
        "eac": status.eac,
    }
    if not args.category:
        total_budget = sum((line.budget for line in status.lines), ZERO)
        total_actual = sum((line.actual for line in status.lines), ZERO)
        # A project with no budget at all is never "over budget": there is nothing to be over.
        text, data = _status_row(ctx, ctx.t(_TOTAL), total_budget, total_actual, status.eac, None, thresholds)
        texts.append(text)
        result["total"] = data
    if not status.percent_complete:
        texts.append(ctx.t(_NO_PROGRESS))
    gap = budget_gap_line(ctx, project)
    if gap:
        texts.append(gap)
    return Result(ok=True, text="\n".join(texts), data=result)
