"""`sitebot import` / `sitebot template`: all-or-nothing set-up from an xlsx or csv file."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cli import main
from storage.models import (
    AuditLog,
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
from tests.conftest import TODAY
from tests.support.factories import Factory
from tests.support.xlsx import raw_xlsx
from tools.importer import COLUMNS, ImportReport, import_file, write_template
from tools.importer.history_columns import HISTORY_KINDS

TABLES: tuple[type[Base], ...] = (
    Project,
    BudgetLine,
    Task,
    Worker,
    RateHistory,
    User,
    Membership,
    ProgressUpdate,
    AuditLog,
)


def counts(session: Session) -> dict[str, int]:
    session.rollback()  # end the read snapshot: see what other sessions committed
    return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0 for model in TABLES}


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def run(session: Session, path: Path, **kwargs: Any) -> ImportReport:
    return import_file(session, path, today=TODAY, **kwargs)


PROJECTS = [
    ["code 项目编号", "name 项目名称", "start 开工日期", "finish 竣工日期"],
    ["HQ", "总部大楼", date(2026, 1, 1), date(2026, 12, 31)],
]
TASKS_HEADER = ["project", "name", "planned_start", "planned_finish", "planned_cost", "predecessor", "percent"]


# -- the template -----------------------------------------------------------------------------------


def test_template_has_a_readme_and_one_sheet_per_kind_with_bilingual_headers(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["README", "projects", "budget", "tasks", "workers", "members", *HISTORY_KINDS]
    assert HISTORY_KINDS == ("labour", "advances", "settlements", "costs", "funds", "progress", "opening")
    headers = [cell.value for cell in book["projects"][1]]
    assert headers[:3] == ["code 项目编号", "name 项目名称", "aliases 别名"]
    assert headers == [column.header for column in COLUMNS["projects"]]
    assert [c.value for c in book["tasks"][1]][:4] == [
        "project 项目编号",
        "name 任务名称",
        "planned_start 计划开始",
        "planned_finish 计划完成",
    ]
    readme = "\n".join(str(c.value) for row in book["README"].iter_rows() for c in row if c.value)
    assert "budget_thresholds 预算预警线" in readme and "nothing is written" in readme


def test_template_imported_unchanged_creates_the_example_rows(session: Session, tmp_path: Path) -> None:
    report = run(session, write_template(tmp_path / "t.xlsx"))

    assert report.ok, report.render("en")
    assert report.created == {
        "projects": 2,
        "budget": 4,
        "tasks": 2,
        "workers": 2,
        "rates": 2,
        "users": 2,
        "members": 2,
        "progress": 2,  # 主体结构 40 % from the tasks sheet, 基础施工 from the progress sheet (dated, so it wins)
        "assignments": 1,
        "project_rates": 1,
        "labour": 2,
        "advances": 1,
        "settlements": 1,
        "costs": 2,
        "funds": 3,  # two movements and the payment of the cost paid on the spot
        "counterparties": 3,
        "opening": 2,
    }
    ex1 = session.scalars(select(Project).where(Project.code == "EX1")).one()
    assert (ex1.name, ex1.aliases, ex1.start, ex1.finish) == (
        "示例项目1号楼",
        ["示例项目", "1号楼"],
        date(2026, 1, 5),
        date(2026, 12, 31),
    )
    assert ex1.cash_floor == Decimal("200000.00") and ex1.budget_thresholds == [80, 100]
    ex2 = session.scalars(select(Project).where(Project.code == "EX2")).one()
    assert (ex2.language, ex2.overtime_mode, ex2.overtime_rate) == ("en", OvertimeMode.hourly, Decimal("45.00"))
    assert ex2.budget_thresholds == [50, 75, 90, 100]
    lines = {(b.category, b.label, b.amount, b.policy) for b in ex1.budget_lines}
    assert lines == {
        ("materials", None, Decimal("3000000.00"), BudgetPolicy.warn),
        ("labor", None, Decimal("1200000.00"), BudgetPolicy.stop),
        ("安全费", "安全费", Decimal("50000.00"), BudgetPolicy.warn),
    }
    main_task = session.scalars(select(Task).where(Task.name == "主体结构")).one()
    assert main_task.predecessor is not None and main_task.predecessor.name == "基础施工"
    assert main_task.percent == Decimal(40)
    wang = session.scalars(select(Worker).where(Worker.name == "示例工人王师傅")).one()
    assert (wang.trade, wang.daily_rate, wang.aliases) == ("木工", Decimal("350.00"), ["老王"])
    assert [(r.daily_rate, r.valid_from) for r in wang.rates] == [(Decimal("350.00"), date(2000, 1, 1))]
    manager = session.scalars(select(User).where(User.name == "示例经理")).one()
    assert [(m.project.code, m.role) for m in manager.memberships] == [("EX1", Role.manager)]


def test_import_is_audited_as_one_entry_listing_every_row(session: Session, tmp_path: Path) -> None:
    report = run(session, write_template(tmp_path / "t.xlsx"))

    logs = session.scalars(select(AuditLog)).all()
    assert len(logs) == 1 and logs[0].id == report.audit_id
    assert logs[0].tool == "import" and logs[0].source_text == "sitebot import t.xlsx"
    tables = [change["table"] for change in logs[0].changes if change["before"] is None]
    assert tables.count("project") == 2 and tables.count("budget_line") == 4 and tables.count("task") == 2
    # the only row changed after it was created: the task whose progress sheet gave its actual start and finish
    changed = [change for change in logs[0].changes if change["before"] is not None]
    assert [(c["table"], c["after"]["name"], c["after"]["actual_finish"]) for c in changed] == [
        ("task", "基础施工", "2026-03-31")
    ]


def test_reimporting_the_same_file_changes_nothing(session: Session, tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    run(session, path)
    before = counts(session)

    report = run(session, path)

    assert report.ok and report.created == {} and report.updated == {}
    assert report.audit_id is None and counts(session) == before
    assert "nothing to change" in report.render("en")


# -- valid files ----------------------------------------------------------------------------------------


def test_valid_csv_adds_tasks_to_an_existing_project(session: Session, make: Factory, tmp_path: Path) -> None:
    project = make.project(code="SG3")
    make.task(project, "基础施工")
    path = write_csv(
        tmp_path / "tasks.csv",
        [
            TASKS_HEADER,
            ["SG3", "主体结构", "2026/11/25", "2027-03-31", "1,200,000", "基础施工", "10"],
            ["sg3", "砌体工程", "2027年1月5日", "2027-04-30", "120万", "主体结构", ""],
        ],
    )

    report = run(session, path)

    assert report.ok, report.render("en")
    assert report.created == {"tasks": 2, "progress": 1}
    tasks = {t.name: t for t in session.scalars(select(Task).where(Task.project_id == project.id))}
    assert tasks["主体结构"].planned_start == date(2026, 11, 25)
    assert tasks["主体结构"].planned_cost == Decimal("1200000.00")
    assert tasks["主体结构"].predecessor_id == tasks["基础施工"].id
    assert tasks["砌体工程"].planned_start == date(2027, 1, 5) and tasks["砌体工程"].planned_cost == Decimal(1200000)
    assert tasks["砌体工程"].predecessor_id == tasks["主体结构"].id
    assert session.scalars(select(ProgressUpdate.percent)).all() == [Decimal(10)]


def test_csv_kind_comes_from_a_kind_column_when_given(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", [["kind", "name", "daily_rate"], ["workers", "张三", "350"]])

    report = run(session, path)

    assert report.ok and report.created["workers"] == 1


def test_csv_saved_by_chinese_excel_in_gb18030_is_read(session: Session, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "工人.csv", [["姓名", "工种", "日工资"], ["李四", "钢筋工", "¥380"]], encoding="gb18030"
    )

    report = run(session, path)

    assert report.ok, report.render("zh")
    assert session.scalars(select(Worker)).one().daily_rate == Decimal("380.00")


def test_valid_xlsx_with_chinese_sheet_and_column_names(session: Session, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "setup.xlsx",
        {
            "项目": [["项目编号", "项目名称", "加班计算", "加班时薪"], ["BJ", "滨江路市政改造", "按小时", 40]],
            "Budget 预算": [["项目编号", "成本科目", "预算金额", "超支策略"], ["BJ", "材料费", "一百二十万", "禁止"]],
            "工人": [["姓名", "日工资", "电话"], ["Mike Chen", 300, 13800138000]],
            "成员": [["用户名", "telegram_id", "项目编号", "角色"], ["王经理", 123456789, "BJ", "项目经理"]],
        },
    )

    report = run(session, path)

    assert report.ok, report.render("en")
    project = session.scalars(select(Project)).one()
    assert project.overtime_mode == OvertimeMode.hourly and project.overtime_rate == Decimal("40.00")
    assert [(b.category, b.amount, b.policy) for b in project.budget_lines] == [
        ("materials", Decimal("1200000.00"), BudgetPolicy.stop)
    ]
    assert session.scalars(select(Worker)).one().phone == "13800138000"
    user = session.scalars(select(User)).one()
    assert (user.name, user.telegram_id, user.memberships[0].role) == ("王经理", 123456789, Role.manager)


def test_excel_float_cells_stay_exact(session: Session, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        {
            "projects": PROJECTS,
            "budget": [
                ["project", "category", "amount"],
                ["HQ", "labor", 0.1],
                ["HQ", "materials", 1234567.89],
                ["HQ", "machinery", 0.1 + 0.2],
            ],
        },
    )

    report = run(session, path)

    assert report.ok, report.render("en")
    amounts = {b.category: b.amount for b in session.scalars(select(BudgetLine))}
    assert amounts == {"labor": Decimal("0.10"), "materials": Decimal("1234567.89"), "machinery": Decimal("0.30")}


def test_money_with_more_than_two_decimal_places_is_refused(session: Session, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        {"projects": PROJECTS, "budget": [["project", "category", "amount"], ["HQ", "labor", 0.125]]},
    )

    report = run(session, path)

    assert report.error_lines("en") == ["sheet budget row 2: amount has more than 2 decimal places: 0.125"]
    assert counts(session)["project"] == 0


def test_excel_percent_and_date_cells(session: Session, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "tasks"
    ws.append(TASKS_HEADER)
    ws.append(["HQ", "基础", 46292, date(2026, 12, 1), None, None, 0.4])  # 46292 is 2026-09-27 as a serial
    ws["G2"].number_format = "0%"
    projects = book.create_sheet("projects")
    for row in PROJECTS:
        projects.append(row)
    book.save(tmp_path / "p.xlsx")

    report = run(session, tmp_path / "p.xlsx")

    assert report.ok, report.render("en")
    task = session.scalars(select(Task)).one()
    assert (task.planned_start, task.planned_finish, task.percent) == (
        date(2026, 9, 27),
        date(2026, 12, 1),
        Decimal(40),
    )


# -- invalid files: nothing is written ----------------------------------------------------------------------


def test_invalid_row_writes_nothing_and_names_sheet_row_and_reason(session: Session, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        {
            "projects": PROJECTS,
            "tasks": [
                TASKS_HEADER,
                ["HQ", "A", "2026-01-01", "2026-02-01"],
                ["HQ", "B", "2026-02-01", "2026-03-01"],
                ["HQ", "C", "2026-03-01", "2026-04-01"],
                ["HQ", "D", "2026-05-01", "2026-04-01"],
            ],
        },
    )
    before = counts(session)

    report = run(session, path)

    assert not report.ok
    assert report.error_lines("en") == ["sheet tasks row 5: planned_finish before planned_start"]
    assert report.error_lines("zh") == ["工作表 tasks 第 5 行：计划完成早于计划开始"]
    assert counts(session) == before


def test_every_problem_is_reported_in_sheet_and_row_order(session: Session, make: Factory, tmp_path: Path) -> None:
    make.project(code="HQ")
    path = write_csv(
        tmp_path / "tasks.csv",
        [
            TASKS_HEADER,
            ["HQ", "A", "2026/13/01", "2026-02-01", "NaN", "", ""],
            ["HQ", "B", "2026-01-01", "2026-02-01", "0.001", "Z", "101"],
            ["ZZ", "C", "2026-01-01", "2026-02-01", "", "", ""],
            ["HQ", "A", "2026-01-01", "2026-02-01", "", "", ""],
            ["", "E", "", "", "", "", ""],
        ],
    )
    before = counts(session)

    report = run(session, path)

    assert report.error_lines("en") == [
        "file tasks.csv row 2: planned_start should be a date like 2026-11-25 or 2026/11/25, got “2026/13/01”",
        "file tasks.csv row 2: planned_cost should be a number, got “NaN”",
        "file tasks.csv row 3: planned_cost has more than 2 decimal places: 0.001",
        "file tasks.csv row 3: percent must be from 0 to 100, got 101",
        "file tasks.csv row 4: project “ZZ” is neither in the file nor in the database",
        "file tasks.csv row 5: duplicate of row 2 (HQ A)",
        "file tasks.csv row 6: project is missing",
        "file tasks.csv row 6: planned_start is missing",
        "file tasks.csv row 6: planned_finish is missing",
    ]
    assert counts(session) == before


@pytest.mark.parametrize(
    ("sheet", "rows", "reason"),
    [
        (
            "budget",
            [["project", "category", "amount"], ["HQ", "水泥", "100"]],
            "“水泥” is an item of materials; name the category (materials) or a line of the project's own",
        ),
        (
            "budget",
            [["project", "category", "amount"], ["HQ", "materails", "100"]],
            "unknown category “materails”; did you mean materials?",
        ),
        (
            "budget",
            [["project", "category", "amount", "policy"], ["HQ", "labor", "100", "maybe"]],
            "policy must be one of warn|stop, got “maybe”",
        ),
        (
            "budget",
            [["project", "category", "amount"], ["HQ", "labor", "-5"]],
            "amount must be from 0 to 10,000,000,000, got -5",
        ),
        (
            "budget",
            [["project", "category", "amount"], ["HQ", "labor", "Infinity"]],
            "amount should be a number, got “Infinity”",
        ),
        (
            "members",
            [["user", "project", "role"], ["老王", "HQ", "boss"]],
            "role must be one of admin|manager|foreman|finance|viewer, got “boss”",
        ),
        ("workers", [["name", "daily_rate"], ["张三", "0"]], "daily_rate must be above 0 and at most 100,000, got 0"),
        (
            "workers",
            [["name", "daily_rate"], ["张\u200b三", "300"]],
            "name contains invisible or invalid characters: “张\\u200b三”",
        ),
        (
            "workers",
            [["name", "daily_rate", "rate_from"], ["张三", "300", "2026-12-25"]],
            "rate_from 2026-12-25 is in the future",
        ),
        (
            "tasks",
            [TASKS_HEADER, ["HQ", "A", "2026-01-01", "2026-02-01", "", "A", ""]],
            "a task cannot be its own predecessor",
        ),
        (
            "tasks",
            [
                TASKS_HEADER,
                ["HQ", "A", "2026-01-01", "2026-02-01", "", "B", ""],
                ["HQ", "B", "2026-01-01", "2026-02-01", "", "A", ""],
            ],
            "predecessors form a loop: A → B → A",
        ),
    ],
)
def test_bad_values_are_refused_with_their_reason(
    session: Session, tmp_path: Path, sheet: str, rows: list[list[Any]], reason: str
) -> None:
    path = write_xlsx(tmp_path / "bad.xlsx", {"projects": PROJECTS, sheet: rows})
    before = counts(session)

    report = run(session, path)

    assert f"sheet {sheet} row 2: {reason}" in report.error_lines("en")
    assert counts(session) == before


def test_a_formula_saved_without_its_result_is_a_row_error(session: Session, tmp_path: Path) -> None:
    # openpyxl, like other programs that do not calculate, saves the formula alone: <c><f>…</f><v/></c>.
    path = write_xlsx(
        tmp_path / "formula.xlsx",
        {
            "projects": PROJECTS,
            "tasks": [TASKS_HEADER, ["HQ", "A", "2026-01-01", "2026-02-01", "=1000*12", None, None]],
            "workers": [['="name"', "daily_rate"], ["张三", "=300+50"]],
        },
    )
    before = counts(session)

    report = run(session, path)

    assert report.error_lines("zh") == [
        "工作表 workers 第 1 行：A 列：公式没有计算结果：请在 Excel 里打开并保存后再导入",
        "工作表 workers 第 1 行：缺少“姓名”列",
        "工作表 tasks 第 2 行：E 列（计划成本）：公式没有计算结果：请在 Excel 里打开并保存后再导入",
    ]
    report = run(session, write_xlsx(tmp_path / "f2.xlsx", {"workers": [["name", "daily_rate"], ["张三", "=300+50"]]}))
    assert report.error_lines("en") == [
        "sheet workers row 2: column B (daily_rate): formula without a computed value: "
        "open and save the file in Excel, then import again"
    ]
    assert counts(session) == before


def test_a_formula_with_its_result_is_read_as_the_result(session: Session, tmp_path: Path) -> None:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{main}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>daily_rate</t></is></c><c r="C1" t="inlineStr"><is><t>trade</t></is></c></row>'
        '<row r="2"><c r="A2" t="str"><f>"张"&amp;"三"</f><v>张三</v></c><c r="B2"><f>300+50</f><v>350</v></c>'
        '<c r="C2" t="str"><f>""</f><v></v></c></row>'  # a formula whose result is empty text: an empty cell
        "</sheetData></worksheet>"
    ).encode()

    report = run(session, raw_xlsx(tmp_path / "computed.xlsx", {"workers": sheet}))

    assert report.ok, report.render("en")
    worker = session.scalars(select(Worker)).one()
    assert (worker.name, worker.daily_rate, worker.trade) == ("张三", Decimal(350), None)


def test_hourly_overtime_without_a_rate_is_refused(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [["code", "name", "overtime_mode"], ["HQ", "总部", "hourly"]])

    report = run(session, path)

    assert report.error_lines("en") == ["file p.csv row 2: overtime_mode hourly needs an overtime_rate"]


@pytest.mark.parametrize(
    ("sheets", "line"),
    [
        (
            {"projects": PROJECTS, "Sheet1": [["whatever"], [1]]},
            "sheet Sheet1: unknown sheet (expected projects, budget, tasks, workers, members, labour, advances, "
            "settlements, costs, funds, progress or opening)",
        ),
        (
            {"projects": [["code", "name", "colour"], ["HQ", "总部", "red"]]},
            "sheet projects row 1: unknown column “colour”",
        ),
        ({"projects": [["code", "colour"], ["HQ", "red"]]}, "sheet projects row 1: column name is missing"),
        ({"projects": PROJECTS, "项目": PROJECTS}, "sheet 项目: holds the same kind (projects) as sheet projects"),
    ],
)
def test_unknown_sheets_and_columns_are_refused(
    session: Session, tmp_path: Path, sheets: dict[str, Any], line: str
) -> None:
    report = run(session, write_xlsx(tmp_path / "x.xlsx", sheets))

    assert line in report.error_lines("en")
    assert counts(session)["project"] == 0


def test_note_columns_and_empty_sheets_are_ignored(session: Session, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "x.xlsx", {"projects": [[*PROJECTS[0], "备注 notes"], [*PROJECTS[1], "anything"]], "Sheet1": []}
    )

    assert run(session, path).ok


def test_unreadable_or_foreign_files_are_reported_not_raised(session: Session, tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "empty.csv").write_text("\n\n")

    lines = {
        name: run(session, tmp_path / name).error_lines("en")
        for name in ("broken.xlsx", "old.xls", "empty.csv", "missing.csv")
    }

    assert lines == {
        "broken.xlsx": ["file broken.xlsx: cannot read this file; it may be damaged or not a real xlsx file"],
        "old.xls": ["file old.xls: only .xlsx and .csv files can be imported (save an old .xls as .xlsx first)"],
        "empty.csv": ["file empty.csv: the file holds no data"],
        "missing.csv": ["file missing.csv: file not found"],
    }


# -- re-import updates ---------------------------------------------------------------------------------------


def test_reimport_with_changed_values_updates_rows_instead_of_duplicating(session: Session, tmp_path: Path) -> None:
    first = {
        "projects": PROJECTS,
        "budget": [["project", "category", "amount"], ["HQ", "labor", 1000], ["HQ", "安全费", 500]],
        "tasks": [TASKS_HEADER, ["HQ", "A", "2026-01-01", "2026-02-01", 100, None, 0]],
        "members": [["user", "project", "role"], ["老王", "HQ", "viewer"]],
    }
    run(session, write_xlsx(tmp_path / "a.xlsx", first))
    before = counts(session)
    second = {
        "projects": [PROJECTS[0], ["hq", "总部大楼（一期）", date(2026, 1, 1), date(2027, 6, 30)]],
        "budget": [["project", "category", "amount"], ["HQ", "人工费", 2000], ["HQ", "安全费", 500]],
        "tasks": [TASKS_HEADER, ["HQ", "A", "2026-01-01", "2026-03-01", 100, None, 30]],
        "members": [["user", "project", "role"], ["老王", "HQ", "foreman"]],
    }

    report = run(session, write_xlsx(tmp_path / "b.xlsx", second))

    assert report.ok, report.render("en")
    assert report.created == {"progress": 1}
    assert report.updated == {"projects": 1, "budget": 1, "tasks": 1, "members": 1}
    after = counts(session)
    assert after == {**before, "progress_update": before["progress_update"] + 1, "audit_log": 2}
    project = session.scalars(select(Project)).one()
    assert (project.code, project.name, project.finish) == ("HQ", "总部大楼（一期）", date(2027, 6, 30))
    assert {b.category: b.amount for b in project.budget_lines} == {"labor": Decimal(2000), "安全费": Decimal(500)}
    task = session.scalars(select(Task)).one()
    assert (task.planned_finish, task.percent) == (date(2026, 3, 1), Decimal(30))
    assert session.scalars(select(Membership.role)).one() == Role.foreman
    log = session.get(AuditLog, report.audit_id)
    assert log is not None
    project_change = next(c for c in log.changes if c["table"] == "project")
    assert project_change["before"]["name"] == "总部大楼" and project_change["after"]["name"] == "总部大楼（一期）"


def test_worker_rate_change_creates_rate_history_from_rate_from(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    worker = make.worker("张三", 350)
    path = write_csv(
        tmp_path / "w.csv", [["name", "trade", "daily_rate", "rate_from"], ["张三", "木工", "380", "2026-11-01"]]
    )

    report = run(session, path)

    assert report.ok and report.updated == {"workers": 1} and report.created == {"rates": 1}
    session.refresh(worker)
    assert worker.daily_rate == Decimal(380) and worker.trade == "木工"
    assert [(r.valid_from, r.daily_rate) for r in worker.rates] == [
        (date(2000, 1, 1), Decimal(350)),
        (date(2026, 11, 1), Decimal(380)),
    ]


def test_rate_change_without_rate_from_applies_from_today(session: Session, make: Factory, tmp_path: Path) -> None:
    worker = make.worker("张三", 350)

    run(session, write_csv(tmp_path / "w.csv", [["name", "daily_rate"], ["张三", "400"]]))

    session.refresh(worker)
    assert [(r.valid_from, r.daily_rate) for r in worker.rates][-1] == (TODAY, Decimal(400))


def test_rate_change_of_a_worker_without_history_keeps_the_old_rate_for_earlier_days(
    session: Session, tmp_path: Path
) -> None:
    worker = Worker(name="孙七", daily_rate=Decimal(260), aliases=[])
    session.add(worker)
    session.commit()

    run(session, write_csv(tmp_path / "w.csv", [["name", "daily_rate"], ["孙七", "280"]]))

    session.refresh(worker)
    assert [(r.valid_from, r.daily_rate) for r in worker.rates] == [
        (date(2000, 1, 1), Decimal(260)),
        (TODAY, Decimal(280)),
    ]


def test_rate_from_before_the_last_rate_change_is_refused(session: Session, make: Factory, tmp_path: Path) -> None:
    worker = make.worker("张三", 350)
    session.add(RateHistory(worker_id=worker.id, daily_rate=Decimal(360), valid_from=date(2026, 10, 1)))
    session.commit()

    report = run(
        session, write_csv(tmp_path / "w.csv", [["name", "daily_rate", "rate_from"], ["张三", "400", "2026-09-01"]])
    )

    assert report.error_lines("en") == [
        "file w.csv row 2: rate_from 2026-09-01 is before this worker's last rate change on 2026-10-01"
    ]


def test_telegram_id_of_another_user_is_refused(session: Session, make: Factory, tmp_path: Path) -> None:
    make.project(code="HQ")
    make.user("老李", telegram_id=42)

    report = run(
        session,
        write_csv(tmp_path / "m.csv", [["user", "telegram_id", "project", "role"], ["老王", "42", "HQ", "viewer"]]),
    )

    assert report.error_lines("en") == ["file m.csv row 2: telegram_id 42 already belongs to user 老李"]


MEMBERS_HEADER = ["user", "telegram_id", "project", "role"]


def memberships_of(session: Session, user: User) -> list[tuple[str, Role]]:
    session.expire_all()
    return [(m.project.code, m.role) for m in session.scalars(select(Membership).where(Membership.user_id == user.id))]


def test_a_member_without_telegram_id_is_a_local_user_never_a_telegram_account_of_that_name(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    make.project(code="HQ")
    telegram_account = make.user("张工", telegram_id=42)

    report = run(session, write_csv(tmp_path / "m.csv", [MEMBERS_HEADER, ["张工", "", "HQ", "foreman"]]))

    assert report.ok, report.render("en")
    assert report.created == {"users": 1, "members": 1}
    local = session.scalars(select(User).where(User.name == "张工", User.telegram_id.is_(None))).one()
    assert memberships_of(session, local) == [("HQ", Role.foreman)]
    assert memberships_of(session, telegram_account) == []


def test_a_member_with_telegram_id_is_that_account_never_a_local_user_of_that_name(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    make.project(code="HQ")
    local = make.user("老王")
    telegram_account = make.user("张工", telegram_id=42)

    report = run(
        session,
        write_csv(
            tmp_path / "m.csv", [MEMBERS_HEADER, ["老王", "77", "HQ", "viewer"], ["张工", "42", "HQ", "finance"]]
        ),
    )

    assert report.ok, report.render("en")
    session.refresh(local)
    assert local.telegram_id is None and memberships_of(session, local) == []
    new_account = session.scalars(select(User).where(User.telegram_id == 77)).one()
    assert new_account.name == "老王" and memberships_of(session, new_account) == [("HQ", Role.viewer)]
    assert memberships_of(session, telegram_account) == [("HQ", Role.finance)]


def test_one_name_with_and_without_telegram_id_in_a_file_is_refused(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    make.project(code="HQ")
    make.project(code="BJ")
    rows = [MEMBERS_HEADER, ["老王", "77", "HQ", "viewer"], ["老王", "", "BJ", "viewer"]]

    report = run(session, write_csv(tmp_path / "m.csv", rows))

    assert report.error_lines("en") == ["file m.csv row 3: telegram_id of user 老王 differs from row 2"]


def test_the_local_administrator_is_named_only_exactly(session: Session, make: Factory, tmp_path: Path) -> None:
    make.project(code="HQ")
    admin = make.admin()

    near = run(session, write_csv(tmp_path / "near.csv", [MEMBERS_HEADER, ["Admin", "", "HQ", "viewer"]]))
    exact = run(session, write_csv(tmp_path / "exact.csv", [MEMBERS_HEADER, ["admin", "", "HQ", "manager"]]))

    assert near.error_lines("en") == [
        "file near.csv row 2: “Admin” differs from the local administrator “admin” only in case or spaces: "
        "write admin to change the administrator, or use another name"
    ]
    assert exact.ok, exact.render("en")
    assert memberships_of(session, admin) == [("HQ", Role.manager)]
    assert session.scalar(select(func.count()).select_from(User)) == 1


def test_an_importer_who_is_not_an_administrator_cannot_touch_administrators(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    project = make.project(code="HQ")
    local_admin = make.admin()
    global_admin = make.user("老板", telegram_id=1, is_admin=True)
    project_admin = make.user("项目管理员", telegram_id=2, project=project, role="admin")

    refused = run(
        session,
        write_csv(tmp_path / "m.csv", [MEMBERS_HEADER, ["admin", "", "HQ", "viewer"], ["老板", "1", "HQ", "viewer"]]),
        acting_user=project_admin,
    )
    # A Telegram id on a row named "admin" makes a Telegram account of that name, never the local administrator.
    allowed = run(
        session,
        write_csv(tmp_path / "n.csv", [MEMBERS_HEADER, ["admin", "999", "HQ", "viewer"]]),
        acting_user=project_admin,
    )

    assert refused.error_lines("en") == [
        "file m.csv row 2: not allowed: changing an administrator needs role global admin",
        "file m.csv row 3: not allowed: changing an administrator needs role global admin",
    ]
    assert allowed.ok, allowed.render("en")
    session.refresh(local_admin)
    assert local_admin.telegram_id is None and memberships_of(session, local_admin) == []
    assert memberships_of(session, global_admin) == []
    stranger = session.scalars(select(User).where(User.telegram_id == 999)).one()
    assert (stranger.name, stranger.is_admin) == ("admin", False)


def test_a_manager_may_update_their_project_but_not_create_one(session: Session, make: Factory, tmp_path: Path) -> None:
    project = make.project(code="HQ", name="旧名")
    manager = make.user("经理", project=project, role="manager")
    path = write_csv(tmp_path / "p.csv", [["code", "name"], ["HQ", "新名"], ["NEW", "新项目"]])

    refused = run(session, path, acting_user=manager)

    assert refused.error_lines("en") == ["file p.csv row 3: not allowed: creating a project needs role global admin"]
    allowed = run(session, write_csv(tmp_path / "q.csv", [["code", "name"], ["HQ", "新名"]]), acting_user=manager)
    assert allowed.ok
    session.refresh(project)
    log = session.get(AuditLog, allowed.audit_id)
    assert project.name == "新名" and log is not None and log.user_id == manager.id


# -- junk never crashes and never writes ----------------------------------------------------------------------

JUNK = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(
        [
            "NaN",
            "nan",
            "Infinity",
            "-Infinity",
            "inf",
            "1e309",
            "-0",
            "1E+400",
            "0.000000001",
            "'; DROP TABLE project;--",
            "1; DELETE FROM worker",
            '" OR 1=1 --',
            "١٢٣",
            "１２０万",
            "9" * 400,
            "2026-02-30",
            "0000-00-00",
            "\x00",
            "\u202e12",
            "DROP TABLE task",
            "=1+1",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
WORKER_HEADER = ["name", "aliases", "trade", "daily_rate", "phone", "rate_from"]
WORKER_ROW = ["赵六", "小赵", "电工", "400", "13900000000", "2026-11-01"]


def _check_junk_outcome(session: Session, report: ImportReport, before: dict[str, int]) -> None:
    after = counts(session)
    event("accepted" if report.ok else "refused")
    if not report.ok:
        assert after == before, report.render("en")
        return
    for worker in session.scalars(select(Worker)):
        assert worker.daily_rate.is_finite() and 0 < worker.daily_rate <= 100000
        assert worker.daily_rate == worker.daily_rate.quantize(Decimal("0.01"))
        assert all(ch.isprintable() for ch in worker.name + (worker.trade or "") + (worker.phone or ""))
    assert session.scalar(select(func.count()).select_from(Project)) == before["project"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.integers(0, len(WORKER_HEADER) - 1), junk=JUNK)
def test_junk_in_a_csv_cell_never_crashes_nor_writes_an_invalid_row(
    session: Session, tmp_path: Path, column: int, junk: str
) -> None:
    row = list(WORKER_ROW)
    row[column] = junk
    path = write_csv(tmp_path / "workers.csv", [WORKER_HEADER, row])
    before = counts(session)

    report = run(session, path)

    _check_junk_outcome(session, report, before)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    column=st.integers(0, len(WORKER_HEADER) - 1),
    junk=st.one_of(
        JUNK, st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**20), 10**20), st.booleans(), st.dates()
    ),
)
def test_junk_in_an_xlsx_cell_never_crashes_nor_writes_an_invalid_row(
    session: Session, tmp_path: Path, column: int, junk: Any
) -> None:
    row: list[Any] = list(WORKER_ROW)
    row[column] = junk
    try:
        path = write_xlsx(tmp_path / "workers.xlsx", {"workers": [WORKER_HEADER, row]})
    except (IllegalCharacterError, ValueError, TypeError):
        assume(False)  # openpyxl cannot even store this value
    before = counts(session)

    report = run(session, path)

    _check_junk_outcome(session, report, before)


# -- the command line -----------------------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SITEBOT_DATABASE_URL", url)
    return url


def _projects_in(url: str) -> list[str]:
    from storage.db import make_engine, make_session_factory

    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(Project.code).order_by(Project.code)))
    finally:
        engine.dispose()


def test_cli_template_then_import_creates_the_examples(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "setup.xlsx"

    assert main(["template", str(path)]) == 0
    assert capsys.readouterr().out.strip() == str(path.resolve())
    assert main(["import", str(path)]) == 0

    out = capsys.readouterr().out
    assert "Imported setup.xlsx: projects 2 created, 0 updated" in out and "已导入 setup.xlsx" in out
    assert _projects_in(cli_db) == ["EX1", "EX2"]


def test_cli_template_does_not_overwrite_a_file(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.xlsx"
    path.write_bytes(b"my data")

    assert main(["template", str(path)]) == 1

    assert path.read_bytes() == b"my data" and "already exists" in capsys.readouterr().err


def test_cli_import_of_an_invalid_file_exits_1_with_the_row_errors(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(
        tmp_path / "projects.csv", [["code", "name", "start", "finish"], ["HQ", "总部", "2026-05-01", "2026-04-01"]]
    )

    assert main(["import", str(path)]) == 1

    err = capsys.readouterr().err
    assert "file projects.csv row 2: finish before start" in err
    assert "文件 projects.csv 第 2 行：竣工日期早于开工日期" in err
    assert _projects_in(cli_db) == []
