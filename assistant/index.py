"""Chunks → a Chroma collection of dense vectors, kept in step with the chunks by a manifest.

The collection lives in an embedded `chromadb.PersistentClient` under `index/chroma`, or on a Chroma
server when `ASSISTANT_CHROMA_URL` is set. Vectors always come from our own embeddings
(`assistant.embeddings`); the collection is created without an embedding function, so Chroma never
reaches for its default ONNX model (a download).

Passages and questions are embedded in their matching form (`text.normalize`: Simplified, half-width,
lower case), so a question asked in Traditional or in Simplified is one and the same vector. Passages
also drop the heading every chunk of their kind shares (see `passage_texts`).

`index/manifest.json` names the embedding model, a hash of the whole chunk set and one hash per chunk.
`build_index` uses it to do the least work: a different model drops and rebuilds the collection (two
models' vectors never share one); otherwise only changed chunks are re-embedded and removed ones
deleted; an unchanged chunk set embeds nothing and, on the embedded store, does not even import chromadb.

chromadb and langchain-chroma are imported inside functions: they take about two seconds to import,
which a warm `assistant ingest` should not pay.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, Field

from assistant.chroma import chroma_client, collection_model, is_connection_error, open_store, target_of, unavailable
from assistant.chunks import Chunk
from assistant.errors import IndexMissingError, InputError
from assistant.text import normalize

if TYPE_CHECKING:
    from langchain_chroma import Chroma

    from assistant.config import Settings

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as a build advances (what `assistant ingest` draws as a bar)."""

MANIFEST_VERSION = 2  # 2: exhaustive HNSW search (ef_search)
"""Bump when the passage form or the metadata layout changes: every vector is then rebuilt."""

EMBED_BATCH = 32
"""Chunks embedded per call: small enough for a smooth progress bar, large enough to keep cores busy."""

METADATA_FIELDS = ("kind", "record_id", "district", "quarter")


SEPARATORS = (" · ", " › ")
"""Where a chunk's place-in-plan heading splits into parts (see assistant.chunks)."""


def shared_prefixes(chunks: Sequence[Chunk]) -> dict[str, str]:
    """Per kind, the matching-form heading that opens every chunk of that kind, cut at a separator.

    E.g. every task row opens with 附件1 …重点任务清单 · and every milestone with 附件2 …改革攻坚事项 · .
    Only kinds with at least three chunks count (a shared prefix of two is coincidence).
    """
    by_kind: dict[str, list[str]] = {}
    for c in chunks:
        by_kind.setdefault(c.kind, []).append(normalize(c.text))
    out: dict[str, str] = {}
    for kind, texts in by_kind.items():
        if len(texts) < 3:
            continue
        common = os.path.commonprefix(texts)
        cut = max((common.rfind(sep) + len(sep) for sep in SEPARATORS if sep in common), default=0)
        if cut:
            out[kind] = common[:cut]
    return out


def passage_texts(chunks: Sequence[Chunk]) -> dict[str, str]:
    """What is embedded per chunk id: the matching form, minus the heading its whole kind shares.

    A phrase repeated at the head of 44 task rows or 60 milestone cells cannot tell them apart, but it
    takes a large share of a small model's attention in a short cell: dropping it raised dense MRR from
    about 0.76 to 0.81 on eval/retrieval.jsonl. BM25 and people still see the full chunk text.
    """
    prefixes = shared_prefixes(chunks)
    out: dict[str, str] = {}
    for c in chunks:
        text, prefix = normalize(c.text), prefixes.get(c.kind, "")
        out[c.id] = text[len(prefix):] if prefix and text.startswith(prefix) else text
    return out


def query_text(query: str) -> str:
    """What is embedded for a question: the same matching form as passages."""
    return normalize(query)


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    """Chroma metadata for a chunk; None values are left out (Chroma rejects them)."""
    meta: dict[str, str | int] = {k: v for k in METADATA_FIELDS if (v := getattr(chunk, k)) is not None}
    meta["line_start"], meta["line_end"] = chunk.lines
    return meta


def chunk_hash(chunk: Chunk, passage: str) -> str:
    """Hash of everything stored for a chunk (text, metadata, embedded passage): equal hash, nothing to redo."""
    payload = {"v": MANIFEST_VERSION, "chunk": chunk.model_dump(mode="json"), "passage": passage}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def chunk_set_hash(hashes: dict[str, str]) -> str:
    """Hash of the whole chunk set (ids and per-chunk hashes, in id order)."""
    return hashlib.sha256(json.dumps(sorted(hashes.items())).encode("utf-8")).hexdigest()


class Manifest(BaseModel):
    """What the vector index was built from; written after every successful build."""

    version: int = MANIFEST_VERSION
    model_id: str
    target: str
    collection: str
    chunk_set_hash: str
    chunks: dict[str, str] = Field(default_factory=dict)


