"""The offline parser: free text in Chinese or English → planned tool calls, with no network and no model.

`parse_text(text, Lexicon.load(session), today=..., project_code=..., language=...)` returns a Plan; see analysis.py
for how a message is read, rules.py for how its action is decided and checked (labour.py, money.py, progress.py and
reads.py plan each kind), clauses.py for messages of several actions, numbers.py, dates.py and clocks.py for the
values, questions.py for what it asks, lexicon.py for the names.
"""

from bot.parser.clauses import parse_text
from bot.parser.lexicon import Lexicon
from bot.parser.plan import Plan

__all__ = ["Lexicon", "Plan", "parse_text"]
