"""One worker per chat: a chat's updates are answered in the order they came, chats run side by side.

Updates are handed over synchronously, in the order python-telegram-bot delivers them, to the chat's own queue;
its worker handles one at a time (the database work in a thread) and sends the replies it queued before taking
the next. An update whose chat is unknown (none in it) gets a worker of its own. With several processes behind a
webhook, an update whose chat has an earlier update pending elsewhere (another process has it, or it waits for a
sweep to adopt it from a dead one) pauses its chat (tried again every ORDER_RETRY seconds, at most ORDER_WAIT),
so a chat's messages are answered in order across processes too.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import time
from collections import deque
from typing import Any

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.channels.telegram import documents
from bot.channels.telegram.outbox import send_due, send_job
from bot.channels.telegram.process import LEASE, STORE_LEASE, Handled, process_update, renew_lease
from bot.services import Services

log = logging.getLogger(__name__)

TYPING_AFTER = 0.7  # seconds before "typing…" shows: rule-based answers come sooner and show none
TYPING_EVERY = 4.5  # Telegram shows a chat action for 5 seconds
ORDER_RETRY = 0.5  # seconds before an update waiting for an earlier one of its chat is tried again
# Seconds it waits at most: as long as a process may hold an update it handles (a peer working through a backlog is
# waited for; one holding an update longer is stuck, and its lease runs out too).
ORDER_WAIT = LEASE.total_seconds()
# An update this process stored moments ago is handled under the lease it was stored with (STORE_LEASE) when it
# comes to its turn within FRESH_FOR seconds; a handling that runs longer (a model call) renews it every RENEW_EVERY.
FRESH_FOR = STORE_LEASE.total_seconds() / 3
RENEW_EVERY = STORE_LEASE.total_seconds() / 3


def _update_id(update: Update) -> int:
    return update.update_id


class ChatWorkers:
    """The per-chat queues and their workers, created as chats speak and ended when idle."""

    def __init__(self, services: Services, fresh: dict[int, float] | None = None) -> None:
        self.services = services
        self.fresh = fresh if fresh is not None else {}  # InboxQueue.fresh: stored here, ready, since when
        self._queues: dict[int, deque[Update]] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._held: set[int] = set()  # update ids queued or being handled here
        self._waiting: dict[int, float] = {}  # update id → since when it waits for an earlier one of its chat
        self.bot: ExtBot[Any] | None = None
        self.on_bound: Any = None  # called with a chat row id when /project changed its digest schedule

    def submit(self, update: Update) -> None:
        """Queue an update for its chat, in update id order (no await: the order of calls is the order of answers
        for updates that come in order; one that comes late, from a sweep, goes before the later ones)."""
        chat = update.effective_chat
        key = chat.id if chat is not None else -update.update_id
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
        bisect.insort(queue, update, key=_update_id)
        self._held.add(update.update_id)
        self._start(key)

    def _start(self, key: int) -> None:
        if key in self._queues and (key not in self._tasks or self._tasks[key].done()):
            self._tasks[key] = asyncio.create_task(self._work(key), name=f"chat-worker:{key}")

    async def _work(self, key: int) -> None:
        queue = self._queues[key]
        while queue:
            update = queue.popleft()
            waits = False
            try:
                waits = (await self.handle(update)).waits
            except Exception:
                log.exception("update %s: handling failed; it stays in the inbox and is retried", update.update_id)
            if waits:  # the chat pauses (its later updates too) until the earlier one is done
                bisect.insort(queue, update, key=_update_id)
                asyncio.get_running_loop().call_later(ORDER_RETRY, self._start, key)
                return
            self._held.discard(update.update_id)
            self._waiting.pop(update.update_id, None)
        self._queues.pop(key, None)
        if self._tasks.get(key) is asyncio.current_task():
            del self._tasks[key]  # a chat that went quiet keeps nothing here: memory does not grow with chats seen

    @property
    def chats(self) -> int:
        """Chats this process keeps a queue or a worker for: only those with updates not yet answered."""
        return len(self._queues.keys() | self._tasks.keys())

    def holds(self, update_id: int) -> bool:
        """Whether this process has the update queued or in hand (a sweep does not queue it twice)."""
        return update_id in self._held

    async def handle(self, update: Update) -> Handled:
        """Handle one update, then send what it queued (its reply, an edit) and answer a pressed button."""
        assert self.bot is not None
        document = None
        if documents.private_document(update) and await asyncio.to_thread(documents.wanted, self.services, update):
            try:
                document = await documents.fetch(self.bot, update)
            except TelegramError:  # answered as "could not fetch it": the user sends it again
                log.warning("update %s: could not fetch the document", update.update_id)
        since = self._waiting.setdefault(update.update_id, time.monotonic())
        in_order = time.monotonic() - since < ORDER_WAIT  # an earlier update stuck elsewhere does not block forever
        stored_at = self.fresh.pop(update.update_id, None)
        leased = stored_at is not None and time.monotonic() - stored_at < FRESH_FOR
        helpers = [self._typing(update)]
        if leased:
            helpers.append(asyncio.create_task(self._keep_lease(update.update_id)))
        try:
            handled = await asyncio.to_thread(
                process_update, self.services, update, self.bot.username, document, in_order=in_order, leased=leased
            )
        finally:
            for helper in filter(None, helpers):
                helper.cancel()
        if handled.callback_id is not None:
            try:
                await self.bot.answer_callback_query(
                    handled.callback_id,
                    text=(handled.callback_text or "")[:190] or None,
                    show_alert=handled.callback_alert,
                )
            except Exception:  # a late answer (over 15 s) is refused by Telegram; the edit still shows the outcome
                log.warning("update %s: could not answer the button press", update.update_id)
        if handled.reply is not None:  # queued and claimed in the update's own transaction
            await send_job(self.services, self.bot, handled.reply)
        elif not handled.skipped:
            await send_due(self.services, self.bot, update_id=update.update_id)
        # After the reply: did the write start a problem? Told at once (a failed send is retried by the sweep).
        if handled.moved is not None and await asyncio.to_thread(self.services.router.announce, handled.moved) > 0:
            await send_due(self.services, self.bot, kind="alert")
        if handled.bound_chat is not None and self.on_bound is not None:
            await self.on_bound(handled.bound_chat)
        return handled

    async def _keep_lease(self, update_id: int) -> None:
        """While a fresh update is handled (a long model call), its lease is renewed: no peer takes it over."""
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                await asyncio.to_thread(renew_lease, self.services, update_id)
            except Exception:  # the answer's transaction still closes it once; a peer may only do the work twice
                log.warning("update %s: could not renew its lease", update_id)

    def _typing(self, update: Update) -> asyncio.Task[None] | None:
        """For a message: "typing…" shown while the answer takes long (a model call), none for a quick one."""
        message = update.message
        if message is None or self.bot is None:
            return None
        return asyncio.create_task(self._keep_typing(message.chat_id), name=f"typing:{update.update_id}")

    async def _keep_typing(self, chat_id: int) -> None:
        assert self.bot is not None
        await asyncio.sleep(TYPING_AFTER)
        while True:
            try:
                await self.bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
            except TelegramError:  # a convenience: never a reason to fail the answer
                log.debug("could not show typing in chat %s", chat_id)
            await asyncio.sleep(TYPING_EVERY)

    async def drain(self, chats: set[int] | None = None) -> None:
        """Wait until every queued update (of the given chats) is handled (tests, shutdown); a chat paused behind an
        update another process holds is not waited for (its updates stay in the inbox)."""
        while True:
            tasks = [task for key, task in self._tasks.items() if not task.done() and (chats is None or key in chats)]
            if not tasks:
                break
            await asyncio.gather(*tasks, return_exceptions=True)
