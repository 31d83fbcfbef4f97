"""Cutting a finished answer into pieces for streaming interfaces (SSE, OpenAI chunks, the web chat).

The answerer is extractive and returns a whole answer at once; streaming it line by line (long lines
sentence by sentence) lets clients show the first lines at once and keeps one code path for a later
token-streaming LLM rewrite. Joining the segments gives back the answer exactly.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
LONG_LINE = 80
"""Lines longer than this are split further at sentence ends."""


def split_segments(text: str) -> list[str]:
    """The answer as lines (newline kept), long lines cut after sentence-ending punctuation."""
    segments: list[str] = []
    for line in text.splitlines(keepends=True):
        if len(line) <= LONG_LINE:
            segments.append(line)
            continue
        segments.extend(part for part in _SENTENCE_END.split(line) if part)
    return segments
