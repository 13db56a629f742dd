"""The offline parser's entry for one action: one message → planned tool calls, with no network and no model.

A message is read by analysis.Analysis; rules.py decides what it asks for (a write: labour.py, money.py,
progress.py; a read: reads.py) and checks a planned write is fully explained before it is made. It acts only when
sure: a write with an unknown or doubtful worker, a missing quantity, amount or category, a future date, a word it
could not read or anything ambiguous plans no write and asks instead.
"""

from __future__ import annotations

import re
from datetime import date

from bot.parser import explain
from bot.parser.analysis import MAX_LENGTH, QUESTIONS, Analysis, Call, ask, explicit_percents, normalise, one
from bot.parser.labour import plan_correction, plan_labor
from bot.parser.lexicon import Lexicon, find_categories, find_items, fold
from bot.parser.manage import manage_plan
from bot.parser.money import COUNT_RE, CP_ANY, PER_UNIT_RE, counterparty, plan_cost, plan_fund, plan_payment
from bot.parser.plan import Plan
from bot.parser.progress import plan_progress, progress_fix
from bot.parser.reads import CHART_RE, plan_read, read_tool
from bot.parser.words import (
    ADVANCE_RE,
    BLOCK_RE,
    CHANGE_RE,
    CORRECTION_RE,
    COST_WORD_RE,
    CREDIT_RE,
    DONE_RE,
    FIX_RE,
    FUND_IN_RE,
    FUND_OUT_RE,
    HEDGE_RE,
    LIST_RE,
    MONEY_BACK_RE,
    MONEY_WORD_RE,
    NEGATION_RE,
    ORDINAL_RE,
    PAID_WORKER_RE,
    PART_DAY_ABSENCE_RE,
    PARTY_PAY_RE,
    PERCENT_RE,
    PLACE_RE,
    PROGRESS_WORD_RE,
    PURCHASE_RE,
    QUERY_RE,
    RATE_RE,
    REPORT_RE,
    REVERSAL_RE,
    SETTLE_RE,
    UNDO_RE,
    VAGUE_AMOUNT_RE,
)
from tools.base import Text


def pays_party(an: Analysis) -> bool:
    """Money paid to a supplier or subcontractor the project knows (付宏达钢材30万, paid Holcim 20000), buying
    nothing in the same breath: a payment against what is owed to them (the tool asks when nothing is)."""
    low = an.low
    return bool(
        an.party("supplier", "subcontractor", "other")
        and PARTY_PAY_RE.search(low)
        and not PURCHASE_RE.search(low)
        and not CREDIT_RE.search(low)
    )


def write_plan(an: Analysis) -> Plan | None:
    """The write a statement asks for, a question about it, or None when it is no write at all."""
    low = an.low
    if (FIX_RE.search(low) or CHANGE_RE.search(low)) and not progress_fix(an):
        return plan_correction(an)
    if CHANGE_RE.search(low) and not CORRECTION_RE.search(low):
        return ask(an.t("ambiguous"))
    # 张三没来: someone did not work; a note we do not record. An absence for part of the day next to a part-day
    # figure (一个晌，下午没来) only says why the figure is a part.
    said = CREDIT_RE.sub(" ", low)  # 还没付, not paid yet: bought on credit, no denial
    if NEGATION_RE.search(PART_DAY_ABSENCE_RE.sub(" ", said) if an.quantities else said):
        return ask(an.t("ambiguous"))
    has_workers = bool(an.worker_hits) or bool(an.workers[1])
    if has_workers or an.workers[0]:
        if ADVANCE_RE.search(low):
            return plan_payment(an, "record_advance")
        if SETTLE_RE.search(low):
            return plan_payment(an, "settle_wages")
        if an.amounts and not an.quantities and (PAID_WORKER_RE.search(low) or an.rate is None):
            return ask(an.t("paid_worker"))  # money next to a worker, no work said: never read as a day of work
    money_in, money_out = bool(FUND_IN_RE.search(low)), bool(FUND_OUT_RE.search(low)) and not has_workers
    if not money_in and not has_workers and pays_party(an):
        return plan_fund(an, "out")  # 付宏达30万: a payment against what is owed to them, never a new cost
    if money_in and money_out:
        return ask(an.t("which_direction"))
    if money_in:
        return plan_fund(an, "in")
    if money_out:
        return plan_fund(an, "out")
    if an.percent is not None and (an.lexicon.find_tasks(an.text, an.project) or PROGRESS_WORD_RE.search(low)):
        return plan_progress(an)
    if an.workers[0] or an.workers[1]:
        return plan_labor(an)
    if an.quantities:
        category, _, clear = an.category()
        if an.amounts and (category or not clear):
            return plan_cost(an)  # 挖掘机租了两天 一天一千二: a machine's days, not a person's
        return plan_labor(an)  # work without a worker: asks which worker
    if ADVANCE_RE.search(low) or SETTLE_RE.search(low):
        return plan_payment(an, "record_advance")  # asks which worker
    if an.amounts and _about_money(an):
        return plan_cost(an)
    category, _, _ = an.category()
    if category and COST_WORD_RE.search(low):
        return plan_cost(an)  # asks how much
    return None


