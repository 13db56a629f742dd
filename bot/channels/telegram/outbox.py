"""Sending the outbox through the Bot API: replies, edits for pressed buttons, digests and alerts, each once.

A message is claimed (pending → sending) before it is sent and marked sent after; a process that dies in between
leaves it `sending`, and it is sent again (at least once: a reply is never lost). Failures are retried with
backoff (or after Telegram's RetryAfter); a chat that blocked the bot (403) or a message Telegram rejects (400)
is given up at once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, ReplyParameters
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import ExtBot

from bot import metrics, render
from bot.services import Services, dead_processes
from storage.db import begin_write
from storage.models import Chat, Notification
from storage.queries import outbox as oq
from storage.queries import pending as pq

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # a message that failed this often is given up (status failed)
MAX_BACKOFF = timedelta(minutes=10)


@dataclass
class Sent:
    sent: int = 0
    retry: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Job:
    """One claimed outbox message, ready to send (nothing in it is read from the database again)."""

    note_id: int
    kind: str
    telegram_chat_id: int
    payload: dict[str, Any]
    reply_to: int | None
    attempts: int
    files: list[tuple[str, str, bytes]]


def _claim(
    services: Services,
    *,
    chat_row: int | None = None,
    update_id: int | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> list[Job]:
    now = services.clock()
    jobs: list[Job] = []
    with services.sessions() as session:
        begin_write(session)
        dead = dead_processes(oq.claim_owners(session=session))
        due = oq.due(session=session, now=now, chat_id=chat_row, update_id=update_id, kind=kind, dead=dead, limit=limit)
        for note, chat in due:
            if not oq.claim(session=session, notification_id=note.id, now=now, owner=services.owner, dead=dead):
                continue
            files = [(f.filename, f.mime, f.content) for f in oq.files_of(session=session, notification_id=note.id)]
            jobs.append(
                Job(
                    note.id,
                    note.kind,
                    chat.telegram_chat_id,
                    dict(note.payload),
                    note.reply_to,
                    note.attempts + 1,
                    files,
                )
            )
        session.commit()
    return jobs


def _finish(
    services: Services,
    job: Job,
    status: str,
    *,
    message_id: int | None = None,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    now = services.clock()
    with services.sessions() as session:
        begin_write(session)
        oq.finish(
            session=session,
            notification_id=job.note_id,
            status=status,
            now=now,
            message_id=message_id,
            error=error,
            retry_at=retry_at,
        )
        token = job.payload.get("pending")
        if status == "sent" and token and message_id is not None:
            pq.set_message(session=session, token=str(token), message_id=message_id)
        session.commit()


def markup(rows: list[list[dict[str, str]]]) -> InlineKeyboardMarkup | None:
    """Inline buttons from an outbox payload; callback data are opaque actions resolved by the router."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["label"], callback_data=b["action"][:64]) for b in row] for row in rows if row]
    )


