"""show_chart: real PNGs from real rows, Chinese set in the bundled font, numbers equal to the database."""

from __future__ import annotations

import io
import logging
import socket
import struct
import subprocess
import sys
import warnings
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text as Label
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import BudgetLine, CostEntry, LaborEntry, ProgressUpdate, Project, Role, Task, Worker
from storage.queries.costs import actual_total
from storage.queries.labor import by_day
from storage.queries.tasks import project_percent_complete
from tests.support.factories import Factory
from tools import charts, run_tool
from tools.base import INTERNAL, Context, Result
from tools.charts import (
    BudgetBar,
    ChartFontError,
    chart_filename,
    curve_dates,
    font_path,
    png_bytes,
    register_font,
    tick_number,
)

TODAY = date(2026, 11, 25)
KINDS = ("budget", "scurve", "labor")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONSTRUCTION_SIGN = "\N{BUILDING CONSTRUCTION}"  # an emoji no Chinese font has


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


# -- rows ----------------------------------------------------------------------------------------


def add_cost(session: Session, project: Project, category: str, amount: str, day: date) -> None:
    session.add(CostEntry(project_id=project.id, category=category, amount=Decimal(amount), entry_date=day))
    session.commit()


def add_labor(session: Session, project: Project, worker: Worker, day: date, worked: str, amount: str) -> None:
    session.add(
        LaborEntry(
            project_id=project.id,
            worker_id=worker.id,
            work_date=day,
            days=Decimal(worked),
            daily_rate=worker.daily_rate,
            amount=Decimal(amount),
        )
    )
    session.commit()


def report(session: Session, task: Task, day: date, percent: str) -> None:
    """A progress report, as update_task_progress writes it: the task takes the newest figure."""
    session.add(ProgressUpdate(task_id=task.id, reported_on=day, percent=Decimal(percent)))
    task.percent = Decimal(percent)
    session.commit()


@pytest.fixture
def site(session: Session, make: Factory) -> Project:
    """Budgets (one a line of the project's own), three tasks reported over time, costs and labour."""
    project = make.project(code="SG3", name="阳光花园3号楼", start=days(-60), finish=days(100))
    make.budget(project, "labor", 5000)
    make.budget(project, "materials", 10000)
    make.budget(project, "safety", 2000, label="安全文明施工费")
    foundation = make.task(
        project, "基础施工", planned_start=days(-60), planned_finish=days(-31), planned_cost=Decimal(3000)
    )
    structure = make.task(
        project, "主体结构", planned_start=days(-30), planned_finish=days(29), planned_cost=Decimal(6000)
    )
    make.task(project, "装修", planned_start=days(30), planned_finish=days(90), planned_cost=Decimal(1000))
    report(session, foundation, days(-40), "50")
    report(session, foundation, days(-31), "100")
    report(session, structure, days(-20), "10")
    report(session, structure, days(-10), "33.33")
    report(session, structure, days(-10), "30")  # same day, written later: this one stands
    report(session, structure, days(-5), "25")  # a correction downwards
    report(session, structure, days(-2), "45.5")
    add_cost(session, project, "materials", "1234.56", days(-50))
    add_cost(session, project, "materials", "0.01", TODAY)
    add_cost(session, project, "safety", "300", days(-5))
    add_cost(session, project, "overhead", "99.99", days(-15))
    add_cost(session, project, "fees", "10", days(-3))  # a category with no budget line
    zhang, li = make.worker("张三", 350), make.worker("李四", 380)
    add_labor(session, project, zhang, days(-30), "1", "350")  # in AC, before the labour chart's 30 days
    add_labor(session, project, zhang, days(-29), "0.5", "175")
    add_labor(session, project, zhang, days(-1), "1", "350")
    add_labor(session, project, li, days(-1), "1", "380")
    add_labor(session, project, zhang, TODAY, "1.5", "525")
    other = make.project(code="BJ", name="滨江路市政改造")
    add_labor(session, other, li, days(-2), "1", "380")
    add_cost(session, other, "materials", "5000", days(-2))
    return project


def show(make: Factory, project: Project, kind: str, *, language: str = "zh", **ctx: Any) -> Result:
    return run_tool(make.ctx(project=project, language=language, **ctx), "show_chart", {"kind": kind})


def drawn(make: Factory, project: Project, kind: str, *, language: str = "zh") -> Figure:
    """The chart's figure after it was rendered, so that its tick labels exist too."""
    chart = charts.CHARTS[kind](make.ctx(project=project, language=language), project)
    png_bytes(chart.figure)
    return chart.figure


