"""One forecast of a project as of a status date: earned value and the estimate at completion (EAC), per budget
line and in total, shared by /budget, /health, the charts and the morning digest (docs/forecast.md).

- Nothing dated after the status date counts: AC is cost up to it; EV uses each task's percent as reported by
  then (its progress history); PV spreads planned cost up to it.
- When the tasks' planned costs do not add up to the budget, EV and PV are scaled to the budget (EV = BAC × share
  of the planned work done) and the reply says the two disagree.
- A line's forecast says its method:
  * earned value — tasks are mapped to the line (task.budget_category) and some of their work is done:
    EAC = BAC(line) × AC(line) / EV(line);
  * project efficiency — no task is mapped to any line: every budgeted line takes the project's CPI,
    EAC = BAC(line) / CPI, so the lines add up to the textbook BAC / CPI;
  * own spending — the line's tasks have not started, or some lines are mapped and this one is not:
    EAC = the larger of its budget and what it has cost (a deposit paid early is not a predicted overrun);
  * no budget — a line with costs and no budget is forecast at its cost so far.
- The project's EAC is the sum of its lines: the one figure every reply shows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from storage.models import BudgetLine, Project
from storage.queries.costs import ZERO, actual_by_category_of, budget_lines_of
from storage.queries.tasks import CostWindow, LineProgress, earned_by_line_of, planned_cost_windows_of
from tools.base import Text
from tools.earned_value import EarnedValue, compute, planned_value

METHODS = {  # how a line's estimate at completion was made, as each reply names it
    "earned_value": Text("按挣值", "by earned value"),
    "project_cpi": Text("按项目CPI", "by project CPI"),
    "own_spending": Text("按自身花费", "by own spending"),
    "no_budget": Text("按已花", "by cost so far"),
}


@dataclass(frozen=True)
class LineForecast:
    category: str
    label: str | None
    budget: Decimal
    actual: Decimal
    earned: Decimal | None  # EV of the line's mapped tasks (scaled to its budget), when it has any
    eac: Decimal | None
    method: str


@dataclass(frozen=True)
class ProjectForecast:
    as_of: date
    ev: EarnedValue  # project figures (EV and PV scaled to the budget when tasks disagree with it)
    eac: Decimal | None  # the sum of the lines' forecasts: the one estimate at completion
    lines: list[LineForecast] = field(default_factory=list)
    task_cost: Decimal = ZERO  # Σ planned cost of the tasks
    percent_complete: Decimal | None = None  # share of the planned work done, 0-100


def _scale(value: Decimal, budget: Decimal, planned: Decimal) -> Decimal:
    """A task figure measured against the budget instead of the tasks' own planned cost."""
    if planned == 0 or planned == budget:
        return value
    return value * budget / planned


def forecast(session: Session, project: Project, as_of: date, *, today: date) -> ProjectForecast:
    """Earned value and the estimate at completion as of a date (module docstring)."""
    return forecasts(session, [project.id], as_of, today=today)[project.id]


def forecasts(
    session: Session, project_ids: Collection[int], as_of: date, *, today: date
) -> dict[int, ProjectForecast]:
    """forecast for many projects, each aggregate one query over all of them (the morning digest)."""
    ids = list(project_ids)
    budgets = budget_lines_of(session=session, project_ids=ids)
    actual = actual_by_category_of(session=session, project_ids=ids, until=as_of)
    progress = earned_by_line_of(session=session, project_ids=ids, as_of=as_of, current=as_of >= today)
    windows = planned_cost_windows_of(session=session, project_ids=ids, as_of=as_of)
    return {pid: _forecast(budgets[pid], actual[pid], progress[pid], windows[pid], as_of) for pid in ids}


def _forecast(
    budgets: list[BudgetLine],
    actual: dict[str, Decimal],
    progress: list[LineProgress],
    windows: list[CostWindow],
    as_of: date,
) -> ProjectForecast:
    """One project's forecast from its aggregates (module docstring)."""
    task_cost = sum((p.planned_cost for p in progress), ZERO)
    earned = sum((p.earned for p in progress), ZERO)
    bac = sum((line.amount for line in budgets), ZERO)
    ac = sum(actual.values(), ZERO)
    pv = planned_value(((w.planned_start, w.planned_finish, w.planned_cost) for w in windows), as_of)
    ev = compute(bac=bac, pv=_scale(pv, bac, task_cost), ev=_scale(earned, bac, task_cost), ac=ac)
    mapped = {p.category: p for p in progress if p.category is not None and p.planned_cost > 0}
    lines: list[LineForecast] = []
    for line in budgets:
        spent = actual.get(line.category, ZERO)
        own = mapped.get(line.category)
        line_ev = _scale(own.earned, line.amount, own.planned_cost) if own is not None else None
        if own is not None and line_ev and spent:
            eac: Decimal | None = line.amount * spent / line_ev
            method = "earned_value"
        elif not mapped and ev.ev and ac:
            eac = line.amount * ac / ev.ev
            method = "project_cpi"
        else:
            eac = max(line.amount, spent)
            method = "own_spending"
        lines.append(LineForecast(line.category, line.label, line.amount, spent, line_ev, eac, method))
    budgeted = {line.category for line in budgets}
    for category in sorted(set(actual) - budgeted):
        spent = actual[category]
        eac = None if (not mapped and ev.ev and ac) else spent  # project CPI already carries it
        lines.append(LineForecast(category, None, ZERO, spent, None, eac, "no_budget"))
    total = sum((line.eac for line in lines if line.eac is not None), ZERO) if lines else None
    complete = (earned * 100 / task_cost) if task_cost else None
    return ProjectForecast(as_of, ev, total, lines, task_cost, complete)
