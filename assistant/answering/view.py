"""What every route reads: the loaded plan, its chunks by id, the retriever, and the searches they share.

A route is a function `(Understanding, PlanView, Evidence) -> Answer | None`; the view is built once per
loaded plan and holds nothing that changes per question (beyond a bounded memo of which topics BM25 settles).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from typing import Literal, Protocol

from assistant import compose
from assistant.chunks import Chunk
from assistant.lexicon import Vocabulary, english_leftovers, use_vocabulary, vocabulary
from assistant.lookup import numeric_tasks
from assistant.models import Plan, Section, Task
from assistant.obligations import Obligation
from assistant.obligations import obligations as obligations_of
from assistant.spelling import Speller, plan_speller
from assistant.text import normalize, tokenize
from assistant.topic import alternatives, numbers_in, support, topic_tokens
from assistant.understand import Understanding

SUPPORT_THRESHOLD = 0.34
# A BM25 passage holding this share of the question's topic settles the search: the dense half is skipped.
LEXICALLY_SETTLED = 1.0
SETTLED_MEMO = 1024
# Chunks of the body's own sentences (not table rows): where dated and who-does-what sentences are found.
BODY_KINDS = ("subsection", "preamble", "notice")
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# Names and phone numbers: a page that lists contacts (a 联络员名单) can answer contact questions.
CONTACT_DATA = re.compile(r"\d{3,4}-\d{7,8}|(?<!\d)1[3-9]\d{9}(?!\d)|(联系人|联络员|姓名)\s*[:：]")
# Places a sentence lists (在上城区、拱墅区开展…).
LISTED_PLACE = re.compile(r"(?<=[、，,在和与及])((?![在和与及])[\u4e00-\u9fff]{2,3}(?:区|县|市|镇|街道))(?=[、，,。；和与及等])")


# Functional zones a page names beside its units (盐南高新区, 南通经济技术开发区): places, but no unit column.
ZONE_SUFFIX = re.compile(r"(?:开发区|高新区|新区|园区|产业园|度假区|示范区|风景名胜区|景区|港区|保税区|试验区|合作区|管理区|农场)")
# A named addressee of the notice (云谷社区筹备组): not 各社区居委会 or 街道各办（中心、所）, which name kinds.
ADDRESSEE_NAME = re.compile(r"^[\u4e00-\u9fff]{3,16}$")


def addressee_places(addressees: str) -> set[str]:
    """Bodies the notice is sent to by name: a question about one asks about no unit of the tables."""
    parts = re.split(r"[、，,；;（）()]", normalize(addressees))
    return {p for p in parts if ADDRESSEE_NAME.match(p) and "各" not in p}


class Hit(Protocol):
    id: str
    text: str
    score: float
    kind: str
    district: str | None


class Searcher(Protocol):
    def search(
        self, query: str, k: int = 8, district: str | None = None, quarter: str | None = None,
        kinds: Sequence[str] | None = None, mode: Literal["hybrid", "bm25", "dense"] = "hybrid",
    ) -> list: ...  # type: ignore[type-arg]


def tokens_of(u: Understanding) -> set[str]:
    """The topic tokens of a question: what a passage must share to answer it (see assistant.topic)."""
    return topic_tokens(u.topic, u.language)


def plan_years(plan: Plan) -> set[int]:
    """The years a plan is about: those in its title (2025年…要点), else the year it was signed."""
    title = plan.metadata.get("plan_title") or plan.metadata.get("title", "")
    years = {int(y) for y in YEAR.findall(title)}
    if not years:
        for key in ("signed", "published", "generated"):
            if plan.metadata.get(key, "")[:4].isdigit():
                return {int(plan.metadata[key][:4])}
    return years


def sentences_of(text: str) -> list[str]:
    """A passage's sentences, split after 。 and ； — not inside brackets, where （牵头：…；配合：…） is one
    aside of its sentence."""
    out: list[str] = []
    start = depth = 0
    for i, ch in enumerate(text):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif ch in "。;；" and (depth == 0 or ch == "。"):
            out.append(text[start : i + 1])
            start, depth = i + 1, 0
    out.append(text[start:])
    return [x.strip() for x in out if x.strip()]


class PlanView:
    """One loaded plan as the routes read it: records by id, chunks by id, and the retriever."""

    def __init__(self, plan: Plan, chunks: list[Chunk], retriever: Searcher, lexical_first: bool = True) -> None:
        self.plan = plan
        self.chunks = {c.id: c for c in chunks}
        self.retriever = retriever
        self.lexical_first = lexical_first
        self._settled_memo: dict[tuple[str, str], bool] = {}
        self.tasks = {t.id: t for t in plan.tasks}
        self.reforms = {r.id: r for r in plan.reforms}
        self.sections: dict[str, Section] = {s.id: s for s in plan.sections}
        self.numeric = {t.id for t in numeric_tasks(plan)}
        use_vocabulary(Vocabulary.from_plan(plan))
        self.document_text = normalize(" ".join(c.text for c in chunks))
        self.has_contacts = CONTACT_DATA.search(self.document_text) is not None
        # Every name of the plan's units, in matching form.
        self.unit_names = frozenset(normalize(a) for names in vocabulary().units.values() for a in names)
        # Places the text lists that are no unit of the plan's tables.
        self.text_places = ({m.group(1) for m in LISTED_PLACE.finditer(self.document_text)}
                            | addressee_places(plan.metadata.get("addressees", ""))) - self.unit_names
        self.years = plan_years(plan)

    @cached_property
    def speller(self) -> Speller:
        """Typo correction for this plan's questions (built on first use: pinyin of every plan word)."""
        vocab = vocabulary()
        names = [*vocab.unit_english.values(), *vocab.body_english.values(),
                 *(a for v in vocab.units.values() for a in v)]
        tables = normalize(" ".join(c.text for c in self.chunks.values() if c.kind in ("task", "milestone", "reform_target")))
        return plan_speller(self.document_text, names, tables)

    @property
    def degraded(self) -> bool:
        """The retriever answers from one half of the hybrid (a dense backend is down)."""
        return bool(getattr(self.retriever, "degraded", False))

    # ---- search ----------------------------------------------------------------------------------
    def search(self, u: Understanding, kinds: Sequence[str] | None = None, k: int = 8,
               use_district: bool = True) -> list[Hit]:
        """Hybrid hits for the topic, then lexical hits for the plan's own terms of what was asked."""
        district = u.districts[0] if use_district and len(u.districts) == 1 else None
        hits = self._topic_hits(u, k, district, kinds)
        expanded = expanded_query(u)
        if expanded != u.topic:
            seen = {h.id for h in hits}
            # Lexical only: the glossary terms matter for exact words, while the dense ranking of the topic
            # already covers paraphrase, and a second question vector would double the embedding time.
            more = self.retriever.search(expanded, k=k, district=district, kinds=kinds, mode="bm25")
            hits += [h for h in more if h.id not in seen]
        return hits

    def _topic_hits(self, u: Understanding, k: int, district: str | None, kinds: Sequence[str] | None) -> list[Hit]:
        """BM25 first; the hybrid ranking only when no lexical hit holds all of the question's topic.

        The question vector is most of a new question's cost (the encoder, ~20 ms on one core), and when a
        passage already contains every topic term the dense ranking does not change which passage answers
        (measured: the same answers on the seed and the plan pages); paraphrases and English questions
        whose terms the page does not use still get the dense half.
        """
        if self.lexical_first and self._settled(u.topic, u.language):
            return self.retriever.search(u.topic, k=k, district=district, kinds=kinds, mode="bm25")
        return self.retriever.search(u.topic, k=k, district=district, kinds=kinds)

    def _settled(self, topic: str, language: str) -> bool:
        """Whether one of the plan's best BM25 passages for the topic holds all of its terms: a property of
        the question, so a route's filtered search (milestones only) follows the same choice."""
        key = (topic, language)
        known = self._settled_memo.get(key)
        if known is not None:
            return known
        tokens = topic_tokens(topic, language)
        if language == "en" and english_leftovers(topic):
            tokens = set()  # part of the question has no Chinese term: leave it to the dense half
        hits = self.retriever.search(topic, k=3, mode="bm25") if tokens else []
        settled = any(support(tokens, h.text) >= LEXICALLY_SETTLED for h in hits)
        if len(self._settled_memo) >= SETTLED_MEMO:
            self._settled_memo.clear()  # a bounded memo: questions repeat within a conversation, not all day
        self._settled_memo[key] = settled
        return settled

    def supported(self, u: Understanding, text: str) -> bool:
        """Whether a passage shares enough of the question's topic to answer it."""
        return support(tokens_of(u), text) >= SUPPORT_THRESHOLD

    def ranked_tasks(self, u: Understanding, numeric_only: bool = False) -> list[Task]:
        """Supported task rows, best first; a row naming a number the question names goes first."""
        tokens = tokens_of(u)
        wanted = numbers_in(u.topic)
        scored = []
        for rank_no, hit in enumerate(self.search(u, kinds=["task"], k=10, use_district=False)):
            t = self.tasks.get(hit.id)
            if not t or (numeric_only and t.id not in self.numeric):
                continue
            sup = support(tokens, hit.text)
            if sup < SUPPORT_THRESHOLD:
                continue
            numbers = bool(wanted) and wanted <= numbers_in(t.content)
            scored.append((not numbers, -round(sup, 1), rank_no, t))
        return [t for *_, t in sorted(scored, key=lambda x: x[:3])]

    def best_task(self, u: Understanding, numeric_only: bool = False) -> Task | None:
        return next(iter(self.ranked_tasks(u, numeric_only)), None)

    # ---- records in words ------------------------------------------------------------------------
    def sentences(self, chunk_id: str) -> list[str]:
        """A body passage's sentences."""
        return sentences_of(self.chunks[chunk_id].body)

    def under_heading(self, chunk_id: str, sentence: str) -> str:
        """A sentence read with the heading of the passage it stands in: a sentence under 「（二）实施特殊困难老年人
        家庭适老化改造」 may say only 全市完成改造2400户."""
        return " ".join(self.chunks[chunk_id].section_path[-1:]) + sentence

    def children(self, chunk: Chunk, levels: tuple[int, ...] = (1,)) -> list[Chunk]:
        """Body passages under a passage's section, `levels` deeper (0 is the passage's own level)."""
        depth = len(chunk.section_path)
        if not depth:
            return []
        return [c for c in self.chunks.values() if c.kind == "subsection" and c.section_path[:depth]
                == chunk.section_path and len(c.section_path) - depth in levels]

    def parent(self, chunk: Chunk) -> Chunk | None:
        """The body passage one level above a passage, if the page has one."""
        path = chunk.section_path[:-1]
        if not path:
            return None
        return next((c for c in self.chunks.values() if c.kind in ("subsection", "chapter")
                     and c.section_path == path), None)

    def label_for(self, chunk: Chunk) -> str:
        """The citation label of a chunk's record."""
        if chunk.kind == "task":
            return compose.task_label(self.tasks[chunk.id])
        if chunk.kind in ("milestone", "reform_target"):
            return compose.reform_label(self.reforms[chunk.record_id], chunk.quarter or "任務目標")
        if chunk.kind == "meta":
            return "文件信息"
        if chunk.kind == "row":
            return f"附件{chunk.table} · {chunk.key or chunk.id}"
        return "正文 · " + (chunk.section_path[-1] if chunk.section_path else chunk.id)

    def zones_in(self, text: str) -> list[str]:
        """Functional zones the text names that the page names too but that are none of its units: for each
        zone suffix, the longest name ending there that the page also writes."""
        units = self.unit_names
        found = []
        for m in ZONE_SUFFIX.finditer(text):
            names = [text[start : m.end()] for start in range(max(0, m.start() - 10), m.start() - 1)]
            name = next((x for x in names if re.fullmatch(r"[\u4e00-\u9fff]+", x) and x in self.document_text), "")
            if name and not any(name in a or a in name for a in units):
                found.append(name)
        return found

    @cached_property
    def obligations(self) -> list[Obligation]:
        """The plan's dated obligations (`obligations.py`), in due order; read once per plan."""
        return obligations_of(self.plan, self.chunks)

    @cached_property
    def reform_nouns(self) -> tuple[str, ...]:
        """What the milestone table calls its rows, in matching form: the noun ending in 项目/事项 of its title
        (民生项目, 改革创新项目) and of its item column (特色项目, 改革事项) — 「X有哪些民生项目」 asks for them."""
        found: set[str] = set()
        for t in self.plan.tables:
            if t.kind != "milestone":
                continue
            for text in (t.title, *t.columns):
                found |= {m.group(0) for m in ITEM_NOUN.finditer(normalize(text)) if len(m.group(0)) >= 4}
        return tuple(sorted(found, key=len, reverse=True))

    @cached_property
    def row_labels(self) -> set[str]:
        """The column labels of the page's tables of other kinds, in matching form (with their words)."""
        labels = {normalize(c) for t in self.plan.tables for c in t.columns if t.rows}
        labels |= {w for c in labels for w in tokenize(c) if len(w) >= 2}
        # A title's own words (联络员名单 → 联络员) too, but not those the body's headings use (民政).
        headed = {w for x in self.plan.sections for w in tokenize(x.heading)}
        titles = [normalize(t.title) for t in self.plan.tables if t.rows and t.title]
        return labels | set(titles) | {w for x in titles for w in tokenize(x) if len(w) >= 2} - headed

    @cached_property
    def row_cells(self) -> dict[str, list[str]]:
        """Each generic row's cell values in matching form."""
        return {r.id: [normalize(v) for v in r.cells.values()] for t in self.plan.tables for r in t.rows}


# The noun a milestone table names its rows with: two to four characters before 项目/事项 (民生项目, 特色项目).
ITEM_NOUN = re.compile(r"(?:[\u4e00-\u9fff]{2}(?:创新|重点)?)?(?:项目|事项)")


def expanded_query(u: Understanding) -> str:
    """The search text: the topic plus the plan's own terms for what the asker called it (福彩 → 福利彩票)."""
    extra = sorted({a for t in tokens_of(u) for a in alternatives(t)} - {u.topic})
    missing = [a for a in extra if a not in u.topic]
    return u.topic + (" " + " ".join(missing) if missing else "")
