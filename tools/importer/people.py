"""Who a workers row (and a history row's worker) is: a person, told apart from namesakes by project, id tail and
the "same person" column; rates and trades per project assignment, with effective dates.

A row with a project:
- the worker of that name (and tail) on the project's books is that worker: their project rate and trade change;
- else, a person of that name elsewhere is never changed. With same_person 是 the row puts that person on the
  project (at the project's own rate and trade); with 否 it creates another person; left empty, the row is refused
  with a question naming the namesake — unless the id tail tells (the same tail: that person; another tail: someone
  else).
A row without a project updates the roster as before (the worker of that name, rate history from rate_from).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from storage.models import ProjectRate, ProjectWorker, RateHistory, Worker
from storage.queries import imports as q
from storage.queries import labor as labour_q
from tools.base import Text
from tools.fmt import yuan
from tools.importer.schemas import Row
from tools.importer.values import show

if TYPE_CHECKING:
    from tools.importer.apply import _Writer

EARLIEST_RATE = date(2000, 1, 1)  # a new worker's rate, when no rate_from is given, applies from the start

_RATE_FROM_FUTURE = Text("工价生效日期 {day} 在未来", "rate_from {day} is in the future")
_RATE_FROM_OLD = Text(
    "工价生效日期 {day} 早于该工人上次调价日期 {last}",
    "rate_from {day} is before this worker's last rate change on {last}",
)
_NAMESAKE = Text(
    "已有同名工人 {name}（{where}）：是同一个人吗？请在“同一人”列填 是（就是他，本项目按这一行的工价和工种）或 否"
    "（另一个人，新建），或填尾号区分。他的工价和工种不会被这一行改动。",
    "a worker called {name} exists already ({where}): is it the same person? Fill same_person with yes (that "
    "person, at this row's rate and trade on this project) or no (another person, created), or give an id_tail. "
    "That worker's rate and trade are never changed by this row.",
)
_NO_NAMESAKE = Text(
    "“同一人”填了是，但没有找到别的叫 {name} 的工人", "same_person is yes, but there is no other worker called {name}"
)
_TWO_ON_BOOKS = Text(
    "项目 {code} 有 {n} 个叫 {name} 的工人，请填尾号区分",
    "project {code} has {n} workers called {name}; give an id_tail",
)
_TWO_ANYWHERE = Text(
    "有 {n} 个叫 {name} 的工人（{where}），请填项目编号或尾号区分",
    "there are {n} workers called {name} ({where}); give a project or an id_tail",
)
_WHERE = Text("{codes}，{trade}，日工资 {rate}{tail}", "{codes}, {trade}, {rate}/day{tail}")
_TAIL = Text("，尾号 {tail}", ", id tail {tail}")
_NO_PROJECT = Text("未分配项目", "on no project")
_ROSTER_ON_BOOKS = Text(
    "{name} 已在项目上（{where}）：没有项目编号的一行不能改他的工价或工种。请填项目编号（别的项目再填“同一人”）。",
    "{name} is on a project's books ({where}): a row without a project cannot change their rate or trade. Give "
    "the project (and same_person for another project).",
)
_LOGGED_BEFORE = Text(
    "⚠ {name}（{code}）从 {day} 起已记 {n} 条工（工资 {wages}），仍按原工价；要按 {rate} 重算，请在聊天里说"
    "“{name}日工资改为{rate}，从{day}起”并选择重算。",
    "⚠ {name} ({code}) has {n} entries from {day} (wages {wages}) at the old rate, left as they are; to re-price "
    "them at {rate}, change the rate in chat from {day} and choose to re-price.",
)


def _cf(text: str) -> str:
    return "".join(text.split()).casefold()


@dataclass
class Decision:
    """What one workers row means."""

    mode: str  # roster (no project) | on_books | assign (an existing person, newly on the project) | new | link
    worker: Worker | None = None  # the existing person (roster, on_books, assign)
    link: Row | None = None  # link: the same person as a new worker created by that earlier row of the file


@dataclass
class People:
    """The workers, their assignments and rates as they are, and what each row of the file means."""

    by_name: dict[str, list[Worker]]
    on_books: dict[tuple[int, int], ProjectWorker]  # (project id, worker id)
    last_rate: dict[int, date]  # worker id → newest rate history date
    last_project_rate: dict[tuple[int, int], date]
    codes: dict[int, str] = field(default_factory=dict)  # project id → code
    decisions: dict[int, Decision] = field(default_factory=dict)  # id(row) → decision
    made: dict[int, Worker] = field(default_factory=dict)  # id(row) → the worker written for it
    _found: dict[tuple[str, int | None, str, str | None], list[Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, project_codes: dict[int, str]) -> People:
        by_name: dict[str, list[Worker]] = {}
        for worker in q.all_workers(session=session):
            by_name.setdefault(_cf(worker.name), []).append(worker)
        ids = [w.id for workers in by_name.values() for w in workers]
        return cls(
            by_name=by_name,
            on_books={(a.project_id, a.worker_id): a for a in q.assignments(session=session)},
            last_rate=q.last_rate_change(session=session, worker_ids=ids),
            last_project_rate=q.last_project_rate_change(session=session),
            codes=dict(project_codes),
        )

    def where(self, workers: list[Worker]) -> Text:
        """Where namesakes are, in both languages: projects, trade, rate, id tail."""
        parts: dict[str, list[str]] = {"zh": [], "en": []}
        for worker in workers:
            codes = sorted(self.codes.get(p, "?") for (p, w) in self.on_books if w == worker.id)
            for lang in ("zh", "en"):
                parts[lang].append(
                    _WHERE.render(
                        lang,
                        codes="、".join(codes) if codes else _NO_PROJECT.render(lang),
                        trade=worker.trade or "—",
                        rate=yuan(worker.daily_rate),
                        tail=_TAIL.render(lang, tail=worker.id_tail) if worker.id_tail else "",
                    )
                )
        return Text("；".join(parts["zh"]), "; ".join(parts["en"]))

    # -- checking the workers sheet ------------------------------------------------------------------

    def check(
        self,
        rows: list[Row],
        project_id: Callable[[str], int | None],
        today: date,
        fail: Callable[..., None],
    ) -> None:
        """Decide what each workers row means; refuse rows that are ambiguous or change rates backwards."""
        first_new: dict[tuple[str, str], Row] = {}  # (name, tail) → the first row of the file creating that person
        for row in rows:
            if not row.ok:
                continue
            values = row.values
            rate_from = values.get("rate_from")
            if rate_from and rate_from > today + timedelta(days=1):
                fail(row, _RATE_FROM_FUTURE, day=rate_from.isoformat())
                continue
            name, tail = values["name"], values.get("id_tail")
            same = [w for w in self.by_name.get(_cf(name), []) if tail is None or w.id_tail in (None, tail)]
            if "project" not in values:
                self._check_roster(row, same, today, fail)
                continue
            pid = project_id(values["project"])
            here = [w for w in same if pid is not None and (pid, w.id) in self.on_books]
            if tail is not None and len(here) > 1:
                here = [w for w in here if w.id_tail == tail]
            if len(here) > 1:
                fail(row, _TWO_ON_BOOKS, code=show(values["project"]), n=len(here), name=show(name))
                continue
            if here:
                self.decisions[id(row)] = Decision("on_books", here[0])
                last = self.last_project_rate.get((pid, here[0].id)) if pid is not None else None
                day = rate_from or today
                if last and day < last:
                    fail(row, _RATE_FROM_OLD, day=day.isoformat(), last=last.isoformat())
                continue
            elsewhere = [w for w in same if tail is None or w.id_tail == tail or w.id_tail is None]
            file_twin = first_new.get((_cf(name), tail or ""))
            answer = values.get("same_person")
            if answer == "no":
                self.decisions[id(row)] = Decision("new")
                first_new.setdefault((_cf(name), tail or ""), row)
                continue
            told_by_tail = [w for w in elsewhere if tail is not None and w.id_tail == tail]
            if answer == "yes" or len(told_by_tail) == 1:
                pick = told_by_tail or elsewhere
                if len(pick) == 1:
                    self.decisions[id(row)] = Decision("assign", pick[0])
                elif len(pick) > 1:
                    fail(row, _TWO_ANYWHERE, n=len(pick), name=show(name), where=self.where(pick))
                elif file_twin is not None:
                    self.decisions[id(row)] = Decision("link", link=file_twin)
                else:
                    fail(row, _NO_NAMESAKE, name=show(name))
                continue
            if elsewhere:
                fail(row, _NAMESAKE, name=show(name), where=self.where(elsewhere))
                continue
            if file_twin is not None:
                where = Text(f"工人表第 {file_twin.number} 行", f"workers row {file_twin.number}")
                fail(row, _NAMESAKE, name=show(name), where=where)
                continue
            self.decisions[id(row)] = Decision("new")
            first_new[(_cf(name), tail or "")] = row

    def _check_roster(self, row: Row, same: list[Worker], today: date, fail: Callable[..., None]) -> None:
        """A row without a project: the one worker of that name (and tail), or a new one."""
        if len(same) > 1:
            fail(row, _TWO_ANYWHERE, n=len(same), name=show(row.values["name"]), where=self.where(same))
            return
        known = same[0] if same else None
        self.decisions[id(row)] = Decision("roster", known)
        changes_pay = known is not None and (
            known.daily_rate != row.values["daily_rate"] or row.values.get("trade", known.trade) != known.trade
        )
        if known is not None and changes_pay and any(w == known.id for (_, w) in self.on_books):
            # The original bug: a roster row re-rating and re-trading a person other projects rely on.
            fail(row, _ROSTER_ON_BOOKS, name=show(known.name), where=self.where([known]))
            return
        if known is not None and known.daily_rate != row.values["daily_rate"]:
            last = self.last_rate.get(known.id)
            day = row.values.get("rate_from") or today
            if last and day < last:
                fail(row, _RATE_FROM_OLD, day=day.isoformat(), last=last.isoformat())

    # -- history rows: which worker on a project ------------------------------------------------------

    def find(self, rows: list[Row], project_key: str, pid: int | None, name: str, tail: str | None) -> list[Any]:
        """The workers a history row's name (and tail) can mean on a project: a Worker, or the file row creating
        one; several when ambiguous, none when nobody of that name is on the project's books."""
        wanted = _cf(name)
        cached = self._found.get((project_key, pid, wanted, tail))
        if cached is not None:
            return cached
        found: dict[Any, Any] = {}
        for row in rows:
            decision = self.decisions.get(id(row))
            if decision is None or _cf(row.values.get("project", "")) != project_key:
                continue
            names = [row.values["name"], *row.values.get("aliases", [])]
            if wanted not in {_cf(n) for n in names} or (tail is not None and row.values.get("id_tail") != tail):
                continue
            if decision.worker is not None:
                found[decision.worker.id] = decision.worker
            else:
                origin = decision.link or row
                found[("row", id(origin))] = origin
        if pid is not None:
            for workers in self.by_name.values():
                for worker in workers:
                    if (pid, worker.id) not in self.on_books or worker.id in found:
                        continue
                    if wanted in {_cf(n) for n in (worker.name, *(worker.aliases or []))} and (
                        tail is None or worker.id_tail == tail
                    ):
                        found[worker.id] = worker
        self._found[(project_key, pid, wanted, tail)] = list(found.values())
        return self._found[(project_key, pid, wanted, tail)]

    def worker_of(self, ref: Any) -> Worker:
        """The Worker a find() result means, once the workers sheet is written."""
        return ref if isinstance(ref, Worker) else self.made[id(ref)]

    # -- writing ---------------------------------------------------------------------------------------

    def write(self, writer: _Writer, rows: list[Row]) -> None:
        for row in rows:
            decision = self.decisions[id(row)]
            values = row.values
            person: dict[str, Any] = {key: values[key] for key in ("aliases", "phone") if key in values}
            rate = values["daily_rate"]
            if decision.mode == "roster":
                self._write_roster(writer, row, decision.worker)
                continue
            project = writer.project(values["project"])
            worker = decision.worker
            if decision.mode == "link":
                assert decision.link is not None
                worker = self.made[id(decision.link)]
            elif decision.mode == "new":
                worker = Worker(
                    name=values["name"],
                    trade=values.get("trade"),
                    daily_rate=rate,
                    id_tail=values.get("id_tail"),
                    **person,
                )
                writer.create("workers", worker)
                writer.create(
                    "rates",
                    RateHistory(
                        worker_id=worker.id, daily_rate=rate, valid_from=values.get("rate_from", EARLIEST_RATE)
                    ),
                )
            elif decision.mode == "on_books":
                assert worker is not None
                writer.apply("workers", worker, person)
            assert worker is not None
            self.made[id(row)] = worker
            writer.touched.add(project.id)
            booked = self.on_books.get((project.id, worker.id))
            if booked is None:
                booked = ProjectWorker(project_id=project.id, worker_id=worker.id, trade=values.get("trade"))
                writer.create("assignments", booked)
                self.on_books[(project.id, worker.id)] = booked
                writer.create(
                    "project_rates",
                    ProjectRate(
                        project_id=project.id,
                        worker_id=worker.id,
                        daily_rate=rate,
                        valid_from=values.get("rate_from", EARLIEST_RATE),
                    ),
                )
                continue
            if "trade" in values:
                writer.apply("assignments", booked, {"trade": values["trade"]})
            day = values.get("rate_from", writer.plan.today)
            in_force = labour_q.rate_on(session=writer.session, worker_id=worker.id, day=day, project_id=project.id)
            if in_force == rate:
                continue
            same_day = q.project_rate_on(
                session=writer.session, project_id=project.id, worker_id=worker.id, valid_from=day
            )
            if same_day is None:
                writer.create(
                    "project_rates",
                    ProjectRate(project_id=project.id, worker_id=worker.id, daily_rate=rate, valid_from=day),
                )
            else:
                writer.apply("project_rates", same_day, {"daily_rate": rate})
            self._report_logged(writer, row, project.id, worker.id, day)

    def _report_logged(self, writer: _Writer, row: Row, project_id: int, worker_id: int, day: date) -> None:
        """A backdated rate leaves labour already logged at its rate: say how many entries, and how to re-price."""
        count, wages = q.logged_since(session=writer.session, project_id=project_id, worker_id=worker_id, day=day)
        if count:
            params = {
                "name": row.values["name"],
                "code": row.values["project"],
                "n": count,
                "day": day.isoformat(),
                "wages": yuan(wages),
                "rate": yuan(row.values["daily_rate"]),
            }
            writer.warn(_LOGGED_BEFORE, **params)

    def _write_roster(self, writer: _Writer, row: Row, worker: Worker | None) -> None:
        """A row without a project: the roster's worker, rate history from rate_from (as before projects had rates)."""
        values: dict[str, Any] = {
            key: row.values[key] for key in ("aliases", "trade", "daily_rate", "phone", "id_tail") if key in row.values
        }
        rate_from = row.values.get("rate_from")
        if worker is None:
            worker = Worker(name=row.values["name"], **values)
            writer.create("workers", worker)
            writer.create(
                "rates",
                RateHistory(worker_id=worker.id, daily_rate=worker.daily_rate, valid_from=rate_from or EARLIEST_RATE),
            )
            self.made[id(row)] = worker
            return
        self.made[id(row)] = worker
        old_rate = worker.daily_rate
        writer.apply("workers", worker, values)
        if old_rate == worker.daily_rate:
            return
        valid_from = rate_from or writer.plan.today
        if worker.id not in self.last_rate and valid_from > EARLIEST_RATE:
            # no history yet: keep the old rate for the days before the change
            writer.create("rates", RateHistory(worker_id=worker.id, daily_rate=old_rate, valid_from=EARLIEST_RATE))
        same_day = q.rate_on(session=writer.session, worker_id=worker.id, valid_from=valid_from)
        if same_day is None:
            writer.create(
                "rates", RateHistory(worker_id=worker.id, daily_rate=worker.daily_rate, valid_from=valid_from)
            )
        else:
            writer.apply("rates", same_day, {"daily_rate": worker.daily_rate})
