"""Column types: exact fixed-point numbers as integers, and UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class Fixed(TypeDecorator[Decimal]):
    """A Decimal stored as an integer count of 10**-scale units.

    SQLite keeps NUMERIC as a float and sums it in floating point, so money (scale 2: cents)
    and quantities are integers in every database; SUM stays exact and comes back as Decimal.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int = 2) -> None:
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.scale)
        if not scaled.is_finite() or scaled != scaled.to_integral_value():
            raise ValueError(f"{value!r} does not fit {self.scale} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale)


def Money() -> Fixed:
    """Money in yuan, stored as integer cents (分)."""
    return Fixed(2)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC (SQLite drops offsets, so we never rely on them)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
