"""One message in, one reply out: command → rule parser → LLM agent → "didn't understand".

Every channel (Telegram, terminal) and the CLI's `parse` go through here; all three understanding
paths end in tools.run_calls, so nothing else writes the database.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.memory import load_history, remember
from bot.parser import Lexicon, Plan, parse_text
from storage.models import Project, User
from tools.base import Attachment, Call, Context, Result, Text, run_calls
from tools.resolve import visible_projects

if TYPE_CHECKING:
    from bot.agent import Agent

log = logging.getLogger(__name__)

Source = Literal["command", "rules", "llm", "none"]

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2,}")
_COMMAND = re.compile(r"^\s*/\w+(@\w+)?")  # a command word says nothing of the user's language

NOT_UNDERSTOOD = Text(
    "没看懂这句话，什么都没有记录。可以这样说：\n"
    "· 李四昨天一个工，加班2小时\n· 买钢筋花了8000\n· 砌体工程完成40%\n· 上周点工汇总\n· 预算还剩多少\n"
    "或发送 /help 查看全部命令。",
    "I didn't understand that, and nothing was recorded. Try for example:\n"
    "· Mike Chen worked 1 day yesterday\n· bought rebar for 8000\n· Roofing 40% done\n"
    "· labour summary last week\n· budget status\nor send /help for all commands.",
)
EMPTY = Text("请说点什么，例如：今天张三一个工。", "Say something, e.g. “Mike Chen 1 day today”.")
TOO_LONG = Text(
    "消息太长了（最多 2000 字），什么都没有记录。",
    "That message is too long (2,000 characters at most); nothing was recorded.",
)
MAX_TEXT = 2000


def detect_language(text: str, fallback: str) -> Literal["zh", "en"]:
    """The language a message is written in: any Chinese → zh; Latin words only → en."""
    if _CJK.search(text):
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


@dataclass
class Reply:
    text: str
    source: Source
    attachments: list[Attachment] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    model_calls: int = 0


class Router:
    """Routes a message through the cheapest path that understands it."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        agent: Agent | None = None,
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.sessions = sessions
        self.agent = agent
        self.timezone = timezone
        self.clock = clock or (lambda: datetime.now(UTC))

    # -- planning (also used by `sitebot parse`) -------------------------------------------

    def context(self, session: Session, incoming: Incoming) -> Context:
        user = session.get(User, incoming.user_id)
        if user is None:
            raise LookupError(f"no user {incoming.user_id}")
        now = self.clock()
        ctx = Context(
            session=session,
            user=user,
            project_code=incoming.project_code,
            source_text=incoming.text[:MAX_TEXT],
            now=now,
        )
        project = self._project(session, incoming.project_code)
        if project is None and incoming.project_code is None:
            # A member of exactly one project means that one, wherever they write from.
            visible = visible_projects(ctx)
            if len(visible) == 1:
                project = visible[0]
                ctx.project_code = project.code
        fallback = user.language or (project.language if project else "zh")
        ctx.language = detect_language(_COMMAND.sub("", incoming.text), fallback)
        zone = ZoneInfo(project.timezone if project else self.timezone)
        ctx.today = incoming.today or now.astimezone(zone).date()
        return ctx

    def plan(self, ctx: Context, text: str) -> Plan:
        """The rule-based plan for a message: a slash command or free text."""
        from bot.commands import parse_command

        lexicon = Lexicon.load(ctx.session)
        if text.lstrip().startswith("/"):
            planned = parse_command(
                text, lexicon, today=ctx.today, project_code=ctx.project_code, language=ctx.language
            )
            if isinstance(planned, str):
                return Plan(calls=[], source="command", confident=False, question=planned)
            return planned
        return parse_text(text, lexicon, today=ctx.today, project_code=ctx.project_code, language=ctx.language)

    # -- handling ------------------------------------------------------------------------------

    def handle(self, incoming: Incoming) -> Reply:
        """Answer one message; writes happen only through tools.run_calls."""
        with self.sessions() as session:
            ctx = self.context(session, incoming)
            reply = self._answer(ctx, incoming)
            if incoming.text.strip():
                try:
                    remember(session, incoming.chat_key, incoming.text[:MAX_TEXT], reply.text, now=ctx.now)
                except Exception:  # memory is a convenience: never lose a reply over it
                    session.rollback()
                    log.exception("could not store conversation turn for %s", incoming.chat_key)
            return reply

    def _answer(self, ctx: Context, incoming: Incoming) -> Reply:
        text = incoming.text.strip()
        if not text:
            return Reply(ctx.t(EMPTY), "none")
        if len(text) > MAX_TEXT:
            return Reply(ctx.t(TOO_LONG), "none")
        plan = self.plan(ctx, text)
        if plan.source == "command" and not plan.calls:
            return Reply(plan.question or ctx.t(NOT_UNDERSTOOD), "command")
        if plan.calls and plan.confident:
            return self._run(ctx, plan.calls, plan.source)
        if plan.source == "none" and plan.question:
            return Reply(plan.question, "none")  # a greeting or thanks: answered without a model call
        if self.agent is not None:
            history = load_history(ctx.session, incoming.chat_key)
            answer = self.agent.respond(ctx, text, history=history, hint=plan.calls or None)
            attachments = [a for r in answer.results for a in r.attachments]
            return Reply(answer.text, "llm", attachments, results=answer.results, model_calls=answer.model_calls)
        if plan.question:
            return Reply(plan.question, "none", calls=[])
        return Reply(ctx.t(NOT_UNDERSTOOD), "none")

    def _run(self, ctx: Context, calls: list[Call], source: Source) -> Reply:
        results = run_calls(ctx, calls)
        text = "\n\n".join(r.text for r in results)
        attachments = [a for r in results for a in r.attachments]
        return Reply(text, source, attachments, calls=calls, results=results)

    # -- helpers ---------------------------------------------------------------------------------

    def _project(self, session: Session, code: str | None) -> Project | None:
        if not code:
            return None
        return session.scalar(select(Project).where(Project.code == code))
