"""One Telegram update, handled once: stored, leased, answered in one transaction with its reply.

Runs in a worker thread (every database call here is blocking). The update's inbox row becomes done in the same
transaction as the writes it causes and the outbox row of its reply (InboxDelivery), so a crash at any moment
leaves it pending: after a restart it is handled again, and a redelivered update finds it done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session
from telegram import Update
from telegram import User as TgUser
from telegram.constants import ChatType

from bot import metrics, observe, render
from bot.channels.telegram import documents, team
from bot.channels.telegram.outbox import Job
from bot.router import Incoming, Moved, Reply
from bot.services import Services, dead_processes
from storage.db import begin_write
from storage.models import Chat, Membership, Project, Role, User
from storage.queries import chats as cq
from storage.queries import inbox as iq
from storage.queries import outbox as oq
from tools import resolve
from tools.base import Context, Text, ToolError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # an update that failed (or crashed the process) this often is given up, with an apology
LEASE = timedelta(seconds=90)  # how long a process may take over an update before another may take it
WAIT = -1  # _lease: an earlier update of the chat goes first
# The receiver's claim on an update it stored and has not started: a peer with time to spare (behind the same
# webhook) takes what is still waiting after this, so a backlog in one process is shared out.
STORE_LEASE = timedelta(seconds=15)

APOLOGY = Text(
    "抱歉，处理这条消息时出错了，什么都没有记录。请稍后再试；如果刚才是一条记录，请先查一下是否已经记上。",
    "Sorry, something went wrong with that message and nothing was recorded. Please try again in a moment; if it "
    "was an entry, check whether it was recorded first.",
)
_GREETING = Text(
    "你好，{name}！我是工地助手：记点工、记费用和收付款、更新进度，随时告诉你预算、进度和资金情况。\n"
    "怎么开始：\n"
    "1. 在项目群里发送 /project 项目代码（如 /project SG3），把这个群绑定到项目（需要项目经理或管理员）；"
    "每天早上会推送日报。\n"
    "2. 直接说话就行，例如：“李四昨天一个工，加班2小时”“买钢筋花了8000”“砌体工程完成40%”“预算还剩多少”。\n"
    "3. 发送 /help 查看全部命令。",
    "Hello, {name}! I'm the site assistant: I log day labour, costs and payments, update progress, and tell you "
    "how the budget, schedule and cash stand.\n"
    "To begin:\n"
    "1. In the project's group send /project CODE (e.g. /project RW) to bind the chat to it (a manager or admin "
    "does this); a digest comes every morning.\n"
    "2. Then just talk, e.g. “Mike Chen worked 1 day yesterday”, “bought rebar for 8000”, “Roofing 40% done”, "
    "“budget status”.\n"
    "3. Send /help for all commands.",
)
_NOT_A_MEMBER_YET = Text(
    "你还不是任何项目的成员，暂时看不到数据。请项目经理或管理员给你发邀请链接（你的 Telegram ID：{telegram_id}）。",
    "You are not a member of any project yet, so you can't see any data. Ask a project manager or an administrator "
    "for an invite link (your Telegram ID: {telegram_id}).",
)
_BOUND = Text(
    "本群默认项目已设为 {code} {name}。每天 {time}（{timezone}）推送日报。",
    "This chat's default project is now {code} {name}. A digest comes every day at {time} ({timezone}).",
)
_CURRENT = Text("本群默认项目：{current}。", "This chat's default project: {current}.")
_NONE = Text("（未设置）", "(none)")
_CHOOSE = Text(
    "设置方法：/project 项目代码（需要该项目的经理或管理员）。你可以选择：{options}",
    "To set it: /project CODE (a manager or admin of that project). You can choose: {options}",
)
_NO_PROJECTS = Text("你还没有可以访问的项目。", "You have no project you can access.")
_BIND_ROLE = Text(
    "只有项目 {code} 的经理或管理员可以把本群绑定到它（你的角色：{role}）。",
    "Only a manager or admin of project {code} can bind this chat to it (your role: {role}).",
)
_REBIND_ROLE = Text(
    "本群已经绑定到项目 {code}；只有 {code} 的经理或管理员可以改绑。",
    "This chat is bound to project {code}; only a manager or admin of {code} can change that.",
)
_NO_ROLE = Text("无", "none")
BINDERS = frozenset({Role.admin, Role.manager})
CHANNEL_COMMANDS = team.TEAM_COMMANDS | {"project"}


@dataclass(frozen=True)
class Member:
    """Who wrote, where: our user and chat rows, the chat's project and the language to answer in."""

    user_id: int
    chat_id: int
    project_code: str | None
    language: Literal["zh", "en"]
    chat_language: Literal["zh", "en"] | None
    has_projects: bool


