"""Names and aliases: units, city-level scopes, quarters, months, responsible bodies, glossary.

Question understanding needs to recognise the same unit in 昆山市, 崑山市, 昆山, "Kunshan's" or "Kunshan
City" — names and aliases the loaded plan's profile holds (`use_vocabulary`) — and the same quarter in
三季度, Q3, 7-9月 or "Jul–Sep". English questions are
expanded with the plan's Chinese terms so BM25 and a multilingual dense model can match the Chinese
document. Matching is on `text.normalize` output (half-width, Simplified, lower-case); canonical
names are returned exactly as the plan writes them (Traditional).

All tables are compiled on first use and cached; nothing is loaded at import time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

from assistant.errors import InputError
from assistant.models import QUARTER_LABELS, QUARTERS, Plan
from assistant.text import STOPWORDS, normalize, to_simplified, word_spans

CITYWIDE = "全市"
CITYWIDE_FORMS = ("全市", "全区", "全县", "全镇", "全乡", "全街道", "whole city", "entire city", "citywide", "city-wide",
                  "across the city", "whole district", "district-wide", "whole county", "countywide", "county-wide",
                  "whole town", "whole subdistrict")


@dataclass(frozen=True)
class Vocabulary:
    """The loaded plan's names, from the profile ingest derived (see `ingest.profile`).

    `units` maps each unit (a 辖市/区, 镇/街道 … as the plan writes it) to every alias; `bodies` the same
    for responsible bodies; `scopes` holds the city-level share (…本级) and the whole-plan scope.
    """

    units: dict[str, tuple[str, ...]]
    unit_english: dict[str, str]
    bodies: dict[str, tuple[str, ...]]
    body_english: dict[str, str]
    scopes: dict[str, tuple[str, ...]]
    city: tuple[str, ...] = ()
    issuer: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    periods: dict[str, str] = field(default_factory=dict)
    forms: dict[str, str] = field(default_factory=dict)
    structure: tuple[str, ...] = ()

    @classmethod
    def from_plan(cls, plan: Plan) -> Vocabulary:
        """The vocabulary of a loaded plan: its units, profile and milestone periods."""
        base = cls.from_profile(plan.units, plan.profile)
        # The words of column labels and table titles say where a figure sits, not what a question is about.
        # Those words the body's own headings use (民政, 养老 …) stay topic words.
        from assistant.text import tokenize

        # A table with the units down the rows names one task per column (家庭养老床位 | 门牌楼牌更换): those
        # labels are what the rows are about, not where a figure sits.
        named = {t.content for t in plan.tasks} | {t.group for t in plan.tasks}
        labels = [c for t in plan.tables if t.kind in ("task", "milestone") for c in t.columns
                  if c not in plan.units and c not in named]
        structural = {t.attachment for t in plan.tables if t.kind in ("task", "milestone")}
        titles = [plan.metadata[f"attachment_{n}_title"] for n in sorted(structural)
                  if f"attachment_{n}_title" in plan.metadata]
        headed = {t for s in plan.sections if s.kind in ("chapter", "subsection") for t in tokenize(s.heading)}
        words = {t for label in labels + titles for t in tokenize(label) if not t.isdigit()} - headed
        # The glossary's table-structure terms (任务分解, 责任单位) too, unless the body text itself uses them.
        body = normalize(" ".join(s.text for s in plan.sections))
        words |= {normalize(z) for entry in glossary() if entry.topic == "tables" for z in entry.zh
                  if normalize(z) not in body}
        return replace(base, periods={p.code: p.label for p in plan.periods}, structure=tuple(sorted(words)))

    @classmethod
    def from_profile(cls, units: list[str], profile: dict[str, list[str]]) -> Vocabulary:
        """The vocabulary of a plan with these units and this stored profile."""
        city = tuple(profile.get("city", []))
        city_level = {u: tuple(profile.get(f"unit:{u}", [u])) for u in profile_units(profile) if u not in units}
        whole = CITYWIDE_FORMS + tuple(f"全{c}" for c in city[1:2] or city[:1]) + tuple(
            f"{p} {pinyin_of(c)}" for c in city[1:2] or city[:1] for p in ("all of", "whole of")
        )
        return cls(
            units={u: tuple(profile.get(f"unit:{u}", [u])) for u in units},
            unit_english={u: (profile.get(f"unit_en:{u}") or [u])[0] for u in [*units, *city_level]},
            bodies={k[5:]: tuple(v) for k, v in profile.items() if k.startswith("body:")},
            body_english={k[8:]: v[0] for k, v in profile.items() if k.startswith("body_en:") and v},
            scopes={**city_level, CITYWIDE: whole},
            city=city,
            issuer=tuple(profile.get("issuer", [])),
            words=tuple(profile.get("words", [])),
            forms=dict(f.split("\t", 1) for f in profile.get("forms", []) if "\t" in f),
        )


def profile_units(profile: dict[str, list[str]]) -> list[str]:
    """Units named in a profile (including a city-level share such as 市本级 that is no column)."""
    return [k[5:] for k in profile if k.startswith("unit:")]


def pinyin_of(name: str) -> str:
    from assistant.ingest.profile import pinyin

    return pinyin(name)


EMPTY = Vocabulary(units={}, unit_english={}, bodies={}, body_english={}, scopes={CITYWIDE: CITYWIDE_FORMS})
_active: list[Vocabulary] = [EMPTY]


def use_vocabulary(vocabulary: Vocabulary) -> None:
    """Make a plan's names the ones questions are read with (one plan per process, see service.py)."""
    from assistant.text import use_document_forms, use_plan_words

    _active[0] = vocabulary
    use_plan_words(vocabulary.words)
    use_document_forms(vocabulary.forms)
    for cached in (_matcher, district_aliases, _phrase_index, english_unit_names, _unit_name_words, _pinyin_names):
        cached.cache_clear()
    from assistant import topic

    topic.clear_caches()


