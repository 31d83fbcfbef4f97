"""Scoring: gold rows + answers → per-question verdicts → figures per category, per language and overall.

Pure functions, no I/O, so every rule can be tested on a hand-made row. The rules (eval/README.md):

- Text is compared after folding: OpenCC Traditional→Simplified, full/half width, lower case
  (`assistant.text.normalize`) and with all whitespace removed, on both sides. A gold answer written in
  Simplified matches an answer in Traditional, and `3 500` matches `3500`.
- `facts` is a list of facts; each fact is a list of acceptable alternatives. A fact is present when
  any one alternative occurs in the folded answer; the answer must contain every fact.
- A question passes when it did not error, the answerable flag equals the gold flag, and every fact is
  present. This holds for unanswerable questions too: their facts, when given, describe the nearest
  thing the plan does say, which a good abstention must show (ARCHITECTURE.md, "What a good answer
  looks like"). An unanswerable row without facts passes on the flag alone.
- Abstention precision/recall treat "abstained" (answerable false, no error) as the positive class.
- Citation correctness, for passing answerable questions: every fact, as found in the answer, is also
  found in at least one citation (its quoted text or its label, which names the record's row,
  district and quarter), or is a number the answer computes by arithmetic it shows from cited
  numbers. Reported as the share of such questions.
- Unsupported numbers come from `assistant.verify.unsupported_numbers`; the count must be 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from assistant.models import Answer, Citation
from assistant.text import normalize
from assistant.verify import NUMBER, body_of, cited_numbers, computed_numbers, unsupported_numbers

Facts = Sequence[Sequence[str]]
WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class RowScore:
    """The verdict on one question, for one system (ours or the baseline)."""

    id: str
    category: str
    language: str
    expected_answerable: bool
    answerable: bool
    passed: bool
    missing: list[list[str]] = field(default_factory=list)
    citation_ok: bool | None = None
    unsupported: list[str] | None = None
    latency_ms: float = 0.0
    error: str | None = None

    @property
    def abstained(self) -> bool:
        """Said 'the plan does not say'. A crash is not an abstention, whatever flag its row carries."""
        return not self.answerable and self.error is None


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """The form both sides are compared in: Simplified, half width, lower case, no whitespace.

    Cached: the same facts and citations are folded once per alternative and per answer.
    """
    return WHITESPACE.sub("", normalize(text or ""))


def fact_present(folded_text: str, alternatives: Sequence[str]) -> bool:
    """Whether any alternative of one fact occurs in already-folded text."""
    return any(fold(alt) and fold(alt) in folded_text for alt in alternatives)


def missing_facts(text: str, facts: Facts) -> list[list[str]]:
    """The facts none of whose alternatives occur in `text` (empty when the text has them all)."""
    folded = fold(text)
    return [list(fact) for fact in facts if not fact_present(folded, fact)]


def missing_from_any(texts: Sequence[str], facts: Facts) -> list[list[str]]:
    """The facts that occur in none of `texts`; each fact may come from a different text.

    Texts are checked one by one so that no fact is found across the seam between two retrieved chunks.
    """
    folded = [fold(t) for t in texts]
    return [list(fact) for fact in facts if not any(fact_present(f, fact) for f in folded)]


def _derived(alternative: str, derived: set[Decimal]) -> bool:
    """A numeric fact (e.g. a district sum) that the answer computes, in the open, from cited numbers."""
    values = [Decimal(m) for m in NUMBER.findall(fold(alternative))]
    return bool(values) and all(v in derived for v in values)


def citations_support(answer_text: str, facts: Facts, citations: Sequence[Citation]) -> bool:
    """Every fact, in the form the answer states it, also occurs in some citation's text or label.

    A number the answer derives by arithmetic it shows (`874 + 840 = 1714`, operands cited) counts as
    supported, as it does for `assistant.verify`: a computed total is in no citation by nature.
    """
    answer = fold(answer_text)
    cited = [fold(c.text) for c in citations] + [fold(c.label) for c in citations]
    derived = computed_numbers(body_of(answer_text), cited_numbers(list(citations)))
    for fact in facts:
        stated = [alt for alt in fact if fold(alt) and fold(alt) in answer]
        quoted = any(fold(alt) in c for alt in stated for c in cited)
        if stated and not quoted and not any(_derived(alt, derived) for alt in stated):
            return False
    return True


def as_answer(result: Mapping[str, Any]) -> Answer:
    """A RESULTS row back as an Answer, so the number verifier sees exactly what the CLI wrote."""
    return Answer(
        answer=str(result.get("answer") or ""),
        answerable=bool(result.get("answerable")),
        route=str(result.get("route") or ""),
        citations=[Citation(**c) for c in result.get("citations") or []],
    )


def score_answer(gold: Mapping[str, Any], result: Mapping[str, Any]) -> RowScore:
    """Score our answer to one gold question (see the module docstring for the rules)."""
    error = result.get("error")
    answer = as_answer(result)
    facts: Facts = gold.get("facts") or []
    missing = missing_facts(answer.answer, facts)
    expected = bool(gold["answerable"])
    passed = error is None and answer.answerable == expected and not missing
    citation_ok = citations_support(answer.answer, facts, answer.citations) if passed and expected else None
    return RowScore(
        id=str(gold["id"]),
        category=str(gold.get("category", "uncategorised")),
        language=str(gold.get("language", "unknown")),
        expected_answerable=expected,
        answerable=answer.answerable,
        passed=passed,
        missing=missing,
        citation_ok=citation_ok,
        unsupported=unsupported_numbers(answer),
        latency_ms=float(result.get("latency_ms") or 0.0),
        error=str(error) if error else None,
    )


def score_context(gold: Mapping[str, Any], contexts: Sequence[str], latency_ms: float) -> RowScore:
    """Score retrieved context (the baseline): passes when an answerable question's facts are all in it.

    That is an upper bound for any LLM reading the context. The textbook pipeline has no way to
    abstain, so an unanswerable question always fails.
    """
    expected = bool(gold["answerable"])
    missing = missing_from_any(contexts, gold.get("facts") or [])
    return RowScore(
        id=str(gold["id"]),
        category=str(gold.get("category", "uncategorised")),
        language=str(gold.get("language", "unknown")),
        expected_answerable=expected,
        answerable=True,
        passed=expected and not missing,
        missing=missing,
        latency_ms=latency_ms,
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100) with linear interpolation, as numpy's default; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def group_stats(scores: Sequence[RowScore]) -> dict[str, Any]:
    """Accuracy, abstention P/R, citation correctness, unsupported numbers, errors and latency of a group."""
    abstained_right = sum(1 for s in scores if s.abstained and not s.expected_answerable)
    abstained = sum(1 for s in scores if s.abstained)
    unanswerable = sum(1 for s in scores if not s.expected_answerable)
    checked = [s.citation_ok for s in scores if s.citation_ok is not None]
    numbers = [s.unsupported for s in scores if s.unsupported is not None]
    latencies = [s.latency_ms for s in scores]
    return {
        "n": len(scores),
        "passed": sum(1 for s in scores if s.passed),
        "accuracy": _share(sum(1 for s in scores if s.passed), len(scores)),
        "abstention_precision": _share(abstained_right, abstained),
        "abstention_recall": _share(abstained_right, unanswerable),
        "answered_unanswerable": sum(1 for s in scores if not s.expected_answerable and s.answerable),
        "citation_correctness": _share(sum(1 for ok in checked if ok), len(checked)),
        "citation_checked": len(checked),
        "unsupported_numbers": sum(len(u) for u in numbers) if numbers else None,
        "errors": sum(1 for s in scores if s.error),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


def _grouped(scores: Iterable[RowScore], key: Callable[[RowScore], str]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[RowScore]] = {}
    for s in scores:
        groups.setdefault(key(s), []).append(s)
    return {name: group_stats(groups[name]) for name in sorted(groups)}


def summarize(scores: Sequence[RowScore]) -> dict[str, Any]:
    """Group figures overall, per category and per language."""
    return {
        "overall": group_stats(scores),
        "by_category": _grouped(scores, lambda s: s.category),
        "by_language": _grouped(scores, lambda s: s.language),
    }
