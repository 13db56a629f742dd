"""The update queue that stores first: an update is in the inbox before Telegram is told it arrived.

python-telegram-bot's polling loop puts each fetched update into the application's update queue and only then
asks for the next batch (which confirms the previous one to Telegram); its webhook server answers 200 only after
the put returns. Storing inside put() therefore keeps every update through a crash in either mode; if storing
fails, the put raises, polling does not confirm the batch and the webhook answers 500, so Telegram sends it again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram import Update

from bot.channels.telegram.process import store_update
from bot.services import Services

log = logging.getLogger(__name__)


class InboxQueue(asyncio.Queue[Any]):
    """The application's update queue: Telegram updates are stored in the inbox before they are queued.

    `fresh` maps the updates this process stored, ready to handle, to when (time.monotonic()): the chat workers
    handle them under the lease they were stored with, without taking them again (ChatWorkers.handle).
    """

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.fresh: dict[int, float] = {}

    async def put(self, item: Any) -> None:
        if isinstance(item, Update):
            try:
                stored = await asyncio.to_thread(store_update, self.services, item)
            except Exception:
                log.exception("update %s could not be stored; Telegram is told to send it again", item.update_id)
                raise
            if stored.ready:
                self.fresh[item.update_id] = time.monotonic()
        await super().put(item)
