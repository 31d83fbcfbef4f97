"""Reconstruct the plan from an HTML page whose attachments are real `<table>`s.

The page is read once with the stdlib parser into two things: the text outside the attachment tables,
as numbered lines (a block element or `<br>` ends a line), and each attachment table as rows of cells
that keep their own lines and source line numbers. The lines go through the same cleaning rules and
the same body parser as the flattened text; the tables are expanded into a grid (rowspan/colspan) and
read by column, so only the rules that decide what a cell *means* are shared with the text path.

A table after an `附件N` marker, or one whose header names table columns (序号, 主要内容, 一季度 …), is
data; any other table is page layout (an information-disclosure header is often a table): its text flows
into the lines, one line per row, cells separated by a space. Columns are read by what their header
labels mean (`columns.py`), in any order, with two-row headers; rows that cannot be placed are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from assistant.errors import ParseError
from assistant.ingest.clean import clean_lines, document_is_traditional
from assistant.ingest.columns import Layout, classify, is_place, parent_kind, period_of, role_of
from assistant.ingest.parse import ATTACHMENT_MARK, parse_body
from assistant.ingest.pipeline import Assembly, assemble, read_blocks, text_section
from assistant.ingest.tables import LOOSE_ITEM, Cell, TableRead, cell_items, numbered, task_from_cells
from assistant.models import CleanReport, Lines, Plan, ReaderWarning, Reform, RemovedLine, SourceLine

SKIPPED = frozenset({"script", "style", "noscript", "template", "title", "nav", "header", "footer", "select"})
BLOCKS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd tr table thead tbody tfoot caption section article main aside "
    "blockquote pre hr center form fieldset figure figcaption address body html".split()
)
ASCII_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML collapses these; a no-break space is content and stays
INLINE_ITEM = re.compile(r"(?<=[。；;！!？?])\s*(\d+)\s*[.．、]")
LABEL_FOLD = str.maketrans("（）", "()")
UNIT_SPLIT = re.compile(r"[、，,；;]\s*|\s+")
MAX_HEADER_ROWS = 4


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
    attachment: int | None
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
                self._attachment = int(m.group(1)) if m.group(1) else (self._attachment or 0) + 1

    def _start_table(self, line: int) -> None:
        if self._table is not None:
            # A table inside a table: the outer one is page layout. Its rows so far flow into the text
            # and the inner table is read on its own.
            self._end_cell()
            self.lines += _flatten(self._table)
            self._row, self._caption = None, False
        self._flush()
        self._table = _Table(line, self._attachment)

    def _end_table(self) -> None:
        if self._table is not None:
            self._end_cell()
            table, self._table, self._row, self._caption = self._table, None, None, False
            if table.attachment is not None or _is_data_table(table):
                self.tables.append(table)
            else:
                self.lines += _flatten(table)
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


def _logical_lines(texts: list[str], each_line_an_item: bool) -> list[str]:
    """Rejoin fragments: a numbered fragment (1., or the next number) starts a line; others continue one.

    In an unnumbered list cell (`each_line_an_item`) every fragment is its own line.
    """
    out: list[str] = []
    last: int | None = None
    for text in texts:
        no = numbered(text)
        if no is None and last is not None and (m := LOOSE_ITEM.match(text)) and int(m.group(1)) == last + 1:
            no = last + 1  # 2.20张…: item 2, whose text starts with a figure
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




def _flatten(table: _Table) -> list[SourceLine]:
    """A layout table's text as lines: a row of one-line cells is one line, other cells keep their lines."""
    out: list[SourceLine] = []
    for row in table.rows:
        cells = [c for c in row.cells if c.lines]
        if cells and all(len(c.lines) == 1 for c in cells):
            out.append(SourceLine(no=cells[0].lines[0].no, text=" ".join(c.lines[0].text for c in cells)))
        else:
            out += [ln for c in cells for ln in c.lines]
    return out


def _is_label(text: str) -> bool:
    folded = re.sub(r"\s+", "", text)
    return bool(folded) and len(folded) <= 16 and (
        role_of(folded) is not None or period_of(folded) is not None or parent_kind(folded) is not None
        or is_place(folded)
    )


def _is_header_row(cells: list[_Cell]) -> bool:
    """A row of column labels: no row number, and at least half its cells are labels of this field."""
    texts = [_label(c) for c in cells if c.lines]
    if not texts or any(t.isdigit() for t in texts):
        return False
    return sum(1 for t in texts if _is_label(t)) * 2 >= len(texts)


def _is_data_table(table: _Table) -> bool:
    """A table outside any attachment is data when its first row names at least two table columns."""
    if not table.rows:
        return False
    first = [c for c in table.rows[0].cells if c.lines]
    known = sum(1 for c in first if role_of(_label(c)) or parent_kind(_label(c)) or period_of(_label(c)))
    return known >= 2 and _is_header_row(first)


