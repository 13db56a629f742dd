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
from tools.base import Context, ToolError
from tools.team import create_invite, join

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
