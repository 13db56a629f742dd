"""The heart: every operation is one typed tool function; importing this package registers them all.

Adding a tool is one function with @tool(...) in its module plus, for a new module, one import here.
"""

from tools import (  # noqa: F401 - importing registers the tools
    charts,
    costs,
    exports,
    funds,
    health,
    labor,
    labor_summary,
    members,
    parties,
    projects,
    spending,
    statements,
    tasks,
    undo,
    wages,
    workers,
)
from tools.base import REGISTRY, Call, Context, Result, ToolError, run_calls, run_tool

TOOLS = REGISTRY

__all__ = ["REGISTRY", "TOOLS", "Call", "Context", "Result", "ToolError", "run_calls", "run_tool"]
