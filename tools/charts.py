"""show_chart: PNG charts of a project's budget, S-curve and daily 工日, drawn offline in a bundled CJK font.

Rendering uses matplotlib's object API (Figure + FigureCanvasAgg), never pyplot, so no global backend or
rcParams change. Every text element is set in Noto Sans SC from the pylopdf-fonts-zh-cn package; when
that font is missing the chart fails loudly instead of drawing boxes for Chinese.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from math import ceil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.models import Project
from storage.queries.charts import Step, actual_cost_steps, days_worked_by_date, earned_value_steps
from storage.queries.costs import ZERO, actual_by_category, budget_lines
from storage.queries.tasks import planned_cost_windows, planned_span
from tools import resolve
from tools.args import ShowChart
from tools.base import ANY_MEMBER, Attachment, Context, Lang, Result, Text, require_role, tool
from tools.categories import CATEGORIES, CATEGORY_LABELS, category_label
from tools.earned_value import planned_value
from tools.fmt import qty
from tools.forecast import forecast as forecast_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PNG_MIME = "image/png"
DPI = 100
SIZE_INCHES = (8.0, 5.0)  # 800 × 500 px at DPI
MAX_POINTS = 200  # an S-curve longer than this many days is drawn a week (or a few) per point
LABOR_DAYS = 30
LABEL_WIDTH = 16  # a category label wider than this many Latin letters is cut short under its bars
MONEY_SCALE: dict[str, Decimal] = {"zh": Decimal(10_000), "en": Decimal(1_000)}  # 万元, thousand yuan
CENT = Decimal("0.01")

COLORS = {
    "budget": "#9aa5b1",
    "actual": "#d9534f",
    "forecast": "#f0ad4e",
    "planned": "#5b7fde",
    "earned": "#2e9e5b",
    "days": "#5b7fde",
    "grid": "#e6e6e6",
    "note": "#666666",
}

# -- words -----------------------------------------------------------------------------------------

_BUDGET_TITLE = Text("{code} {name} 预算执行（截至 {today}）", "{code} {name} budget vs actual (as of {today})")
_BUDGET = Text("预算", "Budget")
_ACTUAL = Text("实际", "Actual")
_FORECAST = Text("预计完工", "Forecast at completion")
_MONEY_AXIS = Text("金额（万元）", "Amount (thousand ¥)")
_NO_FORECAST = Text(
    "还没有任务进度：预计完工按各科目自身花费", "No task progress yet: forecasts are each line's own spending"
)
_SCURVE_TITLE = Text("{code} {name} S曲线（{start} 至 {today}）", "{code} {name} S-curve ({start} to {today})")
_PLANNED = Text("计划值", "Planned value (PV)")
_EARNED = Text("挣值", "Earned value (EV)")
_ACTUAL_COST = Text("实际成本", "Actual cost (AC)")
_LABOR_TITLE = Text(
    "{code} {name} 近{n}天每日工日（{start} 至 {end}）", "{code} {name} man-days per day ({start} to {end})"
)
_DAYS_AXIS = Text("工日", "Man-days")
_DATE_AXIS = Text("日期", "Date")

_BUDGET_TEXT = Text(
    "{code} 预算执行图：各成本科目的预算、截至 {today} 的实际和预计完工成本。",
    "{code} budget chart: budget, actual to {today} and forecast at completion per cost category.",
)
_SCURVE_TEXT = Text(
    "{code} S曲线：{start} 至 {today} 的累计计划值、挣值和实际成本。",
    "{code} S-curve: cumulative planned value, earned value and actual cost from {start} to {today}.",
)
_LABOR_TEXT = Text(
    "{code} 每日工日：{start} 至 {end} 共 {total} 工。",
    "{code} man-days per day from {start} to {end}: {total} in all.",
)

_LABELS = (
    _BUDGET_TITLE,
    _BUDGET,
    _ACTUAL,
    _FORECAST,
    _MONEY_AXIS,
    _NO_FORECAST,
    _SCURVE_TITLE,
    _PLANNED,
    _EARNED,
    _ACTUAL_COST,
    _LABOR_TITLE,
    _DAYS_AXIS,
    _DATE_AXIS,
    *CATEGORY_LABELS.values(),
)


def label_characters() -> str:
    """Every character the charts' own words and numbers can draw (placeholders excluded)."""
    words = "".join(re.sub(r"\{\w+\}", "", f"{label.zh}{label.en}") for label in _LABELS)
    return "".join(sorted(set(words + "0123456789,.-…") - {" "}))


