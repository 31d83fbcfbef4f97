"""Everything plan-specific the UI shows, derived from the loaded plan — never written per plan.

Unit choices for the filters, example questions, the plan's heading and the plan selector's choices are
built here from the records (the task rows' unit keys, the reform rows, the metadata), so a new plan page
needs no UI change. This is the one place to re-point when the plan model changes.
"""

from __future__ import annotations

import re

from assistant.models import Plan
from assistant.service import Assistant
from assistant.text import to_simplified, to_traditional

QUARTER_ORDER = ("Q1", "Q2", "Q3", "Q4")
_NUMBER = re.compile(r"\d[\d.]*\s*[万萬千百亿億]?(?:人次|[^\d\s，,。、；;（）()])?")


def plan_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """(title, id) of each plan the assistant answers about; the selector shows only when there are two."""
    plan = assistant.plan
    return [(plan_title(plan), plan.source_name or "plan")]


def plan_title(plan: Plan) -> str:
    """The plan's name and document number as the page states them (either may be missing)."""
    meta = plan.metadata
    title = meta.get("plan_title") or meta.get("title") or plan.source_name
    number = meta.get("doc_number")
    return f"《{title}》（{number}）" if number else f"《{title}》"


def plan_units(assistant: Assistant) -> list[str]:
    """The units the plan names, in the order it first names them: task unit columns, then reform rows."""
    plan = assistant.plan
    units: dict[str, None] = {}
    for task in plan.tasks:
        for name in [*(task.districts or {}), *(task.unit_values or {})]:
            units.setdefault(name, None)
    for reform in plan.reforms:
        units.setdefault(reform.district, None)
    return list(units)


def plan_quarters(assistant: Assistant) -> list[str]:
    """The quarters the reform rows schedule, in calendar order."""
    plan = assistant.plan
    present = {q for r in plan.reforms for q, items in r.milestones.items() if items}
    return [q for q in QUARTER_ORDER if q in present]


def example_questions(assistant: Assistant) -> list[str]:
    """A few questions this plan answers, in Simplified, Traditional and English, built from its rows."""
    plan = assistant.plan
    questions: list[str] = []
    reform = next((r for r in plan.reforms if r.milestones.get("Q3")), None)
    if reform is not None:
        unit = to_simplified(reform.district)
        questions.append(f"{unit}第三季度的改革进度?")
        questions.append(to_traditional(f"{unit}第三季度的改革进度?"))
    counted = [t for t in plan.tasks if t.districts and _NUMBER.search(t.content)]
    numeric = min(counted, key=lambda t: len(t.content), default=None)
    if numeric is not None:
        topic = to_simplified(_NUMBER.sub("", numeric.content).rstrip("。"))
        questions.append(f"哪个地区{topic}最多?")
    owned = next(
        (t for t in plan.tasks if t.responsible and not t.districts and len(first_clause(t.content)) <= 20), None
    )
    if owned is not None:
        questions.append(f"{to_simplified(first_clause(owned.content))}谁负责?")
    if reform is not None:
        questions.append(f"What are the Q3 reform milestones of {to_simplified(reform.district)}?")
    return questions


def first_clause(content: str) -> str:
    """The first clause of a task sentence: a topic short enough for an example button."""
    return re.split(r"[，,。；;]", content, maxsplit=1)[0]
