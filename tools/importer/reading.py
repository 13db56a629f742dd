"""Reading files: an xlsx workbook's sheets or a csv file, as rows of raw cell values, within fixed limits.

An upload is hostile until read: a 1 MB xlsx can unpack to millions of empty rows or one string of tens of
millions of characters. So nothing here reads a whole part into memory: the zip's directory is checked first
(entries, sizes, compression ratio), then each part is streamed through expat in small chunks while every row,
cell, XML element and character is counted, and reading stops at the first limit passed. Memory and time are
bounded by the limits below, whatever the file says about itself.

The cells are read here, in the same pass, rather than by openpyxl after a pre-scan: openpyxl's data_only
mode gives None both for an empty cell and for a formula saved without its result, so a pre-scan would have
to look at every cell anyway; openpyxl also parses styles, the workbook and the shared strings as whole
documents, which would need limits of their own; and one parser cannot disagree with itself about what a
file holds. openpyxl's own helpers still convert serial dates and classify number formats.
"""

from __future__ import annotations

import csv
import logging
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from tools.base import Text
from tools.importer.values import UNCOMPUTED, Pct

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000  # per sheet below the header, counting every row element (xlsx) or record (csv), empty ones too
MAX_COLUMNS = 60  # columns read; a value further right is a row error
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_TEXT_CHARS = 10_000_000  # all text in a file: shared and inline strings, or a csv
MAX_SHARED_STRINGS = 200_000
MAX_CELLS_PER_ROW = 16_384
_EXCEL_COLUMNS = 16_384  # Excel's last column is XFD
MAX_XML_ELEMENTS = 3_000_000  # across every part read; bounds the time a workbook can take
MAX_ZIP_ENTRIES = 300
MAX_PART_BYTES = 64 * 1024 * 1024  # one part, unpacked
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # every part together, unpacked
MAX_RATIO = 200  # unpacked / packed, for a part above RATIO_FLOOR: ordinary sheets compress 5-50 times
RATIO_FLOOR = 1024 * 1024
MAX_STYLES = 65_536
MAX_SHEETS = 100
_CHUNK = 64 * 1024

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
_TOO_MANY_ROWS = Text(
    "工作表 {sheet} 的行太多（列名下面最多 {max} 行，空行也算：请删掉数据下面多余的行）",
    "sheet {sheet} has too many rows (at most {max} below the header, empty rows included: "
    "delete the unused rows below the data)",
)
_CSV_TOO_MANY_ROWS = Text(
    "行太多（列名下面最多 {max} 行，空行也算）", "too many rows (at most {max} below the header, empty lines included)"
)
_TOO_MANY_CELLS = Text(
    "工作表 {sheet} 第 {row} 行的单元格太多（最多 {max} 个）",
    "sheet {sheet} row {row} has too many cells (at most {max})",
)
_CELL_TOO_LONG = Text(
    "有一个单元格的文字太长（最多 {max} 个字符，与 Excel 相同）",
    "a cell holds too much text (at most {max} characters, as in Excel)",
)
_CSV_CELL_TOO_LONG = Text(
    "第 {row} 行有一个单元格的文字太长（最多 {max} 个字符）",
    "row {row} has a cell with too much text (at most {max} characters)",
)
_CSV_ROW_TOO_LONG = Text("第 {row} 行太长（最多 {max} 个字符）", "row {row} is too long (at most {max} characters)")
_TOO_MANY_STRINGS = Text(
    "文件里不同的文字太多（最多 {max} 个）", "the file holds too many different texts (at most {max})"
)
_TOO_MUCH_TEXT = Text(
    "文件里的文字太多（最多 {max} 个字符）", "the file holds too much text (at most {max} characters)"
)
_TOO_MUCH_CONTENT = Text(
    "这个 xlsx 的内容太多，不像是导入用的表格（最多 {max} 个 XML 元素）",
    "this xlsx holds too much content for an import (at most {max} XML elements)",
)
_TOO_MANY_PARTS = Text(
    "这个 xlsx 里的部件太多（最多 {max} 个），不像是普通的表格",
    "this xlsx holds too many parts (at most {max}); it does not look like an ordinary workbook",
)
_UNPACKS_TOO_BIG = Text(
    "这个 xlsx 解压后太大或压缩比异常（可能是压缩炸弹），没有读取",
    "this xlsx unpacks to too much data or compresses suspiciously well (a zip bomb?); it was not read",
)
_TOO_MANY_SHEETS = Text("工作表太多（最多 {max} 个）", "too many sheets (at most {max})")
_BEYOND_COLUMNS = Text(
    "{col} 列有数据，但最多只能有 {max} 列", "column {col} has a value, but at most {max} columns are read"
)


