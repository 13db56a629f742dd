"""A project's members and their roles."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Membership, User
from tools import resolve
from tools.args import ListMembers
from tools.base import ANY_MEMBER, Context, Result, Text, require_role, tool
from tools.projects import ROLE_LABELS

_HEAD = Text("{code} 的成员（{n}）：", "{code} members ({n}):")
_ROW = Text("· {name}：{role}{how}", "· {name}: {role}{how}")
_TELEGRAM = Text("（Telegram）", " (Telegram)")
_LOCAL = Text("（终端）", " (terminal)")
_NONE = Text("{code} 还没有成员。", "{code} has no members yet.")


@tool(args=ListMembers, roles=ANY_MEMBER)
def list_members(ctx: Context, args: ListMembers) -> Result:
    """A project's members and their roles."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    rows = ctx.session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id)
        .order_by(Membership.role, User.name)
    ).all()
    if not rows:
        return Result(ok=True, text=ctx.t(_NONE, code=project.code), data={"project": project.code, "members": []})
    lines = [ctx.t(_HEAD, code=project.code, n=len(rows))]
    for user, role in rows:
        how = ctx.t(_TELEGRAM) if user.telegram_id is not None else ctx.t(_LOCAL)
        lines.append(ctx.t(_ROW, name=user.name, role=ctx.t(ROLE_LABELS[role]), how=how))
    members = [{"name": user.name, "role": role.value} for user, role in rows]
    return Result(ok=True, text="\n".join(lines), data={"project": project.code, "members": members})
