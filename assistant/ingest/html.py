"""Reconstruct the plan from an HTML page whose attachments are real `<table>`s.

The page is read once with the stdlib parser into two things: the text outside the attachment tables,
as numbered lines (a block element or `<br>` ends a line), and each attachment table as rows of cells
that keep their own lines and source line numbers. The lines go through the same cleaning rules and
the same body parser as the flattened text; the tables are expanded into a grid (rowspan/colspan) and
read by column, so only the rules that decide what a cell *means* are shared with the text path.

Tables before the first `附件N` marker are page layout (an information-disclosure header is often a
table): their text flows into the lines, one line per row, cells separated by a space.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from assistant.errors import ParseError
from assistant.ingest.audit import audit
from assistant.ingest.clean import clean_lines, document_is_traditional
from assistant.ingest.parse import ATTACHMENT_MARK, parse_body
from assistant.ingest.tables import (
    REFORM_HEADER,
    TASK_HEADER,
    UNIT_SUFFIXES,
    Cell,
    cell_items,
    is_unit_line,
    join_units,
    numbered,
    task_from_cells,
)
from assistant.models import (
    DISTRICTS,
    QUARTERS,
    CleanReport,
    Lines,
    Plan,
    Reform,
    RemovedLine,
    SourceLine,
    Task,
)

SKIPPED = frozenset({"script", "style", "noscript", "template", "title", "nav", "header", "footer", "select"})
BLOCKS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd tr table thead tbody tfoot caption section article main aside "
    "blockquote pre hr center form fieldset figure figcaption address body html".split()
)
ASCII_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML collapses these; a no-break space is content and stays
INLINE_ITEM = re.compile(r"(?<=[。；;！!？?])\s*(\d+)\s*[.．、]")
LABEL_FOLD = str.maketrans("（）", "()")
TASK_COLUMNS = ("序號", "工作名稱", "主要內容", "責任單位", *DISTRICTS)
REFORM_COLUMNS = ("序號", "轄市(區)", "改革事項", "任務目標", "一季度", "二季度", "三季度", "四季度")


@dataclass(eq=False)
class _Cell:
    """A `<td>`/`<th>`: where it starts, its spans, and its text lines (a `<br>` or `<p>` starts one)."""

    line: int
    rowspan: int = 1
    colspan: int = 1
    lines: list[SourceLine] = field(default_factory=list)

    @property
    def span(self) -> Lines:
        return (self.lines[0].no, self.lines[-1].no) if self.lines else (self.line, self.line)

    @property
    def flat(self) -> str:
        """The cell as one string: wrapped fragments of a name or title rejoined."""
        return "".join(ln.text for ln in self.lines)


@dataclass(eq=False)
class _Row:
    line: int
    cells: list[_Cell] = field(default_factory=list)


@dataclass(eq=False)
class _Table:
    line: int
    attachment: int
    rows: list[_Row] = field(default_factory=list)


@dataclass(frozen=True)
class _GridRow:
    """One row of the expanded grid: a cell per column (None where the row is short)."""

    line: int
    cells: list[_Cell | None]


class _Buffer:
    """Text of the line being built, and the source line where its first visible character is."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.line: int | None = None

    def add(self, data: str, line: int) -> None:
        if self.line is None:
            visible = next((i for i, ch in enumerate(data) if not ch.isspace()), None)
            if visible is None:
                return
            self.line = line + data.count("\n", 0, visible)
        self.parts.append(data)

    def take(self) -> SourceLine | None:
        text = ASCII_SPACE.sub(" ", "".join(self.parts)).strip()
        line, self.parts, self.line = self.line, [], None
        return SourceLine(no=line, text=text) if text and line is not None else None


def _span_attr(attrs: list[tuple[str, str | None]], name: str) -> int:
    try:
        return min(max(int((dict(attrs).get(name) or "1").strip()), 1), 1000)
    except ValueError:
        return 1


