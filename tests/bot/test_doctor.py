"""`sitebot doctor`: each check passing and failing (with its fix), against fake servers on 127.0.0.1; the exit
status is non-zero when any check fails."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot import doctor
from bot.settings import Settings
from storage.models import Chat, InboxUpdate, Notification
from tests.support.factories import Factory
from tests.support.fake_openai import FakeOpenAI, error, text, tool_calls
from tests.support.fake_telegram import BOT_USERNAME, FakeTelegram


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def closed_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def api() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def model() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    with server.serve():
        yield server


def by_name(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {check.name: check for check in checks}


# -- settings and time zone ---------------------------------------------------------------------------------


def test_settings_pass_and_a_bad_value_fails_naming_the_variable() -> None:
    passed, made = doctor.check_settings(lambda: settings())
    assert passed.status == "ok" and made is not None
    failed, none = doctor.check_settings(lambda: settings(proposal_minutes=0, log_level="loud"))
    assert failed.status == "fail" and none is None
    assert "proposal_minutes" in failed.line() and "log_level" in failed.line()
    assert "fix: correct these SITEBOT_ variables" in failed.line()


def test_time_zone_passes_and_an_unknown_one_fails() -> None:
    assert doctor.check_timezone(settings(timezone="Asia/Shanghai")).status == "ok"
    failed = doctor.check_timezone(settings(timezone="Mars/Olympus"))
    assert failed.status == "fail" and "Mars/Olympus" in failed.detail and "SITEBOT_TIMEZONE" in failed.fix


def test_the_cjk_font_passes_and_a_missing_one_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from tools import charts

    assert doctor.check_font().status == "ok"

    def missing() -> Path:
        raise charts.ChartFontError("the chart font package pylopdf-fonts-zh-cn is not installed")

    monkeypatch.setattr(charts, "font_path", missing)
    failed = doctor.check_font()
    assert failed.status == "fail" and "pylopdf-fonts-zh-cn" in failed.fix


# -- database, schedules and queues --------------------------------------------------------------------------


def test_a_migrated_database_passes_with_its_queues(db_url: str) -> None:
    checks = by_name(doctor.check_database(settings(database_url=db_url)))
    assert [c.status for c in checks.values()] == ["ok"] * 5, [c.line() for c in checks.values()]
    assert set(checks) == {"database", "migrations", "digest schedules", "outbox", "inbox"}


def test_an_unreachable_database_fails_with_the_fix(tmp_path: Path) -> None:
    [sqlite] = doctor.check_database(settings(database_url=f"sqlite:///{tmp_path}/no/such/dir/sitebot.db"))
    assert sqlite.status == "fail" and "no SQLite file" in sqlite.detail and "SITEBOT_DATABASE_URL" in sqlite.fix
    assert not (tmp_path / "no").exists()  # nothing created by looking
    [pg] = doctor.check_database(settings(database_url=f"postgresql://nobody@127.0.0.1:{closed_port()}/sitebot"))
    assert pg.status == "fail" and "cannot connect" in pg.detail


def test_a_database_behind_its_migrations_fails_with_db_upgrade(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "new.db").close()  # a file with no schema yet
    reached, behind = doctor.check_database(settings(database_url=f"sqlite:///{tmp_path}/new.db"))
    assert reached.status == "ok"
    assert behind.status == "fail" and "at none" in behind.detail and "sitebot db upgrade" in behind.fix


def test_stuck_outbox_and_inbox_and_an_unreadable_schedule_fail(
    engine: Engine, session: Session, make: Factory
) -> None:
    project = make.project(code="SG3", name="阳光花园3号楼")
    chat = Chat(telegram_chat_id=-1, title="群", project_id=project.id, timezone="Asia/Shanghai")
    session.add(chat)
    session.flush()
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    session.add(Notification(chat_id=chat.id, kind="digest", dedupe_key="d1", created_at=now - timedelta(hours=1)))
    session.add(InboxUpdate(update_id=1, chat_id=-1, received_at=now - timedelta(minutes=2)))
    session.commit()
    fresh = by_name(doctor.check_queues(settings(), engine, now=now))
    assert fresh["outbox"].status == "fail" and "1 waiting" in fresh["outbox"].detail
    assert "sitebot run" in fresh["outbox"].fix
    assert fresh["inbox"].status == "ok" and fresh["digest schedules"].status == "ok"

    chat.digest_time = "25:99"
    session.commit()
    later = by_name(doctor.check_queues(settings(), engine, now=now + timedelta(minutes=10)))
    assert later["inbox"].status == "fail" and "12 min" in later["inbox"].detail
    assert later["digest schedules"].status == "fail" and "25:99" in later["digest schedules"].detail


# -- Telegram -----------------------------------------------------------------------------------------------


def test_telegram_token_and_reachability_pass_and_no_webhook_is_fine_for_polling(api: FakeTelegram) -> None:
    checks = by_name(doctor.check_telegram(settings(telegram_token=api.token, telegram_api_url=api.api_url)))
    assert checks["Telegram token"].status == "ok" and BOT_USERNAME in checks["Telegram token"].detail
    assert checks["Telegram reachable"].status == "ok" and checks["webhook"].status == "ok"


def test_a_refused_token_fails_with_botfather_as_the_fix(api: FakeTelegram) -> None:
    checks = by_name(doctor.check_telegram(settings(telegram_token="123:WRONG", telegram_api_url=api.api_url)))
    assert checks["Telegram reachable"].status == "ok"
    assert checks["Telegram token"].status == "fail" and "@BotFather" in checks["Telegram token"].fix


def test_an_unreachable_telegram_fails_with_the_proxy_as_the_fix() -> None:
    url = f"http://127.0.0.1:{closed_port()}/bot"
    [check] = doctor.check_telegram(settings(telegram_token="123:ABC", telegram_api_url=url))
    assert check.status == "fail" and "HTTPS_PROXY" in check.fix


def test_no_token_is_skipped_not_failed() -> None:
    [check] = doctor.check_telegram(settings())
    assert check.status == "skip"


def test_webhook_checks(api: FakeTelegram) -> None:
    polling = settings(telegram_token=api.token, telegram_api_url=api.api_url)
    api.webhook_info = {"url": "https://bot.example.com/tg", "pending_update_count": 3}
    stale = by_name(doctor.check_telegram(polling))["webhook"]
    assert stale.status == "fail" and "this bot polls" in stale.detail

    hooked = polling.model_copy(update={"webhook_url": "https://bot.example.com/tg"})
    assert by_name(doctor.check_telegram(hooked))["webhook"].status == "ok"
    api.webhook_info["last_error_message"] = "Connection refused"
    failing = by_name(doctor.check_telegram(hooked))["webhook"]
    assert failing.status == "fail" and "Connection refused" in failing.detail and "reverse proxy" in failing.fix
    api.webhook_info = {"url": ""}
    unset = by_name(doctor.check_telegram(hooked))["webhook"]
    assert unset.status == "fail" and "webhook mode" in unset.fix


# -- the model ----------------------------------------------------------------------------------------------


def with_model(fake: FakeOpenAI, **values: Any) -> Settings:
    return settings(llm_api_key="k", llm_base_url=fake.base_url, llm_model="fake-model", **values)


def test_a_model_that_calls_the_tool_passes_in_one_tiny_call(model: FakeOpenAI) -> None:
    model.script(tool_calls(("ping", {"ok": True})))
    check = doctor.check_model(with_model(model))
    assert check.status == "ok" and "1230 tokens" in check.detail and model.calls == 1
    sent = model.requests[0]
    assert sent["tool_choice"] == "required" and [t["function"]["name"] for t in sent["tools"]] == ["ping"]


def test_a_model_without_tool_calling_fails(model: FakeOpenAI) -> None:
    model.script(text("pong"))
    check = doctor.check_model(with_model(model))
    assert check.status == "fail" and "without a tool call" in check.detail and "tool calling" in check.fix


def test_a_refused_key_and_an_unreachable_endpoint_fail(model: FakeOpenAI) -> None:
    model.script(error(401, "bad key"))
    assert "SITEBOT_LLM_API_KEY" in doctor.check_model(with_model(model)).fix
    gone = settings(llm_base_url=f"http://127.0.0.1:{closed_port()}/v1", llm_model="m", llm_timeout=2)
    check = doctor.check_model(gone)
    assert check.status == "fail" and "SITEBOT_LLM_BASE_URL" in check.fix


def test_no_model_is_skipped() -> None:
    assert doctor.check_model(settings()).status == "skip"


# -- all together -------------------------------------------------------------------------------------------


def test_all_passing_exits_zero_and_one_failure_exits_non_zero(
    db_url: str, api: FakeTelegram, model: FakeOpenAI
) -> None:
    model.always(tool_calls(("ping", {"ok": True})))
    good = with_model(model, database_url=db_url, telegram_token=api.token, telegram_api_url=api.api_url)
    lines: list[str] = []
    assert doctor.main(lambda: good, lines.append) == 0, lines
    assert len(lines) == 13 and lines[-1] == "all 12 checks passed."
    assert all(line.startswith("[ok  ]") for line in lines[:-1])

    bad = good.model_copy(update={"timezone": "Nowhere/Void"})
    lines.clear()
    assert doctor.main(lambda: bad, lines.append) == 1
    assert lines[-1] == "1 of 12 checks failed." and any("[FAIL] time zone" in line for line in lines)


def test_the_command_reports_bad_settings_as_a_failed_check(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITEBOT_RATE_LIMIT_PER_MINUTE", "-5")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("[FAIL] settings: rate_limit_per_minute") and out[-1] == "1 of 1 checks failed."


def test_telegram_is_reached_through_the_proxy_the_environment_names(
    api: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = settings(telegram_token=api.token, telegram_api_url=api.api_url)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")  # a proxy that is down
    monkeypatch.setenv("NO_PROXY", "")
    [check] = doctor.check_telegram(good)
    assert check.status == "fail" and "HTTPS_PROXY" in check.fix and api.calls() == []
