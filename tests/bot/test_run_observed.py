"""`sitebot run` as operators start it: SITEBOT_METRICS_PORT serves /metrics, SITEBOT_LOG_JSON=1 writes one JSON
object per line with the update's fields, and neither carries the token."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from storage.models import Role
from tests.support.factories import Factory
from tests.support.fake_telegram import FakeTelegram, message_update

pytestmark = pytest.mark.slow
SITEBOT = Path(sys.executable).with_name("sitebot")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_running_bot_serves_metrics_and_logs_json_lines(
    db_url: str, session: Session, make: Factory, tmp_path: Path
) -> None:
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.worker("李四", 380)
    make.user("老王", project=project, role=Role.foreman, telegram_id=1001)
    session.commit()
    port = free_port()
    with FakeTelegram() as api:
        api.push_update(message_update(1, "李四今天一个工", user_id=1001))
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "SITEBOT_DATABASE_URL": db_url,
            "SITEBOT_TELEGRAM_TOKEN": api.token,
            "SITEBOT_TELEGRAM_API_URL": api.api_url,
            "SITEBOT_METRICS_PORT": str(port),
            "SITEBOT_LOG_JSON": "1",
        }
        log = tmp_path / "run.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(SITEBOT), "run"], env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT
            )
        try:
            api.wait_for("sendMessage", 1, 60)

            def scraped() -> bool:
                try:
                    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                except httpx.HTTPError:
                    return False
                return 'sitebot_updates_total{outcome="written"} 1.0' in body

            wait_for(scraped)
            body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            assert 'sitebot_tool_calls_total{outcome="ok",tool="log_labor"} 1.0' in body
            assert 'sitebot_queue_depth{queue="inbox"} 0.0' in body
            assert "process_resident_memory_bytes" in body
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        token = api.token
    written = log.read_text(errors="replace")
    lines = [json.loads(line) for line in written.splitlines() if line.startswith("{")]
    assert lines, written[-2000:]
    [handled] = [line for line in lines if line["logger"] == "sitebot.event" and line.get("update_id") == 1]
    assert handled["outcome"] == "written" and handled["tool"] == "log_labor" and handled["chat"] == 1001
    assert token not in written and "李四今天一个工" not in written
