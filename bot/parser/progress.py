"""Progress writes: a task's percent complete, one task or a list of them."""

from __future__ import annotations

from decimal import Decimal

from bot.parser.analysis import Analysis, ask, explicit_percents, one, percent_value
from bot.parser.lexicon import Hit
from bot.parser.numbers import decimal_text
from bot.parser.plan import Plan
from bot.parser.words import CORRECTION_RE, PROGRESS_WORD_RE
from tools.base import Call


def plan_progress(an: Analysis) -> Plan:
    percent = an.percent
    tasks = an.lexicon.find_tasks(an.text, an.project)
    names = list(dict.fromkeys(h.value for h in tasks))
    if percent is None:
        return ask(None)
    listed = _progress_list(an, tasks)
    if listed is not None:
        day = an.entry_date()
        if isinstance(day, str):
            return ask(day)
        calls = []
        for task, value in listed:
            args = an.with_project(task=task, percent=decimal_text(value), date=day.isoformat())
            if CORRECTION_RE.search(an.low):
                args["correction"] = True
            calls.append(Call("update_task_progress", args))
        return Plan(calls=calls, source="rules", confident=True)
    if len(names) != 1:
        options = tuple(an.lexicon.task_names(an.project))
        return ask(an.asked("which_task", slot="task", choices=options, options="、".join(options) or "—"))
    day = an.entry_date()
    if isinstance(day, str):
        return ask(day)
    args = an.with_project(task=names[0], percent=decimal_text(percent), date=day.isoformat())
    if CORRECTION_RE.search(an.low):
        args["correction"] = True
    return one("update_task_progress", args)


def _progress_list(an: Analysis, tasks: list[Hit]) -> list[tuple[str, Decimal]] | None:
    """Several tasks each with the one percentage after it (主体结构60% 砌体工程25%, one a line): (task, percent)
    each. None when the message is no such list."""
    percents = explicit_percents(an)
    if len(tasks) < 2 or len(percents) < 2 or len({h.value for h in tasks}) != len(tasks):
        return None
    if any(m.start() < tasks[0].begin for m in percents):
        return None
    bounds = [h.begin for h in tasks[1:]] + [len(an.low)]
    listed: list[tuple[str, Decimal]] = []
    for task, stop in zip(tasks, bounds, strict=True):
        own = [m for m in percents if task.end <= m.start() < stop]
        value = percent_value(own[0]) if len(own) == 1 else None
        if value is None:
            return None
        listed.append((task.value, value))
    return listed


def progress_fix(an: Analysis) -> bool:
    """A task's progress corrected (主体结构报高了，应该是40%), not a worker's day."""
    return (
        an.percent is not None
        and not an.worker_hits
        and bool(an.lexicon.find_tasks(an.text, an.project) or PROGRESS_WORD_RE.search(an.low))
    )
