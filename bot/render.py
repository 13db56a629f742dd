"""Pure formatting for Telegram: message splitting, mention clean-up, language choice, documents.

Replies go out as plain text (no parse_mode), so nothing a user or a tool wrote can break the
markup and nothing needs escaping; tables stay readable as aligned lines.
"""

from __future__ import annotations

import re
from typing import Literal

from telegram import InputFile

from tools.base import Attachment

MAX_MESSAGE = 4096  # Telegram's limit, counted in UTF-16 code units
MAX_DOCUMENT = 50 * 1024 * 1024  # what the Bot API accepts from a bot upload


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP (emoji) count twice."""
    return len(text.encode("utf-16-le")) // 2


def _hard_split(line: str, limit: int) -> list[str]:
    """Cut one over-long line into pieces of at most limit UTF-16 units, never inside a character."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current:
        pieces.append("".join(current))
    return pieces


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Messages of at most limit units, cut at line ends; a single over-long line is cut hard.

    Blank text gives no message (Telegram rejects empty ones).
    """
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _hard_split(line, limit) if utf16_len(line) > limit else [line]:
            width = utf16_len(piece)
            added = width + (1 if current else 0)  # the newline joining it to the chunk
            if current and size + added > limit:
                chunks.append("\n".join(current))
                current, size, added = [], 0, width
            current.append(piece)
            size += added
    if current:
        chunks.append("\n".join(current))
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


def clean_text(text: str, bot_username: str | None) -> str:
    """The message without the bot's @mention: "/budget@site_bot SG3" → "/budget SG3"."""
    if not bot_username:
        return text.strip()
    mention = re.compile(rf"@{re.escape(bot_username)}\b", re.IGNORECASE)
    return re.sub(r"[ \t]{2,}", " ", mention.sub("", text)).strip()


def pick_language(*preferences: str | None) -> Literal["zh", "en"]:
    """The first stated preference that is a language we speak; Telegram codes like "zh-hans" count."""
    for preference in preferences:
        if not preference:
            continue
        code = preference.lower()
        if code.startswith("zh"):
            return "zh"
        if code.startswith("en"):
            return "en"
    return "zh"


def telegram_name(first_name: str | None, last_name: str | None, username: str | None, user_id: int) -> str:
    """A display name for a new member: full name, else @username, else tg<id>."""
    full = " ".join(part for part in (first_name, last_name) if part).strip()
    return full or (f"@{username}" if username else f"tg{user_id}")


def document(attachment: Attachment) -> InputFile | None:
    """An attachment as a Telegram document, or None when it is too large to upload."""
    if len(attachment.content) > MAX_DOCUMENT:
        return None
    return InputFile(attachment.content, filename=attachment.filename)


def file_url(api_url: str) -> str:
    """The Bot API file URL next to the method URL: …/bot → …/file/bot."""
    index = api_url.rfind("/bot")
    if index < 0:
        return api_url.rstrip("/") + "/file/bot"
    return f"{api_url[:index]}/file{api_url[index:]}"


_COMMAND_RE = re.compile(r"^\s*/([A-Za-z_]+)(?:@(\w+))?(?:\s|$)")


def command_of(text: str, bot_username: str | None) -> str | None:
    """The command a message starts with ("/project@site_bot SG3" → "project"), or None; one addressed to
    another bot (/start@other_bot) is not ours."""
    match = _COMMAND_RE.match(text)
    if match is None:
        return None
    if match[2] and bot_username and match[2].casefold() != bot_username.casefold():
        return None
    return match[1].casefold()


def mentions(text: str, bot_username: str | None) -> bool:
    """Whether a message mentions the bot by its @username."""
    return bool(bot_username) and re.search(rf"@{re.escape(bot_username or '')}\b", text, re.IGNORECASE) is not None


def language_or_none(value: str | None) -> Literal["zh", "en"] | None:
    """A chat's language setting, when it has one."""
    if not value:
        return None
    return "zh" if value.lower().startswith("zh") else "en" if value.lower().startswith("en") else None
