"""A file sent to the bot in a private chat: an xlsx or csv in the import template, imported by a manager or an
administrator (tools.importer, all rows or none), with the row report as the reply.

The file is fetched (getFile, then the file URL) only after the sender is known to be allowed, and imported in
the update's one transaction with its inbox row and its reply, so a replay never imports twice.
"""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ExtBot

from bot.channels.telegram import team as team_commands
from bot.router import STRANGER
from bot.services import Services
from storage.db import begin_write
from storage.models import User
from storage.queries import chats as cq
from storage.queries import inbox as iq
from storage.queries import outbox as oq
from tools.base import Context, Text
from tools.importer import MAX_FILE_BYTES, import_file
from tools.team import import_refusal

log = logging.getLogger(__name__)

_NOT_FETCHED = Text(
    "没能从 Telegram 取到这个文件，什么都没有导入。请再发一次。",
    "Could not fetch the file from Telegram; nothing was imported. Please send it again.",
)


def private_document(update: Update) -> bool:
    """A file (not a photo) sent in a private chat."""
    message = update.message
    return message is not None and message.document is not None and message.chat.type == ChatType.PRIVATE


def wanted(services: Services, update: Update) -> bool:
    """Whether the sender may import this file (so it is worth fetching); read only."""
    message = update.message
    tg_user = update.effective_user
    if message is None or message.document is None or tg_user is None:
        return False
    with services.sessions() as session:
        user = cq.user_by_telegram_id(session=session, telegram_id=tg_user.id)
        if user is None:
            return False
        ctx = Context(session=session, user=user)
        document = message.document
        return import_refusal(ctx, document.file_name, document.file_size, group=False, limit=MAX_FILE_BYTES) is None


async def fetch(bot: ExtBot[None], update: Update) -> bytes:
    """The file's content through the Bot API (getFile, then its file URL)."""
    assert update.message is not None and update.message.document is not None
    file = await bot.get_file(update.message.document.file_id)
    return bytes(await file.download_as_bytearray())


def _safe_name(name: str | None) -> str:
    base = Path(name or "import.xlsx").name
    return re.sub(r"[^\w.\-]", "_", base)[-100:] or "import.xlsx"


def import_document(
    services: Services, update: Update, *, user_id: int, chat_row: int, language: str, content: bytes | None
) -> bool:
    """Import the file (or say why not) in one transaction with the inbox row and the reply; False if the update
    was handled before."""
    message = update.message
    assert message is not None and message.document is not None
    document = message.document
    now = services.clock()
    today = now.astimezone(ZoneInfo(services.settings.timezone)).date()
    with services.sessions() as session:
        begin_write(session)
        if not iq.mark_done(session=session, update_id=update.update_id, now=now):
            session.rollback()
            return False
        user = session.get(User, user_id)
        assert user is not None
        ctx = Context(session=session, user=user, language="en" if language == "en" else "zh", now=now, today=today)
        if not team_commands.is_member(ctx):
            text = ctx.t(STRANGER)
        else:
            refusal = import_refusal(ctx, document.file_name, document.file_size, group=False, limit=MAX_FILE_BYTES)
            if refusal is not None:
                text = refusal
            elif content is None:
                text = ctx.t(_NOT_FETCHED)
            else:
                with tempfile.TemporaryDirectory(prefix="sitebot-import-") as folder:
                    path = Path(folder) / _safe_name(document.file_name)
                    path.write_bytes(content)
                    report = import_file(session, path, acting_user=user, today=today, commit=False)
                if not report.ok:  # the importer rolled everything back, the inbox claim with it: claim again
                    begin_write(session)
                    if not iq.mark_done(session=session, update_id=update.update_id, now=now):
                        session.rollback()
                        return False
                log.info("update %s: import of %s by user %s: %s", update.update_id, path.name, user_id, report.ok)
                text = report.render(ctx.language)
        oq.add(
            session=session,
            chat_id=chat_row,
            kind="reply",
            dedupe_key=f"reply:{update.update_id}",
            payload={"text": text, "buttons": []},
            now=now,
            update_id=update.update_id,
        )
        session.commit()
    return True
