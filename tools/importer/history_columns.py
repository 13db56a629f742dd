"""The columns of the history sheets (a project already under way): labour, advances, settlements, costs, fund
movements, progress reports and opening balances; and the worker-identity parsers the workers sheet shares."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from tools.base import Text
from tools.importer.columns import PROJECT_REF, Column
from tools.importer.values import (
    Bad,
    Pct,
    choice_of,
    number_of,
    parse_category,
    parse_code,
    parse_date,
    parse_percent,
    show,
    text_of,
)

HISTORY_KINDS: tuple[str, ...] = ("labour", "advances", "settlements", "costs", "funds", "progress", "opening")

MAX_AMOUNT = Decimal("10000000000")  # 100亿

_BAD_TAIL = Text(
    "尾号“{value}”应为手机号或身份证号的最后 4 到 8 位（数字，身份证可以 X 结尾）",
    "id tail “{value}” should be the last 4 to 8 digits of a phone or ID-card number (an ID card may end in X)",
)
_TAIL = re.compile(r"[0-9]{3,7}[0-9Xx]", re.ASCII)

YES_NO = {
    "yes": "yes",
    "y": "yes",
    "true": "yes",
    "1": "yes",
    "是": "yes",
    "对": "yes",
    "已付": "yes",
    "已付款": "yes",
    "同一人": "yes",
    "no": "no",
    "n": "no",
    "false": "no",
    "0": "no",
    "否": "no",
    "不是": "no",
    "未付": "no",
    "未付款": "no",
    "挂账": "no",
    "不同人": "no",
}
_DIRECTION_WORDS = {
    "in": "in",
    "inflow": "in",
    "收": "in",
    "收入": "in",
    "收款": "in",
    "流入": "in",
    "out": "out",
    "outflow": "out",
    "付": "out",
    "支出": "out",
    "付款": "out",
    "流出": "out",
}
_OPENING_WORDS = {
    "wages": "wages",
    "wages_owed": "wages",
    "owed": "wages",
    "未结": "wages",
    "未结工资": "wages",
    "欠薪": "wages",
    "cash": "cash",
    "balance": "cash",
    "现金": "cash",
    "资金": "cash",
    "资金余额": "cash",
    "账上余额": "cash",
    "余额": "cash",
}


def parse_tail(value: Any) -> str:
    """The last digits of a phone or ID-card number (4 to 8), to tell two people of one name apart."""
    if isinstance(value, Pct):
        value = value.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "".join(str(value).split())
    if not _TAIL.fullmatch(text):
        raise Bad(_BAD_TAIL, value=show(text))
    return text.upper()


_unsigned = number_of(Decimal(0), MAX_AMOUNT, money=True)


def parse_signed_money(value: Any) -> Decimal:
    """Yuan that may be negative (an overdrawn opening balance): -5000, −5,000, ¥-5000."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        return -_unsigned(-value)
    if isinstance(value, str):
        text = value.strip().replace("−", "-").replace("－", "-")
        if text.startswith("-") or text.startswith("¥-"):
            return -_unsigned(text.replace("-", "", 1))
    return _unsigned(value)


_money = _unsigned
_positive_money = number_of(Decimal(0), MAX_AMOUNT, lo_open=True, money=True)
_days = number_of(Decimal(0), Decimal(3), places=4)
_overtime = number_of(Decimal(0), Decimal(16))
_rate = number_of(Decimal(0), Decimal(100000), lo_open=True, money=True)


def _project() -> Column:
    return Column(
        "project", "项目编号", parse_code, Text("必填；项目编号", "required; project code"), True, PROJECT_REF
    )


def _worker() -> tuple[Column, Column]:
    return (
        Column(
            "worker",
            "工人",
            text_of(100),
            Text("必填；该项目工人表里的姓名或别名", "required; a name (or alias) of a worker on the project"),
            True,
            ("name", "姓名", "工人姓名"),
        ),
        Column(
            "id_tail",
            "尾号",
            parse_tail,
            Text(
                "同一项目有两个同名工人时，用手机或身份证尾号区分", "tells two workers of one name on a project apart"
            ),
            aliases=("tail", "证件尾号", "手机尾号"),
        ),
    )


def _date(help_zh: str = "必填", help_en: str = "required") -> Column:
    return Column("date", "日期", parse_date, Text(help_zh, help_en), True, ("day", "work_date", "日子", "时间"))


def _amount(parse: Any = _positive_money, help_text: Text | None = None) -> Column:
    help_text = help_text or Text("必填；元，大于 0", "required; yuan, above 0")
    return Column("amount", "金额", parse, help_text, True, ("钱", "金额（元）"))


def _payment_columns() -> tuple[Column, ...]:
    return (_project(), *_worker(), _date(), _amount())


