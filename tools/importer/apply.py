"""Planning and writing: checks across rows and against the database, then every row written in one
transaction with one audit row, or nothing at all."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from storage.models import (
    LOCAL_ADMIN,
    Base,
    BudgetLine,
    BudgetPolicy,
    Membership,
    OvertimeMode,
    ProgressUpdate,
    Project,
    Role,
    Task,
    User,
)
from storage.queries import alert_checks
from storage.queries import imports as q
from tools import audit
from tools.base import ALERT_SECTIONS, Context, Text
from tools.categories import CATEGORIES
from tools.importer.history import History
from tools.importer.history_columns import HISTORY_KINDS
from tools.importer.people import People
from tools.importer.reading import FileProblem, read_sheets
from tools.importer.report import Errors, ImportReport, RowError, budget_gaps
from tools.importer.schemas import COLUMNS, KINDS, Column, Row, parse_sheets
from tools.importer.values import show

log = logging.getLogger(__name__)

_FINISH_BEFORE_START = Text("{finish}早于{start}", "{finish} before {start}")
_DUPLICATE = Text("与第 {other} 行重复（{key}）", "duplicate of row {other} ({key})")
_UNKNOWN_PROJECT = Text(
    "项目“{code}”在文件和数据库里都没有", "project “{code}” is neither in the file nor in the database"
)
_UNKNOWN_PREDECESSOR = Text(
    "前置任务“{name}”在项目 {code} 里找不到（文件和数据库都没有）",
    "predecessor “{name}” is not a task of project {code} (neither in the file nor in the database)",
)
_SELF_PREDECESSOR = Text("任务不能是自己的前置任务", "a task cannot be its own predecessor")
_CYCLE = Text("前置任务形成了循环：{chain}", "predecessors form a loop: {chain}")
_HOURLY_NEEDS_RATE = Text(
    "加班按小时计算时必须填加班时薪（overtime_rate）", "overtime_mode hourly needs an overtime_rate"
)
_USER_CONFLICT = Text("用户 {user} 的{field}与第 {other} 行不一致", "{field} of user {user} differs from row {other}")
_TELEGRAM_TAKEN = Text("telegram_id {value} 已属于用户 {other}", "telegram_id {value} already belongs to user {other}")
_TELEGRAM_TWICE = Text(
    "telegram_id {value} 也用在第 {other} 行的用户 {user} 上",
    "telegram_id {value} is also given to user {user} in row {other}",
)
_NOT_ALLOWED = Text("没有权限：{what}需要{role}角色", "not allowed: {what} needs role {role}")
_NOT_ALLOWED_WHAT = {
    "new_project": Text("新建项目", "creating a project"),
    "project": Text("修改项目", "changing a project"),
    "workers": Text("修改工人", "changing workers"),
    "members": Text("设置成员", "setting members"),
    "administrator": Text("修改管理员", "changing an administrator"),
}
_NEAR_ADMIN = Text(
    "“{value}”与本地管理员“{admin}”只差大小写或空格：要修改管理员请写 {admin}，否则请换个名字",
    "“{value}” differs from the local administrator “{admin}” only in case or spaces: "
    "write {admin} to change the administrator, or use another name",
)

_WRITE_FAILED = Text("数据库拒绝了写入，什么都没有导入", "the database refused the import; nothing was imported")


def _cf(text: str) -> str:
    return "".join(text.split()).casefold()


def _field(kind: str, key: str) -> Column:
    return next(column for column in COLUMNS[kind] if column.key == key)


def _finish_before_start(errors: Errors, row: Row, start: str, finish: str) -> None:
    s, f = _field(row.kind, start), _field(row.kind, finish)
    errors.add(row.sheet, row.number, _FINISH_BEFORE_START, start=Text(s.zh, s.key), finish=Text(f.zh, f.key))
    row.ok = False


@dataclass
class _Plan:
    """Everything needed to write, gathered while checking."""

    today: date
    projects: dict[str, Project]  # casefolded code → existing project
    people: People  # workers, their projects and rates, and what each workers row means
    local_users: dict[str, User]  # casefolded name → a user without a Telegram id
    telegram_users: dict[int, User]  # Telegram id → user, for the ids in the file
    budget: dict[tuple[int, str], BudgetLine] = field(default_factory=dict)
    tasks: dict[tuple[int, str], Task] = field(default_factory=dict)  # (project id, casefolded name)
    task_aliases: dict[tuple[int, str], Task] = field(default_factory=dict)
    members: dict[tuple[int, int], Membership] = field(default_factory=dict)
    history: History | None = None


def _by_casefold(items: Iterable[Any], key: Callable[[Any], str]) -> dict[str, Any]:
    """Casefolded key → row (names and codes are matched ignoring case and spaces)."""
    found: dict[str, Any] = {}
    for item in items:
        found.setdefault(_cf(key(item)), item)
    return found


def _existing(session: Session, rows: list[Row], today: date) -> _Plan:
    projects = q.all_projects(session=session)
    plan = _Plan(
        today=today,
        projects=_by_casefold(projects, lambda p: p.code),
        people=People.load(session, {p.id: p.code for p in projects}),
        local_users=_by_casefold(q.local_users(session=session), lambda u: u.name),
        telegram_users={
            user.telegram_id: user
            for user in q.telegram_users(
                session=session, telegram_ids={r.values["telegram_id"] for r in rows if "telegram_id" in r.values}
            )
            if user.telegram_id is not None
        },
    )
    wanted = {_cf(row.values["project"]) for row in rows if "project" in row.values}
    wanted |= {_cf(row.values["code"]) for row in rows if "code" in row.values}
    ids = [plan.projects[code].id for code in wanted if code in plan.projects]
    for line in q.budget_lines(session=session, project_ids=ids):
        plan.budget[
            (line.project_id, _cf(line.label or line.category) if line.category not in CATEGORIES else line.category)
        ] = line
    for task in q.tasks(session=session, project_ids=ids):
        plan.tasks[(task.project_id, _cf(task.name))] = task
        for alias in task.aliases or []:
            plan.task_aliases.setdefault((task.project_id, _cf(alias)), task)
    for member in q.memberships(session=session, project_ids=ids):
        plan.members[(member.user_id, member.project_id)] = member
    plan.history = History(
        session=session, people=plan.people, project_ids={_cf(p.code): p.id for p in plan.projects.values()}
    )
    return plan


def _budget_key(project_key: str, category: tuple[str, str | None]) -> str:
    key, label = category
    return f"{project_key}|{key if label is None else _cf(label)}"


def _check(rows: list[Row], plan: _Plan, errors: Errors, acting_user: User | None, session: Session) -> None:
    """Rules across rows and against the database; marks failing rows."""
    by_kind: dict[str, list[Row]] = {kind: [r for r in rows if r.kind == kind] for kind in KINDS}
    file_codes = {_cf(r.values["code"]) for r in by_kind["projects"] if "code" in r.values}

    def fail(row: Row, message: Text, column: Column | None = None, **params: Any) -> None:
        errors.add(row.sheet, row.number, message, column=column, **params)
        row.ok = False

    def first_seen(kind: str, key_of: Callable[[Row], str | None], shown: Callable[[Row], str]) -> None:
        seen: dict[str, int] = {}
        for row in by_kind[kind]:
            key = key_of(row)
            if key is None:
                continue
            if key in seen:
                fail(row, _DUPLICATE, other=seen[key], key=show(shown(row)))
            else:
                seen[key] = row.number

    def project_known(row: Row) -> bool:
        code = row.values.get("project")
        if code is None:
            return False
        if _cf(code) in file_codes or _cf(code) in plan.projects:
            return True
        fail(row, _UNKNOWN_PROJECT, code=show(code))
        return False

    # duplicates inside the file
    first_seen("projects", lambda r: _cf(r.values["code"]) if "code" in r.values else None, lambda r: r.values["code"])
    first_seen(
        "budget",
        lambda r: (
            _budget_key(_cf(r.values["project"]), r.values["category"])
            if {"project", "category"} <= r.values.keys()
            else None
        ),
        lambda r: f"{r.values['project']} {r.values['category'][1] or r.values['category'][0]}",
    )
    first_seen(
        "tasks",
        lambda r: (
            f"{_cf(r.values['project'])}|{_cf(r.values['name'])}" if {"project", "name"} <= r.values.keys() else None
        ),
        lambda r: f"{r.values['project']} {r.values['name']}",
    )
    first_seen(
        "workers",
        lambda r: (
            f"{_cf(r.values.get('project', ''))}|{_cf(r.values['name'])}|{r.values.get('id_tail', '')}"
            if "name" in r.values
            else None
        ),
        lambda r: " ".join(str(r.values[k]) for k in ("project", "name", "id_tail") if k in r.values),
    )
    first_seen(
        "members",
        lambda r: (
            f"{_cf(r.values['user'])}|{_cf(r.values['project'])}" if {"user", "project"} <= r.values.keys() else None
        ),
        lambda r: f"{r.values['user']} {r.values['project']}",
    )

    for row in by_kind["projects"]:
        if not row.ok:
            continue
        existing = plan.projects.get(_cf(row.values["code"]))
        start = row.values.get("start", existing.start if existing else None)
        finish = row.values.get("finish", existing.finish if existing else None)
        if start and finish and finish < start:
            _finish_before_start(errors, row, "start", "finish")
        mode = row.values.get("overtime_mode", existing.overtime_mode if existing else "folded")
        rate = row.values.get("overtime_rate", existing.overtime_rate if existing else None)
        if mode == "hourly" and rate is None:
            fail(row, _HOURLY_NEEDS_RATE)

    for row in by_kind["budget"]:
        if row.ok:
            project_known(row)

    task_names: dict[str, dict[str, str]] = {}  # project key → casefolded name → name, for every task row
    for row in by_kind["tasks"]:
        if {"project", "name"} <= row.values.keys():
            task_names.setdefault(_cf(row.values["project"]), {})[_cf(row.values["name"])] = row.values["name"]
    for row in by_kind["tasks"]:
        if not row.ok or not project_known(row):
            continue
        if row.values["planned_finish"] < row.values["planned_start"]:
            _finish_before_start(errors, row, "planned_start", "planned_finish")
        predecessor = row.values.get("predecessor")
        if predecessor is None:
            continue
        project_key = _cf(row.values["project"])
        if _cf(predecessor) == _cf(row.values["name"]):
            fail(row, _SELF_PREDECESSOR)
        elif (
            _cf(predecessor) not in task_names.get(project_key, {}) and _db_task(plan, project_key, predecessor) is None
        ):
            fail(row, _UNKNOWN_PREDECESSOR, name=show(predecessor), code=show(row.values["project"]))
    _check_cycles(by_kind["tasks"], plan, fail)

    def project_id(code: str) -> int | None:
        project = plan.projects.get(_cf(code))
        return project.id if project else None

    worker_rows = [row for row in by_kind["workers"] if row.ok and ("project" not in row.values or project_known(row))]
    plan.people.check(worker_rows, project_id, plan.today, fail)

    def task_known(code: str, name: str) -> bool:
        return _cf(name) in task_names.get(_cf(code), {}) or _db_task(plan, _cf(code), name) is not None

    assert plan.history is not None
    plan.history.check(by_kind, project_known, task_known, fail)

    users_seen: dict[str, Row] = {}
    telegram_seen: dict[int, Row] = {}
    for row in by_kind["members"]:
        if not row.ok or not project_known(row):
            continue
        name = row.values["user"]
        user_key = _cf(name)
        telegram_id = row.values.get("telegram_id")
        first = users_seen.setdefault(user_key, row)
        # The Telegram id is who the row is (none: a local user), so rows of one name must agree, blanks included.
        if first.values.get("telegram_id") != telegram_id:
            fail(row, _USER_CONFLICT, column=_field("members", "telegram_id"), user=show(name), other=first.number)
        language = row.values.get("language")
        if language is not None and first.values.setdefault("language", language) != language:
            fail(row, _USER_CONFLICT, column=_field("members", "language"), user=show(name), other=first.number)
        if telegram_id is None:
            admin = _admin_name(plan, user_key)
            if admin is not None and name != admin:
                fail(row, _NEAR_ADMIN, value=show(name), admin=admin)
            continue
        other_row = telegram_seen.setdefault(telegram_id, row)
        if _cf(other_row.values["user"]) != user_key:
            fail(row, _TELEGRAM_TWICE, value=telegram_id, user=show(other_row.values["user"]), other=other_row.number)
        holder = plan.telegram_users.get(telegram_id)
        if holder is not None and _cf(holder.name) != user_key:
            fail(row, _TELEGRAM_TAKEN, value=telegram_id, other=show(holder.name))

    if acting_user is not None and not acting_user.is_admin:
        _check_roles(by_kind, plan, acting_user, session, fail)


def _member_user(plan: _Plan, values: dict[str, Any]) -> User | None:
    """The existing user a members row names: the account with its Telegram id, else the local user of its name.

    A Telegram account is never found by its display name (anyone may call themselves 张工 or admin), and a
    local administrator only by its exact name.
    """
    telegram_id = values.get("telegram_id")
    if telegram_id is not None:
        return plan.telegram_users.get(telegram_id)
    user = plan.local_users.get(_cf(values["user"]))
    if user is not None and user.is_admin and user.name != values["user"]:
        return None
    return user


def _admin_name(plan: _Plan, user_key: str) -> str | None:
    """The name of the local administrator a casefolded local name would reach, if any."""
    user = plan.local_users.get(user_key)
    if user is not None and user.is_admin:
        return user.name
    return LOCAL_ADMIN if user_key == _cf(LOCAL_ADMIN) else None


def _db_task(plan: _Plan, project_key: str, name: str) -> Task | None:
    project = plan.projects.get(project_key)
    if project is None:
        return None
    return plan.tasks.get((project.id, _cf(name))) or plan.task_aliases.get((project.id, _cf(name)))


def _check_cycles(task_rows: list[Row], plan: _Plan, fail: Callable[..., None]) -> None:
    """Predecessor chains — the file's rows over the database's tasks — must not loop."""
    code_of = {project.id: key for key, project in plan.projects.items()}
    by_id = {task.id: task for task in plan.tasks.values()}
    edges: dict[tuple[str, str], str | None] = {}
    names: dict[tuple[str, str], str] = {}
    for (project_id, key), task in plan.tasks.items():
        predecessor = by_id.get(task.predecessor_id) if task.predecessor_id else None
        edges[(code_of[project_id], key)] = _cf(predecessor.name) if predecessor else None
        names[(code_of[project_id], key)] = task.name
    in_file = {
        (_cf(r.values["project"]), _cf(r.values["name"])) for r in task_rows if {"project", "name"} <= r.values.keys()
    }
    for row in task_rows:
        if not {"project", "name"} <= row.values.keys():
            continue
        node = (_cf(row.values["project"]), _cf(row.values["name"]))
        names[node] = row.values["name"]
        predecessor = row.values.get("predecessor")
        if predecessor is None:
            edges.setdefault(node, None)
        elif (node[0], _cf(predecessor)) in in_file:
            edges[node] = _cf(predecessor)
        else:
            target = _db_task(plan, node[0], predecessor)
            edges[node] = _cf(target.name) if target else None
    for row in task_rows:
        if not row.ok or "predecessor" not in row.values:
            continue
        start = (_cf(row.values["project"]), _cf(row.values["name"]))
        chain, node = [start], start
        while (following := edges.get(node)) is not None:
            node = (start[0], following)
            if node == start:
                fail(row, _CYCLE, chain=" → ".join(show(names.get(n, n[1])) for n in [*chain, start]))
                break
            if node in chain:
                break  # a loop further up the chain: reported on the rows that form it
            chain.append(node)


def _check_roles(
    by_kind: dict[str, list[Row]], plan: _Plan, user: User, session: Session, fail: Callable[..., None]
) -> None:
    """A non-administrator may change only projects they manage, and set members only where they are admin."""
    roles = q.roles_of(session=session, user_id=user.id)
    managing = {Role.admin, Role.manager}

    def role_in(code: str) -> Role | None:
        project = plan.projects.get(_cf(code))
        return roles.get(project.id) if project else None

    for row in by_kind["projects"]:
        if not row.ok:
            continue
        if _cf(row.values["code"]) not in plan.projects:
            fail(row, _NOT_ALLOWED, what=_NOT_ALLOWED_WHAT["new_project"], role="global admin")
        elif role_in(row.values["code"]) not in managing:
            fail(row, _NOT_ALLOWED, what=_NOT_ALLOWED_WHAT["project"], role="admin/manager")
    for kind in ("budget", "tasks", *HISTORY_KINDS):
        for row in by_kind[kind]:
            if row.ok and role_in(row.values["project"]) not in managing:
                fail(row, _NOT_ALLOWED, what=_NOT_ALLOWED_WHAT["project"], role="admin/manager")
    for row in by_kind["members"]:
        if not row.ok:
            continue
        if role_in(row.values["project"]) is not Role.admin:
            fail(row, _NOT_ALLOWED, what=_NOT_ALLOWED_WHAT["members"], role="admin")
            continue
        member = _member_user(plan, row.values)
        names_local_admin = "telegram_id" not in row.values and row.values["user"] == LOCAL_ADMIN
        if names_local_admin or (member is not None and member.is_admin):
            fail(row, _NOT_ALLOWED, what=_NOT_ALLOWED_WHAT["administrator"], role="global admin")
    for row in by_kind["workers"]:
        if not row.ok:
            continue
        # A worker on a project: that project's manager; the roster (no project): the manager of some project.
        if ("project" in row.values and role_in(row.values["project"]) not in managing) or not managing & set(
            roles.values()
        ):
            fail(row, _NOT_ALLOWED, what=_NOT_ALLOWED_WHAT["workers"], role="admin/manager")


# -- writing -----------------------------------------------------------------------------------


class _Writer:
    def __init__(self, session: Session, plan: _Plan, acting_user: User | None) -> None:
        self.session = session
        self.plan = plan
        self.user_id = acting_user.id if acting_user else None
        self.changes: list[audit.Change] = []
        self.created: dict[str, int] = {}
        self.updated: dict[str, int] = {}
        self.unchanged: dict[str, int] = {}
        self.touched: set[int] = set()
        self.reported: set[tuple[str, str]] = set()  # (project, task) with rows on the progress sheet
        self.warnings: list[RowError] = []

    def warn(self, message: Text, **params: Any) -> None:
        """Something written that is worth a look, in both languages."""
        self.warnings.append(
            RowError(sheet=None, row=None, zh=message.render("zh", **params), en=message.render("en", **params))
        )

    def create(self, kind: str, row: Base) -> None:
        self.session.add(row)
        self.changes.append(audit.created(row))
        self.created[kind] = self.created.get(kind, 0) + 1

    def create_many(self, kind: str, rows: Sequence[Base]) -> None:
        """Insert rows in one flush (thousands of history rows), each listed in the audit entry."""
        if not rows:
            return
        self.session.add_all(rows)
        self.session.flush()
        for row in rows:
            after = audit.snapshot(row)
            self.changes.append({"table": row.__tablename__, "id": after["id"], "before": None, "after": after})
        self.created[kind] = self.created.get(kind, 0) + len(rows)

    def apply(self, kind: str, row: Base, values: dict[str, Any]) -> bool:
        """Set the values that differ; record the row as updated (or unchanged)."""
        before = audit.snapshot(row)
        changed = {key: value for key, value in values.items() if getattr(row, key) != value}
        if not changed:
            self.unchanged[kind] = self.unchanged.get(kind, 0) + 1
            return False
        for key, value in changed.items():
            setattr(row, key, value)
        self.changes.append(audit.updated(row, before))
        self.updated[kind] = self.updated.get(kind, 0) + 1
        return True

    def project(self, code: str) -> Project:
        return self.plan.projects[_cf(code)]

    def projects(self, rows: list[Row]) -> None:
        settable = [c.key for c in COLUMNS["projects"] if c.key != "code"]
        for row in rows:
            values = {key: row.values[key] for key in settable if key in row.values}
            if "overtime_mode" in values:
                values["overtime_mode"] = OvertimeMode(values["overtime_mode"])
            existing = self.plan.projects.get(_cf(row.values["code"]))
            if existing is None:
                project = Project(code=row.values["code"], **values)
                self.create("projects", project)
                self.plan.projects[_cf(project.code)] = project
            else:
                project = existing
                self.apply("projects", project, values)
            self.touched.add(project.id)

    def budget(self, rows: list[Row]) -> None:
        for row in rows:
            project = self.project(row.values["project"])
            category, label = row.values["category"]
            values: dict[str, Any] = {"amount": row.values["amount"]}
            if "policy" in row.values:
                values["policy"] = BudgetPolicy(row.values["policy"])
            line = self.plan.budget.get((project.id, category if label is None else _cf(label)))
            if line is None:
                self.create("budget", BudgetLine(project_id=project.id, category=category, label=label, **values))
            else:
                self.apply("budget", line, values)
            self.touched.add(project.id)

    def workers(self, rows: list[Row]) -> None:
        self.plan.people.write(self, rows)

    def members(self, rows: list[Row]) -> None:
        for row in rows:
            project = self.project(row.values["project"])
            user = _member_user(self.plan, row.values)
            values: dict[str, Any] = {"language": row.values["language"]} if "language" in row.values else {}
            if user is None:
                user = User(name=row.values["user"], telegram_id=row.values.get("telegram_id"), **values)
                self.create("users", user)
                if user.telegram_id is None:
                    self.plan.local_users[_cf(user.name)] = user
                else:
                    self.plan.telegram_users[user.telegram_id] = user
            else:
                self.apply("users", user, values)
            member = self.plan.members.get((user.id, project.id))
            role = Role(row.values["role"])
            if member is None:
                member = Membership(user_id=user.id, project_id=project.id, role=role)
                self.create("members", member)
                self.plan.members[(user.id, project.id)] = member
            else:
                self.apply("members", member, {"role": role})
            self.touched.add(project.id)

    def tasks(self, rows: list[Row]) -> None:
        made: dict[tuple[int, str], Task] = {}
        for row in _predecessors_first(rows):
            project = self.project(row.values["project"])
            key = (project.id, _cf(row.values["name"]))
            values: dict[str, Any] = {
                k: row.values[k]
                for k in ("planned_start", "planned_finish", "planned_cost", "percent")
                if k in row.values
            }
            if (_cf(row.values["project"]), key[1]) in self.reported:
                values.pop("percent", None)  # the progress sheet dates this task's percent
            if "predecessor" in row.values:
                pred_key = (project.id, _cf(row.values["predecessor"]))
                predecessor = (
                    made.get(pred_key) or self.plan.tasks.get(pred_key) or self.plan.task_aliases.get(pred_key)
                )
                values["predecessor_id"] = predecessor.id if predecessor else None
            task = self.plan.tasks.get(key)
            old_percent = task.percent if task else Decimal(0)
            if task is None:
                task = Task(project_id=project.id, name=row.values["name"], **values)
                self.create("tasks", task)
            else:
                self.apply("tasks", task, values)
            made[key] = task
            if "percent" in values and values["percent"] != old_percent:
                self.create(
                    "progress",
                    ProgressUpdate(
                        task_id=task.id,
                        reported_on=self.plan.today,
                        percent=row.values["percent"],
                        note="import",
                        created_by=self.user_id,
                    ),
                )
            self.touched.add(project.id)


def _predecessors_first(rows: list[Row]) -> list[Row]:
    """Task rows ordered so a predecessor in the file is written before the tasks after it."""
    by_key = {(_cf(r.values["project"]), _cf(r.values["name"])): r for r in rows}
    ordered: list[Row] = []
    placed: set[int] = set()

    def place(row: Row, depth: int = 0) -> None:
        if id(row) in placed or depth > len(rows):
            return
        predecessor = row.values.get("predecessor")
        if predecessor is not None:
            before = by_key.get((_cf(row.values["project"]), _cf(predecessor)))
            if before is not None and before is not row:
                place(before, depth + 1)
        placed.add(id(row))
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered


# -- the entry point -----------------------------------------------------------------------------


def import_file(
    session: Session,
    path: str | Path,
    *,
    acting_user: User | None = None,
    today: date | None = None,
    commit: bool = True,
) -> ImportReport:
    """Check every row of an xlsx/csv file, then create or update its rows in one transaction, or write nothing.

    acting_user (a row in this session) is recorded in the audit log and limits what may change; None is the
    operator at the command line, who may change everything.
    """
    path = Path(path)
    today = today or datetime.now(UTC).date()
    report = ImportReport(file=path.name)
    errors = Errors()
    rows: list[Row] = []
    try:
        sheets = read_sheets(path)
    except FileProblem as problem:
        errors.file(path.name, problem.message, **problem.params)
    else:
        rows = parse_sheets(path.name, sheets, errors)
    plan = _existing(session, rows, today)
    _check(rows, plan, errors, acting_user, session)
    if errors.items:
        session.rollback()
        order = {sheet: index for index, sheet in enumerate(dict.fromkeys(r.sheet.label for r in rows))}
        report.errors = sorted(errors.items, key=lambda e: (order.get(e.sheet or "", -1), e.row or 0))
        return report

    writer = _Writer(session, plan, acting_user)
    writer.reported = {(_cf(r.values["project"]), _cf(r.values["task"])) for r in rows if r.kind == "progress" and r.ok}
    try:
        with session.no_autoflush:
            for kind in ("projects", "budget", "workers", "members", "tasks"):
                getattr(writer, kind)([r for r in rows if r.kind == kind])
            assert plan.history is not None
            plan.history.write(writer, {kind: [r for r in rows if r.kind == kind] for kind in KINDS})
            report.warnings = writer.warnings + budget_gaps(
                session, [session.get(Project, i) for i in sorted(writer.touched)]
            )
        report.created, report.updated, report.unchanged = writer.created, writer.updated, writer.unchanged
        if writer.changes:
            project = session.get(Project, next(iter(writer.touched))) if len(writer.touched) == 1 else None
            ctx = Context(
                session=session,
                user=acting_user or User(name="sitebot import"),
                today=today,
                source_text=f"sitebot import {path.name}",
            )
            entry = audit.record(
                ctx, "import", project, writer.changes, f"import {path.name}: " + report.render("en").split(": ", 1)[-1]
            )
            report.audit_id = entry.id
            for project_id in sorted(writer.touched):  # a running bot checks them at once for immediate alerts
                alert_checks.keep(
                    session=session,
                    project_id=project_id,
                    sections=ALERT_SECTIONS,
                    user_id=acting_user.id if acting_user else None,
                    day=today,
                    now=datetime.now(UTC),
                )
        if commit:
            session.commit()
    except Exception:
        session.rollback()
        log.exception("import of %s failed while writing", path.name)
        report.created, report.updated, report.unchanged, report.audit_id = {}, {}, {}, None
        errors.file(path.name, _WRITE_FAILED)
        report.errors = errors.items
    return report
