"""Telegram bench: 2,000 free-text updates from 50 users through a fake Bot API, sitebot against a minimal
python-telegram-bot echo bot on the same fake server, in the same run.

Each of the 50 users sends its next message as soon as the answer to the previous one arrived (50 concurrent
users, 40 messages each); latency is from the update being offered by getUpdates to its reply reaching
sendMessage. sitebot runs as `sitebot run` builds it (inbox, per-chat workers, outbox), on a fresh SQLite demo
database, with no model and the rate limiter off (as the issue's figures were measured). CPU is this process's
(the fake server included, the same for both bots).

Targets (issue 9): sitebot's median within 3x of the echo bot's, p99 <= 50 ms, on SQLite.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path, and this file would shadow the telegram package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from telegram import Update  # noqa: E402
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters  # noqa: E402

from bot.app import build_application, build_services, prepare_database  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.models import Membership, Project, Role, User  # noqa: E402
from tests.support.fake_telegram import Call, FakeTelegram, message_update  # noqa: E402

TODAY = date(2026, 11, 25)
USERS = 50
PER_USER = 40  # 2,000 updates
UNLOADED = 200  # then this many, one at a time
FIRST_USER = 700_000
MESSAGES = [
    "预算还剩多少",
    "买水泥花了{n}",
    "本月点工汇总",
    "资金情况",
    "进度怎么样",
    "买钢筋花了{n}",
    "李四今天一个工",
    "本周人工费多少",
]


class BenchTelegram(FakeTelegram):
    """The fake Bot API, answering getUpdates as soon as an update is queued (no 20 ms polling step), and
    handing each user the next message when the answer to the last one is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Condition(self._lock)
        self.run: Run | None = None

    def push_update(self, update: dict[str, Any]) -> None:
        with self.arrived:
            self._updates.append(update)
            self.arrived.notify_all()

    def _take_updates(self, call: Call) -> list[dict[str, Any]]:
        offset = int(call.params.get("offset", "0") or 0)
        limit = int(call.params.get("limit", "100") or 100)
        deadline = time.monotonic() + min(float(call.params.get("timeout", "0") or 0), 0.5)
        with self.arrived:
            while True:
                self._offset = max(self._offset, offset)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    taken = list(self._updates[:limit])
                    break
                self.arrived.wait(timeout=max(0.0, deadline - time.monotonic()))
        if self.run is not None:
            self.run.offered(taken)
        return taken

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        answer = super()._answer(call)
        if call.method == "sendMessage" and self.run is not None:
            self.run.replied(int(call.params["chat_id"]))
        return answer


@dataclass
class Run:
    """One bot's run: who waits for which update, when it was offered, the latencies."""

    api: BenchTelegram
    next_id: int = 1
    sent: dict[int, int] = field(default_factory=dict)  # user → messages sent
    waiting: dict[int, int] = field(default_factory=dict)  # user → update id it waits on
    offered_at: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    total: int = USERS * PER_USER
    one_at_a_time: bool = False

    def send(self, user: int) -> None:
        if self.one_at_a_time and len(self.latencies) < self.total:
            user = FIRST_USER + len(self.latencies) % USERS  # round robin, one message in flight
        with self.lock:
            count = self.sent.get(user, 0)
            if count >= PER_USER or len(self.latencies) + len(self.waiting) >= self.total:
                if len(self.latencies) >= self.total:
                    self.done.set()
                return
            update_id = self.next_id
            self.next_id += 1
            self.sent[user] = count + 1
            self.waiting[user] = update_id
        text = MESSAGES[(user + count) % len(MESSAGES)].format(n=100 + count * 7 + user % 50)
        self.api.push_update(message_update(update_id, text, user_id=user, first_name=f"U{user}"))

    def offered(self, updates: list[dict[str, Any]]) -> None:
        now = time.perf_counter()
        with self.lock:
            for update in updates:
                self.offered_at.setdefault(update["update_id"], now)

    def replied(self, chat_id: int) -> None:
        now = time.perf_counter()
        with self.lock:
            update_id = self.waiting.pop(chat_id, None)
            if update_id is None:
                return  # a second message for one update (an alert): not an answer
            self.latencies.append((now - self.offered_at[update_id]) * 1000)
            finished = len(self.latencies) >= self.total
        if finished:
            self.done.set()
        else:
            self.send(chat_id)


