"""Which plan of the library a question is about: years, issuers and places it names, then the conversation.

Read before any plan answers: the scope picks one plan (or two, for a comparison) and rewrites relative
years (去年, next year) into the year they stand for, so the plan's own answerer sees an explicit year.
Everything is looked up in the registry entries — no plan, city or year is written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from assistant.library.entries import PlanEntry
from assistant.models import ChatMessage
from assistant.text import normalize

ScopeKind = Literal["single", "compare", "new", "dropped", "still", "missing"]

EXPLICIT_YEAR = re.compile(r"(?<![\d.])(20\d\d)(?:\s*年度?|(?!\d|\.\d|%))")
# Relative years, each with its offset from the current year (longest forms first when matching).
RELATIVE_YEARS: dict[str, int] = {
    "今年": 0, "本年度": 0, "本年": 0, "this year": 0, "this year's": 0, "current year": 0,
    "去年": -1, "上一年": -1, "上年度": -1, "last year": -1, "previous year": -1, "a year ago": -1,
    "前年": -2, "the year before last": -2,
    "明年": 1, "下一年": 1, "来年": 1, "next year": 1, "next year's": 1, "the coming year": 1,
    "后年": 2, "the year after next": 2,
}
RELATIVE = re.compile("|".join(re.escape(k) for k in sorted(RELATIVE_YEARS, key=len, reverse=True)),
                      re.IGNORECASE)
CHANGE_CUES = ("变化", "变了", "有何不同", "有什么不同", "区别", "相比", "对比", "比较", "增加了多少", "减少了多少", "多了多少",
               "少了多少", "调整", "同比", "change", "differ", "compare", "compared", " vs", "versus", "than")
NEW_CUES = re.compile(r"新增(?:了)?(?:哪些|什么|几项|多少项)(?:重点)?(?:任务|事项|工作|内容)|新增(?:了)?(?:哪些|什么)[?？]?$|新(?:的|增的|列入的|加的)(?:重点)?(?:任务|事项|工作)"
                      r"|新列入|新纳入|新加(?:了|入)|多了(?:哪些|什么)|增加了(?:哪些|什么)(?:任务|事项|工作)"
                      r"|what(?:'s| is| are)? new|new (?:tasks|items|rows|work)|(?:tasks|items) (?:were |are )?added"
                      r"|added (?:tasks|items)|(?:were|was|are|is)n?'?t? not (?:in|listed in|included in) the|that (?:were|are) not in"
                      r"|(?:weren't|aren't) in the|not (?:in|listed in|included in) (?:the )?(?:20\d\d|last year)", re.IGNORECASE)
DROPPED_CUES = re.compile(r"不再(?:列入|有|安排|包括|要求)|去掉|删(?:除|掉)|取消了|少了(?:哪些|什么)|没有了|拿掉|drop(?:ped)?|no longer"
                          r"|removed|left out|discontinued", re.IGNORECASE)
BODY_WORD = re.compile(r"(民政局|民政厅|民政部|人民政府|政府|委员会|办事处|局)$")
PLACE_SEGMENT = re.compile(r".+?(?:自治州|自治县|地区|街道|市|区|县|镇|乡)")
# Is a row still there: 「今年还有X吗」, "is X still in the list".
STILL_CUES = re.compile(r"还有.{0,30}吗|还在吗|还在不在|还保留|是否还|还有没有|还列入|still (?:in|there|listed|included|part)"
                        r"|is there still|(?:does|do) .{0,40} still", re.IGNORECASE)
# Two issuers asked about together: 「苏州和无锡…各是多少」, "Suzhou and Wuxi".
TOGETHER_CUES = re.compile(r"[和与跟及、]|分别|各是|各自|对比|比较|\band\b|\bvs\b|versus|compare", re.IGNORECASE)


@dataclass
class Scope:
    """The plans a question is about, and how: one plan, two compared, or a plan the library lacks."""

    kind: ScopeKind
    plans: list[str]
    question: str
    years: list[int] = field(default_factory=list)
    issuer: str = ""
    others: list[str] = field(default_factory=list)
    """Other plans that also fit the question (named in the answer, never mixed into it)."""
    reason: str = ""


def issuer_forms(issuer: str) -> set[str]:
    """An issuer as questions name it: 苏州市吴江区民政局 → also 吴江区民政局, 吴江民政局 (normalised)."""
    name = normalize(issuer)
    body = BODY_WORD.search(name)
    if not name or not body:
        return {name} if name else set()
    places = PLACE_SEGMENT.findall(name[: body.start()])
    forms = {name}
    for i in range(len(places)):
        tail = places[i:]
        forms.add("".join(tail) + body.group(1))
        if len(tail[-1]) > 2:
            forms.add("".join(tail[:-1]) + tail[-1][:-1] + body.group(1))
    return {f for f in forms if len(f) >= 4}


def own_segment(issuer: str) -> str:
    """The most specific place of an issuer (吴江区 of 苏州市吴江区民政局), normalised."""
    name = normalize(issuer)
    body = BODY_WORD.search(name)
    places = PLACE_SEGMENT.findall(name[: body.start()] if body else name)
    return places[-1] if places else name


def _romanised(name: str) -> str:
    from assistant.ingest.profile import pinyin

    return pinyin(name).lower()


def _short(unit: str) -> str:
    stem = re.sub(r"(?:自治州|自治县|街道|市|区|县|镇|乡)$", "", unit)
    return stem if len(stem) >= 2 else unit


class Scoper:
    """Resolves questions against the library's entries; built once per loaded library."""

    def __init__(self, entries: list[PlanEntry], default: str | None = None) -> None:
        self.entries = entries
        self.groups: dict[str, list[PlanEntry]] = {}
        for e in entries:
            self.groups.setdefault(normalize(e.issuer) or e.id, []).append(e)
        for plans in self.groups.values():
            plans.sort(key=lambda e: (e.year or 0, e.added))
        self.default = self._default(default)
        self._forms = {g: set().union(*(issuer_forms(e.issuer) for e in es)) for g, es in self.groups.items()}
        self._places = {g: {normalize(p) for e in es for p in e.places} for g, es in self.groups.items()}
        self._own = {g: {p for p in self._places[g] if p in own_segment(es[0].issuer)} for g, es in self.groups.items()}
        self._units = {g: {u for e in es for u in e.units} for g, es in self.groups.items()}
        self._romanised: dict[str, set[str]] = {}

    def _default(self, pinned: str | None) -> PlanEntry | None:
        if pinned:
            return next((e for e in self.entries if e.id == pinned), None)
        if not self.groups:
            return None
        group = max(self.groups.values(), key=lambda es: (len(es), -self.entries.index(es[0])))
        return group[-1]

    def default_group(self) -> str:
        """The issuer group of the default plan."""
        assert self.default is not None
        return normalize(self.default.issuer) or self.default.id

    def _roman(self, name: str) -> set[str]:
        """A Chinese name's romanised forms (梁溪区 → liangxiqu, liangxi), computed once per name."""
        forms = self._romanised.get(name)
        if forms is None:
            forms = {f for f in (_romanised(name), _romanised(_short(name))) if len(f) >= 3}
            self._romanised[name] = forms
        return forms

    # --- what one text names -------------------------------------------------------------------
    def years_in(self, text: str, today: date) -> list[int]:
        """Years named in the text, explicit or relative to today, in order, without repeats."""
        found: list[tuple[int, int]] = [(m.start(), int(m.group(1))) for m in EXPLICIT_YEAR.finditer(text)]
        found += [(m.start(), today.year + RELATIVE_YEARS[m.group(0).lower()]) for m in RELATIVE.finditer(text)]
        return list(dict.fromkeys(y for _, y in sorted(found)))

    def groups_in(self, text: str) -> dict[str, int]:
        """Issuer groups the text names, with how strongly (3 issuer, 2 own place or unit, 1 shared)."""
        return self._named(text)[0]

    def _named(self, text: str) -> tuple[dict[str, int], set[str]]:
        """`groups_in`, and the groups whose own place the text names."""
        q = normalize(text)
        words = set(re.findall(r"[a-z]+", q))
        scores: dict[str, int] = {}
        fitting: set[str] = set()

        def named(name: str) -> bool:
            n = normalize(name)
            if n.isascii():
                return n in words
            if n in q or (len(_short(n)) >= 2 and _short(n) in q and len(n) > 2):
                return True
            return bool(self._roman(n) & words)

        for g in self.groups:
            score = 3 if any(f in q for f in self._forms[g]) else 0
            for place in self._places[g]:
                if named(place):
                    # The issuer's own place counts fully unless another plan has it as its place or unit;
                    # a parent place (苏州 for a district bureau of 苏州) only weakly.
                    shared = any(place in self._own[o] or any(place in (normalize(u), _short(normalize(u)))
                                                              for u in self._units[o])
                                 for o in self.groups if o != g)
                    own = place in self._own[g]
                    score = max(score, 2 if own and not shared else 1)
                    if own:
                        fitting.add(g)
            for unit in self._units[g]:
                if named(unit):
                    shared = any(normalize(unit) in {normalize(u) for u in self._units[o]} for o in self.groups if o != g)
                    score = max(score, 1 if shared else 2)
            if score:
                scores[g] = score
        return scores, fitting

    # --- the scope ------------------------------------------------------------------------------
    def resolve(self, question: str, history: list[ChatMessage] | None, today: date) -> Scope:
        """The plans the question is about (see the module docstring for the order of evidence)."""
        if self.default is None:
            return Scope(kind="missing", plans=[], question=question, reason="empty")
        years = self.years_in(question, today)
        named, fitting = self._named(question)
        soft_year = None
        if not named or not years:
            for turn in reversed([m for m in history or [] if m.role == "user"]):
                if not named:
                    named = self.groups_in(turn.content)
                if not years and soft_year is None:
                    earlier = self.years_in(turn.content, today)
                    soft_year = earlier[0] if len(earlier) == 1 else None
                if named and (years or soft_year):
                    break
        text = rewrite_years(question, today)
        strong = [g for g, n in named.items() if n >= 2]
        if len(strong) >= 2 and TOGETHER_CUES.search(question):
            return self._across(strong[:2], years, soft_year, text)
        group, others = self._pick_group(named, fitting)
        plans = self.groups[group]
        by_year = {e.year: e for e in plans}
        folded = normalize(question)
        if STILL_CUES.search(folded) and len(plans) > 1:
            return self._pair(plans, years, text, group, "still")
        if DROPPED_CUES.search(folded) or NEW_CUES.search(folded):
            return self._pair(plans, years, text, group, "dropped" if DROPPED_CUES.search(folded) else "new")
        if len(years) >= 2:
            missing = [y for y in years if y not in by_year]
            if missing:
                return self._missing(group, missing[0], text, years)
            return Scope(kind="compare", plans=[by_year[y].id for y in years[:2]], question=text, years=years[:2],
                         issuer=plans[0].issuer)
        if years:
            year = years[0]
            if year not in by_year:
                return self._missing(group, year, text, years)
            chosen = by_year[year]
            if any(c in normalize(question) for c in CHANGE_CUES) and (previous := self._before(plans, chosen)):
                return Scope(kind="compare", plans=[previous.id, chosen.id], question=text,
                             years=[previous.year or 0, year], issuer=chosen.issuer)
        elif soft_year in by_year:
            chosen = by_year[soft_year]
        elif self.default in plans:
            chosen = self.default
        else:
            chosen = plans[-1]
        return Scope(kind="single", plans=[chosen.id], question=text, years=years, issuer=chosen.issuer,
                     others=[self.groups[o][-1].id for o in others])

    def _across(self, groups: list[str], years: list[int], soft_year: int | None, text: str) -> Scope:
        """Two issuers' plans side by side: each for the year named (or its newest)."""
        chosen = []
        for g in groups:
            by_year = {e.year: e for e in self.groups[g]}
            year = years[0] if years else soft_year
            if years and year not in by_year:
                return self._missing(g, year or 0, text, years)
            chosen.append(by_year.get(year) or self.groups[g][-1])
        return Scope(kind="compare", plans=[e.id for e in chosen], question=text, years=years,
                     issuer=chosen[0].issuer)

    def names_of(self, plan: str) -> list[str]:
        """The forms a question names a plan's issuer by (issuer forms, own places), longest first."""
        entry = next(e for e in self.entries if e.id == plan)
        g = normalize(entry.issuer) or entry.id
        return sorted(self._forms[g] | self._own[g], key=len, reverse=True)

    def _pick_group(self, named: dict[str, int], fitting: set[str]) -> tuple[str, list[str]]:
        default = self.default_group()
        if not named:
            return default, []
        best = max(named.values())
        top = [g for g, s in named.items() if s == best]
        group = default if default in top else top[0]
        # Named as well, and fitting: an issuer whose own place the question names (a district bureau's
        # plan when the district is asked about), not one whose parent city it names.
        return group, [g for g in named if g != group and (named[g] >= 2 or g in fitting)]

    @staticmethod
    def _before(plans: list[PlanEntry], entry: PlanEntry) -> PlanEntry | None:
        older = [e for e in plans if (e.year or 0) < (entry.year or 0)]
        return older[-1] if older else None

    def _pair(self, plans: list[PlanEntry], years: list[int], text: str, group: str, kind: ScopeKind) -> Scope:
        by_year = {e.year: e for e in plans}
        if years and years[0] not in by_year:
            return self._missing(group, years[0], text, years)
        newer = by_year[years[0]] if years else (self.default if self.default in plans else plans[-1])
        older = by_year.get(years[1]) if len(years) > 1 else self._before(plans, newer)
        if older is None:
            return Scope(kind="missing", plans=[newer.id], question=text, years=years, issuer=newer.issuer,
                         reason="no-earlier")
        if (older.year or 0) > (newer.year or 0):
            older, newer = newer, older
        return Scope(kind=kind, plans=[older.id, newer.id], question=text, years=[older.year or 0, newer.year or 0],
                     issuer=newer.issuer)

    def _missing(self, group: str, year: int, text: str, years: list[int]) -> Scope:
        plans = self.groups[group]
        return Scope(kind="missing", plans=[e.id for e in plans], question=text, years=years, issuer=plans[0].issuer,
                     reason=f"year:{year}")


