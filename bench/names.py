"""Name resolution at scale: the same lookups with 10 workers and with 10,000 workers and 3,000 projects.

Builds two fresh SQLite files in a temporary folder, migrated with the real migrations and filled through the ORM
(so everything the product maintains when names are written is maintained here too): a small company (3 projects,
10 workers) and a large one (3,000 projects, 10,000 workers). Project P0001 and its ten workers are the same in
both. Then times the paths a message takes, each in a fresh session as a message has, with warm caches:
tools.resolve.worker and tools.resolve.project for an exact name, an alias, a pinyin spelling and a typo (the
"did you mean" answer), the chat's default project, and the parser's Lexicon.load + find_workers/find_projects on
a typical message. Prints per-path medians for both sizes and their ratio. Target: every ratio within 2×.

    .venv/bin/python bench/names.py [--runs 50]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.parser.lexicon import Lexicon, fold
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Membership, Project, ProjectWorker, Role, User, Worker
from tools import resolve
from tools.base import Context, ToolError

TODAY = date(2026, 11, 25)
TARGET_RATIO = 2.0
# The ten workers of project P0001 (the same in both companies); 老张 is an alias.
CREW = [("张三", ["老张"]), ("李四", []), ("王五", []), ("赵六", []), ("钱七", []), ("孙八", [])]
CREW += [("周九", []), ("吴十", []), ("郑明", ["小郑"]), ("Mike Chen", [])]
SURNAMES = "陈林黄何罗高梁宋唐许韩冯邓曹彭曾萧田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志文斌辉鹏飞宇浩然俊凯峰晨阳波"
PLACES = "东南西北中新老滨江湖山河城桥港湾园林"
MESSAGE = "今天张三和老张在P0001干了一天，李四加班2小时"


def build(path: Path, projects: int, workers: int) -> Engine:
    """A migrated SQLite file with an administrator, a foreman of P0001, and the given numbers of rows."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    rng = random.Random(7)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        rows = [Project(code="P0001", name="滨江花园", aliases=["滨江"], start=date(2026, 1, 1))]
        for i in range(2, projects + 1):
            name = f"{rng.choice(PLACES)}{rng.choice(PLACES)}{rng.choice(GIVEN)}苑{i}号楼"
            rows.append(Project(code=f"P{i:04d}", name=name, aliases=[], start=date(2026, 1, 1)))
        session.add_all(rows)
        session.flush()
        crew = [Worker(name=n, aliases=a, daily_rate=Decimal(300)) for n, a in CREW]
        others = [
            Worker(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), aliases=[], daily_rate=Decimal(300)
            )
            for _ in range(workers - len(crew))
        ]
        session.add_all(crew + others)
        session.flush()
        links = [ProjectWorker(project_id=rows[0].id, worker_id=w.id) for w in crew]
        links += [
            ProjectWorker(project_id=rows[1 + i % (len(rows) - 1)].id, worker_id=w.id) for i, w in enumerate(others)
        ]
        session.add_all(links)
        admin = User(name="admin", is_admin=True)
        foreman = User(name="foreman", telegram_id=1001)
        session.add_all([admin, foreman])
        session.flush()
        session.add(Membership(user_id=foreman.id, project_id=rows[0].id, role=Role.foreman))
    return engine


