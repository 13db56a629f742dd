"""`sitebot backup PATH`: a consistent copy of the SQLite database while the bot runs, verified before it is kept.

The sqlite3 backup API copies every page in one step, inside one read transaction: in WAL mode writers go on
meanwhile, and the copy is the database as it was when the step began (every transaction committed before it,
none after). The copy is written beside PATH, checked with `PRAGMA integrity_check`, switched to a single-file
journal and only then renamed to PATH. PostgreSQL is backed up with pg_dump (see the README).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import normalise_url

PG_HELP = (
    "This database is PostgreSQL: back it up with pg_dump, e.g.\n"
    '  pg_dump --format=custom --file=sitebot-$(date +%F).dump "$DATABASE_URL"\n'
    "and restore with\n"
    '  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" sitebot-YYYY-MM-DD.dump\n'
    "(README: Backups)."
)


class BackupError(Exception):
    """The backup could not be made or did not verify; nothing was left at the destination."""


@dataclass(frozen=True)
class Backup:
    path: Path
    pages: int
    bytes: int


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL; None for any other database."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(parsed.database)


def backup_sqlite(source: Path, destination: Path) -> Backup:
    """Copy a live SQLite database to destination, verified; raises BackupError (and leaves nothing) on failure."""
    if not source.exists():
        raise BackupError(f"no database at {source}")
    if destination.resolve() == source.resolve():
        raise BackupError("the backup must go to another file than the database")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)  # only read (read-only mode cannot open a WAL file when no one has it)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=-1)  # all pages in one step: one read snapshot, writers not blocked (WAL)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
        finally:
            dst.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed: {error}") from error
    finally:
        src.close()
    if problems != ["ok"]:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {'; '.join(problems[:5])}")
    os.replace(partial, destination)
    return Backup(destination, pages, destination.stat().st_size)
