"""Project set-up without code: the import template (xlsx) and importing it (xlsx or csv), all or nothing.

A file holds up to five kinds of rows — projects, budget, tasks, workers, members — one sheet per kind
(a csv holds one kind). Every cell of every row is checked first; only a file without a single problem
is written, in one transaction, with one audit row ("import") listing every row it created or changed.
docs/import-template.md describes the columns.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import cn2an
from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from storage.models import (
    Base,
    BudgetLine,
    BudgetPolicy,
    Membership,
    OvertimeMode,
    ProgressUpdate,
    Project,
    RateHistory,
    Role,
    Task,
    User,
    Worker,
)
from storage.queries import imports as q
from tools import audit
from tools.base import Context, Text
from tools.categories import CATEGORIES, CATEGORY_LABELS, CATEGORY_WORDS, ITEM_WORDS

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("projects", "budget", "tasks", "workers", "members")
KIND_LABELS: dict[str, Text] = {
    "projects": Text("项目", "projects"),
    "budget": Text("预算", "budget"),
    "tasks": Text("任务", "tasks"),
    "workers": Text("工人", "workers"),
    "members": Text("成员", "members"),
    "rates": Text("工价记录", "rate history"),
    "users": Text("用户", "users"),
    "progress": Text("进度记录", "progress reports"),
}

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000  # per sheet
MAX_COLUMNS = 60
MAX_AMOUNT = Decimal("10000000000")  # 100亿
MAX_DAILY_RATE = Decimal("100000")
EARLIEST_RATE = date(2000, 1, 1)  # a new worker's rate, when no rate_from is given, applies from the start
CENT = Decimal("0.01")

# -- messages ------------------------------------------------------------------------------------

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

_MISSING = Text("缺少{field}", "{field} is missing")
_FINISH_BEFORE_START = Text("{finish}早于{start}", "{finish} before {start}")
_DUPLICATE = Text("与第 {other} 行重复（{key}）", "duplicate of row {other} ({key})")
_UNKNOWN_PROJECT = Text(
    "项目“{code}”在文件和数据库里都没有", "project “{code}” is neither in the file nor in the database"
)
_UNKNOWN_PREDECESSOR = Text(
    "前置任务“{name}”在项目 {code} 里找不到（文件和数据库都没有）",
    "predecessor “{name}” is not a task of project {code} (neither in the file nor in the database)",
)
_SELF_PREDECESSOR = Text("任务不能是自己的前置任务", "a task cannot be its own predecessor")
_CYCLE = Text("前置任务形成了循环：{chain}", "predecessors form a loop: {chain}")
_HOURLY_NEEDS_RATE = Text(
    "加班按小时计算时必须填加班时薪（overtime_rate）", "overtime_mode hourly needs an overtime_rate"
)
_RATE_FROM_FUTURE = Text("工价生效日期 {day} 在未来", "rate_from {day} is in the future")
_RATE_FROM_OLD = Text(
    "工价生效日期 {day} 早于该工人上次调价日期 {last}",
    "rate_from {day} is before this worker's last rate change on {last}",
)
_USER_CONFLICT = Text("用户 {user} 的{field}与第 {other} 行不一致", "{field} of user {user} differs from row {other}")
_TELEGRAM_TAKEN = Text("telegram_id {value} 已属于用户 {other}", "telegram_id {value} already belongs to user {other}")
_TELEGRAM_TWICE = Text(
    "telegram_id {value} 也用在第 {other} 行的用户 {user} 上",
    "telegram_id {value} is also given to user {user} in row {other}",
)
_NOT_ALLOWED = Text("没有权限：{what}需要{role}角色", "not allowed: {what} needs role {role}")
_NOT_ALLOWED_WHAT = {
    "new_project": Text("新建项目", "creating a project"),
    "project": Text("修改项目", "changing a project"),
    "workers": Text("修改工人", "changing workers"),
    "members": Text("设置成员", "setting members"),
}

_UNKNOWN_SHEET = Text(
    "不认识这个工作表（可用：projects 项目、budget 预算、tasks 任务、workers 工人、members 成员）",
    "unknown sheet (expected projects, budget, tasks, workers or members)",
)
_DUPLICATE_SHEET = Text("与工作表 {other} 是同一类（{kind}）", "holds the same kind ({kind}) as sheet {other}")
_UNKNOWN_COLUMN = Text("不认识的列“{value}”", "unknown column “{value}”")
_TWO_FIELDS = Text("列名“{value}”同时指向两个字段", "column “{value}” names two different fields")
_DUPLICATE_COLUMN = Text("“{value}”这一列重复了", "column “{value}” appears twice")
_MISSING_COLUMN = Text("缺少“{field}”列", "column {field} is missing")
_NO_HEADER_CELL = Text("第 {col} 列有数据但没有列名", "column {col} has values but no header")
_TOO_MANY_ROWS = Text("行数太多（最多 {max} 行）", "too many rows (at most {max})")
_NO_FILE = Text("找不到文件", "file not found")
_BAD_EXTENSION = Text(
    "只能导入 .xlsx 或 .csv 文件（旧的 .xls 请先另存为 .xlsx）",
    "only .xlsx and .csv files can be imported (save an old .xls as .xlsx first)",
)
_TOO_BIG = Text("文件太大（最多 20 MB）", "file too large (at most 20 MB)")
_UNREADABLE = Text(
    "无法读取这个文件，它可能已损坏或不是 {kind} 文件",
    "cannot read this file; it may be damaged or not a real {kind} file",
)
_ENCODING = Text("无法识别 csv 的编码（请存为 UTF-8）", "cannot tell the csv's encoding (save it as UTF-8)")
_EMPTY = Text("文件里没有数据", "the file holds no data")
_CSV_KIND_UNKNOWN = Text(
    "看不出这个 csv 是哪一类数据；请加一列 kind（projects/budget/tasks/workers/members）",
    "cannot tell which kind of rows this csv holds; add a kind column (projects/budget/tasks/workers/members)",
)
_CSV_KIND_MIXED = Text(
    "一个 csv 只能放一类数据，kind 列出现了“{value}”和“{other}”",
    "one csv holds one kind; the kind column has both “{value}” and “{other}”",
)
_CSV_KIND_BAD = Text(
    "kind 列的“{value}”不是 projects/budget/tasks/workers/members",
    "kind “{value}” is not projects/budget/tasks/workers/members",
)
_WRITE_FAILED = Text("数据库拒绝了写入，什么都没有导入", "the database refused the import; nothing was imported")


class _Bad(Exception):
    """One cell's or row's problem: a translated message and its parameters."""

    def __init__(self, message: Text, /, **params: Any) -> None:
        super().__init__(message.en)
        self.message = message
        self.params = params


# -- the report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem, located: sheet (or csv file) and row number as a spreadsheet shows them."""

    sheet: str | None
    row: int | None
    zh: str
    en: str
    is_csv: bool = False

    def render(self, lang: str) -> str:
        reason = self.zh if lang == "zh" else self.en
        if self.sheet is None:
            return reason
        if lang == "zh":
            where = f"{'文件' if self.is_csv else '工作表'} {self.sheet}" + (f" 第 {self.row} 行" if self.row else "")
            return f"{where}：{reason}"
        where = f"{'file' if self.is_csv else 'sheet'} {self.sheet}" + (f" row {self.row}" if self.row else "")
        return f"{where}: {reason}"


_OK_HEAD = Text("已导入 {file}：", "Imported {file}: ")
_NOTHING = Text("没有需要修改的内容", "nothing to change")
_COUNTS = Text("{kind} 新建 {created}、更新 {updated}", "{kind} {created} created, {updated} updated")
_AUDIT = Text("（审计记录 #{id}）", " (audit #{id})")
_FAILED_HEAD = Text("没有导入任何内容：{file} 有 {n} 个问题", "Nothing was imported: {file} has {n} problem(s)")
_MORE = Text("……还有 {n} 个问题", "... and {n} more")
MAX_SHOWN_ERRORS = 100


