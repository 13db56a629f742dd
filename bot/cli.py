"""The `sitebot` command: builds settings and hands over to the part that does the work."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date

from bot.settings import Settings


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO date: {text}") from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitebot", description="Construction site assistant.")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="terminal chat (one message per line when stdin is not a TTY)")
    chat.add_argument("--user", help="act as this member (default: the local administrator)")
    chat.add_argument("--project", help="default project code for this chat")
    chat.add_argument("--today", type=_date, help=argparse.SUPPRESS)

    sub.add_parser("run", help="run the Telegram bot")
    sub.add_parser("start", help="migrate, load the demo into an empty database, then run or chat")

    parse = sub.add_parser("parse", help="print the planned tool calls for a message, without running them")
    parse.add_argument("text", nargs="?", help="the message; omit to read one message per line from stdin")
    parse.add_argument("--json", action="store_true", help="JSON output (the only format)")
    parse.add_argument("--project", help="the chat's default project code")
    parse.add_argument("--today", type=_date, help="today's date (ISO)")

    demo = sub.add_parser("demo", help="load the demo projects (idempotent)")
    demo.add_argument("--today", type=_date)

    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")

    alerts = sub.add_parser("alerts", help="digests and alerts")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True)
    alerts_run = alerts_sub.add_parser("run", help="compute and send today's digests")
    alerts_run.add_argument("--today", type=_date)

    sub.add_parser("doctor", help="check settings, database, Telegram, the model, font, time zone and queues")
    backup = sub.add_parser("backup", help="copy the SQLite database (consistent while the bot runs), verified")
    backup.add_argument("path", help="where to write the copy")

    imp = sub.add_parser("import", help="create or update projects (plan and history) from an xlsx or csv file")
    imp.add_argument("file", nargs="?")
    imp.add_argument("--template", action="store_true", help="write the template to FILE instead (as `template`)")
    template = sub.add_parser("template", help="write the import template")
    template.add_argument("file", nargs="?", default="sitebot-template.xlsx")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "doctor":  # it reports bad settings itself, one line per check
        from bot.doctor import main as doctor

        return doctor()
    settings = Settings()
    from bot import commands_cli  # imported late: argument errors stay fast

    handler = getattr(commands_cli, f"cmd_{args.command}")
    return int(handler(settings, args) or 0)


if __name__ == "__main__":
    sys.exit(main())