def medians_ms(
    factories: list[sessionmaker[Session]], user: str, call: Callable[[Context], object], runs: int
) -> list[tuple[float, float]]:
    """The median wall and CPU time of call on each database, in a fresh session per run (as each message has),
    after a warm-up run; the databases take turns, so a busy moment of the machine weighs on both alike, and the
    CPU time (SQLite works in this process) is what other processes on the machine cannot inflate."""
    times: list[list[tuple[float, float]]] = [[] for _ in factories]
    for attempt in range(runs + 1):
        for factory, spent in zip(factories, times, strict=True):
            with factory() as session:
                ctx = Context(session=session, user=session.scalars(select(User).where(User.name == user)).one())
                ctx.today, ctx.project_code = TODAY, "P0001"
                start, cpu = time.perf_counter(), time.process_time()
                with contextlib.suppress(ToolError):  # a typo's answer is a "did you mean" error
                    call(ctx)
                if attempt:
                    spent.append(((time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000))
    return [(statistics.median(w for w, _ in spent), statistics.median(c for _, c in spent)) for spent in times]


def rebuild_s(factory: sessionmaker[Session]) -> float:
    """Seconds the first message after a rename spends rebuilding the lexicon and the near-name index."""
    with factory() as session, session.begin():
        crew = session.scalars(select(Worker).where(Worker.name == "王五")).one()
        crew.aliases = [*crew.aliases, "五哥"]
    with factory() as session:
        ctx = Context(session=session, user=session.scalars(select(User).where(User.name == "admin")).one())
        start = time.perf_counter()
        Lexicon.load(session)
        with contextlib.suppress(ToolError):
            resolve.worker(ctx, "张山")  # the admin's typo over every project: the company's near-name index
        return time.perf_counter() - start


def _project(ctx: Context) -> Project:
    return ctx.session.scalars(select(Project).where(Project.code == "P0001")).one()


def _lexicon(ctx: Context) -> object:
    lexicon = Lexicon.load(ctx.session)
    text = fold(MESSAGE)
    return lexicon.find_workers(text), lexicon.find_projects(text)


PATHS: list[tuple[str, str, Callable[[Context], object]]] = [
    ("worker exact 张三", "admin", lambda c: resolve.worker(c, "张三", _project(c))),
    ("worker alias 老张", "admin", lambda c: resolve.worker(c, "老张", _project(c))),
    ("worker pinyin lisi", "admin", lambda c: resolve.worker(c, "lisi", _project(c))),
    ("worker typo 张山", "admin", lambda c: resolve.worker(c, "张山", _project(c))),
    ("worker, member's books", "foreman", lambda c: resolve.worker(c, "张三")),
    ("worker, admin, every project", "admin", lambda c: resolve.worker(c, "李四")),
    ("worker typo, admin, every proj.", "admin", lambda c: resolve.worker(c, "张山")),
    ("project default", "admin", lambda c: resolve.project(c, None)),
    ("project code P0001", "admin", lambda c: resolve.project(c, "P0001")),
    ("project name 滨江花园", "admin", lambda c: resolve.project(c, "滨江花园")),
    ("project alias 滨江", "admin", lambda c: resolve.project(c, "滨江")),
    ("project pinyin binjianghuayuan", "admin", lambda c: resolve.project(c, "binjianghuayuan")),
    ("project typo 滨江花圆", "admin", lambda c: resolve.project(c, "滨江花圆")),
    ("project typo, member", "foreman", lambda c: resolve.project(c, "滨江花圆")),
    ("lexicon load + find", "admin", _lexicon),
    ("lexicon unknown name 张山", "admin", lambda c: Lexicon.load(c.session).resolve_worker("张山")),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sizes = {}
        for label, projects, workers in (("small", 3, 10), ("large", 3000, 10_000)):
            start = time.perf_counter()
            engine = build(Path(folder) / f"{label}.db", projects, workers)
            print(f"{label}: {projects} projects, {workers} workers built in {time.perf_counter() - start:.1f} s")
            sizes[label] = engine
        factories = [make_session_factory(engine) for engine in sizes.values()]
        results = {name: medians_ms(factories, user, call, args.runs) for name, user, call in PATHS}
        print(f"\nmedians, wall (CPU) in ms; ratio of CPU times\n{'path':32} {'10 workers':>17} {'10,000 / 3,000':>17}")
        worst = 0.0
        for name, _user, _call in PATHS:
            (small, small_cpu), (large, large_cpu) = results[name]
            ratio = large_cpu / small_cpu if small_cpu else float("inf")
            worst = max(worst, ratio)
            print(f"{name:32} {small:8.3f} ({small_cpu:6.3f}) {large:8.3f} ({large_cpu:6.3f}) {ratio:6.1f}×")
        verdict = "met" if worst <= TARGET_RATIO else "NOT met"
        print(f"\nworst ratio {worst:.1f}× (target ≤ {TARGET_RATIO:.0f}×): {verdict}")
        print("\nafter a rename (the marker moved), the first message rebuilds the caches:")
        for label, factory in zip(sizes, factories, strict=True):
            print(f"  {label}: {rebuild_s(factory):.2f} s")
        for engine in sizes.values():
            engine.dispose()


if __name__ == "__main__":
    main()
