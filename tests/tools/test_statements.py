"""The worker statement (对账单 / 工资条): every day, piece work, advance and settlement, and what is owed — to the
cent in the reply and in the printable workbook, across the projects the reader can see."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from storage.models import Project, Role
from tests.support.factories import Factory
from tools import run_tool


@pytest.fixture
def projects(make: Factory) -> tuple[Project, Project]:
    here = make.project(code="SG3", start=date(2026, 6, 1))
    there = make.project(code="BJ", start=date(2026, 6, 1))
    make.worker("张三", 300, projects=[here, there])
    return here, there


def test_a_month_across_projects_adds_up_to_what_is_owed(
    session: Session, make: Factory, projects: tuple[Project, Project]
) -> None:
    here, there = projects
    ctx = make.ctx
    assert run_tool(ctx(project=here), "log_labor", {"worker": "张三", "days": "1", "date": "2026-10-31"}).ok
    assert run_tool(ctx(project=here), "log_labor", {"worker": "张三", "days": "1", "date": "2026-11-02"}).ok
    assert run_tool(
        ctx(project=here), "log_labor", {"worker": "张三", "days": "1", "overtime_hours": "2", "date": "2026-11-03"}
    ).ok
    assert run_tool(ctx(project=there), "log_labor", {"worker": "张三", "days": "0.5", "date": "2026-11-04"}).ok
    assert run_tool(
        ctx(project=here),
        "log_piece_work",
        {"worker": "张三", "item": "贴砖", "quantity": "10", "unit": "平", "unit_price": "35", "date": "2026-11-05"},
    ).ok
    assert run_tool(ctx(project=here), "record_advance", {"worker": "张三", "amount": "500", "date": "2026-11-06"}).ok
    assert run_tool(ctx(project=there), "settle_wages", {"worker": "张三", "amount": "150", "date": "2026-11-07"}).ok

    result = run_tool(
        ctx(), "worker_statement", {"worker": "张三", "start": "2026-11-01", "end": "2026-11-30", "export": True}
    )
    assert result.ok, result.text
    data = result.data
    # opening 300 (10-31); wages 300 + 375 + 150 + 350 = 1175; advances 500; settled 150
    assert (data["opening"], data["wages"], data["piece"]) == (Decimal("300.00"), Decimal("1175.00"), Decimal("350.00"))
    assert (data["advances"], data["settled"], data["closing"]) == (
        Decimal("500.00"),
        Decimal("150.00"),
        Decimal("825.00"),
    )
    assert data["projects"] == ["BJ", "SG3"] and data["end"] == date(2026, 11, 25)  # nothing after today
    assert "11-03（周二） SG3 1 工，加班 2 小时，¥375.00" in result.text
    assert "包工 贴砖 10平 × ¥35.00 = ¥350.00" in result.text
    assert result.text.splitlines()[-1] == "期末未结：¥825.00"

    [sheet_file] = result.attachments
    sheet = load_workbook(io.BytesIO(sheet_file.content)).active
    assert sheet.freeze_panes == "A3"
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][11] == 300 and rows[-1][11] == 825  # opening and closing owed
    earned = sum(Decimal(str(r[9])) for r in rows[1:-1] if r[9] is not None)
    paid = sum(Decimal(str(r[10])) for r in rows[1:-1] if r[10] is not None)
    assert (earned, paid) == (Decimal("1175"), Decimal("650"))
    assert sheet.cell(4, 10).number_format == "#,##0.00"


def test_a_member_of_one_project_sees_only_that_projects_lines(
    session: Session, make: Factory, projects: tuple[Project, Project]
) -> None:
    here, there = projects
    assert run_tool(make.ctx(project=here), "log_labor", {"worker": "张三", "days": "1"}).ok
    assert run_tool(make.ctx(project=there), "log_labor", {"worker": "张三", "days": "0.5", "date": "2026-11-24"}).ok
    foreman = make.user(project=here, role=Role.foreman)
    result = run_tool(make.ctx(foreman), "worker_statement", {"worker": "张三"})
    assert result.ok and result.data["projects"] == ["SG3"]
    assert "BJ" not in result.text and result.data["closing"] == Decimal("300.00")


def test_a_worker_name_with_a_formula_is_text_in_the_workbook(session: Session, make: Factory) -> None:
    site = make.project(code="SG3")
    make.worker("=HYPERLINK(1)", 300, projects=[site])
    assert run_tool(make.ctx(project=site), "log_labor", {"worker": "=HYPERLINK(1)", "days": "1"}).ok
    result = run_tool(make.ctx(project=site), "worker_statement", {"worker": "=HYPERLINK(1)", "export": True})
    sheet = load_workbook(io.BytesIO(result.attachments[0].content)).active
    title = sheet["A1"]
    # the name as typed, kept as text: a string cell with Excel's quote prefix, never a formula
    assert title.data_type == "s" and title.quotePrefix and str(title.value).startswith("=HYPERLINK(1) ")
