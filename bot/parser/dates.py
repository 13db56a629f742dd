"""Relative dates and periods in Chinese and English, resolved against a given today (hand-written rules).

A single date: 今天 昨天 前天 大前天 明天, 周一/星期一/礼拜一 (the most recent one, today included), 上周五, 本周三,
11月20日, 11月20号, 20号, 11.20, 11/24, 2026-11-24, Nov 23, 23 Nov, today, yesterday, monday.
A period: 本月/这个月, 上个月, 本周/这周, 上周, 今年, 11月, 最近7天, this/last week, this/last month, and ranges:
11月1号到20号, 月初到现在, 上周一至今, since Nov 3.
Current periods end today (the tool's own default); past ones are whole (上周 = its Monday to Sunday).
Dialect days: 今儿(个), 昨儿(个), 前儿(个) = 前天, 大前儿 = 大前天, 明儿, 后儿.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.parser.numbers import chinese

_WEEKDAY_CN = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
}
_WEEKDAY_EN = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_MONTH_EN = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}


@dataclass(frozen=True)
class Span:
    """A date (start == end, is_period False) or a period found in the text at [begin, end)."""

    start: date
    end: date
    is_period: bool
    begin: int
    stop: int
    ahead: date | None = None  # a day-month read as past, whose upcoming reading is nearer (30号 on the 25th)


def _num(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    value = chinese(text)
    return int(value) if value is not None and value == int(value) else None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_day(today: date, month: int | None, day: int | None, year: int | None = None) -> date | None:
    """A month and day without a year: this year's, unless that lies more than a day ahead (then last year's)."""
    return _month_day_readings(today, month, day, year)[0]


def _month_day_readings(
    today: date, month: int | None, day: int | None, year: int | None = None
) -> tuple[date | None, date | None]:
    """The date as read, and the upcoming reading when the past one was taken though the upcoming one is nearer."""
    if month is None or day is None:
        return None, None
    if year is not None:
        return _safe(year, month, day), None
    found = _safe(today.year, month, day)
    if found is not None and found > today + timedelta(days=1):
        past = _safe(today.year - 1, month, day)
        return past, _nearer_ahead(today, past, found)
    return found, None


def _nearer_ahead(today: date, past: date | None, ahead: date) -> date | None:
    return ahead if past is None or ahead - today < today - past else None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _recent_weekday(today: date, weekday: int) -> date:
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _month_span(year: int, month: int, today: date) -> tuple[date, date]:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, 1), min(last, today) if (year, month) == (today.year, today.month) else last


Found = tuple[date, date, bool] | tuple[date, date, bool, date | None]
Handler = Callable[[re.Match[str], date], Found | None]
_RULES: list[tuple[str, Handler]] = []


def _rule(pattern: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _RULES.append((pattern, func))
        return func

    return register


_CNDAY = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_WD = r"([一二三四五六日天1-7])"
_EN_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"


def _one(day: date | None, ahead: date | None = None) -> Found | None:
    return (day, day, False, ahead) if day else None


def _one_of(readings: tuple[date | None, date | None]) -> Found | None:
    return _one(*readings)


@_rule(r"(20\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
def _iso(m: re.Match[str], today: date) -> Found | None:
    return _one(_safe(int(m[1]), int(m[2]), int(m[3])))


@_rule(rf"(明年|去年|今年)?{_CNDAY}\s*月\s*{_CNDAY}\s*[日号]")
def _cn_month_day(m: re.Match[str], today: date) -> Found | None:
    year = {"明年": today.year + 1, "去年": today.year - 1, "今年": today.year}.get(m[1] or "")
    return _one_of(_month_day_readings(today, _num(m[2]), _num(m[3]), year))


# 月初 as the start of a range (月初到现在, 本月初以来): the 1st. Alone it is "early in the month", no one day.
@_rule(r"(上上|上|本|这)?个?月初(?=\s*(?:到|至|以来|开始|起|~|-))")
def _month_start(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    back = {"上上": 2, "上": 1}.get(m[1] or "", 0)
    year, month = today.year, today.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), date(year, month, 1), False


@_rule(r"大前天|大前儿个?")
def _d3(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    return today - timedelta(days=3), today - timedelta(days=3), False


@_rule(r"前天|前日|前儿个?|day before yesterday")
def _d2(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    return today - timedelta(days=2), today - timedelta(days=2), False


@_rule(r"昨天|昨日|昨晚|昨儿个?|yesterday|(?<![a-z])(?:yday|yest|ystrdy)(?![a-z])")
def _d1(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    return today - timedelta(days=1), today - timedelta(days=1), False


@_rule(r"大?后天|大?后儿个?")
def _after(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    days = 3 if m[0].startswith("大") else 2
    return today + timedelta(days=days), today + timedelta(days=days), False


@_rule(r"明天|明日|明早|明晚|明儿个?|tomorrow")
def _tomorrow(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    return today + timedelta(days=1), today + timedelta(days=1), False


@_rule(r"今天|今日|今早|今晚|今儿个?|today|tonight")
def _today(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    return today, today, False


@_rule(rf"(上上|上|下|这|本)个?(?:周|星期|礼拜){_WD}")
def _week_day(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    shift = {"上上": -14, "上": -7, "下": 7, "这": 0, "本": 0}[m[1]]
    day = _monday(today) + timedelta(days=shift + _WEEKDAY_CN[m[2]])
    return day, day, False


@_rule(rf"(?:周|星期|礼拜){_WD}")
def _weekday(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    day = _recent_weekday(today, _WEEKDAY_CN[m[1]])
    return day, day, False


@_rule(r"(last|this|next)\s+(week|month|year)(?![a-z])")
def _en_period(m: re.Match[str], today: date) -> tuple[date, date, bool] | None:
    return _period(m[1], m[2], today)


@_rule(r"(?<![a-z])(?:(last|this|on)\s+)?(mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?(?![a-z])")
def _en_weekday(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    weekday = _WEEKDAY_EN[m[2]]
    if m[1] == "last":
        day = _monday(today) - timedelta(days=7) + timedelta(days=weekday)
    elif m[1] == "this":
        day = _monday(today) + timedelta(days=weekday)
    else:
        day = _recent_weekday(today, weekday)
    return day, day, False


@_rule(rf"(?<![a-z]){_EN_MONTH}\s*(\d{{1,2}})(?:st|nd|rd|th)?(?![\d])")
def _en_month_day(m: re.Match[str], today: date) -> Found | None:
    return _one_of(_month_day_readings(today, _MONTH_EN[m[1][:3]], int(m[2])))


@_rule(rf"(?<![\d.])(\d{{1,2}})(?:st|nd|rd|th)?\s+{_EN_MONTH}(?![a-z])")
def _en_day_month(m: re.Match[str], today: date) -> Found | None:
    return _one_of(_month_day_readings(today, _MONTH_EN[m[2][:3]], int(m[1])))


@_rule(rf"(?<![a-z])(?:in|for|during|of|since)\s+(?:the\s+month\s+of\s+)?{_EN_MONTH}(?!\s*\d)(?![a-z])")
def _en_month(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    """in October, for Nov: the whole month (this year's, or last year's when it is still to come)."""
    month = _MONTH_EN[m[1][:3]]
    year = today.year if month <= today.month else today.year - 1
    start, end = _month_span(year, month, today)
    return start, end, True


def _period(which: str, unit: str, today: date) -> tuple[date, date, bool] | None:
    if unit == "week":
        monday = _monday(today)
        if which == "last":
            return monday - timedelta(days=7), monday - timedelta(days=1), True
        if which == "this":
            return monday, today, True
        return monday + timedelta(days=7), monday + timedelta(days=13), True
    if unit == "month":
        if which == "this":
            return date(today.year, today.month, 1), today, True
        year, month = (today.year, today.month - 1) if which == "last" else (today.year, today.month + 1)
        if month == 0:
            year, month = year - 1, 12
        if month == 13:
            year, month = year + 1, 1
        start, end = _month_span(year, month, today)
        return start, end, True
    if which == "this":
        return date(today.year, 1, 1), today, True
    if which == "last":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), True
    return date(today.year + 1, 1, 1), date(today.year + 1, 12, 31), True


@_rule(r"上上周|上上个?星期|上上个?礼拜")
def _week_before_last(m: re.Match[str], today: date) -> tuple[date, date, bool]:
    monday = _monday(today) - timedelta(days=14)
    return monday, monday + timedelta(days=6), True


@_rule(r"上周|上个?星期|上个?礼拜|上一周")
def _last_week(m: re.Match[str], today: date) -> tuple[date, date, bool] | None:
    return _period("last", "week", today)


@_rule(r"本周|这周|这一周|这个?星期|本星期|这个?礼拜|本礼拜")
def _this_week(m: re.Match[str], today: date) -> tuple[date, date, bool] | None:
    return _period("this", "week", today)


@_rule(r"下周|下个?星期|下个?礼拜")
def _next_week(m: re.Match[str], today: date) -> tuple[date, date, bool] | None:
    return _period("next", "week", today)


@_rule(r"上个?月|上月份")
def _last_month(m: re.Match[str], today: date) -> tuple[date, date, bool] | None:
    return _period("last", "month", today)


@_rule(r"本月份?|这个?月|当月")
def _this_month(m: re.Match[str], today: date) -> tuple[date, date, bool] | None:
    return _period("this", "month", today)


@_rule(r"下个?月")
def _next_month(m: re.Match[str], today: date) -> tuple[date, date, bool] | None:
    return _period("next", "month", today)


@_rule(r"今年|本年度?")
def _this_year(m: re.Match[str], today: date) -> tuple[date, date, bool] | None:
    return _period("this", "year", today)


@_rule(r"(?:最近|近|过去)\s*(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*天")
def _last_days(m: re.Match[str], today: date) -> tuple[date, date, bool] | None:
    n = _num(m[1].replace("两", "二"))
    if not n:
        return None
    return today - timedelta(days=n - 1), today, True


@_rule(rf"(?<![\d.年-]){_CNDAY}\s*月份?(?![\d日号一二三四五六七八九十])")
def _cn_month(m: re.Match[str], today: date) -> tuple[date, date, bool] | None:
    month = _num(m[1])
    if not month or not 1 <= month <= 12:
        return None
    year = today.year if month <= today.month else today.year - 1
    start, end = _month_span(year, month, today)
    return start, end, True


# 11.20, 11/24, 11-24: only where it cannot be a decimal amount or a quantity; 11.20 does not follow a word
# (张三 1.5 is 1.5 days after a name, not 5 January).
@_rule(r"(?<![\d.,/\-])(\d{1,2})\s?([./\-])\s?(\d{1,2})(?![\d.,%万千百kw元块天个小时工hm号日吨方])")
def _numeric(m: re.Match[str], today: date) -> Found | None:
    if m[2] == ".":
        tail = m.string[m.end() : m.end() + 1]
        if not tail or not (tail.isspace() or "\u4e00" <= tail <= "\u9fff"):
            return None
        head = m.string[: m.start()].rstrip()[-1:]
        if head.isalnum():  # after a word (赵六 1.5): a quantity, not 5 January
            return None
    return _one_of(_month_day_readings(today, int(m[1]), int(m[3])))


@_rule(rf"(?<![\d月./\-]){_CNDAY}\s*[号日](?![楼线院工])")
def _day_of_month(m: re.Match[str], today: date) -> Found | None:
    day = _num(m[1])
    if not day:
        return None
    found = _safe(today.year, today.month, day)
    ahead = None
    if found is None or found > today + timedelta(days=1):
        prev = today.replace(day=1) - timedelta(days=1)
        past = _safe(prev.year, prev.month, day)
        ahead = _nearer_ahead(today, past, found) if found is not None else None
        found = past
    return _one(found, ahead)


_COMBINED = re.compile("|".join(f"(?P<r{i}>{pattern})" for i, (pattern, _) in enumerate(_RULES)))
_SUBPATTERNS = [re.compile(pattern) for pattern, _ in _RULES]


# A range: "X到Y" runs from X's first day to Y's last; "X到现在", "X至今", "X以来", "since X" end today.
_TO = re.compile(r"\s*(?:到|至|~|-|—|–|(?<![a-z])(?:to|until|till|through|thru)(?![a-z]))\s*")
_TO_NOW = re.compile(
    r"\s*(?:(?:到|至)\s*(?:现在|目前|如今|今)(?:为止)?|以来|至今"
    r"|(?<![a-z])(?:(?:up\s+)?(?:to|until|till)\s+(?:now|date)|so\s+far)(?![a-z]))"
)
_SINCE = re.compile(r"(?:(?<![a-z])since|自从)\s*$")


def find(text: str, today: date) -> list[Span]:
    """Every date and period in text (lower-cased), left to right, non-overlapping; earlier rules win a tie.

    Two dates joined by 到/至/to are one period (11月1号到20号); a date followed by 到现在/至今/以来/so far, or
    after since, is a period ending today.
    """
    spans: list[Span] = []
    for m in _COMBINED.finditer(text):
        index = int((m.lastgroup or "r0")[1:])
        sub = _SUBPATTERNS[index].match(text, m.start())  # match, not fullmatch: lookaheads see past the end
        if sub is None or sub.end() != m.end():  # pragma: no cover - the combined match is one alternative
            continue
        found = _RULES[index][1](sub, today)
        if found is not None:
            ahead = found[3] if len(found) == 4 else None
            spans.append(Span(found[0], found[1], found[2], m.start(), m.end(), ahead))
    return _ranges(text, spans, today)


def _ranges(text: str, spans: list[Span], today: date) -> list[Span]:
    out: list[Span] = []
    i = 0
    while i < len(spans):
        first = spans[i]
        if i + 1 < len(spans):
            second = spans[i + 1]
            if _TO.fullmatch(text, first.stop, second.begin) and first.start <= second.end:
                out.append(Span(first.start, second.end, True, first.begin, second.stop))
                i += 2
                continue
        to_now = _TO_NOW.match(text, first.stop)
        if to_now is not None and first.start <= today:
            out.append(Span(first.start, today, True, first.begin, to_now.end()))
        elif _SINCE.search(text, 0, first.begin) and first.start <= today:
            out.append(Span(first.start, today, True, first.begin, first.stop))
        else:
            out.append(first)
        i += 1
    return out
