"""What lives as long as the process: settings, engine, sessions, the router, and this process's name."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.router import Router
from bot.settings import Settings


def process_name() -> str:
    """host:pid:nonce — who holds a lease on an update or a message being sent."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def dead_processes(owners: Iterable[str]) -> list[str]:
    """The owners that were processes on this host and no longer run: their leases are taken over at once.

    Owners on other hosts are left to their leases running out.
    """
    host = socket.gethostname()[:30]
    dead = []
    for owner in owners:
        owner_host, _, rest = owner.partition(":")
        pid_text = rest.partition(":")[0]
        if owner_host != host or not pid_text.isdigit():
            continue
        pid = int(pid_text)
        if pid == os.getpid():
            if owner != CURRENT:
                dead.append(owner)  # an earlier run that had the same pid
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            dead.append(owner)
        except PermissionError:
            continue
    return dead


CURRENT = process_name()


@dataclass
class Services:
    """Settings, engine, sessions and the router, shared by every channel and job of the process."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    router: Router
    owner: str = field(default=CURRENT)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))  # the process's one clock (tests set it)
