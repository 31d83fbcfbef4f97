"""Workers follow the index: a new generation in plan.sqlite is noticed and loaded, then swapped in whole.

Every build that changes anything records a new generation id in plan.sqlite last (see `service.build`).
Each request pokes the watch; at most every `generation_check_s` seconds it stats plan.sqlite (a few
microseconds), and only when the file changed does a background thread read the generation. When that
differs from the loaded Assistant's, the thread loads a new Assistant (plan, chunks, retriever) and the
loader swaps it in in one assignment: requests already running finish on the old one, new requests get
the new one, and no request ever sees half of each.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.store import PlanStore

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.service import Assistant

log = logging.getLogger(__name__)
Signature = tuple[int, int, int]


def file_signature(settings: Settings) -> Signature | None:
    """(mtime ns, size, inode) of plan.sqlite; None when it cannot be stat'ed."""
    try:
        st = os.stat(settings.sqlite_path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


class GenerationWatch:
    """Notices a newer index generation and loads it off the request path."""

    def __init__(
        self, settings: Settings, current: Callable[[], Assistant | None], replace: Callable[[Assistant], None]
    ) -> None:
        """`current()` is the loaded Assistant (or None); `replace(assistant)` swaps a new one in."""
        self.settings = settings
        self.current = current
        self.replace = replace
        self.interval = settings.generation_check_s
        self.reloads = 0
        self.last_error: str | None = None
        self._signature = file_signature(settings)
        self._checked = time.monotonic()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def poke(self) -> None:
        """Called per request: cheap unless plan.sqlite changed since the last look."""
        if self.interval <= 0:
            return
        now = time.monotonic()
        if now - self._checked < self.interval:
            return
        with self._lock:
            if now - self._checked < self.interval or (self._thread is not None and self._thread.is_alive()):
                return
            self._checked = now
            signature = file_signature(self.settings)
            if signature is None or signature == self._signature:
                return
            self._signature = signature
            self._thread = threading.Thread(target=self.follow, name="generation-watch", daemon=True)
            self._thread.start()

    def follow(self) -> bool:
        """Load and swap in the stored generation if it is not the loaded one; True when it swapped."""
        from assistant.service import Assistant

        current = self.current()
        stored = PlanStore(self.settings.sqlite_path).generation()
        if current is None or stored is None or stored == current.generation:
            return False
        log.info("index generation %s replaced %s: loading it", stored, current.generation)
        try:
            fresh = Assistant.load(self.settings, build_if_missing=False)
            fresh.ask(fresh.chunks[0].text[:24] if fresh.chunks else "plan")  # warm, before any request sees it
        except Exception as exc:  # keep answering from the old generation; the next change retries
            self.last_error = str(exc)
            log.warning("could not load index generation %s; still answering from %s", stored, current.generation,
                        exc_info=exc)
            with self._lock:
                self._signature = None  # look again at the next poke
            return False
        self.replace(fresh)
        self.reloads += 1
        self.last_error = None
        log.info("now answering from index generation %s", fresh.generation)
        return True
