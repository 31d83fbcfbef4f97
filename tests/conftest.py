"""Shared fixtures: the real plan, parsed once; a real plan database in a temp dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import DEFAULT_PLAN, Settings, get_settings
from assistant.ingest.pipeline import build_plan
from assistant.models import Plan
from assistant.store import PlanStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def raw_text() -> str:
    return DEFAULT_PLAN.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def plan(raw_text: str) -> Plan:
    return build_plan(raw_text, DEFAULT_PLAN.name)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A session-wide index directory; ASSISTANT_INDEX_DIR points at it for in-process code and CLIs."""
    path = tmp_path_factory.mktemp("index")
    old = os.environ.get("ASSISTANT_INDEX_DIR")
    os.environ["ASSISTANT_INDEX_DIR"] = str(path)
    get_settings.cache_clear()
    yield path
    if old is None:
        os.environ.pop("ASSISTANT_INDEX_DIR", None)
    else:
        os.environ["ASSISTANT_INDEX_DIR"] = old
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def settings(index_dir: Path) -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def store(settings: Settings, plan: Plan) -> PlanStore:
    """The real plan written to a real SQLite file."""
    s = PlanStore(settings.sqlite_path)
    s.write_plan(plan)
    return s
