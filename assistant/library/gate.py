"""One plan's vocabulary active at a time, shared by every thread answering about that plan.

Question reading and BM25 use the process's active vocabulary (unit aliases, the tokenizer's plan words;
see `lexicon.use_vocabulary`). A library switches it per question: threads answering about the active
plan go through together; a thread that needs another plan waits until they are done, then switches.
Waiting threads of other plans hold back new arrivals, so a busy plan cannot starve a quiet one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from assistant import lexicon
from assistant.lexicon import Vocabulary, use_vocabulary


class VocabularyGate:
    """A readers–writer gate keyed by plan id."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active: str | None = None
        self._inside = 0
        self._waiting: dict[str, int] = {}
        self.switches = 0

    @contextlib.contextmanager
    def using(self, plan: str, vocabulary: Vocabulary) -> Iterator[None]:
        """Run the block with `plan`'s vocabulary active."""
        with self._cond:
            self._waiting[plan] = self._waiting.get(plan, 0) + 1
            while not self._may_enter(plan):
                self._cond.wait()
            self._waiting[plan] -= 1
            # Also when someone switched the process vocabulary without the gate (a single-plan load).
            if self._active != plan or lexicon.vocabulary() is not vocabulary:
                use_vocabulary(vocabulary)
                self._active = plan
                self.switches += 1
            self._inside += 1
        try:
            yield
        finally:
            with self._cond:
                self._inside -= 1
                if self._inside == 0:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self, becomes: str) -> Iterator[None]:
        """Run the block alone (loading a plan sets the process vocabulary itself); `becomes` is then active."""
        key = f"\0load:{becomes}"
        with self._cond:
            self._waiting[key] = self._waiting.get(key, 0) + 1
            while self._inside:
                self._cond.wait()
            self._waiting[key] -= 1
            self._inside += 1
            self._active = key
        loaded = False
        try:
            yield
            loaded = True
        finally:
            with self._cond:
                self._inside -= 1
                self._active = becomes if loaded else None  # a failed load left no known vocabulary
                self.switches += 1
                self._cond.notify_all()

    def _may_enter(self, plan: str) -> bool:
        if self._active == plan:
            return not any(n for p, n in self._waiting.items() if p != plan)
        return self._inside == 0

    @property
    def active(self) -> str | None:
        """The plan whose vocabulary is in use (None before the first question)."""
        return self._active


GATE = VocabularyGate()
"""The process's one gate: every Library of the process (an old one finishing while a new one takes over)
switches the one process vocabulary through it."""