@dataclass
class ImportReport:
    """What an import did (counts per kind) or, when any row is invalid, every problem found."""

    file: str
    errors: list[RowError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    audit_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_lines(self, lang: str) -> list[str]:
        return [error.render(lang) for error in self.errors]

    def render(self, lang: str) -> str:
        """The report as chat/terminal text in one language."""
        if not self.ok:
            lines = [_FAILED_HEAD.render(lang, file=self.file, n=len(self.errors))]
            lines += [f"  {line}" for line in self.error_lines(lang)[:MAX_SHOWN_ERRORS]]
            if len(self.errors) > MAX_SHOWN_ERRORS:
                lines.append("  " + _MORE.render(lang, n=len(self.errors) - MAX_SHOWN_ERRORS))
            return "\n".join(lines)
        parts = [
            _COUNTS.render(
                lang,
                kind=KIND_LABELS[kind].render(lang),
                created=self.created.get(kind, 0),
                updated=self.updated.get(kind, 0),
            )
            for kind in KIND_LABELS
            if self.created.get(kind) or self.updated.get(kind)
        ]
        sep = "；" if lang == "zh" else "; "
        text = _OK_HEAD.render(lang, file=self.file) + (sep.join(parts) if parts else _NOTHING.render(lang))
        if self.audit_id is not None:
            text += _AUDIT.render(lang, id=self.audit_id)
        return text


# -- cells → values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pct:
    """A numeric Excel cell shown with a percent format: 0.4 displayed as 40%."""

    value: int | float


def _show(value: Any) -> str:
    """A value for an error message: short, with invisible characters escaped."""
    text = value.value if isinstance(value, _Pct) else value
    text = str(text)
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:40])
    return shown + ("…" if len(text) > 40 else "")


_JUNK_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _text(value: Any, *, nfkc: bool = False) -> str:
    """A cell as clean one-line text; refuses booleans, times and invisible or unassigned characters."""
    if isinstance(value, _Pct):
        value = value.value
    if isinstance(value, bool):
        raise _Bad(_NOT_TEXT)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad(_NOT_TEXT)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise _Bad(_NOT_TEXT)
    text = unicodedata.normalize("NFKC" if nfkc else "NFC", value)
    text = " ".join(text.split())
    if any(unicodedata.category(c) in _JUNK_CATEGORIES for c in text):
        raise _Bad(_JUNK, value=_show(text))
    return text


def text_of(max_len: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value)
        if len(text) > max_len:
            raise _Bad(_TOO_LONG, max=max_len)
        return text

    return parse


_CODE = re.compile(r"[^\W_][\w.\-]{0,31}")


