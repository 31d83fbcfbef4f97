"""Attachments pasted as CSV text: `序號,工作任務,目標任務,…` with quoted cells (`"1,300戶"`) and quoted cells
that run over two lines (`"養老服務處⏎市市場監管局"`, two bodies in one cell); and as a spreadsheet pastes
them, tab-separated, where a merged header cell is its text followed (across) or underlaid (down) by
empty cells: `任务分解⇥⇥⇥…` over `茅坪镇⇥归州镇⇥…`.

Such a table is read as a grid of cells, each keeping the source lines it spans, so the grid reader
(the one HTML tables go through) assigns the columns by the header's labels; a pasted header's empty
cells become the spans of the cells they were merged into.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from assistant.ingest.grid import GridCell, Row, Table
from assistant.models import SourceLine

MIN_COLUMNS = 4  # a header of fewer comma-separated labels is more likely prose than a table
MIN_ROWS = 2
Record = tuple[int, list[list[SourceLine]]]  # the line a record starts on, and each cell's source lines


def _header_at(lines: list[SourceLine]) -> tuple[int, str] | None:
    """The first line that reads as a header, and its delimiter: several short labels, no digits, separated
    by commas (every cell filled) or by tabs (a merged cell pastes as empty ones)."""
    for i, ln in enumerate(lines):
        delimiter = "\t" if "\t" in ln.text else ","
        cells = next(csv.reader([ln.text.strip("\r\n")], delimiter=delimiter), [])
        labels = [c.strip() for c in cells if c.strip()]
        if any(ch.isdigit() for ch in ln.text) or len(labels) < MIN_COLUMNS or any(len(c) > 12 for c in labels):
            continue
        if delimiter == "\t" or len(labels) == len(cells):
            return i, delimiter
    return None


def csv_table(lines: list[SourceLine], table: int) -> tuple[Table, list[SourceLine]] | None:
    """The lines as a grid when they are a CSV table whose every record has the header's width, with the
    lines that are no record (a title before it, a 注 after it); None otherwise."""
    found = _header_at(lines)
    if found is None:
        return None
    start, delimiter = found
    rest = lines[start:]
    records = list(_records(rest, delimiter))
    width = len(records[0][1]) if records else 0
    if delimiter == "\t":
        records = _full_width(records, width)
    body = [r for r in records if len(r[1]) == width]
    if len(body) < MIN_ROWS + 1 or len(body) * 2 < len(records):
        return None
    used = {ln.no for first, cells in body for cell in cells for ln in cell} | {r[0] for r in body}
    rows = [Row(line=first, cells=[GridCell(line=cell[0].no if cell else first, lines=cell) for cell in cells])
            for first, cells in body]
    if delimiter == "\t":
        rows = _merged_header(rows)
    notes = [ln for ln in lines[:start] if ln.text.strip()] + [ln for ln in rest if ln.no not in used]
    return Table(line=body[0][0], attachment=table, rows=rows), notes


def _full_width(records: list[Record], width: int) -> list[Record]:
    """Rows of a paste that lost empty cells at an end (a spreadsheet drops trailing ones; cleaning strips
    a line's leading tabs) given the header's width: a short row under a merged label (`茅坪镇⇥…` under
    `任务分解⇥⇥⇥…`) goes back under it when it has as many cells as the label spans; others fill at the end."""
    out: list[Record] = []
    for first, cells in records:
        at: int | None = 0 if len(cells) * 2 >= width else None  # a line of one or two cells is no row (注：…)
        if out and 2 <= len(cells) < width and len(out[-1][1]) == width:
            above = out[-1][1]
            at = next((c for c in range(width - len(cells) + 1)
                       if above[c] and all(not x for x in above[c + 1:c + len(cells)])
                       and (c + len(cells) == width or above[c + len(cells)])), at)
        if at is None or len(cells) > width:
            out.append((first, cells))
        else:
            out.append((first, [[] for _ in range(at)] + cells + [[] for _ in range(width - at - len(cells))]))
    return out


def _merged_header(rows: list[Row]) -> list[Row]:
    """A pasted header's merged cells as spans: the header is the rows before the first numbered row; an
    empty cell right of a label, over filled cells, widens it; an empty cell under a label lengthens it."""
    depth = next((k for k, r in enumerate(rows) if r.cells and _numbered(r.cells[0])), 0)
    if depth < 2:
        return rows
    head = rows[:depth]
    for k, row in enumerate(head):
        below = head[k + 1] if k + 1 < depth else None
        for c, cell in enumerate(row.cells):
            if not cell.lines:
                continue
            if below is not None and all(not head[j].cells[c].lines for j in range(k + 1, depth)):
                cell.rowspan = depth - k
            while (c + cell.colspan < len(row.cells) and not row.cells[c + cell.colspan].lines
                   and below is not None and below.cells[c + cell.colspan].lines):
                cell.colspan += 1
    covered: list[set[int]] = [set() for _ in head]  # the empty cells of each row a span stands over
    for k, row in enumerate(head):
        for c, cell in enumerate(row.cells):
            if cell.lines:
                for j in range(k, k + cell.rowspan):
                    covered[j].update(range(c, c + cell.colspan))
                covered[k].discard(c)
    for row, gone in zip(head, covered, strict=True):
        row.cells = [cell for c, cell in enumerate(row.cells) if c not in gone]
    return rows


def _numbered(cell: GridCell) -> bool:
    return bool(cell.lines) and cell.lines[0].text.strip().isdigit()


def _records(lines: list[SourceLine], delimiter: str = ",") -> Iterator[tuple[int, list[list[SourceLine]]]]:
    """Each record: the number of the line it starts on, and each cell as the source lines it spans (an
    empty cell has none)."""
    texts = [ln.text.rstrip("\r\n") + "\n" for ln in lines]  # the reader keeps a quoted cell's line breaks
    reader = csv.reader(texts, delimiter=delimiter)
    consumed = 0
    for fields in reader:
        first = consumed
        consumed = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        at = first
        cells: list[list[SourceLine]] = []
        for value in fields:
            parts = value.split("\n")
            cell = [SourceLine(no=lines[min(at + k, len(lines) - 1)].no, text=p.strip())
                    for k, p in enumerate(parts) if p.strip()]
            cells.append(cell)
            at += len(parts) - 1
        yield lines[first].no, cells
