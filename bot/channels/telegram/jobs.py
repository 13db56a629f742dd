"""Jobs on the application's JobQueue: each bound chat's morning digest, the outbox sweep, the inbox replay and the
periodic take-over of updates a dead process left (any process finishes them, with several processes behind a
webhook).

Schedules live in our tables (chat.digest_time, chat.timezone), not in an APScheduler job store: jobs are
registered at start from the chat rows, and sending is idempotent in the database, so a restart, a second
process or `sitebot alerts run` never sends a digest twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram import Update

from bot.alerts import digest, immediate
from bot.channels.telegram.outbox import send_due
from bot.services import Services, dead_processes
from storage.db import begin_write
from storage.queries import chats as cq
from storage.queries import inbox as iq

if TYPE_CHECKING:
    from telegram.ext import Application, Job, JobQueue

    from bot.channels.telegram.workers import ChatWorkers
    from storage.models import Chat

log = logging.getLogger(__name__)

# APScheduler's default grace is 1 s: a busy event loop at 08:00 would silently skip the digest.
DIGEST_GRACE = 3600
SWEEP_EVERY = 30  # seconds between outbox sweeps (failed sends are retried with their own backoff)
SCHEDULES_EVERY = 300  # seconds between checks that every bound chat has its digest job at its time
ADOPT_EVERY = 10  # seconds between looks for updates a dead process left in the inbox
CATCH_UP_AFTER = 5  # seconds after start: digests whose time passed while the bot was down
KEEP_UPDATES = timedelta(days=7)  # Telegram keeps undelivered updates for 24 hours


def job_name(chat_id: int) -> str:
    return f"digest:{chat_id}"


def _when(chat: Chat) -> str:
    return f"{chat.digest_time} {chat.timezone}"


def schedule_chat(job_queue: JobQueue[Any], chat: Chat) -> Job[Any]:
    """(Re)register one chat's daily digest at its time, in its timezone."""
    for job in job_queue.get_jobs_by_name(job_name(chat.id)):
        job.schedule_removal()
    at = digest.digest_time(chat)
    log.info("digest for chat %s scheduled daily at %s %s", chat.id, at.strftime("%H:%M"), chat.timezone)
    return job_queue.run_daily(
        digest_job,
        time=at,
        data={"chat": chat.id, "when": _when(chat)},
        name=job_name(chat.id),
        job_kwargs={"misfire_grace_time": DIGEST_GRACE, "coalesce": True},
    )


def schedule_all(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> int:
    """Register every bound chat's digest, the outbox sweep and the start-up catch-up; returns the chat count."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    chats = bound_chats(services)
    for chat in chats:
        schedule_chat(job_queue, chat)
    for callback, every, name in (
        (sweep_job, SWEEP_EVERY, "outbox"),
        (schedules_job, SCHEDULES_EVERY, "schedules"),
        (inbox_sweep_job, ADOPT_EVERY, "inbox"),
    ):
        job_queue.run_repeating(
            callback,
            interval=every,
            first=every,
            name=name,
            job_kwargs={"misfire_grace_time": every, "coalesce": True},
        )
    job_queue.run_once(
        catch_up_job, when=CATCH_UP_AFTER, name="digest-catch-up", job_kwargs={"misfire_grace_time": DIGEST_GRACE}
    )
    return len(chats)


async def digest_job(context: Any) -> None:
    """A chat's digest time: queue its digest (once per day), and with it every digest due by now (the jobs of
    a thousand chats at 08:00 make one set-based pass), then send what is pending for it."""
    services: Services = context.bot_data.services
    chat_id = int(context.job.data["chat"])
    await asyncio.to_thread(digest.write_digests, services, chat_ids=[chat_id], due_too=True)
    await send_due(services, context.bot, chat_row=chat_id)


def refresh_schedules(job_queue: JobQueue[Any], chats: list[Chat]) -> int:
    """Bring the digest jobs in line with the bound chats (a peer process may have bound, moved or unbound one);
    how many jobs changed."""
    wanted = {job_name(chat.id): chat for chat in chats}
    changed = 0
    for job in job_queue.jobs():
        if job.name and job.name.startswith("digest:") and job.name not in wanted:
            job.schedule_removal()
            changed += 1
    for name, chat in wanted.items():
        current = job_queue.get_jobs_by_name(name)
        data = current[0].data if current else None
        if not isinstance(data, dict) or data.get("when") != _when(chat):
            schedule_chat(job_queue, chat)
            changed += 1
    return changed


def bound_chats(services: Services) -> list[Chat]:
    with services.sessions() as session:
        return [chat for chat, _project in cq.bound_chats(session=session)]


async def schedules_job(context: Any) -> None:
    """Every few minutes: digest jobs follow chats bound or changed through another process (each process runs
    every chat's job; the outbox's dedupe key sends one digest a day)."""
    chats = await asyncio.to_thread(bound_chats, context.bot_data.services)
    changed = refresh_schedules(context.job_queue, chats)
    if changed:
        log.info("%d digest schedule(s) follow changes made elsewhere", changed)


async def catch_up_job(context: Any) -> None:
    """At start: digests whose time already passed today (the bot was down at 08:00) go out now."""
    services: Services = context.bot_data.services
    await asyncio.to_thread(digest.write_digests, services, due_only=True)
    await send_due(services, context.bot)


async def sweep_job(context: Any) -> None:
    """Send whatever the outbox still holds (earlier failures are retried here); forget old updates."""
    services: Services = context.bot_data.services
    await send_due(services, context.bot)
    await asyncio.to_thread(prune_updates, services)


def prune_updates(services: Services) -> int:
    with services.sessions() as session:
        begin_write(session)
        removed = iq.prune(session=session, before=services.clock() - KEEP_UPDATES)
        session.commit()
        return removed


def orphaned_updates(services: Services) -> list[dict[str, Any]]:
    """The payloads of pending updates no live process is handling (a crash left them), oldest first."""
    with services.sessions() as session:
        dead = dead_processes(iq.lease_owners(session=session))
        rows = iq.orphans(session=session, now=services.clock(), owner=services.owner, dead=dead)
        return [row.payload for row in rows]


async def replay(application: Application[Any, Any, Any, Any, Any, Any], workers: ChatWorkers) -> int:
    """At start, before new updates: what a crash left in the inbox is handled again (in order, once), and what
    it left in the outbox is sent. Updates a live peer process holds are left to it."""
    services: Services = application.bot_data.services
    submitted = await adopt_orphans(services, application.bot, workers)
    if submitted:
        log.info("replaying %d update(s) left pending by an earlier run", submitted)
    await send_due(services, application.bot)
    return submitted


async def adopt_orphans(services: Services, bot: Any, workers: ChatWorkers) -> int:
    """Queue the pending updates nobody alive is handling (not those this process already holds)."""
    payloads = await asyncio.to_thread(orphaned_updates, services)
    submitted = 0
    for payload in payloads:
        update = Update.de_json(payload, bot)
        if workers.holds(update.update_id):
            continue
        workers.submit(update)
        submitted += 1
    return submitted


async def inbox_sweep_job(context: Any) -> None:
    """Every few seconds: updates a dead peer (or this process's earlier run) left in the inbox are taken over."""
    services: Services = context.bot_data.services
    if await asyncio.to_thread(immediate.sweep, services.sessions, services.clock()):
        await send_due(services, context.bot, kind="alert")  # the alert checks a dead process left undone
    taken = await adopt_orphans(services, context.bot, context.bot_data.workers)
    if taken:
        log.info("took over %d update(s) no live process was handling", taken)
