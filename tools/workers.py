"""A project's people in chat: list them with their rates, add one, change a rate from a date (re-pricing what was
already logged only when asked)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from storage.locks import lock
from storage.models import LaborEntry, ProjectRate, ProjectWorker, RateHistory, Role, Worker
from storage.queries import labor as q
from tools import audit, resolve
from tools.args import AddWorker, ListWorkers, SetWorkerRate
from tools.base import ANY_MEMBER, Context, NeedsConfirmation, Result, Text, ToolError, require_role, tool
from tools.fmt import day_text, yuan
from tools.labor import RATE_ROLES, compute_pay, owed_text

ADD_ROLES = frozenset({Role.admin, Role.manager, Role.foreman})
EARLIEST = date(2000, 1, 1)  # a worker's own rate, when added, applies to anything logged before too

_HEAD = Text("{code} 的工人（{n}）：", "{code} workers ({n}):")
_ROW = Text("· {name}{tail}  {trade}  日工资 {rate}  未结 {owed}", "· {name}{tail}  {trade}  {rate}/day  owed {owed}")
_TAIL = Text("（尾号{tail}）", " (#{tail})")
_NONE = Text("{code} 还没有工人。可以说“添加工人 刘德华 木工 350”。", "{code} has no workers yet. Say “add worker …”.")
_NO_TRADE = Text("未分工种", "no trade")

_ADDED = Text(
    "已添加工人 {name}{tail}（{trade}），日工资 {rate}，项目 {code}。",
    "Added worker {name}{tail} ({trade}) at {rate}/day to {code}.",
)
_ON_BOOKS = Text(
    "{name} 已经在项目 {code} 的工人名单里了（日工资 {rate}）。若是另一个同名的人，请加上手机尾号，"
    "例如“添加工人 {name} 尾号1234 …”。",
    "{name} is already on {code}'s books ({rate}/day). If this is another person of that name, add the tail of "
    "their phone number, e.g. “add worker {name} #1234 …”.",
)
_NAMESAKE = Text(
    "还没有添加：已有一个 {name}（{trade}，在项目 {where}）。是同一个人吗？",
    "Not added yet: there is a {name} ({trade}, on {where}). Is this the same person?",
)
_SAME = Text("同一个人，加到 {code}，日工资 {rate}", "The same person: add to {code} at {rate}/day")
_NEW = Text("另一个人，新建 {name}", "Another person: a new {name}")

_RATE_SET = Text(
    "已把 {name} 在 {code} 的日工资改为 {rate}，从 {start} 起（原为 {old}）。",
    "{name}'s rate on {code} is now {rate}/day from {start} (was {old}).",
)
_AFFECTED = Text(
    "还没有改：从 {start} 起 {name} 已记了 {n} 条工（工资 {before}），按新工价是 {after}（{change}）。"
    "已记的要按新工价重算吗？",
    "Not changed yet: {name} has {n} entries from {start} (wages {before}); at the new rate they come to {after} "
    "({change}). Re-price them too?",
)
_ONLY_LATER = Text("只改工价，已记的不变", "Change the rate only; keep what was logged")
_REPRICE = Text("改工价，已记的 {n} 条也重算", "Change the rate and re-price the {n} entries")
_REPRICED = Text(
    "已按新工价重算 {n} 条：工资 {before} → {after}（{change}）。",
    "Re-priced {n} entries: wages {before} → {after} ({change}).",
)


def _signed(amount: Decimal) -> str:
    return ("+" if amount >= 0 else "-") + yuan(abs(amount))


@tool(args=ListWorkers, roles=ANY_MEMBER)
def list_workers(ctx: Context, args: ListWorkers) -> Result:
    """The workers on a project's books with trade, daily rate in force today and wages owed."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    workers = resolve.workers_on(ctx, project)
    if not workers:
        return Result(ok=True, text=ctx.t(_NONE, code=project.code), data={"project": project.code, "workers": []})
    lines = [ctx.t(_HEAD, code=project.code, n=len(workers))]
    items: list[dict[str, Any]] = []
    for worker in workers:
        rate = q.rate_on(session=ctx.session, worker_id=worker.id, day=ctx.today, project_id=project.id)
        rate = rate if rate is not None else worker.daily_rate
        owed = q.outstanding_wages(session=ctx.session, project_id=project.id, until=ctx.today, worker_id=worker.id)
        lines.append(
            ctx.t(
                _ROW,
                name=worker.name,
                tail=ctx.t(_TAIL, tail=worker.id_tail) if worker.id_tail else "",
                trade=worker.trade or ctx.t(_NO_TRADE),
                rate=yuan(rate),
                owed=owed_text(ctx, owed),
            )
        )
        items.append({"name": worker.name, "trade": worker.trade, "daily_rate": rate, "owed": owed})
    return Result(ok=True, text="\n".join(lines), data={"project": project.code, "workers": items})


