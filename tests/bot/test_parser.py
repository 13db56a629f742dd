"""The parser on its own: the lexicon cache, behaviour details, and junk that must never crash it."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from bot.commands import parse_command
from bot.parser import Lexicon, Plan, parse_text
from tests.support.factories import Factory

TODAY = date(2026, 11, 25)
LEX = Lexicon.build(
    projects=[("SG3", "阳光花园3号楼", ["阳光花园", "3号楼"]), ("RW", "Riverside Warehouse", ["Riverside"])],
    workers=[("张三", ["老张"]), ("李四", []), ("王五", []), ("Mike Chen", ["Mike"])],
    tasks={"SG3": [("砌体工程", ["砌体"]), ("主体结构", ["主体"])], "RW": [("Roofing", ["Roof"])]},
    lines={"SG3": [("safety", "安全费")]},
)


def _calls(text: str, project: str | None = "SG3", language: str = "zh") -> list[tuple[str, dict[str, object]]]:
    plan = parse_text(text, LEX, today=TODAY, project_code=project, language=language)
    return [(c.tool, c.args) for c in plan.calls]


def test_a_write_naming_no_project_in_a_chat_without_one_asks_which_project_listing_the_codes() -> None:
    plan = parse_text("张三今天一天", LEX, today=TODAY, project_code=None, language="zh")
    assert plan.calls == [] and not plan.confident
    assert plan.question == "记到哪个项目？请写上项目：SG3 阳光花园3号楼、RW Riverside Warehouse"


def test_a_write_naming_no_project_goes_to_the_only_project_there_is() -> None:
    only = Lexicon.build(projects=[("SG3", "阳光花园3号楼", [])], workers=[("张三", [])])
    plan = parse_text("张三今天一天", only, today=TODAY, project_code=None, language="zh")
    assert plan.confident
    assert [(c.tool, c.args) for c in plan.calls] == [
        ("log_labor", {"project": "SG3", "worker": "张三", "date": "2026-11-25", "days": "1"})
    ]


def test_a_read_naming_no_project_is_left_to_the_tool() -> None:
    assert _calls("预算还剩多少", project=None) == [("budget_status", {})]


def test_a_project_named_in_the_message_wins_over_the_chat_project() -> None:
    assert _calls("Riverside budget", project="SG3")[0][1] == {"project": "RW"}


def test_a_project_s_own_budget_line_is_a_category() -> None:
    assert _calls("安全费 3000") == [
        ("add_cost", {"project": "SG3", "category": "safety", "amount": "3000", "date": "2026-11-25"})
    ]


def test_a_date_more_than_a_day_ahead_plans_no_write_and_says_why() -> None:
    plan = parse_text("张三下周一一天", LEX, today=TODAY, project_code="SG3", language="zh")
    assert plan.calls == [] and plan.question == "日期 2026-11-30 还没到，不能记录。"


def test_several_different_dates_for_one_message_are_asked_about() -> None:
    plan = parse_text("张三昨天一天前天半天", LEX, today=TODAY, project_code="SG3", language="zh")
    assert plan.calls == [] and plan.question


def test_two_amounts_for_one_payment_are_asked_about() -> None:
    plan = parse_text("张三借支500 800", LEX, today=TODAY, project_code="SG3", language="zh")
    assert plan.calls == [] and plan.question == "金额不明确，请只写一个金额。"


def test_a_cost_without_a_category_asks_which_one_in_the_chat_language() -> None:
    plan = parse_text("spent 800 today", LEX, today=TODAY, project_code="RW", language="en")
    assert plan.calls == [] and "Which cost category for 800?" in (plan.question or "")


def test_negated_attendance_is_never_recorded() -> None:
    assert _calls("李四今天请假 王五一天") == []


def test_undo_with_other_content_is_not_run_blindly() -> None:
    plan = parse_text("撤回张三的500借支", LEX, today=TODAY, project_code="SG3", language="zh")
    assert plan.calls == [] and not plan.confident


def test_plan_json_is_the_design_shape() -> None:
    plan = parse_text("撤回上一条", LEX, today=TODAY, project_code="SG3", language="zh")
    assert plan.to_json() == {"calls": [{"tool": "undo_last", "args": {}}], "source": "rules"}


def test_lexicon_is_cached_and_reloaded_when_a_worker_is_added(session: Session, make: Factory) -> None:
    make.project(code="HX")
    make.worker("张三")
    first = Lexicon.load(session)
    assert Lexicon.load(session) is first
    make.worker("钱八")
    second = Lexicon.load(session)
    assert second is not first
    plan = parse_text("钱八今天一天", second, today=TODAY, project_code=None, language="zh")
    assert [(c.args["project"], c.args["worker"]) for c in plan.calls] == [("HX", "钱八")]


def test_lexicon_loads_projects_tasks_aliases_and_own_lines(session: Session, make: Factory) -> None:
    project = make.project(code="HX", name="和谐小区", aliases=["和谐"])
    make.task(project, "屋面工程", aliases=["屋面"])
    make.budget(project, "safety", 10000, label="安全文明施工费")
    lexicon = Lexicon.load(session)
    plan = parse_text("和谐 屋面完成30%", lexicon, today=TODAY, project_code=None, language="zh")
    assert [(c.tool, c.args) for c in plan.calls] == [
        ("update_task_progress", {"project": "HX", "task": "屋面工程", "percent": "30", "date": "2026-11-25"})
    ]
    plan = parse_text("安全文明施工费 2000", lexicon, today=TODAY, project_code="HX", language="zh")
    assert plan.calls[0].args["category"] == "safety"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_unicode_never_crashes_the_parser_or_the_commands(text: str) -> None:
    for message in (text, "/" + text, "/log " + text, "/cost " + text, "张三" + text):
        plan = parse_text(message, LEX, today=TODAY, project_code="SG3", language="zh")
        assert isinstance(plan, Plan)
        result = parse_command(message, LEX, today=TODAY, project_code="SG3", language="en")
        assert isinstance(result, (Plan, str))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "张三",
                "李四",
                "今天",
                "昨天",
                "一天",
                "半天",
                "8000",
                "借支",
                "结算",
                "收到",
                "付给",
                "钢筋",
                "%",
                "40",
                "砌体",
                "撤回",
                "加班",
                "2小时",
                "、",
                " ",
                "万",
                "?",
                "上周",
                "汇总",
                "预算",
                "Riverside",
                "明天",
                "没来",
            ]
        ),
        max_size=8,
    )
)
def test_word_salad_never_plans_an_unconfident_write_without_a_question(words: list[str]) -> None:
    plan = parse_text("".join(words), LEX, today=TODAY, project_code="SG3", language="zh")
    if plan.writes:
        assert plan.confident or (plan.confirm and plan.question)  # made at once, or proposed saying why
    elif not plan.calls and plan.source == "rules":
        assert plan.question is None or plan.question.strip()


def test_lexicon_loads_when_each_project_s_working_day_ends(session: Session, make: Factory) -> None:
    make.project(code="EARLY", day_end="17:00")
    make.project(code="LATE")
    make.worker("张三")
    lexicon = Lexicon.load(session)
    assert (lexicon.day_end("EARLY"), lexicon.day_end("LATE")) == ("17:00", "18:00")
    plan = parse_text("张三今天一天 晚上加班到8点", lexicon, today=TODAY, project_code="EARLY", language="zh")
    assert [c.args["overtime_hours"] for c in plan.calls] == ["3"] and "17:00" in (plan.question or "")
