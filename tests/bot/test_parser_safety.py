"""A write is planned only when the whole message is explained: a word the parser cannot read (前晌, 月底, 头天,
那天, 要) is asked about by name, never dropped while today is taken. Also: dialect days, ranges that end today,
晌 as half a day, a name and a number alone, a roster then each worker's figures, bare progress figures and
greetings that are no names."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.commands import parse_command
from bot.parser import Plan, parse_text
from bot.parser.dates import find
from tests.bot.test_parser_mechanisms import LEX

TODAY = date(2026, 11, 25)


def _plan(text: str, project: str | None = "SG3", language: str = "zh") -> Plan:
    plan = parse_text(text, LEX, today=TODAY, project_code=project, language=language)
    if plan.calls:
        assert plan.confident
    return plan


def _calls(text: str, project: str | None = "SG3") -> list[tuple[str, dict[str, Any]]]:
    return [(c.tool, {k: v for k, v in c.args.items() if k != "project"}) for c in _plan(text, project).calls]


def _labor(worker: str, days: str, day: str = "2026-11-25") -> tuple[str, dict[str, Any]]:
    return ("log_labor", {"worker": worker, "date": day, "days": days})


# -- the safety net: what is not read is asked about, by name ------------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("头天张三一天", "头天"),
        ("张三那天一天", "那天"),
        ("月底张三一天", "月底"),
        ("张三前晌一天", "前晌"),
        ("李四月初半天", "月初"),
        ("王五后晌一个工", "后晌"),
        ("赵六上次一天", "上次"),
        ("孙七年底借了500", "年底"),
        ("月底买水泥花了3000", "月底"),
        ("砌体工程那天完成40%", "那天"),
        ("收到甲方20万 头天", "头天"),
    ],
)
def test_a_time_word_the_parser_cannot_read_is_asked_about_never_taken_for_today(text: str, word: str) -> None:
    plan = _plan(text)
    assert plan.calls == [] and not plan.confident
    assert plan.question is not None and f"“{word}”" in plan.question


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("张三要来一天", "要"),
        ("李四准备干半天", "准备"),
        ("张三老婆一天", "老婆"),
        ("张三的老婆一天", "老婆"),
        ("王五 3 今天一天", None),
        ("赵六昨天一天 二号", None),
    ],
)
def test_a_plan_a_stray_number_or_an_unknown_word_next_to_a_worker_plans_no_write(text: str, word: str | None) -> None:
    plan = _plan(text)
    assert plan.calls == []
    if word is not None:
        assert plan.question is not None and f"“{word}”" in plan.question


@pytest.mark.parametrize("text", ["Mike 1 day last night", "Tom half day the other day", "Mike 1 day a week ago"])
def test_english_words_that_move_the_day_are_asked_about(text: str) -> None:
    plan = _plan(text, "RW", "en")
    assert plan.calls == [] and plan.question is not None and plan.question.startswith("I could not read")


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("王五借了两千五 家里有事", [("record_advance", {"worker": "王五", "amount": "2500", "date": "2026-11-25"})]),
        (
            "招待客户吃饭花了1200",
            [("add_cost", {"category": "overhead", "amount": "1200", "date": "2026-11-25", "note": "招待"})],
        ),
        ("那个，嗯，张三昨天呢干了一天啊", [_labor("张三", "1", "2026-11-24")]),
        ("赵六昨天干到晚上十点 算一天半", [_labor("赵六", "1.5", "2026-11-24")]),
        ("辛苦了，李四昨天半天", [_labor("李四", "0.5", "2026-11-24")]),
    ],
)
def test_fillers_reasons_and_descriptions_do_not_stop_a_clear_write(text: str, calls: list[Any]) -> None:
    assert _calls(text) == calls


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("/log 张三 1 头天", "头天"),
        ("/advance 张三 500 那天", "那天"),
        ("/cost 材料 8000 钢筋 月底", "月底"),
    ],
)
def test_commands_ask_about_a_time_word_they_cannot_read(text: str, word: str) -> None:
    plan = parse_command(text, LEX, today=TODAY, project_code="SG3", language="zh")
    assert isinstance(plan, Plan) and plan.calls == []
    assert plan.question is not None and f"“{word}”" in plan.question


# -- dialect days and ranges ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("前儿个张三一天", "2026-11-23"),
        ("前儿张三一天", "2026-11-23"),
        ("张三前儿个一天", "2026-11-23"),
        ("大前儿李四半天", "2026-11-22"),
        ("今儿个王五一天", "2026-11-25"),
        ("昨儿个赵六一天", "2026-11-24"),
    ],
)
def test_dialect_days_are_read(text: str, day: str) -> None:
    assert [c[1]["date"] for c in _calls(text)] == [day]


@pytest.mark.parametrize("text", ["明儿张三一天", "后儿个李四一天"])
def test_dialect_days_ahead_are_plans_not_records(text: str) -> None:
    assert _calls(text) == []


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("月初到现在", "2026-11-01", "2026-11-25"),
        ("本月初以来", "2026-11-01", "2026-11-25"),
        ("上个月初到现在", "2026-10-01", "2026-11-25"),
        ("11月1号到现在", "2026-11-01", "2026-11-25"),
        ("11月3号至今", "2026-11-03", "2026-11-25"),
        ("11月1号到11月20号", "2026-11-01", "2026-11-20"),
        ("上周一到今天", "2026-11-16", "2026-11-25"),
        ("since nov 3", "2026-11-03", "2026-11-25"),
        ("nov 2 to nov 9", "2026-11-02", "2026-11-09"),
    ],
)
def test_a_range_runs_from_its_first_day_to_its_last_or_to_today(text: str, start: str, end: str) -> None:
    spans = find(text, TODAY)
    assert len(spans) == 1 and spans[0].is_period
    assert (spans[0].start.isoformat(), spans[0].end.isoformat()) == (start, end)


def test_the_start_of_the_month_alone_is_no_day() -> None:
    assert find("月初", TODAY) == []


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("月初到现在的人工汇总", {"start": "2026-11-01", "end": "2026-11-25"}),
        ("11月1号到现在的人工汇总", {"start": "2026-11-01", "end": "2026-11-25"}),
        ("张三11月2号到11月8号出了多少工", {"worker": "张三", "start": "2026-11-02", "end": "2026-11-08"}),
    ],
)
def test_a_summary_over_a_range_names_its_start_and_end(text: str, args: dict[str, str]) -> None:
    assert _calls(text) == [("labor_summary", args)]


def test_a_range_is_no_date_for_a_write() -> None:
    assert _calls("张三11月1号到现在每天一个工") == []


# -- labour figures ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [("张三一个晌", "0.5"), ("张三一晌", "0.5"), ("张三半晌", "0.5"), ("张三两晌", "1"), ("张三三个晌", "1.5")],
)
def test_a_shang_is_half_a_day(text: str, days: str) -> None:
    assert _calls(text) == [_labor("张三", days)]


def test_noon_is_no_shang() -> None:
    assert _calls("孙七晌午就走了，算半个工") == [_labor("孙七", "0.5")]


@pytest.mark.parametrize(("text", "days"), [("张三1", "1"), ("张三 1", "1"), ("李四 0.5", "0.5"), ("王五：半", "0.5")])
def test_a_message_of_one_name_and_a_small_number_is_that_worker_s_days(text: str, days: str) -> None:
    assert [(c[1]["worker"], c[1]["days"]) for c in _calls(text)] == [(text[:2], days)]


@pytest.mark.parametrize("text", ["张三 5", "张三 500", "张三1 水泥", "张三1号"])
def test_a_name_and_a_number_that_cannot_be_days_or_with_more_words_is_not_days(text: str) -> None:
    assert _calls(text) == []


def test_a_name_and_a_number_in_a_chat_without_a_project_asks_which() -> None:
    plan = _plan("张三1", None)
    assert plan.calls == [] and plan.question is not None and "哪个项目" in plan.question


@pytest.mark.parametrize(
    "text", ["张三和王五今天都来了，张三一天，王五半天", "今天张三、王五来了，王五半天，张三一整天"]
)
def test_a_roster_then_each_worker_s_figures_is_one_entry_each(text: str) -> None:
    assert sorted(_calls(text), key=lambda c: c[1]["worker"]) == [_labor("张三", "1"), _labor("王五", "0.5")]


@pytest.mark.parametrize(
    "text",
    [
        "张三和王五和赵六都来了，张三一天，王五半天",  # 赵六 has no figure
        "张三和王五都来了，张三一天，王五半天，张三加班2小时",  # 张三 named a third time
        "王五和赵六各一天 王五加班2小时",
    ],
)  # 赵六 named once
def test_a_roster_whose_figures_are_not_one_per_worker_is_asked_about(text: str) -> None:
    assert _calls(text) == []


def test_a_topic_particle_is_no_question() -> None:
    assert _calls("今天呢张三干了一天") == [_labor("张三", "1")]


def test_a_worker_whose_name_ends_in_a_numeral_is_no_range() -> None:
    assert _calls("李四两个工 张三一天") == [_labor("李四", "2"), _labor("张三", "1")]


# -- progress as a bare figure ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "percent"), [("砌体完成80", "80"), ("砌体工程做到60了", "60"), ("砌体进度到45", "45")]
)
def test_a_bare_figure_after_a_word_of_progress_on_a_task_is_its_percent(text: str, percent: str) -> None:
    assert _calls(text) == [("update_task_progress", {"task": "砌体工程", "percent": percent, "date": "2026-11-25"})]


@pytest.mark.parametrize("text", ["砌体完成80米", "砌体完成800", "砌体完成80 花了5000"])
def test_a_bare_figure_with_a_unit_over_100_or_with_money_is_not_progress(text: str) -> None:
    assert [c for c in _calls(text) if c[0] == "update_task_progress"] == []


# -- greetings and thanks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "start"),
    [
        ("你好", "zh", "你好！"),
        ("谢谢", "zh", "不客气！"),
        ("收到，谢谢", "zh", "不客气！"),
        ("好的", "zh", "好的。"),
        ("辛苦了", "zh", "不客气！"),
        ("早上好各位", "zh", "你好！"),
        ("hi", "en", "Hi!"),
        ("thanks", "en", "You're welcome!"),
        ("thanks mate", "en", "You're welcome!"),
        ("ok", "en", "OK."),
    ],
)
def test_greetings_and_thanks_get_a_friendly_reply_and_no_call(text: str, language: str, start: str) -> None:
    plan = _plan(text, language=language)
    assert plan.calls == [] and plan.source == "none" and not plan.confident
    assert plan.question is not None and plan.question.startswith(start) and "/help" in plan.question


# -- found by batch 4 ----------------------------------------------------------------------------------


def test_an_absence_for_part_of_the_day_next_to_a_part_day_figure_only_explains_it() -> None:
    assert _calls("王五一个晌 上午没来") == [_labor("王五", "0.5")]


@pytest.mark.parametrize("text", ["王五上午没来", "王五今天没来 一天"])
def test_an_absence_without_a_part_day_figure_is_still_no_record(text: str) -> None:
    assert _calls(text) == []


@pytest.mark.parametrize(
    ("text", "amount"), [("收到阳光置业第二期工程款50万", "500000"), ("阳光置业打来第3期进度款80万", "800000")]
)
def test_an_ordinal_instalment_is_neither_an_amount_a_phase_nor_part_of_the_payer(text: str, amount: str) -> None:
    assert _calls(text) == [
        ("record_fund", {"direction": "in", "amount": amount, "date": "2026-11-25", "counterparty": "阳光置业"})
    ]


def test_a_phase_of_a_project_is_still_asked_about() -> None:
    assert _calls("二期张三一天") == []


@pytest.mark.parametrize("text", ["前几天赵六都来了", "这几天李四挺忙"])
def test_those_few_days_is_no_question(text: str) -> None:
    assert [c for c in _calls(text) if c[0] == "labor_summary"] == []


# -- taking an entry back is never a new entry of its figure -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("取消钢筋8000", "zh"),
        ("作废 钢筋 8000", "zh"),
        ("冲销 钢筋 8000", "zh"),
        ("红冲钢筋8000", "zh"),
        ("退钢筋8000", "zh"),
        ("作废 张三 今天 一个工", "zh"),
        ("取消收款20万", "zh"),
        ("把昨天那笔水泥3200删掉", "zh"),
        ("删除工人张三", "zh"),
        ("张三借支500不要这笔了", "zh"),
        ("reverse the 8000 rebar cost", "en"),
        ("cancel the rebar 8000", "en"),
        ("delete rebar cost 8000", "en"),
        ("void rebar 8000", "en"),
        ("cancel Mike advance 200", "en"),
        ("cancelled: cement 3200", "en"),
    ],
)
def test_a_message_taking_an_entry_back_records_nothing_and_says_how(text: str, language: str) -> None:
    """Tester (words, first run): ten of these were booked as new money of the same figure."""
    plan = parse_text(text, LEX, today=TODAY, project_code="SG3", language=language)
    assert plan.calls == [] and not plan.confident
    assert plan.question is not None and ("/undo" in plan.question)


@pytest.mark.parametrize(
    "text", ["买钢筋8000", "张三今天一个工", "张三今天一个工，加班2小时", "取消的那笔钢筋多少钱", "收到甲方20万"]
)
def test_words_near_a_reversal_still_read_as_before(text: str) -> None:
    plan = _plan(text)
    assert plan.calls and (plan.question is None or "/undo" not in plan.question)


@pytest.mark.parametrize(
    ("text", "language"), [("paid Mike 500", "en"), ("给张三转了800", "zh"), ("给李四打了1000", "zh")]
)
def test_money_handed_to_a_worker_with_no_kind_said_is_asked_about_never_a_day(text: str, language: str) -> None:
    """Tester (words): "paid Tom 500" was asked "how many days did Tom work?", and the answer logged a day."""
    plan = parse_text(text, LEX, today=TODAY, project_code="SG3", language=language)
    assert plan.calls == [] and plan.question is not None and plan.slot is None
    assert ("借支" in plan.question) if language == "zh" else ("advance" in plan.question)


def test_living_money_given_to_a_worker_is_an_advance() -> None:
    advance = {"worker": "张三", "amount": "500", "date": "2026-11-25"}
    assert _calls("给张三发了500生活费") == [("record_advance", advance)]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("张三借支500元5角", "500.5"),
        ("张三借支一百二十块五毛", "120.5"),
        ("张三借了300元5角2分", "300.52"),
        ("张三借支80块5", None),  # 块5 alone: not read as jiao, asked about
    ],
)
def test_yuan_and_jiao_said_apart_are_one_amount(text: str, amount: str | None) -> None:
    """Tester (words): 一百二十块五毛 was asked about as 120 元, the 五毛 dropped; 500元5角 was "not one amount"."""
    calls = _calls(text)
    if amount is None:
        assert calls == []
    else:
        assert calls == [("record_advance", {"worker": "张三", "amount": amount, "date": "2026-11-25"})]


@pytest.mark.parametrize("text", ["买砖3000块5毛", "砖3000块5毛一块", "买砖3000块，5毛一块"])
def test_bricks_counted_in_kuai_are_never_a_yuan_amount(text: str) -> None:
    plan = _plan(text)
    assert not any(c.args.get("amount") == "3000.5" for c in plan.calls)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("张三李四今天一共3个工", "zh"),
        ("张三李四今天一共2个工", "zh"),
        ("Mike and Tom worked 2 days in total today", "en"),
    ],
)
def test_work_said_as_a_total_for_several_workers_is_asked_how_to_split(text: str, language: str) -> None:
    """Tester (words): 一共3个工 for two gave all three to 张三; 一共2个工 proposed two days each."""
    plan = parse_text(text, LEX, today=TODAY, project_code="SG3", language=language)
    assert plan.calls == [] and plan.question is not None
    assert ("怎么分" in plan.question) if language == "zh" else ("split" in plan.question)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("供应商返还钢筋款8000", "zh"),
        ("宏达返还多收的台班费5000", "zh"),
        ("联塑管业返款3000", "zh"),
        ("钢筋款8000退回", "zh"),
        ("张三还借支500", "zh"),
        ("张三还了500", "zh"),
        ("supplier refunded 8000 for rebar", "en"),
        ("Mike repaid 200", "en"),
        ("Back out the steel cost", "en"),
    ],
)
def test_money_coming_back_is_never_a_new_cost_or_advance(text: str, language: str) -> None:
    """Retester: 供应商返还钢筋款8000 was booked as a new 8,000 cost paid out; 张三还借支500 as a new advance."""
    plan = parse_text(text, LEX, today=TODAY, project_code="SG3", language=language)
    assert plan.calls == [] and plan.slot is None and plan.question is not None and "/undo" in plan.question


def test_wages_paid_ahead_are_an_advance() -> None:
    """Retester: 王五工资预付1500 was written as a settlement."""
    advance = {"worker": "王五", "amount": "1500", "date": "2026-11-25"}
    assert _calls("王五工资预付1500") == [("record_advance", advance)]


@pytest.mark.parametrize(
    "text", ["张三红包200", "张三罚款200", "扣王五100块，迟到", "张三拿了800块钱", "张三过节费300"]
)
def test_money_next_to_a_worker_with_no_work_said_is_never_asked_as_a_day(text: str) -> None:
    """Retester: these were asked "张三干了多少？", a question whose answer would have logged a day."""
    plan = _plan(text)
    assert plan.calls == [] and plan.slot is None and plan.question is not None and "借支" in plan.question


@pytest.mark.parametrize(
    ("text", "tool", "worker"),
    [
        ("Paid wages 1500 to Zhao Liu", "settle_wages", "赵六"),
        ("Paid Li Si 1000 advance", "record_advance", "李四"),
        ("Li Si worked one day today", "log_labor", "李四"),
    ],
)
def test_a_name_typed_in_pinyin_syllables_is_the_worker(text: str, tool: str, worker: str) -> None:
    """Retester: "Paid wages 1500 to Zhao Liu" paid a new supplier called Zhao Liu; "Li Si" was "which worker?"."""
    plan = parse_text(text, LEX, today=TODAY, project_code="SG3", language="en")
    assert [(c.tool, c.args["worker"]) for c in plan.calls] == [(tool, worker)]
