"""The `district_quota` and `aggregate` routes: one unit's figure for a task, and most/least/total over units."""

from __future__ import annotations

import re

from assistant import compose
from assistant.answering.finish import finish
from assistant.answering.milestones import reform_hit_answer
from assistant.answering.view import Hit, PlanView, tokens_of
from assistant.computed import computed
from assistant.evidence import Evidence
from assistant.lookup import district_value
from assistant.models import Answer, Task
from assistant.text import normalize
from assistant.topic import support
from assistant.understand import AMOUNT_CUES, Understanding, has_any


def answer_quota(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """A unit's figure for a task row, unless the unit's own reform rows match the question better."""
    tokens = tokens_of(u)
    task = _unit_task(u, view)
    reform_hit = None
    if len(u.districts) == 1:
        hits = [h for h in view.search(u, kinds=["reform_target", "milestone"], k=5)
                if h.district == u.districts[0] and view.supported(u, h.text)]
        # No quarter asked: the item's annual target (when it states one) answers before a quarter's step.
        def stated_target(h: Hit) -> bool:
            return h.kind == "reform_target" and bool(view.reforms[view.chunks[h.id].record_id].targets)

        reform_hit = max(hits, key=lambda h: (round(support(tokens, h.text), 2), stated_target(h) != bool(u.quarters)),
                         default=None)
    task_support = support(tokens, view.chunks[task.id].text) if task else 0.0
    reform_support = support(tokens, reform_hit.text) if reform_hit is not None else -1.0
    citywide_task = task is not None and not task.districts and not task.unit_values
    if reform_hit is not None and (reform_support > task_support or (citywide_task and reform_support == task_support)):
        row = view.reforms[view.chunks[reform_hit.id].record_id]
        if not u.quarters and not u.months and not row.targets:
            # No period asked of a row with no 任务目标: its whole schedule says where the year ends up.
            return finish(view, ev, compose.reform_row_targets(ev, row), True, "lookup")
        return reform_hit_answer(view, ev, reform_hit)
    if task is None:
        return None
    body, ok = compose.quota(view.plan, ev, task, u.districts)
    if citywide_task and u.districts and has_any(u.normalized, AMOUNT_CUES) and not _each_unit(task, u.normalized):
        # 「某区分到多少个」 of a row with one city-wide figure: the plan gives the unit no figure of its own.
        v = ev.voice
        names = "、".join(v.district(d) for d in u.districts)
        body = v.say(f"计划没有给出{names}的这项数字，只写了全市的要求：\n", f"The plan gives no figure for {names}; it "
                     "states only the city-wide requirement:\n") + body
        ok = False
    return finish(view, ev, body, ok, "lookup")


# 「各辖市、区举办…不少于1场」: a city-wide requirement that sets every unit the same figure;
# 「每个社区培养1名」 sets one for each community, which answers only a question asked per community.
EACH_UNIT = re.compile(r"各(?:辖市|区|县|市|镇|乡|街道|地|单位)")
EACH_PLACE = re.compile(r"每(?:个|一个|所|家)?([\u4e00-\u9fff]{2})")


def _each_unit(task: Task, question: str) -> bool:
    """Whether a row's city-wide text is itself the figure asked: the same requirement for every unit, or
    for each of what the question asks per (每个社区)."""
    text = normalize(task.citywide or "")
    if EACH_UNIT.search(text):
        return True
    return any(f"每个{m.group(1)}" in question or f"每{m.group(1)}" in question for m in EACH_PLACE.finditer(text))


def _unit_task(u: Understanding, view: PlanView) -> Task | None:
    """The best task row, or, when the question names units, the best row that gives a value for them: a plan
    may state a target once in a task list (新增养老床位300张) and break it down in another table."""
    ranked = view.ranked_tasks(u)
    best = next(iter(ranked), None)

    def gives_values(t: Task) -> bool:
        return all(district_value(t, d) is not None for d in u.districts)

    if best is None or not u.districts or gives_values(best):
        return best
    tokens = tokens_of(u)
    least = support(tokens, view.chunks[best.id].text) - 0.05  # as well supported as the best row, not a near miss
    return next((t for t in ranked if gives_values(t)
                 and (support(tokens, view.chunks[t.id].text) >= least or _same_target(t, best))), best)


def _same_target(a: Task, b: Task) -> bool:
    """Two rows that name the same target, figures aside: 新增家庭照护床位 and 新增家庭照护床位400张."""
    x, y = (re.sub(r"\d+(?:\.\d+)?\s*[\u4e00-\u9fff]?|[，,。；;、\s]", "", normalize(t.content)) for t in (a, b))
    return min(len(x), len(y)) >= 4 and (x in y or y in x)


def answer_aggregate(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """Most, least, total or ranking of the units' values for the numeric task row that matches."""
    task = view.best_task(u, numeric_only=True)
    if task is None:
        return None
    if u.criterion is not None:
        body, ok = computed(ev, task, u.criterion, u.districts, view.plan.units)
    else:
        body, ok = compose.aggregate(ev, task, u.aggregate or "rank", u.districts)
    return finish(view, ev, body, ok, "lookup") if body else None
