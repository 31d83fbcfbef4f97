"""Routes compete on evidence: an answer is kept only if its citations cover the question.

A cue word proposes a route (「谁」 → responsibility, 「多少」 + a unit → that unit's cell), but a cue can
mislead: 「优质社会组织名录里有几家」 names a unit and asks how many, and the unit's cell it finds is
about something else. So the route's answer is weighed by its support — the share of the question's
topic words that the records it cites contain — against the answer the passages themselves give, and
the better-supported one is returned. A route the question asks by its form alone (the document's own
fields, a refusal, an honest "not given") is not second-guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from assistant.answering.view import PlanView, tokens_of
from assistant.evidence import Evidence
from assistant.models import Answer, Citation
from assistant.topic import QUESTION_WORDS, support
from assistant.understand import DEADLINE_CUES, RESPONSIBLE_CUES, SCHEDULE_CUES, WHEN_CUES, Understanding

# The passages' answer replaces a route's only when it covers clearly more of the question, and most of it:
# a near tie keeps the route the question's form asked for.
MARGIN = 0.3
ENOUGH = 0.6
# Only a proposed answer whose evidence covers at most half of the question is weighed at all: one that
# covers more answers what was asked, in the form the question asked it.
HELD_CEILING = 0.5
# Answers about the document itself cite its header fields, whose words are not the question's topic; a
# computation over the units and a named unit's schedule are asked by the question's structure (最少, 二季度)
# as much as by its words, so their table answers stand.
UNCONTESTED_INTENTS = frozenset({"metadata", "refuse", "aggregate", "milestone", "reform_target"})
UNCONTESTED_ROUTES = frozenset({"abstain", "refused"})

Candidate = Callable[[Understanding, PlanView, Evidence], Answer | None]


@dataclass(frozen=True)
class Scored:
    """A candidate's answer, the evidence it cited into, and how much of the question that evidence covers."""

    answer: Answer | None
    evidence: Evidence
    support: float | None
    records: frozenset[str] = frozenset()


def fork(ev: Evidence) -> Evidence:
    """A copy of the evidence so far, for a candidate to cite into without touching the others'."""
    return Evidence(ev.chunks, ev.voice, ev.source_name, list(ev.citations))


# Body passages are paragraphs that touch many topics: what they are cited for is the quoted sentence.
PASSAGE_KINDS = frozenset({"subsection", "preamble", "chapter"})


@lru_cache(maxsize=1)
def _form_words() -> tuple[str, ...]:
    """Words that say what kind of answer is asked (推进, 安排, 负责, 时限, 计划), longest first: the cue words
    that propose routes and the question words, in Chinese."""
    words = {w for cues in (SCHEDULE_CUES, RESPONSIBLE_CUES, DEADLINE_CUES, WHEN_CUES) for w in cues
             if w and not w[:1].isascii()} | set(QUESTION_WORDS)
    return tuple(sorted(words, key=len, reverse=True))


def form_only(token: str) -> bool:
    """A token made only of such words (推进计划 = 推进 + 计划): it asks for a schedule, it names no topic
    that evidence could cover. 殡葬改革 keeps 殡葬."""
    rest = token
    for w in _form_words():
        rest = rest.replace(w, "")
    return not rest


def evidence_support(u: Understanding, view: PlanView, answer: Answer, before: int = 0) -> float | None:
    """The share of the question's topic words that the best single cited record holds: a table row or
    milestone whole (its cells are one fact), a body passage by the sentence quoted from it, each with
    its label. One record must carry the answer: an answer listing a district's whole quarter cites many
    records, and their union would cover any question. None when the question has no topic words or the
    answer cites nothing, so there is nothing to weigh."""
    tokens = {t for t in tokens_of(u) if not form_only(t)}
    cited = answer.citations[before:]
    if not tokens or not cited:
        return None

    def record(c: Citation) -> str:
        chunk = view.chunks.get(c.id)
        whole = chunk.text if chunk is not None and chunk.kind not in PASSAGE_KINDS else c.text
        return f"{whole} {c.label}"

    return max(support(tokens, record(c)) for c in cited)


def records(view: PlanView, answer: Answer | None, before: int = 0) -> set[str]:
    """The plan records an answer cites (a reform's target and its quarters are one record)."""
    if answer is None:
        return set()
    out = set()
    for c in answer.citations[before:]:
        chunk = view.chunks.get(c.id)
        out.add(chunk.record_id if chunk is not None and chunk.record_id else c.id)
    return out


def run(candidate: Candidate, u: Understanding, view: PlanView, ev: Evidence) -> Scored:
    """One candidate's answer on its own copy of the evidence, with its support."""
    own = fork(ev)
    answer = candidate(u, view, own)
    if answer is not None and not answer.answer.strip():
        answer = None
    score = evidence_support(u, view, answer, len(ev.citations)) if answer is not None else None
    return Scored(answer, own, score, frozenset(records(view, answer, len(ev.citations))))


def contested(u: Understanding, held: Scored) -> bool:
    """Whether the route's answer is weighed against the passages' at all: a route the question's form
    alone asks for is not, nor an answer whose evidence covers more than half of the question (then the
    passages' answer is not worth computing)."""
    return (held.answer is not None and u.intent not in UNCONTESTED_INTENTS
            and held.answer.route not in UNCONTESTED_ROUTES
            and held.support is not None and held.support <= HELD_CEILING)


def better(challenger: Scored, held: Scored) -> bool:
    """Whether the challenger's evidence covers the question clearly better than the held answer's, from
    other records: the other part of the same row (its 年度目标 for a question about June) is the row the
    route already chose, read as the question's form asked."""
    if challenger.answer is None or challenger.support is None:
        return False
    if held.support is None or held.support > HELD_CEILING:
        return False  # nothing to weigh (a topic-less follow-up), or an answer that covers the question
    if challenger.records and challenger.records <= held.records:
        return False
    return challenger.support >= ENOUGH and challenger.support - held.support >= MARGIN


def adopt(ev: Evidence, winner: Scored) -> Answer:
    """Make the winner's citations the conversation's evidence and return its answer."""
    if winner.answer is None:
        raise ValueError("only a candidate that answered can win")
    ev.citations[:] = winner.evidence.citations
    return winner.answer
