"""Slash commands: deterministic, each forced to one tool, read with the parser's own extractors.

`/log 李四 1 昨天 加班2` (`/log 李四 0.5 昨天 更正` replaces that day's entry), `/cost 材料 8000 钢筋`,
`/fund in 200000 甲方`, `/progress 砌体工程 40`, `/summary 上周`;
key=value works everywhere (`/log worker=李四 days=1 date=2026-11-24`). A command alone, or `/help NAME`, shows its
help; a command missing a required value returns its help with what is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.parser.analysis import Analysis, normalise
from bot.parser.dates import find as find_dates
from bot.parser.lexicon import Lexicon, fold
from bot.parser.numbers import decimal_text, number
from bot.parser.plan import Plan, writes
from bot.parser.rules import unread_question, unread_time
from tools import args as tool_args
from tools.base import FIELD_LABELS, Call, Text


@dataclass(frozen=True)
class Command:
    tool: str
    required: tuple[str, ...]
    help: Text


COMMANDS: dict[str, Command] = {
    "log": Command(
        "log_labor",
        ("worker",),
        Text(
            "/log 工人 工日 [日期] [加班N] [更正] — 记点工；加“更正”替换那天已记的\n例：/log 李四 1 昨天 加班2\n"
            "    /log 王五 赵六 0.5\n    /log 张三 10小时 11月20日\n    /log worker=李四 days=1 date=2026-11-24\n"
            "    /log 李四 0.5 昨天 更正\n    /log worker=李四 days=0.5 date=2026-11-24 correction=true",
            "/log WORKER DAYS [DATE] [overtime N] [correction] — log day labour; "
            "“correction” replaces that day's entry\n"
            "e.g. /log Mike 1 yesterday overtime 2\n     /log Tom 0.5\n     /log Mike 10h Nov 23\n"
            "     /log worker=Mike days=1 date=2026-11-24\n     /log Mike 0.5 yesterday correction\n"
            "     /log worker=Mike days=0.5 date=2026-11-24 correction=true",
        ),
    ),
    "advance": Command(
        "record_advance",
        ("worker", "amount"),
        Text(
            "/advance 工人 金额 [日期] — 记借支\n例：/advance 张三 500\n    /advance 李四 一千 昨天",
            "/advance WORKER AMOUNT [DATE] — record an advance to a worker\ne.g. /advance Tom 500",
        ),
    ),
    "settle": Command(
        "settle_wages",
        ("worker", "amount"),
        Text(
            "/settle 工人 金额 [日期] — 结算工资\n例：/settle 张三 3000\n    /settle 李四 8600 11月20日",
            "/settle WORKER AMOUNT [DATE] — record wages paid out\ne.g. /settle Mike 3000",
        ),
    ),
    "cost": Command(
        "add_cost",
        ("category", "amount"),
        Text(
            "/cost 科目 金额 [备注] [日期] — 记成本（科目：人工/材料/机械/分包/管理，或物品如 钢筋、吊车）\n"
            "例：/cost 材料 8000 钢筋\n    /cost 吊车 2800 昨天\n    /cost category=overhead amount=350 note=办公用品",
            "/cost CATEGORY AMOUNT [NOTE] [DATE] — record a cost (labor/materials/machinery/subcontract/overhead, "
            "or an item like rebar, crane)\ne.g. /cost materials 8000 rebar\n     /cost crane 2800 yesterday",
        ),
    ),
    "fund": Command(
        "record_fund",
        ("direction", "amount"),
        Text(
            "/fund in|out 金额 [对方] [日期] — 记资金收支（in 收款，out 付款）\n例：/fund in 200000 甲方\n"
            "    /fund out 10万 钢材厂",
            "/fund in|out AMOUNT [COUNTERPARTY] [DATE] — money received (in) or paid (out)\n"
            "e.g. /fund in 200000 Harbor Logistics\n     /fund out 50k BlueScope Steel",
        ),
    ),
    "progress": Command(
        "update_task_progress",
        ("task", "percent"),
        Text(
            "/progress 任务 百分比 [日期] — 更新任务进度\n例：/progress 砌体工程 40\n    /progress 主体结构 60% 昨天",
            "/progress TASK PERCENT [DATE] — update a task's percent complete\ne.g. /progress Roofing 40",
        ),
    ),
    "budget": Command(
        "budget_status",
        (),
        Text(
            "/budget [科目] [项目] — 预算执行情况\n例：/budget\n    /budget 材料\n    /budget 滨江路",
            "/budget [CATEGORY] [PROJECT] — budget vs actual\ne.g. /budget\n     /budget labor Riverside",
        ),
    ),
    "schedule": Command(
        "schedule_status",
        (),
        Text(
            "/schedule [项目] — 延期、滞后和即将开始/结束的任务\n例：/schedule\n    /schedule 滨江路",
            "/schedule [PROJECT] — late, at-risk and upcoming tasks\ne.g. /schedule Riverside",
        ),
    ),
    "cash": Command(
        "fund_status",
        (),
        Text(
            "/cash [项目] — 账上余额、本月收支和近期用款\n例：/cash\n    /cash 滨江路",
            "/cash [PROJECT] — balance, this month's in/out and upcoming needs\ne.g. /cash Riverside",
        ),
    ),
    "summary": Command(
        "labor_summary",
        (),
        Text(
            "/summary [期间] [工人] [按工种|按天] [导出] — 点工汇总（默认本月）\n"
            "例：/summary 上周\n    /summary 张三 本月\n    /summary 上个月 按工种 导出",
            "/summary [PERIOD] [WORKER] [by trade|by day] [export] — labour summary (default: this month)\n"
            "e.g. /summary last week\n     /summary Mike this month export",
        ),
    ),
    "health": Command(
        "project_health",
        (),
        Text(
            "/health [项目] — 挣值分析：CPI、SPI、预计完工成本\n例：/health\n    /health 滨江路",
            "/health [PROJECT] — earned value: CPI, SPI, forecast at completion\ne.g. /health Riverside",
        ),
    ),
    "chart": Command(
        "show_chart",
        (),
        Text(
            "/chart budget|scurve|labor [项目] — 图表：预算对比、成本曲线（S曲线）、近30天点工\n例：/chart budget\n"
            "    /chart scurve 滨江路",
            "/chart budget|scurve|labor [PROJECT] — chart: budget vs actual, cost S-curve, labour per day\n"
            "e.g. /chart budget\n     /chart scurve Riverside",
        ),
    ),
    "export": Command(
        "export",
        (),
        Text(
            "/export labor [YYYY-MM] | costs [YYYY-MM] | budget | statement 工人 [YYYY-MM] — 导出 Excel\n"
            "例：/export labor 2026-11\n    /export costs\n    /export statement 张三 2026-11",
            "/export labor [YYYY-MM] | costs [YYYY-MM] | budget | statement WORKER [YYYY-MM] — export xlsx\n"
            "e.g. /export labor 2026-11\n     /export budget\n     /export statement Mike 2026-11",
        ),
    ),
    "undo": Command("undo_last", (), Text("/undo — 撤回你上一条记录", "/undo — undo your last entry")),
    "projects": Command(
        "list_projects", (), Text("/projects — 我能看到的项目", "/projects — the projects you can see")
    ),
}

_OVERVIEW = Text(
    "可用命令（/help 命令名 查看用法）：\n{lines}\n"
    "在 Telegram 里还有：/invite 项目 角色、/join 邀请码、/members、/role 成员 角色、/remove 成员、/alerts on|off、"
    "/subscribe [HH:MM]、/unsubscribe、/lang zh|en、/project 代码\n"
    "也可以直接说，例如“李四昨天一个工”“买钢筋花了8000”。",
    "Commands (/help NAME for details):\n{lines}\n"
    "In Telegram also: /invite PROJECT ROLE, /join CODE, /members, /role MEMBER ROLE, /remove MEMBER, "
    "/alerts on|off, /subscribe [HH:MM], /unsubscribe, /lang zh|en, /project CODE\n"
    "Or just say it, e.g. “Mike worked a full day yesterday”.",
)
_UNKNOWN = Text("没有这个命令：/{name}", "Unknown command: /{name}")
_MISSING = Text("缺少：{fields}", "Missing: {fields}")
_BAD_VALUE = Text("看不懂 {key}={value}", "Cannot read {key}={value}")
_NO_WORKER = Text("没有找到工人“{name}”{near}", "No worker called “{name}”{near}")
_NEAR = Text("，你是说{names}吗？", ". Did you mean {names}?")
_NO_TASK = Text("没有找到任务“{name}”。现有：{options}", "No task called “{name}”. Known: {options}")
_NO_PROJECT = Text("没有找到项目“{name}”", "No project called “{name}”")
_UNKNOWN_KEY = Text(
    "不认识参数“{key}”，这次没有记录。/{name} 可用的参数：{keys}",
    "Unknown key “{key}”; nothing was recorded. /{name} takes: {keys}",
)
_UNKNOWN_CATEGORY = Text(
    "不认识成本科目“{word}”。可用：人工费/材料费/机械费/分包费/管理费，或物品如 钢筋、吊车。",
    "“{word}” is not a cost category I know. Use labor/materials/machinery/subcontract/overhead, or an item "
    "like rebar or crane.",
)
# /settle 张三 结清 (or settle all): pay everything owed.
_ALL_RE = re.compile(r"结清|全部|所有|(?<![a-z])all(?![a-z])", re.I)
_FIELD_EXTRA = {"direction": Text("收支方向（in 或 out）", "direction (in or out)")}

_COMMAND_RE = re.compile(r"^/([a-z_]+)(?:@[\w.]+)?(?:\s+(.*))?$", re.S)
_KEY_VALUE_RE = re.compile(r"(?<!\S)([a-z_]+)\s*=\s*(\"[^\"]*\"|'[^']*'|\S+)")
_KEYS = {
    "project": "project",
    "worker": "worker",
    "date": "date",
    "days": "days",
    "hours": "hours",
    "overtime": "overtime_hours",
    "overtime_hours": "overtime_hours",
    "ot": "overtime_hours",
    "rate": "daily_rate",
    "daily_rate": "daily_rate",
    "note": "note",
    "amount": "amount",
    "category": "category",
    "vendor": "vendor",
    "task": "task",
    "percent": "percent",
    "direction": "direction",
    "counterparty": "counterparty",
    "start": "start",
    "end": "end",
    "group_by": "group_by",
    "by": "group_by",
    "export": "export",
    "correction": "correction",
    "correct": "correction",
}
# /log … 更正 (or correction): replace that day's entry instead of adding one.
_CORRECTION_RE = re.compile(r"更正|纠正|改正|修正|(?<![a-z])(?:correction|correct)(?![a-z])", re.I)
_YES = {"true", "yes", "y", "1", "是", "对"}
_NO = {"false", "no", "n", "0", "否", "不"}
_DIRECTION_RE = re.compile(r"^\s*(in|out|收入|收款|收|入|进|支出|付款|付|出)(?![a-z])")
_DIRECTIONS = {
    "in": "in",
    "收入": "in",
    "收款": "in",
    "收": "in",
    "入": "in",
    "进": "in",
    "out": "out",
    "支出": "out",
    "付款": "out",
    "付": "out",
    "出": "out",
}


def _taken(tool: str) -> frozenset[str]:
    """The keys a command reads: its tool's arguments that key=value can set (undo and projects take none)."""
    if tool in ("undo_last", "list_projects"):
        return frozenset()
    model = getattr(tool_args, "".join(part.title() for part in tool.split("_")), None)
    fields = model.model_fields if model is not None else {}
    return frozenset(key for key in (*_KEYS.values(), "all") if key in fields)


