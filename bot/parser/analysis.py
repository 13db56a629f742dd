"""What one message says, found before any intent is decided: the Analysis (the words it looks for are in words.py).

Analysis normalises a message (NFKC, lower case), finds the names the database knows (projects, workers, tasks),
dates and periods, labour quantities, money and percentages, and masks each as it is found so later steps do not
read it twice. The planners (labour.py, money.py, progress.py, reads.py) decide from what it found; rules.py
decides which planner a message goes to.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from bot.parser import dates as dates_mod
from bot.parser.clocks import (
    CLOCK_OFF_RE,
    CLOCK_SPAN_RE,
    CLOCK_UNTIL_RE,
    COUNTED_RE,
    OT_NEAR_RE,
    Clock,
    clock_at,
    clock_text,
    minutes_of,
    quarter_hours,
    work_span,
)
from bot.parser.lexicon import Hit, Lexicon, find_categories, find_items, fold
from bot.parser.numbers import CN_NUMBER_CHARS, NUMBER_RE, decimal_text, number
from bot.parser.plan import Plan
from bot.parser.questions import QUESTIONS
from bot.parser.words import (
    BARE_DAYS_RE,
    DAYS_RE,
    DESCRIBED_BEFORE_RE,
    DESCRIBED_RE,
    DONE_RE,
    EACH_DAYS_RE,
    FILLER_RE,
    FIX_BARE_RE,
    FIX_RE,
    HOURS_RE,
    LABOR_CONTEXT_RE,
    MAX_BARE_DAYS,
    MONEY_AFTER_RE,
    MONEY_BEFORE_RE,
    MONEY_WORD_RE,
    NAME_AND_NUMBER_RE,
    NEGATIVE_RE,
    NOT_MONEY_AFTER_RE,
    NOT_NAMES,
    OT_AFTER_RE,
    OT_BARE_RE,
    OT_BEFORE_RE,
    PERCENT_RE,
    PROGRESS_BARE_RE,
    RATE_RE,
    SURNAMES,
)
from tools.base import Call

MAX_LENGTH = 200  # longer messages are not site notes: leave them to the model
MAX_AMOUNT = Decimal("10000000000")


class Asked(str):
    """A question that a short answer can complete: the slot it asks for, the values offered and the word of the
    message a chosen value replaces. A plain str question is asked all the same, with no slot."""

    slot: str | None
    choices: tuple[str, ...]
    replaces: str | None

    def __new__(
        cls, text: str, slot: str | None = None, choices: tuple[str, ...] = (), replace: str | None = None
    ) -> Asked:
        asked = super().__new__(cls, text)
        asked.slot, asked.choices, asked.replaces = slot, choices, replace
        return asked


# Financial numerals (壹天, 贰仟伍佰): written on receipts and by careful foremen. 伍 and 陆 are also surnames, so
# they are read as numerals only next to another numeral or a unit.
_CAPITALS = "壹贰叁肆伍陆柒捌玖拾佰仟"
_CAPITAL_DIGITS = str.maketrans(_CAPITALS, "一二三四五六七八九十百千")
# A financial numeral is read as a number only in an amount: next to another one, or before a unit (壹天, 贰仟伍佰元,
# 叁万). Alone it is part of a name: 张叁 is not 张三, 李肆 not 李四, 伍 and 陆 are surnames.
_UNITS = "万亿元圆块角分整天工个号日点小钟"
_CAPITAL_NUMERAL_RE = re.compile(rf"[{_CAPITALS}](?=[{_CAPITALS}{_UNITS}])|(?<=[{_CAPITALS}])[{_CAPITALS}]")


# Yuan and jiao (and fen) said apart, as one amount: 一百二十块五毛, 3000元5角, 12块3毛4. 块 counts bricks too
# (砖3000块5毛: 3000 bricks at 5 jiao each), so a 块 amount is read only right after a word of paying (花了, 付,
# 借支, 一共...), and never when a price per piece follows.
_YUAN_JIAO_RE = re.compile(
    r"(?P<yuan>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)(?P<unit>[元圆块])"
    r"(?P<jiao>\d|[零一二两三四五六七八九])[角毛](?:(?P<fen>\d|[零一二两三四五六七八九])分?)?"
    r"(?!\s*(?:一|每|/)\s*(?:块|个|张|根|片|米|方|吨|袋|包|箱))"
)


_PAID_BEFORE_RE = re.compile(r"(?:花了?|付了?|用了?|共|计|借支?了?|给了?|收了?|收到|报销|价|钱|是|¥)\s*$")


def _yuan_and_jiao(found: re.Match[str]) -> str:
    if found["unit"] == "块" and not _PAID_BEFORE_RE.search(found.string[max(0, found.start() - 4) : found.start()]):
        return found[0]
    yuan, jiao = number(found["yuan"]), number(found["jiao"])
    fen = number(found["fen"]) if found["fen"] else Decimal(0)
    if yuan is None or jiao is None or fen is None or yuan != int(yuan):
        return found[0]
    return f"{decimal_text(yuan + jiao / 10 + fen / 100)}元"


def _overlaps(spans: list[tuple[int, int]], begin: int, end: int) -> bool:
    return any(b < end and begin < e for b, e in spans)


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), financial numerals as plain ones, yuan and jiao said apart as one amount,
    ideographic space and tabs as spaces, trimmed."""
    plain = unicodedata.normalize("NFKC", text)
    plain = _CAPITAL_NUMERAL_RE.sub(lambda m: m[0].translate(_CAPITAL_DIGITS), plain)
    plain = _YUAN_JIAO_RE.sub(_yuan_and_jiao, plain)
    return re.sub(r"\s+", " ", plain).strip()


