"""Managing the project in words, and asking for its papers: add a worker, change a rate, a task started, piece
work (包工), a worker's statement (对账单, 工资条) and the charts.

Each reader here looks for its own marker words first (添加工人, 日工资涨到, 开工, 每平35, 对账单, 曲线) and returns
None when they are absent, so the rest of the parser reads the message as before. When the marker is there but a
figure or a name is missing or unclear, it asks; it never guesses a rate, a count or a person.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bot.parser.analysis import Analysis, ask, one
from bot.parser.numbers import NUMBER, decimal_text, number
from bot.parser.plan import Plan
from bot.parser.words import EXPORT_RE
from tools.base import Call, Text

_Q = {
    "rate": Text(
        "日工资是多少？例如“添加工人刘德华 木工 日工资350”。",
        "What is the day rate? E.g. “add worker Jack Wu, labourer, 240 a day”.",
    ),
    "name": Text(
        "新工人叫什么名字？例如“添加工人刘德华 木工 日工资350”。",
        "What is the new worker's name? E.g. “add worker Jack Wu, labourer, 240 a day”.",
    ),
    "new_rate": Text(
        "{worker}的日工资改成多少？例如“{worker}日工资涨到400，从12月1日起”。",
        "What is {worker}'s new day rate? E.g. “{worker}'s rate goes up to 400 from Dec 1”.",
    ),
    "confirm_rate": Text(
        "把{worker}的日工资改为 ¥{rate}，从 {start} 起？回复“是”确认。",
        "Set {worker}'s day rate to ¥{rate} from {start}? Reply “yes” to confirm.",
    ),
    "party_name": Text(
        "单位名称是什么？例如“新增供应商 宏达钢材 别名 宏达”。",
        "What is its name? E.g. “add supplier Hongda Steel aka Hongda”.",
    ),
    "which_worker": Text("是哪位工人？", "Which worker?"),
    "unit_price": Text(
        "{item}的单价是多少？例如“贴砖120平 每平35”。", "What is the price per unit? E.g. “tiling 120 m2 at 35 a m2”."
    ),
    "piece_count": Text(
        "包工的数量和单价各是多少？例如“张三 贴砖 120平 每平35”。",
        "How much was done, at what unit price? E.g. “Tom tiling 120 m2 at 35 a m2”.",
    ),
    "chart": Text("要哪张图：预算图、S曲线，还是出工图？", "Which chart: budget, S-curve or labour?"),
    "future_start": Text(
        "“{task}”还没开始的话，等开工那天再告诉我；这次没有记录。",
        "Tell me on the day “{task}” starts; nothing was recorded.",
    ),
}

_TRADES = [
    "泥瓦工",
    "钢筋工",
    "架子工",
    "油漆工",
    "水电工",
    "抹灰工",
    "模板工",
    "混凝土工",
    "防水工",
    "管道工",
    "电焊工",
    "木工",
    "瓦工",
    "泥工",
    "电工",
    "焊工",
    "杂工",
    "普工",
    "技工",
    "力工",
    "大工",
    "小工",
    "水工",
    "信号工",
    "司机",
    "labourer",
    "laborer",
    "carpenter",
    "electrician",
    "plumber",
    "welder",
    "scaffolder",
    "painter",
    "bricklayer",
    "tiler",
    "concreter",
    "rigger",
    "operator",
    "steelfixer",
    "helper",
]
_TRADE_RE = re.compile(
    "|".join(rf"(?<![a-z]){re.escape(t)}s?(?![a-z])" if t.isascii() else re.escape(t) for t in _TRADES)
)
_ADD_WORKER_RE = re.compile(
    r"(?:添加|新增|加个|加一个|加上|新加|录入|登记)\s*(?:一个|一名|个)?\s*(?:新)?\s*工人"
    rf"|新来(?:了)?(?:一个|一名|个|的)?\s*(?=工人|师傅|{_TRADE_RE.pattern})"
    r"|(?<![a-z])(?:add|new|hire|hired|register)\s+(?:a\s+)?(?:new\s+)?(?:worker|labourer|laborer|guy)(?![a-z])"
)
_RATE_FIGURE_RE = re.compile(
    rf"(?:日工资|日薪|工价|每天|一天|(?<![a-z])(?:rate|pay)(?![a-z]))\s*(?:是|为|:|of|at)?\s*[$¥]?(?P<a>{NUMBER})"
    rf"|(?P<b>{NUMBER})\s*(?:元|块)?\s*(?:一天|每天|/\s*天|(?<![a-z])(?:a|per|/)\s*day(?![a-z]))"
)
_RATE_WORD_RE = re.compile(r"日工资|日薪|工价|工资|(?<![a-z])(?:rate|day rate|daily rate|pay)(?![a-z])")
_RATE_CHANGE_RE = re.compile(
    r"涨到|涨为|涨至|涨了|调到|调为|调整为|调整到|改为|改成|变成|提到|提高到|降到|降为|加到|开始|起"
    r"|(?<![a-z])(?:goes up|go up|went up|up to|raised?|rises?|increase[sd]?|change[sd]?|drops?|new|now|from|starting)"
    r"(?![a-z])"
)
_NEW_RATE_RE = re.compile(
    rf"(?:涨到|涨为|涨至|调到|调为|调整为|调整到|改为|改成|变成|提到|提高到|降到|降为|加到|日薪|日工资|工价)\s*[$¥]?"
    rf"(?P<a>{NUMBER})"
    rf"|(?<![a-z])(?:to|is|be|at|now)\s+[$¥]?(?P<b>{NUMBER})"
)
_FROM_RE = re.compile(r"起|开始|从|以后|(?<![a-z])(?:from|starting|effective|as of|since)(?![a-z])")
_STARTED_RE = re.compile(
    r"开工|开始|进场了|动工|(?<![a-z])(?:started|kicked off|began|begun|commenced|starts?)(?![a-z])"
)
_STATEMENT_RE = re.compile(
    r"对账单|工资条|工资单|工资明细|(?<![a-z])(?:pay\s*slip|payslip|statement)(?![a-z])"
    r"|(?<![a-z])how much (?:do |did )?(?:we|i) owe(?![a-z])"
)
_CHART_RE = re.compile(r"(?<![施效蓝地])图(?![纸片])|曲线|(?<![a-z])(?:chart|graph|plot|s-?\s?curve)(?![a-z])")
_CHART_KINDS = (
    ("scurve", re.compile(r"s\s*-?\s*曲线|曲线|s-?\s?curve|挣值|earned")),
    ("labor", re.compile(r"出工|工日|考勤|人工|点工|labou?r|attendance|man-?days")),
    ("budget", re.compile(r"预算|成本|费用|budget|cost")),
)
# Piece work: a count of something built and its price per unit (贴砖120平 每平35, 8方 一方180, 40 sheets at
# 15 a sheet).
_PIECE_UNIT = r"(?:平方米|平米|平方|平(?!时|常|均)|方(?!便|法|向|案|面)|延米|米(?!饭)|㎡|m2|m³|m3|樘)"
_PIECE_EN_UNIT = r"(?:sheets?|sqm|m2|square metres?|square meters?|metres?|meters?|pieces?|units?|panels?|blocks?)"
_PIECE_COUNT_RE = re.compile(rf"(?P<n>{NUMBER})\s*(?P<u>{_PIECE_UNIT}|(?<=\d)\s?{_PIECE_EN_UNIT}(?![a-z]))")
_PIECE_PRICE_RE = re.compile(
    rf"(?:每|一)\s*(?P<u1>{_PIECE_UNIT})\s*(?:是|给|算)?\s*(?P<p1>{NUMBER})"
    rf"|单价\s*(?:是|为)?\s*(?P<p2>{NUMBER})"
    rf"|(?P<p3>{NUMBER})\s*(?:元|块)?\s*(?:一|每|/)\s*(?P<u3>{_PIECE_UNIT})"
    rf"|(?<![a-z])at\s+[$¥]?(?P<p4>{NUMBER})\s*(?:a|an|per|each|/)\s*(?P<u4>{_PIECE_EN_UNIT})"
)
_PIECE_MARK_RE = re.compile(r"包工|计件|按方|按平|(?<![a-z])piece\s*(?:work|rate)(?![a-z])")
_ITEM_FILLER_RE = re.compile(
    r"今天|昨天|前天|上午|下午|包工|计件|干了|做了|完成了?|一共|共|了|的|给|帮|和|在|(?<![a-z])"
    r"(?:hung|laid|did|done|put up|installed|fixed|today|yesterday|of|the|a|an)(?![a-z])"
)


def _figure(m: re.Match[str] | None, *groups: str) -> Decimal | None:
    if m is None:
        return None
    for group in groups:
        if m.group(group):
            value = number(m.group(group))
            return value if value is not None and value > 0 else None
    return None


_LISTS = (
    (
        "list_workers",
        re.compile(
            r"工人(?:名单|列表|清单|花名册)|(?:有|都有)?哪些工人|工人(?:都)?有(?:谁|哪些)|花名册"
            r"|(?<![a-z])(?:list (?:of |the |all )?workers|workers? list|who(?:'s| is)? on the crew|crew list)(?![a-z])"
        ),
    ),
    (
        "list_tasks",
        re.compile(
            r"任务(?:列表|清单|名单)|(?:有|都有)?哪些任务|(?<![a-z])(?:list (?:of |the |all )?tasks|task list)(?![a-z])"
        ),
    ),
    (
        "list_members",
        re.compile(r"(?:项目|群)?成员(?:名单|列表|有哪些|有谁)?$|(?<![a-z])(?:list (?:the )?members|members)\W*$"),
    ),
    (
        "list_counterparties",
        re.compile(
            r"往来单位|供应商(?:名单|列表|有哪些)?$|应付(?:款|账款)?(?:多少|情况|明细)|欠.{1,12}?(?:多少|几)"
            r"|(?<![a-z])(?:payables|suppliers|who do we owe|how much do we owe)(?![a-z])"
        ),
    ),
)


_ADD_PARTY_RE = re.compile(
    r"(?:添加|新增|加个|加一个|新加|登记|录入)\s*(?:一个|一家|个)?\s*(?P<kind>供应商|供货商|材料商|分包商?|分包队|劳务队|甲方|业主)"
    r"|(?<![a-z])(?:add|new|register)\s+(?:a\s+)?(?P<en>supplier|vendor|subcontractor|sub|owner|client)(?![a-z])"
)
_PARTY_KINDS = {
    "供应商": "supplier",
    "供货商": "supplier",
    "材料商": "supplier",
    "supplier": "supplier",
    "vendor": "supplier",
    "分包": "subcontractor",
    "分包商": "subcontractor",
    "分包队": "subcontractor",
    "劳务队": "subcontractor",
    "subcontractor": "subcontractor",
    "sub": "subcontractor",
    "甲方": "owner",
    "业主": "owner",
    "owner": "owner",
    "client": "owner",
}
_ALIAS_RE = re.compile(r"(?:别名|简称|又叫|也叫|(?<![a-z])(?:aka|also called|alias))\s*[:：]?\s*(?P<aliases>.+)$")


def _add_party(an: Analysis, m: re.Match[str]) -> Plan:
    """新增供应商宏达钢材 别名宏达: a counterparty of the project, by a manager (the tool checks the role)."""
    kind = _PARTY_KINDS[m["kind"] or m["en"]]
    rest = an.raw[m.end() :]
    aliases: list[str] = []
    alias = _ALIAS_RE.search(rest)
    if alias:
        aliases = [a for a in re.split(r"[,，、/\s]+", alias["aliases"].strip()) if a][:5]
        rest = rest[: alias.start()]
    name = re.sub(r"^[\s,，:：]*(?:叫|名叫|named|called)?\s*|[\s,，。.!！]+$", "", rest)
    if not name or len(name) > 60 or re.search(r"\d{3,}", name):
        return ask(_Q["party_name"].render(an.language))
    args = an.with_project(name=name, kind=kind)
    if aliases:
        args["aliases"] = aliases
    return one("add_counterparty", args)


def manage_plan(an: Analysis) -> Plan | None:
    """The plan when the message manages workers, tasks or piece work, or asks for a statement, a chart or a
    list (workers with their rates, tasks, members, counterparties with what is owed)."""
    low = an.low
    party = _ADD_PARTY_RE.search(low)
    if party is not None:
        return _add_party(an, party)
    if _STATEMENT_RE.search(low) and an.worker_hits:
        return _statement(an)
    if not an.worker_hits and not an.amounts:
        for tool, pattern in _LISTS:
            if pattern.search(low.strip()):
                return one(tool, an.with_project())
    if _STATEMENT_RE.search(low):
        return _statement(an)
    if _CHART_RE.search(low) and not _ADD_WORKER_RE.search(low):
        return _chart(an)
    if _ADD_WORKER_RE.search(low):
        return _add_worker(an)
    if an.worker_hits and _RATE_WORD_RE.search(low) and _RATE_CHANGE_RE.search(low) and not _PIECE_PRICE_RE.search(low):
        return _set_rate(an)
    piece = _piece(an)
    if piece is not None:
        return piece
    if an.percent is None and _STARTED_RE.search(low):
        return _started(an)
    return None


def _statement(an: Analysis) -> Plan:
    workers = list(dict.fromkeys(hit.value for hit in an.worker_hits))
    if len(workers) != 1:
        return ask(_Q["which_worker"].render(an.language))
    args = an.with_project(worker=workers[0])
    period = an.period
    if period is not None:
        start, end = period
        args["start"], args["end"] = start.isoformat(), min(end, an.today).isoformat()
    if EXPORT_RE.search(an.low):
        args["export"] = True
    return one("worker_statement", args)


def _chart(an: Analysis) -> Plan | None:
    kinds = [kind for kind, pattern in _CHART_KINDS if pattern.search(an.low)]
    if not kinds:
        return ask(_Q["chart"].render(an.language))
    return one("show_chart", an.with_project(kind=kinds[0]))


def _add_worker(an: Analysis) -> Plan:
    low = an.low
    rate_match = _RATE_FIGURE_RE.search(low)
    trade_match = _TRADE_RE.search(low)
    rest = list(an.raw)
    for m in (*_ADD_WORKER_RE.finditer(low), rate_match, trade_match):
        if m is not None:
            rest[m.start() : m.end()] = " " * (m.end() - m.start())
    for hit in an.projects:
        rest[hit.begin : hit.end] = " " * (hit.end - hit.begin)
    left = re.sub(r"[,，;；:：、.。!！]|(?<![a-z])(?:named|called|worker|,)(?![a-z])", " ", "".join(rest), flags=re.I)
    words = [re.sub(r"^(?:工人|师傅|名叫|叫)", "", w) for w in left.split()]  # 新来个工人吴六: the name is 吴六
    names = [w for w in words if w and not re.fullmatch(r"(?:叫|名叫|一个|一名|是|的|[\d.]+|元|块)", w)]
    name = (
        " ".join(names).strip() if names and all(w.isascii() for w in names) else (names[0] if len(names) == 1 else "")
    )
    name = re.sub(r"^(?:叫|名叫)", "", name)
    if not name or len(name) > 40 or re.search(r"\d", name):
        return ask(_Q["name"].render(an.language))
    rate = _figure(rate_match, "a", "b")
    if rate is None:
        return ask(_Q["rate"].render(an.language))
    args = an.with_project(name=name)
    if trade_match is not None:
        args["trade"] = an.raw[trade_match.start() : trade_match.end()].strip().rstrip("s")
    args["daily_rate"] = decimal_text(rate)
    return one("add_worker", args)


def _set_rate(an: Analysis) -> Plan | None:
    workers = list(dict.fromkeys(hit.value for hit in an.worker_hits))
    if len(workers) != 1:
        return ask(_Q["which_worker"].render(an.language))
    worker = workers[0]
    rates = {_figure(m, "a", "b") for m in _NEW_RATE_RE.finditer(an.text)} - {None}
    if len(rates) != 1:
        return ask(_Q["new_rate"].render(an.language, worker=worker))
    args = an.with_project(worker=worker, daily_rate=decimal_text(rates.pop() or Decimal(0)))
    starts = {span.ahead or span.start for span in an.spans}  # 12月1日起 said on 11-25: the coming one
    if len(starts) > 1:
        return ask(_Q["new_rate"].render(an.language, worker=worker))
    if starts:
        start = starts.pop()
        if start < an.today and not _FROM_RE.search(an.low):  # 张三昨天的工资改成300: a correction of that day
            return None
        args["start"] = start.isoformat()
    # A rate prices every day logged from its start: said once, confirmed once.
    question = _Q["confirm_rate"].render(
        an.language, worker=worker, rate=args["daily_rate"], start=args.get("start", an.today.isoformat())
    )
    return Plan(calls=[Call("set_worker_rate", args)], source="rules", confirm=True, question=question)


def _piece(an: Analysis) -> Plan | None:
    low = an.text
    counts = list(_PIECE_COUNT_RE.finditer(low))
    price = _PIECE_PRICE_RE.search(low)
    workers = list(dict.fromkeys(hit.value for hit in an.worker_hits))
    if not workers or not (counts or _PIECE_MARK_RE.search(low)):
        return None
    if price is None:
        if not counts:
            return None
        item = _item(an, counts[0].start())
        return ask(_Q["unit_price"].render(an.language, item=item or ""))
    price_span = (price.start(), price.end())
    counts = [m for m in counts if not (price_span[0] <= m.start() < price_span[1])]
    if len(workers) != 1 or len(counts) != 1:
        return ask(_Q["piece_count"].render(an.language))
    count = number(counts[0]["n"])
    unit_price = _figure(price, "p1", "p2", "p3", "p4")
    if count is None or count <= 0 or unit_price is None:
        return ask(_Q["piece_count"].render(an.language))
    item = _item(an, counts[0].start())
    if not item:
        return ask(_Q["piece_count"].render(an.language))
    day = an.entry_date()
    if isinstance(day, str):
        return ask(day)
    unit = counts[0]["u"].strip()
    args = an.with_project(
        worker=workers[0],
        item=item,
        quantity=decimal_text(count),
        unit=re.sub(r"s$", "", unit) if unit.isascii() else unit,
        unit_price=decimal_text(unit_price),
        date=day.isoformat(),
    )
    return one("log_piece_work", args)


def _item(an: Analysis, before: int) -> str | None:
    """What was built: the words just before the count (张三贴砖120平 → 贴砖), or after "of" in English."""
    english = re.search(r"(?<![a-z])of\s+([a-z][a-z -]{1,30}?)(?=\s+at\s|\s*$|,)", an.text)
    if english:
        return english[1].strip()
    head = _ITEM_FILLER_RE.sub(" ", an.text[:before])
    words = re.findall(r"[\u4e00-\u9fff]{1,8}|[a-z]{3,}", head)
    return words[-1] if words else None


def _started(an: Analysis) -> Plan | None:
    tasks = list(dict.fromkeys(hit.value for hit in an.lexicon.find_tasks(an.text, an.project)))
    if len(tasks) != 1:
        return None
    ahead = any(span.start > an.today for span in an.spans) or re.search(
        r"明天|后天|下周|下个?月|准备|打算|要|将|(?<![a-z])(?:next|tomorrow|will|going to)(?![a-z])", an.low
    )
    if ahead:
        return ask(_Q["future_start"].render(an.language, task=tasks[0]))
    day = an.entry_date()
    if isinstance(day, str):
        return ask(day)
    return one("mark_task", an.with_project(task=tasks[0], event="started", date=day.isoformat()))
