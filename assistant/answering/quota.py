"""The `district_quota` and `aggregate` routes: one unit's figure for a task, and most/least/total over units."""

from __future__ import annotations

from assistant import compose
from assistant.answering.finish import finish
from assistant.answering.milestones import reform_hit_answer
from assistant.answering.view import PlanView, tokens_of
from assistant.evidence import Evidence
from assistant.models import Answer
from assistant.topic import support
from assistant.understand import Understanding


def answer_quota(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """A unit's figure for a task row, unless the unit's own reform rows match the question better."""
    tokens = tokens_of(u)
    task = view.best_task(u)
    reform_hit = None
    if len(u.districts) == 1:
        reform_hit = next((h for h in view.search(u, kinds=["reform_target", "milestone"], k=5)
                           if h.district == u.districts[0] and view.supported(u, h.text)), None)
    task_support = support(tokens, view.chunks[task.id].text) if task else 0.0
    reform_support = support(tokens, reform_hit.text) if reform_hit is not None else -1.0
    citywide_task = task is not None and not task.districts and not task.unit_values
    if reform_hit is not None and (reform_support > task_support or (citywide_task and reform_support == task_support)):
        return reform_hit_answer(view, ev, reform_hit)
    if task is None:
        return None
    body, ok = compose.quota(view.plan, ev, task, u.districts)
    return finish(view, ev, body, ok, "lookup")


def answer_aggregate(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """Most, least, total or ranking of the units' values for the numeric task row that matches."""
    task = view.best_task(u, numeric_only=True)
    if task is None:
        return None
    body, ok = compose.aggregate(ev, task, u.aggregate or "rank", u.districts)
    return finish(view, ev, body, ok, "lookup") if body else None