def help_text(name: str | None, language: str) -> str:
    """One command's help, or the overview of all of them."""
    if name and name.lstrip("/") in COMMANDS:
        return COMMANDS[name.lstrip("/")].help.render(language)
    lines = "\n".join(c.help.render(language).split("\n")[0] for c in COMMANDS.values())
    return _OVERVIEW.render(language, lines=lines + "\n/help — " + ("帮助" if language == "zh" else "this help"))


def parse_command(text: str, lexicon: Lexicon, *, today: date, project_code: str | None, language: str) -> Plan | str:
    """A slash command → a Plan (source "command"), or help text to show (str)."""
    match = _COMMAND_RE.match(fold(normalise(text)))
    if match is None:
        return help_text(None, language)
    name, rest = match[1], (match[2] or "").strip()
    raw_rest = normalise(text)[match.start(2) :] if match[2] else ""
    if name in ("help", "start"):
        return help_text(rest.split()[0] if rest else None, language)
    command = COMMANDS.get(name)
    if command is None:
        return _UNKNOWN.render(language, name=name[:30]) + "\n\n" + help_text(None, language)
    if not rest and command.required:
        return command.help.render(language)
    if name in ("chart", "export"):
        return _picture_or_file(name, command, raw_rest, lexicon, today, project_code, language)
    try:
        return _Builder(command, raw_rest, lexicon, today, project_code, language, name).build()
    except _Reply as reply:
        return reply.value


