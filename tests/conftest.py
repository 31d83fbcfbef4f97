"""Shared fixtures: the real plan, parsed once; a real plan database in a temp dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.config import DEFAULT_PLAN, Settings, get_settings
from assistant.ingest.pipeline import build_plan
from assistant.models import Plan
from assistant.store import PlanStore

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def env_setting(name: str, value: str) -> Iterator[None]:
    """Set one ASSISTANT_* variable (subprocesses inherit it) and re-read settings on the way in and out."""
    old = os.environ.get(name)
    os.environ[name] = value
    get_settings.cache_clear()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old
        get_settings.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def shared_embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One embedding cache for the whole run, inherited by subprocesses: each test index embeds the plan
    once between them instead of once per index (the cache is keyed by model id and text hash)."""
    path = tmp_path_factory.mktemp("embedding-cache") / "cache.sqlite"
    with env_setting("ASSISTANT_EMBEDDING_CACHE", str(path)):
        yield path


@pytest.fixture(scope="session")
def raw_text() -> str:
    return DEFAULT_PLAN.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def plan(raw_text: str) -> Plan:
    from assistant.ingest.pipeline import read_aliases

    return build_plan(raw_text, DEFAULT_PLAN.name, read_aliases(DEFAULT_PLAN))


@pytest.fixture(autouse=True)
def seed_vocabulary(plan: Plan) -> None:
    """Every test starts reading questions with the seed's names; tests that load another plan switch.

    The vocabulary is process-wide (one plan per process), so without this a test's outcome would
    depend on which plan an earlier test happened to load.
    """
    from assistant.lexicon import Vocabulary, use_vocabulary, vocabulary

    global _SEED_VOCABULARY
    if _SEED_VOCABULARY is None:
        _SEED_VOCABULARY = Vocabulary.from_plan(plan)
    if vocabulary() is not _SEED_VOCABULARY:
        use_vocabulary(_SEED_VOCABULARY)


_SEED_VOCABULARY = None


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A session-wide index directory; ASSISTANT_INDEX_DIR points at it for in-process code and CLIs."""
    path = tmp_path_factory.mktemp("index")
    with env_setting("ASSISTANT_INDEX_DIR", str(path)):
        yield path


@pytest.fixture(scope="session")
def settings(index_dir: Path) -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def store(settings: Settings, plan: Plan) -> PlanStore:
    """The real plan written to a real SQLite file."""
    s = PlanStore(settings.sqlite_path)
    s.write_plan(plan)
    return s


@pytest.fixture(scope="session")
def retriever(settings: Settings, plan: Plan, store: PlanStore):  # type: ignore[no-untyped-def]
    """Chunks in plan.sqlite and the real Chroma index (embedded store, real E5 vectors), built once."""
    from assistant.chunks import build_chunks
    from assistant.index import build_index
    from assistant.retrieve import load_retriever

    chunks = build_chunks(plan)
    store.write_chunks(chunks)
    build_index(settings, chunks)
    return load_retriever(settings)


@pytest.fixture(scope="session")
def seed_assistant(settings: Settings, retriever):  # type: ignore[no-untyped-def]
    """The Assistant over the session index, loaded once (the service path: understanding, routes, caches)."""
    from assistant.service import Assistant

    return Assistant.load(settings, build_if_missing=False)


@pytest.fixture(scope="session")
def live_server(retriever, index_dir: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """`assistant serve` in a subprocess on a free loopback port over the session index (built first,
    by `retriever`); yields its base URL once /readyz says 200, and stops the process afterwards."""
    from tests.live_server import running_server

    with running_server(index_dir) as (base, _ready_after):
        yield base


LIBRARY_PAGES = (
    DEFAULT_PLAN,
    ROOT / "tests" / "fixtures" / "library" / "changzhou-2026-civil-affairs-plan.txt",
    ROOT / "tests" / "fixtures" / "plans" / "wuxi-2026-plan.html",
    ROOT / "tests" / "fixtures" / "plans" / "wujin-2025-district-towns.html",
)


@pytest.fixture(scope="session")
def library_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real library of four plans (the seed, its next year, another city's, a district bureau's) in a
    temp index dir, built once per run the way `assistant ingest PAGE...` builds it."""
    from assistant.library.shelf import add_page

    index_dir = tmp_path_factory.mktemp("library")
    settings = get_settings().model_copy(update={"index_dir": index_dir})
    for page in LIBRARY_PAGES:
        add_page(settings, page)
    return index_dir
