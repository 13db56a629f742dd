"""A project's team from chat: invites, joining, changing and removing roles, a manager's own alerts.

These are not model tools (nothing here is offered to the LLM): the Telegram channel calls them for /invite,
/join (and /start CODE), /role, /remove and /alerts, inside its one write transaction. Every change is audited.

Who may do what:
- an admin (global, from SITEBOT_ADMIN_IDS, or of the project) invites, changes and removes any role;
- a manager does the same within their project, never for the admin role nor for anyone above a manager;
- nobody changes or removes their own role, and global administrators are changed only in the settings.
An invite is single use: the first join claims it with a conditional update, so two joins race for it and one wins.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from storage.models import Invite, Membership, Project, Role, User
from tools import audit, resolve
from tools.base import Context, Result, Text, ToolError
from tools.projects import ROLE_LABELS

INVITE_HOURS = 48
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from a screenshot
CODE_LENGTH = 10
RANK: dict[Role, int] = {Role.admin: 4, Role.manager: 3, Role.finance: 2, Role.foreman: 2, Role.viewer: 1}
TEAM_ROLES = frozenset({Role.admin, Role.manager})  # who may invite, change and remove

ROLE_WORDS: dict[str, Role] = {
    "admin": Role.admin,
    "管理员": Role.admin,
    "manager": Role.manager,
    "pm": Role.manager,
    "经理": Role.manager,
    "项目经理": Role.manager,
    "foreman": Role.foreman,
    "工长": Role.foreman,
    "班组长": Role.foreman,
    "施工员": Role.foreman,
    "finance": Role.finance,
    "财务": Role.finance,
    "会计": Role.finance,
    "viewer": Role.viewer,
    "查看": Role.viewer,
    "只读": Role.viewer,
    "观察员": Role.viewer,
}

_NOT_ALLOWED = Text(
    "只有项目 {code} 的经理或管理员可以管理成员（你的角色：{role}）。",
    "Only a manager or admin of project {code} can manage its members (your role: {role}).",
)
_ABOVE_YOU = Text(
    "你只能授予或修改低于自己的角色（你在 {code} 是{role}；经理由管理员任免）。",
    "You can only grant or change roles below your own (you are {role} in {code}; managers are appointed by an "
    "administrator).",
)
_NO_ROLE = Text(
    "请说明角色：admin/manager/foreman/finance/viewer（管理员/项目经理/工长/财务/查看）。",
    "Which role? admin/manager/foreman/finance/viewer.",
)
_INVITE = Text(
    "邀请已生成：加入 {code} {name}，角色 {role}，一次有效，{expires} 前有效。\n"
    "{link}邀请码：{invite}（对我发送 /join {invite}）",
    "Invite created: join {code} {name} as {role}; single use, valid until {expires}.\n"
    "{link}Code: {invite} (send me /join {invite})",
)
_LINK = Text("打开链接加入：{url}\n", "Open this link to join: {url}\n")
_NO_SUCH_INVITE = Text(
    "邀请码 {invite} 无效。请向项目经理或管理员要一个新的邀请。",
    "Invite code {invite} is not valid. Ask a project manager or an administrator for a new invite.",
)
_INVITER_GONE = Text(
    "这个邀请已失效：发出它的人已不再有权邀请这个角色加入 {code}。请向现在的项目经理或管理员要新的邀请。",
    "This invite no longer works: whoever sent it may no longer invite this role to {code}. Ask a current manager "
    "or administrator for a new one.",
)
_USED = Text(
    "这个邀请已经被使用过了（每个邀请只能用一次）。请要一个新的邀请。",
    "This invite has already been used (each invite works once). Ask for a new one.",
)
_EXPIRED = Text(
    "这个邀请已经过期（{expires}）。请要一个新的邀请。", "This invite expired ({expires}). Ask for a new one."
)
_JOINED = Text(
    "欢迎加入 {code} {name}！你的角色：{role}。发送 /help 查看可以做什么。",
    "Welcome to {code} {name}! Your role: {role}. Send /help to see what you can do.",
)
_ALREADY_MEMBER = Text(
    "你已经是 {code} 的成员（{role}），邀请没有使用。",
    "You are already a member of {code} ({role}); the invite is unused.",
)
_ADMIN_NEEDS_NO_INVITE = Text(
    "你是管理员，可以访问所有项目，不需要邀请。",
    "You are an administrator and can see every project; no invite needed.",
)
_WHO = Text("请说明是哪位成员，例如：/role 张工 manager", "Which member? e.g. /role Zhang manager")
_NO_MEMBER = Text(
    "{code} 没有叫“{name}”的成员。现有：{names}", "{code} has no member called “{name}”. Members: {names}"
)
_TWO_MEMBERS = Text(
    "{code} 有 {n} 位成员叫“{name}”，请用 Telegram ID 指明：{ids}",
    "{code} has {n} members called “{name}”; name one by Telegram ID: {ids}",
)
_SELF = Text("不能修改自己的角色。", "You cannot change your own role.")
_GLOBAL_ADMIN = Text(
    "{name} 是全局管理员（SITEBOT_ADMIN_IDS），只能在设置里修改。",
    "{name} is a global administrator (SITEBOT_ADMIN_IDS); change that in the settings.",
)
_ROLE_SET = Text("{name} 在 {code} 的角色：{before} → {after}。", "{name}'s role in {code}: {before} → {after}.")
_ROLE_SAME = Text("{name} 在 {code} 已经是{role}，没有改动。", "{name} is already {role} in {code}; nothing changed.")
_REMOVED = Text("已把 {name} 移出 {code}（原角色：{role}）。", "{name} was removed from {code} (was {role}).")
_ALERTS_ON = Text(
    "已开启：{code} 一出问题（超预算、延期、资金不足）我会立刻私信你。",
    "On: when {code} runs into trouble (overrun, late task, low cash) I message you privately at once.",
)
_ALERTS_OFF = Text("已关闭 {code} 的私信提醒。", "Private alerts for {code} are off.")
_ALERTS_ROLE = Text(
    "没有开启：私信提醒只发给项目 {code} 的经理和管理员成员（你的角色：{role}）。",
    "Not turned on: private alerts are only for managers and admins who are members of {code} (your role: {role}).",
)
_ALERTS_NOT_MEMBER = Text(
    "没有开启：你是全局管理员，但不是项目 {code} 的成员，私信提醒只发给项目成员。"
    "要收提醒，请用邀请（/invite {code} manager）把自己加入这个项目。",
    "Not turned on: you are an administrator but not a member of {code}, and private alerts go to its members. "
    "To get them, join the project with an invite (/invite {code} manager).",
)
_PRIVATE_FIRST = Text(
    "\n提醒会私信发给你：请先私聊我一次（打开我的对话，发送 /start）。",
    "\nAlerts come as private messages: open a private chat with me and send /start once.",
)
_NONE = Text("无", "none")


def role_word(word: str) -> Role | None:
    """A role said in either language (manager, 项目经理), or None."""
    return ROLE_WORDS.get(word.strip().casefold())


def _label(ctx: Context, role: Role | None) -> str:
    return ctx.t(ROLE_LABELS[role]) if role is not None else ctx.t(_NONE)


def _manager_of(ctx: Context, project: Project) -> Role:
    """The acting user's role if it may manage the team; else a refusal."""
    role = ctx.role_in(project)
    if role not in TEAM_ROLES:
        raise ToolError(_NOT_ALLOWED, code=project.code, role=_label(ctx, role))
    assert role is not None
    return role


