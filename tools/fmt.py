"""Formatting shared by every tool's reply: money, quantities, percentages, the undo hint."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tools.base import Text

UNDO_HINT = Text("如需撤回，发送 /undo 或说“撤回”。", "To undo, send /undo or say “undo”.")


def yuan(amount: Decimal | None) -> str:
    """¥12,345.60 — always two decimals, thousands separated; negatives as -¥300.00."""
    value = (amount or Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


def qty(value: Decimal | None, places: int = 3) -> str:
    """A quantity without trailing zeros: 1.500 → 1.5, 2.000 → 2."""
    number = (value or Decimal(0)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    text = format(number, "f")
    return text if text != "-0" else "0"


def pct(value: Decimal | float | None, places: int = 1) -> str:
    """A percentage already in percent units: 82.345 → 82.3%."""
    if value is None:
        return "—"
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{number}%"


def ratio(value: Decimal | None, places: int = 2) -> str:
    """An index like CPI: 0.8929 → 0.89; None (undefined) → —."""
    if value is None:
        return "—"
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


_WEEKDAYS = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def day_text(day: date, lang: str, today: date | None = None) -> str:
    """A date a foreman checks at a glance: 11-20（周五）, Nov 20 (Fri); the year only when it is not this one."""
    weekday = _WEEKDAYS["zh" if lang == "zh" else "en"][day.weekday()]
    same_year = today is None or today.year == day.year
    if lang == "zh":
        return f"{day.strftime('%m-%d') if same_year else day.isoformat()}（{weekday}）"
    shown = day.strftime("%b %d") if same_year else day.strftime("%b %d %Y")
    return f"{shown} ({weekday})"
