"""Earned value math (PMBOK; ANSI/EIA-748), pure and exact on Decimal.

No intermediate rounding: each figure is one exact numerator over one exact denominator, divided
once in the caller's decimal context (so CPI is exactly EV / AC and EAC = BAC / CPI is computed as
BAC × AC / EV, which gives 4,480 for the textbook fence rather than 4,479.99…). A figure whose
denominator is zero is None (undefined), never an exception. Rounding is for display only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

HUNDRED = Decimal(100)


@contextmanager
def _exact() -> Iterator[None]:
    """Enough precision that sums and products of money figures are exact."""
    with localcontext() as context:
        context.prec = 200
        yield


def _div(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator in the caller's context; None when dividing by zero."""
    if denominator == 0:
        return None
    return numerator / denominator


def planned_fraction(start: date, finish: date, as_of: date) -> Decimal:
    """Share of a task planned to be done by the end of as_of: linear over its planned days, both ends included."""
    if as_of < start:
        return Decimal(0)
    if as_of >= finish:
        return Decimal(1)
    return Decimal((as_of - start).days + 1) / Decimal((finish - start).days + 1)


def planned_percent(start: date, finish: date, as_of: date) -> Decimal:
    """planned_fraction in percent (0-100)."""
    if as_of < start:
        return Decimal(0)
    if as_of >= finish:
        return HUNDRED
    return HUNDRED * ((as_of - start).days + 1) / ((finish - start).days + 1)


def planned_value(windows: Iterable[tuple[date, date, Decimal]], as_of: date) -> Decimal:
    """PV: planned cost of each (start, finish, cost) spread linearly over its planned dates, up to as_of.

    Summed as exact fractions and divided once.
    """
    total = Fraction(0)
    for start, finish, cost in windows:
        if as_of < start:
            continue
        if as_of >= finish:
            total += Fraction(cost)
        else:
            total += Fraction(cost) * ((as_of - start).days + 1) / ((finish - start).days + 1)
    return Decimal(total.numerator) / Decimal(total.denominator)


@dataclass(frozen=True)
class EarnedValue:
    """Every earned-value figure; None where a denominator is zero."""

    bac: Decimal
    pv: Decimal
    ev: Decimal
    ac: Decimal
    cv: Decimal  # EV − AC
    sv: Decimal  # EV − PV
    cpi: Decimal | None  # EV / AC
    spi: Decimal | None  # EV / PV
    eac: Decimal | None  # typical: BAC / CPI
    eac_atypical: Decimal  # AC + (BAC − EV)
    eac_combined: Decimal | None  # AC + (BAC − EV) / (CPI × SPI)
    etc: Decimal | None  # EAC − AC
    vac: Decimal | None  # BAC − EAC
    tcpi: Decimal | None  # (BAC − EV) / (BAC − AC)


def compute(*, bac: Decimal, pv: Decimal, ev: Decimal, ac: Decimal) -> EarnedValue:
    """All figures from the four inputs, each one exact numerator over one exact denominator."""
    with _exact():
        cv = ev - ac
        sv = ev - pv
        remaining_work = bac - ev  # BAC − EV
        remaining_budget = bac - ac  # BAC − AC
        eac_atypical = ac + remaining_work
        # BAC / CPI = BAC × AC / EV; ETC = EAC − AC; VAC = BAC − EAC, all over EV.
        typical = bac * ac
        etc = ac * remaining_work
        vac = bac * (ev - ac)
        # AC + (BAC − EV) / (CPI × SPI) = (AC × EV² + (BAC − EV) × AC × PV) / EV².
        ev_squared = ev * ev
        combined = ac * ev_squared + remaining_work * ac * pv
    # BAC / CPI needs CPI defined and non-zero: AC and EV both non-zero; the combined form needs SPI too.
    typical_ok = bool(ac and ev)
    return EarnedValue(
        bac=bac,
        pv=pv,
        ev=ev,
        ac=ac,
        cv=+cv,
        sv=+sv,
        cpi=_div(ev, ac),
        spi=_div(ev, pv),
        eac=_div(typical, ev) if typical_ok else None,
        eac_atypical=+eac_atypical,
        eac_combined=_div(combined, ev_squared) if typical_ok and pv else None,
        etc=_div(etc, ev) if typical_ok else None,
        vac=_div(vac, ev) if typical_ok else None,
        tcpi=_div(remaining_work, remaining_budget),
    )


def forecast_finish(start: date, finish: date, pv: Decimal, ev: Decimal) -> date | None:
    """Planned duration ÷ SPI, counted from the start (whole days, half up); None while SPI is undefined or 0."""
    if not pv or not ev:
        return None
    days = Decimal((finish - start).days) * pv / ev
    return start + timedelta(days=int(days.to_integral_value(rounding=ROUND_HALF_UP)))