# -- the font ----------------------------------------------------------------------------------------


class ChartFontError(RuntimeError):
    """The bundled CJK font is missing or unusable, so a chart would show boxes instead of Chinese."""


def font_path() -> Path:
    """The Noto Sans SC file that the pylopdf-fonts-zh-cn package (a dependency of sitebot) installs."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError as error:
        raise ChartFontError(
            "the chart font package pylopdf-fonts-zh-cn is not installed; reinstall sitebot's dependencies"
        ) from error
    return Path(sans_path())


def missing_glyphs(path: Path | str, characters: str) -> str:
    """The characters a font file has no glyph for."""
    from matplotlib.ft2font import FT2Font

    font = FT2Font(str(path))
    return "".join(c for c in characters if font.get_char_index(ord(c)) == 0)


def register_font(path: Path) -> str:
    """Add a font file to matplotlib's font manager and return its family name, once it is known to draw our labels."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    if not path.is_file():
        raise ChartFontError(f"chart font {path} not found; reinstall sitebot's dependencies (pylopdf-fonts-zh-cn)")
    missing = missing_glyphs(path, label_characters())
    if missing:
        raise ChartFontError(f"chart font {path} has no glyphs for {missing!r}")
    font_manager.fontManager.addfont(path)
    family = FT2Font(str(path)).family_name
    try:
        found = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    except ValueError as error:
        raise ChartFontError(f"matplotlib does not find the chart font family {family!r} from {path}") from error
    # Another installed font may answer to the same family name; it must draw our labels too.
    if missing_glyphs(found, label_characters()):
        raise ChartFontError(f"the chart font family {family!r} resolves to {found}, which lacks Chinese glyphs")
    return family


_FONT_LOCK = threading.Lock()  # tools run in worker threads: register the font once


@cache
def _registered_family() -> str:
    return register_font(font_path())


def chart_font() -> str:
    """The family name every chart's text is set in, registered with matplotlib on first use."""
    with _FONT_LOCK:
        return _registered_family()


# -- drawing -------------------------------------------------------------------------------------------


def tick_number(value: float, _position: int | None = None) -> str:
    """An axis tick as 1,234.5: thousands separated, no trailing zeros, never scientific notation."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _width(text: str) -> int:
    """Display width: a Chinese character takes two Latin letters' room."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def short_label(label: str) -> str:
    """A category label that fits under its bars: at most LABEL_WIDTH Latin letters or half as many Chinese."""
    if _width(label) <= LABEL_WIDTH:
        return label
    while _width(label) > LABEL_WIDTH - 1:
        label = label[:-1]
    return label + "…"


