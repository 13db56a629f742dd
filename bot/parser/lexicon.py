"""The parser's vocabulary: the database's own names (projects, workers, tasks, custom budget lines) plus the
domain's category and item words (tools.categories), compiled once into regexes and cached per database.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.parser.numbers import number
from storage.models import BudgetLine, Counterparty, NameKey, Project, Task, Worker
from storage.names import has_pending_changes, marker
from tools.categories import CATEGORIES, CATEGORY_WORDS, ITEM_WORDS
from tools.resolve import FUZZY_SUGGEST, Candidate, MatchIndex, pinyin_keys

DAY_END = "18:00"  # when a working day ends, for overtime said as a clock time (加班到9点): no project setting yet
HOURS_PER_DAY = Decimal(8)
SUGGEST_PINYIN = 80  # pinyin similarity (0-100) above which a worker is offered as "did you mean"


def fold(text: str) -> str:
    """Lower-case without changing length, so positions in folded text are positions in the original."""
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def _sorted_words(words: Iterable[str]) -> list[str]:
    return sorted({fold(w.strip()) for w in words if w and w.strip()}, key=lambda w: (-len(w), w))


def _pattern(word: str) -> str:
    """One word as a regex: a space in it matches any spacing; ASCII words only at ASCII word boundaries."""
    escaped = re.escape(word).replace(r"\ ", r"\s*")
    if word[0].isascii() and word[0].isalnum():
        escaped = r"(?<![a-z0-9])" + escaped
    if word[-1].isascii() and word[-1].isalnum():
        escaped += r"(?![a-z0-9])"
    return escaped


def _regex(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regex finding any of words, longest first; ASCII words only at ASCII word boundaries."""
    unique = _sorted_words(words)
    return re.compile("|".join(_pattern(w) for w in unique)) if unique else None


_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


class _Found:
    """A word found in text, read as a regex match is (m[0], m.start(), m.end())."""

    __slots__ = ("_begin", "_end", "_text")

    def __init__(self, text: str, begin: int, end: int) -> None:
        self._text, self._begin, self._end = text, begin, end

    def __getitem__(self, group: int) -> str:
        return self._text[self._begin : self._end]

    def start(self) -> int:
        return self._begin

    def end(self) -> int:
        return self._end


class _Words:
    """Finds words in text exactly as _regex(words).finditer would (leftmost; at one place the first of the words
    in its order, longest first), but by dictionary look-ups at each place in the text: a company's 10,000 names
    cost what its 10 do. Words with a space in them (matched with any spacing) go through a small regex of their
    own, whose every word is a group, so the two kinds are still taken in one order."""

    def __init__(self, unique: list[str]) -> None:
        # a word's first character → the lengths of such words with the words of each length, longest first
        self._plain: dict[str, list[tuple[int, frozenset[str]]]] = {}
        by_start: dict[str, dict[int, set[str]]] = {}
        spaced = []
        for word in unique:
            if " " in word:
                spaced.append(word)
            else:
                by_start.setdefault(word[0], {}).setdefault(len(word), set()).add(word)
        for first, lengths in by_start.items():
            self._plain[first] = [(n, frozenset(lengths[n])) for n in sorted(lengths, reverse=True)]
        self._spaced = spaced
        self._spaced_re = re.compile("|".join(f"({_pattern(w)})" for w in spaced)) if spaced else None

    def _plain_at(self, text: str, at: int) -> str | None:
        for length, words in self._plain.get(text[at], ()):
            word = text[at : at + length]
            if len(word) != length or word not in words:
                continue
            if word[0] in _ASCII_WORD and at > 0 and text[at - 1] in _ASCII_WORD:
                continue
            if word[-1] in _ASCII_WORD and at + length < len(text) and text[at + length] in _ASCII_WORD:
                continue
            return word
        return None

    def finditer(self, text: str) -> Iterator[_Found]:
        at = 0
        while at < len(text):
            word = self._plain_at(text, at)
            end = at + len(word) if word is not None else -1
            if self._spaced_re is not None:
                m = self._spaced_re.match(text, at)
                if m is not None and m.lastindex is not None:
                    other = self._spaced[m.lastindex - 1]
                    if word is None or (-len(other), other) < (-len(word), word):
                        end = m.end()
            if end > at:
                yield _Found(text, at, end)
                at = end
            else:
                at += 1


