"""Money writes: advances and settlements to workers, money in and out of the project, and costs (lists of costs,
and a count × a unit price)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.parser.analysis import Analysis, Worker, ask, named_twice, one
from bot.parser.lexicon import Hit
from bot.parser.numbers import NUMBER, decimal_text, number
from bot.parser.plan import Plan
from bot.parser.words import COST_WORD_RE, CREDIT_RE, EACH_RE, SETTLE_ALL_RE
from tools.base import Call
from tools.categories import CATEGORIES, CATEGORY_LABELS


def _money_text(value: Decimal) -> str:
    return decimal_text(value)


def plan_payment(an: Analysis, tool: str) -> Plan:
    """record_advance or settle_wages: one call per worker, each with its own amount or one shared by 各/每人/都."""
    workers, question = an.workers
    if question:
        return ask(question)
    if not workers:
        return ask(an.asked("which_worker", slot="worker"))
    if named_twice(an):
        return ask(an.t("each_amount"))
    if len(workers) == 1:
        amount = an.amount(strict=True)
        if amount is None and tool == "settle_wages" and SETTLE_ALL_RE.search(an.low):
            return _settle_all(an, workers[0])
        if amount is None:
            return ask(an.asked("how_much_money", slot="amount"))
        if isinstance(amount, str):
            return ask(amount)
        amounts = [amount]
    else:
        shared = _amounts_per_worker(an, workers)
        if isinstance(shared, str):
            return ask(shared)
        amounts = shared
    day = an.entry_date(described=True)
    if isinstance(day, str):
        return ask(day)
    calls = [
        Call(tool, an.with_project(worker=w.name, amount=_money_text(a), date=day.isoformat()))
        for w, a in zip(workers, amounts, strict=True)
    ]
    return Plan(calls=calls, source="rules", confident=True)


def _settle_all(an: Analysis, worker: Worker) -> Plan:
    """给张三结清工资: everything owed, proposed; the tool shows the amount owed before anything is recorded."""
    day = an.entry_date(described=True)
    if isinstance(day, str):
        return ask(day)
    call = Call("settle_wages", an.with_project(worker=worker.name, date=day.isoformat(), all=True))
    return Plan(calls=[call], source="rules", confirm=True, question=an.t("settle_all", worker=worker.name))


def _amounts_per_worker(an: Analysis, workers: list[Worker]) -> list[Decimal] | str:
    """Several workers paid: each its own amount (赵六借一千 孙七借八百), or one amount each (各借一千, 每人500).

    An amount after the last name with no 各/每人/都 may be a total (张三李四借了1000): asked about, never split.
    """
    found = an.amounts
    if not found:
        return an.asked("how_much_money", slot="amount")
    if any(a[2] < workers[0].begin for a in found):
        return an.t("each_amount")
    bounds = [w.begin for w in workers[1:]] + [len(an.low)]
    own = [[a[0] for a in found if w.end <= a[2] < stop] for w, stop in zip(workers, bounds, strict=True)]
    if all(len(values) == 1 for values in own):
        return [values[0] for values in own]
    values = set(own[-1])
    if len(values) == 1 and not any(own[:-1]) and EACH_RE.search(an.low[workers[-1].end :]):
        return [values.pop()] * len(workers)
    return an.t("each_amount")


def plan_fund(an: Analysis, direction: str) -> Plan:
    amount = an.amount(strict=True)
    if amount is None:
        return ask(an.asked("how_much_money", slot="amount"))
    if isinstance(amount, str):
        return ask(amount)
    day = an.entry_date(described=True)
    if isinstance(day, str):
        return ask(day)
    args = an.with_project(direction=direction, amount=_money_text(amount), date=day.isoformat())
    kinds = ("owner", "other") if direction == "in" else ("supplier", "subcontractor", "other")
    party = an.party(*kinds) or counterparty(an, direction)
    if party:
        args["counterparty"] = party
    return one("record_fund", args)


_CP = r"(?P<cp>[^\s\d,|.!?:;]{2,20}?)"
_FUND_WORDS = r"(?:工程款|进度款|预付款|尾款|余款|质保金|保证金|拨款|货款|付款|转账|打款|汇款|款|钱)"
_CP_IN = [
    re.compile(rf"收到了?\s*{_CP}\s*(?:的)?\s*{_FUND_WORDS}"),  # 收到甲方进度款
    re.compile(
        rf"{_CP}\s*(?:的)?\s*{_FUND_WORDS}?\s*(?:打来|转来|汇来|拨来|付来|打过来|转过来|汇过来|付的|给的|打的|转的|汇的"
        r"|拨的|付了|拨了|(?:打|转|汇|拨)了?\s*过来)"
    ),  # 业主转来, 建设单位付的, 业主打了80万过来
    # 甲方预付款到了
    re.compile(rf"{_CP}\s*(?:的)?\s*{_FUND_WORDS}\s*(?:已经|已|也|都)?\s*(?:到了|到账|到位|进账|入账|下来了)"),
    re.compile(rf"收到了?\s*{_CP}(?=\s|$|[,|])"),  # 收到建设单位35万
    re.compile(
        r"(?<![a-z])from\s+(?:the\s+)?(?P<cp>[^\d,.!?]{1,60}?)\s*(?:$|[,.!?]|\s(?:today|yesterday|on|for)(?![a-z]))"
    ),
]
_CP_OUT = [
    re.compile(rf"(?:付|支付|转|打|汇)(?:款|账)?了?\s*给\s*{_CP}\s*(?:的)?\s*(?:货款|工程款|款)?\s*(?=\s|$|[,|])"),
    re.compile(r"(?<![a-z])to\s+(?P<cp>[^\d,.!?]{1,60}?)\s*(?:$|[,.!?]|\s(?:today|yesterday|on|for)(?![a-z]))"),
    re.compile(rf"给\s*{_CP}\s*(?:的)?\s*(?:货款|工程款|款)?\s*(?=\s|$|[,|])"),  # 付混凝土款8万给华润混凝土
]
# Who pays or is paid when no verb says it: the parties of a project, or a firm's name by its ending.
CP_ANY = [
    re.compile(
        r"(?P<cp>甲方|业主方?|建设单位|建设方|发包方|总包方?|总承包方?|监理方?|开发商|分包方?|劳务队|劳务公司"
        r"|(?<![a-z])(?:owner|client|developer)(?![a-z]))"
    ),
    re.compile(
        r"(?:^|(?<=[\s|,])|(?<=给|向|从|由))(?P<cp>[\u4e00-\u9fff]{1,10}?(?:公司|集团|厂|站|局|混凝土|商砼|建材|五金"
        r"|钢材|钢铁|机械|租赁|置业|地产|商贸|物资))(?=$|[\s|,]|的|付|打|转|汇|拨)"
    ),
]
_FUND_WORD_RE = re.compile(_FUND_WORDS)
_CP_JUNK = re.compile(
    r"^(了|的|我们|我|咱们|今天|又)+"
    r"|(了|的|又|也|都|第\s*(\d+|[一二两三四五六七八九十]+)\s*[期次批笔])+$"
)


def counterparty(an: Analysis, direction: str) -> str | None:
    """Who paid us (in) or whom we paid (out): named by a verb's place first, else a party or firm anywhere."""
    text = an.text
    for pattern in (*(_CP_IN if direction == "in" else _CP_OUT), *CP_ANY):
        for m in pattern.finditer(text):
            begin, end = m.start("cp"), m.end("cp")
            if _FUND_WORD_RE.match(text, begin):  # 收到预付款: the money, not who paid it
                continue
            value = _CP_JUNK.sub("", an.raw[begin:end].strip()).strip()
            if not value or _FUND_WORD_RE.search(value) or re.search(r"[|\d]", value):
                continue
            if value.lower() in {"me", "us", "the", "you", "him", "them"}:
                continue
            return value
    return None


