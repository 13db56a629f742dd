"""The history of a project already under way: labour, advances, settlements, costs, fund movements, progress
reports and opening balances — checked against the plan rows and the database, then written.

Importing the same file again adds nothing: each history row has a fingerprint (its project, worker or task, date,
amount and the other values it gives), and a row is written only when the database holds fewer rows of that
fingerprint than the file does — so two identical rows in a file stay two, and a second import adds none. A day of
labour is one entry per worker, project and date (as in chat): a second row for the same day is refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from storage.models import (
    CostEntry,
    Counterparty,
    Direction,
    FundTxn,
    LaborEntry,
    PaymentKind,
    ProgressUpdate,
    Task,
    Worker,
    WorkerPayment,
)
from storage.queries import imports as q
from storage.queries import labor as labour_q
from tools.base import Text
from tools.importer.history_columns import HISTORY_KINDS
from tools.importer.people import People
from tools.importer.schemas import Row
from tools.importer.values import show

if TYPE_CHECKING:
    from tools.importer.apply import _Writer

ZERO = Decimal(0)

_NOT_ON_BOOKS = Text(
    "项目 {code} 没有叫 {name} 的工人：请在工人表里加一行（填上项目编号）",
    "project {code} has no worker called {name}: add them on the workers sheet with this project",
)
_AMBIGUOUS_WORKER = Text(
    "项目 {code} 有 {n} 个叫 {name} 的工人，请填尾号区分",
    "project {code} has {n} workers called {name}; give an id_tail",
)
_UNKNOWN_TASK = Text(
    "任务“{name}”在项目 {code} 里找不到（文件和数据库都没有）",
    "task “{name}” is not a task of project {code} (neither in the file nor in the database)",
)
_NO_WORK = Text("工日和加班小时都是 0", "no days and no overtime hours")
_SAME_DAY = Text(
    "{name} {day} 在第 {other} 行已经有一条记工：同一天只记一条", "{name} already has a row for {day} (row {other})"
)
_LOGGED_OTHERWISE = Text(
    "{name} {day} 在项目 {code} 已经记过：{days} 工，加班 {overtime} 小时，日工资 {rate}；与这一行不同",
    "{name} already has an entry on {day} in {code}: {days} day(s), {overtime} h overtime at {rate}/day, "
    "which differs from this row",
)
_MORE_THAN_A_DAY = Text(
    "⚠ {name} {day} 在各项目共记了 {days} 工，超过一个工：请核对",
    "⚠ {name} has {days} days logged on {day} across projects",
)
_NEEDS_WORKER = Text("未结工资要写是哪个工人", "opening wages need a worker")
_NEGATIVE_WAGES = Text("未结工资不能是负数", "opening wages cannot be negative")
_OPENING_CHANGED = Text(
    "{what}已经导入过（{was}），和这一行不同。期初只有一个：要改请在对话里记更正或撤回那次导入",
    "{what} was imported already ({was}) and differs from this row. There is one opening balance: correct it in chat "
    "or undo that import",
)
_OPENING_WAGES = Text("{name}的期初未结工资", "{name}'s opening wages")
_OPENING_CASH = Text("期初资金", "the opening cash")
_FINISH_BEFORE_START = Text("实际完成早于实际开始", "actual_finish before actual_start")

KIND_OF_PAYMENT = {"advances": PaymentKind.advance, "settlements": PaymentKind.settlement}


def _changed(what: Text, before: set[tuple[date, Decimal]]) -> Text:
    """The refusal of an opening balance other than the one imported, in both languages."""
    was = ", ".join(f"{day.isoformat()} {amount:,.2f}" for day, amount in sorted(before))
    return Text(_OPENING_CHANGED.zh.format(what=what.zh, was=was), _OPENING_CHANGED.en.format(what=what.en, was=was))


def _cf(text: str | None) -> str:
    return "".join((text or "").split()).casefold()


@dataclass
class History:
    """Checking and writing the history sheets of one import."""

    session: Session
    people: People
    project_ids: dict[str, int]  # casefolded code → id, for projects already in the database
    refs: dict[int, Any] = field(default_factory=dict)  # id(row) → find() result for its worker
    skip: set[int] = field(default_factory=set)  # id(row) of labour rows already in the database as they are
    day_entries: dict[tuple[int, int, date], LaborEntry] = field(default_factory=dict)
    opening_wages: dict[tuple[int, int], set[tuple[date, Decimal]]] = field(default_factory=dict)
    opening_cash: dict[int, set[tuple[date, Decimal]]] = field(default_factory=dict)

    def check(
        self,
        by_kind: dict[str, list[Row]],
        project_known: Callable[[Row], bool],
        task_known: Callable[[str, str], bool],
        fail: Callable[..., None],
    ) -> None:
        codes = {_cf(row.values["project"]) for row in by_kind["labour"] if "project" in row.values}
        ids = {self.project_ids[code] for code in codes if code in self.project_ids}
        for entry in q.labour_entries(session=self.session, project_ids=ids, kind="day"):
            self.day_entries[(entry.project_id, entry.worker_id, entry.work_date)] = entry
        opening_ids = {
            self.project_ids[_cf(row.values["project"])]
            for row in by_kind["opening"]
            if "project" in row.values and _cf(row.values["project"]) in self.project_ids
        }
        for entry in q.labour_entries(session=self.session, project_ids=opening_ids, kind="opening"):
            self.opening_wages.setdefault((entry.project_id, entry.worker_id), set()).add(
                (entry.work_date, entry.amount)
            )
        for txn in q.fund_txns(session=self.session, project_ids=opening_ids):
            if txn.kind == "opening":
                signed = txn.amount if txn.direction == Direction.inflow else -txn.amount
                self.opening_cash.setdefault(txn.project_id, set()).add((txn.txn_date, signed))
        for kind in HISTORY_KINDS:
            for row in by_kind[kind]:
                if not row.ok or not project_known(row):
                    continue
                values = row.values
                if kind == "opening":
                    self._check_opening(row, by_kind["workers"], fail)
                elif kind in ("labour", "advances", "settlements"):
                    self._worker(row, by_kind["workers"], fail)
                elif kind == "progress":
                    if not task_known(values["project"], values["task"]):
                        fail(row, _UNKNOWN_TASK, name=show(values["task"]), code=show(values["project"]))
                    start, finish = values.get("actual_start"), values.get("actual_finish")
                    if start and finish and finish < start:
                        fail(row, _FINISH_BEFORE_START)
        self._check_labour(by_kind["labour"], fail)

    def _worker(self, row: Row, workers: list[Row], fail: Callable[..., None]) -> None:
        values = row.values
        key = _cf(values["project"])
        found = self.people.find(workers, key, self.project_ids.get(key), values["worker"], values.get("id_tail"))
        if not found:
            fail(row, _NOT_ON_BOOKS, code=show(values["project"]), name=show(values["worker"]))
        elif len(found) > 1:
            fail(row, _AMBIGUOUS_WORKER, code=show(values["project"]), n=len(found), name=show(values["worker"]))
        else:
            self.refs[id(row)] = found[0]

    def _check_opening(self, row: Row, workers: list[Row], fail: Callable[..., None]) -> None:
        """One opening balance per worker and per project: the same one again is no change, another is refused."""
        values = row.values
        pid = self.project_ids.get(_cf(values["project"]))
        said = (values["date"], values["amount"])
        if values["item"] != "wages":
            before = self.opening_cash.get(pid or 0)
            if before and said not in before:
                fail(row, _changed(_OPENING_CASH, before))
            return
        if "worker" not in values:
            fail(row, _NEEDS_WORKER)
        elif values["amount"] < 0:
            fail(row, _NEGATIVE_WAGES)
        else:
            self._worker(row, workers, fail)
            ref = self.refs.get(id(row))
            before = self.opening_wages.get((pid or 0, ref.id)) if isinstance(ref, Worker) else None
            if before and said not in before:
                fail(row, _changed(_OPENING_WAGES.bind(name=show(values["worker"])), before))

    def _check_labour(self, rows: list[Row], fail: Callable[..., None]) -> None:
        seen: dict[tuple[str, Any, date], Row] = {}
        for row in rows:
            if not row.ok or id(row) not in self.refs:
                continue
            values = row.values
            days, overtime = values.get("days", Decimal(1)), values.get("overtime_hours", ZERO)
            if days == 0 and overtime == 0:
                fail(row, _NO_WORK)
                continue
            ref = self.refs[id(row)]
            key = (_cf(values["project"]), ref.id if isinstance(ref, Worker) else ("row", id(ref)), values["date"])
            if key in seen:
                day = values["date"].isoformat()
                fail(row, _SAME_DAY, name=show(values["worker"]), day=day, other=seen[key].number)
                continue
            seen[key] = row
            pid = self.project_ids.get(key[0])
            entry = self.day_entries.get((pid, ref.id, values["date"])) if isinstance(ref, Worker) and pid else None
            if entry is None:
                continue
            rate = values.get("daily_rate")
            if entry.days == days and entry.overtime_hours == overtime and rate in (None, entry.daily_rate):
                self.skip.add(id(row))
            else:
                fail(
                    row,
                    _LOGGED_OTHERWISE,
                    name=show(values["worker"]),
                    day=values["date"].isoformat(),
                    code=show(values["project"]),
                    days=entry.days.normalize(),
                    overtime=entry.overtime_hours.normalize(),
                    rate=entry.daily_rate,
                )

    # -- writing ---------------------------------------------------------------------------------------

    def write(self, writer: _Writer, by_kind: dict[str, list[Row]]) -> None:
        """Write the history rows not already in the database (as a multiset), in a fixed order."""
        ids = {writer.project(r.values["project"]).id for kind in HISTORY_KINDS for r in by_kind[kind]}
        if not ids:
            return
        session = self.session
        existing: Counter[tuple[Any, ...]] = Counter()
        for entry in q.labour_entries(session=session, project_ids=ids, kind="opening"):
            existing[("opening", entry.project_id, entry.worker_id, entry.work_date, entry.amount)] += 1
        for payment in q.worker_payments(session=session, project_ids=ids):
            existing[(payment.kind.value, payment.project_id, payment.worker_id, payment.paid_on, payment.amount)] += 1
        for cost, paid in q.cost_entries(session=session, project_ids=ids):
            existing[self._cost_key(cost, paid)] += 1
        for txn in q.fund_txns(session=session, project_ids=ids):
            existing[self._fund_key(txn)] += 1
        for update in q.progress_updates(session=session, project_ids=ids):
            existing[("progress", update.task_id, update.reported_on, update.percent)] += 1
        parties = _Parties(writer, q.counterparties(session=session, project_ids=ids))
        tasks = {(t.project_id, _cf(t.name)): t for t in q.tasks(session=session, project_ids=ids)}

        def once(kind: str, key: tuple[Any, ...]) -> bool:
            """Whether to write a row of this fingerprint: not when the database already holds one more."""
            if existing[key] > 0:
                existing[key] -= 1
                writer.unchanged[kind] = writer.unchanged.get(kind, 0) + 1
                return False
            return True

        for row in by_kind["opening"]:
            self._opening(writer, row, once)
        labour = [made for row in by_kind["labour"] if (made := self._labour(writer, row))]
        writer.create_many("labour", labour)
        busy = q.busy_days(session=session, worker_ids={e.worker_id for e in labour}, more_than=Decimal(1))
        written = {(e.worker_id, e.work_date) for e in labour}
        for worker_id, name, day, days in busy:
            if (worker_id, day) in written:
                writer.warn(_MORE_THAN_A_DAY, name=name, day=day.isoformat(), days=days.normalize())
        for kind in ("advances", "settlements"):
            payments: list[WorkerPayment] = []
            for row in by_kind[kind]:
                values = row.values
                project = writer.project(values["project"])
                worker = self.people.worker_of(self.refs[id(row)])
                pay_kind = KIND_OF_PAYMENT[kind]
                if once(kind, (pay_kind.value, project.id, worker.id, values["date"], values["amount"])):
                    payment = WorkerPayment(
                        project_id=project.id,
                        worker_id=worker.id,
                        kind=pay_kind,
                        amount=values["amount"],
                        paid_on=values["date"],
                        note="import",
                        created_by=writer.user_id,
                    )
                    payments.append(payment)
                writer.touched.add(project.id)
            writer.create_many(kind, payments)
        costs = [booked for row in by_kind["costs"] if (booked := self._cost(writer, row, parties, once))]
        writer.create_many("costs", [cost for cost, _ in costs])
        writer.create_many(
            "funds",
            [
                FundTxn(
                    project_id=cost.project_id,
                    direction=Direction.outflow,
                    amount=cost.amount,
                    txn_date=cost.entry_date,
                    counterparty=cost.vendor,
                    counterparty_id=cost.counterparty_id,
                    cost_entry_id=cost.id,
                    note=cost.note,
                    planned=False,
                    created_by=writer.user_id,
                )
                for cost, paid in costs
                if paid
            ],
        )
        for row in by_kind["funds"]:
            self._fund(writer, row, parties, once)
        self._progress(writer, by_kind["progress"], tasks, once)

    @staticmethod
    def _cost_key(cost: CostEntry, paid: bool) -> tuple[Any, ...]:
        return ("cost", cost.project_id, cost.entry_date, cost.category, cost.amount, _cf(cost.vendor), paid, cost.note)

    @staticmethod
    def _fund_key(txn: FundTxn) -> tuple[Any, ...]:
        if txn.kind == "opening":
            return ("opening_cash", txn.project_id, txn.txn_date, txn.direction.value, txn.amount)
        return (
            "fund",
            txn.project_id,
            txn.txn_date,
            txn.direction.value,
            txn.amount,
            _cf(txn.counterparty),
            txn.planned,
            txn.note,
        )

    def _opening(self, writer: _Writer, row: Row, once: Callable[[str, tuple[Any, ...]], bool]) -> None:
        values = row.values
        project = writer.project(values["project"])
        writer.touched.add(project.id)
        amount: Decimal = values["amount"]
        if amount == 0:
            return
        if values["item"] == "wages":
            worker = self.people.worker_of(self.refs[id(row)])
            if once("opening", ("opening", project.id, worker.id, values["date"], amount)):
                entry = LaborEntry(
                    project_id=project.id,
                    worker_id=worker.id,
                    work_date=values["date"],
                    kind="opening",
                    days=ZERO,
                    overtime_hours=ZERO,
                    daily_rate=ZERO,
                    overtime_amount=ZERO,
                    amount=amount,
                    note="opening",
                    created_by=writer.user_id,
                )
                writer.create("opening", entry)
            return
        direction = Direction.inflow if amount > 0 else Direction.outflow
        if once("opening", ("opening_cash", project.id, values["date"], direction.value, abs(amount))):
            txn = FundTxn(
                project_id=project.id,
                direction=direction,
                amount=abs(amount),
                txn_date=values["date"],
                kind="opening",
                note="opening",
                planned=False,
                created_by=writer.user_id,
            )
            writer.create("opening", txn)

    def _labour(self, writer: _Writer, row: Row) -> LaborEntry | None:
        from tools.labor import compute_pay

        values = row.values
        project = writer.project(values["project"])
        writer.touched.add(project.id)
        if id(row) in self.skip:
            writer.unchanged["labour"] = writer.unchanged.get("labour", 0) + 1
            return None
        worker = self.people.worker_of(self.refs[id(row)])
        day: date = values["date"]
        rate = values.get("daily_rate")
        if rate is None:
            rate = labour_q.rate_on(session=self.session, worker_id=worker.id, day=day, project_id=project.id)
        pay = compute_pay(
            project,
            days=Fraction(values.get("days", Decimal(1))),
            overtime_hours=values.get("overtime_hours", ZERO),
            daily_rate=rate if rate is not None else worker.daily_rate,
        )
        return LaborEntry(
            project_id=project.id,
            worker_id=worker.id,
            work_date=day,
            kind="day",
            days=pay.days,
            overtime_hours=pay.overtime_hours,
            daily_rate=pay.daily_rate,
            overtime_amount=pay.overtime_amount,
            amount=pay.amount,
            note="import",
            created_by=writer.user_id,
        )

    def _cost(
        self, writer: _Writer, row: Row, parties: _Parties, once: Callable[[str, tuple[Any, ...]], bool]
    ) -> tuple[CostEntry, bool] | None:
        """The cost a row books (and whether it was paid on the spot), or None when it is already there."""
        values = row.values
        project = writer.project(values["project"])
        writer.touched.add(project.id)
        category = values["category"][0]
        paid = values.get("paid") == "yes"
        name = values.get("counterparty")
        key = ("cost", project.id, values["date"], category, values["amount"], _cf(name), paid, values.get("item"))
        if not once("costs", key):
            return None
        party = parties.get(project.id, name, "subcontractor" if category == "subcontract" else "supplier")
        cost = CostEntry(
            project_id=project.id,
            category=category,
            amount=values["amount"],
            entry_date=values["date"],
            vendor=name,
            counterparty_id=party.id if party else None,
            note=values.get("item"),
            created_by=writer.user_id,
        )
        return cost, paid

    def _fund(self, writer: _Writer, row: Row, parties: _Parties, once: Callable[[str, tuple[Any, ...]], bool]) -> None:
        values = row.values
        project = writer.project(values["project"])
        writer.touched.add(project.id)
        direction = Direction(values["direction"])
        planned = values.get("planned") == "yes"
        name = values.get("counterparty")
        key = (
            "fund",
            project.id,
            values["date"],
            direction.value,
            values["amount"],
            _cf(name),
            planned,
            values.get("item"),
        )
        if not once("funds", key):
            return
        party = parties.get(project.id, name, "owner" if direction == Direction.inflow else "supplier")
        txn = FundTxn(
            project_id=project.id,
            direction=direction,
            amount=values["amount"],
            txn_date=values["date"],
            counterparty=name,
            counterparty_id=party.id if party else None,
            note=values.get("item"),
            planned=planned,
            created_by=writer.user_id,
        )
        writer.create("funds", txn)

    def _progress(
        self,
        writer: _Writer,
        rows: list[Row],
        tasks: dict[tuple[int, str], Task],
        once: Callable[[str, tuple[Any, ...]], bool],
    ) -> None:
        """Progress reports, then each reported task's percent (its latest report) and actual start and finish."""
        reported: dict[int, list[Row]] = {}
        updates: list[ProgressUpdate] = []
        for row in sorted(rows, key=lambda r: r.values["date"]):
            values = row.values
            project = writer.project(values["project"])
            writer.touched.add(project.id)
            task = tasks.get((project.id, _cf(values["task"]))) or next(
                t for t in tasks.values() if t.project_id == project.id and _cf(values["task"]) in map(_cf, t.aliases)
            )
            reported.setdefault(task.id, []).append(row)
            if once("progress", ("progress", task.id, values["date"], values["percent"])):
                update = ProgressUpdate(
                    task_id=task.id,
                    reported_on=values["date"],
                    percent=values["percent"],
                    note="import",
                    created_by=writer.user_id,
                )
                updates.append(update)
        writer.create_many("progress", updates)
        by_id = {task.id: task for task in tasks.values()}
        for task_id, task_rows in reported.items():
            task = by_id[task_id]
            latest = q.latest_progress(session=self.session, task_id=task_id)
            changes: dict[str, Any] = {"percent": latest.percent} if latest is not None else {}
            starts = [r.values["actual_start"] for r in task_rows if "actual_start" in r.values]
            started = [r.values["date"] for r in task_rows if r.values["percent"] > 0]
            if starts:
                changes["actual_start"] = starts[-1]
            elif task.actual_start is None and started:
                changes["actual_start"] = started[0]
            finishes = [r.values["actual_finish"] for r in task_rows if "actual_finish" in r.values]
            done = [r.values["date"] for r in task_rows if r.values["percent"] == 100]
            if finishes:
                changes["actual_finish"] = finishes[-1]
            elif task.actual_finish is None and done and changes.get("percent") == 100:
                changes["actual_finish"] = done[0]
            writer.apply("tasks", task, changes)


class _Parties:
    """The projects' counterparties by name or alias; a name met for the first time is created."""

    def __init__(self, writer: _Writer, known: list[Counterparty]) -> None:
        self.writer = writer
        self.by_name: dict[tuple[int, str], Counterparty] = {}
        for party in known:
            for name in (party.name, *(party.aliases or [])):
                self.by_name.setdefault((party.project_id, _cf(name)), party)

    def get(self, project_id: int, name: str | None, kind: str) -> Counterparty | None:
        if not name:
            return None
        key = (project_id, _cf(name))
        if key not in self.by_name:
            party = Counterparty(project_id=project_id, name=name[:200], aliases=[], kind=kind)
            self.writer.create("counterparties", party)
            self.by_name[key] = party
        return self.by_name[key]
