"""The five kinds of rows: their sheets, their columns (each with its value parser), and sheets → parsed rows."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tools.base import Text
from tools.importer.columns import PROJECT_REF as _PROJECT_REF
from tools.importer.columns import Column
from tools.importer.history_columns import HISTORY_COLUMNS, HISTORY_KINDS, HISTORY_SHEET_NAMES, YES_NO, parse_tail
from tools.importer.reading import Sheet, column_letter, empty
from tools.importer.report import KIND_LABELS, Errors
from tools.importer.values import (
    Bad,
    Uncomputed,
    choice_of,
    number_of,
    parse_aliases,
    parse_category,
    parse_code,
    parse_date,
    parse_percent,
    parse_phone,
    parse_telegram_id,
    parse_thresholds,
    parse_timezone,
    show,
    text_of,
)

PLAN_KINDS: tuple[str, ...] = ("projects", "budget", "tasks", "workers", "members")
KINDS: tuple[str, ...] = PLAN_KINDS + HISTORY_KINDS

MAX_AMOUNT = Decimal("10000000000")  # 100亿
MAX_DAILY_RATE = Decimal("100000")

_MISSING = Text("缺少{field}", "{field} is missing")

_UNKNOWN_SHEET = Text(
    "不认识这个工作表（可用：projects 项目、budget 预算、tasks 任务、workers 工人、members 成员、labour 记工、"
    "advances 借支、settlements 结算、costs 成本、funds 资金、progress 进度、opening 期初）",
    "unknown sheet (expected projects, budget, tasks, workers, members, labour, advances, settlements, costs, "
    "funds, progress or opening)",
)
_DUPLICATE_SHEET = Text("与工作表 {other} 是同一类（{kind}）", "holds the same kind ({kind}) as sheet {other}")
_UNKNOWN_COLUMN = Text("不认识的列“{value}”", "unknown column “{value}”")
_TWO_FIELDS = Text("列名“{value}”同时指向两个字段", "column “{value}” names two different fields")
_DUPLICATE_COLUMN = Text("“{value}”这一列重复了", "column “{value}” appears twice")
_MISSING_COLUMN = Text("缺少“{field}”列", "column {field} is missing")
_UNCOMPUTED = Text(
    "{what}：公式没有计算结果：请在 Excel 里打开并保存后再导入",
    "{what}: formula without a computed value: open and save the file in Excel, then import again",
)
_NO_HEADER_CELL = Text("第 {col} 列有数据但没有列名", "column {col} has values but no header")

_EMPTY = Text("文件里没有数据", "the file holds no data")
_CSV_KIND_UNKNOWN = Text(
    "看不出这个 csv 是哪一类数据；请加一列 kind（如 projects、tasks、workers、labour、advances、settlements）",
    "cannot tell which kind of rows this csv holds; add a kind column (e.g. projects, tasks, workers, labour, "
    "advances, settlements)",
)
_CSV_KIND_MIXED = Text(
    "一个 csv 只能放一类数据，kind 列出现了“{value}”和“{other}”",
    "one csv holds one kind; the kind column has both “{value}” and “{other}”",
)
_CSV_KIND_BAD = Text(
    "kind 列的“{value}”不是已知的数据类型（工作表名称）",
    "kind “{value}” is not a kind of rows (a sheet name)",
)

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
            "project",
            "项目编号",
            parse_code,
            Text(
                "这个工人在哪个项目：工价和工种按项目记（空着 = 只改工人名册）",
                "the project the worker is on: rate and trade are the project's (empty: the roster only)",
            ),
            aliases=_PROJECT_REF,
        ),
        Column(
            "id_tail",
            "尾号",
            parse_tail,
            Text("手机或身份证尾号，区分同名的人", "last digits of a phone or ID card, to tell namesakes apart"),
            aliases=("tail", "证件尾号", "手机尾号"),
        ),
        Column(
            "same_person",
            "同一人",
            choice_of(YES_NO, "yes|no"),
            Text(
                "别的项目已有同名工人时必填：是 = 就是那个人，否 = 另一个人",
                "required when a worker of this name exists elsewhere: yes = that person, no = someone else",
            ),
            aliases=("same", "是否同一人"),
        ),
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
            Text(
                "该成员的 Telegram 数字 ID；留空表示本地用户（终端使用，按名字识别）",
                "the member's numeric Telegram id; empty for a local user (terminal, known by name)",
            ),
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

COLUMNS.update(HISTORY_COLUMNS)

_SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "projects": ("project", "projects", "项目", "项目信息", "项目表", "项目列表"),
    "budget": ("budget", "budgets", "budget_lines", "budget_line", "预算", "预算表", "成本预算"),
    "tasks": ("task", "tasks", "schedule", "任务", "任务表", "进度计划", "任务计划"),
    "workers": ("worker", "workers", "工人", "工人表", "花名册", "工人花名册"),
    "members": ("member", "members", "users", "成员", "用户", "项目成员"),
    **HISTORY_SHEET_NAMES,
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


# -- sheets → parsed rows -----------------------------------------------------------------------


@dataclass
class Row:
    kind: str
    sheet: Sheet
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    ok: bool = True


def _map_header(sheet: Sheet, kind: str, errors: Errors | None) -> dict[int, str] | None:
    """Column index → field key; None (with errors) when a column is unknown, doubled or missing."""
    names = {**_IGNORED_LOOKUP, **_COLUMN_LOOKUP[kind], **(_KIND_LOOKUP if sheet.is_csv else {})}
    mapping: dict[int, str] = {}
    bad = False
    for index, cell in enumerate(sheet.header):
        if empty(cell):
            continue
        if isinstance(cell, Uncomputed):
            bad = True
            if errors:
                letter = column_letter(index)
                errors.add(sheet, sheet.header_row, _UNCOMPUTED, what=Text(f"{letter} 列", f"column {letter}"))
            continue
        title = show(cell)
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


def _csv_kind(sheet: Sheet, errors: Errors) -> str | None:
    """A csv's kind: from its kind column (every row the same), else the one kind its header fits."""
    kind_index = next(
        (i for i, cell in enumerate(sheet.header) if not empty(cell) and _lookup(str(cell), _KIND_LOOKUP) == "kind"),
        None,
    )
    if kind_index is not None:
        seen: str | None = None
        for number, values in sheet.rows:
            cell = values[kind_index] if kind_index < len(values) else None
            if empty(cell):
                continue
            kind = _lookup(str(cell), _SHEET_LOOKUP)
            if kind not in KINDS:
                errors.add(sheet, number, _CSV_KIND_BAD, value=show(cell))
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
                if not empty(cell) and _lookup(str(cell), _CANONICAL_LOOKUP[kind]) not in (None, "?")
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
                if not empty(cell) and _lookup(str(cell), _COLUMN_LOOKUP[kind]) not in (None, "?")
            )
            for kind in KINDS
        }
        best = max(scores.values())
        leaders = [kind for kind, score in scores.items() if score == best]
        if best >= 2 and len(leaders) == 1:
            return leaders[0]
    errors.add(sheet, sheet.header_row, _CSV_KIND_UNKNOWN)
    return None


