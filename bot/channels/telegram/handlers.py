"""The python-telegram-bot side of the channel: one handler for every update, the command menu, start-up.

Every update reaches `on_update`, which only hands it to its chat's worker (workers.py) — in the order
python-telegram-bot delivers them, before anything awaits — so a chat's messages are answered in order while
different chats, and a slow model call in one of them, never hold the others up. The update was already stored
in the inbox by the application's update queue (inbox.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import NetworkError
from telegram.ext import Application, CallbackContext, ExtBot

from bot.channels.telegram import jobs
from bot.channels.telegram.workers import ChatWorkers
from storage.db import begin_write
from storage.models import Chat
from storage.queries import chats as cq

if TYPE_CHECKING:
    from bot.services import Services
    from bot.settings import Settings

log = logging.getLogger(__name__)


class BotData:
    """What every handler shares, typed (ContextTypes(bot_data=BotData)) instead of string keys."""

    services: Services  # set once by build_application
    workers: ChatWorkers


BotContext = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
BotApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]

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
    "chart": ("图表：budget / scurve / labor", "Chart: budget / scurve / labor"),
    "export": ("导出 Excel：labor / costs / budget / statement", "Export xlsx: labor / costs / budget / statement"),
    "members": ("项目成员和角色", "Project members and roles"),
    "invite": ("邀请成员（经理、管理员）", "Invite a member (managers, admins)"),
    "join": ("用邀请码加入项目", "Join a project with an invite code"),
    "role": ("修改成员角色", "Change a member's role"),
    "remove": ("移除成员", "Remove a member"),
    "alerts": ("私信提醒 on/off", "Private alerts on/off"),
    "subscribe": ("订阅日报 [HH:MM]", "Daily digest [HH:MM]"),
    "unsubscribe": ("停止日报", "Stop the daily digest"),
    "lang": ("语言 zh/en", "Language zh/en"),
    "help": ("全部命令", "All commands"),
}


async def on_update(update: object, context: BotContext) -> None:
    """Every update: to its chat's worker, in arrival order (no await before the hand-over)."""
    if isinstance(update, Update):
        context.bot_data.workers.submit(update)


async def on_error(update: object, context: BotContext) -> None:
    """Log a failure the workers did not catch; the update stays in the inbox and is handled again. A failed poll
    (no route to Telegram while running) is one line: python-telegram-bot tries again with growing pauses."""
    if update is None and isinstance(context.error, NetworkError):
        reason = str(context.error).splitlines()[0][:120] if str(context.error) else ""
        log.warning(
            "polling Telegram failed (%s: %s); retrying: check the network or SITEBOT_TELEGRAM_PROXY",
            type(context.error).__name__,
            reason,
        )
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed outside a worker", update_id, exc_info=context.error)


async def set_commands(bot: ExtBot[None]) -> None:
    """The command menu, in Chinese for zh clients and English for the rest."""
    await bot.set_my_commands([BotCommand(name, zh) for name, (zh, _en) in COMMANDS.items()], language_code="zh")
    await bot.set_my_commands([BotCommand(name, en) for name, (_zh, en) in COMMANDS.items()])


def sync_admins(services: Services) -> int:
    """Global administrators are exactly SITEBOT_ADMIN_IDS: an id removed there loses the right at start."""
    with services.sessions() as session:
        begin_write(session)
        changed = cq.sync_admins(session=session, admin_ids=services.settings.admin_ids)
        session.commit()
        return changed


async def on_startup(application: BotApplication) -> None:
    """post_init: administrators from the settings, the command menu, every chat's digest, then the replay of
    what an earlier run left unfinished (before polling delivers anything new)."""
    services = application.bot_data.services
    workers = application.bot_data.workers
    workers.bot = application.bot

    async def rescheduled(chat_row: int) -> None:
        if application.job_queue is None:
            return
        chat = await asyncio.to_thread(_chat, services, chat_row)
        if chat is not None and chat.project_id is not None:
            jobs.schedule_chat(application.job_queue, chat)

    workers.on_bound = rescheduled
    changed = await asyncio.to_thread(sync_admins, services)
    if changed:
        log.info("administrators follow SITEBOT_ADMIN_IDS: %d user(s) changed", changed)
    try:
        await set_commands(application.bot)
    except Exception:  # a menu is a convenience: never refuse to start over it
        log.exception("could not set the command menu")
    chats = jobs.schedule_all(application, services)
    await jobs.replay(application, workers)
    log.info("telegram bot @%s started; %d chats get a digest", application.bot.username, chats)


async def on_shutdown(application: BotApplication) -> None:
    """post_stop: let the workers finish what they hold (their updates stay in the inbox if they cannot)."""
    try:
        await asyncio.wait_for(application.bot_data.workers.drain(), timeout=20)
    except TimeoutError:
        log.warning("stopping with updates still being handled; they are replayed at the next start")


def _chat(services: Services, chat_row: int) -> Chat | None:
    with services.sessions() as session:
        return session.get(Chat, chat_row)


ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]


def run_polling(application: BotApplication) -> None:
    """Run the bot until interrupted, long-polling the Bot API; updates waiting from before are handled.

    The caller holds the polling lock (poller.take); the heartbeat keeps it while the bot runs.
    """
    from bot.channels.telegram import poller

    assert application.job_queue is not None
    application.job_queue.run_repeating(
        poller.heartbeat_job, interval=poller.HEARTBEAT, first=poller.HEARTBEAT, name="poller-lock"
    )
    application.run_polling(
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=False,
        bootstrap_retries=3,
    )


def run_webhook(application: BotApplication, settings: Settings) -> None:
    """Run the bot until interrupted behind a webhook: python-telegram-bot's server checks the secret token header
    on every request (403 otherwise) and answers 200 only once the update is stored in the inbox (InboxQueue.put),
    500 when it cannot be stored; setWebhook is called at start with the URL and the secret.

    Any number of processes may serve the same URL behind a reverse proxy: the inbox's leases decide which one
    handles an update, and a peer takes over what a dead process left (jobs.inbox_sweep_job).
    """
    application.run_webhook(**webhook_options(settings))


def webhook_options(settings: Settings) -> dict[str, Any]:
    """The arguments of python-telegram-bot's webhook server (Application.run_webhook, Updater.start_webhook)."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": webhook_path(settings.webhook_url),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret.get_secret_value(),
        "allowed_updates": ALLOWED_UPDATES,
        "drop_pending_updates": False,
        "bootstrap_retries": 3,
    }


def webhook_path(url: str) -> str:
    """The path served locally: the public URL's path (a reverse proxy forwards it unchanged)."""
    return urlsplit(url).path.strip("/")
