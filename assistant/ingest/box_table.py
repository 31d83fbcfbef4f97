"""Tables drawn with box-drawing characters (┌─┬─┐ │ ├─┼─┤ └─┴─┘), as a `pre` block or a text export prints them.

Such a table says more than a flattened one: the `│` of each line set the columns, a rule line (├──┼──┤) ends a
row, and where a rule line has blanks instead of `─` under a cell, that cell goes on into the next row (a
rowspan); a content line with fewer `│` joins columns (a colspan). Rebuilt here into the HTML path's grid
(`grid.Table` of `GridCell`s with their spans), so the same column readers take it from there. Columns are
counted in display width, a Chinese character being two wide and a box-drawing character one, which is how a
monospace `pre` block lines them up.
"""

from __future__ import annotations

import re

from assistant.ingest.fixed_width import width
from assistant.ingest.grid import GridCell, Row, Table
from assistant.ingest.tables import NOTE_LINE
from assistant.models import SourceLine

VERTICAL = "│┃║"
RULE_CHARS = "─━═┌┐└┘├┤┬┴┼┏┓┗┛┣┫┳┻╋╔╗╚╝╠╣╦╩╬╒╕╘╛╞╡╤╧╪╓╖╙╜╟╢╥╨╫"
JUNCTIONS = set(RULE_CHARS) - set("─━═")
RULE_LINE = re.compile(rf"^[\s{re.escape(RULE_CHARS + VERTICAL)}]+$")
BOX_START = re.compile(r"^\s*[┌┏╔╒╓├┣╠╞╟│┃║]")
MIN_LINES = 4
MIN_COLUMNS = 3
CELL_SPACE = " \u3000\t"


def _positions(raw: str, chars: set[str]) -> list[int]:
    """Display columns of the characters of `chars` in a line."""
    out, col = [], 0
    for ch in raw:
        if ch in chars:
            out.append(col)
        col += width(ch)
    return out


def _slice(raw: str, start: int, end: int) -> str:
    """The part of a line between two display columns (exclusive of the borders)."""
    out, col = [], 0
    for ch in raw:
        if start < col < end:
            out.append(ch)
        col += width(ch)
    return "".join(out)


def _is_rule(raw: str) -> bool:
    return bool(RULE_LINE.match(raw)) and any(ch in "─━═" for ch in raw)


def is_box_table(lines: list[SourceLine]) -> bool:
    """Lines that hold a drawn table: several rule lines and rows between `│`."""
    drawn = [ln for ln in lines if ln.raw and BOX_START.match(ln.raw)]
    return len(drawn) >= MIN_LINES and sum(1 for ln in drawn if _is_rule(ln.raw)) >= 2


def box_table(lines: list[SourceLine], attachment: int) -> tuple[Table, list[SourceLine]] | None:
    """The drawn table among these lines as a grid, and the lines outside it (a 注 under it); None when
    there is no drawn table."""
    if not is_box_table(lines):
        return None
    drawn = [ln for ln in lines if ln.raw and BOX_START.match(ln.raw)]
    first, last = lines.index(drawn[0]), lines.index(drawn[-1])
    inside = lines[first : last + 1]
    outside = lines[:first] + lines[last + 1 :]
    borders = sorted({p for ln in inside for p in _positions(ln.raw, set(VERTICAL) | JUNCTIONS)})
    if len(borders) < MIN_COLUMNS + 1:
        return None
    columns = list(zip(borders, borders[1:], strict=False))
    table = Table(line=inside[0].no, attachment=attachment)
    open_cells: dict[int, GridCell] = {}  # column → the cell a blank under it carries on into the next row
    band: list[SourceLine] = []
    continues: set[int] = set()

    def close_band() -> None:
        nonlocal band
        if not band:
            return
        row = Row(line=band[0].no)
        c = 0
        while c < len(columns):
            if c in continues and c in open_cells:
                cell = open_cells[c]
                cell.rowspan += 1
                _add_text(cell, band, columns[c][0], columns[c + cell.colspan - 1][1])
                c += cell.colspan
                continue
            end = _cell_end(band, columns, c)
            cell = GridCell(line=band[0].no, colspan=end - c + 1)
            _add_text(cell, band, columns[c][0], columns[end][1])
            row.cells.append(cell)
            for k in range(c, end + 1):
                open_cells[k] = cell
            c = end + 1
        table.rows.append(row)
        band = []

    for ln in inside:
        if _is_rule(ln.raw):
            close_band()
            continues = {i for i, (a, b) in enumerate(columns) if not _slice(ln.raw, a, b).strip(CELL_SPACE)}
            if ln is inside[0] or ln is inside[-1]:
                continues = set()
        elif BOX_START.match(ln.raw):
            band.append(ln)
        else:
            outside.append(ln)
    close_band()
    outside.sort(key=lambda ln: ln.no)
    notes = [ln for ln in outside if NOTE_LINE.match(ln.text) or ln.no > inside[-1].no]
    if len(table.rows) < 2:
        return None
    return table, notes


def _cell_end(band: list[SourceLine], columns: list[tuple[int, int]], c: int) -> int:
    """The last column of the cell that starts at column c: the next border that the band's lines draw."""
    drawn = {p for ln in band for p in _positions(ln.raw, set(VERTICAL))}
    end = c
    while end + 1 < len(columns) and columns[end][1] not in drawn:
        end += 1
    return end


def _add_text(cell: GridCell, band: list[SourceLine], start: int, end: int) -> None:
    """Each line's text between the cell's borders becomes one of the cell's lines."""
    for ln in band:
        text = _slice(ln.raw, start, end).strip(CELL_SPACE)
        if text:
            cell.lines.append(SourceLine(no=ln.no, text=text))
