"""Name keys and the change marker: kept by the session itself, seen by every process at its next message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from bot.parser.lexicon import Lexicon, fold
from storage.db import alembic_config, make_engine, make_session_factory
from storage.demo import load_demo
from storage.models import NameKey, Project, ProjectWorker, User, Worker
from storage.names import key_rows, marker, project_names, worker_names
from tests.support.factories import Factory
from tools import resolve
from tools.base import Context, ToolError

TODAY = date(2026, 11, 25)


@pytest.fixture
def other(db_url: str) -> Iterator[Engine]:
    """A second engine on the same database: another process, with its own connections and caches."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _ctx(session: Session) -> Context:
    admin = session.scalars(select(User).where(User.name == "admin")).one()
    return Context(session=session, user=admin, today=TODAY, project_code="P1")


def _worker_hits(session: Session, message: str) -> list[str]:
    return [hit.value for hit in Lexicon.load(session).find_workers(fold(message))]


def _keys(session: Session) -> set[tuple[str, int, int, str, str, str, str]]:
    rows = session.scalars(select(NameKey))
    return {(k.kind, k.ref_id, k.position, k.name, k.norm, k.pinyin, k.initials) for k in rows}


def _expected_keys(session: Session) -> set[tuple[str, int, int, str, str, str, str]]:
    """The keys every worker and project should have, computed from the rows themselves."""
    rows = []
    for w in session.scalars(select(Worker)):
        rows += key_rows("worker", w.id, worker_names(w.name, w.aliases, w.id_tail))
    for p in session.scalars(select(Project)):
        rows += key_rows("project", p.id, project_names(p.code, p.name, p.aliases))
    return {tuple(r.values()) for r in rows}  # type: ignore[misc]


def test_a_rename_and_an_alias_made_by_one_process_are_seen_by_the_next_message_of_another(
    make: Factory, session: Session, other: Engine
) -> None:
    project = make.project(code="P1")
    worker = make.worker("张三", 350)
    make.worker("李四", 380)
    make.ctx()  # and its administrator
    theirs = make_session_factory(other)
    with theirs() as elsewhere:  # the other process has warm caches: lexicon and fuzzy index
        assert _worker_hits(elsewhere, "张三和李四今天干了一天") == ["张三", "李四"]
        assert resolve.worker(_ctx(elsewhere), "张三").id == worker.id
        with pytest.raises(ToolError, match="李四"):
            resolve.worker(_ctx(elsewhere), "李思")  # a homophone, offered from the fuzzy index
    before = marker(session)

    worker.name, worker.aliases = "张大山", ["大山"]
    session.commit()
    assert marker(session) == before + 1

    with theirs() as elsewhere:
        assert _worker_hits(elsewhere, "张大山和大山，还有张三") == ["张大山", "张大山"]
        ctx = _ctx(elsewhere)
        assert resolve.worker(ctx, "大山").id == worker.id
        assert resolve.worker(ctx, "zhangdashan", elsewhere.get(Project, project.id)).id == worker.id
        with pytest.raises(ToolError) as refused:
            resolve.worker(ctx, "张三")  # the old name is gone, and the near one is offered
        assert "张大山" in refused.value.render("zh")
        with pytest.raises(ToolError) as refused:
            resolve.worker(ctx, "张大删")
        assert "你是说：张大山" in refused.value.render("zh")


def test_a_worker_booked_on_a_project_by_one_process_is_found_there_by_another(
    make: Factory, session: Session, other: Engine
) -> None:
    here, there = make.project(code="P1"), make.project(code="P2")
    worker = make.worker("王五", 300, projects=[there])
    make.ctx()
    theirs = make_session_factory(other)
    with theirs() as elsewhere, pytest.raises(ToolError):
        resolve.worker(_ctx(elsewhere), "王五", elsewhere.get(Project, here.id))
    session.add(ProjectWorker(project_id=here.id, worker_id=worker.id))
    session.commit()
    with theirs() as elsewhere:
        assert resolve.worker(_ctx(elsewhere), "王五", elsewhere.get(Project, here.id)).id == worker.id


