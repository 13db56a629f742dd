"""Real parallelism for the integrity tests: a pool of spawned processes, and threads with a session each."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.managers import SyncManager

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integrity import procs
from tests.integrity.procs import Done, Job
from tools.base import CONFLICT, INTERNAL

MAX_PROCESSES = 8
RESULT_TIMEOUT = 300.0  # seconds for a whole round: generous, a loaded CI machine must not flake


class Processes:
    """Runs jobs in separate OS processes (spawned once per test session, each opening its own engine per job),
    released together by a barrier."""

    def __init__(self, pool: ProcessPoolExecutor, manager: SyncManager) -> None:
        self.pool = pool
        self.manager = manager

    def run(self, db_url: str, jobs: Sequence[Job]) -> list[Done]:
        assert 0 < len(jobs) <= MAX_PROCESSES, "every job needs a process of its own to meet the others"
        barrier = self.manager.Barrier(len(jobs))
        futures = [self.pool.submit(procs.run_job, db_url, job, barrier) for job in jobs]
        return [future.result(timeout=RESULT_TIMEOUT) for future in futures]


@pytest.fixture(scope="session")
def processes() -> Iterator[Processes]:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        pool = ProcessPoolExecutor(max_workers=MAX_PROCESSES, mp_context=context, initializer=procs.warm_up)
        try:
            yield Processes(pool, manager)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def run_threads(sessions: sessionmaker[Session], jobs: Sequence[Job]) -> list[Done]:
    """Each job in a thread of its own with its own session, released together by a barrier."""
    barrier = threading.Barrier(len(jobs))
    done: list[Done | None] = [None] * len(jobs)

    def work(index: int, job: Job) -> None:
        barrier.wait(procs.BARRIER_TIMEOUT)
        done[index] = procs.run(sessions, job)

    threads = [threading.Thread(target=work, args=(i, job), name=f"job-{i}") for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RESULT_TIMEOUT)
    assert all(not thread.is_alive() for thread in threads), "a job did not finish in time"
    return [d for d in done if d is not None]


UNCLEAR = (CONFLICT.render("zh"), INTERNAL.render("zh"), "请稍后再试", "有人记过")


def assert_clear(done: list[Done]) -> None:
    """No job raised, and nobody was told to try again later or that someone else recorded their entry."""
    assert [d.error for d in done] == [None] * len(done), "\n".join(d.error or "" for d in done)
    for d in done:
        assert not any(words in d.text for words in UNCLEAR), d.text


def fresh(session: Session) -> Session:
    session.rollback()  # end the test session's snapshot: read what the processes committed
    session.expire_all()
    return session