async def _deliver(bot: ExtBot[Any], job: Job) -> int | None:
    """Send one outbox message; the id of the message that carries its buttons."""
    text = str(job.payload.get("text") or "")
    buttons = markup(list(job.payload.get("buttons") or []))
    if job.kind == "edit":
        chunks = render.split_text(text) or ["…"]
        try:
            await bot.edit_message_text(
                text=chunks[0],
                chat_id=job.telegram_chat_id,
                message_id=int(job.payload["message_id"]),
                reply_markup=buttons,
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise
        for extra in chunks[1:]:
            await bot.send_message(chat_id=job.telegram_chat_id, text=extra)
        return int(job.payload["message_id"])
    chunks = render.split_text(text)
    carrier: Message | None = None
    for index, chunk in enumerate(chunks):
        quote = (
            ReplyParameters(message_id=job.reply_to, allow_sending_without_reply=True)
            if index == 0 and job.reply_to is not None
            else None
        )
        last = index == len(chunks) - 1
        carrier = await bot.send_message(
            chat_id=job.telegram_chat_id, text=chunk, reply_parameters=quote, reply_markup=buttons if last else None
        )
    for filename, mime, content in job.files:
        document = InputFile(content, filename=filename)
        if mime == "image/png":
            await bot.send_photo(chat_id=job.telegram_chat_id, photo=document)
        else:
            await bot.send_document(chat_id=job.telegram_chat_id, document=document, filename=filename)
    return carrier.message_id if carrier is not None else None


async def send_due(
    services: Services,
    bot: ExtBot[Any],
    *,
    chat_row: int | None = None,
    update_id: int | None = None,
    kind: str | None = None,
) -> Sent:
    """Send what the outbox holds (of one chat, one update or one kind, if given), oldest first."""
    outcome = Sent()
    for job in await asyncio.to_thread(_claim, services, chat_row=chat_row, update_id=update_id, kind=kind):
        said = await send_job(services, bot, job)
        setattr(outcome, said, getattr(outcome, said) + 1)
    return outcome


async def send_job(services: Services, bot: ExtBot[Any], job: Job) -> Literal["sent", "retry", "failed"]:
    """Send one claimed message and record the outcome: sent, to be retried (backoff, RetryAfter) or given up."""
    try:
        message_id = await _deliver(bot, job)
    except RetryAfter as error:
        wait = error.retry_after if isinstance(error.retry_after, int | float) else error.retry_after.total_seconds()
        retry_at = services.clock() + timedelta(seconds=float(wait))
        log.warning("outbox %s: Telegram asks to wait %ss", job.note_id, wait)
        await asyncio.to_thread(_finish, services, job, "pending", error="RetryAfter", retry_at=retry_at)
        metrics.notification(job.kind, "retry")
        return "retry"
    except (Forbidden, BadRequest) as error:  # blocked, removed, or a message Telegram will never take
        log.warning("outbox %s to chat %s failed for good: %s", job.note_id, job.telegram_chat_id, type(error).__name__)
        await asyncio.to_thread(_finish, services, job, "failed", error=type(error).__name__)
        if isinstance(error, Forbidden):
            await asyncio.to_thread(_mark_blocked, services, job.telegram_chat_id)
        metrics.notification(job.kind, "failed")
        return "failed"
    except Exception as error:
        give_up = job.attempts >= MAX_ATTEMPTS
        backoff = min(timedelta(seconds=2**job.attempts), MAX_BACKOFF)
        log.warning(
            "outbox %s to chat %s failed (attempt %d): %s",
            job.note_id,
            job.telegram_chat_id,
            job.attempts,
            type(error).__name__,
        )
        await asyncio.to_thread(
            _finish,
            services,
            job,
            "failed" if give_up else "pending",
            error=type(error).__name__,
            retry_at=None if give_up else services.clock() + backoff,
        )
        metrics.notification(job.kind, "failed" if give_up else "retry")
        return "failed" if give_up else "retry"
    await asyncio.to_thread(_finish, services, job, "sent", message_id=message_id)
    metrics.notification(job.kind, "sent")
    if job.kind in ("digest", "alert"):  # replies are logged with their message's line
        log.info("%s %s sent", job.kind, job.note_id, extra={"chat": job.telegram_chat_id, "outcome": "sent"})
    return "sent"


def _mark_blocked(services: Services, telegram_chat_id: int) -> None:
    """A chat that blocked the bot gets nothing more until someone writes there again."""
    from storage.queries import chats as cq

    with services.sessions() as session:
        begin_write(session)
        chat = cq.chat_by_telegram_id(session=session, telegram_chat_id=telegram_chat_id)
        if chat is not None:
            chat.blocked_at = services.clock()
        session.commit()


def pending_rows(services: Services) -> list[tuple[Notification, Chat]]:
    with services.sessions() as session:
        return oq.due(session=session, now=services.clock())