class _PageParser(HTMLParser):
    """Lines of text outside the attachment tables, and the attachment tables as rows of cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[SourceLine] = []
        self.tables: list[_Table] = []
        self._text = _Buffer()
        self._cell_text = _Buffer()
        self._skip = 0
        self._attachment: int | None = None
        self._table: _Table | None = None
        self._row: _Row | None = None
        self._cell: _Cell | None = None
        self._caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
        if self._skip:
            return
        line = self.getpos()[0]
        if tag == "table":
            self._start_table(line)
        elif self._table is not None and not self._caption:
            if tag == "tr":
                self._end_cell()
                self._row = _Row(line)
                self._table.rows.append(self._row)
            elif tag in ("td", "th"):
                self._end_cell()
                if self._row is None:
                    self._row = _Row(line)
                    self._table.rows.append(self._row)
                self._cell = _Cell(line, _span_attr(attrs, "rowspan"), _span_attr(attrs, "colspan"))
                self._row.cells.append(self._cell)
            elif tag == "caption":
                self._end_cell()
                self._caption = True
            elif tag in BLOCKS or tag == "br":
                self._end_cell_line()
        elif tag in ("td", "th") and self._text.parts:
            self._text.parts.append(" ")
        elif tag in BLOCKS or tag == "br":
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag == "table":
            self._end_table()
        elif self._table is not None and not self._caption:
            if tag in ("td", "th"):
                self._end_cell()
            elif tag == "tr":
                self._end_cell()
                self._row = None
            elif tag in BLOCKS:
                self._end_cell_line()
        elif tag in BLOCKS:
            self._flush()
            if tag == "caption":
                self._caption = False

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        target = self._cell_text if self._cell is not None and not self._caption else self._text
        target.add(data, self.getpos()[0])

    def close(self) -> None:
        super().close()
        self._end_table()
        self._flush()

    def _flush(self) -> None:
        if (line := self._text.take()) is not None:
            self.lines.append(line)
            if m := ATTACHMENT_MARK.match(line.text):
                self._attachment = int(m.group(1))

    def _start_table(self, line: int) -> None:
        if self._table is not None:
            raise ParseError(
                f"line {line}: a table nested inside the attachment table that starts at line "
                f"{self._table.line}; expected rows of plain cells"
            )
        self._flush()
        if self._attachment is not None:
            self._table = _Table(line, self._attachment)

    def _end_table(self) -> None:
        if self._table is not None:
            self._end_cell()
            self.tables.append(self._table)
            self._table, self._row, self._caption = None, None, False
        self._flush()

    def _end_cell_line(self) -> None:
        if self._cell is not None and (line := self._cell_text.take()) is not None:
            self._cell.lines.append(line)

    def _end_cell(self) -> None:
        self._end_cell_line()
        self._cell = None


def _clean(lines: list[SourceLine], tables: list[_Table]) -> tuple[list[SourceLine], CleanReport]:
    """Clean the page lines and every cell's lines; a dropped cell line leaves the cell in place."""
    cells = [cell for table in tables for row in table.rows for cell in row.cells]
    traditional = document_is_traditional(
        [ln.text for ln in lines] + [ln.text for c in cells for ln in c.lines]
    )
    report = CleanReport()
    kept = clean_lines(lines, traditional, report)
    for cell in cells:
        cell.lines = clean_lines(cell.lines, traditional, report)
    return kept, report


def _grid(table: _Table, where: str) -> list[_GridRow]:
    """Expand rowspan/colspan: every column of a row points at the cell covering it."""
    carried: dict[int, tuple[_Cell, int]] = {}
    rows: list[tuple[_Row, dict[int, _Cell]]] = []
    for row in table.rows:
        placed: dict[int, _Cell] = {}
        for col, (cell, left) in list(carried.items()):
            placed[col] = cell
            if left > 1:
                carried[col] = (cell, left - 1)
            else:
                del carried[col]
        if not row.cells:  # a row made only of cells spanning down from above adds nothing
            continue
        col = 0
        for cell in row.cells:
            while col in placed:
                col += 1
            for c in range(col, col + cell.colspan):
                if c in placed:
                    raise ParseError(
                        f"{where}, line {cell.line}: this cell overlaps a cell spanning from a row above"
                    )
                placed[c] = cell
                if cell.rowspan > 1:
                    carried[c] = (cell, cell.rowspan - 1)
            col += cell.colspan
        rows.append((row, placed))
    width = max((max(placed) + 1 for _, placed in rows), default=0)
    return [_GridRow(row.line, [placed.get(c) for c in range(width)]) for row, placed in rows]


def _label(cell: _Cell | None) -> str:
    return re.sub(r"\s+", "", cell.flat).translate(LABEL_FOLD) if cell is not None else ""


def _is_header(row: _GridRow, labels: set[str]) -> bool:
    present = [c for c in row.cells if c is not None]
    return bool(present) and all(_label(c) in labels for c in present)


