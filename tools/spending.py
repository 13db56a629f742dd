"""cost_summary: what was spent, filtered by period, category, item and supplier — totals in SQL."""

from __future__ import annotations

from typing import Any

from storage.queries.costs import ZERO, cost_report
from tools import resolve
from tools.args import CostSummary
from tools.base import ANY_MEMBER, Context, Result, Text, ToolError, require_role, tool
from tools.categories import CATEGORIES, category_label
from tools.fmt import day_text, yuan

MAX_LINES = 10

_HEAD = Text(
    "{code} 花费{filters}：合计 {total}（{count} 笔）", "{code} spending{filters}: {total} in all ({count} entries)"
)
_PERIOD = Text("，{start} 至 {end}", ", {start} to {end}")
_UNTIL = Text("，截至 {end}", ", up to {end}")
_CATEGORY = Text("，{label}", ", {label}")
_ITEM = Text("，“{item}”", ", “{item}”")
_VENDOR = Text("，供应商“{vendor}”", ", supplier “{vendor}”")
_BY_CATEGORY = Text("· {label}：{amount}（{count} 笔）", "· {label}: {amount} ({count})")
_RECENT = Text("最近的记录：", "Latest entries:")
_LINE = Text("· {day} {label} {amount}{detail}", "· {day} {label} {amount}{detail}")
_NOTHING = Text("这段时间没有符合条件的花费。", "No spending matches in this period.")
_START_AFTER_END = Text("开始日期 {start} 晚于结束日期 {end}。", "The start date {start} is after the end date {end}.")


@tool(args=CostSummary, roles=ANY_MEMBER)
def cost_summary(ctx: Context, args: CostSummary) -> Result:
    """What was spent: total and entries, filtered by period, category, an item (钢筋) or a supplier."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    end = min(args.end or ctx.today, ctx.today)  # nothing dated after today counts
    start = args.start
    if start is not None and start > end:
        raise ToolError(_START_AFTER_END, start=start.isoformat(), end=end.isoformat())
    category = resolve.category(ctx, project, args.category) if args.category else None
    totals, lines = cost_report(
        session=ctx.session,
        project_id=project.id,
        start=start,
        end=end,
        category=category,
        item=args.item,
        vendor=args.vendor,
        limit=MAX_LINES,
    )
    total = sum((amount for amount, _ in totals.values()), ZERO)
    count = sum(n for _, n in totals.values())
    filters = (
        ctx.t(_PERIOD, start=day_text(start, ctx.language, ctx.today), end=day_text(end, ctx.language, ctx.today))
        if start is not None
        else ctx.t(_UNTIL, end=day_text(end, ctx.language, ctx.today))
    )
    if category:
        filters += ctx.t(_CATEGORY, label=category_label(category, ctx.language))
    if args.item:
        filters += ctx.t(_ITEM, item=args.item)
    if args.vendor:
        filters += ctx.t(_VENDOR, vendor=args.vendor)
    texts = [ctx.t(_HEAD, code=project.code, filters=filters, total=yuan(total), count=count)]
    if not count:
        texts.append(ctx.t(_NOTHING))
    ordered = sorted(totals, key=lambda c: (CATEGORIES.index(c) if c in CATEGORIES else len(CATEGORIES), c))
    if len(ordered) > 1:
        texts += [
            ctx.t(_BY_CATEGORY, label=category_label(c, ctx.language), amount=yuan(totals[c][0]), count=totals[c][1])
            for c in ordered
        ]
    if lines:
        texts.append(ctx.t(_RECENT))
        for line in lines:
            detail = " ".join(part for part in (line.vendor, line.note) if part)
            texts.append(
                ctx.t(
                    _LINE,
                    day=day_text(line.day, ctx.language, ctx.today),
                    label=category_label(line.category, ctx.language),
                    amount=yuan(line.amount),
                    detail=f"（{detail}）" if detail and ctx.language == "zh" else f" ({detail})" if detail else "",
                )
            )
    data: dict[str, Any] = {
        "project": project.code,
        "start": start,
        "end": end,
        "category": category,
        "item": args.item,
        "vendor": args.vendor,
        "total": total,
        "count": count,
        "by_category": {c: {"amount": a, "count": n} for c, (a, n) in totals.items()},
    }
    return Result(ok=True, text="\n".join(texts), data=data)
