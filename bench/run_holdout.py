"""First-run figures for a holdout case file, read as `sitebot parse --json` reads a message (no model).

Each message goes through bot.planning.plan_dict on a fresh SQLite demo database (today 2026-11-25, the tests'
clock, acting as the local administrator, the case's project as the chat's): rules or a command, and a dry run of
the tools (rolled back) that turns a write the tools would propose into a proposal. No model is configured, so a
message the rules are unsure of plans nothing (an ask).

A case is exactly right when its outcome and its calls are both the expected ones:
  act      the expected calls, made at once (no confirm);
  propose  the expected calls, with confirm;
  ask      no calls.
A wrong write is a write planned at once whose calls differ from the case's expected immediate calls (any write
made at once on a propose or ask case counts). Usage: .venv/bin/python bench/run_holdout.py [CASES.jsonl]
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_services, prepare_database
from bot.channels.terminal import acting_user
from bot.planning import plan_dict
from bot.settings import Settings
from tools.base import REGISTRY

TODAY = date(2026, 11, 25)
DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "bot" / "data" / "holdout9_cases.jsonl"


def _normal(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Calls as JSON would give them (dates and decimals as strings); a task marked finished is written as its
    progress at 100% (tools.tasks.mark_task calls update_task_progress), so the two are one call here."""
    out = json.loads(json.dumps(calls, ensure_ascii=False, default=str))
    for call in out:
        args = call.get("args", {})
        if call.get("tool") == "mark_task" and args.get("event") == "finished":
            call["tool"] = "update_task_progress"
            call["args"] = {k: v for k, v in args.items() if k != "event"} | {"percent": "100"}
            call["args"] = {
                key: call["args"][key] for key in ("project", "task", "percent", "date") if key in call["args"]
            }
    return out


def _writes(calls: list[dict[str, Any]]) -> bool:
    return any(REGISTRY[c["tool"]].writes for c in calls if c["tool"] in REGISTRY)


def outcome(out: dict[str, Any]) -> str:
    if not out["calls"]:
        return "ask"
    return "propose" if out.get("confirm") else "act"


def judge(case: dict[str, Any], out: dict[str, Any]) -> tuple[bool, bool]:
    """(exactly right, a wrong write made at once)."""
    got = _normal(out["calls"])
    expected = case["expect"]
    right = outcome(out) == expected and got == _normal(case["calls"])
    made_at_once = outcome(out) == "act" and _writes(got)
    wrong_write = made_at_once and (expected != "act" or got != _normal(case["calls"]))
    return right, wrong_write


def main(path: Path) -> int:
    cases = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as folder:
        services = build_services(Settings(database_url=f"sqlite:///{folder}/holdout.db", llm_api_key=None))
        try:
            prepare_database(services, TODAY)
            assert services.router.agent is None, "the figures are for the offline parser: no model"
            with services.sessions() as session:
                user_id = acting_user(session, None).id
            results = []
            for case in cases:
                out = plan_dict(
                    services.router, case["text"], user_id=user_id, project_code=case["project"], today=TODAY
                )
                results.append((case, out, *judge(case, out)))
        finally:
            services.engine.dispose()

    total = len(results)
    right = sum(r[2] for r in results)
    print(f"{path.name}: {total} messages, exactly right {right}/{total} = {right / total:.1%}")
    by: dict[str, Counter[str]] = {}
    for case, out, ok, _ in results:
        tally = by.setdefault(case["expect"], Counter())
        tally["n"] += 1
        tally["right"] += ok
        tally["got " + outcome(out)] += 1
    for expect in ("act", "propose", "ask"):
        tally = by.get(expect, Counter())
        if tally["n"]:
            seen = ", ".join(f"{k} {v}" for k, v in sorted(tally.items()) if k.startswith("got "))
            print(f"  expected {expect:<8} {tally['right']}/{tally['n']} = {tally['right'] / tally['n']:.1%}  ({seen})")
    tags: dict[str, Counter[str]] = {}
    for case, _, ok, _ in results:
        tags.setdefault(case.get("tag", "-"), Counter()).update(n=1, right=int(ok))
    print("  by tag: " + ", ".join(f"{t} {c['right']}/{c['n']}" for t, c in sorted(tags.items())))
    english = [r for r in results if not any("\u4e00" <= ch <= "\u9fff" for ch in r[0]["text"])]
    if english:
        print(f"  English: {sum(r[2] for r in english)}/{len(english)}")

    wrong = [r for r in results if r[3]]
    print(f"\nwrong writes (a write planned at once that differs from the expectation): {len(wrong)}")
    for case, out, _, _ in wrong:
        print(f"  {case['text']!r} [{case['expect']}]\n    expected {case['calls']}\n    planned  {out['calls']}")
    misses = [r for r in results if not r[2] and not r[3]]
    print(f"\nother misses: {len(misses)}")
    for case, out, _, _ in misses:
        asked = f"  question: {out['question']}" if out.get("question") else ""
        print(f"  {case['text']!r} [{case['expect']} → {outcome(out)}]\n    expected {case['calls']}")
        print(f"    planned  {out['calls']}{asked}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
