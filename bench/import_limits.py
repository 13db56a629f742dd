"""Importer limits: hostile xlsx and csv files are refused in bounded time and memory; normal imports stay fast.

Builds each file in a temporary folder, then runs `sitebot import`'s own function, tools.importer.import_file,
against a freshly migrated SQLite database, once per case in a fresh interpreter (so one case's memory cannot
hide another's): once for the time, once under tracemalloc for the peak of Python allocations (expat's buffers
included). The peak resident set is the process's growth during the import.

Target: every hostile file refused in under 2 s and under 100 MB.

    .venv/bin/python bench/import_limits.py [--only NAME]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.xlsx import TASKS_HEADER, empty_rows, huge_shared_string, raw_xlsx  # noqa: E402

TARGET_S = 2.0
TARGET_MB = 100.0
TODAY = date(2026, 11, 25)


def jittered_empty_rows(count: int) -> Iterable[bytes]:
    """<row/> elements, some with a space between them: 5,000,000 of them pack into about 1 MB."""
    rng = random.Random(7)
    gaps = [b"", b" "]
    for start in range(0, count, 10_000):
        yield b"".join(b"<row/>" + rng.choice(gaps) for _ in range(min(10_000, count - start)))


def build_empty_rows(path: Path) -> None:
    raw_xlsx(path, {"tasks": [TASKS_HEADER, *jittered_empty_rows(5_000_000)]})


def build_numbered_rows(path: Path) -> None:
    raw_xlsx(path, {"tasks": [TASKS_HEADER, *empty_rows(5_000_000)]})


def build_shared_string(path: Path) -> None:
    sheet = TASKS_HEADER + b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    raw_xlsx(path, {"tasks": sheet}, shared_strings=huge_shared_string(10_000_000))


def build_zip_bomb(path: Path) -> None:
    raw_xlsx(path, {"tasks": TASKS_HEADER}, extra={"xl/worksheets/sheet9.xml": bytes(60 << 20)})


def build_csv_lines(path: Path) -> None:
    path.write_bytes(b"name,daily_rate\n" + b"\n" * (19 << 20))


def build_csv_commas(path: Path) -> None:
    path.write_bytes(b"name,daily_rate\n" + b"," * (19 << 20) + b"\n")


def build_normal(rows: int) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        projects = book.active
        assert projects is not None
        projects.title = "projects"
        projects.append(["code", "name", "start", "finish"])
        projects.append(["HQ", "总部大楼", date(2026, 1, 1), date(2027, 12, 31)])
        tasks = book.create_sheet("tasks")
        tasks.append(["project", "name", "planned_start", "planned_finish", "planned_cost", "predecessor", "percent"])
        workers = book.create_sheet("workers")
        workers.append(["name", "aliases", "trade", "daily_rate", "phone"])
        for i in range(rows // 2):
            start = date(2026, 1, 1) + timedelta(days=i % 300)
            tasks.append(["HQ", f"任务{i:05d}", start, start + timedelta(days=30), 1000 + i, None, i % 101])
            workers.append([f"工人{i:05d}", f"老{i:05d}", "木工", 300 + i % 50, f"1380000{i:04d}"])
        book.save(path)

    return build


CASES: dict[str, tuple[str, Callable[[Path], None], bool]] = {
    "empty-rows": ("xlsx, 5,000,000 empty rows", build_empty_rows, True),
    "numbered-rows": ("xlsx, 5,000,000 numbered empty rows", build_numbered_rows, True),
    "shared-string": ("xlsx, one 10,000,000-character shared string", build_shared_string, True),
    "zip-bomb": ("xlsx, a 60 MB part of zeros", build_zip_bomb, True),
    "csv-lines": ("csv, 19,922,944 empty lines", build_csv_lines, True),
    "csv-commas": ("csv, one line of 19,922,944 commas", build_csv_commas, True),
    "normal-2000": ("xlsx, 2,000 rows (1,000 tasks, 1,000 workers)", build_normal(2_000), False),
    "normal-20000": ("xlsx, 20,000 rows (10,000 tasks, 10,000 workers)", build_normal(20_000), False),
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def child(path: Path, database: Path, memory: bool) -> dict[str, object]:
    """One import in this interpreter: its time (and, before it, the reading alone), or its tracemalloc peak, and
    the growth of the peak RSS during the import."""
    from storage.db import make_engine, make_session_factory, upgrade
    from tools.importer import import_file
    from tools.importer.reading import FileProblem, read_sheets

    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    import openpyxl  # noqa: F401  (imported by any earlier import in a real process; not part of the measure)

    with make_session_factory(engine)() as session:
        rss_before = _rss_mb()
        if memory:
            tracemalloc.start()
        started = time.perf_counter()
        report = import_file(session, path, today=TODAY)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6 if memory else None
        tracemalloc.stop()
        rss_growth = _rss_mb() - rss_before
    engine.dispose()
    read_started = time.perf_counter()  # after the import, so that it warms nothing the import uses
    with contextlib.suppress(FileProblem):
        read_sheets(path)
    read_seconds = time.perf_counter() - read_started
    return {
        "seconds": seconds,
        "read_seconds": read_seconds,
        "traced_mb": peak,
        "rss_growth_mb": rss_growth,
        "ok": report.ok,
        "message": report.render("en").splitlines()[-1][:160],
    }


def measure(path: Path, folder: Path, memory: bool) -> dict[str, object]:
    database = folder / f"db-{time.monotonic_ns()}.sqlite"
    command = [sys.executable, __file__, "--child", str(path), str(database)] + (["--memory"] if memory else [])
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(CASES))
    parser.add_argument("--child", nargs=2, metavar=("FILE", "DATABASE"), help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child[0]), Path(args.child[1]), args.memory)))
        return 0

    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'case':<52} {'file':>9} {'unpacked':>10} {'import':>8} {'read':>8} {'traced':>9} {'RSS+':>8}  result")
        for name, (label, build, hostile) in CASES.items():
            if args.only and name != args.only:
                continue
            path = folder / (f"{name}.csv" if name.startswith("csv") else f"{name}.xlsx")
            build(path)
            unpacked = (
                sum(info.file_size for info in zipfile.ZipFile(path).infolist())
                if path.suffix == ".xlsx"
                else path.stat().st_size
            )
            timed = measure(path, folder, memory=False)
            traced = measure(path, folder, memory=True)
            seconds = float(timed["seconds"])  # type: ignore[arg-type]
            traced_mb = float(traced["traced_mb"])  # type: ignore[arg-type]
            rss = max(float(timed["rss_growth_mb"]), float(traced["rss_growth_mb"]))  # type: ignore[arg-type]
            verdict = "refused" if not timed["ok"] else "imported"
            if hostile and (timed["ok"] or seconds > TARGET_S or max(traced_mb, rss) > TARGET_MB):
                failed = True
                verdict += " — OVER TARGET" if not timed["ok"] else " — NOT REFUSED"
            print(
                f"{label:<52} {path.stat().st_size / 1e6:>7.2f}MB {unpacked / 1e6:>8.1f}MB {seconds:>7.3f}s "
                f"{float(timed['read_seconds']):>7.3f}s "  # type: ignore[arg-type]
                f"{traced_mb:>7.1f}MB {rss:>6.1f}MB  {verdict}: {timed['message']}"
            )
    print(f"target for hostile files: refused, under {TARGET_S:.0f} s and {TARGET_MB:.0f} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