def vocabulary() -> Vocabulary:
    """The active plan's vocabulary."""
    return _active[0]


_CN_DIGITS = "一二三四五六七八九十"
_CN_NUMBER = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "十一": 11, "十二": 12}
_EN_NUMBER = {"one": 1, "two": 2, "three": 3, "four": 4, "first": 1, "1st": 1, "second": 2, "2nd": 2,
              "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "final": 4}
_MONTHS_EN = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
              "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3,
              "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sept": 9, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")
_MON = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))
_MON_NO_MAY = "|".join(m for m in sorted(_MONTHS_EN, key=len, reverse=True) if m != "may")
_CN_MONTH = rf"(?:1[0-2]|0?[1-9]|十[一二]?|[{_CN_DIGITS[:-1]}])"
_RANGE_SEP = r"\s*(?:-|~|至|到|to|through|thru|until|till)\s*"

# Quarter expressions, tried left to right; at one position the first alternative that matches wins.
# English words may touch Han characters (吴中区Q3, 1st quarter的), so no \b: ASCII-only boundaries.
_LB, _RB = r"(?<![a-z0-9])", r"(?![a-z0-9])"
_QUARTER_RE = [
    rf"(?<![\d{_CN_DIGITS}])(?P<r1>{_CN_MONTH})\s*月?份?{_RANGE_SEP}(?P<r2>{_CN_MONTH})\s*月",
    rf"{_LB}(?P<e1>{_MON})\.?{_RANGE_SEP}(?P<e2>{_MON}){_RB}",
    r"第?(?P<cq>[一二三四1-4])\s*季度",
    r"第(?P<oq>[一二三四1-4])\s*季",
    # 四季 alone means "all year round"; 下一季 / 上一季 are relative to a quarter named before
    rf"(?<![\d{_CN_DIGITS}第每上下前后这本该])(?P<bq>[一二三1-3])季",
    r"(?<![a-z])q(?P<q>[1-4])(?!\d)",
    r"(?<![0-9a-z])(?P<nq>[1-4])q(?![0-9a-z])",
    rf"{_LB}(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|final)[\s-]+quarter{_RB}",
    rf"(?P<last>最后一个?季度?|{_LB}(?:the|its|their)\s+last[\s-]+quarter{_RB})",  # the year's last, not "last quarter" ago
    rf"{_LB}quarter[\s-]*(?P<num>one|two|three|four|[1-4]){_RB}",
    rf"(?P<half>上半年|下半年|{_LB}first[\s-]+half{_RB}|{_LB}second[\s-]+half{_RB})",
]
_MONTH_RE = [
    _QUARTER_RE[0], _QUARTER_RE[1],
    rf"(?<![\d{_CN_DIGITS}第])(?P<m>{_CN_MONTH})\s*月(?!\s*[-~至到])",
    rf"{_LB}(?P<em>{_MON_NO_MAY}){_RB}",
    rf"{_LB}(?:in|by|of|before|until|till|from|during|end)\s+(?P<may>may){_RB}",
    r"(?P<mid>年中|年中前|mid-year|midyear|middle of the year)",
    r"(?P<end>年底|年末|end of the year|year-end|year end|end of year)",
]


