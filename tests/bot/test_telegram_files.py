"""Pictures and files in chat, end to end through the real Application and the fake Bot API: /chart sends a
PNG photo, /export sends an xlsx whose totals equal the database to the cent."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import BudgetLine, CostEntry, LaborEntry, PaymentKind, Project, Worker, WorkerPayment
from tests.bot import test_telegram as base
from tests.bot.test_telegram import FOREMAN_TG, MANAGER_TG, STRANGER_TG, deliver
from tests.support.factories import Factory
from tests.support.fake_telegram import FakeTelegram, document_update, message_update

api, services, app, site = base.api, base.services, base.app, base.site

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CENT = Decimal("0.01")


def _labor(
    session: Session, project: Project, worker: Worker, day: date, days: str, overtime: str, amount: str
) -> None:
    session.add(
        LaborEntry(
            project_id=project.id,
            worker_id=worker.id,
            work_date=day,
            days=Decimal(days),
            overtime_hours=Decimal(overtime),
            daily_rate=worker.daily_rate,
            overtime_amount=Decimal(amount) - Decimal(days) * worker.daily_rate,
            amount=Decimal(amount),
        )
    )


@pytest.fixture
def books(session: Session, site: dict[str, Any], make: Factory) -> dict[str, Any]:
    """November's labour of two workers (odd cents, overtime), one October day, costs and an advance."""
    project, lisi = site["project"], site["worker"]
    wang = make.worker("王五", 320)
    _labor(session, project, lisi, date(2026, 11, 3), "1", "2", "475.01")
    _labor(session, project, lisi, date(2026, 11, 4), "0.5", "0", "190.00")
    _labor(session, project, wang, date(2026, 11, 4), "1", "1.5", "380.33")
    _labor(session, project, wang, date(2026, 10, 30), "1", "0", "320.00")  # not in November
    for day, category, amount in [
        (date(2026, 11, 2), "materials", "8000.07"),
        (date(2026, 11, 20), "machinery", "2800.10"),
        (date(2026, 10, 12), "materials", "0.33"),
    ]:
        session.add(CostEntry(project_id=project.id, category=category, amount=Decimal(amount), entry_date=day))
    session.add(
        WorkerPayment(
            project_id=project.id,
            worker_id=lisi.id,
            kind=PaymentKind.advance,
            amount=Decimal("100.50"),
            paid_on=date(2026, 11, 10),
        )
    )
    session.commit()
    return {"project": project, "lisi": lisi, "wang": wang}


def _document(api: FakeTelegram) -> tuple[str, bytes]:
    [call] = api.calls("sendDocument")
    filename, content = call.files["document"]
    assert filename is not None
    return filename, content


def _total_row(sheet: Any) -> tuple[Any, ...]:
    return next(row for row in sheet.iter_rows(values_only=True) if row[0] in ("合计", "Total"))


# -- charts --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["budget", "scurve", "labor"])
async def test_chart_sends_a_png_photo(
    app: Any, api: FakeTelegram, site: dict[str, Any], books: dict[str, Any], kind: str
) -> None:
    await deliver(app, message_update(1, f"/chart {kind}", user_id=FOREMAN_TG))

    [photo] = api.calls("sendPhoto")
    assert photo.chat_id == FOREMAN_TG
    filename, content = photo.files["photo"]
    assert filename == f"{kind}_SG3_2026-11-25.png"
    assert content.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(content)) as image:
        image.verify()
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG" and image.size == (800, 500)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50  # something is drawn, not an empty canvas
    assert "SG3" in api.sent_texts(FOREMAN_TG)[-1]


async def test_chart_without_a_kind_shows_its_help_and_a_stranger_gets_nothing(
    app: Any, api: FakeTelegram, site: dict[str, Any]
) -> None:
    await deliver(
        app,
        message_update(1, "/chart", user_id=FOREMAN_TG),
        message_update(2, "/chart pie", user_id=FOREMAN_TG),
        message_update(3, "/chart budget SG3", user_id=STRANGER_TG),
    )
    assert all("/chart budget|scurve|labor" in text for text in api.sent_texts(FOREMAN_TG))
    assert api.calls("sendPhoto") == []
    assert "invite" in api.sent_texts(STRANGER_TG)[-1] and "SG3" not in api.sent_texts(STRANGER_TG)[-1]


# -- exports -------------------------------------------------------------------------------------------


