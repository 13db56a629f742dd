"""Abuse and cost limits in the router (so in every channel): the message rate, the message length, the daily
model tokens (counted from the model's usage, in the database, so every process shares them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app import build_services
from bot.limits import MODEL_CAP, SLOW_DOWN
from bot.router import NOT_UNDERSTOOD, Incoming, Reply
from bot.services import Services
from bot.settings import Settings
from storage.demo import load_demo
from storage.models import ConversationTurn, LaborEntry, LlmUsage, User
from tests.support.fake_openai import FakeOpenAI, text

TODAY = date(2026, 11, 25)


class Clock:
    """The controllable clock: starts at 10:00 in Shanghai on the suite's day."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def services_with(db_url: str, clock: Clock, **values: Any) -> Services:
    settings = Settings(_env_file=None, database_url=db_url, **values)  # type: ignore[call-arg]
    return build_services(settings, clock=clock)


@pytest.fixture
def demo(session: Session) -> Session:
    load_demo(session, TODAY)
    return session


def uid(session: Session, name: str) -> int:
    return session.scalar(select(User.id).where(User.name == name)) or 0


def say(services: Services, session: Session, words: str, *, user: str = "老王") -> Reply:
    return services.router.handle(
        Incoming(text=words, user_id=uid(session, user), chat_key=f"test:{user}", project_code="SG3")
    )


def labour_rows(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count(LaborEntry.id))) or 0


# -- the message rate ---------------------------------------------------------------------------------


def test_over_the_rate_a_user_is_told_once_politely_then_ignored_until_the_minute_passes(
    db_url: str, demo: Session, clock: Clock
) -> None:
    services = services_with(db_url, clock, rate_limit_per_minute=3)
    try:
        for _ in range(3):
            assert "SG3" in say(services, demo, "预算还剩多少").text
            clock.advance(seconds=5)
        told = say(services, demo, "预算还剩多少")
        assert told.text == SLOW_DOWN.zh.format(limit=3) and told.outcome == "limited"
        rows = labour_rows(demo)
        for _ in range(3):  # silence: no reply, nothing written, nothing kept
            clock.advance(seconds=5)
            quiet = say(services, demo, "李四今天一个工")
            assert quiet.text == "" and not quiet.wrote
        assert labour_rows(demo) == rows
        other = say(services, demo, "budget status", user="Alice")  # another user is not slowed
        assert "RW" in other.text
        clock.advance(seconds=41)  # the first message is now more than a minute old
        again = say(services, demo, "李四今天一个工")
        assert again.wrote and labour_rows(demo) == rows + 1
    finally:
        services.engine.dispose()


def test_the_notice_is_in_english_for_an_english_message(db_url: str, demo: Session, clock: Clock) -> None:
    services = services_with(db_url, clock, rate_limit_per_minute=1)
    try:
        say(services, demo, "budget status", user="Alice")
        assert say(services, demo, "budget status", user="Alice").text == SLOW_DOWN.en.format(limit=1)
    finally:
        services.engine.dispose()


def test_a_rate_of_zero_means_no_limit(db_url: str, demo: Session, clock: Clock) -> None:
    services = services_with(db_url, clock, rate_limit_per_minute=0)
    try:
        assert all("SG3" in say(services, demo, "预算还剩多少").text for _ in range(25))
    finally:
        services.engine.dispose()


# -- the message length ---------------------------------------------------------------------------------


def test_a_message_over_the_length_limit_is_refused_clearly_and_nothing_is_written_or_kept(
    db_url: str, demo: Session, clock: Clock
) -> None:
    services = services_with(db_url, clock, max_message_chars=40)
    try:
        rows = labour_rows(demo)
        turns = demo.scalar(select(func.count(ConversationTurn.id)))
        reply = say(services, demo, "李四今天一个工，" + "备注" * 30)
        assert reply.text == "消息太长了（最多 40 字），什么都没有记录。" and reply.outcome == "too_long"
        assert labour_rows(demo) == rows
        assert demo.scalar(select(func.count(ConversationTurn.id))) == turns
        assert say(services, demo, "李四今天一个工").wrote  # a short one goes through
    finally:
        services.engine.dispose()


