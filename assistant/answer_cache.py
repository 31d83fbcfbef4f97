"""A bounded in-memory cache of finished answers, one per loaded Assistant.

The plan does not change while an Assistant is loaded (a re-ingest loads a new one, with an empty
cache) and the extractive answerer is deterministic, so the same conversation always gets the same
answer: people ask the same few questions, and repeating the work for each of them is waste. Answers
given while dense search was down (`degraded`) are not kept, so a recovered service does not go on
serving them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from assistant.models import Answer, ChatMessage

# (question, history) for one plan; the library keys by plan and conversation as one string.
Key = tuple[str, tuple[tuple[str, str], ...]] | str


def conversation_key(question: str, history: Sequence[ChatMessage] | None) -> Key:
    """The whole conversation, since a follow-up's answer depends on the turns before it."""
    return question.strip(), tuple((m.role, m.content) for m in history or ())


class AnswerCache:
    """Least-recently-used answers by conversation; `size` 0 keeps nothing. Safe across threads."""

    def __init__(self, size: int) -> None:
        """An empty cache holding at most `size` answers."""
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[Key, Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key, record_miss: bool = True) -> Answer | None:
        """A copy of the cached answer (callers may change theirs), or None.

        `record_miss=False` is for a look before the full path, which will ask again and count the miss.
        """
        with self._lock:
            answer = self._items.get(key)
            if answer is None:
                if record_miss:
                    self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
        return answer.model_copy(deep=True)

    def put(self, key: Key, answer: Answer) -> None:
        """Keep a full-quality answer, dropping the least recently used beyond `size`."""
        if self.size <= 0 or answer.degraded:
            return
        with self._lock:
            self._items[key] = answer.model_copy(deep=True)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        """Answers held."""
        return len(self._items)
