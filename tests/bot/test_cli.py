"""The CLI contracts other tools rely on: parse --json, chat on stdin, demo, db upgrade."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from storage.db import make_engine
from storage.models import LaborEntry


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean environment: our database, no model, no token, no .env from the developer's folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITEBOT_DATABASE_URL", db_url)
    for name in ("OPENAI_API_KEY", "SITEBOT_LLM_API_KEY", "SITEBOT_LLM_BASE_URL", "SITEBOT_TELEGRAM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return db_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_parse_prints_the_planned_calls_on_a_fresh_database(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "parse", "李四昨天一个工,加班2小时", "--json", "--project", "SG3", "--today", "2026-11-25")
    assert code == 0
    assert json.loads(out) == {
        "source": "rules",
        "calls": [
            {
                "tool": "log_labor",
                "args": {"project": "SG3", "worker": "李四", "date": "2026-11-24", "days": "1", "overtime_hours": "2"},
            }
        ],
    }


def labor_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count(LaborEntry.id))) or 0
    finally:
        engine.dispose()


def test_parse_writes_nothing(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "parse", "王五、赵六今天各半天", "--json", "--project", "SG3", "--today", "2026-11-25")
    before = labor_count(cli_env)
    _, out = run(capsys, "parse", "王五、赵六今天各半天", "--json", "--project", "SG3", "--today", "2026-11-25")
    plan = json.loads(out)
    assert [c["args"]["worker"] for c in plan["calls"]] == ["王五", "赵六"]
    assert labor_count(cli_env) == before


def test_parse_says_confirm_when_the_tools_would_propose_the_write(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The parser reads the figures cleanly, but a rate ten times the worker's is proposed by log_labor: parse
    reports what the assistant would do (a proposal), and writes nothing."""
    run(capsys, "parse", "撤回上一条", "--json", "--project", "SG3", "--today", "2026-11-25")  # demo loaded
    before = labor_count(cli_env)
    _, out = run(capsys, "parse", "赵六今天1个工 按3500一天", "--json", "--project", "SG3", "--today", "2026-11-25")
    plan = json.loads(out)
    assert [(c["tool"], c["args"]["daily_rate"]) for c in plan["calls"]] == [("log_labor", "3500")]
    assert plan["confirm"] is True and "¥3,500.00" in plan["question"]
    assert labor_count(cli_env) == before


def test_parse_reads_lines_from_stdin_in_one_process(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("明天开会\n撤回上一条\n买钢筋花了8000\n"))
    code, out = run(capsys, "parse", "--json", "--project", "SG3", "--today", "2026-11-25")
    assert code == 0
    plans = [json.loads(line) for line in out.splitlines()]
    assert [p["source"] for p in plans] == ["none", "rules", "rules"]
    assert plans[0]["calls"] == []
    assert plans[1]["calls"] == [{"tool": "undo_last", "args": {}}]
    assert plans[2]["calls"][0]["args"]["category"] == "materials"


def test_chat_on_stdin_answers_each_line_and_writes(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("王五今天一个工\n预算还剩多少\n"))
    code, out = run(capsys, "chat", "--project", "SG3", "--today", "2026-11-25")
    assert code == 0
    logged, budget = out.split("预算执行", 1)
    assert "王五" in logged and "11-25（周三）" in logged
    assert "人工费" in budget


def test_chat_as_unknown_member_is_refused(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["chat", "--user", "nobody"])
    assert code == 2
    assert "nobody" in capsys.readouterr().err


def test_chat_as_member_sees_only_their_projects(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    main(["demo", "--today", "2026-11-25"])
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("我有哪些项目\n"))
    _, out = run(capsys, "chat", "--user", "Alice", "--today", "2026-11-25")
    assert "RW" in out and "SG3" not in out


def test_db_upgrade_is_repeatable(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    assert run(capsys, "db", "upgrade")[0] == 0


def test_alerts_run_without_telegram_prints_each_projects_digest(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["demo", "--today", "2026-11-25"])
    capsys.readouterr()
    code, out = run(capsys, "alerts", "run", "--today", "2026-11-25")
    assert code == 0
    assert "=== project BJ ===" in out and "=== project SG3 ===" in out and "=== project RW ===" in out
    assert "104.0%" in out  # BJ machinery overrun
    assert "延误" in out  # a late task
    assert "低于项目资金底线" in out  # low cash


def test_terminal_project_command_sets_the_default_project(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("预算还剩多少\n/project bj\n预算还剩多少\n/project XX\n"))
    code, out = run(capsys, "chat", "--today", "2026-11-25")
    assert code == 0
    blocks = [b for b in out.strip().split("\n\n") if b.strip()]
    assert "/project" in blocks[0] and "SG3" in blocks[0]  # which project? with the way to choose one
    assert "已切换到项目 BJ" in blocks[1]
    assert "BJ 滨江路市政改造" in blocks[2] and "机械费" in blocks[2]
    assert "XX" in blocks[3]


def test_a_member_switches_only_to_their_own_projects_in_the_terminal(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tester (words): 小李, a foreman of SG3 only, was told "已切换到项目 BJ 滨江路市政改造"."""
    main(["demo", "--today", "2026-11-25"])
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("/project BJ\n/project\n/project sg3\n"))
    code, out = run(capsys, "chat", "--user", "小李", "--project", "SG3", "--today", "2026-11-25")
    assert code == 0
    refused, listed, switched = [b for b in out.strip().split("\n\n") if b.strip()]
    assert "not one of your projects" in refused and "滨江路" not in refused and "RW" not in refused
    assert "SG3" in listed and "BJ" not in listed and "RW" not in listed
    assert "已切换到项目 SG3" in switched


def test_parse_answers_in_its_contract_when_the_parser_fails(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parser defect is a plain "nothing planned", never a traceback on the terminal (tester words saw one)."""
    from bot.router import Router

    def broken(self: Router, ctx: object, text: str, *, project_code: str | None = None) -> object:
        raise NameError("EACH_RE")

    monkeypatch.setattr(Router, "plan", broken)
    code, out = run(capsys, "parse", "张三李四今天一共3个工", "--json", "--project", "SG3", "--today", "2026-11-25")
    assert code == 0
    answer = json.loads(out)
    assert answer["calls"] == [] and answer["source"] == "none" and "Traceback" not in out and "EACH_RE" not in out


def test_the_demo_s_standing_overruns_are_known_so_the_first_write_sends_no_flood_of_alerts(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tester (tg): the first labour entry after loading the demo sent one alert listing every standing condition.
    The demo's conditions are recorded as known when it loads; the morning digest still lists them."""
    from storage.models import AlertState, Notification

    main(["demo", "--today", "2026-11-25"])
    capsys.readouterr()
    engine = make_engine(cli_env)
    try:
        with engine.connect() as connection:
            assert (connection.scalar(select(func.count(AlertState.id))) or 0) > 5
        monkeypatch.setattr("sys.stdin", io.StringIO("李四今天上午半天\n"))
        run(capsys, "chat", "--user", "小李", "--project", "SG3", "--today", "2026-11-25")
        with engine.connect() as connection:
            alerts = connection.scalar(select(func.count(Notification.id)).where(Notification.kind == "alert"))
        assert alerts == 0
    finally:
        engine.dispose()
    code, out = run(capsys, "alerts", "run", "--today", "2026-11-25")
    assert code == 0 and "104.0%" in out  # the digest still says them
