"""The parser's general mechanisms, each on phrasings of its own (not the sentences of the message sets)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.parser import Lexicon, parse_text
from bot.parser.dates import find
from bot.parser.numbers import number

TODAY = date(2026, 11, 25)
LEX = Lexicon.build(
    projects=[
        ("SG3", "阳光花园3号楼", ["阳光花园"]),
        ("BJ", "滨江路市政改造", ["滨江路"]),
        ("RW", "Riverside Warehouse", ["Riverside"]),
    ],
    workers=[
        ("张三", []),
        ("李四", []),
        ("王五", []),
        ("赵六", []),
        ("孙七", []),
        ("Mike Chen", ["Mike"]),
        ("Tom Li", ["Tom"]),
    ],
    tasks={"SG3": [("砌体工程", ["砌体"])], "RW": [("Roofing", ["Roof"])]},
)


def _plan(
    text: str, project: str | None = "SG3", language: str = "zh"
) -> tuple[list[tuple[str, dict[str, Any]]], str | None]:
    plan = parse_text(text, LEX, today=TODAY, project_code=project, language=language)
    if plan.calls:
        assert plan.confident
    return [(c.tool, {k: v for k, v in c.args.items() if k != "project"}) for c in plan.calls], plan.question


def _calls(text: str, project: str | None = "SG3") -> list[tuple[str, dict[str, Any]]]:
    return _plan(text, project)[0]


def _labor(worker: str, days: str, day: str = "2026-11-25") -> tuple[str, dict[str, Any]]:
    return ("log_labor", {"worker": worker, "date": day, "days": days})


def _pay(tool: str, worker: str, amount: str, day: str = "2026-11-25") -> tuple[str, dict[str, Any]]:
    return (tool, {"worker": worker, "amount": amount, "date": day})


# -- dates after today are plans, not records ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "王五明天一天",
        "赵六后天来半天",
        "孙七11月26号一天",
        "明天给李四借500",
        "明天收到甲方30万",
        "Mike full day tomorrow",
    ],
)
def test_a_write_dated_after_today_is_asked_about_never_planned(text: str) -> None:
    calls, question = _plan(text)
    assert calls == [] and question and "2026-11-2" in question


# -- a bare number after a name in a labour message ----------------------------------------------------


def test_bare_numbers_after_names_are_each_worker_s_days_in_a_labour_message() -> None:
    assert _calls("昨天记工：王五 1 赵六 1.5 Tom 0.5") == [
        _labor("王五", "1", "2026-11-24"),
        _labor("赵六", "1.5", "2026-11-24"),
        _labor("Tom Li", "0.5", "2026-11-24"),
    ]


@pytest.mark.parametrize("text", ["王五1 赵六1", "记工 王五 5", "出工 王五 300"])
def test_a_bare_number_without_a_labour_word_or_too_big_for_days_is_not_days(text: str) -> None:
    assert _calls(text) == []


def test_a_decimal_right_after_a_name_is_not_a_date() -> None:
    assert find("王五1.5 赵六1", TODAY) == []
    assert [s.start for s in find("11.18 赵六一天", TODAY)] == [date(2026, 11, 18)]


# -- several workers paid in one message ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("王五、李四每人借800", ["800", "800"]),
        ("王五李四都预支了两千", ["2000", "2000"]),
        ("王五借800 李四借1200", ["800", "1200"]),
    ],
)
def test_several_workers_get_an_advance_each(text: str, amounts: list[str]) -> None:
    assert _calls(text) == [_pay("record_advance", "王五", amounts[0]), _pay("record_advance", "李四", amounts[1])]


@pytest.mark.parametrize("text", ["王五李四借了2000", "王五李四借了800 1200", "借800 王五李四"])
def test_an_amount_that_may_be_a_total_for_several_workers_is_asked_about(text: str) -> None:
    calls, question = _plan(text)
    assert calls == [] and question


def test_several_workers_settled_each_their_own_amount() -> None:
    assert _calls("王五结了6000 赵六结了4500") == [
        _pay("settle_wages", "王五", "6000"),
        _pay("settle_wages", "赵六", "4500"),
    ]


# -- wages paid, in any word order ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "王五工资发了四千五",
        "王五的工资结了4500",
        "把王五的工资结了 4500",
        "王五工资已经付了4500",
        "发了王五工资4500",
        "结了王五4500工钱",
    ],
)
def test_wages_paid_in_any_word_order_are_a_settlement(text: str) -> None:
    assert _calls(text) == [_pay("settle_wages", "王五", "4500")]


def test_a_period_naming_what_is_paid_does_not_date_the_payment() -> None:
    assert _calls("李四10月份的工资昨天发了6800") == [_pay("settle_wages", "李四", "6800", "2026-11-24")]
    assert _calls("上周王五借了500") == []  # a period as the date of the advance: which day?


# -- labour reports without a question word ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("李四上个月出勤", {"worker": "李四", "start": "2026-10-01", "end": "2026-10-31"}),
        ("王五本周干了几个工", {"worker": "王五", "start": "2026-11-23", "end": "2026-11-25"}),
        ("赵六这个月上了多少天班", {"worker": "赵六", "start": "2026-11-01", "end": "2026-11-25"}),
    ],
)
def test_how_many_days_and_attendance_are_a_labour_summary(text: str, args: dict[str, Any]) -> None:
    assert _calls(text) == [("labor_summary", args)]


def test_attendance_with_quantities_is_a_record_not_a_report() -> None:
    assert _calls("今天考勤 王五1 李四半") == [_labor("王五", "1"), _labor("李四", "0.5")]


# -- money in and out, and who paid or was paid ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "counterparty"),
    [
        ("总包的进度款到了 80万", "800000", "总包"),
        ("收到监理单位5万", "50000", "监理单位"),
        ("30万到账 业主付的", "300000", "业主"),
        ("开发商打过来一百万", "1000000", "开发商"),
        ("received 75k from Harbour Holdings", "75000", "Harbour Holdings"),
    ],
)
def test_money_in_names_its_counterparty(text: str, amount: str, counterparty: str) -> None:
    assert _calls(text) == [
        ("record_fund", {"direction": "in", "amount": amount, "date": "2026-11-25", "counterparty": counterparty})
    ]


@pytest.mark.parametrize(
    ("text", "counterparty"),
    [
        ("转了6万给东方建材", "东方建材"),
        ("打了6万给宏达租赁公司", "宏达租赁公司"),
        ("付款给金鑫五金6万", "金鑫五金"),
    ],
)
def test_money_transferred_to_someone_is_money_out_not_a_cost(text: str, counterparty: str) -> None:
    assert _calls(text) == [
        ("record_fund", {"direction": "out", "amount": "60000", "date": "2026-11-25", "counterparty": counterparty})
    ]


def test_money_in_with_only_the_kind_of_payment_has_no_counterparty() -> None:
    assert _calls("尾款到账20万") == [("record_fund", {"direction": "in", "amount": "200000", "date": "2026-11-25"})]


# -- costs: item notes, count × unit price ---------------------------------------------------------------


def test_an_english_item_word_is_the_note_in_lower_case() -> None:
    assert _calls("Rebar 4,000 today", project="RW") == [
        ("add_cost", {"category": "materials", "amount": "4000", "date": "2026-11-25", "note": "rebar"})
    ]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("吊车用了3个台班 每台班1500", "4500"),
        ("商砼12方 一方480", "5760"),
        ("砂子3车 800一车", "2400"),
        ("挖机一天一千五", "1500"),
    ],
)
def test_a_count_times_a_unit_price_is_the_cost(text: str, amount: str) -> None:
    assert [(t, a["amount"]) for t, a in _calls(text)] == [("add_cost", amount)]


@pytest.mark.parametrize("text", ["吊车每天1500", "吊车3个台班 每台班1500 共5000", "吊车2天3天 每天1500"])
def test_a_unit_price_without_one_clear_count_or_with_a_different_total_is_asked_about(text: str) -> None:
    calls, question = _plan(text)
    assert calls == [] and question


# -- figures the writer is not sure of -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "王五干了两三天",
        "李四借了千把块",
        "赵六大概一天",
        "王五一天还是半天",
        "水泥一万多",
        "Mike maybe a full day",
        "spent about 500 on sand",
    ],
)
def test_a_figure_the_writer_is_not_sure_of_is_never_written(text: str) -> None:
    assert _plan(text)[0] == []


@pytest.mark.parametrize("text", ["两三", "一两", "三五", "五六"])
def test_two_chinese_digits_side_by_side_are_a_range_not_a_number(text: str) -> None:
    assert number(text) is None


# -- found by the second fresh batch ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [("砌体工程已经完成了", "2026-11-25"), ("砌体昨天干完了", "2026-11-24"), ("11月20日砌体工程做完了", "2026-11-20")],
)
def test_a_task_said_to_be_finished_without_a_figure_is_at_100_percent(text: str, day: str) -> None:
    assert _calls(text) == [("update_task_progress", {"task": "砌体工程", "percent": "100", "date": day})]


def test_a_figure_wins_over_a_word_for_finished() -> None:
    assert _calls("砌体工程完成了40%") == [
        ("update_task_progress", {"task": "砌体工程", "percent": "40", "date": "2026-11-25"})
    ]


@pytest.mark.parametrize("text", ["刚刚记的那条不要了", "上一笔删了", "最后一条作废"])
def test_the_last_entry_removed_in_other_words_is_an_undo(text: str) -> None:
    assert _calls(text) == [("undo_last", {})]


def test_money_sent_over_is_money_in_from_whoever_sent_it() -> None:
    assert _calls("监理前天转了3万过来") == [
        ("record_fund", {"direction": "in", "amount": "30000", "date": "2026-11-23", "counterparty": "监理"})
    ]


# -- found by probing after the second batch ------------------------------------------------------------


@pytest.mark.parametrize("text", ["王五12月20号一天", "王五28号一天", "12月30日 水泥3000"])
def test_a_day_without_a_year_or_month_whose_coming_reading_is_nearer_is_asked_about(text: str) -> None:
    calls, question = _plan(text)
    assert calls == [] and question and "2026-1" in question


def test_a_day_of_last_month_that_is_nearer_in_the_past_is_taken() -> None:
    assert _calls("王五10号一天") == [_labor("王五", "1", "2026-11-10")]
    assert _calls("王五10月28号一天") == [_labor("王五", "1", "2026-10-28")]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("excavator 3 days at 1200 a day", "3600"),
        ("crane rental 1,500 per day for 2 days", "3000"),
        ("水泥40包 每包26", "1040"),
    ],
)
def test_english_and_counted_unit_prices_multiply(text: str, amount: str) -> None:
    assert [(t, a["amount"]) for t, a in _calls(text)] == [("add_cost", amount)]


@pytest.mark.parametrize("text", ["crane 1500 per day", "餐费每人30", "塔吊 2000/周"])
def test_a_rate_without_a_count_it_can_multiply_is_asked_about(text: str) -> None:
    assert _plan(text)[0] == []


def test_a_number_before_a_measure_word_does_not_make_the_item_a_name() -> None:
    assert _calls("买了8卷电缆 每卷350") == [
        (
            "add_cost",
            {
                "category": "materials",
                "amount": "2800",
                "date": "2026-11-25",
                "note": "电缆",
                "quantity": "8",
                "unit": "卷",
                "unit_price": "350",
            },
        )
    ]


def test_a_period_describing_a_cost_or_payment_does_not_date_it_but_dates_no_labour() -> None:
    assert _calls("塔吊租金上个月1.8万")[0][1]["date"] == "2026-11-25"
    assert _calls("settle Tom 900 for last week", project="RW") == [_pay("settle_wages", "Tom Li", "900")]
    assert _calls("Tom 3 days for last week", project="RW") == []


@pytest.mark.parametrize(
    ("text", "direction", "counterparty"),
    [
        ("业主今天付了20万", "in", "业主"),
        ("建设单位转账20万", "in", "建设单位"),
        ("付钢筋款20万给沙钢", "out", "沙钢"),
        ("支付了20万给劳务队", "out", "劳务队"),
    ],
)
def test_who_pays_decides_the_direction_of_money(text: str, direction: str, counterparty: str) -> None:
    assert _calls(text) == [
        (
            "record_fund",
            {"direction": direction, "amount": "200000", "date": "2026-11-25", "counterparty": counterparty},
        )
    ]


def test_money_both_in_and_out_in_one_clause_is_asked_about() -> None:
    calls, question = _plan("收到甲方20万付给钢材厂10万")
    assert calls == [] and question


def test_a_space_between_two_complete_writes_of_different_kinds_separates_them() -> None:
    """收到甲方20万 付给钢材厂10万, 赵六今天半天 借了300: each side is a whole write of its own kind."""
    assert [(tool, args["direction"], args["amount"]) for tool, args in _plan("收到甲方20万 付给钢材厂10万")[0]] == [
        ("record_fund", "in", "200000"),
        ("record_fund", "out", "100000"),
    ]
    assert _calls("赵六今天半天 借了300") == [
        ("log_labor", {"worker": "赵六", "date": "2026-11-25", "days": "0.5"}),
        ("record_advance", {"worker": "赵六", "amount": "300", "date": "2026-11-25"}),
    ]


def test_wages_transferred_to_a_worker_are_a_settlement() -> None:
    assert _calls("给赵六转了3000工资") == [_pay("settle_wages", "赵六", "3000")]


def test_one_share_each_in_a_labour_message_is_every_named_worker_s_days() -> None:
    assert _calls("昨天点工 王五 赵六 孙七 每人1个") == [_labor(w, "1", "2026-11-24") for w in ("王五", "赵六", "孙七")]


def test_one_of_something_is_not_an_amount_of_money() -> None:
    assert _calls("王五借了一个") == []


def test_income_and_spending_is_the_cash_position() -> None:
    assert _calls("这个月收支") == [("fund_status", {"start": "2026-11-01", "end": "2026-11-25"})]  # of this month


@pytest.mark.parametrize("text", ["王五还了500借支", "赵六借的1000还清了", "Tom repaid 200"])
def test_money_paid_back_is_never_recorded_as_a_new_advance(text: str) -> None:
    assert _calls(text) == []


@pytest.mark.parametrize("text", ["砌体工程完成了一半多", "砌体工程快完了 90%", "砌体工程 over 60%"])
def test_progress_given_as_more_or_less_than_a_figure_is_not_recorded(text: str) -> None:
    assert _calls(text) == []


@pytest.mark.parametrize("text", ["5号楼 王五一天", "二期 水泥3000", "2#楼 赵六借500"])
def test_a_building_or_phase_no_project_is_called_is_asked_about_not_written_to_the_chat_s(text: str) -> None:
    calls, question = _plan(text)
    assert calls == [] and question and "SG3" in question


def test_a_building_that_is_the_project_s_alias_is_that_project() -> None:
    assert _plan("阳光花园 王五一天", project="BJ")[0] == [_labor("王五", "1")]


def test_an_english_transfer_to_someone_is_money_out() -> None:
    assert _calls("wired 15k to Delta Rebar yesterday", project="RW") == [
        ("record_fund", {"direction": "out", "amount": "15000", "date": "2026-11-24", "counterparty": "Delta Rebar"})
    ]


def test_a_worker_named_twice_in_a_labour_message_is_asked_about_not_shared_out() -> None:
    calls, question = _plan("王五和赵六昨天各一天 王五加班2小时")
    assert calls == [] and question


def test_a_worker_named_twice_in_a_payment_message_is_asked_about() -> None:
    calls, question = _plan("王五借500 赵六借800 王五又借200")
    assert calls == [] and question


@pytest.mark.parametrize(("text", "percent"), [("Roofing done", "100"), ("Roofing 35 percent", "35")])
def test_english_progress_in_words(text: str, percent: str) -> None:
    assert _calls(text, project="RW") == [
        ("update_task_progress", {"task": "Roofing", "percent": percent, "date": "2026-11-25"})
    ]


def test_got_money_from_someone_is_money_in() -> None:
    assert _calls("got 40k from Harbour Holdings", project="RW") == [
        (
            "record_fund",
            {"direction": "in", "amount": "40000", "date": "2026-11-25", "counterparty": "Harbour Holdings"},
        )
    ]


# -- the way lists and quick notes are typed --------------------------------------------------------------


def test_a_dated_roster_of_names_with_small_bare_numbers_is_days() -> None:
    assert _calls("周一 张三1.5 李四1") == [_labor("张三", "1.5", "2026-11-23"), _labor("李四", "1", "2026-11-23")]


def test_financial_numerals_are_numbers_but_a_surname_stays_a_name() -> None:
    assert _calls("张三 今天 壹天") == [_labor("张三", "1")]
    assert _calls("买钢筋花了贰仟伍佰元") == [
        ("add_cost", {"category": "materials", "amount": "2500", "date": "2026-11-25", "note": "钢筋"})
    ]
    assert _calls("李四一天加2小时") == [
        ("log_labor", {"worker": "李四", "date": "2026-11-25", "days": "1", "overtime_hours": "2"})
    ]


def test_a_financial_numeral_in_a_name_is_part_of_the_name() -> None:
    """叁 and 肆 stand for 三 and 四 in amounts only (next to another numeral or a unit): 张叁 is not 张三 (tester 2:
    张叁 was logged to 张三 without a question, and a worker 张叁 could not be added)."""
    calls, question = _plan("张叁 今天一个工")
    assert calls == [] and question is not None and "张叁" in question
    calls, question = _plan("李肆 今天一个工")
    assert calls == [] and question is not None and "李肆" in question


def test_a_dash_between_spaces_is_a_separator_and_a_dash_on_a_figure_is_a_minus() -> None:
    assert _calls("Mike Chen - 1 day", "RW") == [_labor("Mike Chen", "1")]
    calls, question = _plan("Mike Chen -1 day", "RW", "en")
    assert calls == [] and question and "-1" in question


def test_short_english_for_yesterday_and_an_at_sign_price() -> None:
    assert _calls("mike 1 day yday", "RW") == [_labor("Mike Chen", "1", "2026-11-24")]
    assert _plan("cement 40 bags @ 12", "RW", "en")[0] == [
        (
            "add_cost",
            {
                "category": "materials",
                "amount": "480",
                "date": "2026-11-25",
                "note": "cement",
                "quantity": "40",
                "unit": "bag",
                "unit_price": "12",
            },
        )
    ]


def test_a_short_range_of_days_worked_alike_is_one_entry_a_day_proposed() -> None:
    plan = parse_text("张三18号到20号都是一天", LEX, today=TODAY, project_code="SG3", language="zh")
    assert plan.confirm and [c.args["date"] for c in plan.calls] == ["2026-11-18", "2026-11-19", "2026-11-20"]
    assert all(c.args["days"] == "1" for c in plan.calls)
    assert _plan("张三18号到20号一天")[0] == []  # one day in three? asked