def _canvas(title: str) -> tuple[Figure, Axes]:
    """An empty 800 × 500 figure with one axes and its title, set in the chart font."""
    # matplotlib takes most of a second to import: load it with the first chart, not at every start.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    family = chart_font()
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(figure)
    # Fixed margins rather than a layout engine: a layout engine triples the time a chart takes.
    figure.subplots_adjust(left=0.1, right=0.94, top=0.9, bottom=0.13)
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=13, fontfamily=family)
    axes.tick_params(labelfontfamily=family, labelsize=9)
    axes.grid(axis="y", color=COLORS["grid"])
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _value_axis(axes: Axes, label: str, top: float) -> None:
    from matplotlib.ticker import FuncFormatter

    axes.yaxis.set_major_formatter(FuncFormatter(tick_number))
    axes.set_ylabel(label)
    axes.set_ylim(0, top * 1.08 if top > 0 else 1)


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes, every text in the chart font and no software or time stamp in the file."""
    from matplotlib.text import Text as Label

    family = chart_font()
    for text in figure.findobj(Label):
        text.set_fontfamily(family)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _scaled(values: Sequence[Decimal], scale: Decimal) -> list[float]:
    """Money as floats in the axis unit: the one place Decimal becomes float, for plotting only."""
    return [float(value / scale) for value in values]


@dataclass(frozen=True)
class BudgetBar:
    category: str
    label: str
    budget: Decimal
    actual: Decimal
    forecast: Decimal | None  # None until some work is reported done


def draw_budget(bars: Sequence[BudgetBar], *, title: str, lang: Lang, note: str | None = None) -> Figure:
    """Three bars per cost category: budget, actual to date, forecast at completion."""
    figure, axes = _canvas(title)
    scale = MONEY_SCALE[lang]
    width = 0.26
    slots = list(range(len(bars)))
    budgets = _scaled([bar.budget for bar in bars], scale)
    actuals = _scaled([bar.actual for bar in bars], scale)
    forecast_slots = [slot for slot, bar in zip(slots, bars, strict=True) if bar.forecast is not None]
    forecasts = _scaled([bar.forecast for bar in bars if bar.forecast is not None], scale)
    axes.bar([s - width for s in slots], budgets, width, label=_BUDGET.render(lang), color=COLORS["budget"])
    axes.bar(slots, actuals, width, label=_ACTUAL.render(lang), color=COLORS["actual"])
    if forecasts:
        axes.bar(
            [s + width for s in forecast_slots],
            forecasts,
            width,
            label=_FORECAST.render(lang),
            color=COLORS["forecast"],
        )
    axes.set_xticks(slots, [short_label(bar.label) for bar in bars])
    _value_axis(axes, _MONEY_AXIS.render(lang), max([*budgets, *actuals, *forecasts, 0.0]))
    axes.legend(loc="upper right", frameon=False, fontsize=9)
    if note:
        figure.text(0.94, 0.015, note, ha="right", va="bottom", fontsize=8, color=COLORS["note"])
    return figure


@dataclass(frozen=True)
class CurvePoint:
    day: date
    planned: Decimal  # PV to the end of day
    earned: Decimal  # EV by the progress reported on or before day
    actual: Decimal  # AC of entries dated on or before day


def draw_scurve(points: Sequence[CurvePoint], *, title: str, lang: Lang) -> Figure:
    """Cumulative planned value, earned value and actual cost over time."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure, axes = _canvas(title)
    scale = MONEY_SCALE[lang]
    start = points[0].day
    offsets = [(point.day - start).days for point in points]
    series = (
        (_PLANNED, [p.planned for p in points], COLORS["planned"], "--"),
        (_EARNED, [p.earned for p in points], COLORS["earned"], "-"),
        (_ACTUAL_COST, [p.actual for p in points], COLORS["actual"], "-"),
    )
    top = 0.0
    marker = "o" if len(points) == 1 else None
    for label, values, color, style in series:
        scaled = _scaled(values, scale)
        top = max(top, *scaled)
        axes.plot(offsets, scaled, style, label=label.render(lang), color=color, linewidth=2, marker=marker)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=1))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: (start + timedelta(days=round(x))).isoformat()))
    axes.set_xlim(0, max(offsets[-1], 1))
    axes.set_xlabel(_DATE_AXIS.render(lang))
    _value_axis(axes, _MONEY_AXIS.render(lang), top)
    axes.legend(loc="upper left", frameon=False, fontsize=9)
    return figure


@dataclass(frozen=True)
class DayPoint:
    day: date
    days: Decimal  # 工日 worked that day, overtime excluded


