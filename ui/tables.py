"""The Plan and Audit tabs' tables as accessible HTML: real <table>s with row headers, readable on a phone.

On a narrow screen a table scrolls sideways inside its own focusable region while its first column (the
row number, 3-1, the same numbering citations and the export use) stays put. Rows can be narrowed to one
record id (the sources panel's "show this row" link) or to the rows containing some words.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.chunks import numbered
from assistant.models import QUARTER_LABELS, Finding, Plan, Reform, Task
from assistant.text import to_simplified
from ui.i18n import t
from ui.render import escape, garbled_count

ALL = "all"
STATUS_ORDER = ("mismatch", "ambiguous", "info", "checked")
STATUS_LABELS = {"mismatch": ("不一致", "mismatch"), "ambiguous": ("有歧义", "ambiguous"),
                 "info": ("说明", "note"), "checked": ("已核对", "checked")}
KIND_LABELS = {
    "table-total": ("合计核对", "stated total"),
    "body-vs-table": ("正文与附件1", "body vs attachment 1"),
    "not-applicable": ("不适用", "not applicable"),
    "ambiguous-row": ("数值无法对应地区", "values without units"),
    "mojibake": ("乱码", "garbled text"),
    "reform-coverage": ("改革事项覆盖", "reform rows"),
}


@dataclass(frozen=True)
class TableRow:
    """One table row: the record it shows (for filtering and linking), its number, and its cells."""

    record_id: str
    cells: list[str]


def row_no(task: Task) -> str:
    """The row number the Plan tab, citations and the export share: group-seq (3-1)."""
    return f"{task.group_no}-{task.seq}"


def task_breakdown(task: Task, unit: str, lang: str = "zh") -> str:
    """The 任务分解 cell: the unit's value, or every unit's value, or the city-wide text."""
    values = {**(task.districts or {}), **(task.unit_values or {})}
    if unit != ALL:
        return values.get(unit, "")
    parts = [f"{d} {v}" for d, v in values.items()]
    if task.citywide:
        parts.append(task.citywide)
    if task.unassigned_values:
        parts.append(f"{t('unassigned', lang)}: " + "、".join(task.unassigned_values))
    return "; ".join(parts)


def task_rows(plan: Plan, unit: str = ALL, lang: str = "zh") -> list[TableRow]:
    """Attachment 1 as table rows; with a unit, only rows giving it a value (`--` counts as none)."""
    rows = []
    for task in plan.tasks:
        value = task_breakdown(task, unit, lang)
        if unit != ALL and value.strip() in ("", "--"):
            continue
        rows.append(TableRow(task.id, [row_no(task), task.group, task.content, "、".join(task.responsible), value]))
    return rows


def reform_rows(plan: Plan, unit: str = ALL, quarter: str = ALL) -> list[TableRow]:
    """Attachment 2 as one row per reform item and quarter."""
    rows = []
    for reform in plan.reforms:
        if unit != ALL and reform.district != unit:
            continue
        rows.extend(reform_quarters(reform, quarter, {p.code: p.label for p in plan.periods}))
    return rows


def reform_quarters(r: Reform, quarter: str, labels: dict[str, str] | None = None) -> list[TableRow]:
    """One reform's milestone rows, for one period or all, labelled as the plan's table labels them."""
    labels = labels or {}
    codes = list(r.milestones) if quarter == ALL else [quarter]
    return [
        TableRow(r.id, [str(r.no), r.district, r.item, labels.get(q, QUARTER_LABELS.get(q, q)),
                        numbered(r.milestones[q])])
        for q in codes
        if r.milestones.get(q)
    ]


def matching(rows: Sequence[TableRow], query: str) -> list[TableRow]:
    """Rows of one record id (exactly), else rows whose cells contain every word of the query."""
    query = (query or "").strip()
    if not query:
        return list(rows)
    exact = [r for r in rows if r.record_id == query]
    if exact:
        return exact
    words = [to_simplified(w) for w in query.split()]
    return [r for r in rows if all(any(w in to_simplified(c) for c in r.cells) for w in words)]


def finding_message(f: Finding, plan: Plan, lang: str) -> str:
    """A finding in the interface language. English uses the audit's own message; Chinese is built from the
    finding's kind, status and the rows it refers to (never from the English text)."""
    if lang == "en":
        return f.message
    rows = []
    for ref in f.refs:
        task = next((x for x in plan.tasks if x.id == ref), None)
        if task is not None:
            rows.append(f"附件1 {row_no(task)}")
    where = "、".join(rows[:3]) + ("等" if len(rows) > 3 else "")
    ok = f.status == "checked"
    templates = {
        "table-total": f"{where}：各地区数值之和{'与所写总数一致' if ok else '与所写总数不一致'}",
        "body-vs-table": f"正文与{where}的数字{'一致' if ok else '不一致'}",
        "not-applicable": f"{where}：表中为“--”，即不适用",
        "ambiguous-row": f"{where}：数值个数少于地区数，计划没有写明每个数值属于哪个地区",
        "mojibake": "原页面此处有乱码，按原样保留",
        "reform-coverage": f"附件2 共 {len({r for r in f.refs})} 行改革事项，按地区核对",
    }
    return templates.get(f.kind, f.message)


