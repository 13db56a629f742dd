"""Task progress and the schedule: update_task_progress and schedule_status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from storage.models import ProgressUpdate, Project, Role
from storage.queries.tasks import ScheduleRow, unfinished_tasks
from tools import audit, resolve
from tools.args import AddTask, ListTasks, MarkTask, ScheduleStatus, UpdateTaskProgress
from tools.base import ANY_MEMBER, Context, NeedsConfirmation, Result, Text, ToolError, require_role, tool
from tools.earned_value import planned_percent
from tools.fmt import day_text, qty, yuan

WRITERS = frozenset({Role.admin, Role.manager, Role.foreman})
AT_RISK_POINTS = Decimal(10)  # actual % trailing planned % by more than this puts a task at risk
UPCOMING_DAYS = 7
HUNDRED = Decimal(100)
HUNDREDTH = Decimal("0.01")


def percent_text(value: Decimal) -> str:
    """60 → 60%, 33.5 → 33.5%."""
    return f"{qty(value, 1)}%"


# -- update_task_progress -----------------------------------------------------------------------

_LOWER = Text(
    "还没有记录：任务“{task}”上次报告 {last}，这次 {new} 更低。是更正上次报高了吗？",
    "Not recorded yet: task “{task}” was last reported at {last}; {new} is lower. Was the earlier report too high "
    "(a correction)?",
)
_UPDATED = Text(
    "已更新 {code} 任务“{task}”进度：{old} → {new}，{day}。", "Updated {code} task “{task}”: {old} → {new} on {day}."
)
_PLAN = Text("计划进度 {planned}，{comparison}", "Planned {planned}; {comparison}")
_AHEAD = Text("超前 {points} 个百分点", "{points} points ahead")
_BEHIND = Text("落后 {points} 个百分点", "{points} points behind")
_ON_PLAN = Text("与计划一致", "on plan")
_STARTED = Text("实际开始日期记为 {day}", "Actual start recorded as {day}")
_FINISHED = Text("任务完成，实际完成日期 {day}", "Task complete; actual finish {day}")
_REOPENED = Text("已取消原完成日期 {day}", "Earlier finish date {day} cleared")
_UNSTARTED = Text("已取消原开始日期 {day}", "Earlier start date {day} cleared")


def _comparison(ctx: Context, actual: Decimal, planned: Decimal) -> str:
    gap = (actual - planned).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if gap > 0:
        return ctx.t(_AHEAD, points=qty(gap, 1))
    if gap < 0:
        return ctx.t(_BEHIND, points=qty(-gap, 1))
    return ctx.t(_ON_PLAN)


@tool(args=UpdateTaskProgress, roles=WRITERS, writes=True, moves=("budget", "schedule"))
def update_task_progress(ctx: Context, args: UpdateTaskProgress) -> Result:
    """Record a task's percent complete (0-100) on a date, e.g. “主体结构完成60%”.

    A lower figure than the last report is refused unless correction is true (the user says the earlier
    report was too high).
    """
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, WRITERS)
    task = resolve.task(ctx, project, args.task)
    day = resolve.work_date(ctx, project, args.date)
    percent = args.percent.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    old = task.percent
    if percent < old and not args.correction:
        # Progress going back is a correction of the last report, or a slip: the user says which.
        raise NeedsConfirmation(
            _LOWER, confirm_args={"correction": True}, task=task.name, last=percent_text(old), new=percent_text(percent)
        )

    before = audit.snapshot(task)
    update = ProgressUpdate(
        task_id=task.id, reported_on=day, percent=percent, note=args.note, created_by=ctx.user.id, created_at=ctx.now
    )
    ctx.session.add(update)
    notes: list[str] = []
    task.percent = percent
    if percent > 0 and task.actual_start is None:
        task.actual_start = day
        notes.append(ctx.t(_STARTED, day=day.isoformat()))
    if percent == HUNDRED:
        if task.actual_finish is None:
            task.actual_finish = day
        notes.append(ctx.t(_FINISHED, day=task.actual_finish.isoformat()))
    elif task.actual_finish is not None:  # a correction below 100: not finished after all
        notes.append(ctx.t(_REOPENED, day=task.actual_finish.isoformat()))
        task.actual_finish = None
    if percent == 0 and task.actual_start is not None:  # a correction to 0: not started after all
        notes.append(ctx.t(_UNSTARTED, day=task.actual_start.isoformat()))
        task.actual_start = None
    changes = [audit.created(update), audit.updated(task, before)]

    planned = planned_percent(task.planned_start, task.planned_finish, day)
    lines = [
        ctx.t(
            _UPDATED,
            code=project.code,
            task=task.name,
            old=percent_text(old),
            new=percent_text(percent),
            day=day_text(day, ctx.language, ctx.today),
        ),
        ctx.t(_PLAN, planned=percent_text(planned), comparison=_comparison(ctx, percent, planned)),
        *notes,
    ]
    summary = f"{project.code} {task.name} {old}% -> {percent}% {day.isoformat()}"
    log = audit.record(ctx, "update_task_progress", project, changes, summary)
    data: dict[str, Any] = {
        "project": project.code,
        "task": task.name,
        "task_id": task.id,
        "date": day,
        "percent": percent,
        "previous": old,
        "planned_percent": planned,
        "correction": args.correction,
        "actual_start": task.actual_start,
        "actual_finish": task.actual_finish,
    }
    return Result(ok=True, text="\n".join(lines), data=data, audit_id=log.id)


# -- schedule_status ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskState:
    """One unfinished task judged against the plan as of a day."""

    row: ScheduleRow
    planned: Decimal  # planned % as of the day
    days_late: int  # days past planned finish, 0 if not late
    predecessor_late: bool

    @property
    def late(self) -> bool:
        return self.days_late > 0

    @property
    def gap(self) -> Decimal:
        """Points by which actual % trails planned % (negative when ahead)."""
        return self.planned - self.row.percent

    @property
    def at_risk(self) -> bool:
        return not self.late and (self.gap > AT_RISK_POINTS or self.predecessor_late)


def judge(row: ScheduleRow, today: date) -> TaskState:
    """Late, at risk or on track, per domain.md."""
    predecessor_late = (
        row.predecessor_finish is not None
        and row.predecessor_percent is not None
        and row.predecessor_percent < HUNDRED
        and row.predecessor_finish < today
    )
    return TaskState(
        row=row,
        planned=planned_percent(row.planned_start, row.planned_finish, today),
        days_late=max((today - row.planned_finish).days, 0),
        predecessor_late=predecessor_late,
    )


_SCHEDULE_HEAD = Text("{code} {name} 进度（截至 {today}）", "{code} {name} schedule (as of {today})")
_LATE_HEAD = Text("已延误（{n}）：", "Late ({n}):")
_RISK_HEAD = Text("有风险（{n}）：", "At risk ({n}):")
_SOON_HEAD = Text("近{days}天（{n}）：", "Next {days} days ({n}):")
_LATE_ROW = Text(
    "· {task}：计划 {planned} / 实际 {actual}，延误 {days} 天（计划完成 {finish}）",
    "· {task}: planned {planned} / actual {actual}, {days} days late (due {finish})",
)
_RISK_ROW = Text("· {task}：计划 {planned} / 实际 {actual}", "· {task}: planned {planned} / actual {actual}")
_RISK_GAP = Text("，落后 {points} 个百分点", ", {points} points behind")
_RISK_PRED = Text("，前置任务“{pred}”已延误", ", predecessor “{pred}” is late")
_STARTS = Text("· {task}：{days}天后开始（{day}）", "· {task}: starts in {days} days ({day})")
_STARTS_TODAY = Text("· {task}：今天开始", "· {task}: starts today")
_DUE = Text("· {task}：{days}天后到期（{day}），实际 {actual}", "· {task}: due in {days} days ({day}), {actual} done")
_DUE_TODAY = Text("· {task}：今天到期，实际 {actual}", "· {task}: due today, {actual} done")
_ALL_WELL = Text("没有延误或有风险的任务。", "No task is late or at risk.")
_NO_TASKS = Text("{code} 还没有未完成的任务。", "{code} has no unfinished tasks.")


def _upcoming(ctx: Context, state: TaskState, today: date) -> list[tuple[date, str]]:
    """Planned starts and finishes within the next days, each with its date for ordering."""
    row = state.row
    horizon = today + timedelta(days=UPCOMING_DAYS)
    events: list[tuple[date, str]] = []
    if today <= row.planned_start <= horizon and row.percent == 0 and row.actual_start is None:
        days = (row.planned_start - today).days
        events.append(
            (
                row.planned_start,
                ctx.t(_STARTS_TODAY, task=row.name)
                if days == 0
                else ctx.t(_STARTS, task=row.name, days=days, day=row.planned_start.isoformat()),
            )
        )
    if today <= row.planned_finish <= horizon:
        days = (row.planned_finish - today).days
        actual = percent_text(row.percent)
        events.append(
            (
                row.planned_finish,
                ctx.t(_DUE_TODAY, task=row.name, actual=actual)
                if days == 0
                else ctx.t(_DUE, task=row.name, days=days, day=row.planned_finish.isoformat(), actual=actual),
            )
        )
    return events


def judged(rows: list[ScheduleRow], today: date) -> tuple[list[TaskState], list[TaskState], list[TaskState]]:
    """Unfinished tasks judged as of a day: all of them, the late ones (latest first) and those at risk."""
    states = [judge(row, today) for row in rows]
    late = sorted((s for s in states if s.late), key=lambda s: -s.days_late)
    risky = sorted((s for s in states if s.at_risk), key=lambda s: -s.gap)
    return states, late, risky


def schedule_data(rows: list[ScheduleRow], today: date) -> dict[str, Any]:
    """schedule_status's late and at-risk tasks (its data without the text or what is coming up): what the
    morning digest computes for every project at once."""
    _states, late, risky = judged(rows, today)
    return {"late": [_state_data(s) for s in late], "at_risk": [_state_data(s) for s in risky]}


def _state_data(state: TaskState) -> dict[str, Any]:
    row = state.row
    return {
        "task": row.name,
        "planned_start": row.planned_start,
        "planned_finish": row.planned_finish,
        "planned_percent": state.planned,
        "actual_percent": row.percent,
        "days_late": state.days_late,
        "behind_points": state.gap,
        "predecessor": row.predecessor_name,
        "predecessor_late": state.predecessor_late,
    }


@tool(args=ScheduleStatus, roles=ANY_MEMBER)
def schedule_status(ctx: Context, args: ScheduleStatus) -> Result:
    """Tasks late (unfinished after planned finish), at risk (behind plan by >10 points or after a late
    predecessor) and starting or due within 7 days, with planned % vs actual %."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    today = ctx.today
    states, late, risky = judged(unfinished_tasks(session=ctx.session, project_id=project.id), today)
    soon = sorted(((day, line, s) for s in states for day, line in _upcoming(ctx, s, today)), key=lambda e: e[0])

    texts = [ctx.t(_SCHEDULE_HEAD, code=project.code, name=project.name, today=today.isoformat())]
    if not states:
        texts.append(ctx.t(_NO_TASKS, code=project.code))
    if late:
        texts.append(ctx.t(_LATE_HEAD, n=len(late)))
        texts += [
            ctx.t(
                _LATE_ROW,
                task=s.row.name,
                planned=percent_text(s.planned),
                actual=percent_text(s.row.percent),
                days=s.days_late,
                finish=s.row.planned_finish.isoformat(),
            )
            for s in late
        ]
    if risky:
        texts.append(ctx.t(_RISK_HEAD, n=len(risky)))
        for s in risky:
            line = ctx.t(
                _RISK_ROW, task=s.row.name, planned=percent_text(s.planned), actual=percent_text(s.row.percent)
            )
            if s.gap > AT_RISK_POINTS:
                line += ctx.t(_RISK_GAP, points=qty(s.gap, 1))
            if s.predecessor_late:
                line += ctx.t(_RISK_PRED, pred=s.row.predecessor_name)
            texts.append(line)
    if states and not late and not risky:
        texts.append(ctx.t(_ALL_WELL))
    if soon:
        texts.append(ctx.t(_SOON_HEAD, days=UPCOMING_DAYS, n=len(soon)))
        texts += [line for _, line, _ in soon]
    upcoming = dict.fromkeys(s for _, _, s in soon)
    data = {
        "project": project.code,
        "as_of": today,
        "late": [_state_data(s) for s in late],
        "at_risk": [_state_data(s) for s in risky],
        "upcoming": [_state_data(s) for s in upcoming],
    }
    return Result(ok=True, text="\n".join(texts), data=data)


