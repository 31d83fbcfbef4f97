"""Rows of a flattened table rebuilt by aligning its lines to the header's columns.

A flattened scrape gives one line per cell fragment and nothing between rows: a long cell wraps over
several lines, an empty cell leaves no line at all, and a merged (rowspan) 序号 or 工作任务 cell appears
only on its first row. What the columns hold is known from the header, though — a 序号 is a number, a
unit column one short value (95张, --), a 责任单位 cell names bodies, a 完成时限 reads like a date — so
the rows are found by dynamic programming: the split of the lines into cells, column by column and row
by row, that fits those expectations best. The result is the grid `html.py` reads real tables into,
so both paths share the row readers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.ingest.columns import Layout, is_place
from assistant.models import SourceLine

MAX_TEXT_LINES = 5
NUMBER = re.compile(r"^\d{1,3}[.．、]?$")
VALUE = re.compile(
    r"^(?:--|—+|-|/|／|无|無|不适用|不適用|[\u4e00-\u9fff]{0,4}\d[\d.,，%‰]*\s*[\u4e00-\u9fff%‰]{0,4}(?:以上|以内)?)$"
)
DATE_LIKE = re.compile(r"(月|年底|年内|年內|季度|全年|长期|長期|持续|持續|常态|常態|前$|底$|\d{4}年)")
SENTENCE_END = re.compile(r"[。；;！!]$")
BODY_END = re.compile(
    r"(局|会|會|委|联|聯|队|隊|处|處|站|部|院|室|办|辦|所|中心|政府|街道|镇|鎮|乡|鄉|区|區|市|县|縣|科|股|组|組|团|團|行)$"
)
TAIL = re.compile(r"^[\u4e00-\u9fff]{1,3}$")
# A line that is only a date (2027年9月30日前, 6月底前): a checkpoint cell of its own, never a wrapped text's tail.
DATE_ONLY = re.compile(r"^(?:\d{4}\s*年)?\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号號])?(?:底|末|中旬|上旬|下旬)?(?:之?前)?$")

SKIP_COST = {"seq": -0.6, "group": -0.6, "units": -2.5, "total": -2.0}
SKIP_DEFAULT = -1.6
# A long table (one row per dated step, no period columns) merges its item cell down a project's steps, so a
# row may lack it; a wide milestone table has one row per item, and a missing item cell there is a misalignment.
SKIP_ITEM_IN_LONG = -0.6


def skip_costs(layout: Layout) -> list[float]:
    """What leaving each column of this table empty costs a row."""
    costs = dict(SKIP_COST)
    if not layout.periods:
        costs["item"] = SKIP_ITEM_IN_LONG
    return [costs.get(role, SKIP_DEFAULT) for role in layout.roles]


def _text(lines: list[SourceLine]) -> str:
    return "".join(ln.text for ln in lines)


def _score_seq(lines: list[SourceLine]) -> float | None:
    return 4.0 if len(lines) == 1 and NUMBER.match(lines[0].text) else None


def _score_value(lines: list[SourceLine]) -> float | None:
    if len(lines) == 1:
        text = lines[0].text
        if VALUE.match(text):
            return 2.5
        return 0.4 if len(text) <= 12 and not SENTENCE_END.search(text) else None
    if len(lines) == 2 and VALUE.match(lines[0].text) and TAIL.match(lines[1].text):
        return 2.0  # 4000 + 人次: a value that wrapped
    return None


def _score_bodies(lines: list[SourceLine]) -> float | None:
    if len(lines) > 4 or any(re.search(r"\d|。", ln.text) or max(map(len, re.split(r"[、，,；;]", ln.text))) > 16
                             for ln in lines):
        return None
    whole = sum(1 for ln in lines if BODY_END.search(ln.text))
    return 1.0 + 0.8 * whole - 0.6 * (len(lines) - whole)


def _score_deadline(lines: list[SourceLine]) -> float | None:
    text = _text(lines)
    if len(lines) <= 2 and len(text) <= 16 and DATE_LIKE.search(text):
        return 3.0
    return None


def _score_title(lines: list[SourceLine]) -> float | None:
    if len(lines) > 3 or any(len(ln.text) > 20 or SENTENCE_END.search(ln.text) for ln in lines):
        return None
    if NUMBER.match(lines[0].text) or any(DATE_ONLY.match(ln.text) for ln in lines):
        return None
    return 1.2 - 0.3 * (len(lines) - 1)


def _score_name(lines: list[SourceLine]) -> float | None:
    """A 项目名称/改革事项 cell: a name, rarely wrapped."""
    score = _score_title(lines)
    return None if score is None else score - 0.2 * (len(lines) - 1)


def _wraps_a_date(lines: list[SourceLine]) -> bool:
    return any(DATE_ONLY.match(ln.text) for ln in lines[1:])


def _score_text(lines: list[SourceLine], bare_value: float = -1.5) -> float | None:
    if len(lines) > MAX_TEXT_LINES or NUMBER.match(lines[0].text) or _wraps_a_date(lines):
        return None
    text = _text(lines)
    score = 1.0 + (1.0 if SENTENCE_END.search(text) or len(text) >= 12 else 0.0) - 0.4 * (len(lines) - 1)
    if len(lines) == 1 and VALUE.match(text):
        score += bare_value  # a bare value is a unit cell, not a sentence
    return score


def _score_goal(lines: list[SourceLine]) -> float | None:
    """A 目标任务/指标 cell: a sentence, or a bare figure (1600张) that is the row's whole target."""
    return _score_text(lines, bare_value=-0.3)