def rewrite_years(question: str, today: date) -> str:
    """Relative years spelled out (去年 → 2025年, last year → in 2025), so a plan's answerer reads them."""

    def explicit(m: re.Match[str]) -> str:
        year = today.year + RELATIVE_YEARS[m.group(0).lower()]
        return f"{year}年" if not m.group(0).isascii() else f"in {year}"

    return RELATIVE.sub(explicit, question)


YEAR_LIST = re.compile(r"(?:20\d\d\s*年度?\s*(?:的)?\s*(?:和|与|與|跟|同|比|较|較|对比|對比|相比|vs\.?|and|versus|compared (?:with|to)|,|，|、)?\s*)+",
                       re.IGNORECASE)
EN_YEARS = re.compile(r"\b(?:in|for|between|from|of)?\s*20\d\d(?:\s*(?:and|vs\.?|versus|to|compared (?:with|to))\s*20\d\d)?\b",
                      re.IGNORECASE)
CHANGE_PHRASE = re.compile(r"(?:有什么|有何|有哪些|发生了什么|發生了什麼|有什麼)?(?:变化|變化|不同|区别|區別)|相比(?:较)?|对比|對比|比较|比較"
                           r"|(?:how (?:has|did|have)\s+)?(?:it\s+)?chang(?:e|ed|es)|what changed|differ(?:ence|s)?"
                           r"|compare[ds]?|(?:多|少|增加|减少|減少)(?:了)?多少|^how (?:did|has|have|does)\s+", re.IGNORECASE)


def core_question(question: str) -> str:
    """A comparison question without its years and change words: what to ask each plan for its value."""
    text = re.sub(r"(?:比|较|較|相比|跟|和|与|與|than|vs\.?)\s*(?=20\d\d)", "", question, flags=re.IGNORECASE)
    text = YEAR_LIST.sub("", text)
    text = EN_YEARS.sub(" ", text)
    text = CHANGE_PHRASE.sub("", text)
    return re.sub(r"\s+", " ", text).strip(" ,，、?？") or question


def with_year(core: str, year: int | None, english: bool) -> str:
    """The question put to one plan of a comparison."""
    if year is None:
        return core
    return f"{core} in {year}?" if english else f"{year}年{core}？"


def without_years(text: str) -> str:
    """A history turn as a chosen plan sees it: the years that chose the plan are not its to refuse."""
    return re.sub(r"\s+", " ", RELATIVE.sub("", EXPLICIT_YEAR.sub("", text))).strip()
