"""Every number written is one the user meant: signs, unit prices, clock times and implausible figures are
explained by the plan, proposed with the reading in the question, or asked about; never flipped, dropped or
stored as something else."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.commands import parse_command
from bot.parser import Lexicon, Plan, parse_text

TODAY = date(2026, 11, 25)
LEX = Lexicon.build(
    projects=[
        ("SG3", "阳光花园3号楼", ["阳光花园"]),
        ("BJ", "滨江路市政改造", ["滨江路"]),
        ("RW", "Riverside Warehouse", ["Riverside"]),
    ],
    workers=[("张三", ["老张"]), ("李四", []), ("王五", []), ("赵六", []), ("Mike Chen", ["Mike"])],
    tasks={"SG3": [("砌体工程", ["砌体"]), ("主体结构", ["主体"])], "RW": [("Roofing", ["Roof"])]},
)


def _plan(text: str, project: str | None = "SG3", language: str = "zh") -> Plan:
    if text.startswith("/"):
        planned = parse_command(text, LEX, today=TODAY, project_code=project, language=language)
        return Plan(source="command", question=planned) if isinstance(planned, str) else planned
    return parse_text(text, LEX, today=TODAY, project_code=project, language=language)


def _calls(plan: Plan) -> list[tuple[str, dict[str, Any]]]:
    return [(c.tool, {k: v for k, v in c.args.items() if k != "project"}) for c in plan.calls]


def _asked(text: str, language: str = "zh") -> str:
    plan = _plan(text, language=language)
    assert plan.calls == [] and not plan.confident and not plan.confirm, (text, plan)
    assert plan.question, text
    return plan.question


def _proposed(text: str, language: str = "zh") -> tuple[list[tuple[str, dict[str, Any]]], str]:
    plan = _plan(text, language=language)
    assert plan.calls and plan.confirm and not plan.confident, (text, plan)
    assert plan.question, text
    return _calls(plan), plan.question


def _acted(text: str, language: str = "zh") -> list[tuple[str, dict[str, Any]]]:
    plan = _plan(text, language=language)
    assert plan.calls and plan.confident and not plan.confirm, (text, plan)
    return _calls(plan)


# -- 1. a minus sign is never read as positive ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "买钢筋花了-5000",
        "王五借支-300",
        "/log 王五 -1",
        "收到甲方工程款-20万",
        "水泥 −2500",
        "李四借支－800",
        "/advance 张三 -500",
        "/cost materials amount=-300",
        "张三今天-1个工",
    ],
)
def test_a_negative_figure_is_asked_about_never_recorded_as_positive(text: str) -> None:
    question = _asked(text)
    assert "负" in question and "退" in question


def test_the_sign_question_is_in_english_too() -> None:
    question = _asked("bought rebar for -5000", language="en")
    assert "minus" in question and "refund" in question


@pytest.mark.parametrize("text", ["钢筋退款5000", "张三还了300借支", "水泥退回了2000"])
def test_money_back_still_plans_nothing(text: str) -> None:
    assert _plan(text).calls == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("11-24 张三一天", "2026-11-24"), ("张三 2026-11-23 一天", "2026-11-23")],
)
def test_a_date_with_dashes_is_no_minus_sign(text: str, expected: str) -> None:
    assert _acted(text) == [("log_labor", {"worker": "张三", "date": expected, "days": "1"})]


# -- 2. unit prices: amount = quantity × unit price ------------------------------------------------------


def _cost(amount: str, quantity: str, unit: str, price: str, note: str) -> tuple[str, dict[str, Any]]:
    args = {"category": "materials", "amount": amount, "date": "2026-11-25", "note": note}
    return ("add_cost", {**args, "quantity": quantity, "unit": unit, "unit_price": price})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("钢筋2吨单价4000", _cost("8000", "2", "吨", "4000", "钢筋")),
        ("买了3吨水泥，单价500", _cost("1500", "3", "吨", "500", "水泥")),
        ("水泥50包每包25元", _cost("1250", "50", "包", "25", "水泥")),
        ("3车砂子一车800", _cost("2400", "3", "车", "800", "砂子")),
        ("钢筋2.5吨 3980元一吨", _cost("9950", "2.5", "吨", "3980", "钢筋")),
        ("水泥40包 单价22.5", _cost("900", "40", "包", "22.5", "水泥")),
        ("钢筋2吨单价4000，共8000元", _cost("8000", "2", "吨", "4000", "钢筋")),
    ],
)
def test_a_count_and_a_unit_price_make_the_amount_with_both_kept(
    text: str, expected: tuple[str, dict[str, Any]]
) -> None:
    assert _acted(text) == [expected]


def test_a_unit_price_with_no_count_asks_how_many() -> None:
    plan = _plan("钢筋单价4000")
    assert plan.calls == [] and plan.slot == "amount"
    assert plan.question is not None and "多少" in plan.question
    plan = _plan("水泥每包25元")
    assert plan.calls == [] and plan.slot == "amount" and plan.question is not None and "包" in plan.question


def test_a_total_that_disagrees_with_count_times_price_is_asked_naming_both() -> None:
    question = _asked("钢筋2吨单价4000，共9000元")
    assert "8000" in question and "9000" in question


def test_a_bare_figure_next_to_a_unit_price_is_proposed_as_the_count_or_the_total() -> None:
    calls, question = _proposed("水泥每包25元 40")
    assert calls == [_cost("1000", "40", "包", "25", "水泥")]
    assert "1000" in question
    calls, question = _proposed("钢筋单价4000 共8000")
    assert calls == [("add_cost", {**_cost("8000", "2", "", "4000", "钢筋")[1]})] or calls[0][1]["quantity"] == "2"
    assert "8000" in question and "4000" in question


def test_a_unit_price_is_never_stored_as_the_total() -> None:
    assert _acted("rebar 2 tons unit price 4000", language="en") == [
        ("add_cost", {**_cost("8000", "2", "tonne", "4000", "rebar")[1]})  # the unit in the message's words
    ]
    assert _asked("钢筋2吨单价4000 运费200")  # another cost, or the total? asked, never 4000 or 200 alone
    plan = _plan("rebar unit price 4000", language="en")
    assert plan.calls == [] and plan.slot == "amount"


def test_an_english_unit_price() -> None:
    expected = ("add_cost", {**_cost("1250", "50", "bag", "25", "cement")[1]})
    assert _acted("cement 50 bags at 25 per bag", language="en") == [expected]


# -- 3. clock times are never dropped --------------------------------------------------------------------


def test_overtime_until_a_clock_time_is_proposed_with_the_computation() -> None:
    calls, question = _proposed("张三今天一天 晚上加班到9点")
    assert calls == [("log_labor", {"worker": "张三", "date": "2026-11-25", "days": "1", "overtime_hours": "3"})]
    assert "21:00" in question and "18:00" in question and "3 小时" in question


@pytest.mark.parametrize(
    ("text", "overtime"),
    [("张三今天一天，加班到21:00", "3"), ("张三今天一天 加班到晚上十点半", "4.5"), ("张三今天一天 加班到20点", "2")],
)
def test_a_clock_time_read_without_doubt_gives_the_overtime(text: str, overtime: str) -> None:
    calls, _ = _proposed(text)
    assert calls[0][1]["overtime_hours"] == overtime and calls[0][1]["days"] == "1"


def test_working_until_late_is_a_day_and_overtime_proposed() -> None:
    calls, question = _proposed("赵六昨天干到晚上十点")
    assert calls == [("log_labor", {"worker": "赵六", "date": "2026-11-24", "days": "1", "overtime_hours": "4"})]
    assert "22:00" in question


def test_a_span_of_clock_times_is_the_hours_worked() -> None:
    calls, question = _proposed("李四今天7点到12点")
    assert calls == [("log_labor", {"worker": "李四", "date": "2026-11-25", "hours": "5"})]
    assert "5" in question
    calls, _ = _proposed("李四今天下午1点到6点")
    assert calls[0][1]["hours"] == "5"


def test_overtime_until_an_hour_only_the_evening_makes_sense_of_is_proposed_with_its_computation() -> None:
    """The day ends at 18:00: 加班到9点 can only be 21:00; the foreman sees the reading before it is written."""
    calls, question = _proposed("张三今天一天 加班到9点")
    assert calls == [("log_labor", {"worker": "张三", "date": "2026-11-25", "days": "1", "overtime_hours": "3"})]
    assert "21:00" in question and "18:00" in question


def test_a_clock_time_that_could_be_morning_is_asked() -> None:
    question = _asked("张三今天一天 干到9点")  # worked until 9: not said to be overtime
    assert "9" in question


def test_the_day_end_is_the_lexicon_s_per_project_setting() -> None:
    assert LEX.day_end("SG3") == "18:00"
    lexicon = Lexicon.build(projects=[("X", "某项目", [])], workers=[("张三", [])], day_ends={"X": "17:30"})
    plan = parse_text("张三今天一天 晚上加班到9点", lexicon, today=TODAY, project_code="X", language="zh")
    assert plan.confirm and plan.calls[0].args["overtime_hours"] == "3.5"
    assert plan.question is not None and "17:30" in plan.question


def test_a_counted_figure_after_the_clock_time_is_what_is_written() -> None:
    assert _acted("赵六昨天干到晚上十点 算一天半") == [
        ("log_labor", {"worker": "赵六", "date": "2026-11-24", "days": "1.5"})
    ]


def test_an_evening_said_before_overtime_is_every_worker_s() -> None:
    calls, _ = _proposed("王五和赵六今天各一天，晚上都加班到9点")
    assert [args["overtime_hours"] for _, args in calls] == ["3", "3"]


def test_a_clock_time_is_proposed_in_english_too() -> None:
    calls, question = _proposed("Mike 1 day today, overtime until 9pm", language="en")
    assert calls[0][1]["overtime_hours"] == "3" and "21:00" in question


# -- 4. implausible figures -------------------------------------------------------------------------------


def test_overtime_with_no_day_of_work_is_proposed() -> None:
    calls, question = _proposed("李四前天加班两个小时")
    assert calls == [("log_labor", {"worker": "李四", "date": "2026-11-23", "overtime_hours": "2"})]
    assert "加班" in question


@pytest.mark.parametrize("text", ["张三今天干了18个小时", "张三今天一天加班10小时", "张三今天5个工", "张三今天4天"])
def test_more_than_sixteen_hours_or_three_days_in_a_day_is_asked(text: str) -> None:
    _asked(text)


# -- 7. settle everything; a confirmation said in the message ------------------------------------------------


@pytest.mark.parametrize("text", ["给张三结清工资", "把张三的工资结了", "/settle 张三 结清", "/settle 张三 all=true"])
def test_settling_everything_is_proposed_with_all(text: str) -> None:
    plan = _plan(text)
    assert plan.confirm and plan.question, plan
    assert _calls(plan) == [("settle_wages", {"worker": "张三", "date": "2026-11-25", "all": True})]


def test_a_confirmation_said_in_the_message_is_passed_on() -> None:
    calls = _acted("买钢筋花了8000 确认超预算")
    assert calls[0][1]["confirm"] is True
    calls = _acted("bought rebar for 8000, confirm over budget", language="en")
    assert calls[0][1]["confirm"] is True


# -- 8. junk is not a cost; command errors point at the real cause --------------------------------------------


def test_junk_with_a_number_is_not_understood_rather_than_a_cost() -> None:
    plan = _plan("asdkjh 哈哈 qwe 123 ！！")
    assert plan.calls == []
    assert plan.question is None or "科目" not in plan.question


def test_a_category_word_people_use_is_known_and_an_unknown_one_is_named() -> None:
    plan = _plan("/cost 管理 101")
    assert _calls(plan) == [("add_cost", {"category": "overhead", "amount": "101", "date": "2026-11-25"})]
    plan = _plan("/cost 杂七杂八 101")
    assert plan.calls == [] and plan.question is not None and "杂七杂八" in plan.question


def test_a_bare_number_in_a_payment_command_is_the_amount() -> None:
    plan = _plan("/settle 张三 1")
    assert _calls(plan) == [("settle_wages", {"worker": "张三", "amount": "1", "date": "2026-11-25"})]
    plan = _plan("/advance 张三 2")
    assert _calls(plan) == [("record_advance", {"worker": "张三", "amount": "2", "date": "2026-11-25"})]


def test_a_decimal_without_its_zero_is_a_number() -> None:
    plan = _plan("/log 张三 .5")
    assert _calls(plan) == [("log_labor", {"worker": "张三", "date": "2026-11-25", "days": "0.5"})]


def test_an_unknown_key_in_a_command_is_refused_by_name() -> None:
    plan = _plan("/log worker=张三 days=1 user=admin")
    assert plan.calls == [] and plan.question is not None and "user" in plan.question
    plan = _plan("/log worker=张三 days=1 amount=300")
    assert plan.calls == [] and plan.question is not None and "amount" in plan.question


def test_a_part_proposed_makes_the_whole_message_a_proposal() -> None:
    calls, question = _proposed("张三今天一天，晚上加班到9点，借支200")
    assert [tool for tool, _ in calls] == ["log_labor", "record_advance"]
    assert "21:00" in question


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("李四今天从早上7点干到晚上7点", {"hours": "12"}),
        ("李四今天7点到12点 下午1点到5点", {"hours": "9"}),
        ("李四今天一天 晚上9点下班", {"days": "1", "overtime_hours": "3"}),
        ("李四今天晚上10点才收工", {"days": "1", "overtime_hours": "4"}),
    ],
)
def test_spans_and_times_off_work_are_read_and_proposed(text: str, args: dict[str, str]) -> None:
    calls, _ = _proposed(text)
    assert calls == [("log_labor", {"worker": "李四", "date": "2026-11-25", **args})]


@pytest.mark.parametrize("text", ["王五今天8点来的 干了一天", "张三今天一天 加班到晚上9点多"])
def test_a_clock_time_nothing_explains_is_asked_about(text: str) -> None:
    _asked(text)
