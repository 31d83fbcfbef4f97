"""Connecting to Chroma: the embedded PersistentClient or a server's HttpClient, telemetry off.

Connection failures of a configured server become BackendUnavailableError with a message that says
what to do; retrieval catches exactly that error to fall back to BM25. chromadb and langchain-chroma
are imported inside functions (about two seconds), so importing this module costs nothing.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from assistant.errors import BackendUnavailableError, InputError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

    from assistant.config import Settings

logger = logging.getLogger(__name__)

def target_of(settings: Settings) -> str:
    """Where the collection lives, as recorded in the manifest: the server URL, or the embedded store.

    The embedded store is named relative to the index dir that holds it and its manifest, so an index
    dir copied or mounted elsewhere (read-only, say) is still the same index and is not re-checked.
    """
    return settings.chroma_url.rstrip("/") if settings.chroma_url else f"file:{settings.chroma_dir.name}"


_snapshots: dict[Path, Path] = {}
_snapshot_lock = threading.Lock()


def store_path(settings: Settings) -> Path:
    """The directory the embedded client opens: the store itself, or a private copy of a read-only one.

    Chroma writes to its SQLite file whenever it opens it, so a read-only index dir (a read-only mount,
    an image layer) could not serve dense search. Such a store is copied once per process to a temp dir,
    removed at exit; queries never change it, and a rebuild cannot happen on a read-only dir anyway.
    """
    path = settings.chroma_dir
    if not path.is_dir() or os.access(path, os.W_OK):
        return path
    with _snapshot_lock:
        snapshot = _snapshots.get(path)
        if snapshot is None:
            snapshot = Path(tempfile.mkdtemp(prefix="assistant-chroma-")) / "chroma"
            shutil.copytree(path, snapshot)
            atexit.register(shutil.rmtree, snapshot.parent, True)
            _snapshots[path] = snapshot
            logger.info("the index dir is read-only: serving dense search from a private copy of its vector store")
        return snapshot


def parse_chroma_url(url: str) -> tuple[str, int, bool]:
    """(host, port, ssl) of a Chroma server URL such as http://127.0.0.1:8000."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InputError(f"ASSISTANT_CHROMA_URL={url!r} is not a server URL; use e.g. http://127.0.0.1:8000")
    ssl = parsed.scheme == "https"
    return parsed.hostname, parsed.port or (443 if ssl else 8000), ssl


def is_connection_error(exc: BaseException) -> bool:
    """True for the errors a missing or stopped Chroma server produces (and nothing else)."""
    import httpx

    if isinstance(exc, httpx.TransportError):  # connect refused, reset, timeout, broken protocol
        return True
    # chromadb's HttpClient constructor turns a failed first request into this ValueError.
    return isinstance(exc, ValueError) and "Could not connect to a Chroma server" in str(exc)


def unavailable(settings: Settings, exc: BaseException) -> BackendUnavailableError:
    """The error a person can act on when the Chroma server does not answer."""
    return BackendUnavailableError(
        f"the Chroma server at {settings.chroma_url} is not reachable ({exc}); start it "
        f"(`chroma run --path DIR --port PORT`) or unset ASSISTANT_CHROMA_URL to use the embedded store"
    )


def chroma_client(settings: Settings) -> ClientAPI:
    """A Chroma client for the configured target, telemetry off.

    Raises BackendUnavailableError when a configured server does not answer.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not settings.chroma_url:
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(store_path(settings)), settings=chroma_settings)
    host, port, ssl = parse_chroma_url(settings.chroma_url)
    try:
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
    except (ValueError, OSError) as exc:
        if is_connection_error(exc) or isinstance(exc, OSError):
            raise unavailable(settings, exc) from exc
        raise


def open_store(
    client: ClientAPI, settings: Settings, embeddings: Embeddings | None, model_id: str, version: int
) -> Chroma:
    """The LangChain vector store over our collection: created when missing, cosine space, no Chroma EF.

    The collection records the embedding model and layout version it was built with. `ef_search` is
    set past the size of a plan's index so the HNSW search visits every vector: results are then
    exact and the same in every process. (The default of 100 is approximate, and Chroma rebuilds
    an unflushed graph with several threads at start-up, so two processes could rank differently.)
    """
    from langchain_chroma import Chroma

    return Chroma(
        client=client,
        collection_name=settings.chroma_collection,
        embedding_function=embeddings,
        collection_metadata={"model_id": model_id, "manifest_version": version},
        collection_configuration={"hnsw": {"space": "cosine", "ef_search": settings.hnsw_ef_search}},
    )


def collection_model(client: ClientAPI, name: str, version: int) -> tuple[bool, str | None]:
    """(exists, model_id recorded on it) of a collection; the model counts as unknown for another version."""
    from chromadb.errors import NotFoundError

    try:
        collection = client.get_collection(name, embedding_function=None)  # type: ignore[arg-type]
    except NotFoundError:
        return False, None
    except ValueError as exc:  # older chromadb servers report a missing collection this way
        if "does not exist" in str(exc):
            return False, None
        raise
    meta = collection.metadata or {}
    model = meta.get("model_id")
    if meta.get("manifest_version") != version:
        model = None
    return True, str(model) if model is not None else None
