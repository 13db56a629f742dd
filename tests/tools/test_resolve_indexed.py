"""Indexed name resolution answers exactly as matching over every candidate does: the same row, the same
ambiguity, the same suggestions and the same list of known names, for projects and workers, for administrators
and members, with and without a project."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.factories import Factory
from tools import resolve
from tools.base import Context, ToolError
from tools.resolve import Candidate, pick

SURNAMES = "张李王赵钱孙周吴郑陈章"
GIVEN = "三四五六七山思明敏伟芳杰"


def _outcome(call: Callable[[], Any]) -> tuple[str, str]:
    try:
        return "found", str(call().id)
    except ToolError as refused:
        return "refused", refused.render("zh")


def _queries(names: list[str], rng: random.Random) -> list[str]:
    from storage.names import pinyin_keys

    typed = ["", " ", "x", "zz", "P1", "p2", "Mike", "mike chen"]
    for name in names:
        full, initials = pinyin_keys(name)
        typed += [name, f" {name.upper()} ", full, initials, name[:-1], name + "a"]
        typed.append(name[:-1] + rng.choice(GIVEN))  # a typo
        typed.append(rng.choice(SURNAMES) + name[1:])  # another surname
    return typed


@pytest.fixture
def company(make: Factory) -> dict[str, Any]:
    rng = random.Random(11)
    projects = [
        make.project(code="P1", name="滨江花园", aliases=["滨江"]),
        make.project(code="P2", name="滨江苑", aliases=[]),
        make.project(code="SG3", name="山水城", aliases=["山水"]),
    ]
    names: list[str] = []
    for i in range(40):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 3 == 0 else "")
        aliases = [f"老{name[0]}"] if i % 5 == 0 else []
        tail = f"{1000 + i}" if i % 7 == 0 else None
        make.worker(name, 300, projects=rng.sample(projects, rng.randint(1, 2)), aliases=aliases, id_tail=tail)
        names += [name, *aliases]
    make.worker("Mike Chen", 300, projects=[projects[0]])
    member = make.user("foreman", project=projects[0], role="foreman")
    make.user("stranger")  # a member of nothing
    return {"projects": projects, "names": names, "member": member, "rng": rng}


def _contexts(make: Factory, company: dict[str, Any]) -> list[Context]:
    from sqlalchemy import select

    from storage.models import User

    stranger = make.session.scalars(select(User).where(User.name == "stranger")).one()
    return [make.ctx(), make.ctx(company["member"]), make.ctx(stranger)]


def _legacy_worker(ctx: Context, name: str, project: Any) -> Any:
    candidates = resolve.workers_on(ctx, project)
    return pick(ctx, "worker", name, [Candidate(w, resolve._worker_names(w)) for w in candidates])


def test_workers_are_resolved_as_by_matching_every_candidate(make: Factory, company: dict[str, Any]) -> None:
    queries = _queries(company["names"], company["rng"])
    for ctx in _contexts(make, company):
        for query in queries:
            for project in (None, *company["projects"]):
                indexed = _outcome(lambda c=ctx, q=query, p=project: resolve.worker(c, q, p))
                legacy = _outcome(lambda c=ctx, q=query, p=project: _legacy_worker(c, q, p))
                assert indexed == legacy, (ctx.user.name, query, project and project.code)


def _legacy_project(ctx: Context, name: str | None) -> Any:
    """resolve.project as it was: read every visible project, then match or choose."""
    projects = resolve.visible_projects(ctx)
    if not projects:
        raise ToolError(resolve._NO_PROJECT)
    if name:
        return pick(ctx, "project", name, [Candidate(p, (p.code, p.name, *p.aliases)) for p in projects])
    for p in projects:
        if p.code == ctx.project_code:
            return p
    if len(projects) == 1:
        return projects[0]
    raise ToolError(resolve._WHICH_PROJECT, options="、".join(f"{p.code} {p.name}" for p in projects))


def test_projects_are_resolved_as_by_matching_every_candidate(make: Factory, company: dict[str, Any]) -> None:
    names = ["滨江花园", "滨江", "滨江苑", "山水城", "山水", "P1", "SG3", "sg3", "binjiang", "bj", "滨江花圆", "山水成"]
    queries = [*names, *_queries(["滨江花园", "山水城"], company["rng"])]
    for ctx in _contexts(make, company):
        for query in queries:
            indexed = _outcome(lambda c=ctx, q=query: resolve.project(c, q))
            assert indexed == _outcome(lambda c=ctx, q=query: _legacy_project(c, q)), (ctx.user.name, query)
        for default in (None, "P1", "SG3", "P9"):
            ctx.project_code = default
            indexed = _outcome(lambda c=ctx: resolve.project(c, None))
            assert indexed == _outcome(lambda c=ctx: _legacy_project(c, None)), (ctx.user.name, default)


def _legacy_lexicon_worker(lexicon: Any, name: str) -> tuple[list[str], list[str]]:
    """Lexicon.resolve_worker as it was: match over every worker, then every spelling's pinyin scored."""
    from rapidfuzz import fuzz

    from bot.parser.lexicon import SUGGEST_PINYIN, fold
    from storage.names import pinyin_keys
    from tools.resolve import match

    sure, near = match(name, lexicon.workers)
    if sure or near:
        return sure, near
    typed = pinyin_keys(name)[0]
    scored = sorted(
        ((fuzz.ratio(typed, pinyin_keys(fold(w))[0]), c.item) for c in lexicon.workers for w in c.names), reverse=True
    )
    return [], list(dict.fromkeys(item for score, item in scored if score >= SUGGEST_PINYIN))[:3]


