"""The LLM path: a LangChain agent over the registry's tools, for what the rule parser is unsure of.

The model only chooses tools and arguments, and it must choose: a tool, `ask_user` (a question) or `answer` (an
explanation); its free text never reaches the user (tool_choice is "required", and a plain-text answer is taken as
`answer`). An answer that claims an action ("已记工", "deleted") is replaced: only tools act. Who acts, in which
chat, on which day comes from the runtime context. Reads run at once and their replies are what the user reads;
writes are never run here: they are handed back (validated) and the router proposes them for a yes — so a request
costs one model call, and nothing the model guessed is written unconfirmed.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any, Literal

import openai
from langchain.agents import create_agent
from langchain.agents.middleware import (
    AgentMiddleware,
    AgentState,
    InputAgentState,
    ModelCallLimitMiddleware,
    ModelRequest,
    ModelResponse,
    hook_config,
)
from langchain.agents.middleware.model_call_limit import ModelCallLimitExceededError
from langchain.tools import ToolRuntime
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI
from langgraph.errors import GraphRecursionError
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field
from sqlalchemy import select

import tools
from bot import metrics
from bot.settings import Settings
from storage.models import Project
from tools.base import Call, Context, Result, Text, ToolSpec, prepare, validate_call
from tools.base import execute as execute_calls

log = logging.getLogger(__name__)

# First try, one correction after a tool error, and one last turn to ask the user in words.
MAX_MODEL_CALLS = 3
MAX_DESCRIPTION = 100  # characters of a tool's docstring the model reads
# Arguments every tool shares are explained once in the system prompt instead of in each schema.
SHARED_FIELDS = frozenset({"project", "date", "amount", "worker", "task", "note"})

COMMANDS: dict[str, str] = {
    "log_labor": "/log",
    "record_advance": "/advance",
    "settle_wages": "/settle",
    "add_cost": "/cost",
    "record_fund": "/fund",
    "update_task_progress": "/progress",
    "budget_status": "/budget",
    "schedule_status": "/schedule",
    "fund_status": "/cash",
    "labor_summary": "/summary",
    "project_health": "/health",
    "undo_last": "/undo",
    "list_projects": "/projects",
}

UNAVAILABLE = Text(
    "抱歉，AI 模型暂时没有响应（超时或服务繁忙）。", "Sorry, the AI model did not respond (timeout or busy). "
)
KEY_REFUSED = Text(
    "抱歉，AI 模型拒绝了我们的密钥（401/403），请管理员检查 SITEBOT_LLM_API_KEY。",
    "Sorry, the AI model refused our key (401/403); an administrator should check SITEBOT_LLM_API_KEY. ",
)
RATE_LIMITED = Text(
    "抱歉，AI 模型的调用次数或额度用完了（429），请稍后再试。",
    "Sorry, the AI model's rate limit or quota is used up (429); please try again later. ",
)
MODEL_DOWN = Text("抱歉，AI 模型服务出错了（{status}）。", "Sorry, the AI model's service failed ({status}). ")
MODEL_TIMEOUT = Text("抱歉，AI 模型超时没有回答。", "Sorry, the AI model timed out. ")
MODEL_UNREACHABLE = Text(
    "抱歉，连不上 AI 模型的服务器，请管理员检查 SITEBOT_LLM_BASE_URL 和网络。",
    "Sorry, the AI model's server cannot be reached; an administrator should check SITEBOT_LLM_BASE_URL and the "
    "network. ",
)
MODEL_REJECTED = Text(
    "抱歉，AI 模型拒绝了请求（{status}，模型名或参数不对？），请管理员检查 SITEBOT_LLM_MODEL。",
    "Sorry, the AI model rejected the request ({status}: wrong model name or settings?); an administrator should "
    "check SITEBOT_LLM_MODEL. ",
)
CONFUSED = Text("抱歉，AI 模型没有给出有效的操作。", "Sorry, the AI model did not come up with a valid action. ")
NOTHING_RECORDED = Text("这条消息什么都没有记录。", "Nothing from this message was recorded.")
HINT = Text(
    "我的理解是：{call}，可以用 {command} 命令直接{verb}。",
    "My reading: {call} — you can {verb} it directly with {command}.",
)
HINT_VERB = {True: Text("记录", "record"), False: Text("查询", "look")}
TRY_AGAIN = Text(
    "请换个说法或稍后再试，也可以发送 /help 查看命令。",
    "Please rephrase or try again later, or send /help for the commands.",
)
HINT_IN_PROMPT = Text(
    "规则解析器的猜测（把握不大，仅供参考）：{calls}",
    "The rule parser's guess (low confidence, only a suggestion): {calls}",
)
NO_PROJECT = Text("未设置", "none")
WEEKDAYS = {
    "zh": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

Kind = Literal["done", "refused", "invalid", "repeat", "planned", "said"]

ASK_TOOL = "ask_user"
ANSWER_TOOL = "answer"
# Words that claim an action was taken; in a model's answer they are never shown (no tool did it).
_ACTED = r"(?:recorded|logged|saved|deleted|removed|cleared|updated|added|paid|settled|undone|changed|wiped|booked)"
CLAIM_RE = re.compile(
    r"已(?:经)?(?:帮你|为你|为您|给你)?(?:记|录|登记|保存|存|删|删除|删掉|清空|撤回|撤销|更新|修改|改|结算|结清|支付|付"
    r"|转|完成|处理|添加|新增|设置)"
    r"|(?:记|录|删|删除|删掉|清空|撤回|撤销|改|保存|结算|添加|登记)(?:好|完|上|掉)?了(?![吗么呢没])"
    rf"|(?<![a-z])(?:i|we)(?:'ve| have)?\s+(?:just\s+|now\s+|already\s+)?{_ACTED}(?![a-z])"
    rf"|(?<![a-z])(?:has|have|had)\s+been\s+{_ACTED}(?![a-z])"
    rf"|(?<![a-z])(?:is|are|was|were)\s+(?:now\s+)?{_ACTED}(?![a-z])"
    rf"|^\s*(?:done|{_ACTED})\b",
    re.IGNORECASE,
)
NO_ACTION = Text(
    "我没有做任何改动：这条消息没有对应的操作，什么都没有记录或删除。",
    "I did not change anything: no action matched this message, so nothing was recorded or deleted.",
)
MODEL_READING = Text("AI 模型的理解，请核对：", "The AI model's reading; please check:")


@dataclass
class AgentReply:
    text: str  # what to show: the question, the answer, an apology, or "" when the results say it all
    results: list[Result]  # what the reads answered, in order
    model_calls: int
    ok: bool  # False when the model failed and we answered with an apology
    writes: list[Call] = field(default_factory=list)  # validated writes the model asked for: to propose, never run
    tokens: int = 0  # total tokens the model's answers reported (usage), counted against the user's day


@dataclass
class _Outcome:
    kind: Kind
    result: Result


@dataclass
class Turn:
    """One message's run, shared by the tools and the middleware through the runtime context."""

    ctx: Context
    system_prompt: str
    model_calls: int = 0
    tokens: int = 0  # total tokens reported by the model's answers
    rounds: list[list[str]] = field(default_factory=list)  # per model call: its tool call ids, in order
    outcomes: dict[tuple[int, str], _Outcome] = field(default_factory=dict)  # by (model call, tool call id)
    planned: dict[str, tuple[tuple[int, str], Call]] = field(default_factory=dict)  # canonical write → (slot, call)
    said: list[tuple[str, str]] = field(default_factory=list)  # (ask_user|answer, text) in order
    # LangGraph runs one message's parallel tool calls on worker threads; the session is not thread-safe.
    lock: threading.Lock = field(default_factory=threading.Lock)

    def results(self) -> list[Result]:
        """What the tools answered and the user should read, in call order (no repeats, no bad calls)."""
        return [
            o.result
            for n, ids in enumerate(self.rounds, 1)
            for i in dict.fromkeys(ids)
            if (o := self.outcomes.get((n, i))) and o.kind in ("done", "refused")
        ]

    def writes(self) -> list[Call]:
        """The writes asked for, in the order the model gave them (its tool calls run on several threads)."""

        def position(slot: tuple[int, str]) -> tuple[int, int]:
            ids = self.rounds[slot[0] - 1] if 0 < slot[0] <= len(self.rounds) else []
            return slot[0], ids.index(slot[1]) if slot[1] in ids else len(ids)

        return [call for slot, call in sorted(self.planned.values(), key=lambda item: position(item[0]))]

    def settled(self) -> bool:
        """True when every call of the last model answer ran or was refused by its tool: nothing to fix."""
        if not self.rounds or not self.rounds[-1]:
            return False
        n = len(self.rounds)
        return all((o := self.outcomes.get((n, i))) is not None and o.kind != "invalid" for i in self.rounds[-1])