# -- the daily model tokens -----------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    with server.serve():
        yield server
    assert not server.unexpected, server.unexpected


def with_model(db_url: str, clock: Clock, fake: FakeOpenAI, **values: Any) -> Services:
    return services_with(
        db_url,
        clock,
        llm_api_key="test-key",
        llm_base_url=fake.base_url,
        llm_model="fake-model",
        llm_timeout=5,
        llm_max_retries=0,
        **values,
    )


def used(session: Session, name: str) -> tuple[int, bool] | None:
    session.rollback()
    row = session.scalars(select(LlmUsage).where(LlmUsage.user_id == uid(session, name))).first()
    return (row.tokens, row.notified) if row is not None else None


def test_after_the_daily_tokens_the_assistant_works_without_the_model_and_says_so_once(
    db_url: str, demo: Session, clock: Clock, fake: FakeOpenAI
) -> None:
    fake.always(text("我只能帮你记工、记账和查预算。"))  # each answer reports 1,230 tokens used
    first = with_model(db_url, clock, fake, llm_daily_tokens=2000)
    second = with_model(db_url, clock, fake, llm_daily_tokens=2000)  # another process on the same database
    try:
        assert say(first, demo, "明天开会").source == "llm" and fake.calls == 1
        assert used(demo, "老王") == (1230, False)
        assert say(second, demo, "明天开会吗").source == "llm" and fake.calls == 2
        assert used(demo, "老王") == (2460, False)

        told = say(second, demo, "明天开会").text  # over the cap, and this process never called the model for him
        assert told.startswith(MODEL_CAP.zh) and NOT_UNDERSTOOD.zh in told and fake.calls == 2
        quiet = say(first, demo, "明天开会").text
        assert quiet == NOT_UNDERSTOOD.zh and fake.calls == 2  # said once: not again
        assert say(first, demo, "李四今天一个工").wrote  # the rules and commands still work
        assert used(demo, "老王") == (2460, True)

        assert say(first, demo, "天气如何", user="Alice").source == "llm"  # another user has their own day
        assert fake.calls == 3

        clock.advance(days=1)
        assert say(first, demo, "明天开会").source == "llm" and fake.calls == 4  # a new day
    finally:
        first.engine.dispose()
        second.engine.dispose()


def test_a_cap_of_zero_means_no_cap_and_tokens_are_still_counted(
    db_url: str, demo: Session, clock: Clock, fake: FakeOpenAI
) -> None:
    fake.always(text("好的。"))
    services = with_model(db_url, clock, fake, llm_daily_tokens=0)
    try:
        for n in range(1, 4):
            assert say(services, demo, f"随便聊聊{n}").source == "llm"
        assert fake.calls == 3 and used(demo, "老王") == (3 * 1230, False)
    finally:
        services.engine.dispose()


# -- the same limits in Telegram ----------------------------------------------------------------------------


async def test_in_telegram_the_notice_is_sent_once_and_the_rest_get_no_reply(
    db_url: str, demo: Session, clock: Clock
) -> None:
    from telegram import Update

    from bot.app import build_application
    from tests.support.fake_telegram import FakeTelegram, message_update

    user = demo.get(User, uid(demo, "老王"))
    assert user is not None
    user.telegram_id = 4242
    demo.commit()
    with FakeTelegram() as api:
        services = services_with(
            db_url, clock, rate_limit_per_minute=2, telegram_token=api.token, telegram_api_url=api.api_url
        )
        application = build_application(services)
        try:
            async with application:
                for n in range(1, 6):
                    update = Update.de_json(message_update(n, "/help", user_id=4242), application.bot)
                    await application.update_queue.put(update)
                    application.update_queue.get_nowait()
                    await application.process_update(update)
                    await application.bot_data.workers.drain()
        finally:
            services.engine.dispose()
        sent = api.sent_texts()
    assert len(sent) == 3 and sent[2] == SLOW_DOWN.zh.format(limit=2)  # two answers, one notice, then nothing
