"""Typos a person makes, read as the word they meant, before a question is understood.

Chinese typed with a pinyin keyboard goes wrong by sound: 负则 for 负责, 床未 for 床位, 住餐点 for 助餐点.
A run of the question that the plan never writes, that sounds like a word of the plan or of the question
vocabulary and differs from it in one character, is that word — when the sentence reads clearly better
with it (jieba's word-frequency score of the run rises by a margin), so that 「哪个区」 is not turned
into 各区 nor 「某某市一季度」 into 十一季度. English goes wrong by a key or two (secnd, cemetaries): a
lower-case word no dictionary knows is corrected by `pyspellchecker`, preferring the candidate that the
glossary or the question vocabulary knows. Names (capitalised words, the plan's places) are left alone,
but for a misspelt place and a programme the English spells in pinyin (Quanlinghui): a capitalised word that
sounds like exactly one run of the plan's text is that run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from assistant.text import normalize

HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
WINDOW_SIZES = (4, 3, 2)
CONTEXT = 3  # characters either side that the score of a correction reads
MARGIN = 5.0  # natural-log score a correction must gain: the corrected run is ~150x likelier
COMMON_CHARACTER = 100_000  # 的 个 是 年: a character this frequent was meant, not mistyped
PLACE_SUFFIX = "省市区县镇乡村街"
# What follows a place's head in its name: 省 市 县 镇 乡 街道, after up to two more characters (东关 of
# 东关南街街道), or 区 right after it (萧山区; 全龄汇社区食堂 is no place).
PLACE_AFTER = r"(?:[\u4e00-\u9fff]{0,2}(?:街道|省|市|县|镇|乡)|区)"
MIN_ENGLISH = 5
MIN_NAME = 5  # shorter romanised names (Wuxi, Anji) are too close to other words to guess at
MIN_SYNONYM = 3
ROMANISED_SIZES = range(2, 7)  # characters of a plan run an English question may spell in pinyin


def _sound(text: str) -> str:
    """Toneless pinyin, read in context (pypinyin's phrase readings: 曾经 ceng, 曾国 zeng)."""
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(text))


def _tokenizer() -> Any:
    from assistant.text import _tokenizer as shared

    return shared()


def _score(text: str) -> float:
    """jieba's best-segmentation log probability of a text: higher reads as likelier Chinese."""
    tok = _tokenizer()
    dag = tok.get_DAG(text)
    route: dict[int, tuple[float, int]] = {}
    tok.calc(text, dag, route)
    return float(route[0][0])


def _abbreviates(short: str, full: str) -> bool:
    """Whether `short` is made of `full`'s characters in order (未保站 of 未成年人保护工作站)."""
    rest = iter(full)
    return all(ch in rest for ch in short)


def _frequency(word: str) -> int:
    return int(_tokenizer().FREQ.get(word, 0))


@lru_cache(maxsize=1)
def _english_dictionary() -> Any:
    from spellchecker import SpellChecker

    return SpellChecker()