# 年中 / 年底 name a month by where it falls in the year.
YEAR_POINTS = {"mid": 6, "end": 12}
# The apostrophe pinyin puts before a syllable that starts with a vowel (Ping'an, Xi'an): aliases have none.
SYLLABLE_MARK = re.compile(r"(?<=[a-z])['’](?=[aeo])")


def _month(token: str) -> int:
    """1..12 from 3, 03, 三, 十二, mar, March."""
    if token.isdigit():
        return int(token)
    return _CN_NUMBER.get(token) or _MONTHS_EN[token]


def quarter_of_month(month: int) -> str:
    """The quarter code ("Q1".."Q4") that a month 1..12 falls in."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return QUARTERS[(month - 1) // 3]


def _quarters_of_range(first: int, last: int) -> list[str]:
    """Every quarter a month range touches (7-8月 → Q3; 1-6月 → Q1, Q2)."""
    if first > last:
        return []
    return list(dict.fromkeys(quarter_of_month(m) for m in range(first, last + 1)))


@lru_cache(maxsize=1)
def quarter_alias_patterns() -> list[re.Pattern[str]]:
    """Compiled quarter expressions (for normalised text), e.g. to strip them from a question."""
    return [re.compile("|".join(_QUARTER_RE))]


def find_quarters(question: str) -> list[str]:
    """Quarter codes named in a question, in order of first mention.

    Understood: 一季度, 第一季度, 1季度, 一季, Q1, 1Q, "first quarter", "1st quarter", "quarter 1", month
    ranges (1-3月, 一至三月, 1月至3月, Jan-Mar, January to March; a range spanning quarters gives each
    one), and halves (上半年 → Q1, Q2; "second half" → Q3, Q4). Deliberately not understood: 年底 /
    "year-end" — in this plan 年底前 is a deadline ("by the end of the year") next to month deadlines such
    as 9月底前, not a quarter; see `find_months` for those.
    """
    found: list[str] = []
    for m in quarter_alias_patterns()[0].finditer(normalize(question)):
        g = {k: v for k, v in m.groupdict().items() if v}
        if "r1" in g or "e1" in g:
            first, last = (g["r1"], g["r2"]) if "r1" in g else (g["e1"], g["e2"])
            found += _quarters_of_range(_month(first), _month(last))
        elif "last" in g:
            found.append(QUARTERS[-1])
        elif "half" in g:
            found += ["Q1", "Q2"] if g["half"] == "上半年" or g["half"].startswith("first") else ["Q3", "Q4"]
        else:
            (value,) = g.values()
            n = _EN_NUMBER.get(value) or _CN_NUMBER.get(value) or int(value)
            found.append(QUARTERS[n - 1])
    return list(dict.fromkeys(found))


def resolve_quarter(name: str) -> str:
    """Q1..Q4 from a filter value such as Q3, q3, 三季度 or third quarter; InputError unless exactly one."""
    code = name.strip().upper()
    if code in QUARTERS:
        return code
    found = find_quarters(name)
    if len(found) != 1:
        raise InputError(f"cannot read {name!r} as one quarter; use Q1, Q2, Q3 or Q4")
    return found[0]


def find_months(question: str) -> list[int]:
    """Months (1..12) named in a question: 3月, 三月底, 1-3月 (→ 1, 2, 3), March, "by May"."""
    found: list[int] = []
    for m in re.finditer("|".join(_MONTH_RE), normalize(question)):
        g = {k: v for k, v in m.groupdict().items() if v}
        if "r1" in g or "e1" in g:
            first, last = (g["r1"], g["r2"]) if "r1" in g else (g["e1"], g["e2"])
            found += list(range(_month(first), _month(last) + 1))
        else:
            ((group, value),) = g.items()
            found.append(YEAR_POINTS.get(group) or _month(value))
    return list(dict.fromkeys(found))


@lru_cache(maxsize=1)
def quarter_aliases() -> dict[str, str]:
    """Literal quarter expressions → quarter code: a sample of what `find_quarters` understands."""
    ordinals = (("first", "1st"), ("second", "2nd"), ("third", "3rd"), ("fourth", "4th"))
    out: dict[str, str] = {}
    for i, q in enumerate(QUARTERS):
        n, cn = i + 1, _CN_DIGITS[i]
        a, b = 3 * i + 1, 3 * i + 3
        first, last = _MONTH_NAMES[a - 1], _MONTH_NAMES[b - 1]
        forms = [QUARTER_LABELS[q], f"第{cn}季度", f"{n}季度", f"第{n}季度", f"第{cn}季", q, q.lower(), f"{n}Q",
                 f"{ordinals[i][0]} quarter", f"{ordinals[i][1]} quarter", f"quarter {n}", f"{a}-{b}月",
                 f"{a}月至{b}月", f"{_num_cn(a)}至{_num_cn(b)}月", f"{first[:3]}-{last[:3]}", f"{first} to {last}"]
        if n < 4:  # 四季 alone means "the four seasons"
            forms.append(f"{cn}季")
        out.update(dict.fromkeys(forms, q))
    return out


def _num_cn(n: int) -> str:
    """1..12 in Chinese numerals."""
    return next(k for k, v in _CN_NUMBER.items() if v == n)


# ---- name matching -------------------------------------------------------------------------------

_LATIN_ALIAS = re.compile(r"^[\x00-\x7f]+$")
_SEPARATORS = re.compile(r"[\s\-']+")


def _key(text: str) -> str:
    """Lookup key of a matched alias: normalised, without spaces, hyphens and apostrophes."""
    return _SEPARATORS.sub("", normalize(text))


@dataclass(frozen=True)
class _NameMatcher:
    """One alternation over a table's aliases, longest first; short Chinese aliases must be whole words."""

    pattern: re.Pattern[str]
    canonical: dict[str, str]

    @classmethod
    def build(cls, table: dict[str, tuple[str, ...]]) -> _NameMatcher:
        canonical: dict[str, str] = {}
        parts: list[tuple[int, str]] = []
        for name, aliases in table.items():
            for alias in (name, *aliases):
                canonical[_key(alias)] = name
                norm = normalize(alias)
                if _LATIN_ALIAS.match(alias):
                    words = [re.escape(w) for w in _SEPARATORS.split(norm) if w]
                    body = r"(?<![a-z0-9])" + r"[\s\-']*".join(words) + r"(?![a-z0-9])"
                else:
                    body = re.escape(norm)
                parts.append((len(_key(alias)), body))
        parts.sort(key=lambda p: -p[0])
        if not parts:  # a plan with no units (a body-only plan): nothing to find
            return cls(re.compile(r"(?!x)x"), canonical)
        return cls(re.compile("|".join(dict.fromkeys(b for _, b in parts))), canonical)

    def find(self, question: str) -> list[str]:
        """Canonical names in order of first mention."""
        text = SYLLABLE_MARK.sub("", normalize(question))  # Ping'an and Xi'an are written with a syllable mark
        boundaries: set[int] | None = None
        found: list[str] = []
        pos = 0
        while (m := self.pattern.search(text, pos)) is not None:
            alias = m.group()
            if len(alias) <= 2 and not alias.isascii():
                if boundaries is None:
                    boundaries = {b for _, s, e in word_spans(text) for b in (s, e)}
                if m.start() not in boundaries or m.end() not in boundaries:
                    pos = m.start() + 1  # e.g. 经开 inside 已经开始
                    continue
            found.append(self.canonical[_key(alias)])
            pos = m.end()
        return list(dict.fromkeys(found))


