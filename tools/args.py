"""Every tool's arguments: the one contract the commands, the parser and the model all fill.

Names (project, worker, task, category) are free text resolved against the database by the tool;
dates are ISO dates; money is Decimal (a decimal string in JSON).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from tools.base import ToolArgs

ProjectName = Annotated[
    str | None, Field(None, max_length=100, description="Project code or name; omit for the chat's")
]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Note = Annotated[str | None, Field(None, max_length=500)]
Day = Annotated[date | None, Field(None, description="ISO date; omit for today")]
Amount = Annotated[
    Decimal, Field(gt=0, le=Decimal("10000000000"), allow_inf_nan=False, description='Yuan, e.g. "8000"')
]
OptionalAmount = Annotated[
    Decimal | None, Field(None, gt=0, le=Decimal("10000000000"), allow_inf_nan=False, description="Yuan")
]


class NoArgs(ToolArgs):
    pass


class ProjectOnly(ToolArgs):
    project: ProjectName = None


class LogLabor(ToolArgs):
    project: ProjectName = None
    worker: Name = Field(description="Worker name")
    date: Day = None
    days: Decimal | None = Field(None, gt=0, le=3, allow_inf_nan=False, description="工日: 1, 0.5 (半天)")
    hours: Decimal | None = Field(
        None, gt=0, le=24, allow_inf_nan=False, description="Hours worked, if given in hours instead of days"
    )
    overtime_hours: Decimal = Field(Decimal(0), ge=0, le=16, allow_inf_nan=False, description="加班 hours")
    daily_rate: Decimal | None = Field(
        None, gt=0, le=100000, allow_inf_nan=False, description="Only if the user names a rate for this entry"
    )
    note: Note = None
    correction: bool = Field(False, description="True only to replace that day's entry (更正/改成)")
    confirm: bool = Field(False, description="Only when the user confirmed an unusual entry")


class WorkerPaymentArgs(ToolArgs):
    project: ProjectName = None
    worker: Name = Field(description="Worker name")
    amount: Amount
    date: Day = None
    note: Note = None


class RecordAdvance(WorkerPaymentArgs):
    confirm: bool = Field(False, description="Only when the user confirmed an unusually large advance")


class SettleWages(ToolArgs):
    project: ProjectName = None
    worker: Name = Field(description="Worker name")
    amount: OptionalAmount = None
    all: bool = Field(False, description="结清: pay everything owed (no amount)")
    date: Day = None
    note: Note = None


class LaborSummary(ToolArgs):
    project: ProjectName = None
    start: date | None = Field(None, description="Period start; omit for this month")
    end: date | None = Field(None, description="Period end; omit for today")
    worker: str | None = Field(None, max_length=100, description="One worker only")
    group_by: Literal["worker", "trade", "day"] = "worker"
    export: bool = Field(False, description="Attach an xlsx file")


class AddCost(ToolArgs):
    project: ProjectName = None
    category: str | None = Field(
        None, max_length=100, description="labor|materials|machinery|subcontract|overhead or an item word"
    )
    amount: Amount
    date: Day = None
    vendor: str | None = Field(None, max_length=200)
    note: Note = None
    paid: bool | None = Field(None, description="false when bought on credit (还没付, 挂账); else omit")
    quantity: Decimal | None = Field(None, gt=0, le=Decimal("100000000"), allow_inf_nan=False, description="Count")
    unit: str | None = Field(None, max_length=10, description="吨, 包, 车, m3…")
    unit_price: Decimal | None = Field(
        None, gt=0, le=Decimal("100000000"), allow_inf_nan=False, description="Yuan per unit"
    )
    confirm: bool = Field(False, description="Only when a manager confirms going over a stopped budget line")


class BudgetStatus(ToolArgs):
    project: ProjectName = None
    category: str | None = Field(None, max_length=100, description="One category only")
    as_of: date | None = Field(None, description="Status date in the past; omit for today")


class UpdateTaskProgress(ToolArgs):
    project: ProjectName = None
    task: Name = Field(description="Task name")
    percent: Decimal = Field(ge=0, le=100, allow_inf_nan=False, description="Percent complete 0-100")
    date: Day = None
    correction: bool = Field(False, description="True only if the user says an earlier report was too high")
    note: Note = None


class RecordFund(ToolArgs):
    project: ProjectName = None
    direction: Literal["in", "out"] = Field(description="in: money received; out: money paid")
    amount: Amount
    date: Day = None
    counterparty: str | None = Field(None, max_length=200, description="Who paid or was paid")
    note: Note = None
    category: str | None = Field(None, max_length=100, description="What a payment bought, if it is a new cost")
    # Set by the user's pick when nothing is owed to the payee: a payment ahead, or a new cost paid at once.
    prepay: bool = Field(False, json_schema_extra={"internal": True})
    with_cost: str | None = Field(None, max_length=40, json_schema_extra={"internal": True})
    # Set by the user's yes when the same movement is already recorded that day (sent twice?).
    confirm: bool = Field(False, json_schema_extra={"internal": True})


class AddCounterparty(ToolArgs):
    project: ProjectName = None
    name: Name = Field(description="Supplier, subcontractor or owner name")
    kind: Literal["supplier", "subcontractor", "owner", "other"] = "supplier"
    aliases: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=20)


class ListCounterparties(ProjectOnly):
    pass


class UndoLast(ToolArgs):
    project: ProjectName = None
    user: str | None = Field(None, max_length=100, description="Admins only: undo this member's last write instead")
    # A button's undo names the message it reverses; never offered to the model.
    batch: str | None = Field(None, max_length=40, json_schema_extra={"internal": True})


class ListProjects(ToolArgs):
    pass


class ScheduleStatus(ProjectOnly):
    pass


class FundStatus(ToolArgs):
    project: ProjectName = None
    start: date | None = Field(None, description="Only money moved from this date")
    end: date | None = Field(None, description="Only money moved up to this date")
    counterparty: str | None = Field(None, max_length=100, description="Only money from or to this party")


class CostSummary(ToolArgs):
    project: ProjectName = None
    category: str | None = Field(None, max_length=100, description="labor|materials|machinery|subcontract|overhead")
    item: str | None = Field(None, max_length=50, description="An item as the user said it: 钢筋, 商砼, crane")
    vendor: str | None = Field(None, max_length=100, description="Only costs from this supplier")
    start: date | None = Field(None, description="Period start")
    end: date | None = Field(None, description="Period end")


class ProjectHealth(ToolArgs):
    project: ProjectName = None
    as_of: date | None = Field(None, description="Status date in the past; omit for today")


class ShowChart(ToolArgs):
    project: ProjectName = None
    kind: Literal["budget", "scurve", "labor"]


class ListWorkers(ProjectOnly):
    pass


class AddWorker(ToolArgs):
    project: ProjectName = None
    name: Name = Field(description="Worker name")
    trade: str | None = Field(None, max_length=50, description="工种: 木工, 钢筋工…")
    daily_rate: Decimal = Field(gt=0, le=100000, allow_inf_nan=False, description="日工资 in yuan")
    phone: str | None = Field(None, max_length=40)
    id_tail: str | None = Field(None, min_length=2, max_length=8, pattern=r"^\d+$", description="Number tail")
    aliases: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=20)
    # Set by the user's pick when a namesake is on another project: that same person, or a new one.
    same_as: int | None = Field(None, json_schema_extra={"internal": True})
    new_person: bool = Field(False, json_schema_extra={"internal": True})


class SetWorkerRate(ToolArgs):
    project: ProjectName = None
    worker: Name = Field(description="Worker name")
    daily_rate: Decimal = Field(gt=0, le=100000, allow_inf_nan=False, description="New 日工资 in yuan")
    start: date | None = Field(None, description="From this date (从…起); omit for today")
    reprice: bool | None = Field(None, description="True to re-price entries already logged from that date")


class ListTasks(ProjectOnly):
    pass


class AddTask(ToolArgs):
    project: ProjectName = None
    name: Name = Field(description="Task name")
    planned_start: date
    planned_finish: date
    planned_cost: Decimal = Field(Decimal(0), ge=0, le=Decimal("10000000000"), allow_inf_nan=False)
    predecessor: str | None = Field(None, max_length=200)
    budget_category: str | None = Field(None, max_length=100, description="The budget line its cost belongs to")
    aliases: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=20)


class MarkTask(ToolArgs):
    project: ProjectName = None
    task: Name = Field(description="Task name")
    event: Literal["started", "finished"] = Field(description="开始了 → started; 完工/做完了 → finished")
    date: Day = None


class ListMembers(ProjectOnly):
    pass


class LogPieceWork(ToolArgs):
    project: ProjectName = None
    worker: Name = Field(description="Worker or crew (班组) name")
    item: str = Field(min_length=1, max_length=50, description="What was done: 贴砖, 砌墙, 抹灰")
    quantity: Decimal = Field(gt=0, le=Decimal("1000000"), allow_inf_nan=False)
    unit: str | None = Field(None, max_length=10, description="平, 米, 方, 个")
    unit_price: Decimal = Field(gt=0, le=Decimal("1000000"), allow_inf_nan=False, description="Yuan per unit")
    date: Day = None
    note: Note = None
    confirm: bool = Field(False, description="Only when a manager confirms going over a stopped budget line")


class WorkerStatement(ToolArgs):
    worker: Name = Field(description="Worker name")
    start: date | None = Field(None, description="Period start; omit for this month")
    end: date | None = Field(None, description="Period end; omit for today")
    project: ProjectName = None
    export: bool = Field(False, description="Attach an xlsx to print or send")
