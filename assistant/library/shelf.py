"""Adding, replacing and removing one plan of a library; nothing else in the library is touched.

A page is read before anything is written: a page the reader rejects changes nothing. The new plan's
index is built in a staging dir beside the others and renamed into place, then library.json is
rewritten — so a server never loads a half-built plan, and a failure leaves the old plan as it was.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings
from assistant.errors import InputError
from assistant.ingest.pipeline import PAGE_SUFFIXES, is_page_file
from assistant.library.entries import PlanEntry, entry_of
from assistant.library.registry import PLANS, Registry

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ShelfReport:
    """What adding one page did."""

    entry: PlanEntry
    state: str  # "added" | "replaced" | "unchanged"
    warnings: int
    embedded: int


def pages_in(paths: list[Path]) -> list[Path]:
    """The plan pages named: files as given, folders searched (sorted) for pages of the kinds read."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path} does not exist; pass plan pages ({'/'.join(PAGE_SUFFIXES)}) or folders of them")
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and is_page_file(p))
        else:
            found.append(path)
    if not found:
        raise InputError(f"no plan page ({'/'.join(PAGE_SUFFIXES)}) in {', '.join(map(str, paths))}")
    return list(dict.fromkeys(found))


def plan_settings(settings: Settings, plan: str, index_dir: Path | None = None) -> Settings:
    """The single-plan settings of one library plan: its own index dir, the library's embedding cache."""
    collection = settings.chroma_collection if not settings.chroma_url else f"{settings.chroma_collection}-{plan}"[:60]
    return settings.model_copy(update={
        "index_dir": index_dir or Registry(settings.index_dir).plan_dir(plan),
        "embedding_cache": settings.embedding_cache_path,
        "chroma_collection": collection,
    })


def add_page(settings: Settings, path: Path, progress: Progress | None = None) -> ShelfReport:
    """Read one page and put its plan in the library (replacing the plan with the same id)."""
    from assistant.ingest.pipeline import read_plan
    from assistant.service import build

    plan = read_plan(path)  # raises before anything is written
    if not plan.sections and not plan.tasks and not plan.reforms:
        raise InputError(f"{path.name}: nothing in it reads as a plan (no headings, no task or milestone table)")
    registry = Registry(settings.index_dir)
    entry = entry_of(plan)
    with registry.locked():
        old = next((e for e in registry.entries() if e.id == entry.id), None)
        if old is not None and old.source_sha256 == entry.source_sha256 and (
                registry.plan_dir(old.id) / "manifest.json").is_file():
            return ShelfReport(entry=old, state="unchanged", warnings=len(plan.warnings), embedded=0)
        registry.sweep()
        entry.dir = f"{entry.id}-{uuid.uuid4().hex[:8]}"
        target = settings.index_dir / PLANS / entry.dir
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            report = build(plan_settings(settings, entry.id, target), path, progress=progress)
            registry.put(entry)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        if old is not None and old.dir != entry.dir:
            shutil.rmtree(settings.index_dir / PLANS / (old.dir or old.id), ignore_errors=True)
    log.info("library: %s %s from %s", "replaced" if old else "added", entry.id, path.name)
    return ShelfReport(entry=entry, state="replaced" if old else "added", warnings=len(plan.warnings),
                       embedded=report.index.embedded)


def remove_plan(settings: Settings, plan: str) -> PlanEntry:
    """Take one plan out: its registry entry, its SQLite and vectors (its dir; its server collection)."""
    registry = Registry(settings.index_dir)
    with registry.locked():
        entry = registry.get(plan)
        if settings.chroma_url:  # the vectors live in the server, in the plan's own collection
            from assistant.chroma import chroma_client

            one = plan_settings(settings, plan)
            client = chroma_client(one)
            if one.chroma_collection in [c.name if hasattr(c, "name") else c for c in client.list_collections()]:
                client.delete_collection(one.chroma_collection)
        registry.drop(plan)
    return entry