class Speller:
    """Corrects one plan's questions: `targets` are the Chinese words it may correct to, `document` the
    plan's text (a string it contains is never a typo), `english` the domain words English prefers."""

    def __init__(self, targets: Iterable[str], document: str, english: Iterable[str],
                 synonyms: Iterable[tuple[str, ...]] = (), tables: str = "", names: Iterable[str] = ()) -> None:
        self.document = document
        # The romanised words of the plan's own names (tianning, jintan): a capitalised word one edit away
        # from exactly one of them is that name mistyped (Tianing); other capitalised words are left alone.
        self.names = frozenset(w.lower() for w in names)
        # A glossary term the plan's tables never write, in the short form they write instead (未成年人保护
        # 工作站 → 未保站, its characters taken in order): a question about a unit's figure then matches the row.
        self.own_word: dict[str, str] = {}
        for group in synonyms:
            written = sorted((z for z in group if z in tables), key=len, reverse=True)
            for z in group:
                short = next((w for w in written if len(w) < len(z) and _abbreviates(w, z)), None)
                if short and len(z) >= MIN_SYNONYM and z not in tables:
                    self.own_word[z] = short
        self.by_sound: dict[str, set[str]] = {}
        for w in targets:
            if 2 <= len(w) <= max(WINDOW_SIZES) and HAN_RUN.fullmatch(w):
                self.by_sound.setdefault(_sound(w), set()).add(w)
        self.english = frozenset(w.lower() for w in english)
        self._romanised: dict[str, set[str]] | None = None

    def correct(self, question: str) -> str:
        """The question with each sound-alike slip of Chinese and each misspelt English word replaced, and
        each glossary term in the plan's own word for it."""
        fixed = self._english(HAN_RUN.sub(lambda m: self._han(m.group(0)), question))
        for term in sorted(self.own_word, key=len, reverse=True):
            folded = normalize(fixed)
            at = folded.find(term)
            if at >= 0 and len(folded) == len(fixed):  # spliced where it stands; the asker's script kept
                fixed = fixed[:at] + self.own_word[term] + fixed[at + len(term):]
        return fixed

    def _han(self, run: str) -> str:
        text = normalize(run)
        if len(text) != len(run):
            return run  # a conversion that changed the length: positions would not line up
        out: list[str] = []
        i = 0
        while i < len(text):
            for size in WINDOW_SIZES:
                if i + size <= len(text) and (fix := self._sound_alike(text, i, size)):
                    out.append(fix)
                    i += size
                    break
            else:
                out.append(run[i])
                i += 1
        return "".join(out)

    def _sound_alike(self, text: str, i: int, size: int) -> str | None:
        w = text[i:i + size]
        if w in self.document or _frequency(w) > 0:
            return None
        if i + size < len(text) and text[i + size] in PLACE_SUFFIX:
            return None  # a place's name (周市镇), not a word to correct
        found = {t for t in self.by_sound.get(_sound(w), ()) if sum(a != b for a, b in zip(t, w, strict=True)) == 1}
        if len(found) != 1:
            return None
        fix = next(iter(found))
        wrong = next(w[k] for k in range(size) if fix[k] != w[k])
        if _frequency(wrong) >= COMMON_CHARACTER:
            return None
        left, right = text[max(0, i - CONTEXT):i], text[i + size:i + size + CONTEXT]
        if _score(left + fix + right) - _score(left + w + right) < MARGIN:
            return None
        return fix

    def _english(self, question: str) -> str:
        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            if len(word) >= MIN_NAME and word[0].isupper() and word[1:].islower():
                return self._name(word)
            if len(word) < MIN_ENGLISH or not word.islower() or word in self.english:
                return word
            dictionary = _english_dictionary()
            if word in dictionary:
                return word
            candidates = dictionary.candidates(word) or set()
            preferred = {c for c in candidates if c in self.english}
            if len(preferred) == 1:
                return next(iter(preferred))
            best = dictionary.correction(word)
            return best if best and not preferred else word

        return re.sub(r"[A-Za-z]+", fix, question)

    def _name(self, word: str) -> str:
        """A capitalised word: the plan's one name it misspells, else the word as typed."""
        lower = word.lower()
        if lower in self.names or lower in self.english or lower in _english_dictionary():
            return word
        # One letter inserted, dropped, replaced or two neighbours swapped (the dictionary's own edits).
        near = [n for n in _english_dictionary().edit_distance_1(lower) if n in self.names and len(n) >= MIN_NAME]
        if len(near) == 1:
            return near[0].capitalize()
        runs = self.romanised().get(lower, set())
        if len(runs) != 1:
            return word
        run = next(iter(runs))
        # A place (Jiangsu, Xiaoshan, Dongguan of 东关南街街道) stays in English: the readers of places know
        # them in pinyin, and a run the plan writes at the head of a place's name (江苏省, 萧山区) is one.
        return word if re.search(re.escape(run) + PLACE_AFTER, self.document) else run

    def romanised(self) -> dict[str, set[str]]:
        """Toneless pinyin (no spaces) of every short run of the plan's Chinese → the runs that read so;
        built on first need, since most questions name nothing in pinyin."""
        if self._romanised is None:
            from pypinyin import lazy_pinyin

            self._romanised = {}
            for run in set(HAN_RUN.findall(self.document)):
                sounds = lazy_pinyin(run)
                if len(sounds) != len(run):
                    continue
                for i in range(len(run)):
                    spelled = ""
                    for size in range(1, min(max(ROMANISED_SIZES), len(run) - i) + 1):
                        spelled += sounds[i + size - 1]
                        if size in ROMANISED_SIZES:
                            self._romanised.setdefault(spelled, set()).add(run[i:i + size])
        return self._romanised


@lru_cache(maxsize=1)
def question_vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """(Chinese, English) words the question readers know: their cue lists and the glossary, whatever the
    plan. Taken from the readers' own constants so a new cue is a known word at once."""
    from assistant import lexicon, understand

    strings: list[str] = []
    for module in (understand, lexicon):
        for value in vars(module).values():
            if isinstance(value, tuple | frozenset | set | dict) and all(isinstance(x, str) for x in value):
                strings += list(value)
    for entry in lexicon.glossary():
        strings += [*entry.en, *entry.zh]
    chinese = {normalize(w) for s in strings for w in HAN_RUN.findall(s)}
    english = {w for s in strings for w in re.findall(r"[a-z]+", s.lower())}
    return frozenset(chinese), frozenset(english)


def plan_speller(document_text: str, english_names: Iterable[str] = (), tables: str = "") -> Speller:
    """The speller of one plan: its own words (as the tokenizer cuts its text) and the question
    vocabulary; the English names of its units and bodies are known English words."""
    from assistant.lexicon import glossary
    from assistant.text import tokenize

    chinese, english = question_vocabulary()
    words = {t for t in tokenize(document_text) if HAN_RUN.fullmatch(t)}
    names = {w for n in english_names for w in re.findall(r"[a-z]+", n.lower())}
    groups = [tuple(normalize(z) for z in e.zh) for e in glossary() if e.topic != "question" and len(e.zh) > 1]
    return Speller(words | chinese, document_text, english | names, groups, tables, names)
