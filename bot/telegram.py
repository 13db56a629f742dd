"""The Telegram channel: updates in, router replies out — thin handlers, each update handled once.

Every handler is wrapped by `exactly_once`: the update id is stored (processed_update) before
anything else happens, so a redelivered update (a retry of getUpdates, a webhook re-post, a
second process) finds it and does nothing. Messages of one chat are handled in order (a per-chat
lock: "log" then "undo" must not swap), while different chats run concurrently; the router and
every database call run in a worker thread, so one slow model call never stalls the other chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from weakref import WeakValueDictionary

from telegram import BotCommand, ReplyParameters, Update
from telegram import Chat as TgChat
from telegram import User as TgUser
from telegram.constants import ChatType
from telegram.ext import Application, CallbackContext, ExtBot

from bot import render, scheduler
from bot.router import Incoming
from storage.models import Chat, Project, User
from storage.queries import chats as cq
from tools import resolve
from tools.base import Attachment, Context, Text, ToolError

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


class BotData:
    """What every handler shares, typed (ContextTypes(bot_data=BotData)) instead of string keys."""

    services: Services  # set once by build_application

    def __init__(self) -> None:
        self._locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()

    def chat_lock(self, chat_id: int) -> asyncio.Lock:
        """One lock per chat: its messages are answered in the order they came."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[chat_id] = lock
        return lock


BotContext = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
BotApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]

APOLOGY = (
    "抱歉，处理这条消息时出错了，请稍后再试；如果刚才是一条记录，请先查一下是否已经记上。\n"
    "Sorry, something went wrong with that message. Please try again in a moment; if it was an entry, "
    "check whether it was recorded first."
)
_TOO_BIG = Text("文件 {name} 太大，无法通过 Telegram 发送。", "The file {name} is too large to send through Telegram.")
_GREETING = Text(
    "你好，{name}！我是工地助手：记点工、记费用和收付款、更新进度，随时告诉你预算、进度和资金情况。\n"
    "怎么开始：\n"
    "1. 在项目群里发送 /project 项目代码（如 /project SG3），把这个群绑定到项目；每天早上会推送日报。\n"
    "2. 直接说话就行，例如：“李四昨天一个工，加班2小时”“买钢筋花了8000”“砌体工程完成40%”“预算还剩多少”。\n"
    "3. 发送 /help 查看全部命令。",
    "Hello, {name}! I'm the site assistant: I log day labour, costs and payments, update progress, and tell you "
    "how the budget, schedule and cash stand.\n"
    "To begin:\n"
    "1. In the project's group send /project CODE (e.g. /project RW) to bind the chat to it; a digest comes "
    "every morning.\n"
    "2. Then just talk, e.g. “Mike Chen worked 1 day yesterday”, “bought rebar for 8000”, “Roofing 40% done”, "
    "“budget status”.\n"
    "3. Send /help for all commands.",
)
_NOT_A_MEMBER_YET = Text(
    "你还不是任何项目的成员，暂时看不到数据。请项目管理员把你加入项目（你的 Telegram ID：{telegram_id}）。",
    "You are not a member of any project yet, so you can't see any data. Ask the project's administrator to add "
    "you (your Telegram ID: {telegram_id}).",
)
_BOUND = Text(
    "本群默认项目已设为 {code} {name}。每天 {time}（{timezone}）推送日报。",
    "This chat's default project is now {code} {name}. A digest comes every day at {time} ({timezone}).",
)
_CURRENT = Text("本群默认项目：{current}。", "This chat's default project: {current}.")
_NONE = Text("（未设置）", "(none)")
_CHOOSE = Text(
    "设置方法：/project 项目代码。你可以选择：{options}", "To set it: /project CODE. You can choose: {options}"
)
_NO_PROJECTS = Text("你还没有可以访问的项目。", "You have no project you can access.")
_NOT_MEMBER = Text("你不是项目 {code} 的成员，不能把本群绑定到它。", "You are not a member of project {code}.")

COMMANDS: dict[str, tuple[str, str]] = {
    "start": ("开始使用", "How to begin"),
    "project": ("设置本群的默认项目", "Set this chat's default project"),
    "log": ("记点工", "Log day labour"),
    "cost": ("记费用", "Record a cost"),
    "fund": ("记收付款", "Record money in or out"),
    "progress": ("更新任务进度", "Update task progress"),
    "budget": ("预算执行情况", "Budget vs actual"),
    "schedule": ("进度：延期和风险任务", "Late and at-risk tasks"),
    "cash": ("资金情况", "Cash position"),
    "summary": ("点工汇总", "Labour summary"),
    "health": ("挣值分析", "Earned value"),
    "undo": ("撤回上一条记录", "Undo your last entry"),
    "projects": ("我的项目", "My projects"),
    "help": ("全部命令", "All commands"),
}