# Greetings, thanks and acknowledgements said on their own: a friendly reply, never a name or an amount.
_THANKS = r"谢谢(你|您|大家|各位|啦|了)?|多谢|感谢|辛苦(了|啦|大家了|各位了)?|thanks?|thank\s+you|thx|ty|cheers"
_HELLO = (
    r"你好|您好|你们好|大家好|各位好|早上好|上午好|中午好|下午好|晚上好|早安|午安|晚安|早|在吗|在不在"
    r"|hi|hello|hey|good\s+(morning|afternoon|evening|night)|morning"
)
_OK = r"好的?|好嘞|好滴|行|收到|ok|okay|嗯+|哦+|明白了?|知道了|了解|没问题|可以|noted|got\s+it|sure|cool|great|np"
_COURTESY_RE = re.compile(
    rf"(?:(?:{_THANKS}|{_HELLO}|{_OK}|各位|大家|老板|兄弟|伙计|师傅|mate|all|guys|everyone|啊|呀|哈+|啦"
    r"|了|!|,|\.|~|。|\s|👍|🙏|😊)\s*)+"
)
_GREETING = {
    "thanks": Text(
        "不客气！要记什么直接说，例如“李四昨天一个工”“买钢筋花了8000”，或发 /help 查看全部命令。",
        "You're welcome! Just tell me what to record, e.g. “Mike 1 day yesterday” or “bought rebar for "
        "8000”, or send /help for all commands.",
    ),
    "hello": Text(
        "你好！可以直接说“李四昨天一个工”“买钢筋花了8000”“上周点工汇总”，或发 /help 查看全部命令。",
        "Hi! Just tell me, e.g. “Mike 1 day yesterday”, “bought rebar for 8000”, “labour summary last "
        "week”, or send /help for all commands.",
    ),
    "ok": Text(
        "好的。要记什么直接说，例如“李四昨天一个工”“买钢筋花了8000”，或发 /help 查看全部命令。",
        "OK. Just tell me what to record, e.g. “Mike 1 day yesterday” or “bought rebar for 8000”, or send "
        "/help for all commands.",
    ),
}


def _about_money(an: Analysis) -> bool:
    """A figure is a cost only next to a word of money, a cost category or item, or a name the lexicon knows: a
    number among words nothing reads (asdkjh 哈哈 qwe 123) is not understood, never a cost to file."""
    words, items, own = an.categories
    return bool(
        any(marked for _, marked, _, _ in an.amounts)
        or MONEY_WORD_RE.search(an.low)
        or COST_WORD_RE.search(an.low)
        or words
        or items
        or own
        or an.projects
        or an.lexicon.find_tasks(an.text, an.project)
    )


def courtesy(low: str, language: str) -> Plan | None:
    """A message of nothing but greetings, thanks or an acknowledgement (你好, 收到，谢谢, thanks mate, ok): no
    calls, and a short reply saying what the bot can do, shown when no model is configured."""
    if not _COURTESY_RE.fullmatch(low) or not re.search(r"[\w\u4e00-\u9fff]", low):
        return None
    kind = (
        "thanks"
        if re.search(_THANKS, low)
        else "hello"
        if re.search(rf"(?<![a-z])(?:{_HELLO})(?![a-z])", low)
        else "ok"
    )
    return Plan(calls=[], source="none", confident=False, question=_GREETING[kind].render(language))


def prelude(raw: str, lexicon: Lexicon, language: str) -> Plan | None:
    """What is decided on a whole (normalised) message before it is read: nothing to read, a greeting, an
    injection attempt, an undo, the list of projects. None: read it."""
    if not raw or len(raw) > MAX_LENGTH or not re.search(r"[\w\u4e00-\u9fff]", raw):
        return Plan()
    low = fold(raw)
    polite = courtesy(low, language)
    if polite is not None:
        return polite
    if BLOCK_RE.search(low):
        return Plan()
    if UNDO_RE.search(low):
        if re.search(r"\d", low) or lexicon.find_workers(low):
            return ask(QUESTIONS["ambiguous"].render(language))
        return one("undo_last", {})
    if LIST_RE.search(low):
        return one("list_projects", {})
    return None


