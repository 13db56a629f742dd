"""Is a planned write fully explained? What is left of a message once everything the parser read is blanked.

rules.py blanks what it recognised (projects, dates, workers, quantities, money, percentages, tasks, item and
category words, counterparties) and names its anchors (workers, dates and figures); this module blanks the words
that carry no figure, name or date of their own (particles, fillers, pronouns, verbs of recording, working and
paying, times of day, trades, counts of things) and returns what is left that may change the meaning of the write:

- anything time-like (前晌, 月底, 头天, 那天, 上次) or a plan, wish or denial (要, 会, 准备, 没, 不): the date or the
  fact itself may differ from what the parser read;
- a number nothing read (张三 3 一天, 十点);
- an unknown word right next to a worker, a date or a figure, particles aside (张三老婆一天, 张三的那谁一天);
- English words that move a date (last night, the other day, a week ago).

Other unknown words (a reason, a description: 家里有事, 招待客户吃饭) are let through: they do not change who,
when or how much. The parser asks instead of writing when anything is returned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.parser.numbers import NUMBER


def _words(*lines: str) -> list[str]:
    return " ".join(lines).split()


# Words that stand for nothing but themselves in a record: particles are also see-through when deciding what an
# unknown word stands next to (张三的老婆: 老婆 is next to 张三).
_PARTICLES = _words(
    "啊 呀 哇 呢 吧 了 的 地 得 嘛 哈 哦 噢 喔 嗯 额 呃 哎 唉 诶 欸 啦 咯 喽 呗 哟 着 过 嗷",
    "那个 这个 就是 就 也 都 还 又 再 才 是 也是 都是 一下",
)
_WORDS = _PARTICLES + _words(
    # discourse
    "然后 那么 所以 从 把 被 另外 还有 以及 再有 而且 对了 其中 一起 一块儿 刚才 刚刚 已经 已",
    "总之 反正 这样 那样 一声 只 只有",
    # speaking to the bot
    "我跟你说 跟你说 给你说 告诉你 说一下 说下 说 报一下 报个 汇报 通知",
    "我 我们 咱 咱们 你 您 你们 他 她 他们 她们 大家 各位 俺 俺们 老板 领导 经理 师傅 工人 兄弟 伙计",
    "帮我 帮忙 帮 麻烦 请 给我 记 记一下 记上 记个 记录 登记 记一笔 记下 记着 录入 写上 加上 加一下 添加 补",
    "谢谢 多谢 辛苦了 辛苦 好的 收到 好 行 ok okay pls please thanks",
    # work: who came, worked, left; when in the day; trades
    "干 干了 干的 做 做了 做的 来 来了 来的 去 去了 上班 上工 出工 开工 到 到了 走 走了 走的 回去 回家 收工",
    "下班 干活 活 活儿 工地 现场 工作 做工 打工 班 加班 加 正常 满 全 整 工 点工 记工 出勤 考勤",
    "上午 下午 中午 晚上 早上 傍晚 晌午 夜里 夜间 白天 白班 早班 晚班 夜班 全天 整天",
    "大工 小工 木工 瓦工 泥工 泥瓦工 钢筋工 电工 焊工 架子工 油漆工 水电工 杂工 普工 技工 徒弟 学徒 抹灰工 力工",
    # several people
    "和 跟 与 及 同 各 各自 每人 每个人 一人 一共 总共 共 合计 人 个 位 两人 俩人 三人 两个人 俩",
    # money
    "钱 块 元 工资 工钱 借支 预支 借 借了 要借 要支 要预支 结 结清 结算 结了 结账 付 付了 支付 发 发了 给",
    "转 转了 打 打了 汇 汇了 花 花了 买 买了 采购 费 费用 款 货款 进度款 工程款 预付款 尾款 余款 租 租金 租了",
    "租赁 运费 收 收了 到账 入账 拨款 账 生活费 日工资 日薪 工价 按 算 算是 计 为 有 在 总价 单价 一批 批",
    "过来 过去 早饭 早餐 午饭 午餐 晚饭 晚餐 夜宵 宵夜 盒饭 吃饭",
    # progress
    "完成 完成了 进度 做完 干完 弄完 搞完 达到 全部 目前 现在",
    # English: what carries no figure, name or date
    "a an the of for to from at on in by with and & is was are were has had have got get took take it its",
    "worked work working works did do done paid pay received bought buy spent spend rental rent hired hire",
    "advance wages wage salary settled settle complete completed finished full whole plus also just each both",
    "all total percent our my we i he she they his her their s log record add put down me us",
    "morning afternoon evening noon",
)
# In a correction (更正, 改成, 应该是), the earlier record is spoken of: 上次, 之前, 原来 name it, not a date.
CORRECTION_WORDS = _words(
    "上次 之前 原来 原先 本来 前面 刚才 实际 实际上 报高了 报多了 报低了 报少了 报错了",
    "记错了 错了 记 day entry record",
)


def _alternation(words: Sequence[str]) -> re.Pattern[str]:
    """Longest first, so 我跟你说 is one word and not 我 + 跟 + 你 + 说; ASCII words only as whole words."""
    return re.compile(
        "|".join(
            (rf"(?<![a-z]){re.escape(w)}(?![a-z])" if w[0].isascii() else re.escape(w))
            for w in sorted(set(words), key=lambda w: (-len(w), w))
        )
    )


_KNOWN_RE = _alternation(_WORDS)
_CORRECTION_RE = _alternation(CORRECTION_WORDS)
_SEE_THROUGH = frozenset(_PARTICLES)
# Counts of things (50吨, 一车, 20 bags); a clock time the parser did not read is never blanked (it is asked about).
_COUNT_RE = re.compile(
    rf"(?:{NUMBER})\s*(?:个|只|件|套|条|根|张|台|辆|箱|桶|包|袋|卷|捆|盒|片|瓶|罐|组|批|车|趟"
    r"|吨|方|立方|米|平米|平方|公斤|斤|kg|层|间|樘|m(?![a-z])|t(?![a-z])|tons?|bags?|trucks?|loads?"
    r"|pcs)"
)
# English words that change the day of a record: never left unread.
_EN_TIME_RE = re.compile(
    r"(?<![a-z])(ago|before|earlier|previous|prev|last|past|next|other|night|week|weeks"
    r"|weekend|month|months|year|years|since|until|till|later|recently|lately|date|dated|day"
    r"|days|eve|tmr|tmrw|yday)(?![a-z])"
)
_LEFT_RE = re.compile(r"[\u3400-\u9fff]+|\d+")
_NUMERAL = re.compile(r"\d|[零〇一二两俩三四五六七八九十百千万]")
# Time-like (a day, a part of one, a relative day) and what makes a record a plan, a wish or a denial.
_TIME_OR_MODE = re.compile(
    r"[天晌晚早夜宵号日周月年昨今明前后旬时次]|礼拜|星期"
    r"|要|会|将|想|准备|打算|计划|没|不|别|未|无|可能|预计"
)


def unread(
    masked: str, low: str, anchors: Sequence[tuple[int, int]], *, correction: bool = False, time_only: bool = False
) -> list[tuple[int, int]]:
    """Spans of the message that may change the meaning of a write and that nothing explains (module docstring).

    masked is the lower-cased message with what the parser read blanked (spaces), low the same text unblanked,
    anchors the spans of workers, dates and figures. time_only: only what is time-like or a plan or denial (for
    commands, whose free words are a note or a counterparty).
    """
    state = list(masked)
    see_through = [False] * len(masked)

    def blank(pattern: re.Pattern[str], text: str) -> None:
        for m in pattern.finditer(text):
            particle = m[0] in _SEE_THROUGH
            for i in range(m.start(), m.end()):
                state[i] = " "
                see_through[i] = see_through[i] or particle

    blank(_COUNT_RE, masked)
    if correction:
        blank(_CORRECTION_RE, low)
    blank(_KNOWN_RE, masked)
    blank(_KNOWN_RE, low)  # a filler overlapping a word read (分包费|费用) is a filler too
    left = "".join(state)
    anchored = [False] * (len(masked) + 1)
    for begin, end in anchors:
        for i in range(begin, end):
            anchored[i] = True

    def next_to_anchor(begin: int, end: int) -> bool:
        i = begin - 1
        while i >= 0 and see_through[i]:
            i -= 1
        j = end
        while j < len(masked) and see_through[j]:
            j += 1
        return (i >= 0 and anchored[i]) or (j < len(masked) and anchored[j])

    found = []
    for m in _LEFT_RE.finditer(left):
        if _TIME_OR_MODE.search(m[0]) or (
            not time_only and (_NUMERAL.search(m[0]) or next_to_anchor(m.start(), m.end()))
        ):
            found.append((m.start(), m.end()))
    found += [(m.start(), m.end()) for m in _EN_TIME_RE.finditer(left)]
    return sorted(found)
