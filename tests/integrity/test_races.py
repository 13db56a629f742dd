"""Races between separate OS processes, on SQLite and on PostgreSQL (SITEBOT_TEST_DATABASE_URL).

Each job runs in a process of its own (spawned), opens its own engine on the test's database and waits at a
barrier, so the messages really arrive at the same moment; a check and the write that depends on it must hold
against all of them: no payment twice, no cap passed, no undo of the same entry twice, no write lost over an alert.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import (
    AuditLog,
    BudgetAlert,
    CostEntry,
    LaborEntry,
    PaymentKind,
    Project,
    Role,
    User,
    Worker,
    WorkerPayment,
)
from storage.queries.labor import outstanding_wages
from tests.integrity.conftest import Processes, assert_clear, fresh
from tests.integrity.procs import TODAY, Job
from tests.support.factories import Factory
from tools import run_tool

pytestmark = pytest.mark.slow


def members(make: Factory, project: Project, role: Role, n: int, prefix: str) -> list[User]:
    return [make.user(f"{prefix}{i}", project=project, role=role) for i in range(n)]


# -- settlements ------------------------------------------------------------------------------------


ROUNDS = 4  # races are won by chance: each round is another chance for a missing lock to show


@pytest.mark.parametrize("n", [2, 8])
def test_concurrent_settlements_of_everything_owed_pay_it_once_and_refuse_the_rest(
    n: int, db_url: str, session: Session, make: Factory, processes: Processes
) -> None:
    project = make.project(code="SG3", name="阳光花园3号楼")
    foreman = make.user("老王", project=project, role=Role.foreman)
    payers = members(make, project, Role.finance, n, "会计")
    for round_ in range(ROUNDS):
        name = f"张{'一二三四五六七八'[round_]}"
        worker = make.worker(name, 380)
        for offset in (1, 2, 3):
            args = {"worker": name, "days": "1", "date": (TODAY - timedelta(days=offset)).isoformat()}
            assert run_tool(make.ctx(foreman, project=project), "log_labor", args).ok
        assert run_tool(make.ctx(foreman, project=project), "record_advance", {"worker": name, "amount": "200"}).ok
        owed = outstanding_wages(session=session, project_id=project.id, until=TODAY, worker_id=worker.id)
        assert owed == Decimal("940.00")

        # from n chats at once: as tool calls in even rounds, as /settle messages through the router in odd ones
        done = processes.run(
            db_url,
            [
                Job(user_id=payer.id, text=f"/settle {name} 940", chat_key=f"tg:{-100 - i}", project_code="SG3")
                if round_ % 2
                else Job(user_id=payer.id, tool="settle_wages", args={"worker": name, "amount": "940"})
                for i, payer in enumerate(payers)
            ],
        )

        assert_clear(done)
        paid = [d for d in done if d.wrote]
        assert len(paid) == 1, [d.text for d in done]
        assert f"已记结算：{name} ¥940.00" in paid[0].text
        for refused in (d for d in done if not d.wrote):
            assert f"结算 ¥940.00 超过了{name}在 SG3 的未结工资 ¥0.00" in refused.text and "没有记录" in refused.text
        fresh(session)
        settlements = session.scalars(
            select(WorkerPayment.amount).where(
                WorkerPayment.kind == PaymentKind.settlement, WorkerPayment.worker_id == worker.id
            )
        )
        assert list(settlements) == [Decimal("940.00")]
        assert outstanding_wages(session=session, project_id=project.id, until=TODAY, worker_id=worker.id) == 0


# -- the daily cap across projects --------------------------------------------------------------------


@pytest.mark.parametrize(("n_projects", "days", "recorded"), [(2, "2", 1), (4, "1", 3)])
def test_concurrent_labour_of_one_worker_in_several_projects_never_passes_three_days_a_date(
    n_projects: int, days: str, recorded: int, db_url: str, session: Session, make: Factory, processes: Processes
) -> None:
    day = (TODAY - timedelta(days=1)).isoformat()
    jobs = []
    for i in range(n_projects):
        project = make.project(code=f"P{i}", name=f"项目{i}")
        foreman = make.user(f"工长{i}", project=project, role=Role.foreman)
        # confirm: a day of more than one 工 across projects was confirmed; the hard cap of 3 still holds
        args = {"project": project.code, "worker": "张三", "days": days, "date": day, "confirm": True}
        jobs.append(Job(user_id=foreman.id, tool="log_labor", args=args))
    worker = make.worker("张三", 300)  # made last: a new worker is on the books of every project there is

    done = processes.run(db_url, jobs)

    assert_clear(done)
    fresh(session)
    stored = session.scalar(select(func.sum(LaborEntry.days)).where(LaborEntry.worker_id == worker.id)) or 0
    assert stored <= 3
    assert sum(d.wrote for d in done) == recorded, [d.text for d in done]
    assert stored == recorded * Decimal(days)
    for refused in (d for d in done if not d.wrote):
        assert "超过每天 3 工的上限，没有记录" in refused.text


# -- undo ----------------------------------------------------------------------------------------------


def test_concurrent_undos_by_one_user_each_undo_a_different_entry(
    db_url: str, session: Session, make: Factory, processes: Processes
) -> None:
    n = 6
    project = make.project(code="SG3", name="阳光花园3号楼")
    finance = make.user("小钱", project=project, role=Role.finance)
    amounts = [f"{1000 + 111 * i}" for i in range(n)]
    for amount in amounts:  # n messages, each one write
        assert run_tool(make.ctx(finance, project=project), "add_cost", {"category": "materials", "amount": amount}).ok

    done = processes.run(db_url, [Job(user_id=finance.id, tool="undo_last", project_code="SG3") for _ in range(n)])

    assert_clear(done)
    undone = [d for d in done if d.wrote]
    named = [next(a for a in amounts if f"¥{int(a):,}.00" in d.text) for d in undone]
    assert len(set(named)) == len(named), [d.text for d in undone]  # each reply names a different entry
    audit_ids = [u["audit_id"] for d in undone for u in d.data[0]["undone"]]
    assert len(set(audit_ids)) == len(audit_ids) == len(undone)
    fresh(session)
    remaining = sorted(str(int(a)) for a in session.scalars(select(CostEntry.amount)))
    assert len(remaining) == n - len(undone)  # rows removed = "undone" replies
    assert sorted(set(amounts) - set(named)) == remaining
    assert len(undone) == n  # one user's n undos after n writes undo all n, one each
    claimed = session.scalar(select(func.count(AuditLog.id)).where(AuditLog.undone_at.is_not(None)))
    assert claimed == len(undone)


# -- budget alert lines ------------------------------------------------------------------------------


def test_two_costs_crossing_the_same_alert_line_at_once_are_both_recorded_with_one_alert(
    db_url: str, session: Session, make: Factory, processes: Processes
) -> None:
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.budget(project, "materials", 100_000)
    buyers = members(make, project, Role.finance, 2, "采购")
    assert run_tool(make.ctx(buyers[0], project=project), "add_cost", {"category": "materials", "amount": "79000"}).ok

    done = processes.run(
        db_url,
        [
            Job(user_id=buyers[0].id, text="/cost 材料 1500 钢筋", chat_key="tg:-1", project_code="SG3"),
            Job(user_id=buyers[1].id, text="/cost 材料 2000 水泥", chat_key="tg:-2", project_code="SG3"),
        ],
    )

    assert_clear(done)
    assert all(d.wrote for d in done), [d.text for d in done]
    assert sum("80% 预警线" in d.text for d in done) == 1  # the crossing is announced once
    fresh(session)
    amounts = sorted(session.scalars(select(CostEntry.amount)))
    assert amounts == [Decimal(1500), Decimal(2000), Decimal(79000)]
    alerts = session.scalars(select(BudgetAlert.threshold).where(BudgetAlert.category == "materials"))
    assert list(alerts) == [80]


def test_two_labour_entries_crossing_the_labour_alert_line_at_once_are_both_recorded_with_one_alert(
    db_url: str, session: Session, make: Factory, processes: Processes
) -> None:
    """Different workers take no common lock: only the alert row's insert-or-ignore keeps both writes."""
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.budget(project, "labor", 1000)
    foremen = members(make, project, Role.foreman, 2, "工长")
    make.worker("李四", 100)
    make.worker("王五", 100)
    make.worker("赵六", 700)
    assert run_tool(make.ctx(foremen[0], project=project), "log_labor", {"worker": "赵六", "days": "1"}).ok
    day = (TODAY - timedelta(days=1)).isoformat()

    done = processes.run(
        db_url,
        [
            Job(
                user_id=foremen[0].id,
                tool="log_labor",
                args={"worker": "李四", "days": "1", "date": day},
                project_code="SG3",
            ),
            Job(
                user_id=foremen[1].id,
                tool="log_labor",
                args={"worker": "王五", "days": "1", "date": day},
                project_code="SG3",
            ),
        ],
    )

    assert_clear(done)
    assert all(d.wrote for d in done), [d.text for d in done]
    assert sum("80% 预警线" in d.text for d in done) == 1
    fresh(session)
    workers = session.scalars(select(Worker.name).join(LaborEntry, LaborEntry.worker_id == Worker.id))
    assert sorted(workers) == sorted(["李四", "王五", "赵六"])
    alerts = session.scalars(select(BudgetAlert.threshold).where(BudgetAlert.category == "labor"))
    assert list(alerts) == [80]