@dataclass
class Handled:
    """What the async side needs after an update was handled: where replies go and how to answer a button."""

    update_id: int
    chat_row: int | None = None
    skipped: bool = False  # done before, leased elsewhere, or not ours
    callback_id: str | None = None
    callback_text: str | None = None
    callback_alert: bool = False
    bound_chat: int | None = None  # a chat row whose digest schedule changed
    routed: bool = False  # the router handled it (and logged its line)
    waits: bool = False  # an earlier update of its chat is pending elsewhere: handle it after that one
    reply: Job | None = None  # the reply, committed and claimed by this process: send it now
    moved: Moved | None = None  # what its writes could have changed: checked for immediate alerts once it is sent


# -- storing ---------------------------------------------------------------------------------------


def update_kind(update: Update) -> str:
    if update.message is not None:
        return "message"
    if update.edited_message is not None:
        return "edited_message"
    if update.callback_query is not None:
        return "callback_query"
    return "other"


@dataclass(frozen=True)
class Stored:
    """What storing an update found: whether this call stored it (False: it was kept already), and whether it is
    ready to handle at once: stored, and no earlier update of its chat pending elsewhere."""

    stored: bool
    ready: bool


def store_update(services: Services, update: Update) -> Stored:
    """Keep an update in the inbox (before Telegram is told it arrived), leased to this process. In the same
    transaction: whether an earlier update of its chat is pending elsewhere (then it waits for that one); if none
    is, it is ready, and its first attempt, which begins at once, is counted with it."""
    chat = update.effective_chat
    now = services.clock()
    with services.sessions() as session:
        begin_write(session)
        ready = chat is None or not iq.waits_for_earlier(
            session=session, chat_id=chat.id, update_id=update.update_id, owner=services.owner
        )
        stored = iq.store(
            session=session,
            update_id=update.update_id,
            chat_id=chat.id if chat else None,
            kind=update_kind(update),
            payload=update.to_dict(),
            now=now,
            owner=services.owner,  # the receiver holds it: a peer sent the same update leaves it alone
            until=now + STORE_LEASE,
            attempts=1 if ready else 0,
        )
        session.commit()
        return Stored(stored, stored and ready)


# -- identity --------------------------------------------------------------------------------------


