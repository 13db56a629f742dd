"""`sitebot parse`: the calls a message would make, without running them."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from bot.router import INTERNAL, TOO_LONG, Incoming, Router
from storage.db import begin_write
from tools.base import Call, Context, Result, Retry, execute, prepare
from tools.sanitize import clean

log = logging.getLogger(__name__)


def plan_json(router: Router, text: str, *, user_id: int, project_code: str | None, today: date | None) -> str:
    """One JSON object: {"calls": [...], "source": "command|rules|llm|none", "confirm"?: true, "question"?: "..."}."""
    return json.dumps(
        plan_dict(router, text, user_id=user_id, project_code=project_code, today=today),
        ensure_ascii=False,
        default=str,
    )


def plan_dict(
    router: Router, text: str, *, user_id: int, project_code: str | None, today: date | None
) -> dict[str, Any]:
    """Rules first; the model only when the rules are unsure and a model is configured.

    confirm is true when the calls would be proposed (run only after a yes); question is what the assistant
    would ask or say. A write with no confirm would be made at once.
    """
    text = clean(text).strip()
    incoming = Incoming(text=text, user_id=user_id, chat_key="parse", project_code=project_code, today=today)
    with router.sessions() as session:
        ctx = router.context(session, incoming)
        if not text:
            return {"calls": [], "source": "none"}
        if len(text) > router.max_text:
            return {"calls": [], "source": "none", "question": ctx.t(TOO_LONG, limit=router.max_text)}
        try:
            plan = router.plan(ctx, text)
        except Exception:  # as the router answers it: nothing planned, a plain sentence, the trace in the log only
            log.exception("planning a message failed")
            return {"calls": [], "source": "none", "question": ctx.t(INTERNAL)}
        if plan.source == "command" and not plan.calls:
            out: dict[str, Any] = {"calls": [], "source": "command"}
            if plan.question:
                out["question"] = plan.question  # help text, or what a command is missing
            return out
        if plan.calls and (plan.confident or plan.confirm):
            out = plan.to_json()
            if plan.writes and not plan.confirm:
                asked = _asked_by_tools(ctx, plan.calls)
                if asked is not None:  # the tools would propose it (an odd figure, a stopped line): say so
                    out["confirm"] = True
                    out["question"] = asked
            return out
        if router.agent is not None and plan.source != "command":
            calls = router.agent.plan(ctx, text, history=[])
            if calls:
                # the model's writes are proposed, never made at once
                writes = any(router.agent.writes(call.tool) for call in calls)
                out = {"calls": [_call(c.tool, c.args) for c in calls], "source": "llm"}
                if writes:
                    out["confirm"] = True
                return out
        out = {"calls": [], "source": "none"}
        if plan.question:
            out["question"] = plan.question
        return out


def _call(tool: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"tool": tool, "args": args}


def _asked_by_tools(ctx: Context, calls: list[Call]) -> str | None:
    """Run the calls as the router would, and roll everything back: the question when a tool would rather ask
    (NeedsConfirmation), so `parse` never reports as made at once a write the assistant would propose."""
    prepared = prepare(ctx, calls)
    if isinstance(prepared, Result):
        return None  # refused: nothing would be written either way
    begin_write(ctx.session)
    try:
        results = execute(ctx, prepared)
    except Retry:
        return None
    finally:
        ctx.session.rollback()
    proposed = next((r for r in results if r.proposal is not None), None)
    return proposed.text if proposed is not None else None
