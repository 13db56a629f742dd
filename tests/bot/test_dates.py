"""Relative dates and periods, today being Wednesday 2026-11-25."""

from __future__ import annotations

from datetime import date

import pytest

from bot.parser.dates import find

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("今天", "2026-11-25"),
        ("昨天", "2026-11-24"),
        ("前天", "2026-11-23"),
        ("大前天", "2026-11-22"),
        ("明天", "2026-11-26"),
        ("周一", "2026-11-23"),
        ("星期一", "2026-11-23"),
        ("礼拜一", "2026-11-23"),
        ("周三", "2026-11-25"),
        ("周五", "2026-11-20"),
        ("周日", "2026-11-22"),
        ("上周五", "2026-11-20"),
        ("上星期一", "2026-11-16"),
        ("本周二", "2026-11-24"),
        ("11月20日", "2026-11-20"),
        ("11月20号", "2026-11-20"),
        ("十一月二十号", "2026-11-20"),
        ("11.20 ", "2026-11-20"),
        ("11/24", "2026-11-24"),
        ("2026-11-02", "2026-11-02"),
        ("23号", "2026-11-23"),
        ("30号", "2026-10-30"),
        ("12月30日", "2025-12-30"),
        ("nov 23", "2026-11-23"),
        ("23 nov", "2026-11-23"),
        ("november 3rd", "2026-11-03"),
        ("yesterday", "2026-11-24"),
        ("today", "2026-11-25"),
        ("monday", "2026-11-23"),
        ("last friday", "2026-11-20"),
        ("明年1月1号", "2027-01-01"),
    ],
)
def test_single_dates(text: str, day: str) -> None:
    spans = find(text, TODAY)
    assert len(spans) == 1 and not spans[0].is_period
    assert spans[0].start.isoformat() == day


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("本月", "2026-11-01", "2026-11-25"),
        ("这个月", "2026-11-01", "2026-11-25"),
        ("上个月", "2026-10-01", "2026-10-31"),
        ("上月", "2026-10-01", "2026-10-31"),
        ("本周", "2026-11-23", "2026-11-25"),
        ("这周", "2026-11-23", "2026-11-25"),
        ("上周", "2026-11-16", "2026-11-22"),
        ("上个星期", "2026-11-16", "2026-11-22"),
        ("last week", "2026-11-16", "2026-11-22"),
        ("this month", "2026-11-01", "2026-11-25"),
        ("last month", "2026-10-01", "2026-10-31"),
        ("今年", "2026-01-01", "2026-11-25"),
        ("10月", "2026-10-01", "2026-10-31"),
        ("最近7天", "2026-11-19", "2026-11-25"),
    ],
)
def test_periods(text: str, start: str, end: str) -> None:
    spans = find(text, TODAY)
    assert len(spans) == 1 and spans[0].is_period
    assert (spans[0].start.isoformat(), spans[0].end.isoformat()) == (start, end)


@pytest.mark.parametrize("text", ["1.5天", "5,200", "花了11.20元", "加班2小时", "3号楼", "水泥 11.5", "50%", "一天"])
def test_numbers_that_are_not_dates(text: str) -> None:
    assert find(text, TODAY) == []


def test_january_first_of_next_month_rolls_back_a_year_when_it_would_be_in_the_future() -> None:
    assert find("1月5日", date(2026, 1, 2))[0].start == date(2025, 1, 5)
