"""Formatting shared by every tool's reply: money, quantities, percentages, the undo hint."""

from __future__ import annotations

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