async def test_export_labor_is_the_months_summary_and_every_entry_to_the_cent(
    app: Any, api: FakeTelegram, books: dict[str, Any], session: Session
) -> None:
    await deliver(app, message_update(1, "/export labor 2026-11", user_id=FOREMAN_TG))

    filename, content = _document(api)
    assert filename == "labor_SG3_2026-11-01_2026-11-30.xlsx"
    book = load_workbook(io.BytesIO(content))
    summary, entries = book.worksheets
    assert summary.freeze_panes == "A2" and entries.freeze_panes == "A2"
    wages = session.scalar(
        select(func.sum(LaborEntry.amount)).where(
            LaborEntry.work_date >= date(2026, 11, 1), LaborEntry.work_date <= date(2026, 11, 30)
        )
    )
    assert wages == Decimal("1045.34")
    total = _total_row(summary)
    assert Decimal(str(total[4])).quantize(CENT) == wages
    assert Decimal(str(total[2])) == Decimal("2.5") and Decimal(str(total[3])) == Decimal("3.5")
    assert Decimal(str(total[5])).quantize(CENT) == Decimal("100.50")  # the advance
    rows = [r for r in entries.iter_rows(min_row=2, values_only=True) if r[0] not in ("合计", "Total")]
    assert len(rows) == 3 and all(isinstance(r[0], datetime) for r in rows)
    assert [r[0].date() for r in rows] == [date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 4)]
    assert [r[5] for r in rows] == [2, 0, 1.5]  # the overtime column
    assert Decimal(str(sum(r[8] for r in rows))).quantize(CENT) == wages
    assert entries.cell(2, 9).number_format == "#,##0.00" and entries.cell(2, 1).number_format == "yyyy-mm-dd"
    assert isinstance(entries.cell(2, 9).value, float | int)  # numbers as numbers
    assert "¥1,045.34" in api.sent_texts(FOREMAN_TG)[-1]


async def test_export_costs_totals_equal_the_database(
    app: Any, api: FakeTelegram, books: dict[str, Any], session: Session
) -> None:
    await deliver(app, message_update(1, "/export costs", user_id=FOREMAN_TG, language_code="en"))

    _filename, content = _document(api)
    book = load_workbook(io.BytesIO(content))
    sheet, per_category = book.worksheets
    assert sheet.freeze_panes == "A2"
    in_db = session.scalar(select(func.sum(CostEntry.amount)))
    assert in_db == Decimal("10800.50")
    assert Decimal(str(_total_row(sheet)[2])).quantize(CENT) == in_db
    by_category = {r[0]: r[1] for r in per_category.iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(by_category["Materials"])).quantize(CENT) == Decimal("8000.40")

    api.clear()
    await deliver(app, message_update(2, "/export costs 2026-10", user_id=FOREMAN_TG))
    _filename, content = _document(api)
    assert Decimal(str(_total_row(load_workbook(io.BytesIO(content)).worksheets[0])[2])).quantize(CENT) == Decimal(
        "0.33"
    )


async def test_export_budget_totals_equal_the_database(
    app: Any, api: FakeTelegram, books: dict[str, Any], session: Session
) -> None:
    await deliver(app, message_update(1, "/export budget", user_id=MANAGER_TG, language_code="en"))

    _filename, content = _document(api)
    sheet = load_workbook(io.BytesIO(content))["budget"]
    total = _total_row(sheet)
    budget = session.scalar(select(func.sum(BudgetLine.amount)))
    actual = session.scalar(select(func.sum(CostEntry.amount))) + session.scalar(select(func.sum(LaborEntry.amount)))
    assert Decimal(str(total[1])).quantize(CENT) == budget == Decimal("300000.00")
    assert Decimal(str(total[2])).quantize(CENT) == actual == Decimal("12165.84")
    assert sheet.cell(2, 2).number_format == "#,##0.00"
    # every money cell holds what it shows: a forecast (a quotient) is stored to the cent, not as a long float
    for row in sheet.iter_rows(min_row=2, values_only=True):
        for value in (row[1], row[2], row[4], row[5]):
            assert value is None or Decimal(str(value)) == Decimal(str(value)).quantize(CENT), row


