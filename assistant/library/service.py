"""The `Library`: every plan of an index dir loaded side by side, and the one entry point that scopes,
answers and labels questions. A single-plan index dir is a library of one, answered exactly as before."""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field
from datetime import date

from assistant.answer_cache import AnswerCache, conversation_key
from assistant.config import Settings
from assistant.errors import InputError, NotFoundError
from assistant.lexicon import Vocabulary, find_districts
from assistant.library.answers import (
    PlanSide,
    compared_values,
    joined,
    labelled,
    missing_plan,
    row_changes,
    still_listed,
)
from assistant.library.entries import PlanEntry, entry_of
from assistant.library.gate import GATE, VocabularyGate
from assistant.library.registry import Registry, is_library
from assistant.library.scope import Scope, Scoper, core_question, with_year, without_years
from assistant.library.shelf import plan_settings
from assistant.models import Answer, ChatMessage, Task
from assistant.render import Voice
from assistant.service import Assistant, Progress
from assistant.text import detect_language, detect_script

log = logging.getLogger(__name__)


@dataclass
class Shelved:
    """One loaded plan: its entry, its Assistant and the vocabulary its questions are read with."""

    entry: PlanEntry
    assistant: Assistant
    vocabulary: Vocabulary

    @property
    def key(self) -> str:
        """The gate key: one per build of the plan, so a replaced plan's new vocabulary is switched to."""
        return self.entry.dir or self.entry.id

    @property
    def side(self) -> PlanSide:
        return PlanSide(self.entry, self.assistant.plan, self.assistant.answerer.chunks)