@tool(args=AddWorker, roles=ADD_ROLES, writes=True, moves=())
def add_worker(ctx: Context, args: AddWorker) -> Result:
    """Add a worker to a project's books: name, trade, daily rate (添加工人刘德华 木工 350)."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ADD_ROLES)
    rate = resolve.money(args.daily_rate)
    session = ctx.session
    lock(session, f"workers:{project.id}")
    here = resolve.workers_on(ctx, project, Worker.name == args.name, Worker.id_tail == args.id_tail)
    if here:
        raise ToolError(_ON_BOOKS, name=args.name, code=project.code, rate=yuan(here[0].daily_rate))
    changes: list[audit.Change] = []
    worker: Worker | None = None
    if args.same_as is not None:
        worker = next(iter(resolve.workers_on(ctx, None, Worker.id == args.same_as)), None)
        if worker is None:
            raise ToolError(resolve_unknown(args.name))
    elif not args.new_person:
        elsewhere = resolve.workers_on(ctx, None, Worker.name == args.name)
        if elsewhere:
            # A namesake on a project the user sees: the same person, or another? Never merged silently.
            known = elsewhere[0]
            where = _projects_of(ctx, known)
            raise NeedsConfirmation(
                _NAMESAKE,
                confirm_args={"same_as": known.id},
                options=[
                    (_SAME.bind(code=project.code, rate=yuan(rate)), {"same_as": known.id}),
                    (_NEW.bind(name=args.name), {"new_person": True}),
                ],
                name=args.name,
                trade=known.trade or "—",
                where="、".join(where) or "—",
            )
    if worker is None:
        worker = Worker(
            name=args.name,
            aliases=list(args.aliases),
            trade=args.trade,
            daily_rate=rate,
            phone=args.phone,
            id_tail=args.id_tail,
            created_at=ctx.now,
        )
        session.add(worker)
        changes.append(audit.created(worker))
        history = RateHistory(worker_id=worker.id, daily_rate=rate, valid_from=EARLIEST)
        session.add(history)
        changes.append(audit.created(history))
    booked = ProjectWorker(project_id=project.id, worker_id=worker.id, trade=args.trade, created_at=ctx.now)
    session.add(booked)
    changes.append(audit.created(booked))
    own = ProjectRate(project_id=project.id, worker_id=worker.id, daily_rate=rate, valid_from=project.start or EARLIEST)
    session.add(own)
    changes.append(audit.created(own))
    text = ctx.t(
        _ADDED,
        name=worker.name,
        tail=ctx.t(_TAIL, tail=worker.id_tail) if worker.id_tail else "",
        trade=args.trade or worker.trade or ctx.t(_NO_TRADE),
        rate=yuan(rate),
        code=project.code,
    )
    log = audit.record(ctx, "add_worker", project, changes, text)
    return Result(
        ok=True, text=text, data={"project": project.code, "worker": worker.name, "daily_rate": rate}, audit_id=log.id
    )


def resolve_unknown(name: str) -> Text:
    return Text(f"没有找到工人“{name[:40]}”。", f"No worker called “{name[:40]}”.")


def _projects_of(ctx: Context, worker: Worker) -> list[str]:
    """The codes of the visible projects a worker is on."""
    visible = {p.id: p.code for p in resolve.visible_projects(ctx)}
    ids = ctx.session.scalars(select(ProjectWorker.project_id).where(ProjectWorker.worker_id == worker.id))
    return [visible[i] for i in ids if i in visible]


@tool(args=SetWorkerRate, roles=RATE_ROLES, writes=True)
def set_worker_rate(ctx: Context, args: SetWorkerRate) -> Result:
    """Change a worker's daily rate on a project from a date (李四日工资涨到400，从12月1日起). Entries already logged
    from that date keep their rate unless reprice is true."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, RATE_ROLES)
    worker = resolve.worker(ctx, args.worker, project)
    rate = resolve.money(args.daily_rate)
    start = args.start or ctx.today
    session = ctx.session
    lock(session, f"wages:{project.id}:{worker.id}")
    old = q.rate_on(session=session, worker_id=worker.id, day=start, project_id=project.id) or worker.daily_rate
    affected = list(
        session.scalars(
            select(LaborEntry)
            .where(
                LaborEntry.project_id == project.id,
                LaborEntry.worker_id == worker.id,
                LaborEntry.kind == "day",
                LaborEntry.work_date >= start,
                LaborEntry.daily_rate != rate,
            )
            .order_by(LaborEntry.work_date)
        )
    )
    priced = [
        (entry, compute_pay(project, days=Fraction(entry.days), overtime_hours=entry.overtime_hours, daily_rate=rate))
        for entry in affected
    ]
    before = sum((e.amount for e in affected), Decimal(0))
    after = sum((pay.amount for _, pay in priced), Decimal(0))
    shown = day_text(start, ctx.language, ctx.today)
    if affected and args.reprice is None:
        raise NeedsConfirmation(
            _AFFECTED,
            confirm_args={"reprice": False},
            options=[
                (_ONLY_LATER, {"reprice": False}),
                (_REPRICE.bind(n=len(affected)), {"reprice": True}),
            ],
            start=shown,
            name=worker.name,
            n=len(affected),
            before=yuan(before),
            after=yuan(after),
            change=_signed(after - before),
        )
    changes: list[audit.Change] = []
    existing = session.scalar(
        select(ProjectRate).where(
            ProjectRate.project_id == project.id, ProjectRate.worker_id == worker.id, ProjectRate.valid_from == start
        )
    )
    if existing is not None:
        snapshot = audit.snapshot(existing)
        existing.daily_rate = rate
        changes.append(audit.updated(existing, snapshot))
    else:
        row = ProjectRate(project_id=project.id, worker_id=worker.id, daily_rate=rate, valid_from=start)
        session.add(row)
        changes.append(audit.created(row))
    lines = [ctx.t(_RATE_SET, name=worker.name, code=project.code, rate=yuan(rate), start=shown, old=yuan(old))]
    if args.reprice and affected:
        for entry, pay in priced:
            snapshot = audit.snapshot(entry)
            entry.daily_rate = rate
            entry.amount = pay.amount
            entry.overtime_amount = pay.overtime_amount
            changes.append(audit.updated(entry, snapshot))
        lines.append(
            ctx.t(_REPRICED, n=len(affected), before=yuan(before), after=yuan(after), change=_signed(after - before))
        )
    log = audit.record(ctx, "set_worker_rate", project, changes, lines[0])
    data = {
        "project": project.code,
        "worker": worker.name,
        "daily_rate": rate,
        "start": start,
        "repriced": len(affected) if args.reprice else 0,
        "wages_change": (after - before) if args.reprice else Decimal(0),
    }
    return Result(ok=True, text="\n".join(lines), data=data, audit_id=log.id)
