"""The vector index on a real Chroma server (`chroma run`), reached through HttpClient: build, search,
survive the server going away (BM25 only, flagged), and recover when it comes back."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from assistant.bench.procs import ChromaServer, chroma_executable
from assistant.chunks import build_chunks
from assistant.config import Settings, get_settings
from assistant.embeddings import CachedEmbeddings, E5Embeddings
from assistant.errors import BackendUnavailableError
from assistant.index import build_index
from assistant.models import Plan
from assistant.retrieve import HybridRetriever, load_retriever
from assistant.store import PlanStore

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    executable = chroma_executable()
    if executable is None:
        pytest.skip("the chroma console script is not installed")
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data", executable)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server_settings(
    server: ChromaServer, tmp_path_factory: pytest.TempPathFactory, plan: Plan, retriever: HybridRetriever
) -> Iterator[Settings]:
    """ASSISTANT_CHROMA_URL pointing at the server, a private index dir holding plan.sqlite and its chunks.

    Depends on the session `retriever`, whose build left every passage vector in the session cache.
    """
    index_dir = tmp_path_factory.mktemp("server-index")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_CHROMA_URL", server.url)
        mp.setenv("ASSISTANT_INDEX_DIR", str(index_dir))
        get_settings.cache_clear()
        settings = get_settings()
        store = PlanStore(settings.sqlite_path)
        store.write_plan(plan)
        store.write_chunks(build_chunks(plan))
        yield settings
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def session_embeddings(settings: Settings) -> CachedEmbeddings:
    """E5 behind the session's vector cache, so passages the session already embedded are not redone."""
    e5 = E5Embeddings()
    return CachedEmbeddings(e5, settings.embedding_cache_path, e5.model_id)


@pytest.fixture(scope="module")
def built(server_settings: Settings, session_embeddings: CachedEmbeddings, plan: Plan) -> Settings:
    stats = build_index(server_settings, build_chunks(plan), embeddings=session_embeddings)
    assert stats.rebuilt and stats.upserted == len(build_chunks(plan))
    assert stats.target == server_settings.chroma_url
    return server_settings


def test_index_is_built_on_the_server_and_searched_through_http(built: Settings) -> None:
    assert built.chroma_url and not built.chroma_dir.exists(), "nothing may go to the embedded store"
    retriever = load_retriever(built)
    hits = retriever.search("新北区三季度改革进度", k=5)
    assert not retriever.degraded
    assert {"reform-7-q3", "reform-8-q3"} <= {h.id for h in hits}
    assert any("dense" in h.sources for h in hits)


def test_warm_rebuild_against_the_server_writes_and_embeds_nothing(
    built: Settings, session_embeddings: CachedEmbeddings, plan: Plan
) -> None:
    session_embeddings.reset_counters()
    stats = build_index(built, build_chunks(plan), embeddings=session_embeddings)
    assert not stats.changed and stats.embedded == 0
    assert session_embeddings.hits == session_embeddings.misses == 0


def test_search_degrades_to_bm25_while_the_server_is_down_and_recovers(
    built: Settings, server: ChromaServer, plan: Plan, session_embeddings: CachedEmbeddings
) -> None:
    retriever = load_retriever(built)
    assert not retriever.degraded
    server.stop()
    try:
        hits = retriever.search("新北区三季度改革进度", k=5)
        assert retriever.degraded
        assert hits and all(set(h.sources) == {"bm25"} for h in hits)
        assert {"reform-7-q3", "reform-8-q3"} <= {h.id for h in hits}

        started_down = load_retriever(built)  # a process starting while the server is down still serves
        assert started_down.degraded and started_down.search("老年助餐点", k=3)[0].id == "task-3-3"

        with pytest.raises(BackendUnavailableError, match="not reachable"):
            build_index(built, build_chunks(plan), embeddings=session_embeddings)
    finally:
        server.start()
    hits = retriever.search("新北区三季度改革进度", k=5)
    assert not retriever.degraded
    assert any("dense" in h.sources for h in hits)
    started_down.search("老年助餐点", k=3)
    assert not started_down.degraded, "a retriever that started without the server picks it up later"


def test_cli_search_against_the_server(built: Settings) -> None:
    env = {**os.environ, "ASSISTANT_CHROMA_URL": str(built.chroma_url), "ASSISTANT_INDEX_DIR": str(built.index_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "search", "--k", "3", "Which district has the most meal points"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "task-3-3" in done.stdout and "warning" not in done.stderr