class FileProblem(Exception):
    """The whole file cannot be read: a translated message and its parameters."""

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
    problems: list[tuple[int, Text, dict[str, Any]]] = field(default_factory=list)  # (row, message, params)

    def add(self, number: int, values: list[Any]) -> None:
        """Keep a row that has a value: the first one is the header."""
        if all(empty(v) for v in values):
            return
        if not self.header_row:
            self.header_row, self.header = number, values
        else:
            self.rows.append((number, values))

    def beyond(self, number: int, index: int) -> None:
        self.problems.append((number, _BEYOND_COLUMNS, {"col": column_letter(index), "max": MAX_COLUMNS}))


def empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def column_letter(index: int) -> str:
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


# -- csv -----------------------------------------------------------------------------------------


def _read_csv(path: Path) -> Sheet:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return _read_csv_as(path, encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(_ENCODING)


def _read_csv_as(path: Path, encoding: str) -> Sheet:
    sheet = Sheet(label=path.name, is_csv=True)
    with path.open(encoding=encoding, newline="") as handle:
        first = handle.readline(MAX_CELL_CHARS * MAX_COLUMNS)
        # The header decides the separator: comma (Excel's "CSV UTF-8"), else tab, else semicolon (European Excel).
        delimiter = next((d for d in ",\t;" if d in first), ",")
        lines = _CsvLines(first, handle)
        try:
            for number, record in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
                if number > MAX_ROWS + 1:
                    raise FileProblem(_CSV_TOO_MANY_ROWS, max=f"{MAX_ROWS:,}")
                lines.record_done()
                if any(len(cell) > MAX_CELL_CHARS for cell in record):
                    raise FileProblem(_CSV_CELL_TOO_LONG, row=number, max=f"{MAX_CELL_CHARS:,}")
                wide = next((i for i in range(MAX_COLUMNS, len(record)) if not empty(record[i])), None)
                if wide is not None:
                    sheet.beyond(number, wide)
                sheet.add(number, record[:MAX_COLUMNS])
        except csv.Error:
            raise FileProblem(_UNREADABLE, kind="csv") from None
    return sheet


class _CsvLines:
    """The csv's lines for csv.reader, refusing a file or a record (quoted line breaks) that is too long."""

    MAX_RECORD_CHARS = MAX_CELL_CHARS * MAX_COLUMNS

    def __init__(self, first: str, rest: TextIO) -> None:
        self.first: str | None = first
        self.rest = rest
        self.total = 0
        self.in_record = 0
        self.records = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.first is not None:
            line, self.first = self.first, None
        else:
            line = self.rest.readline(self.MAX_RECORD_CHARS + 1)
        if not line:
            raise StopIteration
        self.total += len(line)
        self.in_record += len(line)
        if self.total > MAX_TEXT_CHARS:
            raise FileProblem(_TOO_MUCH_TEXT, max=f"{MAX_TEXT_CHARS:,}")
        if self.in_record > self.MAX_RECORD_CHARS:
            raise FileProblem(_CSV_ROW_TOO_LONG, row=self.records + 1, max=f"{self.MAX_RECORD_CHARS:,}")
        return line

    def record_done(self) -> None:
        self.in_record = 0
        self.records += 1


# -- xlsx ----------------------------------------------------------------------------------------


class _Budget:
    """What a workbook may still spend, across all its parts: unpacked bytes, XML elements, characters."""

    def __init__(self) -> None:
        self.bytes = MAX_UNPACKED_BYTES
        self.elements = MAX_XML_ELEMENTS
        self.chars = MAX_TEXT_CHARS

    def spend_chars(self, n: int) -> None:
        self.chars -= n
        if self.chars < 0:
            raise FileProblem(_TOO_MUCH_TEXT, max=f"{MAX_TEXT_CHARS:,}")


def _unreadable() -> FileProblem:
    return FileProblem(_UNREADABLE, kind="xlsx")


def _read_xlsx(path: Path) -> list[Sheet]:
    try:
        with zipfile.ZipFile(path) as archive:
            return _Workbook(archive).sheets()
    except FileProblem:
        raise
    except (zipfile.BadZipFile, expat.ExpatError, OSError, EOFError, ValueError, LookupError, NotImplementedError):
        log.info("unreadable xlsx %s", path, exc_info=True)
        raise _unreadable() from None


_RELS_TYPE = "/relationships/"
_STRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Characters XML cannot hold, as Excel writes them in strings: _x000D_; _x005F_ is a literal underscore."""
    if "_x" not in text:
        return text
    return _STRING_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)


class _Workbook:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.budget = _Budget()
        self.names = self._check_directory()
        self.strings: list[str] = []
        self.formats: list[tuple[bool, bool, bool]] = []  # per cell style: (date, time span, percent)
        self.date1904 = False

    def _check_directory(self) -> set[str]:
        """Refuse a zip with too many entries, entries too large, or compressed like a zip bomb."""
        infos = self.archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise FileProblem(_TOO_MANY_PARTS, max=MAX_ZIP_ENTRIES)
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if (
                info.file_size > MAX_PART_BYTES
                or total > MAX_UNPACKED_BYTES
                or (info.file_size > RATIO_FLOOR and ratio > MAX_RATIO)
            ):
                raise FileProblem(_UNPACKS_TOO_BIG)
        return {info.filename for info in infos}

    def _parse(self, name: str, handler: _Handler) -> None:
        """Stream one part through expat, in small chunks; the handler and the budget stop it at any limit."""
        parser = expat.ParserCreate()
        parser.buffer_text = True  # text arrives in pieces of at most 8 KB, so a long one is refused early

        def no_doctype(*_: Any) -> None:
            raise _unreadable()  # no xlsx part has a DTD; refusing one rules out entity expansion

        parser.StartDoctypeDeclHandler = no_doctype
        parser.EntityDeclHandler = no_doctype
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.data
        read = 0
        with self.archive.open(name) as part:
            while chunk := part.read(_CHUNK):
                read += len(chunk)
                self.budget.bytes -= len(chunk)
                if read > MAX_PART_BYTES or self.budget.bytes < 0:
                    raise FileProblem(_UNPACKS_TOO_BIG)
                parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id → (type, the target's name in the zip)."""
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if rels_name not in self.names:
            return {}
        handler = _RelsHandler(self.budget)
        self._parse(rels_name, handler)
        found = {}
        for rel_id, kind, target in handler.rels:
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found[rel_id] = (kind.rpartition(_RELS_TYPE)[2] or kind.rpartition("/")[2], name)
        return found

    def sheets(self) -> list[Sheet]:
        office = [target for kind, target in self._rels("").values() if kind == "officeDocument"]
        book = office[0] if office else "xl/workbook.xml"
        if book not in self.names:
            raise _unreadable()
        rels = self._rels(book)
        workbook = _WorkbookHandler(self.budget)
        self._parse(book, workbook)
        self.date1904 = workbook.date1904
        for kind, target in rels.values():
            if kind == "styles" and target in self.names:
                self._read_styles(target)
        for kind, target in rels.values():
            if kind == "sharedStrings" and target in self.names:
                strings = _StringsHandler(self.budget)
                self._parse(target, strings)
                self.strings = strings.strings
        sheets = []
        for title, rel_id in workbook.sheets:
            kind, target = rels.get(rel_id, ("", ""))
            if kind != "worksheet" or target not in self.names:
                continue  # chart and dialog sheets hold no rows; a missing part is skipped as openpyxl does
            sheet = Sheet(label=title, is_csv=False)
            self._parse(target, _SheetHandler(self, sheet))
            sheets.append(sheet)
        return sheets

    def _read_styles(self, name: str) -> None:
        styles = _StylesHandler(self.budget)
        self._parse(name, styles)
        kinds: dict[int, tuple[bool, bool, bool]] = {}
        for format_id in set(styles.xf_formats):
            code = styles.custom.get(format_id, BUILTIN_FORMATS.get(format_id, "General"))
            kinds[format_id] = (is_date_format(code), is_timedelta_format(code), "%" in code)
        self.formats = [kinds[format_id] for format_id in styles.xf_formats]

    def number(self, text: str, style: int) -> Any:
        """A numeric cell as openpyxl gives it: int or float, a date for a date format, Pct for a percent format."""
        value: int | float = float(text) if ("." in text or "e" in text or "E" in text) else int(text)
        is_date, is_span, is_percent = self.formats[style] if 0 <= style < len(self.formats) else _GENERAL
        if is_date:
            epoch = MAC_EPOCH if self.date1904 else WINDOWS_EPOCH
            try:
                converted: datetime | time | timedelta = from_excel(value, epoch, timedelta=is_span)
            except (OverflowError, ValueError):
                return "#VALUE!"  # a date cell outside the calendar: what Excel shows, and openpyxl reads
            return converted
        if is_percent:
            return Pct(value)
        return value

    @staticmethod
    def iso_date(text: str) -> Any:
        return from_ISO8601(text)


_GENERAL = (False, False, False)


class _Handler:
    """Receives one part's elements (every one counted against the workbook's budget) and text."""

    def __init__(self, budget: _Budget) -> None:
        self.budget = budget

    def count(self) -> None:
        self.budget.elements -= 1
        if self.budget.elements < 0:
            raise FileProblem(_TOO_MUCH_CONTENT, max=f"{MAX_XML_ELEMENTS:,}")

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.count()

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass


def _local(tag: str) -> str:
    """An element's name without its namespace prefix ("x:row" → "row"), as some writers prefix every tag."""
    return tag.rpartition(":")[2]


class _RelsHandler(_Handler):
    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.rels: list[tuple[str, str, str]] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.count()
        if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            self.rels.append((attrs.get("Id", ""), attrs.get("Type", ""), attrs.get("Target", "")))


class _WorkbookHandler(_Handler):
    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.sheets: list[tuple[str, str]] = []  # (name, relationship id)
        self.date1904 = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.count()
        tag = _local(tag)
        if tag == "sheet":
            if len(self.sheets) >= MAX_SHEETS:
                raise FileProblem(_TOO_MANY_SHEETS, max=MAX_SHEETS)
            rel_id = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            self.sheets.append((attrs.get("name", ""), rel_id))
        elif tag == "workbookPr":
            self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")


class _StylesHandler(_Handler):
    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.custom: dict[int, str] = {}
        self.xf_formats: list[int] = []
        self.in_cell_xfs = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.count()
        tag = _local(tag)
        if tag == "numFmt":
            if len(self.custom) >= MAX_STYLES:
                raise _unreadable()
            self.custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "General")[:1000]
        elif tag == "cellXfs":
            self.in_cell_xfs = True
        elif tag == "xf" and self.in_cell_xfs:
            if len(self.xf_formats) >= MAX_STYLES:
                raise _unreadable()
            self.xf_formats.append(int(attrs.get("numFmtId", "0")))

    def end(self, tag: str) -> None:
        if _local(tag) == "cellXfs":
            self.in_cell_xfs = False


