"""Immediate alerts: a write that starts a problem queues one message to the project's chats (and to managers who
asked for them), once per crossing; working them out can never cost the write."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.router import Incoming
from bot.services import Services
from storage.models import Chat, CostEntry, Membership, Notification, Project, Role, User
from tests.support.channel import make_services
from tests.support.factories import Factory
from tools import REGISTRY


@pytest.fixture
def services(engine: Engine, db_url: str) -> Services:
    return make_services(engine, db_url)


@pytest.fixture
def site(make: Factory, session: Session) -> Project:
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.budget(project, "materials", 10000)
    session.add(Chat(telegram_chat_id=-100200, title="工地群", project_id=project.id, timezone=project.timezone))
    session.commit()
    return project


def _manager(make: Factory, site: Project, *, alerts: bool = False, telegram_id: int = 5001) -> User:
    user = make.user("王经理", project=site, role=Role.manager, telegram_id=telegram_id)
    if alerts:
        member = make.session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert member is not None
        member.alerts = True
        make.session.add(Chat(telegram_chat_id=telegram_id, title=None, project_id=None))
        make.session.commit()
    return user


def _say(services: Services, user: User, text: str) -> Any:
    return services.router.handle(Incoming(text=text, user_id=user.id, chat_key="test:alerts", project_code="SG3"))


def _conditions(text: str) -> list[str]:
    """The conditions an alert message says: one after its head, or one per "· " line."""
    body = text.partition("：")[2]
    return [line.removeprefix("· ") for line in body.split("\n") if line.strip()]


def _alerts(session: Session) -> list[Notification]:
    session.rollback()
    return list(session.scalars(select(Notification).where(Notification.kind == "alert").order_by(Notification.id)))


def test_a_write_crossing_a_line_queues_one_alert_per_chat_once_per_crossing(
    make: Factory, session: Session, services: Services, site: Project
) -> None:
    manager = _manager(make, site, alerts=True)
    assert _say(services, manager, "/cost 材料 7000").wrote
    assert _alerts(session) == []  # 70%: nothing crossed
    assert _say(services, manager, "/cost 材料 1500").wrote  # 85%: past the 80% line
    sent = _alerts(session)
    assert len(sent) == 2  # the project's group and the manager who asked for alerts
    assert all("材料费：已用 85.0%，超过 80% 预警线" in n.payload["text"] for n in sent)
    assert _say(services, manager, "/cost 材料 500").wrote  # 90%: the same crossing
    assert len(_alerts(session)) == 2


def test_a_manager_who_did_not_ask_gets_no_private_alert(
    make: Factory, session: Session, services: Services, site: Project
) -> None:
    manager = _manager(make, site, alerts=False)
    assert _say(services, manager, "/cost 材料 8500").wrote
    [group] = _alerts(session)
    chat = session.get(Chat, group.chat_id)
    assert chat is not None and chat.telegram_chat_id == -100200


def test_a_failing_check_never_costs_the_write(
    make: Factory, session: Session, services: Services, site: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: Any, args: Any) -> Any:
        raise RuntimeError("schedule check exploded")

    monkeypatch.setitem(REGISTRY, "schedule_status", replace(REGISTRY["schedule_status"], func=broken))
    manager = _manager(make, site)
    reply = _say(services, manager, "/cost 材料 8500")
    assert reply.wrote, reply.text
    session.rollback()
    total = session.scalar(select(func.sum(CostEntry.amount)).where(CostEntry.project_id == site.id))
    assert total == Decimal("8500.00")  # the cost stays although working out its alerts failed
    assert len(_alerts(session)) == 1  # the budget check still ran and was announced


def test_an_immediate_check_leaves_alone_what_it_did_not_look_at(
    make: Factory, session: Session, site: Project
) -> None:
    """A cost is checked for budget and cash only: a schedule risk the digest reported is not seen as recovered by
    it (and so is not reported as news again the next morning)."""
    from storage.db import begin_write
    from tools.alerts import Condition, announce, record
    from tools.base import Context, Text

    manager = _manager(make, site)
    ctx = Context(session=session, user=manager, project_code="SG3")
    begin_write(session)
    risk = Condition("risk:砌体", "schedule", Text("砌体：计划 50% / 实际 20%", "Masonry: planned 50% / actual 20%"))
    assert [c.key for c in record(ctx, site, [risk], digest=True).new] == ["risk:砌体"]
    assert announce(ctx, site, {"budget", "cash"}) == 0  # what a cost can move: the schedule is not looked at
    assert record(ctx, site, [risk], digest=True).new == []  # the same crossing: not news again


def test_each_write_tool_says_what_it_can_move() -> None:
    """A payment cannot make a task late, a progress report cannot empty the cash box; a tool that says nothing
    is checked for everything."""
    moves = {name: spec.moves for name, spec in REGISTRY.items() if spec.writes}
    assert moves["record_fund"] == {"cash"}
    assert moves["add_cost"] == {"budget", "cash"}
    assert moves["update_task_progress"] == {"budget", "schedule"}
    assert moves["undo_last"] == {"budget", "schedule", "cash"}
    assert moves["add_worker"] == set()


def test_back_from_over_budget_to_past_80_is_no_new_crossing_but_back_under_80_is(
    make: Factory, session: Session, services: Services, site: Project
) -> None:
    manager = _manager(make, site)
    group = session.scalar(select(Chat.id).where(Chat.telegram_chat_id == -100200))

    def lines() -> list[str]:
        return [line for n in _alerts(session) if n.chat_id == group for line in _conditions(n.payload["text"])]

    assert _say(services, manager, "/cost 材料 8500").wrote  # 85%
    assert _say(services, manager, "/cost 材料 2000").wrote  # 105%: over (the line and the project's total)
    assert len(lines()) == 3
    # what one write started is one message per chat (tester 1: one cost sent nine alerts at once)
    assert [len(_conditions(n.payload["text"])) for n in _alerts(session) if n.chat_id == group] == [1, 2]
    assert _say(services, manager, "/undo").wrote  # 85% again: still past 80%, never below it
    assert _say(services, manager, "/cost 材料 100").wrote  # 86%
    assert len(lines()) == 3
    assert _say(services, manager, "/undo").wrote
    assert _say(services, manager, "/undo").wrote  # nothing spent: the 80% line has recovered
    assert _say(services, manager, "/cost 材料 9000").wrote  # 90%: the next crossing
    assert len(lines()) == 4 and "超过 80% 预警线" in lines()[-1]


def test_a_check_a_crash_left_undone_is_done_once_by_the_sweep(
    make: Factory, session: Session, services: Services, site: Project
) -> None:
    """The process dies after the write commits and before its alert check: the check was kept in the write's
    transaction, and any process's sweep does it, once; the late check of the first process then adds nothing."""
    from datetime import timedelta

    from bot.alerts import immediate
    from storage.models import AlertCheck

    manager = _manager(make, site, alerts=True)
    incoming = Incoming(text="/cost 材料 8500", user_id=manager.id, chat_key="test:alerts", project_code="SG3")
    reply = services.router.handle(incoming, alerts_later=True)  # the channel would check after the reply: it died
    assert reply.wrote and reply.moved is not None and len(reply.moved.checks) == 1
    assert _alerts(session) == []
    now = services.clock()
    assert immediate.sweep(services.sessions, now) == 0  # a live process may still be about to do it
    assert immediate.sweep(services.sessions, now + immediate.SWEEP_AFTER + timedelta(seconds=1)) == 2
    assert len(_alerts(session)) == 2  # the group and the manager, once
    assert session.scalar(select(func.count(AlertCheck.id))) == 0
    assert immediate.sweep(services.sessions, now + timedelta(minutes=5)) == 0
    assert services.router.announce(reply.moved) == 0  # the first process, late: nothing twice
    assert len(_alerts(session)) == 2


