"""A question the parser asks is structured: a short answer ("SG3", "是", "7518.75", "人工费", "一天", "张三", a
task's name) completes the original message, and the write is made."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.router import Incoming, Reply
from bot.services import Services
from storage.models import CostEntry, LaborEntry, ProgressUpdate, Project, Task, User, Worker, WorkerPayment

TODAY = date(2026, 11, 25)


def _say(services: Services, session: Session, text: str, project: str | None = "SG3") -> Reply:
    user = session.scalar(select(User.id).where(User.name == "老王"))
    assert user is not None
    return services.router.handle(Incoming(text=text, user_id=user, chat_key="test:slots", project_code=project))


def _labour(session: Session, worker: str, day: date) -> list[LaborEntry]:
    session.rollback()
    return list(
        session.scalars(select(LaborEntry).join(Worker).where(Worker.name == worker, LaborEntry.work_date == day))
    )


def _clear(session: Session, worker: str, day: date) -> None:
    for entry in _labour(session, worker, day):
        session.delete(entry)
    session.commit()


def _costs(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count(CostEntry.id))) or 0


@pytest.fixture
def services(demo_services: Services) -> Services:
    return demo_services


def test_which_project_is_answered_with_its_code(services: Services, session: Session) -> None:
    _clear(session, "张三", TODAY)
    asked = _say(services, session, "张三今天一天", project=None)
    assert "哪个项目" in asked.text and not asked.wrote
    done = _say(services, session, "SG3", project=None)
    assert done.wrote, done.text
    entries = _labour(session, "张三", TODAY)
    sg3 = session.scalar(select(Project.id).where(Project.code == "SG3"))
    assert [(e.project_id, e.days) for e in entries] == [(sg3, Decimal(1))]


@pytest.mark.parametrize("answer", ["是", "张三"])
def test_an_unknown_worker_is_completed_by_yes_or_the_name(services: Services, session: Session, answer: str) -> None:
    _clear(session, "张三", TODAY)
    asked = _say(services, session, "张山今天一天")
    assert "张山" in asked.text and not asked.wrote
    done = _say(services, session, answer)
    assert done.wrote, done.text
    assert [e.days for e in _labour(session, "张三", TODAY)] == [Decimal(1)]


def test_how_much_money_is_completed_by_the_amount(services: Services, session: Session) -> None:
    before = _costs(session)
    asked = _say(services, session, "买钢筋花了")
    assert "多少" in asked.text and not asked.wrote
    done = _say(services, session, "7518.75")
    assert done.wrote, done.text
    assert _costs(session) == before + 1
    newest = session.scalar(select(CostEntry).order_by(CostEntry.id.desc()).limit(1))
    assert newest is not None and newest.amount == Decimal("7518.75") and newest.category == "materials"


@pytest.mark.parametrize(("answer", "category"), [("管理费", "overhead"), ("人工费", "labor")])
def test_which_category_is_completed_by_a_category_word(
    services: Services, session: Session, answer: str, category: str
) -> None:
    asked = _say(services, session, "今天花了3000")
    assert "科目" in asked.text and asked.buttons  # the categories offered as buttons
    done = _say(services, session, answer)
    assert done.wrote, done.text
    session.rollback()
    newest = session.scalar(select(CostEntry).order_by(CostEntry.id.desc()).limit(1))
    assert newest is not None and newest.amount == Decimal(3000) and newest.category == category


def test_how_much_work_is_completed_by_the_days(services: Services, session: Session) -> None:
    day = date(2026, 11, 24)
    _clear(session, "王五", day)
    asked = _say(services, session, "王五昨天来了")
    assert "干了多少" in asked.text
    done = _say(services, session, "一天")
    assert done.wrote, done.text
    assert [e.days for e in _labour(session, "王五", day)] == [Decimal(1)]


def test_which_task_is_completed_by_a_task_name(services: Services, session: Session) -> None:
    asked = _say(services, session, "进度到60%")
    assert "哪个任务" in asked.text
    done = _say(services, session, "砌体工程")
    assert done.wrote, done.text
    session.rollback()
    newest = session.scalar(select(ProgressUpdate).order_by(ProgressUpdate.id.desc()).limit(1))
    task = session.scalar(select(Task.name).where(Task.id == newest.task_id)) if newest else None
    assert newest is not None and task == "砌体工程" and newest.percent == Decimal(60)


def test_a_unit_price_with_no_count_is_completed_by_the_count(services: Services, session: Session) -> None:
    before = _costs(session)
    asked = _say(services, session, "水泥每包25元")
    assert "多少包" in asked.text
    done = _say(services, session, "40包")
    assert done.wrote, done.text
    assert _costs(session) == before + 1
    newest = session.scalar(select(CostEntry).order_by(CostEntry.id.desc()).limit(1))
    assert newest is not None and newest.amount == Decimal(1000)


def test_settling_everything_proposes_what_is_owed_and_pays_it_on_yes(services: Services, session: Session) -> None:
    proposed = _say(services, session, "给张三结清工资")
    assert "未结工资" in proposed.text and proposed.pending_token and not proposed.wrote, proposed.text
    done = _say(services, session, "是")
    assert done.wrote, done.text
    session.rollback()
    paid = session.scalar(select(WorkerPayment).order_by(WorkerPayment.id.desc()).limit(1))
    assert paid is not None and paid.amount > 0


def test_which_worker_is_completed_by_a_name(services: Services, session: Session) -> None:
    _clear(session, "赵六", TODAY)
    asked = _say(services, session, "今天一天")
    assert "哪位工人" in asked.text
    done = _say(services, session, "赵六")
    assert done.wrote, done.text
    assert [e.days for e in _labour(session, "赵六", TODAY)] == [Decimal(1)]
