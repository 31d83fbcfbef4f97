"""The one `Assistant` object a process builds at startup: store, chunks, retriever and answerer."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer_cache import AnswerCache, conversation_key
from assistant.answering import Answerer
from assistant.chunks import Chunk, build_chunks
from assistant.config import Settings
from assistant.errors import IndexMissingError, InputError
from assistant.index import IndexStats, build_index, read_manifest
from assistant.lexicon import Vocabulary, use_vocabulary
from assistant.llm import LLMRewriter
from assistant.models import Answer, ChatMessage, Plan
from assistant.obligations import Obligation
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
    generation: str | None = None
    """The index generation this Assistant was loaded from (see `build`); a newer one replaces it."""

    @classmethod
    def load(cls, settings: Settings, build_if_missing: bool = True, progress: Progress | None = None,
             embeddings: Any = None) -> Assistant:
        """Load the built index; build it first when it is missing or unreadable (and allowed to).

        `embeddings`: an encoder to share (a library loads many plans and needs one model in memory).
        """
        from assistant.retrieve import load_retriever

        # The embedding cache is only a cache: damaged, it is set aside by the next build and meanwhile
        # its failures are counted (see vector_cache); it never stops the Assistant from loading.
        damage = [d for d in index_damage(settings) if d[0] != settings.embedding_cache_path]
        if damage:
            if not build_if_missing:
                raise IndexMissingError(
                    f"the index is damaged ({'; '.join(why for _, why in damage)}); run `assistant ingest`"
                )
            build(settings, progress=progress)  # sets the damaged parts aside, then rebuilds them
        store = PlanStore(settings.sqlite_path)
        generation = store.generation()  # read first: a build finishing meanwhile makes it look stale, not new
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
            if not settings.chroma_url and read_manifest(settings) is None:
                # No manifest: the last build of the embedded store did not finish (a full disk, a kill).
                raise IndexMissingError(f"the vector index in {settings.index_dir} is incomplete; "
                                        "run `assistant ingest`")
            retriever = load_retriever(settings, embeddings)
        except IndexMissingError:
            if not build_if_missing:
                raise
            log.info("search index missing at %s: building it", settings.index_dir)
            build(settings, progress=progress)
            retriever = load_retriever(settings, embeddings)
        chunks = build_chunks(plan)
        return cls(settings=settings, plan=plan, chunks=chunks, retriever=retriever,
                   answerer=Answerer(plan, chunks, retriever), rewriter=LLMRewriter.from_settings(settings),
                   answers=AnswerCache(settings.answer_cache_size), generation=generation)

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

    def obligations(self) -> list[Obligation]:
        """The plan's dated obligations (`obligations.py`), read once per loaded plan."""
        return self.answerer.view.obligations

    def chunk(self, chunk_id: str) -> Chunk | None:
        """A chunk by id (citations name chunk ids)."""
        return next((c for c in self.chunks if c.id == chunk_id), None)

    def source_lines(self, chunk_id: str) -> list[tuple[int, str]]:
        """The raw lines a record came from, for showing a citation in place.

        Read from plan.sqlite (the lines of the page as ingested), never from the configured path: that
        file may have changed, or be another page, since the index was built.
        """
        chunk = self.chunk(chunk_id)
        if chunk is None:
            return []
        start, end = chunk.lines
        lines = PlanStore(self.settings.sqlite_path).source_lines(self.plan.source_sha256, start, end)
        return [(n, text) for n, text in lines if text.strip()]


_build_lock = threading.Lock()


@dataclass(frozen=True)
class BuildReport:
    """What one build did: the plan, and whether each layer was rewritten."""

    plan: Plan
    plan_written: bool
    chunks: int
    chunks_written: bool
    index: IndexStats


def page_lines(path: Path) -> list[str]:
    """The raw lines of a page as the reader numbers them (decoded the way `read_plan` decodes it)."""
    from assistant.ingest.pipeline import page_text
    from assistant.text import split_lines

    return split_lines(page_text(path)[0])


def build(settings: Settings, source: Path | None = None, progress: Progress | None = None) -> BuildReport:
    """Raw page → plan.sqlite (with the page's lines) → chunks → vector index. Idempotent; returns what changed.

    When anything was rewritten, a new generation id is recorded last, so workers sharing the index
    dir load the new plan only once all of it is in place.
    """

    from assistant.ingest.pipeline import read_plan

    with _build_lock:
        set_aside_damage(settings)
        path = Path(source or settings.source)
        plan = read_plan(path)
        use_vocabulary(Vocabulary.from_plan(plan))
        store = PlanStore(settings.sqlite_path)
        plan_written = store.write_plan(plan)
        lines_written = store.write_source_lines(plan.source_sha256, page_lines(path))
        chunks = build_chunks(plan)
        chunks_written = store.write_chunks(chunks)
        stats = build_index(settings, chunks, progress=progress)
        if plan_written or lines_written or chunks_written or stats.changed or store.generation() is None:
            store.write_generation(uuid.uuid4().hex)
        return BuildReport(plan=plan, plan_written=plan_written, chunks=len(chunks), chunks_written=chunks_written,
                           index=stats)