class IndexStats(BaseModel):
    """What a build did. `embedded` counts passages sent to the embedding model (cache hits included)."""

    model_id: str
    target: str
    rebuilt: bool = False
    upserted: int = 0
    deleted: int = 0
    unchanged: int = 0
    embedded: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when the collection was written to."""
        return self.rebuilt or self.upserted > 0 or self.deleted > 0


def manifest_path(settings: Settings) -> Path:
    """index/manifest.json, next to plan.sqlite."""
    return settings.index_dir / "manifest.json"


def read_manifest(settings: Settings) -> Manifest | None:
    """The manifest of the last build; None when absent or unreadable (which forces a full rebuild)."""
    path = manifest_path(settings)
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("ignoring unreadable index manifest %s: %s", path, exc)
        return None


def write_manifest(settings: Settings, manifest: Manifest) -> None:
    """Write the manifest atomically, so a crash mid-write leaves the old one."""
    path = manifest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".json.{os.getpid()}.tmp")  # workers starting together must not share one
    tmp.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


class _PassageEmbeddings(Embeddings):
    """Adapter handing LangChain's Chroma the matching form of each chunk to embed, counting the calls.

    Chroma stores the chunk text as published (for display) but the vector is of its passage text.
    """

    def __init__(self, inner: Embeddings, passages: dict[str, str]) -> None:
        self.inner = inner
        self.passages = passages
        self.embedded = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed the matching form of the given chunk texts."""
        self.embedded += len(texts)
        return self.inner.embed_documents([self.passages.get(t, normalize(t)) for t in texts])

    def embed_query(self, text: str) -> list[float]:
        """Embed a question in its matching form."""
        return self.inner.embed_query(query_text(text))


MIN_FREE_BYTES = 8 * 1024 * 1024


def _require_room(index_dir: Path) -> None:
    """Refuse to start a vector store on a disk that cannot hold one: Chroma, reopening a store it could not
    finish on a full disk, blocks instead of failing, so a first build checks the room it needs up front."""
    index_dir.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(index_dir).free < MIN_FREE_BYTES:
        raise OSError(errno.ENOSPC, "no room left for the vector index", str(index_dir))


def build_index(
    settings: Settings,
    chunks: Sequence[Chunk],
    progress: Progress | None = None,
    embeddings: Embeddings | None = None,
) -> IndexStats:
    """Bring the Chroma collection in line with `chunks`, embedding only what changed.

    `embeddings` defaults to `assistant.embeddings.get_embeddings(settings)` (cached); pass one to
    read its counters. Raises BackendUnavailableError when a configured server does not answer.
    """
    started = time.perf_counter()
    passages = passage_texts(chunks)
    hashes = {c.id: chunk_hash(c, passages[c.id]) for c in chunks}
    if len(hashes) != len(chunks):
        raise InputError("chunk ids are not unique; the chunker must give every chunk its own id")
    manifest = read_manifest(settings)
    target = target_of(settings)
    if embeddings is None:
        from assistant.embeddings import get_embeddings

        embeddings = get_embeddings(settings)
    model_id = str(getattr(embeddings, "model_id", "") or type(embeddings).__name__)
    stats = IndexStats(model_id=model_id, target=target)
    new_manifest = Manifest(
        model_id=model_id, target=target, collection=settings.chroma_collection,
        chunk_set_hash=chunk_set_hash(hashes), chunks=hashes,
    )
    if _fast_path_ok(settings, manifest, new_manifest):
        stats.unchanged = len(chunks)
        stats.seconds = time.perf_counter() - started
        logger.info("vector index unchanged (%d chunks, %s)", len(chunks), model_id)
        return stats
    if manifest is None and not settings.chroma_url:
        _require_room(settings.index_dir)
    try:
        _reconcile(settings, chunks, passages, hashes, manifest, embeddings, stats, progress)
    except Exception as exc:
        if settings.chroma_url and is_connection_error(exc):
            raise unavailable(settings, exc) from exc
        raise
    write_manifest(settings, new_manifest)
    stats.seconds = time.perf_counter() - started
    logger.info("vector index %s", stats.model_dump())
    return stats


def _fast_path_ok(settings: Settings, old: Manifest | None, new: Manifest) -> bool:
    """Skip Chroma entirely when the embedded store was built from exactly this chunk set and model.

    A server's collection can change behind our back, so with a server URL we always check it.
    """
    if old is None or settings.chroma_url:
        return False
    same = old.model_dump(exclude={"chunks"}) == new.model_dump(exclude={"chunks"})
    return same and (settings.chroma_dir / "chroma.sqlite3").exists()


