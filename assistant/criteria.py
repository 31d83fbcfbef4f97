"""Computations a question asks of a row's unit values beyond most / least / total: a threshold filter
(超过200张的有哪几个区), a rank position (排第二的), the units with no value (有几个区是“--”) and one unit's
share of the total (某区占全市的比例).

Read from the question's matching form (`text.normalize`: half-width, Simplified, lower-case). Only the
field's wording is here; which units and rows there are comes from the plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# 「第二」「第3」; "second" … "fifth" and "2nd" … in English.
CHINESE_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
ENGLISH_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                    "eighth": 8, "ninth": 9, "tenth": 10}

# A set of units is asked for: 哪些区 / 哪几个镇 / 有几个县 / which districts / how many towns.
UNIT_WORDS = r"(?:区|县|市|镇|乡|街道|社区|村|地区|地方|单位|辖市|县区|区县|县市区|乡镇|镇街|板块)"
UNITS_ASKED = re.compile(
    rf"哪(?:些|几个|几|个)\s*\S{{0,4}}?{UNIT_WORDS}|有?几个\s*{UNIT_WORDS}|多少个\s*{UNIT_WORDS}"
    rf"|{UNIT_WORDS}有(?:几个|哪些|多少个)"
    r"|\b(?:which|what|how many)\s+(?:\w+\s+){0,2}?(?:districts?|counties|county|cities|towns?|townships?|streets?"
    r"|subdistricts?|communities|community|villages?|units?|places?|areas?)\b"
)

_NUMBER = r"(\d+(?:\.\d+)?)\s*(万)?"
# (comparator words before the number, the comparison); longest first so 不少于 is not read as 少于.
BEFORE: tuple[tuple[tuple[str, ...], str], ...] = (
    (("不少于", "不低于", "不小于", "至少", "大于等于", "≥", ">=", "at least", "no fewer than", "no less than",
      "not less than", "a minimum of"), ">="),
    (("不超过", "不多于", "不高于", "至多", "最多不超过", "小于等于", "≤", "<=", "at most", "no more than",
      "not more than", "a maximum of"), "<="),
    (("超过", "多于", "高于", "大于", "超出", ">", "more than", "greater than", "higher than", "over", "above",
      "exceeding", "exceeds", "exceed"), ">"),
    (("少于", "低于", "小于", "不足", "不到", "<", "less than", "fewer than", "lower than", "under", "below"), "<"),
)
# 「200张以上」「200及以上」「50以下」 after the number.
AFTER: tuple[tuple[tuple[str, ...], str], ...] = (
         (("及以上", "或以上", "以上", "or more", "and above", "or above", "plus"), ">="),
         (("及以下", "或以下", "以下", "or fewer", "or less", "and below", "or below"), "<="))

NOT_APPLICABLE = re.compile(
    r"--|不适用|没有(?:任务|指标|数值|分配|安排)|无(?:任务|指标|数值)|空着|是空|没有填"
    r"|没(?:给|填|写|有)(?:数|数字|数值|指标)|没给任务|没分(?:任务|指标)"
    r"|not applicable|n/a|no (?:target|figure|value|quota)"
)
# A share of the whole, said as such: 占全市的比例 / 占总数的几成 / what share of the county total. A bare 占比
# is not one: plans set 占比 targets of their own (护理型床位占比达到60%).
SHARE = re.compile(r"占(?:全市|全县|全区|全省|全镇|全街道|总数|总量|合计|总任务|全部|总体|整体)[^,，。?？]{0,10}?"
                   r"(?:比例|比重|百分之几|百分比|几成|多少|份额|%|几)"
                   r"|占(?:多大|多少|几)(?:的)?(?:比例|比重|成)|占百分之几"
                   r"|\bwhat (?:share|percentage|percent|proportion|fraction) of (?:the )?"
                   r"(?:city|county|district|total|whole|\d)"
                   r"|\b(?:share|percentage|proportion) of the (?:city|county|district|whole|total)")
# 排第二 / 排名第3 / 第二多 / 倒数第一; not 第二季度, 第三批, 第二部分.
POSITION = re.compile(r"(?:(?<=排)|(?<=排名)|(?<=排在)|(?<=位列)|(?<=位居)|(?<=名列))"
                      r"(倒数)?第\s*([一二两三四五六七八九十]|\d{1,2})"
                      r"|(倒数)?第\s*([一二两三四五六七八九十]|\d{1,2})\s*(?=多|高|大|名|位|少|低|小)"
                      r"|(倒数)第\s*([一二两三四五六七八九十]|\d{1,2})"
                      r"|\b(second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))"
                      r"[- ](most|highest|largest|biggest|greatest|fewest|least|lowest|smallest|place)\b"
                      r"|\b(?:ranks?|ranked|placed|comes?)\s+(?:in\s+)?(?:the\s+)?"
                      r"(second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))\b")
LOW_WORDS = ("少", "低", "小", "fewest", "least", "lowest", "smallest")


@dataclass(frozen=True)
class Criterion:
    """What to compute over a row's unit values: `op` is filter, nth, na or share."""

    op: str
    comparison: str = ""  # filter: >, >=, <, <=
    value: Decimal | None = None  # filter: the threshold, in the cells' own units
    position: int = 0  # nth: 1 is the highest (or the lowest when `lowest`)
    lowest: bool = False


