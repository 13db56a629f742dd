"""The channel's own commands about people and chats: /start [CODE], /join, /invite, /members, /role, /remove,
/alerts, /subscribe, /unsubscribe, /lang. Each reads its words and calls tools.team or tools.chat_settings, which
hold the rules; this runs inside the update's one write transaction (process.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.router import STRANGER
from storage.models import Chat, Membership, Project
from tools import chat_settings, team
from tools.args import ListMembers
from tools.base import Context, Text, ToolError
from tools.members import list_members
from tools.resolve import visible_projects

TEAM_COMMANDS = frozenset(
    {"start", "join", "invite", "members", "role", "remove", "alerts", "subscribe", "unsubscribe", "lang"}
)
OPEN_TO_STRANGERS = frozenset({"start", "join"})  # the only ways in; everything else needs a membership

_INVITE_HELP = Text(
    "用法：/invite [项目] 角色 — 角色：manager/foreman/finance/viewer（项目经理/工长/财务/查看）\n"
    "例：/invite SG3 foreman",
    "Usage: /invite [PROJECT] ROLE — role: manager/foreman/finance/viewer\ne.g. /invite SG3 foreman",
)
_JOIN_HELP = Text("用法：/join 邀请码", "Usage: /join CODE")
_ROLE_HELP = Text(
    "用法：/role 成员 角色 [项目]\n例：/role 张工 manager",
    "Usage: /role MEMBER ROLE [PROJECT]\ne.g. /role Zhang manager",
)
_REMOVE_HELP = Text(
    "用法：/remove 成员 [项目]\n例：/remove 张工", "Usage: /remove MEMBER [PROJECT]\ne.g. /remove Zhang"
)
_ALERTS_HELP = Text(
    "用法：/alerts on|off [项目] — 项目一出问题立即私信提醒你（经理、管理员）",
    "Usage: /alerts on|off [PROJECT] — a private message at once when the project runs into trouble (managers)",
)
_ADMIN_HELLO = Text(
    "\n\n你是管理员（SITEBOT_ADMIN_IDS），可以看到全部项目。"
    "下一步：在项目群里发 /project 代码，再用 /invite 邀请成员。",
    "\n\nYou are an administrator (SITEBOT_ADMIN_IDS) and can see every project. Next: send /project CODE in the "
    "project's group, then /invite your team.",
)
_ON = {"on", "开", "开启", "打开", "1", "yes"}
_OFF = {"off", "关", "关闭", "0", "no"}


@dataclass
class Said:
    """What a team command answers, and whether it changed the chat's digest schedule."""

    text: str
    rescheduled: bool = False


_NOT_YOUR_PROJECT = Text(
    "“{word}”不是你能管理的项目，没有发出邀请。请写你管理的项目代码，例如：/invite SG3 foreman",
    "“{word}” is no project you manage; no invite was made. Give the code of a project you manage, e.g. "
    "/invite SG3 foreman",
)


def _split_project(ctx: Context, words: list[str]) -> tuple[str | None, list[str]]:
    """A word that is exactly a visible project's code is the project; the rest stays."""
    codes = {p.code.casefold(): p.code for p in visible_projects(ctx)}
    for index, word in enumerate(words):
        if word.casefold() in codes:
            return codes[word.casefold()], words[:index] + words[index + 1 :]
    return None, words


def _private_chat(ctx: Context) -> bool:
    telegram_id = ctx.user.telegram_id
    return (
        telegram_id is not None
        and ctx.session.scalar(select(Chat.id).where(Chat.telegram_chat_id == telegram_id)) is not None
    )


def is_member(ctx: Context) -> bool:
    return (
        ctx.user.is_admin
        or ctx.session.scalar(select(Membership.id).where(Membership.user_id == ctx.user.id).limit(1)) is not None
    )


def run(
    ctx: Context, chat: Chat, command: str, words: list[str], *, greeting: str, bot_username: str | None, group: bool
) -> Said:
    """One team command; a refusal (ToolError) is rolled back to before it and answered."""
    if command not in OPEN_TO_STRANGERS and not is_member(ctx):
        return Said(ctx.t(STRANGER))
    savepoint = ctx.session.begin_nested()
    try:
        said = _dispatch(ctx, chat, command, words, greeting=greeting, bot_username=bot_username, group=group)
        savepoint.commit()
        return said
    except ToolError as error:
        savepoint.rollback()
        return Said(error.render(ctx.language))


def _dispatch(
    ctx: Context, chat: Chat, command: str, words: list[str], *, greeting: str, bot_username: str | None, group: bool
) -> Said:
    if command == "start":
        if words:  # t.me/<bot>?start=CODE: an invite opened as a link
            return Said(greeting + "\n\n" + team.join(ctx, words[0]).text)
        extra = ctx.t(_ADMIN_HELLO) if ctx.user.is_admin else ""
        return Said(greeting + extra)
    if command == "join":
        return Said(team.join(ctx, words[0]).text if words else ctx.t(_JOIN_HELP))
    if command == "members":
        project, _rest = _split_project(ctx, words)
        return Said(list_members(ctx, ListMembers(project=project or (words[0] if words else None))).text)
    if command == "invite":
        project, rest = _split_project(ctx, words)
        roles = [r for r in (team.role_word(w) for w in rest) if r is not None]
        unknown = [w for w in rest if team.role_word(w) is None]
        if unknown:  # /invite BJ foreman from a manager of SG3 only: never an invite to another project
            return Said(ctx.t(_NOT_YOUR_PROJECT, word=unknown[0][:30]))
        if len(roles) != 1:
            return Said(ctx.t(_INVITE_HELP))
        return Said(team.create_invite(ctx, project, roles[0], bot_username=bot_username).text)
    if command == "role":
        project, rest = _split_project(ctx, words)
        if len(rest) < 2 or team.role_word(rest[-1]) is None:
            return Said(ctx.t(_ROLE_HELP))
        role = team.role_word(rest[-1])
        assert role is not None
        return Said(team.set_role(ctx, project, " ".join(rest[:-1]), role).text)
    if command == "remove":
        project, rest = _split_project(ctx, words)
        if not rest:
            return Said(ctx.t(_REMOVE_HELP))
        return Said(team.remove_member(ctx, project, " ".join(rest)).text)
    if command == "alerts":
        project, rest = _split_project(ctx, words)
        switch = rest[0].casefold() if rest else ""
        if switch not in _ON | _OFF:
            return Said(ctx.t(_ALERTS_HELP))
        if project is None and chat.project_id is not None:
            bound = ctx.session.get(Project, chat.project_id)
            project = bound.code if bound is not None else None
        result = team.set_alerts(ctx, project, switch in _ON, has_private_chat=_private_chat(ctx))
        return Said(result.text)
    if command == "subscribe":
        return Said(chat_settings.subscribe(ctx, chat, words[0] if words else None, group=group).text, True)
    if command == "unsubscribe":
        return Said(chat_settings.unsubscribe(ctx, chat, group=group).text, True)
    if command == "lang":
        return Said(chat_settings.set_language(ctx, chat, words[0] if words else "", group=group).text)
    raise AssertionError(command)