def plan_cost(an: Analysis) -> Plan:
    listed = _cost_list(an)
    if listed is not None:
        day = an.entry_date(described=True)
        if isinstance(day, str):
            return ask(day)
        calls = []
        for key, item, value in listed:
            args = an.with_project(category=key, amount=_money_text(value), date=day.isoformat())
            if item:
                args["note"] = item
            calls.append(Call("add_cost", args))
        return Plan(calls=calls, source="rules", confident=True)
    priced = _priced(an) if an.amounts else None
    if isinstance(priced, str):
        return ask(priced)
    amount: Decimal | str | None = priced.amount if priced is not None else an.amount(strict=True)
    if amount is None:
        return ask(an.asked("how_much_money", slot="amount") if COST_WORD_RE.search(an.low) else None)
    if isinstance(amount, str):
        return ask(amount)
    category, note, clear = an.category()
    if category is None or not clear:
        labels = tuple(CATEGORY_LABELS[key].render(an.language) for key in CATEGORIES)
        return ask(an.asked("which_category", slot="category", choices=labels, amount=_money_text(amount)))
    day = an.entry_date(described=True)
    if isinstance(day, str):
        return ask(day)
    args = an.with_project(category=category, amount=_money_text(amount), date=day.isoformat())
    if note:
        args["note"] = note
    vendor = an.party("supplier", "subcontractor", "other")
    if vendor:
        args["vendor"] = vendor
    if CREDIT_RE.search(an.low):
        args["paid"] = False  # 赊的, 还没付: booked as owed to the supplier, no money out
    if priced is None or priced.plain:
        return one("add_cost", args)
    args["quantity"] = decimal_text(priced.quantity)
    if priced.unit:
        args["unit"] = _shown(an, priced.unit)  # stored in the words of the message: 吨 in Chinese, tonne in English
    args["unit_price"] = decimal_text(priced.price)
    if priced.said:  # a figure taken for a count or a total: proposed, with the computation
        return Plan(calls=[Call("add_cost", args)], source="rules", confirm=True, question=priced.said)
    return one("add_cost", args)


