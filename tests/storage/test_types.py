"""Money and quantities are exact in every database: integer cents in, Decimal out, SQL sums exact."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import CostEntry
from tests.support.factories import Factory


def test_sum_of_ten_thousand_dimes_is_exact(session: Session, make: Factory) -> None:
    project = make.project()
    session.add_all(
        CostEntry(project_id=project.id, category="materials", amount=Decimal("0.10"), entry_date=make.today)
        for _ in range(10_000)
    )
    session.commit()
    total = session.scalar(select(func.sum(CostEntry.amount)).where(CostEntry.project_id == project.id))
    assert total == Decimal("1000.00")
    assert isinstance(total, Decimal)


def test_fraction_of_a_cent_is_refused(session: Session, make: Factory) -> None:
    project = make.project()
    session.add(CostEntry(project_id=project.id, category="materials", amount=Decimal("0.001"), entry_date=make.today))
    with pytest.raises(Exception, match="decimal places"):
        session.commit()
    session.rollback()
