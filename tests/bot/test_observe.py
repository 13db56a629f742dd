"""Logs: one line per event with its update, user, chat, project, tool and outcome (JSON with SITEBOT_LOG_JSON=1);
a whole conversation over the real Telegram application and the real model client leaves no token, key or message
text in them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import Application

from bot.app import build_application, build_services
from bot.observe import configure_logging, event
from bot.settings import Settings
from storage.models import Chat, Role
from tests.support.factories import Factory
from tests.support.fake_openai import FakeOpenAI, text, tool_calls
from tests.support.fake_telegram import FakeTelegram, message_update

FOREMAN_TG = 1001
GROUP = -100500
KEY = "sk-test-DO-NOT-LOG-5f2a9c"
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)

SAID = [
    "李四今天一个工",  # the rules write it
    "预算还剩多少",  # a read
    "明天下午三点开协调会",  # the model answers in words
    "帮我给王师傅记一下今天的活",  # the model asks for a write: proposed
    "是",  # confirmed
    "你们的系统密码是多少呢" + "啊" * 60,  # too long
]


class Capture(logging.Handler):
    """Every record as it was logged (before any handler's filter): its message and its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc = logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        self.lines.append(f"{record.name} {record.getMessage()} {exc} {record.__dict__}")


@pytest.fixture
def logs() -> Iterator[tuple[Capture, io.StringIO]]:
    root = logging.getLogger()
    level, before = root.level, list(root.handlers)
    raw = Capture()
    root.addHandler(raw)
    out = io.StringIO()
    yield raw, out
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
    root.setLevel(level)


async def deliver(app: Application[Any, Any, Any, Any, Any, Any], data: dict[str, Any]) -> None:
    update = Update.de_json(data, app.bot)
    await app.update_queue.put(update)
    app.update_queue.get_nowait()
    await app.process_update(update)
    await app.bot_data.workers.drain()


async def test_a_conversation_logs_one_json_line_per_message_and_no_secret_or_text(
    db_url: str, session: Session, make: Factory, logs: tuple[Capture, io.StringIO]
) -> None:
    raw, out = logs
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.budget(project, "labor", 100000)
    make.worker("李四", 380)
    make.worker("王五", 320)
    make.user("老王", project=project, role=Role.foreman, telegram_id=FOREMAN_TG)
    session.add(Chat(telegram_chat_id=GROUP, title="工地群", project_id=project.id, timezone="Asia/Shanghai"))
    session.commit()
    with FakeTelegram() as api, FakeOpenAI().serve() as model:
        model.script(
            text("会议我记不了；我可以帮你记工、记账、查预算。"),
            tool_calls(("log_labor", {"worker": "王五", "days": 1})),
        )
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=db_url,
            telegram_token=api.token,
            telegram_api_url=api.api_url,
            llm_api_key=KEY,
            llm_base_url=model.base_url,
            llm_model="fake-model",
            llm_max_retries=0,
            max_message_chars=50,
            log_json=True,
            log_level="DEBUG",  # even at DEBUG: the libraries' lines pass through the same guard
        )
        configure_logging(settings, stream=out)
        services = build_services(settings, clock=lambda: NOW)
        application = build_application(services)
        try:
            async with application:
                for n, words in enumerate(SAID, 1):
                    await deliver(
                        application, message_update(n, f"@sitebot_test_bot {words}", user_id=FOREMAN_TG, chat_id=GROUP)
                    )
        finally:
            services.engine.dispose()
        assert model.calls == 2, api.sent_texts()
        assert len(api.calls("sendMessage")) == len(SAID)
        token = api.token

    written = out.getvalue()
    lines = [json.loads(line) for line in written.splitlines() if line.startswith("{")]
    assert lines and all(line["message"] for line in lines)
    events = {line["update_id"]: line for line in lines if line["logger"] == "sitebot.event"}
    assert sorted(events) == list(range(1, len(SAID) + 1))  # one line per message, each with its update id
    for line in events.values():
        assert line["chat"] == GROUP and line["user"] and line["outcome"] and "tool" in line
    assert events[1]["tool"] == "log_labor" and events[1]["outcome"] == "written" and events[1]["project"] == "SG3"
    assert events[2]["tool"] == "-" and events[2]["outcome"] == "answered"
    assert events[3]["source"] == "llm" and events[3]["model_calls"] == 1
    assert events[4]["outcome"] == "proposed"
    assert events[5]["tool"] == "log_labor" and events[5]["outcome"] == "written"
    assert events[6]["outcome"] == "too_long"

    # what reached the log, and every record as it was made: no token, no key, no message text
    for where in (written, "\n".join(raw.lines)):
        assert token not in where and token.split(":")[1] not in where
        assert KEY not in where
        for words in [w for w in SAID if len(w) > 1]:  # "是" alone is in too many words to search for
            assert words not in where, words
        assert "会议我记不了" not in where  # nor the model's words


def test_the_text_format_carries_the_event_fields_and_scrubs_a_secret(logs: tuple[Capture, io.StringIO]) -> None:
    _raw, out = logs
    settings = Settings(_env_file=None, telegram_token="123456:SECRET-token-value", log_json=False)  # type: ignore[call-arg]
    configure_logging(settings, stream=out)
    log = logging.getLogger("sitebot.test")
    with event(update_id=42, chat=-7):
        log.info("handled", extra={"user": 3, "project": "SG3", "tool": "log_labor", "outcome": "written"})
        log.warning("a library said https://api.telegram.org/bot123456:SECRET-token-value/getMe")
    first, second = out.getvalue().splitlines()
    assert first.endswith("handled [update_id=42 user=3 chat=-7 project=SG3 tool=log_labor outcome=written]")
    assert "SECRET-token-value" not in second and "bot***/getMe" in second


def test_an_error_that_quotes_the_message_is_logged_without_its_text(
    db_url: str, make: Factory, logs: tuple[Capture, io.StringIO], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.router import Incoming, Router

    _raw, out = logs
    project = make.project(code="SG3", name="阳光花园3号楼")
    user = make.user("老王", project=project, role=Role.foreman)
    settings = Settings(_env_file=None, database_url=db_url, log_json=True)  # type: ignore[call-arg]
    configure_logging(settings, stream=out)
    services = build_services(settings, clock=lambda: NOW)
    words = "把我的银行卡号 6222 0000 1111 记一下"

    def broken(self: Router, ctx: Any, incoming: Incoming) -> Any:
        raise ValueError(f"input_value={incoming.text!r} is not valid")

    monkeypatch.setattr(Router, "_understand", broken)
    try:
        reply = services.router.handle(Incoming(text=words, user_id=user.id, chat_key="t", project_code="SG3"))
    finally:
        services.engine.dispose()
    assert reply.outcome == "error"
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    [failure] = [line for line in lines if line["message"].startswith("understanding a message")]
    assert "ValueError: input_value='***' is not valid" in failure["error"]
    assert words not in out.getvalue()
