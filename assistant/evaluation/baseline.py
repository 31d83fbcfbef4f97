"""The textbook LangChain RAG pipeline, measured on the same questions, machine and embedding model as us.

What a tutorial builds: RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50) over the raw
page text as published (site chrome, injected spam and all), a Chroma collection embedded with our
`get_embeddings(settings)` (never Chroma's default embedding function), top-4 similarity search on
the last question only (a textbook chain ignores the conversation). It has no generator here: a
question counts as passed when the retrieved context contains every gold fact, an upper bound for
any LLM reading that context. It cannot abstain, so unanswerable questions count as failed.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.evaluation.scoring import RowScore, score_context

log = logging.getLogger(__name__)

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
TOP_K = 4


@dataclass
class BaselineRun:
    """The baseline's verdicts and what it retrieved, plus how long building the collection took."""

    scores: list[RowScore]
    contexts: list[list[str]]
    chunks: int
    build_s: float


class TextbookRAG:
    """Split → embed → Chroma → top-k similarity search, with nothing added."""

    def __init__(self, raw_text: str, embeddings: Embeddings, k: int = TOP_K) -> None:
        """Split and index the raw text in a fresh in-memory Chroma collection."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        self.chunks = splitter.split_text(raw_text)
        self.k = k
        # Ephemeral and uniquely named: nothing touches index/, and two runs in one process never collide.
        self._client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self._name = f"baseline-{uuid.uuid4().hex[:12]}"
        self._store = Chroma(collection_name=self._name, embedding_function=embeddings, client=self._client)
        self._store.add_texts(self.chunks)

    def retrieve(self, question: str) -> list[str]:
        """The k chunks nearest to the question, best first."""
        return [doc.page_content for doc in self._store.similarity_search(question, k=self.k)]

    def close(self) -> None:
        """Drop the collection; the ephemeral client is shared process-wide, the vectors need not be."""
        self._client.delete_collection(self._name)


def run_baseline(
    rows: Sequence[dict[str, Any]],
    raw_text: str,
    embeddings: Embeddings,
    on_done: Callable[[int], None] | None = None,
) -> BaselineRun:
    """Build the baseline, retrieve for every question (last turn only) and score the context."""
    started = time.perf_counter()
    rag = TextbookRAG(raw_text, embeddings)
    build_s = time.perf_counter() - started
    log.info("baseline: %d chunks indexed in %.1fs", len(rag.chunks), build_s)
    scores: list[RowScore] = []
    contexts: list[list[str]] = []
    try:
        for i, row in enumerate(rows):
            t0 = time.perf_counter()
            context = rag.retrieve(row["question"])
            latency_ms = (time.perf_counter() - t0) * 1000
            contexts.append(context)
            scores.append(score_context(row, context, round(latency_ms, 2)))
            if on_done is not None:
                on_done(i)
    finally:
        rag.close()
    return BaselineRun(scores=scores, contexts=contexts, chunks=len(rag.chunks), build_s=build_s)
