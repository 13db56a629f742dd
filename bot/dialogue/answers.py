"""Is a message an answer to what the assistant asked? Yes and no, a value of the kind asked for, or a choice.

Only a short message that is nothing but the answer counts ("是", "SG3", "7518.75", "人工费", "2", a task's
name); anything longer is a new message and the open question is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from bot.parser.lexicon import Lexicon, find_categories, find_items, fold
from bot.parser.numbers import number


# Said on their own, these confirm or decline a proposal.
def _words(*lines: str) -> frozenset[str]:
    return frozenset(" ".join(lines).split())


YES = _words(
    "是 是的 是滴 对 对的 对呀 对啊 好 好的 好啊 好滴 行 行的 可以 确认 确定 确认超预算 确认超支 没问题",
    "嗯 嗯嗯 记吧 记 记上 记上吧 就这样 同意 ok okay yes y yep yeah sure confirm confirmed correct right go",
)
NO = _words("不 不是 不对 不行 取消 算了 不用 不用了 别记 不记 不要 否 错了 no n nope cancel wrong stop")
_PUNCTUATION = re.compile(r"[\s,.!?;:~'\"，。！？；：、…～👍🙏👌✅❌()（）]+")
MAX_ANSWER = 24  # characters: anything longer is a message of its own


@dataclass(frozen=True)
class Answer:
    """What a short message says in reply: yes, no, or a value for the slot asked about."""

    kind: str  # yes | no | value | choice
    value: str = ""  # the value as the parser should read it (a project code, a number, a category word)


def _bare(text: str) -> str:
    return _PUNCTUATION.sub("", fold(unicodedata.normalize("NFKC", text)))


def yes_or_no(text: str) -> str | None:
    """ "yes", "no" or None for a message that is neither."""
    bare = _bare(text)
    if bare in YES:
        return "yes"
    if bare in NO:
        return "no"
    return None


def read_answer(
    text: str, *, slot: str | None, choices: list[str], lexicon: Lexicon, project: str | None
) -> Answer | None:
    """The answer a short message gives to a question about `slot`, or None when it is not one."""
    if len(text.strip()) > MAX_ANSWER:
        return None
    said = yes_or_no(text)
    if said is not None:
        return Answer(said)
    bare = _bare(text)
    if not bare:
        return None
    if choices:
        for index, choice in enumerate(choices, 1):
            if bare == _bare(choice) or bare == str(index):
                return Answer("choice", choice)
    if slot == "project":
        hits = lexicon.find_projects(fold(text.strip()))
        if len(hits) == 1 and len(_bare(hits[0].word)) >= len(bare) - 1:
            return Answer("value", hits[0].value)
        return None
    if slot == "amount":
        value = _amount(bare)
        return Answer("value", text.strip()) if value is not None else None
    if slot == "category":
        found = find_categories(bare) or find_items(bare)
        if found and sum(h.end - h.begin for h in found) >= len(bare) - 1:
            return Answer("value", text.strip())
        return None
    if slot == "days":
        if re.fullmatch(r"(\d+(\.\d+)?|[一二两三半])\s*(个)?\s*(工|天|工日|小时|h|个工|个小时|晌)?", bare):
            return Answer("value", text.strip())
        return None
    if slot == "worker":
        sure, _ = lexicon.resolve_worker(text.strip())
        return Answer("value", sure[0]) if len(sure) == 1 else None
    if slot == "task":
        tasks = lexicon.find_tasks(fold(text.strip()), project)
        if len({h.value for h in tasks}) == 1 and sum(h.end - h.begin for h in tasks) >= len(bare) - 1:
            return Answer("value", tasks[0].value)
        return None
    return None


def _amount(bare: str) -> Decimal | None:
    """Money (7518.75, 500元) or a count of things (2吨, 40包) for a price said per unit."""
    token = re.sub(r"(元|块|块钱|yuan|rmb|¥|￥|吨|包|袋|车|方|立方|桶|箱|卷|根|张|米|平米|天|个月|台班|趟)$", "", bare)
    value = number(token) if token else None
    return value if value is not None and value > 0 else None
