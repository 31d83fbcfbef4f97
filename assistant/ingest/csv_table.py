"""Attachments pasted as CSV text: `序號,工作任務,目標任務,…` with quoted cells (`"1,300戶"`) and quoted cells
that run over two lines (`"養老服務處⏎市市場監管局"`, two bodies in one cell).

Such a table is read as a grid of cells, each keeping the source lines it spans, so the grid reader
(the one HTML tables go through) assigns the columns by the header's labels.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from assistant.ingest.grid import GridCell, Row, Table
from assistant.models import SourceLine

MIN_COLUMNS = 4  # a header of fewer comma-separated labels is more likely prose than a table
MIN_ROWS = 2


def _header_at(lines: list[SourceLine]) -> int | None:
    """The first line that reads as a CSV header: several comma-separated short labels, no digits."""
    for i, ln in enumerate(lines):
        cells = next(csv.reader([ln.text.strip()]), [])
        if len(cells) >= MIN_COLUMNS and all(0 < len(c.strip()) <= 12 for c in cells) \
                and not any(ch.isdigit() for ch in ln.text):
            return i
    return None


def csv_table(lines: list[SourceLine], table: int) -> tuple[Table, list[SourceLine]] | None:
    """The lines as a grid when they are a CSV table whose every record has the header's width, with the
    lines that are no record (a title before it, a 注 after it); None otherwise."""
    start = _header_at(lines)
    if start is None:
        return None
    rest = lines[start:]
    records = list(_records(rest))
    width = len(records[0][1]) if records else 0
    body = [r for r in records if len(r[1]) == width]
    if len(body) < MIN_ROWS + 1 or len(body) * 2 < len(records):
        return None
    used = {ln.no for first, cells in body for cell in cells for ln in cell} | {r[0] for r in body}
    rows = [Row(line=first, cells=[GridCell(line=cell[0].no if cell else first, lines=cell) for cell in cells])
            for first, cells in body]
    notes = [ln for ln in lines[:start] if ln.text.strip()] + [ln for ln in rest if ln.no not in used]
    return Table(line=body[0][0], attachment=table, rows=rows), notes


def _records(lines: list[SourceLine]) -> Iterator[tuple[int, list[list[SourceLine]]]]:
    """Each CSV record: the number of the line it starts on, and each cell as the source lines it spans
    (an empty cell has none)."""
    texts = [ln.text.rstrip("\r\n") + "\n" for ln in lines]  # the reader keeps a quoted cell's line breaks
    reader = csv.reader(texts)
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
