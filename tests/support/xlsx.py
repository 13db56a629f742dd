"""Workbooks written part by part, as no spreadsheet program would: hostile files and hand-made edge cases."""

from __future__ import annotations

import random
import zipfile
from collections.abc import Iterable
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

Part = bytes | Iterable[bytes]


def raw_xlsx(
    path: Path,
    sheets: dict[str, Part],
    *,
    shared_strings: Part | None = None,
    styles: Part | None = None,
    workbook_pr: str = "",
    extra: dict[str, bytes] | None = None,
) -> Path:
    """An xlsx from raw sheet XML (the <sheetData> content, or a whole part when it starts with <?xml)."""
    names = list(sheets)
    rels = [
        f'<Relationship Id="rId{i + 1}" Type="{REL}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(len(names))
    ]
    if shared_strings is not None:
        rels.append(f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    if styles is not None:
        rels.append(f'<Relationship Id="rIdY" Type="{REL}/styles" Target="styles.xml"/>')
    sheet_list = "".join(f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, name in enumerate(names))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        overrides = [
            ("/xl/workbook.xml", "sheet.main"),
            *((f"/xl/worksheets/sheet{i + 1}.xml", "worksheet") for i in range(len(names))),
        ]
        if shared_strings is not None:
            overrides.append(("/xl/sharedStrings.xml", "sharedStrings"))
        if styles is not None:
            overrides.append(("/xl/styles.xml", "styles"))
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            + "".join(
                f'<Override PartName="{name}" ContentType="application/vnd.openxmlformats-officedocument.'
                f'spreadsheetml.{kind}+xml"/>'
                for name, kind in overrides
            )
            + "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">{workbook_pr}'
            f"<sheets>{sheet_list}</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">{"".join(rels)}</Relationships>',
        )
        for i, name in enumerate(names):
            _write(archive, f"xl/worksheets/sheet{i + 1}.xml", _sheet(sheets[name]))
        if shared_strings is not None:
            _write(archive, "xl/sharedStrings.xml", _wrap(shared_strings, f'<sst xmlns="{MAIN}">', "</sst>"))
        if styles is not None:
            _write(archive, "xl/styles.xml", _wrap(styles, f'<styleSheet xmlns="{MAIN}">', "</styleSheet>"))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def _chunks(part: Part) -> Iterable[bytes]:
    return [part] if isinstance(part, bytes) else part


def _wrap(part: Part, head: str, tail: str) -> Iterable[bytes]:
    yield b'<?xml version="1.0" encoding="UTF-8"?>' + head.encode()
    yield from _chunks(part)
    yield tail.encode()


def _sheet(part: Part) -> Iterable[bytes]:
    if isinstance(part, bytes) and part.startswith(b"<?xml"):
        return [part]
    return _wrap(part, f'<worksheet xmlns="{MAIN}"><sheetData>', "</sheetData></worksheet>")


def _write(archive: zipfile.ZipFile, name: str, chunks: Iterable[bytes]) -> None:
    with archive.open(name, "w", force_zip64=True) as handle:
        for chunk in chunks:
            handle.write(chunk)


def inline_row(number: int, *values: str) -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>' for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


TASKS_HEADER = inline_row(1, "project", "name", "planned_start", "planned_finish")


def empty_rows(count: int, *, first: int = 2, batch: int = 10_000) -> Iterable[bytes]:
    """<row r="N"/> elements, as a spreadsheet that formatted a whole column might write."""
    for start in range(first, first + count, batch):
        yield "".join(f'<row r="{n}"/>' for n in range(start, min(start + batch, first + count))).encode()


def long_text(chars: int, *, seed: int = 1) -> Iterable[bytes]:
    """Text that compresses about as well as prose (so a zip-ratio check alone does not catch it)."""
    words = [f"{w:<8}".encode() for w in ("beton", "stahl", "ziegel", "holz", "glas", "sand", "kies", "zement")]
    rng = random.Random(seed)
    left = chars
    while left > 0:
        chunk = b"".join(rng.choice(words) for _ in range(min(left, 65_536) // 8 + 1))[: min(left, 65_536)]
        left -= len(chunk)
        yield chunk


def huge_shared_string(chars: int) -> Iterable[bytes]:
    yield b"<si><t>"
    yield from long_text(chars)
    yield b"</t></si>"
