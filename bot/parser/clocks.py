"""Clock times said of work (加班到9点, 干到晚上十点, 7点到12点, 晚上9点下班, overtime until 9pm): where they are,
what they say in minutes after midnight, and whether morning or evening is certain. analysis.Analysis turns them
into hours and overtime against the project's day end."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.parser.numbers import number

# A clock time: 晚上9点, 十点半, 9点30, 21:00, 9pm.
_PERIOD = r"上午|早上|早晨|中午|下午|傍晚|晚上|夜里|夜间|半夜|凌晨"
_EVENING = ("下午", "傍晚", "晚上", "夜里", "夜间")
_NIGHT = ("半夜", "凌晨")
_NOON = ("中午",)


def _clock_re(side: str) -> str:
    return (
        rf"(?:(?P<p{side}>{_PERIOD})\s*)?"
        rf"(?:(?P<h{side}>\d{{1,2}}|[一二两三四五六七八九十]{{1,3}})\s*(?:点|时)"
        rf"(?:\s*(?P<half{side}>半)|\s*(?P<m{side}>\d{{1,2}}|[一二三四五十]{{1,3}})\s*分?|钟)?"
        rf"|(?P<hh{side}>(?<![\d.])\d{{1,2}}):(?P<mm{side}>\d{{2}})(?!\d)"
        rf"|(?P<hx{side}>(?<![\d.])\d{{1,2}})(?=\s*(?:am|pm|a\.m\.|p\.m\.)(?![a-z])))"
        rf"(?:\s*(?P<ap{side}>am|pm|a\.m\.|p\.m\.)(?![a-z]))?"
    )


# Until a time: 加班到9点, 干到晚上十点, overtime until 9pm.
CLOCK_UNTIL_RE = re.compile(
    rf"(?:(?P<pre>{_PERIOD})\s*(?:都|也|还|又|再)?\s*)?"
    r"(?:(?P<ot>加班|overtime|ot)\s*(?:干|做)?\s*|(?:干|做|上班|忙|搞|弄|work(?:ed)?)\s*(?:活)?\s*(?:了)?\s*)?"
    rf"(?:到|至|until|till|to)\s*{_clock_re('a')}"
)
# A span of work: 7点到12点, 从下午1点到6点, 7:00-12:00.
CLOCK_SPAN_RE = re.compile(
    rf"(?:从\s*)?{_clock_re('a')}\s*(?:(?:开始)?\s*(?:干|做|上班|工作|加班)\s*)?(?:到|至|-|~|—|to|until|till)\s*"
    rf"{_clock_re('b')}"
)
# Off work at a time: 晚上9点下班, 10点才收工.
CLOCK_OFF_RE = re.compile(rf"{_clock_re('a')}\s*(?:才|就)?\s*(?:下班|收工|走的|走了|结束|finished|knocked off)")
OT_NEAR_RE = re.compile(r"加班|overtime|(?<![a-z])ot(?![a-z])")
# A figure said to be what the work counts as (算一天半, 按一天算, 记1.5个工).
COUNTED_RE = re.compile(r"(?:算|按|记|计)\s*(?:成|为|作)?\s*$")


@dataclass
class Clock:
    """A clock time (加班到9点, 到21:00) or a span of them (7点到12点) in the text, in minutes after midnight;
    start is None for a time something lasted until."""

    begin: int
    end: int
    start: int | None
    stop: int | None  # None: morning or evening cannot be told
    overtime: bool  # said of overtime (加班到, overtime until)
    words: str
    span: bool = False  # from a time to a time


def clock_at(m: re.Match[str], side: str) -> tuple[int, bool] | None:
    """One clock time of a match: minutes after midnight and whether morning or evening is certain (晚上9点,
    21:00, 9pm), or None when it is no time of day."""
    hour = number(m[f"h{side}"] or m[f"hh{side}"] or m[f"hx{side}"] or "")
    if hour is None or hour != int(hour) or not 0 <= hour <= 24:
        return None
    h, minute = int(hour), 30 if m[f"half{side}"] else 0
    said = m[f"m{side}"] or m[f"mm{side}"]
    if said:
        value = number(said)
        if value is None or value != int(value) or not 0 <= value < 60:
            return None
        minute = int(value)
    period = m[f"p{side}"] or m.groupdict().get("pre") or ""  # 晚上加班到9点: the evening is said before
    ap = (m[f"ap{side}"] or "").replace(".", "")
    if h > 12:
        return h * 60 + minute, True  # 21点, 21:00
    if period in _EVENING or ap == "pm":
        h = h + 12 if h < 12 else (24 if period else 12)  # 晚上12点 is midnight, 12pm noon
    elif period in _NIGHT:
        h = h + 24 if h <= 6 else 24 if h == 12 else h + 12
    elif period in _NOON:
        h = h + 12 if h < 6 else h
    elif not period and not ap:
        return h * 60 + minute, False
    return h * 60 + minute, True


def work_span(start: tuple[int, bool], stop: tuple[int, bool]) -> tuple[int | None, int | None]:
    """A span of work (7点到12点, 下午1点到6点): a start with no morning or evening said is a morning one from 5 to
    11; an end that would come before it is in the afternoon; anything else cannot be told."""
    begin, begin_sure = start
    end, end_sure = stop
    if not begin_sure and not 5 * 60 <= begin < 12 * 60:
        return None, None
    if not end_sure and end <= begin:
        end += 12 * 60
    if end <= begin or end > 36 * 60:
        return None, None
    return begin, end


def minutes_of(clock: str) -> int:
    hours, _, minutes = clock.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def clock_text(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def quarter_hours(minutes: int) -> Decimal | None:
    """Minutes as hours, when they make quarter hours (the tools keep two decimal places)."""
    return Decimal(minutes) / 60 if minutes % 15 == 0 else None
