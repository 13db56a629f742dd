"""Names as people type them → rows: exact, alias, pinyin, then fuzzy (suggested, never silently taken)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import Session

from storage.memo import memo
from storage.models import BudgetLine, Membership, NameKey, Project, ProjectWorker, Task, Worker
from storage.names import has_pending_changes, marker, names_of, pinyin_keys, project_names, worker_names
from storage.names import norm as _norm
from storage.queries.projects import by_code as project_by_code
from tools.base import Context, Text, ToolError
from tools.categories import CATEGORIES, CATEGORY_WORDS, ITEM_WORDS

T = TypeVar("T")

FUZZY_SUGGEST = 75  # score (0-100) above which a near name is offered as "did you mean"

MAX_AMOUNT = Decimal("10000000000")  # 100亿: above this an amount is a typo
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Candidate(Generic[T]):
    item: T
    names: tuple[str, ...]  # display name first, then aliases


def match(query: str, candidates: Sequence[Candidate[T]]) -> tuple[list[T], list[str]]:
    """Sure matches (possibly several: ambiguous) and, failing those, names to suggest."""
    q = _norm(query)
    if not q:
        return [], []
    exact = [c.item for c in candidates if any(_norm(n) == q for n in c.names)]
    if exact:
        return exact, []
    q_full, _ = pinyin_keys(q)
    sounds_alike = [c for c in candidates if any(q_full == pinyin_keys(_norm(n))[0] for n in c.names)]
    if q.isascii():
        # Typed in pinyin (no IME): "lisi" or the initials "ls" mean 李四.
        by_pinyin = [c.item for c in sounds_alike] or [
            c.item for c in candidates if len(q) >= 2 and any(q == pinyin_keys(_norm(n))[1] for n in c.names)
        ]
        if by_pinyin:
            return by_pinyin, []
    # Other characters with the same sound (李思 for 李四) are offered, never taken: nothing is corrected silently.
    near = sorted(((_similarity(q, q_full, c), i) for i, c in enumerate(candidates)), reverse=True)[:3]
    suggestions = [c.names[0] for c in sounds_alike] + [
        candidates[i].names[0] for score, i in near if score >= FUZZY_SUGGEST
    ]
    return [], list(dict.fromkeys(suggestions))[:3]


def _similarity(query: str, query_pinyin: str, candidate: Candidate[Any]) -> float:
    """How alike a typed name and a candidate are, by characters and by sound (张山 ~ 张三)."""
    best = 0.0
    for name in candidate.names:
        norm = _norm(name)
        best = max(best, fuzz.WRatio(query, norm), fuzz.ratio(query_pinyin, pinyin_keys(norm)[0]))
    return best


K = TypeVar("K")


def wratio_bound(shortest: int, shared: int) -> float:
    """The most fuzz.WRatio can give two strings without spaces (one token each) that have shared characters in
    common, the shorter of them shortest long: every score in it is 2·LCS/(the lengths compared), and the best
    partial window of the shorter string gives at most 2c/(shortest + c)."""
    common = min(shared, shortest)
    return 200 * common / (shortest + common) if common else 0.0


class Similar(Generic[K]):
    """Which of many names are like a typed one, scored as _similarity scores them, without scoring every name:
    by characters, only names with enough characters in common with the query can reach the bar (wratio_bound),
    and an index of characters counts those; sounds (pinyin) are scored for all names at once by rapidfuzz.
    Built once for a company's names and reused."""

    def __init__(self, entries: Iterable[tuple[K, str, str]]) -> None:  # (owner, normalised name, its pinyin)
        self._owners: list[K] = []
        self._norms: list[str] = []
        self._sounds: list[str] = []
        self._by_char: dict[str, list[int]] = {}  # a character → the entries with it
        for owner, normal, full in entries:
            for char in set(normal):
                self._by_char.setdefault(char, []).append(len(self._norms))
            self._owners.append(owner)
            self._norms.append(normal)
            self._sounds.append(full)

    def scores(self, query: str, query_pinyin: str) -> dict[K, float]:
        """Each owner's best score for the query, for the owners at or above FUZZY_SUGGEST only."""
        best: dict[K, float] = {}
        shared: dict[int, int] = {}  # entry → at least the characters it has in common with the query
        for char, count in Counter(query).items():
            for entry in self._by_char.get(char, ()):
                shared[entry] = shared.get(entry, 0) + count
        for entry, common in shared.items():
            if wratio_bound(min(len(query), len(self._norms[entry])), common) < FUZZY_SUGGEST:
                continue
            score = fuzz.WRatio(query, self._norms[entry])
            if score >= FUZZY_SUGGEST:
                owner = self._owners[entry]
                best[owner] = max(best.get(owner, 0.0), score)
        found = process.extract(query_pinyin, self._sounds, scorer=fuzz.ratio, score_cutoff=FUZZY_SUGGEST, limit=None)
        for _sound, score, entry in found:
            owner = self._owners[entry]
            best[owner] = max(best.get(owner, 0.0), score)
        return best


