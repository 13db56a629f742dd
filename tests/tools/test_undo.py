"""undo_last: reverses exactly the caller's last message's writes, refuses when unsafe, and audits itself."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.db import make_session_factory
from storage.models import AuditLog, BudgetAlert, CostEntry, LaborEntry, ProgressUpdate, Project, Role, Task, User
from tests.support.factories import Factory
from tools import audit, run_tool
from tools.base import Context


@pytest.fixture
def site(make: Factory) -> Project:
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.budget(project, "materials", 10_000)
    make.budget(project, "labor", 100_000)
    return project


@pytest.fixture
def manager(make: Factory, site: Project) -> User:
    return make.user("老王", project=site, role=Role.manager)


def _add_costs(ctx: Context, project: Project, *amounts: str) -> list[CostEntry]:
    """A small local write, audited like a tool's: one audit row with every created cost."""
    rows = [
        CostEntry(
            project_id=project.id,
            category="materials",
            amount=Decimal(a),
            entry_date=ctx.today,
            vendor="沙钢",
            created_by=ctx.user.id,
            created_at=ctx.now,
        )
        for a in amounts
    ]
    ctx.session.add_all(rows)
    audit.record(ctx, "add_cost", project, [audit.created(row) for row in rows], f"costs {amounts}")
    ctx.session.commit()
    return rows


def _set_percent(ctx: Context, task: Task, percent: str) -> None:
    before = audit.snapshot(task)
    task.percent = Decimal(percent)
    audit.record(ctx, "update_task_progress", task.project, [audit.updated(task, before)], f"{task.name} {percent}")
    ctx.session.commit()


def _cost_amounts(session: Session) -> list[Decimal]:
    return list(session.scalars(select(CostEntry.amount).order_by(CostEntry.id)))


def test_undo_removes_a_created_row(session: Session, make: Factory, site: Project, manager: User) -> None:
    _add_costs(make.ctx(manager, project=site), site, "8000")
    result = run_tool(make.ctx(manager, project=site), "undo_last", {})
    assert result.ok, result.text
    assert _cost_amounts(session) == []
    assert "已撤回" in result.text and "SG3 材料费 ¥8,000.00" in result.text and "11-25（周三）" in result.text


def test_undo_restores_an_updated_row(session: Session, make: Factory, site: Project, manager: User) -> None:
    task = make.task(site, "主体结构", percent=Decimal(30))
    _set_percent(make.ctx(manager, project=site), task, "45")
    result = run_tool(make.ctx(manager, project=site, language="en"), "undo_last", {})
    assert result.ok, result.text
    session.rollback()  # end the read snapshot: see what other sessions committed
    assert session.get(Task, task.id).percent == Decimal(30)
    assert "restored SG3 task 主体结构 at 30%" in result.text


def test_undo_reverses_every_row_of_the_last_message_only(
    session: Session, make: Factory, site: Project, manager: User
) -> None:
    _add_costs(make.ctx(manager, project=site), site, "100")
    message = make.ctx(manager, project=site)  # one message, two tool calls: one batch
    task = make.task(site, "砌体工程")
    _add_costs(message, site, "200", "300")
    _set_percent(message, task, "20")
    result = run_tool(make.ctx(manager, project=site), "undo_last", {})
    assert result.ok, result.text
    session.rollback()  # end the read snapshot: see what other sessions committed
    assert _cost_amounts(session) == [Decimal(100)]
    assert session.get(Task, task.id).percent == Decimal(0)
    assert result.text.count("\n") == 3  # head + two removed costs + one restored task