def parse_code(value: Any) -> str:
    text = _text(value, nfkc=True)
    if not _CODE.fullmatch(text):
        raise _Bad(_BAD_CODE, value=_show(text))
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
    if isinstance(value, _Pct):
        value = value.value
    if isinstance(value, bool):
        raise _Bad(_NOT_NUMBER, value=_show(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad(_NOT_NUMBER, value=_show(value))
        return _from_float(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _Bad(_NOT_NUMBER, value=_show(value))
        return value
    if not isinstance(value, str):
        raise _Bad(_NOT_NUMBER, value=_show(value))
    text = unicodedata.normalize("NFKC", value).strip()
    if len(text) > 40:
        raise _Bad(_NOT_NUMBER, value=_show(text))
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
                raise _Bad(_NOT_NUMBER, value=_show(text)) from None
            if isinstance(number, int):
                return Decimal(number)
            if isinstance(number, float) and math.isfinite(number):
                return _from_float(number)
    raise _Bad(_NOT_NUMBER, value=_show(value))


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
            raise _Bad(_RANGE_OPEN if lo_open else _RANGE, lo=_fmt(lo), hi=_fmt(hi), value=_show(number))
        try:
            exact = number == number.quantize(quantum)
        except InvalidOperation:
            exact = False
        if not exact:
            raise _Bad(_PLACES, places=places, value=_show(number))
        return number.quantize(quantum)

    return parse


def parse_percent(value: Any) -> Decimal:
    """0-100; "40%" and an Excel cell formatted as 40% both mean 40."""
    if isinstance(value, _Pct) and not isinstance(value.value, bool):
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
    if isinstance(value, _Pct):
        value = value.value
    day: date
    if isinstance(value, bool):
        raise _Bad(_NOT_DATE, value=_show(value))
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float):
        if not (math.isfinite(value) and 1 <= value < 2958466):
            raise _Bad(_NOT_DATE, value=_show(value))
        from openpyxl.utils.datetime import from_excel

        day = from_excel(value).date()
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        found = _DATE.fullmatch(text) if len(text) <= 40 else None
        if not found:
            raise _Bad(_NOT_DATE, value=_show(text))
        try:
            day = date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            raise _Bad(_NOT_DATE, value=_show(text)) from None
    else:
        raise _Bad(_NOT_DATE, value=_show(value))
    if not 1970 <= day.year <= 2100:
        raise _Bad(_DATE_RANGE, value=day.isoformat())
    return day


def choice_of(mapping: dict[str, str], options: str) -> Callable[[Any], str]:
    words = {"".join(k.split()).casefold(): v for k, v in mapping.items()}

    def parse(value: Any) -> str:
        text = _text(value, nfkc=True)
        key = "".join(text.split()).casefold()
        if key not in words:
            raise _Bad(_CHOICE, value=_show(text), options=options)
        return words[key]

    return parse


_LIST_SEPARATORS = re.compile(r"\s*[、,，;；/|]+\s*")


def parse_aliases(value: Any) -> list[str]:
    """Other names, separated by 、 , ， ; or /."""
    parts = [part for part in _LIST_SEPARATORS.split(_text(value)) if part]
    if len(parts) > 20:
        raise _Bad(_TOO_MANY_ALIASES)
    for part in parts:
        if len(part) > 100:
            raise _Bad(_TOO_LONG, max=100)
    return list(dict.fromkeys(parts))


def parse_thresholds(value: Any) -> list[int]:
    """Budget alert thresholds in percent: "80,100" or "50 75 90 100"."""
    text = _text(value, nfkc=True)
    parts = [part.removesuffix("%") for part in re.split(r"[、,，;；/\s]+", text) if part]
    if not parts or len(parts) > 10 or not all(part.isascii() and part.isdigit() and len(part) <= 3 for part in parts):
        raise _Bad(_BAD_THRESHOLDS, value=_show(text))
    numbers = sorted({int(part) for part in parts})
    if numbers[0] < 1 or numbers[-1] > 500:
        raise _Bad(_BAD_THRESHOLDS, value=_show(text))
    return numbers


_PHONE = re.compile(r"\+?[0-9][0-9\- ()]{2,38}", re.ASCII)


def parse_phone(value: Any) -> str:
    text = _text(value, nfkc=True)
    if not _PHONE.fullmatch(text):
        raise _Bad(_BAD_PHONE, value=_show(text))
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
        raise _Bad(_BAD_TZ, value=_show(text))
    return zone


def parse_telegram_id(value: Any) -> int:
    if isinstance(value, _Pct | bool):
        raise _Bad(_BAD_TELEGRAM, value=_show(value))
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 16):
            raise _Bad(_BAD_TELEGRAM, value=_show(text))
        value = int(text)
    if not isinstance(value, int) or not 0 < value < 10**16:
        raise _Bad(_BAD_TELEGRAM, value=_show(value))
    return value


_ENGLISH_CATEGORY_WORDS = [word for word in CATEGORY_WORDS if word.isascii()]


def parse_category(value: Any) -> tuple[str, str | None]:
    """(category key, label): a standard category (labor, 材料费, …) or the project's own line (key = its label)."""
    text = _text(value)
    if len(text) > 40:
        raise _Bad(_TOO_LONG, max=40)
    key = "".join(text.split()).casefold()
    if key in CATEGORY_WORDS:
        return CATEGORY_WORDS[key], None
    if key in ITEM_WORDS:
        category = ITEM_WORDS[key]
        raise _Bad(_ITEM_WORD, value=_show(text), category=category, label=CATEGORY_LABELS[category].zh)
    if key.isascii():
        near = process.extractOne(key, _ENGLISH_CATEGORY_WORDS, scorer=fuzz.ratio, score_cutoff=80)
        if near:
            raise _Bad(_NEAR_CATEGORY, value=_show(text), suggestion=CATEGORY_WORDS[near[0]])
    return text, text


_ROLE_WORDS = {
    "admin": "admin",
    "administrator": "admin",
    "管理员": "admin",
    "项目管理员": "admin",
    "manager": "manager",
    "pm": "manager",
    "经理": "manager",
    "项目经理": "manager",
    "负责人": "manager",
    "foreman": "foreman",
    "工长": "foreman",
    "班组长": "foreman",
    "施工员": "foreman",
    "带班": "foreman",
    "finance": "finance",
    "财务": "finance",
    "会计": "finance",
    "出纳": "finance",
    "viewer": "viewer",
    "查看": "viewer",
    "只读": "viewer",
    "访客": "viewer",
    "观察员": "viewer",
}
_POLICY_WORDS = {
    "warn": "warn",
    "warning": "warn",
    "预警": "warn",
    "提醒": "warn",
    "警告": "warn",
    "stop": "stop",
    "block": "stop",
    "禁止": "stop",
    "停止": "stop",
    "拦截": "stop",
    "控制": "stop",
}
_OVERTIME_WORDS = {
    "folded": "folded",
    "fold": "folded",
    "折工": "folded",
    "折算": "folded",
    "折算工日": "folded",
    "hourly": "hourly",
    "hour": "hourly",
    "按小时": "hourly",
    "计时": "hourly",
    "小时": "hourly",
}
_LANGUAGE_WORDS = {
    "zh": "zh",
    "zh-cn": "zh",
    "zh_cn": "zh",
    "cn": "zh",
    "chinese": "zh",
    "中文": "zh",
    "汉语": "zh",
    "简体中文": "zh",
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
}

# -- the columns of each kind --------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    parse: Callable[[Any], Any]
    help: Text
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        """The template's bilingual header: "code 项目编号"."""
        return f"{self.key} {self.zh}"


_PROJECT_REF = ("project", "project_code", "code", "项目", "项目编号", "项目代码")
_money = number_of(Decimal(0), MAX_AMOUNT, money=True)
_hours = number_of(Decimal(0), Decimal(24), lo_open=True)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "projects": (
        Column(
            "code",
            "项目编号",
            parse_code,
            Text("必填；项目的简短编号，如 SG3", "required; the project's short code, e.g. SG3"),
            True,
            ("project_code", "编号", "项目代码", "代码"),
        ),
        Column("name", "项目名称", text_of(200), Text("必填", "required"), True, ("project_name", "名称", "项目名")),
        Column(
            "aliases",
            "别名",
            parse_aliases,
            Text("其他叫法，用 、 或 , 分隔", "other names, separated by 、 or ,"),
            aliases=("alias", "简称"),
        ),
        Column(
            "start",
            "开工日期",
            parse_date,
            Text("如 2026-03-01", "e.g. 2026-03-01"),
            aliases=("start_date", "开始日期", "开工"),
        ),
        Column(
            "finish",
            "竣工日期",
            parse_date,
            Text("不早于开工日期", "not before start"),
            aliases=("finish_date", "end", "end_date", "完工日期", "结束日期"),
        ),
        Column(
            "timezone",
            "时区",
            parse_timezone,
            Text("默认 Asia/Shanghai", "default Asia/Shanghai"),
            aliases=("time_zone", "tz"),
        ),
        Column(
            "language",
            "语言",
            choice_of(_LANGUAGE_WORDS, "zh|en"),
            Text("zh 或 en，默认 zh", "zh or en; default zh"),
            aliases=("lang",),
        ),
        Column(
            "hours_per_day",
            "每工小时",
            _hours,
            Text("一个工日的小时数，默认 8", "hours in one standard day; default 8"),
            aliases=("每工小时数", "标准工时", "每天工时"),
        ),
        Column(
            "overtime_mode",
            "加班计算",
            choice_of(_OVERTIME_WORDS, "folded|hourly"),
            Text("folded 折算工日（默认）或 hourly 按小时", "folded into days (default) or hourly"),
            aliases=("加班计算方式", "加班方式"),
        ),
        Column(
            "overtime_hours_per_day",
            "加班每工小时",
            _hours,
            Text(
                "折算时几小时加班算一个工，默认同每工小时",
                "overtime hours per overtime day (folded); default hours_per_day",
            ),
            aliases=("加班每工小时数",),
        ),
        Column(
            "overtime_rate",
            "加班时薪",
            number_of(Decimal(0), Decimal(10000), lo_open=True, money=True),
            Text("元/小时；hourly 时必填", "yuan per hour; required for hourly"),
            aliases=("加班单价",),
        ),
        Column(
            "cash_floor",
            "资金下限",
            _money,
            Text("余额低于此数时提醒，默认 0", "warn when the balance falls below; default 0"),
            aliases=("资金预警线", "最低资金"),
        ),
        Column(
            "budget_thresholds",
            "预算预警线",
            parse_thresholds,
            Text("百分比，用逗号分隔，默认 80,100", "percents separated by commas; default 80,100"),
            aliases=("thresholds", "预算预警", "预警阈值"),
        ),
    ),
    "budget": (
        Column("project", "项目编号", parse_code, Text("必填；项目编号", "required; project code"), True, _PROJECT_REF),
        Column(
            "category",
            "成本科目",
            parse_category,
            Text(
                "必填；labor/materials/machinery/subcontract/overhead，或 人工费/材料费/机械费/分包费/管理费，"
                "或项目自己的科目名称（如 安全费）",
                "required; labor/materials/machinery/subcontract/overhead, a Chinese name like 材料费, "
                "or a line of the project's own (e.g. 安全费)",
            ),
            True,
            ("line", "科目", "预算科目"),
        ),
        Column(
            "amount",
            "预算金额",
            _money,
            Text("必填；元，如 1200000、1,200,000 或 120万", "required; yuan, e.g. 1200000, 1,200,000 or 120万"),
            True,
            ("budget", "金额", "预算"),
        ),
        Column(
            "policy",
            "超支策略",
            choice_of(_POLICY_WORDS, "warn|stop"),
            Text("warn 提醒（默认）或 stop 禁止超支", "warn (default) or stop"),
            aliases=("策略", "超支处理"),
        ),
    ),
    "tasks": (
        Column("project", "项目编号", parse_code, Text("必填；项目编号", "required; project code"), True, _PROJECT_REF),
        Column("name", "任务名称", text_of(200), Text("必填", "required"), True, ("task", "task_name", "任务", "名称")),
        Column(
            "planned_start",
            "计划开始",
            parse_date,
            Text("必填", "required"),
            True,
            ("start", "计划开始日期", "开始日期"),
        ),
        Column(
            "planned_finish",
            "计划完成",
            parse_date,
            Text("必填；不早于计划开始", "required; not before planned_start"),
            True,
            ("finish", "end", "计划完成日期", "计划结束", "结束日期"),
        ),
        Column(
            "planned_cost",
            "计划成本",
            _money,
            Text("元，默认 0", "yuan; default 0"),
            aliases=("cost", "计划费用", "预算成本"),
        ),
        Column(
            "predecessor",
            "前置任务",
            text_of(200),
            Text("同一项目中先要完成的任务名称", "name of a task of the same project that comes first"),
            aliases=("前置", "紧前任务"),
        ),
        Column(
            "percent",
            "完成百分比",
            parse_percent,
            Text("0 到 100", "0 to 100"),
            aliases=("percent_complete", "progress", "完成比例", "进度", "完成率"),
        ),
    ),
    "workers": (
        Column("name", "姓名", text_of(100), Text("必填", "required"), True, ("worker", "工人", "名字")),
        Column(
            "aliases",
            "别名",
            parse_aliases,
            Text("其他叫法，如 老张，用 、 分隔", "other names, separated by 、 or ,"),
            aliases=("alias", "外号"),
        ),
        Column("trade", "工种", text_of(50), Text("如 木工、钢筋工", "e.g. carpenter")),
        Column(
            "daily_rate",
            "日工资",
            number_of(Decimal(0), MAX_DAILY_RATE, lo_open=True, money=True),
            Text("必填；元/工", "required; yuan per day"),
            True,
            ("rate", "日薪", "工价"),
        ),
        Column("phone", "电话", parse_phone, Text("可选", "optional"), aliases=("mobile", "手机", "手机号")),
        Column(
            "rate_from",
            "工价生效日期",
            parse_date,
            Text("工价变化时从哪天起算，默认今天", "when a changed rate applies from; default today"),
            aliases=("生效日期", "调价日期"),
        ),
    ),
    "members": (
        Column(
            "user",
            "用户名",
            text_of(100),
            Text("必填；成员的名字", "required; the member's name"),
            True,
            ("user_name", "name", "姓名", "用户"),
        ),
        Column(
            "telegram_id",
            "Telegram ID",
            parse_telegram_id,
            Text("数字 ID，可以以后再填", "numeric id; may be filled in later"),
            aliases=("telegram", "tg_id", "电报id"),
        ),
        Column("project", "项目编号", parse_code, Text("必填；项目编号", "required; project code"), True, _PROJECT_REF),
        Column(
            "role",
            "角色",
            choice_of(_ROLE_WORDS, "admin|manager|foreman|finance|viewer"),
            Text(
                "必填；admin 管理员、manager 经理、foreman 工长、finance 财务、viewer 只读",
                "required; admin, manager, foreman, finance or viewer",
            ),
            True,
            ("权限",),
        ),
        Column(
            "language", "语言", choice_of(_LANGUAGE_WORDS, "zh|en"), Text("zh 或 en", "zh or en"), aliases=("lang",)
        ),
    ),
}

_SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "projects": ("project", "projects", "项目", "项目信息", "项目表", "项目列表"),
    "budget": ("budget", "budgets", "budget_lines", "budget_line", "预算", "预算表", "成本预算"),
    "tasks": ("task", "tasks", "schedule", "任务", "任务表", "进度计划", "任务计划"),
    "workers": ("worker", "workers", "工人", "工人表", "花名册", "工人花名册"),
    "members": ("member", "members", "users", "成员", "用户", "项目成员"),
    "readme": ("readme", "read_me", "说明", "使用说明", "填写说明", "instructions", "help"),
}
_KIND_COLUMN = ("kind", "类别", "数据类型")
_IGNORED_COLUMNS = ("note", "notes", "remark", "remarks", "comment", "comments", "备注", "说明")


def _norm(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", text).strip().casefold())


_TOKEN_SPLIT = re.compile(r"[\s()（）/|:：,，]+")


def _lookup(text: str, names: dict[str, str]) -> str | None:
    """The one key a sheet or column name means: the whole name, else its words (must agree); "?" if they differ."""
    whole = _norm(text)
    if whole in names:
        return names[whole]
    found = {
        names[_norm(token)]
        for token in _TOKEN_SPLIT.split(unicodedata.normalize("NFKC", text).casefold())
        if token and _norm(token) in names
    }
    if len(found) > 1:
        return "?"
    return found.pop() if found else None


_SHEET_LOOKUP = {_norm(alias): kind for kind, aliases in _SHEET_NAMES.items() for alias in aliases}
_COLUMN_LOOKUP = {
    kind: {_norm(name): col.key for col in columns for name in (col.key, col.zh, *col.aliases)}
    for kind, columns in COLUMNS.items()
}
_CANONICAL_LOOKUP = {
    kind: {_norm(name): col.key for col in columns for name in (col.key, col.zh)} for kind, columns in COLUMNS.items()
}
_KIND_LOOKUP = {_norm(alias): "kind" for alias in _KIND_COLUMN}
_IGNORED_LOOKUP = {_norm(alias): "ignore" for alias in _IGNORED_COLUMNS}


# -- reading files -------------------------------------------------------------------------------


class _FileProblem(Exception):
    def __init__(self, message: Text, /, **params: Any) -> None:
        super().__init__(message.en)
        self.message = message
        self.params = params


@dataclass
class _Sheet:
    label: str  # the sheet name, or the csv file name
    is_csv: bool
    kind: str | None = None
    header_row: int = 0
    header: list[Any] = field(default_factory=list)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _collect(sheet: _Sheet, numbered_rows: Iterable[tuple[int, list[Any]]]) -> _Sheet:
    for number, values in numbered_rows:
        if all(_empty(v) for v in values):
            continue
        if not sheet.header_row:
            sheet.header_row, sheet.header = number, values
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise _FileProblem(_TOO_MANY_ROWS, max=MAX_ROWS)
        sheet.rows.append((number, values))
    return sheet


def _cell_value(cell: Any) -> Any:
    value = cell.value
    percent_format = "%" in str(getattr(cell, "number_format", ""))
    if percent_format and isinstance(value, int | float) and not isinstance(value, bool):
        return _Pct(value)
    return value


def _read_xlsx(path: Path) -> list[_Sheet]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops (styles, extensions)
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # zipfile, XML and openpyxl errors: all mean "not a readable xlsx"
        log.info("unreadable xlsx %s", path, exc_info=True)
        raise _FileProblem(_UNREADABLE, kind="xlsx") from None
    sheets: list[_Sheet] = []
    try:
        for ws in book.worksheets:
            ws.reset_dimensions()  # some writers store a wrong size; read every row there is
            rows = (
                (number, [_cell_value(cell) for cell in row])
                for number, row in enumerate(ws.iter_rows(min_row=1, max_col=MAX_COLUMNS), start=1)
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sheets.append(_collect(_Sheet(label=ws.title, is_csv=False), rows))
    except _FileProblem as problem:
        raise _FileProblem(problem.message, **problem.params) from None
    except Exception:
        log.info("unreadable xlsx %s", path, exc_info=True)
        raise _FileProblem(_UNREADABLE, kind="xlsx") from None
    finally:
        book.close()
    return sheets


def _read_csv(path: Path) -> _Sheet:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _FileProblem(_ENCODING)
    first_line = text.split("\n", 1)[0]
    # The header decides the separator: comma (Excel's "CSV UTF-8"), else tab, else semicolon (European Excel).
    delimiter = next((d for d in ",\t;" if d in first_line), ",")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise _FileProblem(_UNREADABLE, kind="csv") from None
    return _collect(
        _Sheet(label=path.name, is_csv=True),
        ((number, [cell[:2000] for cell in record[:MAX_COLUMNS]]) for number, record in enumerate(records, start=1)),
    )


# -- sheets → parsed rows -----------------------------------------------------------------------


@dataclass
class _Row:
    kind: str
    sheet: _Sheet
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    ok: bool = True


class _Errors:
    """Problems found so far, each rendered in both languages when it is found."""

    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(
        self, sheet: _Sheet | None, row: int | None, message: Text, *, column: Column | None = None, **params: Any
    ) -> None:
        """Record a problem; a Text parameter (a label) is rendered in each language, column names the field."""
        rendered = {}
        for lang in ("zh", "en"):
            values = {k: v.render(lang) if isinstance(v, Text) else v for k, v in params.items()}
            if column is not None:
                values["field"] = column.zh if lang == "zh" else column.key
            rendered[lang] = message.render(lang, **values) if values else message.render(lang)
        self.items.append(
            RowError(
                sheet=sheet.label if sheet else None,
                row=row,
                zh=rendered["zh"],
                en=rendered["en"],
                is_csv=bool(sheet and sheet.is_csv),
            )
        )

    def file(self, name: str, message: Text, **params: Any) -> None:
        self.items.append(
            RowError(
                sheet=name, row=None, zh=message.render("zh", **params), en=message.render("en", **params), is_csv=True
            )
        )


def _map_header(sheet: _Sheet, kind: str, errors: _Errors | None) -> dict[int, str] | None:
    """Column index → field key; None (with errors) when a column is unknown, doubled or missing."""
    names = {**_IGNORED_LOOKUP, **_COLUMN_LOOKUP[kind], **(_KIND_LOOKUP if sheet.is_csv else {})}
    mapping: dict[int, str] = {}
    bad = False
    for index, cell in enumerate(sheet.header):
        if _empty(cell):
            continue
        title = _show(cell)
        key = _lookup(str(cell), names)
        if key is None or key == "?":
            bad = True
            if errors:
                errors.add(sheet, sheet.header_row, _TWO_FIELDS if key == "?" else _UNKNOWN_COLUMN, value=title)
            continue
        if key in mapping.values() and key != "ignore":
            bad = True
            if errors:
                errors.add(sheet, sheet.header_row, _DUPLICATE_COLUMN, value=title)
            continue
        mapping[index] = key
    for column in COLUMNS[kind]:
        if column.required and column.key not in mapping.values():
            bad = True
            if errors:
                errors.add(sheet, sheet.header_row, _MISSING_COLUMN, column=column)
    return None if bad else mapping


def _csv_kind(sheet: _Sheet, errors: _Errors) -> str | None:
    """A csv's kind: from its kind column (every row the same), else the one kind its header fits."""
    kind_index = next(
        (i for i, cell in enumerate(sheet.header) if not _empty(cell) and _lookup(str(cell), _KIND_LOOKUP) == "kind"),
        None,
    )
    if kind_index is not None:
        seen: str | None = None
        for number, values in sheet.rows:
            cell = values[kind_index] if kind_index < len(values) else None
            if _empty(cell):
                continue
            kind = _lookup(str(cell), _SHEET_LOOKUP)
            if kind not in KINDS:
                errors.add(sheet, number, _CSV_KIND_BAD, value=_show(cell))
                return None
            if seen and kind != seen:
                errors.add(sheet, number, _CSV_KIND_MIXED, value=kind, other=seen)
                return None
            seen = kind
        if seen:
            return seen
    fits = [kind for kind in KINDS if _map_header(sheet, kind, None) is not None]
    if len(fits) > 1:  # "code,name,start,finish" fits tasks too: prefer the kind whose own names the header uses
        canonical = {
            kind: sum(
                1
                for cell in sheet.header
                if not _empty(cell) and _lookup(str(cell), _CANONICAL_LOOKUP[kind]) not in (None, "?")
            )
            for kind in fits
        }
        best = max(canonical.values())
        fits = [kind for kind in fits if canonical[kind] == best]
    if len(fits) == 1:
        return fits[0]
    if not fits:  # a mistyped column: take the kind most columns name, and report what is wrong with it
        scores = {
            kind: sum(
                1
                for cell in sheet.header
                if not _empty(cell) and _lookup(str(cell), _COLUMN_LOOKUP[kind]) not in (None, "?")
            )
            for kind in KINDS
        }
        best = max(scores.values())
        leaders = [kind for kind, score in scores.items() if score == best]
        if best >= 2 and len(leaders) == 1:
            return leaders[0]
    errors.add(sheet, sheet.header_row, _CSV_KIND_UNKNOWN)
    return None


def _parse_rows(sheet: _Sheet, kind: str, errors: _Errors) -> list[_Row]:
    mapping = _map_header(sheet, kind, errors)
    if mapping is None:
        return []
    columns = {column.key: column for column in COLUMNS[kind]}
    parsed: list[_Row] = []
    for number, values in sheet.rows:
        row = _Row(kind=kind, sheet=sheet, number=number)
        failed: set[str] = set()
        for index, value in enumerate(values):
            if index not in mapping:
                header_cell = sheet.header[index] if index < len(sheet.header) else None
                if not _empty(value) and _empty(header_cell):
                    errors.add(sheet, number, _NO_HEADER_CELL, col=_column_letter(index))
                    row.ok = False
                continue
            key = mapping[index]
            if key in ("kind", "ignore") or _empty(value):
                continue
            column = columns[key]
            try:
                row.values[key] = column.parse(value)
            except _Bad as bad:
                errors.add(sheet, number, bad.message, column=column, **bad.params)
                failed.add(key)
                row.ok = False
        for column in COLUMNS[kind]:
            if column.required and column.key not in row.values and column.key not in failed:
                errors.add(sheet, number, _MISSING, column=column)
                row.ok = False
        parsed.append(row)
    return parsed


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _read(path: Path, errors: _Errors) -> list[_Row]:
    """Every row of the file, parsed cell by cell (rows with a bad cell are marked, not dropped)."""
    suffix = path.suffix.casefold()
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        errors.file(path.name, _BAD_EXTENSION)
        return []
    if not path.is_file():
        errors.file(path.name, _NO_FILE)
        return []
    if path.stat().st_size > MAX_FILE_BYTES:
        errors.file(path.name, _TOO_BIG)
        return []
    try:
        sheets = [_read_csv(path)] if suffix == ".csv" else _read_xlsx(path)
    except _FileProblem as problem:
        errors.file(path.name, problem.message, **problem.params)
        return []
    rows: list[_Row] = []
    kinds_seen: dict[str, _Sheet] = {}
    for sheet in sheets:
        if not sheet.header_row:
            continue  # an empty sheet
        if sheet.is_csv:
            kind = _csv_kind(sheet, errors)
        else:
            found = _lookup(sheet.label, _SHEET_LOOKUP)
            kind = found if found in KINDS or found == "readme" else None
            if kind is None:
                errors.add(sheet, None, _UNKNOWN_SHEET)
        if kind is None or kind == "readme":
            continue
        if kind in kinds_seen:
            errors.add(sheet, None, _DUPLICATE_SHEET, other=kinds_seen[kind].label, kind=KIND_LABELS[kind])
            continue
        kinds_seen[kind] = sheet
        rows += _parse_rows(sheet, kind, errors)
    if not rows and not errors.items:
        errors.file(path.name, _EMPTY)
    return rows


# -- checks across rows and against the database -----------------------------------------------


def _cf(text: str) -> str:
    return "".join(text.split()).casefold()


def _field(kind: str, key: str) -> Column:
    return next(column for column in COLUMNS[kind] if column.key == key)


def _finish_before_start(errors: _Errors, row: _Row, start: str, finish: str) -> None:
    s, f = _field(row.kind, start), _field(row.kind, finish)
    errors.add(row.sheet, row.number, _FINISH_BEFORE_START, start=Text(s.zh, s.key), finish=Text(f.zh, f.key))
    row.ok = False


@dataclass
class _Plan:
    """Everything needed to write, gathered while checking."""

    today: date
    projects: dict[str, Project]  # casefolded code → existing project
    workers: dict[str, Worker]  # casefolded name → existing worker
    users: dict[str, User]
    budget: dict[tuple[int, str], BudgetLine] = field(default_factory=dict)
    tasks: dict[tuple[int, str], Task] = field(default_factory=dict)  # (project id, casefolded name)
    task_aliases: dict[tuple[int, str], Task] = field(default_factory=dict)
    members: dict[tuple[int, int], Membership] = field(default_factory=dict)
    last_rate: dict[int, date] = field(default_factory=dict)


def _by_casefold(items: Iterable[Any], key: Callable[[Any], str]) -> dict[str, Any]:
    """Casefolded key → row (names and codes are matched ignoring case and spaces)."""
    found: dict[str, Any] = {}
    for item in items:
        found.setdefault(_cf(key(item)), item)
    return found


def _existing(session: Session, rows: list[_Row], today: date) -> _Plan:
    projects = q.all_projects(session=session)
    plan = _Plan(
        today=today,
        projects=_by_casefold(projects, lambda p: p.code),
        workers=_by_casefold(q.all_workers(session=session), lambda w: w.name),
        users=_by_casefold(q.all_users(session=session), lambda u: u.name),
    )
    wanted = {_cf(row.values["project"]) for row in rows if "project" in row.values}
    wanted |= {_cf(row.values["code"]) for row in rows if "code" in row.values}
    ids = [plan.projects[code].id for code in wanted if code in plan.projects]
    for line in q.budget_lines(session=session, project_ids=ids):
        plan.budget[
            (line.project_id, _cf(line.label or line.category) if line.category not in CATEGORIES else line.category)
        ] = line
    for task in q.tasks(session=session, project_ids=ids):
        plan.tasks[(task.project_id, _cf(task.name))] = task
        for alias in task.aliases or []:
            plan.task_aliases.setdefault((task.project_id, _cf(alias)), task)
    for member in q.memberships(session=session, project_ids=ids):
        plan.members[(member.user_id, member.project_id)] = member
    plan.last_rate = q.last_rate_change(session=session, worker_ids=[w.id for w in plan.workers.values()])
    return plan


def _budget_key(project_key: str, category: tuple[str, str | None]) -> str:
    key, label = category
    return f"{project_key}|{key if label is None else _cf(label)}"


def _check(rows: list[_Row], plan: _Plan, errors: _Errors, acting_user: User | None, session: Session) -> None:
    """Rules across rows and against the database; marks failing rows."""
    by_kind: dict[str, list[_Row]] = {kind: [r for r in rows if r.kind == kind] for kind in KINDS}
    file_codes = {_cf(r.values["code"]) for r in by_kind["projects"] if "code" in r.values}

    def fail(row: _Row, message: Text, column: Column | None = None, **params: Any) -> None:
        errors.add(row.sheet, row.number, message, column=column, **params)
        row.ok = False

    def first_seen(kind: str, key_of: Callable[[_Row], str | None], shown: Callable[[_Row], str]) -> None:
        seen: dict[str, int] = {}
        for row in by_kind[kind]:
            key = key_of(row)
            if key is None:
                continue
            if key in seen:
                fail(row, _DUPLICATE, other=seen[key], key=_show(shown(row)))
            else:
                seen[key] = row.number

    def project_known(row: _Row) -> bool:
        code = row.values.get("project")
        if code is None:
            return False
        if _cf(code) in file_codes or _cf(code) in plan.projects:
            return True
        fail(row, _UNKNOWN_PROJECT, code=_show(code))
        return False

    # duplicates inside the file
    first_seen("projects", lambda r: _cf(r.values["code"]) if "code" in r.values else None, lambda r: r.values["code"])
    first_seen(
        "budget",
        lambda r: (
            _budget_key(_cf(r.values["project"]), r.values["category"])
            if {"project", "category"} <= r.values.keys()
            else None
        ),
        lambda r: f"{r.values['project']} {r.values['category'][1] or r.values['category'][0]}",
    )
    first_seen(
        "tasks",
        lambda r: (
            f"{_cf(r.values['project'])}|{_cf(r.values['name'])}" if {"project", "name"} <= r.values.keys() else None
        ),
        lambda r: f"{r.values['project']} {r.values['name']}",
    )
    first_seen("workers", lambda r: _cf(r.values["name"]) if "name" in r.values else None, lambda r: r.values["name"])
    first_seen(
        "members",
        lambda r: (
            f"{_cf(r.values['user'])}|{_cf(r.values['project'])}" if {"user", "project"} <= r.values.keys() else None
        ),
        lambda r: f"{r.values['user']} {r.values['project']}",
    )

    for row in by_kind["projects"]:
        if not row.ok:
            continue
        existing = plan.projects.get(_cf(row.values["code"]))
        start = row.values.get("start", existing.start if existing else None)
        finish = row.values.get("finish", existing.finish if existing else None)
        if start and finish and finish < start:
            _finish_before_start(errors, row, "start", "finish")
        mode = row.values.get("overtime_mode", existing.overtime_mode if existing else "folded")
        rate = row.values.get("overtime_rate", existing.overtime_rate if existing else None)
        if mode == "hourly" and rate is None:
            fail(row, _HOURLY_NEEDS_RATE)

    for row in by_kind["budget"]:
        if row.ok:
            project_known(row)

    task_names: dict[str, dict[str, str]] = {}  # project key → casefolded name → name, for every task row
    for row in by_kind["tasks"]:
        if {"project", "name"} <= row.values.keys():
            task_names.setdefault(_cf(row.values["project"]), {})[_cf(row.values["name"])] = row.values["name"]
    for row in by_kind["tasks"]:
        if not row.ok or not project_known(row):
            continue
        if row.values["planned_finish"] < row.values["planned_start"]:
            _finish_before_start(errors, row, "planned_start", "planned_finish")
        predecessor = row.values.get("predecessor")
        if predecessor is None:
            continue
        project_key = _cf(row.values["project"])
        if _cf(predecessor) == _cf(row.values["name"]):
            fail(row, _SELF_PREDECESSOR)
        elif (
            _cf(predecessor) not in task_names.get(project_key, {}) and _db_task(plan, project_key, predecessor) is None
        ):
            fail(row, _UNKNOWN_PREDECESSOR, name=_show(predecessor), code=_show(row.values["project"]))
    _check_cycles(by_kind["tasks"], plan, fail)

    for row in by_kind["workers"]:
        if not row.ok:
            continue
        rate_from = row.values.get("rate_from")
        if rate_from and rate_from > plan.today + timedelta(days=1):
            fail(row, _RATE_FROM_FUTURE, day=rate_from.isoformat())
            continue
        known = plan.workers.get(_cf(row.values["name"]))
        if known is not None and known.daily_rate != row.values["daily_rate"]:
            last = plan.last_rate.get(known.id)
            if last and (rate_from or plan.today) < last:
                fail(row, _RATE_FROM_OLD, day=(rate_from or plan.today).isoformat(), last=last.isoformat())

    users_seen: dict[str, _Row] = {}
    telegram_seen: dict[int, _Row] = {}
    for row in by_kind["members"]:
        if not row.ok or not project_known(row):
            continue
        user_key = _cf(row.values["user"])
        first = users_seen.setdefault(user_key, row)
        for key in ("telegram_id", "language"):
            if key in row.values and key in first.values and first.values[key] != row.values[key]:
                fail(
                    row,
                    _USER_CONFLICT,
                    column=_field("members", key),
                    user=_show(row.values["user"]),
                    other=first.number,
                )
            elif key in row.values:
                first.values.setdefault(key, row.values[key])
        telegram_id = row.values.get("telegram_id")
        if telegram_id is None:
            continue
        other_row = telegram_seen.setdefault(telegram_id, row)
        if _cf(other_row.values["user"]) != user_key:
            fail(row, _TELEGRAM_TWICE, value=telegram_id, user=_show(other_row.values["user"]), other=other_row.number)
        holder = next((u for u in plan.users.values() if u.telegram_id == telegram_id), None)
        if holder is not None and _cf(holder.name) != user_key:
            fail(row, _TELEGRAM_TAKEN, value=telegram_id, other=_show(holder.name))

    if acting_user is not None and not acting_user.is_admin:
        _check_roles(by_kind, plan, acting_user, session, fail)


def _db_task(plan: _Plan, project_key: str, name: str) -> Task | None:
    project = plan.projects.get(project_key)
    if project is None:
        return None
    return plan.tasks.get((project.id, _cf(name))) or plan.task_aliases.get((project.id, _cf(name)))


def _check_cycles(task_rows: list[_Row], plan: _Plan, fail: Callable[..., None]) -> None:
    """Predecessor chains — the file's rows over the database's tasks — must not loop."""
    code_of = {project.id: key for key, project in plan.projects.items()}
    by_id = {task.id: task for task in plan.tasks.values()}
    edges: dict[tuple[str, str], str | None] = {}
    names: dict[tuple[str, str], str] = {}
    for (project_id, key), task in plan.tasks.items():
        predecessor = by_id.get(task.predecessor_id) if task.predecessor_id else None
        edges[(code_of[project_id], key)] = _cf(predecessor.name) if predecessor else None
        names[(code_of[project_id], key)] = task.name
    in_file = {
        (_cf(r.values["project"]), _cf(r.values["name"])) for r in task_rows if {"project", "name"} <= r.values.keys()
    }
    for row in task_rows:
        if not {"project", "name"} <= row.values.keys():
            continue
        node = (_cf(row.values["project"]), _cf(row.values["name"]))
        names[node] = row.values["name"]
        predecessor = row.values.get("predecessor")
        if predecessor is None:
            edges.setdefault(node, None)
        elif (node[0], _cf(predecessor)) in in_file:
            edges[node] = _cf(predecessor)
        else:
            target = _db_task(plan, node[0], predecessor)
            edges[node] = _cf(target.name) if target else None
    for row in task_rows:
        if not row.ok or "predecessor" not in row.values:
            continue
        start = (_cf(row.values["project"]), _cf(row.values["name"]))
        chain, node = [start], start
        while (following := edges.get(node)) is not None:
            node = (start[0], following)
            if node == start:
                fail(row, _CYCLE, chain=" → ".join(_show(names.get(n, n[1])) for n in [*chain, start]))
                break
            if node in chain:
                break  # a loop further up the chain: reported on the rows that form it
            chain.append(node)


def _check_roles(
    by_kind: dict[str, list[_Row]], plan: _Plan, user: User, session: Session, fail: Callable[..., None]
) -> None:
    """A non-administrator may change only projects they manage, and set members only where they are admin."""
    roles = q.roles_of(session=session, user_id=user.id)
    managing = {Role.admin, Role.manager}

    def role_in(code: str) -> Role | None:
        project = plan.projects.get(_cf(code))
        return roles.get(project.id) if project else None

    for row in by_kind["projects"]:
        if not row.ok:
            continue
        if _cf(row.values["code"]) not in plan.projects:
            fail(row, _NOT_ALLOWED, what=_NOT_ALLOWED_WHAT["new_project"], role="global admin")
        elif role_in(row.values["code"]) not in managing:
            fail(row, _NOT_ALLOWED, what=_NOT_ALLOWED_WHAT["project"], role="admin/manager")
    for kind in ("budget", "tasks"):
        for row in by_kind[kind]:
            if row.ok and role_in(row.values["project"]) not in managing:
                fail(row, _NOT_ALLOWED, what=_NOT_ALLOWED_WHAT["project"], role="admin/manager")
    for row in by_kind["members"]:
        if row.ok and role_in(row.values["project"]) is not Role.admin:
            fail(row, _NOT_ALLOWED, what=_NOT_ALLOWED_WHAT["members"], role="admin")
    if by_kind["workers"] and not managing & set(roles.values()):
        for row in by_kind["workers"]:
            if row.ok:
                fail(row, _NOT_ALLOWED, what=_NOT_ALLOWED_WHAT["workers"], role="admin/manager")


# -- writing -----------------------------------------------------------------------------------


class _Writer:
    def __init__(self, session: Session, plan: _Plan, acting_user: User | None) -> None:
        self.session = session
        self.plan = plan
        self.user_id = acting_user.id if acting_user else None
        self.changes: list[audit.Change] = []
        self.created: dict[str, int] = {}
        self.updated: dict[str, int] = {}
        self.unchanged: dict[str, int] = {}
        self.touched: set[int] = set()

    def create(self, kind: str, row: Base) -> None:
        self.session.add(row)
        self.changes.append(audit.created(row))
        self.created[kind] = self.created.get(kind, 0) + 1

    def apply(self, kind: str, row: Base, values: dict[str, Any]) -> bool:
        """Set the values that differ; record the row as updated (or unchanged)."""
        before = audit.snapshot(row)
        changed = {key: value for key, value in values.items() if getattr(row, key) != value}
        if not changed:
            self.unchanged[kind] = self.unchanged.get(kind, 0) + 1
            return False
        for key, value in changed.items():
            setattr(row, key, value)
        self.changes.append(audit.updated(row, before))
        self.updated[kind] = self.updated.get(kind, 0) + 1
        return True

    def project(self, code: str) -> Project:
        return self.plan.projects[_cf(code)]

    def projects(self, rows: list[_Row]) -> None:
        settable = [c.key for c in COLUMNS["projects"] if c.key != "code"]
        for row in rows:
            values = {key: row.values[key] for key in settable if key in row.values}
            if "overtime_mode" in values:
                values["overtime_mode"] = OvertimeMode(values["overtime_mode"])
            existing = self.plan.projects.get(_cf(row.values["code"]))
            if existing is None:
                project = Project(code=row.values["code"], **values)
                self.create("projects", project)
                self.plan.projects[_cf(project.code)] = project
            else:
                project = existing
                self.apply("projects", project, values)
            self.touched.add(project.id)

    def budget(self, rows: list[_Row]) -> None:
        for row in rows:
            project = self.project(row.values["project"])
            category, label = row.values["category"]
            values: dict[str, Any] = {"amount": row.values["amount"]}
            if "policy" in row.values:
                values["policy"] = BudgetPolicy(row.values["policy"])
            line = self.plan.budget.get((project.id, category if label is None else _cf(label)))
            if line is None:
                self.create("budget", BudgetLine(project_id=project.id, category=category, label=label, **values))
            else:
                self.apply("budget", line, values)
            self.touched.add(project.id)

    def workers(self, rows: list[_Row]) -> None:
        for row in rows:
            values: dict[str, Any] = {
                key: row.values[key] for key in ("aliases", "trade", "daily_rate", "phone") if key in row.values
            }
            worker = self.plan.workers.get(_cf(row.values["name"]))
            rate_from = row.values.get("rate_from")
            if worker is None:
                worker = Worker(name=row.values["name"], **values)
                self.create("workers", worker)
                self.create(
                    "rates",
                    RateHistory(
                        worker_id=worker.id, daily_rate=worker.daily_rate, valid_from=rate_from or EARLIEST_RATE
                    ),
                )
                continue
            old_rate = worker.daily_rate
            self.apply("workers", worker, values)
            if old_rate != worker.daily_rate:
                valid_from = rate_from or self.plan.today
                if worker.id not in self.plan.last_rate and valid_from > EARLIEST_RATE:
                    # no history yet: keep the old rate for the days before the change
                    self.create(
                        "rates", RateHistory(worker_id=worker.id, daily_rate=old_rate, valid_from=EARLIEST_RATE)
                    )
                same_day = q.rate_on(session=self.session, worker_id=worker.id, valid_from=valid_from)
                if same_day is None:
                    self.create(
                        "rates", RateHistory(worker_id=worker.id, daily_rate=worker.daily_rate, valid_from=valid_from)
                    )
                else:
                    self.apply("rates", same_day, {"daily_rate": worker.daily_rate})

    def members(self, rows: list[_Row]) -> None:
        for row in rows:
            project = self.project(row.values["project"])
            user = self.plan.users.get(_cf(row.values["user"]))
            values: dict[str, Any] = {key: row.values[key] for key in ("telegram_id", "language") if key in row.values}
            if user is None:
                user = User(name=row.values["user"], **values)
                self.create("users", user)
                self.plan.users[_cf(user.name)] = user
            else:
                self.apply("users", user, values)
            member = self.plan.members.get((user.id, project.id))
            role = Role(row.values["role"])
            if member is None:
                member = Membership(user_id=user.id, project_id=project.id, role=role)
                self.create("members", member)
                self.plan.members[(user.id, project.id)] = member
            else:
                self.apply("members", member, {"role": role})
            self.touched.add(project.id)

    def tasks(self, rows: list[_Row]) -> None:
        made: dict[tuple[int, str], Task] = {}
        for row in _predecessors_first(rows):
            project = self.project(row.values["project"])
            key = (project.id, _cf(row.values["name"]))
            values: dict[str, Any] = {
                k: row.values[k]
                for k in ("planned_start", "planned_finish", "planned_cost", "percent")
                if k in row.values
            }
            if "predecessor" in row.values:
                pred_key = (project.id, _cf(row.values["predecessor"]))
                predecessor = (
                    made.get(pred_key) or self.plan.tasks.get(pred_key) or self.plan.task_aliases.get(pred_key)
                )
                values["predecessor_id"] = predecessor.id if predecessor else None
            task = self.plan.tasks.get(key)
            old_percent = task.percent if task else Decimal(0)
            if task is None:
                task = Task(project_id=project.id, name=row.values["name"], **values)
                self.create("tasks", task)
            else:
                self.apply("tasks", task, values)
            made[key] = task
            if "percent" in row.values and row.values["percent"] != old_percent:
                self.create(
                    "progress",
                    ProgressUpdate(
                        task_id=task.id,
                        reported_on=self.plan.today,
                        percent=row.values["percent"],
                        note="import",
                        created_by=self.user_id,
                    ),
                )
            self.touched.add(project.id)


def _predecessors_first(rows: list[_Row]) -> list[_Row]:
    """Task rows ordered so a predecessor in the file is written before the tasks after it."""
    by_key = {(_cf(r.values["project"]), _cf(r.values["name"])): r for r in rows}
    ordered: list[_Row] = []
    placed: set[int] = set()

    def place(row: _Row, depth: int = 0) -> None:
        if id(row) in placed or depth > len(rows):
            return
        predecessor = row.values.get("predecessor")
        if predecessor is not None:
            before = by_key.get((_cf(row.values["project"]), _cf(predecessor)))
            if before is not None and before is not row:
                place(before, depth + 1)
        placed.add(id(row))
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered


# -- the entry point -----------------------------------------------------------------------------


def import_file(
    session: Session,
    path: str | Path,
    *,
    acting_user: User | None = None,
    today: date | None = None,
    commit: bool = True,
) -> ImportReport:
    """Check every row of an xlsx/csv file, then create or update its rows in one transaction, or write nothing.

    acting_user (a row in this session) is recorded in the audit log and limits what may change; None is the
    operator at the command line, who may change everything.
    """
    path = Path(path)
    today = today or datetime.now(UTC).date()
    report = ImportReport(file=path.name)
    errors = _Errors()
    rows = _read(path, errors)
    plan = _existing(session, rows, today)
    _check(rows, plan, errors, acting_user, session)
    if errors.items:
        session.rollback()
        order = {sheet: index for index, sheet in enumerate(dict.fromkeys(r.sheet.label for r in rows))}
        report.errors = sorted(errors.items, key=lambda e: (order.get(e.sheet or "", -1), e.row or 0))
        return report

    writer = _Writer(session, plan, acting_user)
    try:
        with session.no_autoflush:
            for kind in ("projects", "budget", "workers", "members", "tasks"):
                getattr(writer, kind)([r for r in rows if r.kind == kind])
        report.created, report.updated, report.unchanged = writer.created, writer.updated, writer.unchanged
        if writer.changes:
            project = session.get(Project, next(iter(writer.touched))) if len(writer.touched) == 1 else None
            ctx = Context(
                session=session,
                user=acting_user or User(name="sitebot import"),
                today=today,
                source_text=f"sitebot import {path.name}",
            )
            entry = audit.record(
                ctx, "import", project, writer.changes, f"import {path.name}: " + report.render("en").split(": ", 1)[-1]
            )
            report.audit_id = entry.id
        if commit:
            session.commit()
    except Exception:
        session.rollback()
        log.exception("import of %s failed while writing", path.name)
        report.created, report.updated, report.unchanged, report.audit_id = {}, {}, {}, None
        errors.file(path.name, _WRITE_FAILED)
        report.errors = errors.items
    return report


# -- the template ------------------------------------------------------------------------------

_EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "projects": [
        {
            "code": "EX1",
            "name": "示例项目1号楼",
            "aliases": "示例项目、1号楼",
            "start": date(2026, 1, 5),
            "finish": date(2026, 12, 31),
            "timezone": "Asia/Shanghai",
            "language": "zh",
            "hours_per_day": 8,
            "overtime_mode": "folded",
            "overtime_hours_per_day": 8,
            "cash_floor": 200000,
            "budget_thresholds": "80,100",
        },
        {
            "code": "EX2",
            "name": "Example Warehouse",
            "aliases": "Warehouse",
            "start": date(2026, 3, 1),
            "finish": date(2026, 10, 31),
            "timezone": "Asia/Shanghai",
            "language": "en",
            "hours_per_day": 8,
            "overtime_mode": "hourly",
            "overtime_rate": 45,
            "cash_floor": 50000,
            "budget_thresholds": "50,75,90,100",
        },
    ],
    "budget": [
        {"project": "EX1", "category": "材料费", "amount": 3000000, "policy": "warn"},
        {"project": "EX1", "category": "labor", "amount": 1200000, "policy": "stop"},
        {"project": "EX1", "category": "安全费", "amount": 50000, "policy": "warn"},
        {"project": "EX2", "category": "materials", "amount": 800000},
    ],
    "tasks": [
        {
            "project": "EX1",
            "name": "基础施工",
            "planned_start": date(2026, 1, 5),
            "planned_finish": date(2026, 3, 31),
            "planned_cost": 800000,
            "percent": 100,
        },
        {
            "project": "EX1",
            "name": "主体结构",
            "planned_start": date(2026, 4, 1),
            "planned_finish": date(2026, 8, 31),
            "planned_cost": 2500000,
            "predecessor": "基础施工",
            "percent": 40,
        },
    ],
    "workers": [
        {"name": "示例工人王师傅", "aliases": "老王", "trade": "木工", "daily_rate": 350, "phone": "13800000000"},
        {"name": "Sample Worker", "trade": "carpenter", "daily_rate": 300},
    ],
    "members": [
        {"user": "示例经理", "project": "EX1", "role": "manager", "language": "zh"},
        {"user": "Sample Viewer", "project": "EX2", "role": "viewer", "language": "en"},
    ],
}

_CHOICES = {
    "language": "zh,en",
    "overtime_mode": "folded,hourly",
    "policy": "warn,stop",
    "role": "admin,manager,foreman,finance,viewer",
}
_DATE_KEYS = {"start", "finish", "planned_start", "planned_finish", "rate_from"}
_MONEY_KEYS = {"overtime_rate", "cash_floor", "amount", "planned_cost", "daily_rate"}

_README: list[tuple[str, str]] = [
    ("sitebot 导入模板", "sitebot import template"),
    (
        "每个工作表一类数据；第一行是列名，下面每行一条。示例行会被导入：请改成自己的数据或删掉。",
        "One sheet per kind; the first row holds the column names, each row below is one record. "
        "The example rows are imported too: replace or delete them.",
    ),
    (
        "导入：sitebot import 文件.xlsx。任何一行有问题时什么都不写入，并列出 工作表/行/原因。",
        "Import with: sitebot import FILE.xlsx. If any row has a problem nothing is written and every problem "
        "is listed by sheet, row and reason.",
    ),
    (
        "再次导入同一文件会更新已有记录（按 项目编号；项目+科目；项目+任务名称；工人姓名；用户+项目），不会重复。"
        "空单元格表示不修改。",
        "Importing again updates existing records (by project code; project + category; project + task name; "
        "worker name; user + project) instead of duplicating them. An empty cell leaves the value unchanged.",
    ),
    (
        "日期写 2026-11-25 或 2026/11/25；金额写 1200000、1,200,000 或 120万，最多两位小数。",
        "Dates as 2026-11-25 or 2026/11/25; money as 1200000, 1,200,000 or 120万, at most two decimal places.",
    ),
]


def write_template(path: str | Path) -> Path:
    """Write the import template (xlsx): a README sheet and one sheet per kind with example rows."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    book = openpyxl.Workbook()
    readme = book.active
    assert readme is not None
    readme.title = "README"
    bold = Font(bold=True)
    for zh, en in _README:
        readme.append([zh])
        readme.append([en])
        readme.append([])
    readme["A1"].font = Font(bold=True, size=14)
    for kind in KINDS:
        readme.append([f"{kind} {KIND_LABELS[kind].zh}"])
        readme.cell(readme.max_row, 1).font = bold
        readme.append(["列 column", "必填 required", "说明", "notes"])
        for column in COLUMNS[kind]:
            readme.append([column.header, "✓" if column.required else "", column.help.zh, column.help.en])
        readme.append([])
    readme.column_dimensions["A"].width = 34
    readme.column_dimensions["B"].width = 14
    readme.column_dimensions["C"].width = 60
    readme.column_dimensions["D"].width = 70

    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for kind in KINDS:
        ws = book.create_sheet(kind)
        columns = COLUMNS[kind]
        ws.append([column.header for column in columns])
        for index, column in enumerate(columns, start=1):
            cell = ws.cell(1, index)
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True)
            ws.column_dimensions[get_column_letter(index)].width = max(14, len(column.header) + 6)
        for example in _EXAMPLES[kind]:
            ws.append([example.get(column.key) for column in columns])
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            for row in range(2, ws.max_row + 1):
                cell = ws.cell(row, index)
                if column.key in _DATE_KEYS:
                    cell.number_format = "yyyy-mm-dd"
                elif column.key in _MONEY_KEYS:
                    cell.number_format = "#,##0.00"
                elif column.key in ("telegram_id", "phone", "code", "project"):
                    cell.number_format = "@"
            if column.key in _CHOICES:
                rule = DataValidation(type="list", formula1=f'"{_CHOICES[column.key]}"', allow_blank=True)
                ws.add_data_validation(rule)
                rule.add(f"{letter}2:{letter}1000")
        ws.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
