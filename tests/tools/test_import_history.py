"""Importing a project already under way: workers told apart from their namesakes, rates per project, and the
history sheets (labour, advances, settlements, costs, funds, progress, opening balances) — figures to the cent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cli import main
from storage.models import (
    CostEntry,
    Counterparty,
    FundTxn,
    LaborEntry,
    ProgressUpdate,
    Project,
    ProjectRate,
    ProjectWorker,
    Task,
    Worker,
    WorkerPayment,
)
from storage.queries import costs as cost_q
from storage.queries import funds as fund_q
from storage.queries import labor as labour_q
from tests.conftest import TODAY
from tests.support.factories import Factory
from tests.tools.test_importer import JUNK, cli_db, run, write_csv, write_xlsx  # noqa: F401 - cli_db is a fixture
from tools import run_tool
from tools.importer.history_columns import HISTORY_KINDS
from tools.importer.report import KIND_LABELS

D = Decimal
HISTORY_TABLES = (LaborEntry, WorkerPayment, CostEntry, FundTxn, ProgressUpdate, Counterparty, Worker, ProjectRate)


def table_counts(session: Session) -> dict[str, int]:
    session.rollback()
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in HISTORY_TABLES}


def named(session: Session, name: str) -> list[Worker]:
    return list(session.scalars(select(Worker).where(Worker.name == name).order_by(Worker.id)))


def project_codes(session: Session, worker: Worker) -> list[str]:
    query = (
        select(Project.code)
        .join(ProjectWorker, ProjectWorker.project_id == Project.id)
        .where(ProjectWorker.worker_id == worker.id)
        .order_by(Project.code)
    )
    return list(session.scalars(query))


WORKERS = ["name 姓名", "project 项目编号", "trade 工种", "daily_rate 日工资", "id_tail 尾号", "same_person 同一人"]


# -- worker identity -------------------------------------------------------------------------------------


def test_a_namesake_on_another_project_is_asked_about_and_never_re_rated(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    sg3 = make.project(code="SG3")
    bj = make.project(code="BJ")
    zhang = make.worker("张三", 350, trade="木工", projects=[sg3])
    make.session.add(ProjectRate(project_id=sg3.id, worker_id=zhang.id, daily_rate=D(350), valid_from=sg3.start))
    make.session.commit()
    before = table_counts(session)

    asked = run(session, write_xlsx(tmp_path / "a.xlsx", {"workers": [WORKERS, ["张三", "BJ", "杂工", 300]]}))

    assert not asked.ok and table_counts(session) == before
    assert asked.error_lines("en") == [
        "sheet workers row 2: a worker called 张三 exists already (SG3, 木工, ¥350.00/day): is it the same person? "
        "Fill same_person with yes (that person, at this row's rate and trade on this project) or no (another "
        "person, created), or give an id_tail. That worker's rate and trade are never changed by this row."
    ]
    assert asked.error_lines("zh")[0].startswith(
        "工作表 workers 第 2 行：已有同名工人 张三（SG3，木工，日工资 ¥350.00）"
    )

    other = write_xlsx(tmp_path / "b.xlsx", {"workers": [WORKERS, ["张三", "BJ", "杂工", 300, "", "否"]]})
    report = run(session, other)
    assert report.ok, report.render("en")
    first, second = named(session, "张三")
    assert (first.id, first.daily_rate, first.trade, project_codes(session, first)) == (zhang.id, 350, "木工", ["SG3"])
    assert (second.daily_rate, second.trade, project_codes(session, second)) == (D(300), "杂工", ["BJ"])
    assert labour_q.rate_on(session=session, worker_id=first.id, day=TODAY, project_id=sg3.id) == D(350)
    assert labour_q.rate_on(session=session, worker_id=second.id, day=TODAY, project_id=bj.id) == D(300)

    again = run(session, other)  # the BJ 张三 is now on BJ's books: the row is them, and nothing changes
    assert again.ok and again.created == {} and again.updated == {}
    assert len(named(session, "张三")) == 2


def test_the_same_person_goes_on_the_project_at_its_own_rate_and_keeps_theirs(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    sg3 = make.project(code="SG3")
    bj = make.project(code="BJ")
    zhang = make.worker("张三", 350, trade="木工", projects=[sg3])

    path = write_xlsx(tmp_path / "w.xlsx", {"workers": [WORKERS, ["张三", "BJ", "杂工", 300, "", "是"]]})
    report = run(session, path)

    assert report.ok, report.render("en")
    assert report.created == {"assignments": 1, "project_rates": 1}
    session.refresh(zhang)
    assert (len(named(session, "张三")), zhang.daily_rate, zhang.trade) == (1, D(350), "木工")
    assert project_codes(session, zhang) == ["BJ", "SG3"]
    booked = session.scalars(select(ProjectWorker).where(ProjectWorker.project_id == bj.id)).one()
    assert booked.trade == "杂工"
    assert labour_q.rate_on(session=session, worker_id=zhang.id, day=TODAY, project_id=bj.id) == D(300)
    assert labour_q.rate_on(session=session, worker_id=zhang.id, day=TODAY, project_id=sg3.id) == D(350)

    # the same person worked a day on SG3 on 11-02: a day on BJ too is written, and the report asks to check it
    session.add(
        LaborEntry(
            project_id=sg3.id,
            worker_id=zhang.id,
            work_date=date(2026, 11, 2),
            days=D(1),
            daily_rate=D(350),
            amount=D(350),
        )
    )
    session.commit()
    labour = [
        ["project", "worker", "date", "days"],
        ["BJ", "张三", date(2026, 11, 2), 1],
        ["BJ", "张三", date(2026, 11, 3), 1],
    ]
    busy = run(session, write_xlsx(tmp_path / "l.xlsx", {"labour": labour}))
    assert busy.ok and busy.created == {"labour": 2}
    assert [w.render("en") for w in busy.warnings] == ["⚠ 张三 has 2 days logged on 2026-11-02 across projects"]


def test_an_id_tail_tells_namesakes_apart_without_asking(session: Session, make: Factory, tmp_path: Path) -> None:
    sg3 = make.project(code="SG3")
    make.project(code="BJ")
    make.worker("张三", 350, trade="木工", projects=[sg3], id_tail="1234")

    rows = [WORKERS, ["张三", "BJ", "杂工", 300, "5678"], ["张三", "SG3", "木工", 350, "1234"]]
    report = run(session, write_xlsx(tmp_path / "w.xlsx", {"workers": rows}))

    assert report.ok, report.render("en")
    assert [(w.id_tail, w.daily_rate) for w in named(session, "张三")] == [("1234", D(350)), ("5678", D(300))]
    assert report.updated == {"assignments": 1}  # the SG3 张三's trade on SG3, nothing of the person


def test_a_rate_change_on_a_project_is_dated_and_prices_labour_from_then(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    sg3 = make.project(code="SG3", start=date(2026, 9, 1))
    li = make.worker("李四", 380, trade="钢筋工", projects=[sg3])
    rows = [
        ["name", "project", "daily_rate", "rate_from"],
        ["李四", "SG3", 400, date(2026, 11, 1)],
    ]
    labour = [
        ["project", "worker", "date", "days"],
        ["SG3", "李四", date(2026, 10, 31), 1],
        ["SG3", "李四", date(2026, 11, 2), 1],
    ]

    report = run(session, write_xlsx(tmp_path / "r.xlsx", {"workers": rows, "labour": labour}))

    assert report.ok, report.render("en")
    session.refresh(li)
    assert li.daily_rate == D(380)  # the person's own default is the roster's, not this project's
    amounts = session.execute(
        select(LaborEntry.work_date, LaborEntry.daily_rate, LaborEntry.amount).order_by(LaborEntry.work_date)
    ).all()
    assert amounts == [(date(2026, 10, 31), D(380), D("380.00")), (date(2026, 11, 2), D(400), D("400.00"))]

    backwards = [["name", "project", "daily_rate", "rate_from"], ["李四", "SG3", 420, date(2026, 10, 15)]]
    refused = run(session, write_xlsx(tmp_path / "b.xlsx", {"workers": backwards}))
    assert refused.error_lines("en") == [
        "sheet workers row 2: rate_from 2026-10-15 is before this worker's last rate change on 2026-11-01"
    ]

    later = [["name", "project", "daily_rate", "rate_from"], ["李四", "SG3", 450, date(2026, 11, 2)]]
    raised = run(session, write_xlsx(tmp_path / "c.xlsx", {"workers": later}))
    assert raised.ok and raised.created == {"project_rates": 1}
    assert [w.render("en") for w in raised.warnings] == [
        "⚠ 李四 (SG3) has 1 entries from 2026-11-02 (wages ¥400.00) at the old rate, left as they are; to re-price "
        "them at ¥450.00, change the rate in chat from 2026-11-02 and choose to re-price."
    ]
    assert session.scalar(select(LaborEntry.amount).where(LaborEntry.work_date == date(2026, 11, 2))) == D(400)


# -- history -----------------------------------------------------------------------------------------------

HX = {
    "projects": [["code", "name", "start", "finish"], ["HX", "历史项目", date(2026, 9, 1), date(2027, 3, 31)]],
    "budget": [["project", "category", "amount"], ["HX", "labor", 50000], ["HX", "materials", 100000]],
    "workers": [WORKERS, ["张三", "HX", "木工", 350], ["李四", "HX", "钢筋工", 380]],
    "opening 期初": [
        ["project", "date", "item 期初类型", "worker", "amount"],
        ["HX", date(2026, 10, 1), "资金余额", None, 20000],
        ["HX", date(2026, 10, 1), "未结工资", "张三", 1500],
        ["HX", date(2026, 10, 1), "wages", "李四", "800"],
    ],
    "记工": [
        ["project", "worker", "date", "days 工日", "overtime_hours 加班小时", "daily_rate"],
        ["HX", "张三", date(2026, 10, 2), 1, None, None],
        ["HX", "张三", date(2026, 10, 3), 1, 2, None],  # 350 + 2/8 × 350 = 437.50
        ["HX", "张三", date(2026, 10, 4), 0.5, None, None],  # 175
        ["HX", "李四", date(2026, 10, 2), None, None, None],  # a day by default: 380
        ["HX", "李四", date(2026, 10, 3), 1, 4, None],  # 380 + 190 = 570
        ["HX", "李四", date(2026, 10, 5), 1, None, 400],  # its own rate
    ],
    "借支": [
        ["project", "worker", "date", "amount"],
        ["HX", "张三", date(2026, 10, 3), 500],
        ["HX", "张三", date(2026, 10, 3), 500],  # the same again: two advances that day
        ["HX", "李四", date(2026, 10, 4), 300],
    ],
    "settlements": [["project", "worker", "date", "amount"], ["HX", "李四", date(2026, 10, 5), 1000]],
    "costs": [
        ["project", "date", "category", "amount", "counterparty", "paid", "item"],
        ["HX", date(2026, 10, 2), "材料费", 8000, "宏达钢材", "否", "钢筋 2 吨"],
        ["HX", date(2026, 10, 3), "materials", 3000, "五金店", "是", None],
        ["HX", date(2026, 10, 4), "机械费", "1,200", "吊车队", "已付", "吊车台班"],
    ],
    "funds": [
        ["project", "date", "direction", "amount", "counterparty", "item"],
        ["HX", date(2026, 10, 1), "收入", "20万", "甲方", "进度款"],
        ["HX", date(2026, 10, 6), "out", 5000, "宏达钢材", "钢材款"],
    ],
}


def hx_figures(session: Session) -> dict[str, Any]:
    session.rollback()
    project = session.scalars(select(Project).where(Project.code == "HX")).one()
    owed = {
        worker.name: labour_q.outstanding_wages(
            session=session, project_id=project.id, until=TODAY, worker_id=worker.id
        )
        for worker in session.scalars(select(Worker).order_by(Worker.id))
    }
    payables = {p.name: p.owed for p in fund_q.payables(session=session, project_id=project.id, until=TODAY)}
    return {
        "owed": owed,
        "cash": fund_q.balance(session=session, project_id=project.id, until=TODAY),
        "cost": cost_q.actual_by_category(session=session, project_id=project.id, until=TODAY),
        "payables": payables,
    }


def test_a_project_with_history_reproduces_wages_owed_and_cash_to_the_cent(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "hx.xlsx", HX)

    report = run(session, path)

    assert report.ok, report.render("en")
    assert {k: report.created[k] for k in ("labour", "advances", "settlements", "costs", "opening")} == {
        "labour": 6,
        "advances": 3,
        "settlements": 1,
        "costs": 3,
        "opening": 3,
    }
    figures = hx_figures(session)
    # 张三: opening 1,500 + 350 + 437.50 + 175 − advances 500 − 500.  李四: 800 + 380 + 570 + 400 − 300 − 1,000.
    assert figures["owed"] == {"张三": D("1462.50"), "李四": D("850.00")}
    # cash: opening 20,000 + 200,000 − paid costs 3,000 − 1,200 − 5,000 to 宏达 − wages paid 2,300
    assert figures["cash"] == D("208500.00")
    # cost: the wages carried over are owed, not a cost of the period imported
    assert figures["cost"] == {"materials": D("11000.00"), "machinery": D("1200.00"), "labor": D("2312.50")}
    assert figures["payables"].get("宏达钢材") == D("3000.00")
    project = session.scalars(select(Project).where(Project.code == "HX")).one()
    statement = run_tool(
        make.ctx(project=project), "worker_statement", {"worker": "张三", "start": "2026-10-01", "end": "2026-10-31"}
    )
    assert (statement.data["opening"], statement.data["closing"]) == (0, D("1462.50"))
    assert statement.data["advances"] == D(1000) and statement.data["days"] == D("2.5")
    calendar = labour_q.by_day(session=session, project_id=project.id, start=date(2026, 10, 1), end=TODAY)
    assert (calendar[0].day, calendar[0].names) == (date(2026, 10, 2), ["张三", "李四"])  # not 10-01
    budget = run_tool(make.ctx(project=project), "budget_status", {})
    assert budget.data["total"]["actual"] == D("14512.50")
    assert {line["category"]: line["actual"] for line in budget.data["lines"]}["labor"] == D("2312.50")
    assert run_tool(make.ctx(project=project), "project_health", {}).data["ac"] == D("14512.50")
    # the labour summary's wages are wages earned (the labour cost), its outstanding includes what was carried over
    totals = labour_q.period_totals(session=session, project_id=project.id, start=date(2026, 10, 1), end=TODAY)
    assert (totals.wages, totals.outstanding) == (D("2312.50"), D("2312.50"))
    by_worker = labour_q.by_worker(session=session, project_id=project.id, start=date(2026, 10, 1), end=TODAY)
    assert sum((row.wages for row in by_worker), D(0)) == D("2312.50")

    before = table_counts(session)
    again = run(session, path)
    assert again.ok and again.created == {} and again.updated == {} and again.audit_id is None
    assert again.unchanged["advances"] == 3 and again.unchanged["labour"] == 6
    assert table_counts(session) == before
    assert hx_figures(session) == figures


def test_labour_twice_on_one_day_or_unlike_what_is_logged_is_refused(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    project = make.project(code="HX")
    worker = make.worker("张三", 350, projects=[project])
    make.session.add(
        LaborEntry(
            project_id=project.id,
            worker_id=worker.id,
            work_date=date(2026, 10, 2),
            days=D(1),
            daily_rate=D(350),
            amount=D(350),
        )
    )
    make.session.commit()
    labour = [
        ["project", "worker", "date", "days"],
        ["HX", "张三", date(2026, 10, 2), 1],  # as logged: left alone
        ["HX", "张三", date(2026, 10, 3), 1],
        ["HX", "张三", date(2026, 10, 3), 1],
        ["HX", "张三", date(2026, 10, 4), 0],
        ["HX", "王五", date(2026, 10, 4), 1],
    ]
    changed = [["project", "worker", "date", "days"], ["HX", "张三", date(2026, 10, 2), 0.5]]

    report = run(session, write_xlsx(tmp_path / "l.xlsx", {"labour": labour}))
    refused = run(session, write_xlsx(tmp_path / "c.xlsx", {"labour": changed}))

    assert report.error_lines("en") == [
        "sheet labour row 4: 张三 already has a row for 2026-10-03 (row 3)",
        "sheet labour row 5: no days and no overtime hours",
        "sheet labour row 6: project HX has no worker called 王五: add them on the workers sheet with this project",
    ]
    assert refused.error_lines("en") == [
        "sheet labour row 2: 张三 already has an entry on 2026-10-02 in HX: 1 day(s), 0 h overtime at 350.00/day, "
        "which differs from this row"
    ]
    ok = run(session, write_xlsx(tmp_path / "ok.xlsx", {"labour": labour[:3]}))
    assert ok.ok and ok.created == {"labour": 1} and ok.unchanged == {"labour": 1}


def test_progress_reports_set_percent_and_actual_dates(session: Session, make: Factory, tmp_path: Path) -> None:
    project = make.project(code="HX")
    make.task(project, "基础", planned_start=date(2026, 9, 1), planned_finish=date(2026, 9, 30))
    make.task(project, "主体", planned_start=date(2026, 10, 1), planned_finish=date(2026, 12, 31))
    progress = [
        ["project", "task", "date", "percent", "actual_start", "actual_finish"],
        ["HX", "基础", date(2026, 9, 15), "40%", date(2026, 9, 3), None],
        ["HX", "基础", date(2026, 10, 2), 100, None, None],
        ["HX", "主体", date(2026, 10, 20), 10, None, None],
        ["HX", "主体", date(2026, 10, 10), 5, None, None],
        ["HX", "装修", date(2026, 10, 10), 5, None, None],
    ]

    refused = run(session, write_xlsx(tmp_path / "bad.xlsx", {"progress": progress}))
    report = run(session, write_xlsx(tmp_path / "p.xlsx", {"progress": progress[:5]}))

    assert refused.error_lines("en") == [
        "sheet progress row 6: task “装修” is not a task of project HX (neither in the file nor in the database)"
    ]
    assert report.ok and report.created == {"progress": 4}
    tasks = {t.name: t for t in session.scalars(select(Task))}
    assert (tasks["基础"].percent, tasks["基础"].actual_start, tasks["基础"].actual_finish) == (
        D(100),
        date(2026, 9, 3),
        date(2026, 10, 2),
    )
    # the latest report is the one dated last, whatever the order of the rows
    assert (tasks["主体"].percent, tasks["主体"].actual_start, tasks["主体"].actual_finish) == (
        D(10),
        date(2026, 10, 10),
        None,
    )


def test_import_warns_when_task_costs_do_not_add_up_to_the_budget_and_health_says_so(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    sheets = {
        "projects": [["code", "name"], ["GAP", "差额项目"]],
        "budget": [["project", "category", "amount"], ["GAP", "materials", 300000]],
        "tasks": [
            ["project", "name", "planned_start", "planned_finish", "planned_cost"],
            ["GAP", "A", date(2026, 11, 1), date(2026, 11, 30), 200000],
        ],
    }
    report = run(session, write_xlsx(tmp_path / "g.xlsx", sheets))

    assert report.ok
    warning = (
        "⚠ project GAP: task planned costs add up to ¥200,000.00 but the budget is ¥300,000.00 (¥100,000.00 "
        "apart): earned value and forecasts will be off until they agree."
    )
    assert [w.render("en") for w in report.warnings] == [warning]
    assert report.render("en").splitlines()[-1] == warning
    project = session.scalars(select(Project).where(Project.code == "GAP")).one()
    health = run_tool(make.ctx(project=project, language="en"), "project_health", {})
    assert "Task planned costs add up to ¥200,000.00 but the budget is ¥300,000.00" in health.text

    fixed = dict(sheets, budget=[["project", "category", "amount"], ["GAP", "materials", 200000]])
    report = run(session, write_xlsx(tmp_path / "f.xlsx", fixed))
    assert report.ok and report.warnings == []
    health = run_tool(make.ctx(project=project, language="en"), "project_health", {})
    assert "Task planned costs" not in health.text


# -- published earned-value examples, plan and actuals from the spreadsheet -------------------------------


def _health(make: Factory, session: Session, code: str, as_of: date) -> dict[str, Any]:
    session.rollback()
    project = session.scalars(select(Project).where(Project.code == code)).one()
    result = run_tool(make.ctx(project=project), "project_health", {"as_of": as_of.isoformat()})
    assert result.ok, result.text
    return result.data


def test_the_four_sided_fence_reproduces_through_the_import(session: Session, make: Factory, tmp_path: Path) -> None:
    # PMP exam prep: four sides, 1,000 and one day each; at the end of day 3 two sides and half of the third are
    # done for 2,800. BAC 4,000, PV 3,000, EV 2,500, AC 2,800.
    day = [date(2026, 11, 1) + timedelta(days=n) for n in range(5)]
    sheets = {
        "projects": [["code", "name", "start", "finish"], ["FENCE", "四面围栏", day[0], day[3]]],
        "budget": [["project", "category", "amount"], ["FENCE", "materials", 3000], ["FENCE", "labor", 1000]],
        "tasks": [["project", "name", "planned_start", "planned_finish", "planned_cost"]]
        + [["FENCE", side, day[n], day[n], 1000] for n, side in enumerate(("north", "east", "south", "west"))],
        "workers": [WORKERS, ["张三", "FENCE", "木工", 400], ["李四", "FENCE", "木工", 400]],
        "progress": [
            ["project", "task", "date", "percent"],
            ["FENCE", "north", day[0], 100],
            ["FENCE", "east", day[1], 100],
            ["FENCE", "south", day[2], 50],
            ["FENCE", "south", day[3], 100],  # reported after the status date: not counted on day 3
        ],
        "costs": [
            ["project", "date", "category", "amount", "paid"],
            ["FENCE", day[0], "materials", 1000, "是"],
            ["FENCE", day[1], "materials", "999.99", "否"],
            ["FENCE", day[1], "materials", "0.01", "否"],
            ["FENCE", day[3], "materials", 700, "否"],  # after the status date
        ],
        "labour": [
            ["project", "worker", "date", "days"],
            ["FENCE", "张三", day[2], 1],
            ["FENCE", "李四", day[2], 1],
            ["FENCE", "张三", day[3], 1],  # after the status date
        ],
    }
    report = run(session, write_xlsx(tmp_path / "fence.xlsx", sheets))
    assert report.ok, report.render("en")
    assert report.warnings == []

    data = _health(make, session, "FENCE", day[2])

    assert (data["bac"], data["pv"], data["ev"], data["ac"]) == (4000, 3000, 2500, 2800)
    assert data["cv"] == D(-300) and data["sv"] == D(-500)
    assert data["cpi"] == D(2500) / D(2800) and data["spi"] == D(2500) / D(3000)
    assert data["cpi"].quantize(D("0.001")) == D("0.893") and data["spi"].quantize(D("0.001")) == D("0.833")
    assert data["eac"] == D(4480) and data["etc"] == D(1680) and data["vac"] == D(-480)
    assert data["tcpi"] == D("1.25") and data["eac_combined"] == D(4816) and data["eac_atypical"] == D(4300)


def test_the_ten_houses_reproduce_through_the_import(session: Session, make: Factory, tmp_path: Path) -> None:
    # Ten houses of 1,000, one a week for ten weeks; at the end of week 4 three are built and 1,500 + 1,000 +
    # 2,000 + 1,500 were spent: BAC 10,000, PV 4,000, EV 3,000, AC 6,000 (M. Salama, "Earned Value Overview").
    start = date(2026, 1, 5)
    week = [start + timedelta(weeks=n) for n in range(11)]
    sheets = {
        "projects": [["code", "name", "start", "finish"], ["HOUSES", "十栋房子", start, week[10] - timedelta(days=1)]],
        "budget": [["project", "category", "amount"], ["HOUSES", "subcontract", 10000]],
        "tasks": [["project", "name", "planned_start", "planned_finish", "planned_cost"]]
        + [["HOUSES", f"house {n + 1}", week[n], week[n + 1] - timedelta(days=1), 1000] for n in range(10)],
        "progress": [["project", "task", "date", "percent"]]
        + [["HOUSES", f"house {n + 1}", week[n + 1] - timedelta(days=1), 100] for n in range(3)]
        + [["HOUSES", "house 4", week[4] + timedelta(days=2), 100]],  # finished in week 5: after the status date
        "costs": [["project", "date", "category", "amount", "counterparty", "paid"]]
        + [
            ["HOUSES", week[n] + timedelta(days=3), "subcontract", amount, "建房队", "是"]
            for n, amount in enumerate((1500, 1000, 2000, 1500, 1000))
        ],
    }
    report = run(session, write_xlsx(tmp_path / "houses.xlsx", sheets))
    assert report.ok, report.render("en")

    data = _health(make, session, "HOUSES", week[4] - timedelta(days=1))

    assert (data["bac"], data["pv"], data["ev"], data["ac"]) == (10000, 4000, 3000, 6000)
    assert data["cv"] == D(-3000) and data["sv"] == D(-1000)
    assert data["cpi"] == D("0.5") and data["spi"] == D("0.75")
    assert data["eac"] == D(20000) and data["etc"] == D(14000) and data["vac"] == D(-10000)
    assert data["tcpi"] == D("1.75") and data["eac_atypical"] == D(13000)
    assert data["eac_combined"] == D(6000) + D(7000) / (D("0.5") * D("0.75"))


def test_an_overdrawn_opening_balance_is_money_out(session: Session, tmp_path: Path) -> None:
    sheets = {
        "projects": [["code", "name"], ["OD", "透支项目"]],
        "opening": [["project", "date", "item", "amount"], ["OD", date(2026, 10, 1), "cash", "-5,000.50"]],
        "funds": [["project", "date", "direction", "amount"], ["OD", date(2026, 10, 2), "in", 10000]],
    }

    report = run(session, write_xlsx(tmp_path / "od.xlsx", sheets))

    assert report.ok, report.render("en")
    project = session.scalars(select(Project).where(Project.code == "OD")).one()
    assert fund_q.balance(session=session, project_id=project.id, until=date(2026, 10, 1)) == D("-5000.50")
    assert fund_q.balance(session=session, project_id=project.id, until=TODAY) == D("4999.50")
    wages = [["project", "date", "item", "worker", "amount"], ["OD", date(2026, 10, 1), "wages", "张三", -1]]
    refused = run(session, write_xlsx(tmp_path / "w.xlsx", {"opening": wages}))
    assert refused.error_lines("en") == ["sheet opening row 2: opening wages cannot be negative"]


def test_history_needs_a_role_that_manages_the_project(session: Session, make: Factory, tmp_path: Path) -> None:
    mine = make.project(code="MINE")
    theirs = make.project(code="THEIRS")
    make.worker("张三", 300, projects=[mine, theirs])
    foreman = make.user("工长", project=mine, role="foreman")
    manager = make.user("经理", project=mine, role="manager")
    labour = [["project", "worker", "date"], ["MINE", "张三", date(2026, 10, 2)], ["THEIRS", "张三", date(2026, 10, 2)]]
    path = write_xlsx(tmp_path / "l.xlsx", {"labour": labour})

    by_foreman = run(session, path, acting_user=foreman)
    by_manager = run(session, path, acting_user=manager)

    not_allowed = "not allowed: changing a project needs role admin/manager"
    assert by_foreman.error_lines("en") == [f"sheet labour row 2: {not_allowed}", f"sheet labour row 3: {not_allowed}"]
    assert by_manager.error_lines("en") == [f"sheet labour row 3: {not_allowed}"]
    assert table_counts(session)["labor_entry"] == 0
    workers = [WORKERS, ["李四", "MINE", "钢筋工", 380], ["王五", "THEIRS", "泥瓦工", 320]]
    refused = run(session, write_xlsx(tmp_path / "w.xlsx", {"workers": workers}), acting_user=manager)
    assert refused.error_lines("en") == ["sheet workers row 3: not allowed: changing workers needs role admin/manager"]


def test_history_csv_files_are_told_apart_by_their_columns_or_a_kind_column(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    project = make.project(code="HX")
    make.worker("张三", 300, projects=[project])
    labour = write_csv(
        tmp_path / "labour.csv", [["project", "worker", "date", "days"], ["HX", "张三", "2026-10-02", 1]]
    )
    ambiguous = write_csv(
        tmp_path / "pay.csv", [["project", "worker", "date", "amount"], ["HX", "张三", "2026-10-03", 100]]
    )
    advances = write_csv(
        tmp_path / "adv.csv",
        [["kind", "project", "worker", "date", "amount"], ["借支", "HX", "张三", "2026-10-03", 100]],
    )

    assert run(session, labour).created == {"labour": 1}
    assert not run(session, ambiguous).ok
    assert run(session, advances).created == {"advances": 1}
    assert labour_q.outstanding_wages(session=session, project_id=project.id, until=TODAY) == D(200)


JUNK_SHEETS: dict[str, list[list[Any]]] = {
    "projects": [["code", "name"], ["JX", "垃圾项目"]],
    "workers": [["name", "project", "daily_rate", "id_tail"], ["张三", "JX", 300, "1234"]],
    "labour": [
        ["project", "worker", "date", "days", "overtime_hours", "daily_rate"],
        ["JX", "张三", "2026-10-02", 1, 2, 350],
    ],
    "costs": [["project", "date", "category", "amount", "paid"], ["JX", "2026-10-02", "materials", 800, "是"]],
    "opening": [["project", "date", "item", "amount"], ["JX", "2026-10-01", "cash", -100]],
}
JUNK_CELLS = [
    (sheet, column) for sheet, rows in JUNK_SHEETS.items() if sheet != "projects" for column in range(len(rows[0]))
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell=st.sampled_from(JUNK_CELLS), junk=st.one_of(JUNK, st.floats(allow_nan=True, allow_infinity=True)))
def test_junk_in_a_history_cell_never_crashes_nor_writes_an_invalid_row(
    session: Session, tmp_path: Path, cell: tuple[str, int], junk: Any
) -> None:
    sheets = {name: [list(row) for row in rows] for name, rows in JUNK_SHEETS.items()}
    sheet, column = cell
    sheets[sheet][1][column] = junk
    try:
        path = write_xlsx(tmp_path / "junk.xlsx", sheets)
    except (IllegalCharacterError, ValueError, TypeError):
        assume(False)
    before = table_counts(session)

    report = run(session, path)

    after = table_counts(session)
    event("accepted" if report.ok else "refused")
    if not report.ok:
        assert after == before, report.render("en")
        return
    cents = Decimal("0.01")
    for amount in session.scalars(select(LaborEntry.amount)):
        assert amount.is_finite() and amount >= 0 and amount == amount.quantize(cents)
    for amount in session.scalars(select(FundTxn.amount)):
        assert amount.is_finite() and amount > 0 and amount == amount.quantize(cents)


def test_the_docs_and_the_template_readme_document_every_sheet_and_column(tmp_path: Path) -> None:
    import openpyxl

    from tools.importer import COLUMNS, KINDS, write_template

    docs = (Path(__file__).parents[2] / "docs" / "import-template.md").read_text(encoding="utf-8")
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    readme = [[c.value for c in row] for row in book["README"].iter_rows()]
    missing = []
    for kind in KINDS:
        sections = [part.split("\n## ", 1)[0] for part in docs.split("\n### ")[1:]]
        section = next(part for part in sections if f"{kind} " in part.splitlines()[0])
        for column in COLUMNS[kind]:
            if f"`{column.header}`" not in section:
                missing.append(f"docs {kind} {column.header}")
        documented = readme.index([f"{kind} {KIND_LABELS[kind].zh}", None, None, None])
        rows = readme[documented + 2 : documented + 2 + len(COLUMNS[kind])]
        assert [row[0] for row in rows] == [column.header for column in COLUMNS[kind]]
        assert all(row[2] and row[3] for row in rows)  # help in both languages
        assert [c.value for c in book[kind][1]] == [column.header for column in COLUMNS[kind]]
    assert missing == []


def test_a_task_with_progress_rows_takes_its_percent_from_them_and_a_reimport_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    sheets = {
        "projects": [["code", "name"], ["PX", "进度项目"]],
        "tasks": [
            ["project", "name", "planned_start", "planned_finish", "percent"],
            ["PX", "主体", date(2026, 9, 1), date(2026, 12, 31), 30],
        ],
        "progress": [
            ["project", "task", "date", "percent"],
            ["PX", "主体", date(2026, 10, 1), 20],
            ["PX", "主体", date(2026, 11, 1), 50],
        ],
    }
    path = write_xlsx(tmp_path / "p.xlsx", sheets)

    first = run(session, path)
    again = run(session, path)

    assert first.ok and first.created["progress"] == 2  # the dated reports, not an undated 30 % "today"
    task = session.scalars(select(Task).where(Task.name == "主体")).one()
    assert (task.percent, task.actual_start) == (D(50), date(2026, 10, 1))
    assert again.ok and again.created == {} and again.updated == {}


def test_the_demo_zhang_san_is_not_re_rated_by_an_import_for_another_project(session: Session, tmp_path: Path) -> None:
    from storage.demo import load_demo

    assert load_demo(session, TODAY)
    demo = named(session, "张三")[0]
    sg3 = session.scalars(select(Project).where(Project.code == "SG3")).one()
    rate_before = labour_q.rate_on(session=session, worker_id=demo.id, day=TODAY, project_id=sg3.id)
    owed_before = labour_q.outstanding_wages(session=session, project_id=sg3.id, until=TODAY, worker_id=demo.id)
    sheets = {
        "projects": [["code", "name"], ["NEWJOB", "新工地"]],
        "workers": [WORKERS, ["张三", "NEWJOB", "杂工", 300]],
        "labour": [["project", "worker", "date"], ["NEWJOB", "张三", TODAY]],
    }

    asked = run(session, write_xlsx(tmp_path / "a.xlsx", sheets))
    sheets["workers"][1] += [None, "否"]
    created = run(session, write_xlsx(tmp_path / "b.xlsx", sheets))

    assert [line.split(":")[0] for line in asked.error_lines("en")] == [
        "sheet workers row 2",
        "sheet labour row 2",  # no 张三 on NEWJOB's books until the question is answered
    ]
    assert created.ok, created.render("en")
    session.refresh(demo)
    assert (demo.daily_rate, demo.trade) == (D(350), "木工")
    assert labour_q.rate_on(session=session, worker_id=demo.id, day=TODAY, project_id=sg3.id) == rate_before == D(350)
    assert labour_q.outstanding_wages(session=session, project_id=sg3.id, until=TODAY, worker_id=demo.id) == owed_before
    new = named(session, "张三")[1]
    newjob = session.scalars(select(Project).where(Project.code == "NEWJOB")).one()
    assert (new.daily_rate, new.trade, project_codes(session, new)) == (D(300), "杂工", ["NEWJOB"])
    assert labour_q.outstanding_wages(session=session, project_id=newjob.id, until=TODAY) == D(300)


@pytest.mark.usefixtures("cli_db")
def test_cli_import_template_writes_the_template_with_the_history_sheets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    path = tmp_path / "history.xlsx"

    assert main(["import", "--template", str(path)]) == 0
    assert capsys.readouterr().out.strip() == str(path.resolve())
    assert openpyxl.load_workbook(path).sheetnames[-7:] == list(HISTORY_KINDS)
    assert main(["import", "--template", str(path)]) == 1  # never over an existing file
    assert main(["import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "labour entries 2 created" in out and "opening balances 2 created" in out


def test_a_row_without_a_project_cannot_re_rate_a_person_on_a_project(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    sg3 = make.project(code="SG3")
    zhang = make.worker("张三", 350, trade="木工", projects=[sg3])
    header = ["name", "trade", "daily_rate"]

    refused = run(session, write_xlsx(tmp_path / "r.xlsx", {"workers": [header, ["张三", "杂工", 300]]}))
    same = run(session, write_xlsx(tmp_path / "s.xlsx", {"workers": [header, ["张三", "木工", 350]]}))

    assert refused.error_lines("en") == [
        "sheet workers row 2: 张三 is on a project's books (SG3, 木工, ¥350.00/day): a row without a project cannot "
        "change their rate or trade. Give the project (and same_person for another project)."
    ]
    assert same.ok and same.updated == {} and same.created == {}
    session.refresh(zhang)
    assert (zhang.daily_rate, zhang.trade) == (D(350), "木工")


def test_overtime_is_paid_by_the_project_rule_hourly_or_folded(session: Session, tmp_path: Path) -> None:
    sheets = {
        "projects": [
            ["code", "name", "hours_per_day", "overtime_mode", "overtime_hours_per_day", "overtime_rate"],
            ["HR", "按小时", 8, "hourly", None, 45],
            ["FD", "折工", 9, "folded", 8, None],
        ],
        "workers": [WORKERS, ["张三", "HR", "木工", 350], ["李四", "FD", "木工", 360]],
        "labour": [
            ["project", "worker", "date", "days", "overtime_hours"],
            ["HR", "张三", date(2026, 10, 2), 1, 3],  # 350 + 3 × 45
            ["FD", "李四", date(2026, 10, 2), 1, 3],  # 12 h on a 9 h day: 1 + 3/8 工 = 1.375 × 360
            ["FD", "李四", date(2026, 10, 3), 0, 2.5],  # overtime only: 2.5/8 × 360
        ],
    }

    report = run(session, write_xlsx(tmp_path / "ot.xlsx", sheets))

    assert report.ok, report.render("en")
    rows = session.execute(
        select(LaborEntry.days, LaborEntry.overtime_amount, LaborEntry.amount).order_by(LaborEntry.id)
    ).all()
    assert rows == [
        (D(1), D("135.00"), D("485.00")),
        (D(1), D("135.00"), D("495.00")),
        (D(0), D("112.50"), D("112.50")),
    ]


def test_a_changed_opening_balance_is_refused_not_added_beside_the_first(
    session: Session, make: Factory, tmp_path: Path
) -> None:
    assert run(session, write_xlsx(tmp_path / "hx.xlsx", HX)).ok
    figures = hx_figures(session)
    changed = dict(HX)
    changed["opening 期初"] = [
        HX["opening 期初"][0],
        ["HX", date(2026, 10, 1), "资金余额", None, 30000],
        ["HX", date(2026, 10, 1), "未结工资", "张三", 1600],
        ["HX", date(2026, 10, 1), "wages", "李四", "800"],
    ]
    refused = run(session, write_xlsx(tmp_path / "hx2.xlsx", changed))
    assert not refused.ok
    text = refused.render("zh")
    assert "期初资金已经导入过（2026-10-01 20,000.00）" in text and "张三的期初未结工资已经导入过" in text
    session.rollback()
    assert hx_figures(session) == figures
