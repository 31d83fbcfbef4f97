"""Text normalisation and tokenisation, for matching only.

The plan is published in Traditional Chinese; most askers write Simplified, some Traditional, some
English. Matching therefore happens on one folded form — half-width, Simplified, lower-case, single
spaces — while every text shown to a person stays exactly as published (or is converted for display by
`to_simplified` / `to_traditional`).

Nothing is built at import time: the OpenCC converters and the jieba tokenizer are created on first use
and cached.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import jieba
import opencc

logger = logging.getLogger(__name__)

Script = Literal["hans", "hant", "latin", "mixed"]
Language = Literal["zh", "en"]

# Typographic characters that are not full-width forms but should fold the same way for matching.
_TYPOGRAPHIC = str.maketrans({
    "\u3000": " ", "\u00a0": " ",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
})
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(raw: str) -> list[str]:
    """A page's lines as an editor numbers them: only newlines end a line.

    `str.splitlines` also breaks at form feeds and other separators, and a PDF converted to text puts a
    form feed between pages, which would shift every line number after the first page.
    """
    lines = _LINE_BREAK.split(raw)
    return lines[:-1] if lines and lines[-1] == "" else lines
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_QUARTER_CODE = re.compile(r"^[qQ][1-4]$|^[1-4][qQ]$")
_WORD_CHAR = re.compile(r"[0-9\u3400-\u4dbf\u4e00-\u9fff]|[a-z]{2}")
# C0/C1 controls but tab and newline, invisible format characters (zero-width, bidi overrides, BOM,
# soft hyphen) and lone surrogates: nothing a person types on purpose, and each breaks something.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff]"
)

# Characters that OpenCC's s2tw would change but that are also standard in Traditional text: the plan
# itself writes 范圍, 關于, 并, 干部, 愿, 咨詢, 采用, 建筑, 征求, 僵尸, 云平臺, 旅游, 合伙人, 熏陶, 布點 ...
# They must not count as evidence that an asker writes Simplified.
_SHARED_CHARACTERS = frozenset("范于并干愿咨采筑后征尸云游伙熏里布托志扎制台面系只冲松准周")

# Document forms of proper names that OpenCC would render with a different (variant) character.

STOPWORDS = frozenset(
    "的 了 和 与 及 以及 或 或者 呢 吗 吧 啊 呀 嘛 么 是 在 对 把 被 为 有 个 请问 请 一下 什么 哪些 哪个 哪 怎么 "
    "怎样 如何 那 那么 这 这个 那个 还 也 都 就 又 "
    "a an the of to in on for and or is are was were be do does did what which who whom how when where "
    "please tell me about it its this that there with by at from as".split()
)


def strip_controls(s: str) -> str:
    """Text as a person meant it: control, zero-width and bidi-override characters and lone surrogates removed.

    Questions arrive from the network. OpenCC and the embedding engine hand text to C as NUL-terminated
    UTF-8, so a NUL silently cuts the text (and broke script detection) and a lone surrogate cannot be
    encoded at all; zero-width characters would let 「忽略\u200b之前的指令」 slip past the injection check.
    Carriage returns become newlines; tabs and newlines stay.
    """
    if s.isprintable():
        return s
    return _INVISIBLE.sub("", s.replace("\r\n", "\n").replace("\r", "\n"))


def fold_width(s: str) -> str:
    """Full-width ASCII letters, digits and punctuation to half-width; ideographic space to a space.

    Also folds typographic dashes and curly quotes to ASCII, so 「1–3月」 and 「1-3月」, or
    「Kunshan’s」 and 「Kunshan's」, match. Chinese punctuation with no half-width form (、。《》) is kept.
    """
    return s.translate(_FULL_WIDTH).translate(_TYPOGRAPHIC)


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    """One OpenCC converter per configuration, built on first use."""
    return opencc.OpenCC(config)


def to_simplified(s: str) -> str:
    """Traditional → Simplified (OpenCC t2s, phrase-aware: 鄉村著名行動 → 乡村著名行动, not 着名)."""
    return _converter("t2s").convert(s)


def to_traditional(s: str) -> str:
    """Simplified → Traditional, for answering Traditional askers.

    Uses OpenCC's Taiwan-standard table (s2tw) rather than s2t: the plan writes 群, 眾, 為, 床, 啟, and
    s2tw reproduces the published text from its Simplified form with about a third fewer differences
    than s2t (which gives 羣, 衆, 爲, 牀, 啓).
    """
    out = _converter("s2tw").convert(s)
    for variant, published in _document_forms.items():
        if variant in out:
            out = out.replace(variant, published)
    return out


def to_traditional_plain(s: str) -> str:
    """OpenCC's s2tw conversion alone, without the loaded plan's own spellings."""
    return _converter("s2tw").convert(s)


_document_forms: dict[str, str] = {}


def use_document_forms(forms: dict[str, str]) -> None:
    """Spell Traditional answers the way the loaded plan does (a name's 鐘 where OpenCC would write 鍾)."""
    _document_forms.clear()
    _document_forms.update(forms)


@lru_cache(maxsize=16384)
def normalize(s: str) -> str:
    """The matching form: half-width, Simplified, lower-case, whitespace collapsed to single spaces.

    Memoised: answering one question normalises the question (and the same chunk texts) a dozen times.
    """
    return _WHITESPACE.sub(" ", to_simplified(fold_width(s)).lower()).strip()


def _marks(s: str) -> tuple[int, int]:
    """(Traditional-only, Simplified-only) character counts among the Han characters of `s`."""
    simplified = to_simplified(s)
    traditional = _converter("s2tw").convert(s)
    if len(simplified) != len(s) or len(traditional) != len(s):  # phrase tables rarely change length
        simplified = "".join(to_simplified(c) for c in s)
        traditional = "".join(_converter("s2tw").convert(c) for c in s)
    hant = hans = 0
    for ch, simp, trad in zip(s, simplified, traditional, strict=True):
        if not _HAN.match(ch):
            continue
        if simp != ch:
            hant += 1
        elif trad != ch and ch not in _SHARED_CHARACTERS:
            hans += 1
    return hant, hans


def detect_script(s: str) -> Script:
    """Which Chinese script a question is written in, so the answer can be written in the same one.

    "latin": no Han characters. "hant"/"hans": Traditional-only (區 養 點 進) or Simplified-only
    (区 养 点 进) characters decide; a question with neither (「三季度」) counts as Simplified, the
    common case. "mixed": both kinds occur and neither outnumbers the other two to one. Latin words
    next to Han characters do not matter here; see `detect_language`.
    """
    fold = fold_width(s)
    if not _HAN.search(fold):
        return "latin"
    hant, hans = _marks(fold)
    if hant and hans:
        if hant >= 2 * hans:
            return "hant"
        if hans >= 2 * hant:
            return "hans"
        return "mixed"
    return "hant" if hant else "hans"


def detect_language(s: str) -> Language:
    """"en" when English words outweigh Chinese: more than one word per two Han characters.

    Quarter codes (Q3, 3Q) and one-letter tokens are not counted as English, so 「某区Q3进度」 is Chinese
    and 「What is 某區's Q3 milestone?」 is English.
    """
    fold = fold_width(s)
    han = len(_HAN.findall(fold))
    words = [w for w in _LATIN_WORD.findall(fold) if not _QUARTER_CODE.match(w)]
    if han == 0:
        return "en"
    return "en" if 2 * len(words) > han else "zh"


def _data_path(name: str) -> Path:
    """A file shipped in assistant/data (package data)."""
    return Path(str(resources.files("assistant") / "data" / name))


@lru_cache(maxsize=1)
def domain_words() -> tuple[str, ...]:
    """The plan's terms (Simplified, normalised) that jieba must keep whole; from data/domain_words.txt."""
    words: list[str] = []
    for line in _data_path("domain_words.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        words.extend(normalize(w) for w in line.split())
    return tuple(dict.fromkeys(w for w in words if w))


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    """The tokenizer questions and passages are cut with: the field's words, and the loaded plan's."""
    return _new_tokenizer()


@lru_cache(maxsize=1)
def field_tokenizer() -> jieba.Tokenizer:
    """A tokenizer that never learns a plan's words: what the field's dictionary alone makes of a text,
    the same whichever plan a process loaded before (ingest reads a new plan's coined names with it)."""
    return _new_tokenizer()


def _new_tokenizer() -> jieba.Tokenizer:
    """A private jieba tokenizer with the trimmed base dictionary and the field's domain words.

    The base dictionary is jieba 0.42.1's dict.txt keeping words with frequency >= 5 (136k of 349k
    words): it loads in about a quarter of the full dictionary's time, and the words it drops are
    rare compounds (民政工作, 贯彻落实) that segment into their parts instead, which suits BM25.
    """
    jieba.setLogLevel(logging.WARNING)  # jieba logs "Building prefix dict ..." at DEBUG to stderr
    tok = jieba.Tokenizer(str(_data_path("jieba_base.txt")))
    tok.initialize()
    for word in domain_words():
        # Suggested frequency (enough to cut the word whole) with a floor, so that a domain word also
        # wins against neighbouring dictionary words in running text.
        tok.add_word(word, max(tok.suggest_freq(word, False), 200))
    logger.debug("jieba tokenizer ready with %d domain words", len(domain_words()))
    return tok


def use_plan_words(words: list[str] | tuple[str, ...]) -> int:
    """Teach the tokenizer the loaded plan's terms (unit and body names, task names, quoted names), in place
    of the previous plan's: a process that loads another plan (a re-ingest, the evaluation of many pages)
    must not cut the new plan's text with the old plan's words. Returns how many words were new.

    A plan word that was already a dictionary word gets its old frequency back when the plan goes;
    memoised tokenisations are dropped so that nothing keeps the old segmentation.
    """
    tok = _tokenizer()
    wanted = {w for w in dict.fromkeys(normalize(x) for x in words) if len(w) >= 2}
    if wanted == set(_plan_words):
        return 0
    for word in [w for w in _plan_words if w not in wanted]:
        _set_frequency(tok, word, _plan_words.pop(word))  # back to its own frequency (0: no word at all)
    added = 0
    for word in wanted - set(_plan_words):
        _plan_words[word] = tok.FREQ.get(word, 0)
        _set_frequency(tok, word, max(tok.suggest_freq(word, False), 200))
        added += 1
    _tokens.cache_clear()
    return added


def _set_frequency(tok: jieba.Tokenizer, word: str, frequency: int) -> None:
    """A word's dictionary frequency, keeping the dictionary's total right (jieba only ever adds to it)."""
    tok.total -= tok.FREQ.get(word, 0)
    tok.add_word(word, frequency)


# Words the loaded plan added, with the frequency each had before (0 when it was no word).
_plan_words: dict[str, int] = {}


def word_spans(normalized: str) -> list[tuple[str, int, int]]:
    """Words of already-normalised text with their [start, end) offsets (precise mode, no HMM).

    Used to check that a short name such as 经开 is a word of the question and not part of 已经开始.
    """
    return list(_tokenizer().tokenize(normalized, mode="default", HMM=False))


def char_pairs(folded: str) -> set[str]:
    """The pairs of neighbouring characters of an already-folded string: how two short Chinese names are
    compared (低保入户复核 ~ 低保家庭入户复核) when no tokenizer cut is the same on both."""
    return {folded[i:i + 2] for i in range(len(folded) - 1)}


def tokenize(s: str) -> list[str]:
    """BM25 tokens: jieba search-mode words of `normalize(s)`, without punctuation and stopwords.

    Search mode also yields the dictionary sub-words of long words (助餐点 → 助餐, 餐点, 助餐点), so a
    question saying 助餐 still overlaps a passage saying 老年助餐点. HMM is off so that the same
    string always segments the same way in a question and in a passage.
    """
    return list(_tokens(s))


@lru_cache(maxsize=4096)
def _tokens(s: str) -> tuple[str, ...]:
    """`tokenize`, memoised: one answer tokenises the same question and passages many times."""
    tokens = []
    for tok in _tokenizer().cut_for_search(normalize(s), HMM=False):
        tok = tok.strip()
        if tok and _WORD_CHAR.search(tok) and tok not in STOPWORDS:
            tokens.append(tok)
    return tuple(tokens)
