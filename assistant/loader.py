"""Loading the one Assistant of a server process off the event loop, with progress for /readyz."""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Literal

from assistant.api_models import Readiness
from assistant.config import Settings
from assistant.errors import AssistantError, NotReadyError
from assistant.follow import GenerationWatch
from assistant.health import HealthCache, cache_stats
from assistant.library.service import Library
from assistant.public import describe_failure, public_message
from assistant.service import Assistant

log = logging.getLogger(__name__)


def with_rebuild_hint(message: str) -> str:
    """A start-up failure names the command that rebuilds the index, whatever layer raised it."""
    if "assistant ingest" in message:
        return message
    return f"{message}; fix that and rebuild the index with `assistant ingest`, then restart the server"


class AssistantLoader:
    """Loads the Assistant once in a daemon thread and reports progress until it is ready."""

    def __init__(self, settings: Settings, state: Any, assistant: Assistant | None = None) -> None:
        self.settings = settings
        self.state = state
        self.assistant = assistant
        self.library: Library | None = Library.single(assistant) if assistant is not None else None
        self.error: str | None = None
        self.stage: str | None = None
        self.done = 0
        self.total = 0
        self.started = time.monotonic()
        self.seconds = 0.0
        self._thread: threading.Thread | None = None
        self.health = HealthCache(settings.selfcheck_interval_s)
        self.watch = GenerationWatch(settings, lambda: self.assistant, self.replace)
        state.assistant = assistant
        state.library = self.library
        self._library_signature: tuple[int, int] | None = None
        self._library_checked = 0.0
        self._library_lock = threading.Lock()

    def start(self) -> None:
        """Begin loading unless an Assistant was given or loading already began."""
        if self.assistant is not None or self._thread is not None:
            return
        self.started = time.monotonic()
        # A daemon thread: stopping the server mid-build must not wait for the embedding to finish.
        self._thread = threading.Thread(target=self._load, name="assistant-loader", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until loading has finished (either way); True if it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    def progress(self, stage: str, done: int, total: int) -> None:
        """Assistant.load's progress callback (index build stages)."""
        if stage != self.stage:
            log.info("building the index: %s", stage)
        self.stage, self.done, self.total = stage, done, total

    def _load(self) -> None:
        try:
            library = Library.load(self.settings, build_if_missing=True, progress=self.progress)
            assistant = library.assistant()
            self.stage = "warming up"
            # The first question loads the embedding model and tokenizer dictionaries; pay that here.
            from assistant.plan_examples import example_questions

            library.ask(example_questions(assistant.plan)[0])
        except AssistantError as exc:
            self.error = with_rebuild_hint(str(exc))
            log.error("the assistant could not start: %s", exc)
            return
        except Exception as exc:  # a full disk, a read-only dir, a library's failure: said in words, logged in full
            why = describe_failure(exc, self.settings.index_dir)
            self.error = with_rebuild_hint(f"{why} (the server log has the details)")
            log.exception("the assistant could not start")
            return
        self.seconds = time.monotonic() - self.started
        self.stage = None
        self._library_signature = self._registry_signature()
        self.replace_library(library)
        log.info("assistant ready in %.1fs (%d plan%s)", self.seconds, len(library.plans),
                 "" if len(library.plans) == 1 else "s")

    def replace(self, assistant: Assistant) -> None:
        """Swap in a freshly built Assistant (admin re-ingest); requests already running keep the old one."""
        self.replace_library(Library.single(assistant))

    def replace_library(self, library: Library) -> None:
        """Swap in a library (a plan added, replaced or removed): one assignment each, old requests finish."""
        self.library = library
        self._library_signature = self._registry_signature()
        self.assistant = library.assistant()
        self.state.library = library
        self.state.assistant = self.assistant
        self.error = None

    def _registry_signature(self) -> tuple[int, int] | None:
        from assistant.library.registry import REGISTRY

        try:
            st = os.stat(self.settings.index_dir / REGISTRY)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_ino

    def _follow_library(self) -> None:
        """Another process changed library.json: reload it in the background, reusing unchanged plans."""
        interval = self.settings.generation_check_s
        now = time.monotonic()
        if interval <= 0 or now - self._library_checked < interval or self.library is None:
            return
        with self._library_lock:
            if now - self._library_checked < interval:
                return
            self._library_checked = now
            signature = self._registry_signature()
            if signature is None or signature == self._library_signature:
                return
            self._library_signature = signature
            current = self.library

        def reload() -> None:
            try:
                self.replace_library(Library.load(self.settings, build_if_missing=False, reuse=current))
            except Exception:  # keep answering from the loaded library; the next change retries
                log.exception("could not load the changed library; still answering from the loaded one")

        threading.Thread(target=reload, name="library-watch", daemon=True).start()

    def get_library(self) -> Library:
        """The loaded library (a library of one for a single-plan index dir); NotReadyError until then."""
        self.get()
        self._follow_library()
        assert self.library is not None
        return self.library

    def readiness(self) -> Readiness:
        """Where loading stands; once loaded, what the self-check found (see `health`)."""
        assistant = self.assistant
        if assistant is not None:
            self.watch.poke()
            library = self.library
            health = self.health.get(assistant, library.guard if library is not None and library.is_library else None)
            problems = [public_message(p) for p in health.problems] if health else ["the self-check is still running"]
            if self.watch.last_error:
                why = public_message(self.watch.last_error)
                problems.append(f"a newer index generation could not be loaded: {why}")
            ok = health is None or health.ok
            return Readiness(
                status="ready" if ok else "failed", seconds=round(self.seconds, 3),
                error=None if ok else "; ".join(problems), checks=health.checks if health else None,
                problems=problems, degraded=bool(health and health.degraded), generation=assistant.generation,
                caches=cache_stats(assistant),
            )
        status: Literal["loading", "failed"] = "failed" if self.error else "loading"
        return Readiness(
            status=status, stage=self.stage, done=self.done, total=self.total,
            seconds=round(time.monotonic() - self.started, 3), error=public_message(self.error) if self.error else None,
        )

    def get(self) -> Assistant:
        """The Assistant, or NotReadyError saying why there is none yet; notices a newer index generation."""
        if self.assistant is not None:
            self.watch.poke()
            return self.assistant
        if self.error:
            raise NotReadyError(f"the assistant failed to start: {self.error}; fix it and restart the server")
        where = f" ({self.stage} {self.done}/{self.total})" if self.stage and self.total else ""
        raise NotReadyError(f"the assistant is still loading its index{where}; retry in a few seconds (see /readyz)")