def _body_rows(
    tables: list[_Table], header: tuple[str, ...], columns: tuple[str, ...], where: str
) -> Iterator[_GridRow]:
    """Data rows of an attachment's tables, one cell per column; header rows (also repeated ones) skipped.

    The first table must open with the column header; a continuation table (after a page break) may
    repeat it or not.
    """
    labels = set(header)
    for index, table in enumerate(tables):
        grid = _grid(table, where)
        k = 0
        while k < len(grid) and _is_header(grid[k], labels):
            k += 1
        leaves = tuple(_label(c) for c in grid[k - 1].cells) if k else ()
        if (k or index == 0) and leaves != columns:
            found = (
                " | ".join(_label(c) for c in (grid[0].cells if grid else []) if c is not None) or "nothing"
            )
            raise ParseError(
                f"{where}, table at line {table.line}: expected the column header {' | '.join(header)} "
                f"(one column each for {' | '.join(columns)}), found {found}"
            )
        for row in grid[k:]:
            if _is_header(row, labels):
                continue
            extra = [c for c in row.cells[len(columns) :] if c is not None]
            if extra:
                raise ParseError(
                    f"{where}, row at line {row.line}: {len(columns) + len(extra)} columns of cells, "
                    f"but the header has {len(columns)} ({' | '.join(columns)})"
                )
            yield _GridRow(row.line, row.cells[: len(columns)] + [None] * (len(columns) - len(row.cells)))


def _fixed_cells(row: _GridRow, names: tuple[str, ...], where: str) -> list[_Cell]:
    """The row's cells under the leading columns `names`: each present and each its own cell."""
    cells = row.cells[: len(names)]
    for name, cell in zip(names, cells, strict=True):
        if cell is None:
            raise ParseError(
                f"{where}: the {name} cell is missing; expected {' | '.join(names)} and then the rest"
            )
    distinct = [c for c in cells if c is not None]
    following = row.cells[len(names)] if len(row.cells) > len(names) else None
    for i, cell in enumerate(distinct):
        after = distinct[i + 1] if i + 1 < len(distinct) else following
        if cell is after:
            nxt = names[i + 1] if i + 1 < len(names) else "next"
            raise ParseError(
                f"{where}: one cell spans the {names[i]} and {nxt} columns; each needs its own cell"
            )
    return distinct


def _logical_lines(texts: list[str], each_line_an_item: bool) -> list[str]:
    """Rejoin fragments: a numbered fragment (1., or the next number) starts a line; others continue one.

    In an unnumbered list cell (`each_line_an_item`) every fragment is its own line.
    """
    out: list[str] = []
    last: int | None = None
    for text in texts:
        no = numbered(text)
        starts = no is not None and (no == 1 or (last is not None and no == last + 1))
        if out and not starts and (last is not None or not each_line_an_item):
            out[-1] += text
            continue
        out.append(text)
        if starts:
            last = no
    return out


def _cell_text(cell: _Cell) -> str:
    """A task cell as text: wrapped fragments rejoined, a numbered list one item per line."""
    return "\n".join(_logical_lines([ln.text for ln in cell.lines], each_line_an_item=False))


def _split_inline(text: str) -> list[str]:
    """`1.甲。2.乙。` written in one paragraph: split before each next number that follows a sentence end."""
    no = numbered(text)
    if no is None:
        return [text]
    parts, start = [], 0
    for m in INLINE_ITEM.finditer(text):
        if int(m.group(1)) == no + 1:
            parts.append(text[start : m.start()])
            start, no = m.start(1), no + 1
    return [*parts, text[start:]]


def _items(cell: _Cell) -> list[str]:
    """A reform cell's items: split by line breaks and/or numbering, without the `1.` markers."""
    fragments = [part for ln in cell.lines for part in _split_inline(ln.text)]
    return [item for item in cell_items("\n".join(_logical_lines(fragments, each_line_an_item=True))) if item]


def _to_cell(cell: _Cell) -> Cell:
    return Cell(_cell_text(cell), *cell.span)


def _is_unit(name: str) -> bool:
    return is_unit_line(name) or name.endswith(UNIT_SUFFIXES)


