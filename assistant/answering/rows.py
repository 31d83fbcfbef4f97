"""Answers from the rows of a table of another kind (a fund table, a contact list, a project list)."""

from __future__ import annotations

import re
from decimal import Decimal

from assistant.answering.view import Hit, PlanView, tokens_of
from assistant.evidence import Evidence
from assistant.models import GenericRow
from assistant.text import normalize, tokenize
from assistant.topic import alternatives, support
from assistant.understand import Understanding

BARE_NUMBER = re.compile(r"\d+(?:\.\d+)?")
SERIAL_COLUMN = re.compile(r"序号|序號|编号")
NAME_COLUMN = re.compile(r"名称|名稱|项目|項目|内容|內容|事项|事項")


def row_answer(u: Understanding, view: PlanView, ev: Evidence, good: list[Hit], top: Hit) -> str:
    """Rows, whole and cited. A row whose cell the question names (社会救助处) answers it; else, when a
    row is the best match, every row that matches about as well — 「哪些项目使用福彩公益金」 wants all."""
    rows = [h for h in good if h.kind == "row"]
    if not rows:
        return ""
    tokens = tokens_of(u)
    named = [h for h in rows if any(len(c) >= 3 and c in u.normalized for c in view.row_cells.get(h.id, []))]
    asks_column = any(alternatives(t) & view.row_labels for t in tokens)  # names a column (联系人, 资金来源)
    if named and (top.kind == "row" or asks_column):
        picked = named[:3]
    elif asks_column or top.kind == "row":
        best = max(support(tokens, h.text) for h in rows) if top.kind != "row" else support(tokens, top.text)
        picked = [h for h in rows if support(tokens, h.text) >= 0.8 * best][:6]
    else:
        return ""
    lines = []
    for h in picked:
        chunk = view.chunks[h.id]
        lines.append(f"{ev.voice.quote(chunk.body)} {ev.cite(h.id, chunk.body, view.label_for(chunk))}")
    return "\n".join(lines)


def row_aggregate(u: Understanding, view: PlanView, ev: Evidence, top: Hit) -> str:
    """Most, least or total of a numeric column of a table of another kind (金额（万元）), cited row by row."""
    if u.aggregate not in ("max", "min", "sum", "rank") or top.kind != "row":
        return ""
    info = next((t for t in view.plan.tables if t.attachment == view.chunks[top.id].table and t.rows), None)
    if info is None:
        return ""
    numeric = [c for c in info.columns if not SERIAL_COLUMN.search(c) and sum(
        bool(BARE_NUMBER.fullmatch(r.cells.get(c, "").strip())) for r in info.rows) >= max(2, len(info.rows) // 2)]
    if not numeric:
        return ""
    tokens = tokens_of(u)
    column = next((c for c in numeric if tokens & ({normalize(c)} | set(tokenize(c)))), numeric[0])
    name_col = next((c for c in info.columns if NAME_COLUMN.search(c)),
                    info.columns[1] if len(info.columns) > 1 else info.columns[0])
    values = [(r, Decimal(r.cells[column].strip())) for r in info.rows
              if BARE_NUMBER.fullmatch(r.cells.get(column, "").strip())]
    v = ev.voice

    def cite(r: GenericRow) -> str:
        chunk = view.chunks[r.id]
        quote = f"{column}: {r.cells[column]}"
        return ev.cite(r.id, quote if quote in chunk.text else chunk.body, view.label_for(chunk))

    if u.aggregate == "sum":
        total = sum(x for _, x in values)
        parts = " + ".join(f"{x}" for _, x in values)
        markers = "".join(cite(r) for r, _ in values)
        return v.say(f"「{v.quote(column)}」各行合计：{parts} = {total} {markers}",
                     f"Total of “{column}” over the rows: {parts} = {total} {markers}")
    ordered = sorted(values, key=lambda rv: rv[1], reverse=u.aggregate != "min")
    if u.aggregate == "rank":
        lines = [f"{i}. {v.quote(r.cells.get(name_col, ''))} {x} {cite(r)}" for i, (r, x) in enumerate(ordered, 1)]
        return v.say(f"按「{v.quote(column)}」从高到低：\n", f"By “{column}”, highest first:\n") + "\n".join(lines)
    r, x = ordered[0]
    most = u.aggregate == "max"
    return v.say(f"「{v.quote(column)}」{'最多' if most else '最少'}的是{v.quote(r.cells.get(name_col, ''))}：{x} {cite(r)}",
                 f"{'Highest' if most else 'Lowest'} “{column}”: {r.cells.get(name_col, '')}, {x} {cite(r)}")
