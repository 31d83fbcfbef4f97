"""Example questions built from a loaded plan's own rows: for the web chat, warm-up and the bench."""

from __future__ import annotations

from assistant.models import Plan
from assistant.text import to_simplified


def example_questions(plan: Plan) -> list[str]:
    """A few questions this plan answers, in the three ways people ask."""
    out: list[str] = []
    unit = next((r.district for r in plan.reforms if r.district), plan.units[0] if plan.units else "")
    period = plan.periods[2] if len(plan.periods) > 2 else plan.periods[0] if plan.periods else None
    if unit and period:
        out.append(f"{to_simplified(unit)}{to_simplified(period.label)}的进度?")
    numeric = next((t for t in plan.tasks if t.districts), None)
    if numeric is not None:
        out.append(f"哪个地区{to_simplified(numeric.content.rstrip('。'))[:16]}最多?")
    responsible = next((t for t in plan.tasks if t.responsible), None)
    if responsible is not None:
        out.append(f"{to_simplified(responsible.content.rstrip('。'))[:20]}谁负责?")
    heading = next((s.heading for s in plan.sections if s.kind == "subsection"), "")
    if heading:
        out.append(f"{to_simplified(heading)}有哪些举措?")
    if not out:
        out.append("这份计划的主要内容是什么?")
    return out