def test_undoing_labour_that_was_settled_is_refused_while_the_settlement_stands(
    session: Session, make: Factory, site: Project, manager: User
) -> None:
    make.worker("张三", 300)
    foreman = make.user("老李", project=site, role=Role.foreman)
    yesterday = (make.today - timedelta(days=1)).isoformat()
    assert run_tool(make.ctx(manager, project=site), "log_labor", {"worker": "张三", "days": "1"}).ok
    assert run_tool(make.ctx(foreman, project=site), "log_labor", {"worker": "张三", "days": "1", "date": yesterday}).ok
    assert run_tool(make.ctx(manager, project=site), "record_advance", {"worker": "张三", "amount": "100"}).ok
    assert run_tool(make.ctx(manager, project=site), "settle_wages", {"worker": "张三", "amount": "500"}).ok

    refused = run_tool(make.ctx(foreman, project=site), "undo_last", {})  # wages 300 left, 500 settled
    assert not refused.ok
    assert "已结算 ¥500.00" in refused.text and "¥300.00" in refused.text and "先撤回或更正那笔结算" in refused.text
    session.rollback()
    assert session.scalar(select(func.count(LaborEntry.id))) == 2
    assert session.scalar(select(func.count(AuditLog.id)).where(AuditLog.undone_at.is_not(None))) == 0
    assert run_tool(make.ctx(manager, project=site), "undo_last", {}).ok  # the settlement
    assert run_tool(make.ctx(foreman, project=site), "undo_last", {}).ok  # then the labour: 300 − 100 advanced


def test_someone_elses_write_is_not_undone_by_a_non_admin(
    session: Session, make: Factory, site: Project, manager: User
) -> None:
    _add_costs(make.ctx(manager, project=site), site, "8000")
    colleague = make.user("会计刘", project=site, role=Role.finance)
    result = run_tool(make.ctx(colleague, project=site), "undo_last", {})
    assert not result.ok
    assert "没有可以撤回" in result.text
    assert _cost_amounts(session) == [Decimal(8000)]
    assert session.scalar(select(AuditLog.undone_at)) is None


def test_a_second_undo_goes_one_message_further_back(
    session: Session, make: Factory, site: Project, manager: User
) -> None:
    _add_costs(make.ctx(manager, project=site), site, "100")
    _add_costs(make.ctx(manager, project=site), site, "200")
    assert run_tool(make.ctx(manager, project=site), "undo_last", {}).ok
    assert _cost_amounts(session) == [Decimal(100)]
    assert run_tool(make.ctx(manager, project=site), "undo_last", {}).ok
    assert _cost_amounts(session) == []
    third = run_tool(make.ctx(manager, project=site, language="en"), "undo_last", {})
    assert not third.ok and third.text.startswith("Nothing to undo")


def test_a_row_changed_since_is_not_undone(
    session: Session, engine: Engine, make: Factory, site: Project, manager: User
) -> None:
    (row,) = _add_costs(make.ctx(manager, project=site), site, "8000")
    with make_session_factory(engine)() as other:  # someone corrected it afterwards, elsewhere
        other.get(CostEntry, row.id).amount = Decimal("7500")
        other.commit()
    result = run_tool(make.ctx(manager, project=site), "undo_last", {})
    assert not result.ok
    assert "不能安全撤回" in result.text
    session.rollback()  # end the read snapshot: see what other sessions committed
    assert _cost_amounts(session) == [Decimal(7500)]
    assert session.scalar(select(func.count(AuditLog.id))) == 1
    assert session.scalar(select(AuditLog.undone_at)) is None


def test_a_removed_row_is_not_undone_twice(session: Session, make: Factory, site: Project, manager: User) -> None:
    (row,) = _add_costs(make.ctx(manager, project=site), site, "8000")
    session.delete(row)
    session.commit()
    result = run_tool(make.ctx(manager, project=site, language="en"), "undo_last", {})
    assert not result.ok and "Cannot undo safely" in result.text


def test_undo_puts_back_a_deleted_row(session: Session, make: Factory, site: Project, manager: User) -> None:
    (row,) = _add_costs(make.ctx(manager, project=site), site, "8000")
    ctx = make.ctx(manager, project=site)
    snapshot = audit.snapshot(row)
    session.delete(row)
    session.flush()
    audit.record(ctx, "add_cost", site, [audit.deleted(snapshot, "cost_entry")], "deleted")
    session.commit()
    result = run_tool(make.ctx(manager, project=site), "undo_last", {})
    assert result.ok, result.text
    session.rollback()  # end the read snapshot: see what other sessions committed
    back = session.get(CostEntry, snapshot["id"])
    assert back is not None and back.amount == Decimal(8000) and back.vendor == "沙钢"
    assert back.entry_date == make.today and back.created_at.isoformat() == snapshot["created_at"]


