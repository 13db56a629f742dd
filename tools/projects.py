"""list_projects: the projects the acting user can see, with their role in each."""

from __future__ import annotations

from datetime import date
from typing import Any

from storage.models import Role
from storage.queries.projects import member_roles
from tools import resolve
from tools.args import ListProjects
from tools.base import ANY_MEMBER, Context, Result, Text, tool

ROLE_LABELS: dict[Role, Text] = {
    Role.admin: Text("管理员", "admin"),
    Role.manager: Text("项目经理", "manager"),
    Role.foreman: Text("工长", "foreman"),
    Role.finance: Text("财务", "finance"),
    Role.viewer: Text("查看", "viewer"),
}

_NONE = Text(
    "你还没有可以访问的项目。请项目经理或管理员把你加为项目成员。",
    "You have no projects yet. Ask a project manager or an administrator to add you as a member.",
)
_HEAD = Text("你可以访问的项目（{n}个）：", "Your projects ({n}):")
_ROW = Text(
    "{code} {name}｜{role}｜{start} 至 {finish}{default}", "{code} {name} | {role} | {start} to {finish}{default}"
)
_DEFAULT = Text("（本群默认）", " (this chat's default)")


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


@tool(args=ListProjects, roles=ANY_MEMBER)
def list_projects(ctx: Context, args: ListProjects) -> Result:
    """List the projects the user can see: code, name, the user's role, planned start and finish.

    Use when the user asks which projects exist or which they belong to (我有哪些项目, my projects).
    """
    projects = resolve.visible_projects(ctx)
    if ctx.bound_project:  # a group bound to a project: the others a sender belongs to are not named there
        projects = [p for p in projects if p.code == ctx.bound_project]
    if not projects:
        return Result(ok=True, text=ctx.t(_NONE), data={"projects": []})
    roles = {} if ctx.user.is_admin else member_roles(session=ctx.session, user_id=ctx.user.id)
    lines = [ctx.t(_HEAD, n=len(projects))]
    items: list[dict[str, Any]] = []
    for project in projects:
        role = Role.admin if ctx.user.is_admin else roles[project.id]
        default = ctx.t(_DEFAULT) if project.code == ctx.project_code else ""
        lines.append(
            ctx.t(
                _ROW,
                code=project.code,
                name=project.name,
                role=ctx.t(ROLE_LABELS[role]),
                start=_day(project.start),
                finish=_day(project.finish),
                default=default,
            )
        )
        items.append(
            {
                "code": project.code,
                "name": project.name,
                "aliases": list(project.aliases or []),
                "role": role.value,
                "start": project.start,
                "finish": project.finish,
            }
        )
    return Result(ok=True, text="\n".join(lines), data={"projects": items})