@dataclass(frozen=True)
class Member:
    """Who wrote, where: our user and chat rows, the chat's project and the language to answer in."""

    user_id: int
    chat_id: int
    project_code: str | None
    language: Literal["zh", "en"]
    has_projects: bool


# -- database steps (run in a worker thread) ---------------------------------------------------------


def _claim_update(services: Services, update: Update) -> bool:
    with services.sessions() as session:
        claimed = cq.claim_update(session=session, update_id=update.update_id, payload=update.to_dict())
        session.commit()
        return claimed


def _set_status(services: Services, update_id: int, status: str) -> None:
    with services.sessions() as session:
        cq.set_update_status(session=session, update_id=update_id, status=status)
        session.commit()


def identify(services: Services, tg_user: TgUser, tg_chat: TgChat) -> Member:
    """Our user and chat for a Telegram sender and chat, created on first contact.

    A new user has no memberships, so every tool refuses it; ids in SITEBOT_ADMIN_IDS are administrators.
    """
    is_admin = tg_user.id in services.settings.admin_ids
    with services.sessions() as session:
        user = cq.user_by_telegram_id(session=session, telegram_id=tg_user.id)
        if user is None:
            name = render.telegram_name(tg_user.first_name, tg_user.last_name, tg_user.username, tg_user.id)
            user = cq.create_telegram_user(session=session, telegram_id=tg_user.id, name=name, is_admin=is_admin)
        elif is_admin and not user.is_admin:
            user.is_admin = True
        chat = cq.ensure_chat(
            session=session,
            telegram_chat_id=tg_chat.id,
            title=tg_chat.effective_name,
            timezone=services.settings.timezone,
        )
        project = session.get(Project, chat.project_id) if chat.project_id else None
        language = render.pick_language(
            user.language, chat.language, tg_user.language_code, project.language if project else None
        )
        session.flush()
        has_projects = user.is_admin or bool(user.memberships)
        session.commit()
        return Member(
            user_id=user.id,
            chat_id=chat.id,
            project_code=project.code if project else None,
            language=language,
            has_projects=has_projects,
        )


def bind_project(services: Services, member: Member, wanted: str) -> tuple[str, Chat | None]:
    """Set the chat's default project (members of that project only); the reply and the chat when bound."""
    with services.sessions() as session:
        user = session.get(User, member.user_id)
        chat = session.get(Chat, member.chat_id)
        assert user is not None and chat is not None
        ctx = Context(session=session, user=user, language=member.language, project_code=member.project_code)
        if not wanted:
            projects = resolve.visible_projects(ctx)
            current = ctx.t(_CURRENT, current=member.project_code or ctx.t(_NONE))
            if not projects:
                return f"{current}\n{ctx.t(_NO_PROJECTS)}", None
            return f"{current}\n{ctx.t(_CHOOSE, options='、'.join(f'{p.code} {p.name}' for p in projects))}", None
        try:
            project = resolve.project(ctx, wanted)
        except ToolError as error:
            return error.render(ctx.language), None
        if ctx.role_in(project) is None:
            return ctx.t(_NOT_MEMBER, code=project.code), None
        chat.project_id = project.id
        chat.timezone = project.timezone
        session.commit()
        return ctx.t(_BOUND, code=project.code, name=project.name, time=chat.digest_time, timezone=chat.timezone), chat


# -- sending -----------------------------------------------------------------------------------------


async def send_reply(
    bot: ExtBot[None],
    chat_id: int,
    text: str,
    attachments: Sequence[Attachment] = (),
    *,
    reply_to: int | None = None,
    language: str = "zh",
) -> None:
    """The reply in messages of at most 4096 characters (the first quoting the question), then any files."""
    for index, chunk in enumerate(render.split_text(text)):
        quote = (
            ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if index == 0 and reply_to is not None
            else None
        )
        await bot.send_message(chat_id=chat_id, text=chunk, reply_parameters=quote)
    for attachment in attachments:
        document = render.document(attachment)
        if document is None:
            await bot.send_message(chat_id=chat_id, text=_TOO_BIG.render(language, name=attachment.filename))
            continue
        await bot.send_document(chat_id=chat_id, document=document, filename=attachment.filename)


def _quote(update: Update) -> int | None:
    """In a group, quote the message being answered (several people talk there); not in a private chat."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None or chat.type == ChatType.PRIVATE:
        return None
    return message.message_id


# -- handlers ----------------------------------------------------------------------------------------


def exactly_once(handler: Handler) -> Handler:
    """Store the update id first and skip a redelivered update; record how handling ended."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> None:
        services = context.bot_data.services
        if not await asyncio.to_thread(_claim_update, services, update):
            log.info("update %s already handled: skipped", update.update_id)
            return
        chat = update.effective_chat
        lock = context.bot_data.chat_lock(chat.id) if chat else contextlib.nullcontext()
        try:
            async with lock:
                await handler(update, context)
        except Exception:
            await asyncio.to_thread(_set_status, services, update.update_id, "failed")
            raise
        await asyncio.to_thread(_set_status, services, update.update_id, "done")

    return wrapper


