"""Writing xlsx cells: text we write (names, trades, anything a user typed) always stays text.

openpyxl stores a str that starts with "=" as a formula, so a worker named =HYPERLINK("http://x","pay") would
become a live link in the exported workbook. Excel also turns text starting with + - @ (or a tab or carriage
return, as spreadsheet injection uses) into a formula once someone edits the cell. Every cell we write goes
through append_row or set_cell: such text is stored as a string cell with Excel's quote prefix (as if typed
'=…), numbers, dates and other text as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _guard(cell: Any) -> Any:
    value = cell.value
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def append_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """Append a row to an openpyxl worksheet; returns its cells (text that looks like a formula stays text)."""
    row = list(values)
    sheet.append(row)
    if not row:
        return []
    return [_guard(sheet.cell(sheet.max_row, column)) for column in range(1, len(row) + 1)]


def set_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Set one cell of an openpyxl worksheet (text that looks like a formula stays text); returns the cell."""
    return _guard(sheet.cell(row, column, value))
