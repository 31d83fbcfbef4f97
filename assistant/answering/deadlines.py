"""The `deadline` route: by when something is due — a 完成时限 cell, a dated item of a row, a dated
sentence of the body, or the period of the milestone that matches — whichever matches best."""

from __future__ import annotations

import re
from typing import Any

from assistant import compose
from assistant.answering.finish import finish
from assistant.answering.milestones import reform_hit_answer
from assistant.answering.view import BODY_KINDS, PlanView, tokens_of
from assistant.evidence import Evidence
from assistant.lookup import DUE_DATE, deadline_items
from assistant.models import Answer
from assistant.topic import support
from assistant.understand import Understanding, has_any

LIST_DEADLINE_CUES = ("哪些时间节点", "时间节点有哪些", "时间安排", "哪些节点", "which deadlines", "what deadlines",
                      "milestones", "timeline", "schedule")
ROW_DATE_BONUS = 0.05
# Words that ask which phase of a thing, not which thing: 「啥时候启动,啥时候要完成」 asks about both periods
# a step names the same thing in, so they do not tell one period's step from another's.
PHASE_WORDS = frozenset({"启动", "开始", "开展", "建成", "启用", "投用", "上线", "结束", "实施", "推进", "落实"})
SAME_THING = 0.5  # share of the thing's words a period must hold to be one of its periods
DATE_ASKED_BONUS = 0.5  # 「五月底前要交啥」: of a row's dated items, the one due in the month asked

# A candidate: (score, -rank, hit, what dates it). The last is "" for a row's 完成时限 column, a dated
# item of the row's breakdown, ("text", sentence) for a body sentence, or None for a milestone cell.
Candidate = tuple[float, int, Any, Any]
ITEM_MONTH = re.compile(r"(\d{1,2})月")


def answer_deadline(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """The dated record that matches the question best, answered in its own form."""
    best: Candidate | None = None
    tokens = tokens_of(u)
    for rank_no, hit in enumerate(view.search(u, k=8)):
        if not view.supported(u, hit.text):
            continue
        candidate = _candidate(u, view, tokens, hit, rank_no)
        if candidate is not None and (best is None or candidate[:2] > best[:2]):
            best = candidate
    if best is None or best[0] == 0:
        return None
    _, _, hit, dated = best
    if isinstance(dated, tuple):
        return finish(view, ev, dated_text(u, view, ev, hit.id, dated[1]), True, "retrieval")
    if dated == "":
        return finish(view, ev, compose.due_column(ev, view.tasks[hit.id]), True, "lookup")
    if dated is not None:
        return finish(view, ev, compose.deadlines(ev, view.tasks[hit.id], dated) or "", True, "lookup")
    periods = _periods_of_thing(view, tokens, hit)
    if len(periods) > 1:
        r = view.reforms[view.chunks[hit.id].record_id]
        return finish(view, ev, "\n".join(compose.milestone_cell(ev, r, q) for q in periods), True, "lookup")
    return reform_hit_answer(view, ev, hit)


def _periods_of_thing(view: PlanView, tokens: set[str], hit: Any) -> list[str]:
    """Every period of the matched reform row whose steps name what was asked as fully as the matched
    period does (启动 in 二季度, 完成 in 三季度): "when" is then each of them, in the row's order."""
    chunk = view.chunks[hit.id]
    r = view.reforms.get(chunk.record_id)
    thing = {t for t in tokens if t not in PHASE_WORDS}
    if r is None or not thing or chunk.quarter not in r.milestones:
        return []
    held = {q: support(thing, "\n".join(steps)) for q, steps in r.milestones.items() if steps}
    best = held.get(chunk.quarter, 0.0)
    if best < SAME_THING:
        return []
    return [q for q in r.milestones if held.get(q, 0.0) >= best]


def _candidate(u: Understanding, view: PlanView, tokens: set[str], hit: Any, rank_no: int) -> Candidate | None:
    """How well one hit dates what was asked, and what dates it."""
    if hit.kind == "task":
        task = view.tasks[hit.id]
        items = deadline_items(task.citywide or "")
        if not items and compose.dated_columns(task.extra):
            # A 完成时限 column: the row's own due date, as good as the row matches the question — and better
            # than a sentence that matches as well, whose date may belong to another of its clauses.
            return support(tokens, hit.text) + ROW_DATE_BONUS, -rank_no, hit, ""
        if not items:
            return None
        item = max(items, key=lambda x: support(tokens, x) + DATE_ASKED_BONUS * _dated_as_asked(u, x))
        score = (support(tokens, hit.text) + support(tokens, item)) / 2 if support(tokens, item) else 0.0
        return score, -rank_no, hit, item
    if hit.kind == "milestone":
        return support(tokens, hit.text) * 0.9, -rank_no, hit, None
    if hit.kind in BODY_KINDS:
        dated_sentences = [x for x in view.sentences(hit.id) if DUE_DATE.search(x)]
        if not dated_sentences:
            return None
        asked = set(DUE_DATE.findall(u.normalized))  # 「9月底前要完成多少」: the sentence with that date

        def fit(x: str) -> float:
            return support(tokens, x) + 0.5 * bool(asked & set(DUE_DATE.findall(x)))

        sentence = max(dated_sentences, key=fit)
        return fit(sentence), -rank_no, hit, ("text", sentence)
    return None


def _dated_as_asked(u: Understanding, item: str) -> float:
    """How well a dated item answers the month a question names: due in it (1), due before it (0.8: by
    五月底前 a 4月底前 item is due too), or not (0)."""
    due = ITEM_MONTH.search(item)
    if not due or not u.months:
        return 0.0
    month = int(due.group(1))
    return 1.0 if month in u.months else 0.8 if month < max(u.months) else 0.0


def dated_text(u: Understanding, view: PlanView, ev: Evidence, chunk_id: str, sentence: str) -> str:
    """The dated sentence that answers "by when"; for "which deadlines", every dated sentence of the
    passage and of the numbered items under it."""
    chunk = view.chunks[chunk_id]
    lines = [f"{ev.voice.quote(sentence)} {ev.cite(chunk_id, sentence, view.label_for(chunk))}"]
    if has_any(u.normalized, LIST_DEADLINE_CUES):
        family = view.children(chunk, (0, 1)) if chunk.section_path else [chunk]
        for c in family:
            for x in view.sentences(c.id):
                if DUE_DATE.search(x) and x != sentence:
                    lines.append(f"{ev.voice.quote(x)} {ev.cite(c.id, x, view.label_for(c))}")
    return "\n".join(lines)