def may_grant(mine: Role | None, role: Role) -> bool:
    """An admin grants and manages any role; a manager only roles below manager (never a peer or themselves up)."""
    if mine == Role.admin:
        return True
    return mine in TEAM_ROLES and RANK[role] < RANK[mine]


def _within(ctx: Context, project: Project, mine: Role, *roles: Role) -> None:
    if not all(may_grant(mine, role) for role in roles):
        raise ToolError(_ABOVE_YOU, code=project.code, role=_label(ctx, mine))


def _role_of(ctx: Context, user: User | None, project: Project) -> Role | None:
    """Someone's role in a project now (admins are admin everywhere); None for no one."""
    if user is None:
        return None
    if user.is_admin:
        return Role.admin
    return ctx.session.scalar(
        select(Membership.role).where(Membership.user_id == user.id, Membership.project_id == project.id)
    )


def _local(project: Project, when: datetime) -> str:
    """A moment in the project's own time zone, to the minute."""
    return when.astimezone(ZoneInfo(project.timezone)).strftime("%Y-%m-%d %H:%M")


# -- invites ----------------------------------------------------------------------------------------


def create_invite(
    ctx: Context, project_name: str | None, role: Role, *, bot_username: str | None = None, hours: int = INVITE_HOURS
) -> Result:
    """A single-use invite to a project with a role, valid for `hours`; shown as a t.me deep link and a code."""
    project = resolve.project(ctx, project_name)
    mine = _manager_of(ctx, project)
    _within(ctx, project, mine, role)
    code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    invite = Invite(
        code=code,
        project_id=project.id,
        role=role,
        created_by=ctx.user.id,
        created_at=ctx.now,
        expires_at=ctx.now + timedelta(hours=hours),
    )
    ctx.session.add(invite)
    change = audit.created(invite)
    entry = audit.record(ctx, "create_invite", project, [change], f"invite {role.value} to {project.code}")
    url = f"https://t.me/{bot_username}?start={code}" if bot_username else None
    text = ctx.t(
        _INVITE,
        code=project.code,
        name=project.name,
        role=_label(ctx, role),
        expires=_local(project, invite.expires_at),
        link=ctx.t(_LINK, url=url) if url else "",
        invite=code,
    )
    data = {"project": project.code, "role": role.value, "code": code, "url": url}
    return Result(ok=True, text=text, data=data, audit_id=entry.id)


