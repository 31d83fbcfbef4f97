"""Numbered citations that can only quote what a record really says."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.chunks import Chunk
from assistant.models import Citation
from assistant.render import Voice


class CitationError(ValueError):
    """A composer tried to quote text its record does not contain: a bug, never shown to users."""


@dataclass
class Evidence:
    """Citations in the order the answer first uses them; `cite` returns the [n] marker."""

    chunks: dict[str, Chunk]
    voice: Voice
    source_name: str
    citations: list[Citation] = field(default_factory=list)

    def cite(self, chunk_id: str, quote: str, label: str) -> str:
        """Cite `quote` from chunk `chunk_id`; the same (id, quote) is cited once."""
        chunk = self.chunks[chunk_id]
        if quote not in chunk.text:
            raise CitationError(f"{quote!r} is not in {chunk_id}")
        for n, c in enumerate(self.citations, start=1):
            if c.id == chunk_id and c.text == quote:
                return f"[{n}]"
        location = f"{self.source_name}:L{chunk.lines[0]}-L{chunk.lines[1]}"
        self.citations.append(
            Citation(id=chunk_id, label=self.voice.label(label), text=quote, location=location)
        )
        return f"[{len(self.citations)}]"

    def footer(self) -> str:
        """The 来源 line listing every citation's label."""
        return self.voice.sources_line([c.label for c in self.citations]) if self.citations else ""
