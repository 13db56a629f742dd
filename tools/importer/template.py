"""The import template: an xlsx with a README sheet and one sheet per kind, with example rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tools.importer.report import KIND_LABELS
from tools.importer.schemas import COLUMNS, KINDS
from tools.xlsx import append_row

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
        {
            "name": "示例工人王师傅",
            "aliases": "老王",
            "trade": "木工",
            "daily_rate": 350,
            "phone": "13800000000",
            "project": "EX1",
            "id_tail": "0000",
        },
        {"name": "Sample Worker", "trade": "carpenter", "daily_rate": 300},
    ],
    "members": [
        {"user": "示例经理", "project": "EX1", "role": "manager", "language": "zh"},
        {"user": "Sample Viewer", "project": "EX2", "role": "viewer", "language": "en"},
    ],
    "labour": [
        {"project": "EX1", "worker": "示例工人王师傅", "date": date(2026, 3, 2), "days": 1, "overtime_hours": 2},
        {"project": "EX1", "worker": "老王", "date": date(2026, 3, 3), "days": 0.5},
    ],
    "advances": [{"project": "EX1", "worker": "示例工人王师傅", "date": date(2026, 3, 5), "amount": 300}],
    "settlements": [{"project": "EX1", "worker": "示例工人王师傅", "date": date(2026, 3, 31), "amount": 200}],
    "costs": [
        {
            "project": "EX1",
            "date": date(2026, 3, 2),
            "category": "材料费",
            "amount": 8000,
            "counterparty": "示例钢材公司",
            "paid": "否",
            "item": "钢筋 2 吨",
        },
        {
            "project": "EX1",
            "date": date(2026, 3, 4),
            "category": "machinery",
            "amount": 1500,
            "counterparty": "示例机械租赁",
            "paid": "是",
            "item": "吊车台班",
        },
    ],
    "funds": [
        {
            "project": "EX1",
            "date": date(2026, 3, 1),
            "direction": "in",
            "amount": 500000,
            "counterparty": "示例建设单位",
            "item": "进度款",
        },
        {
            "project": "EX1",
            "date": date(2026, 3, 10),
            "direction": "out",
            "amount": 5000,
            "counterparty": "示例钢材公司",
            "item": "钢材款",
        },
    ],
    "progress": [
        {
            "project": "EX1",
            "task": "基础施工",
            "date": date(2026, 3, 31),
            "percent": 100,
            "actual_start": date(2026, 1, 6),
            "actual_finish": date(2026, 3, 31),
        },
    ],
    "opening": [
        {"project": "EX1", "date": date(2026, 3, 1), "item": "cash", "amount": 100000},
        {"project": "EX1", "date": date(2026, 3, 1), "item": "wages", "worker": "示例工人王师傅", "amount": 1200},
    ],
}

_CHOICES = {
    "language": "zh,en",
    "overtime_mode": "folded,hourly",
    "policy": "warn,stop",
    "role": "admin,manager,foreman,finance,viewer",
    "same_person": "是,否,yes,no",
    "paid": "是,否,yes,no",
    "planned": "是,否,yes,no",
    "direction": "in,out",
}
_DATE_KEYS = {
    "start",
    "finish",
    "planned_start",
    "planned_finish",
    "rate_from",
    "date",
    "actual_start",
    "actual_finish",
}
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
        "再次导入同一文件会更新已有记录（按 项目编号；项目+科目；项目+任务名称；项目+工人姓名+尾号；用户+项目），"
        "不会重复。空单元格表示不修改。",
        "Importing again updates existing records (by project code; project + category; project + task name; "
        "project + worker name + id tail; user + project) instead of duplicating them. An empty cell leaves the "
        "value unchanged.",
    ),
    (
        "已开工的项目可以带着历史导入：labour 记工、advances 借支、settlements 结算、costs 成本、funds 资金、"
        "progress 进度、opening 期初（未结工资、资金余额）。再次导入同一文件不会重复记账。",
        "A project under way comes with its history: labour, advances, settlements, costs, funds, progress and "
        "opening (wages owed, cash balance). Importing the same file again records nothing twice.",
    ),
    (
        "别的项目已有同名工人时，工人表的“同一人”列要填 是 或 否；那个工人的工价和工种不会被改动。",
        "When a worker of the same name is on another project, fill same_person with yes or no; that worker's "
        "rate and trade are never changed.",
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
        append_row(readme, [zh])
        append_row(readme, [en])
        append_row(readme, [])
    readme["A1"].font = Font(bold=True, size=14)
    for kind in KINDS:
        append_row(readme, [f"{kind} {KIND_LABELS[kind].zh}"])[0].font = bold
        append_row(readme, ["列 column", "必填 required", "说明", "notes"])
        for column in COLUMNS[kind]:
            append_row(readme, [column.header, "✓" if column.required else "", column.help.zh, column.help.en])
        append_row(readme, [])
    readme.column_dimensions["A"].width = 34
    readme.column_dimensions["B"].width = 14
    readme.column_dimensions["C"].width = 60
    readme.column_dimensions["D"].width = 70

    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for kind in KINDS:
        ws = book.create_sheet(kind)
        columns = COLUMNS[kind]
        headers = append_row(ws, [column.header for column in columns])
        for index, (column, cell) in enumerate(zip(columns, headers, strict=True), start=1):
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True)
            ws.column_dimensions[get_column_letter(index)].width = max(14, len(column.header) + 6)
        for example in _EXAMPLES[kind]:
            append_row(ws, [example.get(column.key) for column in columns])
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            for row in range(2, ws.max_row + 1):
                cell = ws.cell(row, index)
                if column.key in _DATE_KEYS:
                    cell.number_format = "yyyy-mm-dd"
                elif column.key in _MONEY_KEYS:
                    cell.number_format = "#,##0.00"
                elif column.key in ("telegram_id", "phone", "code", "project", "id_tail"):
                    cell.number_format = "@"
            if column.key in _CHOICES:
                rule = DataValidation(type="list", formula1=f'"{_CHOICES[column.key]}"', allow_blank=True)
                ws.add_data_validation(rule)
                rule.add(f"{letter}2:{letter}1000")
        ws.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
