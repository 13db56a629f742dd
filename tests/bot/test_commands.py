"""Slash commands: deterministic, one tool each, help in zh and en, and what is missing is said."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.commands import COMMANDS, help_text, parse_command
from bot.parser import Lexicon, Plan

TODAY = date(2026, 11, 25)
LEX = Lexicon.build(
    projects=[
        ("SG3", "阳光花园3号楼", ["阳光花园", "3号楼"]),
        ("BJ", "滨江路市政改造", ["滨江路"]),
        ("RW", "Riverside Warehouse", ["Riverside"]),
    ],
    workers=[("张三", ["老张"]), ("李四", []), ("王五", []), ("赵六", []), ("Mike Chen", ["Mike"])],
    tasks={"SG3": [("砌体工程", ["砌体"]), ("主体结构", ["主体"])], "RW": [("Roofing", ["Roof"])]},
)


def _run(text: str, project: str | None = "SG3", language: str = "zh") -> Plan | str:
    return parse_command(text, LEX, today=TODAY, project_code=project, language=language)


def _calls(text: str, project: str | None = "SG3") -> list[tuple[str, dict[str, Any]]]:
    plan = _run(text, project)
    assert isinstance(plan, Plan), plan
    assert plan.source == "command" and plan.confident, plan
    return [(c.tool, c.args) for c in plan.calls]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "/log 李四 1 昨天 加班2",
            [
                (
                    "log_labor",
                    {"project": "SG3", "worker": "李四", "date": "2026-11-24", "days": "1", "overtime_hours": "2"},
                )
            ],
        ),
        (
            "/log@SiteBot 王五 赵六 0.5",
            [
                ("log_labor", {"project": "SG3", "worker": "王五", "date": "2026-11-25", "days": "0.5"}),
                ("log_labor", {"project": "SG3", "worker": "赵六", "date": "2026-11-25", "days": "0.5"}),
            ],
        ),
        (
            "/log 张三 10小时 11月20日",
            [("log_labor", {"project": "SG3", "worker": "张三", "date": "2026-11-20", "hours": "10"})],
        ),
        (
            "/log worker=李四 days=1 date=2026-11-24",
            [("log_labor", {"project": "SG3", "worker": "李四", "date": "2026-11-24", "days": "1"})],
        ),
        (
            "/log Mike 1 yesterday overtime 2",
            [
                (
                    "log_labor",
                    {"project": "SG3", "worker": "Mike Chen", "date": "2026-11-24", "days": "1", "overtime_hours": "2"},
                )
            ],
        ),
        (
            "/log project=BJ 老张 半天",
            [("log_labor", {"project": "BJ", "worker": "张三", "date": "2026-11-25", "days": "0.5"})],
        ),
        (
            "/advance 张三 500",
            [("record_advance", {"project": "SG3", "worker": "张三", "amount": "500", "date": "2026-11-25"})],
        ),
        (
            "/settle 李四 8600 11月20日",
            [("settle_wages", {"project": "SG3", "worker": "李四", "amount": "8600", "date": "2026-11-20"})],
        ),
        (
            "/cost 材料 8000 钢筋",
            [
                (
                    "add_cost",
                    {"project": "SG3", "category": "materials", "amount": "8000", "date": "2026-11-25", "note": "钢筋"},
                )
            ],
        ),
        (
            "/cost 吊车 2800 昨天",
            [
                (
                    "add_cost",
                    {"project": "SG3", "category": "machinery", "amount": "2800", "date": "2026-11-24", "note": "吊车"},
                )
            ],
        ),
        (
            "/cost category=overhead amount=350 note=办公用品 vendor=文具店",
            [
                (
                    "add_cost",
                    {
                        "project": "SG3",
                        "category": "overhead",
                        "amount": "350",
                        "date": "2026-11-25",
                        "note": "办公用品",
                        "vendor": "文具店",
                    },
                )
            ],
        ),
        (
            "/fund in 200000 甲方",
            [
                (
                    "record_fund",
                    {
                        "project": "SG3",
                        "direction": "in",
                        "amount": "200000",
                        "date": "2026-11-25",
                        "counterparty": "甲方",
                    },
                )
            ],
        ),
        (
            "/fund out 10万 钢材厂",
            [
                (
                    "record_fund",
                    {
                        "project": "SG3",
                        "direction": "out",
                        "amount": "100000",
                        "date": "2026-11-25",
                        "counterparty": "钢材厂",
                    },
                )
            ],
        ),
        (
            "/progress 砌体工程 40",
            [("update_task_progress", {"project": "SG3", "task": "砌体工程", "percent": "40", "date": "2026-11-25"})],
        ),
        (
            "/progress 主体 60% 昨天",
            [("update_task_progress", {"project": "SG3", "task": "主体结构", "percent": "60", "date": "2026-11-24"})],
        ),
        ("/summary 上周", [("labor_summary", {"project": "SG3", "start": "2026-11-16", "end": "2026-11-22"})]),
        (
            "/summary 张三 本月",
            [("labor_summary", {"project": "SG3", "worker": "张三", "start": "2026-11-01", "end": "2026-11-25"})],
        ),
        (
            "/summary 上个月 按工种 导出",
            [
                (
                    "labor_summary",
                    {"project": "SG3", "start": "2026-10-01", "end": "2026-10-31", "group_by": "trade", "export": True},
                )
            ],
        ),
        ("/budget", [("budget_status", {"project": "SG3"})]),
        ("/budget 材料 滨江路", [("budget_status", {"project": "BJ", "category": "materials"})]),
        ("/schedule@sitebot_bot", [("schedule_status", {"project": "SG3"})]),
        ("/cash", [("fund_status", {"project": "SG3"})]),
        ("/health Riverside", [("project_health", {"project": "RW"})]),
        ("/undo", [("undo_last", {})]),
        ("/projects", [("list_projects", {})]),
    ],
)
def test_commands_plan_exactly_one_tool(text: str, expected: list[tuple[str, dict[str, Any]]]) -> None:
    assert _calls(text) == expected


def test_a_command_without_a_chat_project_leaves_the_project_out() -> None:
    assert _calls("/advance 张三 500", project=None) == [
        ("record_advance", {"worker": "张三", "amount": "500", "date": "2026-11-25"})
    ]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_examples_in_both_languages(name: str) -> None:
    zh, en = help_text(name, "zh"), help_text(name, "en")
    assert zh.startswith(f"/{name}") and en.startswith(f"/{name}")
    assert zh != en
    if COMMANDS[name].required:
        assert "例" in zh and "e.g." in en
        assert _run(f"/{name}") == zh  # the command alone shows its help


def test_help_lists_every_command_and_help_name_shows_one() -> None:
    overview = _run("/help")
    assert isinstance(overview, str)
    assert all(f"/{name}" in overview for name in COMMANDS)
    assert _run("/help log", language="en") == help_text("log", "en")
    assert _run("/help /cost") == help_text("cost", "zh")


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("/log 李四", "缺少：工日"),
        ("/advance 张三", "缺少：金额"),
        ("/cost 8000", "缺少：成本科目"),
        ("/fund 200000", "缺少：收支方向（in 或 out）"),
        ("/progress 40", "缺少：任务"),
        ("/settle 8600", "缺少：工人"),
    ],
)
def test_a_command_missing_a_value_returns_its_help_saying_what_is_missing(text: str, missing: str) -> None:
    reply = _run(text)
    assert isinstance(reply, str)
    assert reply.startswith(missing)
    assert help_text(text.split()[0], "zh") in reply


def test_missing_values_are_named_in_english_too() -> None:
    reply = _run("/fund 200000", language="en")
    assert isinstance(reply, str) and reply.startswith("Missing: direction (in or out)")


def test_an_unknown_worker_in_a_command_is_asked_about_not_guessed() -> None:
    plan = _run("/log 张山 1")
    assert isinstance(plan, Plan) and plan.calls == [] and not plan.confident
    assert plan.question == "没有找到工人“张山”，你是说张三吗？"
    plan = _run("/advance worker=Jack amount=500", language="en")
    assert isinstance(plan, Plan) and plan.calls == [] and plan.question == "No worker called “Jack”"


def test_a_bad_key_value_says_which_and_shows_help() -> None:
    reply = _run("/log worker=李四 days=lots")
    assert isinstance(reply, str) and reply.startswith("看不懂 days=lots")


def test_an_unknown_command_shows_the_overview() -> None:
    reply = _run("/dance", language="en")
    assert isinstance(reply, str) and reply.startswith("Unknown command: /dance")
    assert "/log" in reply


def test_a_future_date_in_a_command_is_refused_with_a_question() -> None:
    plan = _run("/log 张三 1 下周五")
    assert isinstance(plan, Plan) and plan.calls == [] and plan.question == "日期 2026-12-04 还没到，不能记录。"
