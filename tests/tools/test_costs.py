"""add_cost, budget_status and check_thresholds, through run_tool as the product runs them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import AuditLog, BudgetAlert, BudgetPolicy, CostEntry, LaborEntry, Project, Role
from tests.support.factories import Factory
from tools import run_tool
from tools.costs import check_thresholds, infer_category


def cost_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CostEntry)) or 0


def alerts(session: Session, project: Project) -> list[tuple[str, int]]:
    rows = session.execute(
        select(BudgetAlert.category, BudgetAlert.threshold)
        .where(BudgetAlert.project_id == project.id)
        .order_by(BudgetAlert.threshold)
    )
    return [(c, t) for c, t in rows]


def add_labor(make: Factory, project: Project, amount: str, day: date | None = None) -> None:
    worker = make.worker()
    make.session.add(
        LaborEntry(
            project_id=project.id,
            worker_id=worker.id,
            work_date=day or make.today,
            days=Decimal(1),
            daily_rate=Decimal(amount),
            amount=Decimal(amount),
        )
    )
    make.session.commit()


@pytest.fixture
def project(make: Factory) -> Project:
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.budget(project, "materials", 10000)
    make.budget(project, "labor", 5000)
    return project


# -- add_cost: normal use ------------------------------------------------------------------------


def test_add_cost_records_the_entry_and_reports_the_line(make: Factory, project: Project) -> None:
    ctx = make.ctx(project=project)
    result = run_tool(
        ctx, "add_cost", {"category": "材料费", "amount": "3000", "vendor": "海螺水泥", "note": "P.O42.5"}
    )
    assert result.ok, result.text
    entry = make.session.scalars(select(CostEntry)).one()
    assert (entry.category, entry.amount, entry.entry_date, entry.vendor) == (
        "materials",
        Decimal("3000.00"),
        make.today,
        "海螺水泥",
    )
    assert "已记录 SG3 材料费 ¥3,000.00，日期 11-25（周三），供应商 海螺水泥，备注 P.O42.5" in result.text
    assert "材料费已用 30.0%（预算 ¥10,000.00，剩余 ¥7,000.00）" in result.text
    assert "撤回" not in result.text  # the router adds the undo hint once per message
    assert "现金：付款 ¥3,000.00" in result.text  # bought and paid: the cost and the cash moved together
    log = make.session.get(AuditLog, result.audit_id)
    assert log is not None and log.tool == "add_cost"
    assert [c["table"] for c in log.changes] == ["counterparty", "cost_entry", "fund_txn"]
    assert log.changes[1]["after"]["amount"] == "3000.00" and log.changes[2]["after"]["amount"] == "3000.00"


def test_add_cost_in_english_names_the_category_in_english(make: Factory, project: Project) -> None:
    result = run_tool(
        make.ctx(project=project, language="en"),
        "add_cost",
        {"category": "rebar", "amount": "1500.5", "date": "2026-11-24"},
    )
    assert result.ok, result.text
    assert "Recorded SG3 Materials ¥1,500.50 on Nov 24 (Tue)." in result.text
    assert "Materials: 15.0% of budget used" in result.text


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("水泥", "materials"),
        ("吊车", "machinery"),
        ("劳务分包", "subcontract"),
        ("差旅", "overhead"),
        ("machinery", "machinery"),
        ("人工", "labor"),
    ],
)
def test_add_cost_resolves_category_words_and_item_words(
    make: Factory, project: Project, word: str, category: str
) -> None:
    result = run_tool(make.ctx(project=project), "add_cost", {"category": word, "amount": "100"})
    assert result.ok, result.text
    assert make.session.scalars(select(CostEntry.category)).one() == category


def test_add_cost_infers_the_category_from_an_item_word_in_the_note(make: Factory, project: Project) -> None:
    result = run_tool(make.ctx(project=project), "add_cost", {"amount": "8000", "note": "买水泥50吨"})
    assert result.ok, result.text
    assert make.session.scalars(select(CostEntry.category)).one() == "materials"


def test_add_cost_infers_the_category_from_the_vendor(make: Factory, project: Project) -> None:
    result = run_tool(
        make.ctx(project=project, language="en"), "add_cost", {"amount": "800", "vendor": "City Crane Rental"}
    )
    assert result.ok, result.text
    assert make.session.scalars(select(CostEntry.category)).one() == "machinery"


def test_item_word_inference_prefers_the_longest_word_and_whole_english_words() -> None:
    assert infer_category("防水卷材 20卷")[0] == {"materials"}
    assert infer_category("a thousand bags")[0] == set()


def test_add_cost_without_a_category_asks_for_one_listing_them(make: Factory, project: Project) -> None:
    make.budget(project, "safety", 2000, label="安全费")
    result = run_tool(make.ctx(project=project), "add_cost", {"amount": "500", "note": "杂七杂八"})
    assert not result.ok
    assert "请说明这笔费用的成本科目" in result.text
    for name in (
        "人工费(labor)",
        "材料费(materials)",
        "机械费(machinery)",
        "分包费(subcontract)",
        "管理费(overhead)",
        "安全费",
    ):
        assert name in result.text
    assert cost_count(make.session) == 0


def test_add_cost_with_item_words_of_two_categories_asks_which(make: Factory, project: Project) -> None:
    result = run_tool(make.ctx(project=project), "add_cost", {"amount": "500", "note": "水泥和吊车"})
    assert not result.ok
    assert "可能属于多个成本科目" in result.text and "材料费" in result.text and "机械费" in result.text
    assert cost_count(make.session) == 0


def test_add_cost_to_a_custom_line_shows_its_label(make: Factory, project: Project) -> None:
    make.budget(project, "safety", 2000, label="安全费")
    result = run_tool(make.ctx(project=project), "add_cost", {"category": "安全费", "amount": "500"})
    assert result.ok, result.text
    assert make.session.scalars(select(CostEntry.category)).one() == "safety"
    assert "安全费已用 25.0%" in result.text


def test_add_cost_to_a_line_without_budget_says_so(make: Factory, project: Project) -> None:
    result = run_tool(make.ctx(project=project), "add_cost", {"category": "overhead", "amount": "500"})
    assert result.ok, result.text
    assert "管理费没有预算，累计 ¥500.00" in result.text


# -- add_cost: bad input -----------------------------------------------------------------------


def test_unknown_category_is_refused_with_suggestions(make: Factory, project: Project) -> None:
    result = run_tool(make.ctx(project=project, language="en"), "add_cost", {"category": "materil", "amount": "5"})
    assert not result.ok
    assert "No category called “materil”" in result.text and "materials" in result.text
    assert cost_count(make.session) == 0


@pytest.mark.parametrize("amount", ["0", "-5", "10000000000.01", "1e12", "12.345", "三千", "abc", "NaN", "Infinity"])
def test_implausible_amounts_are_refused(make: Factory, project: Project, amount: str) -> None:
    result = run_tool(make.ctx(project=project), "add_cost", {"category": "materials", "amount": amount})
    assert not result.ok
    assert "金额" in result.text
    assert cost_count(make.session) == 0


def test_largest_plausible_amount_is_accepted(make: Factory, project: Project) -> None:
    args = {"category": "overhead", "amount": "10000000000"}
    proposed = run_tool(make.ctx(project=project), "add_cost", args)  # beyond the whole budget: asked first
    assert proposed.proposal is not None
    result = run_tool(make.ctx(project=project), "add_cost", {**args, "confirm": True})
    assert result.ok, result.text


@pytest.mark.parametrize(
    ("day", "words"), [("2026-11-27", "在未来"), ("2026-01-01", "早于项目"), ("yesterday-ish", "日期应该是日期")]
)
def test_bad_dates_are_refused(make: Factory, project: Project, day: str, words: str) -> None:
    result = run_tool(make.ctx(project=project), "add_cost", {"category": "materials", "amount": "5", "date": day})
    assert not result.ok
    assert words in result.text
    assert cost_count(make.session) == 0


def test_tomorrow_is_refused_a_cost_is_a_record_not_a_plan(make: Factory, project: Project) -> None:
    tomorrow = (make.today + timedelta(days=1)).isoformat()
    result = run_tool(make.ctx(project=project), "add_cost", {"category": "materials", "amount": "5", "date": tomorrow})
    assert not result.ok and "在未来" in result.text
    assert cost_count(make.session) == 0


@pytest.mark.parametrize("role", [Role.foreman, Role.viewer])
def test_roles_without_cost_rights_are_refused(make: Factory, project: Project, role: Role) -> None:
    user = make.user(project=project, role=role)
    result = run_tool(make.ctx(user, project=project), "add_cost", {"category": "materials", "amount": "5"})
    assert not result.ok
    assert "admin/manager/finance" in result.text
    assert cost_count(make.session) == 0


def test_finance_may_add_costs(make: Factory, project: Project) -> None:
    user = make.user(project=project, role=Role.finance)
    assert run_tool(make.ctx(user, project=project), "add_cost", {"category": "materials", "amount": "5"}).ok


# -- budget policy -----------------------------------------------------------------------------


@pytest.fixture
def stopped(make: Factory) -> Project:
    project = make.project(code="BJ")
    make.budget(project, "machinery", 1000, policy=BudgetPolicy.stop)
    return project


def test_stop_line_turns_a_cost_over_budget_into_a_proposal_for_a_manager(make: Factory, stopped: Project) -> None:
    manager = make.user(project=stopped, role=Role.manager)
    ctx = make.ctx(manager, project=stopped)
    assert run_tool(ctx, "add_cost", {"category": "machinery", "amount": "900"}).ok
    result = run_tool(ctx, "add_cost", {"category": "machinery", "amount": "200"})
    assert not result.ok
    assert "还没有记录：机械费预算 ¥1,000.00，已用 ¥900.00，本笔 ¥200.00 将超出预算 ¥100.00" in result.text
    assert "项目经理或管理员确认" in result.text
    assert result.proposal is not None and result.proposal.roles == frozenset({Role.manager, Role.admin})
    assert [c.args.get("confirm") for c in result.proposal.calls] == [True]
    assert cost_count(make.session) == 1


def test_stop_line_accepts_an_overrun_a_manager_confirms(make: Factory, stopped: Project) -> None:
    manager = make.user(project=stopped, role=Role.manager)
    result = run_tool(
        make.ctx(manager, project=stopped), "add_cost", {"category": "machinery", "amount": "1200", "confirm": True}
    )
    assert result.ok, result.text
    assert "已确认超预算：机械费超出预算 ¥200.00" in result.text
    assert cost_count(make.session) == 1


def test_stop_line_overrun_confirmed_by_finance_waits_for_a_manager(make: Factory, stopped: Project) -> None:
    finance = make.user(project=stopped, role=Role.finance)
    result = run_tool(
        make.ctx(finance, project=stopped, language="en"),
        "add_cost",
        {"category": "machinery", "amount": "1200", "confirm": True},
    )
    assert not result.ok
    assert "unless a manager or admin confirms" in result.text
    assert result.proposal is not None and Role.finance not in (result.proposal.roles or set())
    assert cost_count(make.session) == 0


def test_stop_line_overrun_proposed_by_finance_runs_when_a_manager_said_yes(make: Factory, stopped: Project) -> None:
    finance = make.user(project=stopped, role=Role.finance)
    manager = make.user(project=stopped, role=Role.manager)
    ctx = make.ctx(finance, project=stopped)
    ctx.confirmed_by = manager.id
    result = run_tool(ctx, "add_cost", {"category": "machinery", "amount": "1200", "confirm": True})
    assert result.ok, result.text
    assert cost_count(make.session) == 1
    audit = make.session.scalars(select(AuditLog)).one()
    assert (audit.user_id, audit.confirmed_by) == (finance.id, manager.id)


def test_stop_line_accepts_costs_within_budget_from_finance(make: Factory, stopped: Project) -> None:
    finance = make.user(project=stopped, role=Role.finance)
    assert run_tool(make.ctx(finance, project=stopped), "add_cost", {"category": "machinery", "amount": "1000"}).ok


def test_warn_line_records_an_overrun_and_says_so(make: Factory, project: Project) -> None:
    ctx = make.ctx(project=project)
    first = run_tool(ctx, "add_cost", {"category": "materials", "amount": "10500"})
    assert first.ok
    assert "超过 100% 预警线，已超支 ¥500.00" in first.text
    second = run_tool(ctx, "add_cost", {"category": "materials", "amount": "100"})
    assert second.ok
    assert "⚠ 材料费已超出预算 ¥600.00（该科目超预算只提醒）" in second.text
    assert "预警线" not in second.text
    assert cost_count(make.session) == 2


# -- thresholds ----------------------------------------------------------------------------------


def test_one_alert_per_crossing(make: Factory, project: Project) -> None:
    ctx = make.ctx(project=project)
    quiet = run_tool(ctx, "add_cost", {"category": "materials", "amount": "7000"})
    assert "预警线" not in quiet.text
    crossing = run_tool(ctx, "add_cost", {"category": "materials", "amount": "1200"})
    assert "⚠ 材料费已用 82.0%（预算 ¥10,000.00），超过 80% 预警线" in crossing.text
    later = run_tool(ctx, "add_cost", {"category": "materials", "amount": "500"})
    assert later.ok and "预警线" not in later.text
    assert alerts(make.session, project) == [("materials", 80)]
    over = run_tool(ctx, "add_cost", {"category": "materials", "amount": "1500"})
    assert "超过 100% 预警线" in over.text
    assert alerts(make.session, project) == [("materials", 80), ("materials", 100)]


def test_a_crossing_states_the_lines_use_once(make: Factory, project: Project) -> None:
    crossing = run_tool(make.ctx(project=project), "add_cost", {"category": "materials", "amount": "8200"})
    assert crossing.text.count("82.0%") == 1, crossing.text


def test_a_line_whose_tasks_earn_less_than_it_costs_is_forecast_over_budget_by_earned_value(
    make: Factory, project: Project
) -> None:
    make.task(project, "主体结构", planned_cost=Decimal(10000), percent=Decimal(50), budget_category="materials")
    run_tool(make.ctx(project=project), "add_cost", {"category": "materials", "amount": "6000"})
    status = run_tool(make.ctx(project=project), "budget_status", {"category": "materials"})
    # EV 5,000 for AC 6,000: BAC 10,000 × 6,000 / 5,000
    assert "预计完工 ¥12,000.00（按挣值）（预计超支 ¥2,000.00）" in status.text
    assert status.data["lines"][0]["forecast_over_budget"] is True


def test_an_efficient_project_is_not_forecast_over_budget_by_one_line_spent_early(
    make: Factory, project: Project
) -> None:
    make.task(project, "主体结构", planned_cost=Decimal(15000), percent=Decimal(50))  # no line mapped
    run_tool(make.ctx(project=project), "add_cost", {"category": "materials", "amount": "6000"})
    status = run_tool(make.ctx(project=project), "budget_status", {})
    # EV 7,500 for AC 6,000 over the whole project: CPI 1.25, so every line is forecast under its budget
    by_line = {line["category"]: line for line in status.data["lines"]}
    assert by_line["materials"]["eac"] == Decimal(8000) and by_line["labor"]["eac"] == Decimal(4000)
    assert status.data["eac"] == Decimal(12000)
    assert not any(line["forecast_over_budget"] for line in status.data["lines"])


def test_project_thresholds_are_used(make: Factory) -> None:
    project = make.project(budget_thresholds=[50, 75, 90])
    make.budget(project, "materials", 1000)
    ctx = make.ctx(project=project, language="en")
    assert "past the 50% alert line" in run_tool(ctx, "add_cost", {"category": "materials", "amount": "600"}).text
    assert "past the 75% alert line" in run_tool(ctx, "add_cost", {"category": "materials", "amount": "200"}).text


def test_jumping_several_thresholds_records_each_and_says_the_highest(make: Factory, project: Project) -> None:
    result = run_tool(make.ctx(project=project), "add_cost", {"category": "materials", "amount": "12000"})
    assert result.text.count("预警线") == 1 and "超过 100% 预警线" in result.text
    assert alerts(make.session, project) == [("materials", 80), ("materials", 100)]


def test_check_thresholds_counts_labour_once(make: Factory, project: Project) -> None:
    ctx = make.ctx(project=project)
    add_labor(make, project, "4100")
    assert check_thresholds(ctx, project, "labor") == ["⚠ 人工费已用 82.0%（预算 ¥5,000.00），超过 80% 预警线"]
    add_labor(make, project, "100")
    assert check_thresholds(ctx, project, "labor") == []
    assert alerts(make.session, project) == [("labor", 80)]


def test_check_thresholds_rearms_after_actual_falls_back(make: Factory, project: Project) -> None:
    ctx = make.ctx(project=project)
    run_tool(ctx, "add_cost", {"category": "materials", "amount": "9000"})
    entry = make.session.scalars(select(CostEntry)).one()
    make.session.delete(entry)  # as an undo would
    make.session.flush()
    assert check_thresholds(ctx, project, "materials") == []
    assert alerts(make.session, project) == []
    run_tool(ctx, "add_cost", {"category": "materials", "amount": "8500"})
    assert alerts(make.session, project) == [("materials", 80)]


def test_check_thresholds_ignores_a_category_without_budget(make: Factory, project: Project) -> None:
    run_tool(make.ctx(project=project), "add_cost", {"category": "overhead", "amount": "99999"})
    assert check_thresholds(make.ctx(project=project), project, "overhead") == []
    assert alerts(make.session, project) == []


# -- budget_status -------------------------------------------------------------------------------


def test_budget_status_shows_every_line_with_labour_and_a_total(make: Factory, project: Project) -> None:
    make.budget(project, "safety", 1000, label="安全费")
    ctx = make.ctx(project=project)
    run_tool(ctx, "add_cost", {"category": "materials", "amount": "8500"})
    run_tool(ctx, "add_cost", {"category": "overhead", "amount": "300"})
    add_labor(make, project, "1000")
    make.task(project, planned_cost=Decimal(1000), percent=Decimal(50))
    viewer = make.user(project=project, role=Role.viewer)
    result = run_tool(make.ctx(viewer, project=project), "budget_status", {})
    assert result.ok, result.text
    text = result.text
    assert "SG3 阳光花园3号楼 预算执行（截至 11-25（周三），工程完成 50.0%）" in text
    # Tasks cost 1,000 of a 16,000 budget: EV is scaled to the budget (8,000) and the gap is said. CPI 8,000/9,800.
    assert (
        "材料费：已用 85.0% ⚠ 超过80%预警线\n  预算 ¥10,000.00｜实际 ¥8,500.00｜剩余 ¥1,500.00｜预计完工 ¥12,250.00"
    ) in text
    assert "人工费：已用 20.0%\n  预算 ¥5,000.00｜实际 ¥1,000.00｜剩余 ¥4,000.00｜预计完工 ¥6,125.00" in text
    assert "安全费：已用 0.0%" in text
    assert "管理费：没有预算\n  实际 ¥300.00" in text
    assert "合计：已用 61.3%" in text and "预算 ¥16,000.00｜实际 ¥9,800.00｜剩余 ¥6,200.00｜预计完工 ¥19,600.00" in text
    assert "预计完工 ¥12,250.00（按项目CPI）" in text  # every line says its method
    assert "任务计划成本合计 ¥1,000.00，预算合计 ¥16,000.00" in text
    by_category = {line["category"]: line for line in result.data["lines"]}
    assert by_category["materials"]["eac"] == Decimal(12250)
    assert result.data["eac"] == Decimal(19600)
    assert by_category["labor"]["actual"] == Decimal(1000)
    assert result.data["total"]["actual"] == Decimal("9800.00")


def test_budget_status_flags_an_overrun(make: Factory, project: Project) -> None:
    ctx = make.ctx(project=project, language="en")
    run_tool(ctx, "add_cost", {"category": "materials", "amount": "10250"})
    text = run_tool(ctx, "budget_status", {"category": "材料"}).text
    assert "Materials: 102.5% used ⚠ over by ¥250.00" in text
    assert "Total" not in text
    assert "(no task progress yet: forecasts are each line's own spending)" in text
    assert "forecast ¥10,250.00" in text  # the larger of budget and cost: an overrun already there, nothing guessed


def test_budget_status_for_a_category_without_budget_or_cost(make: Factory, project: Project) -> None:
    result = run_tool(make.ctx(project=project), "budget_status", {"category": "机械"})
    assert result.ok
    assert "机械费：没有预算\n  实际 ¥0.00" in result.text


def test_budget_status_refuses_non_members(make: Factory, project: Project) -> None:
    outsider = make.user()
    result = run_tool(make.ctx(outsider), "budget_status", {"project": "SG3"})
    assert not result.ok
