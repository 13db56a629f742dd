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
from datetime import datetime, timedelta

from tools.base import Text

WINDOW = timedelta(minutes=1)

SLOW_DOWN = Text(
    "你发得太快了（每分钟最多 {limit} 条）。请稍等一分钟再发；在这之前的消息我不会处理，也不会记录。",
    "You are sending messages too fast (at most {limit} a minute). Please wait a minute; I won't handle or record "
    "messages until then.",
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
