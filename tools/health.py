"""project_health: earned value (PV, EV, AC, CPI, SPI, EAC, VAC, TCPI, forecast finish) in numbers and plain words."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from storage.queries.tasks import planned_span
from tools import resolve
from tools.args import ProjectHealth
from tools.base import ANY_MEMBER, Context, Result, Text, require_role, tool
from tools.earned_value import EarnedValue, forecast_finish
from tools.fmt import ratio, yuan

_HEAD = Text("{code} {name} 挣值分析（截至 {today}）", "{code} {name} earned value (as of {today})")
_VALUES = Text("预算BAC {bac}｜计划值PV {pv}｜挣值EV {ev}｜实际成本AC {ac}", "BAC {bac} | PV {pv} | EV {ev} | AC {ac}")
_VARIANCES = Text(
    "成本偏差CV {cv}｜进度偏差SV {sv}｜CPI {cpi}｜SPI {spi}｜TCPI {tcpi}",
    "CV {cv} | SV {sv} | CPI {cpi} | SPI {spi} | TCPI {tcpi}",
)
_FORECAST = Text(
    "预计总成本EAC {eac}（非典型 {atypical}，综合 {combined}）｜尚需ETC {etc}｜完工偏差VAC {vac}",
    "EAC {eac} (atypical {atypical}, combined {combined}) | ETC {etc} | VAC {vac}",
)
_FINISH = Text("预计完工 {forecast}（计划 {planned}）", "Forecast finish {forecast} (planned {planned})")
_CPI_LOW = Text("每花1元只完成了{value}元的工作", "Each ¥1 spent has bought only ¥{value} of work")
_CPI_OK = Text("每花1元完成了{value}元的工作", "Each ¥1 spent has bought ¥{value} of work")
_SPI = Text("进度完成计划的{value}%", "Work done is {value}% of what was planned by now")
_OVERRUN = Text("按目前效率预计超支{value}元", "At this rate the project will overrun by ¥{value}")
_UNDERRUN = Text("按目前效率预计节余{value}元", "At this rate the project will finish ¥{value} under budget")
_ON_BUDGET = Text("按目前效率预计正好用完预算", "At this rate the project will finish on budget")
_LATE = Text("按目前进度预计晚{days}天完工", "At this pace it will finish {days} days late")
_EARLY = Text("按目前进度预计提前{days}天完工", "At this pace it will finish {days} days early")
_NO_COST = Text("还没有实际成本，成本效率无法计算", "No actual cost yet, so cost efficiency is undefined")
_NO_PLAN = Text(
    "计划上还没有应完成的工作，进度效率无法计算", "No work was planned by now, so schedule efficiency is undefined"
)


def plain_yuan(amount: Decimal) -> str:
    """Whole yuan with thousands separators, for plain-words lines: 480, 1,234,568."""
    return f"{int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)):,}"


def plain_words(ctx: Context, ev: EarnedValue, forecast: date | None, planned_finish: date | None) -> list[str]:
    """The figures a site manager acts on, said as sentences."""
    words: list[str] = []
    if ev.cpi is None:
        words.append(ctx.t(_NO_COST))
    else:
        words.append(ctx.t(_CPI_LOW if ev.cpi < 1 else _CPI_OK, value=ratio(ev.cpi)))
    if ev.spi is None:
        words.append(ctx.t(_NO_PLAN))
    else:
        words.append(ctx.t(_SPI, value=(ev.spi * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    if ev.vac is not None:
        rounded = ev.vac.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if rounded < 0:
            words.append(ctx.t(_OVERRUN, value=plain_yuan(-ev.vac)))
        elif rounded > 0:
            words.append(ctx.t(_UNDERRUN, value=plain_yuan(ev.vac)))
        else:
            words.append(ctx.t(_ON_BUDGET))
    if forecast is not None and planned_finish is not None and forecast != planned_finish:
        delay = (forecast - planned_finish).days
        words.append(ctx.t(_LATE, days=delay) if delay > 0 else ctx.t(_EARLY, days=-delay))
    return words


def _money(value: Decimal | None) -> str:
    return yuan(value) if value is not None else "—"


@tool(args=ProjectHealth, roles=ANY_MEMBER)
def project_health(ctx: Context, args: ProjectHealth) -> Result:
    """Earned value health of a project: PV, EV, AC, CV, SV, CPI, SPI, EAC, ETC, VAC, TCPI and forecast finish,
    with plain-words lines (cost efficiency, schedule efficiency, expected overrun)."""
    from tools.forecast import forecast
    from tools.tasks import budget_gap_line

    project = resolve.project(ctx, args.project)
    require_role(ctx, project, ANY_MEMBER)
    session = ctx.session
    today = min(args.as_of or ctx.today, ctx.today)  # the status date: nothing after it counts
    status = forecast(session, project, today, today=ctx.today)
    ev = status.ev
    eac = status.eac if status.eac is not None and (ev.ev and ev.ac) else ev.eac
    if eac is not None and eac != ev.eac:
        # One estimate at completion everywhere: the lines' forecasts added up (docs/forecast.md).
        ev = replace(ev, eac=eac, etc=eac - ev.ac, vac=ev.bac - eac)
    start, finish = project.start, project.finish
    if start is None or finish is None:
        span_start, span_finish = planned_span(session=session, project_id=project.id)
        start, finish = start or span_start, finish or span_finish
    forecast_day = forecast_finish(start, finish, ev.pv, ev.ev) if start and finish else None

    lines = [
        ctx.t(_HEAD, code=project.code, name=project.name, today=today.isoformat()),
        ctx.t(_VALUES, bac=yuan(ev.bac), pv=yuan(ev.pv), ev=yuan(ev.ev), ac=yuan(ev.ac)),
        ctx.t(_VARIANCES, cv=yuan(ev.cv), sv=yuan(ev.sv), cpi=ratio(ev.cpi), spi=ratio(ev.spi), tcpi=ratio(ev.tcpi)),
        ctx.t(
            _FORECAST,
            eac=_money(ev.eac),
            atypical=_money(ev.eac_atypical),
            combined=_money(ev.eac_combined),
            etc=_money(ev.etc),
            vac=_money(ev.vac),
        ),
    ]
    if finish is not None:
        shown = forecast_day.isoformat() if forecast_day else "—"
        lines.append(ctx.t(_FINISH, forecast=shown, planned=finish.isoformat()))
    lines += plain_words(ctx, ev, forecast_day, finish)
    gap = budget_gap_line(ctx, project)
    if gap:
        lines.append(gap)
    data: dict[str, Any] = {
        "project": project.code,
        "as_of": today,
        **asdict(ev),
        "planned_finish": finish,
        "forecast_finish": forecast_day,
    }
    return Result(ok=True, text="\n".join(lines), data=data)