@dataclass
class Figures:
    name: str
    messages: int
    seconds: float
    cpu_seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    @property
    def median(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]

    def line(self) -> str:
        return (
            f"{self.name:8s} {self.messages:5d} answered in {self.seconds:6.2f} s: {self.rate:7.1f} msg/s, "
            f"median {self.median:6.2f} ms, p99 {self.p99:6.2f} ms, CPU {self.cpu_seconds / self.messages * 1000:5.2f} "
            f"ms/msg"
        )


async def drive(
    name: str, application: Application[Any, Any, Any, Any, Any, Any], api: BenchTelegram
) -> tuple[Figures, Figures]:
    """Poll with the application: first the 50 users talking at once until 2,000 answers came back (throughput,
    latency under load), then UNLOADED messages one at a time (the latency of one update with nothing queued)."""
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=10, drop_pending_updates=False)
        await application.start()
        results = []
        next_id = 1
        for label, run in (
            (name, Run(api)),
            (f"{name} 1x", Run(api, total=UNLOADED, one_at_a_time=True)),
        ):
            run.next_id = next_id
            api.run = run
            cpu, started = time.process_time(), time.perf_counter()
            for user in range(FIRST_USER, FIRST_USER + (1 if run.one_at_a_time else USERS)):
                run.send(user)
            finished = await asyncio.to_thread(run.done.wait, 900)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            if not finished:
                raise SystemExit(f"{label}: only {len(run.latencies)} of {run.total} answers arrived")
            results.append(Figures(label, len(run.latencies), seconds, cpu, run.latencies))
            next_id = run.next_id
        await application.updater.stop()
        await application.stop()
    return results[0], results[1]


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def echo_bot(api: BenchTelegram) -> Application[Any, Any, Any, Any, Any, Any]:
    """The python-telegram-bot echo example, with updates handled concurrently as sitebot does."""
    application = ApplicationBuilder().token(api.token).base_url(api.api_url).concurrent_updates(True).build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return application


def members(services: Any) -> None:
    """50 managers of SG3 known by Telegram id (managers may record costs)."""
    with services.sessions() as session:
        project = session.query(Project).filter(Project.code == "SG3").one()
        for index in range(USERS):
            user = User(telegram_id=FIRST_USER + index, name=f"经理{index}")
            session.add(user)
            session.flush()
            session.add(Membership(user_id=user.id, project_id=project.id, role=Role.manager))
        session.commit()


async def main_async() -> int:
    with BenchTelegram() as api:
        echo_load, echo_one = await drive("echo", echo_bot(api), api)
    with tempfile.TemporaryDirectory() as folder, BenchTelegram() as api:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite:///{folder}/bench.db",
            telegram_token=api.token,
            telegram_api_url=api.api_url,
            llm_api_key=None,
            llm_base_url=None,
            rate_limit_per_minute=0,  # 40 messages per user in seconds: the bench measures speed, not the limiter
        )
        services = build_services(settings)
        prepare_database(services, TODAY)
        members(services)
        application = build_application(services)
        application.bot._rate_limiter = None  # as the issue measured: the limiter off (it caps at 30 msg/s)
        site_load, site_one = await drive("sitebot", application, api)
        replies = [c.text for c in api.calls("sendMessage")]
        services.engine.dispose()
    print(f"{USERS} users x {PER_USER} free-text messages, fake Bot API on 127.0.0.1, no model, SQLite")
    for figures in (echo_load, site_load, echo_one, site_one):
        print(figures.line())
    print(
        f"50 users at once: throughput echo/sitebot {echo_load.rate / site_load.rate:.2f}x, "
        f"median latency sitebot/echo {site_load.median / echo_load.median:.2f}x"
    )
    print(
        f"one at a time: median sitebot/echo {site_one.median / echo_one.median:.2f}x (target <= 3x), "
        f"sitebot p99 {site_one.p99:.2f} ms (target <= 50 ms)"
    )
    refused = sum("出错" in text or "稍后再试" in text for text in replies)
    print(f"sitebot replies: {len(replies)}, of which errors or retries: {refused}; e.g. {replies[0][:60]!r}")
    return 0


def main() -> int:
    return asyncio.run(main_async())


if __name__ == "__main__":
    sys.exit(main())