@exactly_once
async def on_text(update: Update, context: BotContext) -> None:
    """Answer a message (free text or any command but ours) through the router."""
    message, tg_user, tg_chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or message.text is None or tg_user is None or tg_chat is None:
        return
    services = context.bot_data.services
    member = await asyncio.to_thread(identify, services, tg_user, tg_chat)
    incoming = Incoming(
        text=render.clean_text(message.text, context.bot.username),
        user_id=member.user_id,
        chat_key=f"tg:{tg_chat.id}",
        project_code=member.project_code,
    )
    reply = await asyncio.to_thread(services.router.handle, incoming)
    log.info(
        "update %s from user %s (telegram %s) in chat %s: answered by %s, %d model calls",
        update.update_id,
        member.user_id,
        tg_user.id,
        tg_chat.id,
        reply.source,
        reply.model_calls,
    )
    await asyncio.to_thread(_set_status, services, update.update_id, "answered")
    await send_reply(
        context.bot, tg_chat.id, reply.text, reply.attachments, reply_to=_quote(update), language=member.language
    )


@exactly_once
async def on_start(update: Update, context: BotContext) -> None:
    """Greet and say how to begin; tell a stranger how to get added."""
    tg_user, tg_chat = update.effective_user, update.effective_chat
    if tg_user is None or tg_chat is None:
        return
    member = await asyncio.to_thread(identify, context.bot_data.services, tg_user, tg_chat)
    text = _GREETING.render(member.language, name=tg_user.first_name or tg_user.full_name)
    if not member.has_projects:
        text += "\n\n" + _NOT_A_MEMBER_YET.render(member.language, telegram_id=tg_user.id)
    log.info("update %s: /start from user %s (telegram %s)", update.update_id, member.user_id, tg_user.id)
    await send_reply(context.bot, tg_chat.id, text, reply_to=_quote(update))


@exactly_once
async def on_project(update: Update, context: BotContext) -> None:
    """/project CODE binds the chat to a project (its default for every message, and its digest)."""
    tg_user, tg_chat = update.effective_user, update.effective_chat
    if tg_user is None or tg_chat is None:
        return
    services = context.bot_data.services
    member = await asyncio.to_thread(identify, services, tg_user, tg_chat)
    wanted = " ".join(context.args or []).strip()
    text, bound = await asyncio.to_thread(bind_project, services, member, wanted)
    if bound is not None:
        log.info(
            "update %s: user %s bound chat %s to project %s",
            update.update_id,
            member.user_id,
            tg_chat.id,
            bound.project_id,
        )
        if context.job_queue is not None:
            scheduler.schedule_chat(context.job_queue, bound)
    await send_reply(context.bot, tg_chat.id, text, reply_to=_quote(update))


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure with the update and user ids; the user gets a generic apology, never the error."""
    update_id = user_id = chat_id = None
    if isinstance(update, Update):
        update_id = update.update_id
        user_id = update.effective_user.id if update.effective_user else None
        chat_id = update.effective_chat.id if update.effective_chat else None
    log.error("update %s from telegram user %s failed", update_id, user_id, exc_info=context.error)
    if chat_id is None:
        return
    try:
        await context.bot.send_message(chat_id=chat_id, text=APOLOGY)
    except Exception:
        log.exception("could not send the apology for update %s", update_id)


# -- lifetime ----------------------------------------------------------------------------------------


async def set_commands(bot: ExtBot[None]) -> None:
    """The command menu, in Chinese for zh clients and English for the rest."""
    await bot.set_my_commands([BotCommand(name, zh) for name, (zh, _en) in COMMANDS.items()], language_code="zh")
    await bot.set_my_commands([BotCommand(name, en) for name, (_zh, en) in COMMANDS.items()])


async def on_startup(application: BotApplication) -> None:
    """post_init: the command menu and every bound chat's digest job (schedules come from our tables)."""
    try:
        await set_commands(application.bot)
    except Exception:  # a menu is a convenience: never refuse to start over it
        log.exception("could not set the command menu")
    chats = scheduler.schedule_all(application, application.bot_data.services)
    log.info("telegram bot @%s started; %d chats get a digest", application.bot.username, chats)


def run_polling(services: Services) -> None:
    """Run the bot until interrupted, long-polling the Bot API; updates waiting from before are handled."""
    from bot.app import build_application

    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry request URLs, token included
    application = build_application(services)
    application.run_polling(allowed_updates=[Update.MESSAGE], drop_pending_updates=False, bootstrap_retries=3)