def _reconcile(
    settings: Settings,
    chunks: Sequence[Chunk],
    passages: dict[str, str],
    hashes: dict[str, str],
    manifest: Manifest | None,
    embeddings: Embeddings,
    stats: IndexStats,
    progress: Progress | None,
) -> None:
    """Compare the collection with the chunks and write the difference (or everything, on a model change)."""
    client = chroma_client(settings)
    name = settings.chroma_collection
    exists, stored_model = collection_model(client, name, MANIFEST_VERSION)
    # No manifest while the collection changes: a build that dies half-way must not take the fast path later.
    manifest_path(settings).unlink(missing_ok=True)
    manifest_model = manifest.model_id if manifest else stored_model  # no manifest: the collection's word
    if exists and (stored_model != stats.model_id or manifest_model != stats.model_id):
        logger.info("embedding model changed (%s → %s): rebuilding %s", stored_model, stats.model_id, name)
        client.delete_collection(name)
        exists = False
    stats.rebuilt = not exists
    adapter = _PassageEmbeddings(embeddings, {c.text: passages[c.id] for c in chunks})
    store = open_store(client, settings, adapter, stats.model_id, MANIFEST_VERSION)
    stored: dict[str, Any] = {}
    if exists:
        got = store.get(include=["metadatas"])
        stored = {i: (m or {}).get("text_hash") for i, m in zip(got["ids"], got["metadatas"], strict=True)}
    # Similar lengths per batch waste less padding in the encoder.
    todo = sorted((c for c in chunks if stored.get(c.id) != hashes[c.id]), key=lambda c: len(passages[c.id]))
    removed = sorted(set(stored) - set(hashes))
    stats.unchanged = len(chunks) - len(todo)
    if removed:
        store.delete(ids=removed)
        stats.deleted = len(removed)
    if progress:
        progress("embedding", 0, len(todo))
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        store.add_texts(
            texts=[c.text for c in batch],
            metadatas=[{**chunk_metadata(c), "text_hash": hashes[c.id]} for c in batch],
            ids=[c.id for c in batch],
        )
        stats.upserted += len(batch)
        if progress:
            progress("embedding", stats.upserted, len(todo))
    stats.embedded = adapter.embedded


class VectorIndex:
    """Dense search over the built collection. Connects lazily and reconnects after a server outage."""

    def __init__(self, settings: Settings, embeddings: Embeddings | None = None) -> None:
        """Remember the configuration; nothing is opened until `connect` or the first search."""
        self.settings = settings
        self._embeddings = embeddings
        self._store: Chroma | None = None

    @property
    def embeddings(self) -> Embeddings:
        """The query-side embeddings (built on first use)."""
        if self._embeddings is None:
            from assistant.embeddings import get_embeddings

            self._embeddings = get_embeddings(self.settings)
        return self._embeddings

    @property
    def model_id(self) -> str:
        """The id of the model queries are embedded with."""
        return str(getattr(self.embeddings, "model_id", "") or type(self.embeddings).__name__)

    def connect(self) -> None:
        """Open the collection and check it was built with our model.

        Raises BackendUnavailableError (server down) or IndexMissingError (not built, or built with a
        different embedding model: `assistant ingest` rebuilds it).
        """
        if self._store is not None:
            return
        try:
            client = chroma_client(self.settings)
            exists, stored_model = collection_model(client, self.settings.chroma_collection, MANIFEST_VERSION)
        except Exception as exc:
            if self.settings.chroma_url and is_connection_error(exc):
                raise unavailable(self.settings, exc) from exc
            raise
        where = target_of(self.settings)
        if not exists:
            raise IndexMissingError(
                f"no vector collection {self.settings.chroma_collection!r} at {where}; run `assistant ingest`"
            )
        if stored_model != self.model_id:
            raise IndexMissingError(
                f"the vector index at {where} was built with {stored_model or 'an unknown model'}, but queries "
                f"would use {self.model_id}; run `assistant ingest` to rebuild it"
            )
        self._store = open_store(client, self.settings, None, self.model_id, MANIFEST_VERSION)

    def search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the k nearest chunks, best first, optionally filtered.

        Raises BackendUnavailableError when the Chroma server does not answer; the next call retries.
        """
        from chromadb.errors import NotFoundError

        vector = self.embeddings.embed_query(query_text(query))
        for attempt in (1, 2):
            self.connect()
            assert self._store is not None  # connect() either set it or raised
            try:
                # Ids and distances only: LangChain's search would also fetch and wrap every text and
                # metadata, which costs more than the HNSW search itself (the retriever has the texts).
                found = self._store._collection.query(
                    query_embeddings=np.asarray([vector], dtype=np.float32), n_results=k, where=where,
                    include=["distances"],
                )
                break
            except NotFoundError:
                # `assistant ingest` rebuilt the collection (new model) since we opened it: reopen once.
                self._store = None
                if attempt == 2:
                    raise
            except Exception as exc:
                if self.settings.chroma_url and is_connection_error(exc):
                    raise unavailable(self.settings, exc) from exc
                raise
        ids, distances = found["ids"][0], (found["distances"] or [[]])[0]
        return [(str(cid), 1.0 - float(distance)) for cid, distance in zip(ids, distances, strict=True)]
