"""Everything plan-specific the UI shows, derived from the loaded plan — never written per plan.

Unit choices for the filters, example questions, the plan's heading and the plan selector's choices come
from the plan's own data (its units and milestone periods as ingest read them, its metadata), so a new
plan page needs no UI change. This is the one place to re-point when the plan model changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from assistant import plan_examples
from assistant.models import Plan

if TYPE_CHECKING:
    from assistant.library.service import Library


class HasPlan(Protocol):
    plan: Plan


AUTO = "auto"
"""The selector's first choice: each question's plan from what it names (its year, issuer, places)."""


def plan_choices(library: Library, lang: str) -> list[tuple[str, str]]:
    """The selector's choices: scope from the question, then each plan (issuer, title) by id.

    The selector is shown only when there are two plans or more.
    """
    from ui.i18n import t

    plans = [(f"{s.entry.issuer}{plan_title(s.assistant.plan)}", pid) for pid, s in library.plans.items()]
    return [(t("plan_auto", lang), AUTO), *plans] if len(plans) > 1 else plans


def plan_title(plan: Plan) -> str:
    """The plan's name and document number as the page states them (either may be missing)."""
    meta = plan.metadata
    title = meta.get("plan_title") or meta.get("title") or plan.source_name
    number = meta.get("doc_number")
    return f"《{title}》（{number}）" if number else f"《{title}》"


def plan_units(assistant: HasPlan) -> list[str]:
    """The plan's units in table order, then any unit only its rows name (a …本级 share, a reform row)."""
    plan = assistant.plan
    units: dict[str, None] = dict.fromkeys(plan.units)
    for task in plan.tasks:
        for name in [*(task.districts or {}), *(task.unit_values or {})]:
            units.setdefault(name, None)
    for reform in plan.reforms:
        if reform.district:
            units.setdefault(reform.district, None)
    return list(units)


def plan_quarters(assistant: HasPlan) -> list[str]:
    """The milestone periods the plan's rows schedule, in the table's column order."""
    plan = assistant.plan
    present = {q for r in plan.reforms for q, items in r.milestones.items() if items}
    return [p.code for p in plan.periods if p.code in present]


def period_label(assistant: HasPlan, code: str) -> str:
    """A period's label as the plan's table writes it (三季度, 1—3月, 上半年)."""
    return assistant.plan.period_label(code)


def example_questions(assistant: HasPlan) -> list[str]:
    """The loaded plan's example questions (see `assistant.plan_examples`)."""
    return plan_examples.example_questions(assistant.plan)
