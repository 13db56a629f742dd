"""Telegram formatting without a bot: splitting, mentions, language, documents, URLs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.render import (
    MAX_DOCUMENT,
    MAX_MESSAGE,
    clean_text,
    document,
    file_url,
    pick_language,
    split_text,
    telegram_name,
    utf16_len,
)
from tools.base import Attachment


def test_short_text_is_one_message() -> None:
    assert split_text("预算还剩多少") == ["预算还剩多少"]


def test_long_text_splits_at_line_ends_under_the_limit() -> None:
    lines = [f"{i:04d} 李四 1工 ¥380.00" + "。" * 30 for i in range(300)]
    chunks = split_text("\n".join(lines))
    assert len(chunks) > 1
    assert all(utf16_len(chunk) <= MAX_MESSAGE for chunk in chunks)
    assert "\n".join(chunks).split("\n") == lines  # nothing lost, no line cut


def test_a_single_overlong_line_is_cut_hard() -> None:
    chunks = split_text("工" * 10000)
    assert [len(chunk) for chunk in chunks] == [4096, 4096, 1808]


def test_emoji_count_twice_and_are_never_cut_in_half() -> None:
    chunks = split_text("📋" * 3000)
    assert [utf16_len(chunk) for chunk in chunks] == [4096, 1904]
    assert "".join(chunks) == "📋" * 3000


def test_blank_text_sends_nothing() -> None:
    assert split_text("") == []
    assert split_text("\n \n") == []


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12000))
def test_split_never_exceeds_the_limit_and_keeps_every_visible_character(text: str) -> None:
    chunks = split_text(text, limit=500)
    assert all(0 < utf16_len(chunk) <= 500 for chunk in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_bot_mention_is_removed_from_commands_and_text() -> None:
    assert clean_text("/budget@SiteBot_test_bot SG3", "sitebot_test_bot") == "/budget SG3"
    assert clean_text("@sitebot_test_bot  李四今天一个工", "sitebot_test_bot") == "李四今天一个工"
    assert clean_text("@someone_else 你好", "sitebot_test_bot") == "@someone_else 你好"


def test_language_is_the_first_preference_we_speak() -> None:
    assert pick_language(None, "en-GB") == "en"
    assert pick_language("zh", "en") == "zh"
    assert pick_language(None, "zh-hans") == "zh"
    assert pick_language("fr", None) == "zh"


def test_new_member_names() -> None:
    assert telegram_name("Mike", "Chen", "mike", 5) == "Mike Chen"
    assert telegram_name(None, None, "mike", 5) == "@mike"
    assert telegram_name(None, None, None, 5) == "tg5"


def test_attachments_become_documents_unless_too_large() -> None:
    small = document(Attachment("labor.xlsx", b"PK\x03\x04", "application/vnd.ms-excel"))
    assert small is not None and small.filename == "labor.xlsx"
    assert document(Attachment("huge.xlsx", b"0" * (MAX_DOCUMENT + 1), "application/octet-stream")) is None


def test_file_url_sits_next_to_the_method_url() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_url("http://localhost:8081/bot{token}/test") == "http://localhost:8081/file/bot{token}/test"