HISTORY_COLUMNS: dict[str, tuple[Column, ...]] = {
    "labour": (
        _project(),
        *_worker(),
        _date("必填；干活的日子", "required; the day worked"),
        Column(
            "days",
            "工日",
            _days,
            Text("工日（0–3，半天 0.5），默认 1；只有加班时写 0", "days worked (0–3, half a day 0.5); default 1"),
            aliases=("工", "天数", "工数"),
        ),
        Column(
            "overtime_hours",
            "加班小时",
            _overtime,
            Text("加班小时数（0–16），按项目的加班规则计价", "overtime hours (0–16), paid by the project's rule"),
            aliases=("overtime", "加班", "加班时数"),
        ),
        Column(
            "daily_rate",
            "日工资",
            _rate,
            Text("这一条的日工资；空着用当天生效的工价", "this entry's rate; empty for the rate in force that day"),
            aliases=("rate", "工价", "日薪"),
        ),
    ),
    "advances": _payment_columns(),
    "settlements": _payment_columns(),
    "costs": (
        _project(),
        _date("必填；发生（到货、完成）的日子", "required; when incurred (delivered, certified)"),
        Column(
            "category",
            "成本科目",
            parse_category,
            Text("必填；materials/machinery/subcontract/overhead/labor 或 材料费 等", "required; e.g. materials"),
            True,
            ("科目", "line"),
        ),
        _amount(),
        Column(
            "counterparty",
            "往来单位",
            text_of(200),
            Text("供应商或分包单位；应付记在它名下", "supplier or subcontractor; what is owed is booked to it"),
            aliases=("vendor", "supplier", "供应商", "分包单位", "单位"),
        ),
        Column(
            "paid",
            "已付",
            choice_of(YES_NO, "yes|no"),
            Text("是 = 当场付清（同时记一笔支出）；否或空 = 挂账", "yes = paid on the spot (a payment too); no = owed"),
            aliases=("是否已付", "付款"),
        ),
        Column("item", "摘要", text_of(500), Text("如 钢筋 2 吨", "e.g. rebar 2 t"), aliases=("内容", "品名", "用途")),
    ),
    "funds": (
        _project(),
        _date(),
        Column(
            "direction",
            "收支",
            choice_of(_DIRECTION_WORDS, "in|out"),
            Text("必填；in 收入 或 out 支出", "required; in or out"),
            True,
            ("方向", "收付"),
        ),
        _amount(),
        Column(
            "counterparty",
            "往来单位",
            text_of(200),
            Text(
                "付给谁 / 谁付的；付给供应商的钱冲减它的应付", "who was paid or paid us; a payment reduces what is owed"
            ),
            aliases=("vendor", "payee", "对方", "单位"),
        ),
        Column(
            "planned",
            "计划",
            choice_of(YES_NO, "yes|no"),
            Text("是 = 计划中的付款（算进未来需要，不算余额）", "yes = a planned payment (counts as a need)"),
            aliases=("计划付款",),
        ),
        Column("item", "摘要", text_of(500), Text("如 进度款", "e.g. progress payment"), aliases=("内容", "用途")),
    ),
    "progress": (
        _project(),
        Column("task", "任务", text_of(200), Text("必填；任务名称", "required; task name"), True, ("任务名称", "name")),
        _date("必填；汇报的日子", "required; the day reported"),
        Column(
            "percent",
            "完成百分比",
            parse_percent,
            Text("必填；0 到 100", "required; 0 to 100"),
            True,
            ("progress", "进度", "完成比例"),
        ),
        Column(
            "actual_start",
            "实际开始",
            parse_date,
            Text("任务实际开始的日子", "the day the task actually started"),
            aliases=("实际开工", "started"),
        ),
        Column(
            "actual_finish",
            "实际完成",
            parse_date,
            Text("任务实际完成的日子", "the day the task actually finished"),
            aliases=("实际完工", "finished"),
        ),
    ),
    "opening": (
        _project(),
        _date("必填；期初的日子（之前的账不再导入）", "required; the day the balance is carried over"),
        Column(
            "item",
            "期初类型",
            choice_of(_OPENING_WORDS, "wages|cash"),
            Text(
                "必填；wages 未结工资（每个工人一行）或 cash 资金余额", "required; wages (one row per worker) or cash"
            ),
            True,
            ("期初项目", "balance_of"),
        ),
        Column(
            "worker",
            "工人",
            text_of(100),
            Text("未结工资时必填", "required for wages"),
            aliases=("name", "姓名"),
        ),
        _worker()[1],
        _amount(
            parse_signed_money,
            Text("必填；元；资金余额透支时写负数", "required; yuan; a negative cash balance (overdrawn) as -5000"),
        ),
    ),
}

HISTORY_SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "labour": ("labour", "labor", "labour_entries", "labor_entries", "记工", "点工", "记工记录", "考勤"),
    "advances": ("advances", "advance", "借支", "预支", "借支记录"),
    "settlements": ("settlements", "settlement", "结算", "工资结算", "结算记录"),
    "costs": ("costs", "cost", "cost_entries", "成本", "成本明细", "费用", "费用明细"),
    "funds": ("funds", "fund", "cash", "资金", "资金流水", "收支", "收支明细"),
    "progress": ("progress", "progress_reports", "进度", "进度记录", "进度汇报"),
    "opening": ("opening", "opening_balances", "期初", "期初余额", "期初数"),
}