def _distinct(cells: list[_Cell | None]) -> list[_Cell]:
    out: list[_Cell] = []
    for c in cells:
        if c is not None and not any(c is x for x in out):
            out.append(c)
    return out


def _layout(grid: list[_GridRow]) -> tuple[Layout, int] | None:
    """The layout named by the grid's header rows, and how many rows the header takes."""
    k = 0
    while k < min(len(grid), MAX_HEADER_ROWS) and _is_header_row(_distinct(grid[k].cells)):
        k += 1
    if not k:
        return None
    width = len(grid[0].cells)
    labels, parents = [], []
    for col in range(width):
        leaf = grid[k - 1].cells[col]
        parent = next(
            (grid[r].cells[col] for r in range(k - 1)
             if grid[r].cells[col] is not None and grid[r].cells[col] is not leaf),
            None,
        )
        labels.append(_label(leaf))
        parents.append(_label(parent) if parent is not None else None)
    return classify(labels, parents), k


def _cell_map(row: _GridRow, layout: Layout, role: str) -> _Cell | None:
    i = layout.index(role)
    return row.cells[i] if i is not None and i < len(row.cells) else None


def _responsible(cell: _Cell | None) -> list[SourceLine]:
    """Responsible bodies one per fragment, whether the cell breaks lines or separates them with 、."""
    if cell is None:
        return []
    out: list[SourceLine] = []
    for ln in cell.lines:
        out += [SourceLine(no=ln.no, text=part) for part in UNIT_SPLIT.split(ln.text) if part]
    return out


def _extras(row: _GridRow, layout: Layout) -> tuple[dict[str, str], dict[str, Lines]]:
    """Cells of the columns that are neither structure nor units (完成时限, 配合单位, 备注 …), by label."""
    extra: dict[str, str] = {}
    spans: dict[str, Lines] = {}
    for i, role in enumerate(layout.roles):
        if role in ("deadline", "cooperating", "note", "extra", "total") and i < len(row.cells):
            cell = row.cells[i]
            if cell is not None and cell.lines and layout.labels[i]:
                extra[layout.labels[i]] = _cell_text(cell)
                spans[layout.labels[i]] = cell.span
    return extra, spans


def _task_rows(rows: list[_GridRow], layout: Layout, table: int, read: TableRead) -> None:
    group_no, group, seq = 0, "", 0
    unit_cols = layout.columns("units")
    for row in rows:
        content = _cell_map(row, layout, "content") or _cell_map(row, layout, "group")
        if content is None or not content.lines:
            read.warnings.append((row.line, f"attachment {table}: a row with no 主要内容 cell; skipped"))
            continue
        no_cell, name_cell = _cell_map(row, layout, "seq"), _cell_map(row, layout, "group")
        number_text = _label(no_cell) if no_cell is not None else ""
        title = name_cell.flat if name_cell is not None and name_cell is not content else ""
        if number_text.isdigit():
            number = int(number_text)
        elif title and title == group:
            number = group_no
        else:
            number = group_no + 1
        if number != group_no:
            seq, group = 0, title
        elif title:
            group = title
        group_no = number
        seq += 1
        breakdown = _distinct([row.cells[c] for c in unit_cols if c < len(row.cells)])
        cells = [Cell(_cell_text(c), *c.span) for c in breakdown if c.lines]
        head = SourceLine(no=content.span[0], text=_cell_text(content))
        task = task_from_cells(group_no, group, seq, head, _responsible(_cell_map(row, layout, "responsible")),
                               cells, layout.units, table)
        task.extra, spans = _extras(row, layout)
        task.cell_lines.update(spans)
        task.lines = (task.lines[0], max(c.span[1] for c in row.cells if c is not None))
        read.tasks.append(task)


