"""Cross-check the plan's numbers: district values against stated totals, the body against the tables.

Findings carry their evidence as quoted source text, so a reader can check each one in the plan.
Totals that agree are reported too (status "checked"): an audit that only lists problems cannot show
what it looked at.
"""

from __future__ import annotations

import re
from decimal import Decimal

from assistant.models import Finding, Plan, Section, Task, not_applicable

UNITS = "人次|億元|萬元|張|名|個|戶|家|場|人|塊|%"
QUANTITY = re.compile(rf"(\d+(?:\.\d+)?)(萬)?({UNITS})")
CONTEXT_CHARS = 4


def quantity_value(number: str, wan: str | None) -> Decimal:
    """`4` with `萬` is 40000; plain numbers as written."""
    value = Decimal(number)
    return value * 10000 if wan else value


def fmt(value: Decimal) -> str:
    """A decimal without trailing zeros (11.50 → 11.5, 37000 → 37000)."""
    text = format(value.normalize(), "f")
    return text


def _district_sum(task: Task, unit: str) -> tuple[Decimal, list[str]] | None:
    """Sum of the district values that carry `unit` (skipping `--`), or None if any value is unreadable."""
    if not task.districts:
        return None
    total = Decimal(0)
    parts: list[str] = []
    for district, value in task.districts.items():
        if not_applicable(value):
            parts.append(f"{district} {value.strip()}")
            continue
        m = QUANTITY.fullmatch(value.replace("以上", "").strip())
        if not m or m.group(3) != unit:
            return None
        total += quantity_value(m.group(1), m.group(2))
        parts.append(f"{district} {value}")
    return total, parts


def check_task_totals(task: Task) -> list[Finding]:
    """Does the total stated in the 主要內容 equal the sum of the breakdown?"""
    findings: list[Finding] = []
    for m in QUANTITY.finditer(task.content):
        stated = quantity_value(m.group(1), m.group(2))
        unit = m.group(3)
        summed = _district_sum(task, unit)
        if summed is not None:
            total, parts = summed
            at_least = any("以上" in v for v in (task.districts or {}).values())
            agrees = total == stated
            findings.append(
                Finding(
                    kind="table-total",
                    status="checked" if agrees else "mismatch",
                    message=(
                        f"附件{task.table} {task.id}: district values sum to {fmt(total)}{unit}"
                        + (" (minimums, 以上)" if at_least else "")
                        + (f", matching the stated {m.group(0)}" if agrees else f", but the row states {m.group(0)}")
                    ),
                    evidence=[task.content, " + ".join(parts) + f" = {fmt(total)}{unit}"],
                    refs=[task.id],
                )
            )
            break
        if task.unassigned_values:
            values = [QUANTITY.fullmatch(v) for v in task.unassigned_values]
            if all(v and v.group(3) == unit for v in values):
                total = sum((quantity_value(v.group(1), v.group(2)) for v in values if v), Decimal(0))
                findings.append(
                    Finding(
                        kind="table-total",
                        status="checked" if total == stated else "mismatch",
                        message=(
                            f"附件{task.table} {task.id}: the {len(values)} unassigned values sum to "
                            f"{fmt(total)}{unit}, "
                            f"stated {m.group(0)}"
                        ),
                        evidence=[task.content, " + ".join(task.unassigned_values)],
                        refs=[task.id],
                    )
                )
                break
        if task.unit_values:
            amounts = [QUANTITY.fullmatch(v) for v in task.unit_values.values()]
            if all(a and a.group(3) == unit for a in amounts):
                total = sum((quantity_value(a.group(1), a.group(2)) for a in amounts if a), Decimal(0))
                findings.append(
                    Finding(
                        kind="table-total",
                        status="checked" if total == stated else "mismatch",
                        message=(f"附件{task.table} {task.id}: per-unit targets sum to {fmt(total)}{unit}, "
                                 f"stated {m.group(0)}"),
                        evidence=[task.content, task.citywide or ""],
                        refs=[task.id],
                    )
                )
                break
    return findings


