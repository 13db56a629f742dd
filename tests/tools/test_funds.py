"""Funds: money in and out, the balance, and the cash needed over the next 14 days."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import AuditLog, Counterparty, Direction, FundTxn, Role
from storage.queries import funds as fq
from storage.queries import labor as lq
from tests.support.factories import Factory
from tests.support.labor import dime_workers, insert_labor
from tools import run_tool

TODAY = date(2026, 11, 25)


def txns(session: Session) -> list[FundTxn]:
    session.rollback()  # end the read snapshot: see what other sessions committed
    return list(session.scalars(select(FundTxn).order_by(FundTxn.id)))


def add_txn(session: Session, project: Any, direction: str, amount: str, day: date, *, planned: bool = False) -> None:
    session.add(
        FundTxn(
            project_id=project.id, direction=Direction(direction), amount=Decimal(amount), txn_date=day, planned=planned
        )
    )
    session.commit()


# -- record_fund --------------------------------------------------------------------------------


def test_money_in_is_recorded_and_the_reply_shows_the_new_balance(session: Session, make: Factory) -> None:
    project = make.project(code="SG3")
    add_txn(session, project, "out", "30000", TODAY - timedelta(days=3))
    result = run_tool(
        make.ctx(project=project),
        "record_fund",
        {"direction": "in", "amount": "200000", "counterparty": "甲方", "note": "进度款"},
    )
    assert result.ok, result.text
    txn = txns(session)[-1]
    assert (txn.direction, txn.amount, txn.txn_date, txn.counterparty, txn.note, txn.planned) == (
        Direction.inflow,
        Decimal("200000.00"),
        TODAY,
        "甲方",
        "进度款",
        False,
    )
    assert result.text.splitlines()[0] == (
        "已记收款：¥200,000.00，11-25（周三），来自甲方，项目 SG3。当前余额 ¥170,000.00。"
    )
    assert result.data["balance"] == Decimal("170000.00")
    audit_row = session.get(AuditLog, result.audit_id)
    assert audit_row is not None and audit_row.tool == "record_fund"


def test_money_out_in_english(session: Session, make: Factory) -> None:
    project = make.project(code="RW")
    add_txn(session, project, "in", "1000", TODAY - timedelta(days=3))
    ctx = make.ctx(project=project, language="en")
    invoice = {"category": "materials", "amount": "300", "vendor": "Acme Steel", "paid": False}
    assert run_tool(ctx, "add_cost", invoice).ok  # delivered, not paid: 300 owed to Acme Steel
    result = run_tool(
        ctx,
        "record_fund",
        {
            "direction": "out",
            "amount": "250.50",
            "counterparty": "Acme Steel",
            "date": (TODAY - timedelta(days=1)).isoformat(),
        },
    )
    assert result.ok, result.text
    assert result.text.startswith(
        "Recorded money out: ¥250.50 on Nov 24 (Tue) to Acme Steel, project RW. Balance now ¥749.50."
    )
    assert "Acme Steel: owed ¥49.50" in result.text
    assert txns(session)[-1].direction == Direction.outflow


def test_a_payment_that_takes_the_balance_below_the_floor_warns(session: Session, make: Factory) -> None:
    project = make.project(cash_floor=Decimal(5000))
    add_txn(session, project, "in", "10000", TODAY - timedelta(days=3))
    result = run_tool(make.ctx(project=project), "record_fund", {"direction": "out", "amount": "6000"})
    assert result.ok
    assert "低于项目资金底线 ¥5,000.00" in result.text
    assert result.data["warnings"] == ["below_floor"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"direction": "in", "amount": "0"}, "金额必须大于 0"),
        ({"direction": "in", "amount": "-100"}, "金额必须大于 0"),
        ({"direction": "in", "amount": "10000000000.01"}, "金额不能超过"),
        ({"direction": "in", "amount": "12.345"}, "最多精确到分"),
        ({"direction": "in", "amount": "两万"}, "金额应该是数字，收到的是“两万”"),
        ({"direction": "in", "amount": "NaN"}, "金额"),
        ({"direction": "sideways", "amount": "100"}, "收支方向取值不对"),
        ({"amount": "100"}, "缺少收支方向"),
        ({"direction": "in", "amount": "100", "date": (TODAY + timedelta(days=2)).isoformat()}, "在未来"),
        ({"direction": "in", "amount": "100", "date": "2025-01-01"}, "早于项目"),
        ({"direction": "in", "amount": "100", "date": "下周"}, "日期应该是日期"),
        ({"direction": "in", "amount": "100", "planned": True}, "不认识的参数 planned"),
    ],
)
def test_bad_fund_input_is_refused_and_nothing_written(
    session: Session, make: Factory, args: dict[str, Any], expected: str
) -> None:
    project = make.project()
    result = run_tool(make.ctx(project=project), "record_fund", args)
    assert not result.ok
    assert expected in result.text
    assert txns(session) == []
    assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_unknown_project_is_refused_with_the_candidates(session: Session, make: Factory) -> None:
    make.project(code="SG3", name="阳光花园3号楼")
    make.project(code="BJ", name="滨江路市政改造")
    result = run_tool(make.ctx(), "record_fund", {"project": "火星基地", "direction": "in", "amount": "100"})
    assert not result.ok and "没有找到项目“火星基地”" in result.text
    assert txns(session) == []


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.manager, True), (Role.finance, True), (Role.foreman, False), (Role.viewer, False)]
)
def test_who_may_record_funds(session: Session, make: Factory, role: Role, allowed: bool) -> None:
    project = make.project()
    user = make.user(project=project, role=role)
    result = run_tool(make.ctx(user, project=project), "record_fund", {"direction": "in", "amount": "100"})
    assert result.ok is allowed
    if not allowed:
        assert "admin/manager/finance" in result.text
    assert len(txns(session)) == (1 if allowed else 0)


# -- fund_status --------------------------------------------------------------------------------


@pytest.fixture
def cash(session: Session, make: Factory) -> Any:
    """A project with last month's and this month's money, planned payments and wages owed."""
    project = make.project(code="SG3", cash_floor=Decimal(0))
    add_txn(session, project, "in", "50000", date(2026, 10, 15))
    add_txn(session, project, "out", "8000", date(2026, 10, 20))
    add_txn(session, project, "in", "20000", date(2026, 11, 3))
    add_txn(session, project, "out", "12000.50", date(2026, 11, 10))
    add_txn(session, project, "out", "3000", TODAY + timedelta(days=1))  # dated tomorrow: not yet in the balance
    add_txn(session, project, "out", "7000", TODAY + timedelta(days=5), planned=True)  # in the window
    add_txn(session, project, "out", "9000", TODAY + timedelta(days=14), planned=True)  # last day of the window
    add_txn(session, project, "out", "100000", TODAY + timedelta(days=15), planned=True)  # beyond it
    add_txn(session, project, "out", "100000", TODAY - timedelta(days=1), planned=True)  # past plan: not upcoming
    add_txn(session, project, "in", "999999", TODAY + timedelta(days=3), planned=True)  # planned income: ignored
    make.worker("张三", 300)
    make.worker("李四", 400)
    ctx = make.ctx(project=project)
    for worker, days in (("张三", "10"), ("李四", "1")):
        for d in range(int(days)):
            assert run_tool(
                ctx, "log_labor", {"worker": worker, "days": "1", "date": (TODAY - timedelta(days=d + 1)).isoformat()}
            ).ok
    assert run_tool(ctx, "settle_wages", {"worker": "张三", "amount": "1000"}).ok  # 张三 owed 2000
    assert run_tool(ctx, "record_advance", {"worker": "李四", "amount": "900"}).ok  # 李四 owes 500
    return project


def test_fund_status_reports_balance_month_and_upcoming_needs(session: Session, make: Factory, cash: Any) -> None:
    result = run_tool(make.ctx(project=cash), "fund_status", {})
    assert result.ok, result.text
    data = result.data
    # 50000 − 8000 + 20000 − 12000.50 − 1000 settled − 900 advanced: wages paid are money out; plans excluded
    assert data["balance"] == Decimal("48099.50")
    assert (data["recent_in"], data["recent_out"]) == (Decimal("0.00"), Decimal("1900.00"))  # 11-12 to 11-25
    assert data["planned_out"] == Decimal("16000.00")
    # 张三 is owed 2000; 李四's advance beyond his wages does not reduce what 张三 must be paid.
    assert data["wages_owed"] == Decimal("2000.00")
    assert data["upcoming_needs"] == Decimal("18000.00")
    assert data["warnings"] == []
    lines = result.text.splitlines()
    assert lines == [
        "SG3 资金状况（截至 11-25（周三））",
        "账上余额：¥48,099.50",
        "近14天收入 ¥0.00，支出 ¥1,900.00（含工资）",
        "未来14天需付：¥18,000.00（未结工资 ¥2,000.00 + 计划付款 ¥16,000.00）",
    ]


def test_balance_below_the_floor_warns(session: Session, make: Factory, cash: Any) -> None:
    cash.cash_floor = Decimal(60000)
    session.commit()
    result = run_tool(make.ctx(project=cash), "fund_status", {})
    assert result.data["warnings"] == ["below_floor"]
    assert "⚠ 余额 ¥48,099.50 低于项目资金底线 ¥60,000.00。" in result.text


def test_balance_below_the_next_fourteen_days_needs_warns_with_the_gap(
    session: Session, make: Factory, cash: Any
) -> None:
    add_txn(session, cash, "out", "35000", TODAY - timedelta(days=1))  # balance 13,099.50 < 18,000
    result = run_tool(make.ctx(project=cash, language="en"), "fund_status", {})
    assert result.data["warnings"] == ["below_upcoming_needs"]
    assert (
        "⚠ The balance ¥13,099.50 does not cover the next 14 days' needs of ¥18,000.00; short by ¥4,900.50."
        in result.text
    )


def test_negative_balance_warns_twice(session: Session, make: Factory) -> None:
    project = make.project(cash_floor=Decimal(1000))
    add_txn(session, project, "out", "500", TODAY)
    result = run_tool(make.ctx(project=project), "fund_status", {})
    assert result.data["balance"] == Decimal("-500.00")
    assert result.data["warnings"] == ["below_floor", "below_upcoming_needs"]
    assert "-¥500.00" in result.text


def test_empty_project_has_a_zero_balance_and_no_warning(session: Session, make: Factory) -> None:
    project = make.project()
    result = run_tool(make.ctx(project=project), "fund_status", {})
    assert result.ok
    assert (result.data["balance"], result.data["upcoming_needs"], result.data["warnings"]) == (
        Decimal(0),
        Decimal(0),
        [],
    )


def test_any_member_may_read_fund_status_but_not_a_stranger(session: Session, make: Factory, cash: Any) -> None:
    viewer = make.user(project=cash, role=Role.viewer)
    assert run_tool(make.ctx(viewer, project=cash), "fund_status", {}).ok
    stranger = make.user()
    refused = run_tool(make.ctx(stranger), "fund_status", {"project": "SG3"})
    assert not refused.ok


def test_balance_query_counts_only_actual_transactions_to_the_date(session: Session, make: Factory, cash: Any) -> None:
    assert fq.balance(session=session, project_id=cash.id, until=date(2026, 10, 31)) == Decimal("42000.00")
    assert fq.balance(session=session, project_id=cash.id, until=TODAY + timedelta(days=1)) == Decimal("45099.50")


# -- exactness ----------------------------------------------------------------------------------


def test_ten_thousand_dimes_of_wages_are_exactly_1000_of_upcoming_needs(session: Session, make: Factory) -> None:
    project = make.project(code="DIME")
    insert_labor(session, project, dime_workers(make), TODAY)
    add_txn(session, project, "in", "1000", TODAY - timedelta(days=1))
    covered = run_tool(make.ctx(project=project), "fund_status", {})
    assert covered.data["wages_owed"] == Decimal("1000.00")
    assert covered.data["warnings"] == []  # 1000.00 covers 1000.00 exactly
    assert lq.outstanding_wages(session=session, project_id=project.id, until=TODAY) == Decimal("1000.00")
    add_txn(session, project, "out", "0.01", TODAY)
    short = run_tool(make.ctx(project=project), "fund_status", {})
    assert short.data["warnings"] == ["below_upcoming_needs"]
    assert "缺口 ¥0.01" in short.text


def test_money_from_the_owner_by_its_common_name_is_booked_to_the_project_s_owner(
    session: Session, make: Factory
) -> None:
    project = make.project(code="SG3")
    session.add(Counterparty(project_id=project.id, name="阳光置业", aliases=[], kind="owner", created_at=None))
    session.commit()
    for amount, said in (("1000", "甲方"), ("2000", "业主")):
        result = run_tool(
            make.ctx(project=project), "record_fund", {"direction": "in", "amount": amount, "counterparty": said}
        )
        assert result.ok, result.text
        assert txns(session)[-1].counterparty == "阳光置业"


def test_the_same_money_on_the_same_day_again_is_asked_about_and_a_yes_records_it(
    session: Session, make: Factory
) -> None:
    project = make.project(code="SG3")
    ctx = make.ctx(project=project)
    args = {"direction": "in", "amount": "50000", "counterparty": "甲方"}
    assert run_tool(ctx, "record_fund", args).ok
    again = run_tool(ctx, "record_fund", args)
    assert again.proposal is not None and "已经记过一笔一样的 ¥50,000.00" in again.text
    assert len(txns(session)) == 1
    assert run_tool(ctx, "record_fund", {**args, "confirm": True}).ok and len(txns(session)) == 2
