"""The `milestone` and `reform_target` routes: a unit's scheduled actions per period, and its targets."""

from __future__ import annotations

from assistant import compose
from assistant.answering.abstain import abstain
from assistant.answering.finish import finish
from assistant.answering.view import Hit, PlanView
from assistant.evidence import Evidence
from assistant.models import Answer
from assistant.understand import Understanding

NO_ROW = "no-row"


def answer_milestone(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """Every milestone row of the named units in the asked periods; with no unit named, the row that
    matches the question, or every unit when only a period is asked."""
    districts = u.districts
    if not districts:
        hits = view.search(u, kinds=["milestone", "reform_target"], k=5)
        if not hits or not view.supported(u, hits[0].text) or len(u.quarters) == 4:
            if not u.quarters:
                return None
            districts = list(dict.fromkeys(r.district for r in view.plan.reforms))
        else:
            districts = [view.reforms[view.chunks[hits[0].id].record_id].district]
    if not any(r.district in districts for r in view.plan.reforms):
        return abstain(u, view, ev, f"{NO_ROW}:{'、'.join(districts)}")
    return finish(view, ev, compose.milestones(view.plan, ev, districts, u.quarters), True, "lookup")


def answer_reform_target(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """The year's targets of the named unit's reform rows (or of the row that matches)."""
    districts = u.districts
    if not districts:
        hits = view.search(u, kinds=["reform_target"], k=3)
        if not hits or not view.supported(u, hits[0].text):
            return None
        districts = [view.reforms[view.chunks[hits[0].id].record_id].district]
    if not any(r.district in districts for r in view.plan.reforms):
        return abstain(u, view, ev, f"{NO_ROW}:{'、'.join(districts)}")
    return finish(view, ev, compose.reform_targets(view.plan, ev, districts), True, "lookup")


def reform_hit_answer(view: PlanView, ev: Evidence, hit: Hit) -> Answer:
    """Answer from one reform row: its targets, or the period cell that matched."""
    chunk = view.chunks[hit.id]
    r = view.reforms[chunk.record_id]
    if hit.kind == "milestone":
        body = compose.milestone_cell(ev, r, chunk.quarter or "")
    else:
        body = compose.reform_row_targets(ev, r)
    return finish(view, ev, body, True, "lookup")
