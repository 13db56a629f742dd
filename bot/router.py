"""One message in, one reply out: answer → command → rule parser → LLM agent → "didn't understand".

Every channel (Telegram, terminal) and the CLI's `parse` go through here, and every path ends in tools.base, so
nothing else writes the database. A message is handled in two steps:

1. Understanding, in a read transaction: who writes (a stranger is answered in one sentence and nothing else
   happens), whether the message answers the question or proposal the user has open (bot.dialogue), else the
   plan of a command, the parser or the model. Reads run here.
2. One write transaction (storage.db.begin_write): the channel claims the message (Telegram: its inbox row, so a
   redelivered or replayed update is handled once), the writes run in a savepoint (all or none), a proposal or
   question is stored, the short memory is kept, and the channel records the reply (Telegram: its outbox row).
   All of it commits together, or none of it; a lock conflict runs this step again.

Writes the parser or the model is not sure of are never made: they become a proposal the user confirms with a
yes (or a manager, for an overrun), executed at most once.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot import metrics, observe
from bot.alerts import immediate
from bot.dialogue.answers import Answer, read_answer, yes_or_no
from bot.dialogue.describe import FOOT, FOOT_OPTIONS, FOOT_ROLES, describe_calls
from bot.limits import MODEL_CAP, SLOW_DOWN, RateLimiter, TokenCap
from bot.memory import load_history, remember
from bot.messages import (
    CJK,
    Button,
    Delivery,
    Incoming,
    Moved,
    Outcome,
    Reply,
    Source,
    detect_language,
    moved_by,
)
from bot.parser import Lexicon, Plan, parse_text
from bot.parser.plan import writes
from storage.db import begin_write
from storage.models import PendingAction, Project, Role, User
from storage.queries import pending as pq
from storage.queries.projects import by_code as project_by_code
from tools.base import (
    ATTEMPTS,
    CONFLICT,
    INTERNAL,
    Call,
    Context,
    Proposal,
    Result,
    Retry,
    Text,
    ToolError,
    execute,
    prepare,
)
from tools.fmt import UNDO_HINT
from tools.projects import ROLE_LABELS
from tools.resolve import visible_projects
from tools.sanitize import clean

if TYPE_CHECKING:
    from bot.agent import Agent

log = logging.getLogger(__name__)


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
    "消息太长了（最多 {limit} 字），什么都没有记录。",
    "That message is too long ({limit} characters at most); nothing was recorded.",
)
STRANGER = Text(
    "你还不是任何项目的成员，我不能查看或记录任何内容。请项目经理或管理员给你发一个邀请链接（/invite），打开后就能使用。",
    "You are not a member of any project yet, so I can't show or record anything. Ask a project manager or an "
    "administrator for an invite link (/invite) and open it to join.",
)
CANCELLED = Text("好的，已取消，什么都没有记录。", "OK, cancelled; nothing was recorded.")
EXPIRED = Text(
    "这条确认已经过期（超过 {minutes} 分钟），什么都没有记录。请重新发一次。",
    "That confirmation has expired (after {minutes} minutes); nothing was recorded. Please send it again.",
)
ALREADY_DONE = Text("这条已经处理过了，没有重复记录。", "That was already done; nothing was recorded twice.")
NOT_YOURS = Text(
    "这条确认是{owner}发起的，只有{who}可以确认。", "This proposal is {owner}'s; only {who} can confirm it."
)
NOT_YOURS_WHO = Text("发起人", "the person who sent it")
NO_PENDING = Text("现在没有等待确认的内容。", "There is nothing waiting for a confirmation.")
EDIT_NOTHING = Text(
    "你修改了一条消息；它原来没有记录任何内容，按新内容处理：",
    "You edited a message that had recorded nothing; here is the new one:",
)
EDIT_NO_WRITE = Text(
    "你修改了一条消息，原来记的没有改动：新内容里没有能记录的。要撤回原来的记录请发 /undo。",
    "You edited a message; what it recorded is unchanged, because the new text has nothing to record. To undo "
    "the original, send /undo.",
)
EDIT_REPLACE = Text("你修改了消息，要替换原来记的吗？", "You edited the message. Replace what it recorded?")
EDIT_UNDO = Text("撤回原消息记的内容", "undo what the original message recorded")
ASK_FOOT = Text("（直接回复就行；要做别的也可以直接说。）", "(Just reply; or say something else to move on.)")
MAX_TEXT = 2000
MAX_CHAIN = 3  # questions asked in a row about one message before it is dropped


class Router:
    """Routes a message through the cheapest path that understands it."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        agent: Agent | None = None,
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], datetime] | None = None,
        proposal_minutes: int = 10,
        rate_limit: int = 0,
        max_text: int = MAX_TEXT,
        daily_tokens: int = 0,
    ) -> None:
        self.sessions = sessions
        self.agent = agent
        self.timezone = timezone
        self.clock = clock or (lambda: datetime.now(UTC))
        self.proposal_minutes = proposal_minutes
        self.limiter = RateLimiter(rate_limit)
        self.max_text = max_text
        self.tokens = TokenCap(daily_tokens, timezone)

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
            chat_key=incoming.chat_key,
            message_ref=incoming.message_ref,
            bound_project=incoming.project_code if incoming.bound else None,
        )
        project = self._project(session, incoming.project_code)
        if project is None and incoming.project_code is None:
            # A member of exactly one project means that one, wherever they write from.
            visible = visible_projects(ctx)
            if len(visible) == 1:
                project = visible[0]
                ctx.project_code = project.code
        if incoming.language is not None:
            ctx.language = incoming.language  # the chat's language: help, refusals and errors all in it
        else:
            fallback = user.language or incoming.preferred or (project.language if project else "zh")
            if _COMMAND.match(incoming.text) and not CJK.search(incoming.text):
                # /export labor, /cost 500: command words and figures say nothing of the user's language
                ctx.language = detect_language("", fallback)
            else:
                ctx.language = detect_language(_COMMAND.sub("", incoming.text), fallback)
        zone = ZoneInfo(project.timezone if project else self.timezone)
        ctx.today = incoming.today or now.astimezone(zone).date()
        return ctx

    def plan(self, ctx: Context, text: str, *, project_code: str | None = None) -> Plan:
        """The rule-based plan for a message: a slash command or free text."""
        from bot.commands import parse_command

        code = project_code or ctx.project_code
        lexicon = Lexicon.load(ctx.session)
        if text.lstrip().startswith("/"):
            planned = parse_command(text, lexicon, today=ctx.today, project_code=code, language=ctx.language)
            if isinstance(planned, str):
                return Plan(calls=[], source="command", confident=False, question=planned)
            return planned
        return parse_text(text, lexicon, today=ctx.today, project_code=code, language=ctx.language)

    # -- handling ------------------------------------------------------------------------------

    def handle(self, incoming: Incoming, delivery: Delivery | None = None, *, alerts_later: bool = False) -> Reply:
        """Answer one message: understand it, then write everything it causes in one transaction; then queue the
        immediate alerts its writes started, unless alerts_later (the channel sends the reply first, then calls
        announce(reply.moved))."""
        started = time.perf_counter()
        incoming = replace(incoming, text=clean(incoming.text))
        with observe.event(_text=incoming.text.strip()), self.sessions() as session:  # its text is kept out of logs
            ctx = self.context(session, incoming)
            try:
                outcome = self._understand(ctx, incoming)
            except Exception:
                session.rollback()
                log.exception("understanding a message from user %s failed", incoming.user_id)
                outcome = Outcome(text=ctx.t(INTERNAL), outcome="error")
            reply = self._commit(ctx, incoming, outcome, delivery)
        if reply.moved is not None and not alerts_later:
            reply.alerts = self.announce(reply.moved)
        seconds = time.perf_counter() - started
        observe.message_handled(reply, user_id=incoming.user_id, seconds=seconds)
        metrics.message(observe.outcome_of(reply), observe.route_of(reply), seconds)
        return reply

    # -- step 1: understanding -------------------------------------------------------------------

    def _understand(self, ctx: Context, incoming: Incoming) -> Outcome:
        text = incoming.text.strip()
        pace = self.limiter.check(ctx.user.id, ctx.now)
        if pace != "ok":  # too many messages: told once, then silence until the minute has passed
            said = ctx.t(SLOW_DOWN, limit=self.limiter.per_minute) if pace == "notice" else ""
            return Outcome(source="none", text=said, remember=False, outcome="limited")
        if not text and incoming.action is None:
            return Outcome(text=ctx.t(EMPTY), remember=False)
        if len(text) > self.max_text:
            return Outcome(text=ctx.t(TOO_LONG, limit=self.max_text), remember=False, outcome="too_long")
        if not ctx.user.is_admin and not visible_projects(ctx):
            # a stranger: one sentence when spoken to, none for group chatter; no model, nothing kept
            return Outcome(text=ctx.t(STRANGER) if incoming.addressed else "", remember=False)
        if incoming.action is not None:
            return self._button(ctx, incoming)
        if incoming.edited:
            return self._edit(ctx, incoming, text)
        pending = self._pending_for(ctx, incoming)
        closing: tuple[int, str] | None = None
        if pending is not None:
            answered = self._answer_pending(ctx, incoming, pending, text)
            if answered is not None:
                return answered
            closing = (pending.id, "dropped")  # another message: the open item is dropped
        outcome = self._new_message(ctx, incoming, text)
        outcome.close = outcome.close or closing
        return outcome

    def _new_message(self, ctx: Context, incoming: Incoming, text: str, *, chain: int = 0) -> Outcome:
        plan = self.plan(ctx, text)
        if not incoming.addressed and not plan.calls and not plan.slot:
            return Outcome(remember=False)  # group chatter, a greeting among people: not for the assistant
        outcome = self._from_plan(ctx, plan, text, chain=chain)
        if outcome is not None:
            return outcome
        if not plan.calls and yes_or_no(text) == "yes":
            return Outcome(source="dialogue", text=ctx.t(NO_PENDING), remember=incoming.addressed)
        if not incoming.addressed:  # a site message the rules half read: ask, without a model
            return self._question(plan, text, chain) if plan.question else Outcome(remember=False)
        capped: bool | None = None
        if self.agent is not None:
            capped = self.tokens.capped(ctx.session, ctx.user.id, ctx.now)
            if capped is None:
                return self._by_model(ctx, incoming, text, plan)
        outcome = self._question(plan, text, chain) if plan.question else Outcome(text=ctx.t(NOT_UNDERSTOOD))
        if capped:  # said once a day: the model is not used until tomorrow
            outcome.text = f"{ctx.t(MODEL_CAP)}\n\n{outcome.text}"
            outcome.cap_told = True
        return outcome

    def _from_plan(self, ctx: Context, plan: Plan, text: str, *, chain: int = 0) -> Outcome | None:
        """What a rule plan decides without the model; None when the model (if any) should try."""
        if plan.source == "command" and not plan.calls:
            if plan.question and plan.slot:
                return self._question(plan, text, chain, source="command")
            return Outcome(source="command", text=plan.question or ctx.t(NOT_UNDERSTOOD))
        if plan.calls and plan.confirm:
            return Outcome(source=plan.source, propose=list(plan.calls), reason=plan.question or "", origin=text)
        if plan.calls and plan.confident:
            return self._run_or_read(ctx, plan.calls, plan.source, plan.caveat)
        if plan.source == "none" and plan.question:
            return Outcome(text=plan.question)  # a greeting or thanks: answered without a model call
        return None

    def _question(self, plan: Plan, text: str, chain: int, *, source: Source = "none") -> Outcome:
        """A question to ask; kept open when a short answer can complete the message."""
        assert plan.question is not None
        if plan.slot and chain < MAX_CHAIN:
            return Outcome(source=source, text=plan.question, ask=plan, origin=text, chain=chain + 1)
        return Outcome(source=source, text=plan.question)

    def _run_or_read(self, ctx: Context, calls: list[Call], source: Source, caveat: str | None = None) -> Outcome:
        """Writes go to the write step; a message of reads only is answered here, in the read transaction; a caveat
        (what the question named that the read could not apply) is said after the results."""
        if any(writes(call.tool) for call in calls):
            return Outcome(source=source, run=list(calls))
        prepared = prepare(ctx, calls)
        if isinstance(prepared, Result):
            return Outcome(source=source, results=[prepared])
        try:
            return Outcome(source=source, results=execute(ctx, prepared), text=caveat or "")
        except Retry:  # reads never conflict; keep the type honest
            return Outcome(source=source, text=ctx.t(CONFLICT))

    def _by_model(self, ctx: Context, incoming: Incoming, text: str, plan: Plan) -> Outcome:
        """The model answers what the rules could not: its reads run now, its writes are proposed, never made."""
        assert self.agent is not None
        history = load_history(ctx.session, incoming.chat_key, ctx.user.id)
        answer = self.agent.respond(ctx, text, history=history, hint=plan.calls or None)
        outcome = Outcome(
            source="llm", results=list(answer.results), model_calls=answer.model_calls, tokens=answer.tokens
        )
        if answer.writes:
            outcome.propose = list(answer.writes)
            outcome.origin = text
            outcome.reason = answer.text
        else:
            outcome.text = answer.text
        return outcome

    # -- answers to what is open ----------------------------------------------------------------

    def _pending_for(self, ctx: Context, incoming: Incoming) -> PendingAction | None:
        """The item this message may answer: the one shown in the message it replies to, else the user's own."""
        if incoming.reply_to_ref:
            chat_key, _, message_id = incoming.reply_to_ref.rpartition(":")
            if message_id.isdigit():
                shown = pq.by_message(session=ctx.session, chat_key=chat_key, message_id=int(message_id))
                if shown is not None and shown.status == "open" and yes_or_no(incoming.text) is not None:
                    return shown
        return pq.open_for(session=ctx.session, chat_key=incoming.chat_key, user_id=ctx.user.id)

    def _expired(self, ctx: Context, pending: PendingAction) -> bool:
        return pending.expires_at <= ctx.now

    def _may_confirm(self, ctx: Context, pending: PendingAction) -> bool:
        """The proposer, or a member holding one of the roles the proposal names (a manager for an overrun)."""
        roles = pending.context.get("roles")
        if roles:
            project = ctx.session.get(Project, pending.project_id) if pending.project_id else None
            role = ctx.role_in(project) if project is not None else (Role.admin if ctx.user.is_admin else None)
            return role is not None and role.value in roles
        return pending.user_id == ctx.user.id

    def _answer_pending(self, ctx: Context, incoming: Incoming, pending: PendingAction, text: str) -> Outcome | None:
        """The outcome when the message answers the open item; None when it is a new message."""
        lexicon = Lexicon.load(ctx.session)
        options = list(pending.context.get("options") or [])
        said = read_answer(
            text,
            slot=pending.context.get("slot") if pending.kind == "question" else None,
            choices=[str(o["label"]) for o in options] if options else list(pending.context.get("choices") or []),
            lexicon=lexicon,
            project=ctx.project_code,
        )
        if said is None:
            return None
        if self._expired(ctx, pending):
            return Outcome(
                source="dialogue", text=ctx.t(EXPIRED, minutes=self.proposal_minutes), close=(pending.id, "expired")
            )
        if pending.kind == "proposal" and options:
            return self._pick_option(ctx, pending, said)
        if pending.kind == "proposal":
            return self._confirm(ctx, pending, said.kind)
        return self._complete(ctx, incoming, pending, said)

    def _pick_option(self, ctx: Context, pending: PendingAction, said: Answer) -> Outcome:
        """One of a proposal's options, picked by its number or words (or a button): its calls run, once."""
        options = list(pending.context.get("options") or [])
        if said.kind == "no":
            return self._confirm(ctx, pending, "no")
        labels = [str(o["label"]) for o in options]
        if said.kind != "choice" or said.value not in labels:
            return Outcome(source="dialogue", text=pending.text)  # which one? the question stands
        if not self._may_confirm(ctx, pending):
            return self._confirm(ctx, pending, "yes")  # the refusal
        chosen = options[labels.index(said.value)]
        calls = [Call(c["tool"], dict(c["args"])) for c in chosen["calls"]]
        return Outcome(source="dialogue", run=calls, confirm=pending, origin=str(pending.context.get("origin", "")))

    def _confirm(self, ctx: Context, pending: PendingAction, said: str) -> Outcome:
        if said not in ("yes", "no"):
            return Outcome(source="dialogue", text=ctx.t(NO_PENDING))
        if not self._may_confirm(ctx, pending):
            owner = ctx.session.get(User, pending.user_id)
            roles = pending.context.get("roles")
            who = "/".join(roles) if roles else ctx.t(NOT_YOURS_WHO)
            return Outcome(source="dialogue", text=ctx.t(NOT_YOURS, owner=owner.name if owner else "?", who=who))
        if said == "no":
            return Outcome(source="dialogue", text=ctx.t(CANCELLED), close=(pending.id, "cancelled"))
        calls = [Call(c["tool"], dict(c["args"])) for c in pending.calls]
        return Outcome(source="dialogue", run=calls, confirm=pending, origin=str(pending.context.get("origin", "")))

    def _complete(self, ctx: Context, incoming: Incoming, pending: PendingAction, said: Answer) -> Outcome:
        """A short answer to a question: the original message read again with it."""
        origin = str(pending.context.get("origin", ""))
        chain = int(pending.context.get("chain", 1))
        if said.kind == "no":
            return Outcome(source="dialogue", text=ctx.t(CANCELLED), close=(pending.id, "cancelled"))
        slot = pending.context.get("slot")
        choices = list(pending.context.get("choices") or [])
        value = said.value
        if said.kind == "yes":
            if len(choices) != 1:
                return Outcome(source="dialogue", text=pending.text, close=None)  # which one? the question stands
            value = choices[0]
        project = value if slot == "project" else None
        if slot == "project":
            again = origin
        elif pending.context.get("replace") and value:
            again = origin.replace(str(pending.context["replace"]), value, 1)
        else:
            again = f"{origin} {value}"
        plan = self.plan(ctx, again, project_code=project)
        outcome = self._from_plan(ctx, plan, again, chain=chain)
        if outcome is None or (not outcome.run and not outcome.propose and not outcome.results and not outcome.ask):
            return Outcome(
                source="dialogue", text=plan.question or ctx.t(NOT_UNDERSTOOD), close=(pending.id, "dropped")
            )
        if project is not None and (outcome.run or outcome.propose):
            # the answer names the project: every call is for it
            outcome.run = [Call(c.tool, {**c.args, "project": project}) for c in outcome.run]
            outcome.propose = [Call(c.tool, {**c.args, "project": project}) for c in outcome.propose]
        outcome.close = (pending.id, "done")
        outcome.source = "dialogue"
        if pending.context.get("message_ref"):  # what the answer completes is the asked message's
            outcome.origin_ref = str(pending.context["message_ref"])
        return outcome

    def _button(self, ctx: Context, incoming: Incoming) -> Outcome:
        """A pressed button: its opaque action is resolved here, and the presser checked like a typed answer."""
        action = incoming.action or ""
        verb, _, rest = action.partition(":")
        token, _, index = rest.partition(":")
        pending = pq.by_token(session=ctx.session, token=token) if token else None
        if verb == "undo":
            return self._run_or_read(ctx, [Call("undo_last", {"batch": token})], "dialogue")

        def notice(text: str, close: tuple[int, str] | None = None) -> Outcome:
            return Outcome(source="dialogue", text=text, notice=True, close=close, remember=False)

        if pending is None or pending.chat_key != incoming.chat_key:
            return notice(ctx.t(NO_PENDING))
        if pending.status != "open":
            return notice(ctx.t(ALREADY_DONE if pending.status == "done" else NO_PENDING))
        if self._expired(ctx, pending):
            return notice(ctx.t(EXPIRED, minutes=self.proposal_minutes), (pending.id, "expired"))
        if verb == "opt" and pending.kind == "proposal" and index.isdigit():
            labels = [str(o["label"]) for o in pending.context.get("options") or []]
            if int(index) < len(labels):
                outcome = self._pick_option(ctx, pending, Answer("choice", labels[int(index)]))
                outcome.notice = not outcome.run and outcome.close is None
                return outcome
        if verb in ("yes", "no") and pending.kind == "proposal":
            outcome = self._confirm(ctx, pending, verb)
            outcome.notice = not outcome.run and outcome.close is None  # refused: only the presser hears it
            return outcome
        if verb == "pick" and index.isdigit():
            choices = list(pending.context.get("choices") or [])
            if pending.user_id != ctx.user.id:
                owner = ctx.session.get(User, pending.user_id)
                return notice(ctx.t(NOT_YOURS, owner=owner.name if owner else "?", who=ctx.t(NOT_YOURS_WHO)))
            if 0 <= int(index) < len(choices):
                return self._complete(ctx, incoming, pending, Answer("choice", choices[int(index)]))
        return notice(ctx.t(NO_PENDING))

    def _edit(self, ctx: Context, incoming: Incoming, text: str) -> Outcome:
        """An edited message: what it wrote may be replaced by what it now says, after a yes."""
        from storage.queries.audit import batch_of_message

        logs = batch_of_message(session=ctx.session, message_ref=incoming.message_ref or "", user_id=ctx.user.id)
        if not logs:
            outcome = self._new_message(ctx, incoming, text)
            if outcome.text:
                outcome.text = f"{ctx.t(EDIT_NOTHING)}\n{outcome.text}"
            return outcome
        plan = self.plan(ctx, text)
        calls = list(plan.calls) if plan.calls and (plan.confident or plan.confirm) and plan.writes else []
        if not calls:
            return Outcome(source="dialogue", text=ctx.t(EDIT_NO_WRITE))
        undo = Call("undo_last", {"batch": logs[0].batch})
        return Outcome(source="dialogue", propose=[undo, *calls], reason=ctx.t(EDIT_REPLACE), origin=text)

    # -- step 2: the write transaction -------------------------------------------------------------

    def _commit(self, ctx: Context, incoming: Incoming, outcome: Outcome, delivery: Delivery | None) -> Reply:
        session = ctx.session
        for attempt in range(1, ATTEMPTS + 1):
            try:
                begin_write(session)
                if delivery is not None and not delivery.claim(session):
                    session.rollback()
                    return Reply(text="", source=outcome.source, handled=False)
                reply = self._write(ctx, incoming, outcome)
                if delivery is not None:
                    delivery.record(session, reply)
                session.commit()
                return reply
            except Retry as conflict:
                session.rollback()
                log.warning("message from user %s: conflict on attempt %d: %s", ctx.user.id, attempt, conflict)
            except Exception:
                session.rollback()
                log.exception("writing the answer to user %s failed", ctx.user.id)
                return self._fallback(ctx, outcome, delivery, ctx.t(INTERNAL))
        return self._fallback(ctx, outcome, delivery, ctx.t(CONFLICT))

    def _fallback(self, ctx: Context, outcome: Outcome, delivery: Delivery | None, text: str) -> Reply:
        """Nothing was written; the channel still records that the message was answered, with this apology."""
        reply = Reply(text=text, source=outcome.source, outcome="error")
        if delivery is None:
            return reply
        session = ctx.session
        try:
            begin_write(session)
            if not delivery.claim(session):
                session.rollback()
                return Reply(text="", source=outcome.source, handled=False)
            delivery.record(session, reply)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("could not record the apology for user %s", ctx.user.id)
            raise
        return reply

    def _write(self, ctx: Context, incoming: Incoming, outcome: Outcome) -> Reply:
        """Carry out an outcome inside the write transaction (the caller commits)."""
        session = ctx.session
        if outcome.confirm is not None:
            # executed at most once: a doubled confirmation finds the proposal closed
            if not pq.resolve(
                session=session, pending_id=outcome.confirm.id, status="done", user_id=ctx.user.id, now=ctx.now
            ):
                return Reply(text=ctx.t(ALREADY_DONE), source="dialogue")
            origin = outcome.confirm.context.get("origin")
            if origin:
                ctx.source_text = str(origin)[:MAX_TEXT]
            if outcome.confirm.context.get("message_ref"):  # the writes are the proposed message's, not the yes's
                ctx.message_ref = str(outcome.confirm.context["message_ref"])
        elif outcome.origin_ref:
            ctx.message_ref = outcome.origin_ref
        if outcome.close is not None and outcome.confirm is None:
            pq.resolve(
                session=session, pending_id=outcome.close[0], status=outcome.close[1], user_id=ctx.user.id, now=ctx.now
            )
        if outcome.tokens or outcome.cap_told:
            self.tokens.spend(session, ctx.user.id, ctx.now, tokens=outcome.tokens, told=outcome.cap_told)
        results = list(outcome.results)
        texts = [r.text for r in results] + ([outcome.text] if outcome.text else [])
        reply = Reply(
            text="",
            source=outcome.source,
            model_calls=outcome.model_calls,
            notice=outcome.notice,
            outcome=outcome.outcome,
            project=ctx.project_code,
        )
        if outcome.run:
            ran = self._execute(self._actor(ctx, outcome), outcome.run)
            results += ran
            texts += [r.text for r in ran]
            reply.calls = list(outcome.run)
            proposal = next((r.proposal for r in ran if r.proposal is not None), None)
            if proposal is not None:  # a tool asks for a yes first (an overrun, a cap) or for a choice
                self._propose(ctx, incoming, reply, proposal, "", outcome.origin or incoming.text, outcome.origin_ref)
                texts.append(reply.text)
        elif outcome.propose:
            self._preview_and_propose(ctx, incoming, reply, outcome)
            texts.append(reply.text)
        elif outcome.ask is not None:
            self._ask(ctx, incoming, reply, outcome)
        reply.results = results
        reply.wrote = any(r.wrote for r in results)
        if reply.wrote:
            reply.moved = immediate.keep(ctx.session, moved_by(ctx, results))
        reply.attachments = [a for r in results for a in r.attachments]
        if any(r.wrote and r.data.get("undone") is None for r in results):  # an undo is not offered for undoing
            reply.undo_batch = ctx.batch
            texts.append(ctx.t(UNDO_HINT))
        reply.text = "\n\n".join(t for t in texts if t)
        if incoming.action and not reply.wrote and not reply.pending_token and outcome.close is None:
            reply.notice = True  # a press that changed nothing (refused, stale): only the presser is told
        if outcome.remember:
            remember(
                session, incoming.chat_key, ctx.user.id, incoming.text[:MAX_TEXT] or "(button)", reply.text, now=ctx.now
            )
        return reply

    def announce(self, moved: Moved) -> int:
        """Immediate alerts for what a message's writes could have changed (bot.alerts.immediate), in their own
        transaction after the write's; how many alert messages were queued."""
        return immediate.announce(self.sessions, moved)

    def _actor(self, ctx: Context, outcome: Outcome) -> Context:
        """Who the calls run as: the proposer of a confirmed proposal (confirmed_by names who said yes)."""
        if outcome.confirm is None:
            return ctx
        proposer = ctx.session.get(User, outcome.confirm.user_id) or ctx.user
        return replace(ctx, user=proposer, confirmed_by=ctx.user.id)

    def _execute(self, ctx: Context, calls: list[Call]) -> list[Result]:
        prepared = prepare(ctx, calls)
        if isinstance(prepared, Result):
            return [prepared]
        return execute(ctx, prepared)

    def _preview_and_propose(self, ctx: Context, incoming: Incoming, reply: Reply, outcome: Outcome) -> None:
        """Check the proposed calls would run (in a savepoint rolled back), then keep them for a yes."""
        prepared = prepare(ctx, outcome.propose)
        if isinstance(prepared, Result):
            reply.text = prepared.text
            return
        savepoint = ctx.session.begin_nested()
        try:
            preview = execute(ctx, prepared)
        finally:
            if savepoint.is_active:
                savepoint.rollback()
        proposal = Proposal(calls=tuple(outcome.propose), roles=outcome.roles)
        needed = next((r.proposal for r in preview if r.proposal is not None), None)
        if needed is not None:
            proposal = needed
        elif not all(r.ok for r in preview):
            reply.text = "\n".join(r.text for r in preview)  # it would be refused: say why, propose nothing
            return
        reason = outcome.reason if needed is None else "\n".join(filter(None, [outcome.reason, preview[-1].text]))
        self._propose(ctx, incoming, reply, proposal, reason, outcome.origin or incoming.text, outcome.origin_ref)

    def _propose(
        self,
        ctx: Context,
        incoming: Incoming,
        reply: Reply,
        proposal: Proposal,
        reason: str,
        origin: str,
        origin_ref: str | None = None,
    ) -> None:
        """Keep calls for a yes (or one of several options for a pick), and show them with their buttons."""
        calls, roles = list(proposal.calls), proposal.roles
        project = self._project(
            ctx.session, next((c.args.get("project") for c in calls if c.args.get("project")), None) or ctx.project_code
        )
        if proposal.options:
            body = "\n".join(f"{n}. {option.label}" for n, option in enumerate(proposal.options, 1))
            foot = ctx.t(FOOT_OPTIONS, minutes=self.proposal_minutes)
        else:
            body = describe_calls(calls, ctx.language, ctx.today)
            if roles:
                names = "/".join(ctx.t(ROLE_LABELS[r]) for r in sorted(roles, key=lambda r: list(Role).index(r)))
                foot = ctx.t(FOOT_ROLES, roles=names, minutes=self.proposal_minutes)
            else:
                foot = ctx.t(FOOT, minutes=self.proposal_minutes)
        text = "\n".join(part for part in (reason, body, foot) if part)
        pq.close_open(
            session=ctx.session, chat_key=incoming.chat_key, user_id=ctx.user.id, status="superseded", now=ctx.now
        )
        item = pq.create(
            session=ctx.session,
            chat_key=incoming.chat_key,
            user_id=ctx.user.id,
            project_id=project.id if project else None,
            kind="proposal",
            calls=[call.to_json() for call in calls],
            text=text,
            context={
                "origin": origin[:MAX_TEXT],
                # what it writes belongs to the message it is about: an edit of that message finds it
                "message_ref": origin_ref or incoming.message_ref,
                "roles": sorted(r.value for r in roles) if roles else None,
                "options": [
                    {"label": option.label, "calls": [call.to_json() for call in option.calls]}
                    for option in proposal.options
                ],
            },
            now=ctx.now,
            expires_at=ctx.now + timedelta(minutes=self.proposal_minutes),
        )
        reply.text = text
        reply.pending_token = item.token
        yes, no = ("✅ 确认", "❌ 取消") if ctx.language == "zh" else ("✅ Confirm", "❌ Cancel")
        if proposal.options:
            reply.buttons = [
                [Button(f"{n}. {option.label}"[:60], f"opt:{item.token}:{n - 1}")]
                for n, option in enumerate(proposal.options, 1)
            ] + [[Button(no, f"no:{item.token}")]]
        else:
            reply.buttons = [[Button(yes, f"yes:{item.token}"), Button(no, f"no:{item.token}")]]

    def _ask(self, ctx: Context, incoming: Incoming, reply: Reply, outcome: Outcome) -> None:
        plan = outcome.ask
        assert plan is not None
        project = self._project(ctx.session, ctx.project_code)
        pq.close_open(
            session=ctx.session, chat_key=incoming.chat_key, user_id=ctx.user.id, status="superseded", now=ctx.now
        )
        item = pq.create(
            session=ctx.session,
            chat_key=incoming.chat_key,
            user_id=ctx.user.id,
            project_id=project.id if project else None,
            kind="question",
            calls=[call.to_json() for call in plan.calls],
            text=plan.question or "",
            context={
                "origin": outcome.origin[:MAX_TEXT],
                "message_ref": outcome.origin_ref or incoming.message_ref,
                "slot": plan.slot,
                "choices": plan.choices[:8],
                "replace": plan.replace,
                "chain": outcome.chain,
            },
            now=ctx.now,
            expires_at=ctx.now + timedelta(minutes=self.proposal_minutes),
        )
        reply.pending_token = item.token
        reply.buttons = [[Button(choice, f"pick:{item.token}:{i}")] for i, choice in enumerate(plan.choices[:8])]

    # -- helpers ---------------------------------------------------------------------------------

    def _project(self, session: Session, code: Any) -> Project | None:
        return project_by_code(session=session, code=str(code)) if code else None


__all__ = ["Button", "Delivery", "Incoming", "Reply", "Router", "ToolError", "detect_language"]