def _cost_list(an: Analysis) -> list[tuple[str, str | None, Decimal]] | None:
    """A list of costs (水泥 6800 钢筋 12000, one a line or comma): each item or category word with the one amount
    after it, before the next: (category, note, amount) each. A category word with no amount may head the list
    (材料：水泥 6800 钢筋 12000) when every item is of that category. None when the message is no such list."""
    if len(an.amounts) < 2 or _price_spans(an) or PER_MARK_RE.search(an.text):
        return None
    words, items, own = an.categories
    anchors: list[Hit] = []
    for hit in sorted((*own, *items, *words), key=lambda h: (h.begin, h.begin - h.end)):
        if anchors and hit.begin < anchors[-1].end:
            continue
        last = anchors[-1] if anchors else None
        if last is not None and last.value == hit.value and not an.low[last.end : hit.begin].strip():
            continue  # 吊车台班: one item said in two words
        anchors.append(hit)
    if len(anchors) < 2 or any(a[2] < anchors[0].begin for a in an.amounts):
        return None
    bounds = [h.begin for h in anchors[1:]] + [len(an.low)]
    header: str | None = None
    listed: list[tuple[str, str | None, Decimal]] = []
    for i, (anchor, stop) in enumerate(zip(anchors, bounds, strict=True)):
        values = [a[0] for a in an.amounts if anchor.end <= a[2] < stop]
        if not values and i == 0 and anchor in words:
            header = anchor.value
            continue
        if len(values) != 1:
            return None
        note = re.sub(r"\s+", " ", an.low[anchor.begin : anchor.end]) if anchor in items else None
        listed.append((anchor.value, note, values[0]))
    if len(listed) < 2 or (header is not None and any(category != header for category, _, _ in listed)):
        return None
    return listed