def parse_text(text: str, lexicon: Lexicon, *, today: date, project_code: str | None, language: str) -> Plan:
    """Planned tool calls for a message of one action (see the module docstring; clauses.py splits messages of
    several)."""
    raw = normalise(text)
    early = prelude(raw, lexicon, language)
    if early is not None:
        return early
    return parse_clause(Analysis(raw, lexicon, today, project_code, language))


def parse_clause(an: Analysis) -> Plan:
    """The plan for one action: a write, a question about it, or a read."""
    low = an.low
    asking = QUERY_RE.search(low) is not None
    if MONEY_BACK_RE.search(low) and not asking:
        return ask(an.t("money_back"))  # a refund or a repayment: money in, never a new cost or advance of it
    if REVERSAL_RE.search(low) and not asking:
        return ask(an.t("reversal"))  # taking an entry back is never a new entry of its figure
    managed = manage_plan(an)
    if managed is not None:
        return managed
    pending: Plan | None = None
    if not asking:
        if an.negative:  # -5000, 借支-300: a refund? a mistake? Never read as positive
            return ask(an.t("sign", figure=an.negative))
        plan = write_plan(an)
        if plan is not None and plan.writes and an.clock_question:
            return ask(an.clock_question)
        if plan is not None and (plan.calls or plan.question) and HEDGE_RE.search(an.names_masked):
            return ask(an.t("unsure"))
        if plan is not None and plan.calls:
            plan = _with_project(an, plan)
            if plan.writes and (plan.confident or plan.confirm):
                dropped = _dropped(an, plan)
                if dropped:
                    return ask(
                        an.t("dropped", words="”“".join(dropped) if an.language == "zh" else "”, “".join(dropped))
                    )
                unread = _unread(an, plan)
                if unread:
                    return ask(unread_question(an, unread))
            return plan
        if plan is None and VAGUE_AMOUNT_RE.search(an.names_masked):
            return ask(an.t("unsure"))
        pending = plan
        # A question about a write that has nothing to record (张三本月考勤) yields to a report the text names.
        # So does one with no figure that asks for a picture (画一下S曲线: no worker called 曲线 is meant).
        asks_chart = CHART_RE.search(low) is not None and not an.amounts
        if (
            plan is not None
            and plan.question
            and not asks_chart
            and (an.quantities or an.amounts or not REPORT_RE.search(low))
        ):
            return plan
    tool = read_tool(an)
    if tool is not None:
        return plan_read(an, tool)
    return pending or Plan()


def _dropped(an: Analysis, plan: Plan) -> list[str]:
    """Figures of another action that a planned write leaves out (张三今天1工借支200: the advance would drop the
    day's work): every actionable part of a message is planned, or nothing is written."""
    tools = {call.tool for call in plan.calls}
    left: list[tuple[int, int]] = []
    if "log_labor" not in tools and "add_cost" not in tools:  # a machine's days are priced in a cost
        left += [(q.begin, q.end) for q in an.quantities]
    if not tools & {"log_labor", "record_advance", "settle_wages"}:  # 张三，收到甲方30万: what of 张三?
        left += [(h.begin, h.end) for h in an.worker_hits]
    if "log_labor" not in tools and an.rate is not None:
        left += [(m.start(), m.end()) for m in RATE_RE.finditer(an.low)]
    if "update_task_progress" not in tools:
        left += [(m.start(), m.end()) for m in explicit_percents(an)]
    else:
        left += [(q.begin, q.end) for q in an.quantities] + [(a[2], a[3]) for a in an.amounts]
    return list(dict.fromkeys(an.raw[begin:end].strip() for begin, end in sorted(left)))


def clause_kind(an: Analysis) -> str | None:
    """What one clause of a message does, from its own words and figures: labour, advance, settle, fund_in,
    fund_out (fund: both), cost, progress, a read (read:<tool>), or None (a header, a name, a date, a figure of
    no clear kind)."""
    low = an.low
    if QUERY_RE.search(low):
        tool = read_tool(an)
        return f"read:{tool}" if tool else None
    if ADVANCE_RE.search(low):
        return "advance"
    if SETTLE_RE.search(low):
        return "settle"
    money_in, money_out = bool(FUND_IN_RE.search(low)), bool(FUND_OUT_RE.search(low)) and not an.worker_hits
    money_out = money_out or (not money_in and not an.worker_hits and pays_party(an))
    if money_in or money_out:
        return "fund" if money_in and money_out else "fund_in" if money_in else "fund_out"
    if an.percent is not None and (
        an.lexicon.find_tasks(an.text, an.project) or PROGRESS_WORD_RE.search(low) or FIX_RE.search(low)
    ):
        return "progress"
    category, _, clear = an.category()
    if an.quantities:
        if not an.worker_hits and (category or not clear):
            return "cost"  # 挖掘机租了两天: a machine's days
        return "labour"
    if category == "labor":
        return None  # 工资400 next to a worker's day: their rate, or wages paid? Not a cost of its own.
    if an.amounts and not an.worker_hits and (category or not clear or COST_WORD_RE.search(low)):
        return "cost"
    return None


