"""Places a question names that the loaded plan never mentions: the asker means another city or district.

Chinese place names are found with jieba's part-of-speech tagger (its general dictionary tags 某某市,
某某区, 某某镇 as `ns`), so no list of cities lives here; English ones are romanised words that look like
a place ("Hangzhou", "in Qinhuai District") and match none of the plan's own English aliases.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.lexicon import pinyin_of, vocabulary
from assistant.text import fold_width, normalize

GENERIC_PLACE_CHARS = frozenset("省市区縣县镇鎮乡鄉街道村社城农農全本各该")
PLACE_SUFFIX = ("市", "区", "县", "镇", "乡", "街道", "新区", "园区", "社区", "村")
UNIT_SUFFIX = ("市", "区", "县", "镇", "乡", "街道")
COMMON_WORD_FREQ = 1000  # 新建, 长安: as often words as places; a rarer place word before 区 is a place
MAJOR_PLACE_FREQ = 2000
SHORT_ROMAN_FREQ = 400
MAX_PLACE_CHARS = 200
CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}\b")
# An English place by its descriptor: Xiaoshan District, Jiangning District, Changle Town.
DESCRIBED = re.compile(r"\b([A-Z][a-z]{2,}(?:[ -][A-Z][a-z]+)?)\s+(District|County|Town|Township|Subdistrict|Street"
                       r"|New Area|Development Zone|Economic Development Zone)\b")


@lru_cache(maxsize=1)
def _tagger():  # type: ignore[no-untyped-def]
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def chinese_places(question: str, known: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Place names in a Chinese question, in the Simplified matching form.

    Two sources, both conservative (a false place turns a good question away): words jieba's dictionary
    tags as places that are either written with a place suffix or are major cities (frequent entries,
    南京, 杭州); and 某某区/某某镇-shaped names whose stem is no common word (功能区, 试点区 are not
    places). The plan's own names (`known`) are taken out first: the general dictionary does not know
    them and would tag a fragment of one as a place.
    """
    text = normalize(question)[:MAX_PLACE_CHARS]  # the tagger's cost grows with the text; places come early
    for name in sorted(known, key=len, reverse=True):
        if len(name) >= 2 and name in text:
            text = text.replace(name, " ")
    freq = _frequencies()
    out = []
    pairs = [(p.word, p.flag) for p in _tagger().lcut(text)]
    for k, (word, flag) in enumerate(pairs):
        if len(word) < 2 or set(word) <= GENERIC_PLACE_CHARS:
            continue
        if (flag == "ns" and k + 1 < len(pairs) and pairs[k + 1][0] in UNIT_SUFFIX and not word.endswith(PLACE_SUFFIX)
                and freq.get(word, (0, ""))[0] < COMMON_WORD_FREQ):
            word = word + pairs[k + 1][0]  # 「溧水」「区」: the tagger cut the suffix off a place it knows
        word_freq, tag = freq.get(word, (0, ""))
        if flag == "ns" and (word.endswith(PLACE_SUFFIX) or word_freq >= MAJOR_PLACE_FREQ):
            out.append(word)
        elif len(word) >= 3 and word.endswith(PLACE_SUFFIX) and (tag == "ns" or word_freq < 50):
            stem = word[:-2] if word.endswith(("街道", "社区")) else word[:-1]
            stem_freq, stem_tag = freq.get(stem, (0, ""))
            if len(stem) >= 2 and not (stem_tag not in ("ns", "nr") and stem_freq >= 200):
                out.append(word)  # 某某区 the dictionary does not know as a common noun (功能区 and 示范区 it does)
    return out


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, tuple[int, str]]:
    """jieba's general dictionary: word → (frequency, part of speech)."""
    import os

    import jieba

    out: dict[str, tuple[int, str]] = {}
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        for line in f:
            word, count, tag = line.split()
            out[word] = (int(count), tag)
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
    out: dict[str, set[str]] = {}
    for word, (freq, tag) in _frequencies().items():
        if tag == "ns" and 2 <= len(word) <= 3 and freq >= 100:
            stem = word[:-1] if len(word) == 3 and word.endswith(("市", "省", "县")) else word
            roman = pinyin_of(stem).replace(" ", "").lower()
            # Four letters (wuxi) collide with ordinary words more often: only for well-known places.
            if roman.isascii() and (len(roman) >= 5 or len(roman) == 4 and freq >= SHORT_ROMAN_FREQ):
                out.setdefault(roman, set()).add(stem)
    return {roman: tuple(sorted(names)) for roman, names in out.items()}


def _english_mentions(question: str) -> list[str]:
    """Romanised place names an English question uses as a place: Hangzhou's, in/of/for Hangzhou,
    Xiaoshan District — not an adjective (the Jiangsu–Shandong boundary)."""
    text = fold_width(question)
    places = romanised_places()
    out = []
    for m in CAPITALISED.finditer(text):
        word = m.group(0)
        if word.lower() not in places:
            continue
        before, after = text[: m.start()].rstrip().lower(), text[m.end():]
        if (re.search(r"\b(in|of|for|at|about|does|do|will|must|has|is|are|was|did)$", before)
                or re.match(r"(?:'s\b|\s+(?:City|District|County|Town|Province|Subdistrict)\b)", after)):
            out.append(word)
    return out


def own_names() -> set[str]:
    """The plan's own romanised names, whole and word by word (a set: hangzhou is not in changzhou)."""
    vocab = vocabulary()
    names = {a.lower() for aliases in (*vocab.units.values(), *vocab.scopes.values()) for a in aliases}
    names |= {n.lower() for n in vocab.unit_english.values()}
    names |= {pinyin_of(c).replace(" ", "").lower() for c in vocab.city}
    return names | {w for n in names for w in n.split()}


def english_places(question: str, document_text: str = "") -> list[str]:
    """Romanised places an English question asks about that are none of the plan's own names and that the
    plan's text (`document_text`, in matching form) never writes in Chinese."""
    own, places = own_names(), romanised_places()
    return [w for w in _english_mentions(question) if w.lower() not in own
            and not any(normalize(name) in document_text for name in places[w.lower()])]


def english_places_in_text(question: str, document_text: str) -> list[str]:
    """Chinese names of the places an English question asks about that the plan's text does mention
    (Xiaoshan → 萧山, named in passing) but that are none of its units."""
    own, places = own_names(), romanised_places()
    return [normalize(name) for w in _english_mentions(question) if w.lower() not in own
            for name in places[w.lower()] if normalize(name) in document_text]


def place_key(name: str) -> str:
    """A Chinese place name as its romanised stem, to meet English mentions (江宁区 → jiangning)."""
    from assistant.ingest.profile import split_place

    return pinyin_of(split_place(name)[0]).replace(" ", "").replace("-", "").lower()


def described_places(question: str) -> list[tuple[str, str]]:
    """Places an English question names with a descriptor (Xiaoshan District) that are none of the plan's
    own names: (romanised stem, the mention as written)."""
    own = own_names()
    out = []
    for m in DESCRIBED.finditer(fold_width(question)):
        stem = m.group(1).replace(" ", "").replace("-", "").lower()
        if stem not in own and m.group(0).lower() not in own:
            out.append((stem, m.group(0)))
    return out
