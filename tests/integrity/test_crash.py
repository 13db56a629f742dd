"""`kill -9` of `sitebot run` while updates are queued: after a restart every update is written once and answered.

A fake Bot API in this process holds 480 message updates from six chats (a distinct labour entry each, and some
reads). The real `sitebot run` (the installed console script, its own process and engine) polls it; once some
but not all are answered it is killed with SIGKILL, started again, and stopped with SIGTERM once every update is
answered. Then: every write is in the database exactly once, every update is done in the inbox, every update was
answered, and a reply sent twice (the kill fell between a send and its "sent" mark) is rare.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.channels.telegram.process import APOLOGY
from storage.models import AuditLog, InboxUpdate, LaborEntry, Role, Worker
from tests.integrity.replies import Sent, answered
from tests.support.factories import Factory
from tests.support.fake_telegram import FakeTelegram, message_update
from tools.base import CONFLICT, INTERNAL

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)

ZONE = "Asia/Shanghai"
NAMES = "张伟王芳李娜刘洋陈杰杨帆黄磊赵敏吴刚周涛徐静孙浩马超朱琳胡军郭峰何平高翔林峰罗斌郑凯梁宇谢婷宋佳"
WORKERS = [NAMES[i : i + 2] for i in range(0, len(NAMES), 2)]  # 24 workers
CHATS = 6  # private chats, one foreman each (Telegram ids 7001…)
UPDATES = 480
READ_EVERY = 12  # every 12th message is a question: 40 reads, 440 writes
KILL_AFTER = 100  # replies seen before the SIGKILL
IN_FLIGHT = 10  # …and writes confirmed to Telegram (never sent again) still unanswered
MAX_TWICE = 6  # replies sent again after the kill (one per chat in flight at most, in practice)
START_TIMEOUT = 120.0  # seconds: generous, a loaded CI machine must not flake
FINISH_TIMEOUT = 300.0
SITEBOT = Path(sys.executable).with_name("sitebot")


def messages(today: date) -> list[Sent]:
    """480 messages: each write a different (worker, date), in two phrasings; a read every 12th."""
    pairs = iter([(w, today - timedelta(days=k)) for k in range(1, 21) for w in WORKERS])
    sent = []
    for update_id in range(1, UPDATES + 1):
        chat = 7001 + update_id % CHATS
        if update_id % READ_EVERY == 0:
            sent.append(Sent(update_id, chat, "预算还剩多少"))
            continue
        worker, day = next(pairs)
        text = f"{worker}{day.month}月{day.day}日一个工" if update_id % 2 else f"{worker}{day.month}-{day.day:02d}一天"
        sent.append(Sent(update_id, chat, text, worker, day))
    return sent


class Bot:
    """`sitebot run` as a subprocess, its log in a file."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        with (self.cwd / f"run{self.runs}.log").open("wb") as output:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [str(SITEBOT), "run"], env=self.env, cwd=self.cwd, stdout=output, stderr=subprocess.STDOUT
            )

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
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.cwd.glob("run*.log")))


@pytest.fixture
def bot(db_url: str, tmp_path: Path) -> Iterator[tuple[Bot, FakeTelegram]]:
    with FakeTelegram() as api:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "SITEBOT_DATABASE_URL": db_url,
            "SITEBOT_TELEGRAM_TOKEN": api.token,
            "SITEBOT_TELEGRAM_API_URL": api.api_url,
            "SITEBOT_TIMEZONE": ZONE,
            "SITEBOT_RATE_LIMIT_PER_MINUTE": "0",  # 80 messages per foreman in seconds: this test is not about pace
        }
        runner = Bot(env, tmp_path)
        try:
            yield runner, api
        finally:
            runner.stop()


def wait_until(done: Callable[[], bool], timeout: float, what: str, bot: Bot) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}\n{bot.logs()}")
        assert bot.process is not None and bot.process.poll() is None, f"sitebot run exited\n{bot.logs()}"
        time.sleep(0.2)