def test_undo_is_audited_and_marks_what_it_undid(session: Session, make: Factory, site: Project, manager: User) -> None:
    (row,) = _add_costs(make.ctx(manager, project=site, source_text="沙钢钢筋8000"), site, "8000")
    result = run_tool(make.ctx(manager, project=site), "undo_last", {})
    original, undo = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert original.undone_at is not None
    assert (undo.tool, undo.undo_of, undo.user_id, undo.project_id) == ("undo_last", original.id, manager.id, site.id)
    assert undo.undone_at is None and result.audit_id == undo.id
    (change,) = undo.changes
    assert (change["table"], change["id"], change["after"]) == ("cost_entry", row.id, None)
    recorded = original.changes[0]["after"]
    assert Decimal(change["before"].pop("amount")) == Decimal(recorded.pop("amount")) == Decimal(8000)
    assert change["before"] == recorded
    assert "沙钢钢筋8000" in result.text


def test_a_writer_demoted_to_viewer_cannot_undo(session: Session, make: Factory, site: Project, manager: User) -> None:
    _add_costs(make.ctx(manager, project=site), site, "8000")
    membership = manager.memberships[0]
    membership.role = Role.viewer
    session.commit()
    result = run_tool(make.ctx(manager, project=site), "undo_last", {})
    assert not result.ok and "viewer" in result.text
    assert _cost_amounts(session) == [Decimal(8000)]


def test_admin_undoes_own_write_without_membership(session: Session, make: Factory, site: Project) -> None:
    admin = make.admin_user
    _add_costs(make.ctx(admin, project=site), site, "8000")
    assert run_tool(make.ctx(admin, project=site), "undo_last", {}).ok
    assert _cost_amounts(session) == []


# -- through the real tools ---------------------------------------------------------------------


def test_undo_of_log_labor_removes_the_entry(session: Session, make: Factory, site: Project, manager: User) -> None:
    make.worker("张三", 350)
    logged = run_tool(
        make.ctx(manager, project=site), "log_labor", {"worker": "张三", "date": make.today.isoformat(), "days": "1"}
    )
    assert logged.ok, logged.text
    result = run_tool(make.ctx(manager, project=site), "undo_last", {})
    assert result.ok, result.text
    assert session.scalar(select(func.count(LaborEntry.id))) == 0
    assert "SG3 张三 11-25（周三） 点工 1工，¥350.00" in result.text


def test_undo_of_add_cost_takes_back_its_budget_alert(
    session: Session, make: Factory, site: Project, manager: User
) -> None:
    added = run_tool(make.ctx(manager, project=site), "add_cost", {"category": "materials", "amount": "9000"})
    assert added.ok, added.text
    assert session.scalar(select(func.count(BudgetAlert.id))) == 1
    assert run_tool(make.ctx(manager, project=site), "undo_last", {}).ok
    assert _cost_amounts(session) == []
    assert session.scalar(select(func.count(BudgetAlert.id))) == 0
    again = run_tool(make.ctx(manager, project=site), "add_cost", {"category": "materials", "amount": "9000"})
    assert "80%" in again.text  # the crossing is announced again


def test_undo_of_progress_update_restores_the_task(
    session: Session, make: Factory, site: Project, manager: User
) -> None:
    task = make.task(site, "主体结构", planned_start=make.today - timedelta(days=10))
    assert run_tool(make.ctx(manager, project=site), "update_task_progress", {"task": "主体结构", "percent": "30"}).ok
    assert run_tool(make.ctx(manager, project=site), "undo_last", {}).ok
    session.rollback()  # end the read snapshot: see what other sessions committed
    restored = session.get(Task, task.id)
    assert (restored.percent, restored.actual_start) == (Decimal(0), None)
    assert session.scalar(select(func.count(ProgressUpdate.id))) == 0


def test_a_row_changed_twice_in_one_message_goes_back_to_its_first_state(
    session: Session, make: Factory, site: Project, manager: User
) -> None:
    task = make.task(site, "主体结构", percent=Decimal(30))
    message = make.ctx(manager, project=site)
    _set_percent(message, task, "45")
    _set_percent(message, task, "60")
    assert run_tool(make.ctx(manager, project=site), "undo_last", {}).ok
    session.rollback()  # end the read snapshot: see what other sessions committed
    assert session.get(Task, task.id).percent == Decimal(30)
