"""What each `sitebot` sub-command does."""
# ruff: noqa: T201 - this module is the command line: it prints.

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings
from storage.db import make_engine, upgrade


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    print("database is up to date")
    return 0


def _not_yet(name: str) -> int:
    print(f"`sitebot {name}` is not available yet.", file=sys.stderr)
    return 2


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    return _not_yet("chat")


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    return _not_yet("run")


def cmd_start(settings: Settings, args: argparse.Namespace) -> int:
    return _not_yet("start")


def cmd_parse(settings: Settings, args: argparse.Namespace) -> int:
    return _not_yet("parse")


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from storage.db import make_session_factory
    from storage.demo import load_demo

    engine = make_engine(settings.database_url)
    upgrade(engine)
    today = args.today or datetime.now(ZoneInfo(settings.timezone)).date()
    with make_session_factory(engine)() as session:
        loaded = load_demo(session, today)
    engine.dispose()
    if loaded:
        print(f"demo loaded for {today.isoformat()}: projects SG3, BJ, RW with 60 days of history")
    else:
        print("demo already loaded (project SG3 exists); nothing changed")
    return 0


def cmd_alerts(settings: Settings, args: argparse.Namespace) -> int:
    return _not_yet("alerts")


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """`import FILE`: check every row, then write all of them or nothing; 1 with the row errors when invalid."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from storage.db import make_session_factory
    from tools.importer import import_file

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with make_session_factory(engine)() as session:
            report = import_file(session, args.file, today=datetime.now(ZoneInfo(settings.timezone)).date())
    finally:
        engine.dispose()
    out = sys.stdout if report.ok else sys.stderr
    print(report.render("zh"), file=out)
    print(report.render("en"), file=out)
    return 0 if report.ok else 1


def cmd_template(settings: Settings, args: argparse.Namespace) -> int:
    """`template [FILE]`: write the import template (never over an existing file) and print its path."""
    from pathlib import Path

    from tools.importer import write_template

    path = Path(args.file)
    if path.suffix.casefold() != ".xlsx":
        print(f"the template is an .xlsx file: {path}", file=sys.stderr)
        return 2
    if path.exists():
        print(f"{path} already exists; give another file name (nothing was written)", file=sys.stderr)
        return 1
    print(write_template(path).resolve())
    return 0