def check_body_against_task(task: Task, sections: list[Section]) -> list[Finding]:
    """Quantities in a task sentence vs the same phrase in the body: same words around, same number?"""
    findings: list[Finding] = []
    body = [s for s in sections if s.kind == "subsection"]
    for m in QUANTITY.finditer(task.content):
        before = task.content[max(0, m.start() - CONTEXT_CHARS) : m.start()]
        after = task.content[m.end() : m.end() + CONTEXT_CHARS - 1]
        patterns = []
        if len(re.findall(r"[\u4e00-\u9fff]", before)) == CONTEXT_CHARS:
            patterns.append(re.compile(re.escape(before) + QUANTITY.pattern))
        if len(re.findall(r"[\u4e00-\u9fff]", after)) >= 3:
            patterns.append(re.compile(rf"(\d+(?:\.\d+)?)(萬)?({UNITS})" + re.escape(after)))
        for section in body:
            hit = next((p.search(section.text) for p in patterns if p.search(section.text)), None)
            if not hit or hit.group(3) != m.group(3):
                continue
            body_value = quantity_value(hit.group(1), hit.group(2))
            table_value = quantity_value(m.group(1), m.group(2))
            agrees = body_value == table_value
            quote = section.text[max(0, hit.start() - 8) : hit.end() + 10]
            findings.append(
                Finding(
                    kind="body-vs-table",
                    status="checked" if agrees else "mismatch",
                    message=(
                        f"正文 {section.path[-1]} says {hit.group(0)}; 附件{task.table} {task.id} says {m.group(0)}"
                        + ("" if agrees else " — the body and attachment 1 disagree")
                    ),
                    evidence=[quote, task.content],
                    refs=[section.id, task.id],
                )
            )
            break
    return findings


def check_ambiguous(task: Task, unit_count: int) -> list[Finding]:
    """Rows whose values cannot be tied to districts, and `--` cells."""
    findings: list[Finding] = []
    if task.ambiguous and task.unassigned_values:
        findings.append(
            Finding(
                kind="ambiguous-row",
                status="ambiguous",
                message=(
                    f"附件{task.table} {task.id}: {len(task.unassigned_values)} values for {unit_count} districts "
                    f"({'、'.join(task.unassigned_values)}); which district each belongs to is not stated, "
                    "so no district is assigned"
                ),
                evidence=[task.content, " / ".join(task.unassigned_values)],
                refs=[task.id],
            )
        )
    for district, value in (task.districts or {}).items():
        if not_applicable(value):
            findings.append(
                Finding(
                    kind="not-applicable",
                    status="info",
                    message=f"附件{task.table} {task.id}: {district} is `--` (not applicable)",
                    evidence=[task.content, f"{district}: --"],
                    refs=[task.id],
                )
            )
    return findings


def check_reform_coverage(plan: Plan) -> list[Finding]:
    """Every district named in attachment 1 has at least one reform row in attachment 2."""
    if not plan.reforms:
        return []
    counts = {d: sum(1 for r in plan.reforms if r.district == d) for d in plan.units}
    missing = [d for d, c in counts.items() if c == 0]
    return [
        Finding(
            kind="reform-coverage",
            status="mismatch" if missing else "checked",
            message=(
                (f"附件{plan.reforms[0].table}" if plan.reforms[0].table else "正文")
                + f" has {len(plan.reforms)} reform rows: "
                + ", ".join(f"{d} {c}" for d, c in counts.items())
                + (f"; no row for {', '.join(missing)}" if missing else "")
            ),
            evidence=[f"{r.no} {r.district} {r.item}" for r in plan.reforms],
            refs=[r.id for r in plan.reforms],
        )
    ]


def check_cleaning(plan: Plan) -> list[Finding]:
    """Mojibake stays in the text; say where, so answers quoting it can warn."""
    return [
        Finding(
            kind="mojibake",
            status="info",
            message=f"line {s.line}: garbled text {s.text!r} kept as published",
            evidence=[s.context],
            refs=[],
        )
        for s in plan.cleaning.suspect
    ]


def audit(plan: Plan) -> list[Finding]:
    """All findings, problems first."""
    findings: list[Finding] = []
    for task in plan.tasks:
        findings += check_task_totals(task)
        findings += check_body_against_task(task, plan.sections)
        findings += check_ambiguous(task, len(plan.units))
    findings += check_reform_coverage(plan)
    findings += check_cleaning(plan)
    order = {"mismatch": 0, "ambiguous": 1, "info": 2, "checked": 3}
    return sorted(findings, key=lambda f: order.get(f.status, 9))
