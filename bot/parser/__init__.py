"""The offline parser: free text in Chinese or English → planned tool calls, with no network and no model.

`parse_text(text, Lexicon.load(session), today=..., project_code=..., language=...)` returns a Plan; see rules.py
for how a message is read, numbers.py and dates.py for the values, lexicon.py for the names.
"""

from bot.parser.lexicon import Lexicon
from bot.parser.plan import Plan
from bot.parser.rules import parse_text

__all__ = ["Lexicon", "Plan", "parse_text"]