_UNIT = r"(?:个?台班|个?小时|个?钟头|天|车|吨|立方|方|趟|个?月|包|袋|桶|箱|卷|根|张|米|平米|平方)"
_EN_UNIT = r"(?:days?|hours?|hrs?|tonnes?|tons?|loads?|trucks?|shifts?|bags?|months?)(?![a-z])"
PER_UNIT_RE = re.compile(
    rf"(?:单价|(?<![a-z])(?:unit\s+price|price\s+per\s+unit|price\s+each)(?:\s+(?:of|is|at))?)\s*(?:是|为|:)?\s*[$¥]?"
    rf"(?P<p5>{NUMBER})\s*(?:元|块)?(?:\s*(?:/|每|一|per|a)\s*(?P<u5>{_UNIT}|{_EN_UNIT}))?"
    rf"|(?P<per>每|一)\s*(?P<u1>{_UNIT})\s*(?:是|要|花|收|租金|费用?)?\s*(?P<p1>{NUMBER})"
    rf"|(?P<p2>{NUMBER})\s*(?:元|块)?\s*(?:一|每|/)\s*(?P<u2>{_UNIT})"
    rf"|(?P<p3>{NUMBER})\s*(?:/|a|an|per|each)\s*(?P<u3>{_EN_UNIT})"
    rf"|(?<![a-z])(?:per|each|a|an)\s+(?P<u4>{_EN_UNIT})\s*(?:at|is|for|of)?\s*(?P<p4>{NUMBER})"
    rf"|(?:@|(?<=[\u4e00-\u9fffa-z])\s*[*×]|[*×](?=\s*\d)|(?<=[\u4e00-\u9fff])\s*x(?=\s*\d)|(?<=[a-z])\s+x\s*(?=\d))\s*[$¥]?(?P<p6>{NUMBER})(?:\s*(?:/|a|an|per|each)\s*(?P<u6>{_EN_UNIT}))?"
)
COUNT_RE = re.compile(rf"(?P<n>{NUMBER})\s*(?P<u>{_UNIT}|{_EN_UNIT})")
# A figure said to be the whole amount (共8000, 总价8000, total 8000).
TOTAL_BEFORE_RE = re.compile(r"(?:一共|总共|共计|共|合计|总价|总计|(?<![a-z])total(?: of)?)\s*(?:是|为|:)?\s*$")
# A price per something the parser could not pair with a count (餐费每人30, 2000 per week): never a guessed total.
PER_MARK_RE = re.compile(
    r"每|单价|@|(?<![a-z])(per|each|apiece|unit price|a day|an hour|a ton|a load|a week|a month)(?![a-z])"
    r"|/\s*[^\s\d]"
)
_UNIT_WORDS = {
    "立方": "方",
    "钟头": "小时",
    "平方": "平米",
    "袋": "包",
    "day": "天",
    "hour": "小时",
    "hr": "小时",
    "ton": "吨",
    "tonne": "吨",
    "load": "车",
    "truck": "车",
    "shift": "台班",
    "bag": "包",
    "month": "月",
}


_EN_UNITS = {
    "吨": "tonne",
    "包": "bag",
    "车": "load",
    "方": "m³",
    "天": "day",
    "小时": "hour",
    "台班": "shift",
    "月": "month",
}


def _shown(an: Analysis, unit: str | None) -> str:
    """A unit as a question shows it: the stored word (吨) in Chinese, the English one in English."""
    if not unit:
        return ""
    return _EN_UNITS.get(unit, unit) if an.language == "en" else unit


def _unit(word: str) -> str:
    word = word.lstrip("个")
    if word[0].isascii() and word.endswith("s"):
        word = word[:-1]
    return _UNIT_WORDS.get(word, word)


def _price_spans(an: Analysis) -> list[re.Match[str]]:
    return [m for m in PER_UNIT_RE.finditer(an.low) if number(_price_text(m)) is not None]


def _price_text(m: re.Match[str]) -> str:
    return m["p1"] or m["p2"] or m["p3"] or m["p4"] or m["p5"] or m["p6"] or ""