def identify(services: Services, tg_user: TgUser, chat_id: int, chat_title: str | None) -> Member:
    """Our user and chat for a Telegram sender and chat, created on first contact.

    A user is found by Telegram id only. A new user has no memberships, so every tool refuses it; ids in
    SITEBOT_ADMIN_IDS are administrators, and only they (the flag follows the settings on every message).
    The common case, both known and nothing to change, is one read.
    """
    is_admin = tg_user.id in services.settings.admin_ids
    with services.sessions() as session:
        known = cq.identity(session=session, telegram_id=tg_user.id, telegram_chat_id=chat_id)
        if known is not None and known.is_admin == is_admin and known.blocked_at is None:
            return Member(
                user_id=known.user_id,
                chat_id=known.chat_id,
                project_code=known.project_code,
                language=render.pick_language(
                    known.chat_language, known.user_language, tg_user.language_code, known.project_language
                ),
                chat_language=render.language_or_none(known.chat_language),
                has_projects=is_admin or bool(known.has_memberships),
            )
        begin_write(session)
        user = cq.user_by_telegram_id(session=session, telegram_id=tg_user.id)
        if user is None:
            name = render.telegram_name(tg_user.first_name, tg_user.last_name, tg_user.username, tg_user.id)
            user = cq.create_telegram_user(session=session, telegram_id=tg_user.id, name=name, is_admin=is_admin)
        user.is_admin = is_admin
        chat = cq.ensure_chat(
            session=session, telegram_chat_id=chat_id, title=chat_title, timezone=services.settings.timezone
        )
        chat.blocked_at = None  # someone writes here again: the bot is back in the chat
        session.flush()
        project = session.get(Project, chat.project_id) if chat.project_id else None
        member = Member(
            user_id=user.id,
            chat_id=chat.id,
            project_code=project.code if project else None,
            language=render.pick_language(
                chat.language, user.language, tg_user.language_code, project.language if project else None
            ),
            chat_language=render.language_or_none(chat.language),
            has_projects=user.is_admin
            or session.query(Membership.id).filter(Membership.user_id == user.id).first() is not None,
        )
        session.commit()
        return member


# -- the transaction's channel part ------------------------------------------------------------------


class InboxDelivery:
    """The router's Delivery for Telegram: the inbox row is claimed first, the reply queued last (one commit)."""

    def __init__(
        self,
        *,
        update_id: int,
        chat_row: int,
        telegram_chat_id: int,
        owner: str,
        reply_to: int | None,
        language: str,
        now: datetime,
        edit_message_id: int | None = None,
        edit_text: str = "",
        forget: bool = False,
    ) -> None:
        self.update_id = update_id
        self.chat_row = chat_row
        self.reply_to = reply_to
        self.language = language
        self.now = now
        self.edit_message_id = edit_message_id  # a button was pressed on this message: it shows the outcome
        self.edit_text = edit_text
        self.notice: str | None = None  # said to the presser only
        self.telegram_chat_id = telegram_chat_id
        self.owner = owner
        self.job: Job | None = None  # the reply, claimed by this process in the transaction that queued it
        self.forget = forget  # a stranger's update: nothing it said is kept

    def claim(self, session: Session) -> bool:
        self.job = None  # each attempt of the transaction starts afresh
        return iq.mark_done(session=session, update_id=self.update_id, now=self.now, forget=self.forget)

    def record(self, session: Session, reply: Reply) -> None:
        if reply.notice and self.edit_message_id is not None:
            self.notice = reply.text  # a refused or stale press: nothing changes in the chat
            return
        if not reply.text and not reply.attachments:
            return
        buttons = [[{"label": b.label, "action": b.action} for b in row] for row in reply.buttons]
        if reply.undo_batch and not buttons:
            label = "↩️ 撤回" if self.language == "zh" else "↩️ Undo"
            buttons = [[{"label": label, "action": f"undo:{reply.undo_batch}"}]]
        payload: dict[str, Any] = {"text": reply.text, "buttons": buttons, "pending": reply.pending_token}
        if self.edit_message_id is not None:
            payload.update(message_id=self.edit_message_id, text=f"{self.edit_text}\n\n{reply.text}".strip())
            kind = "edit"
        else:
            kind = "reply"
        files = [oq.File(a.filename, a.mime, a.content) for a in reply.attachments]
        note_id = oq.add(
            session=session,
            chat_id=self.chat_row,
            kind=kind,
            dedupe_key=f"reply:{self.update_id}",
            payload=payload,
            now=self.now,
            update_id=self.update_id,
            reply_to=self.reply_to,
            files=files,
            claimed_by=self.owner,
        )
        if note_id is not None:
            self.job = Job(
                note_id,
                kind,
                self.telegram_chat_id,
                payload,
                self.reply_to,
                1,
                [(f.filename, f.mime, f.content) for f in files],
            )


