"""Two real `sitebot run` processes behind a webhook on one database, one of them killed with SIGKILL mid-way.

The test is Telegram and the reverse proxy: it posts 1,000 updates over HTTP (with the secret token header) to two
`sitebot run` processes in webhook mode, a tenth of them to both (Telegram retrying at the other process), fifty to
the second just before it is killed with SIGKILL; while it is down the first one takes everything, then it is
started again and both take the rest. A fake Bot API in this process records every reply. Then: every write is in
the database exactly once, every update is done and answered once, and the two schedulers (three runs) sent one
digest to each bound chat. It runs on PostgreSQL (SITEBOT_TEST_DATABASE_URL), the database for several processes;
on SQLite only when SITEBOT_TEST_SCALE_OUT_SQLITE=1.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.channels.telegram.process import APOLOGY
from storage.models import AuditLog, Chat, InboxUpdate, LaborEntry, Notification, Role, Worker
from tests.integrity.replies import Sent, answered, write_reply
from tests.support.factories import Factory
from tests.support.fake_telegram import FakeTelegram, message_update
from tools.base import CONFLICT, INTERNAL

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)

ZONE = "Asia/Shanghai"
NAMES = (
    "张伟王芳李娜刘洋陈杰杨帆黄磊赵敏吴刚周涛徐静孙浩马超朱琳胡军郭峰何平高翔林峰罗斌郑凯梁宇谢婷宋佳"
    "冯军董芳萧然程亮曹雪袁野邓超许诺傅雷沈括曾毅彭湃吕布苏轼卢俊蒋勤蔡健贾宁丁一魏征薛岳叶挺阎肃余华"
)
WORKERS = [NAMES[i : i + 2] for i in range(0, len(NAMES), 2)]  # 48 workers
CHATS = 10  # private chats, one foreman each (Telegram ids 7001…)
DIGEST_CHATS = 4  # groups bound to the project: each gets one digest
UPDATES = 1000
READ_EVERY = 25  # every 25th message is a question: 40 reads, 960 writes
BOTH_EVERY = 10  # every 10th update is posted to both processes
VICTIM = range(301, 351)  # posted to the second process only, just before it is killed
ALONE = range(351, 651)  # posted while the second process is down: the first one takes them
SECRET = "scale_out-Secret"
URL = "https://bot.example.test/tg/hook"
POSTERS = 8  # concurrent HTTP posts (Telegram opens up to 40 connections)
MAX_TWICE = CHATS  # replies a SIGKILL can catch between the send and its "sent" mark: one per chat worker at most
START_TIMEOUT = 120.0
FINISH_TIMEOUT = 240.0
SITEBOT = Path(sys.executable).with_name("sitebot")


def messages(today: date) -> list[Sent]:
    """1,000 messages: each write a different (worker, date), in two phrasings; a read every 25th."""
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


@pytest.fixture
def bots(db_url: str, tmp_path: Path) -> Iterator[tuple[Bot, Bot, FakeTelegram]]:
    with FakeTelegram() as api:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "SITEBOT_DATABASE_URL": db_url,
            "SITEBOT_TELEGRAM_TOKEN": api.token,
            "SITEBOT_TELEGRAM_API_URL": api.api_url,
            "SITEBOT_TIMEZONE": ZONE,
            "SITEBOT_WEBHOOK_URL": URL,
            "SITEBOT_WEBHOOK_SECRET": SECRET,
            "SITEBOT_WEBHOOK_LISTEN": "127.0.0.1",
            "SITEBOT_RATE_LIMIT_PER_MINUTE": "0",  # 100 messages per user in seconds: this test is not about pace
        }
        first, second = Bot("a", env, tmp_path), Bot("b", env, tmp_path)
        try:
            yield first, second, api
        finally:
            first.stop()
            second.stop()


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


def out_of_order(api: FakeTelegram, sent: list[Sent], today: date) -> int:
    """Write replies sent to a chat before the reply of an earlier write of that chat (a figure, not a rule: the
    posters run in parallel, so a later update can reach a process before an earlier one is stored anywhere)."""
    expected = {(s.chat, write_reply(s, today)): s.update_id for s in sent if s.worker is not None}
    seen: dict[int, list[int]] = {}
    for call in api.calls("sendMessage"):
        update_id = next(
            (u for (chat, prefix), u in expected.items() if chat == call.chat_id and call.text.startswith(prefix)), None
        )
        if update_id is not None and update_id not in seen.get(call.chat_id, []):
            seen.setdefault(call.chat_id, []).append(update_id)
    return sum(1 for ids in seen.values() for i, u in enumerate(ids) if any(u > later for later in ids[i + 1 :]))


def digest_at(now: datetime) -> str:
    """A digest time 30-90 s ahead, when both processes run (their schedulers fire together); 00:00 past midnight."""
    at = (now + timedelta(seconds=90)).replace(second=0, microsecond=0)
    return at.strftime("%H:%M") if at.date() == now.date() else "00:00"


@pytest.mark.skipif(
    not os.environ.get("SITEBOT_TEST_DATABASE_URL") and not os.environ.get("SITEBOT_TEST_SCALE_OUT_SQLITE"),
    reason="several processes share PostgreSQL; on SQLite (SITEBOT_TEST_SCALE_OUT_SQLITE=1) two processes' writers "
    "on a loaded 2-core machine can wait past busy_timeout for the one write lock",
)
def test_two_webhook_processes_and_a_sigkill_write_answer_and_digest_once(
    bots: tuple[Bot, Bot, FakeTelegram], session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    first, second, api = bots
    caplog.set_level(logging.WARNING, logger="httpx")  # one line per post otherwise
    now = datetime.now(ZoneInfo(ZONE))  # `sitebot run` keeps real time
    today = now.date()
    make = Factory(session, today=today)
    project = make.project(code="SG3", name="阳光花园3号楼", timezone=ZONE, start=today - timedelta(days=200))
    for name in WORKERS:
        make.worker(name, 300)
    for n in range(CHATS):
        make.user(f"工长{n}", project=project, role=Role.foreman, telegram_id=7001 + n)
    groups = [-9001 - n for n in range(DIGEST_CHATS)]
    for n, group in enumerate(groups):
        # half are due at once (every start's catch-up queues them), half at a minute both schedulers share
        digest_time = "00:00" if n % 2 else digest_at(now)
        session.add(
            Chat(telegram_chat_id=group, title=f"群{n}", project_id=project.id, timezone=ZONE, digest_time=digest_time)
        )
    session.commit()

    sent = messages(today)
    updates = {s.update_id: message_update(s.update_id, s.text, user_id=s.chat, first_name="工长") for s in sent}
    telegram = Telegram()
    try:
        run_the_traffic(first, second, api, telegram, sent, updates, groups, session, today)
    finally:
        telegram.client.close()


def run_the_traffic(
    first: Bot,
    second: Bot,
    api: FakeTelegram,
    telegram: Telegram,
    sent: list[Sent],
    updates: dict[int, dict[str, Any]],
    groups: list[int],
    session: Session,
    today: date,
) -> None:
    writes = [s for s in sent if s.worker is not None]
    reads_per_chat = Counter(s.chat for s in sent if s.worker is None)
    both = {u for u in updates if u % BOTH_EVERY == 0 and u not in VICTIM}

    def share(ids: range) -> list[tuple[Bot, dict[str, Any]]]:
        """Alternately to each process; a tenth to both (the second copy is Telegram's retry)."""
        jobs = []
        for u in ids:
            jobs.append((first if u % 2 else second, updates[u]))
            if u in both:
                jobs.append((second if u % 2 else first, updates[u]))
        return jobs

    started = time.monotonic()
    first.start()
    second.start()
    wait_until(lambda: first.listening() and second.listening(), START_TIMEOUT, "both listen", first, second)
    ready = time.monotonic()

    telegram.post_all(share(range(1, VICTIM.start)))
    telegram.post_all([(second, updates[u]) for u in VICTIM])  # stored by the second process (it answered 200)
    by_write, _ = answered(api, sent, today)
    victims_left = sum(1 for u in VICTIM if u in {s.update_id for s in writes} and u not in by_write)
    second.signal(signal.SIGKILL)
    killed = time.monotonic()
    before_kill = len(api.sent_texts())

    second.start()  # comes back while the first takes everything (the proxy sends only to live processes)
    telegram.post_all([(first, updates[u]) for u in ALONE])
    wait_until(second.listening, START_TIMEOUT, "the second process listens again", first, second)
    telegram.post_all(share(range(ALONE.stop, UPDATES + 1)))
    posted = time.monotonic()

    def finished() -> bool:
        by_write, by_chat = answered(api, sent, today)
        digests = sum(1 for call in api.calls("sendMessage") if call.chat_id in groups and call.status == 200)
        return (
            len(by_write) == len(writes)
            and all(by_chat[chat] >= n for chat, n in reads_per_chat.items())
            and digests >= DIGEST_CHATS
        )

    wait_until(finished, FINISH_TIMEOUT, "every update is answered and every chat has its digest", first, second)
    done = time.monotonic()
    time.sleep(1.0)  # a second copy of anything would show up now
    assert first.signal(signal.SIGTERM) == 0, first.logs()
    assert second.signal(signal.SIGTERM) == 0, second.logs()

    by_write, by_chat = answered(api, sent, today)
    twice = sum(n - 1 for n in by_write.values()) + sum(
        by_chat[c] - n for c, n in reads_per_chat.items() if c not in groups
    )
    replies = [c.text for c in api.calls("sendMessage") if c.status == 200]
    session.rollback()
    entries = Counter(
        session.execute(select(Worker.name, LaborEntry.work_date).join(Worker, Worker.id == LaborEntry.worker_id))
    )
    log.info(  # the figures, for the record (pytest -o log_cli=true --log-cli-level=INFO)
        f"scale-out test: {UPDATES} updates ({len(writes)} writes), {len(both)} posted to both, {len(VICTIM)} to "
        f"the killed process ({victims_left} of its writes unanswered at the kill), {telegram.answers} HTTP answers; "
        f"{before_kill} replies before the kill, {len(replies)} in all, {twice} sent twice, "
        f"{out_of_order(api, sent, today)} answered before an earlier write of their chat; "
        f"{sum(entries.values())} entries; start {ready - started:.1f}s, posting {posted - ready:.1f}s, "
        f"all answered {done - ready:.1f}s after both listened ({done - killed:.1f}s after the kill)"
    )

    assert victims_left > 0, "the kill must fall while the killed process still holds updates"
    # every write is in the database exactly once, and nothing else is
    assert entries == Counter({(s.worker, s.day): 1 for s in writes})
    assert session.scalar(select(func.count(AuditLog.id)).where(AuditLog.tool == "log_labor")) == len(writes)
    # every update is done in the inbox, none given up, and has exactly one reply in the outbox
    assert Counter(session.scalars(select(InboxUpdate.status))) == Counter({"done": UPDATES})
    replies_queued = Counter(session.scalars(select(Notification.update_id).where(Notification.kind == "reply")))
    assert replies_queued == Counter({u: 1 for u in updates})
    # every update was answered; only a send the SIGKILL caught before its "sent" mark may go out twice
    assert set(by_write) == {s.update_id for s in writes}
    assert all(by_chat[chat] >= n for chat, n in reads_per_chat.items())
    unclear = (APOLOGY.render("zh"), INTERNAL.render("zh"), CONFLICT.render("zh"), "已经记过")
    assert not [text for text in replies if any(words in text for words in unclear)]
    assert twice <= MAX_TWICE, f"{twice} replies were sent twice"
    # the two schedulers (and the restart's catch-up) queued and sent one digest per bound chat
    digests = Counter(call.chat_id for call in api.calls("sendMessage") if call.chat_id in groups)
    assert digests == Counter({group: 1 for group in groups})
    assert session.scalar(select(func.count(Notification.id)).where(Notification.kind == "digest")) == DIGEST_CHATS


def test_a_second_poller_for_the_same_token_refuses_to_start_until_the_first_is_gone(
    db_url: str, tmp_path: Path
) -> None:
    with FakeTelegram() as api:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "SITEBOT_DATABASE_URL": db_url,
            "SITEBOT_TELEGRAM_TOKEN": api.token,
            "SITEBOT_TELEGRAM_API_URL": api.api_url,
            "SITEBOT_TIMEZONE": ZONE,
        }
        first, second, third = (Bot(name, env, tmp_path) for name in ("p", "q", "r"))
        try:
            first.start()
            wait_until(lambda: len(api.calls("getUpdates")) > 0, START_TIMEOUT, "the first one polls", first)
            second.start()
            assert second.process is not None
            assert second.process.wait(START_TIMEOUT) == 3
            refusal = second.logs()
            assert "already long-polling this bot" in refusal and "SITEBOT_WEBHOOK_URL" in refusal
            assert api.token.partition(":")[2] not in refusal  # the token's secret part never shows
            assert first.process is not None and first.process.poll() is None  # the first one is untouched

            first.signal(signal.SIGKILL)  # dies holding the lock: on this host it is taken over at once
            polls = len(api.calls("getUpdates"))
            third.start()
            wait_until(lambda: len(api.calls("getUpdates")) > polls, START_TIMEOUT, "the third one polls", third)
            assert third.signal(signal.SIGTERM) == 0, third.logs()
        finally:
            for bot in (first, second, third):
                bot.stop()
