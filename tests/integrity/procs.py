"""What one parallel process or thread of the integrity tests runs: one message, over its own engine or session.

A job is a tool call run the way a channel runs one message's calls (tools.base.run_calls: a write transaction,
locks, a savepoint, retries), or a text through the router (one write transaction per message). Processes are
started with the spawn method, so everything here is importable and every argument and result pickles.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
TODAY = date(2026, 11, 25)
BARRIER_TIMEOUT = 120.0  # seconds for every process to be ready: spawning on a loaded machine is slow


class Barrier(Protocol):
    def wait(self, timeout: float | None = None) -> int: ...


@dataclass(frozen=True)
class Job:
    """One message: a tool call (tool, args) or a text for the router, sent by user_id."""

    user_id: int
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    text: str | None = None
    chat_key: str = "test:integrity"
    project_code: str | None = None


@dataclass(frozen=True)
class Done:
    """What the sender was told: ok (recorded, or a read answered), wrote, the reply, the tool's data."""

    ok: bool
    wrote: bool
    text: str
    data: list[dict[str, Any]] = field(default_factory=list)  # each result's data
    error: str | None = None  # a traceback when the job raised: the user would have seen nothing


def warm_up() -> None:
    """Import what a message needs once per process, before any barrier (the tools register on import)."""
    import bot.router  # noqa: F401
    import tools  # noqa: F401


def run_job(db_url: str, job: Job, barrier: Barrier | None = None) -> Done:
    """In a process of its own: open an engine on the test's database, wait for the others, run the job."""
    from storage.db import make_engine, make_session_factory

    engine = make_engine(db_url)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session:
            session.execute(text("SELECT 1"))  # connected before the start, so the jobs start together
        if barrier is not None:
            barrier.wait(BARRIER_TIMEOUT)
        return run(sessions, job)
    except Exception:
        return Done(ok=False, wrote=False, text="", error=traceback.format_exc())
    finally:
        engine.dispose()


def run(sessions: sessionmaker[Session], job: Job) -> Done:
    """Run one job in a session of its own (threads call this directly)."""
    try:
        if job.text is not None:
            return _message(sessions, job)
        return _tool(sessions, job)
    except Exception:
        return Done(ok=False, wrote=False, text="", error=traceback.format_exc())


def _tool(sessions: sessionmaker[Session], job: Job) -> Done:
    from storage.models import User
    from tools.base import Call, Context, run_calls

    assert job.tool is not None
    with sessions() as session:
        user = session.get(User, job.user_id)
        assert user is not None, f"no user {job.user_id}"
        ctx = Context(
            session=session,
            user=user,
            today=TODAY,
            now=NOW,
            project_code=job.project_code,
            chat_key=job.chat_key,
            source_text=f"{job.tool} {job.args}",
        )
        results = run_calls(ctx, [Call(job.tool, dict(job.args))])
        return Done(
            ok=all(r.ok for r in results),
            wrote=any(r.wrote for r in results),
            text="\n".join(r.text for r in results),
            data=[dict(r.data) for r in results],
        )


def _message(sessions: sessionmaker[Session], job: Job) -> Done:
    from bot.router import Incoming, Router

    assert job.text is not None
    router = Router(sessions, agent=None, clock=lambda: NOW)
    reply = router.handle(
        Incoming(text=job.text, user_id=job.user_id, chat_key=job.chat_key, project_code=job.project_code, today=TODAY)
    )
    return Done(
        ok=bool(reply.results) and all(r.ok for r in reply.results),
        wrote=reply.wrote,
        text=reply.text,
        data=[dict(r.data) for r in reply.results],
    )


# -- start-up --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    """What one process starting on the database saw: the demo loaded by it, the local administrator's id."""

    loaded: bool = False
    admin_id: int | None = None
    error: str | None = None


def start_together(db_url: str, n: int, entry: str, today: date) -> list[Started]:
    """n processes, forked from this warm one (so none waits for its imports), start on db_url at one moment.

    entry "chat" is what `sitebot chat` and `sitebot start` do before the first message: migrate and load the
    demo into an empty database, then find or create the local administrator; "admin" is that last step alone
    (on a database already set up); "demo" is `sitebot demo`.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")  # this pool process runs no other thread
    barrier = context.Barrier(n)
    results = context.Queue()
    children = [context.Process(target=_start, args=(db_url, entry, today, barrier, results)) for _ in range(n)]
    for child in children:
        child.start()
    started = [results.get(timeout=2 * BARRIER_TIMEOUT) for _ in children]
    for child in children:
        child.join(BARRIER_TIMEOUT)
    return started


def _start(db_url: str, entry: str, today: date, barrier: Barrier, results: Any) -> None:
    import argparse

    from bot.settings import Settings

    settings = Settings(_env_file=None, database_url=db_url)  # type: ignore[call-arg]
    try:
        barrier.wait(BARRIER_TIMEOUT)
        if entry == "demo":
            from bot.commands_cli import cmd_demo

            with _quiet():
                cmd_demo(settings, argparse.Namespace(today=today))
            results.put(Started())
            return
        from bot.app import build_services, prepare_database
        from bot.channels.terminal import acting_user

        services = build_services(settings)
        try:
            loaded = prepare_database(services, today) if entry == "chat" else False
            with services.sessions() as session:
                admin = acting_user(session, None)
                results.put(Started(loaded=loaded, admin_id=admin.id))
        finally:
            services.engine.dispose()
    except BaseException:
        results.put(Started(error=traceback.format_exc()))


def _quiet() -> Any:
    import contextlib
    import io

    return contextlib.redirect_stdout(io.StringIO())
