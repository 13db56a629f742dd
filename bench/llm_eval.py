"""Model evaluation: the conversation message set (tests/bot/data/*_cases.jsonl) against the configured model.

Every message goes to the model once, as the agent sends it (the system prompt for the demo project, today
2026-11-25, the registry's tools), with no rule parser in front: what is measured is the model's own choice of
tools on your phrasing. Prints, per message, whether it chose the expected tools (and arguments), the tokens
and the latency; then tool-choice accuracy, argument accuracy, model calls, tokens and latency over the set.

    SITEBOT_LLM_BASE_URL=https://api.deepseek.com SITEBOT_LLM_MODEL=deepseek-chat SITEBOT_LLM_API_KEY=... \\
        .venv/bin/python bench/llm_eval.py [--set holdout] [--limit 50] [--quiet]

The model settings come from the environment or .env as for the bot (SITEBOT_LLM_*); the data goes to a
throw-away SQLite demo database, never to SITEBOT_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_services, prepare_database
from bot.channels.terminal import acting_user
from bot.router import Incoming
from bot.settings import Settings

TODAY = date(2026, 11, 25)
DATA = Path(__file__).resolve().parents[1] / "tests" / "bot" / "data"


@dataclass
class Outcome:
    text: str
    expected: list[str]
    chosen: list[str]
    args_ok: bool
    tokens: int
    seconds: float
    error: str = ""

    @property
    def tools_ok(self) -> bool:
        return not self.error and Counter(self.expected) == Counter(self.chosen)


def load_cases(which: str | None = None) -> list[dict[str, Any]]:
    cases = []
    for path in sorted(DATA.glob("*_cases.jsonl")):
        if which and not path.name.startswith(which):
            continue
        cases += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return cases


def _same(expected: Any, got: Any) -> bool:
    """Equal as the contract writes them: numbers by value, the rest as text."""
    try:
        return Decimal(str(expected)) == Decimal(str(got))
    except (InvalidOperation, ValueError):
        return str(expected).strip().lower() == str(got).strip().lower()


def args_match(expected: list[dict[str, Any]], chosen: list[tuple[str, dict[str, Any]]]) -> bool:
    """Every expected call has a chosen call of its tool carrying the expected arguments (extra ones allowed)."""
    left = list(chosen)
    for call in expected:
        found = next(
            (
                i
                for i, (tool, args) in enumerate(left)
                if tool == call["tool"]
                and all(k in args and _same(v, args[k]) for k, v in call["args"].items() if k != "project")
            ),
            None,
        )
        if found is None:
            return False
        left.pop(found)
    return True


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def evaluate(settings: Settings, cases: list[dict[str, Any]], *, quiet: bool = False) -> list[Outcome]:
    """Ask the model about every case (one call each) and compare its tools with the expected ones."""
    if not settings.llm_enabled:
        raise SystemExit("no model configured: set SITEBOT_LLM_BASE_URL and/or SITEBOT_LLM_API_KEY, SITEBOT_LLM_MODEL")
    with tempfile.TemporaryDirectory() as folder:
        settings = settings.model_copy(update={"database_url": f"sqlite:///{folder}/eval.db", "llm_daily_tokens": 0})
        services = build_services(settings)
        try:
            prepare_database(services, TODAY)
            agent = services.router.agent
            assert agent is not None
            outcomes = []
            with services.sessions() as session:
                user_id = acting_user(session, None).id
                session.commit()
            for n, case in enumerate(cases, 1):
                incoming = Incoming(
                    text=case["text"], user_id=user_id, chat_key="eval", project_code=case.get("project"), today=TODAY
                )
                expected = [c["tool"] for c in case["calls"]]
                with services.sessions() as session:
                    ctx = services.router.context(session, incoming)
                    started = time.perf_counter()
                    try:
                        calls, tokens = agent.first_calls(ctx, case["text"])
                        error = ""
                    except Exception as failure:  # the endpoint's error, counted and shown
                        calls, tokens, error = [], 0, f"{type(failure).__name__}: {str(failure)[:80]}"
                    seconds = time.perf_counter() - started
                chosen = [(c.tool, c.args) for c in calls]
                outcome = Outcome(
                    text=case["text"],
                    expected=expected,
                    chosen=[tool for tool, _ in chosen],
                    args_ok=not error and args_match(case["calls"], chosen),
                    tokens=tokens,
                    seconds=seconds,
                    error=error,
                )
                outcomes.append(outcome)
                if not quiet:
                    print(line(n, outcome), flush=True)
            return outcomes
        finally:
            services.engine.dispose()


def line(n: int, o: Outcome) -> str:
    mark = "ok " if o.tools_ok and o.args_ok else ("~  " if o.tools_ok else "BAD")
    got = o.error or ",".join(o.chosen) or "-"
    return (
        f"{n:4d} {mark} {o.seconds * 1000:7.0f} ms {o.tokens:6d} tok  expected {','.join(o.expected) or '-'}"
        f"  got {got}  | {o.text[:40]}"
    )


def summary(settings: Settings, outcomes: list[Outcome]) -> list[str]:
    n = len(outcomes) or 1
    latencies = [o.seconds * 1000 for o in outcomes if not o.error]
    tokens = [o.tokens for o in outcomes]
    return [
        f"model: {settings.llm_model} at {settings.llm_base_url or 'OpenAI'}",
        f"messages: {len(outcomes)}",
        f"tool-choice accuracy: {sum(o.tools_ok for o in outcomes) / n:.1%}",
        f"arguments accuracy:   {sum(o.tools_ok and o.args_ok for o in outcomes) / n:.1%}",
        f"model calls: {len(outcomes)} ({sum(bool(o.error) for o in outcomes)} failed)",
        f"tokens: {sum(tokens)} total, {statistics.mean(tokens) if tokens else 0:.0f} per message",
        f"latency: median {statistics.median(latencies) if latencies else 0:.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms per message",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--set", help="only the files whose name starts with this (parser, holdout, holdout3, …)")
    parser.add_argument("--limit", type=int, help="only the first N messages")
    parser.add_argument("--quiet", action="store_true", help="the summary only")
    args = parser.parse_args(argv)
    cases = load_cases(args.set)[: args.limit]
    settings = Settings()
    outcomes = evaluate(settings, cases, quiet=args.quiet)
    for text in summary(settings, outcomes):
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