def _evening_only(words: str, day_end: int) -> int | None:
    """The evening reading of a clock time said without morning or evening (加班到9点), when the morning one could
    not be overtime (it is before the day ends) and the evening one is (after it, by midnight)."""
    found = re.search(r"(\d+|[一二两三四五六七八九十]+)\s*(?:[点:.时]\s*(半|\d+|[一二三四五六七八九十]+)?)?", words)
    if found is None:
        return None
    hour = number(found[1])
    minutes = 30 if found[2] == "半" else number(found[2]) if found[2] else Decimal(0)
    if hour is None or minutes is None or hour != int(hour) or not 1 <= hour < 12 or not 0 <= minutes < 60:
        return None
    morning, evening = int(hour) * 60 + int(minutes), (int(hour) + 12) * 60 + int(minutes)
    return evening if morning <= day_end < evening <= 24 * 60 else None


@dataclass
class Worker:
    name: str
    begin: int
    end: int


@dataclass
class Quantity:
    kind: str  # days | hours | overtime
    value: Decimal
    begin: int
    end: int
    said: str | None = None  # how the figure was worked out (a clock time): the write is proposed with it


@dataclass
class Analysis:
    """Everything found in one message; masks what it finds so later steps do not read it twice."""

    raw: str  # normalised, case kept
    lexicon: Lexicon
    today: date
    chat_project: str | None
    language: str
    low: str = ""
    work: list[str] = field(default_factory=list)  # low, with found spans blanked
    rate: Decimal | None = None  # a daily rate the message names for its labour entries
    labour: bool = False  # every clause of it that says what it does says labour (clauses.py): 张三 1 is days
    money: bool = False  # a payment (/settle 张三 1): a bare number after a name is money, never days

    def __post_init__(self) -> None:
        self.low = fold(self.raw)
        self.work = list(self.low)
        self.projects = self.lexicon.find_projects(self.low)
        for hit in self.projects:
            self.mask(hit.begin, hit.end)
        # A date overlapping a worker's name is no date (李四月初: no 四月), unless it is the whole name.
        names = [(h.begin, h.end) for h in self.lexicon.find_workers(self.text)]
        self.spans = [
            s
            for s in dates_mod.find(self.text, self.today)
            if (s.begin, s.stop) in names or not any(s.begin < end and begin < s.stop for begin, end in names)
        ]
        for span in self.spans:
            self.mask(span.begin, span.stop)
        self.worker_hits = self.lexicon.find_workers(self.text)
        for hit in self.worker_hits:
            self.mask(hit.begin, hit.end, "|")
        self.negative = self._negative()

    @property
    def text(self) -> str:
        return "".join(self.work)

    @cached_property
    def party_hits(self) -> list[Hit]:
        """The project's counterparties named (宏达, 中建商砼, Holcim), outside workers' and projects' names."""
        return self.lexicon.find_parties(self.text, self.project)

    def party(self, *kinds: str) -> str | None:
        """The one counterparty of those kinds the message names (its stored name), or None (none, or several)."""
        names = {
            h.value for h in self.party_hits if not kinds or self.lexicon.party_kind(self.project, h.value) in kinds
        }
        return names.pop() if len(names) == 1 else None

    @cached_property
    def names_masked(self) -> str:
        """low with the workers' and projects' names blanked: 李四两个工 is no range 四两."""
        chars = list(self.low)
        for hit in (*self.worker_hits, *self.projects):
            chars[hit.begin : hit.end] = "|" * (hit.end - hit.begin)
        return "".join(chars)

    def mask(self, begin: int, end: int, fill: str = " ") -> None:
        for i in range(begin, end):
            self.work[i] = fill

    def t(self, key: str, **params: Any) -> str:
        return QUESTIONS[key].render(self.language, **params)

    def asked(
        self, key: str, *, slot: str, choices: tuple[str, ...] = (), replace: str | None = None, **params: Any
    ) -> Asked:
        """A question whose short answer completes the message (see Asked)."""
        return Asked(self.t(key, **params), slot, choices, replace)

    # -- signs -----------------------------------------------------------------------------------

    def _negative(self) -> str | None:
        """A figure written with a minus sign (-5000, −1, 负300), as typed: never read as positive. Dates and
        names are masked first (2026-11-24 is no minus); a range (3-5) has a digit before its dash."""
        m = NEGATIVE_RE.search(self.text)
        if m is None:
            return None
        figure = NUMBER_RE.match(self.text, m.end())
        return self.raw[m.start() : figure.end() if figure else m.end()].strip()

    # -- clock times -----------------------------------------------------------------------------

    @cached_property
    def clocks(self) -> list[Clock]:
        """Clock times said of work (加班到9点, 干到晚上十点, 7点到12点, overtime until 9pm), found and masked."""
        found: list[Clock] = []
        text = self.text
        for m in CLOCK_SPAN_RE.finditer(text):
            first, last = clock_at(m, "a"), clock_at(m, "b")
            if first is None or last is None:
                continue
            start, stop = work_span(first, last)
            overtime = bool(
                OT_NEAR_RE.search(text, max(0, m.start() - 4), m.start()) or OT_AFTER_RE.match(text, m.end())
            )
            words = self.raw[m.start() : m.end()].strip()
            found.append(Clock(m.start(), m.end(), start, stop, overtime, words, span=True))
            self.mask(m.start(), m.end())
        text = self.text
        for m in (*CLOCK_UNTIL_RE.finditer(text), *CLOCK_OFF_RE.finditer(text)):
            if any(c.begin < m.end() and m.start() < c.end for c in found):
                continue
            until = clock_at(m, "a")
            if until is None:
                continue
            words = self.raw[m.start() : m.end()].strip()
            overtime = bool(m.groupdict().get("ot"))
            found.append(Clock(m.start(), m.end(), None, until[0] if until[1] else None, overtime, words))
            self.mask(m.start(), m.end())
        return sorted(found, key=lambda c: c.begin)

    @cached_property
    def clock_question(self) -> str | None:
        """What to ask about a clock time that cannot be read surely (到9点: morning or evening?)."""
        _ = self.quantities
        return self._clock_doubt

    # -- project, dates --------------------------------------------------------------------------

    @cached_property
    def project_codes(self) -> list[str]:
        return list(dict.fromkeys(hit.value for hit in self.projects))

    @property
    def project(self) -> str | None:
        return self.project_codes[0] if self.project_codes else self.chat_project

    def with_project(self, **args: Any) -> dict[str, Any]:
        return {"project": self.project, **args} if self.project else dict(args)

    @cached_property
    def days_found(self) -> list[dates_mod.Span]:
        return [s for s in self.spans if not s.is_period]

    @cached_property
    def period(self) -> tuple[date, date] | None:
        """The one period (or single day) a read is about."""
        found = {(s.start, s.end) for s in self.spans}
        return found.pop() if len(found) == 1 else None

    def entry_date(self, *, described: bool = False) -> date | str:
        """The one date a write is for (today when none is given), or the question to ask.

        With described=True (payments, money, costs) a period describing what is paid (上个月的工资, 塔吊租金本月,
        for last month) is not the date of the payment. A date after today is a plan, not a record (李四明天来一天):
        asked about, never written.
        """
        if any(s.is_period and not (described and self._describes(s)) for s in self.spans):
            return self.t("which_date")
        found = {s.start for s in self.days_found}
        if len(found) > 1:
            return self.t("which_date")
        for span in self.days_found:  # 30号 on the 25th: last month's, or the coming one (a plan)?
            if span.ahead is not None:
                return self.t("past_or_ahead", past=span.start.isoformat(), ahead=span.ahead.isoformat())
        day = found.pop() if found else self.today
        if day > self.today:
            return self.t("future", day=day.isoformat())
        return day

    def _describes(self, span: dates_mod.Span) -> bool:
        return bool(DESCRIBED_RE.match(self.low, span.stop) or DESCRIBED_BEFORE_RE.search(self.low, 0, span.begin))

    # -- workers ---------------------------------------------------------------------------------

    @cached_property
    def quantities(self) -> list[Quantity]:
        """Day rate, clock times, overtime, hours and days, found and masked in that order."""
        clocks = self.clocks
        text = self.text
        found: list[Quantity] = []
        for m in RATE_RE.finditer(text):
            self.rate = Decimal(m["a"] or m["b"])
            self.mask(m.start(), m.end())
        text = self.text
        for m in HOURS_RE.finditer(text):
            value = _count(m["n"], bool(m["h1"]), bool(m["half"]))
            if value is None:
                continue
            before, after = text[max(0, m.start() - 12) : m.start()], text[m.end() : m.end() + 12]
            kind = "overtime" if OT_BEFORE_RE.search(before) or OT_AFTER_RE.search(after) else "hours"
            found.append(Quantity(kind, value, m.start(), m.end()))
            self.mask(m.start(), m.end())
        text = self.text
        for m in OT_BARE_RE.finditer(text):
            value = _count(m["n"], False, False)
            if value is not None:
                found.append(Quantity("overtime", value, m.start(), m.end()))
                self.mask(m.start(), m.end())
        text = self.text
        for m in DAYS_RE.finditer(text):
            if m["full"]:
                value = Decimal(1)
            elif m["half"] or m["enhalf"] or m["shanghalf"]:
                value = Decimal("0.5")
            elif m["shang"]:
                shang = _count(m["shang"], False, False)
                value = shang / 2 if shang is not None else None
            else:
                value = _count(m["n"], bool(m["h1"] or m["h2"]), False)
            if value is None:
                continue
            found.append(Quantity("days", value, m.start(), m.end()))
            self.mask(m.start(), m.end())
        if FIX_RE.search(self.low):  # 改为0.5, 应该是1: in a correction, the bare figure of the new entry is days
            for m in FIX_BARE_RE.finditer(self.text):
                value = Decimal("0.5") if m["n"] in ("半", "half") else number(m["n"])
                if value is not None and 0 < value <= MAX_BARE_DAYS:
                    found.append(Quantity("days", value, m.start("n"), m.end("n")))
                    self.mask(m.start("n"), m.end("n"))
        # 点工 张三1 李四0.5, a message of nothing but one name and a number (张三1), or a roster whose other lines
        # give days (王五 1 / 赵六 半天) with no word of money: a bare number after a name is that one's 工日
        # (王五1 赵六1 with no word of labour may be anything: asked)
        roster = any(q.kind in ("days", "hours") for q in found) and not MONEY_WORD_RE.search(self.low)
        bare_days = (
            self.labour or roster or LABOR_CONTEXT_RE.search(self.low) or NAME_AND_NUMBER_RE.fullmatch(self.text)
        )
        if bare_days and not self.money:
            text = self.text
            for hit in self.worker_hits:
                bare = BARE_DAYS_RE.match(text, hit.end)
                if bare is None:
                    continue
                value = Decimal("0.5") if bare["n"] == "半" else number(bare["n"])
                if value is not None and 0 < value <= MAX_BARE_DAYS:
                    found.append(Quantity("days", value, bare.start("n"), bare.end("n")))
                    self.mask(bare.start("n"), bare.end("n"))
            for each in EACH_DAYS_RE.finditer(self.text):  # 点工各1个, 一人一个: one share for every name before
                value = Decimal("0.5") if each["n"] == "半" else number(each["n"])
                if value is not None and 0 < value <= MAX_BARE_DAYS:
                    found.append(Quantity("days", value, each.start(), each.end()))
                    self.mask(each.start(), each.end())
        found += self._from_clocks(clocks, found)
        return sorted(found, key=lambda q: q.begin)

    _clock_doubt: str | None = None

    def _from_clocks(self, clocks: list[Clock], found: list[Quantity]) -> list[Quantity]:
        """What clock times say: the hours of a span; the overtime after the project's day end of a time worked
        until (a day of work too when none is given). A figure counted after it (干到十点 算一天半) is what was
        meant, and the time only says why."""
        out: list[Quantity] = []
        day_end = minutes_of(self.lexicon.day_end(self.project))
        shown_end = clock_text(day_end)
        for clock in clocks:
            if clock.stop is None and clock.overtime and not clock.span:
                evening = _evening_only(clock.words, day_end)
                if evening is not None:  # 加班到9点 with the day ending at 18:00: only 21:00 is overtime
                    clock = replace(clock, stop=evening)
            if clock.stop is None:
                hour = re.search(r"\d+|[一二两三四五六七八九十]+", clock.words)
                hour_value = number(hour[0]) if hour else None
                late = int(hour_value) + 12 if hour_value is not None else 21
                self._clock_doubt = self.t(
                    "clock_span_which" if clock.span else "clock_which",
                    clock=clock.words,
                    hour=hour[0] if hour else "9",
                    late=late,
                )
                continue
            if clock.span and clock.start is not None:
                hours = quarter_hours(clock.stop - clock.start)
                if hours is None or hours <= 0:
                    self._clock_doubt = self.t("clock_span_which", clock=clock.words)
                    continue
                key = "span_overtime" if clock.overtime else "span_hours"
                said = self.t(key, start=clock_text(clock.start), end=clock_text(clock.stop), hours=decimal_text(hours))
                kind = "overtime" if clock.overtime else "hours"
                earlier = next((q for q in out if q.kind == kind and q.said and q.end <= clock.begin), None)
                if earlier is not None:  # 7点到12点 下午1点到5点: one day's spans add up
                    earlier.value += hours
                    earlier.said = f"{earlier.said}{'，' if self.language == 'zh' else ', '}{said}"
                    earlier.end = clock.end
                    continue
                out.append(Quantity(kind, hours, clock.begin, clock.end, said))
                continue
            counted = [q for q in found if q.kind in ("days", "hours") and COUNTED_RE.search(self.low, 0, q.begin)]
            if counted and not clock.overtime:
                continue  # 干到晚上十点 算一天半: the figure counted is the one meant
            hours = quarter_hours(clock.stop - day_end)
            if hours is None or hours <= 0:
                question = "clock_minutes" if hours is None else "clock_before_end"
                self._clock_doubt = self.t(question, clock=clock.words, day_end=shown_end)
                continue
            params = {"end": clock_text(clock.stop), "day_end": shown_end, "hours": decimal_text(hours)}
            if clock.overtime:
                out.append(Quantity("overtime", hours, clock.begin, clock.end, self.t("overtime_until", **params)))
            elif any(q.kind in ("days", "hours") for q in found):
                out.append(Quantity("overtime", hours, clock.begin, clock.end, self.t("worked_until_more", **params)))
            else:
                said = self.t("worked_until", **params)
                out.append(Quantity("days", Decimal(1), clock.begin, clock.begin, said))
                out.append(Quantity("overtime", hours, clock.begin, clock.end, said))
        return out

    @cached_property
    def workers(self) -> tuple[list[Worker], str | None]:
        """Known workers in message order, and the question to ask if any name is unknown or doubtful."""
        found = [Worker(h.value, h.begin, h.end) for h in self.worker_hits]
        _ = self.quantities, self.amounts  # mask numbers before looking for leftover names
        leftover = FILLER_RE.sub(lambda m: " " * len(m[0]), self.text)
        for hit in (*find_items(leftover), *find_categories(leftover)):  # 水泥, 材料: known words, not names
            if hit.end - hit.begin > 1:
                leftover = leftover[: hit.begin] + " " * (hit.end - hit.begin) + leftover[hit.end :]
        taken: list[tuple[int, int]] = []
        # A name typed in pinyin as one word (zhangsan) or as its syllables (Zhao Liu, Li Si): a dictionary look-up
        # of the whole spelling, never a fuzzy one, so English words next to each other stay words.
        for m in re.finditer(r"(?<![a-z])(?=([a-z]{2,6}) ([a-z]{2,6})(?![a-z]))", leftover):
            named = self.lexicon.pinyin_worker(m[1] + m[2])
            end = m.start() + len(m[1]) + 1 + len(m[2])
            if named is not None and not _overlaps(taken, m.start(), end):
                found.append(Worker(named, m.start(), end))
                taken.append((m.start(), end))
        for m in re.finditer(r"[a-z]{4,}", leftover):  # a name typed in pinyin: zhangsan
            named = self.lexicon.pinyin_worker(m[0])
            if named is not None and not _overlaps(taken, m.start(), m.end()):
                found.append(Worker(named, m.start(), m.end()))
        for m in re.finditer(r"[\u4e00-\u9fff]+", leftover):
            chunk = m[0]
            before = self.text[m.start() - 1] if m.start() else ""  # names found are masked: 张三李山 stays a name
            if not _name_like(chunk) or (before and (before.isdigit() or before in CN_NUMBER_CHARS)):  # 20包水泥
                continue
            sure, near = self.lexicon.resolve_worker(chunk)
            typed = self.raw[m.start() : m.end()]  # a chosen name replaces the one typed ("是" takes the only one)
            if len(sure) == 1:  # only a homophone (赵柳 for 赵六): a different name, so ask, never take it
                return found, self.asked(
                    "unknown_near", slot="worker", choices=(sure[0],), replace=typed, name=chunk, near=sure[0]
                )
            elif sure:
                options = tuple(sure)
                return found, self.asked(
                    "ambiguous_worker",
                    slot="worker",
                    choices=options,
                    replace=typed,
                    name=chunk,
                    options="、".join(sure),
                )
            elif near:
                options = tuple(near[:2])
                return found, self.asked(
                    "unknown_near", slot="worker", choices=options, replace=typed, name=chunk, near="、".join(options)
                )
            else:
                return found, self.t("unknown", name=chunk)
        found.sort(key=lambda w: w.begin)
        unique: list[Worker] = []
        for worker in found:
            if all(w.name != worker.name for w in unique):
                unique.append(worker)
        return unique, None

    # -- money -----------------------------------------------------------------------------------

    @cached_property
    def amounts(self) -> list[tuple[Decimal, bool, int, int]]:
        """Money amounts (value, marked as money, begin, end); quantities and percentages are not money."""
        _ = self.quantities
        text = self.text
        for m in PERCENT_RE.finditer(text):
            if m["num"] or m["cn"]:
                self.mask(m.start(), m.end())
        if self.bare_progress is not None:
            self.mask(self.bare_progress[1], self.bare_progress[2])
        text = self.text
        out: list[tuple[Decimal, bool, int, int]] = []
        for m in NUMBER_RE.finditer(text):
            token = m[0]
            after, before = text[m.end() : m.end() + 6], text[max(0, m.start() - 4) : m.start()]
            if NOT_MONEY_AFTER_RE.match(after) or before.endswith("百分之") or before.rstrip().endswith("第"):
                continue
            marked = bool(MONEY_AFTER_RE.match(after) or MONEY_BEFORE_RE.search(before))
            if token[0] in CN_NUMBER_CHARS and not marked and not any(c in token for c in "十百千万亿"):
                continue  # 一下, 一起: a lone Chinese digit is not an amount
            if token[0] in CN_NUMBER_CHARS and token in {"万", "千", "百", "十", "亿"}:
                continue
            value = number(token)
            if value is None or value <= 0 or value > MAX_AMOUNT:
                continue
            out.append((value, marked, m.start(), m.end()))
            self.mask(m.start(), m.end())
        return out

    def amount(self, *, strict: bool = False) -> Decimal | str | None:
        """The one amount in the message; None if there is none; a question if there are several (strict: even
        when only one is marked as money: 借支300，赵六借支2000元 has two)."""
        found = self.amounts
        if not found:
            return None
        marked = [a for a in found if a[1]]
        pool = marked if marked and not strict else found
        values = {a[0] for a in pool}
        if len(values) > 1:
            return self.t("which_amount")
        return values.pop()

    # -- categories ------------------------------------------------------------------------------

    @cached_property
    def categories(self) -> tuple[list[Hit], list[Hit], list[Hit]]:
        text = self.text
        return find_categories(text), find_items(text), self.lexicon.find_lines(text, self.project)

    def category(self) -> tuple[str | None, str | None, bool]:
        """The category named (or implied by an item word), the item word as typed, and whether it is clear."""
        words, items, own = self.categories
        note = re.sub(r"\s+", " ", self.low[items[0].begin : items[0].end]) if items else None  # the item word
        if own:
            keys = {h.value for h in own}
            return (keys.pop(), note, True) if len(keys) == 1 else (None, note, False)
        for hits in (words, items):
            keys = {h.value for h in hits}
            if len(keys) == 1:
                return keys.pop(), note, True
            if len(keys) > 1:
                return None, note, False
        return None, note, True

    # -- percent ---------------------------------------------------------------------------------

    @cached_property
    def percent(self) -> Decimal | None:
        for m in PERCENT_RE.finditer(self.low):
            value = percent_value(m)
            if value is not None:
                return value
        bare = self.bare_progress
        if bare is not None:
            return bare[0]
        if DONE_RE.search(self.low) and not re.search(r"\d", self.text):  # digits of dates are masked
            return Decimal(100)
        return None

    @cached_property
    def bare_progress(self) -> tuple[Decimal, int, int] | None:
        """A task's progress as a bare number ending a clause (管网铺设完成80, 砌体到60了): percent, where it is.

        Only with a task named, no word of money and a figure of at most 100.
        """
        if MONEY_WORD_RE.search(self.low) or not self.lexicon.find_tasks(self.low, self.project):
            return None
        m = PROGRESS_BARE_RE.search(self.low)
        if m is None:
            return None
        value = Decimal(m["n"])
        return (value, m.start("n"), m.end("n")) if value <= 100 else None