class _Reply(Exception):
    def __init__(self, value: Plan | str) -> None:
        super().__init__("reply")
        self.value = value


class _Builder:
    def __init__(
        self,
        command: Command,
        rest: str,
        lexicon: Lexicon,
        today: date,
        project_code: str | None,
        language: str,
        command_name: str = "",
    ) -> None:
        self.command, self.lexicon, self.today, self.language = command, lexicon, today, language
        self.keys: dict[str, str] = {}
        free = rest
        taken = _taken(command.tool)
        for m in _KEY_VALUE_RE.finditer(fold(rest)):
            key = _KEYS.get(m[1], m[1])
            if key not in taken:  # never dropped in silence: a key the command does not take (user=admin) is named
                known = " ".join(k for k, v in _KEYS.items() if v in taken and k == v) or "—"
                raise _Reply(self._ask(_UNKNOWN_KEY.render(language, key=m[1][:30], name=command_name, keys=known)))
            value = rest[m.start(2) : m.end(2)].strip("\"'")
            self.keys[key] = value
            free = free[: m.start()] + " " * (m.end() - m.start()) + free[m.end() :]
        self.direction: str | None = None
        self.correction = False
        if command.tool == "log_labor":
            free, found = _CORRECTION_RE.subn(lambda m: " " * len(m[0]), free)
            self.correction = bool(found)
        if command.tool == "record_fund":
            d = _DIRECTION_RE.match(fold(free))
            if d:
                self.direction = _DIRECTIONS[d[1]]
                free = " " * d.end() + free[d.end() :]
        if "project" in self.keys:
            hits = lexicon.find_projects(fold(self.keys["project"]))
            if not hits:
                raise _Reply(self._ask(_NO_PROJECT.render(language, name=self.keys["project"][:40])))
            project_code = hits[0].value
            project_code_named = True
        else:
            project_code_named = False
        # a bare number in a payment command is its amount (/settle 张三 1), never days
        money = command.tool in ("record_advance", "settle_wages")
        self.settle_all = command.tool == "settle_wages" and bool(_ALL_RE.search(free))
        if self.settle_all:
            free = _ALL_RE.sub(lambda m: " " * len(m[0]), free)
        self.an = Analysis(free, lexicon, today, project_code, language, money=money)
        if project_code_named:
            self.an.projects = []
        self.args: dict[str, Any] = {}
        if self.an.project:
            self.args["project"] = self.an.project

    # -- helpers ---------------------------------------------------------------------------------

    def _ask(self, question: str) -> Plan:
        return Plan(calls=[], source="command", confident=False, question=question)

    def _missing(self, fields: list[str]) -> str:
        labels = [(_FIELD_EXTRA.get(f) or FIELD_LABELS.get(f) or Text(f, f)).render(self.language) for f in fields]
        sep = "、" if self.language == "zh" else ", "
        return (
            _MISSING.render(self.language, fields=sep.join(labels)) + "\n\n" + self.command.help.render(self.language)
        )

    def _number(self, key: str) -> Decimal:
        value = number(self.keys[key].rstrip("%").replace("元", "").replace("块", ""))
        if value is None:
            raise _Reply(
                _BAD_VALUE.render(self.language, key=key, value=self.keys[key][:30])
                + "\n\n"
                + self.command.help.render(self.language)
            )
        return value

    def _date(self, key: str) -> date:
        value = self.keys[key]
        try:
            return date.fromisoformat(value)
        except ValueError:
            spans = find_dates(fold(value), self.today)
            if len(spans) == 1:
                return spans[0].start if key != "end" else spans[0].end
        raise _Reply(
            _BAD_VALUE.render(self.language, key=key, value=value[:30])
            + "\n\n"
            + self.command.help.render(self.language)
        )

    def _entry_date(self) -> None:
        if "date" in self.keys:
            self.args["date"] = self._date("date").isoformat()
            return
        day = self.an.entry_date(described=self.command.tool != "log_labor")
        if isinstance(day, str):
            raise _Reply(self._ask(day))
        unread = unread_time(self.an)  # 头天, 月底: a day not read is never taken for today
        if unread:
            raise _Reply(self._ask(unread_question(self.an, unread)))
        self.args["date"] = day.isoformat()

    def _workers(self) -> list[str]:
        if "worker" in self.keys:
            sure, near = self.lexicon.resolve_worker(self.keys["worker"])
            if len(sure) == 1:
                return sure
            raise _Reply(self._ask(self._unknown_worker(self.keys["worker"], near or sure)))
        workers, question = self.an.workers
        if question:
            raise _Reply(self._ask(question))
        if not workers:
            leftover = re.findall(r"[^\s\d|.,%]{2,}", self.an.text)
            if leftover:
                _, near = self.lexicon.resolve_worker(leftover[0])
                raise _Reply(self._ask(self._unknown_worker(leftover[0], near)))
        return [w.name for w in workers]

    def _unknown_worker(self, name: str, near: list[str]) -> str:
        near_text = _NEAR.render(self.language, names="、".join(near[:3])) if near else ""
        return _NO_WORKER.render(self.language, name=name[:40], near=near_text)

    def _amount(self) -> str | None:
        if "amount" in self.keys:
            return decimal_text(self._number("amount"))
        amount = self.an.amount()
        if isinstance(amount, str):
            raise _Reply(self._ask(amount))
        return decimal_text(amount) if amount is not None else None

    def _done(self, calls: list[Call], missing: list[str]) -> Plan | str:
        if missing:
            return self._missing(missing)
        return Plan(calls=calls, source="command", confident=True)

    # -- per tool --------------------------------------------------------------------------------

    def build(self) -> Plan | str:
        tool = self.command.tool
        if tool in ("undo_last", "list_projects"):
            return Plan(calls=[Call(tool, {})], source="command", confident=True)
        signed = self.an.negative or next((v for v in self.keys.values() if v.lstrip()[:1] in ("-", "−")), None)
        if signed and writes(tool):  # /log 王五 -1: a refund? a mistake? never read as positive
            return self._ask(self.an.t("sign", figure=signed))
        return getattr(self, f"_{tool}")()

    def _log_labor(self) -> Plan | str:
        workers = self._workers()
        if not workers:
            return self._missing(["worker"])
        self._entry_date()
        quantities = self.an.quantities
        values: dict[str, Any] = {}
        for kind, key in (("days", "days"), ("hours", "hours"), ("overtime", "overtime_hours")):
            found = [q.value for q in quantities if q.kind == kind]
            if len(found) > 1:
                return self._missing([key])
            if found:
                values[key] = decimal_text(found[0])
        bare = [a for a in self.an.amounts if not a[1]]
        if bare and "days" not in values and "hours" not in values and len(bare) == 1:
            values["days"] = decimal_text(bare[0][0])
        elif bare:
            raise _Reply(self._ask(self.an.t("ambiguous")))
        for key in ("days", "hours", "overtime_hours", "daily_rate"):
            if key in self.keys:
                values[key] = decimal_text(self._number(key))
        if self.an.rate is not None and "daily_rate" not in values:
            values["daily_rate"] = decimal_text(self.an.rate)
        if "note" in self.keys:
            values["note"] = self.keys["note"]
        if not ({"days", "hours", "overtime_hours"} & values.keys()):
            return self._missing(["days"])
        if self._correction():
            if "date" not in self.keys and not self.an.spans:  # which day's entry is replaced must be said
                example = (self.today - timedelta(days=1)).isoformat()
                return self._ask(self.an.t("fix_which_day", worker=workers[0], day=example))
            if not ({"days", "hours"} & values.keys()):  # the day's 工 would be lost
                return self._ask(self.an.t("fix_how_much", who=workers[0], day=self.args["date"]))
            values["correction"] = True
        return self._done([Call("log_labor", {**self.args, "worker": w, **values}) for w in workers], [])

    def _flag(self, key: str) -> bool:
        """A yes/no key (all=true, correction=false); anything else is refused by name."""
        if key not in self.keys:
            return False
        value = fold(self.keys[key])
        if value in _YES or value in _NO:
            return value in _YES
        raise _Reply(
            _BAD_VALUE.render(self.language, key=key, value=self.keys[key][:30])
            + "\n\n"
            + self.command.help.render(self.language)
        )

    def _correction(self) -> bool:
        """更正 in the text, or correction=true; correction=false wins over the word."""
        if "correction" not in self.keys:
            return self.correction
        return self._flag("correction")

    def _payment(self, tool: str) -> Plan | str:
        workers = self._workers()
        if len(workers) > 1:
            return self._ask(self.an.t("one_worker"))
        if tool == "settle_wages" and (self.settle_all or self._flag("all")):
            if not workers:
                return self._missing(["worker"])
            if self._amount() is not None:
                return self._ask(self.an.t("which_amount"))
            self._entry_date()
            args = {**self.args, "worker": workers[0], "date": self.args["date"], "all": True}
            question = self.an.t("settle_all", worker=workers[0])
            return Plan(calls=[Call(tool, args)], source="command", confirm=True, question=question)
        amount = self._amount()
        missing = [f for f, v in (("worker", workers), ("amount", amount)) if not v]
        if missing:
            return self._missing(missing)
        self._entry_date()
        args = {**self.args, "worker": workers[0], "amount": amount, "date": self.args["date"]}
        if "note" in self.keys:
            args["note"] = self.keys["note"]
        return self._done([Call(tool, args)], [])

    def _record_advance(self) -> Plan | str:
        return self._payment("record_advance")

    def _settle_wages(self) -> Plan | str:
        return self._payment("settle_wages")

    def _leftover(self, *spans: tuple[int, int]) -> str | None:
        """What the user typed that no extractor took: a note or a counterparty."""
        text = list(self.an.text)
        for begin, end in spans:
            for i in range(begin, end):
                text[i] = " "
        kept = "".join(self.an.raw[i] if ch != " " and ch != "|" else " " for i, ch in enumerate(text))
        kept = re.sub(r"\s+", " ", kept).strip(" ,，、")
        return kept or None

    def _add_cost(self) -> Plan | str:
        amount = self._amount()
        if "category" in self.keys:
            category: str | None = self._category(self.keys["category"])
            clear = category is not None
        else:
            category, _, clear = self.an.category()
        if category is None and clear:
            word = self.keys.get("category") or self._leftover(*((a[2], a[3]) for a in self.an.amounts))
            if word:  # /cost 杂七杂八 101: say which word is no category, not that one is missing
                return self._ask(_UNKNOWN_CATEGORY.render(self.language, word=word[:30]))
        missing = [f for f, v in (("category", category and clear), ("amount", amount)) if not v]
        if missing:
            return self._missing(missing)
        self._entry_date()
        args = {**self.args, "category": category, "amount": amount, "date": self.args["date"]}
        words, _, own = self.an.categories
        note = self.keys.get("note") or self._leftover(*((h.begin, h.end) for h in (*words, *own)))
        if "vendor" in self.keys:
            args["vendor"] = self.keys["vendor"]
        if note:
            args["note"] = note
        return self._done([Call("add_cost", args)], [])

    def _category(self, value: str) -> str | None:
        an = Analysis(value, self.lexicon, self.today, self.an.project, self.language)
        category, _, clear = an.category()
        return category if clear else None

    def _record_fund(self) -> Plan | str:
        direction = self.keys.get("direction", self.direction)
        if direction is not None:
            direction = _DIRECTIONS.get(fold(direction), direction)
        amount = self._amount()
        missing = [f for f, v in (("direction", direction in ("in", "out")), ("amount", amount)) if not v]
        if missing:
            return self._missing(missing)
        self._entry_date()
        args = {**self.args, "direction": direction, "amount": amount, "date": self.args["date"]}
        counterparty = self.keys.get("counterparty") or self._leftover()
        if counterparty:
            args["counterparty"] = counterparty
        if "note" in self.keys:
            args["note"] = self.keys["note"]
        return self._done([Call("record_fund", args)], [])

    def _update_task_progress(self) -> Plan | str:
        project = self.an.project
        if "task" in self.keys:
            hits = self.lexicon.find_tasks(fold(self.keys["task"]), project)
            task = hits[0].value if len(hits) == 1 else None
            if task is None:
                options = "、".join(self.lexicon.task_names(project)) or "—"
                return self._ask(_NO_TASK.render(self.language, name=self.keys["task"][:40], options=options))
        else:
            names = list(dict.fromkeys(h.value for h in self.lexicon.find_tasks(self.an.text, project)))
            task = names[0] if len(names) == 1 else None
        if "percent" in self.keys:
            percent: Decimal | None = self._number("percent")
        else:
            percent = self.an.percent
            bare = [a for a in self.an.amounts if not a[1]]
            if percent is None and len(bare) == 1:
                percent = bare[0][0]
        if percent is not None and not 0 <= percent <= 100:
            percent = None
        missing = [f for f, v in (("task", task), ("percent", percent is not None)) if not v]
        if missing:
            return self._missing(missing)
        self._entry_date()
        assert percent is not None
        args = {**self.args, "task": task, "percent": decimal_text(percent), "date": self.args["date"]}
        if self._flag("correction"):
            args["correction"] = True
        if "note" in self.keys:
            args["note"] = self.keys["note"]
        return self._done([Call("update_task_progress", args)], [])

    def _budget_status(self) -> Plan | str:
        if "category" in self.keys:
            category = self._category(self.keys["category"])
        else:
            category, _, clear = self.an.category()
            category = category if clear else None
        args = dict(self.args)
        if category:
            args["category"] = category
        return self._done([Call("budget_status", args)], [])

    def _project_only(self, tool: str) -> Plan | str:
        return self._done([Call(tool, dict(self.args))], [])

    def _schedule_status(self) -> Plan | str:
        return self._project_only("schedule_status")

    def _fund_status(self) -> Plan | str:
        args = dict(self.args)
        if self.an.period:
            args["start"], args["end"] = self.an.period[0].isoformat(), self.an.period[1].isoformat()
        for key in ("start", "end"):
            if key in self.keys:
                args[key] = self._date(key).isoformat()
        if "counterparty" in self.keys:
            args["counterparty"] = self.keys["counterparty"]
        return self._done([Call("fund_status", args)], [])

    def _project_health(self) -> Plan | str:
        return self._project_only("project_health")

    def _labor_summary(self) -> Plan | str:
        args = dict(self.args)
        workers = self._workers() if ("worker" in self.keys or self.an.worker_hits) else []
        if workers:
            args["worker"] = workers[0]
        if self.an.period:
            args["start"], args["end"] = self.an.period[0].isoformat(), self.an.period[1].isoformat()
        for key in ("start", "end"):
            if key in self.keys:
                args[key] = self._date(key).isoformat()
        low = self.an.low
        group = self.keys.get("group_by")
        if group in ("worker", "trade", "day"):
            args["group_by"] = group
        elif re.search(r"按工种|工种|by trade|trade", low):
            args["group_by"] = "trade"
        elif re.search(r"按天|按日|by day|daily", low):
            args["group_by"] = "day"
        if self.keys.get("export", "").lower() in ("1", "true", "yes", "是") or re.search(
            r"导出|excel|xlsx|export", low
        ):
            args["export"] = True
        return self._done([Call("labor_summary", args)], [])


