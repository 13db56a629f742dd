"""Reading xlsx and csv files for the importer: the same cells as openpyxl, within fixed limits.

Speed and memory on hostile files are measured in bench/import_limits.py; these tests check refusals and messages.
"""

from __future__ import annotations

import warnings
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError
from sqlalchemy.orm import Session

from tests.conftest import TODAY
from tests.support.xlsx import TASKS_HEADER, empty_rows, huge_shared_string, inline_row, raw_xlsx
from tools.importer import MAX_COLUMNS, MAX_ROWS, ImportReport, import_file, reading
from tools.importer.reading import FileProblem, read_sheets
from tools.importer.values import Pct


def run(session: Session, path: Path) -> ImportReport:
    return import_file(session, path, today=TODAY)


def refusal(path: Path) -> str:
    with pytest.raises(FileProblem) as caught:
        read_sheets(path)
    return caught.value.message.render("en", **caught.value.params)


def rows_of(path: Path) -> dict[str, list[tuple[int, list[Any]]]]:
    """Each sheet's non-empty rows (the header first), trailing empty cells dropped."""
    return {
        sheet.label: [(n, _trim(v)) for n, v in [(sheet.header_row, sheet.header), *sheet.rows] if n]
        for sheet in read_sheets(path)
    }


def openpyxl_rows(path: Path) -> dict[str, list[tuple[int, list[Any]]]]:
    """The same, read the way the importer read files before it had a reader of its own."""
    found = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in book.worksheets:
            ws.reset_dimensions()
            rows = []
            for number, row in enumerate(ws.iter_rows(min_row=1, max_col=MAX_COLUMNS), start=1):
                values = [
                    Pct(c.value) if "%" in str(c.number_format) and type(c.value) in (int, float) else c.value
                    for c in row
                ]
                if not all(reading.empty(v) for v in values):
                    rows.append((number, _trim(values)))
            found[ws.title] = rows
        book.close()
    return found


def _trim(values: list[Any]) -> list[Any]:
    values = list(values)
    while values and values[-1] is None:
        values.pop()
    return values


# -- the same cells as openpyxl --------------------------------------------------------------------------


def _naive(day: date) -> datetime:
    return datetime.combine(day, time())


