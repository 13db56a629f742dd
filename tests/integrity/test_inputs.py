"""Hostile or careless input at the edges: invisible characters, dates ahead, overlong text, strangers with a model.

Each goes through the entry point a user reaches (the router every channel uses, the `sitebot` command line), on
SQLite and on PostgreSQL (where a NUL in text fails the write outright).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app import build_services, local_today
from bot.cli import main
from bot.router import STRANGER, Incoming, Router
from bot.settings import Settings
from storage.db import make_session_factory
from storage.models import AuditLog, ConversationTurn, CostEntry, Project, Role, User
from tests.conftest import TODAY
from tests.support.factories import Factory
from tests.support.fake_openai import FakeOpenAI, text
from tools import run_tool

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
INVISIBLE = ("\x00", "\u202e", "\u200b", "\u200d", "\ufeff", "\u2066")


@pytest.fixture
def site(make: Factory) -> Project:
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.worker("张三", 300)
    make.task(project, "砌体工程")
    return project


def say(db_url: str, user: User, message: str, **overrides: Any) -> Any:
    from storage.db import make_engine

    engine = make_engine(db_url)
    try:
        router = Router(make_session_factory(engine), agent=None, clock=lambda: NOW)
        incoming = Incoming(text=message, user_id=user.id, chat_key="tg:-1", project_code="SG3", today=TODAY)
        for key, value in overrides.items():
            setattr(incoming, key, value)
        return router.handle(incoming)
    finally:
        engine.dispose()


# -- invisible characters ---------------------------------------------------------------------------


def test_nul_direction_and_zero_width_characters_never_reach_the_database(
    db_url: str, session: Session, make: Factory, site: Project
) -> None:
    buyer = make.user("采购小周", project=site, role=Role.finance)
    message = "/cost 材料 8000 钢\x00筋\u202e螺纹\u200b钢 沙\u200d钢\ufeff供应\u2066"

    reply = say(db_url, buyer, message)

    assert reply.wrote, reply.text  # PostgreSQL refuses a NUL in text: before cleaning, this write failed
    session.rollback()
    [cost] = session.scalars(select(CostEntry)).all()
    stored = [
        cost.note or "",
        cost.vendor or "",
        *session.scalars(select(AuditLog.source_text)),
        *session.scalars(select(AuditLog.summary)),
        *session.scalars(select(ConversationTurn.text)),
    ]
    assert "钢筋" in (cost.note or "")
    assert not [text for text in stored if any(ch in text for ch in INVISIBLE)], stored
    assert not any(ch in reply.text for ch in INVISIBLE)


# -- dates ahead --------------------------------------------------------------------------------------

TOMORROW = (TODAY + timedelta(days=1)).isoformat()
WRITES = [
    ("log_labor", {"worker": "张三", "days": "1"}),
    ("record_advance", {"worker": "张三", "amount": "100"}),
    ("settle_wages", {"worker": "张三", "amount": "100"}),
    ("add_cost", {"category": "materials", "amount": "100"}),
    ("record_fund", {"direction": "in", "amount": "100"}),
    ("update_task_progress", {"task": "砌体工程", "percent": "10"}),
]


@pytest.mark.parametrize(("tool", "args"), WRITES, ids=[w[0] for w in WRITES])
def test_a_record_dated_tomorrow_is_refused_by_every_write(
    tool: str, args: dict[str, Any], session: Session, make: Factory, site: Project
) -> None:
    result = run_tool(make.ctx(project=site), tool, {**args, "date": TOMORROW})
    assert not result.ok and f"日期 {TOMORROW} 在未来，不能记录" in result.text
    session.rollback()
    assert session.scalar(select(func.count(AuditLog.id))) == 0


def test_a_message_dated_tomorrow_records_nothing(db_url: str, session: Session, make: Factory, site: Project) -> None:
    manager = make.user("老王", project=site, role=Role.manager)
    for message in ("张三明天一个工", f"/log 张三 1 {TOMORROW}", f"/cost 材料 100 {TOMORROW}"):
        reply = say(db_url, manager, message)
        assert not reply.wrote, (message, reply.text)
    session.rollback()
    assert session.scalar(select(func.count(AuditLog.id))) == 0


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The command line on the test's database: no model, no token, no .env."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITEBOT_DATABASE_URL", db_url)
    for name in ("OPENAI_API_KEY", "SITEBOT_LLM_API_KEY", "SITEBOT_LLM_BASE_URL", "SITEBOT_TELEGRAM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    yield db_url


def test_chat_with_today_in_the_future_is_refused_with_exit_2(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tomorrow = local_today(Settings(_env_file=None)) + timedelta(days=1)  # type: ignore[call-arg]
    monkeypatch.setattr("sys.stdin", io.StringIO("张三今天一个工\n"))
    assert main(["chat", "--today", tomorrow.isoformat()]) == 2
    out, err = capsys.readouterr()
    assert f"--today {tomorrow.isoformat()} is in the future" in err and out == ""
    assert main(["chat", "--today", "2030-01-01"]) == 2


# -- overlong text ---------------------------------------------------------------------------------


def test_parse_of_a_5000_character_message_answers_with_a_question_not_a_plan(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    message = "张三昨天一个工" + "，辛苦了" * 1250  # a write, then 5,000 characters
    assert len(message) > 5000
    assert main(["parse", message, "--json", "--project", "SG3", "--today", "2026-11-25"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["calls"] == [] and "消息太长了" in answer["question"]


# -- strangers -------------------------------------------------------------------------------------


def test_a_strangers_messages_cost_no_model_call(db_url: str, session: Session, make: Factory, site: Project) -> None:
    stranger = make.user("路人", telegram_id=424242)  # known by Telegram id, member of nothing
    member = make.user("小李", project=site, role=Role.foreman)
    with FakeOpenAI().serve() as fake:
        fake.always(text("我可以帮你记工、记账、查预算。"))
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=db_url,
            llm_api_key="test",
            llm_base_url=fake.base_url,
            llm_model="fake",
            llm_timeout=5,
            llm_max_retries=0,
        )
        services = build_services(settings, clock=lambda: NOW)
        try:
            router = services.router
            for message, addressed in (("帮我看看上个月谁最辛苦", True), ("张三干得怎么样", False), ("记一下", True)):
                incoming = Incoming(
                    text=message, user_id=stranger.id, chat_key="tg:-5", today=TODAY, addressed=addressed
                )
                reply = router.handle(incoming)
                assert reply.model_calls == 0 and not reply.wrote
                assert reply.text == (STRANGER.render("zh") if addressed else "")
            assert fake.calls == 0
            # the same words from a member do reach the model: the stranger's were stopped before it
            incoming = Incoming(text="帮我看看上个月谁最辛苦", user_id=member.id, chat_key="tg:-5", today=TODAY)
            assert router.handle(incoming).model_calls == 1 and fake.calls == 1
        finally:
            services.engine.dispose()
    session.rollback()
    kept = session.scalars(select(ConversationTurn.user_id)).all()
    assert stranger.id not in kept  # nothing of the stranger's is kept for the model either