def _give_up(services: Services, update: Update, chat_row: int | None, language: str) -> None:
    """An update that failed too often: closed as failed, with one apology (never retried forever)."""
    now = services.clock()
    with services.sessions() as session:
        begin_write(session)
        if iq.mark_done(session=session, update_id=update.update_id, now=now, status="failed") and chat_row:
            oq.add(
                session=session,
                chat_id=chat_row,
                kind="reply",
                dedupe_key=f"reply:{update.update_id}",
                payload={"text": APOLOGY.render(language), "buttons": []},
                now=now,
                update_id=update.update_id,
            )
        session.commit()


def _lease(services: Services, update_id: int, chat_id: int | None) -> int | None:
    """Take the update for handling: its attempts so far, None when it is done or held elsewhere, WAIT when an
    earlier update of its chat (chat_id, when order is kept) is pending and not this process's own."""
    now = services.clock()
    with services.sessions() as session:
        begin_write(session)  # the common case in one statement: free or ours, nothing earlier of its chat pending
        attempts = iq.take_own(
            session=session, update_id=update_id, owner=services.owner, now=now, until=now + LEASE, chat_id=chat_id
        )
        if attempts is not None:
            session.commit()
            return attempts
        session.rollback()
        if chat_id is not None and iq.waits_for_earlier(  # a read: a waiting update never takes the write lock
            session=session, chat_id=chat_id, update_id=update_id, owner=services.owner
        ):
            return WAIT
        dead = dead_processes(iq.lease_owners(session=session))
        if not iq.takeable(session=session, update_id=update_id, owner=services.owner, now=now, dead=dead):
            return None  # done, or held by another live process: decided by a read, without the write lock
        begin_write(session)  # take in a write transaction of its own (SQLite cannot upgrade a stale read)
        attempts = iq.take(
            session=session, update_id=update_id, owner=services.owner, now=now, until=now + LEASE, dead=dead
        )
        session.commit()
        return attempts


def renew_lease(services: Services, update_id: int) -> None:
    """Hold a pending update this process is handling for another LEASE (a long model call)."""
    now = services.clock()
    with services.sessions() as session:
        begin_write(session)
        iq.renew(session=session, update_id=update_id, owner=services.owner, until=now + LEASE)
        session.commit()


def _mark_skipped(services: Services, update_id: int) -> None:
    with services.sessions() as session:
        begin_write(session)
        iq.mark_done(session=session, update_id=update_id, now=services.clock(), status="done")
        session.commit()


# -- handling ---------------------------------------------------------------------------------------


def process_update(
    services: Services,
    update: Update,
    bot_username: str | None,
    document: bytes | None = None,
    *,
    in_order: bool = True,
    leased: bool = False,
) -> Handled:
    """Handle one update from the inbox; safe to call again for the same update (it is then skipped).

    document is the content of a file sent in a private chat, fetched when its sender may import it; in_order: wait
    (Handled.waits) while an earlier update of the same chat is pending elsewhere; leased: this process stored it
    moments ago, ready (Stored.ready), and still holds the lease it was stored with, so it is handled without
    taking it again (the transaction of its answer closes it only if it is still pending: never twice).
    """
    chat = update.effective_chat
    with observe.event(update_id=update.update_id, chat=chat.id if chat is not None else None):
        handled = _process(services, update, bot_username, document, in_order=in_order, leased=leased)
        if handled.skipped and not handled.routed and not handled.waits:  # the router counted and logged its own
            metrics.UPDATES.labels("skipped").inc()
            log.info("update skipped: handled before, leased elsewhere or not for us", extra={"outcome": "skipped"})
        return handled


