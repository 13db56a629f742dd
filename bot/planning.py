"""`sitebot parse`: the calls a message would make, without running them."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.router import Incoming, Router


def plan_json(router: Router, text: str, *, user_id: int, project_code: str | None, today: date | None) -> str:
    """One JSON object: {"calls": [{"tool", "args"}], "source": "command|rules|llm|none"}."""
    return json.dumps(
        plan_dict(router, text, user_id=user_id, project_code=project_code, today=today),
        ensure_ascii=False,
        default=str,
    )


def plan_dict(
    router: Router, text: str, *, user_id: int, project_code: str | None, today: date | None
) -> dict[str, Any]:
    """Rules first; the model only when the rules are unsure and a model is configured."""
    incoming = Incoming(text=text, user_id=user_id, chat_key="parse", project_code=project_code, today=today)
    with router.sessions() as session:
        ctx = router.context(session, incoming)
        if not text.strip():
            return {"calls": [], "source": "none"}
        plan = router.plan(ctx, text.strip())
        if plan.source == "command" and not plan.calls:
            return {"calls": [], "source": "command"}  # help text, or a command missing a value
        if plan.calls and plan.confident:
            return {"calls": [_call(c.tool, c.args) for c in plan.calls], "source": plan.source}
        if router.agent is not None and plan.source != "command":
            calls = router.agent.plan(ctx, text.strip(), history=[])
            if calls:
                return {"calls": [_call(c.tool, c.args) for c in calls], "source": "llm"}
        return {"calls": [], "source": "none"}


def _call(tool: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"tool": tool, "args": args}