def test_the_lexicon_resolves_workers_as_by_matching_every_one() -> None:
    from bot.parser.lexicon import Lexicon

    rng = random.Random(5)
    workers = []
    for i in range(300):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 3 == 0 else "")
        workers.append((name, [f"老{name[0]}"] if i % 9 == 0 else []))
    workers += [("Mike Chen", []), ("Li Ming", ["Ming"])]
    lexicon = Lexicon.build(workers=workers)
    names = [name for name, aliases in workers[::7] for name in (name, *aliases)]
    assert lexicon._fold_scored  # one pass over the names answers an unknown one: it must answer the same
    folded = ["張三", "ＺＨＡＮＧＳＡＮ", "Zhang San", "张 三", "張大山", "李-四", "老張"]
    for query in [*_queries(names, rng), "张大山", "zhangdashan", "明明", "mike chan", "liming", *folded]:
        assert lexicon.resolve_worker(query) == _legacy_lexicon_worker(lexicon, query), query


def test_the_lexicon_finds_words_where_one_regex_of_them_would() -> None:
    from bot.parser.lexicon import _alternation, _regex

    rng = random.Random(3)
    words = ["张三", "张三丰", "三丰", "李四", "ab", "abc", "b2", "mike chen", "mike", "chen li", "li", "x y z", "P1"]
    words += [rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(60)]
    alphabet = "张三丰李四abcmike hnlxyz12P ，" + SURNAMES + GIVEN
    finder, pattern = _alternation(words), _regex(words)
    assert finder is not None and pattern is not None
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))).lower()
        found = [(m[0], m.start(), m.end()) for m in finder.finditer(text)]
        assert found == [(m[0], m.start(), m.end()) for m in pattern.finditer(text)], text


def test_no_wratio_exceeds_its_bound() -> None:
    """Similar skips names whose bound is below the bar: the bound must hold for every pair of names."""
    from collections import Counter

    from rapidfuzz import fuzz

    from tools.resolve import wratio_bound

    rng = random.Random(9)
    alphabets = [SURNAMES + GIVEN, "abcde", "滨江花园苑号楼12ab"]
    for _ in range(20000):
        alphabet = rng.choice(alphabets)
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        shared = sum((Counter(a) & Counter(b)).values())
        assert fuzz.WRatio(a, b) <= wratio_bound(min(len(a), len(b)), shared) + 1e-9, (a, b)