def texts(figure: Figure) -> list[str]:
    return [text.get_text() for text in figure.findobj(Label) if text.get_text()]


@cache
def font_characters() -> frozenset[int]:
    """Every code point the bundled font file has a glyph for, read with fontTools."""
    font = TTFont(font_path(), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def png_chunks(content: bytes) -> list[bytes]:
    chunks, position = [], len(PNG_SIGNATURE)
    while position < len(content):
        (length,) = struct.unpack(">I", content[position : position + 4])
        chunks.append(content[position + 4 : position + 8])
        position += length + 12
    return chunks


# -- the PNG ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_each_chart_is_an_800_by_500_png(make: Factory, site: Project, kind: str, language: str) -> None:
    result = show(make, site, kind, language=language)
    assert result.ok, result.text
    [attachment] = result.attachments
    assert attachment.filename == f"{kind}_SG3_2026-11-25.png"
    assert attachment.mime == "image/png"
    assert attachment.content.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(attachment.content)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (800, 500), "RGBA")
        image.load()
        assert image.getextrema()[0][0] < 128  # something dark was drawn on the white page
    assert "\n" not in result.text and "SG3" in result.text


def test_the_reply_says_what_the_chart_shows_in_the_context_language(make: Factory, site: Project) -> None:
    assert show(make, site, "budget").text == "SG3 预算执行图：各成本科目的预算、截至 2026-11-25 的实际和预计完工成本。"
    assert show(make, site, "scurve", language="en").text == (
        "SG3 S-curve: cumulative planned value, earned value and actual cost from 2026-09-26 to 2026-11-25."
    )
    assert show(make, site, "labor").text == "SG3 每日工日：2026-10-27 至 2026-11-25 共 4 工。"


def test_a_png_has_no_time_or_software_stamp_and_the_same_rows_give_the_same_bytes(
    make: Factory, site: Project
) -> None:
    first = show(make, site, "scurve").attachments[0].content
    again = show(make, site, "scurve").attachments[0].content
    assert first == again
    assert set(png_chunks(first)) <= {b"IHDR", b"pHYs", b"IDAT", b"IEND"}


def test_file_names_keep_a_project_code_safe() -> None:
    assert chart_filename("labor", "SG3", TODAY) == "labor_SG3_2026-11-25.png"
    assert chart_filename("budget", "A/B 1", TODAY) == "budget_A_B_1_2026-11-25.png"


# -- the font -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_text_is_set_in_the_bundled_font_and_the_font_has_each_character(
    make: Factory, site: Project, kind: str, language: str
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = drawn(make, site, kind, language=language)
    assert not [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not caught, [str(w.message) for w in caught]
    labels = [text for text in figure.findobj(Label) if text.get_text()]
    assert len(labels) > 5
    for text in labels:
        assert Path(font_manager.findfont(text.get_fontproperties())) == font_path(), text.get_text()
        missing = [c for c in text.get_text() if ord(c) not in font_characters()]
        assert not missing, (text.get_text(), missing)


@pytest.mark.parametrize(
    ("kind", "language", "words"),
    [
        ("budget", "zh", ["预算", "实际", "预计完工", "金额（万元）", "人工费", "材料费", "安全文明施工费"]),
        ("budget", "en", ["Budget", "Actual", "Forecast at completion", "Amount (thousand ¥)", "Labor"]),
        ("scurve", "zh", ["计划值", "挣值", "实际成本", "金额（万元）", "日期"]),
        ("scurve", "en", ["Planned value (PV)", "Earned value (EV)", "Actual cost (AC)", "Date"]),
        ("labor", "zh", ["工日", "日期", "11-25"]),
        ("labor", "en", ["Man-days", "Date", "11-25"]),
    ],
)
def test_titles_axes_and_legends_speak_the_context_language(
    make: Factory, site: Project, kind: str, language: str, words: list[str]
) -> None:
    shown = texts(drawn(make, site, kind, language=language))
    assert set(words) <= set(shown), shown
    assert any("阳光花园3号楼" in text for text in shown)  # the title names the project, in any language


def test_a_character_the_font_lacks_is_a_warning_not_a_silent_box(make: Factory, site: Project) -> None:
    assert ord(CONSTRUCTION_SIGN) not in font_characters()
    site.name = f"阳光花园{CONSTRUCTION_SIGN}"
    with pytest.warns(UserWarning, match="missing from font"):
        drawn(make, site, "labor")


def test_the_font_comes_from_the_installed_package_and_has_the_chart_words() -> None:
    path = font_path()
    assert path.name == "NotoSansSC-Regular.otf" and path.is_file()
    assert "pylopdf_fonts_zh_cn" in path.parts
    assert charts.chart_font() == "Noto Sans SC"
    assert all(ord(c) in font_characters() for c in charts.label_characters())


def test_a_missing_font_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ChartFontError, match="not found"):
        register_font(tmp_path / "NotoSansSC-Regular.otf")