def finding_rows(plan: Plan, lang: str = "zh") -> list[TableRow]:
    """Findings, mismatches and ambiguities first, in the interface language."""
    def order(f: Finding) -> int:
        return STATUS_ORDER.index(f.status) if f.status in STATUS_ORDER else 99

    rows = []
    for i, f in enumerate(sorted(plan.findings, key=order)):
        status = t_pair(STATUS_LABELS.get(f.status), f.status, lang)
        kind = t_pair(KIND_LABELS.get(f.kind), f.kind, lang)
        rows.append(TableRow(f"finding-{i}", [status, kind, finding_message(f, plan, lang), " | ".join(f.evidence)]))
    return rows


def t_pair(pair: tuple[str, str] | None, fallback: str, lang: str) -> str:
    """One of a (zh, en) pair."""
    return fallback if pair is None else pair[1] if lang == "en" else pair[0]


def audit_summary(plan: Plan, lang: str = "zh") -> str:
    """One line counting findings by status."""
    counts = {s: sum(f.status == s for f in plan.findings) for s in STATUS_ORDER}
    if lang == "en":
        parts = ", ".join(f"{n} {STATUS_LABELS[s][1]}" for s, n in counts.items() if n)
        return (f"{len(plan.findings)} findings: {parts}. Checked: unit values against stated totals, "
                "the body against attachment 1.")
    parts = "，".join(f"{STATUS_LABELS[s][0]} {n} 项" for s, n in counts.items() if n)
    return f"共 {len(plan.findings)} 项核对结果：{parts}。数字核对：各地区分解之和与合计、正文与附件1。"


def table_html(
    table_id: str, caption: str, headers: Sequence[str], rows: Sequence[TableRow], lang: str,
    wide: bool = True, highlight: str | None = None,
) -> str:
    """An accessible table in a scrollable, focusable region; the first cell of a row is its header."""
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers)
    body = []
    for r in rows:
        first, *rest = r.cells
        cells = "".join(
            f'<td data-label="{html.escape(h)}">{escape(c, lang).replace(chr(10), "<br>")}</td>'
            for h, c in zip(headers[1:], rest, strict=True)
        )
        note = sum(garbled_count(c) for c in r.cells)
        mark = ' class="pa-hit"' if highlight and r.record_id == highlight else ""
        title = f' title="{html.escape(t("garbled_note", lang).format(n=note))}"' if note else ""
        body.append(f'<tr data-record="{html.escape(r.record_id)}"{mark}{title}>'
                    f'<th scope="row">{escape(first, lang)}</th>{cells}</tr>')
    if not rows:
        body.append(f'<tr><td colspan="{len(headers)}">{html.escape(t("no_rows", lang))}</td></tr>')
    cls = "pa-table pa-wide" if wide else "pa-table"
    return (
        f'<div class="pa-table-wrap" role="region" tabindex="0" aria-labelledby="{table_id}-caption">'
        f'<table class="{cls}"><caption id="{table_id}-caption">{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


TASK_COLUMNS = ("col_no", "col_group", "col_content", "col_responsible", "col_breakdown")
REFORM_COLUMNS = ("col_no", "col_unit", "col_item", "col_quarter", "col_milestones")
FINDING_COLUMNS = ("col_status", "col_kind", "col_message", "col_evidence")


def headers(keys: Sequence[str], lang: str) -> list[str]:
    """Column headers in the interface language."""
    return [t(k, lang) for k in keys]
