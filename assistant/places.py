"""Places a question names that the loaded plan never mentions: the asker means another city or district.

Chinese place names are found with jieba's part-of-speech tagger (its general dictionary tags 某某市,
某某区, 某某镇 as `ns`), so no list of cities lives here; English ones are romanised words that look like
a place ("Hangzhou", "in Qinhuai District") and match none of the plan's own English aliases.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.lexicon import vocabulary
from assistant.text import fold_width, normalize

GENERIC_PLACE_CHARS = frozenset("省市区縣县镇鎮乡鄉街道村社城农農全本各该")
PLACE_SUFFIX = ("市", "区", "县", "镇", "乡", "街道", "新区", "园区")
CAPITALISED = re.compile(r"\b[A-Z][a-z]{4,}\b")


@lru_cache(maxsize=1)
def _tagger():  # type: ignore[no-untyped-def]
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def chinese_places(question: str, known: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Place names (ns) in a Chinese question, in the Simplified matching form.

    The plan's own names (`known`) are taken out first: the general dictionary does not know them and
    would tag a fragment of one (开区 out of a zone's short name) as a place.
    """
    text = normalize(question)
    for name in sorted(known, key=len, reverse=True):
        if len(name) >= 2 and name in text:
            text = text.replace(name, " ")
    out = []
    for word, flag in _tagger().lcut(text):
        if flag == "ns" and len(word) >= 2 and not set(word) <= GENERIC_PLACE_CHARS:
            out.append(word)
    return out


def foreign_places(question: str) -> list[tuple[str, str]]:
    """(place, stem) for each place the question names that is none of the plan's units or its city.

    The stem drops a 市/区/县… suffix, so 某某市 is matched by a passage that writes 某某.
    """
    vocab = vocabulary()
    known = {normalize(a) for names in (*vocab.units.values(), *vocab.scopes.values()) for a in names}
    known |= {normalize(c) for c in vocab.city}
    missing = []
    for place in chinese_places(question, known):
        stem = place
        for suffix in PLACE_SUFFIX:
            if stem.endswith(suffix) and len(stem) > len(suffix) + 1:
                stem = stem[: -len(suffix)]
                break
        if place not in known and stem not in known:
            missing.append((place, stem))
    return missing


@lru_cache(maxsize=1)
def romanised_places() -> dict[str, tuple[str, ...]]:
    """Romanised forms (suzhou, hangzhou) of the place names jieba's general dictionary knows well,
    each with the Chinese names it can stand for (泰州 and 台州 are both taizhou)."""
    import os

    import jieba

    from assistant.ingest.profile import pinyin

    out: dict[str, set[str]] = {}
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        for line in f:
            word, freq, tag = line.split()
            if tag == "ns" and 2 <= len(word) <= 3 and int(freq) >= 100:
                stem = word[:-1] if len(word) == 3 and word.endswith(("市", "省", "县")) else word
                roman = pinyin(stem).replace(" ", "").lower()
                if len(roman) >= 5 and roman.isascii():
                    out.setdefault(roman, set()).add(stem)
    return {roman: tuple(sorted(names)) for roman, names in out.items()}


def english_places(question: str, document_text: str = "") -> list[str]:
    """Romanised place names in an English question that are none of the plan's own names and that the
    plan's text (`document_text`, in matching form) never writes in Chinese."""
    vocab = vocabulary()
    own = " ".join(a.lower() for names in (*vocab.units.values(), *vocab.scopes.values()) for a in names)
    own += " " + " ".join(vocab.unit_english.values()).lower()
    own += " " + " ".join(pinyin_of(c).replace(" ", "").lower() for c in vocab.city)
    places = romanised_places()
    return [
        w for w in CAPITALISED.findall(fold_width(question))
        if w.lower() in places and w.lower() not in own
        and not any(normalize(name) in document_text for name in places[w.lower()])
    ]


def pinyin_of(name: str) -> str:
    from assistant.ingest.profile import pinyin

    return pinyin(name)
