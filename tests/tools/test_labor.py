"""Day labour: logging 工日 and overtime, rate history, advances, settlements and the labour summary."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import tools.costs
from storage.models import AuditLog, LaborEntry, OvertimeMode, PaymentKind, RateHistory, Role, Worker, WorkerPayment
from storage.queries import labor as q
from tests.support.factories import Factory
from tests.support.labor import dime_workers, insert_labor
from tools import run_tool
from tools.fmt import UNDO_HINT
from tools.labor import XLSX_MIME, round_fraction
from tools.labor_summary import unlogged_days

TODAY = date(2026, 11, 25)
YESTERDAY = TODAY - timedelta(days=1)


def entries(session: Session) -> list[LaborEntry]:
    session.rollback()  # end the read snapshot: see what other sessions committed
    return list(session.scalars(select(LaborEntry).order_by(LaborEntry.id)))


def payments(session: Session) -> list[WorkerPayment]:
    session.rollback()  # end the read snapshot: see what other sessions committed
    return list(session.scalars(select(WorkerPayment).order_by(WorkerPayment.id)))


def log(make: Factory, project: Any, ctx: Any = None, **args: Any) -> Any:
    args.setdefault("worker", "张三")
    return run_tool(ctx or make.ctx(project=project), "log_labor", {"project": project.code, **args})


# -- log_labor: normal use ----------------------------------------------------------------------


def test_one_day_is_logged_at_the_rate_in_force_and_the_reply_says_exactly_what(
    session: Session, make: Factory
) -> None:
    project = make.project(code="SG3")
    make.worker("张三", 350, trade="木工")
    result = log(make, project, days="1", date=YESTERDAY.isoformat())
    assert result.ok, result.text
    [entry] = entries(session)
    assert (entry.work_date, entry.days, entry.overtime_hours, entry.daily_rate, entry.amount) == (
        YESTERDAY,
        Decimal(1),
        Decimal(0),
        Decimal(350),
        Decimal("350.00"),
    )
    assert entry.kind == "day"
    for part in ("张三", "11-24（周二）", "1 工", "¥350.00", "SG3"):
        assert part in result.text
    assert UNDO_HINT.zh not in result.text  # the router says it once per message
    assert result.data["rate_source"] == "history"
    audit_row = session.get(AuditLog, result.audit_id)
    assert audit_row is not None and audit_row.tool == "log_labor"
    assert audit_row.changes[0]["table"] == "labor_entry" and audit_row.changes[0]["after"]["amount"] == "350.00"


def test_date_defaults_to_today(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    assert log(make, project, days="1").ok
    assert entries(session)[0].work_date == TODAY


def test_half_day_is_half_the_rate(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 301)
    assert log(make, project, days="0.5").ok
    assert entries(session)[0].amount == Decimal("150.50")


def test_hours_below_a_day_count_pro_rata(session: Session, make: Factory) -> None:
    project = make.project(hours_per_day=Decimal(8))
    make.worker("张三", 300)
    result = log(make, project, hours="4")
    assert result.ok, result.text
    [entry] = entries(session)
    assert (entry.days, entry.overtime_hours, entry.amount) == (Decimal("0.5"), Decimal(0), Decimal("150.00"))


def test_hours_above_a_day_are_overtime(session: Session, make: Factory) -> None:
    project = make.project(hours_per_day=Decimal(8))
    make.worker("张三", 320)
    assert log(make, project, hours="10", overtime_hours="1").ok
    [entry] = entries(session)
    # 1 工 + (2 + 1) h folded at 8 h per overtime 工: 320 + 3/8 × 320.
    assert (entry.days, entry.overtime_hours, entry.amount) == (Decimal(1), Decimal(3), Decimal("440.00"))
    assert entry.overtime_amount == Decimal("120.00")


def test_domain_example_nine_hour_day_twelve_hours_is_1_375_days(session: Session, make: Factory) -> None:
    project = make.project(
        hours_per_day=Decimal(9), overtime_hours_per_day=Decimal(8), overtime_mode=OvertimeMode.folded
    )
    make.worker("张三", 360)
    result = log(make, project, hours="12")
    assert result.ok, result.text
    [entry] = entries(session)
    assert (entry.days, entry.overtime_hours) == (Decimal(1), Decimal(3))
    assert entry.amount == Decimal("495.00")  # 1.375 × 360
    assert result.data["equivalent_days"] == Decimal("1.375")
    assert "1.375 工" in result.text and "加班 3 小时" in result.text


def test_folded_overtime_with_days_uses_hours_per_day_when_no_overtime_day_is_set(
    session: Session, make: Factory
) -> None:
    project = make.project(hours_per_day=Decimal(8))
    make.worker("张三", 350)
    assert log(make, project, days="1", overtime_hours="2").ok
    assert entries(session)[0].amount == Decimal("437.50")


def test_hourly_overtime_uses_the_projects_overtime_rate(session: Session, make: Factory) -> None:
    project = make.project(overtime_mode=OvertimeMode.hourly, overtime_rate=Decimal(50))
    make.worker("张三", 300)
    result = log(make, project, days="1", overtime_hours="3")
    assert result.ok, result.text
    [entry] = entries(session)
    assert (entry.amount, entry.overtime_amount) == (Decimal("450.00"), Decimal("150.00"))
    assert "加班费 ¥150.00" in result.text


def test_hourly_overtime_without_a_rate_pays_the_daily_rate_per_hour(session: Session, make: Factory) -> None:
    project = make.project(overtime_mode=OvertimeMode.hourly, hours_per_day=Decimal(8))
    make.worker("张三", 300)
    assert log(make, project, days="1", overtime_hours="3").ok
    assert entries(session)[0].amount == Decimal("412.50")  # 300 + 3 × 37.5


def test_overtime_alone_is_proposed_then_an_entry_with_no_days(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 320)
    asked = log(make, project, overtime_hours="2")
    assert not asked.ok and "只有加班 2 小时" in asked.text and entries(session) == []
    assert asked.proposal is not None and asked.proposal.calls[0].args["confirm"] is True
    assert log(make, project, overtime_hours="2", confirm=True).ok
    [entry] = entries(session)
    assert (entry.days, entry.overtime_hours, entry.amount) == (Decimal(0), Decimal(2), Decimal("80.00"))


def test_amount_is_computed_exactly_and_rounded_once(session: Session, make: Factory) -> None:
    project = make.project(hours_per_day=Decimal(9))
    make.worker("张三", 100)
    # 5 h of a 9 h day + 5 h overtime folded at 9 h: 10/9 × 100 = 111.111… → 111.11
    # (rounding each part first would give 55.56 + 55.56 = 111.12).
    assert log(make, project, hours="5", overtime_hours="5").ok
    [entry] = entries(session)
    assert entry.amount == Decimal("111.11")
    assert entry.days == Decimal("0.5556")


def test_half_a_cent_rounds_up(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    assert log(make, project, days="0.5", daily_rate="0.05", confirm=True).ok  # an odd rate, confirmed
    assert entries(session)[0].amount == Decimal("0.03")  # 0.025 → 0.03, not banker's 0.02


def test_round_fraction_is_half_up_both_ways() -> None:
    from fractions import Fraction

    assert round_fraction(Fraction(5, 1000)) == Decimal("0.01")  # 0.005
    assert round_fraction(Fraction(49, 10000)) == Decimal("0.00")  # 0.0049
    assert round_fraction(Fraction(-1, 200)) == Decimal("-0.01")  # -0.005
    assert round_fraction(Fraction(11, 8), 4) == Decimal("1.3750")


def test_english_reply(session: Session, make: Factory) -> None:
    project = make.project(code="RW")
    make.worker("Mike Chen", 300)
    result = log(
        make, project, make.ctx(project=project, language="en"), worker="mike chen", days="1", overtime_hours="2"
    )
    assert result.ok
    assert result.text.startswith("Logged: Mike Chen Nov 25 (Wed), 1 day(s), overtime 2 h")
    assert "¥375.00" in result.text and "project RW" in result.text


# -- rate history -------------------------------------------------------------------------------


def test_rate_in_force_on_the_work_date_is_used(session: Session, make: Factory) -> None:
    project = make.project()
    worker = make.worker("张三", 300)  # history: 300 from 2000-01-01
    session.add(RateHistory(worker_id=worker.id, daily_rate=Decimal(350), valid_from=TODAY - timedelta(days=10)))
    session.commit()
    for days_ago in (11, 10, 0):
        assert log(make, project, days="1", date=(TODAY - timedelta(days=days_ago)).isoformat()).ok
    assert [e.daily_rate for e in entries(session)] == [Decimal(300), Decimal(350), Decimal(350)]
    assert [e.amount for e in entries(session)] == [Decimal("300.00"), Decimal("350.00"), Decimal("350.00")]


def test_an_entrys_own_rate_wins_over_the_history(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    result = log(make, project, days="1", daily_rate="420")
    assert result.ok
    assert entries(session)[0].amount == Decimal("420.00")
    assert result.data["rate_source"] == "entry"


def test_worker_without_rate_history_uses_the_workers_rate(session: Session, make: Factory) -> None:
    project = make.project()
    worker = Worker(name="张三", daily_rate=Decimal(280), aliases=[])
    session.add(worker)
    session.commit()
    make.assign(worker, project)
    result = log(make, project, days="1")
    assert result.ok
    assert entries(session)[0].amount == Decimal("280.00")
    assert result.data["rate_source"] == "worker"


def test_rate_with_a_fraction_of_a_cent_is_refused(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    result = log(make, project, days="1", daily_rate="300.001")
    assert not result.ok and "两位小数" in result.text
    assert entries(session) == []


# -- nothing counted twice ----------------------------------------------------------------------


def test_second_entry_for_the_same_worker_project_and_date_is_refused(session: Session, make: Factory) -> None:
    project = make.project(code="SG3")
    make.worker("张三", 350)
    assert log(make, project, days="1", overtime_hours="2").ok
    result = log(make, project, days="0.5")
    assert not result.ok
    assert "已经记过：1 工，加班 2 小时，¥437.50" in result.text and "/undo" in result.text
    assert len(entries(session)) == 1


def test_a_correction_replaces_that_days_entry_and_undo_restores_it(session: Session, make: Factory) -> None:
    project = make.project(code="SG3")
    make.worker("张三", 350)
    assert log(make, project, days="1", overtime_hours="2").ok
    corrected = log(make, project, days="0.5", correction=True)
    assert corrected.ok, corrected.text
    assert "更正：原为 1 工，¥437.50" in corrected.text
    rows = entries(session)
    assert len(rows) == 1 and rows[0].days == Decimal("0.5") and rows[0].amount == Decimal("175.00")
    assert rows[0].overtime_hours == 0
    assert run_tool(make.ctx(project=project), "undo_last", {}).ok
    session.rollback()  # end the read snapshot: see what other sessions committed
    rows = entries(session)
    assert len(rows) == 1 and rows[0].days == Decimal(1) and rows[0].amount == Decimal("437.50")


def test_other_dates_and_other_workers_are_not_duplicates(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    make.worker("李四", 300)
    assert log(make, project, days="1").ok
    assert log(make, project, days="1", date=YESTERDAY.isoformat()).ok
    assert log(make, project, worker="李四", days="1").ok
    assert len(entries(session)) == 3


def test_more_than_three_days_on_one_date_across_projects_is_refused(session: Session, make: Factory) -> None:
    first, second, third = make.project(), make.project(), make.project()
    make.worker("张三", 300)
    assert log(make, first, days="2", confirm=True).ok  # 2 工 in a day is odd: confirmed
    refused = log(make, second, days="1.5", confirm=True)
    assert not refused.ok and refused.proposal is None
    assert "已记 2 工" in refused.text and "3 工" in refused.text
    assert log(make, second, days="1", confirm=True).ok  # exactly 3 in all
    assert not log(make, third, days="0.5", confirm=True).ok
    assert len(entries(session)) == 2


def test_more_than_a_day_across_projects_is_proposed_not_written(session: Session, make: Factory) -> None:
    first, second = make.project(), make.project()
    make.worker("张三", 300)
    assert log(make, first, days="1").ok
    asked = log(make, second, days="0.5")
    assert not asked.ok and asked.proposal is not None
    assert "在其他项目已记 1 工" in asked.text and "1.5 工" in asked.text
    assert first.code not in asked.text  # the other project is not named to someone who may not see it
    assert len(entries(session)) == 1
    assert log(make, second, days="0.5", confirm=True).ok
    assert len(entries(session)) == 2


def test_more_than_sixteen_hours_in_a_day_is_refused(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    for args in ({"hours": "24"}, {"days": "1", "overtime_hours": "9"}, {"days": "3"}):
        refused = log(make, project, **args)
        assert not refused.ok and "超过一天 16 小时" in refused.text, args
    assert entries(session) == []


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"days": "0"}, "工日必须大于 0"),
        ({"days": "-1"}, "工日必须大于 0"),
        ({"days": "3.5"}, "工日不能超过 3"),
        ({"hours": "25"}, "小时数不能超过 24"),
        ({"hours": "0"}, "小时数必须大于 0"),
        ({"days": "1", "overtime_hours": "17"}, "加班小时不能超过 16"),
        ({"days": "1", "overtime_hours": "-1"}, "加班小时不能小于 0"),
        ({"days": "一天"}, "工日应该是数字，收到的是“一天”"),
        ({"hours": "eight"}, "小时数应该是数字"),
        ({"days": "NaN"}, "工日"),
        ({"days": "1", "daily_rate": "0"}, "日工资必须大于 0"),
        ({"days": "1", "daily_rate": "abc"}, "日工资应该是数字"),
        ({"days": "1", "date": "昨天"}, "日期应该是日期"),
        ({"days": "1", "hours": "8"}, "工日和小时数只能给一个"),
        ({}, "请说明张三 11-25（周三）干了几个工"),
        ({"hours": "7.125"}, "小时数最多两位小数"),
        ({"days": "0.00001"}, "工日最多四位小数"),
        ({"days": "1E-999999"}, "工日最多四位小数"),
        ({"hours": "1E-999999"}, "小时数最多两位小数"),
        ({"days": "1", "overtime_hours": "1.555"}, "加班小时最多两位小数"),
        ({"hours": "24", "overtime_hours": "9"}, "加班共 25 小时"),
        ({"days": "1", "date": (TODAY + timedelta(days=2)).isoformat()}, "在未来"),
        ({"days": "1", "date": "2026-01-01"}, "早于项目"),
        ({"days": "1", "surprise": "x"}, "不认识的参数 surprise"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    session: Session, make: Factory, args: dict[str, Any], expected: str
) -> None:
    project = make.project(start=date(2026, 8, 1))
    make.worker("张三", 300)
    result = log(make, project, **args)
    assert not result.ok
    assert expected in result.text
    assert entries(session) == []
    assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_tomorrow_is_refused_a_plan_is_not_a_record(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    refused = log(make, project, days="1", date=(TODAY + timedelta(days=1)).isoformat())
    assert not refused.ok and "在未来" in refused.text
    assert entries(session) == []


def test_unknown_worker_is_refused_with_a_suggestion(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    make.worker("李四", 300)
    result = log(make, project, worker="张三丰", days="1")
    assert not result.ok
    assert "没有找到工人“张三丰”" in result.text and "你是说：张三" in result.text
    far = log(make, project, worker="赵六", days="1")
    assert not far.ok and "现有：张三、李四" in far.text
    assert entries(session) == []


def test_worker_found_by_pinyin(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    assert log(make, project, worker="zhangsan", days="1").ok


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.manager, True), (Role.foreman, True), (Role.finance, False), (Role.viewer, False)]
)
def test_who_may_log_labour(session: Session, make: Factory, role: Role, allowed: bool) -> None:
    project = make.project()
    make.worker("张三", 300)
    user = make.user(project=project, role=role)
    result = log(make, project, make.ctx(user, project=project), days="1")
    assert result.ok is allowed
    if not allowed:
        assert "admin/manager/foreman" in result.text
    assert len(entries(session)) == (1 if allowed else 0)


def test_non_member_cannot_log(session: Session, make: Factory) -> None:
    project = make.project()
    other = make.project()
    make.worker("张三", 300)
    user = make.user(project=other, role=Role.manager)
    result = log(make, project, make.ctx(user), days="1")
    assert not result.ok
    assert entries(session) == []


def test_budget_threshold_lines_end_the_reply(session: Session, make: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make.project()
    make.worker("张三", 300)
    seen: list[tuple[str, str]] = []

    def fake_check(ctx: Any, project_row: Any, category: str) -> list[str]:
        # The entry is already flushed when thresholds are checked.
        seen.append((project_row.code, category))
        assert ctx.session.scalar(select(func.count()).select_from(LaborEntry)) == 1
        return ["⚠ 人工费已用 80%"]

    monkeypatch.setattr(tools.costs, "check_thresholds", fake_check)
    result = log(make, project, days="1")
    assert result.ok
    assert seen == [(project.code, "labor")]
    lines = result.text.splitlines()
    assert lines[-1:] == ["⚠ 人工费已用 80%"]
    assert result.data["warnings"] == ["⚠ 人工费已用 80%"]


def test_crossing_the_labour_budget_alert_line_is_announced_once(session: Session, make: Factory) -> None:
    project = make.project(budget_thresholds=[80, 100])
    make.budget(project, "labor", 1000)
    make.worker("张三", 300)
    make.worker("李四", 300)
    assert "⚠" not in log(make, project, days="2", confirm=True).text  # 60 % (2 工 in a day, confirmed)
    crossed = log(make, project, worker="李四", days="1")  # 90 %
    assert crossed.ok
    lines = crossed.text.splitlines()
    assert len(lines) == 2 and "⚠" in lines[1] and "80%" in lines[1]
    assert "⚠" not in log(make, project, days="0.1", date=YESTERDAY.isoformat()).text  # 93 %: same crossing


# -- advances and settlements --------------------------------------------------------------------


def _worked(make: Factory, project: Any, n_days: int, name: str = "张三") -> None:
    for d in range(n_days):
        assert log(make, project, worker=name, days="1", date=(TODAY - timedelta(days=d + 1)).isoformat()).ok


def test_advance_is_recorded_and_reduces_outstanding(session: Session, make: Factory) -> None:
    project = make.project(code="SG3")
    make.worker("张三", 300)
    _worked(make, project, 3)
    result = run_tool(make.ctx(project=project), "record_advance", {"worker": "张三", "amount": "500"})
    assert result.ok, result.text
    [payment] = payments(session)
    assert (payment.kind, payment.amount, payment.paid_on) == (PaymentKind.advance, Decimal("500.00"), TODAY)
    assert "已记借支：张三 ¥500.00" in result.text and "SG3" in result.text and "未结工资：¥400.00" in result.text
    assert result.data["outstanding"] == Decimal("400.00")
    assert session.get(AuditLog, result.audit_id) is not None


def test_an_advance_may_exceed_wages_earned(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    result = run_tool(make.ctx(project=project), "record_advance", {"worker": "张三", "amount": "200"})
    assert result.ok
    assert "已多借 ¥200.00" in result.text and result.data["outstanding"] == Decimal("-200.00")


def test_settlement_is_recorded_and_outstanding_is_wages_minus_advances_minus_settlements(
    session: Session, make: Factory
) -> None:
    project = make.project()
    make.worker("张三", 300)
    _worked(make, project, 4)  # 1200
    ctx = make.ctx(project=project)
    assert run_tool(ctx, "record_advance", {"worker": "张三", "amount": "250"}).ok
    result = run_tool(ctx, "settle_wages", {"worker": "张三", "amount": "600", "date": YESTERDAY.isoformat()})
    assert result.ok, result.text
    assert [p.kind for p in payments(session)] == [PaymentKind.advance, PaymentKind.settlement]
    assert "已记结算" in result.text and "¥350.00" in result.text
    worker_id = session.scalar(select(Worker.id).where(Worker.name == "张三"))
    assert q.outstanding_wages(session=session, project_id=project.id, until=TODAY, worker_id=worker_id) == Decimal(
        "350.00"
    )
    assert q.outstanding_wages(session=session, project_id=project.id, until=TODAY) == Decimal("350.00")
    # The advance (today) is not yet paid on the day before.
    assert q.outstanding_wages(session=session, project_id=project.id, until=YESTERDAY) == Decimal("600.00")


def test_settlement_above_outstanding_is_refused_showing_the_outstanding(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    _worked(make, project, 2)
    ctx = make.ctx(project=project)
    assert run_tool(ctx, "record_advance", {"worker": "张三", "amount": "100"}).ok
    result = run_tool(ctx, "settle_wages", {"worker": "张三", "amount": "500.01"})
    assert not result.ok
    assert "超过了张三" in result.text and "¥500.00" in result.text
    assert len(payments(session)) == 1
    assert run_tool(ctx, "settle_wages", {"worker": "张三", "amount": "500"}).ok


def test_labour_already_settled_cannot_be_taken_back_below_what_was_paid(session: Session, make: Factory) -> None:
    project = make.project(code="SG3")
    make.worker("张三", 300)
    _worked(make, project, 2)  # 600
    ctx = make.ctx(project=project)
    assert run_tool(ctx, "settle_wages", {"worker": "张三", "amount": "600"}).ok
    day = (TODAY - timedelta(days=1)).isoformat()
    lowered = log(make, project, days="0.5", date=day, correction=True)
    assert not lowered.ok
    assert "已结算 ¥600.00" in lowered.text and "工资只有 ¥450.00" in lowered.text and "没有改动" in lowered.text
    assert [e.amount for e in entries(session)] == [Decimal("300.00"), Decimal("300.00")]
    undone = run_tool(make.ctx(project=project), "undo_last", {})  # the settlement itself may be undone
    assert undone.ok, undone.text
    assert log(make, project, days="0.5", date=day, correction=True).ok  # then the day can be corrected


def test_settlement_cannot_pay_wages_earned_after_its_date(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    assert log(make, project, days="1").ok  # today
    result = run_tool(
        make.ctx(project=project), "settle_wages", {"worker": "张三", "amount": "300", "date": YESTERDAY.isoformat()}
    )
    assert not result.ok
    assert "¥0.00" in result.text and "11-24（周二）" in result.text


def test_settlement_counts_other_projects_separately(session: Session, make: Factory) -> None:
    first, second = make.project(), make.project()
    make.worker("张三", 300)
    _worked(make, first, 1)
    result = run_tool(make.ctx(project=second), "settle_wages", {"worker": "张三", "amount": "300"})
    assert not result.ok


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "金额必须大于 0"),
        ("-5", "金额必须大于 0"),
        ("10000000000.01", "金额不能超过"),
        ("0.001", "最多精确到分"),
        ("五百", "金额应该是数字"),
        ("Infinity", "金额"),
    ],
)
@pytest.mark.parametrize("tool_name", ["record_advance", "settle_wages"])
def test_bad_payment_amounts_are_refused(
    session: Session, make: Factory, tool_name: str, amount: str, expected: str
) -> None:
    project = make.project()
    make.worker("张三", 300)
    _worked(make, project, 1)
    result = run_tool(make.ctx(project=project), tool_name, {"worker": "张三", "amount": amount})
    assert not result.ok
    assert expected in result.text
    assert payments(session) == []


def test_payment_to_an_unknown_worker_or_on_a_future_date_is_refused(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("李四", 300)
    ctx = make.ctx(project=project)
    unknown = run_tool(ctx, "record_advance", {"worker": "李四五", "amount": "100"})
    assert not unknown.ok and "你是说：李四" in unknown.text
    future = run_tool(
        ctx, "record_advance", {"worker": "李四", "amount": "100", "date": (TODAY + timedelta(days=5)).isoformat()}
    )
    assert not future.ok and "在未来" in future.text
    assert payments(session) == []


@pytest.mark.parametrize(
    ("tool_name", "role", "allowed"),
    [
        ("record_advance", Role.foreman, True),
        ("record_advance", Role.finance, True),
        ("record_advance", Role.viewer, False),
        ("settle_wages", Role.finance, True),
        ("settle_wages", Role.manager, True),
        ("settle_wages", Role.foreman, False),
        ("settle_wages", Role.viewer, False),
    ],
)
def test_who_may_record_payments(session: Session, make: Factory, tool_name: str, role: Role, allowed: bool) -> None:
    project = make.project()
    make.worker("张三", 300)
    _worked(make, project, 1)
    user = make.user(project=project, role=role)
    result = run_tool(make.ctx(user, project=project), tool_name, {"worker": "张三", "amount": "100"})
    assert result.ok is allowed, result.text
    assert len(payments(session)) == (1 if allowed else 0)


# -- labor_summary ------------------------------------------------------------------------------


@pytest.fixture
def month(session: Session, make: Factory) -> Any:
    """SG3 with October and November work, an advance and a settlement."""
    project = make.project(code="SG3", start=date(2026, 9, 1))
    make.worker("张三", 300, trade="木工")
    make.worker("李四", 400, trade="钢筋工")
    make.worker("王五", 200, trade="木工")
    ctx = make.ctx(project=project)
    assert log(make, project, days="1", date="2026-10-20").ok  # before the month: outstanding only
    assert log(make, project, days="1", date="2026-11-02", overtime_hours="4").ok  # 300 + 150
    assert log(make, project, days="0.5", date="2026-11-03").ok  # 150
    assert log(make, project, worker="李四", days="1", date="2026-11-03").ok  # 400
    assert log(make, project, worker="王五", days="1", date="2026-10-21").ok  # October only
    assert run_tool(ctx, "record_advance", {"worker": "张三", "amount": "100", "date": "2026-10-25"}).ok
    assert run_tool(ctx, "settle_wages", {"worker": "张三", "amount": "200", "date": "2026-11-10"}).ok
    assert run_tool(ctx, "record_advance", {"worker": "李四", "amount": "50", "date": "2026-11-20"}).ok
    return project


def test_summary_by_worker_for_this_month(session: Session, make: Factory, month: Any) -> None:
    result = run_tool(make.ctx(project=month), "labor_summary", {})
    assert result.ok, result.text
    data = result.data
    assert (data["start"], data["end"]) == (date(2026, 11, 1), TODAY)
    rows = {r["name"]: r for r in data["rows"]}
    assert set(rows) == {"张三", "李四", "王五"}  # 王五 did not work this month but is still owed
    zhang = rows["张三"]
    assert (zhang["days"], zhang["overtime_hours"], zhang["wages"]) == (Decimal("1.5"), Decimal(4), Decimal("600.00"))
    assert (zhang["advances"], zhang["settled"]) == (Decimal(0), Decimal("200.00"))  # the advance was in October
    assert zhang["outstanding"] == Decimal("600.00")  # 300 + 600 − 100 − 200
    assert (rows["李四"]["wages"], rows["李四"]["advances"], rows["李四"]["outstanding"]) == (
        Decimal("400.00"),
        Decimal("50.00"),
        Decimal("350.00"),
    )
    assert (rows["王五"]["days"], rows["王五"]["outstanding"]) == (Decimal(0), Decimal("200.00"))
    totals = data["totals"]
    assert (totals["days"], totals["overtime_hours"], totals["wages"], totals["head_count"]) == (
        Decimal("2.5"),
        Decimal(4),
        Decimal("1000.00"),
        2,
    )
    assert (totals["advances"], totals["settled"], totals["outstanding"]) == (
        Decimal("50.00"),
        Decimal("200.00"),
        Decimal("1150.00"),
    )
    assert sum(r["outstanding"] for r in data["rows"]) == totals["outstanding"]
    text = result.text
    assert text.startswith("SG3 点工汇总 2026-11-01 至 2026-11-25（按工人）")
    assert re.search(r"张三\s+1\.5工\s+加班4h\s+工资¥600\.00\s+借支¥0\.00\s+结算¥200\.00\s+未结¥600\.00", text)
    assert "合计：2人  2.5工  加班4h  工资¥1,000.00" in text
    assert "截至 2026-11-25 未结工资 ¥1,150.00" in text


def test_outstanding_is_as_of_the_period_end(session: Session, make: Factory, month: Any) -> None:
    result = run_tool(make.ctx(project=month), "labor_summary", {"start": "2026-10-01", "end": "2026-10-31"})
    rows = {r["name"]: r for r in result.data["rows"]}
    assert rows["张三"]["outstanding"] == Decimal("200.00")  # 300 − 100 advance
    assert rows["张三"]["advances"] == Decimal("100.00")
    assert "李四" not in rows
    assert result.data["totals"]["outstanding"] == Decimal("400.00")


def test_summary_for_one_worker(session: Session, make: Factory, month: Any) -> None:
    result = run_tool(make.ctx(project=month), "labor_summary", {"worker": "李四"})
    assert [r["name"] for r in result.data["rows"]] == ["李四"]
    assert result.data["totals"]["wages"] == Decimal("400.00")
    assert result.data["totals"]["outstanding"] == Decimal("350.00")
    assert "（仅 李四）" in result.text


def test_summary_by_trade(session: Session, make: Factory, month: Any) -> None:
    result = run_tool(make.ctx(project=month), "labor_summary", {"group_by": "trade", "start": "2026-10-01"})
    rows = {r["trade"]: r for r in result.data["rows"]}
    assert (rows["木工"]["days"], rows["木工"]["wages"], rows["木工"]["head_count"]) == (
        Decimal("3.5"),
        Decimal("1100.00"),
        2,
    )
    assert (rows["钢筋工"]["days"], rows["钢筋工"]["head_count"]) == (Decimal(1), 1)
    assert re.search(r"木工\s+2人\s+3\.5工\s+加班4h\s+工资¥1,100\.00", result.text)
    assert result.data["totals"]["head_count"] == 3


def test_summary_by_day_lists_who_came(session: Session, make: Factory, month: Any) -> None:
    result = run_tool(make.ctx(project=month), "labor_summary", {"group_by": "day"})
    rows = result.data["rows"]
    assert [r["day"] for r in rows] == [date(2026, 11, 2), date(2026, 11, 3)]
    assert rows[1]["names"] == sorted(["张三", "李四"]) and rows[1]["head_count"] == 2
    assert (rows[1]["days"], rows[1]["wages"]) == (Decimal("1.5"), Decimal("550.00"))
    assert "2026-11-03  2人  1.5工  ¥550.00：" in result.text


def test_end_in_the_future_is_clipped_and_start_after_end_is_refused(
    session: Session, make: Factory, month: Any
) -> None:
    ctx = make.ctx(project=month)
    clipped = run_tool(ctx, "labor_summary", {"start": "2026-11-01", "end": "2027-01-31"})
    assert clipped.ok and clipped.data["end"] == TODAY
    refused = run_tool(ctx, "labor_summary", {"start": "2026-11-20", "end": "2026-11-10"})
    assert not refused.ok and "晚于结束日期" in refused.text
    future_start = run_tool(ctx, "labor_summary", {"start": "2026-12-01"})
    assert not future_start.ok


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"start": "上个月"}, "开始日期应该是日期"),
        ({"group_by": "month"}, "分组方式取值不对"),
        ({"worker": "张三丰"}, "你是说：张三"),
    ],
)
def test_summary_bad_input(session: Session, make: Factory, month: Any, args: dict[str, Any], expected: str) -> None:
    result = run_tool(make.ctx(project=month), "labor_summary", args)
    assert not result.ok
    assert expected in result.text


def test_empty_period_says_so(session: Session, make: Factory) -> None:
    project = make.project()
    result = run_tool(make.ctx(project=project), "labor_summary", {})
    assert result.ok and "这段时间没有记工。" in result.text
    assert result.data["rows"] == []


def test_any_member_may_read_the_summary_but_not_a_stranger(session: Session, make: Factory, month: Any) -> None:
    viewer = make.user(project=month, role=Role.viewer)
    assert run_tool(make.ctx(viewer, project=month), "labor_summary", {}).ok
    stranger = make.user()
    assert not run_tool(make.ctx(stranger), "labor_summary", {"project": "SG3"}).ok


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def _raw_cell(xml: str, ref: str) -> Decimal:
    match = re.search(rf'<c r="{ref}"[^>]*>(?:<f>[^<]*</f>)?<v>([^<]+)</v>', xml)
    assert match, ref
    return Decimal(match.group(1))


def test_export_attaches_an_xlsx_with_exact_money_cells(session: Session, make: Factory, month: Any) -> None:
    result = run_tool(make.ctx(project=month), "labor_summary", {"export": True})
    [attachment] = result.attachments
    assert attachment.mime == XLSX_MIME and attachment.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(attachment.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[2]]
    assert header == ["工人", "工种", "工日", "加班小时", "工资", "借支", "结算", "期末未结"]
    by_name = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    zhang = by_name["张三"]
    assert zhang[4].number_format == "#,##0.00" and zhang[7].number_format == "#,##0.00"
    assert zhang[4].data_type == "n"
    total = by_name["合计"]
    xml = _sheet_xml(attachment.content)
    assert _raw_cell(xml, f"E{total[4].row}") == Decimal("1000.00")
    assert _raw_cell(xml, f"H{total[7].row}") == Decimal("1150.00")
    assert _raw_cell(xml, f"E{zhang[4].row}") == Decimal("600.00")
    assert Decimal(str(total[4].value)) == Decimal("1000.00")


def test_no_attachment_without_export(session: Session, make: Factory, month: Any) -> None:
    assert run_tool(make.ctx(project=month), "labor_summary", {}).attachments == []


@pytest.mark.parametrize("group_by", ["trade", "day"])
def test_export_works_for_every_grouping(session: Session, make: Factory, month: Any, group_by: str) -> None:
    result = run_tool(make.ctx(project=month, language="en"), "labor_summary", {"group_by": group_by, "export": True})
    sheet = load_workbook(io.BytesIO(result.attachments[0].content)).active
    assert sheet is not None
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert last[0] == "Total"
    assert Decimal(str(last[4 if group_by == "trade" else 3])) == Decimal("1000.00")


FORMULA_LIKE = ['=HYPERLINK("http://x","pay")', "+1", "-2", "@SUM(A1)", "\tTAB", "=1+1"]


@pytest.mark.parametrize(
    ("group_by", "names"), [("worker", FORMULA_LIKE), ("trade", FORMULA_LIKE), ("day", FORMULA_LIKE[:1])]
)
def test_exported_names_and_trades_stay_text_never_formulas(
    session: Session, make: Factory, group_by: str, names: list[str]
) -> None:
    project = make.project(code="SG3")
    workers = [make.worker(name, 300, trade=name) for name in names]
    insert_labor(session, project, workers, TODAY, n_days=2, amount=Decimal(300))
    period = {"start": (TODAY - timedelta(days=1)).isoformat(), "end": TODAY.isoformat()}

    result = run_tool(make.ctx(project=project), "labor_summary", {**period, "group_by": group_by, "export": True})

    sheet = load_workbook(io.BytesIO(result.attachments[0].content)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows(min_row=3) for cell in row]
    texts = {cell.value: cell for cell in cells if isinstance(cell.value, str)}
    assert set(names) <= texts.keys()
    assert {texts[name].data_type for name in names} == {"s"}
    assert "<f>" not in _sheet_xml(result.attachments[0].content)
    numbers = [cell for cell in cells if isinstance(cell.value, int | float)]
    assert numbers and {cell.data_type for cell in numbers} == {"n"}


# -- exactness ----------------------------------------------------------------------------------


@pytest.fixture
def dimes(session: Session, make: Factory) -> Any:
    """10,000 labour entries at 0.10 yuan: 100 workers × 100 days ending today."""
    project = make.project(code="DIME")
    insert_labor(session, project, dime_workers(make), TODAY)
    return project


def test_ten_thousand_dimes_sum_to_exactly_1000_in_every_summary(session: Session, make: Factory, dimes: Any) -> None:
    ctx = make.ctx(project=dimes)
    period = {"start": (TODAY - timedelta(days=99)).isoformat(), "end": TODAY.isoformat()}
    by_worker = run_tool(ctx, "labor_summary", {**period, "group_by": "worker"})
    by_trade = run_tool(ctx, "labor_summary", {**period, "group_by": "trade"})
    by_day = run_tool(ctx, "labor_summary", {**period, "group_by": "day"})
    for result in (by_worker, by_trade, by_day):
        assert result.ok, result.text
        assert result.data["totals"]["wages"] == Decimal("1000.00")
        assert result.data["totals"]["days"] == Decimal(10_000)
        assert result.data["totals"]["head_count"] == 100
        assert "¥1,000.00" in result.text
    assert len(by_worker.data["rows"]) == 100
    assert {r["wages"] for r in by_worker.data["rows"]} == {Decimal("10.00")}
    assert {r["outstanding"] for r in by_worker.data["rows"]} == {Decimal("10.00")}
    assert by_worker.data["totals"]["outstanding"] == Decimal("1000.00")
    assert [r["wages"] for r in by_trade.data["rows"]] == [Decimal("250.00")] * 4
    assert len(by_day.data["rows"]) == 100
    assert {r["wages"] for r in by_day.data["rows"]} == {Decimal("10.00")}
    assert {len(r["names"]) for r in by_day.data["rows"]} == {100}
    # The chat reply stays short; the export has every line.
    assert len(by_worker.text.splitlines()) < 40
    assert q.outstanding_wages(session=session, project_id=dimes.id, until=TODAY) == Decimal("1000.00")
    assert q.wages_owed(session=session, project_id=dimes.id, until=TODAY) == Decimal("1000.00")


def test_ten_thousand_dimes_export_exactly(session: Session, make: Factory, dimes: Any) -> None:
    ctx = make.ctx(project=dimes)
    period = {"start": (TODAY - timedelta(days=99)).isoformat(), "end": TODAY.isoformat(), "export": True}
    for group_by, column in (("worker", "E"), ("trade", "E"), ("day", "D")):
        result = run_tool(ctx, "labor_summary", {**period, "group_by": group_by})
        content = result.attachments[0].content
        sheet = load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        xml = _sheet_xml(content)
        last_row = sheet.max_row
        assert _raw_cell(xml, f"{column}{last_row}") == Decimal("1000.00")
        assert sheet[f"{column}{last_row}"].number_format == "#,##0.00"
        cells = [_raw_cell(xml, f"{column}{r}") for r in range(3, last_row)]
        assert sum(cells, Decimal(0)) == Decimal("1000.00")


# -- reminders for days with nothing logged ------------------------------------------------------


def test_recent_days_with_nothing_logged_are_listed(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    for back in (10, 5, 3):
        assert log(make, project, days="1", date=(make.today - timedelta(days=back)).isoformat()).ok
    ctx = make.ctx(project=project)
    assert unlogged_days(ctx, project) == [make.today - timedelta(days=2), make.today - timedelta(days=1)]
    assert log(make, project, days="1", date=(make.today - timedelta(days=1)).isoformat()).ok
    assert unlogged_days(ctx, project) == [make.today - timedelta(days=2)]


def test_a_project_that_logs_no_labour_is_not_nagged(session: Session, make: Factory) -> None:
    project = make.project()
    make.worker("张三", 300)
    assert unlogged_days(make.ctx(project=project), project) == []
    assert log(make, project, days="1", date=(make.today - timedelta(days=40)).isoformat()).ok
    assert unlogged_days(make.ctx(project=project), project) == []


def test_no_reminder_after_the_project_finished(session: Session, make: Factory) -> None:
    project = make.project(finish=make.today - timedelta(days=2))
    make.worker("张三", 300)
    assert log(make, project, days="1", date=(make.today - timedelta(days=3)).isoformat()).ok
    assert unlogged_days(make.ctx(project=project), project) == [make.today - timedelta(days=2)]


def test_a_sliver_of_a_day_is_asked_about_before_it_is_written(session: Session, make: Factory) -> None:
    """Tester (words): 张三今天0.0001个工 was written at once, ¥0.04."""
    project = make.project()
    make.worker("张三", 350)
    asked = log(make, project, days="0.0001")
    assert not asked.ok and asked.proposal is not None and "0.0001" in asked.text
    assert entries(session) == []
    assert log(make, project, days="0.0625").ok  # half an hour of an 8-hour day: a part of a day people log
    assert log(make, project, days="0.0001", confirm=True, date=YESTERDAY.isoformat()).ok
    assert [e.days for e in entries(session)] == [Decimal("0.0625"), Decimal("0.0001")]


def test_a_piece_price_far_from_the_projects_last_for_the_item_is_asked_about(session: Session, make: Factory) -> None:
    """Retester: 张三 包工 贴砖 1平 每平9000 was written at once (贴砖 had been 35 a 平)."""
    project = make.project()
    make.worker("张三", 350)

    def piece(price: str, confirm: bool = False) -> Any:
        args = {"project": project.code, "worker": "张三", "item": "贴砖", "quantity": "1", "unit": "平"}
        return run_tool(make.ctx(project=project), "log_piece_work", {**args, "unit_price": price, "confirm": confirm})

    assert piece("35").ok  # the first price of an item: nothing to compare with
    asked = piece("9000")
    assert not asked.ok and asked.proposal is not None and "35" in asked.text and "9,000" in asked.text
    assert piece("40").ok  # near the last price: written at once
    assert piece("9000", confirm=True).ok
    session.rollback()
    assert [e.amount for e in session.scalars(select(LaborEntry).order_by(LaborEntry.id))] == [
        Decimal("35.00"),
        Decimal("40.00"),
        Decimal("9000.00"),
    ]