def parse_task_grid(tables: list[_Table]) -> list[Task]:
    """Attachment 1: one Task per row; 序號/工作名稱 usually span a group's rows."""
    tasks: list[Task] = []
    group_no, group, seq = 0, "", 0
    for row in _body_rows(tables, TASK_HEADER, TASK_COLUMNS, "attachment 1"):
        where = f"attachment 1, row at line {row.line}"
        no_cell, name_cell, content_cell, unit_cell = _fixed_cells(row, TASK_COLUMNS[:4], where)
        if not no_cell.flat.isdigit():
            raise ParseError(f"{where}: expected a group number in 序號, found {no_cell.flat!r}")
        number, title = int(no_cell.flat), name_cell.flat
        if number == group_no + 1:
            group_no, group, seq = number, title, 0
        elif number != group_no or not tasks:
            raise ParseError(f"{where}: 序號 {number} out of sequence after {group_no}")
        elif title != group:
            raise ParseError(f"{where}: group {number} repeated with a different title: {title}")
        if not content_cell.lines:
            raise ParseError(f"{where}: the 主要內容 cell is empty")
        units = unit_cell.lines
        if not units or not all(_is_unit(u) for u in join_units(units)):
            raise ParseError(
                f"{where}: expected responsible units (市…局, one per line) in the 責任單位 column, "
                f"found {unit_cell.flat!r}; is a cell missing from this row?"
            )
        breakdown: list[_Cell] = []
        for cell in row.cells[4:]:
            if cell is not None and (not breakdown or cell is not breakdown[-1]):
                breakdown.append(cell)
        seq += 1
        content = SourceLine(no=content_cell.span[0], text=_cell_text(content_cell))
        tasks.append(task_from_cells(group_no, group, seq, content, units, [_to_cell(c) for c in breakdown]))
    if not tasks:
        raise ParseError("attachment 1: the table has a header but no task rows")
    return tasks


def parse_reform_grid(tables: list[_Table]) -> list[Reform]:
    """Attachment 2: one Reform per row; 轄市(區) may span a district's rows."""
    reforms: list[Reform] = []
    for row in _body_rows(tables, REFORM_HEADER, REFORM_COLUMNS, "attachment 2"):
        where = f"attachment 2, row at line {row.line}"
        no_cell, district_cell, item_cell, target_cell = _fixed_cells(row, REFORM_COLUMNS[:4], where)
        quarters = row.cells[4:]
        if any(c is None for c in quarters) or target_cell in quarters:
            raise ParseError(
                f"{where}: expected 任務目標 and four quarter cells {' | '.join(REFORM_COLUMNS[4:])}"
            )
        no = len(reforms) + 1
        if not no_cell.flat.isdigit() or int(no_cell.flat) != no:
            raise ParseError(f"{where}: expected row number {no} in 序號, found {no_cell.flat!r}")
        if district_cell.flat not in DISTRICTS:
            raise ParseError(
                f"{where}: expected a district ({'、'.join(DISTRICTS)}), found {district_cell.flat!r}"
            )
        if not item_cell.lines:
            raise ParseError(f"{where}: the 改革事項 cell is empty")
        cells = dict(zip(QUARTERS, quarters, strict=True))
        reforms.append(
            Reform(
                id=f"reform-{no}",
                no=no,
                district=district_cell.flat,
                item=item_cell.flat,
                targets=_items(target_cell),
                milestones={q: _items(c) for q, c in cells.items() if c is not None},
                lines=(no_cell.span[0], max(c.span[1] for c in row.cells if c is not None)),
                cell_lines={
                    "item": item_cell.span,
                    "target": target_cell.span,
                    **{q: c.span for q, c in cells.items() if c is not None},
                },
            )
        )
    if not reforms:
        raise ParseError("attachment 2: the table has a header but no reform rows")
    return reforms


def build_plan_from_html(raw: str, source_name: str = "") -> Plan:
    """The reconstructed plan of an HTML page: same cleaning, body parser and cell rules as the text path."""
    parser = _PageParser()
    parser.feed(raw)
    parser.close()
    lines, report = _clean(parser.lines, parser.tables)
    body = parse_body(lines)
    for needed in (1, 2):
        if needed not in body.attachments:
            raise ParseError(
                f"attachment {needed} is missing from the page (expected a line 附件{needed} and a table)"
            )
        marker = next(
            ln.no for ln in lines if (m := ATTACHMENT_MARK.match(ln.text)) and int(m.group(1)) == needed
        )
        if not any(t.attachment == needed for t in parser.tables):
            raise ParseError(
                f"attachment {needed} (附件{needed} at line {marker}): expected a <table> after its title"
            )
        for ln in body.attachments[needed]:
            report.removed.append(
                RemovedLine(
                    line=ln.no,
                    text=ln.text,
                    reason=f"outside table: text in attachment {needed} not in its table",
                )
            )
    report.removed.sort(key=lambda r: r.line)
    report.suspect.sort(key=lambda s: s.line)
    plan = Plan(
        metadata=body.metadata,
        sections=body.sections,
        tasks=parse_task_grid([t for t in parser.tables if t.attachment == 1]),
        reforms=parse_reform_grid([t for t in parser.tables if t.attachment == 2]),
        cleaning=report,
        source_name=source_name,
        source_sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
    )
    plan.findings = audit(plan)
    return plan
