"""Numbers as people type them on site: 8000, 5,200, 1.2万, 35万, 100k, 8千, 1万5, 两千五, 一万二, 三百五, 俩.

Chinese numerals (两千五, 一万二, 三百五, 十五, 三点五) are read by cn2an (its "normal" mode, which knows the
colloquial 两千五 = 2500 and 一万二 = 12000); Arabic digits with a unit (1.2万, 100k, 1万5, 3千5) are computed
here with Decimal, because cn2an's "smart" mode goes through floats and money must stay exact.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import cn2an

CN_DIGIT_CHARS = "零〇一二两俩三四五六七八九"
CN_NUMBER_CHARS = CN_DIGIT_CHARS + "十百千万亿"
_MULT = {
    "万": Decimal(10000),
    "w": Decimal(10000),
    "千": Decimal(1000),
    "k": Decimal(1000),
    "百": Decimal(100),
    "亿": Decimal(100000000),
}
_ARABIC_UNIT = re.compile(r"^(\d+(?:\.\d+)?|\.\d+)([万w千k百亿])?(\d+)?([千百])?$")  # .5 is 0.5
_ENGLISH = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a": 1,
    "an": 1,
}

# One number as typed: Arabic (with thousands commas, decimals, a unit and a colloquial tail: 1万5) or Chinese.
NUMBER = (
    r"(?:(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|(?<![\d.])\.\d+)(?:\s?[万w千k百亿](?![a-z]))?(?:\d(?:[千百])?(?!\d))?"
    r"|[零〇一二两俩三四五六七八九十百千万亿]+(?:点[零〇一二两三四五六七八九]+)?)"
)
NUMBER_RE = re.compile(NUMBER)


def decimal_text(value: Decimal) -> str:
    """A decimal as the contract writes it: no exponent, no trailing zeros ("8000", "0.5", "1.5")."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def chinese(text: str) -> Decimal | None:
    """A Chinese numeral (两千五, 一万二, 十五, 三点五) as a Decimal, or None if cn2an cannot read it."""
    text = text.replace("俩", "两").replace("〇", "零")
    if not text or any(ch not in CN_NUMBER_CHARS + "点" for ch in text):
        return None
    if len(text) > 1 and not any(ch in "十百千万亿点" for ch in text):
        return None  # 两三, 一两, 三五: a guess between two numbers (两三天), never 23 or 12
    try:
        value = cn2an.cn2an(text, "normal")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(Decimal("0.0001")).normalize()
    return Decimal(int(value))


def number(text: str) -> Decimal | None:
    """Any one number as typed (see the module docstring); None when it is not a plain number."""
    token = text.strip().lower().replace(" ", "")
    if not token:
        return None
    if token in _ENGLISH:
        return Decimal(_ENGLISH[token])
    if token[0] in CN_NUMBER_CHARS:
        return chinese(token)
    if "," in token:
        if not re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?.*", token):
            return None
        token = token.replace(",", "")
    match = _ARABIC_UNIT.match(token)
    if not match:
        return None
    base, unit, tail, tail_unit = match.groups()
    try:
        value = Decimal(base)
    except InvalidOperation:
        return None
    if unit:
        value *= _MULT[unit]
    if tail:
        if not unit:
            return None
        if tail_unit:  # 1万5千
            value += Decimal(tail) * _MULT[tail_unit]
        elif len(tail) == 1 and unit in "万w千k百":  # 1万5 = 15000, 3千5 = 3500
            value += Decimal(tail) * _MULT[unit] / 10
        else:
            return None
    return value


def has_magnitude(text: str) -> bool:
    """Whether a number token carries a unit that makes it money-sized (万, 千, k, 百...)."""
    return any(ch in text.lower() for ch in "十百千万亿kw") or bool(re.search(r"\d{3}", text))