def test_the_marker_moves_only_when_a_name_change_commits(make: Factory, session: Session, other: Engine) -> None:
    make.project(code="P1")
    worker = make.worker("张三", 350, aliases=["老张"])
    make.ctx()
    theirs = make_session_factory(other)
    with theirs() as elsewhere:
        assert _worker_hits(elsewhere, "老张") == ["张三"]
    start = marker(session)
    session.commit()

    worker.name = "张小三"
    session.flush()
    with theirs() as elsewhere:
        assert marker(elsewhere) == start  # not before the commit
    session.rollback()
    assert marker(session) == start  # a rolled-back rename moves nothing
    with theirs() as elsewhere:
        assert _worker_hits(elsewhere, "张三和张小三") == ["张三"]
        assert resolve.worker(_ctx(elsewhere), "老张").name == "张三"  # its keys were rolled back with it

    worker.daily_rate = 400  # not a name: every cache stays valid
    session.commit()
    assert marker(session) == start

    worker.aliases = ["老张", "三哥"]
    session.commit()
    with theirs() as elsewhere:
        assert marker(elsewhere) == start + 1
        assert _worker_hits(elsewhere, "三哥") == ["张三"]


def test_a_lexicon_read_inside_a_write_sees_its_names_but_does_not_keep_them(make: Factory, session: Session) -> None:
    make.project(code="P1")
    make.worker("张三", 350)
    assert _worker_hits(session, "赵六") == []
    session.commit()
    session.add(Worker(name="赵六", aliases=[], daily_rate=300))
    assert _worker_hits(session, "赵六") == ["赵六"]  # this transaction's own worker
    session.rollback()
    assert _worker_hits(session, "赵六") == []  # and not cached after it was rolled back


def test_keys_follow_every_writer_demo_included(session: Session) -> None:
    assert load_demo(session, TODAY)
    assert _keys(session) == _expected_keys(session)
    worker = session.scalars(select(Worker).order_by(Worker.id)).first()
    assert worker is not None
    worker.id_tail = "1234"  # a name with the tail of a number is a name too
    passing = Worker(name="临时工", aliases=["小临"], daily_rate=200)
    session.add(passing)
    session.flush()
    assert _keys(session) == _expected_keys(session)
    session.delete(passing)
    session.flush()
    assert _keys(session) == _expected_keys(session)
    session.commit()


def test_the_migration_fills_the_keys_of_existing_names(engine: Engine, session: Session) -> None:
    config = alembic_config(engine)
    command.downgrade(config, "0004_process_lock")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM change_marker"))
        connection.execute(
            text(
                "INSERT INTO worker (name, aliases, daily_rate, id_tail, is_crew, created_at) VALUES "
                "('张三', '[\"老张\"]', 35000, '88', false, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO project (code, name, aliases, timezone, language, currency, hours_per_day, "
                "overtime_mode, budget_thresholds, cash_floor, day_end, created_at) VALUES "
                "('SG3', '滨江花园', '[\"滨江\"]', 'Asia/Shanghai', 'zh', 'CNY', 800, 'folded', '[80, 100]', 0, "
                "'18:00', CURRENT_TIMESTAMP)"
            )
        )
    command.upgrade(config, "head")
    assert _keys(session) == _expected_keys(session)
    assert {k[3] for k in _keys(session)} == {"张三", "老张", "张三88", "张三#88", "SG3", "滨江花园", "滨江"}
    assert marker(session) == 1


def test_keys_follow_the_importer_and_its_names_are_seen_by_another_process(
    session: Session, other: Engine, tmp_path: Path
) -> None:
    from tools.importer import import_file, write_template

    before = marker(session)
    report = import_file(session, write_template(tmp_path / "t.xlsx"), today=TODAY)
    assert report.ok, report.render("en")
    assert _keys(session) == _expected_keys(session)
    assert marker(session) > before
    with make_session_factory(other)() as elsewhere:
        imported = elsewhere.scalars(select(Worker).order_by(Worker.id)).all()
        assert imported
        hits = _worker_hits(elsewhere, "，".join(w.name for w in imported))
        assert hits == [w.name for w in imported]
