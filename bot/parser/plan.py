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
    """Planned calls: confident=True means safe to run without asking; question is what to ask when unsure."""

    calls: list[Call] = field(default_factory=list)
    source: Source = "none"
    confident: bool = False
    question: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The design's `parse --json` shape."""
        return {"calls": [{"tool": c.tool, "args": c.args} for c in self.calls], "source": self.source}

    @property
    def writes(self) -> bool:
        return any(writes(c.tool) for c in self.calls)