class MatchIndex(Generic[T]):
    """match() over a fixed list of candidates (a cached lexicon's), answered from dictionaries and a Similar
    built once: the same answers, at a cost that does not grow with the number of candidates."""

    def __init__(
        self, candidates: Sequence[Candidate[T]], keys: Callable[[str], tuple[str, str]] = pinyin_keys
    ) -> None:
        """keys: pinyin_keys, or what answers as it does from keys already computed."""
        self._candidates = list(candidates)
        self._exact: dict[str, list[int]] = {}  # key → positions of the candidates with a name of that key
        self._full: dict[str, list[int]] = {}
        self._initials: dict[str, list[int]] = {}
        entries = []
        for position, candidate in enumerate(self._candidates):
            for name in candidate.names:
                normal = _norm(name)
                full, initials = keys(normal)
                for key, index in ((normal, self._exact), (full, self._full), (initials, self._initials)):
                    positions = index.setdefault(key, [])
                    if not positions or positions[-1] != position:
                        positions.append(position)
                entries.append((position, normal, full))
        self._similar = Similar(entries)
        self.sounds = frozenset(full for _position, _normal, full in entries)  # every name's pinyin, as scored

    def query_sound(self, query: str) -> str:
        """The pinyin match() scores a query's sound by."""
        return pinyin_keys(_norm(query))[0]

    def _items(self, positions: Sequence[int]) -> list[T]:
        return [self._candidates[i].item for i in positions]

    def match(self, query: str) -> tuple[list[T], list[str]]:
        q = _norm(query)
        if not q:
            return [], []
        exact = self._exact.get(q)
        if exact:
            return self._items(exact), []
        q_full = pinyin_keys(q)[0]
        sounds_alike = self._full.get(q_full, [])
        if q.isascii():
            by_pinyin = self._items(sounds_alike) or (self._items(self._initials.get(q, [])) if len(q) >= 2 else [])
            if by_pinyin:
                return by_pinyin, []
        near = sorted(((score, i) for i, score in self._similar.scores(q, q_full).items()), reverse=True)[:3]
        suggestions = [self._candidates[i].names[0] for i in sounds_alike]
        suggestions += [self._candidates[i].names[0] for _score, i in near]
        return [], list(dict.fromkeys(suggestions))[:3]


_UNKNOWN = Text("没有找到{kind}“{name}”。", "No {kind} called “{name}”.")
_DID_YOU_MEAN = Text("你是说：{options}？", "Did you mean: {options}?")
_KNOWN = Text("现有：{options}", "Known: {options}")
_AMBIGUOUS = Text(
    "“{name}”可能是多个{kind}：{options}，请说清楚是哪个。", "“{name}” matches several {kind}s: {options}. Which one?"
)
_KIND = {
    "project": Text("项目", "project"),
    "worker": Text("工人", "worker"),
    "task": Text("任务", "task"),
    "category": Text("成本科目", "category"),
}


def _shown(candidate: Candidate[Any]) -> str:
    """A candidate as offered in a question: its name, and what tells it from a namesake."""
    item = candidate.item
    tail = getattr(item, "id_tail", None)
    return f"{candidate.names[0]}（尾号{tail}）" if tail else candidate.names[0]


