"""What each `sitebot` sub-command does."""
# ruff: noqa: T201 - this module is the command line: it prints.

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

from bot.settings import Settings
from storage.db import make_engine
from storage.startup import migrate

if TYPE_CHECKING:
    from bot.services import Services


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    print("database is up to date")
    return 0


@contextmanager
def _ready(settings: Settings, today: date | None) -> Iterator[Services]:
    """Services over a migrated database (the demo loaded when it is empty); the engine closes after."""
    from bot.app import build_services, local_today, prepare_database

    services = build_services(settings)
    try:
        prepare_database(services, today or local_today(settings))
        yield services
    finally:
        services.engine.dispose()


def _past_or_today(settings: Settings, day: date | None) -> bool:
    """--today replays a past day (tests, catching up); it never moves the clock into the future."""
    from bot.app import local_today

    if day is not None and day > local_today(settings):
        print(f"--today {day.isoformat()} is in the future; only a past day can be replayed", file=sys.stderr)
        return False
    return True


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.terminal import UnknownMember, acting_user, check_project, run_chat

    if not _past_or_today(settings, args.today):
        return 2
    with _ready(settings, args.today) as services:
        with services.sessions() as session:
            try:
                user = acting_user(session, args.user)
                project_code = check_project(session, args.project)
            except UnknownMember as error:
                print(error, file=sys.stderr)
                return 2
        return run_chat(services.router, user=user, project_code=project_code, today=args.today)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.telegram_token is None:
        print(
            "SITEBOT_TELEGRAM_TOKEN is not set: put the bot's token in .env (see .env.example), "
            "or use `sitebot chat` for the terminal.",
            file=sys.stderr,
        )
        return 2
    problem = settings.webhook_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    import asyncio

    from bot.app import build_application
    from bot.channels.telegram import poller
    from bot.channels.telegram.handlers import run_polling, run_webhook
    from bot.channels.telegram.network import reach
    from bot.observe import configure_logging

    configure_logging(settings)
    with _ready(settings, None) as services:
        if settings.metrics_port is not None:
            from bot import metrics

            metrics.serve(settings.metrics_port, services.sessions)
        try:  # one plain line per failed try, then a longer pause: no traceback for a missing network
            if not asyncio.run(reach(settings)):
                return 2
        except KeyboardInterrupt:
            return 130
        if settings.webhook_url is not None:
            run_webhook(build_application(services), settings)
            return 0
        refused = poller.take(services)
        if refused is not None:
            print(refused, file=sys.stderr)
            return 3
        try:
            run_polling(build_application(services))
        finally:
            poller.release(services)
    return 0


def cmd_start(settings: Settings, args: argparse.Namespace) -> int:
    """What `make run` does: Telegram when a token is set, else the terminal chat."""
    if settings.telegram_token is not None:
        return cmd_run(settings, args)
    args.user = args.project = args.today = None
    return cmd_chat(settings, args)


def cmd_parse(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.terminal import UnknownMember, acting_user, check_project
    from bot.planning import plan_json

    with _ready(settings, args.today) as services:
        with services.sessions() as session:
            try:
                user = acting_user(session, None)
                project_code = check_project(session, args.project)
            except UnknownMember as error:
                print(error, file=sys.stderr)
                return 2
        lines = [args.text] if args.text is not None else (line.rstrip("\r\n") for line in sys.stdin)
        for text in lines:
            print(
                plan_json(services.router, text, user_id=user.id, project_code=project_code, today=args.today),
                flush=True,
            )
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from storage.db import make_session_factory
    from storage.startup import demo

    engine = make_engine(settings.database_url)
    today = args.today or datetime.now(ZoneInfo(settings.timezone)).date()
    try:
        sessions = make_session_factory(engine)
        loaded = demo(engine, sessions, today)
        if loaded:
            from bot.app import demo_alerts_known

            demo_alerts_known(sessions, today)
    finally:
        engine.dispose()
    if loaded:
        print(f"demo loaded for {today.isoformat()}: projects SG3, BJ, RW with 60 days of history")
    else:
        print("demo already loaded (project SG3 exists); nothing changed")
    return 0


def cmd_alerts(settings: Settings, args: argparse.Namespace) -> int:
    """`alerts run`: queue today's digest for every bound chat, then send what is pending (or print it)."""
    import asyncio

    from bot.alerts.digest import print_pending, print_unbound_digests, write_digests
    from bot.app import build_application, build_services
    from bot.channels.telegram.outbox import send_due

    services = build_services(settings)

    async def deliver(queued: int) -> int:
        application = build_application(services)
        async with application:  # initialize/shutdown: the bot's HTTP client only, no polling, no jobs
            delivery = await send_due(services, application.bot)
        print(
            f"digests queued: {queued}; sent: {delivery.sent}; to retry: {delivery.retry}; failed: {delivery.failed}",
            file=sys.stderr,
        )
        return 1 if delivery.retry or delivery.failed else 0

    try:
        migrate(services.engine)
        queued = write_digests(services, today=args.today)
        if settings.telegram_token is not None:
            return asyncio.run(deliver(queued))
        shown = print_pending(services, sys.stdout) + print_unbound_digests(services, sys.stdout, today=args.today)
        print(
            f"digests queued: {queued}; printed: {shown} (SITEBOT_TELEGRAM_TOKEN is not set: nothing was sent)",
            file=sys.stderr,
        )
        return 0
    finally:
        services.engine.dispose()


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """`import FILE`: check every row, then write all of them or nothing; 1 with the row errors when invalid."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from storage.db import make_session_factory
    from tools.importer import import_file

    if args.template:
        args.file = args.file or "sitebot-template.xlsx"
        return cmd_template(settings, args)
    if args.file is None:
        print("sitebot import FILE (or sitebot import --template [FILE])", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
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


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """A verified copy of the SQLite database, safe while the bot writes; PostgreSQL: how to use pg_dump."""
    from pathlib import Path

    from storage.backup import PG_HELP, BackupError, backup_sqlite, sqlite_path

    try:
        source = sqlite_path(settings.database_url)
        if source is None:
            print(PG_HELP, file=sys.stderr)
            return 2
        made = backup_sqlite(source, Path(args.path))
    except BackupError as error:
        print(f"backup failed: {error}", file=sys.stderr)
        return 1
    print(f"backup written to {made.path}: {made.bytes:,} bytes, {made.pages:,} pages, integrity_check ok")
    return 0
