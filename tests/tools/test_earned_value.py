"""The pure earned value math: exact Decimal figures, None where a denominator is zero."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tools.earned_value import compute, forecast_finish, planned_fraction, planned_percent, planned_value

D = Decimal


def test_textbook_fence_figures_are_exact() -> None:
    # PMP exam prep, the four-sided fence: BAC 4,000, PV 3,000, EV 2,500, AC 2,800.
    ev = compute(bac=D(4000), pv=D(3000), ev=D(2500), ac=D(2800))
    assert ev.cv == D(-300)
    assert ev.sv == D(-500)
    assert ev.cpi == D(2500) / D(2800)
    assert ev.spi == D(2500) / D(3000)
    assert ev.cpi.quantize(D("0.001")) == D("0.893")
    assert ev.spi.quantize(D("0.001")) == D("0.833")
    assert ev.eac == D(4480)
    assert ev.etc == D(1680)
    assert ev.vac == D(-480)
    assert ev.tcpi == D("1.25")
    assert ev.eac_combined == D(4816)
    assert ev.eac_atypical == D(4300)


def test_division_by_zero_gives_none() -> None:
    nothing = compute(bac=D(0), pv=D(0), ev=D(0), ac=D(0))
    assert (nothing.cpi, nothing.spi, nothing.eac, nothing.eac_combined, nothing.etc, nothing.vac, nothing.tcpi) == (
        None,
    ) * 7
    assert (nothing.cv, nothing.sv, nothing.eac_atypical) == (0, 0, 0)
    no_work = compute(bac=D(1000), pv=D(500), ev=D(0), ac=D(200))
    assert no_work.cpi == 0 and no_work.spi == 0
    assert no_work.eac is None and no_work.eac_combined is None  # BAC / 0
    assert no_work.eac_atypical == D(1200)
    assert no_work.tcpi == D(1000) / D(800)
    no_cost = compute(bac=D(1000), pv=D(500), ev=D(400), ac=D(0))
    assert no_cost.cpi is None and no_cost.eac is None and no_cost.tcpi == D("0.6")
    spent = compute(bac=D(1000), pv=D(500), ev=D(400), ac=D(1000))
    assert spent.tcpi is None  # no budget left to spend


def test_cents_are_not_rounded_in_between() -> None:
    ev = compute(bac=D("1000000.01"), pv=D("333333.33"), ev=D("300000.03"), ac=D("300000.07"))
    assert ev.eac == D("1000000.01") * D("300000.07") / D("300000.03")
    assert ev.vac == D("1000000.01") * (D("300000.03") - D("300000.07")) / D("300000.03")


money = st.decimals(min_value=D("0.01"), max_value=D("10000000000"), places=2, allow_nan=False, allow_infinity=False)


@given(bac=money, pv=money, ev=money, ac=money)
def test_identities_hold_for_any_amounts(bac: Decimal, pv: Decimal, ev: Decimal, ac: Decimal) -> None:
    figures = compute(bac=bac, pv=pv, ev=ev, ac=ac)
    assert figures.cv == ev - ac and figures.sv == ev - pv
    assert figures.eac is not None and figures.etc is not None and figures.vac is not None
    # ETC and VAC are each one exact division rounded once, so they agree with EAC to the last digits.
    eac, etc, vac = figures.eac, figures.etc, figures.vac
    assert abs(eac - etc - ac) <= (abs(eac) + abs(etc) + ac) * D("1e-27")
    assert abs(bac - eac - vac) <= (abs(eac) + abs(vac) + bac) * D("1e-27")


def test_planned_fraction_is_linear_over_planned_days_both_ends_included() -> None:
    start, finish = date(2026, 11, 1), date(2026, 11, 10)
    assert planned_fraction(start, finish, date(2026, 10, 31)) == 0
    assert planned_fraction(start, finish, date(2026, 11, 1)) == D("0.1")
    assert planned_fraction(start, finish, date(2026, 11, 5)) == D("0.5")
    assert planned_fraction(start, finish, date(2026, 11, 10)) == 1
    assert planned_fraction(start, finish, date(2027, 1, 1)) == 1
    assert planned_percent(start, finish, date(2026, 11, 3)) == D(30)


def test_planned_value_spreads_each_window_and_divides_once() -> None:
    windows = [
        (date(2026, 11, 1), date(2026, 11, 3), D(1000)),  # a third done by 11-01
        (date(2026, 11, 1), date(2026, 11, 3), D(2000)),  # another third
        (date(2026, 10, 1), date(2026, 10, 5), D("0.01")),  # all planned by then
        (date(2026, 12, 1), date(2026, 12, 5), D(99999)),  # not started
    ]
    assert planned_value(windows, date(2026, 11, 1)) == D("1000.01")
    assert planned_value(windows[:1], date(2026, 11, 1)) == D(1000) / D(3)
    assert planned_value([], date(2026, 11, 1)) == 0


def test_forecast_finish_stretches_the_planned_duration_by_spi() -> None:
    start, finish = date(2026, 1, 1), date(2026, 11, 28)  # 331 days
    assert forecast_finish(start, finish, D(3000), D(2500)) == date(2027, 2, 2)  # 331 × 1.2 = 397.2 days
    assert forecast_finish(start, finish, D(1000), D(1000)) == finish
    assert forecast_finish(start, finish, D(0), D(100)) is None
    assert forecast_finish(start, finish, D(100), D(0)) is None
