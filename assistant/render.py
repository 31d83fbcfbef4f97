"""Wording in the asker's script or language: fixed phrases, district and quarter names, plan quotes.

Fixed phrases are written once in Simplified and converted for Traditional askers; English has its own
phrase table. Plan text is quoted as published for Traditional and English askers and rendered in
Simplified for Simplified askers (citations always keep the published text).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.models import QUARTER_LABELS
from assistant.text import to_simplified, to_traditional

QUARTER_EN = {"Q1": "Q1 (Jan–Mar)", "Q2": "Q2 (Apr–Jun)", "Q3": "Q3 (Jul–Sep)", "Q4": "Q4 (Oct–Dec)"}
PERIOD_EN = {"H1": "first half (Jan–Jun)", "H2": "second half (Jul–Dec)"}
CN_ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Voice:
    """How to speak to this asker: 'hans', 'hant' or 'en'."""

    mode: str

    @classmethod
    def for_question(cls, language: str, script: str) -> Voice:
        if language == "en":
            return cls("en")
        return cls("hant" if script == "hant" else "hans")

    @property
    def english(self) -> bool:
        return self.mode == "en"

    def zh(self, simplified: str) -> str:
        """A fixed Chinese phrase in the asker's script."""
        return to_traditional(simplified) if self.mode == "hant" else simplified

    def say(self, simplified: str, english: str) -> str:
        """A fixed phrase in the asker's language and script."""
        return english if self.english else self.zh(simplified)

    def quote(self, published: str) -> str:
        """Plan text: Simplified for Simplified askers, as published otherwise."""
        return to_simplified(published) if self.mode == "hans" else published

    def district(self, name: str) -> str:
        """A unit in the asker's language: its English name with the plan's name, or the name itself."""
        if self.english:
            from assistant.lexicon import vocabulary

            english = vocabulary().unit_english.get(name)
            return f"{english} ({name})" if english and english != name else name
        return self.quote(name)

    def quarter(self, q: str, label: str | None = None) -> str:
        """A milestone period: a quarter by its usual name, any other period by its column label."""
        if q in QUARTER_EN:
            return QUARTER_EN[q] if self.english else self.zh(to_simplified(QUARTER_LABELS[q]))
        if self.english:
            return PERIOD_EN.get(q[:2], label or q) if q.startswith("H") else f"{label or q}"
        return self.quote(label or q)

    def label(self, published_label: str) -> str:
        """Citation labels are navigation, not quotes: render them in the asker's script."""
        return to_simplified(published_label) if self.mode == "hans" else published_label

    def ordinal(self, n: int) -> str:
        """一、二、 for Chinese lists of rows; 1) 2) for English."""
        return f"{n}) " if self.english else f"{CN_ORDINALS[n - 1] if n <= 10 else n}、"

    def sources_line(self, labels: list[str]) -> str:
        head = self.say("来源：", "Sources: ")
        return head + "   ".join(f"[{i}] {lab}" for i, lab in enumerate(labels, start=1))
