"""The readiness self-check: what the answers need, exercised for real, at most every few seconds.

"Loaded" is not "able to answer": a damaged file, a full disk or a vector store that went away only
shows when a request touches it. So /readyz runs, on the loaded Assistant, a lookup in plan.sqlite (a
citation's source lines and the generation), one answer, a hybrid search and a dense search, and reports
each verdict, the cache counters and anything wrong with the derived files. A failed lookup, answer or
hybrid search makes the server not ready (503); a dense search that cannot reach its store only marks it
degraded (answers then come from the tables and BM25, as they say).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError, BackendUnavailableError
from assistant.public import describe_failure, public_message
from assistant.repair import cache_damage
from assistant.store import PlanStore

if TYPE_CHECKING:
    from assistant.service import Assistant

log = logging.getLogger(__name__)


@dataclass
class Health:
    """One self-check's verdicts."""

    checks: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    degraded: bool = False
    at: float = 0.0

    @property
    def ok(self) -> bool:
        """True unless a check the answers depend on failed."""
        return all(v in ("ok", "degraded") for v in self.checks.values())


def _reason(exc: BaseException) -> str:
    return public_message(str(exc) if isinstance(exc, AssistantError) else describe_failure(exc))


def probe_text(assistant: Assistant) -> str:
    """A question made of the plan's own words (the first chunk's opening), so any plan can be probed."""
    chunk = assistant.chunks[0] if assistant.chunks else None
    return (chunk.text[:24] if chunk else "") or "plan"


def self_check(assistant: Assistant) -> Health:
    """Run the four checks on `assistant`; never raises."""
    health = Health(at=time.monotonic())
    probe = probe_text(assistant)

    def check(name: str, run: Any) -> None:
        try:
            health.checks[name] = run() or "ok"
        except BackendUnavailableError as exc:
            health.checks[name] = "degraded"
            health.degraded = True
            health.problems.append(f"{name}: {_reason(exc)}")
        except Exception as exc:  # the point of the check: whatever breaks is reported, not raised
            log.warning("self-check %s failed", name, exc_info=exc)
            health.checks[name] = "failed"
            health.problems.append(f"{name}: {_reason(exc)}")

    def lookup() -> str | None:
        store = PlanStore(assistant.settings.sqlite_path)
        if store.generation() is None and assistant.generation is not None:
            return "failed"
        if assistant.chunks and not assistant.source_lines(assistant.chunks[0].id):
            health.problems.append("lookup: the page's source lines are not in plan.sqlite; run `assistant ingest`")
        return None

    def answer() -> str | None:
        return None if assistant.answerer.answer(probe, None).answer else "failed"

    def hybrid() -> str | None:
        return None if assistant.retriever.search(probe, k=3, mode="hybrid") else "failed"  # type: ignore[attr-defined]

    def dense() -> str | None:
        vector_index = getattr(assistant.retriever, "vector_index", None)
        if vector_index is None:
            raise BackendUnavailableError("there is no vector index; answers use the tables and BM25")
        return None if vector_index.search(probe, 3) else "failed"

    for name, run in (("lookup", lookup), ("answer", answer), ("hybrid", hybrid), ("dense", dense)):
        check(name, run)
    if why := cache_damage(assistant.settings):
        health.problems.append(f"embedding cache: {public_message(why)}; answers are computed without it, "
                               "and `assistant ingest` sets it aside")
    return health


def cache_stats(assistant: Assistant) -> dict[str, Any]:
    """The answer cache's and the embedding caches' counters."""
    out: dict[str, Any] = {"answers": {"hits": assistant.answers.hits, "misses": assistant.answers.misses}}
    vector_index = getattr(assistant.retriever, "vector_index", None)
    embeddings = vector_index.embeddings if vector_index is not None else None
    stats = getattr(embeddings, "stats", None)
    if callable(stats):
        vectors = stats()
        if vectors.get("last_failure"):
            vectors["last_failure"] = public_message(str(vectors["last_failure"]))
        out["vectors"] = vectors
    return out


class HealthCache:
    """The last self-check per Assistant, re-run in the background when older than `interval` seconds.

    A probe must get its answer promptly even when a store is slow to fail, so `get` waits at most
    `wait_s` for a check in progress and otherwise returns the previous verdict (None before the first).
    """

    def __init__(self, interval: float, wait_s: float = 1.5) -> None:
        self.interval = interval
        self.wait_s = wait_s
        self._last: tuple[int, Health] | None = None
        self._running: threading.Thread | None = None
        self._lock = threading.Lock()

    def _run(self, assistant: Assistant, guard: Callable[[], AbstractContextManager[Any]] | None) -> None:
        with guard() if guard else contextlib.nullcontext():
            health = self_check(assistant)
        with self._lock:
            self._last = (id(assistant), health)

    def get(self, assistant: Assistant, guard: Callable[[], AbstractContextManager[Any]] | None = None) -> Health | None:
        """A fresh enough verdict for this Assistant, or the last one while a new check runs.

        `guard`: entered around the check (a library makes the checked plan's vocabulary the active one).
        """
        with self._lock:
            last = self._last
            fresh = last is not None and last[0] == id(assistant) and time.monotonic() - last[1].at < self.interval
            if fresh:
                return last[1] if last else None
            if self._running is None or not self._running.is_alive():
                self._running = threading.Thread(target=self._run, args=(assistant, guard), name="self-check", daemon=True)
                self._running.start()
            running = self._running
        running.join(self.wait_s)
        with self._lock:
            last = self._last
        return last[1] if last is not None and last[0] == id(assistant) else None
