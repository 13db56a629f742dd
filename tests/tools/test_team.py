"""tools.team under concurrency: one single-use invite opened at the same moment by several people makes one
member (a conditional update claims it), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.db import begin_write, make_session_factory
from storage.models import Invite, Membership, Role, User
from tests.support.factories import Factory
from tools import run_tool
from tools.base import Context, ToolError
from tools.team import create_invite, join, remove_member, set_role

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def test_one_invite_opened_at_once_by_four_people_makes_one_member(
    engine: Engine, session: Session, make: Factory
) -> None:
    project = make.project(code="SG3")
    manager = make.user("张经理", project=project, role=Role.manager, telegram_id=1)
    people = [make.user(f"新人{i}", telegram_id=100 + i) for i in range(4)]
    begin_write(session)
    code = create_invite(Context(session=session, user=manager, now=NOW), "SG3", Role.foreman).data["code"]
    session.commit()

    sessions = make_session_factory(engine)
    barrier = threading.Barrier(len(people))
    answers: list[str] = []

    def open_invite(user_id: int) -> None:
        with sessions() as own:
            barrier.wait(30)
            begin_write(own)
            user = own.get(User, user_id)
            assert user is not None
            try:
                answers.append(join(Context(session=own, user=user, now=NOW), code).text)
                own.commit()
            except ToolError as error:
                own.rollback()
                answers.append(error.render("en"))

    threads = [threading.Thread(target=open_invite, args=(p.id,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    session.rollback()
    assert session.scalar(select(func.count(Membership.id)).where(Membership.role == Role.foreman)) == 1
    assert sum(a.startswith("欢迎加入 SG3") for a in answers) == 1
    assert sum("already been used" in a for a in answers) == 3
    invite = session.scalar(select(Invite).where(Invite.code == code))
    assert invite is not None and invite.used_by in {p.id for p in people}


def _ctx(session: Session, user: User) -> Context:
    return Context(session=session, user=user, now=NOW)


def test_an_invite_dies_when_its_sender_is_demoted_or_removed(session: Session, make: Factory) -> None:
    """A manager's unused invites cannot bring them (or anyone) back after they lose the right to invite."""
    project = make.project(code="SG3")
    admin = make.user("管理员", telegram_id=1, is_admin=True)
    manager = make.user("张经理", project=project, role=Role.manager, telegram_id=2)
    newcomer = make.user("新人", telegram_id=3)
    code = create_invite(_ctx(session, manager), "SG3", Role.foreman).data["code"]
    set_role(_ctx(session, admin), "SG3", "张经理", Role.viewer)
    try:
        join(_ctx(session, newcomer), code)
        raise AssertionError("the invite of a demoted manager was used")
    except ToolError as error:
        assert "no longer works" in error.render("en")
    assert session.scalar(select(Membership.id).where(Membership.user_id == newcomer.id)) is None


def test_a_manager_manages_only_members_below_manager(session: Session, make: Factory) -> None:
    project = make.project(code="SG3")
    first = make.user("老王", project=project, role=Role.manager, telegram_id=2)
    second = make.user("张经理", project=project, role=Role.manager, telegram_id=3)
    make.user("工长", project=project, role=Role.foreman, telegram_id=4)
    for attempt in (
        lambda: set_role(_ctx(session, second), "SG3", "老王", Role.viewer),
        lambda: remove_member(_ctx(session, second), "SG3", "老王"),
        lambda: set_role(_ctx(session, second), "SG3", "工长", Role.manager),
        lambda: create_invite(_ctx(session, second), "SG3", Role.manager),
    ):
        try:
            attempt()
            raise AssertionError("a manager acted on a manager's level")
        except ToolError:
            pass
    assert set_role(_ctx(session, second), "SG3", "工长", Role.viewer).ok
    role = session.scalar(select(Membership.role).where(Membership.user_id == first.id))
    assert role == Role.manager


def test_undo_never_takes_back_a_join(session: Session, make: Factory) -> None:
    project = make.project(code="SG3")
    manager = make.user("张经理", project=project, role=Role.manager, telegram_id=2)
    newcomer = make.user("新人", telegram_id=3)
    code = create_invite(_ctx(session, manager), "SG3", Role.foreman).data["code"]
    assert join(_ctx(session, newcomer), code).ok
    session.commit()
    undone = run_tool(Context(session=session, user=newcomer, now=NOW, project_code="SG3"), "undo_last", {})
    assert "membership" not in undone.text
    assert session.scalar(select(Membership.role).where(Membership.user_id == newcomer.id)) == Role.foreman
