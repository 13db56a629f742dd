"""What the parser and the commands hand to the router: planned tool calls and how sure they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tools.base import REGISTRY, Call

Source = Literal["command", "rules", "none"]

# Tools that write: from the registry when the tool modules are loaded, else this list (the design's table).
_WRITES = frozenset(
    {"log_labor", "record_advance", "settle_wages", "add_cost", "update_task_progress", "record_fund", "undo_last"}
)


def writes(tool: str) -> bool:
    """Whether a tool writes to the database."""
    spec = REGISTRY.get(tool)
    return spec.writes if spec is not None else tool in _WRITES


@dataclass
class Plan:
    """Planned calls and how to use them.

    confident: safe to run without asking. confirm: the calls are a proposal, run only after the user says yes
    (question then says why). question alone: what to ask; slot names the kind of value asked for (project,
    amount, category, days, worker) and choices the values offered, so a short answer completes the message.
    """

    calls: list[Call] = field(default_factory=list)
    source: Source = "none"
    confident: bool = False
    question: str | None = None
    confirm: bool = False
    slot: str | None = None
    choices: list[str] = field(default_factory=list)
    replace: str | None = None  # the word of the message a chosen value stands for (张山 → 张三)

    def to_json(self) -> dict[str, Any]:
        """The `parse --json` shape: calls and source; confirm when the calls wait for a yes; the question asked."""
        out: dict[str, Any] = {"calls": [{"tool": c.tool, "args": c.args} for c in self.calls], "source": self.source}
        if self.confirm and self.calls:
            out["confirm"] = True
        if self.question:
            out["question"] = self.question
        return out

    @property
    def writes(self) -> bool:
        return any(writes(c.tool) for c in self.calls)