# -- /chart and /export ---------------------------------------------------------------------------------

_CHART_KINDS = {
    "budget": "budget",
    "预算": "budget",
    "scurve": "scurve",
    "s": "scurve",
    "s曲线": "scurve",
    "成本曲线": "scurve",
    "曲线": "scurve",
    "labor": "labor",
    "labour": "labor",
    "点工": "labor",
    "人工": "labor",
    "工日": "labor",
}
_EXPORT_KINDS = {
    "labor": "labor",
    "labour": "labor",
    "点工": "labor",
    "costs": "costs",
    "cost": "costs",
    "费用": "costs",
    "成本": "costs",
    "budget": "budget",
    "预算": "budget",
    "statement": "statement",
    "对账单": "statement",
    "工资单": "statement",
}
_MONTH_WORD = re.compile(r"^\d{4}-\d{1,2}$")


def _picture_or_file(
    name: str, command: Command, rest: str, lexicon: Lexicon, today: date, project_code: str | None, language: str
) -> Plan | str:
    """/chart KIND [PROJECT] and /export KIND [...]: the kind first, then a month (YYYY-MM), a project, a worker."""
    words = rest.split()
    kinds = _CHART_KINDS if name == "chart" else _EXPORT_KINDS
    kind = kinds.get(fold(words[0])) if words else None
    if kind is None:
        return command.help.render(language)
    args: dict[str, Any] = {}
    months = [w for w in words[1:] if _MONTH_WORD.match(w)]
    others = [w for w in words[1:] if not _MONTH_WORD.match(w)]
    project = project_code
    for word in list(others):
        hits = lexicon.find_projects(fold(word))
        if hits and len(hits[0].word) == len(word):
            project = hits[0].value
            others.remove(word)
    if project:
        args["project"] = project
    plan = lambda tool, more: Plan(calls=[Call(tool, {**args, **more})], source="command", confident=True)  # noqa: E731
    if name == "chart":
        return plan("show_chart", {"kind": kind})
    month = {"month": months[0]} if months else {}
    if kind == "budget":
        return plan("export_budget", {})
    if kind in ("labor", "costs"):
        return plan(f"export_{kind}", month)
    if not others:
        return (
            _MISSING.render(language, fields=FIELD_LABELS["worker"].render(language))
            + "\n\n"
            + command.help.render(language)
        )
    statement: dict[str, Any] = {"worker": " ".join(others), "export": True}
    if months:
        from tools.exports import month_range_of

        period = month_range_of(months[0])
        if period is None:
            return command.help.render(language)
        statement["start"], statement["end"] = period[0].isoformat(), period[1].isoformat()
    return plan("worker_statement", statement)