# A content column whose label says it holds the target: its cell may be a bare figure.
GOAL_LABEL = re.compile(r"目标|目標|指标|指標")


ITEM_NO = re.compile(r"^(\d{1,2})\s*[.．、]")


def _score_period(lines: list[SourceLine]) -> float | None:
    """A milestone cell: one unnumbered step, or a list numbered from 1 (a step may wrap onto a line)."""
    if len(lines) > 8:
        return None
    first = ITEM_NO.match(lines[0].text)
    if first is None:
        return 1.0 if len(lines) == 1 else None
    if first.group(1) != "1":
        return None
    expected = 2
    for ln in lines[1:]:
        m = ITEM_NO.match(ln.text)
        if m is None:
            continue  # a wrapped step
        if int(m.group(1)) != expected:
            return None
        expected += 1
    return 1.5 + 0.3 * (expected - 2)


def _score_place(lines: list[SourceLine]) -> float | None:
    """A unit cell of a milestone table (县（市、区） | 实施主体): a place name scores above an office's name."""
    bodies = _score_bodies(lines)
    if bodies is None:
        return None
    return bodies + 1.0 if len(lines) == 1 and is_place(lines[0].text) else bodies - 1.0


SCORERS: dict[str, Callable[[list[SourceLine]], float | None]] = {
    "seq": _score_seq,
    "units": _score_value,
    "total": _score_value,
    "responsible": _score_bodies,
    "cooperating": _score_bodies,
    "unit": _score_place,
    "deadline": _score_deadline,
    "group": _score_title,
    "item": _score_name,
    "content": _score_text,
    "target": _score_text,
    "period": _score_period,
}


NUMERIC_LABEL = re.compile(r"(金额|金額|万元|萬元|元[)）]|数量|數量|人数|人數|个数|個數|面积|面積|合计|合計)")
BARE_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def _score_plain(lines: list[SourceLine]) -> float | None:
    """A column of unknown meaning: short text, one line preferred; a bare number belongs to a numeric column."""
    if (len(lines) > 3 or (len(lines) == 1 and BARE_NUMBER.match(lines[0].text)) or NUMBER.match(lines[0].text)
            or _wraps_a_date(lines)):
        return None
    return 1.0 - 0.2 * (len(lines) - 1)


def scorer_for(role: str, label: str) -> Callable[[list[SourceLine]], float | None]:
    """How well lines fit a column of this role; an unknown column by what its label suggests."""
    if role in ("extra", "note"):
        return _score_value if NUMERIC_LABEL.search(label) else _score_plain
    if role in ("content", "target") and GOAL_LABEL.search(label):
        return _score_goal
    return SCORERS.get(role, _score_text)


