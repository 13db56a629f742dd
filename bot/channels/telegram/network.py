"""Reaching Telegram before the bot starts: one plain line per failure saying what failed and what to check,
then another try after a growing pause (no traceback); a refused token ends it at once.

While the bot runs, python-telegram-bot's updater retries failed polls with its own backoff.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.settings import Settings

FIRST_WAIT = 1.0
MAX_WAIT = 60.0


def make_bot(settings: Settings) -> Bot:
    """A bare Bot with the application's URL, token and proxy: only for the reachability check."""
    assert settings.telegram_token is not None
    from bot.render import file_url

    return Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=file_url(settings.telegram_api_url),
        request=HTTPXRequest(proxy=settings.telegram_proxy, connect_timeout=10, read_timeout=10),
    )


def failure_line(settings: Settings, error: Exception) -> str:
    """What failed and what to check, in one line (the token never shown)."""
    host = urlsplit(settings.telegram_api_url).netloc or settings.telegram_api_url
    via = f" through the proxy {_without_password(settings.telegram_proxy)}" if settings.telegram_proxy else ""
    check = (
        "check the proxy is running and SITEBOT_TELEGRAM_PROXY"
        if settings.telegram_proxy
        else "check the network, or set SITEBOT_TELEGRAM_PROXY (http:// or socks5://) where Telegram is blocked"
    )
    reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
    return f"cannot reach Telegram at {host}{via} ({type(error).__name__}: {reason}): {check}"


def _without_password(proxy: str | None) -> str:
    parts = urlsplit(proxy or "")
    if parts.password is None:
        return proxy or ""
    return proxy.replace(f":{parts.password}@", ":***@") if proxy else ""


async def reach(
    settings: Settings,
    *,
    bot: Bot | None = None,
    out: TextIO = sys.stderr,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    attempts: int | None = None,
) -> bool:
    """Until getMe answers: True then; False when the token is refused or `attempts` ran out."""
    bot = bot or make_bot(settings)
    wait = FIRST_WAIT
    tried = 0
    while True:
        tried += 1
        try:
            async with bot:  # initialize calls getMe
                return True
        except InvalidToken:
            print("Telegram refused the bot token: check SITEBOT_TELEGRAM_TOKEN (from @BotFather)", file=out)
            return False
        except (NetworkError, TelegramError) as error:
            print(f"{failure_line(settings, error)}; retrying in {wait:.0f}s", file=out, flush=True)
        if attempts is not None and tried >= attempts:
            return False
        await sleep(wait)
        wait = min(wait * 2, MAX_WAIT)
