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
        ("砌体工程到了40% 孙七干了一天", "一天"),
    ],
)
def test_a_figure_of_another_action_in_one_clause_is_asked_about_never_dropped(text: str, figure: str) -> None:
    plan = _plan(text)
    assert plan.calls == []
    assert plan.question is not None and f"“{figure}”" in plan.question


def _labor(worker: str, days: str, day: str = "2026-11-25") -> tuple[str, dict[str, Any]]:
    return ("log_labor", {"worker": worker, "date": day, "days": days})


def _pay(tool: str, worker: str, amount: str, day: str = "2026-11-25") -> tuple[str, dict[str, Any]]:
    return (tool, {"worker": worker, "amount": amount, "date": day})


def _progress(task: str, percent: str) -> tuple[str, dict[str, Any]]:
    return ("update_task_progress", {"task": task, "percent": percent, "date": "2026-11-25"})


def _cost(category: str, amount: str, note: str) -> tuple[str, dict[str, Any]]:
    return ("add_cost", {"category": category, "amount": amount, "date": "2026-11-25", "note": note})


# -- several actions in one message: every part planned, in message order ---------------------------------


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("赵六今天一个工，预支300", [_labor("赵六", "1"), _pay("record_advance", "赵六", "300")]),
        (
            "孙七前天干了一天；工资结了1800",
            [_labor("孙七", "1", "2026-11-23"), _pay("settle_wages", "孙七", "1800", "2026-11-23")],
        ),
        ("李四今天半天，砌体工程到了45%", [_labor("李四", "0.5"), _progress("砌体工程", "45")]),
        ("昨天张三1工，今天借支200", [_labor("张三", "1", "2026-11-24"), _pay("record_advance", "张三", "200")]),
        (
            "今天\n王五 1\n赵六 半天\n王五借支500",
            [_labor("王五", "1"), _labor("赵六", "0.5"), _pay("record_advance", "王五", "500")],
        ),
        (
            "张三1工 李四半天；王五借支300；水泥5000",
            [
                _labor("张三", "1"),
                _labor("李四", "0.5"),
                _pay("record_advance", "王五", "300"),
                _cost("materials", "5000", "水泥"),
            ],
        ),
    ],
)
def test_every_action_of_a_message_is_planned_in_order_later_parts_taking_the_earlier_worker_and_date(
    text: str, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    assert _calls(text) == calls


def test_english_parts_joined_by_and_are_each_planned() -> None:
    assert _calls("Mike half a day yesterday and advance 300", "RW") == [
        _labor("Mike Chen", "0.5", "2026-11-24"),
        _pay("record_advance", "Mike Chen", "300", "2026-11-24"),
    ]


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("张三今天1工，老陈借支200", "老陈借支200"),
        ("张三今天1工，借支几百", "借支几百"),
        ("张三今天1工，明天借支200", "明天借支200"),
        ("李四今天一天，主体结构差不多一半了", "主体结构差不多一半了"),
    ],
)
def test_a_part_not_understood_means_nothing_is_written_and_that_part_is_named(text: str, part: str) -> None:
    plan = _plan(text)
    assert plan.calls == [] and not plan.confident
    assert plan.question is not None and f"“{part}”" in plan.question


def test_the_same_worker_s_day_logged_twice_in_one_message_is_asked_about() -> None:
    plan = _plan("张三今天1工，借支200，加班2小时")
    assert plan.calls == []
    assert plan.question is not None and "两次" in plan.question


def test_workers_of_a_labour_part_sharing_one_advance_are_asked_which_share_is_whose() -> None:
    plan = _plan("张三李四今天各1工，借支200")
    assert plan.calls == [] and plan.question is not None and "“借支200”" in plan.question


def test_one_action_with_commas_is_still_read_whole() -> None:
    assert _calls("李四昨天一个工，加班2小时") == [
        ("log_labor", {"worker": "李四", "date": "2026-11-24", "days": "1", "overtime_hours": "2"})
    ]


