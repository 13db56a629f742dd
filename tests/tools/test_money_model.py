"""Cost, cash and what is owed are three ledgers: a week of purchases, payments, wages, advances and settlements
ends in exactly the hand-computed figures, and a payment against an invoice never changes the cost."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import AuditLog, CostEntry, Counterparty, FundTxn, Project
from storage.queries import funds as fq
from storage.queries import labor as lq
from storage.queries.costs import actual_by_category
from tests.support.factories import Factory
from tools import run_tool
from tools.base import Context, Result

TODAY = date(2026, 11, 25)


@pytest.fixture
def site(make: Factory) -> Project:
    project = make.project(code="SG3", start=date(2026, 6, 1))
    make.budget(project, "materials", 100000)
    make.budget(project, "labor", 100000)
    make.worker("张三", 300)
    return project


def run(ctx: Context, tool: str, **args: Any) -> Result:
    result = run_tool(ctx, tool, args)
    assert result.ok, result.text
    return result


def ledgers(session: Session, project: Project) -> dict[str, Any]:
    session.rollback()
    costs = actual_by_category(session=session, project_id=project.id, until=TODAY)
    owed = {p.name: p.owed for p in fq.payables(session=session, project_id=project.id, until=TODAY)}
    return {
        "cost": {k: v for k, v in sorted(costs.items())},
        "cash": fq.balance(session=session, project_id=project.id, until=TODAY),
        "owed": owed,
        "wages_owed": lq.outstanding_wages(session=session, project_id=project.id, until=TODAY),
    }


def test_a_week_of_money_ends_in_the_hand_computed_ledgers(session: Session, make: Factory, site: Project) -> None:
    ctx = make.ctx(project=site)
    run(ctx, "record_fund", direction="in", amount="100000", counterparty="阳光置业", date="2026-11-01")
    # bought and paid on the spot: cost and cash, owed nothing
    run(ctx, "add_cost", category="materials", amount="8000", note="钢筋", date="2026-11-02")
    # delivered, not paid: cost, and owed to 宏达
    bought = run(
        ctx,
        "add_cost",
        category="materials",
        amount="8000",
        quantity="2",
        unit="吨",
        unit_price="4000",
        vendor="宏达钢材",
        paid=False,
        date="2026-11-03",
    )
    assert "2吨 × ¥4,000.00 = ¥8,000.00" in bought.text and "应付宏达钢材 ¥8,000.00" in bought.text
    # paying the invoice: cash only
    paid = run(ctx, "record_fund", direction="out", amount="5000", counterparty="宏达", date="2026-11-05")
    assert "宏达钢材：应付 ¥3,000.00" in paid.text
    # wages: the day is cost; the advance and the settlement are cash
    run(ctx, "log_labor", worker="张三", days="1", date="2026-11-10")
    run(ctx, "record_advance", worker="张三", amount="200", date="2026-11-11")
    run(ctx, "settle_wages", worker="张三", amount="100", date="2026-11-12")

    assert ledgers(session, site) == {
        "cost": {"labor": Decimal("300.00"), "materials": Decimal("16000.00")},
        "cash": Decimal("86700.00"),  # 100000 − 8000 − 5000 − 200 − 100
        "owed": {"宏达钢材": Decimal("3000.00")},  # the owner paid us: nothing is owed to it
        "wages_owed": Decimal("0.00"),
    }


def test_a_payment_against_an_existing_invoice_does_not_change_cost(
    session: Session, make: Factory, site: Project
) -> None:
    ctx = make.ctx(project=site)
    run(ctx, "add_cost", category="materials", amount="300000", vendor="宏达", paid=False, date="2026-11-03")
    before = ledgers(session, site)
    run(ctx, "record_fund", direction="out", amount="300000", counterparty="宏达", note="钢材", date="2026-11-20")
    after = ledgers(session, site)
    assert after["cost"] == before["cost"]
    assert after["owed"]["宏达"] == Decimal("0.00")
    assert after["cash"] == before["cash"] - Decimal("300000")


def test_paying_someone_nothing_is_owed_to_offers_the_choice_and_never_guesses(
    session: Session, make: Factory, site: Project
) -> None:
    ctx = make.ctx(project=site)
    asked = run_tool(
        ctx, "record_fund", {"direction": "out", "amount": "300000", "counterparty": "宏达", "note": "钢材"}
    )
    assert not asked.ok and asked.proposal is not None
    assert "目前应付宏达 ¥0.00" in asked.text
    labels = [option.label for option in asked.proposal.options]
    assert labels == ["只记付款（预付宏达）", "记材料费 ¥300,000.00 的成本并付款"]
    assert ledgers(session, site)["cash"] == Decimal("0.00")  # nothing written yet

    cost_and_payment = asked.proposal.options[1].calls[0]
    done = run_tool(ctx, cost_and_payment.tool, cost_and_payment.args)
    assert done.ok, done.text
    figures = ledgers(session, site)
    assert figures["cost"] == {"materials": Decimal("300000.00")}
    assert figures["cash"] == Decimal("-300000.00")
    assert figures["owed"] == {"宏达": Decimal("0.00")}


def test_a_payment_ahead_is_shown_as_paid_ahead(session: Session, make: Factory, site: Project) -> None:
    ctx = make.ctx(project=site)
    run(ctx, "add_cost", category="materials", amount="1000", vendor="宏达", paid=False)
    asked = run_tool(ctx, "record_fund", {"direction": "out", "amount": "3000", "counterparty": "宏达"})
    assert asked.proposal is not None
    prepay = asked.proposal.options[0].calls[0]
    done = run_tool(ctx, prepay.tool, prepay.args)
    assert done.ok and "宏达：已预付 ¥2,000.00" in done.text
    assert ledgers(session, site)["owed"] == {"宏达": Decimal("-2000.00")}


def test_bought_and_paid_is_one_message_and_one_undo_of_both_ledgers(
    session: Session, make: Factory, site: Project
) -> None:
    ctx = make.ctx(project=site)
    run(ctx, "add_cost", category="materials", amount="8000", note="钢筋")
    assert session.scalar(select(func.count(FundTxn.id))) == 1
    undone = run_tool(make.ctx(project=site), "undo_last", {})
    assert undone.ok, undone.text
    session.rollback()
    assert session.scalar(select(func.count(CostEntry.id))) == 0
    assert session.scalar(select(func.count(FundTxn.id))) == 0
    assert ledgers(session, site)["cash"] == Decimal("0.00")


def test_an_unpaid_cost_must_say_who_it_is_owed_to(session: Session, make: Factory, site: Project) -> None:
    refused = run_tool(make.ctx(project=site), "add_cost", {"category": "materials", "amount": "8000", "paid": False})
    assert not refused.ok and "欠谁" in refused.text
    assert session.scalar(select(func.count(CostEntry.id))) == 0


def test_wages_paid_move_the_balance(session: Session, make: Factory, site: Project) -> None:
    ctx = make.ctx(project=site)
    run(ctx, "record_fund", direction="in", amount="1000", counterparty="阳光置业", date="2026-11-01")
    run(ctx, "log_labor", worker="张三", days="2", date="2026-11-20", confirm=True)  # 2 工 in a day, confirmed
    run(ctx, "record_advance", worker="张三", amount="250")
    status = run_tool(ctx, "fund_status", {})
    assert status.data["balance"] == Decimal("750.00") and status.data["wages_owed"] == Decimal("350.00")


def test_the_cash_status_lists_the_largest_payables(session: Session, make: Factory, site: Project) -> None:
    ctx = make.ctx(project=site)
    for vendor, amount in (("宏达", "5000"), ("华新水泥", "12000"), ("联塑", "800")):
        run(ctx, "add_cost", category="materials", amount=amount, vendor=vendor, paid=False)
    status = run_tool(ctx, "fund_status", {})
    assert status.data["payables"] == [
        {"counterparty": "华新水泥", "owed": Decimal("12000.00")},
        {"counterparty": "宏达", "owed": Decimal("5000.00")},
        {"counterparty": "联塑", "owed": Decimal("800.00")},
    ]
    assert "应付账款 ¥17,800.00（3 家）" in status.text
    assert session.scalar(select(func.count(Counterparty.id))) == 3
    assert session.scalar(select(func.count(AuditLog.id))) == 3
