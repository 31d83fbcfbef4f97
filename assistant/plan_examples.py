"""Example questions built from a loaded plan's own rows: for the web chat, warm-up and the bench.

Each example is one the plan answers — a unit's milestone for a period its table schedules, a count the
task table splits by unit, who is responsible for a task — so a new page gets its own examples.
"""

from __future__ import annotations

import re

from assistant.models import Plan
from assistant.text import to_simplified, to_traditional

_NUMBER = re.compile(r"\d[\d.]*\s*[万萬千百亿億]?(?:人次|[^\d\s，,。、；;（）()])?")


def first_clause(content: str) -> str:
    """The first clause of a task sentence: a topic short enough for an example button."""
    return re.split(r"[，,。；;]", content, maxsplit=1)[0]


def example_questions(plan: Plan) -> list[str]:
    """A few questions this plan answers, in Simplified, Traditional and English."""
    out: list[str] = []
    scheduled = [(r, p) for p in plan.periods for r in plan.reforms if r.district and r.milestones.get(p.code)]
    # A later period reads as a progress question (三季度 rather than 一季度) when the table has one.
    reform, period = next(((r, p) for r, p in scheduled if p.code in ("Q3", "H2")), scheduled[0] if scheduled else
                          (None, None))
    if reform is not None and period is not None:
        question = f"{to_simplified(reform.district)}{to_simplified(period.label)}的进度?"
        out += [question, to_traditional(question)]
    counted = [t for t in plan.tasks if t.districts and _NUMBER.search(t.content)]
    numeric = min(counted, key=lambda t: len(t.content), default=None)
    if numeric is not None:
        topic = to_simplified(_NUMBER.sub("", first_clause(numeric.content)).rstrip("。"))
        if 2 <= len(topic) <= 24:
            out.append(f"哪个地区{topic}最多?")
    owned = next((t for t in plan.tasks if t.responsible and 4 <= len(first_clause(t.content)) <= 20), None)
    if owned is not None:
        out.append(f"{to_simplified(first_clause(owned.content))}谁负责?")
    if reform is not None and period is not None:
        english = (plan.profile.get(f"unit_en:{reform.district}") or [to_simplified(reform.district)])[0]
        out.append(f"What are {english}'s {period.code} milestones?")
    if len(out) < 4:
        heading = next((s.heading for s in plan.sections if s.kind == "subsection" and len(s.heading) <= 24), "")
        if heading:
            out.append(f"{to_simplified(heading).strip('（）()一二三四五六七八九十、. ')}有哪些举措?")
    if not out:
        out.append("这份计划的主要内容是什么?")
    return out
