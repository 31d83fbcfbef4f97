"""The Timeline tab: a plan's dated obligations as a month-by-unit chart and a list, each linked to its source.

Built from `assistant.obligations` records (完成时限 cells, dated steps, milestones due at their period's
end, dated body sentences) — the same records `/api/deadlines` and the calendar feed serve — so the
chart shows nothing the answers could not cite.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable
from datetime import date

from assistant.obligations import Obligation, select, status_of
from assistant.text import to_simplified
from ui.i18n import t
from ui.render import escape

STATUSES = ("all", "overdue", "due", "upcoming")
WHOLE_PLAN = "\0plan"


def status_choices(lang: str) -> list[tuple[str, str]]:
    """The status filter: every obligation, or only overdue / due this month / upcoming ones."""
    return [(t(f"status_{s}", lang), s) for s in STATUSES]


def unit_label(unit: str | None, lang: str) -> str:
    return t("whole_plan", lang) if unit is None else (unit if lang == "en" else to_simplified(unit))


RowOf = Callable[[str], str | None]


def _link(o: Obligation, text: str, row_of: RowOf) -> str:
    """The item, linked to the Plan tab filtered to its row (a body sentence has no row: no link)."""
    row = row_of(o.record)
    if row:
        row = html.escape(row)
        return f'<a class="pa-plan-link" href="?plan_row={row}" data-row="{row}">{text}</a>'
    return text


def timeline_html(records: list[Obligation], unit: str | None, status: str, as_of: date, lang: str,
                  row_of: RowOf) -> str:
    """The chart (one row per unit, one column per month, a mark per obligation) and the list below it."""
    chosen = select(records, unit, status=status, as_of=as_of)
    if not chosen:
        return f'<p class="pa-timeline-empty">{html.escape(t("timeline_empty", lang))}</p>'
    years = sorted({o.due.year for o in chosen})
    months = [(y, m) for y in years for m in range(1, 13)]
    by_unit: dict[str | None, dict[tuple[int, int], list[Obligation]]] = defaultdict(lambda: defaultdict(list))
    for o in chosen:
        by_unit[o.unit][(o.due.year, o.due.month)].append(o)
    head = "".join(f'<th scope="col">{m}{"" if lang == "en" else "月"}</th>' for _, m in months)
    rows = []
    for who in sorted(by_unit, key=lambda u: (u is not None, u or "")):
        cells = []
        for ym in months:
            items = by_unit[who].get(ym, [])
            marks = "".join(
                f'<span class="pa-mark pa-{status_of(o, as_of)}" title="{html.escape(o.due.isoformat() + " " + o.text[:80])}">'
                f"{_link(o, str(o.due.day), row_of)}</span>" for o in items)
            cells.append(f"<td>{marks}</td>")
        rows.append(f'<tr><th scope="row">{escape(unit_label(who, lang), lang)}</th>{"".join(cells)}</tr>')
    chart = (f'<div class="pa-timeline-chart" role="region" aria-label="{html.escape(t("tab_timeline", lang))}" '
             f'tabindex="0"><table class="pa-timeline"><thead><tr><th scope="col">{html.escape(t("unit_col", lang))}'
             f"</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")
    listed = "".join(
        f'<li class="pa-{status_of(o, as_of)}"><time datetime="{o.due.isoformat()}">{o.due.isoformat()}</time> '
        f"<b>{escape(unit_label(o.unit, lang), lang)}</b> · {escape(o.when, lang)} · "
        f"{_link(o, escape(o.text if lang != 'zh' else to_simplified(o.text), lang), row_of)} "
        f'<span class="pa-label">{escape(o.label, lang)}</span></li>' for o in sorted(chosen, key=lambda o: o.key))
    summary = html.escape(t("timeline_count", lang).format(n=len(chosen)))
    return f'<p class="pa-timeline-summary">{summary}</p>{chart}<ol class="pa-timeline-list">{listed}</ol>'