class _TextHandler(_Handler):
    """Collects the text of <v> and <t> elements (rich text runs joined, phonetic runs skipped), within limits."""

    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.text: list[str] = []
        self.length = 0
        self.capture = False
        self.phonetic = False

    def data(self, text: str) -> None:
        if self.capture:
            self.length += len(text)
            if self.length > MAX_CELL_CHARS:
                raise FileProblem(_CELL_TOO_LONG, max=f"{MAX_CELL_CHARS:,}")
            self.text.append(text)

    def take(self) -> str:
        """The string collected so far (Excel's _xHHHH_ escapes decoded), spent from the budget."""
        text = _unescape("".join(self.text))
        self.budget.spend_chars(self.length)
        self.text, self.length = [], 0
        return text


class _StringsHandler(_TextHandler):
    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.strings: list[str] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.count()
        tag = _local(tag)
        if tag == "t":
            self.capture = not self.phonetic
        elif tag == "rPh":
            self.phonetic = True

    def end(self, tag: str) -> None:
        tag = _local(tag)
        if tag == "t":
            self.capture = False
        elif tag == "si":
            if len(self.strings) >= MAX_SHARED_STRINGS:
                raise FileProblem(_TOO_MANY_STRINGS, max=f"{MAX_SHARED_STRINGS:,}")
            self.strings.append(self.take())
        elif tag == "rPh":
            self.phonetic = False