def _milestone_rows(rows: list[_GridRow], layout: Layout, table: int, read: TableRead) -> None:
    period_cols = layout.columns("period")
    for row in rows:
        item = _cell_map(row, layout, "item") or _cell_map(row, layout, "content") or _cell_map(row, layout, "group")
        unit = _cell_map(row, layout, "unit") or _cell_map(row, layout, "responsible")
        if item is None or not item.lines:
            read.warnings.append((row.line, f"attachment {table}: a milestone row with no item cell; skipped"))
            continue
        no_cell = _cell_map(row, layout, "seq")
        no = int(_label(no_cell)) if no_cell is not None and _label(no_cell).isdigit() else len(read.reforms) + 1
        target = _cell_map(row, layout, "target")
        steps = {p.code: row.cells[c] for p, c in zip(layout.periods, period_cols, strict=True) if c < len(row.cells)}
        extra, spans = _extras(row, layout)
        owner = _cell_map(row, layout, "responsible")
        if owner is not None and owner is not unit and owner.lines:
            # A 责任科室 beside the unit column: the office that guides the unit's item, kept by its label.
            label = layout.labels[layout.roles.index("responsible")]
            extra[label], spans[label] = _cell_text(owner), owner.span
        rid = f"reform-{no}" if table == 2 else f"reform{table}-{no}"
        if any(r.id == rid for r in read.reforms):
            rid += f"-{len(read.reforms) + 1}"
        read.reforms.append(
            Reform(
                id=rid, no=no, district=unit.flat if unit is not None else "", item=item.flat,
                targets=_items(target) if target is not None else [],
                milestones={code: (_items(c) if c is not None and c is not target else [])
                            for code, c in steps.items()},
                lines=((no_cell or item).span[0], max(c.span[1] for c in row.cells if c is not None)),
                cell_lines={"item": item.span, **({"target": target.span} if target is not None else {}),
                            **{code: c.span for code, c in steps.items() if c is not None}, **spans},
                extra=extra, table=table,
            )
        )


def _generic_rows(rows: list[_GridRow], layout: Layout, read: TableRead) -> None:
    for row in rows:
        cells: dict[str, str] = {}
        for label, cell in zip(layout.labels, row.cells, strict=False):
            if cell is not None and cell.lines:
                cells[label or f"列{len(cells) + 1}"] = _cell_text(cell)
        if cells:
            read.rows.append((cells, (row.line, max(c.span[1] for c in row.cells if c is not None))))


def read_grid_tables(tables: list[_Table], table: int) -> TableRead:
    """One attachment's tables (a page break may split one into several) read by their header."""
    layout: Layout | None = None
    body: list[_GridRow] = []
    for t in tables:
        grid = _grid(t, f"attachment {table}")
        found = _layout(grid)
        if found is not None:
            if layout is None:
                layout = found[0]
            grid = grid[found[1] :]
        elif layout is None:
            raise ParseError(f"attachment {table}, table at line {t.line}: no column header row found")
        body += [row for row in grid if not _is_header_row(_distinct(row.cells))]
    assert layout is not None
    read = TableRead(layout=layout)
    kind = layout.kind
    if kind == "task":
        _task_rows(body, layout, table, read)
    elif kind == "milestone":
        _milestone_rows(body, layout, table, read)
    else:
        _generic_rows(body, layout, read)
    return read


def build_plan_from_html(raw: str, source_name: str = "", aliases: dict[str, list[str]] | None = None) -> Plan:
    """The reconstructed plan of an HTML page: same cleaning, body parser and cell rules as the text path."""
    parser = _PageParser()
    parser.feed(raw)
    parser.close()
    lines, report = _clean(parser.lines, parser.tables)
    body = parse_body(lines)
    marked = {b.no for b in body.attachments}
    numbers: list[int] = []
    for t in parser.tables:
        if t.attachment is None or t.attachment not in marked:
            t.attachment = max([*marked, *numbers, 0]) + 1 if t.attachment is None else t.attachment
        if t.attachment not in numbers:
            numbers.append(t.attachment)
    assembly = Assembly()
    titles = {b.no: b.title for b in body.attachments}
    for no in numbers:
        tables = [t for t in parser.tables if t.attachment == no]
        try:
            read = read_grid_tables(tables, no)
        except ParseError as exc:
            assembly.warnings.append(ReaderWarning(line=tables[0].line, message=f"{exc}; its text is kept"))
            text = [ln for t in tables for ln in _flatten(t)]
            if text:
                assembly.text_sections.append(text_section(no, titles.get(no, ""), text))
            continue
        assembly.warnings += [ReaderWarning(line=ln, message=msg) for ln, msg in read.warnings]
        last = max((c.span[1] for t in tables for r in t.rows for c in r.cells), default=tables[0].line)
        span = (tables[0].line, last)
        assembly.read.append((no, titles.get(no, ""), read, span))
    for block in body.attachments:
        if block.no in numbers:
            for ln in block.lines:
                report.removed.append(
                    RemovedLine(line=ln.no, text=ln.text,
                                reason=f"outside table: text in attachment {block.no} not in its table")
                )
    untabled = read_blocks([b for b in body.attachments if b.no not in numbers])
    assembly.read += untabled.read
    assembly.text_sections += untabled.text_sections
    assembly.warnings += untabled.warnings
    report.removed.sort(key=lambda r: r.line)
    report.suspect.sort(key=lambda s: s.line)
    return assemble(body, assembly, report, raw, source_name, aliases)