def test_a_font_without_chinese_is_refused_rather_than_drawing_boxes() -> None:
    latin_only = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    with pytest.raises(ChartFontError, match="no glyphs"):
        register_font(latin_only)


def test_a_missing_font_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)
    with pytest.raises(ChartFontError, match="pylopdf-fonts-zh-cn"):
        font_path()


def test_the_tool_fails_loudly_when_the_font_is_gone(
    make: Factory, site: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(charts, "font_path", lambda: tmp_path / "gone.otf")
    monkeypatch.setattr(charts, "_registered_family", cache(lambda: register_font(charts.font_path())))
    with caplog.at_level(logging.ERROR, logger="tools.base"):
        result = show(make, site, "budget")
    assert not result.ok and result.text == INTERNAL.zh and not result.attachments
    assert any(isinstance(r.exc_info[1], ChartFontError) for r in caplog.records if r.exc_info)


# -- no network -----------------------------------------------------------------------------------


def _refuse(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("a chart tried to use the network")


def test_rendering_opens_no_connection(make: Factory, site: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    ready = [charts.CHARTS[kind](make.ctx(project=site), site) for kind in KINDS]
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)
    register_font(font_path())
    for chart in ready:
        assert png_bytes(chart.figure).startswith(PNG_SIGNATURE)


FRESH_MACHINE = """
import socket, sys
def refuse(*args, **kwargs):
    raise AssertionError("network used")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse
from datetime import date
from decimal import Decimal
from tools.charts import BudgetBar, CurvePoint, DayPoint, draw_budget, draw_labor, draw_scurve, png_bytes
day, money = date(2026, 11, 25), Decimal("12345.67")
figures = [
    draw_budget([BudgetBar("labor", "人工费", money, money, None)], title="预算执行", lang="zh", note="暂无预计完工"),
    draw_scurve([CurvePoint(day, money, money, money)], title="S曲线", lang="zh"),
    draw_labor([DayPoint(day, Decimal("1.5"))], title="每日工日", lang="zh"),
]
sys.stdout.write(" ".join(str(len(png_bytes(f))) for f in figures))
"""


def test_a_fresh_process_with_no_font_cache_and_no_network_renders_chinese(tmp_path: Path) -> None:
    """matplotlib builds its font list anew (as on a fresh machine) and still finds the bundled font offline."""
    config = tmp_path / "mplconfig"
    config.mkdir()
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", FRESH_MACHINE],
        env={"MPLCONFIGDIR": str(config), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert all(int(size) > 1000 for size in done.stdout.split())
    assert list(config.glob("fontlist-*.json"))  # the cache was built here, not found elsewhere


# -- who may --------------------------------------------------------------------------------------


def test_a_stranger_is_refused_and_gets_no_picture(make: Factory, site: Project) -> None:
    stranger = make.user("路人")
    result = run_tool(make.ctx(stranger), "show_chart", {"project": "SG3", "kind": "budget"})
    assert not result.ok and not result.attachments
    assert "阳光花园" not in result.text


def test_a_member_of_another_project_cannot_chart_this_one(make: Factory, site: Project) -> None:
    other = make.session.scalars(select(Project).where(Project.code == "BJ")).one()
    outsider = make.user("外人", project=other, role=Role.manager)
    result = run_tool(make.ctx(outsider), "show_chart", {"project": "SG3", "kind": "scurve"})
    assert not result.ok and not result.attachments
    assert "阳光花园" not in result.text


@pytest.mark.parametrize("role", list(Role))
def test_any_member_may_see_charts(make: Factory, site: Project, role: Role) -> None:
    member = make.user(f"u-{role.value}", project=site, role=role)
    assert run_tool(make.ctx(member, project=site), "show_chart", {"kind": "labor"}).ok


# -- budget numbers --------------------------------------------------------------------------------


def _sum(session: Session, query: Any) -> Decimal:
    return session.scalar(query) or Decimal("0.00")


def test_budget_numbers_equal_the_database_to_the_cent(session: Session, make: Factory, site: Project) -> None:
    data = show(make, site, "budget").data
    lines = data["lines"]
    assert [line["category"] for line in lines] == [
        "labor",
        "materials",
        "machinery",
        "subcontract",
        "overhead",
        "safety",
        "fees",
    ]
    complete = project_percent_complete(session=session, project_id=site.id)
    assert complete is not None and data["percent_complete"] == complete
    for line in lines:
        budget = session.scalar(
            select(BudgetLine.amount).where(BudgetLine.project_id == site.id, BudgetLine.category == line["category"])
        )
        actual = _sum(
            session,
            select(func.sum(CostEntry.amount)).where(
                CostEntry.project_id == site.id, CostEntry.category == line["category"], CostEntry.entry_date <= TODAY
            ),
        )
        if line["category"] == "labor":
            actual += _sum(
                session,
                select(func.sum(LaborEntry.amount)).where(
                    LaborEntry.project_id == site.id, LaborEntry.work_date <= TODAY
                ),
            )
        assert line["budget"] == (budget or Decimal(0)), line
        assert line["actual"] == actual, line
        assert all(isinstance(line[key], Decimal) for key in ("budget", "actual"))
        assert line["forecast"] is None or isinstance(line["forecast"], Decimal)
    assert sum(line["actual"] for line in lines) == actual_total(session=session, project_id=site.id, until=TODAY)
    by_category = {line["category"]: line for line in lines}
    assert by_category["labor"]["actual"] == Decimal("1780.00")
    assert by_category["materials"]["actual"] == Decimal("1234.57")
    assert by_category["safety"]["label"] == "安全文明施工费"
    assert by_category["fees"]["budget"] == Decimal(0)


def test_budget_forecast_is_the_one_budget_status_gives(make: Factory, site: Project) -> None:
    chart = {line["category"]: line for line in show(make, site, "budget").data["lines"]}
    status = run_tool(make.ctx(project=site), "budget_status", {}).data["lines"]
    for line in status:
        assert chart[line["category"]]["actual"] == line["actual"]
        expected = line["eac"].quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if line["eac"] is not None else None
        assert chart[line["category"]]["forecast"] == expected


def test_budget_bars_plot_the_returned_numbers_in_wan_yuan_and_thousands(make: Factory, site: Project) -> None:
    for language, unit in (("zh", Decimal(10_000)), ("en", Decimal(1_000))):
        lines = show(make, site, "budget", language=language).data["lines"]
        axes = drawn(make, site, "budget", language=language).axes[0]
        budgets, actuals, forecasts = ([bar.get_height() for bar in bars] for bars in axes.containers)
        assert budgets == [float(line["budget"] / unit) for line in lines]
        assert actuals == [float(line["actual"] / unit) for line in lines]
        assert forecasts == [float(line["forecast"] / unit) for line in lines if line["forecast"] is not None]


def test_before_any_progress_the_forecast_is_each_lines_own_spending(session: Session, make: Factory) -> None:
    project = make.project(code="NEW")
    make.budget(project, "materials", 1000)
    make.task(project, "开挖")
    add_cost(session, project, "materials", "200", TODAY)
    result = show(make, project, "budget")
    assert result.ok
    by_category = {line["category"]: line["forecast"] for line in result.data["lines"]}
    assert by_category["materials"] == Decimal("1000.00")  # the larger of its budget and its cost so far
    shown = texts(drawn(make, project, "budget"))
    assert "还没有任务进度：预计完工按各科目自身花费" in shown


# -- the S-curve -------------------------------------------------------------------------------------


def points_by_day(result: Result) -> dict[date, dict[str, Decimal]]:
    return {point["day"]: point for point in result.data["points"]}


def test_scurve_runs_a_point_a_day_from_the_project_start_to_today(make: Factory, site: Project) -> None:
    result = show(make, site, "scurve")
    days_shown = [point["day"] for point in result.data["points"]]
    assert days_shown == [days(n) for n in range(-60, 1)]
    assert (result.data["start"], result.data["end"]) == (days(-60), TODAY)


def test_scurve_ends_on_what_project_health_reports_today(make: Factory, site: Project) -> None:
    last = show(make, site, "scurve").data["points"][-1]
    health = run_tool(make.ctx(project=site), "project_health", {}).data
    assert last["planned"] == health["pv"].quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert last["earned"] == health["ev"].quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert last["actual"] == health["ac"]


def test_scurve_actual_cost_is_every_cost_and_wage_dated_on_or_before_each_day(
    session: Session, make: Factory, site: Project
) -> None:
    for point in show(make, site, "scurve").data["points"]:
        costs = _sum(
            session,
            select(func.sum(CostEntry.amount)).where(
                CostEntry.project_id == site.id, CostEntry.entry_date <= point["day"]
            ),
        )
        wages = _sum(
            session,
            select(func.sum(LaborEntry.amount)).where(
                LaborEntry.project_id == site.id, LaborEntry.work_date <= point["day"]
            ),
        )
        assert point["actual"] == costs + wages, point


def test_scurve_earned_value_uses_the_progress_reported_by_each_date(make: Factory, site: Project) -> None:
    points = points_by_day(show(make, site, "scurve"))
    # 基础施工 costs 3,000 and 主体结构 6,000: EV = Σ cost × the task's latest report on or before the day, measured
    # against the budget as /health does (tasks of 10,000 for a budget of 17,000: × 1.7).
    expected = {
        days(-41): "0.00",
        days(-40): "2550.00",  # 基础 50%: 1,500
        days(-32): "2550.00",
        days(-31): "5100.00",  # 基础 100%: 3,000
        days(-20): "6120.00",  # 主体 10%: 3,600
        days(-11): "6120.00",
        days(-10): "8160.00",  # 主体 33.33% then 30% the same day: the later report stands (4,800)
        days(-5): "7650.00",  # corrected down to 25% (4,500)
        days(-3): "7650.00",
        days(-2): "9741.00",  # 主体 45.5% (5,730)
        TODAY: "9741.00",
    }
    assert {day: points[day]["earned"] for day in expected} == {day: Decimal(v) for day, v in expected.items()}


def test_scurve_planned_value_spreads_each_task_over_its_planned_days(make: Factory, site: Project) -> None:
    points = points_by_day(show(make, site, "scurve"))
    # tasks of 10,000 for a budget of 17,000: PV is measured against the budget (× 1.7), as /health does
    assert points[days(-60)]["planned"] == Decimal("170.00")  # 1 of 基础's 30 days: 100
    assert points[days(-31)]["planned"] == Decimal("5100.00")  # 3,000
    assert points[days(-30)]["planned"] == Decimal("5270.00")  # and 1 of 主体's 60: 3,100
    assert points[TODAY]["planned"] == Decimal("10370.00")  # 31 of 主体's 60 days: 6,100


def test_scurve_ignores_rows_dated_after_today(session: Session, make: Factory, site: Project) -> None:
    before = show(make, site, "scurve").data
    structure = session.scalars(select(Task).where(Task.name == "主体结构")).one()
    worker = session.scalars(select(Worker).where(Worker.name == "张三")).one()
    add_cost(session, site, "materials", "999", days(1))
    add_labor(session, site, worker, days(1), "1", "350")
    report(session, structure, days(1), "80")
    after = show(make, site, "scurve").data
    assert after == before
    assert max(point["day"] for point in after["points"]) == TODAY


def test_scurve_as_of_an_earlier_today_stops_there(session: Session, make: Factory, site: Project) -> None:
    earlier = days(-10)
    result = show(make, site, "scurve", today=earlier)
    last = result.data["points"][-1]
    assert last["day"] == earlier
    assert last["earned"] == Decimal("8160.00")  # 4,800 measured against the budget (× 1.7)
    assert last["actual"] == actual_total(session=session, project_id=site.id, until=earlier)


def test_scurve_plots_the_returned_numbers(make: Factory, site: Project) -> None:
    points = show(make, site, "scurve").data["points"]
    axes = drawn(make, site, "scurve").axes[0]
    planned, earned, actual = (list(line.get_ydata()) for line in axes.get_lines())
    assert planned == [float(p["planned"] / 10_000) for p in points]
    assert earned == [float(p["earned"] / 10_000) for p in points]
    assert actual == [float(p["actual"] / 10_000) for p in points]


def test_a_long_project_gets_a_point_a_week(make: Factory) -> None:
    project = make.project(code="LONG", start=TODAY - timedelta(days=1000))
    shown = [point["day"] for point in show(make, project, "scurve").data["points"]]
    assert shown[0] == TODAY - timedelta(days=1000) and shown[-1] == TODAY
    assert len(shown) <= 201
    assert {(b - a).days for a, b in pairwise(shown[:-1])} == {7}


def test_curve_dates_are_daily_up_to_two_hundred_and_weekly_beyond() -> None:
    assert curve_dates(TODAY, TODAY) == [TODAY]
    assert len(curve_dates(TODAY - timedelta(days=199), TODAY)) == 200
    weekly = curve_dates(TODAY - timedelta(days=200), TODAY)
    assert weekly[1] - weekly[0] == timedelta(days=7) and weekly[-1] == TODAY
    very_long = curve_dates(TODAY - timedelta(days=5000), TODAY)
    assert len(very_long) <= 201 and (very_long[1] - very_long[0]).days % 7 == 0


# -- labour -------------------------------------------------------------------------------------------


def test_labor_chart_is_the_last_thirty_days_with_idle_days_as_zero(
    session: Session, make: Factory, site: Project
) -> None:
    data = show(make, site, "labor").data
    shown = {point["day"]: point["days"] for point in data["days"]}
    assert list(shown) == [days(n) for n in range(-29, 1)]
    assert shown[TODAY] == Decimal("1.5")
    assert shown[days(-1)] == Decimal(2)  # two workers; the other project's labour is not here
    assert shown[days(-29)] == Decimal("0.5")
    assert shown[days(-2)] == Decimal(0)
    assert data["total"] == Decimal(4)
    assert {d: v for d, v in shown.items() if v} == {
        row.day: row.days for row in by_day(session=session, project_id=site.id, start=days(-29), end=TODAY)
    }
    heights = [bar.get_height() for bar in drawn(make, site, "labor").axes[0].containers[0]]
    assert heights == [float(v) for v in shown.values()]


# -- an empty project ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_project_renders_every_chart(make: Factory, kind: str) -> None:
    project = make.project(code="EMPTY")
    result = show(make, project, kind)
    assert result.ok, result.text
    assert result.attachments[0].content.startswith(PNG_SIGNATURE)


def test_an_empty_project_shows_zeros(make: Factory) -> None:
    project = make.project(code="EMPTY")
    budget = show(make, project, "budget").data
    assert [line["category"] for line in budget["lines"]] == [
        "labor",
        "materials",
        "machinery",
        "subcontract",
        "overhead",
    ]
    assert all(line["budget"] == line["actual"] == 0 and line["forecast"] is None for line in budget["lines"])
    curve = show(make, project, "scurve").data["points"]
    assert all(p["planned"] == p["earned"] == p["actual"] == 0 for p in curve)
    assert all(point["days"] == 0 for point in show(make, project, "labor").data["days"])


def test_a_project_with_no_dates_and_no_rows_draws_one_point_today(make: Factory) -> None:
    project = make.project(code="BARE", start=None, finish=None)
    result = show(make, project, "scurve")
    assert result.ok and [point["day"] for point in result.data["points"]] == [TODAY]


def test_a_project_starting_later_draws_only_today(make: Factory) -> None:
    project = make.project(code="SOON", start=days(10))
    assert [point["day"] for point in show(make, project, "scurve").data["points"]] == [TODAY]


# -- drawing helpers ---------------------------------------------------------------------------------


def test_ticks_read_like_money_without_scientific_notation() -> None:
    assert [tick_number(v) for v in (0.0, -0.0001, 600.0, 0.25, 1234.5, 12_345_678.0)] == [
        "0",
        "0",
        "600",
        "0.25",
        "1,234.5",
        "12,345,678",
    ]


def test_long_category_labels_are_cut_short_by_width() -> None:
    assert charts.short_label("Subcontract") == "Subcontract"
    assert charts.short_label("安全文明施工措施费用合计") == "安全文明施工措…"
    figure = charts.draw_budget(
        [BudgetBar("x", "安全文明施工措施费用合计", Decimal(1), Decimal(0), None)], title="t", lang="zh"
    )
    png_bytes(figure)
    assert "安全文明施工措…" in texts(figure)


def test_context_today_is_the_one_the_chart_uses(make: Factory, site: Project) -> None:
    ctx: Context = make.ctx(project=site, today=days(-1))
    result = run_tool(ctx, "show_chart", {"kind": "labor"})
    assert result.attachments[0].filename == "labor_SG3_2026-11-24.png"
    assert result.data["end"] == days(-1)
