"""The `frequency` answer: how often something is to be done (每周至少探访1次), from the sentence that says it.

「独居老人多久探访一次」 names a group the unit tables count and a row the milestone table schedules, so the
table routes answer with a count or a quarter's steps; what was asked is a rate in time, which only a
sentence (or a row's own cell) states. Nothing is answered when no supported passage states a rate.
"""

from __future__ import annotations

import re

from assistant.answering.finish import finish
from assistant.answering.view import PlanView, sentences_of, tokens_of
from assistant.evidence import Evidence
from assistant.models import Answer
from assistant.topic import support
from assistant.understand import Understanding

FREQUENCY_ASKED = re.compile(
    r"多久|多长时间(?:一次|探访|走访|开展)|频次|频率|每(?:周|月|季度|季|年|半年|天|日)(?:至少)?要?[\u4e00-\u9fff]{0,6}几次|"
    r"how often|how frequently|how many times (?:a|per|each) (?:day|week|month|quarter|year)", re.IGNORECASE)
FREQUENCY_STATED = re.compile(r"每(?:周|月|季度|季|年|半年|天|日|两周|双月)[^。；;，,]{0,12}?\d+\s*(?:次|回|遍)|"
                              r"(?:每|一)(?:周|月|季度)一次")
MIN_SUPPORT = 0.5


def answer_frequency(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """The best supported clauses that state a rate in time, each cited; None when the question asks no
    rate or no supported passage states one."""
    if not FREQUENCY_ASKED.search(u.normalized):
        return None
    tokens = tokens_of(u)
    found: list[tuple[float, str, str]] = []
    for hit in view.search(u, k=8, use_district=False):
        chunk = view.chunks[hit.id]
        for sentence in sentences_of(chunk.body or chunk.text):
            if FREQUENCY_STATED.search(sentence):
                found.append((support(tokens, view.under_heading(hit.id, sentence)), hit.id, sentence))
    if not found:
        return None
    best = max(score for score, _, _ in found)
    if best < MIN_SUPPORT:
        return None
    picked = [(cid, s) for score, cid, s in found if score >= best][:2]
    v = ev.voice
    return finish(view, ev, "\n".join(f"{v.quote(s)} {ev.cite(cid, s, view.label_for(view.chunks[cid]))}"
                                      for cid, s in picked), True, "retrieval")