def draw_labor(points: Sequence[DayPoint], *, title: str, lang: Lang) -> Figure:
    """工日 per day as bars, a day with no labour as an empty slot."""
    figure, axes = _canvas(title)
    slots = list(range(len(points)))
    heights = [float(point.days) for point in points]
    axes.bar(slots, heights, 0.7, color=COLORS["days"])
    labelled = slots[::-5][::-1]  # every fifth day, counted back from the last so that today has a label
    axes.set_xticks(labelled, [points[slot].day.strftime("%m-%d") for slot in labelled])
    axes.set_xlim(-0.7, len(points) - 0.3)
    axes.set_xlabel(_DATE_AXIS.render(lang))
    _value_axis(axes, _DAYS_AXIS.render(lang), max([*heights, 0.0]))
    return figure


# -- data ---------------------------------------------------------------------------------------------


def cents(amount: Decimal) -> Decimal:
    """Money to the cent, for a figure that is shown."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def budget_bars(ctx: Context, project: Project) -> tuple[list[BudgetBar], Decimal | None]:
    """The five standard categories, then the project's own lines and any category spent without a budget."""
    session = ctx.session
    lines = {line.category: line for line in budget_lines(session=session, project_id=project.id)}
    actual = actual_by_category(session=session, project_id=project.id, until=ctx.today)
    status = forecast_of(session, project, ctx.today, today=ctx.today)  # the same forecast as /budget and /health
    forecasts = {line.category: line.eac for line in status.lines}
    complete = status.percent_complete
    own = [category for category in lines if category not in CATEGORIES]
    unbudgeted = sorted(category for category in actual if category not in CATEGORIES and category not in lines)
    bars = []
    for category in [*CATEGORIES, *own, *unbudgeted]:
        line = lines.get(category)
        spent = actual.get(category, ZERO)
        forecast = forecasts.get(category)
        bars.append(
            BudgetBar(
                category=category,
                label=category_label(category, ctx.language, line.label if line else None),
                budget=line.amount if line else ZERO,
                actual=spent,
                forecast=cents(forecast) if forecast is not None else None,
            )
        )
    return bars, complete


def curve_dates(start: date, end: date, most: int = MAX_POINTS) -> list[date]:
    """start to end, both included: every day, or every week (or few weeks) when days would be more than most."""
    span = (end - start).days
    step = 1 if span < most else 7 * ceil(span / (7 * (most - 1)))
    days = [start + timedelta(days=offset) for offset in range(0, span + 1, step)]
    if days[-1] != end:
        days.append(end)
    return days


def _as_of(steps: Sequence[Step], day: date) -> Decimal:
    """A running total on a day: the last step on or before it, zero before the first."""
    index = bisect_right([step.day for step in steps], day)
    return steps[index - 1].total if index else ZERO


def curve_start(ctx: Context, project: Project, *steps: Sequence[Step]) -> date:
    """Where the S-curve begins: the project's start, else its first task's, else its first entry; never after today."""
    start = project.start or planned_span(session=ctx.session, project_id=project.id)[0]
    if start is None:
        start = min((series[0].day for series in steps if series), default=ctx.today)
    return min(start, ctx.today)


def scurve_points(ctx: Context, project: Project) -> list[CurvePoint]:
    """PV, EV and AC at each chart date from the project's start to today; nothing dated after today counts."""
    session, today = ctx.session, ctx.today
    windows = [
        (w.planned_start, w.planned_finish, w.planned_cost)
        for w in planned_cost_windows(session=session, project_id=project.id, as_of=today)
    ]
    earned = earned_value_steps(session=session, project_id=project.id, until=today)
    actual = actual_cost_steps(session=session, project_id=project.id, until=today)
    status = forecast_of(session, project, today, today=today)
    # PV and EV measured against the budget, as /health does, when the tasks' planned costs disagree with it.
    scale = status.ev.bac / status.task_cost if status.task_cost and status.ev.bac else Decimal(1)
    return [
        CurvePoint(
            day=day,
            planned=cents(planned_value(windows, day) * scale),
            earned=cents(_as_of(earned, day) * scale),
            actual=_as_of(actual, day),
        )
        for day in curve_dates(curve_start(ctx, project, earned, actual), today)
    ]


