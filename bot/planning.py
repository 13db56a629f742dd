"""`sitebot parse`: the calls a message would make, without running them."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.router import MAX_TEXT, TOO_LONG, Incoming, Router
from tools.sanitize import clean


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
        if len(text) > MAX_TEXT:
            return {"calls": [], "source": "none", "question": ctx.t(TOO_LONG)}
        plan = router.plan(ctx, text)
        if plan.source == "command" and not plan.calls:
            out: dict[str, Any] = {"calls": [], "source": "command"}
            if plan.question:
                out["question"] = plan.question  # help text, or what a command is missing
            return out
        if plan.calls and (plan.confident or plan.confirm):
            return plan.to_json()
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
