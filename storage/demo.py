"""The demo data (`sitebot demo`): three projects, seven workers, sixty days of history, all relative to today.

Deterministic: a seeded random generator and fixed offsets from `today`, never the wall clock. Whatever day it is
loaded, it shows an overrun (SG3 机械费 85%, BJ 机械费 104%), a late task (BJ 管网铺设), tasks at risk
(SG3 主体结构, BJ 路基施工), an upcoming one (RW Roofing) and low cash (BJ under its floor and its planned outflows).
History ends yesterday, so today is free for the user to log; nothing is dated before its project started;
only planned fund outflows lie ahead.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import (
    BudgetLine,
    CostEntry,
    Counterparty,
    Direction,
    FundTxn,
    LaborEntry,
    Membership,
    OvertimeMode,
    PaymentKind,
    ProgressUpdate,
    Project,
    ProjectWorker,
    RateHistory,
    Role,
    Task,
    User,
    Worker,
    WorkerPayment,
)

CENT = Decimal("0.01")
WINDOW = 60  # days of day-by-day history, ending yesterday: today is left for the user to log
FIRST, LAST = -WINDOW, -1
SEED = "sitebot-demo"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TaskSpec:
    name: str
    start: int  # planned start, days from today
    finish: int  # planned finish
    cost: int  # planned cost (yuan)
    percent: int = 0
    actual_start: int | None = None
    actual_finish: int | None = None
    predecessor: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CostSpec:
    category: str
    total: int  # actual to date (labour: including the day-labour entries)
    window_entries: int  # how many entries in the last sixty days
    vendors: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class FundSpec:
    offset: int
    direction: Direction
    amount: int
    counterparty: str
    note: str
    planned: bool = False


@dataclass(frozen=True)
class ProjectSpec:
    code: str
    name: str
    aliases: tuple[str, ...]
    language: str
    start: int
    finish: int
    budget: dict[str, int]
    cash_floor: int
    tasks: tuple[TaskSpec, ...]
    costs: tuple[CostSpec, ...]
    funds: tuple[FundSpec, ...]
    hours_per_day: int = 8
    overtime_mode: OvertimeMode = OvertimeMode.folded
    overtime_hours_per_day: int | None = None
    overtime_rate: int | None = None
    overtime_notes: tuple[str, ...] = ()


IN, OUT = Direction.inflow, Direction.outflow

PROJECTS: tuple[ProjectSpec, ...] = (
    ProjectSpec(
        code="SG3",
        name="阳光花园3号楼",
        aliases=("阳光花园", "3号楼"),
        language="zh",
        start=-180,
        finish=220,
        budget={
            "labor": 3_000_000,
            "materials": 6_000_000,
            "machinery": 1_200_000,
            "subcontract": 1_500_000,
            "overhead": 300_000,
        },
        cash_floor=500_000,
        tasks=(
            TaskSpec("基础施工", -180, -110, 1_800_000, 100, -180, -105, aliases=("基础",)),
            # Behind plan: about 61% of its planned time has passed, 45% is done.
            TaskSpec("主体结构", -110, 70, 5_200_000, 45, -104, predecessor="基础施工", aliases=("主体",)),
            TaskSpec("砌体工程", -30, 100, 1_600_000, 12, -28, predecessor="主体结构", aliases=("砌体", "砌墙")),
            TaskSpec("水电安装", -20, 160, 1_500_000, 6, -18, predecessor="主体结构", aliases=("水电",)),
            TaskSpec("外墙装饰", 101, 190, 1_300_000, predecessor="砌体工程", aliases=("外墙",)),
            TaskSpec("竣工验收", 191, 220, 600_000, predecessor="外墙装饰", aliases=("验收",)),
        ),
        costs=(
            CostSpec("labor", 720_000, 2, ("鑫达劳务",), "劳务班组工资"),
            CostSpec(
                "materials",
                3_200_000,
                18,
                ("沙钢钢筋", "中建商砼", "华新水泥", "兴达木材（模板）", "联塑管业"),
                "材料款",
            ),
            # The structure runs late, so the tower crane is rented longer: 85% of the line used.
            CostSpec("machinery", 1_020_000, 7, ("永茂塔吊租赁", "三一泵车", "宏达挖掘机台班"), "机械租赁"),
            CostSpec("subcontract", 150_000, 1, ("东方雨虹防水",), "地下室防水分包"),
            CostSpec("overhead", 100_000, 8, ("项目部办公", "差旅报销", "业务招待", "临时水电费"), "现场经费"),
        ),
        funds=(
            FundSpec(-178, IN, 2_400_000, "阳光置业", "业主预付款"),
            FundSpec(-150, OUT, 400_000, "中建商砼", "混凝土款"),
            FundSpec(-130, OUT, 500_000, "沙钢钢筋", "钢筋款"),
            FundSpec(-120, IN, 1_500_000, "阳光置业", "第1期进度款"),
            FundSpec(-100, OUT, 240_000, "永茂塔吊租赁", "塔吊租金"),
            FundSpec(-95, OUT, 300_000, "鑫达劳务", "劳务费"),
            FundSpec(-90, IN, 1_200_000, "阳光置业", "第2期进度款"),
            FundSpec(-80, OUT, 450_000, "中建商砼", "混凝土款"),
            FundSpec(-58, OUT, 450_000, "沙钢钢筋", "钢筋款"),
            FundSpec(-55, IN, 1_300_000, "阳光置业", "第3期进度款"),
            FundSpec(-45, OUT, 200_000, "永茂塔吊租赁", "塔吊租金"),
            FundSpec(-40, OUT, 220_000, "鑫达劳务", "劳务费"),
            FundSpec(-30, OUT, 350_000, "中建商砼", "混凝土款"),
            FundSpec(-20, OUT, 80_000, "东方雨虹防水", "防水分包款"),
            FundSpec(-12, OUT, 300_000, "华新水泥", "水泥款"),
            FundSpec(-5, OUT, 300_000, "沙钢钢筋", "钢筋款"),
            FundSpec(5, OUT, 450_000, "中建商砼", "计划付款：混凝土款", planned=True),
            FundSpec(10, OUT, 85_000, "永茂塔吊租赁", "计划付款：塔吊租金", planned=True),
        ),
        overtime_notes=("加班浇筑混凝土", "赶工加班", "夜间加班"),
    ),
    ProjectSpec(
        code="BJ",
        name="滨江路市政改造",
        aliases=("滨江路",),
        language="zh",
        start=-150,
        finish=60,
        budget={
            "labor": 1_300_000,
            "materials": 2_200_000,
            "machinery": 900_000,
            "subcontract": 400_000,
            "overhead": 200_000,
        },
        cash_floor=300_000,
        hours_per_day=9,
        overtime_hours_per_day=8,
        tasks=(
            # Late: its planned finish was ten days ago and it is not done.
            TaskSpec("管网铺设", -150, -10, 2_400_000, 92, -148, aliases=("管网", "铺管")),
            TaskSpec("路基施工", -60, 30, 1_600_000, 40, -50, predecessor="管网铺设", aliases=("路基",)),
            TaskSpec("沥青摊铺", 31, 60, 1_000_000, predecessor="路基施工", aliases=("沥青", "摊铺")),
        ),
        costs=(
            CostSpec("labor", 780_000, 2, ("顺发劳务",), "劳务班组工资"),
            CostSpec("materials", 1_250_000, 12, ("联塑管业", "江北砂石场", "中建商砼"), "材料款"),
            # Pipe laying overran, so the excavators and rollers stayed: 104% of the line used.
            CostSpec("machinery", 936_000, 8, ("宏达挖掘机台班", "徐工压路机租赁", "华东吊车"), "机械台班"),
            CostSpec("subcontract", 180_000, 1, ("金盾顶管分包",), "顶管分包"),
            CostSpec("overhead", 90_000, 6, ("项目部办公", "交通费", "业务招待"), "现场经费"),
        ),
        funds=(
            FundSpec(-148, IN, 1_000_000, "滨江区住建局", "业主预付款"),
            FundSpec(-140, OUT, 350_000, "联塑管业", "管材款"),
            FundSpec(-120, OUT, 180_000, "宏达挖掘机台班", "挖掘机台班费"),
            FundSpec(-110, OUT, 250_000, "顺发劳务", "劳务费"),
            FundSpec(-90, IN, 1_200_000, "滨江区住建局", "第1期进度款"),
            FundSpec(-85, OUT, 400_000, "联塑管业", "管材款"),
            FundSpec(-70, OUT, 260_000, "徐工压路机租赁", "机械租金"),
            FundSpec(-50, OUT, 220_000, "顺发劳务", "劳务费"),
            FundSpec(-40, IN, 600_000, "滨江区住建局", "第2期进度款"),
            FundSpec(-35, OUT, 180_000, "江北砂石场", "砂石款"),
            FundSpec(-28, OUT, 300_000, "宏达挖掘机台班", "挖掘机台班费"),
            FundSpec(-15, OUT, 250_000, "联塑管业", "管材款"),
            FundSpec(-6, OUT, 180_000, "金盾顶管分包", "顶管分包款"),
            # Low cash: the balance is already under the 300,000 floor and these are due within 14 days.
            FundSpec(4, OUT, 260_000, "中石化沥青", "计划付款：沥青预付款", planned=True),
            FundSpec(9, OUT, 90_000, "徐工压路机租赁", "计划付款：压路机租金", planned=True),
        ),
        overtime_notes=("抢修管道加班", "赶工加班"),
    ),
    ProjectSpec(
        code="RW",
        name="Riverside Warehouse",
        aliases=("Riverside",),
        language="en",
        start=-75,
        finish=105,
        budget={
            "labor": 500_000,
            "materials": 900_000,
            "machinery": 200_000,
            "subcontract": 300_000,
            "overhead": 100_000,
        },
        cash_floor=100_000,
        overtime_mode=OvertimeMode.hourly,
        overtime_rate=45,
        tasks=(
            TaskSpec("Foundation", -75, -35, 400_000, 100, -75, -33, aliases=("Foundations",)),
            TaskSpec("Steel frame", -35, 5, 800_000, 85, -32, predecessor="Foundation", aliases=("Steel",)),
            TaskSpec("Roofing", 6, 50, 350_000, predecessor="Steel frame", aliases=("Roof",)),
            TaskSpec("Fit-out", 51, 105, 450_000, predecessor="Roofing", aliases=("Fitout",)),
        ),
        costs=(
            CostSpec("labor", 230_000, 2, ("Delta Labour Hire",), "crew wages"),
            CostSpec("materials", 560_000, 10, ("BlueScope Steel", "Holcim Concrete", "City Rebar"), "materials"),
            CostSpec("machinery", 120_000, 5, ("Kennards Crane Hire", "Ace Excavation"), "plant hire"),
            CostSpec("subcontract", 90_000, 1, ("Deep Piling Ltd",), "piling subcontract"),
            CostSpec("overhead", 50_000, 5, ("Site office", "Travel", "Permits"), "site overhead"),
        ),
        funds=(
            FundSpec(-74, IN, 600_000, "Harbor Logistics Ltd", "owner advance"),
            FundSpec(-70, OUT, 60_000, "Ace Excavation", "excavation"),
            FundSpec(-58, OUT, 150_000, "Holcim Concrete", "concrete"),
            FundSpec(-45, OUT, 90_000, "Deep Piling Ltd", "piling"),
            FundSpec(-33, OUT, 220_000, "BlueScope Steel", "steel, first delivery"),
            FundSpec(-30, IN, 450_000, "Harbor Logistics Ltd", "progress payment 1"),
            FundSpec(-20, OUT, 45_000, "Kennards Crane Hire", "crane hire"),
            FundSpec(-10, OUT, 160_000, "BlueScope Steel", "steel, second delivery"),
            FundSpec(8, OUT, 140_000, "Lysaght Roofing", "planned: roof sheeting deposit", planned=True),
        ),
        overtime_notes=("late concrete pour", "overtime to catch up"),
    ),
)

# name, aliases, trade, daily rate now, earlier rate (changed 30 days ago) or None
WORKERS: tuple[tuple[str, tuple[str, ...], str, int, int | None], ...] = (
    ("张三", ("老张",), "木工", 350, None),
    ("李四", (), "钢筋工", 380, 360),
    ("王五", (), "泥瓦工", 320, None),
    ("赵六", (), "电工", 400, None),
    ("孙七", (), "杂工", 260, None),
    ("Mike Chen", ("Mike",), "carpenter", 300, None),
    ("Tom Li", ("Tom",), "electrician", 320, None),
)
RATE_CHANGE = -30  # 李四's raise took effect thirty days ago

# Who worked where: (worker, project code, first day, last day), days from today, inclusive.
CREWS: tuple[tuple[str, str, int, int], ...] = (
    ("张三", "SG3", FIRST, LAST),
    ("李四", "SG3", FIRST, LAST),
    ("王五", "BJ", FIRST, -29),  # built the inspection wells, then moved to the masonry at SG3
    ("王五", "SG3", -28, LAST),
    ("赵六", "BJ", FIRST, -19),  # street lighting conduits, then the wiring at SG3
    ("赵六", "SG3", -18, LAST),
    ("孙七", "BJ", FIRST, LAST),
    ("Mike Chen", "RW", FIRST, LAST),
    ("Tom Li", "RW", FIRST, LAST),
)

# name, language, memberships (project code → role)
USERS: tuple[tuple[str, str, dict[str, Role]], ...] = (
    ("老王", "zh", {"SG3": Role.manager, "BJ": Role.manager}),
    ("小李", "zh", {"SG3": Role.foreman}),
    ("老赵", "zh", {"BJ": Role.foreman}),
    ("会计刘", "zh", {"SG3": Role.finance, "BJ": Role.finance}),
    ("Alice", "en", {"RW": Role.manager}),
    ("Bob", "en", {"RW": Role.foreman}),
    ("Carol", "en", {"RW": Role.finance, "SG3": Role.viewer}),
)
LABOR_CLERK = {"SG3": "小李", "BJ": "老赵", "RW": "Bob"}
COST_CLERK = {"SG3": "会计刘", "BJ": "会计刘", "RW": "Carol"}

ADVANCE_DAYS = (-52, -38, -17, -6)
SETTLEMENT_DAY = -31  # wages up to the day before are settled, less the advances already paid
ADVANCE_AMOUNTS = (300, 500, 800, 1000)


def load_demo(session: Session, today: date) -> bool:
    """Load the demo projects, workers, members and history; False (and nothing written) if SG3 exists."""
    if session.scalar(select(Project.id).where(Project.code == "SG3")) is not None:
        return False
    try:
        _Loader(session, today).load()
        session.commit()
    except Exception:
        session.rollback()
        raise
    return True


class _Loader:
    def __init__(self, session: Session, today: date) -> None:
        self.session = session
        self.today = today
        self.rng = random.Random(SEED)
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self.workers: dict[str, Worker] = {}
        self.parties: dict[tuple[str, str], Counterparty] = {}

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def load(self) -> None:
        self._projects()
        self._users()
        self._workers()
        self.session.flush()
        self._assign()
        for spec in PROJECTS:
            self._tasks(spec)
        wages = self._labour()
        for spec in PROJECTS:
            self._costs(spec, wages[spec.code])
            self._funds(spec)
        self.session.flush()

    # -- master data ---------------------------------------------------------------------------

    def _projects(self) -> None:
        for spec in PROJECTS:
            project = Project(
                code=spec.code,
                name=spec.name,
                aliases=list(spec.aliases),
                language=spec.language,
                timezone="Asia/Shanghai",
                currency="CNY",
                start=self.day(spec.start),
                finish=self.day(spec.finish),
                hours_per_day=Decimal(spec.hours_per_day),
                overtime_mode=spec.overtime_mode,
                overtime_hours_per_day=(
                    Decimal(spec.overtime_hours_per_day) if spec.overtime_hours_per_day is not None else None
                ),
                overtime_rate=Decimal(spec.overtime_rate) if spec.overtime_rate is not None else None,
                budget_thresholds=[80, 100],
                cash_floor=Decimal(spec.cash_floor),
            )
            project.budget_lines = [
                BudgetLine(category=category, amount=Decimal(amount)) for category, amount in spec.budget.items()
            ]
            self.session.add(project)
            self.projects[spec.code] = project

    def _users(self) -> None:
        self.session.flush()
        for name, language, roles in USERS:
            user = self.session.scalar(select(User).where(User.name == name))
            if user is None:
                user = User(name=name, language=language)
                self.session.add(user)
                self.session.flush()
            self.users[name] = user
            for code, role in roles.items():
                self.session.add(Membership(user_id=user.id, project_id=self.projects[code].id, role=role))

    def _workers(self) -> None:
        for name, aliases, trade, rate, earlier in WORKERS:
            worker = self.session.scalars(select(Worker).where(Worker.name == name).limit(1)).first()
            if worker is not None:  # already known (e.g. imported): keep its own rate history
                self.workers[name] = worker
                continue
            worker = Worker(name=name, aliases=list(aliases), trade=trade, daily_rate=Decimal(rate))
            history = [
                RateHistory(daily_rate=Decimal(earlier if earlier is not None else rate), valid_from=self.day(-365))
            ]
            if earlier is not None:
                history.append(RateHistory(daily_rate=Decimal(rate), valid_from=self.day(RATE_CHANGE)))
            worker.rates = history
            self.session.add(worker)
            self.workers[name] = worker

    def _assign(self) -> None:
        """Each worker on the books of the projects they work on (names are found only there)."""
        for name, code in dict.fromkeys((name, code) for name, code, _first, _last in CREWS):
            self.session.add(ProjectWorker(project_id=self.projects[code].id, worker_id=self.workers[name].id))

    def _rate(self, worker: Worker, day: date) -> Decimal:
        rates = [r for r in worker.rates if r.valid_from <= day]
        return max(rates, key=lambda r: r.valid_from).daily_rate if rates else worker.daily_rate

    # -- schedule --------------------------------------------------------------------------------

    def _tasks(self, spec: ProjectSpec) -> None:
        project = self.projects[spec.code]
        clerk = self.users[LABOR_CLERK[spec.code]]
        by_name: dict[str, Task] = {}
        for t in spec.tasks:
            task = Task(
                project_id=project.id,
                name=t.name,
                aliases=list(t.aliases),
                planned_start=self.day(t.start),
                planned_finish=self.day(t.finish),
                planned_cost=Decimal(t.cost),
                percent=Decimal(t.percent),
                actual_start=self.day(t.actual_start) if t.actual_start is not None else None,
                actual_finish=self.day(t.actual_finish) if t.actual_finish is not None else None,
                predecessor=by_name[t.predecessor] if t.predecessor else None,
            )
            self.session.add(task)
            by_name[t.name] = task
            self.session.flush()
            if t.actual_start is not None:
                self._progress(task, t, clerk)

    def _progress(self, task: Task, t: TaskSpec, clerk: User) -> None:
        """Weekly reports rising steadily from the actual start to the current percent."""
        assert t.actual_start is not None
        last = t.actual_finish if t.actual_finish is not None else min(-1, max(t.actual_start, -2))
        span = max(last - t.actual_start, 1)
        offsets = [*range(t.actual_start + 7, last, 7), last]
        done = 0
        for offset in offsets:
            share = Decimal(offset - t.actual_start) / Decimal(span)
            percent = max(done, int((Decimal(t.percent) * share).to_integral_value(rounding=ROUND_HALF_UP)))
            if offset == last:
                percent = t.percent
            if percent == done and offset != last:
                continue
            self.session.add(
                ProgressUpdate(
                    task_id=task.id, reported_on=self.day(offset), percent=Decimal(percent), created_by=clerk.id
                )
            )
            done = percent

    # -- labour and wages ------------------------------------------------------------------------

    def _labour(self) -> dict[str, Decimal]:
        """Sixty days of day labour, advances and a settlement; returns wages per project."""
        wages: dict[str, Decimal] = defaultdict(Decimal)
        earned: dict[tuple[str, str], list[tuple[int, Decimal]]] = defaultdict(list)
        specs = {spec.code: spec for spec in PROJECTS}
        rain = {code: {o for o in range(FIRST, LAST + 1) if self.rng.random() < 0.04} for code in specs}
        for offset in range(FIRST, LAST + 1):
            day = self.day(offset)
            sunday = day.weekday() == 6
            for name, code, first, last in CREWS:
                spec = specs[code]
                draws = [self.rng.random() for _ in range(4)]  # same draws every day: stable patterns
                if not first <= offset <= last or offset < spec.start or offset in rain[code]:
                    continue
                if draws[0] >= (0.3 if sunday else 0.92):
                    continue
                days = Decimal("0.5") if draws[1] < 0.08 else Decimal(1)
                overtime = Decimal(0)
                if days == 1 and draws[2] < 0.2:
                    overtime = Decimal((1, 2, 2, 3, 4)[int(draws[3] * 5)])
                entry = self._entry(spec, self.workers[name], day, days, overtime)
                self.session.add(entry)
                wages[code] += entry.amount
                earned[(name, code)].append((offset, entry.amount))
        self._payments(earned)
        return wages

    def _entry(self, spec: ProjectSpec, worker: Worker, day: date, days: Decimal, overtime: Decimal) -> LaborEntry:
        rate = self._rate(worker, day)
        if spec.overtime_mode is OvertimeMode.hourly:
            overtime_pay = overtime * Decimal(spec.overtime_rate or 0)
        else:
            per_day = Decimal(spec.overtime_hours_per_day or spec.hours_per_day)
            overtime_pay = overtime / per_day * rate
        note = None
        if overtime and spec.overtime_notes:
            note = spec.overtime_notes[day.toordinal() % len(spec.overtime_notes)]
        return LaborEntry(
            project_id=self.projects[spec.code].id,
            worker_id=worker.id,
            work_date=day,
            kind="day",
            days=days,
            overtime_hours=overtime,
            daily_rate=rate,
            overtime_amount=_cents(overtime_pay),
            amount=_cents(days * rate + overtime_pay),
            note=note,
            created_by=self.users[LABOR_CLERK[spec.code]].id,
        )

    def _payments(self, earned: dict[tuple[str, str], list[tuple[int, Decimal]]]) -> None:
        """借支 now and then, one 结算 a month ago; each paid day is also a fund outflow."""
        paid: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for (name, code), entries in earned.items():
            worker, project = self.workers[name], self.projects[code]
            first_day = min(offset for offset, _ in entries)
            last_day = max(offset for offset, _ in entries)
            advanced: list[tuple[int, Decimal]] = []
            for offset in ADVANCE_DAYS:
                pick = self.rng.random()
                if first_day < offset <= last_day and pick < 0.6:
                    amount = Decimal(ADVANCE_AMOUNTS[int(pick / 0.6 * len(ADVANCE_AMOUNTS))])
                    advanced.append((offset, amount))
                    self._pay(project, worker, PaymentKind.advance, amount, offset, code)
                    paid[(code, offset)] += amount
            if first_day < SETTLEMENT_DAY:
                owed = sum((a for o, a in entries if o < SETTLEMENT_DAY), Decimal(0))
                owed -= sum((a for o, a in advanced if o <= SETTLEMENT_DAY), Decimal(0))
                settled = (owed / 100).to_integral_value(rounding=ROUND_FLOOR) * 100
                if settled > 0:
                    self._pay(project, worker, PaymentKind.settlement, settled, SETTLEMENT_DAY, code)
                    paid[(code, SETTLEMENT_DAY)] += settled
        for (code, offset), amount in sorted(paid.items()):
            spec = next(s for s in PROJECTS if s.code == code)
            counterparty, note = (
                ("Crew wages", "advances and wage settlements")
                if spec.language == "en"
                else ("工人工资", "借支及工资结算")
            )
            self.session.add(
                FundTxn(
                    project_id=self.projects[code].id,
                    direction=OUT,
                    amount=amount,
                    txn_date=self.day(offset),
                    counterparty=counterparty,
                    note=note,
                    created_by=self.users[COST_CLERK[code]].id,
                )
            )

    def _pay(
        self, project: Project, worker: Worker, kind: PaymentKind, amount: Decimal, offset: int, code: str
    ) -> None:
        english = project.language == "en"
        if kind is PaymentKind.advance:
            note = "advance" if english else "借支生活费"
        else:
            note = "wages to date settled" if english else "结算前期工资"
        self.session.add(
            WorkerPayment(
                project_id=project.id,
                worker_id=worker.id,
                kind=kind,
                amount=amount,
                paid_on=self.day(offset),
                note=note,
                created_by=self.users[COST_CLERK[code]].id,
            )
        )

    # -- costs and funds -------------------------------------------------------------------------

    def _costs(self, spec: ProjectSpec, wages: Decimal) -> None:
        """Each supplier's deliveries: monthly totals before the sixty days (opening figures), single invoices within
        them. A supplier's deliveries cover what it was paid, and what is left over is owed (a payable) — except the
        overhead, which is paid on the spot (a cost and its payment together)."""
        project = self.projects[spec.code]
        clerk = self.users[COST_CLERK[spec.code]]
        english = spec.language == "en"
        window_start = max(FIRST, spec.start)
        history_days = list(range(spec.start + 29, window_start, 30))
        if spec.start < window_start and not history_days:
            history_days = [spec.start]
        elapsed = Decimal(-spec.start + 1)
        history_share = Decimal(len(range(spec.start, window_start))) / elapsed
        paid: defaultdict[str, Decimal] = defaultdict(Decimal)
        for f in spec.funds:
            if f.direction == OUT and not f.planned:
                paid[f.counterparty] += Decimal(f.amount)
        opening = "monthly total (opening figures)" if english else "期初导入：月度汇总"
        for cost in spec.costs:
            total = Decimal(cost.total) - (wages if cost.category == "labor" else 0)
            left_over = total - sum((paid[v] for v in cost.vendors), Decimal(0))
            shares = (
                _split(left_over, len(cost.vendors), self.rng) if left_over > 0 else [Decimal(0)] * len(cost.vendors)
            )
            for n, (vendor, share) in enumerate(zip(cost.vendors, shares, strict=True)):
                booked = paid[vendor] + share
                history_total = _cents(booked * history_share)
                entries = max(
                    1,
                    round(cost.window_entries / len(cost.vendors))
                    + (1 if n < cost.window_entries % len(cost.vendors) else 0),
                )
                window_days = sorted(self.rng.randint(window_start, LAST) for _ in range(entries))
                history = _split(history_total, len(history_days), self.rng)
                window = _split(booked - history_total, len(window_days), self.rng)
                on_the_spot = cost.category == "overhead"
                rows = [
                    (offset, amount, f"{cost.note}，{opening}" if not english else f"{cost.note}, {opening}")
                    for offset, amount in zip(history_days, history, strict=True)
                ] + [(offset, amount, cost.note) for offset, amount in zip(window_days, window, strict=True)]
                party = None if on_the_spot else self._party(spec.code, vendor, cost.category)
                for offset, amount, note in rows:
                    if amount <= 0:
                        continue
                    entry = CostEntry(
                        project_id=project.id,
                        category=cost.category,
                        amount=amount,
                        entry_date=self.day(offset),
                        vendor=vendor,
                        counterparty_id=party.id if party else None,
                        note=note,
                        created_by=clerk.id,
                    )
                    self.session.add(entry)
                    if on_the_spot:
                        self.session.flush()
                        self.session.add(
                            FundTxn(
                                project_id=project.id,
                                direction=OUT,
                                amount=amount,
                                txn_date=self.day(offset),
                                counterparty=vendor,
                                cost_entry_id=entry.id,
                                note=note,
                                created_by=clerk.id,
                            )
                        )

    def _party(self, code: str, name: str, category: str | None) -> Counterparty:
        """The project's counterparty of that name (a supplier, a subcontractor, or the owner paying in)."""
        key = (code, name)
        party = self.parties.get(key)
        if party is None:
            kind = "owner" if category is None else "subcontractor" if category == "subcontract" else "supplier"
            party = Counterparty(project_id=self.projects[code].id, name=name, aliases=[], kind=kind)
            self.session.add(party)
            self.session.flush()
            self.parties[key] = party
        return party

    def _funds(self, spec: ProjectSpec) -> None:
        project = self.projects[spec.code]
        clerk = self.users[COST_CLERK[spec.code]]
        for f in spec.funds:
            party = self._party(spec.code, f.counterparty, None if f.direction == IN else "materials")
            self.session.add(
                FundTxn(
                    project_id=project.id,
                    direction=f.direction,
                    amount=Decimal(f.amount),
                    txn_date=self.day(f.offset),
                    counterparty=f.counterparty,
                    counterparty_id=party.id,
                    note=f.note,
                    planned=f.planned,
                    created_by=clerk.id,
                )
            )


def _split(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    """total in `parts` uneven positive amounts (whole yuan, the last takes the cents) that add up exactly."""
    if parts == 0:
        return []
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = sum(weights)
    amounts = [(total * Decimal(w / scale)).to_integral_value(rounding=ROUND_HALF_UP) for w in weights[:-1]]
    amounts.append(total - sum(amounts, Decimal(0)))
    return amounts
