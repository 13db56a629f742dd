"""`sitebot doctor`: one line per check, each with the fix when it fails; the exit status says whether all passed.

Checks: settings, database (reachable, migrated to head), Telegram (token valid, API reachable through the proxy
if any; the webhook as configured), the model endpoint (one tiny call that must come back as a tool call), the CJK
chart font, the time zone, the digest schedules and the queues (outbox and inbox not stuck).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.settings import Settings

STUCK_OUTBOX = timedelta(minutes=15)  # a reply or digest waiting longer means no process is sending
STUCK_INBOX = timedelta(minutes=5)  # an update waiting longer means no process is handling
HTTP_TIMEOUT = 10.0


@dataclass
class Check:
    name: str
    status: str  # ok | fail | skip
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = {"ok": "ok  ", "fail": "FAIL", "skip": "skip"}[self.status]
        text = f"[{mark}] {self.name}: {self.detail}"
        return f"{text} — fix: {self.fix}" if self.status == "fail" and self.fix else text


def ok(name: str, detail: str) -> Check:
    return Check(name, "ok", detail)


def fail(name: str, detail: str, fix: str) -> Check:
    return Check(name, "fail", detail, fix)


def skip(name: str, detail: str) -> Check:
    return Check(name, "skip", detail)


# -- settings, time zone, font ------------------------------------------------------------------------------


def check_settings(make: Callable[[], Settings]) -> tuple[Check, Settings | None]:
    from pydantic import ValidationError

    try:
        settings = make()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '?'}: {e['msg']}" for e in error.errors())
        return fail("settings", problems, "correct these SITEBOT_ variables in .env or the environment"), None
    mode = "Telegram" if settings.telegram_token else "terminal only (no SITEBOT_TELEGRAM_TOKEN)"
    model = settings.llm_model if settings.llm_enabled else "no model (rules and commands only)"
    return ok("settings", f"{mode}; {model}"), settings


def check_timezone(settings: Settings) -> Check:
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return fail(
            "time zone",
            f"unknown time zone {settings.timezone!r}",
            "set SITEBOT_TIMEZONE to an IANA name such as Asia/Shanghai (install tzdata if names are missing)",
        )
    return ok("time zone", settings.timezone)


def check_font() -> Check:
    from tools.charts import ChartFontError, font_path, missing_glyphs

    try:
        path = font_path()
        missing = missing_glyphs(path, "人工费材料费预算进度")
    except (ChartFontError, OSError, RuntimeError) as error:
        return fail("CJK font", str(error), "pip install pylopdf-fonts-zh-cn (reinstall sitebot: make install)")
    if missing:
        return fail("CJK font", f"{path} lacks {missing}", "reinstall pylopdf-fonts-zh-cn (make install)")
    return ok("CJK font", str(path))


# -- database -------------------------------------------------------------------------------------------


def check_database(settings: Settings) -> list[Check]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from storage.backup import sqlite_path
    from storage.db import alembic_config, make_engine

    try:
        path = sqlite_path(settings.database_url)
    except Exception:
        path = None
    if path is not None and not path.exists():  # connecting would create an empty file
        return [
            fail(
                "database",
                f"no SQLite file at {path.resolve()}",
                "run `sitebot db upgrade` (or `make run`) here, or set SITEBOT_DATABASE_URL to the bot's database",
            )
        ]
    engine = make_engine(settings.database_url)
    try:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                current = MigrationContext.configure(connection).get_current_revision()
        except Exception as error:
            return [
                fail(
                    "database",
                    f"cannot connect ({type(error).__name__}: {str(error).splitlines()[0][:160]})",
                    "check SITEBOT_DATABASE_URL, that the server runs and the user may connect",
                )
            ]
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
        where = engine.url.render_as_string(hide_password=True)
        reached = ok("database", f"reachable: {where}")
        if current != head:
            return [reached, fail("migrations", f"at {current or 'none'}, head is {head}", "run `sitebot db upgrade`")]
        return [reached, ok("migrations", f"at head {head}"), *check_queues(settings, engine)]
    finally:
        engine.dispose()


def check_queues(settings: Settings, engine: Any, now: datetime | None = None) -> list[Check]:
    """Digest schedules readable; nothing waiting in the outbox or the inbox for too long."""
    from sqlalchemy import func, select

    from storage.db import make_session_factory
    from storage.models import InboxUpdate, Notification
    from storage.queries.chats import bound_chats

    now = now or datetime.now(UTC)
    checks = []
    with make_session_factory(engine)() as session:
        chats = bound_chats(session=session)
        bad = []
        for chat, _project in chats:
            try:
                hour, minute = (int(part) for part in chat.digest_time.split(":"))
                ZoneInfo(chat.timezone)
                if not (0 <= hour < 24 and 0 <= minute < 60):
                    raise ValueError(chat.digest_time)
            except (ValueError, ZoneInfoNotFoundError):
                bad.append(f"chat {chat.telegram_chat_id} ({chat.digest_time} {chat.timezone})")
        if bad:
            checks.append(
                fail(
                    "digest schedules",
                    f"unreadable: {', '.join(bad)}",
                    "rebind the chat with /project CODE, or correct chat.digest_time (HH:MM) and chat.timezone",
                )
            )
        else:
            checks.append(ok("digest schedules", f"{len(chats)} bound chat(s), a daily digest job each at start"))
        for name, stamp, waiting, limit, fix in (
            (
                "outbox",
                Notification.created_at,
                Notification.status.in_(("pending", "sending")),
                STUCK_OUTBOX,
                "is a `sitebot run` process up and can it reach Telegram? see its log for the send errors",
            ),
            (
                "inbox",
                InboxUpdate.received_at,
                InboxUpdate.status == "pending",
                STUCK_INBOX,
                "is a `sitebot run` process up? a restart replays what the inbox holds",
            ),
        ):
            count, oldest = session.execute(select(func.count(), func.min(stamp)).where(waiting)).one()
            if oldest is not None and oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=UTC)
            age = now - oldest if oldest is not None else timedelta(0)
            if count and age > limit:
                checks.append(fail(name, f"{count} waiting, the oldest for {_minutes(age)}", fix))
            else:
                checks.append(ok(name, f"{count or 0} waiting" + (f", oldest {_minutes(age)}" if count else "")))
    return checks


def _minutes(age: timedelta) -> str:
    return f"{age.total_seconds() / 60:.0f} min"


# -- Telegram ---------------------------------------------------------------------------------------------


def check_telegram(settings: Settings) -> list[Check]:
    import httpx

    if settings.telegram_token is None:
        return [skip("Telegram", "no SITEBOT_TELEGRAM_TOKEN: the terminal chat only")]
    token = settings.telegram_token.get_secret_value()
    base = f"{settings.telegram_api_url}{token}"
    try:
        with httpx.Client(timeout=HTTP_TIMEOUT) as client:  # honours HTTPS_PROXY / ALL_PROXY like the bot does
            me = client.get(f"{base}/getMe")
            hook = client.get(f"{base}/getWebhookInfo") if me.status_code == 200 else None
    except httpx.HTTPError as error:
        host = settings.telegram_api_url.split("/")[2] if "//" in settings.telegram_api_url else "?"
        return [
            fail(
                "Telegram reachable",
                f"cannot reach {host} ({type(error).__name__})",
                "check the network; where Telegram is blocked set HTTPS_PROXY (or ALL_PROXY) for the bot, or "
                "SITEBOT_TELEGRAM_API_URL to a reachable Bot API server",
            )
        ]
    if me.status_code in (401, 404):
        return [
            ok("Telegram reachable", settings.telegram_api_url.split("/")[2]),
            fail("Telegram token", "refused by Telegram (getMe)", "copy the token again from @BotFather (/token)"),
        ]
    if me.status_code != 200:
        return [fail("Telegram reachable", f"getMe answered HTTP {me.status_code}", "try again; check the proxy")]
    username = me.json().get("result", {}).get("username", "?")
    checks = [ok("Telegram reachable", settings.telegram_api_url.split("/")[2]), ok("Telegram token", f"@{username}")]
    info = hook.json().get("result") if hook is not None and hook.status_code == 200 else None
    checks.append(_check_webhook(settings, info if isinstance(info, dict) else {}))
    return checks


def _check_webhook(settings: Settings, info: dict[str, Any]) -> Check:
    wanted = getattr(settings, "webhook_url", None)  # set in webhook mode
    current = info.get("url") or ""
    if not wanted:
        if current:
            return fail(
                "webhook",
                f"a webhook is set ({current}) but this bot polls",
                "set SITEBOT_WEBHOOK_URL to run behind it, or delete it (the bot does so when polling starts)",
            )
        return ok("webhook", "none (polling)")
    if current != wanted:
        return fail(
            "webhook",
            f"Telegram has {current or 'none'}, configured {wanted}",
            "start `sitebot run` in webhook mode: it sets the webhook",
        )
    error = info.get("last_error_message")
    if error:
        return fail(
            "webhook",
            f"Telegram cannot deliver: {error} ({info.get('pending_update_count', 0)} pending)",
            "check the reverse proxy forwards HTTPS on the URL to SITEBOT_WEBHOOK_PORT and the certificate is valid",
        )
    return ok("webhook", f"{wanted}, {info.get('pending_update_count', 0)} pending")


# -- the model --------------------------------------------------------------------------------------------

PING_TOOL = {
    "type": "function",
    "function": {
        "name": "ping",
        "description": "Reply to the health check.",
        "parameters": {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]},
    },
}


def check_model(settings: Settings) -> Check:
    import openai

    if not settings.llm_enabled:
        return skip("model", "none configured: rules and commands only")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    client = openai.OpenAI(api_key=key, base_url=settings.llm_base_url, timeout=settings.llm_timeout, max_retries=0)
    where = settings.llm_base_url or "OpenAI"
    # Qwen3 on DashScope thinks by default, and its non-streaming API rejects thinking mode (as in bot.agent).
    thinking_off = (
        {"enable_thinking": False} if settings.llm_base_url and "dashscope" in settings.llm_base_url else None
    )
    try:
        answer = client.chat.completions.create(  # type: ignore[call-overload]
            model=settings.llm_model,
            messages=[{"role": "user", "content": "Health check: call the ping tool with ok=true."}],
            tools=[PING_TOOL],
            tool_choice="required",
            max_tokens=20,
            extra_body=thinking_off,
        )
    except openai.AuthenticationError:
        return fail("model", f"{where} refused the key", "check SITEBOT_LLM_API_KEY")
    except openai.NotFoundError:
        return fail("model", f"{where} has no model {settings.llm_model!r}", "check SITEBOT_LLM_MODEL")
    except openai.APIConnectionError as error:
        return fail("model", f"cannot reach {where} ({type(error).__name__})", "check SITEBOT_LLM_BASE_URL")
    except openai.APIStatusError as error:
        return fail(
            "model",
            f"{where} answered HTTP {error.status_code}",
            "check the model supports tool calling (vLLM: --enable-auto-tool-choice --tool-call-parser …)",
        )
    calls = answer.choices[0].message.tool_calls if answer.choices else None
    if not calls:
        return fail(
            "model",
            f"{settings.llm_model} at {where} answered without a tool call",
            "use a model with tool calling (e.g. gpt-4o-mini, deepseek-chat, qwen-plus, qwen2.5 7b+ in Ollama)",
        )
    try:
        json.loads(calls[0].function.arguments or "{}")  # type: ignore[union-attr]
    except ValueError:
        return fail("model", "the tool call's arguments are not JSON", "use a model with reliable tool calling")
    tokens = answer.usage.total_tokens if answer.usage else "?"
    return ok("model", f"{settings.llm_model} at {where} calls tools ({tokens} tokens)")


# -- all of them ------------------------------------------------------------------------------------------


def run_checks(make: Callable[[], Settings] = Settings) -> list[Check]:
    first, settings = check_settings(make)
    if settings is None:
        return [first]
    checks = [first, check_timezone(settings)]
    checks += check_database(settings)
    checks += check_telegram(settings)
    checks.append(check_model(settings))
    checks.append(check_font())
    return checks


def main(make: Callable[[], Settings] = Settings, out: Callable[[str], None] = print) -> int:
    """Print one line per check; 1 when any failed."""
    checks = run_checks(make)
    for check in checks:
        out(check.line())
    failed = [c for c in checks if c.status == "fail"]
    out(f"{len(failed)} of {len(checks)} checks failed." if failed else f"all {len(checks)} checks passed.")
    return 1 if failed else 0