def _alternation(words: Iterable[str]) -> _Words | None:
    """What finds any of words in text, longest first; ASCII words only at ASCII word boundaries."""
    unique = _sorted_words(words)
    return _Words(unique) if unique else None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Hit:
    """A lexicon word found in the text: what it means (a code, a stored name, a category) and where."""

    value: str
    begin: int
    end: int
    word: str = ""


@dataclass
class Lexicon:
    """Names the parser recognises; build() from plain tuples in tests, load() from the database in the product."""

    projects: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # code, name, aliases
    workers: tuple[Candidate[str], ...] = ()  # item: the stored name
    tasks: dict[str, tuple[Candidate[str], ...]] = field(default_factory=dict)  # project code → tasks
    lines: dict[str, dict[str, str]] = field(default_factory=dict)  # project code → {label or key: key}
    day_ends: dict[str, str] = field(default_factory=dict)  # project code → HH:MM, when its working day ends
    day_hours: dict[str, Decimal] = field(default_factory=dict)  # project code → hours in one 工
    parties: dict[str, tuple[Candidate[str], ...]] = field(default_factory=dict)  # project code → counterparties
    party_kinds: dict[tuple[str, str], str] = field(default_factory=dict)  # (code, stored name) → supplier, owner…
    version: tuple[Any, ...] = ()
    _project_re: _Words | None = field(default=None, repr=False)
    _project_by_word: dict[str, str] = field(default_factory=dict, repr=False)
    _worker_re: _Words | None = field(default=None, repr=False)
    _worker_by_word: dict[str, str] = field(default_factory=dict, repr=False)
    _task_re: dict[str, _Words | None] = field(default_factory=dict, repr=False)
    _task_by_word: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _all_tasks_re: _Words | None = field(default=None, repr=False)
    _line_re: dict[str, _Words | None] = field(default_factory=dict, repr=False)
    _by_full: dict[str, list[str]] = field(default_factory=dict, repr=False)  # zhangsan → workers
    _by_initials: dict[str, list[str]] = field(default_factory=dict, repr=False)  # zs → workers
    _party_re: dict[str, _Words | None] = field(default_factory=dict, repr=False)
    _party_by_word: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _party_short: dict[str, set[str]] = field(default_factory=dict, repr=False)  # the short forms among them
    _matcher: MatchIndex[str] = field(default_factory=lambda: MatchIndex(()), repr=False)
    _fold_sounds: list[str] = field(default_factory=list, repr=False)  # pinyin of each worker's each name
    _fold_owners: list[str] = field(default_factory=list, repr=False)  # the worker (stored name) of each
    _fold_scored: bool = field(default=False, repr=False)  # the matcher scores every one of _fold_sounds
    _spelled: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)  # text → pinyin_keys(text)

    @classmethod
    def build(
        cls,
        *,
        projects: Sequence[tuple[str, str, Sequence[str]]] = (),
        workers: Sequence[tuple[str, Sequence[str]]] = (),
        tasks: Mapping[str, Sequence[tuple[str, Sequence[str]]]] | None = None,
        lines: Mapping[str, Sequence[tuple[str, str | None]]] | None = None,
        day_ends: Mapping[str, str] | None = None,
        day_hours: Mapping[str, Decimal] | None = None,
        parties: Mapping[str, Sequence[tuple[str, Sequence[str], str]]] | None = None,
        version: tuple[Any, ...] = (),
        pinyin: Mapping[str, tuple[str, str]] | None = None,
    ) -> Lexicon:
        """A lexicon from plain names: projects (code, name, aliases), workers (name, aliases), tasks, lines and
        counterparties (name, aliases, kind) per project."""
        lex = cls(
            projects=tuple((code, name, tuple(aliases)) for code, name, aliases in projects),
            workers=tuple(Candidate(name, (name, *aliases)) for name, aliases in workers),
            tasks={
                code: tuple(Candidate(name, (name, *aliases)) for name, aliases in rows)
                for code, rows in (tasks or {}).items()
            },
            lines={
                code: {fold(label or key): key for key, label in rows if key not in CATEGORIES}
                for code, rows in (lines or {}).items()
            },
            day_ends=dict(day_ends or {}),
            day_hours=dict(day_hours or {}),
            parties={
                code: tuple(Candidate(name, (name, *aliases)) for name, aliases, _kind in rows)
                for code, rows in (parties or {}).items()
            },
            party_kinds={(code, name): kind for code, rows in (parties or {}).items() for name, _a, kind in rows},
            version=version,
        )
        lex._spelled = dict(pinyin or {})
        lex._compile()
        lex._spelled = {}  # only the build needs them
        return lex

    def _compile(self) -> None:
        project_words = [w for code, name, aliases in self.projects for w in (code, name, *aliases)]
        for code, name, aliases in self.projects:
            for word in (code, name, *aliases):
                self._project_by_word.setdefault(_squash(fold(word)), code)
        self._project_re = _alternation(project_words)
        for candidate in self.workers:
            for word in candidate.names:
                self._worker_by_word.setdefault(_squash(fold(word)), candidate.item)
        self._worker_re = _alternation(w for c in self.workers for w in c.names)
        every: list[str] = []
        for code, candidates in self.tasks.items():
            names = [w for c in candidates for w in c.names]
            self._task_by_word[code] = {_squash(fold(w)): c.item for c in candidates for w in c.names}
            self._task_re[code] = _alternation(names)
            every.extend(names)
        self._all_tasks_re = _alternation(every)
        taken = set(self._worker_by_word) | set(ITEM_WORDS) | set(CATEGORY_WORDS)
        for code, candidates in self.parties.items():
            words = {_squash(fold(w)): c.item for c in candidates for w in c.names}
            named = set(words)  # full names and aliases; the rest added below are short forms
            short: dict[str, list[str]] = {}
            for c in candidates:
                for word in short_forms(c.item):
                    short.setdefault(_squash(word), []).append(c.item)
            for word, items in short.items():  # 宏达 for 宏达挖掘机台班, when it names one party only
                if len(set(items)) == 1 and word not in words and word not in taken:
                    words[word] = items[0]
            spelled: dict[str, list[str]] = {}  # typed without an IME: hongda, hongdagangcai
            for word, item in words.items():
                if re.search(r"[\u4e00-\u9fff]", word) and not word.isascii():
                    full = self._pinyin(word)[0]
                    if full.isascii() and full.isalpha() and len(full) >= 5:
                        spelled.setdefault(full, []).append(item)
            for full, items in spelled.items():
                if len(set(items)) == 1 and full not in words and full not in taken:
                    words[full] = items[0]
            self._party_by_word[code] = words
            self._party_short[code] = set(words) - named
            self._party_re[code] = _alternation(words)
        for code, own in self.lines.items():
            self._line_re[code] = _alternation(own)
            self.lines[code] = {_squash(k): v for k, v in own.items()}
        self._matcher = MatchIndex(self.workers, self._pinyin)
        sounds = [(self._pinyin(fold(word))[0], c.item) for c in self.workers for word in c.names]
        self._fold_sounds = [sound for sound, _item in sounds]
        self._fold_owners = [item for _sound, item in sounds]
        # When the matcher scores every one of these spellings, a query it scores by the same pinyin and finds
        # nothing near (< FUZZY_SUGGEST <= SUGGEST_PINYIN) has nothing near here either: one pass over the names.
        self._fold_scored = set(self._fold_sounds) <= self._matcher.sounds and FUZZY_SUGGEST <= SUGGEST_PINYIN
        for candidate in self.workers:
            for word in candidate.names:
                full, initials = self._pinyin(_squash(fold(word)))
                for key, index in ((full, self._by_full), (initials, self._by_initials)):
                    if candidate.item not in index.setdefault(key, []):
                        index[key].append(candidate.item)
        number("两千五")  # and cn2an

    def _pinyin(self, text: str) -> tuple[str, str]:
        """pinyin_keys, from the keys the database already holds when it has them (a company's 10,000 names are
        not spelled again by every process after each rename), else computed and kept for this build."""
        found = self._spelled.get(text)
        if found is None:
            found = self._spelled[text] = pinyin_keys(text)
        return found

    # -- finding names in (folded) text ------------------------------------------------------------

    def find_projects(self, text: str) -> list[Hit]:
        if self._project_re is None:
            return []
        return [
            Hit(self._project_by_word[_squash(m[0])], m.start(), m.end(), m[0]) for m in self._project_re.finditer(text)
        ]

    def find_workers(self, text: str) -> list[Hit]:
        if self._worker_re is None:
            return []
        return [
            Hit(self._worker_by_word[_squash(m[0])], m.start(), m.end(), m[0]) for m in self._worker_re.finditer(text)
        ]

    def find_tasks(self, text: str, project: str | None) -> list[Hit]:
        """Tasks of a project named in text; with no project, tasks of any project (stored name only)."""
        if project is not None:
            pattern = self._task_re.get(project)
            words = self._task_by_word.get(project, {})
        else:
            pattern = self._all_tasks_re
            words = {w: n for by_word in self._task_by_word.values() for w, n in by_word.items()}
        if pattern is None:
            return []
        return [Hit(words[_squash(m[0])], m.start(), m.end(), m[0]) for m in pattern.finditer(text)]

    def find_parties(self, text: str, project: str | None) -> list[Hit]:
        """The project's counterparties (suppliers, subcontractors, the owner) named in text, by name, alias or a
        short form (宏达 for 宏达挖掘机台班, Holcim for Holcim Concrete); value is the stored name."""
        pattern = self._party_re.get(project or "")
        if pattern is None:
            return []
        words = self._party_by_word[project or ""]
        short = self._party_short.get(project or "", set())
        hits = []
        for m in pattern.finditer(text):
            word, name = _squash(m[0]), words[_squash(m[0])]
            if word in short and _another_firm(text, m.end(), name):
                continue  # 宏达钢材 is not 宏达挖掘机台班: a firm named like a known one is not taken for it
            hits.append(Hit(name, m.start(), m.end(), m[0]))
        return hits

    def party_kind(self, project: str | None, name: str) -> str | None:
        return self.party_kinds.get((project or "", name))

    def task_names(self, project: str | None) -> list[str]:
        return [c.item for c in self.tasks.get(project or "", ())]

    def day_end(self, project: str | None) -> str:
        """When the project's working day ends (HH:MM): overtime said as a clock time counts from it."""
        return self.day_ends.get(project or "", DAY_END)

    def hours_per_day(self, project: str | None) -> Decimal:
        """Hours in one 工 on the project (8 unless the project says otherwise)."""
        return self.day_hours.get(project or "", HOURS_PER_DAY)

    def find_lines(self, text: str, project: str | None) -> list[Hit]:
        """A project's own budget lines (其他直接费, 安全费...) named in text."""
        pattern = self._line_re.get(project or "")
        if pattern is None:
            return []
        own = self.lines[project or ""]
        return [Hit(own[_squash(m[0])], m.start(), m.end(), m[0]) for m in pattern.finditer(text)]

    def pinyin_worker(self, word: str) -> str | None:
        """The one worker a word typed in pinyin names (zhangsan, zs), as resolve_worker would find it surely; no
        fuzzy suggestions, so an English word in a message (worked, advance) costs a dictionary look-up."""
        key = _squash(fold(word))
        if key in self._worker_by_word:
            return self._worker_by_word[key]
        found = self._by_full.get(key) or (self._by_initials.get(key, []) if len(key) >= 2 else [])
        return found[0] if len(found) == 1 else None

    def resolve_worker(self, name: str) -> tuple[list[str], list[str]]:
        """Sure matches (exact, alias, pinyin: as tools.resolve does) and near names to suggest.

        Short Chinese names differ by one character (张山, 张三) and score too low for rapidfuzz on the
        characters, so their pinyin is compared too (zhangshan ~ zhangsan).
        """
        sure, near = self._matcher.match(name)
        if sure or near:
            return sure, near
        typed = pinyin_keys(name)[0]
        if self._fold_scored and typed == self._matcher.query_sound(name):
            return [], []  # scored already, every spelling below the bar
        # Every spelling scored at once; only those at the bar or above can be offered.
        found = process.extract(typed, self._fold_sounds, scorer=fuzz.ratio, score_cutoff=SUGGEST_PINYIN, limit=None)
        scored = sorted(((score, self._fold_owners[at]) for _sound, score, at in found), reverse=True)
        return [], list(dict.fromkeys(item for score, item in scored))[:3]

    # -- loading from the database -----------------------------------------------------------------

    @classmethod
    def load(cls, session: Session) -> Lexicon:
        """The database's lexicon, cached per database; rebuilt when the change marker moved (any process's
        change to a name moves it, in the transaction of the change)."""
        bind = session.get_bind()
        key = (id(bind), str(getattr(bind, "url", "")))
        version = (marker(session),)  # read before the names: a change committed in between only costs a rebuild
        if has_pending_changes(session):
            return _read(session, version)  # this transaction's own names: not kept, they may be rolled back
        with _LOCK:
            cached = _CACHE.get(key)
            if cached is not None and cached.version == version:
                return cached
        lexicon = _read(session, version)
        with _LOCK:
            _CACHE[key] = lexicon
        return lexicon


