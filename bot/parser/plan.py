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
    amount, category, days, worker, task) and choices the values offered, so a short answer completes the message.
    caveat: a read that could not apply part of the question names it, shown after the answer.
    """

    calls: list[Call] = field(default_factory=list)
    source: Source = "none"
    confident: bool = False
    question: str | None = None
    confirm: bool = False
    slot: str | None = None
    choices: list[str] = field(default_factory=list)
    replace: str | None = None  # the word of the message a chosen value stands for (张山 → 张三)
    caveat: str | None = None  # what part of a question the answer could not apply, said after the answer

    def to_json(self) -> dict[str, Any]:
        """The `parse --json` shape: calls and source; confirm when the calls wait for a yes; the question asked;
        note when part of a question could not be applied."""
        out: dict[str, Any] = {"calls": [{"tool": c.tool, "args": c.args} for c in self.calls], "source": self.source}
        if self.confirm and self.calls:
            out["confirm"] = True
        if self.question:
            out["question"] = self.question
        if self.caveat:
            out["note"] = self.caveat
        return out

    @property
    def writes(self) -> bool:
        return any(writes(c.tool) for c in self.calls)