@dataclass
class Library:
    """The plans one process answers about; `ask` decides which plan a question is for."""

    settings: Settings
    plans: dict[str, Shelved]
    default: str
    is_library: bool
    generation: str | None = None
    gate: VocabularyGate = field(default_factory=lambda: GATE)
    answers: AnswerCache = field(default_factory=lambda: AnswerCache(0))
    _scoper: Scoper | None = None

    # --- loading ---------------------------------------------------------------------------------
    @classmethod
    def single(cls, assistant: Assistant) -> Library:
        """A single-plan index dir's Assistant as a library of one (answered exactly as before)."""
        entry = entry_of(assistant.plan)
        shelved = Shelved(entry, assistant, Vocabulary.from_plan(assistant.plan))
        return cls(settings=assistant.settings, plans={entry.id: shelved}, default=entry.id, is_library=False,
                   generation=assistant.generation, answers=AnswerCache(0))

    @classmethod
    def load(cls, settings: Settings, build_if_missing: bool = True, progress: Progress | None = None,
             reuse: Library | None = None) -> Library:
        """Every plan of the index dir (a library), or the one plan of a single-plan index dir.

        `reuse`: a library loaded before; its plans whose index dir is unchanged are kept, not reloaded.
        """
        if not is_library(settings.index_dir):
            return cls.single(Assistant.load(settings, build_if_missing=build_if_missing, progress=progress))
        registry = Registry(settings.index_dir)
        entries = registry.entries()
        if not entries:
            raise NotFoundError(f"the library in {settings.index_dir} holds no plan; add one with `assistant ingest PAGE`")
        from assistant.embeddings import get_embeddings

        kept = {s.key: s for s in reuse.plans.values()} if reuse is not None and reuse.is_library else {}
        shared = next(iter(kept.values())).assistant.retriever.vector_index.embeddings if kept else (  # type: ignore[attr-defined]
            get_embeddings(settings))
        plans: dict[str, Shelved] = {}
        for n, entry in enumerate(entries, start=1):
            if progress:
                progress("loading plans", n - 1, len(entries))
            old = kept.get(entry.dir or entry.id)
            if old is not None:
                plans[entry.id] = Shelved(entry, old.assistant, old.vocabulary)
                continue
            with GATE.exclusive(entry.dir or entry.id):
                one = Assistant.load(plan_settings(settings, entry.id), build_if_missing=False, embeddings=shared)
                plans[entry.id] = Shelved(entry, one, Vocabulary.from_plan(one.plan))
        if progress:
            progress("loading plans", len(entries), len(entries))
        pinned = settings.default_plan
        if pinned and pinned not in plans:
            raise NotFoundError(f"ASSISTANT_DEFAULT_PLAN is {pinned!r}, but the library has {', '.join(plans)}")
        scoper = Scoper(entries, pinned)
        assert scoper.default is not None
        return cls(settings=settings, plans=plans, default=scoper.default.id, is_library=True,
                   generation=registry.generation(), answers=AnswerCache(settings.answer_cache_size),
                   _scoper=scoper)

    # --- what the interfaces use -----------------------------------------------------------------
    @property
    def entries(self) -> list[PlanEntry]:
        """The plans, in library order."""
        return [s.entry for s in self.plans.values()]

    def assistant(self, plan: str | None = None) -> Assistant:
        """One plan's Assistant (the default plan's without an id); NotFoundError names the ids."""
        return self.shelved(plan).assistant

    def shelved(self, plan: str | None = None) -> Shelved:
        key = plan or self.default
        if key not in self.plans:
            raise NotFoundError(f"no plan {key!r}; plans: {', '.join(self.plans)} (GET /api/plans lists them)")
        return self.plans[key]

    def guard(self, plan: str | None = None) -> contextlib.AbstractContextManager[None]:
        """Enter to use one plan's Assistant directly (its vocabulary made the active one)."""
        if not self.is_library:
            return contextlib.nullcontext()
        shelved = self.shelved(plan)
        return self.gate.using(shelved.key, shelved.vocabulary)

    def today(self) -> date:
        """The date relative years are read against (ASSISTANT_AS_OF pins it, for evaluations)."""
        return self.settings.as_of or date.today()

    def scope(self, question: str, history: list[ChatMessage] | None = None) -> Scope:
        """Which plans a question is about (one plan without a library)."""
        if self._scoper is None:
            return Scope(kind="single", plans=[self.default], question=question)
        return self._scoper.resolve(question, history, self.today())

    def cached_chat(self, messages: list[ChatMessage], plan: str | None = None) -> Answer | None:
        """A conversation answered before, or None (cheap: the server calls it on the event loop)."""
        if not messages or messages[-1].role != "user":
            return None
        if not self.is_library:
            return self.assistant(plan).cached_chat(messages)
        if self.settings.llm_base_url:
            return None
        key = f"{plan or ''}\n{conversation_key(messages[-1].content, messages[:-1])}"
        return self.answers.get(key, record_miss=False)

    def chat(self, messages: list[ChatMessage], plan: str | None = None) -> Answer:
        """Answer the last user message of a conversation."""
        if not messages:
            raise InputError("messages is empty; send at least one user message")
        if messages[-1].role != "user":
            raise InputError("the last message must have role 'user'")
        return self.ask(messages[-1].content, messages[:-1], plan)

    def ask(self, question: str, history: list[ChatMessage] | None = None, plan: str | None = None) -> Answer:
        """Answer one question: in the plan named by `plan`, else in the plan(s) the question is about."""
        if not self.is_library:
            return self.assistant(plan).ask(question, history)
        key = f"{plan or ''}\n{conversation_key(question, history)}"
        cached = self.answers.get(key)
        if cached is not None:
            return cached
        answer = self._answer(question, history, plan)
        self.answers.put(key, answer)
        return answer

    # --- answering -------------------------------------------------------------------------------
    def _in(self, shelved: Shelved, question: str, history: list[ChatMessage] | None) -> Answer:
        if history:
            history = [m.model_copy(update={"content": without_years(m.content)}) if m.role == "user" else m
                       for m in history]
        with self.gate.using(shelved.key, shelved.vocabulary):
            return shelved.assistant.ask(question, history)

    def _answer(self, question: str, history: list[ChatMessage] | None, plan: str | None) -> Answer:
        voice = Voice.for_question(detect_language(question), detect_script(question))
        if plan is not None:
            chosen = self.shelved(plan)
            return labelled(self._in(chosen, question, history), chosen.side, voice, [])
        scope = self.scope(question, history)
        if scope.kind == "missing":
            sides = [self.plans[p].side for p in scope.plans if p in self.plans] or [s.side for s in self.plans.values()]
            return missing_plan(scope.issuer, sides, voice, scope.reason)
        if scope.kind == "single":
            chosen = self.plans[scope.plans[0]]
            others = [self.plans[p].side for p in scope.others if p in self.plans]
            answer = self._in(chosen, scope.question, history)
            if not answer.answerable and len(self.plans) > 1:
                others = [s.side for s in self.plans.values() if s.entry.id != chosen.entry.id]
            return labelled(answer, chosen.side, voice, others)
        first, second = (self.plans[p] for p in scope.plans)
        if first.entry.issuer != second.entry.issuer:
            return self._side_by_side(first, second, scope, voice)
        older, newer = sorted((first, second), key=lambda s: s.entry.year or 0)
        if scope.kind in ("new", "dropped"):
            return row_changes(older.side, newer.side, scope.kind, voice)
        if scope.kind == "still":
            return self._still(older, newer, scope, voice)
        return self._compare(older, newer, scope, voice)

    def _row_for(self, shelved: Shelved, question: str, answer: Answer | None) -> Task | None:
        """The task row a question is about in one plan: the one its answer cites, else the best retrieved."""
        tasks = {t.id: t for t in shelved.assistant.plan.tasks}
        if answer is not None:
            cited = next((tasks[c.id] for c in answer.citations if c.id in tasks), None)
            if cited is not None:
                return cited
        with self.gate.using(shelved.key, shelved.vocabulary):
            hits = shelved.assistant.retriever.search(question, k=5, kinds=["task"])  # type: ignore[attr-defined]
        chunks = shelved.assistant.answerer.chunks
        for hit in hits:
            record = chunks[hit.id].record_id if hit.id in chunks else hit.id
            if record in tasks:
                return tasks[record]
        return None

    def _still(self, older: Shelved, newer: Shelved, scope: Scope, voice: Voice) -> Answer:
        """Is a row of last year's list still in this year's?"""
        task = self._row_for(older, without_years(scope.question), None)
        if task is None:
            return row_changes(older.side, newer.side, "dropped", voice)
        return still_listed(older.side, newer.side, task, voice)

    def _side_by_side(self, first: Shelved, second: Shelved, scope: Scope, voice: Voice) -> Answer:
        """Two issuers asked about together: each plan answers without the other's name, both labelled."""
        assert self._scoper is not None
        parts = []
        for one, other in ((first, second), (second, first)):
            text = scope.question
            for name in self._scoper.names_of(other.entry.id):
                text = re.sub(rf"(?:[和与與跟及、]\s*)?{re.escape(name)}(?:\s*[和与與跟及、])?", "", text)
            parts.append((one.side, self._in(one, text, None)))
        return joined(parts, voice, "library_compare")

    def _compare(self, older: Shelved, newer: Shelved, scope: Scope, voice: Voice) -> Answer:
        """Two years of one issuer: the task row's values side by side when a row answers, else both answers."""
        core = core_question(scope.question)
        english = voice.english
        new_answer = self._in(newer, with_year(core, newer.entry.year, english), None)
        task = self._row_for(newer, core, new_answer)
        if task is not None:
            with self.gate.using(newer.key, newer.vocabulary):
                table = compared_values(older.side, newer.side, task, find_districts(core), voice)
            if table is not None:
                return table
        old_answer = self._in(older, with_year(core, older.entry.year, english), None)
        return joined([(older.side, old_answer), (newer.side, new_answer)], voice, "library_compare")
