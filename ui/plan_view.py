"""What the web chat shows about the loaded plan — example questions, unit and period choices — built
from the plan's own data, so no plan's names live in the UI code."""

from __future__ import annotations

from assistant.models import Plan
from assistant.plan_examples import example_questions
from assistant.text import to_simplified

ALL = "all"
__all__ = ["ALL", "example_questions", "period_choices", "plan_units", "unit_choices"]


def plan_units(plan: Plan) -> list[str]:
    """The plan's units in table order (the columns of its task table, then its milestone rows' units)."""
    return list(plan.units)


def unit_choices(plan: Plan) -> list[tuple[str, str]]:
    """Dropdown choices: 全部, then each unit by its Simplified name."""
    return [("全部", ALL)] + [(to_simplified(u), u) for u in plan_units(plan)]


def period_choices(plan: Plan) -> list[tuple[str, str]]:
    """Radio choices: 全部, then each milestone period by its column label."""
    return [("全部", ALL)] + [(to_simplified(p.label), p.code) for p in plan.periods]
