"""The messages the process tests send and how the fake Bot API's replies answer them: one write a (worker, date),
counted by the reply that names it (tests/integrity/test_crash.py, test_scale_out.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from tests.support.fake_telegram import FakeTelegram
from tools.fmt import day_text


@dataclass(frozen=True)
class Sent:
    update_id: int
    chat: int  # the Telegram chat (= the foreman's id)
    text: str
    worker: str | None = None  # a write: this worker, this date
    day: date | None = None


def write_reply(sent: Sent, today: date) -> str:
    assert sent.worker is not None and sent.day is not None
    return f"已记工：{sent.worker} {day_text(sent.day, 'zh', today)}，1 工"


def answered(api: FakeTelegram, sent: list[Sent], today: date) -> tuple[Counter[int], Counter[int]]:
    """How often each write was answered (by update id), and how many other replies each chat got (reads)."""
    writes: Counter[int] = Counter()
    others: Counter[int] = Counter()
    expected: dict[int, list[tuple[str, int]]] = {}
    for s in sent:
        if s.worker is not None:
            expected.setdefault(s.chat, []).append((write_reply(s, today), s.update_id))
    for call in api.calls("sendMessage"):
        if call.status != 200:
            continue
        update_id = next((u for prefix, u in expected.get(call.chat_id, []) if call.text.startswith(prefix)), None)
        if update_id is not None:
            writes[update_id] += 1
        else:
            others[call.chat_id] += 1
    return writes, others
