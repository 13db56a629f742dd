"""The permission matrix: each role × each tool, as design.md's table says; a stranger sees nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import AuditLog, LaborEntry, Project, Role
from tests.support.factories import Factory
from tools import REGISTRY, run_tool

ALL = frozenset(Role)
WHO_MAY: dict[str, frozenset[Role]] = {
    "list_projects": ALL,
    "log_labor": frozenset({Role.admin, Role.manager, Role.foreman}),
    "record_advance": frozenset({Role.admin, Role.manager, Role.foreman, Role.finance}),
    "settle_wages": frozenset({Role.admin, Role.manager, Role.finance}),
    "labor_summary": ALL,
    "add_cost": frozenset({Role.admin, Role.manager, Role.finance}),
    "budget_status": ALL,
    "update_task_progress": frozenset({Role.admin, Role.manager, Role.foreman}),
    "schedule_status": ALL,
    "record_fund": frozenset({Role.admin, Role.manager, Role.finance}),
    "fund_status": ALL,
    "project_health": ALL,
    "show_chart": ALL,
    "cost_summary": ALL,
    "add_counterparty": frozenset({Role.admin, Role.manager, Role.finance}),
    "list_counterparties": ALL,
    "list_workers": ALL,
    "add_worker": frozenset({Role.admin, Role.manager, Role.foreman}),
    "set_worker_rate": frozenset({Role.admin, Role.manager}),
    "list_tasks": ALL,
    "add_task": frozenset({Role.admin, Role.manager}),
    "mark_task": frozenset({Role.admin, Role.manager, Role.foreman}),
    "list_members": ALL,
    "log_piece_work": frozenset({Role.admin, Role.manager, Role.foreman}),
    "worker_statement": ALL,
    "export_labor": ALL,
    "export_costs": ALL,
    "export_budget": ALL,
}


def valid_args(project: Project) -> dict[str, dict[str, Any]]:
    """Arguments that succeed for a user with the right role."""
    return {
        "list_projects": {},
        "log_labor": {"project": project.code, "worker": "张三", "date": "2026-11-24", "days": "1"},
        "record_advance": {"project": project.code, "worker": "张三", "amount": "100"},
        "settle_wages": {"project": project.code, "worker": "张三", "amount": "100"},
        "labor_summary": {"project": project.code},
        "add_cost": {"project": project.code, "category": "materials", "amount": "8000", "note": "钢筋"},
        "budget_status": {"project": project.code},
        "update_task_progress": {"project": project.code, "task": "砌体工程", "percent": "40"},
        "schedule_status": {"project": project.code},
        "record_fund": {"project": project.code, "direction": "in", "amount": "200000", "counterparty": "甲方"},
        "fund_status": {"project": project.code},
        "project_health": {"project": project.code},
        "show_chart": {"project": project.code, "kind": "budget"},
        "cost_summary": {"project": project.code, "item": "钢筋"},
        "add_counterparty": {"project": project.code, "name": "宏达钢材"},
        "list_counterparties": {"project": project.code},
        "list_workers": {"project": project.code},
        "add_worker": {"project": project.code, "name": "刘德华", "trade": "木工", "daily_rate": "350"},
        "set_worker_rate": {"project": project.code, "worker": "张三", "daily_rate": "400", "start": "2026-11-25"},
        "list_tasks": {"project": project.code},
        "add_task": {
            "project": project.code,
            "name": "外墙装饰",
            "planned_start": "2026-12-01",
            "planned_finish": "2027-01-31",
            "planned_cost": "50000",
        },
        "mark_task": {"project": project.code, "task": "砌体工程", "event": "started"},
        "list_members": {"project": project.code},
        "log_piece_work": {
            "project": project.code,
            "worker": "张三",
            "item": "贴砖",
            "quantity": "120",
            "unit": "平",
            "unit_price": "35",
        },
        "worker_statement": {"project": project.code, "worker": "张三"},
        "export_labor": {"project": project.code, "month": "2026-11"},
        "export_costs": {"project": project.code},
        "export_budget": {"project": project.code},
    }


@pytest.fixture
def site(session: Session, make: Factory) -> Project:
    """A project with a worker who has wages owed, a task and a budget."""
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.budget(project, "materials", 6_000_000)
    make.budget(project, "labor", 3_000_000)
    worker = make.worker("张三", 350)
    make.task(project, "砌体工程")
    session.add(
        LaborEntry(
            project_id=project.id,
            worker_id=worker.id,
            work_date=make.today.replace(day=20),
            days=Decimal(2),
            daily_rate=Decimal(350),
            amount=Decimal(700),
        )
    )
    session.commit()
    return project


def test_matrix_covers_every_tool_but_undo() -> None:
    assert set(WHO_MAY) | {"undo_last"} == set(REGISTRY)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("tool_name", list(WHO_MAY))
def test_role_may_use_tool_exactly_as_the_table_says(
    session: Session, make: Factory, site: Project, tool_name: str, role: Role
) -> None:
    user = make.user(f"u-{role.value}", project=site, role=role)
    audits_before = session.scalar(select(func.count(AuditLog.id)))
    result = run_tool(make.ctx(user, project=site), tool_name, valid_args(site)[tool_name])
    audits_after = session.scalar(select(func.count(AuditLog.id)))
    if role in WHO_MAY[tool_name]:
        assert result.ok, result.text
        assert (audits_after - audits_before) == (1 if REGISTRY[tool_name].writes else 0)
    else:
        assert not result.ok
        assert "没有权限" in result.text and role.value in result.text
        assert audits_after == audits_before


@pytest.mark.parametrize("tool_name", [name for name in WHO_MAY if name != "list_projects"])
def test_stranger_can_neither_read_nor_write_a_project(
    session: Session, make: Factory, site: Project, tool_name: str
) -> None:
    stranger = make.user("stranger")
    result = run_tool(make.ctx(stranger, language="en"), tool_name, valid_args(site)[tool_name])
    assert not result.ok
    assert "阳光花园" not in result.text and "8000" not in result.text
    assert session.scalar(select(func.count(AuditLog.id))) == 0


def test_stranger_lists_no_projects(make: Factory, site: Project) -> None:
    result = run_tool(make.ctx(make.user("stranger")), "list_projects", {})
    assert "SG3" not in result.text


def test_refusal_names_the_role_needed_in_english(make: Factory, site: Project) -> None:
    viewer = make.user("viewer", project=site, role=Role.viewer)
    result = run_tool(make.ctx(viewer, project=site, language="en"), "add_cost", valid_args(site)["add_cost"])
    assert not result.ok
    assert result.text.startswith("Not allowed") and "manager" in result.text and "viewer" in result.text


@pytest.mark.parametrize("role", list(Role))
def test_only_who_may_set_a_rate_may_log_a_day_at_another_rate(
    session: Session, make: Factory, site: Project, role: Role
) -> None:
    """One entry's own daily rate is pay set for that day: a foreman logs days at the rate in force, and a day at
    another rate is refused with nothing written (docs/security.md: changing a rate needs a manager)."""
    member = make.user(f"who-{role.value}", project=site, role=role)
    args = {"project": site.code, "worker": "张三", "date": "2026-11-24", "days": "1", "daily_rate": "400"}
    result = run_tool(make.ctx(member, project=site), "log_labor", args)
    written = session.scalars(select(LaborEntry.amount).where(LaborEntry.work_date == date(2026, 11, 24))).all()
    if role in {Role.admin, Role.manager}:
        assert result.ok, result.text
        assert written == [Decimal("400.00")]
    else:
        assert not result.ok and written == []
        if role == Role.foreman:
            assert "日工资是 ¥350.00" in result.text and "经理" in result.text
    same = run_tool(make.ctx(member, project=site), "log_labor", {**args, "date": "2026-11-23", "daily_rate": "350"})
    assert same.ok == (role in WHO_MAY["log_labor"]), same.text  # the rate in force, said out loud: anyone who logs