def _parse_rows(sheet: Sheet, kind: str, errors: Errors) -> list[Row]:
    mapping = _map_header(sheet, kind, errors)
    if mapping is None:
        return []
    columns = {column.key: column for column in COLUMNS[kind]}
    parsed: list[Row] = []
    for number, values in sheet.rows:
        row = Row(kind=kind, sheet=sheet, number=number)
        failed: set[str] = set()
        for index, value in enumerate(values):
            if index not in mapping:
                header_cell = sheet.header[index] if index < len(sheet.header) else None
                if not empty(value) and empty(header_cell):
                    errors.add(sheet, number, _NO_HEADER_CELL, col=column_letter(index))
                    row.ok = False
                continue
            key = mapping[index]
            if key in ("kind", "ignore") or empty(value):
                continue
            column = columns[key]
            if isinstance(value, Uncomputed):
                letter = column_letter(index)
                what = Text(f"{letter} 列（{column.zh}）", f"column {letter} ({column.key})")
                errors.add(sheet, number, _UNCOMPUTED, what=what)
                failed.add(key)
                row.ok = False
                continue
            try:
                row.values[key] = column.parse(value)
            except Bad as bad:
                errors.add(sheet, number, bad.message, column=column, **bad.params)
                failed.add(key)
                row.ok = False
        for column in COLUMNS[kind]:
            if column.required and column.key not in row.values and column.key not in failed:
                errors.add(sheet, number, _MISSING, column=column)
                row.ok = False
        parsed.append(row)
    return parsed


def parse_sheets(file_name: str, sheets: list[Sheet], errors: Errors) -> list[Row]:
    """Every row of the file's sheets, parsed cell by cell (rows with a bad cell are marked, not dropped)."""
    rows: list[Row] = []
    kinds_seen: dict[str, Sheet] = {}
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
        for number, message, params in sheet.problems:
            errors.add(sheet, number, message, **params)
        rows += _parse_rows(sheet, kind, errors)
    if not rows and not errors.items:
        errors.file(file_name, _EMPTY)
    return rows
