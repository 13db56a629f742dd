"""One long-polling process per bot token: a lock in the database with a lease renewed by a heartbeat.

Telegram answers a second getUpdates on the same token with a Conflict error, and two pollers would take turns
stealing each other's batches; so `sitebot run` in polling mode takes the lock "telegram-poller:<bot id>" before it
starts and refuses to start, with one clear message, when a live process holds it. The holder renews its lease
every HEARTBEAT seconds; a holder that died loses the lock when the lease runs out (LEASE), or at once when it was a
process on this host that no longer runs. Several processes are run behind a webhook instead (SITEBOT_WEBHOOK_URL).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from bot.services import Services, dead_processes
from storage.db import begin_write
from storage.queries import process_lock as lq

log = logging.getLogger(__name__)

HEARTBEAT = 10  # seconds between renewals
LEASE = timedelta(seconds=45)  # a holder silent this long is taken for dead


def lock_name(services: Services) -> str:
    """The lock's name: the bot's id (the part of the token before the colon; the secret part never leaves)."""
    token = services.settings.telegram_token
    bot_id = token.get_secret_value().partition(":")[0] if token is not None else ""
    return f"telegram-poller:{bot_id}"


def take(services: Services) -> str | None:
    """Take the polling lock; None when this process holds it, else the message saying why it cannot start."""
    name = lock_name(services)
    now = services.clock()
    with services.sessions() as session:
        begin_write(session)
        dead = dead_processes(lq.owners(session=session))
        if lq.acquire(session=session, name=name, owner=services.owner, now=now, until=now + LEASE, dead=dead):
            session.commit()
            return None
        holder = lq.holder(session=session, name=name)
        session.rollback()
    if holder is None:  # released between the two statements: try once more
        return take(services)
    left = max(0, int((holder.expires_at - now).total_seconds()))
    return (
        f"another `sitebot run` is already long-polling this bot (process {holder.owner}, since "
        f"{holder.acquired_at:%Y-%m-%d %H:%M:%S} UTC); Telegram lets only one process poll a token. Stop that one, "
        f"or run several processes behind a webhook (SITEBOT_WEBHOOK_URL). If it died on another host, its lock "
        f"runs out in {left} s."
    )


def renew(services: Services) -> bool:
    """Extend the lease; False when the lock was taken over (this process was silent too long)."""
    with services.sessions() as session:
        begin_write(session)
        kept = lq.renew(session=session, name=lock_name(services), owner=services.owner, until=services.clock() + LEASE)
        session.commit()
        return kept


def release(services: Services) -> None:
    with services.sessions() as session:
        begin_write(session)
        lq.release(session=session, name=lock_name(services), owner=services.owner)
        session.commit()


async def heartbeat_job(context: Any) -> None:
    """Renew the polling lock; a process that lost it stops polling rather than fight another poller."""
    services: Services = context.bot_data.services
    if not await asyncio.to_thread(renew, services):
        log.error("the polling lock was taken over by another process; stopping")
        context.application.stop_running()
