"""The one `Assistant` object a process builds at startup: store, chunks, retriever and answerer."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.answer import Answerer
from assistant.answer_cache import AnswerCache, conversation_key
from assistant.chunks import Chunk, build_chunks
from assistant.config import Settings
from assistant.errors import IndexMissingError, InputError
from assistant.index import IndexStats, build_index
from assistant.lexicon import Vocabulary, use_vocabulary
from assistant.llm import LLMRewriter
from assistant.models import Answer, ChatMessage, Plan
from assistant.repair import index_damage, set_aside_damage
from assistant.store import PlanStore
from assistant.text import strip_controls

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


@dataclass
class Assistant:
    """Answers questions; built once per process and shared by the CLI, the API and the UI."""

    settings: Settings
    plan: Plan
    chunks: list[Chunk]
    retriever: object
    answerer: Answerer
    rewriter: LLMRewriter | None = None
    answers: AnswerCache = field(default_factory=lambda: AnswerCache(0))

    @classmethod
    def load(cls, settings: Settings, build_if_missing: bool = True, progress: Progress | None = None) -> Assistant:
        """Load the built index; build it first when it is missing or unreadable (and allowed to)."""
        from assistant.retrieve import load_retriever

        damage = index_damage(settings)
        if damage:
            if not build_if_missing:
                raise IndexMissingError(
                    f"the index is damaged ({'; '.join(why for _, why in damage)}); run `assistant ingest`"
                )
            build(settings, progress=progress)  # sets the damaged parts aside, then rebuilds them
        store = PlanStore(settings.sqlite_path)
        try:
            plan = store.load_plan()
        except IndexMissingError:
            if not build_if_missing:
                raise
            log.info("index missing or unreadable at %s: building it", settings.index_dir)
            build(settings, progress=progress)
            plan = store.load_plan()
        use_vocabulary(Vocabulary.from_plan(plan))  # before BM25 tokenises the passages
        try:
            retriever = load_retriever(settings)
        except IndexMissingError:
            if not build_if_missing:
                raise
            log.info("search index missing at %s: building it", settings.index_dir)
            build(settings, progress=progress)
            retriever = load_retriever(settings)
        chunks = build_chunks(plan)
        return cls(settings=settings, plan=plan, chunks=chunks, retriever=retriever,
                   answerer=Answerer(plan, chunks, retriever), rewriter=LLMRewriter.from_settings(settings),
                   answers=AnswerCache(settings.answer_cache_size))

    def ask(self, question: str, history: list[ChatMessage] | None = None) -> Answer:
        """Answer one question in the context of earlier turns.

        Control and invisible characters are dropped from every turn first (see `text.strip_controls`):
        questions come from the network, and the engines below hand text to C.
        """
        question, history = self._clean(question, history)
        key = conversation_key(question, history)
        answer = self.answers.get(key)
        if answer is None:
            answer = self.answerer.answer(question, history)
            self.answers.put(key, answer)
        return self.rewriter.rewrite(question, answer) if self.rewriter else answer

    def _clean(
        self, question: str, history: list[ChatMessage] | None
    ) -> tuple[str, list[ChatMessage] | None]:
        """The turns as the answerer sees them; an over-long question is refused."""
        if len(question) > self.settings.max_question_chars:
            raise InputError(
                f"the question is {len(question)} characters long; the limit is {self.settings.max_question_chars}"
            )
        question = strip_controls(question)
        if history:
            history = [m.model_copy(update={"content": strip_controls(m.content)}) for m in history]
        return question, history

    def cached_chat(self, messages: list[ChatMessage]) -> Answer | None:
        """The answer to a conversation already answered, or None; cheap enough for the event loop.

        The web server calls this before handing a request to a worker thread, so repeated questions
        never wait behind new ones. With an LLM rewriter configured every request takes the full path.
        """
        if self.rewriter is not None or not messages or messages[-1].role != "user":
            return None
        question, history = self._clean(messages[-1].content, messages[:-1])
        return self.answers.get(conversation_key(question, history), record_miss=False)

    def chat(self, messages: list[ChatMessage]) -> Answer:
        """Answer the last user message of a conversation."""
        if not messages:
            raise InputError("messages is empty; send at least one user message")
        if messages[-1].role != "user":
            raise InputError("the last message must have role 'user'")
        return self.ask(messages[-1].content, messages[:-1])

    def chunk(self, chunk_id: str) -> Chunk | None:
        """A chunk by id (citations name chunk ids)."""
        return next((c for c in self.chunks if c.id == chunk_id), None)

    def source_lines(self, chunk_id: str) -> list[tuple[int, str]]:
        """The raw lines a record came from, for showing a citation in place."""
        chunk = self.chunk(chunk_id)
        if chunk is None:
            return []
        path = Path(self.settings.source)
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        start, end = chunk.lines
        return [(n, lines[n - 1]) for n in range(start, min(end, len(lines)) + 1) if lines[n - 1].strip()]


_build_lock = threading.Lock()


@dataclass(frozen=True)
class BuildReport:
    """What one build did: the plan, and whether each layer was rewritten."""

    plan: Plan
    plan_written: bool
    chunks: int
    chunks_written: bool
    index: IndexStats


def build(settings: Settings, source: Path | None = None, progress: Progress | None = None) -> BuildReport:
    """Raw page → plan.sqlite → chunks → vector index. Idempotent; returns what changed."""

    from assistant.ingest.pipeline import read_plan

    with _build_lock:
        set_aside_damage(settings)
        plan = read_plan(source or settings.source)
        use_vocabulary(Vocabulary.from_plan(plan))
        store = PlanStore(settings.sqlite_path)
        plan_written = store.write_plan(plan)
        chunks = build_chunks(plan)
        chunks_written = store.write_chunks(chunks)
        stats = build_index(settings, chunks, progress=progress)
        return BuildReport(plan=plan, plan_written=plan_written, chunks=len(chunks), chunks_written=chunks_written,
                           index=stats)