# -- prompts and schemas ---------------------------------------------------------------------


def _load_prompt(lang: str) -> str:
    return resources.files("prompts").joinpath(f"system_{lang}.txt").read_text(encoding="utf-8").strip()


PROMPTS: dict[str, str] = {lang: _load_prompt(lang) for lang in ("zh", "en")}


def compact_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model-facing JSON schema of an args model: types, enums, required and short descriptions only.

    Validation still uses the full pydantic model (limits, extra fields forbidden); this is what the model reads.
    """
    schema = model.model_json_schema()
    for name, prop in list(schema.get("properties", {}).items()):
        if prop.get("internal"):  # set by buttons and the router only
            del schema["properties"][name]
    defs = schema.pop("$defs", {})
    out = _compact(schema, defs)
    out.setdefault("properties", {})
    for name in SHARED_FIELDS & out["properties"].keys():
        out["properties"][name].pop("description", None)
    return out


_DROP = frozenset(
    {
        "title",
        "maxLength",
        "minLength",
        "pattern",
        "format",
        "examples",
        "default",
        "additionalProperties",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
    }
)


def _compact(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_compact(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    if "anyOf" in node:
        branches = [b for b in node["anyOf"] if b.get("type") != "null"]
        numeric = [b for b in branches if b.get("type") in ("number", "integer")]
        # pydantic offers Decimal as number-or-pattern-string; the number alone is what a model should send
        branches = numeric[:1] if numeric else branches
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        node = {**branches[0], **rest} if len(branches) == 1 else {**rest, "anyOf": branches}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP or (key == "default" and value is None):
            continue
        if key == "properties":
            out[key] = {name: _compact(prop, defs) for name, prop in value.items()}
        else:
            out[key] = _compact(value, defs)
    return out


_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+|(?<=[。；！？])")


def short_description(text: str) -> str:
    """The docstring's first paragraph on one line: whole sentences (or words) up to MAX_DESCRIPTION characters."""
    first = " ".join(text.strip().split("\n\n", 1)[0].split())
    if len(first) <= MAX_DESCRIPTION:
        return first
    kept = ""
    for sentence in _SENTENCE_END.split(first):
        if len(kept) + len(sentence) + 1 > MAX_DESCRIPTION:
            break
        kept = f"{kept} {sentence}".strip()
    if kept:
        return kept
    cut = first[: MAX_DESCRIPTION - 1]
    words = cut.rsplit(" ", 1)[0] if " " in cut[MAX_DESCRIPTION // 2 :] else cut
    return words.rstrip(" ,;:，；：(（") + "…"


# -- the adapter: one registry tool → one LangChain tool --------------------------------------


def as_langchain_tool(spec: ToolSpec) -> BaseTool:
    """Wrap a registry tool; the Context comes from the runtime, never from the model's arguments."""

    def run(runtime: ToolRuntime[Turn], **arguments: Any) -> str:
        return execute(runtime.context, spec.name, arguments, call_id=runtime.tool_call_id or "")

    return StructuredTool.from_function(
        func=run,
        name=spec.name,
        description=short_description(spec.description),
        args_schema=compact_schema(spec.args_model),
    )


def execute(turn: Turn, name: str, arguments: dict[str, Any], *, call_id: str) -> str:
    """One model tool call: a read runs now; a write is checked and kept to be proposed; the text read back."""
    with turn.lock:
        ctx = turn.ctx
        slot = (turn.model_calls, call_id)
        call = Call(name, dict(arguments))
        checked = validate_call(ctx, call)
        if isinstance(checked, Result):
            turn.outcomes[slot] = _Outcome("invalid", checked)
            return f"Error: {checked.text}"
        spec, args = checked
        if spec.writes:
            key = f"{name}:{json.dumps(args.model_dump(), sort_keys=True, ensure_ascii=False, default=_canonical)}"
            turn.planned.setdefault(key, (slot, Call(name, dict(arguments))))
            turn.outcomes[slot] = _Outcome("planned", Result(ok=True, text=""))
            return "Planned; the user will be shown it and asked to confirm. Do not call it again."
        prepared = prepare(ctx, [call])
        result = prepared if isinstance(prepared, Result) else execute_calls(ctx, prepared)[0]
        turn.outcomes[slot] = _Outcome("done" if result.ok else "refused", result)
        return result.text


def _say_tool(kind: str, field_name: str, description: str) -> BaseTool:
    """ask_user and answer: the model's words, taken as the tool's argument so nothing else reaches the user."""

    class Words(BaseModel):
        text: str = Field(description=description, max_length=800)

    def run(runtime: ToolRuntime[Turn], text: str) -> str:
        turn = runtime.context
        with turn.lock:
            turn.said.append((kind, text))
            turn.outcomes[(turn.model_calls, runtime.tool_call_id or "")] = _Outcome("said", Result(ok=True, text=""))
        return "Shown to the user."

    Words.__name__ = f"{kind}_args"
    return StructuredTool.from_function(func=run, name=kind, description=description, args_schema=compact_schema(Words))


def _canonical(value: Any) -> str:
    """One spelling per value, so 1 and "1.0" are the same write."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


# -- the loop's rules ---------------------------------------------------------------------------


def _this_turn(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """Messages after the newest user message (earlier ones are history)."""
    for index in range(len(messages) - 1, -1, -1):
        if isinstance(messages[index], HumanMessage):
            return list(messages[index + 1 :])
    return list(messages)


def _call_ids(message: AIMessage) -> list[str]:
    return [c["id"] or "" for c in message.tool_calls] + [c["id"] or "" for c in message.invalid_tool_calls]


class TurnControl(AgentMiddleware[AgentState[Any], Turn, Any]):
    """Per-message rules: the prompt from the context, usage logging, tool replies returned directly."""

    def wrap_model_call(
        self, request: ModelRequest[Turn], handler: Callable[[ModelRequest[Turn]], ModelResponse[Any]]
    ) -> ModelResponse[Any]:
        turn = request.runtime.context
        turn.model_calls += 1
        # The model must choose a tool, ask_user or answer: its free text is never the reply.
        started = time.perf_counter()
        try:
            response = handler(
                request.override(system_message=SystemMessage(turn.system_prompt), tool_choice="required")
            )
        except Exception:
            metrics.model_call(time.perf_counter() - started, ok=False)
            raise
        metrics.model_call(time.perf_counter() - started, ok=True)
        for message in response.result:
            if isinstance(message, AIMessage):
                turn.tokens += _log_usage(turn.ctx, message, turn.model_calls)
                turn.rounds.append(_call_ids(message))
        return response

    @hook_config(can_jump_to=["end"])
    def before_model(self, state: AgentState[Any], runtime: Runtime[Turn]) -> dict[str, Any] | None:
        """After tools ran: when all of them ran or were refused by the tool, their texts are the reply."""
        if runtime.context.settled():
            return {"jump_to": "end"}
        return None

    @hook_config(can_jump_to=["model"])
    def after_model(self, state: AgentState[Any], runtime: Runtime[Turn]) -> dict[str, Any] | None:
        """Tool calls whose arguments are not JSON go back to the model as errors, so it can fix them."""
        message = state["messages"][-1]
        if not isinstance(message, AIMessage) or not message.invalid_tool_calls:
            return None
        errors: list[BaseMessage] = [
            ToolMessage(
                content=f"Error: the arguments of {c['name']} were not valid JSON; send them as a JSON object.",
                tool_call_id=c["id"] or "",
                name=c["name"] or "",
                status="error",
            )
            for c in message.invalid_tool_calls
        ]
        update: dict[str, Any] = {"messages": errors}
        if not message.tool_calls:
            update["jump_to"] = "model"
        return update


def _log_usage(ctx: Context, message: AIMessage, n: int) -> int:
    """Log one model call's usage; its total tokens."""
    usage: dict[str, Any] = dict(message.usage_metadata or {})
    log.info(
        "llm call %d for user %s: input %s, output %s, total %s tokens; tools %s",
        n,
        ctx.user.id,
        usage.get("input_tokens"),
        usage.get("output_tokens"),
        usage.get("total_tokens"),
        [c["name"] for c in message.tool_calls] or "-",
    )
    total = int(usage.get("total_tokens") or 0)
    metrics.model_tokens(usage.get("input_tokens"), usage.get("output_tokens"))
    return total


# -- the agent ------------------------------------------------------------------------------------


class Agent:
    """Answers one message with the model choosing among the registry's tools."""

    def __init__(self, settings: Settings) -> None:
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"  # Ollama/vLLM
        extra: dict[str, Any] = {}
        if settings.llm_base_url and "dashscope" in settings.llm_base_url:
            # Qwen3 on DashScope thinks by default, and its non-streaming API rejects thinking mode.
            extra["extra_body"] = {"enable_thinking": False}
        self.model = ChatOpenAI(
            model=settings.llm_model,
            base_url=settings.llm_base_url,
            api_key=key,  # type: ignore[arg-type]
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
            use_responses_api=False,
            **extra,
        )
        self.tools = [as_langchain_tool(spec) for spec in tools.REGISTRY.values() if not spec.internal]
        self.tools += [
            _say_tool(ASK_TOOL, "text", "Ask the user one short question when something needed is missing or unclear"),
            _say_tool(ANSWER_TOOL, "text", "Answer in words when no tool fits (chit-chat, what you cannot do)"),
        ]
        self._planner = self.model.bind_tools(self.tools)
        # Order matters: TurnControl ends the run after settled tool calls before the limit is checked.
        middleware: list[AgentMiddleware[Any, Turn, Any]] = [
            TurnControl(),
            ModelCallLimitMiddleware(run_limit=MAX_MODEL_CALLS, exit_behavior="error"),
        ]
        self._graph = create_agent(self.model, self.tools, context_schema=Turn, middleware=middleware)

    # -- prompts -------------------------------------------------------------------------------

    def system_prompt(self, ctx: Context, hint: Sequence[Call] | None = None) -> str:
        """The system prompt in the user's language with today, the chat's project and the user."""
        project = None
        if ctx.project_code:
            project = ctx.session.scalar(select(Project).where(Project.code == ctx.project_code))
        text = _render_prompt(
            ctx.language,
            today=ctx.today,
            user=ctx.user.name,
            project=f"{project.code} {project.name}" if project else ctx.t(NO_PROJECT),
        )
        if hint:
            calls = "; ".join(_describe(call) for call in hint)
            text = f"{text}\n{ctx.t(HINT_IN_PROMPT, calls=calls)}"
        return text

    @staticmethod
    def writes(tool_name: str) -> bool:
        spec = tools.REGISTRY.get(tool_name)
        return bool(spec and spec.writes)

    def tool_schemas(self) -> list[dict[str, Any]]:
        """The tools exactly as they are sent to the model."""
        return [convert_to_openai_tool(t) for t in self.tools]

    def prompt_size(self) -> int:
        """Characters of the longer system prompt (filled in) plus every tool schema, as sent on the wire."""
        prompt = max(
            len(_render_prompt(lang, today=date(2026, 11, 25), user="张三", project="SG3 阳光花园3号楼"))
            for lang in PROMPTS
        )
        schemas = json.dumps(self.tool_schemas(), ensure_ascii=False, separators=(",", ":"))
        return prompt + len(schemas)

    # -- answering -----------------------------------------------------------------------------

    def respond(
        self, ctx: Context, text: str, *, history: list[tuple[str, str]], hint: list[Call] | None = None
    ) -> AgentReply:
        """Answer one message: reads answered, writes handed back to be proposed, or the model's question."""
        turn = Turn(ctx=ctx, system_prompt=self.system_prompt(ctx, hint))
        payload: InputAgentState = {"messages": [*_history(history), HumanMessage(text)]}
        config: RunnableConfig = {"recursion_limit": 4 * MAX_MODEL_CALLS + 10}
        try:
            state = self._graph.invoke(payload, config, context=turn)
        except openai.APIError as error:
            reason = _failure(error)
            log.warning(
                "llm failed for user %s after %d call(s): %s %s",
                ctx.user.id,
                turn.model_calls,
                type(error).__name__,
                getattr(error, "status_code", ""),
            )
            return self._apology(turn, reason, hint)
        except (ModelCallLimitExceededError, GraphRecursionError):
            log.warning("llm loop stopped for user %s after %d calls", ctx.user.id, turn.model_calls)
            return self._apology(turn, CONFUSED, hint)
        except Exception:
            log.exception("llm path failed for user %s", ctx.user.id)
            ctx.session.rollback()
            return self._apology(turn, UNAVAILABLE, hint)
        results, writes = turn.results(), turn.writes()
        said = [words for kind, words in turn.said]
        new = _this_turn(state["messages"])
        final = new[-1] if new else None
        if isinstance(final, AIMessage) and not final.tool_calls and str(final.text).strip():
            said.append(str(final.text).strip())  # a model that ignored tool_choice: its words are an answer
        words = "\n".join(dict.fromkeys(w.strip() for w in said if w.strip()))
        if words and CLAIM_RE.search(words):
            log.warning("llm answer for user %s claimed an action no tool took; not shown", ctx.user.id)
            words = ctx.t(NO_ACTION)
        if writes:
            reading = ctx.t(MODEL_READING)
            return AgentReply(reading, results, turn.model_calls, True, writes, tokens=turn.tokens)
        if results or words:
            return AgentReply(words, results, turn.model_calls, True, tokens=turn.tokens)
        return self._apology(turn, CONFUSED, hint)

    def plan(self, ctx: Context, text: str, *, history: Sequence[tuple[str, str]] = ()) -> list[Call]:
        """The model's first tool calls for a message, not run (for `sitebot parse`); [] if it fails."""
        try:
            return self.first_calls(ctx, text, history=history)[0]
        except Exception as error:
            log.warning("llm plan failed for user %s: %s", ctx.user.id, type(error).__name__)
            return []

    def first_calls(
        self, ctx: Context, text: str, *, history: Sequence[tuple[str, str]] = ()
    ) -> tuple[list[Call], int]:
        """One model call: the registry tools it chose for a message (not run) and the tokens it used; raises
        the client's error (bench/llm_eval.py counts them)."""
        messages = [SystemMessage(self.system_prompt(ctx)), *_history(history), HumanMessage(text)]
        started = time.perf_counter()
        try:
            message = self._planner.invoke(messages)
        except Exception:
            metrics.model_call(time.perf_counter() - started, ok=False)
            raise
        metrics.model_call(time.perf_counter() - started, ok=True)
        if not isinstance(message, AIMessage):
            return [], 0
        tokens = _log_usage(ctx, message, 1)
        calls = [
            Call(c["name"], dict(c["args"]))
            for c in message.tool_calls
            if c["name"] in tools.REGISTRY and not tools.REGISTRY[c["name"]].internal
        ]
        return calls, tokens

    def _apology(self, turn: Turn, reason: Text, hint: Sequence[Call] | None) -> AgentReply:
        """Say the model failed, report what was nevertheless recorded, and offer the parser's reading."""
        ctx = turn.ctx
        results = turn.results()
        lines = [ctx.t(reason) + ctx.t(NOTHING_RECORDED)]
        for call in hint or ():
            spec = tools.REGISTRY.get(call.tool)
            lines.append(
                ctx.t(
                    HINT,
                    call=_describe(call),
                    command=COMMANDS.get(call.tool, "/help"),
                    verb=ctx.t(HINT_VERB[bool(spec and spec.writes)]),
                )
            )
        if not hint:
            lines.append(ctx.t(TRY_AGAIN))
        text = "\n\n".join([*(r.text for r in results), "\n".join(lines)])
        return AgentReply(text, results, turn.model_calls, False, tokens=turn.tokens)


def _failure(error: openai.APIError) -> Text:
    """What to tell the user for a failed model call, by its HTTP status (the client already retried)."""
    if isinstance(error, openai.APITimeoutError):
        return MODEL_TIMEOUT
    if isinstance(error, openai.APIConnectionError):
        return MODEL_UNREACHABLE
    status = getattr(error, "status_code", None)
    if status in (401, 403):
        return KEY_REFUSED
    if status == 429:
        return RATE_LIMITED
    if isinstance(status, int) and status >= 500:
        return Text(MODEL_DOWN.zh.format(status=status), MODEL_DOWN.en.format(status=status))
    if isinstance(status, int):
        return Text(MODEL_REJECTED.zh.format(status=status), MODEL_REJECTED.en.format(status=status))
    return UNAVAILABLE


def _render_prompt(lang: str, *, today: date, user: str, project: str) -> str:
    return PROMPTS[lang].format(
        today=today.isoformat(), weekday=WEEKDAYS[lang][today.weekday()], project=project, user=user
    )


def _describe(call: Call) -> str:
    """A call in one short line: log_labor(worker=李四, date=2026-11-24, days=1)."""
    args = ", ".join(f"{k}={v}" for k, v in call.args.items() if v is not None)
    return f"{call.tool}({args})"


def _history(history: Sequence[tuple[str, str]]) -> list[AnyMessage]:
    return [HumanMessage(text) if role == "user" else AIMessage(text) for role, text in history]