# -- lists: one call per item -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("费用\n砂子 900\n吊车 2500", [_cost("materials", "900", "砂子"), _cost("machinery", "2500", "吊车")]),
        ("水泥6800，电缆1200", [_cost("materials", "6800", "水泥"), _cost("materials", "1200", "电缆")]),
        ("材料：钢管 3000 扣件 800", [_cost("materials", "3000", "钢管"), _cost("materials", "800", "扣件")]),
    ],
)
def test_a_list_of_costs_is_one_cost_per_item_with_the_item_word_as_note(
    text: str, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    assert _calls(text) == calls


@pytest.mark.parametrize(
    "text", ["水泥 6800 运费 300", "水泥 钢筋 6800 1200", "材料：水泥 6800 吊车 2500", "水泥每吨450 钢筋 3000"]
)
def test_a_cost_list_whose_amounts_do_not_pair_with_items_is_asked_about(text: str) -> None:
    plan = _plan(text)
    assert plan.calls == [] and plan.question


@pytest.mark.parametrize("text", ["进度\n主体结构 70%\n砌体 30%", "主体结构七成，砌体工程百分之二十"])
def test_a_list_of_task_progress_figures_is_one_update_per_task(text: str) -> None:
    assert [c[1]["percent"] for c in _calls(text)] == (["70", "30"] if "70" in text else ["70", "20"])
    assert [c[1]["task"] for c in _calls(text)] == ["主体结构", "砌体工程"]


def test_tasks_sharing_one_figure_are_asked_about() -> None:
    assert _calls("主体结构和砌体工程都60%") == []


# -- corrections, vague amounts, attendance questions --------------------------------------------------------


def test_not_and_the_old_figure_after_a_correction_names_the_old_value() -> None:
    assert _calls("sorry, Mike yesterday should be half not 1", "RW") == [
        ("log_labor", {"worker": "Mike Chen", "date": "2026-11-24", "days": "0.5", "correction": True})
    ]


@pytest.mark.parametrize("text", ["花了几千块", "砂子花了一两千", "吊车租金千把块"])
def test_a_vague_amount_in_a_statement_is_asked_about_never_read_or_written(text: str) -> None:
    plan = _plan(text)
    assert plan.calls == [] and plan.question is not None and "确切" in plan.question


@pytest.mark.parametrize(("text", "tool"), [("花了几千了吗", "budget_status"), ("水泥花了多少", "cost_summary")])
def test_a_vague_amount_asked_as_a_question_is_a_read_of_spending(text: str, tool: str) -> None:
    assert [c[0] for c in _calls(text)] == [tool]  # an item named filters the spending (cost_summary)


@pytest.mark.parametrize(
    ("text", "start"),
    [("孙七前天来了吗", "2026-11-23"), ("王五昨天干没干", "2026-11-24"), ("李四今天上班了没", "2026-11-25")],
)
def test_a_yes_no_question_whether_a_worker_came_is_a_read_of_that_day(text: str, start: str) -> None:
    assert _calls(text) == [("labor_summary", {"worker": text[:2], "start": start, "end": start})]


@pytest.mark.parametrize("text", ["明天孙七来不来", "要不要给李四记半天？", "王五今天一天？还是半天"])
def test_a_question_about_a_plan_or_a_record_to_make_is_no_read(text: str) -> None:
    assert _calls(text) == []


def test_lines_of_a_name_and_a_bare_number_under_a_date_are_each_worker_s_days() -> None:
    assert _calls("11月24日\n孙七 1\n赵六 0.5") == [
        _labor("孙七", "1", "2026-11-24"),
        _labor("赵六", "0.5", "2026-11-24"),
    ]


def test_a_roster_of_bare_numbers_next_to_another_action_is_days_in_its_own_part() -> None:
    assert _calls("前天\n王五 1\n赵六 1\n钢筋 8000") == [
        _labor("王五", "1", "2026-11-23"),
        _labor("赵六", "1", "2026-11-23"),
        ("add_cost", {"category": "materials", "amount": "8000", "date": "2026-11-23", "note": "钢筋"}),
    ]


def test_one_item_said_in_two_words_is_one_entry_of_a_cost_list() -> None:
    assert _calls("塔吊台班 3000\n水泥 2000") == [
        _cost("machinery", "3000", "塔吊"),
        _cost("materials", "2000", "水泥"),
    ]


def test_money_in_and_money_out_in_separate_clauses_are_each_recorded() -> None:
    assert _calls("收到业主15万，付给钢材厂8万") == [
        ("record_fund", {"direction": "in", "amount": "150000", "date": "2026-11-25", "counterparty": "业主"}),
        ("record_fund", {"direction": "out", "amount": "80000", "date": "2026-11-25", "counterparty": "钢材厂"}),
    ]


@pytest.mark.parametrize("text", ["赵六今天一天，工资420", "孙七昨天半天，人工费130"])
def test_wages_next_to_a_worker_s_day_are_not_a_labour_cost_of_their_own(text: str) -> None:
    assert _calls(text) == []


def test_a_project_named_in_any_part_is_every_part_s() -> None:
    plan = _plan("孙七今天一天，滨江路借支200")
    assert [(c.tool, c.args["project"]) for c in plan.calls] == [("log_labor", "BJ"), ("record_advance", "BJ")]


def test_two_projects_in_one_message_of_several_actions_are_asked_about() -> None:
    plan = _plan("孙七今天一天，滨江路借支200，阳光花园 水泥500")
    assert plan.calls == [] and plan.question is not None and "项目" in plan.question


@pytest.mark.parametrize("text", ["孙七一天，借支200，昨天", "张三借支200，前天1工"])
def test_a_part_with_no_date_before_a_part_with_another_day_is_asked_about(text: str) -> None:
    plan = _plan(text)
    assert plan.calls == [] and plan.question is not None and "哪一天" in plan.question


def test_a_later_today_is_the_day_an_undated_part_takes_anyway() -> None:
    assert [c[0] for c in _calls("收到业主5万，王五今天一天")] == ["record_fund", "log_labor"]


def test_a_read_s_period_neither_dates_a_write_nor_makes_an_undated_one_doubtful() -> None:
    assert _calls("Mike 1 day, how much has he borrowed this month?", "RW") == [
        _labor("Mike Chen", "1"),
        ("labor_summary", {"worker": "Mike Chen", "start": "2026-11-01", "end": "2026-11-25"}),
    ]


@pytest.mark.parametrize(
    ("text", "part"), [("王五今天一个工，借了300，李四今天", "李四今天"), ("赵六今天一天，借支100，下周呢", "下周呢")]
)
def test_a_trailing_fragment_naming_a_worker_or_a_day_is_asked_about_not_joined_to_the_last_part(
    text: str, part: str
) -> None:
    plan = _plan(text)
    assert plan.calls == [] and plan.question is not None and f"“{part}”" in plan.question


def test_a_question_joining_a_write_part_does_not_turn_the_write_into_a_read() -> None:
    plan = _plan("孙七今天一天，王五借支300，对吧？")
    assert plan.calls == [] and plan.question


def test_pleasantries_at_the_end_join_the_last_part() -> None:
    assert [c[0] for c in _calls("孙七今天一天，王五借支300，谢谢")] == ["log_labor", "record_advance"]


@pytest.mark.parametrize("text", ["张三改成半天，孙七昨天一天", "李四昨天改成一天，王五半天"])
def test_a_worker_with_figures_but_no_correction_word_next_to_a_correction_is_asked_about(text: str) -> None:
    assert _calls(text) == []


def test_workers_each_corrected_in_their_own_words_are_all_corrections() -> None:
    assert [c[1]["worker"] for c in _calls("张三昨天改成半天，李四改成一天") if c[1].get("correction")] == [
        "张三",
        "李四",
    ]


@pytest.mark.parametrize("text", ["王五干了一天，赵六前天加班3小时", "今天主体结构60%，孙七干了一天，李四昨天半天"])
def test_a_day_named_only_after_a_worker_s_figures_is_asked_about_not_spread_back(text: str) -> None:
    plan = _plan(text)
    assert plan.calls == [] and plan.question is not None and "哪一天" in plan.question


def test_today_named_later_is_the_day_an_undated_worker_takes_anyway() -> None:
    assert _calls("王五一天，赵六今天半天") == [_labor("王五", "1"), _labor("赵六", "0.5")]


def test_a_rate_between_a_day_and_another_action_stays_with_the_day() -> None:
    assert _calls("李四今天一天，日工资420，砌体工程到50%") == [
        ("log_labor", {"worker": "李四", "date": "2026-11-25", "days": "1", "daily_rate": "420"}),
        _progress("砌体工程", "50"),
    ]


def test_a_rate_left_out_of_a_write_is_asked_about() -> None:
    plan = _plan("日工资420 砌体工程到50%")
    assert plan.calls == [] and plan.question is not None and "“日工资420”" in plan.question


def test_an_advance_naming_a_worker_after_one_naming_none_is_a_part_of_its_own() -> None:
    assert _calls("孙七昨天一天；另外借支200；赵六借支800元") == [
        _labor("孙七", "1", "2026-11-24"),
        _pay("record_advance", "孙七", "200", "2026-11-24"),
        _pay("record_advance", "赵六", "800", "2026-11-24"),
    ]


@pytest.mark.parametrize("text", ["借支300，赵六借支2000元", "收到甲方20万，另外5万元"])
def test_two_amounts_for_one_payment_are_asked_about_even_when_one_says_yuan(text: str) -> None:
    assert _calls(text) == []


def test_a_header_line_with_no_figures_takes_the_lines_under_it() -> None:
    assert _calls("王五今天1工\n预支：\n赵六 300\n孙七 200\n主体结构55%") == [
        _labor("王五", "1"),
        _pay("record_advance", "赵六", "300"),
        _pay("record_advance", "孙七", "200"),
        _progress("主体结构", "55"),
    ]


def test_a_name_between_two_actions_begins_the_next() -> None:
    assert _calls("孙七1工，赵六，借支500") == [_labor("孙七", "1"), _pay("record_advance", "赵六", "500")]


def test_a_worker_with_a_day_of_their_own_but_no_figure_does_not_share_the_next_worker_s() -> None:
    plan = _plan("孙七昨天，王五昨天改成一天")
    assert plan.calls == [] and plan.question is not None and "孙七" in plan.question


@pytest.mark.parametrize("text", ["赵六，业主转来20万", "砌体工程到了30% 李四"])
def test_a_worker_named_in_a_write_that_is_no_one_s_is_asked_about(text: str) -> None:
    plan = _plan(text)
    assert plan.calls == [] and plan.question is not None