def _inside_price(an: Analysis, amount: tuple[Decimal, bool, int, int]) -> bool:
    return any(m.start() <= amount[2] < m.end() for m in _price_spans(an))


@dataclass
class Priced:
    """A cost said as a count and a unit price: amount = quantity × price, exactly."""

    amount: Decimal
    quantity: Decimal
    unit: str | None
    price: Decimal
    said: str | None = None  # how a bare figure was taken (a count or a total): the cost is proposed with it
    plain: bool = False  # one of a thing at its price (一车4.5万): the amount alone says it all


def _priced(an: Analysis) -> Priced | str | None:
    """A unit price and a count of its unit (钢筋2吨单价4000, 20吨 每吨450, 3车砂子一车800) → their product, the
    count and the price; a total said as well must agree. A price with no count asks how many; a price next to one
    bare figure takes it for the count, or for the total when it is money (8000元, 共8000), and is proposed.
    Several prices or counts are asked about: never a guessed total, never a unit price stored as one."""
    prices = _price_spans(an)
    if not prices:
        return an.t("which_amount") if PER_MARK_RE.search(an.text) else None
    if len(prices) > 1:
        return an.t("which_amount")
    price = prices[0]
    value = number(_price_text(price))
    said_unit = price["u1"] or price["u2"] or price["u3"] or price["u4"] or price["u5"] or price["u6"]
    unit = _unit(said_unit) if said_unit else None
    if value is None or value <= 0:
        return None
    plain = list(an.low)
    for span in an.spans:  # 11月 is a date, not a count of months
        plain[span.begin : span.stop] = " " * (span.stop - span.begin)
    counts: dict[Decimal, str] = {}
    for m in COUNT_RE.finditer("".join(plain)):
        count = number(m["n"])
        if (
            count is not None
            and (unit is None or _unit(m["u"]) == unit)
            and not price.start() <= m.start() < price.end()
        ):
            counts[count] = _unit(m["u"])
    others = {a[0]: a for a in an.amounts if not _inside_price(an, a)}
    price_text = decimal_text(value)
    if len(counts) > 1 or len(set(counts.values())) > 1 or len(others) > 1:
        return an.t("which_amount")
    if counts:
        count, unit = next(iter(counts.items()))
        product = count * value
        for total, (_, marked, begin, _) in others.items():
            if total != product and not (marked or TOTAL_BEFORE_RE.search(an.low, 0, begin)):
                return an.t("which_amount")  # 单价4000 运费200: another cost, or the total?
            if total != product:
                return an.t(
                    "price_disagrees",
                    count=decimal_text(count),
                    unit=_shown(an, unit),
                    price=price_text,
                    product=decimal_text(product),
                    total=decimal_text(total),
                )
        return Priced(product, count, unit, value)
    if not others and price["per"] == "一":
        return Priced(value, Decimal(1), unit, value, plain=True)  # 租了一个月6000, 一车4.5万: one, at that price
    if not others:
        if unit:
            return an.asked("how_many_units", slot="amount", price=price_text, unit=_shown(an, unit))
        return an.asked("how_many", slot="amount", price=price_text)
    words, items, own = an.categories
    if len({hit.value + hit.word for hit in (*words, *items, *own)}) > 1:
        return an.t("which_amount")  # 水泥每吨450 钢筋 3000: the figure is another item's
    figure, marked, begin, _ = next(iter(others.values()))
    if marked or TOTAL_BEFORE_RE.search(an.low, 0, begin):  # 8000元, 共8000: the total
        quantity = figure / value
        if quantity != quantity.quantize(Decimal("0.0001")):
            return an.t("which_amount")
        said = an.t("total_over_price", total=decimal_text(figure), price=price_text, count=decimal_text(quantity))
        return Priced(figure, quantity, unit, value, f"{said} {_shown(an, unit)}".rstrip())
    product = figure * value
    said = an.t(
        "count_times_price",
        count=decimal_text(figure),
        unit=unit or "",
        price=price_text,
        product=decimal_text(product),
    )
    return Priced(product, figure, unit, value, said)