CELLS = st.one_of(
    st.none(),
    st.text(max_size=20).filter(lambda s: not s.startswith("=")),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=date(1901, 1, 1), max_value=date(2100, 12, 31)),
    # Excel's dates and times carry no zone: naive datetimes are what a workbook holds.
    st.datetimes(min_value=_naive(date(1901, 1, 1)), max_value=_naive(date(2100, 12, 31))).map(
        lambda d: d.replace(microsecond=0)
    ),
)
FORMATS = st.sampled_from(["General", "0%", "0.00%", "yyyy-mm-dd", "#,##0.00", "@", "h:mm", "[h]:mm"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sheets=st.lists(st.lists(st.lists(st.tuples(CELLS, FORMATS), max_size=8), max_size=8), min_size=1, max_size=3),
    gap=st.integers(0, 3),
)
def test_cells_are_read_as_openpyxl_reads_them(tmp_path: Path, sheets: list[Any], gap: int) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for index, rows in enumerate(sheets):
        ws = book.create_sheet(f"s{index}")
        for r, row in enumerate(rows, start=1 + gap):
            for c, (value, number_format) in enumerate(row, start=1 + gap):
                try:
                    cell = ws.cell(r, c, value)
                except (IllegalCharacterError, ValueError):
                    assume(False)
                cell.number_format = number_format
    path = tmp_path / "cells.xlsx"
    book.save(path)

    assert rows_of(path) == openpyxl_rows(path)


def test_the_template_reads_as_openpyxl_reads_it(tmp_path: Path) -> None:
    from tools.importer import write_template

    path = write_template(tmp_path / "t.xlsx")

    assert rows_of(path) == openpyxl_rows(path)


def test_shared_rich_and_phonetic_strings_styles_and_the_1904_calendar(tmp_path: Path) -> None:
    path = raw_xlsx(
        tmp_path / "excel.xlsx",
        {
            "tasks": (
                b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
                b'<row r="3"><c r="A3" s="1"><v>1</v></c><c r="B3" s="2"><v>0.4</v></c>'
                b'<c r="C3" t="str"><f>A1</f><v>done</v></c><c r="D3" t="b"><v>1</v></c>'
                b'<c r="E3" t="e"><v>#DIV/0!</v></c><c r="F3" t="s"><v>2</v></c></row>'
            )
        },
        shared_strings=(
            b"<si><t>project</t></si>"
            b'<si><r><t>na</t></r><r><rPr><b/></rPr><t xml:space="preserve">me </t></r>'
            b"<rPh sb='0' eb='1'><t>NAME</t></rPh></si>"
            b"<si><t>line_x000D_break and _x005F_x000D_ literal</t></si>"
        ),
        styles=(
            b'<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;\xe5\xb9\xb4&quot;m&quot;'
            b'\xe6\x9c\x88&quot;d&quot;\xe6\x97\xa5&quot;"/></numFmts>'
            b'<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
            b'<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="9"/></cellXfs>'
        ),
        workbook_pr='<workbookPr date1904="1"/>',
    )

    assert rows_of(path) == {
        "tasks": [
            (1, ["project", "name "]),
            (3, [_naive(date(1904, 1, 2)), Pct(0.4), "done", True, "#DIV/0!", "line\rbreak and _x000D_ literal"]),
        ]
    }


def test_tags_with_a_namespace_prefix_are_read(tmp_path: Path) -> None:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (
        f'<?xml version="1.0"?><x:worksheet xmlns:x="{main}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>code</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2"><x:v>7</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    ).encode()

    assert rows_of(raw_xlsx(tmp_path / "x.xlsx", {"projects": sheet})) == {"projects": [(1, ["code"]), (2, [7])]}


def test_time_cells_keep_their_type(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["at", time(7, 30)])
    book.save(tmp_path / "t.xlsx")

    assert rows_of(tmp_path / "t.xlsx") == openpyxl_rows(tmp_path / "t.xlsx") == {"Sheet": [(1, ["at", time(7, 30)])]}


# -- limits: a hostile file is refused before it costs time or memory -----------------------------------


def test_empty_rows_count_towards_the_row_limit(session: Session, tmp_path: Path) -> None:
    full = raw_xlsx(tmp_path / "full.xlsx", {"tasks": [TASKS_HEADER, *empty_rows(MAX_ROWS)]})
    over = raw_xlsx(tmp_path / "over.xlsx", {"tasks": [TASKS_HEADER, *empty_rows(MAX_ROWS + 1)]})

    assert [sheet.header_row for sheet in read_sheets(full)] == [1]
    assert run(session, over).error_lines("en") == [
        "file over.xlsx: sheet tasks has too many rows (at most 20,000 below the header, empty rows included: "
        "delete the unused rows below the data)"
    ]
    assert run(session, over).error_lines("zh") == [
        "文件 over.xlsx：工作表 tasks 的行太多（列名下面最多 20,000 行，空行也算：请删掉数据下面多余的行）"
    ]


def test_a_cell_longer_than_excel_allows_is_refused(tmp_path: Path) -> None:
    sheet = TASKS_HEADER + b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    shared = raw_xlsx(tmp_path / "s.xlsx", {"tasks": sheet}, shared_strings=huge_shared_string(40_000))
    inline = raw_xlsx(tmp_path / "i.xlsx", {"tasks": [TASKS_HEADER, inline_row(2, "x" * 32_768)]})
    exact = raw_xlsx(tmp_path / "e.xlsx", {"tasks": [TASKS_HEADER, inline_row(2, "x" * 32_767)]})

    message = "a cell holds too much text (at most 32,767 characters, as in Excel)"
    assert refusal(shared) == refusal(inline) == message
    assert len(rows_of(exact)["tasks"][1][1][0]) == 32_767


def test_too_many_strings_or_too_much_text_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = raw_xlsx(tmp_path / "s.xlsx", {"tasks": TASKS_HEADER}, shared_strings=b"<si><t>abcdefghij</t></si>" * 11)
    monkeypatch.setattr(reading, "MAX_SHARED_STRINGS", 10)
    assert refusal(path) == "the file holds too many different texts (at most 10)"
    monkeypatch.setattr(reading, "MAX_SHARED_STRINGS", 100)
    monkeypatch.setattr(reading, "MAX_TEXT_CHARS", 105)
    assert refusal(path) == "the file holds too much text (at most 105 characters)"


def test_too_many_cells_in_a_row_or_elements_in_a_workbook_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = raw_xlsx(tmp_path / "c.xlsx", {"tasks": [TASKS_HEADER, b'<row r="2">' + b"<c/>" * 101 + b"</row>"]})
    monkeypatch.setattr(reading, "MAX_CELLS_PER_ROW", 100)
    assert refusal(path) == "sheet tasks row 2 has too many cells (at most 100)"
    monkeypatch.setattr(reading, "MAX_CELLS_PER_ROW", 1000)
    monkeypatch.setattr(reading, "MAX_XML_ELEMENTS", 100)
    assert refusal(path) == "this xlsx holds too much content for an import (at most 100 XML elements)"


def test_zip_bombs_and_crowded_zips_are_refused_before_reading(tmp_path: Path) -> None:
    bomb = raw_xlsx(tmp_path / "bomb.xlsx", {"tasks": TASKS_HEADER}, extra={"xl/media/zeros.bin": bytes(3 << 20)})
    crowded = raw_xlsx(
        tmp_path / "crowded.xlsx", {"tasks": TASKS_HEADER}, extra={f"xl/media/{i}.bin": b"x" for i in range(300)}
    )

    assert zipfile.ZipFile(bomb).getinfo("xl/media/zeros.bin").compress_size < (3 << 20) // 200
    assert refusal(bomb) == (
        "this xlsx unpacks to too much data or compresses suspiciously well (a zip bomb?); it was not read"
    )
    assert refusal(crowded) == (
        "this xlsx holds too many parts (at most 300); it does not look like an ordinary workbook"
    )


def test_a_part_with_a_doctype_is_unreadable(tmp_path: Path) -> None:
    sheet = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'
    )

    assert refusal(raw_xlsx(tmp_path / "d.xlsx", {"tasks": sheet})) == (
        "cannot read this file; it may be damaged or not a real xlsx file"
    )


def test_a_value_beyond_the_last_column_read_is_a_row_error(session: Session, tmp_path: Path) -> None:
    header = ["code", "name", *[None] * (MAX_COLUMNS - 2), "extra"]
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "projects"
    ws.append(header)
    ws.append(["HQ", "总部", *[None] * (MAX_COLUMNS - 2), "lost"])
    book.save(tmp_path / "wide.xlsx")
    csv_path = tmp_path / "wide.csv"
    csv_path.write_text(",".join(str(v or "") for v in header) + "\nHQ,总部" + "," * (MAX_COLUMNS - 1) + "lost\n")

    assert run(session, tmp_path / "wide.xlsx").error_lines("en") == [
        "sheet projects row 1: column BI has a value, but at most 60 columns are read",
        "sheet projects row 2: column BI has a value, but at most 60 columns are read",
    ]
    assert run(session, csv_path).error_lines("zh") == [
        "文件 wide.csv 第 1 行：BI 列有数据，但最多只能有 60 列",
        "文件 wide.csv 第 2 行：BI 列有数据，但最多只能有 60 列",
    ]


# -- csv ----------------------------------------------------------------------------------------------------


def test_csv_empty_lines_count_towards_the_row_limit(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text("name,daily_rate\n" + "\n" * MAX_ROWS + "张三,300\n")

    assert run(session, path).error_lines("en") == [
        "file w.csv: too many rows (at most 20,000 below the header, empty lines included)"
    ]


def test_csv_cells_longer_than_excel_allows_and_overlong_rows_are_refused(session: Session, tmp_path: Path) -> None:
    long_cell = tmp_path / "cell.csv"
    long_cell.write_text("name,daily_rate\n" + "x" * 32_768 + ",300\n")
    long_record = tmp_path / "record.csv"
    long_record.write_text("name,daily_rate\n" + "," * 2_000_000 + "\n")

    assert run(session, long_cell).error_lines("en") == [
        "file cell.csv: row 2 has a cell with too much text (at most 32,767 characters)"
    ]
    assert run(session, long_record).error_lines("en") == [
        "file record.csv: row 2 is too long (at most 1,966,020 characters)"
    ]


def test_csv_with_too_much_text_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.csv"
    path.write_text("name,daily_rate\n" + "张三,300\n" * 20)
    monkeypatch.setattr(reading, "MAX_TEXT_CHARS", 100)

    assert refusal(path) == "the file holds too much text (at most 100 characters)"
