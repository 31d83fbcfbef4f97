"""Answering a question about one loaded plan: scope checks, one small handler per route, composition.

`Answerer` (router.py) is the entry point; each route module holds one family of handlers, all of the
form `(Understanding, PlanView, Evidence) -> Answer | None`.
"""

from assistant.answering.router import Answerer, route
from assistant.answering.scope import refusal
from assistant.answering.view import PlanView, plan_years

__all__ = ["Answerer", "PlanView", "plan_years", "refusal", "route"]