def _process(
    services: Services,
    update: Update,
    bot_username: str | None,
    document: bytes | None = None,
    *,
    in_order: bool,
    leased: bool = False,
) -> Handled:
    handled = Handled(update_id=update.update_id)
    chat = update.effective_chat
    attempts = 1 if leased else _lease(services, update.update_id, chat.id if in_order and chat is not None else None)
    if attempts == WAIT:
        handled.skipped = handled.waits = True
        return handled
    if attempts is None:
        handled.skipped = True
        return handled
    message = update.message or update.edited_message
    query = update.callback_query
    tg_user = update.effective_user
    tg_chat = update.effective_chat
    if tg_user is None or tg_chat is None or (message is None and query is None) or tg_user.is_bot:
        _mark_skipped(services, update.update_id)
        handled.skipped = True
        return handled
    member = identify(services, tg_user, tg_chat.id, tg_chat.effective_name)
    handled.chat_row = member.chat_id
    if attempts > MAX_ATTEMPTS:
        log.error("update %s failed %d times: given up", update.update_id, attempts - 1)
        _give_up(services, update, member.chat_id, member.language)
        return handled
    group = tg_chat.type != ChatType.PRIVATE
    chat_key = f"tg:{tg_chat.id}"
    now = services.clock()
    if query is not None:
        handled.callback_id = query.id
        pressed = query.message
        delivery = InboxDelivery(
            update_id=update.update_id,
            chat_row=member.chat_id,
            telegram_chat_id=tg_chat.id,
            owner=services.owner,
            reply_to=None,
            language=member.language,
            now=now,
            edit_message_id=pressed.message_id if pressed is not None else None,
            edit_text=getattr(pressed, "text", None) or "",
            forget=not member.has_projects,
        )
        incoming = Incoming(
            text="",
            user_id=member.user_id,
            chat_key=chat_key,
            project_code=member.project_code,
            action=str(query.data or ""),
            language=member.chat_language,
            bound=tg_chat.type != ChatType.PRIVATE and member.project_code is not None,
        )
        reply = services.router.handle(incoming, delivery, alerts_later=True)
        handled.routed = True
        handled.reply, handled.moved = (delivery.job, reply.moved) if reply.handled else (None, None)
        handled.callback_text = delivery.notice or ("✅" if reply.handled else None)
        handled.callback_alert = delivery.notice is not None
        return handled
    assert message is not None
    if update.message is not None and documents.private_document(update):
        handled.skipped = not documents.import_document(
            services,
            update,
            user_id=member.user_id,
            chat_row=member.chat_id,
            language=member.language,
            content=document,
        )
        return handled
    text = message.text or message.caption or ""
    command = render.command_of(text, bot_username)
    if command in CHANNEL_COMMANDS and update.message is not None:
        return _channel_command(services, update, member, command, text, bot_username, handled, group)
    reply_to_bot = (
        message.reply_to_message is not None
        and message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.username == bot_username
    )
    addressed = not group or command is not None or reply_to_bot or render.mentions(text, bot_username)
    replied = message.reply_to_message.message_id if message.reply_to_message is not None else None
    incoming = Incoming(
        text=render.clean_text(text, bot_username),
        user_id=member.user_id,
        chat_key=chat_key,
        project_code=member.project_code,
        message_ref=f"{chat_key}:{message.message_id}",
        reply_to_ref=f"{chat_key}:{replied}" if replied is not None else None,
        edited=update.edited_message is not None,
        addressed=addressed,
        language=member.chat_language,
        preferred=member.language,
        bound=group and member.project_code is not None,
    )
    delivery = InboxDelivery(
        update_id=update.update_id,
        chat_row=member.chat_id,
        telegram_chat_id=tg_chat.id,
        owner=services.owner,
        reply_to=message.message_id if group else None,
        language=member.language,
        now=now,
        forget=not member.has_projects,
    )
    reply = services.router.handle(incoming, delivery, alerts_later=True)  # it logs the event's line
    handled.routed = True
    handled.skipped = not reply.handled
    handled.reply, handled.moved = (delivery.job, reply.moved) if reply.handled else (None, None)
    return handled


