"""Rows of two plans matched by what they say, not by their numbers: counterparts, new rows, dropped rows."""

from __future__ import annotations

from assistant.models import Task
from assistant.text import char_pairs, normalize

MATCH = 0.45
"""Least similarity for two rows to be the same task in two years (bigram Dice over name + target)."""


def _bigrams(text: str) -> set[str]:
    return char_pairs("".join(ch for ch in normalize(text) if ch.isalnum() and not ch.isdigit()))


def row_text(task: Task) -> str:
    """What a row says, without its figures (those are what change between years)."""
    return f"{task.group} {task.content}"


def similarity(a: Task, b: Task) -> float:
    """Dice coefficient of the two rows' character bigrams (figures left out)."""
    x, y = _bigrams(row_text(a)), _bigrams(row_text(b))
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def counterpart(task: Task, others: list[Task]) -> tuple[Task | None, float]:
    """The row of the other plan that is this task, with its similarity (None below `MATCH`)."""
    best, score = None, 0.0
    for other in others:
        s = similarity(task, other)
        if s > score:
            best, score = other, s
    return (best, score) if score >= MATCH else (None, score)


def unmatched(rows: list[Task], others: list[Task]) -> list[Task]:
    """Rows with no counterpart among `others` (new rows of a newer plan, or dropped rows of an older one)."""
    return [t for t in rows if counterpart(t, others)[0] is None]
