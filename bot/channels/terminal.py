"""The terminal chat: the same router as Telegram, acting as a local member."""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.router import Incoming, Reply, Router
from storage.db import begin_write
from storage.models import LOCAL_ADMIN, Project, User, utcnow
from storage.queries.rows import insert_ignore
from tools.base import Context
from tools.resolve import visible_projects

_PROJECT_COMMAND = re.compile(r"^\s*/project(?:@\w+)?(?:\s+(\S+))?\s*$", re.IGNORECASE)
BANNER = (
    "sitebot 终端对话 / terminal chat — 输入消息，/help 查看命令，/project 代号 切换项目，Ctrl-D 退出\n"
    "(type a message; /help for commands, /project CODE to pick a project, Ctrl-D to exit)"
)


class UnknownMember(LookupError):
    pass


def acting_user(session: Session, name: str | None) -> User:
    """The local member named, or the local administrator (created on first use).

    Only local users (no Telegram id) are found by name: a Telegram account called "admin" or named like a
    member is never acted as from the terminal.
    """
    local = User.telegram_id.is_(None)
    if name:
        user = session.scalar(select(User).where(local, User.name == name))
        if user is None:
            known = "、".join(session.scalars(select(User.name).where(local).order_by(User.name)))
            raise UnknownMember(f"没有成员“{name}” / no member “{name}”. Known: {known or '-'}")
        return user
    admin = select(User).where(local, User.name == LOCAL_ADMIN)
    user = session.scalar(admin)
    if user is not None and user.is_admin:
        return user
    # Several terminals started at once all find no administrator: the insert is decided by the database (the
    # unique local name), and whoever comes second uses the row the first made.
    begin_write(session)
    insert_ignore(session, User.__table__, {"name": LOCAL_ADMIN, "is_admin": True, "created_at": utcnow()})
    user = session.scalars(admin).one()
    user.is_admin = True  # the terminal's operator owns the database
    session.commit()
    return user


def check_project(session: Session, code: str | None) -> str | None:
    """The project code as stored, or a clear error for an unknown one."""
    if code is None:
        return None
    project = session.scalar(select(Project).where(Project.code == code.upper()))
    if project is None:
        known = "、".join(session.scalars(select(Project.code).order_by(Project.code)))
        raise UnknownMember(f"没有项目“{code}” / no project “{code}”. Known: {known or '-'}")
    return project.code


def _switch_project(router: Router, user: User, code: str | None, current: str | None) -> tuple[str | None, str]:
    """`/project CODE` sets this terminal chat's default project, as it binds a Telegram chat: one of the projects
    the acting member may see (a foreman of SG3 is not "switched" to BJ, nor told which other projects exist)."""
    with router.sessions() as session:
        projects = visible_projects(Context(session=session, user=user))
        known = "、".join(p.code for p in projects) or "-"
        if not code:
            return current, f"当前项目 / current project: {current or '-'}；可选 / yours: {known}"
        project = next((p for p in projects if p.code == code.upper()), None)
        if project is None:
            return current, f"你的项目里没有“{code}” / “{code}” is not one of your projects. Yours: {known}"
        named = f"{project.code} {project.name}"
        return project.code, f"已切换到项目 {named} / now working on {named}"


def render(reply: Reply, export_dir: Path) -> str:
    """Reply text plus where attachments were saved."""
    lines = [reply.text]
    for attachment in reply.attachments:
        export_dir.mkdir(parents=True, exist_ok=True)
        path = export_dir / attachment.filename
        path.write_bytes(attachment.content)
        lines.append(f"[附件 / file: {path}]")
    return "\n".join(lines)


def run_chat(
    router: Router,
    *,
    user: User,
    project_code: str | None,
    today: date | None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    export_dir: Path = Path("exports"),
) -> int:
    """Read messages (a prompt on a TTY, else one per line) and print one reply block each."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    if interactive:
        print(BANNER, file=stdout)
    chat_key = f"term:{user.name}"
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            break
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        if interactive and text.strip() in {"exit", "quit", "退出"}:
            break
        switch = _PROJECT_COMMAND.match(text)
        if switch:
            project_code, answer = _switch_project(router, user, switch.group(1), project_code)
            print(answer, file=stdout)
            print(file=stdout, flush=True)
            continue
        reply = router.handle(
            Incoming(text=text, user_id=user.id, chat_key=chat_key, project_code=project_code, today=today)
        )
        print(render(reply, export_dir), file=stdout)
        print(file=stdout, flush=True)
    return 0
