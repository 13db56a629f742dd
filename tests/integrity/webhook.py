"""Real `sitebot run` processes in webhook mode, and Telegram posting updates to them over HTTP (the scale-out and
two-process alert tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.support.fake_telegram import FakeTelegram

SECRET = "scale_out-Secret"
URL = "https://bot.example.test/tg/hook"
POSTERS = 8  # concurrent HTTP posts (Telegram opens up to 40 connections)
START_TIMEOUT = 120.0
SITEBOT = Path(sys.executable).with_name("sitebot")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(db_url: str, api: FakeTelegram, home: Path, zone: str) -> dict[str, str]:
    """What every process of a test runs with: the test's database, the fake Bot API, the webhook settings."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "SITEBOT_DATABASE_URL": db_url,
        "SITEBOT_TELEGRAM_TOKEN": api.token,
        "SITEBOT_TELEGRAM_API_URL": api.api_url,
        "SITEBOT_TIMEZONE": zone,
        "SITEBOT_WEBHOOK_URL": URL,
        "SITEBOT_WEBHOOK_SECRET": SECRET,
        "SITEBOT_WEBHOOK_LISTEN": "127.0.0.1",
        "SITEBOT_RATE_LIMIT_PER_MINUTE": "0",  # many messages per user in seconds: these tests are not about pace
    }


class Bot:
    """One `sitebot run` in webhook mode as a subprocess, on its own port, its log in a file."""

    def __init__(self, name: str, env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.port = free_port()
        self.env = {**env, "SITEBOT_WEBHOOK_PORT": str(self.port)}
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        with (self.cwd / f"{self.name}{self.runs}.log").open("wb") as output:
            self.process = subprocess.Popen(
                [str(SITEBOT), "run"], env=self.env, cwd=self.cwd, stdout=output, stderr=subprocess.STDOUT
            )

    def listening(self) -> bool:
        assert self.process is not None and self.process.poll() is None, f"{self.name} exited\n{self.logs()}"
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def signal(self, number: int, timeout: float = 60.0) -> int:
        assert self.process is not None
        self.process.send_signal(number)
        code = self.process.wait(timeout)  # reaped: its leases and claims are seen as a dead process's
        self.process = None
        return code

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.cwd.glob(f"{self.name}*.log")))


def wait_until(done: Callable[[], bool], timeout: float, what: str, *bots: Bot) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}\n" + "\n".join(b.logs() for b in bots))
        for bot in bots:
            assert bot.process is not None and bot.process.poll() is None, f"{bot.name} exited\n{bot.logs()}"
        time.sleep(0.2)


class Telegram:
    """Posts updates to the processes' webhooks as Telegram does: JSON, the secret header, retried until 200."""

    def __init__(self) -> None:
        self.client = httpx.Client(timeout=30.0, limits=httpx.Limits(max_connections=2 * POSTERS))
        self.answers: Counter[int] = Counter()

    def post(self, bot: Bot, update: dict[str, Any]) -> None:
        url = f"http://127.0.0.1:{bot.port}/tg/hook"
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        answer = self.client.post(url, json=update, headers=headers)
        self.answers[answer.status_code] += 1
        assert answer.status_code == 200, f"update {update['update_id']} to {bot.name}: {answer.status_code}"

    def post_all(self, jobs: list[tuple[Bot, dict[str, Any]]]) -> None:
        with ThreadPoolExecutor(POSTERS) as pool:
            for future in [pool.submit(self.post, bot, update) for bot, update in jobs]:
                future.result()

    def close(self) -> None:
        self.client.close()
