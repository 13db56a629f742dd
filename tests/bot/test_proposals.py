"""Proposals and questions in the dialogue: confirmed only by the user who got them, within their time, made at
most once (also when the yes arrives twice, or at two processes), completed by an answer, dropped by anything
unrelated."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.router import Incoming, Reply, Router
from storage.db import make_engine, make_session_factory
from storage.models import LaborEntry, Project, Role, User, Worker
from tests.support.factories import Factory

TODAY = date(2026, 11, 25)
START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
CHAT = "test:group"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def router_for(engine: Engine, clock: Clock) -> Callable[[Engine], Router]:
    def build(on: Engine = engine) -> Router:
        return Router(make_session_factory(on), agent=None, timezone="Asia/Shanghai", clock=clock, proposal_minutes=10)

    return build


@pytest.fixture
def site(make: Factory) -> Project:
    project = make.project(code="SG3")
    make.worker("张三", 300)
    return project


@pytest.fixture
def foreman(make: Factory, site: Project) -> User:
    return make.user("小李", project=site, role=Role.foreman)


@pytest.fixture
def colleague(make: Factory, site: Project) -> User:
    return make.user("老赵", project=site, role=Role.foreman)


def say(router: Router, user: User, text: str) -> Reply:
    return router.handle(Incoming(text=text, user_id=user.id, chat_key=CHAT, project_code="SG3"))


def overtime_entries(session: Session) -> list[LaborEntry]:
    session.rollback()
    return list(session.scalars(select(LaborEntry).join(Worker).where(Worker.name == "张三")))


PROPOSED = "张三今天加班3小时"  # an overtime-only day: proposed, not written


def test_the_same_user_confirms_and_it_is_written_once(
    router_for: Callable[..., Router], session: Session, foreman: User
) -> None:
    router = router_for()
    asked = say(router, foreman, PROPOSED)
    assert not asked.wrote and asked.pending_token and overtime_entries(session) == []
    done = say(router, foreman, "是")
    assert done.wrote, done.text
    assert [(e.days, e.overtime_hours) for e in overtime_entries(session)] == [(Decimal(0), Decimal(3))]
    again = say(router, foreman, "是")  # the yes sent twice: nothing is written again
    assert not again.wrote and len(overtime_entries(session)) == 1


def test_another_user_cannot_confirm_someone_elses_proposal(
    router_for: Callable[..., Router], session: Session, foreman: User, colleague: User
) -> None:
    router = router_for()
    assert say(router, foreman, PROPOSED).pending_token
    other = say(router, colleague, "是")
    assert not other.wrote and overtime_entries(session) == []
    assert say(router, foreman, "是").wrote  # still the proposer's to confirm
    assert len(overtime_entries(session)) == 1


def test_a_proposal_expires_and_says_so(
    router_for: Callable[..., Router], session: Session, foreman: User, clock: Clock
) -> None:
    router = router_for()
    assert say(router, foreman, PROPOSED).pending_token
    clock.now = START + timedelta(minutes=11)
    late = say(router, foreman, "是")
    assert not late.wrote and "过期" in late.text and "10 分钟" in late.text
    assert overtime_entries(session) == []


def test_an_unrelated_message_drops_the_proposal_and_is_handled_as_new(
    router_for: Callable[..., Router], session: Session, foreman: User
) -> None:
    router = router_for()
    assert say(router, foreman, PROPOSED).pending_token
    other = say(router, foreman, "张三昨天一天")
    assert other.wrote, other.text  # handled as a message of its own
    assert not say(router, foreman, "是").wrote  # the dropped proposal can no longer be confirmed
    assert [e.overtime_hours for e in overtime_entries(session)] == [Decimal(0)]


def test_an_answer_completes_the_question_asked(
    router_for: Callable[..., Router], session: Session, foreman: User
) -> None:
    router = router_for()
    asked = say(router, foreman, "张三今天")
    assert not asked.wrote and "干了多少" in asked.text
    done = say(router, foreman, "半天")
    assert done.wrote, done.text
    assert [e.days for e in overtime_entries(session)] == [Decimal("0.5")]


def test_a_yes_arriving_at_two_processes_at_once_is_written_once(
    db_url: str, router_for: Callable[..., Router], session: Session, foreman: User
) -> None:
    """Two routers with engines of their own (as two bot processes) receive the same confirmation at once."""
    first_engine, second_engine = make_engine(db_url), make_engine(db_url)
    try:
        routers = [router_for(first_engine), router_for(second_engine)]
        assert say(routers[0], foreman, PROPOSED).pending_token
        barrier = threading.Barrier(2)
        replies: list[Reply] = []

        def confirm(router: Router) -> None:
            barrier.wait()
            replies.append(say(router, foreman, "是"))

        threads = [threading.Thread(target=confirm, args=(r,)) for r in routers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(replies) == 2
        assert sum(r.wrote for r in replies) == 1, [r.text for r in replies]
        session.rollback()
        assert session.scalar(select(func.count(LaborEntry.id))) == 1
    finally:
        first_engine.dispose()
        second_engine.dispose()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_write_a_proposal_can_hold_is_said_in_words_never_as_a_tool_call(lang: str) -> None:
    """A proposal shows what will be written in the user's words (an edited message's undo included)."""
    from datetime import date

    from bot.dialogue.describe import describe_call
    from tools import REGISTRY
    from tools.base import Call

    examples = {
        "log_labor": {"worker": "张三", "days": "1"},
        "log_piece_work": {"worker": "张三", "item": "贴砖", "quantity": "120", "unit": "平", "unit_price": "35"},
        "record_advance": {"worker": "张三", "amount": "500"},
        "settle_wages": {"worker": "张三", "amount": "500"},
        "add_cost": {"category": "materials", "amount": "3000"},
        "record_fund": {"direction": "in", "amount": "10000"},
        "update_task_progress": {"task": "砌体", "percent": "40"},
        "add_worker": {"name": "王五", "daily_rate": "350", "trade": "木工"},
        "set_worker_rate": {"worker": "张三", "daily_rate": "380", "start": "2026-11-20", "reprice": True},
        "add_task": {"name": "抹灰", "planned_start": "2026-12-01", "planned_finish": "2026-12-20"},
        "mark_task": {"task": "砌体", "event": "finished"},
        "add_counterparty": {"name": "宏达建材"},
        "undo_last": {"batch": "d7e46d7b80164c289aaca6a12c39cc43"},
    }
    writes = {name for name, spec in REGISTRY.items() if spec.writes}
    assert writes == set(examples), "a new write tool needs its words in bot/dialogue/describe.py"
    for name, args in examples.items():
        said = describe_call(Call(name, args), lang, date(2026, 11, 25))
        assert name not in said and "=" not in said and "d7e46d7b" not in said, said
