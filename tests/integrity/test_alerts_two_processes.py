"""Immediate alerts with two real `sitebot run` processes behind a webhook on one PostgreSQL database.

A project's labour line (2,050 yuan, workers at 100 a day) is pushed past 80% and then over budget by 24 labour
entries from eight foremen, posted concurrently and split between the two processes (a quarter to both, as Telegram
retries at the other). Three bound groups and the manager who sent `/alerts on` each get exactly one alert per
crossing: the 80% line once, the overrun once (and the project's forecast turning over budget with it, once). A
fourth bound group blocked the bot: its first alert is refused with 403, the chat is marked, and it gets nothing
more. Then each foreman undoes his last entry (back under 80%,
through the band between 80% and 100%, which is no new crossing), and one new entry crosses 80% again: exactly one
more alert per chat, none for the blocked group.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Chat, LaborEntry, Notification, Role
from tests.integrity.replies import Sent, answered
from tests.integrity.webhook import START_TIMEOUT, Bot, Telegram, bot_env, wait_until
from tests.support.factories import Factory
from tests.support.fake_telegram import FakeTelegram, message_update

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)

ZONE = "Asia/Shanghai"
NAMES = "张伟王芳李娜刘洋陈杰杨帆黄磊赵敏吴刚周涛徐静孙浩马超朱琳胡军郭峰何平高翔林峰罗斌郑凯梁宇谢婷宋佳冯军"
WORKERS = [NAMES[i : i + 2] for i in range(0, len(NAMES), 2)]  # 25 workers at 100 a day
FOREMEN = [7001 + n for n in range(8)]  # private chats, one foreman each
MANAGER = 5001
GROUPS = [-9001, -9002, -9003]  # bound to the project
BLOCKED = -9004  # bound too, but it blocked the bot: Telegram answers 403
BUDGET = 2050  # 80% at the 17th entry, over at the 21st: never exactly 100%
FIRST = 24  # entries of the first round: 2,400 (117%)
FINISH_TIMEOUT = 180.0
CROSSED = Counter({"80": 1, "over": 1, "forecast": 1})  # what each chat gets from the first round
CROSSED_AGAIN = CROSSED + Counter({"80": 1})


def alerts(api: FakeTelegram, chat: int) -> Counter[str]:
    """The alerts a chat received: "80" (the labour line past 80%), "over" (it is over budget), "forecast" (so the
    project's forecast at completion is over its total budget: the other lines are forecast at their budgets)."""
    found: Counter[str] = Counter()
    for call in api.calls("sendMessage"):
        if call.chat_id != chat or call.status != 200 or not call.text.startswith("🔔"):
            continue
        # one message says everything one write started: a condition after its head, or one per "· " line
        for text in [line.removeprefix("· ") for line in call.text.partition("：")[2].split("\n") if line.strip()]:
            if "人工费" in text and "超过 80% 预警线" in text:
                found["80"] += 1
            elif "人工费" in text and "超支" in text:
                found["over"] += 1
            elif "项目合计：预计完工" in text:
                found["forecast"] += 1
            else:
                found[text] += 1
    return found


@pytest.fixture
def bots(db_url: str, tmp_path: Path) -> Iterator[tuple[Bot, Bot, FakeTelegram]]:
    with FakeTelegram() as api:
        env = bot_env(db_url, api, tmp_path, ZONE)
        first, second = Bot("a", env, tmp_path), Bot("b", env, tmp_path)
        try:
            yield first, second, api
        finally:
            first.stop()
            second.stop()


@pytest.mark.skipif(
    not os.environ.get("SITEBOT_TEST_DATABASE_URL"),
    reason="two processes share PostgreSQL (SITEBOT_TEST_DATABASE_URL); one SQLite file is the one-process set-up, "
    "whose alerts tests/bot/test_alerts_now.py covers",
)
def test_two_processes_alert_each_chat_once_per_crossing_and_again_after_recovery(
    bots: tuple[Bot, Bot, FakeTelegram], session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    first, second, api = bots
    caplog.set_level(logging.WARNING, logger="httpx")
    now = datetime.now(ZoneInfo(ZONE))  # `sitebot run` keeps real time
    today = now.date()
    make = Factory(session, today=today)
    project = make.project(code="SG3", name="阳光花园3号楼", timezone=ZONE, start=today - timedelta(days=200))
    make.budget(project, "labor", BUDGET)
    make.budget(project, "materials", 100000)  # the project total stays far from its budget
    for name in WORKERS:
        make.worker(name, 100)
    for chat in FOREMEN:
        make.user(f"工长{chat}", project=project, role=Role.foreman, telegram_id=chat)
    make.user("王经理", project=project, role=Role.manager, telegram_id=MANAGER)
    for group in [*GROUPS, BLOCKED]:  # no digest: these chats get alerts only
        session.add(Chat(telegram_chat_id=group, title=str(group), project_id=project.id, digest_enabled=False))
    session.commit()
    api.block(BLOCKED)

    yesterday = today - timedelta(days=1)
    day = f"{yesterday.month}月{yesterday.day}日"
    writes = [Sent(1 + k, FOREMEN[k % 8], f"{WORKERS[k]}{day}一个工", WORKERS[k], yesterday) for k in range(FIRST)]
    undos = [Sent(101 + n, chat, "/undo") for n, chat in enumerate(FOREMEN)]
    again = Sent(201, FOREMEN[0], f"{WORKERS[FIRST]}{day}一个工", WORKERS[FIRST], yesterday)

    def update(sent: Sent) -> dict[str, Any]:
        return message_update(sent.update_id, sent.text, user_id=sent.chat, first_name="工长")

    def spread(batch: list[Sent]) -> list[tuple[Bot, dict[str, Any]]]:
        """Alternately to each process; every fourth to both (the second copy is Telegram's retry)."""
        jobs = []
        for n, sent in enumerate(batch):
            jobs.append((first if n % 2 else second, update(sent)))
            if n % 4 == 0:
                jobs.append((second if n % 2 else first, update(sent)))
        return jobs

    def said(chat: int, prefix: str) -> int:
        return sum(1 for text in api.sent_texts(chat) if text.startswith(prefix))

    def every_chat(expected: Counter[str]) -> bool:
        return all(alerts(api, chat) == expected for chat in [*GROUPS, MANAGER])

    def received() -> dict[int, Counter[str]]:
        return {chat: alerts(api, chat) for chat in [*GROUPS, MANAGER]}

    def blocked_calls() -> list[float]:
        return [call.at for call in api.calls("sendMessage") if call.chat_id == BLOCKED]

    telegram = Telegram()
    try:
        first.start()
        second.start()
        wait_until(lambda: first.listening() and second.listening(), START_TIMEOUT, "both listen", first, second)
        telegram.post(first, message_update(90, "/alerts on", user_id=MANAGER, first_name="王经理"))
        wait_until(lambda: said(MANAGER, "已开启") == 1, FINISH_TIMEOUT, "alerts are on", first, second)

        # 1. Past 80%, then over budget: one alert per crossing and chat, whichever process wrote the entry.
        telegram.post_all(spread(writes))
        wait_until(
            lambda: len(answered(api, writes, today)[0]) == FIRST and every_chat(CROSSED),
            FINISH_TIMEOUT,
            "every entry is answered and every chat has its alerts",
            first,
            second,
        )
        time.sleep(2.0)  # a second copy of anything would show up now
        by_write, _ = answered(api, writes, today)
        assert by_write == Counter({s.update_id: 1 for s in writes})
        assert every_chat(CROSSED), received()
        assert not any(alerts(api, chat) for chat in FOREMEN)  # the foremen asked for no alerts
        session.rollback()
        session.expire_all()
        blocked = session.scalar(select(Chat).where(Chat.telegram_chat_id == BLOCKED))
        assert blocked is not None and blocked.blocked_at is not None
        # its first alert was refused; later ones were queued only if they crossed before the chat was marked
        queued = list(
            session.scalars(
                select(Notification.status).where(Notification.chat_id == blocked.id, Notification.kind == "alert")
            )
        )
        assert queued and set(queued) == {"failed"} and len(queued) <= 3
        refused = blocked_calls()
        assert 1 <= len(refused) <= len(queued)
        assert all(call.status == 403 for call in api.calls("sendMessage") if call.chat_id == BLOCKED)

        # 2. Each foreman undoes his last entry: 1,600 (78%), through 80%..100% again, which is no new crossing.
        telegram.post_all(spread(undos))
        wait_until(
            lambda: all(said(chat, "已撤回") == 1 for chat in FOREMEN), FINISH_TIMEOUT, "every undo", first, second
        )
        time.sleep(2.0)
        assert session.scalar(select(func.count(LaborEntry.id))) == FIRST - len(FOREMEN)
        assert every_chat(CROSSED), received()

        # 3. A new entry crosses 80% again: one more alert per chat, posted to both processes.
        telegram.post_all([(first, update(again)), (second, update(again))])
        wait_until(lambda: every_chat(CROSSED_AGAIN), FINISH_TIMEOUT, "the second crossing", first, second)
        time.sleep(2.0)
        assert every_chat(CROSSED_AGAIN), received()
        assert answered(api, [again], today)[0] == Counter({again.update_id: 1})
        assert blocked_calls() == refused  # marked: nothing more was even tried
        session.rollback()
        assert session.scalar(
            select(func.count(Notification.id)).where(Notification.chat_id == blocked.id, Notification.kind == "alert")
        ) == len(queued)  # nothing more queued for it either

        assert first.signal(signal.SIGTERM) == 0, first.logs()
        assert second.signal(signal.SIGTERM) == 0, second.logs()
    finally:
        telegram.close()