def _word(w: str) -> str:
    """A comparator as a pattern: an English one only as a whole word (over, not overall)."""
    return re.escape(w) + (r"\b" if w[-1:].isascii() and w[-1:].isalpha() else "")


# Each comparator group with its number, in the order they are tried: before the number, then after it.
THRESHOLD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    *((re.compile(rf"(?:{'|'.join(_word(w) for w in words)})\s*{_NUMBER}"), comparison)
      for words, comparison in BEFORE),
    *((re.compile(rf"{_NUMBER}\s*[\u4e00-\u9fff]{{0,2}}\s*(?:{'|'.join(re.escape(w) for w in words)})"), comparison)
      for words, comparison in AFTER),
)


def _threshold_match(text: str) -> tuple[re.Match[str], str] | None:
    """The first comparator with a number the question names, and the comparison it means."""
    for pattern, comparison in THRESHOLD_PATTERNS:
        if m := pattern.search(text):
            return m, comparison
    return None


def _threshold(text: str) -> tuple[str, Decimal] | None:
    """超过200 → ('>', 200)."""
    found = _threshold_match(text)
    if found is None:
        return None
    m, comparison = found
    return comparison, Decimal(m.group(1)) * (10000 if m.group(2) else 1)


def _position(text: str) -> tuple[int, bool] | None:
    """A rank the question asks for: 第二多 → (2, False); 倒数第一 → (1, True); second lowest → (2, True)."""
    m = POSITION.search(text)
    if not m:
        return None
    digit = m.group(2) or m.group(4) or m.group(6)
    if digit:
        n = int(digit) if digit.isdigit() else CHINESE_ORDINALS[digit]
        tail = text[m.end(): m.end() + 3]
        return n, bool(m.group(1) or m.group(3) or m.group(5)) or any(w in tail for w in LOW_WORDS[:3])
    word = m.group(7) or m.group(9)
    n = ENGLISH_ORDINALS.get(word) or int(re.match(r"\d+", word).group(0))  # type: ignore[union-attr]
    low = m.group(8) in LOW_WORDS if m.group(7) else re.search(r"\b(?:from the bottom|lowest|fewest|least)\b",
                                                                 text[m.end():]) is not None
    return n, low


def criterion_of(text: str, units_named: int) -> Criterion | None:
    """The computation a question asks for over unit values, if it is one of these; `units_named` is how
    many of the plan's units the question names (a share is one unit's, a filter names none)."""
    if units_named == 1 and SHARE.search(text):
        return Criterion("share")
    if units_named:
        return None
    asks_units = UNITS_ASKED.search(text) is not None
    position = _position(text)
    if position is not None and position[0] >= 1:
        return Criterion("nth", position=position[0], lowest=position[1])
    if asks_units and NOT_APPLICABLE.search(text):
        return Criterion("na")
    threshold = _threshold(text)
    if asks_units and threshold is not None:
        return Criterion("filter", comparison=threshold[0], value=threshold[1])
    return None


def without_threshold(text: str) -> str:
    """The question with its comparator and number taken out: the number is a criterion, not a row's figure
    (超过200张 must not pull the row that says 不少于200个 to the top)."""
    found = _threshold_match(text)
    if found is None:
        return text
    start, end = found[0].span()
    return text[:start] + " " + text[end:]


def holds(value: Decimal, comparison: str, threshold: Decimal) -> bool:
    """Whether `value comparison threshold` is true."""
    return {">": value > threshold, ">=": value >= threshold, "<": value < threshold,
            "<=": value <= threshold}[comparison]
