"""What flows between the channels and the router: a message in (Incoming), a reply out (Reply, with its buttons),
the channel's part in the write transaction (Delivery), what understanding decided (Outcome) and what the writes
could have changed (Moved, checked for immediate alerts after the commit)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

from sqlalchemy.orm import Session

from bot.parser import Plan
from storage.models import PendingAction, Role
from tools.base import ALERT_SECTIONS, REGISTRY, Attachment, Call, Context, Result

Source = Literal["command", "rules", "llm", "none", "dialogue"]

CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str, fallback: str) -> Literal["zh", "en"]:
    """The language a message is written in: any Chinese → zh; Latin words only → en."""
    if CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return "en" if fallback == "en" else "zh"


@dataclass
class Incoming:
    """A message from any channel, with who sent it and where."""

    text: str
    user_id: int
    chat_key: str  # "tg:<chat id>" or "term:<user>"
    project_code: str | None = None  # the chat's default project
    today: date | None = None  # set by tests and `--today`; else the clock in the project's timezone
    message_ref: str | None = None  # "<chat key>:<message id>" of this message (of the original, for an edit)
    reply_to_ref: str | None = None  # the message it replies to (a proposal shown earlier)
    edited: bool = False  # the user edited an earlier message: message_ref names it
    addressed: bool = True  # said to the assistant (not group chatter): unclear chatter gets no reply, no model
    preferred: str | None = None  # the user's own setting where the channel has one (Telegram's language_code)
    action: str | None = None  # a pressed button's action ("yes:<token>", "no:<token>", "pick:<token>:<n>")
    language: Literal["zh", "en"] | None = None  # the chat's language when it has one: every reply uses it
    bound: bool = False  # a group chat bound to project_code: nothing of another project is read or written there


@dataclass(frozen=True)
class Button:
    """An inline button: what it says and the opaque action the channel sends back when it is pressed."""

    label: str
    action: str


@dataclass
class Reply:
    text: str
    source: Source
    attachments: list[Attachment] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    model_calls: int = 0
    buttons: list[list[Button]] = field(default_factory=list)
    pending_token: str | None = None  # the proposal or question this reply shows
    undo_batch: str | None = None  # the write batch this reply reports (its undo button)
    wrote: bool = False
    handled: bool = True  # False: the channel had already handled this message, and nothing was done again
    notice: bool = False  # the text is for the one who pressed a button only; nothing changed in the chat
    outcome: str = ""  # what happened, for logs and metrics (see bot.observe.outcome_of)
    project: str | None = None  # the project the message was about, for logs
    moved: Moved | None = None  # what the writes could have changed: checked for immediate alerts after the commit
    alerts: int = 0  # immediate alerts queued for it (by handle, unless the channel asked to check them itself)


@dataclass(frozen=True)
class Moved:
    """What a message's writes could have changed, per project (alert sections), and when and by whom."""

    user_id: int | None  # who wrote (None: an import from the command line)
    today: date
    now: datetime
    sections: dict[str, frozenset[str]]
    checks: tuple[int, ...] = ()  # the alert_check rows kept for it in the write's transaction (done by the check)


def moved_by(ctx: Context, results: list[Result]) -> Moved | None:
    """What a message's writes could have changed: per project, the alert sections of the tools that wrote."""
    sections: dict[str, set[str]] = {}
    for result in results:
        if result.wrote and result.data.get("project"):
            spec = REGISTRY.get(result.tool or "")
            sections.setdefault(str(result.data["project"]), set()).update(spec.moves if spec else ALERT_SECTIONS)
    moved = {code: frozenset(found) for code, found in sections.items() if found}
    return Moved(ctx.user.id, ctx.today, ctx.now, moved) if moved else None


class Delivery(Protocol):
    """How a channel takes part in a message's write transaction."""

    def claim(self, session: Session) -> bool:
        """First in the transaction: False when the message was already handled (nothing is done again)."""
        ...

    def record(self, session: Session, reply: Reply) -> None:
        """Last before commit: keep the reply (an outbox row), so it is sent even after a crash."""
        ...


@dataclass
class Outcome:
    """What understanding a message decided; the write step carries it out."""

    source: Source = "none"
    text: str = ""  # what to say when nothing runs (help, a question, a refusal)
    run: list[Call] = field(default_factory=list)  # calls for the write step
    results: list[Result] = field(default_factory=list)  # reads already answered in the read step
    propose: list[Call] = field(default_factory=list)  # calls to show and wait for a yes
    reason: str = ""  # why a proposal is asked (shown above it)
    roles: frozenset[Role] | None = None  # who else may confirm the proposal
    ask: Plan | None = None  # a question to keep open (slot, choices)
    origin: str = ""  # the message a proposal or question is about
    origin_ref: str | None = None  # that message's ref, when it is not this one (an answer to a question about it)
    close: tuple[int, str] | None = None  # an open item to close: (id, status)
    confirm: PendingAction | None = None  # a proposal being confirmed (its calls are in run)
    model_calls: int = 0
    tokens: int = 0  # model tokens this message used (counted against the user's day)
    cap_told: bool = False  # this reply tells the user the day's model allowance is used up
    chain: int = 0  # how many questions in a row this message has had
    remember: bool = True  # False for a stranger, an empty or an oversized message: nothing is kept
    notice: bool = False  # a button press refused or stale: said to the presser only
    outcome: str = ""  # a refusal before understanding: "limited" (too many messages) or "too_long"