_CACHE: dict[tuple[int, str], Lexicon] = {}
_LOCK = threading.Lock()


def _read(session: Session, version: tuple[Any, ...]) -> Lexicon:
    projects = session.execute(
        select(Project.id, Project.code, Project.name, Project.aliases, Project.hours_per_day, Project.day_end)
    ).all()
    code_of = {pid: code for pid, code, *_ in projects}
    workers = session.execute(select(Worker.name, Worker.aliases).order_by(Worker.id)).all()
    tasks: dict[str, list[tuple[str, list[str]]]] = {}
    for project_id, name, aliases in session.execute(
        select(Task.project_id, Task.name, Task.aliases).order_by(Task.id)
    ):
        tasks.setdefault(code_of[project_id], []).append((name, aliases or []))
    lines: dict[str, list[tuple[str, str | None]]] = {}
    for project_id, category, label in session.execute(
        select(BudgetLine.project_id, BudgetLine.category, BudgetLine.label).where(
            BudgetLine.category.not_in(CATEGORIES)
        )
    ):
        lines.setdefault(code_of[project_id], []).append((category, label))
    parties: dict[str, list[tuple[str, list[str], str]]] = {}
    for project_id, name, aliases, kind in session.execute(
        select(Counterparty.project_id, Counterparty.name, Counterparty.aliases, Counterparty.kind).order_by(
            Counterparty.id
        )
    ):
        parties.setdefault(code_of[project_id], []).append((name, aliases or [], kind))
    spelled = session.execute(select(NameKey.norm, NameKey.pinyin, NameKey.initials).where(NameKey.kind == "worker"))
    return Lexicon.build(
        pinyin={normal: (full, initials) for normal, full, initials in spelled},
        projects=[(code, name, aliases or []) for _, code, name, aliases, *_ in projects],
        workers=[(name, aliases or []) for name, aliases in workers],
        tasks=tasks,
        lines=lines,
        day_hours={code: hours for _, code, _, _, hours, _ in projects if hours},
        day_ends={code: end for _, code, _, _, _, end in projects if end},
        parties=parties,
        version=version,
    )