def join(ctx: Context, code: str) -> Result:
    """Use an invite: the user becomes a member with its role; an unknown, used or expired code is refused."""
    session = ctx.session
    code = code.strip().upper()[:32]
    invite = session.scalar(select(Invite).where(Invite.code == code)) if code else None
    if invite is None:
        raise ToolError(_NO_SUCH_INVITE, invite=code[:12] or "—")
    project = session.get(Project, invite.project_id)
    assert project is not None
    if invite.used_by is not None:
        raise ToolError(_USED)
    if invite.expires_at <= ctx.now:
        raise ToolError(_EXPIRED, expires=_local(project, invite.expires_at))
    if ctx.user.is_admin:
        raise ToolError(_ADMIN_NEEDS_NO_INVITE)
    creator = session.get(User, invite.created_by) if invite.created_by is not None else None
    granted_by = _role_of(ctx, creator, project)
    if not may_grant(granted_by, invite.role):  # the inviter was demoted or removed since: the invite died with it
        raise ToolError(_INVITER_GONE, code=project.code)
    current = session.scalar(
        select(Membership).where(Membership.user_id == ctx.user.id, Membership.project_id == project.id)
    )
    if current is not None:
        raise ToolError(_ALREADY_MEMBER, code=project.code, role=_label(ctx, current.role))
    claimed = session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_by.is_(None), Invite.expires_at > ctx.now)
        .values(used_by=ctx.user.id, used_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    if int(claimed.rowcount or 0) != 1:  # type: ignore[attr-defined]
        raise ToolError(_USED)  # another join took it first
    membership = Membership(user_id=ctx.user.id, project_id=project.id, role=invite.role)
    session.add(membership)
    entry = audit.record(ctx, "join", project, [audit.created(membership)], f"joined {project.code} by invite {code}")
    text = ctx.t(_JOINED, code=project.code, name=project.name, role=_label(ctx, invite.role))
    return Result(ok=True, text=text, data={"project": project.code, "role": invite.role.value}, audit_id=entry.id)


# -- roles -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    user: User
    membership: Membership


def _member(ctx: Context, project: Project, name: str) -> _Target:
    """A member of the project by display name (exact, then case-insensitive) or by Telegram id."""
    name = name.strip().lstrip("@")
    if not name:
        raise ToolError(_WHO)
    rows = ctx.session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id)
        .order_by(User.name)
    ).all()
    hits = [(u, m) for u, m in rows if name.isdigit() and u.telegram_id == int(name)]
    hits = hits or [(u, m) for u, m in rows if u.name == name]
    hits = hits or [(u, m) for u, m in rows if u.name.casefold() == name.casefold()]
    if not hits:
        names = "、".join(u.name for u, _m in rows) or ctx.t(_NONE)
        raise ToolError(_NO_MEMBER, code=project.code, name=name[:40], names=names)
    if len(hits) > 1:
        ids = "、".join(str(u.telegram_id or u.id) for u, _m in hits)
        raise ToolError(_TWO_MEMBERS, code=project.code, n=len(hits), name=name[:40], ids=ids)
    user, membership = hits[0]
    return _Target(user, membership)


def _checked_target(ctx: Context, project: Project, mine: Role, name: str) -> _Target:
    target = _member(ctx, project, name)
    if target.user.id == ctx.user.id:
        raise ToolError(_SELF)
    if target.user.is_admin:
        raise ToolError(_GLOBAL_ADMIN, name=target.user.name)
    _within(ctx, project, mine, target.membership.role)
    return target