# -- managing tasks in chat --------------------------------------------------------------------------

MANAGERS = frozenset({Role.admin, Role.manager})

_TASKS_HEAD = Text("{code} 的任务（{n}）：", "{code} tasks ({n}):")
_TASK_ROW = Text(
    "· {name}：计划 {start} 至 {finish}，{cost}，完成 {percent}{state}",
    "· {name}: planned {start} to {finish}, {cost}, {percent} done{state}",
)
_TASK_STARTED = Text("，{day} 开工", ", started {day}")
_TASK_DONE = Text("，{day} 完工", ", finished {day}")
_NO_TASKS_YET = Text("{code} 还没有任务。", "{code} has no tasks yet.")
_TASK_ADDED = Text(
    "已添加任务“{name}”：计划 {start} 至 {finish}，计划成本 {cost}，项目 {code}。",
    "Added task “{name}”: planned {start} to {finish}, planned cost {cost}, project {code}.",
)
_TASK_EXISTS = Text("项目 {code} 已经有任务“{name}”。", "Project {code} already has a task called “{name}”.")
_TASK_ORDER = Text(
    "计划完成 {finish} 早于计划开始 {start}。", "The planned finish {finish} is before the start {start}."
)
_MARKED_START = Text("已记任务“{task}”开工：{day}。", "Task “{task}” started on {day}.")
_ALREADY_STARTED = Text(
    "任务“{task}”已在 {day} 开工，没有改动。", "Task “{task}” already started on {day}; nothing changed."
)
_BUDGET_GAP = Text(
    "⚠ 任务计划成本合计 {tasks}，预算合计 {budget}，差 {gap}：挣值和预测会不准，请核对任务成本或预算。",
    "⚠ Task planned costs add up to {tasks} but the budget is {budget} ({gap} apart): earned value and forecasts will "
    "be off until they agree.",
)