def _channel_command(
    services: Services,
    update: Update,
    member: Member,
    command: str,
    text: str,
    bot_username: str | None,
    handled: Handled,
    group: bool,
) -> Handled:
    """The channel's own commands (/start, /project, the team and chat settings ones), in one transaction with
    the inbox row and the reply."""
    message = update.message
    tg_user = update.effective_user
    assert message is not None and tg_user is not None
    args = render.clean_text(text, bot_username).split()[1:]
    now = services.clock()
    with services.sessions() as session:
        begin_write(session)
        if not iq.mark_done(session=session, update_id=update.update_id, now=now, forget=not member.has_projects):
            session.rollback()
            handled.skipped = True
            return handled
        user = session.get(User, member.user_id)
        chat = session.get(Chat, member.chat_id)
        assert user is not None and chat is not None
        ctx = Context(
            session=session,
            user=user,
            language=member.language,
            project_code=member.project_code,
            now=now,
            source_text=text[:500],
            chat_key=f"tg:{chat.telegram_chat_id}",
            message_ref=f"tg:{chat.telegram_chat_id}:{message.message_id}",
        )
        if ctx.project_code is None:
            visible = resolve.visible_projects(ctx)
            ctx.project_code = visible[0].code if len(visible) == 1 else None
        elif group and command != "project":  # /project rebinds: its own rules (bind_project)
            ctx.bound_project = member.project_code
        if command == "project":
            reply, bound = bind_project(ctx, chat, " ".join(args))
            if bound:
                handled.bound_chat = chat.id
        else:
            greeting = _GREETING.render(member.language, name=tg_user.first_name or tg_user.full_name)
            if command == "start" and not args and not member.has_projects:
                greeting += "\n\n" + _NOT_A_MEMBER_YET.render(member.language, telegram_id=tg_user.id)
            said = team.run(ctx, chat, command, args, greeting=greeting, bot_username=bot_username, group=group)
            reply = said.text
            if said.rescheduled:
                handled.bound_chat = chat.id
        oq.add(
            session=session,
            chat_id=member.chat_id,
            kind="reply",
            dedupe_key=f"reply:{update.update_id}",
            payload={"text": reply, "buttons": []},
            now=now,
            update_id=update.update_id,
            reply_to=message.message_id if group else None,
        )
        session.commit()
    outcome = "bound" if handled.bound_chat is not None else "answered"
    metrics.message(outcome, "parser", 0.0)
    log.info(
        "command /%s handled: %s",
        command,
        outcome,
        extra={"user": member.user_id, "project": member.project_code, "tool": command, "outcome": outcome},
    )
    return handled


def bind_project(ctx: Context, chat: Chat, wanted: str) -> tuple[str, bool]:
    """Set the chat's default project: only a manager or admin of that project (and of the one it is bound to)."""
    session = ctx.session
    current = session.get(Project, chat.project_id) if chat.project_id else None
    if not wanted:
        projects = resolve.visible_projects(ctx)
        head = ctx.t(_CURRENT, current=f"{current.code} {current.name}" if current else ctx.t(_NONE))
        if not projects:
            return f"{head}\n{ctx.t(_NO_PROJECTS)}", False
        return f"{head}\n{ctx.t(_CHOOSE, options='、'.join(f'{p.code} {p.name}' for p in projects))}", False
    try:
        project = resolve.project(ctx, wanted)
    except ToolError as error:
        return error.render(ctx.language), False
    role = ctx.role_in(project)
    if role not in BINDERS:
        return ctx.t(_BIND_ROLE, code=project.code, role=role.value if role else ctx.t(_NO_ROLE)), False
    if current is not None and current.id != project.id and ctx.role_in(current) not in BINDERS:
        return ctx.t(_REBIND_ROLE, code=current.code), False
    chat.project_id = project.id
    chat.timezone = project.timezone
    session.flush()
    text = ctx.t(_BOUND, code=project.code, name=project.name, time=chat.digest_time, timezone=chat.timezone)
    return text, True