def set_role(ctx: Context, project_name: str | None, name: str, role: Role) -> Result:
    """Change a member's role in a project (audited)."""
    project = resolve.project(ctx, project_name)
    mine = _manager_of(ctx, project)
    target = _checked_target(ctx, project, mine, name)
    _within(ctx, project, mine, role)
    membership = target.membership
    before_role = membership.role
    if before_role == role:
        text = ctx.t(_ROLE_SAME, name=target.user.name, code=project.code, role=_label(ctx, role))
        return Result(ok=True, text=text, data={"project": project.code, "role": role.value})
    before = audit.snapshot(membership)
    membership.role = role
    if role not in TEAM_ROLES:
        membership.alerts = False
    change = audit.updated(membership, before)
    summary = f"{target.user.name}: {before_role.value} -> {role.value} in {project.code}"
    entry = audit.record(ctx, "set_role", project, [change], summary)
    text = ctx.t(
        _ROLE_SET,
        name=target.user.name,
        code=project.code,
        before=_label(ctx, before_role),
        after=_label(ctx, role),
    )
    data = {"project": project.code, "member": target.user.name, "role": role.value}
    return Result(ok=True, text=text, data=data, audit_id=entry.id)


def remove_member(ctx: Context, project_name: str | None, name: str) -> Result:
    """Take a member out of a project (audited); they keep nothing of it."""
    project = resolve.project(ctx, project_name)
    mine = _manager_of(ctx, project)
    target = _checked_target(ctx, project, mine, name)
    before = audit.snapshot(target.membership)
    role = target.membership.role
    ctx.session.delete(target.membership)
    ctx.session.flush()
    summary = f"{target.user.name} removed from {project.code}"
    entry = audit.record(ctx, "remove_member", project, [audit.deleted(before, "membership")], summary)
    text = ctx.t(_REMOVED, name=target.user.name, code=project.code, role=_label(ctx, role))
    return Result(ok=True, text=text, data={"project": project.code, "member": target.user.name}, audit_id=entry.id)


def member_count(ctx: Context, project: Project) -> int:
    return int(ctx.session.scalar(select(func.count(Membership.id)).where(Membership.project_id == project.id)) or 0)


# -- a manager's own alerts ----------------------------------------------------------------------------


def set_alerts(ctx: Context, project_name: str | None, on: bool, *, has_private_chat: bool) -> Result:
    """A manager's (or project admin's) private copy of the project's immediate alerts, on or off."""
    project = resolve.project(ctx, project_name)
    membership = ctx.session.scalar(
        select(Membership).where(Membership.user_id == ctx.user.id, Membership.project_id == project.id)
    )
    if membership is None and ctx.user.is_admin:
        raise ToolError(_ALERTS_NOT_MEMBER, code=project.code)
    if membership is None or membership.role not in TEAM_ROLES:
        role = membership.role if membership is not None else ctx.role_in(project)
        raise ToolError(_ALERTS_ROLE, code=project.code, role=_label(ctx, role))
    membership.alerts = on
    ctx.session.flush()
    text = ctx.t(_ALERTS_ON if on else _ALERTS_OFF, code=project.code)
    if on and not has_private_chat:
        text += ctx.t(_PRIVATE_FIRST)
    return Result(ok=True, text=text, data={"project": project.code, "alerts": on})


# -- importing a file from chat ------------------------------------------------------------------------

IMPORT_SUFFIXES = (".xlsx", ".csv")
_IMPORT_ROLE = Text(
    "只有项目经理或管理员可以导入文件。", "Only a project manager or an administrator can import a file."
)
_IMPORT_KIND = Text(
    "只能导入导入模板格式的 .xlsx 或 .csv 文件（sitebot template 生成模板）。",
    "Only .xlsx or .csv files in the import template can be imported (sitebot template writes one).",
)
_IMPORT_PRIVATE = Text("请在和我的私聊里发送要导入的文件。", "Send the file to import in a private chat with me.")
_IMPORT_TOO_BIG = Text("文件太大（最多 {mb} MB）。", "The file is too big ({mb} MB at most).")


def may_import(ctx: Context) -> bool:
    """An administrator, or a manager or admin of at least one project (the importer limits what they change)."""
    if ctx.user.is_admin:
        return True
    return (
        ctx.session.scalar(
            select(Membership.id)
            .where(Membership.user_id == ctx.user.id, Membership.role.in_(list(TEAM_ROLES)))
            .limit(1)
        )
        is not None
    )


def import_refusal(ctx: Context, filename: str | None, size: int | None, *, group: bool, limit: int) -> str | None:
    """Why a document sent in chat is not imported, or None when it may be."""
    if group:
        return ctx.t(_IMPORT_PRIVATE)
    if not may_import(ctx):
        return ctx.t(_IMPORT_ROLE)
    if not filename or not filename.casefold().endswith(IMPORT_SUFFIXES):
        return ctx.t(_IMPORT_KIND)
    if size is not None and size > limit:
        return ctx.t(_IMPORT_TOO_BIG, mb=limit // (1024 * 1024))
    return None