def test_sigkill_while_updates_are_queued_loses_and_doubles_nothing(
    bot: tuple[Bot, FakeTelegram], session: Session, tmp_path: Path
) -> None:
    runner, api = bot
    today = datetime.now(ZoneInfo(ZONE)).date()  # `sitebot run` keeps real time
    make = Factory(session, today=today)
    project = make.project(code="SG3", name="阳光花园3号楼", timezone=ZONE, start=today - timedelta(days=200))
    for name in WORKERS:
        make.worker(name, 300)
    for n in range(CHATS):
        make.user(f"工长{n}", project=project, role=Role.foreman, telegram_id=7001 + n)
    sent = messages(today)
    for s in sent:
        api.push_update(message_update(s.update_id, s.text, user_id=s.chat, first_name=f"工长{s.chat - 7001}"))
    writes = [s for s in sent if s.worker is not None]
    reads_per_chat = Counter(s.chat for s in sent if s.worker is None)
    started = time.monotonic()

    def confirmed_unanswered() -> int:
        """Writes Telegram counts as delivered (it will not send them again) that have no reply yet."""
        by_write, _ = answered(api, sent, today)
        return sum(1 for s in writes if s.update_id <= api.confirmed and s.update_id not in by_write)

    def in_flight() -> bool:
        return len(api.calls("sendMessage")) >= KILL_AFTER and confirmed_unanswered() >= IN_FLIGHT

    runner.start()
    wait_until(in_flight, START_TIMEOUT, "some updates are answered and confirmed ones wait", runner)
    runner.signal(signal.SIGKILL)
    before_kill = len([c for c in api.calls("sendMessage") if c.status == 200])
    confirmed, unanswered = api.confirmed, confirmed_unanswered()  # only the inbox has these now
    killed_at = time.monotonic()

    def all_answered() -> bool:
        by_write, by_chat = answered(api, sent, today)
        return len(by_write) == len(writes) and all(by_chat[chat] >= n for chat, n in reads_per_chat.items())

    runner.start()
    wait_until(all_answered, FINISH_TIMEOUT, "every update is answered", runner)
    assert runner.signal(signal.SIGTERM) == 0, runner.logs()

    by_write, by_chat = answered(api, sent, today)
    twice = sum(n - 1 for n in by_write.values()) + sum(by_chat[c] - n for c, n in reads_per_chat.items())
    replies = [c.text for c in api.calls("sendMessage") if c.status == 200]
    session.rollback()
    entries = Counter(
        session.execute(select(Worker.name, LaborEntry.work_date).join(Worker, Worker.id == LaborEntry.worker_id))
    )
    log.info(  # the figures, for the record (pytest -o log_cli=true --log-cli-level=INFO)
        f"crash test: {UPDATES} updates queued ({len(writes)} writes), {before_kill} answered before SIGKILL "
        f"({confirmed} confirmed to Telegram, {unanswered} of those writes unanswered), "
        f"{len(replies) - before_kill} replies after the restart, {twice} answered twice, "
        f"{sum(entries.values())} entries written; {killed_at - started:.1f}s to the kill, "
        f"{time.monotonic() - killed_at:.1f}s to finish"
    )

    assert 0 < before_kill < UPDATES and unanswered >= IN_FLIGHT, "the kill must fall while updates are queued"
    # every write is in the database exactly once, and nothing else is
    assert entries == Counter({(s.worker, s.day): 1 for s in writes})
    assert session.scalar(select(func.count(AuditLog.id)).where(AuditLog.tool == "log_labor")) == len(writes)
    # every update is done in the inbox, none given up
    statuses = Counter(session.scalars(select(InboxUpdate.status)))
    assert statuses == Counter({"done": UPDATES})
    # every update was answered, as its first handling answered it (a replay never runs a write again)
    assert set(by_write) == {s.update_id for s in writes}
    assert all(by_chat[chat] >= n for chat, n in reads_per_chat.items())
    unclear = (APOLOGY.render("zh"), INTERNAL.render("zh"), CONFLICT.render("zh"), "已经记过")
    assert not [text for text in replies if any(words in text for words in unclear)]
    assert twice <= MAX_TWICE, f"{twice} replies were sent twice"
