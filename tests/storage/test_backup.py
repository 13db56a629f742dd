"""`sitebot backup PATH`: a copy taken while the bot writes is whole (integrity_check) and holds every row committed
before it started; PostgreSQL is pointed at pg_dump."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main
from storage.backup import BackupError, backup_sqlite
from storage.db import make_engine
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the sqlite3 backup API is for SQLite; PostgreSQL uses pg_dump")

INSERT = text(
    "INSERT INTO conversation_turn (chat_key, user_id, role, text, created_at) VALUES (:k, NULL, 'user', :t, :c)"
)
RETURNING = text(f"{INSERT.text} RETURNING id")
NOW = "2026-11-25 02:00:00.000000"


def fill(db_url: str, rows: int) -> None:
    """Make the database big enough that copying it takes a while."""
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(INSERT, [{"k": "fill", "t": "工" * 400, "c": NOW} for _ in range(rows)])
    engine.dispose()


class Writer(threading.Thread):
    """The bot's writes: one row per transaction, each id noted once its commit returned."""

    def __init__(self, db_url: str) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(db_url)
        self.committed: list[tuple[float, int]] = []  # (when the commit returned, id)
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            with self.engine.begin() as connection:
                new_id = connection.execute(RETURNING, {"k": "live", "t": f"row {n}", "c": NOW}).scalar_one()
            self.committed.append((time.perf_counter(), new_id))
        self.engine.dispose()


def db_path(db_url: str) -> Path:
    return Path(db_url.removeprefix("sqlite:///"))


def test_a_backup_taken_during_writes_is_whole_and_holds_every_row_committed_before_it(
    db_url: str, tmp_path: Path
) -> None:
    fill(db_url, 60_000)
    writer = Writer(db_url)
    writer.start()
    deadline = time.monotonic() + 20
    while len(writer.committed) < 50:
        assert writer.is_alive() and time.monotonic() < deadline, "the writer did not start writing"
        time.sleep(0.005)
    taken = []  # three backups in a row while the writer goes on: (committed before, file, committed during)
    for n in range(3):
        started = time.perf_counter()
        before = {i for at, i in list(writer.committed) if at < started}
        made = backup_sqlite(db_path(db_url), tmp_path / f"copy{n}.db")
        finished = time.perf_counter()
        time.sleep(0.02)
        taken.append((before, made.path, [i for at, i in list(writer.committed) if started <= at <= finished]))
    writer.stop.set()
    writer.join(10)
    assert any(during for _b, _p, during in taken), "no write while a copy was made: the test did not overlap"

    for before, path, _during in taken:
        copy = sqlite3.connect(path)
        try:
            assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file, no -wal needed
            ids = {row[0] for row in copy.execute("SELECT id FROM conversation_turn WHERE chat_key = 'live'")}
            filled = copy.execute("SELECT count(*) FROM conversation_turn WHERE chat_key = 'fill'").fetchone()
        finally:
            copy.close()
        assert filled == (60_000,)
        assert before <= ids  # every row committed before the backup began
        assert ids <= {i for _at, i in writer.committed}  # and nothing that was never committed
    assert not list(tmp_path.glob("*.partial"))


def test_the_command_writes_a_verified_copy_and_says_so(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SITEBOT_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    assert main(["backup", str(tmp_path / "nightly" / "sitebot.db")]) == 0
    out = capsys.readouterr().out
    assert "integrity_check ok" in out and (tmp_path / "nightly" / "sitebot.db").exists()
    copy = sqlite3.connect(tmp_path / "nightly" / "sitebot.db")
    assert copy.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    copy.close()


def test_a_backup_onto_the_database_itself_or_from_nothing_is_refused(db_url: str, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="another file"):
        backup_sqlite(db_path(db_url), db_path(db_url))
    with pytest.raises(BackupError, match="no database"):
        backup_sqlite(tmp_path / "missing.db", tmp_path / "copy.db")


def test_a_corrupt_copy_is_not_kept(db_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(db_path(db_url).read_bytes()[:4096] + b"\x00garbage" * 2000)
    with pytest.raises(BackupError):
        backup_sqlite(broken, tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists() and not (tmp_path / "copy.db.partial").exists()


def test_postgresql_is_pointed_at_pg_dump(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SITEBOT_DATABASE_URL", "postgresql://sitebot@db.example/sitebot")
    assert main(["backup", "/tmp/never-written.db"]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and "pg_restore" in err
