"""Abuse and cost limits, enforced in the router (so in every channel): messages per user per minute, and the
model tokens a user may spend in a day.

The message rate is counted in this process (a sliding minute per user): with several processes behind a webhook a
user may send up to that many messages to each process before being slowed, which still bounds the cost and needs no
database write per message. The token cap is counted in the database (storage.queries.usage), so it holds whichever
process answers.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from storage.queries import usage as uq
from tools.base import Text

WINDOW = timedelta(minutes=1)

SLOW_DOWN = Text(
    "你发得太快了（每分钟最多 {limit} 条）。这一条和接下来一分钟内发的消息都没有处理，也没有记录；"
    "请过一分钟再把它们发一次（前面已经回复的都记好了）。",
    "You are sending messages too fast (at most {limit} a minute). This message and any you send in the next "
    "minute are not handled or recorded; please send them again after a minute (those already answered are "
    "recorded).",
)
MODEL_CAP = Text(
    "今天你的 AI 模型用量已到上限，我先不用模型继续工作：命令（/help）和常用说法照常可用，明天恢复。",
    "You have used today's AI model allowance, so I'll carry on without the model: commands (/help) and the usual "
    "phrasings still work; the model is back tomorrow.",
)


@dataclass
class RateLimiter:
    """At most `per_minute` messages per user in any minute; over it, one notice and then silence."""

    per_minute: int = 20
    _seen: dict[int, deque[datetime]] = field(default_factory=dict)
    _noticed: dict[int, datetime] = field(default_factory=dict)  # user → when they were told (in this window)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, user_id: int, now: datetime) -> str:
        """ "ok" to handle the message, "notice" to answer it with the notice once, "silent" to drop it."""
        if self.per_minute <= 0:
            return "ok"
        with self._lock:
            seen = self._seen.setdefault(user_id, deque())
            while seen and seen[0] <= now - WINDOW:
                seen.popleft()
            if len(seen) < self.per_minute:
                seen.append(now)
                self._noticed.pop(user_id, None)
                if len(self._seen) > 10_000:  # forget users who went quiet, so memory stays flat
                    self._forget(now)
                return "ok"
            if user_id in self._noticed:
                return "silent"
            self._noticed[user_id] = now
            return "notice"

    def _forget(self, now: datetime) -> None:
        for user_id in [u for u, seen in self._seen.items() if not seen or seen[-1] <= now - WINDOW]:
            del self._seen[user_id]
            self._noticed.pop(user_id, None)


@dataclass
class TokenCap:
    """Model tokens per user per day (0: no cap), counted in the database; the day is the configured timezone's."""

    daily: int = 0
    timezone: str = "Asia/Shanghai"

    def day(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def capped(self, session: Session, user_id: int, now: datetime) -> bool | None:
        """None while the user may use the model today; else whether they still have to be told it is used up."""
        if self.daily <= 0:
            return None
        tokens, told = uq.used(session=session, user_id=user_id, day=self.day(now))
        if tokens < self.daily:
            return None
        return not told

    def spend(self, session: Session, user_id: int, now: datetime, *, tokens: int, told: bool) -> None:
        """Count a message's tokens (and that the user was told), in the message's write transaction."""
        uq.add(session=session, user_id=user_id, day=self.day(now), tokens=tokens, notified=told)
