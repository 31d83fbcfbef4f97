"""What a question is about, as tokens, and how well a passage covers it.

Support is the share of the question's topic tokens a passage contains, where a token also counts as
present when a term of the same glossary entry is (福彩 ~ 福利彩票, 未保站 ~ 未成年人保護工作站). District,
quarter and question words are not topic: every task row names every district.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.lexicon import (
    district_aliases,
    english_unit_names,
    expand_english,
    glossary,
    quarter_aliases,
    question_words,
    vocabulary,
)
from assistant.text import normalize, tokenize

QUESTION_WORDS = {
    "什么", "哪些", "哪个", "多少", "几个", "怎么", "如何", "是否", "有没有", "请问", "一下", "计划", "工作", "要点", "全市",
    "要求", "安排", "情况", "内容", "进行", "开展", "今年", "年", "目标", "任务", "哪", "几", "谁", "吗", "呢",
    "负责", "责任", "单位", "部门", "项目", "最多", "最少", "最高", "最低", "一共", "合计", "加起来", "总共", "分别", "各区",
    "哪个区", "多少个", "多少户", "多少张", "多少名", "截止", "时间", "什么时候", "完成", "进度", "改革", "季度",
    "方面", "举措", "措施", "重点", "主要", "有关", "关于", "做什么", "要做", "哪几", "规定", "具体", "需要", "多少家",
    "时候", "何时", "哪天", "之前", "任务分解", "分解", "分配",
}
# What askers wrap a question in (请问…谢谢, 麻烦帮我查一下): never what it is about.
COURTESY_WORDS = {
    "谢谢", "多谢", "感谢", "谢谢您", "麻烦", "辛苦", "您好", "你好", "请教", "咨询", "打扰", "帮忙", "帮我", "查一下",
    "想问", "问下", "问一", "问一下", "了解", "想知道", "知道", "确认", "确认一下", "同事", "领导", "注明", "出处",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
# 几户, 多少人, 哪家: a question word with its measure word asks, it does not name a topic.
COUNT_ASKED = re.compile(r"^(?:几|多少|哪)[\u4e00-\u9fff]?$")


@lru_cache(maxsize=1)
def _skip() -> frozenset[str]:
    entity = {normalize(w) for w in district_aliases()} | {normalize(w) for w in quarter_aliases()}
    entity |= {normalize(w) for w in vocabulary().city}  # the plan's own place: every passage is about it
    structure = set(vocabulary().structure)
    return frozenset(entity | structure | QUESTION_WORDS | COURTESY_WORDS | {normalize(w) for w in question_words()})


@lru_cache(maxsize=1)
def _related() -> dict[str, frozenset[str]]:
    """Normalised term → the normalised terms of every glossary entry it belongs to."""
    related: dict[str, set[str]] = {}
    for entry in glossary():
        terms = {normalize(z) for z in entry.zh}
        for t in terms:
            related.setdefault(t, set()).update(terms)
    return {k: frozenset(v) for k, v in related.items()}


def clear_caches() -> None:
    """Forget what depends on the loaded plan's names (called when another plan's vocabulary is used)."""
    _skip.cache_clear()
    _place_names.cache_clear()
    _english_unit_names.cache_clear()
    alternatives.cache_clear()


def topic_tokens(question: str, language: str) -> set[str]:
    """Tokens that carry the question's topic; for English, the Chinese terms the glossary adds."""
    text = expand_english(_without_unit_names(question)) if language == "en" else question
    tokens = set(tokenize(text))
    if language == "en":
        tokens = {t for t in tokens if CJK.search(t)}
    skip = _skip()
    folded = normalize(text)
    named = [a for a in _place_names() if a in folded]
    # 惠安县 tokenised also as 安县: a piece of a place the question names is no topic word either.
    return {t for t in tokens if len(t) > 1 and not t.isdigit() and t not in skip and not COUNT_ASKED.match(t)
            and not any(t in a for a in named)}


@lru_cache(maxsize=1)
def _place_names() -> tuple[str, ...]:
    """The plan's unit, city and issuer names in Chinese, normalised, of three characters or more."""
    vocab = vocabulary()
    names = {normalize(w) for w in district_aliases() if CJK.search(w)} | {normalize(w) for w in vocab.city}
    names |= {normalize(w) for w in vocab.issuer}
    return tuple(n for n in names if len(n) >= 3)


def _without_unit_names(question: str) -> str:
    """An English question without the plan's romanised unit names (Bacheng Town): their words
    (town, district) would otherwise be read as topic terms."""
    out = question
    for alias in _english_unit_names():
        out = re.sub(rf"(?i)\b{re.escape(alias)}\b(?:'s)?", " ", out)
    return out


@lru_cache(maxsize=1)
def _english_unit_names() -> tuple[str, ...]:
    """The plan's romanised names of more than one word, longest first."""
    return tuple(n for n in english_unit_names() if " " in n)


@lru_cache(maxsize=8192)
def alternatives(token: str) -> frozenset[str]:
    """The token and the glossary terms it is interchangeable with for matching (memoised: a scan of the glossary)."""
    related = _related()
    alts = {token}
    for term, group in related.items():
        if token == term or (len(token) >= 2 and token in term and len(term) <= len(token) + 2):
            alts |= group
    return frozenset(alts)


def support(tokens: set[str], text: str) -> float:
    """Share of the topic tokens the passage contains (0 when there are none)."""
    if not tokens:
        return 0.0
    norm = normalize(text)
    return sum(1 for t in tokens if any(a in norm for a in alternatives(t))) / len(tokens)


def numbers_in(text: str) -> set[str]:
    """Numbers a question mentions (「7個」「26」): a passage with the same numbers is the likelier match."""
    return set(re.findall(r"\d+(?:\.\d+)?", text))
