"""Counterparties (供应商, 分包, 甲方) of a project: found by name or alias, created when first named in a write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import Counterparty, Project, Role
from tools import audit
from tools.args import AddCounterparty, ListCounterparties
from tools.base import ANY_MEMBER, Context, Result, Text, ToolError, require_role, tool
from tools.fmt import yuan

MANAGERS = frozenset({Role.admin, Role.manager, Role.finance})
KINDS = {
    "supplier": Text("供应商", "supplier"),
    "subcontractor": Text("分包", "subcontractor"),
    "owner": Text("甲方", "owner"),
    "other": Text("其他", "other"),
}


# What site staff call the party paying for the project, whatever its registered name.
OWNER_WORDS = frozenset(
    {"甲方", "业主", "业主方", "建设单位", "建设方", "发包方", "开发商", "owner", "client", "the owner", "the client"}
)


def _norm(text: str) -> str:
    return "".join(text.split()).casefold()


def find(ctx: Context, project: Project, name: str) -> Counterparty | None:
    """The project's counterparty a name means: its name or an alias, ignoring case and spaces; or one whose name
    holds the words said when that is the only one (宏达 for 宏达挖掘机台班)."""
    wanted = _norm(name)
    if not wanted:
        return None
    rows = list(ctx.session.scalars(select(Counterparty).where(Counterparty.project_id == project.id)))
    exact = [cp for cp in rows if any(_norm(n) == wanted for n in (cp.name, *(cp.aliases or [])))]
    if len(exact) == 1:
        return exact[0]
    within = [cp for cp in rows if wanted in _norm(cp.name)]
    if len(within) == 1 and len(wanted) >= 2:
        return within[0]
    owners = [cp for cp in rows if cp.kind == "owner"]
    if wanted in OWNER_WORDS and len(owners) == 1:  # 甲方, 业主, the client: the project's one owner
        return owners[0]
    return None


def find_or_create(
    ctx: Context, project: Project, name: str, *, kind: str, changes: list[audit.Change]
) -> Counterparty:
    """The counterparty a write names, created (and audited with the write) the first time it is named."""
    found = find(ctx, project, name)
    if found is not None:
        return found
    created = Counterparty(project_id=project.id, name=name.strip()[:200], aliases=[], kind=kind, created_at=ctx.now)
    ctx.session.add(created)
    changes.append(audit.created(created))
    return created


# -- tools ------------------------------------------------------------------------------------------

_ADDED = Text("已添加{kind}“{name}”（项目 {code}）{aliases}。", "Added {kind} “{name}” to {code}{aliases}.")
_ALIASES = Text("，别名：{names}", ", also called {names}")
_EXISTS = Text("项目 {code} 已经有“{name}”了。", "Project {code} already has “{name}”.")
_HEAD = Text("{code} 往来单位（{n}）：", "{code} counterparties ({n}):")
_ROW = Text("· {name}（{kind}）：应付 {owed}", "· {name} ({kind}): owed {owed}")
_NONE = Text("{code} 还没有往来单位。", "{code} has no counterparties yet.")


@tool(args=AddCounterparty, roles=MANAGERS, writes=True, moves=())
def add_counterparty(ctx: Context, args: AddCounterparty) -> Result:
    """Add a supplier, subcontractor or the owner to a project (name, kind, aliases)."""
    from tools import resolve

    project = resolve.project(ctx, args.project)
    require_role(ctx, project, MANAGERS)
    if find(ctx, project, args.name) is not None and _norm(find(ctx, project, args.name).name) == _norm(args.name):  # type: ignore[union-attr]
        raise ToolError(_EXISTS, code=project.code, name=args.name)
    row = Counterparty(
        project_id=project.id, name=args.name, aliases=list(args.aliases), kind=args.kind, created_at=ctx.now
    )
    ctx.session.add(row)
    aliases = ctx.t(_ALIASES, names="、".join(args.aliases)) if args.aliases else ""
    text = ctx.t(_ADDED, kind=ctx.t(KINDS[args.kind]), name=args.name, code=project.code, aliases=aliases)
    log = audit.record(ctx, "add_counterparty", project, [audit.created(row)], text)
    return Result(ok=True, text=text, data={"project": project.code, "name": args.name}, audit_id=log.id)


@tool(args=ListCounterparties, roles=ANY_MEMBER)
def list_counterparties(ctx: Context, args: ListCounterparties) -> Result:
    """Suppliers, subcontractors and the owner of a project, with what is owed to each."""
    from storage.queries.funds import payables
    from tools import resolve

    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    rows = list(
        ctx.session.scalars(
            select(Counterparty).where(Counterparty.project_id == project.id).order_by(Counterparty.name)
        )
    )
    if not rows:
        return Result(ok=True, text=ctx.t(_NONE, code=project.code), data={"project": project.code, "rows": []})
    owed = {p.counterparty_id: p.owed for p in payables(session=ctx.session, project_id=project.id, until=ctx.today)}
    lines = [ctx.t(_HEAD, code=project.code, n=len(rows))]
    items: list[dict[str, Any]] = []
    for row in rows:
        lines.append(
            ctx.t(_ROW, name=row.name, kind=ctx.t(KINDS.get(row.kind, KINDS["other"])), owed=yuan(owed.get(row.id)))
        )
        items.append({"name": row.name, "kind": row.kind, "owed": owed.get(row.id)})
    return Result(ok=True, text="\n".join(lines), data={"project": project.code, "rows": items})
