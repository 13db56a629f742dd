"""Logs: one line per event, with the update, user, chat, project, tool and outcome; JSON when SITEBOT_LOG_JSON=1.

The channel names the event it is handling (`event(update_id=..., chat=...)`, a context variable, so it follows the
work into threads started with asyncio.to_thread); the router adds who, which project, which tools and what came
of it. Message texts are never logged, and every record is scrubbed of the configured token and key as a last
guard (a library's debug line, an exception that quotes a URL).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.router import Reply

log = logging.getLogger("sitebot.event")

FIELDS = ("update_id", "user", "chat", "project", "tool", "outcome")
# HTTP clients log request URLs (the bot token is in the path) at INFO; python-telegram-bot logs every API call's
# parameters (texts) and the OpenAI client every request (the messages) at DEBUG.
QUIET = {
    **dict.fromkeys(("httpx", "httpx2", "httpcore", "httpcore2"), logging.WARNING),
    **dict.fromkeys(("telegram", "openai", "langchain", "langgraph", "apscheduler"), logging.INFO),
}
_EVENT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("sitebot_event", default=None)


@contextmanager
def event(**fields: Any) -> Iterator[dict[str, Any]]:
    """Name the event being handled (update id, chat) for every log line written inside."""
    current = {**(_EVENT.get() or {}), **fields}
    token = _EVENT.set(current)
    try:
        yield current
    finally:
        _EVENT.reset(token)


def outcome_of(reply: Reply) -> str:
    """What came of a message, in one word (logs and metrics)."""
    if reply.outcome:
        return reply.outcome
    if not reply.handled:
        return "duplicate"
    if reply.wrote:
        return "written"
    if reply.pending_token:
        proposal = any(b.action.startswith(("yes:", "opt:")) for row in reply.buttons for b in row)
        return "proposed" if proposal else "asked"
    if reply.source == "none" and not reply.results:
        return "not_understood" if reply.text else "ignored"
    return "answered"


def route_of(reply: Reply) -> str:
    """Which path answered: the parser (command, rules, a dialogue answer), a proposal, the model, or none."""
    if reply.source == "llm":
        return "model"
    if reply.pending_token and outcome_of(reply) == "proposed":
        return "proposal"
    if reply.source in ("command", "rules", "dialogue"):
        return "parser"
    return "none"


def message_handled(reply: Reply, *, user_id: int, seconds: float) -> None:
    """The one line for a message: who, where, which tools, what came of it, how long it took."""
    tools = ",".join(dict.fromkeys(call.tool for call in reply.calls)) or "-"
    outcome = outcome_of(reply)
    log.info(
        "message handled: %s by %s in %.0f ms",
        outcome,
        reply.source,
        seconds * 1000,
        extra={
            "user": user_id,
            "project": reply.project,
            "tool": tools,
            "outcome": outcome,
            "source": reply.source,
            "model_calls": reply.model_calls,
            "ms": round(seconds * 1000, 1),
        },
    )


class _Context(logging.Filter):
    """Adds the event's fields (update id, chat, …) to every record, and scrubs the secrets from it."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        current = _EVENT.get() or {}
        for key, value in current.items():
            if not key.startswith("_") and not hasattr(record, key):
                setattr(record, key, value)
        # the message being handled, too: an exception's text may quote it (a validation error, a traceback)
        words = current.get("_text")
        secrets = [*self.secrets, *([words] if isinstance(words, str) and len(words) >= 4 else [])]
        if secrets:
            message = record.getMessage()
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            cleaned = scrub(message, secrets)
            if cleaned != message or any(s in (record.exc_text or "") for s in secrets):
                record.msg, record.args = cleaned, None
                record.exc_text = scrub(record.exc_text or "", secrets) or None
        return True


def scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the event's fields when known."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in (*FIELDS, "source", "model_calls", "ms"):
            value = getattr(record, key, None)
            if value is not None:
                data[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["error"] = record.exc_text
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Plain lines: time, level, logger, message, then the event's fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = [f"{key}={getattr(record, key)}" for key in FIELDS if getattr(record, key, None) is not None]
        if not pairs:
            return line
        head, newline, rest = line.partition("\n")
        return f"{head} [{' '.join(pairs)}]{newline}{rest}"


def secrets_of(settings: Settings) -> list[str]:
    """The values that must never reach a log: the bot token and the model key."""
    values = [settings.telegram_token, settings.llm_api_key]
    return [v.get_secret_value() for v in values if v is not None]


def configure_logging(settings: Settings, stream: Any = None) -> logging.Handler:
    """Log to stderr (or `stream`) as text or JSON, every record carrying its event and scrubbed of secrets."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_json else TextFormatter())
    handler.addFilter(_Context(secrets_of(settings)))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "sitebot", False)]:
        root.removeHandler(old)
    handler.sitebot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name, level in QUIET.items():  # whatever the level asked for: these libraries log secrets or texts below it
        logging.getLogger(name).setLevel(level)
    return handler
