"""Messages of several actions: every actionable part is planned, or nothing is written and the part not
understood is asked about by name. Lists of costs and of progress figures are one call per item."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.parser import Lexicon, Plan, parse_text

TODAY = date(2026, 11, 25)
LEX = Lexicon.build(
    projects=[
        ("SG3", "阳光花园3号楼", ["阳光花园"]),
        ("BJ", "滨江路市政改造", ["滨江路"]),
        ("RW", "Riverside Warehouse", ["Riverside"]),
    ],
    workers=[("张三", []), ("李四", []), ("王五", []), ("赵六", []), ("孙七", []), ("Mike Chen", ["Mike"])],
    tasks={"SG3": [("主体结构", []), ("砌体工程", ["砌体"])], "RW": [("Roofing", ["Roof"])]},
)


def _plan(text: str, project: str | None = "SG3", language: str = "zh") -> Plan:
    plan = parse_text(text, LEX, today=TODAY, project_code=project, language=language)
    assert not plan.calls or plan.confident
    return plan


def _calls(text: str, project: str | None = "SG3") -> list[tuple[str, dict[str, Any]]]:
    return [(c.tool, {k: v for k, v in c.args.items() if k != "project"}) for c in _plan(text, project).calls]


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("张三今天1工借支200", "1工"),
        ("李四昨天一天结算2000", "一天"),
        ("王五今天一天主体结构60%", "一天"),
        ("赵六今天半天 借了300", "半天"),
        ("砌体工程到了40% 孙七干了一天", "一天"),
    ],
)
def test_a_figure_of_another_action_in_one_clause_is_asked_about_never_dropped(text: str, figure: str) -> None:
    plan = _plan(text)
    assert plan.calls == []
    assert plan.question is not None and f"“{figure}”" in plan.question