def test_an_undo_then_the_same_crossing_again_alerts_again(
    make: Factory, session: Session, services: Services, site: Project
) -> None:
    manager = _manager(make, site)
    assert _say(services, manager, "/cost 材料 8500").wrote
    assert len(_alerts(session)) == 1  # past 80%
    assert _say(services, manager, "/undo").wrote  # back to nothing: recovered
    assert len(_alerts(session)) == 1
    assert _say(services, manager, "/cost 材料 8600").wrote
    assert len(_alerts(session)) == 2  # the next crossing, told again


def test_an_import_that_crosses_a_line_is_checked_by_the_sweep(
    make: Factory, session: Session, services: Services, site: Project, tmp_path: Any
) -> None:
    """`sitebot import` runs outside the bot: it keeps the checks of the projects it changed, and the running
    bot's sweep does them (tester 2: an import that took a line to 90% said nothing until the next chat write)."""
    from datetime import UTC, datetime, timedelta

    from bot.alerts import immediate
    from tools.importer.apply import import_file

    _manager(make, site, alerts=True)
    path = tmp_path / "costs.csv"
    path.write_text("project,date,category,amount,paid\nSG3,2026-11-20,materials,9000,是\n", encoding="utf-8")
    report = import_file(session, path, today=date(2026, 11, 25))
    assert not report.errors, report.errors
    assert _alerts(session) == []
    later = datetime.now(UTC) + immediate.SWEEP_AFTER + timedelta(seconds=1)
    assert immediate.sweep(services.sessions, later) == 2  # the group and the manager who asked
    assert all("材料费" in n.payload["text"] and "90.0%" in n.payload["text"] for n in _alerts(session))
    assert immediate.sweep(services.sessions, later) == 0
