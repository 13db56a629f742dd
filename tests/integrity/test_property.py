"""Any interleaving of settlements, advances, undos and cap-limited labour from several users keeps the books right.

Hypothesis draws rounds of messages; the messages of a round run at once, each in a thread with its own session
(rounds one after the other, so an undo has something of its own to undo). Whatever the interleaving:

- the ledger is exactly what the replies said: the rows of every "recorded" reply, less the rows of every "undone"
  reply, and nothing else (nothing recorded twice, nothing lost, nothing written by a refusal);
- a worker's outstanding wages (wages − advances − settlements) are below zero only by advances: settlements never
  exceed the wages recorded (an advance may overdraw; a settlement never does, nor an undo after it);
- no worker has more than 3 工 on a date across projects.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.db import make_session_factory
from storage.models import AuditLog, LaborEntry, Membership, PaymentKind, Project, Role, User, Worker, WorkerPayment
from tests.integrity.conftest import assert_clear, fresh, run_threads
from tests.integrity.procs import TODAY, Done, Job
from tests.support.factories import Factory
from tools import run_tool

pytestmark = pytest.mark.slow

ACTORS = ("foreman", "finance", "manager")
MAY = {  # who sends what (each is allowed to: the property is about races, not roles)
    "log": ("foreman", "manager"),
    "advance": ("foreman", "finance", "manager"),
    "settle": ("finance", "manager"),
    "undo": ACTORS,
}
RATE = Decimal(300)


@dataclass(frozen=True)
class Op:
    kind: str  # log | advance | settle | undo
    actor: str
    worker: int  # 0 or 1
    project: int  # 0 or 1
    figure: str  # days for log, yuan for a payment
    day: int  # days before today, for log


@st.composite
def ops(draw: st.DrawFn) -> Op:
    kind = draw(st.sampled_from(["log", "advance", "settle", "undo"]))
    figure = {
        "log": st.sampled_from(["1", "2"]),
        "advance": st.sampled_from(["100", "400", "900"]),
        "settle": st.sampled_from(["100", "300", "600", "900"]),
        "undo": st.just(""),
    }[kind]
    return Op(
        kind=kind,
        actor=draw(st.sampled_from(MAY[kind])),
        worker=draw(st.integers(0, 1)),
        project=draw(st.integers(0, 1)),
        figure=draw(figure),
        day=draw(st.integers(1, 2)),
    )


ROUNDS = st.lists(st.lists(ops(), min_size=1, max_size=5), min_size=1, max_size=3)
_examples = itertools.count()


@dataclass
class Books:
    """One example's own projects, workers and users (fresh names: examples share the database)."""

    projects: list[Project]
    workers: list[Worker]
    users: dict[str, User]


def open_books(make: Factory) -> Books:
    n = next(_examples)
    projects = [make.project(code=f"X{n}{side}", name=f"项目{n}{side}") for side in "AB"]
    workers = [make.worker(f"工人{n}{side}", RATE) for side in "AB"]
    users = {}
    for actor in ACTORS:
        role = {"foreman": Role.foreman, "finance": Role.finance, "manager": Role.manager}[actor]
        users[actor] = make.user(f"{actor}{n}", project=projects[0], role=role)
        make.session.add(Membership(user_id=users[actor].id, project_id=projects[1].id, role=role))
    make.session.commit()
    # What was earned before: two days for each worker in the first project, by someone who never undoes.
    bookkeeper = make.user(f"记账{n}", project=projects[0], role=Role.manager)
    for worker in workers:
        for back in (5, 6):
            day = (TODAY - timedelta(days=back)).isoformat()
            args = {"project": projects[0].code, "worker": worker.name, "days": "1", "date": day}
            assert run_tool(make.ctx(bookkeeper), "log_labor", args).ok
    return Books(projects, workers, users)


def job(books: Books, op: Op) -> Job:
    project = books.projects[op.project]
    user = books.users[op.actor]
    worker = books.workers[op.worker].name
    if op.kind == "undo":
        return Job(user_id=user.id, tool="undo_last", project_code=project.code)
    if op.kind == "log":
        day = (TODAY - timedelta(days=op.day)).isoformat()
        args: dict[str, Any] = {"worker": worker, "days": op.figure, "date": day, "confirm": True}
    else:
        args = {"worker": worker, "amount": op.figure}
    tool = {"log": "log_labor", "advance": "record_advance", "settle": "settle_wages"}[op.kind]
    return Job(user_id=user.id, tool=tool, args={"project": project.code, **args}, project_code=project.code)


Key = tuple[str, int, int]  # (what: labour, advance or settlement; project id; worker id)
Ledger = dict[Key, tuple[int, Decimal]]  # rows and their sum