@tool(args=ListTasks, roles=ANY_MEMBER)
def list_tasks(ctx: Context, args: ListTasks) -> Result:
    """A project's tasks with planned dates, planned cost, percent complete and actual start/finish."""
    from sqlalchemy import select

    from storage.models import Task

    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    tasks = list(ctx.session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.planned_start)))
    if not tasks:
        return Result(
            ok=True, text=ctx.t(_NO_TASKS_YET, code=project.code), data={"project": project.code, "tasks": []}
        )
    lines = [ctx.t(_TASKS_HEAD, code=project.code, n=len(tasks))]
    for task in tasks:
        state = ""
        if task.actual_finish:
            state = ctx.t(_TASK_DONE, day=day_text(task.actual_finish, ctx.language, ctx.today))
        elif task.actual_start:
            state = ctx.t(_TASK_STARTED, day=day_text(task.actual_start, ctx.language, ctx.today))
        lines.append(
            ctx.t(
                _TASK_ROW,
                name=task.name,
                start=day_text(task.planned_start, ctx.language, ctx.today),
                finish=day_text(task.planned_finish, ctx.language, ctx.today),
                cost=yuan(task.planned_cost),
                percent=percent_text(task.percent),
                state=state,
            )
        )
    gap = budget_gap_line(ctx, project)
    if gap:
        lines.append(gap)
    items = [{"task": t.name, "percent": t.percent, "planned_cost": t.planned_cost} for t in tasks]
    return Result(ok=True, text="\n".join(lines), data={"project": project.code, "tasks": items})


