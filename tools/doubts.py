"""Figures that read cleanly but are odd for this worker or project: proposed with every reason, never written
unasked.

A write collects what is odd about it (an overtime-only day, a 14-hour day, a rate ten times the worker's, an
advance of months of wages, a unit price far from what the project has paid) and asks once, naming all of them:
confirming one question must never pass a second check the user did not see. The hard limits (more than 16 hours,
more than 3 工 a day) stay refusals; controls that need a role (a stopped budget line) stay separate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tools.base import NeedsConfirmation, Text

# An entry's own rate this far from the rate in force (either way) is asked about.
RATE_FACTOR = Decimal(2)
# Hours in one day beyond which a day is asked about (the hard limit is MAX_HOURS_IN_A_DAY).
LONG_DAY_HOURS = Decimal(12)
# An advance of more than this many days of the worker's wages is asked about.
ADVANCE_DAYS = Decimal(30)
# A unit price this far from the median the project paid for the same item and unit is asked about.
PRICE_FACTOR = Decimal(3)

_NOT_YET = Text("还没有记录：", "Not recorded yet: ")
_CONFIRM_ALL = Text("都确认吗？", "Confirm all of it?")


@dataclass(frozen=True)
class Doubt:
    """One odd thing: what was seen, and the question it raises (empty when the statement says it all)."""

    seen: Text
    question: Text | None = None


@dataclass
class Doubts:
    items: list[Doubt] = field(default_factory=list)

    def add(self, seen: Text, question: Text | None = None, /, **params: Any) -> None:
        self.items.append(Doubt(seen.bind(**params), question.bind(**params) if question is not None else None))

    def message(self) -> Text:
        """One message: "还没有记录：" + every reason + the question (one reason keeps its own question)."""
        zh_seen = "；".join(d.seen.zh for d in self.items)
        en_seen = "; ".join(d.seen.en for d in self.items)
        question = self.items[0].question if len(self.items) == 1 else _CONFIRM_ALL
        zh = f"{_NOT_YET.zh}{zh_seen}。{question.zh if question else ''}"
        en = f"{_NOT_YET.en}{en_seen}. {question.en if question else ''}"
        return Text(zh.rstrip(), en.rstrip())

    def confirm_or_raise(self, confirmed: bool, confirm_args: dict[str, Any] | None = None) -> None:
        """Nothing to ask, or the user already said yes; else the write becomes a proposal."""
        if self.items and not confirmed:
            raise NeedsConfirmation(self.message(), confirm_args=confirm_args or {"confirm": True})


def far_apart(value: Decimal, usual: Decimal, factor: Decimal) -> bool:
    """value is at least factor times usual, or at most usual / factor."""
    if usual <= 0 or value <= 0:
        return False
    return value >= usual * factor or value * factor <= usual
