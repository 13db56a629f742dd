"""Text as it may enter the product: no NUL, no control, direction or zero-width characters.

PostgreSQL refuses NUL in text, and invisible characters (U+202E turns a line around, U+200B hides inside a name)
make a note read differently from what is stored. Every channel's text goes through clean() at the router
(bot.router), and every tool argument through tools.base.ToolArgs, so nothing of the kind is stored from chat or
from a model.
"""

from __future__ import annotations

import unicodedata

_KEPT = frozenset("\n\t")


def clean(text: str) -> str:
    """The text without control and format characters (Cc, Cf, unpaired surrogates), line breaks and tabs kept."""
    return "".join(ch for ch in text if ch in _KEPT or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