def budget_gap_line(ctx: Context, project: Project) -> str | None:
    """A warning while the tasks' planned costs do not add up to the budget (EV and forecasts rest on both)."""
    from storage.queries.costs import budget_total
    from storage.queries.tasks import task_totals

    tasks = task_totals(session=ctx.session, project_id=project.id).planned_cost
    budget = budget_total(session=ctx.session, project_id=project.id)
    if tasks == 0 or budget == 0 or tasks == budget:
        return None
    return ctx.t(_BUDGET_GAP, tasks=yuan(tasks), budget=yuan(budget), gap=yuan(abs(tasks - budget)))


@tool(args=AddTask, roles=MANAGERS, writes=True, moves=("budget", "schedule"))
def add_task(ctx: Context, args: AddTask) -> Result:
    """Add a task to a project's schedule: name, planned start and finish, planned cost, predecessor."""
    from sqlalchemy import select

    from storage.models import Task

    project = resolve.project(ctx, args.project)
    require_role(ctx, project, MANAGERS)
    if args.planned_finish < args.planned_start:
        raise ToolError(_TASK_ORDER, start=args.planned_start.isoformat(), finish=args.planned_finish.isoformat())
    session = ctx.session
    if session.scalar(select(Task.id).where(Task.project_id == project.id, Task.name == args.name)) is not None:
        raise ToolError(_TASK_EXISTS, code=project.code, name=args.name)
    predecessor = resolve.task(ctx, project, args.predecessor) if args.predecessor else None
    category = resolve.category(ctx, project, args.budget_category) if args.budget_category else None
    task = Task(
        project_id=project.id,
        name=args.name,
        aliases=list(args.aliases),
        planned_start=args.planned_start,
        planned_finish=args.planned_finish,
        planned_cost=resolve.money(args.planned_cost) if args.planned_cost > 0 else Decimal(0),
        predecessor_id=predecessor.id if predecessor else None,
        budget_category=category,
    )
    session.add(task)
    change = audit.created(task)
    text = ctx.t(
        _TASK_ADDED,
        name=task.name,
        start=day_text(task.planned_start, ctx.language, ctx.today),
        finish=day_text(task.planned_finish, ctx.language, ctx.today),
        cost=yuan(task.planned_cost),
        code=project.code,
    )
    log = audit.record(ctx, "add_task", project, [change], text)
    lines = [text]
    gap = budget_gap_line(ctx, project)
    if gap:
        lines.append(gap)
    return Result(ok=True, text="\n".join(lines), data={"project": project.code, "task": task.name}, audit_id=log.id)


@tool(args=MarkTask, roles=WRITERS, writes=True, moves=("budget", "schedule"))
def mark_task(ctx: Context, args: MarkTask) -> Result:
    """A task started (水电安装今天开始了) or finished (外墙做完了) on a date."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, WRITERS)
    if args.event == "finished":
        return update_task_progress(
            ctx, UpdateTaskProgress(project=project.code, task=args.task, percent=HUNDRED, date=args.date)
        )
    task = resolve.task(ctx, project, args.task)
    day = resolve.work_date(ctx, project, args.date)
    if task.actual_start is not None:
        shown = day_text(task.actual_start, ctx.language, ctx.today)
        return Result(ok=False, text=ctx.t(_ALREADY_STARTED, task=task.name, day=shown), data={"task": task.name})
    before = audit.snapshot(task)
    task.actual_start = day
    change = audit.updated(task, before)
    text = ctx.t(_MARKED_START, task=task.name, day=day_text(day, ctx.language, ctx.today))
    log = audit.record(ctx, "mark_task", project, [change], text)
    return Result(
        ok=True, text=text, data={"project": project.code, "task": task.name, "actual_start": day}, audit_id=log.id
    )
