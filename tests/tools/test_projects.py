"""list_projects: the projects a user can see, with their role, dates and the chat's default."""

from __future__ import annotations

from datetime import date

from storage.models import Membership, Role
from tests.support.factories import Factory
from tools import run_tool


def test_member_sees_only_their_projects_with_role_and_dates(make: Factory) -> None:
    sg3 = make.project(code="SG3", name="阳光花园3号楼", start=date(2026, 5, 29), finish=date(2027, 7, 3))
    bj = make.project(code="BJ", name="滨江路市政改造")
    make.project(code="RW", name="Riverside Warehouse")
    user = make.user("老王", project=sg3, role="manager")
    make.session.add(Membership(user_id=user.id, project_id=bj.id, role=Role.foreman))
    make.session.commit()
    result = run_tool(make.ctx(user, project=sg3), "list_projects", {})
    assert result.ok
    assert [p["code"] for p in result.data["projects"]] == ["BJ", "SG3"]
    assert "SG3 阳光花园3号楼｜项目经理｜2026-05-29 至 2027-07-03（本群默认）" in result.text
    assert "BJ 滨江路市政改造｜工长" in result.text
    assert "RW" not in result.text


def test_admin_sees_every_project_in_english(make: Factory) -> None:
    make.project(code="SG3", name="阳光花园3号楼")
    make.project(code="RW", name="Riverside Warehouse")
    result = run_tool(make.ctx(language="en"), "list_projects", {})
    assert result.text.splitlines()[0] == "Your projects (2):"
    assert "RW Riverside Warehouse | admin |" in result.text
    assert [p["role"] for p in result.data["projects"]] == ["admin", "admin"]


def test_user_without_projects_is_told_how_to_get_one(make: Factory) -> None:
    make.project(code="SG3")
    result = run_tool(make.ctx(make.user("新人"), language="en"), "list_projects", {})
    assert result.data == {"projects": []}
    assert "no projects yet" in result.text and "SG3" not in result.text