# Words a firm's name ends with that people leave out when they name it (宏达挖掘机台班 → 宏达, Holcim Concrete →
# Holcim); the short form must still be two characters (or a word of four letters) and not a number.
_NAME_BRACKETS_RE = re.compile(r"[（(][^）)]*[）)]")
_NUMERAL_RE = re.compile(r"[0-9零〇一二两三四五六七八九十百千万]")
_COMMON_EN = frozenset(
    [
        "city",
        "ace",
        "deep",
        "the",
        "new",
        "big",
        "best",
        "first",
        "general",
        "north",
        "south",
        "east",
        "west",
        "central",
        "national",
        "united",
        "global",
    ]
)


def _another_firm(text: str, end: int, name: str) -> bool:
    """Whether a short form ending at `end` goes on with an item word its party's full name does not have (宏达 +
    钢材 in 付宏达钢材30万, the party being 宏达挖掘机台班): then it names another firm. A category word after it
    (付宏达机械费) says what the money is for, not whose name it is."""
    found = ITEM_RE.match(text[end : end + 8]) if ITEM_RE is not None else None
    return found is not None and found[0] not in fold(name)


def short_forms(name: str) -> list[str]:
    """The ways a counterparty's name is shortened in chat: without a bracketed part, its first two Chinese
    characters (a firm's own name: 宏达, 永茂, 华新), or the first English word."""
    bare = _squash(fold(_NAME_BRACKETS_RE.sub("", name)))
    found = [bare] if bare and bare != _squash(fold(name)) else []
    chinese = re.match(r"[\u4e00-\u9fff]{2}", bare)
    if chinese and len(bare) > 2 and not _NUMERAL_RE.search(chinese[0]):
        found.append(chinese[0])
        if len(bare) >= 6:
            found.append(bare[:4])  # 永茂塔吊 for 永茂塔吊租赁
    first = fold(name).split()[0] if name.split() else ""
    words = fold(name).split()
    if first.isascii() and first.isalpha() and len(first) >= 4 and first not in _COMMON_EN and len(words) > 1:
        found.append(first)
    if len(words) > 2 and all(w.isascii() for w in words[:2]):
        found.append(" ".join(words[:2]))  # Deep Piling for Deep Piling Ltd
    return found


# -- the domain's own words ------------------------------------------------------------------------

CATEGORY_RE = _regex(CATEGORY_WORDS)
ITEM_RE = _regex(ITEM_WORDS)


def find_categories(text: str) -> list[Hit]:
    """Category words (材料费, 人工, labor...) in text, with the category each names."""
    assert CATEGORY_RE is not None
    return [
        Hit(
            CATEGORY_WORDS[_squash(m[0])] if _squash(m[0]) in CATEGORY_WORDS else CATEGORY_WORDS[m[0]],
            m.start(),
            m.end(),
            m[0],
        )
        for m in CATEGORY_RE.finditer(text)
    ]


def find_items(text: str) -> list[Hit]:
    """Item words (钢筋, 吊车, rebar...) in text, with the category each implies."""
    assert ITEM_RE is not None
    out = []
    for m in ITEM_RE.finditer(text):
        word = m[0] if m[0] in ITEM_WORDS else re.sub(r"\s+", " ", m[0])
        if word in ITEM_WORDS:
            out.append(Hit(ITEM_WORDS[word], m.start(), m.end(), m[0]))
    return out