class _SheetHandler(_TextHandler):
    """Rows of one worksheet: each <row> counted, each cell's value converted as openpyxl's data_only reads it."""

    def __init__(self, book: _Workbook, sheet: Sheet) -> None:
        super().__init__(book.budget)
        self.book = book
        self.sheet = sheet
        self.rows = 0
        self.row_number = 0
        self.values: dict[int, Any] = {}
        self.cells = 0
        self.column = -1
        self.type = "n"
        self.style = 0
        self.formula = False
        self.inline = False
        self.wide = -1

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        budget = self.budget
        budget.elements -= 1
        if budget.elements < 0:
            raise FileProblem(_TOO_MUCH_CONTENT, max=f"{MAX_XML_ELEMENTS:,}")
        if ":" in tag:
            tag = _local(tag)
        if tag == "v":
            self.capture = True
        elif tag == "c":
            self.cells += 1
            if self.cells > MAX_CELLS_PER_ROW:
                raise FileProblem(
                    _TOO_MANY_CELLS, sheet=self.sheet.label, row=self.row_number, max=f"{MAX_CELLS_PER_ROW:,}"
                )
            ref = attrs.get("r")
            self.column = _column_index(ref) if ref else self.column + 1
            self.type = attrs.get("t", "n")
            style = attrs.get("s")
            self.style = int(style) if style else 0
            self.formula = self.inline = False
            self.text, self.length = [], 0
        elif tag == "t":
            self.capture = self.inline and not self.phonetic
        elif tag == "is":
            self.inline = True
            self.text, self.length = [], 0
        elif tag == "f":
            self.formula = True
        elif tag == "row":
            self.rows += 1
            if self.rows > MAX_ROWS + 1:
                raise FileProblem(_TOO_MANY_ROWS, sheet=self.sheet.label, max=f"{MAX_ROWS:,}")
            number = attrs.get("r")
            self.row_number = int(number) if number else self.row_number + 1
            self.values, self.cells, self.column, self.wide = {}, 0, -1, -1
        elif tag == "rPh":
            self.phonetic = True

    def end(self, tag: str) -> None:
        if ":" in tag:
            tag = _local(tag)
        if tag == "v" or tag == "t":
            self.capture = False
        elif tag == "c":
            value = self._value()
            if value is None:
                return
            if self.column < MAX_COLUMNS:
                self.values[self.column] = value
            elif self.wide < 0 and not empty(value):
                self.wide = self.column
        elif tag == "row":
            if self.values:
                row: list[Any] = [None] * (max(self.values) + 1)
                for index, value in self.values.items():
                    row[index] = value
                self.sheet.add(self.row_number, row)
            if self.wide >= 0:
                self.sheet.beyond(self.row_number, self.wide)
        elif tag == "rPh":
            self.phonetic = False

    def _value(self) -> Any:
        kind = self.type
        if kind == "inlineStr":
            return self.take() if self.inline else None
        text = "".join(self.text)
        if not text:
            # A formula saved by a program that does not calculate (openpyxl, some exports) has no result.
            return UNCOMPUTED if self.formula and kind != "str" else None
        if kind == "n":
            return self.book.number(text, self.style)
        if kind == "s":
            return self.book.strings[int(text)]
        if kind == "str":
            self.budget.spend_chars(len(text))
            return text
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return self.book.iso_date(text)
        return text  # "e": an error value such as #DIV/0!, read as its text


_COLUMN_INDEX: dict[str, int] = {}


def _column_index(ref: str) -> int:
    """ "AB12" → 27; a reference past Excel's last column, XFD, makes the file unreadable."""
    if not _COLUMN_INDEX:
        _COLUMN_INDEX.update((column_letter(i), i) for i in range(_EXCEL_COLUMNS))
    index = _COLUMN_INDEX.get(ref.rstrip("0123456789"))
    if index is None:
        raise _unreadable()
    return index