def pick(ctx: Context, kind: str, name: str, candidates: Sequence[Candidate[T]]) -> T:
    """The one row a name means, or a translated error naming the candidates."""
    found, near = match(name, candidates)
    return _decide(ctx, kind, name, [c for c in candidates if c.item in found], near, lambda _limit: candidates)


def _decide(
    ctx: Context,
    kind: str,
    name: str,
    found: Sequence[Candidate[T]],
    near: Sequence[str],
    known: Callable[[int], Sequence[Candidate[Any]]],
) -> T:
    """The one sure match, else an error: the matches to choose from, names to suggest, or (when there are few)
    every candidate; known(limit) gives the candidates, read only when the error needs them."""
    kind_text = _KIND[kind].render(ctx.language)
    if len(found) == 1:
        return found[0].item
    if found:
        names = "、".join(_shown(c) for c in found)
        raise ToolError(_AMBIGUOUS, name=name[:40], kind=kind_text, options=names)
    message = _UNKNOWN.render(ctx.language, kind=kind_text, name=name[:40])
    if near:
        message += " " + _DID_YOU_MEAN.render(ctx.language, options="、".join(near))
    else:
        candidates = known(13)
        if 0 < len(candidates) <= 12:
            message += " " + _KNOWN.render(ctx.language, options="、".join(c.names[0] for c in candidates))
    raise ToolError(Text(message, message))


# -- names found by index ------------------------------------------------------------------

_Names = dict[int, list[tuple[str, str, str]]]  # id → (name, norm, pinyin) of each of its names, in order
_FUZZY: dict[tuple[int, str, str], tuple[int, _Names, Similar[int]]] = {}
_FUZZY_LOCK = threading.Lock()


def _fuzzy_index(session: Session, kind: str) -> tuple[_Names, Similar[int]] | None:
    """Every worker's or project's names and what finds near ones, built once per process and kept until the
    change marker moves; None while this session has uncommitted name changes (an index built now could keep
    rolled-back names)."""
    if has_pending_changes(session):
        return None
    bind = session.get_bind()
    key = (id(bind), str(getattr(bind, "url", "")), kind)
    version = marker(session)  # read before the names: a change committed in between only costs a rebuild
    if has_pending_changes(session):  # the marker's read flushed this session's own changes
        return None
    with _FUZZY_LOCK:
        cached = _FUZZY.get(key)
    if cached is not None and cached[0] == version:
        return cached[1], cached[2]
    names = names_of(session, kind)
    similar = Similar((ref, normal, full) for ref, keys in names.items() for _name, normal, full in keys)
    with _FUZZY_LOCK:
        _FUZZY[key] = (version, names, similar)
    return names, similar