@lru_cache(maxsize=3)
def _matcher(kind: str) -> _NameMatcher:
    v = vocabulary()
    tables = {"district": v.units, "scope": v.scopes, "unit": v.bodies}
    return _NameMatcher.build(tables[kind])


def find_districts(question: str) -> list[str]:
    """The loaded plan's units (as its tables write them) mentioned in a question, in order.

    Two-character short forms (e.g. 吴中 for 吴中区) count only when jieba cuts them as a word, so 已经开始
    does not name a unit; 全市 and …本级 are scopes, not units (see `find_scopes`).
    """
    return _matcher("district").find(question)


def find_scopes(question: str) -> list[str]:
    """City-level scopes mentioned: …本级 (the city's own share of a target) and/or 全市 (the whole plan)."""
    return _matcher("scope").find(question)


def find_units(question: str) -> list[str]:
    """Responsible units (as the plan writes them in 責任單位) mentioned in a question, in order."""
    return _matcher("unit").find(question)


@lru_cache(maxsize=1)
def district_aliases() -> dict[str, str]:
    """Every district alias as written (Simplified, Traditional, short, English, pinyin) → canonical name."""
    return {alias: name for name, aliases in vocabulary().units.items() for alias in (name, *aliases)}


def district_alias_patterns() -> list[re.Pattern[str]]:
    """The compiled district alternation (for normalised text), e.g. to strip names from a question."""
    return [_matcher("district").pattern]


