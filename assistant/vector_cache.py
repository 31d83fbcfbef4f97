"""Caches in front of an embedding model: passages on disk (SQLite), questions in a bounded LRU in memory.

A cache only ever saves work, so a cache that fails must never fail the request it was meant to
speed up: a read that fails (a damaged or locked file, a vanished disk) counts as a miss, and a write
that fails (a full disk, a read-only index dir) is skipped. Both are logged and counted
(`CacheFailures`), and `/readyz` shows the counts, so an operator sees a sick cache while every answer
is still computed.

Question vectors are kept in memory only, at most `query_cache_size` of them (least recently used
first out): they are cheap to recompute, and on disk they grew by about 4.6 KB per new question with
no bound. Concurrent questions that miss are embedded together (`QueryBatcher`), one engine call for
all the questions waiting, which is what keeps a server responsive when every question is new.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.errors import AssistantError, InputError

logger = logging.getLogger(__name__)

Kind = Literal["query", "passage"]
CacheFault = (sqlite3.Error, OSError)
"""What a cache file can raise: damaged, locked, read-only or full; never a reason to fail an answer."""

DEFAULT_QUERY_CACHE = 4096
"""Question vectors kept in memory by default (about 1.6 KB each as float32)."""

MAX_QUERY_BATCH = 32
"""Most questions embedded in one engine call."""


@dataclass
class CacheFailures:
    """How often the disk cache failed, by operation, and the last reason (for /readyz)."""

    read: int = 0
    write: int = 0
    last_error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, operation: Literal["read", "write"], exc: BaseException, where: Path) -> None:
        """Count one failure and log it (the first of each kind as a warning, later ones at debug)."""
        with self._lock:
            count = self.read + 1 if operation == "read" else self.write + 1
            if operation == "read":
                self.read = count
            else:
                self.write = count
            self.last_error = f"{operation}: {exc}"
        log = logger.warning if count == 1 or count % 1000 == 0 else logger.debug
        log("embedding cache %s failed (%d so far) at %s: %s; answering without it", operation, count, where, exc)


class QueryBatcher:
    """Embeds questions from many threads in shared engine calls.

    A thread that finds no batch running becomes the leader for one call: it takes the waiting questions
    in arrival order (up to `max_batch`), embeds them together, hands each its vector and steps down; a
    waiting thread whose question is still pending then leads the next call. So a lone question costs one
    call, and no thread keeps embedding other threads' questions while its own answer waits (a leader
    that drained for as long as questions arrived once held its own request for 21 s under load).
    """

    def __init__(self, encode: Callable[[list[str]], list[list[float]]], max_batch: int = MAX_QUERY_BATCH) -> None:
        """`encode` embeds a list of questions in one call."""
        self.encode = encode
        self.max_batch = max_batch
        self.calls = 0
        self.embedded = 0
        self._pending: list[tuple[str, Future[list[float]]]] = []
        self._turn = threading.Condition()
        self._leading = False

    def embed(self, text: str) -> list[float]:
        """The vector of one question, computed alone or together with other waiting questions."""
        future: Future[list[float]] = Future()
        with self._turn:
            self._pending.append((text, future))
        while not future.done():
            with self._turn:
                if future.done():
                    break
                if self._leading:
                    self._turn.wait()
                    continue
                self._leading = True
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            try:
                self._run(batch)
            finally:
                with self._turn:
                    self._leading = False
                    self._turn.notify_all()
        return future.result()

    def _run(self, batch: list[tuple[str, Future[list[float]]]]) -> None:
        try:
            vectors = self.encode([text for text, _ in batch])
            if len(vectors) != len(batch):
                raise AssistantError(f"the embedding engine returned {len(vectors)} vectors for {len(batch)}")
        except BaseException as exc:  # every waiter of this call gets the error
            for _, future in batch:
                future.set_exception(exc)
            return
        self.calls += 1
        self.embedded += len(batch)
        for (_, future), vector in zip(batch, vectors, strict=True):
            future.set_result(vector)


class QueryLRU:
    """At most `size` question vectors by text hash, least recently used dropped first; 0 keeps none."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> list[float] | None:
        """The vector, marked as just used; None when absent."""
        with self._lock:
            vector = self._items.get(key)
            if vector is not None:
                self._items.move_to_end(key)
            return vector

    def put(self, key: str, vector: list[float]) -> None:
        """Keep a vector, dropping the least recently used beyond `size`."""
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = vector
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def digest_of(text: str) -> str:
    """The cache key of a text (surrogates kept, so no text is unkeyable)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def batch_encoder(inner: Embeddings) -> Callable[[list[str]], list[list[float]]]:
    """The inner model's many-questions-at-once call, or one call per question when it has none."""
    many = getattr(inner, "embed_queries", None)
    if callable(many):
        return many  # type: ignore[no-any-return]
    return lambda texts: [inner.embed_query(text) for text in texts]