@dataclass
class _Indexed(Generic[T]):
    """The candidates a name may mean (rows of model within scope, in order), found through name_key: a look-up
    reads the rows a name matches, not every candidate."""

    session: Session
    kind: str
    model: Any
    scope: ColumnElement[bool] | None  # which rows the user may mean (an EXISTS on the row); None: every row
    order: Any
    names: Callable[[T], tuple[str, ...]]
    # The same rows as scope, as the database should read them to list them: an IN over a short list of ids when
    # the scope is small (one project's books), else scope itself (EXISTS, read in order until the limit).
    listing: ColumnElement[bool] | None = None

    def _query(self, listing: bool = False) -> Select[Any]:
        query = select(self.model)
        condition = self.listing if listing and self.listing is not None else self.scope
        if condition is not None:
            query = query.where(condition)
        return query.order_by(self.order)

    def matching(self, q: str, q_full: str) -> tuple[list[Candidate[T]], list[Candidate[T]], list[Candidate[T]]]:
        """The candidates with a name equal to q, with one sounding as q_full, with one's initials q, each in
        order: one indexed query for the keys, one for the rows they name."""
        # kind inside each term: each is then one index's search (SQLite would otherwise scan the kind)
        terms = (NameKey.norm == q, NameKey.pinyin == q_full, NameKey.initials == q)
        keys = select(NameKey.ref_id, NameKey.norm, NameKey.pinyin, NameKey.initials).where(
            or_(*(and_(NameKey.kind == self.kind, term) for term in terms))
        )
        hits: dict[int, list[tuple[str, str, str]]] = {}
        for ref_id, normal, full, initials in self.session.execute(keys):
            hits.setdefault(ref_id, []).append((normal, full, initials))
        found: tuple[list[Candidate[T]], list[Candidate[T]], list[Candidate[T]]] = ([], [], [])
        if not hits:
            return found
        for row in self.session.scalars(self._query().where(self.model.id.in_(list(hits)))):
            candidate = Candidate(row, self.names(row))
            for column, wanted in enumerate((q, q_full, q)):
                if any(key[column] == wanted for key in hits[row.id]):
                    found[column].append(candidate)
        return found

    def first(self, limit: int) -> list[Candidate[T]]:
        rows = self.session.scalars(self._query(listing=True).limit(limit))
        return [Candidate(row, self.names(row)) for row in rows]

    def near(self, query: str, query_pinyin: str) -> list[str]:
        """Names (shown) of up to three candidates like the typed one, by characters or by sound, best first
        (on a tie, the later candidate first, as match has it)."""
        ids = self._query().with_only_columns(self.model.id)
        index = _fuzzy_index(self.session, self.kind)
        if index is None or self.listing is not None:
            # A small scope (one project's books) is scored on its own; this transaction's own names (index
            # None) are read from the database, never from the cache.
            listed = list(self.session.scalars(self._query(listing=True).with_only_columns(self.model.id)))
            if index is None or any(ref not in index[0] for ref in listed):
                names = names_of(self.session, self.kind, listed)
            else:
                names = index[0]
            similar = Similar((ref, normal, full) for ref in listed for _name, normal, full in names.get(ref, ()))
        else:
            names, similar = index  # everyone's names: the company's index, built once
        best = similar.scores(query, query_pinyin)
        if not best:
            return []
        # Only the candidates that scored, in candidate order: their order among themselves is all a tie needs.
        ordered = list(self.session.scalars(ids.where(self.model.id.in_(list(best)))))
        ranked = sorted(((best[ref], position) for position, ref in enumerate(ordered)), reverse=True)[:3]
        return [names[ordered[position]][0][0] for _score, position in ranked]


def _pick_indexed(ctx: Context, kind: str, name: str, source: _Indexed[T]) -> T:
    """pick, with match's steps as indexed look-ups: exact or alias, then pinyin, then near names."""
    q = _norm(name)
    if not q:
        return _decide(ctx, kind, name, [], [], source.first)
    q_full = pinyin_keys(q)[0]
    exact, sounds_alike, by_initials = source.matching(q, q_full)
    if exact:
        return _decide(ctx, kind, name, exact, [], source.first)
    if q.isascii():
        # Typed in pinyin (no IME): "lisi" or the initials "ls" mean 李四.
        by_pinyin = sounds_alike or (by_initials if len(q) >= 2 else [])
        if by_pinyin:
            return _decide(ctx, kind, name, by_pinyin, [], source.first)
    # Other characters with the same sound (李思 for 李四) are offered, never taken: nothing is corrected silently.
    suggestions = [c.names[0] for c in sounds_alike] + source.near(q, q_full)
    return _decide(ctx, kind, name, [], list(dict.fromkeys(suggestions))[:3], source.first)


# -- projects ----------------------------------------------------------------------------

_NO_PROJECT = Text("你还没有可以访问的项目。", "You have no project you can access.")
_WHICH_PROJECT = Text(
    "请说明是哪个项目（在消息里写上项目名，或发 /project 代号 设为本对话的默认项目）：{options}",
    "Which project? Name it in the message, or send /project CODE to make it this chat's default: {options}",
)


def visible_projects(ctx: Context) -> list[Project]:
    """Projects the acting user may see: all for administrators, else their memberships."""
    remembered = memo(ctx.session)
    key = ("visible", ctx.user.id, ctx.user.is_admin)
    if key not in remembered:
        query = select(Project).order_by(Project.code)
        if not ctx.user.is_admin:
            query = query.join(Membership, Membership.project_id == Project.id).where(Membership.user_id == ctx.user.id)
        remembered[key] = list(ctx.session.scalars(query))
    return list(remembered[key])