# ---- glossary and English expansion ---------------------------------------------------------------

@dataclass(frozen=True)
class GlossaryEntry:
    """English phrases and the plan's Chinese terms for one topic (zh as the plan writes it)."""

    topic: str
    en: tuple[str, ...]
    zh: tuple[str, ...]

    @property
    def zh_hans(self) -> tuple[str, ...]:
        """The Chinese terms in Simplified."""
        return tuple(to_simplified(z) for z in self.zh)


@lru_cache(maxsize=1)
def glossary() -> tuple[GlossaryEntry, ...]:
    """The bilingual glossary, from assistant/data/glossary.json."""
    raw = (resources.files("assistant") / "data" / "glossary.json").read_text(encoding="utf-8")
    return tuple(GlossaryEntry(e["topic"], tuple(e["en"]), tuple(e["zh"])) for e in json.loads(raw)["entries"])


@lru_cache(maxsize=1)
def question_words() -> frozenset[str]:
    """Normalised Chinese terms of the glossary's question words (多少, 哪个区, 最多 ...).

    `expand_english` appends them like topic terms; callers measuring topical overlap can drop them.
    """
    return frozenset(normalize(z) for e in glossary() if e.topic == "question" for z in e.zh)


_SPELLING = {"neighbour": "neighbor", "neighbourhood": "neighborhood", "centre": "center", "ageing": "aging",
             "programme": "program", "counselling": "counseling", "labour": "labor", "civilised": "civilized",
             "licence": "license", "favour": "favor", "honour": "honor", "colour": "color"}


def _stem(word: str) -> str:
    """Fold plurals and British spellings so "meal-points" and "meal point", "organisations" and
    "organization" compare equal."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    word = _SPELLING.get(word, word)
    return word.replace("isation", "ization")


def _english_words(text: str) -> list[str]:
    """Lower-case, stemmed words of English text; possessive 's dropped, hyphens split."""
    return [_stem(w) for w in _raw_words(text)]


@lru_cache(maxsize=1)
def _phrase_index() -> dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    """First word → [(phrase words, Chinese terms)], longest phrase first; units included."""
    terms: dict[tuple[str, ...], list[str]] = {}
    pairs = [(e.en, e.zh) for e in glossary()]
    pairs += [(tuple(a for a in aliases if a.isascii()), (name,)) for name, aliases in vocabulary().bodies.items()]
    for phrases, zh in pairs:
        for phrase in phrases:
            words = tuple(_english_words(phrase))
            if words:  # the same phrase in two entries stands for both entries' terms
                known = terms.setdefault(words, [])
                known += [z for z in zh if z not in known]
    index: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for words, chinese in sorted(terms.items(), key=lambda kv: -len(kv[0])):
        index.setdefault(words[0], []).append((words, tuple(chinese)))
    return index


PINYIN_NAME_CHARS = (2, 6)
MIN_PINYIN_LETTERS = 6
MAX_PINYIN_WORDS = 4


@lru_cache(maxsize=1)
def _pinyin_names() -> dict[str, str]:
    """The plan's short names (“平安通”, “时间银行”) by their pinyin run together (pingantong): an English
    question writes a programme's name romanised, as Ping'an Tong or Pingantong."""
    vocab = vocabulary()
    skip = set(vocab.units) | set(vocab.bodies)
    low, high = PINYIN_NAME_CHARS
    out: dict[str, str] = {}
    for word in vocab.words:
        if word in skip or not low <= len(word) <= high or not re.fullmatch(r"[\u4e00-\u9fff]+", word):
            continue
        key = pinyin_of(word).lower()
        if len(key) >= MIN_PINYIN_LETTERS:
            out.setdefault(key, word)
    return out