def _unit_blocks(roles: list[str]) -> dict[int, int]:
    """First column of each run of unit columns → the column after the run."""
    blocks: dict[int, int] = {}
    for c, role in enumerate(roles):
        if role == "units" and (c == 0 or roles[c - 1] != "units"):
            end = c
            while end < len(roles) and roles[end] == "units":
                end += 1
            if end - c >= 2:
                blocks[c] = end
    return blocks


def _score_merged(lines: list[SourceLine]) -> float | None:
    """One cell across every unit column (a colspan): a sentence for the whole city, not a value."""
    if len(lines) > 2 or VALUE.match(lines[0].text):
        return None
    return 1.5


Step = tuple[int, int, int, int]  # previous line, previous column, lines consumed (-1: row boundary), columns


def align(body: list[SourceLine], layout: Layout) -> list[dict[int, tuple[list[SourceLine], int]]]:
    """The table's rows: for each, the lines of each column it fills and how many columns the cell spans."""
    roles = layout.roles
    n, m = len(body), len(roles)
    blocks = _unit_blocks(roles)
    scorers = [scorer_for(role, label) for role, label in zip(roles, layout.labels, strict=True)]
    skips = skip_costs(layout)
    neg = float("-inf")
    # best[i][c]: best score with lines[:i] consumed and column c next; back[i][c]: how it was reached.
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[Step | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0

    def relax(i: int, c: int, score: float, step: Step) -> None:
        if score > best[i][c]:
            best[i][c], back[i][c] = score, step

    for i in range(n + 1):
        for _ in range(2):  # a row that ends at i starts the next one at i: a second pass relaxes it
            if i > 0:
                relax(i, 0, best[i][m], (i, m, -1, 0))
            for c in range(m):
                here = best[i][c]
                if here == neg:
                    continue
                relax(i, c + 1, here + skips[c], (i, c, 0, 1))
                scorer = scorers[c]
                for k in range(1, min(8, n - i) + 1):
                    s = scorer(body[i : i + k])
                    if s is not None:
                        relax(i + k, c + 1, here + s, (i, c, k, 1))
                    if c in blocks and k <= 2 and (merged := _score_merged(body[i : i + k])) is not None:
                        relax(i + k, blocks[c], here + merged, (i, c, k, blocks[c] - c))
    if best[n][m] == neg:
        return []
    rows: list[dict[int, tuple[list[SourceLine], int]]] = []
    row: dict[int, tuple[list[SourceLine], int]] = {}
    i, c = n, m
    while (i, c) != (0, 0):
        step = back[i][c]
        assert step is not None
        pi, pc, k, span = step
        if k == -1:
            rows.append(row)
            row = {}
        elif k > 0:
            row[pc] = (body[pi:i], span)
        i, c = pi, pc
    rows.append(row)
    rows.reverse()
    return [r for r in rows if r]


CARRIED = ("seq", "group", "unit", "item")


def grid_rows(body: list[SourceLine], layout: Layout) -> list[object]:
    """The aligned rows as html.py's grid rows; a merged 序号/工作任务/unit cell repeats down its rows."""
    from assistant.ingest.grid import GridCell, GridRow

    out: list[object] = []
    previous: list[GridCell | None] = [None] * len(layout.roles)
    for row in align(body, layout):
        cells: list[GridCell | None] = []
        spanned: dict[int, GridCell] = {}
        for start, (lines, span) in row.items():
            cell = GridCell(line=lines[0].no, colspan=span, lines=list(lines))
            for c in range(start, start + span):
                spanned[c] = cell
        for c, role in enumerate(layout.roles):
            if c in spanned:
                cells.append(spanned[c])
            elif role in CARRIED and previous[c] is not None:
                cells.append(previous[c])
            else:
                cells.append(None)
        previous = cells
        first = min(ln.no for lines, _ in row.values() for ln in lines)
        out.append(GridRow(line=first, cells=cells))
    return out


def align_row(lines: list[SourceLine], layout: Layout) -> dict[str, str] | None:
    """One row's lines (its start known from its 序号) placed in the header's columns; None if they fit no way."""
    rows = align(lines, layout)
    if len(rows) != 1:
        return None
    return {
        layout.labels[c] or f"列{c + 1}": "\n".join(ln.text for ln in cell) for c, (cell, _) in sorted(rows[0].items())
    }
