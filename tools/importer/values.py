"""Cells → values: each parser turns one cell (an Excel value or csv text) into a checked value, or raises Bad."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import cn2an
from rapidfuzz import fuzz, process

from tools.base import Text
from tools.categories import CATEGORY_LABELS, CATEGORY_WORDS, ITEM_WORDS

CENT = Decimal("0.01")

_NOT_TEXT = Text("{field}应该是文字", "{field} should be text")
_JUNK = Text("{field}含有不可见或无效的字符：“{value}”", "{field} contains invisible or invalid characters: “{value}”")
_TOO_LONG = Text("{field}太长（最多 {max} 个字符）", "{field} is too long (at most {max} characters)")
_NOT_NUMBER = Text("{field}应该是数字，收到的是“{value}”", "{field} should be a number, got “{value}”")
_RANGE = Text("{field}必须在 {lo} 到 {hi} 之间，收到的是 {value}", "{field} must be from {lo} to {hi}, got {value}")
_RANGE_OPEN = Text(
    "{field}必须大于 {lo} 且不超过 {hi}，收到的是 {value}", "{field} must be above {lo} and at most {hi}, got {value}"
)
_PLACES = Text(
    "{field}最多 {places} 位小数，收到的是 {value}", "{field} has more than {places} decimal places: {value}"
)
_NOT_DATE = Text(
    "{field}应该是日期（如 2026-11-25 或 2026/11/25），收到的是“{value}”",
    "{field} should be a date like 2026-11-25 or 2026/11/25, got “{value}”",
)
_DATE_RANGE = Text("{field}的年份不合理：{value}", "{field} has an implausible year: {value}")
_CHOICE = Text("{field}取值不对：“{value}”，可选：{options}", "{field} must be one of {options}, got “{value}”")
_BAD_CODE = Text(
    "项目编号“{value}”只能包含字母、数字和 - _ .，最多 32 个字符",
    "project code “{value}” may hold only letters, digits and - _ . (at most 32 characters)",
)
_BAD_TZ = Text("时区“{value}”不存在（例如 Asia/Shanghai）", "unknown timezone “{value}” (e.g. Asia/Shanghai)")
_BAD_PHONE = Text(
    "电话“{value}”不对：只能包含数字、+、-、空格和括号", "phone “{value}” may hold only digits, + - spaces and ()"
)
_BAD_THRESHOLDS = Text(
    "预算预警线应是 1 到 500 之间的整数，用逗号分隔（如 80,100），收到的是“{value}”",
    "budget_thresholds must be whole percents from 1 to 500 separated by commas (e.g. 80,100), got “{value}”",
)
_BAD_TELEGRAM = Text(
    "telegram_id 应该是正整数，收到的是“{value}”", "telegram_id should be a positive whole number, got “{value}”"
)
_TOO_MANY_ALIASES = Text("{field}最多 20 个", "{field}: at most 20 entries")
_ITEM_WORD = Text(
    "“{value}”是{label}里的一项，预算科目请写{label}（{category}）或项目自己的科目名称",
    "“{value}” is an item of {category}; name the category ({category}) or a line of the project's own",
)
_NEAR_CATEGORY = Text(
    "成本科目“{value}”不认识，你是说 {suggestion} 吗？", "unknown category “{value}”; did you mean {suggestion}?"
)


class Bad(Exception):
    """One cell's or row's problem: a translated message and its parameters."""

    def __init__(self, message: Text, /, **params: Any) -> None:
        super().__init__(message.en)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Pct:
    """A numeric Excel cell shown with a percent format: 0.4 displayed as 40%."""

    value: int | float


class Uncomputed:
    """A formula cell saved without its result, by a program that does not calculate (openpyxl, some exports)."""

    def __repr__(self) -> str:
        return "=…"


UNCOMPUTED = Uncomputed()


def show(value: Any) -> str:
    """A value for an error message: short, with invisible characters escaped."""
    text = value.value if isinstance(value, Pct) else value
    text = str(text)
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:40])
    return shown + ("…" if len(text) > 40 else "")


_JUNK_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _text(value: Any, *, nfkc: bool = False) -> str:
    """A cell as clean one-line text; refuses booleans, times and invisible or unassigned characters."""
    if isinstance(value, Pct):
        value = value.value
    if isinstance(value, bool):
        raise Bad(_NOT_TEXT)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Bad(_NOT_TEXT)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise Bad(_NOT_TEXT)
    text = unicodedata.normalize("NFKC" if nfkc else "NFC", value)
    text = " ".join(text.split())
    if any(unicodedata.category(c) in _JUNK_CATEGORIES for c in text):
        raise Bad(_JUNK, value=show(text))
    return text


def text_of(max_len: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value)
        if len(text) > max_len:
            raise Bad(_TOO_LONG, max=max_len)
        return text

    return parse


_CODE = re.compile(r"[^\W_][\w.\-]{0,31}")


def parse_code(value: Any) -> str:
    text = _text(value, nfkc=True)
    if not _CODE.fullmatch(text):
        raise Bad(_BAD_CODE, value=show(text))
    return text


_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", re.ASCII)
_NUMBER_WITH_UNIT = re.compile(r"(\d+(?:\.\d+)?)(万|亿|千)", re.ASCII)
_UNIT = {"千": Decimal(1000), "万": Decimal(10000), "亿": Decimal(100000000)}
_CN_NUMERALS = frozenset("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点")
_CURRENCY = re.compile(r"^(?:¥|\$|rmb|cny)\s*|\s*(?:元|rmb|cny)$", re.IGNORECASE)


def _from_float(value: float) -> Decimal:
    """An Excel number cell, exactly as shown: via repr (0.1 → Decimal('0.1')), float noise at cents dropped."""
    exact = Decimal(repr(value))
    if abs(exact) < Decimal("1e15"):
        cents = exact.quantize(CENT)
        # 0.1+0.2 = 0.30000000000000004 in a formula cell is binary noise, not a third decimal place.
        if exact != cents and abs(exact - cents) <= abs(exact) * Decimal("1e-12"):
            return cents
    return exact


def _decimal(value: Any, *, money: bool) -> Decimal:
    """A number from a cell: Excel numbers, "1,200,000", "1200.50"; for money also "¥120万", "一百二十万"."""
    if isinstance(value, Pct):
        value = value.value
    if isinstance(value, bool):
        raise Bad(_NOT_NUMBER, value=show(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Bad(_NOT_NUMBER, value=show(value))
        return _from_float(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise Bad(_NOT_NUMBER, value=show(value))
        return value
    if not isinstance(value, str):
        raise Bad(_NOT_NUMBER, value=show(value))
    text = unicodedata.normalize("NFKC", value).strip()
    if len(text) > 40:
        raise Bad(_NOT_NUMBER, value=show(text))
    if money:
        text = _CURRENCY.sub("", text).strip()
    text = text.replace(" ", "")
    if _PLAIN_NUMBER.fullmatch(text):
        return Decimal(text)
    if _GROUPED_NUMBER.fullmatch(text):
        return Decimal(text.replace(",", ""))
    if money:
        unit = _NUMBER_WITH_UNIT.fullmatch(text)
        if unit:
            return Decimal(unit[1]) * _UNIT[unit[2]]
        if text and set(text) <= _CN_NUMERALS:
            try:
                number = cn2an.cn2an(text, "normal")
            except Exception:  # cn2an raises assorted errors on malformed numerals
                raise Bad(_NOT_NUMBER, value=show(text)) from None
            if isinstance(number, int):
                return Decimal(number)
            if isinstance(number, float) and math.isfinite(number):
                return _from_float(number)
    raise Bad(_NOT_NUMBER, value=show(value))


def _fmt(number: Decimal) -> str:
    return f"{number:,}"


def number_of(
    lo: Decimal, hi: Decimal, *, places: int = 2, lo_open: bool = False, money: bool = False
) -> Callable[[Any], Decimal]:
    """A bounded decimal with at most `places` decimal places."""
    quantum = Decimal(1).scaleb(-places)

    def parse(value: Any) -> Decimal:
        number = _decimal(value, money=money)
        if number < lo or (lo_open and number == lo) or number > hi:
            raise Bad(_RANGE_OPEN if lo_open else _RANGE, lo=_fmt(lo), hi=_fmt(hi), value=show(number))
        try:
            exact = number == number.quantize(quantum)
        except InvalidOperation:
            exact = False
        if not exact:
            raise Bad(_PLACES, places=places, value=show(number))
        return number.quantize(quantum)

    return parse


def parse_percent(value: Any) -> Decimal:
    """0-100; "40%" and an Excel cell formatted as 40% both mean 40."""
    if isinstance(value, Pct) and not isinstance(value.value, bool):
        value = _decimal(value.value, money=False) * 100
    elif isinstance(value, str) and value.strip().endswith(("%", "％")):
        value = value.strip()[:-1]
    return number_of(Decimal(0), Decimal(100))(value)


_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?",
    re.ASCII,
)


def parse_date(value: Any) -> date:
    """A date cell, an Excel serial number, or text: 2026-11-25, 2026/11/25, 2026.11.25, 2026年11月25日."""
    if isinstance(value, Pct):
        value = value.value
    day: date
    if isinstance(value, bool):
        raise Bad(_NOT_DATE, value=show(value))
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float):
        if not (math.isfinite(value) and 1 <= value < 2958466):
            raise Bad(_NOT_DATE, value=show(value))
        from openpyxl.utils.datetime import from_excel

        day = from_excel(value).date()
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        found = _DATE.fullmatch(text) if len(text) <= 40 else None
        if not found:
            raise Bad(_NOT_DATE, value=show(text))
        try:
            day = date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            raise Bad(_NOT_DATE, value=show(text)) from None
    else:
        raise Bad(_NOT_DATE, value=show(value))
    if not 1970 <= day.year <= 2100:
        raise Bad(_DATE_RANGE, value=day.isoformat())
    return day


def choice_of(mapping: dict[str, str], options: str) -> Callable[[Any], str]:
    words = {"".join(k.split()).casefold(): v for k, v in mapping.items()}

    def parse(value: Any) -> str:
        text = _text(value, nfkc=True)
        key = "".join(text.split()).casefold()
        if key not in words:
            raise Bad(_CHOICE, value=show(text), options=options)
        return words[key]

    return parse


_LIST_SEPARATORS = re.compile(r"\s*[、,，;；/|]+\s*")


def parse_aliases(value: Any) -> list[str]:
    """Other names, separated by 、 , ， ; or /."""
    parts = [part for part in _LIST_SEPARATORS.split(_text(value)) if part]
    if len(parts) > 20:
        raise Bad(_TOO_MANY_ALIASES)
    for part in parts:
        if len(part) > 100:
            raise Bad(_TOO_LONG, max=100)
    return list(dict.fromkeys(parts))


def parse_thresholds(value: Any) -> list[int]:
    """Budget alert thresholds in percent: "80,100" or "50 75 90 100"."""
    text = _text(value, nfkc=True)
    parts = [part.removesuffix("%") for part in re.split(r"[、,，;；/\s]+", text) if part]
    if not parts or len(parts) > 10 or not all(part.isascii() and part.isdigit() and len(part) <= 3 for part in parts):
        raise Bad(_BAD_THRESHOLDS, value=show(text))
    numbers = sorted({int(part) for part in parts})
    if numbers[0] < 1 or numbers[-1] > 500:
        raise Bad(_BAD_THRESHOLDS, value=show(text))
    return numbers


_PHONE = re.compile(r"\+?[0-9][0-9\- ()]{2,38}", re.ASCII)


def parse_phone(value: Any) -> str:
    text = _text(value, nfkc=True)
    if not _PHONE.fullmatch(text):
        raise Bad(_BAD_PHONE, value=show(text))
    return text


@lru_cache(maxsize=1)
def _timezones() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


_ZONE_NAME = re.compile(r"[A-Za-z]+(?:/[A-Za-z0-9_+\-]+){0,2}|UTC", re.ASCII)


def parse_timezone(value: Any) -> str:
    text = _text(value, nfkc=True)
    zone = _timezones().get(text.casefold())
    if zone is None and _ZONE_NAME.fullmatch(text):  # no zone list (no tzdata index): ask zoneinfo itself
        try:
            ZoneInfo(text)
            zone = text
        except (ZoneInfoNotFoundError, ValueError, OSError):
            zone = None
    if zone is None or len(zone) > 64:
        raise Bad(_BAD_TZ, value=show(text))
    return zone


def parse_telegram_id(value: Any) -> int:
    if isinstance(value, Pct | bool):
        raise Bad(_BAD_TELEGRAM, value=show(value))
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 16):
            raise Bad(_BAD_TELEGRAM, value=show(text))
        value = int(text)
    if not isinstance(value, int) or not 0 < value < 10**16:
        raise Bad(_BAD_TELEGRAM, value=show(value))
    return value


_ENGLISH_CATEGORY_WORDS = [word for word in CATEGORY_WORDS if word.isascii()]


def parse_category(value: Any) -> tuple[str, str | None]:
    """(category key, label): a standard category (labor, 材料费, …) or the project's own line (key = its label)."""
    text = _text(value)
    if len(text) > 40:
        raise Bad(_TOO_LONG, max=40)
    key = "".join(text.split()).casefold()
    if key in CATEGORY_WORDS:
        return CATEGORY_WORDS[key], None
    if key in ITEM_WORDS:
        category = ITEM_WORDS[key]
        raise Bad(_ITEM_WORD, value=show(text), category=category, label=CATEGORY_LABELS[category].zh)
    if key.isascii():
        near = process.extractOne(key, _ENGLISH_CATEGORY_WORDS, scorer=fuzz.ratio, score_cutoff=80)
        if near:
            raise Bad(_NEAR_CATEGORY, value=show(text), suggestion=CATEGORY_WORDS[near[0]])
    return text, text
