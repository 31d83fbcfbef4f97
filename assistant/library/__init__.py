"""Many plans in one assistant: a registry of per-plan indexes, question scope, cross-plan comparison.

Each plan keeps the single-plan index it always had (plan.sqlite, Chroma, manifest) in
`INDEX_DIR/plans/<plan id>/`; `library.json` beside them names the plans. Nothing in a plan's records
has to be rewritten to live in a library, and one plan's re-ingest or removal cannot touch another's.
"""

from assistant.library.entries import PlanEntry, entry_of, plan_id
from assistant.library.registry import Registry, is_library

__all__ = ["PlanEntry", "Registry", "entry_of", "is_library", "plan_id"]
