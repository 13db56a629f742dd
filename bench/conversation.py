"""Conversation bench: how many messages need no model, model calls per message, prompt size, parser latency.

Runs the message set in tests/bot/data/ through the real router on a fresh SQLite demo database, with the
agent pointed at the scripted fake OpenAI server (tests/support/fake_openai.py): for each message that
reaches the model, the server answers with the case's expected calls (or a short text when none).
Targets (issue 3): >= 70% with no model call, <= 1.2 model calls per message, prompt <= 6,000 characters,
parser p99 <= 5 ms.

Then, per message set and with no model at all (as `sitebot parse --json` plans, the tools' dry run included):
planned writes that are wrong (a write made at once whose calls differ from the expected ones; target 0), proposals
per message, the share of messages that end in the expected write at once or after one confirmation, and the share
understood without a model (that, or an expected question asked; target >= 90% on the whole set).
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

from bench.run_holdout import _normal, judge, outcome
from bot.app import build_services, prepare_database
from bot.channels.terminal import acting_user
from bot.parser import Lexicon, parse_text
from bot.planning import plan_dict
from bot.router import Incoming
from bot.settings import Settings
from tests.support.fake_openai import FakeOpenAI, text, tool_calls

TODAY = date(2026, 11, 25)
DATA = Path(__file__).resolve().parents[1] / "tests" / "bot" / "data"


def load_cases() -> list[dict]:
    cases = []
    for path in sorted(DATA.glob("*_cases.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                case.setdefault("set", path.name)
                if "expect" not in case:  # the older sets: no calls is a question, "confirm" a proposal
                    case["expect"] = "ask" if not case["calls"] else "propose" if case.get("confirm") else "act"
                cases.append(case)
    return cases


def offline_figures(services: object, user_id: int, cases: list[dict]) -> list[str]:
    """Per set: wrong writes, proposals per message, writes after at most one confirmation, understood."""
    by_set: dict[str, list[tuple[dict, dict, bool, bool]]] = {}
    for case in cases:
        out = plan_dict(
            services.router,  # type: ignore[attr-defined]
            case["text"],
            user_id=user_id,
            project_code=case.get("project"),
            today=TODAY,
        )
        by_set.setdefault(case["set"], []).append((case, out, *judge(case, out)))
    every = [row for rows in by_set.values() for row in rows]
    lines = ["", "with no model (the rules, and the tools' dry run):"]
    for name, rows in [*sorted(by_set.items()), ("all sets", every)]:
        n = len(rows)
        wrong = sum(1 for _, _, _, bad in rows if bad)
        proposals = sum(1 for _, out, _, _ in rows if outcome(out) == "propose")
        writes = [(c, out) for c, out, _, _ in rows if c["expect"] in ("act", "propose")]
        written = sum(
            1
            for c, out in writes
            if outcome(out) in ("act", "propose") and _normal(out["calls"]) == _normal(c["calls"])
        )
        understood = sum(1 for _, _, right, _ in rows if right) + sum(
            1
            for c, out, right, _ in rows
            if not right
            and c["expect"] == "act"
            and outcome(out) == "propose"
            and _normal(out["calls"]) == _normal(c["calls"])
        )
        lines.append(
            f"  {name:<22} {n:>4} msgs  wrong writes {wrong:>2}  proposals/msg {proposals / n:.3f}  "
            f"write within one confirmation {written}/{len(writes)} = {written / max(1, len(writes)):.1%}  "
            f"understood {understood / n:.1%}"
        )
    return lines


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

        # Offline figures first, on the demo as loaded (the router loop below writes): no model.
        agent, services.router.agent = services.router.agent, None
        offline = offline_figures(services, user_id, cases)
        services.router.agent = agent

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
    print("\n".join(offline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
