"""The model's short memory: last turns per user within a chat, oldest first, bounded in the table."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.memory import KEEP_TURNS, MAX_TURN_CHARS, load_history, remember
from storage.models import ConversationTurn
from tests.support.factories import Factory

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_an_exchange_is_stored_as_user_then_assistant_and_read_back_oldest_first(
    session: Session, make: Factory
) -> None:
    me = make.user().id
    remember(session, "tg:1", me, "张三这个月多少工?", "张三 本月 22 工", now=NOW)
    remember(session, "tg:1", me, "那李四呢?", "李四 本月 20 工", now=NOW)
    session.commit()

    assert load_history(session, "tg:1", me) == [
        ("user", "张三这个月多少工?"),
        ("assistant", "张三 本月 22 工"),
        ("user", "那李四呢?"),
        ("assistant", "李四 本月 20 工"),
    ]


def test_history_is_the_last_few_turns_of_this_user_in_this_chat_only(session: Session, make: Factory) -> None:
    me, other = make.user().id, make.user().id
    for n in range(5):
        remember(session, "tg:1", me, f"q{n}", f"a{n}", now=NOW)
    remember(session, "tg:2", me, "other chat", "other reply", now=NOW)
    remember(session, "tg:1", other, "另一个人说的", "reply to them", now=NOW)
    session.commit()

    history = load_history(session, "tg:1", me, limit=4)

    assert history == [("user", "q3"), ("assistant", "a3"), ("user", "q4"), ("assistant", "a4")]
    assert load_history(session, "tg:3", me) == []
    assert ("user", "另一个人说的") not in load_history(session, "tg:1", me, limit=20)


def test_old_turns_are_pruned_so_a_user_keeps_at_most_twenty_rows_per_chat(session: Session, make: Factory) -> None:
    me = make.user().id
    for n in range(15):
        remember(session, "tg:1", me, f"q{n}", f"a{n}", now=NOW)
    remember(session, "tg:2", me, "keep me", "kept", now=NOW)
    session.commit()

    count = session.scalar(
        select(func.count()).select_from(ConversationTurn).where(ConversationTurn.chat_key == "tg:1")
    )
    assert count == KEEP_TURNS
    assert load_history(session, "tg:1", me, limit=KEEP_TURNS)[0] == ("user", "q5")
    assert load_history(session, "tg:2", me) == [("user", "keep me"), ("assistant", "kept")]


def test_remembered_turns_are_committed_with_the_message_and_seen_by_a_new_session(
    session: Session, make: Factory
) -> None:
    me = make.user().id
    remember(session, "term:admin", me, "hello", "hi", now=NOW)
    session.commit()  # the router commits the turn with the message's writes
    bind = session.get_bind()

    with Session(bind) as other:
        assert load_history(other, "term:admin", me) == [("user", "hello"), ("assistant", "hi")]


def test_a_long_reply_is_cut_before_it_goes_back_to_the_model(session: Session, make: Factory) -> None:
    me = make.user().id
    table = "\n".join(f"工人{n:03d}  22 工  ¥7,700.00" for n in range(200))
    remember(session, "tg:1", me, "汇总", table, now=NOW)

    [_, (role, text)] = load_history(session, "tg:1", me)

    assert role == "assistant"
    assert len(text) == MAX_TURN_CHARS
    assert text.endswith("…")
    assert text.startswith("工人000")