async def test_export_statement_of_a_worker_for_a_month(
    app: Any, api: FakeTelegram, books: dict[str, Any], session: Session
) -> None:
    await deliver(app, message_update(1, "/export statement 李四 2026-11", user_id=MANAGER_TG))

    filename, content = _document(api)
    assert filename == "statement_李四_2026-11-01_2026-11-25.xlsx"
    sheet = load_workbook(io.BytesIO(content))["statement"]
    closing = [row for row in sheet.iter_rows(values_only=True) if row[2] in ("期末", "Closing")]
    assert Decimal(str(closing[0][11])).quantize(CENT) == Decimal("475.01") + Decimal("190.00") - Decimal("100.50")

    # the user's language, not the command's English words
    await deliver(app, message_update(2, "/export statement", user_id=MANAGER_TG, language_code="zh-hans"))
    assert api.sent_texts(MANAGER_TG)[-1].startswith("缺少：工人")
    await deliver(app, message_update(3, "/export statement", user_id=MANAGER_TG, language_code="en"))
    assert api.sent_texts(MANAGER_TG)[-1].startswith("Missing: worker")
    await deliver(app, message_update(4, "/export labor 2026-13", user_id=MANAGER_TG, language_code="en"))
    assert "Cannot read month" in api.sent_texts(MANAGER_TG)[-1]


# -- importing a file sent in chat ---------------------------------------------------------------------


async def test_a_manager_imports_a_csv_sent_in_a_private_chat_and_gets_the_row_report(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    content = "project,category,amount\nSG3,machinery,50000.25\nSG3,subcontract,120万\n".encode()
    api.add_file("f1", content)
    await deliver(app, document_update(1, "f1", "预算.csv", len(content), user_id=MANAGER_TG))

    assert [c["file_id"] for c in api.calls("getFile")] == ["f1"]
    assert [c["file_id"] for c in api.calls("downloadFile")] == ["f1"]
    session.rollback()
    lines = {b.category: b.amount for b in session.scalars(select(BudgetLine))}
    assert lines["machinery"] == Decimal("50000.25") and lines["subcontract"] == Decimal("1200000")
    [report] = api.sent_texts(MANAGER_TG)
    assert report.startswith("已导入 预算.csv：预算 新建 2、更新 0")

    # sent again (or redelivered): the same rows are unchanged, nothing doubles
    await deliver(app, document_update(1, "f1", "预算.csv", len(content), user_id=MANAGER_TG))
    assert len(api.sent_texts(MANAGER_TG)) == 1
    session.rollback()
    assert session.scalar(select(func.count(BudgetLine.id))) == 4


async def test_a_file_with_a_bad_row_imports_nothing_and_lists_the_row(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session
) -> None:
    content = b"project,category,amount\nSG3,machinery,50000\nSG3,materials,-5\n"
    api.add_file("f2", content)
    await deliver(app, document_update(1, "f2", "budget.csv", len(content), user_id=MANAGER_TG))

    session.rollback()
    assert session.scalar(select(func.count(BudgetLine.id))) == 2  # the fixture's two lines only
    [report] = api.sent_texts(MANAGER_TG)
    assert "第 3 行" in report or "row 3" in report
    assert base.inbox(session, 1).status == "done"


@pytest.mark.parametrize("telegram_id", [FOREMAN_TG, STRANGER_TG])
async def test_a_file_from_anyone_but_a_manager_or_admin_is_neither_fetched_nor_imported(
    app: Any, api: FakeTelegram, site: dict[str, Any], session: Session, telegram_id: int
) -> None:
    content = b"project,category,amount\nSG3,machinery,50000\n"
    api.add_file("f3", content)
    await deliver(app, document_update(1, "f3", "budget.csv", len(content), user_id=telegram_id))

    assert api.calls("getFile") == [] and api.calls("downloadFile") == []
    session.rollback()
    assert session.scalar(select(func.count(BudgetLine.id))) == 2
    [answer] = api.sent_texts(telegram_id)
    assert "项目经理或管理员" in answer


async def test_a_chart_asked_for_in_words_comes_as_a_photo(
    app: Any, api: FakeTelegram, site: dict[str, Any], books: dict[str, Any]
) -> None:
    await deliver(app, message_update(1, "看一下成本曲线", user_id=FOREMAN_TG))

    [photo] = api.calls("sendPhoto")
    filename, content = photo.files["photo"]
    assert filename == "scurve_SG3_2026-11-25.png" and content.startswith(PNG_SIGNATURE)