def _key(table: str, row: dict[str, Any]) -> Key:
    what = "labour" if table == "labor_entry" else str(row["kind"])
    return what, int(row["project_id"]), int(row["worker_id"])


def ledger(session: Session, books: Books) -> Ledger:
    """The books as stored: how many rows and how much, per kind, project and worker."""
    ids = [p.id for p in books.projects]
    rows: Ledger = {}
    found = [
        ("labour", e.project_id, e.worker_id, e.amount)
        for e in session.scalars(select(LaborEntry).where(LaborEntry.project_id.in_(ids)))
    ] + [
        (p.kind.value, p.project_id, p.worker_id, p.amount)
        for p in session.scalars(select(WorkerPayment).where(WorkerPayment.project_id.in_(ids)))
    ]
    for what, project_id, worker_id, amount in found:
        book(rows, (what, project_id, worker_id), amount, +1)
    return rows


def book(expected: Ledger, key: Key, amount: Decimal, sign: int) -> None:
    count, total = expected.get(key, (0, Decimal(0)))
    expected[key] = (count + sign, total + sign * amount)
    if expected[key] == (0, 0):
        del expected[key]


def apply_reply(session: Session, expected: Ledger, op: Op, done: Done) -> None:
    """Book what a reply said: the row a "recorded" reply names, less the rows an "undone" reply names."""
    if not done.wrote:
        return
    data = done.data[0]
    if op.kind != "undo":  # the reply names the project, the worker and the amount recorded
        project_id = session.scalars(select(Project.id).where(Project.code == data["project"])).one()
        worker_id = session.scalars(select(Worker.id).where(Worker.name == data["worker"])).one()
        what = "labour" if op.kind == "log" else data["kind"]
        book(expected, (what, project_id, worker_id), data["amount"], +1)
        return
    for undone in data["undone"]:
        log = session.get(AuditLog, undone["audit_id"])
        assert log is not None
        for change in log.changes:
            assert change["before"] is None  # these tools only insert: undoing removes what they inserted
            after = change["after"]
            book(expected, _key(change["table"], after), Decimal(str(after["amount"])), -1)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rounds=ROUNDS)
@example(  # labour paid out in full, then undone: the settlement would exceed the wages left
    rounds=[
        [Op("log", "manager", 0, 0, "1", 1)],
        [Op("settle", "finance", 0, 0, "900", 1)],
        [Op("undo", "manager", 0, 0, "", 1)],
    ]
)
@example(  # two settlements of all that is owed (two days) at once
    rounds=[[Op("settle", "finance", 0, 0, "600", 1), Op("settle", "manager", 0, 0, "600", 1)]]
)
@example(  # the same worker and date in both projects, over the cap together
    rounds=[[Op("log", "foreman", 1, 0, "2", 1), Op("log", "manager", 1, 1, "2", 1)]]
)
def test_any_interleaving_keeps_the_ledger_equal_to_the_replies_and_nobody_overpaid(
    rounds: list[list[Op]], engine: Engine, session: Session, make: Factory
) -> None:
    books = open_books(make)
    expected = ledger(fresh(session), books)
    sessions = make_session_factory(engine)

    for round_ops in rounds:
        done = run_threads(sessions, [job(books, op) for op in round_ops])
        assert_clear(done)
        fresh(session)
        for op, reply in zip(round_ops, done, strict=True):
            apply_reply(session, expected, op, reply)
        assert ledger(session, books) == expected, [(op, d.text) for op, d in zip(round_ops, done, strict=True)]
        _check_nobody_overpaid(session, books)
        _check_the_daily_cap(session, books)


def _check_nobody_overpaid(session: Session, books: Books) -> None:
    for project in books.projects:
        for worker in books.workers:
            wages = sum(
                session.scalars(
                    select(LaborEntry.amount).where(
                        LaborEntry.project_id == project.id, LaborEntry.worker_id == worker.id
                    )
                ),
                Decimal(0),
            )
            settled = sum(
                session.scalars(
                    select(WorkerPayment.amount).where(
                        WorkerPayment.project_id == project.id,
                        WorkerPayment.worker_id == worker.id,
                        WorkerPayment.kind == PaymentKind.settlement,
                    )
                ),
                Decimal(0),
            )
            # wages − advances − settlements < 0 only by advances: settlements alone never exceed the wages
            assert settled <= wages, f"{worker.name} in {project.code}: settled {settled} of wages {wages}"


def _check_the_daily_cap(session: Session, books: Books) -> None:
    days: dict[tuple[int, Any], Decimal] = defaultdict(Decimal)
    ids = [w.id for w in books.workers]
    for entry in session.scalars(select(LaborEntry).where(LaborEntry.worker_id.in_(ids))):
        days[entry.worker_id, entry.work_date] += entry.days
    assert all(total <= 3 for total in days.values()), dict(days)
