"""Conversation bench: how many messages need no model, model calls per message, prompt size, parser latency.

Runs the message set in tests/bot/data/ through the real router on a fresh SQLite demo database, with the
agent pointed at the scripted fake OpenAI server (tests/support/fake_openai.py): for each message that
reaches the model, the server answers with the case's expected calls (or a short text when none).
Targets (issue 3): >= 70% with no model call, <= 1.2 model calls per message, prompt <= 6,000 characters,
parser p99 <= 5 ms.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_services, prepare_database
from bot.channels.terminal import acting_user
from bot.parser import Lexicon, parse_text
from bot.router import Incoming
from bot.settings import Settings
from tests.support.fake_openai import FakeOpenAI, text, tool_calls

TODAY = date(2026, 11, 25)
DATA = Path(__file__).resolve().parents[1] / "tests" / "bot" / "data"


def load_cases() -> list[dict]:
    cases = []
    for path in sorted(DATA.glob("*_cases.jsonl")):
        cases += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return cases


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    cases = load_cases()
    with tempfile.TemporaryDirectory() as folder, FakeOpenAI().serve() as fake:
        settings = Settings(
            database_url=f"sqlite:///{folder}/bench.db",
            llm_api_key="bench",
            llm_base_url=fake.base_url,
            llm_model="fake",
            llm_timeout=5,
            llm_max_retries=0,
            rate_limit_per_minute=0,  # one user sends the whole set in seconds: this bench is not about pace
            llm_daily_tokens=0,
        )
        services = build_services(settings)
        prepare_database(services, TODAY)
        with services.sessions() as session:
            user_id = acting_user(session, None).id
            lexicon = Lexicon.load(session)

        # Parser latency: the rule parser alone, warm lexicon, every message 20 times.
        gc.disable()
        timings: list[float] = []
        for _ in range(20):
            for case in cases:
                started = time.perf_counter()
                parse_text(
                    case["text"],
                    lexicon,
                    today=TODAY,
                    project_code=case.get("project"),
                    language=case.get("language", "zh"),
                )
                timings.append((time.perf_counter() - started) * 1000)
        gc.enable()

        # Model calls: every message through the router, the fake model answering with the expected calls.
        model_calls: list[int] = []
        for case in cases:
            fake.queue.clear()
            expected = [(c["tool"], c["args"]) for c in case["calls"]]
            fake.script(tool_calls(*expected) if expected else text("好的 / OK"))
            reply = services.router.handle(
                Incoming(
                    text=case["text"], user_id=user_id, chat_key="bench", project_code=case.get("project"), today=TODAY
                )
            )
            model_calls.append(reply.model_calls)
        assert services.router.agent is not None
        prompt = services.router.agent.prompt_size()

    no_model = sum(1 for n in model_calls if n == 0) / len(model_calls)
    mean_calls = sum(model_calls) / len(model_calls)
    median, p99 = statistics.median(timings), percentile(timings, 0.99)
    print(f"messages: {len(cases)}")
    print(f"answered with no model call: {no_model:.1%}   (target >= 70%)")
    print(f"model calls per message:     {mean_calls:.3f}   (target <= 1.2)")
    print(f"prompt size (system + tools): {prompt} characters   (target <= 6,000)")
    print(f"parser latency: median {median:.3f} ms, p99 {p99:.3f} ms, max {max(timings):.3f} ms   (target p99 <= 5 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