def _raw_words(text: str) -> list[str]:
    """The words `_english_words` finds, unstemmed, in the same order."""
    return re.findall(r"[a-z0-9]+", re.sub(r"'s(?![a-z0-9])", "", normalize(text)))


def _phrase_walk(query: str) -> Iterator[tuple[tuple[str, ...], str]]:
    """An English query read left to right: (Chinese terms, "") for each glossary or name phrase it matches
    (longest phrase first), ((), word) for each word no phrase covers."""
    words = _english_words(query)
    raw = _raw_words(query)
    names = _pinyin_names()
    index = _phrase_index()
    i = 0
    while i < len(words):
        joined = next(((n, names["".join(raw[i:i + n])]) for n in range(MAX_PINYIN_WORDS, 0, -1)
                       if i + n <= len(raw) and "".join(raw[i:i + n]) in names), None)
        if joined:
            yield (joined[1],), ""
            i += joined[0]
            continue
        for phrase, zh in index.get(words[i], []):
            if tuple(words[i:i + len(phrase)]) == phrase:
                yield tuple(zh), ""
                i += len(phrase)
                break
        else:
            yield (), words[i]
            i += 1


def english_terms(query: str) -> list[str]:
    """The Chinese glossary and unit terms an English query's phrases stand for (longest phrase first)."""
    return list(dict.fromkeys(term for zh, _ in _phrase_walk(query) for term in zh))


# Words of an English question that ask rather than name (how many, does, need, thanks).
ENGLISH_ASKING = frozenset(
    "how many much does will would should must need needs have has had can could shall any all each every "
    "number total target targets task tasks plan plans year years this next last new get give given make "
    "made done due by before after until end complete completed finish finished thank thanks please cheers "
    "urgent quick question help find out sorry bother just checking colleague ask asks report one more thing "
    "like know check source cite lot hello hi my our your their what which who whom when where why "
    "district city county town township street community village area zone quarter q1 q2 q3 q4 first second "
    "third fourth half responsible charge unit units people person build provide add deliver pass say says set "
    "run start achieve receive cover covered completing planned being up under through across main date".split()
)


def english_leftovers(query: str) -> list[str]:
    """The content words of an English question no glossary phrase, unit or body name accounts for.

    When none is left, the Chinese terms the question was translated into are the whole question; when
    some are (rural, regional, centre), the lexical terms miss part of what is asked.
    """
    known = _asking_stems() | _unit_name_words()
    return [w for _, w in _phrase_walk(query) if len(w) > 2 and not w.isdigit() and w not in known]


@lru_cache(maxsize=1)
def _asking_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in ENGLISH_ASKING | {w for w in STOPWORDS if w.isascii()})


@lru_cache(maxsize=1)
def english_unit_names() -> tuple[str, ...]:
    """The romanised names of the plan's units and scopes (Kunshan, Bacheng Town, whole city), longest first."""
    vocab = vocabulary()
    names = {a for aliases in (*vocab.units.values(), *vocab.scopes.values()) for a in aliases if a.isascii()}
    return tuple(sorted(names | set(vocab.unit_english.values()), key=len, reverse=True))


@lru_cache(maxsize=1)
def _unit_name_words() -> frozenset[str]:
    return frozenset(w for name in english_unit_names() for w in _english_words(name))


def expand_english(query: str) -> str:
    """An English query followed by the plan's Chinese terms for what it names.

    Appends glossary and unit terms, canonical district names, 市本級/全市 and quarter labels
    (一季度..四季度), all as the plan writes them, so lexical and dense retrieval both meet the Chinese
    text. Chinese already in the query is kept; a query naming nothing known comes back unchanged.
    """
    extra = english_terms(query) + find_districts(query) + find_scopes(query)
    extra += [QUARTER_LABELS[q] for q in find_quarters(query)]
    extra = [t for t in dict.fromkeys(extra) if t not in query]
    return f"{query} {' '.join(extra)}" if extra else query