class CachedEmbeddings(Embeddings):
    """Passage vectors cached on disk by (model id, sha256(text)); question vectors in a bounded LRU.

    Rebuilding the index re-embeds only text whose hash is new, which makes `assistant ingest`
    cheap to re-run. Vectors are stored as float32 blobs; both cold and warm calls return the
    float32 values, so a cached vector is bit-identical to the one first returned.

    `hits` and `misses` count distinct texts per call (a text repeated within one call counts once):
    a warm rebuild must show `misses == 0`. The SQLite file and its parent directory are created on
    the first write, never earlier. `failures` counts disk reads and writes that failed.
    """

    _SCHEMA = """
        CREATE TABLE IF NOT EXISTS vectors (
            model_id TEXT NOT NULL,
            text_sha256 TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('query', 'passage')),
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model_id, text_sha256, kind)
        ) WITHOUT ROWID
    """
    COLUMNS = ("model_id", "text_sha256", "kind", "dim", "vector")
    """The columns of `vectors`: a file whose table lacks one is damaged (see `repair`)."""
    _LOOKUP_CHUNK = 500  # stays under SQLite's bound-parameter limit on old builds
    busy_timeout_s = 10.0
    """How long to wait for another writer (an ingest) before counting the cache as failed."""

    def __init__(
        self, inner: Embeddings, cache_path: str | Path, model_id: str, *, cache_queries: bool = True,
        query_cache_size: int = DEFAULT_QUERY_CACHE,
    ) -> None:
        """Wrap `inner`; `model_id` must change whenever `inner` would produce different vectors.

        `cache_queries=False` remembers no question vector at all (every question is embedded).
        """
        if not model_id:
            raise InputError("CachedEmbeddings needs a non-empty model_id to key its entries.")
        self.inner = inner
        self.cache_path = Path(cache_path)
        self._model_id = model_id
        self.cache_queries = cache_queries
        self.queries = QueryLRU(query_cache_size)
        self.batcher = QueryBatcher(batch_encoder(inner))
        self.failures = CacheFailures()
        self.hits = 0
        self.misses = 0
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """The wrapped model's id, so callers need not know whether embeddings are cached."""
        return self._model_id

    def fit_query(self, text: str, max_tokens: int) -> str:
        """The wrapped model's own trimming of a long question (unchanged when it has none)."""
        fit = getattr(self.inner, "fit_query", None)
        return fit(text, max_tokens) if fit is not None else text

    def reset_counters(self) -> None:
        """Zero `hits` and `misses`, e.g. between the cold and warm phases of a benchmark."""
        with self._lock:
            self.hits = 0
            self.misses = 0

    def stats(self) -> dict[str, int | str | None]:
        """Counters for /readyz: hits, misses, question vectors held, disk failures."""
        return {"hits": self.hits, "misses": self.misses, "query_vectors": len(self.queries),
                "query_vector_limit": self.queries.size, "batched_calls": self.batcher.calls,
                "read_failures": self.failures.read, "write_failures": self.failures.write,
                "last_failure": self.failures.last_error}

    def close(self) -> None:
        """Close the SQLite connection; the next call reopens it."""
        with self._lock:
            self._drop_connection()

    def _drop_connection(self) -> None:
        """Forget the connection (after a failure it may be unusable). Caller holds `self._lock`."""
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def _connection(self, create: bool) -> sqlite3.Connection | None:
        """Open the cache; with `create=False` a missing file means "empty", not "make one".

        Caller holds `self._lock`. `check_same_thread=False` is safe because every use is
        serialised by that lock. Raises what SQLite or the file system raise.
        """
        if self._conn is None:
            if not create and not self.cache_path.exists():
                return None
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.cache_path, check_same_thread=False, timeout=self.busy_timeout_s)
            try:
                # WAL lets a running server read the cache while `assistant ingest` writes to it.
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(self._SCHEMA)
                conn.commit()
            except CacheFault:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _lookup(self, digests: list[str], kind: Kind) -> dict[str, list[float]]:
        """Fetch cached vectors for the given text hashes; a failing file is a miss for all of them."""
        found: dict[str, list[float]] = {}
        with self._lock:
            try:
                conn = self._connection(create=False)
                if conn is None:
                    return found
                for start in range(0, len(digests), self._LOOKUP_CHUNK):
                    chunk = digests[start : start + self._LOOKUP_CHUNK]
                    marks = ",".join("?" * len(chunk))
                    rows = conn.execute(
                        f"SELECT text_sha256, vector FROM vectors "  # noqa: S608 - placeholders only
                        f"WHERE model_id = ? AND kind = ? AND text_sha256 IN ({marks})",
                        [self._model_id, kind, *chunk],
                    )
                    for digest, blob in rows:
                        found[digest] = np.frombuffer(blob, dtype=np.float32).tolist()
            except CacheFault as exc:
                self._drop_connection()
                self.failures.record("read", exc, self.cache_path)
                return {}
        return found

    def _store(self, items: list[tuple[str, np.ndarray]], kind: Kind) -> None:
        """Insert freshly embedded vectors in one transaction; a failing file keeps nothing."""
        with self._lock:
            try:
                conn = self._connection(create=True)
                assert conn is not None  # create=True always yields a connection
                with conn:
                    conn.executemany(
                        "INSERT OR REPLACE INTO vectors (model_id, text_sha256, kind, dim, vector) "
                        "VALUES (?, ?, ?, ?, ?)",
                        [(self._model_id, digest, kind, len(vec), vec.tobytes()) for digest, vec in items],
                    )
            except CacheFault as exc:
                self._drop_connection()
                self.failures.record("write", exc, self.cache_path)

    def _count(self, hits: int, misses: int) -> None:
        with self._lock:
            self.hits += hits
            self.misses += misses

    def _embed(self, texts: Sequence[str], kind: Kind) -> list[list[float]]:
        """Serve texts from the cache; embed all misses in one call to the inner model."""
        digests = [digest_of(text) for text in texts]
        unique = list(dict.fromkeys(digests))
        found = self._lookup(unique, kind)

        text_of = dict(zip(digests, texts, strict=True))
        missing = [digest for digest in unique if digest not in found]
        if missing:
            raw = self.inner.embed_documents([text_of[digest] for digest in missing])
            if len(raw) != len(missing):
                raise AssistantError(
                    f"Embedding backend {self._model_id} returned {len(raw)} vectors for "
                    f"{len(missing)} texts; nothing was cached. Check the backend's installation."
                )
            fresh = [np.asarray(vec, dtype=np.float32) for vec in raw]
            self._store(list(zip(missing, fresh, strict=True)), kind)
            found.update((digest, vec.tolist()) for digest, vec in zip(missing, fresh, strict=True))
        self._count(len(unique) - len(missing), len(missing))
        if missing:
            logger.debug(
                "%s %s: %d cached, %d embedded", self._model_id, kind, len(unique) - len(missing), len(missing)
            )
        return [found[digest] for digest in digests]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents, re-using every vector already cached for this model."""
        return self._embed(texts, "passage")

    def embed_query(self, text: str) -> list[float]:
        """Embed a question: from memory when asked lately, else batched with concurrent questions."""
        if not self.cache_queries:
            return np.asarray(self.batcher.embed(text), dtype=np.float32).tolist()
        key = digest_of(text)
        vector = self.queries.get(key)
        if vector is not None:
            self._count(1, 0)
            return vector
        vector = np.asarray(self.batcher.embed(text), dtype=np.float32).tolist()
        self.queries.put(key, vector)
        self._count(0, 1)
        return vector
