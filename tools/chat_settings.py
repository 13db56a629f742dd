"""A chat's own settings from chat: its morning digest (/subscribe [HH:MM], /unsubscribe) and language (/lang).

In a group only a manager or admin of the chat's project changes them; in a private chat its member does.
"""

from __future__ import annotations

import re

from storage.models import Chat, Project, Role
from tools.base import Context, Result, Text, ToolError
from tools.projects import ROLE_LABELS

_TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:：.]([0-5]\d)$")
_LANGUAGES = {"zh": "zh", "cn": "zh", "中文": "zh", "en": "en", "english": "en", "英文": "en"}
CHANGERS = frozenset({Role.admin, Role.manager})

_UNBOUND = Text(
    "本对话还没有绑定项目，日报无处可发。请先发送 /project 项目代码。",
    "This chat has no project yet, so there is no digest to send. Send /project CODE first.",
)
_ROLE = Text(
    "只有项目 {code} 的经理或管理员可以修改本群的设置（你的角色：{role}）。",
    "Only a manager or admin of project {code} can change this group's settings (your role: {role}).",
)
_BAD_TIME = Text(
    "看不懂时间“{value}”，请用 HH:MM，例如 /subscribe 07:30。",
    "Cannot read “{value}”; use HH:MM, e.g. /subscribe 07:30.",
)
_SUBSCRIBED = Text(
    "好的：每天 {time}（{timezone}）在这里推送 {code} 的日报。",
    "Done: {code}'s digest comes here every day at {time} ({timezone}).",
)
_UNSUBSCRIBED = Text(
    "好的：这里不再推送 {code} 的日报（/subscribe 恢复）。立即提醒照常发送。",
    "Done: no more daily digest of {code} here (/subscribe to resume). Immediate alerts still come.",
)
_BAD_LANGUAGE = Text("请选择 /lang zh 或 /lang en。", "Choose /lang zh or /lang en.")
_LANGUAGE_SET = Text("好的，本对话以后用中文回复。", "OK, this chat gets English replies from now on.")
_NONE = Text("无", "none")


def _may_change(ctx: Context, chat: Chat, *, group: bool) -> Project | None:
    """The chat's project, after checking the user may change the chat's settings."""
    project = ctx.session.get(Project, chat.project_id) if chat.project_id else None
    if not group:
        return project
    if project is None:
        if not ctx.user.is_admin:
            raise ToolError(_UNBOUND)
        return None
    role = ctx.role_in(project)
    if role not in CHANGERS:
        raise ToolError(_ROLE, code=project.code, role=ctx.t(ROLE_LABELS[role]) if role else ctx.t(_NONE))
    return project


def subscribe(ctx: Context, chat: Chat, at: str | None, *, group: bool) -> Result:
    """The chat's daily digest on, at HH:MM in the chat's time zone (kept when not given)."""
    project = _may_change(ctx, chat, group=group)
    if project is None:
        raise ToolError(_UNBOUND)
    if at:
        match = _TIME_RE.match(at.strip())
        if match is None:
            raise ToolError(_BAD_TIME, value=at[:20])
        chat.digest_time = f"{int(match[1]):02d}:{match[2]}"
    chat.digest_enabled = True
    ctx.session.flush()
    text = ctx.t(_SUBSCRIBED, time=chat.digest_time, timezone=chat.timezone, code=project.code)
    return Result(ok=True, text=text, data={"digest_time": chat.digest_time, "enabled": True})


def unsubscribe(ctx: Context, chat: Chat, *, group: bool) -> Result:
    """No daily digest in this chat (immediate alerts still come)."""
    project = _may_change(ctx, chat, group=group)
    if project is None:
        raise ToolError(_UNBOUND)
    chat.digest_enabled = False
    ctx.session.flush()
    return Result(ok=True, text=ctx.t(_UNSUBSCRIBED, code=project.code), data={"enabled": False})


def set_language(ctx: Context, chat: Chat, word: str, *, group: bool) -> Result:
    """The language the chat is answered in (digests and alerts included)."""
    language = _LANGUAGES.get(word.strip().casefold())
    if language is None:
        raise ToolError(_BAD_LANGUAGE)
    _may_change(ctx, chat, group=group)
    chat.language = language
    ctx.session.flush()
    return Result(ok=True, text=_LANGUAGE_SET.render(language), data={"language": language})