def _visible(ctx: Context) -> _Indexed[Project]:
    if ctx.user.is_admin:
        scope = listing = None
    else:
        scope = exists().where(Membership.project_id == Project.id, Membership.user_id == ctx.user.id)
        listing = Project.id.in_(select(Membership.project_id).where(Membership.user_id == ctx.user.id))
    return _Indexed(
        ctx.session,
        "project",
        Project,
        scope,
        Project.code,
        lambda p: project_names(p.code, p.name, p.aliases),
        listing,
    )


def project(ctx: Context, name: str | None) -> Project:
    """The project a name means, among those the user can see; else the chat's default."""
    remembered = memo(ctx.session)  # a message's tools ask again: answered once per transaction
    key = ("project", ctx.user.id, ctx.user.is_admin, name, ctx.project_code, ctx.bound_project)
    if key not in remembered:
        remembered[key] = _project(ctx, name)
    found: Project = remembered[key]
    return found


_NOT_HERE = Text(
    "本群是项目 {code} 的群，这里只看和记 {code}；“{name}”的事请私聊我。",
    "This group is for project {code}: only {code} is read or recorded here; for “{name}”, message me privately.",
)
_NOT_A_MEMBER_HERE = Text(
    "本群是项目 {code} 的群，你不是 {code} 的成员，在这里看不到也记不了；请私聊我。",
    "This group is for project {code} and you are not a member of {code}: nothing is read or recorded for you here. "
    "Message me privately.",
)


def _bound_project(ctx: Context, code: str, name: str | None) -> Project:
    """In a group bound to a project, that project and no other, and only for its members (nothing of another
    project a sender belongs to is said or written where its members are not all members)."""
    bound = project_by_code(session=ctx.session, code=code)
    if bound is None or ctx.role_in(bound) is None:
        raise ToolError(_NOT_A_MEMBER_HERE, code=code)
    if name and _norm(name) not in {_norm(n) for n in project_names(bound.code, bound.name, bound.aliases)}:
        raise ToolError(_NOT_HERE, code=bound.code, name=name[:40])
    return bound


def _project(ctx: Context, name: str | None) -> Project:
    if ctx.bound_project:
        return _bound_project(ctx, ctx.bound_project, name)
    if ctx.project_code and (not name or _norm(name) == _norm(ctx.project_code)):
        # The chat's default, or its code typed out: a unique code names one project, read once per message.
        default = project_by_code(session=ctx.session, code=ctx.project_code)
        if default is not None and ctx.role_in(default) is not None:
            return default
    source = _visible(ctx)
    if not source.first(1):
        raise ToolError(_NO_PROJECT)
    if name:
        return _pick_indexed(ctx, "project", name, source)
    if ctx.project_code:
        default = ctx.session.scalars(source._query().where(Project.code == ctx.project_code)).first()
        if default is not None:
            return default
    few = source.first(2)
    if len(few) == 1:
        return few[0].item
    projects = visible_projects(ctx)
    raise ToolError(_WHICH_PROJECT, options="、".join(f"{p.code} {p.name}" for p in projects))


# -- workers, tasks, categories ------------------------------------------------------------


def _on_books(ctx: Context, project_row: Project | None) -> Select[Any]:
    """Ids of the workers on a project's books, or on the books of every project the user can see."""
    # An IN over the assignments, not DISTINCT over the join: PostgreSQL cannot compare json columns.
    on_books = select(ProjectWorker.worker_id)
    if project_row is not None:
        on_books = on_books.where(ProjectWorker.project_id == project_row.id)
    elif not ctx.user.is_admin:
        member_of = select(Membership.project_id).where(Membership.user_id == ctx.user.id)
        on_books = on_books.where(ProjectWorker.project_id.in_(member_of))
    return on_books


