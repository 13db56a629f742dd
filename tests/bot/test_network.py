"""Reaching Telegram from where sites are: the proxy setting in python-telegram-bot's HTTP client (and a request
really going through it), one plain line per failed try at start, an empty .env value meaning "not set", the
typing indicator while an answer takes long."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from telegram.request import HTTPXRequest

from bot.app import build_application
from bot.channels.telegram import workers as workers_module
from bot.channels.telegram.network import reach
from bot.router import Reply
from bot.services import Services
from bot.settings import Settings
from tests.bot import test_telegram as base
from tests.bot.test_telegram import FOREMAN_TG, ScriptedRouter, deliver
from tests.support.channel import make_services
from tests.support.fake_telegram import TOKEN, FakeTelegram, message_update

ROOT = Path(__file__).resolve().parents[2]

api, services, app, site = base.api, base.services, base.app, base.site


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, telegram_token=TOKEN, **values)  # type: ignore[call-arg]


# -- the proxy ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxy", "pool"),
    [("socks5://user:pw@10.0.0.2:1080", "AsyncSOCKSProxy"), ("http://10.0.0.3:7890", "AsyncHTTPProxy")],
)
def test_the_proxy_setting_reaches_the_http_client(engine: Engine, db_url: str, proxy: str, pool: str) -> None:
    services = make_services(engine, db_url, token=TOKEN, telegram_proxy=proxy)
    application = build_application(services)

    for request in application.bot._request:  # (getUpdates, every other method)
        assert isinstance(request, HTTPXRequest)
        assert request._client_kwargs["proxy"] == proxy
        transports = list(request._client._mounts.values())
        assert [type(t._pool).__name__ for t in transports if t is not None] == [pool]


def test_a_proxy_python_telegram_bot_cannot_use_is_refused() -> None:
    with pytest.raises(ValueError, match="SITEBOT_TELEGRAM_PROXY"):
        _settings(telegram_proxy="ftp://10.0.0.2:21")


async def test_requests_go_through_the_proxy(api: FakeTelegram) -> None:
    """Telegram's host does not resolve here: only a request sent through the proxy (the fake, acting as an HTTP
    forward proxy) is answered."""
    settings = _settings(telegram_api_url="http://api.telegram.invalid/bot", telegram_proxy=api.api_url[: -len("/bot")])

    assert await reach(settings, out=io.StringIO(), attempts=1)
    assert [call.method for call in api.calls()] == ["getMe"]


# -- a failure at start ----------------------------------------------------------------------------------


async def test_a_network_failure_at_start_is_one_plain_line_per_try_with_growing_pauses() -> None:
    port = _closed_port()
    out = io.StringIO()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    settings = _settings(telegram_api_url=f"http://127.0.0.1:{port}/bot")
    assert not await reach(settings, out=out, sleep=sleep, attempts=4)

    lines = out.getvalue().splitlines()
    assert len(lines) == 4 and waits == [1, 2, 4]
    assert all(line.startswith(f"cannot reach Telegram at 127.0.0.1:{port} (NetworkError") for line in lines)
    assert all("SITEBOT_TELEGRAM_PROXY" in line for line in lines)
    assert TOKEN not in out.getvalue()


async def test_the_bot_starts_once_telegram_answers_again(api: FakeTelegram) -> None:
    api.fail("getMe", times=2, status=502, description="Bad Gateway")
    out = io.StringIO()

    async def sleep(seconds: float) -> None:
        pass

    settings = _settings(telegram_api_url=api.api_url)
    assert await reach(settings, out=out, sleep=sleep)
    assert len(out.getvalue().splitlines()) == 2 and "Bad Gateway" in out.getvalue()


async def test_a_refused_token_is_one_line_and_no_retry(api: FakeTelegram) -> None:
    out = io.StringIO()
    settings = Settings(_env_file=None, telegram_token="999:WRONG", telegram_api_url=api.api_url)  # type: ignore[call-arg]
    assert not await reach(settings, out=out)
    assert out.getvalue() == "Telegram refused the bot token: check SITEBOT_TELEGRAM_TOKEN (from @BotFather)\n"


def _clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEBOT_") and k != "OPENAI_API_KEY"}
    env.update(values)
    return env


def test_sitebot_run_without_a_route_to_telegram_prints_plain_lines_and_no_traceback(tmp_path: Path) -> None:
    port = _closed_port()
    env = _clean_env(
        SITEBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        SITEBOT_TELEGRAM_TOKEN=TOKEN,
        SITEBOT_TELEGRAM_API_URL=f"http://127.0.0.1:{port}/bot",
    )
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stderr is not None
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and sum("cannot reach Telegram" in line for line in lines) < 2:
                line = process.stderr.readline()
                if not line:
                    break
                lines.append(line)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    failures = [line for line in lines if "cannot reach Telegram" in line]
    assert len(failures) == 2, lines
    assert failures[0].rstrip().endswith("retrying in 1s") and failures[1].rstrip().endswith("retrying in 2s")
    assert not any("Traceback" in line for line in lines)


# -- an empty value in .env means "not set" ------------------------------------------------------------------


def test_a_copied_env_example_starts_the_terminal_chat_with_no_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    for name in list(os.environ):
        if name.startswith("SITEBOT_") or name == "OPENAI_API_KEY":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.telegram_token is None and settings.telegram_proxy is None
    assert settings.llm_api_key is None and settings.llm_base_url is None and not settings.llm_enabled
    assert settings.admin_ids == []

    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "start"],
        cwd=tmp_path,
        env={**_clean_env(), "PYTHONPATH": str(ROOT)},
        input="SG3预算还剩多少\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "InvalidToken" not in result.stderr
    assert "预算执行" in result.stdout
    assert (tmp_path / "sitebot.db").exists()  # the .env's own database URL was used


# -- typing ----------------------------------------------------------------------------------------------------


class SlowRouter(ScriptedRouter):
    """An answer that takes as long as a model call."""

    def __init__(self, services: Services, reply: Reply, seconds: float) -> None:
        super().__init__(services, reply)
        self.seconds = seconds

    def handle(self, incoming: Any, delivery: Any = None, *, alerts_later: bool = False) -> Reply:
        time.sleep(self.seconds)
        return super().handle(incoming, delivery)


@pytest.mark.parametrize(("seconds", "typing"), [(1.2, True), (0.0, False)])
async def test_typing_shows_while_an_answer_takes_long_and_not_for_a_quick_one(
    app: Any, api: FakeTelegram, services: Services, site: dict[str, Any], seconds: float, typing: bool
) -> None:
    services.router = SlowRouter(services, Reply("好的", "llm"), seconds)  # type: ignore[assignment]
    await deliver(app, message_update(1, "帮我看看这周怎么样", user_id=FOREMAN_TG))
    await asyncio.sleep(0)

    actions = api.calls("sendChatAction")
    assert bool(actions) is typing
    if typing:
        assert actions[0]["action"] == "typing" and actions[0].chat_id == FOREMAN_TG
        assert len(actions) == 1  # stopped with the answer
    assert api.sent_texts(FOREMAN_TG) == ["好的"]
    assert workers_module.TYPING_AFTER < 1.2


async def test_a_failed_poll_while_running_is_one_warning_line_without_a_traceback(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from telegram.error import NetworkError, TimedOut

    with caplog.at_level("WARNING", logger="bot.channels.telegram.handlers"):
        await app.process_error(update=None, error=NetworkError("httpx.ConnectError: All connection attempts failed"))
        await app.process_error(update=None, error=TimedOut())
    records = [r for r in caplog.records if r.name == "bot.channels.telegram.handlers"]
    assert [r.levelname for r in records] == ["WARNING", "WARNING"]
    assert all(r.exc_info is None for r in records)
    assert records[0].getMessage().startswith("polling Telegram failed (NetworkError: httpx.ConnectError")
    assert "SITEBOT_TELEGRAM_PROXY" in records[1].getMessage()
