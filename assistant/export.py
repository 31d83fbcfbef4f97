"""Export shapes of the reconstructed plan: one JSON document, or flat CSV tables."""

from __future__ import annotations

from typing import Any

from assistant.models import Plan


def plan_document(plan: Plan) -> dict[str, Any]:
    """{"metadata", "sections", "tasks", "reforms", "findings", "cleaning"}, text as in the source."""
    return {
        "metadata": {**plan.metadata, "source_name": plan.source_name, "source_sha256": plan.source_sha256},
        "sections": [s.model_dump(include={"id", "path", "kind", "text", "lines"}) for s in plan.sections],
        "tasks": [
            t.model_dump(
                include={
                    "id", "group_no", "group", "content", "responsible", "districts", "citywide",
                    "unassigned_values", "unit_values", "ambiguous", "lines",
                }
            )
            for t in plan.tasks
        ],
        "reforms": [
            r.model_dump(include={"id", "no", "district", "item", "targets", "milestones", "lines"})
            for r in plan.reforms
        ],
        "findings": [f.model_dump() for f in plan.findings],
        "cleaning": plan.cleaning.model_dump(),
        "units": plan.units,
        "periods": [p.model_dump() for p in plan.periods],
        "tables": [t.model_dump() for t in plan.tables],
        "warnings": [w.model_dump() for w in plan.warnings],
        "task_extra": {t.id: t.extra for t in plan.tasks if t.extra},
    }


def csv_rows(plan: Plan) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Long-format tables: one row per task cell, per milestone item, per finding."""
    tasks: list[list[Any]] = []
    for t in plan.tasks:
        base = [t.id, t.group_no, t.group, t.content, "、".join(t.responsible)]
        if t.districts:
            tasks += [[*base, d, v] for d, v in t.districts.items()]
        if t.citywide is not None:
            tasks.append([*base, "全市", t.citywide])
        for v in t.unassigned_values or []:
            tasks.append([*base, "(unassigned)", v])
    reforms: list[list[Any]] = []
    for r in plan.reforms:
        reforms += [[r.id, r.no, r.district, r.item, "任務目標", i + 1, x] for i, x in enumerate(r.targets)]
        for q in plan.period_codes:
            reforms += [[r.id, r.no, r.district, r.item, q, i + 1, x] for i, x in enumerate(r.milestones[q])]
    findings = [[f.kind, f.status, f.message, " | ".join(f.evidence)] for f in plan.findings]
    return {
        "tasks": (["task_id", "group_no", "group", "content", "responsible", "district", "value"], tasks),
        "reforms": (["reform_id", "no", "district", "item", "column", "item_no", "text"], reforms),
        "findings": (["kind", "status", "message", "evidence"], findings),
    }
