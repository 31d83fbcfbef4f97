"""library.json: the plans of a library and where each one's index lives. Written atomically, under a lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import NotFoundError
from assistant.library.entries import PlanEntry

REGISTRY = "library.json"
PLANS = "plans"


def is_library(index_dir: Path) -> bool:
    """True when the index dir holds a library (made by ingesting several pages or a folder)."""
    return (index_dir / REGISTRY).is_file()


class Registry:
    """The plans of one index dir. Every change rewrites library.json whole (temp file + rename)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.path = index_dir / REGISTRY

    def entries(self) -> list[PlanEntry]:
        """The plans, in the order they were first added."""
        if not self.path.is_file():
            return []
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return [PlanEntry(**e) for e in data.get("plans", [])]

    def get(self, plan: str) -> PlanEntry:
        """One plan by id; NotFoundError names the ids there are."""
        for entry in self.entries():
            if entry.id == plan:
                return entry
        ids = ", ".join(e.id for e in self.entries()) or "none"
        raise NotFoundError(f"no plan {plan!r} in the library (plans: {ids})")

    def plan_dir(self, plan: str) -> Path:
        """Where one plan's single-plan index lives."""
        return self.index_dir / PLANS / (self.get(plan).dir or plan)

    def sweep(self) -> list[Path]:
        """Remove plan dirs no entry names (left by a build that was killed); returns what went."""
        named = {e.dir or e.id for e in self.entries()}
        root = self.index_dir / PLANS
        gone = [d for d in root.iterdir() if d.is_dir() and d.name not in named] if root.is_dir() else []
        for d in gone:
            shutil.rmtree(d, ignore_errors=True)
        return gone

    def generation(self) -> str | None:
        """Changes whenever a plan is added, replaced or removed (workers reload when it does)."""
        if not self.path.is_file():
            return None
        return json.loads(self.path.read_text(encoding="utf-8")).get("generation")

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One writer at a time across processes (a CLI ingest beside a server's upload)."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with open(self.index_dir / "library.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def put(self, entry: PlanEntry) -> None:
        """Add or replace one entry (call inside `locked`)."""
        kept = [e for e in self.entries() if e.id != entry.id]
        old = next((e for e in self.entries() if e.id == entry.id), None)
        if old is not None:
            entry = entry.model_copy(update={"added": old.added})
            kept.insert(next(i for i, e in enumerate(self.entries()) if e.id == entry.id), entry)
        else:
            kept.append(entry)
        self._write(kept)

    def drop(self, plan: str) -> PlanEntry:
        """Remove one entry and its index dir (call inside `locked`)."""
        entry = self.get(plan)
        where = self.plan_dir(plan)
        self._write([e for e in self.entries() if e.id != plan])
        shutil.rmtree(where, ignore_errors=True)
        return entry

    def _write(self, entries: list[PlanEntry]) -> None:
        body = {"generation": uuid.uuid4().hex, "plans": [e.model_dump() for e in entries]}
        fd, tmp = tempfile.mkstemp(dir=self.index_dir, prefix=".library-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)