def _unread(an: Analysis, plan: Plan) -> list[str]:
    """What a planned write did not read and that may change it (explain.py): 前晌, 月底, 头天, 要, a stray number,
    an unknown word next to a worker; the write is asked about instead of guessed."""
    _ = an.quantities, an.amounts
    work = list(an.text)
    anchors: list[tuple[int, int]] = [(h.begin, h.end) for h in an.worker_hits]
    anchors += [(w.begin, w.end) for w in an.workers[0]]
    anchors += [(s.begin, s.stop) for s in an.spans]
    anchors += [(q.begin, q.end) for q in an.quantities] + [(a[2], a[3]) for a in an.amounts]

    def blank(begin: int, end: int) -> None:
        work[begin:end] = " " * (end - begin)

    text = an.text
    for hit in (
        *an.lexicon.find_tasks(text, an.project),
        *an.lexicon.find_lines(text, an.project),
        *find_items(text),
        *find_categories(text),
    ):
        blank(hit.begin, hit.end)
    for m in PERCENT_RE.finditer(an.low):
        anchors.append((m.start(), m.end()))
        blank(m.start(), m.end())
    for pattern in (DONE_RE, ORDINAL_RE, *CP_ANY, *([PART_DAY_ABSENCE_RE] if an.quantities else [])):
        for m in pattern.finditer(an.low):
            blank(m.start(), m.end())
    if any(call.tool == "add_cost" for call in plan.calls):  # 租了一个月, 5吨 每吨4200: the count priced
        for pattern in (COUNT_RE, PER_UNIT_RE):
            for m in pattern.finditer(an.low):
                blank(m.start(), m.end())
    for hit in an.party_hits:
        blank(hit.begin, hit.end)
    for m in CREDIT_RE.finditer(an.low):
        blank(m.start(), m.end())
    for direction in ("in", "out"):
        party = counterparty(an, direction)
        at = an.low.find(fold(party)) if party else -1
        if party and at >= 0:
            blank(at, at + len(party))
    correction = any(call.args.get("correction") for call in plan.calls)
    if correction:
        for pattern in (FIX_RE, CORRECTION_RE, CHANGE_RE):
            for m in pattern.finditer(an.low):
                blank(m.start(), m.end())
    masked = "".join(work).replace("|", " ")
    return [an.raw[begin:end] for begin, end in explain.unread(masked, an.low, anchors, correction=correction)]


def unread_question(an: Analysis, words: list[str]) -> str:
    """The question for a write with words the parser could not read, naming them."""
    return an.t("unread", words=("”“" if an.language == "zh" else "”, “").join(dict.fromkeys(words)))


def unread_time(an: Analysis) -> list[str]:
    """Time-like words, plans and denials the parser did not read (头天, 月底, 要): for the slash commands, whose
    other free words are a note or a counterparty."""
    _ = an.quantities, an.amounts
    masked = an.text.replace("|", " ")
    return [an.raw[begin:end] for begin, end in explain.unread(masked, an.low, (), time_only=True)]


def _with_project(an: Analysis, plan: Plan) -> Plan:
    """A write names its project: the message's, the chat's, or the only one there is; otherwise ask which.

    A building or phase the lexicon does not know (1号楼) may be another project: asked about, not written to the
    chat's.
    """
    if not plan.writes:
        return plan
    options = "、".join(f"{code} {name}" for code, name, _ in an.lexicon.projects[:8]) or "—"
    codes = tuple(code for code, _, _ in an.lexicon.projects)
    for m in PLACE_RE.finditer(an.low):
        if not any(h.begin <= m.start() < h.end for h in an.projects):
            # no slot: 1号楼 would still be in the message the answer completes
            return ask(an.t("which_place", place=an.raw[m.start() : m.end()], options=options))
    if an.project is not None:
        return plan
    if len(codes) != 1:
        return ask(an.asked("which_project_of", slot="project", choices=codes[:8], options=options))
    plan.calls = [Call(call.tool, {"project": codes[0], **call.args}) for call in plan.calls]
    return plan
