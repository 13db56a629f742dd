"""Reading files: an xlsx workbook's sheets or a csv file, as rows of raw cell values."""

from __future__ import annotations

import csv
import io
import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.base import Text
from tools.importer.values import Pct

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000  # per sheet
MAX_COLUMNS = 60

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


class FileProblem(Exception):
    def __init__(self, message: Text, /, **params: Any) -> None:
        super().__init__(message.en)
        self.message = message
        self.params = params


@dataclass
class Sheet:
    label: str  # the sheet name, or the csv file name
    is_csv: bool
    kind: str | None = None
    header_row: int = 0
    header: list[Any] = field(default_factory=list)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _collect(sheet: Sheet, numbered_rows: Iterable[tuple[int, list[Any]]]) -> Sheet:
    for number, values in numbered_rows:
        if all(empty(v) for v in values):
            continue
        if not sheet.header_row:
            sheet.header_row, sheet.header = number, values
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise FileProblem(_TOO_MANY_ROWS, max=MAX_ROWS)
        sheet.rows.append((number, values))
    return sheet


def _cell_value(cell: Any) -> Any:
    value = cell.value
    percent_format = "%" in str(getattr(cell, "number_format", ""))
    if percent_format and isinstance(value, int | float) and not isinstance(value, bool):
        return Pct(value)
    return value


def _read_xlsx(path: Path) -> list[Sheet]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops (styles, extensions)
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # zipfile, XML and openpyxl errors: all mean "not a readable xlsx"
        log.info("unreadable xlsx %s", path, exc_info=True)
        raise FileProblem(_UNREADABLE, kind="xlsx") from None
    sheets: list[Sheet] = []
    try:
        for ws in book.worksheets:
            ws.reset_dimensions()  # some writers store a wrong size; read every row there is
            rows = (
                (number, [_cell_value(cell) for cell in row])
                for number, row in enumerate(ws.iter_rows(min_row=1, max_col=MAX_COLUMNS), start=1)
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sheets.append(_collect(Sheet(label=ws.title, is_csv=False), rows))
    except FileProblem as problem:
        raise FileProblem(problem.message, **problem.params) from None
    except Exception:
        log.info("unreadable xlsx %s", path, exc_info=True)
        raise FileProblem(_UNREADABLE, kind="xlsx") from None
    finally:
        book.close()
    return sheets


def _read_csv(path: Path) -> Sheet:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileProblem(_ENCODING)
    first_line = text.split("\n", 1)[0]
    # The header decides the separator: comma (Excel's "CSV UTF-8"), else tab, else semicolon (European Excel).
    delimiter = next((d for d in ",\t;" if d in first_line), ",")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise FileProblem(_UNREADABLE, kind="csv") from None
    return _collect(
        Sheet(label=path.name, is_csv=True),
        ((number, [cell[:2000] for cell in record[:MAX_COLUMNS]]) for number, record in enumerate(records, start=1)),
    )


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read_sheets(path: Path) -> list[Sheet]:
    """The sheets of an xlsx file, or the one sheet of a csv file; FileProblem when it cannot be read."""
    suffix = path.suffix.casefold()
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        raise FileProblem(_BAD_EXTENSION)
    if not path.is_file():
        raise FileProblem(_NO_FILE)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise FileProblem(_TOO_BIG)
    return [_read_csv(path)] if suffix == ".csv" else _read_xlsx(path)
