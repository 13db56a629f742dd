"""bench/llm_eval.py against the fake OpenAI-compatible server: the message set, one model call per message, and
the figures it prints (tool-choice and argument accuracy, calls, tokens, latency)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.fake_openai import FakeOpenAI, error, text, tool_calls

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def llm_eval() -> ModuleType:
    spec = importlib.util.spec_from_file_location("llm_eval", ROOT / "bench" / "llm_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["llm_eval"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    with server.serve():
        monkeypatch.chdir(tmp_path)  # no .env of the developer's
        monkeypatch.setenv("SITEBOT_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("SITEBOT_LLM_API_KEY", "eval-key")
        monkeypatch.setenv("SITEBOT_LLM_MODEL", "fake-model")
        monkeypatch.setenv("SITEBOT_LLM_MAX_RETRIES", "0")
        monkeypatch.setenv("SITEBOT_DATABASE_URL", f"sqlite:///{tmp_path}/never-used.db")
        yield server
    assert not server.unexpected, server.unexpected


def first_cases(n: int) -> list[dict]:
    lines = (ROOT / "tests" / "bot" / "data" / "parser_cases.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:n]]


def test_it_scores_the_models_tool_choice_and_prints_calls_tokens_and_latency(
    llm_eval: ModuleType, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cases = first_cases(6)
    assert all(case["calls"] for case in cases[:4])
    right = [tool_calls(*[(c["tool"], c["args"]) for c in case["calls"]]) for case in cases[:3]]
    first = cases[3]["calls"][0]
    wrong_args = tool_calls((first["tool"], {**first["args"], "worker": "nobody"}))
    fake.script(*right, wrong_args, text("not a tool"), error(500))

    assert llm_eval.main(["--set", "parser", "--limit", "6"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows, totals = out[:6], out[6:]
    assert [row.split()[1] for row in rows] == ["ok", "ok", "ok", "~", "BAD", "BAD"]
    assert "Error code: 500" in rows[5]
    assert totals == [
        f"model: fake-model at {fake.base_url}",
        "messages: 6",
        "tool-choice accuracy: 66.7%",
        "arguments accuracy:   50.0%",
        "model calls: 6 (1 failed)",
        "tokens: 6150 total, 1025 per message",
        totals[-1],
    ]
    assert totals[-1].startswith("latency: median ") and totals[-1].endswith(" ms per message")
    assert fake.calls == 6
    sent = fake.requests[0]
    assert cases[0]["text"] in json.dumps(sent["messages"], ensure_ascii=False)
    assert {t["function"]["name"] for t in sent["tools"]} >= {"log_labor", "budget_status"}
    assert not (tmp_path / "never-used.db").exists()  # a throw-away demo database, not the configured one


def test_without_a_model_it_says_what_to_set(
    llm_eval: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("SITEBOT_LLM_BASE_URL", "SITEBOT_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit, match="SITEBOT_LLM_BASE_URL"):
        llm_eval.main(["--limit", "1"])