def labor_points(ctx: Context, project: Project) -> list[DayPoint]:
    """工日 on each of the last LABOR_DAYS days ending today, zero where nobody worked."""
    start = ctx.today - timedelta(days=LABOR_DAYS - 1)
    worked = days_worked_by_date(session=ctx.session, project_id=project.id, start=start, end=ctx.today)
    days = [start + timedelta(days=offset) for offset in range(LABOR_DAYS)]
    return [DayPoint(day, worked.get(day, Decimal(0))) for day in days]


# -- the tool ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """One chart of a project: the line that says what it shows, the numbers plotted, and the figure."""

    text: str
    data: dict[str, Any]
    figure: Figure


def _budget_chart(ctx: Context, project: Project) -> Chart:
    bars, complete = budget_bars(ctx, project)
    lang, today = ctx.language, ctx.today.isoformat()
    figure = draw_budget(
        bars,
        title=ctx.t(_BUDGET_TITLE, code=project.code, name=project.name, today=today),
        lang=lang,
        note=None if complete else ctx.t(_NO_FORECAST),
    )
    data = {"as_of": ctx.today, "percent_complete": complete, "lines": [asdict(bar) for bar in bars]}
    return Chart(ctx.t(_BUDGET_TEXT, code=project.code, today=today), data, figure)


def _scurve_chart(ctx: Context, project: Project) -> Chart:
    points = scurve_points(ctx, project)
    start, today = points[0].day.isoformat(), ctx.today.isoformat()
    figure = draw_scurve(
        points,
        title=ctx.t(_SCURVE_TITLE, code=project.code, name=project.name, start=start, today=today),
        lang=ctx.language,
    )
    data = {"start": points[0].day, "end": ctx.today, "points": [asdict(point) for point in points]}
    return Chart(ctx.t(_SCURVE_TEXT, code=project.code, start=start, today=today), data, figure)


def _labor_chart(ctx: Context, project: Project) -> Chart:
    points = labor_points(ctx, project)
    start, end = points[0].day.isoformat(), points[-1].day.isoformat()
    total = sum((point.days for point in points), Decimal(0))
    figure = draw_labor(
        points,
        title=ctx.t(_LABOR_TITLE, code=project.code, name=project.name, n=LABOR_DAYS, start=start, end=end),
        lang=ctx.language,
    )
    data = {"start": points[0].day, "end": points[-1].day, "total": total, "days": [asdict(p) for p in points]}
    text = ctx.t(_LABOR_TEXT, code=project.code, start=start, end=end, total=qty(total))
    return Chart(text, data, figure)


CHARTS: dict[str, Callable[[Context, Project], Chart]] = {
    "budget": _budget_chart,
    "scurve": _scurve_chart,
    "labor": _labor_chart,
}


def chart_filename(kind: str, code: str, day: date) -> str:
    """budget_SG3_2026-11-25.png: a project code's odd characters become _."""
    safe_code = re.sub(r"[^\w-]", "_", code)
    return f"{kind}_{safe_code}_{day.isoformat()}.png"


@tool(args=ShowChart, roles=ANY_MEMBER)
def show_chart(ctx: Context, args: ShowChart) -> Result:
    """Draw a PNG chart: budget (per cost category), scurve (cumulative PV, EV, AC) or labor (工日 a day)."""
    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    chart = CHARTS[args.kind](ctx, project)
    png = png_bytes(chart.figure)
    attachment = Attachment(filename=chart_filename(args.kind, project.code, ctx.today), content=png, mime=PNG_MIME)
    data = {"project": project.code, "kind": args.kind, **chart.data}
    return Result(ok=True, text=chart.text, data=data, attachments=[attachment])