def percent_value(m: re.Match[str]) -> Decimal | None:
    """The figure of a PERCENT_RE match, if it is one from 0 to 100."""
    if m["num"]:
        value: Decimal | None = Decimal(m["num"])
    elif m["cn"]:
        value = number(m["cn"])
    elif m["cheng"]:
        digit = number(m["cheng"])
        value = digit * 10 if digit is not None else None
    else:
        value = Decimal(50)
    return value if value is not None and 0 <= value <= 100 else None


def _count(n: str | None, plus_half: bool, only_half: bool) -> Decimal | None:
    if only_half:
        return Decimal("0.5")
    if n is None:
        return None
    value = number(n)
    if value is None or value <= 0:
        return None
    return value + (Decimal("0.5") if plus_half else 0)


def _name_like(chunk: str) -> bool:
    """A leftover chunk that looks like a person's name (张山, 老王, 赵柳): worth checking, never ignoring."""
    if not 2 <= len(chunk) <= 3 or chunk in NOT_NAMES:
        return False
    if chunk[0] in SURNAMES:
        return True
    return chunk[0] in "老小阿" and len(chunk) == 2 and chunk[1] in SURNAMES


# -- building plans ---------------------------------------------------------------------------------


def ask(question: str | None) -> Plan:
    """No calls, and the question; a question that a short answer completes keeps its slot and choices."""
    if isinstance(question, Asked):
        return Plan(
            calls=[],
            source="rules",
            question=str(question),
            slot=question.slot,
            choices=list(question.choices),
            replace=question.replaces,
        )
    return Plan(calls=[], source="rules", confident=False, question=question)


def one(tool: str, args: dict[str, Any], source: str = "rules") -> Plan:
    return Plan(calls=[Call(tool, args)], source=source, confident=True)  # type: ignore[arg-type]


def explicit_percents(an: Analysis) -> list[re.Match[str]]:
    """Percentages written as figures (60%, 百分之六十, 八成), not 一半 or a word for finished."""
    return [m for m in PERCENT_RE.finditer(an.low) if m["num"] or m["cn"] or m["cheng"]]


def named_twice(an: Analysis) -> bool:
    """A worker named twice (王五和赵六各一天 王五加班2小时): whose part of the text is whose is not clear."""
    names = [h.value for h in an.worker_hits]
    return len(names) != len(set(names))
