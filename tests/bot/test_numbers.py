"""Numbers as typed on site."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.parser.numbers import decimal_text, number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("8000", "8000"),
        ("5,200", "5200"),
        ("1,234,567.5", "1234567.5"),
        ("1.2万", "12000"),
        ("35万", "350000"),
        ("50万", "500000"),
        ("100k", "100000"),
        ("8千", "8000"),
        ("1万5", "15000"),
        ("3千5", "3500"),
        ("1万5千", "15000"),
        ("2w", "20000"),
        ("1.5w", "15000"),
        ("两千五", "2500"),
        ("一万二", "12000"),
        ("三百五", "350"),
        ("二十万", "200000"),
        ("十五", "15"),
        ("一千零五十", "1050"),
        ("三点五", "3.5"),
        ("俩", "2"),
        ("两", "2"),
        ("一", "1"),
        ("0.5", "0.5"),
        ("one", "1"),
        ("twelve", "12"),
    ],
)
def test_numbers_are_read_exactly(text: str, value: str) -> None:
    assert number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "5,20", "1万25", "五六百", "1.2.3", "万万"])
def test_things_that_are_not_one_clear_number_are_none(text: str) -> None:
    assert number(text) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("8000", "8000"),
        ("8000.00", "8000"),
        ("0.50", "0.5"),
        ("2E+5", "200000"),
        ("1.5", "1.5"),
        ("12000.0", "12000"),
    ],
)
def test_decimals_are_written_without_exponent_or_trailing_zeros(value: str, text: str) -> None:
    assert decimal_text(Decimal(value)) == text
