"""tools.xlsx: text written to a workbook stays text, whatever it starts with; numbers stay numbers."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl

from tools.xlsx import append_row, set_cell

RISKY = ['=HYPERLINK("http://x","pay")', "+1", "-2", "@SUM(A1)", "\tTAB", "\rCR", "=1+1"]


def reopened(book: openpyxl.Workbook) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    book.save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_text_that_looks_like_a_formula_is_written_as_quoted_text() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    cells = append_row(sheet, RISKY)
    set_cell(sheet, 2, 1, "=SUM(1,2)")

    sheet = reopened(book).active
    assert sheet is not None

    assert len(cells) == len(RISKY)
    # openpyxl writes a carriage return bare, and XML reads a bare CR back as a line feed.
    written = [value.replace("\r", "\n") for value in RISKY]
    assert [(c.value, c.data_type, c.quotePrefix) for c in sheet[1]] == [(v, "s", True) for v in written]
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("=SUM(1,2)", "s")


def test_numbers_dates_and_plain_text_are_left_alone() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, ["张三", "a=b", 5, -2, 2.5, Decimal("0.10"), date(2026, 11, 25), None])
    append_row(sheet, [])
    append_row(sheet, ["after an empty row"])

    sheet = reopened(book).active
    assert sheet is not None

    row = sheet[1]
    assert [c.value for c in row[:6]] == ["张三", "a=b", 5, -2, 2.5, 0.1]
    assert [c.data_type for c in row[:6]] == ["s", "s", "n", "n", "n", "n"]
    assert not any(c.quotePrefix for c in row)
    assert row[6].is_date and len(row) == 7
    assert sheet["A3"].value == "after an empty row"