def _booked(ctx: Context, project_row: Project | None) -> ColumnElement[bool]:
    """Whether a worker is among workers_on(ctx, project_row), asked of one row (EXISTS on the assignments'
    indexes): a query that picks a few workers by name reads those, whatever the number of workers."""
    booked = exists().where(ProjectWorker.worker_id == Worker.id)
    if project_row is not None:
        return booked.where(ProjectWorker.project_id == project_row.id)
    if not ctx.user.is_admin:
        member_of = select(Membership.project_id).where(Membership.user_id == ctx.user.id)
        return booked.where(ProjectWorker.project_id.in_(member_of))
    return booked


def workers_on(ctx: Context, project_row: Project | None, *where: ColumnElement[bool]) -> list[Worker]:
    """The workers on a project's books, or on the books of every project the user can see; only those matching
    where (a name, an id) when given."""
    if where:
        query = select(Worker).where(_booked(ctx, project_row), *where)
    else:
        query = select(Worker).where(Worker.id.in_(_on_books(ctx, project_row)))
    return list(ctx.session.scalars(query.order_by(Worker.id)))


def _worker_names(w: Worker) -> tuple[str, ...]:
    return worker_names(w.name, w.aliases, w.id_tail)


def worker(ctx: Context, name: str, project_row: Project | None = None) -> Worker:
    """The worker a name means among those on the project's books (never another project's people)."""
    # Listed (a few known names, near ones) through an IN when the books are one project's or a member's.
    small = project_row is not None or not ctx.user.is_admin
    listing = Worker.id.in_(_on_books(ctx, project_row)) if small else None
    source = _Indexed(ctx.session, "worker", Worker, _booked(ctx, project_row), Worker.id, _worker_names, listing)
    return _pick_indexed(ctx, "worker", name, source)


def task(ctx: Context, project_row: Project, name: str) -> Task:
    tasks = ctx.session.scalars(select(Task).where(Task.project_id == project_row.id).order_by(Task.id)).all()
    return pick(ctx, "task", name, [Candidate(t, (t.name, *t.aliases)) for t in tasks])


def category(ctx: Context, project_row: Project, name: str) -> str:
    """A category key: a standard key or word, an item word (水泥 → materials), or the project's own line."""
    key = _norm(name)
    if key in CATEGORY_WORDS:
        return CATEGORY_WORDS[key]
    if key in ITEM_WORDS:
        return ITEM_WORDS[key]
    lines = ctx.session.scalars(select(BudgetLine).where(BudgetLine.project_id == project_row.id)).all()
    own = [
        Candidate(line.category, (line.label or line.category, line.category))
        for line in lines
        if line.category not in CATEGORIES
    ]
    standard = [Candidate(c, (c,)) for c in CATEGORIES]
    return pick(ctx, "category", name, [*standard, *own])


# -- values ----------------------------------------------------------------------------------

_FUTURE = Text("日期 {day} 在未来，不能记录。", "{day} is in the future; it cannot be recorded.")
_BEFORE_START = Text(
    "日期 {day} 早于项目 {code} 开工日期 {start}。", "{day} is before project {code} started ({start})."
)
_MONEY_RANGE = Text(
    "金额 {amount} 不合理：必须大于0且不超过100亿。",
    "Amount {amount} is not plausible: it must be above 0 and at most 10,000,000,000.",
)
_MONEY_PLACES = Text("金额 {amount} 最多精确到分（两位小数）。", "Amount {amount} has more than two decimal places.")


def work_date(ctx: Context, project_row: Project, day: date | None) -> date:
    """The date an entry is for: today by default, never after today (in the project's own timezone: a plan is not a
    record), not before the project started."""
    day = day or ctx.today
    if day > ctx.today:
        raise ToolError(_FUTURE, day=day.isoformat())
    if project_row.start and day < project_row.start:
        raise ToolError(_BEFORE_START, day=day.isoformat(), code=project_row.code, start=project_row.start.isoformat())
    return day


def money(amount: Decimal) -> Decimal:
    """An amount in yuan, checked: above zero, at most 100亿, whole cents."""
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise ToolError(_MONEY_RANGE, amount=str(amount)[:30])
    if amount != amount.quantize(CENT):
        raise ToolError(_MONEY_PLACES, amount=str(amount)[:30])
    return amount.quantize(CENT)
