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
from html.parser import HTMLParser

from assistant.errors import ParseError
from assistant.ingest.clean import clean_lines, document_is_traditional
from assistant.ingest.columns import parent_kind, period_of, role_of
from assistant.ingest.css_grid import GridRows, GridStyle, grid_style
from assistant.ingest.grid import GridCell, Row, Table, is_header_row, label_of, read_grid_tables
from assistant.ingest.parse import ATTACHMENT_LIST, ATTACHMENT_MARK, parse_body, read_closing
from assistant.ingest.pipeline import Assembly, assemble, read_blocks, text_section
from assistant.ingest.table_notes import leading_notes
from assistant.models import CleanReport, Plan, ReaderWarning, SourceLine

SKIPPED = frozenset({"script", "style", "noscript", "template", "title", "nav", "header", "footer", "select"})
BLOCKS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd tr table thead tbody tfoot caption section article main aside "
    "blockquote pre hr center form fieldset figure figcaption address body html".split()
)
ASCII_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML collapses these; a no-break space is content and stays


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

    def add_raw(self, data: str, line: int) -> None:
        """Text of a `pre` line, leading spaces and all: the line is where the text is."""
        if self.line is None and data.strip():
            self.line = line  # leading blanks before it stay: they are the line's indentation
        self.parts.append(data)

    def take(self, preformatted: bool = False) -> SourceLine | None:
        """The line built so far; a `pre` line keeps its spaces (its columns may be a table's)."""
        joined = "".join(self.parts)
        line, self.parts, self.line = self.line, [], None
        if preformatted:
            raw = joined.replace("\t", "    ").rstrip()
            return SourceLine(no=line, text=raw.strip(), raw=raw) if raw.strip() and line is not None else None
        text = ASCII_SPACE.sub(" ", joined).strip()
        return SourceLine(no=line, text=text) if text and line is not None else None


def _span_attr(attrs: list[tuple[str, str | None]], name: str) -> int:
    try:
        return min(max(int((dict(attrs).get(name) or "1").strip()), 1), 1000)
    except ValueError:
        return 1


class _PageParser(HTMLParser):
    """Lines of text outside the attachment tables, and the attachment tables as rows of cells."""

    def __init__(self, grid: GridStyle | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self._style = grid or GridStyle()
        self._grid: GridRows | None = None  # a CSS-grid table's cells, split into rows by its column count
        self.lines: list[SourceLine] = []
        self.tables: list[Table] = []
        self._text = _Buffer()
        self._cell_text = _Buffer()
        self._skip = 0
        self._attachment: int | None = None
        self._table: Table | None = None
        self._row: Row | None = None
        self._cell: GridCell | None = None
        self._caption = False
        self._part = ""
        self._pre = 0  # inside a `pre`: a newline ends a line and spaces are kept
        # Inside a `<div role="table">`: what each open div is ("table", "row", "cell" or "") — a table built
        # of divs (a Vue or React page) has rows and cells only by their roles and nesting.
        self._divs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
        if self._skip:
            return
        line = self.getpos()[0]
        if tag == "pre":
            self._flush()
            self._pre += 1
            return
        if tag == "div" and self._div_start(attrs, line):
            return
        if tag == "table":
            self._start_table(line)
        elif self._table is not None and not self._caption:
            if tag in ("thead", "tfoot", "tbody"):
                self._part = {"thead": "head", "tfoot": "foot"}.get(tag, "")
            elif tag == "tr":
                self._end_cell()
                self._row = Row(line, part=self._part)
                self._table.rows.append(self._row)
            elif tag in ("td", "th"):
                self._end_cell()
                if self._row is None:
                    self._row = Row(line, part=self._part)
                    self._table.rows.append(self._row)
                self._cell = GridCell(line, _span_attr(attrs, "rowspan"), _span_attr(attrs, "colspan"))
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
        if tag == "pre":
            self._flush()
            self._pre = max(0, self._pre - 1)
            return
        if tag == "div" and self._divs:
            self._div_end()
            return
        if tag == "table":
            self._end_table()
        elif self._table is not None and not self._caption:
            if tag in ("td", "th"):
                self._end_cell()
            elif tag in ("thead", "tfoot", "tbody"):
                self._part = ""
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
        if self._pre and target is self._text:
            line = self.getpos()[0]
            pieces = data.split("\n")
            for k, piece in enumerate(pieces):
                if k:
                    self._flush()
                self._text.add_raw(piece, line + k)
            return
        target.add(data, self.getpos()[0])

    def close(self) -> None:
        super().close()
        self._end_table()
        self._flush()

    def _flush(self) -> None:
        if (line := self._text.take(preformatted=bool(self._pre))) is not None:
            self.lines.append(line)
            # 附件：… is the notice's list of attachments, not the mark above one
            if (m := ATTACHMENT_MARK.match(line.text)) and not ATTACHMENT_LIST.match(line.text):
                self._attachment = int(m.group(1)) if m.group(1) else (self._attachment or 0) + 1

    def _start_table(self, line: int) -> None:
        if self._table is not None:
            # A table inside a table: the outer one is page layout. Its rows so far flow into the text
            # and the inner table is read on its own.
            self._end_cell()
            self.lines += _flatten(self._table)
            self._row, self._caption = None, False
        self._flush()
        self._table, self._part = Table(line, self._attachment), ""

    def _end_table(self) -> None:
        if self._table is not None:
            self._end_cell()
            table, self._table, self._row, self._caption = self._table, None, None, False
            if table.attachment is not None or _is_data_table(table):
                self.tables.append(table)
            else:
                for piece in _attachment_pieces(table):
                    if piece.attachment is None:
                        self.lines += _flatten(piece)
                    else:
                        self._attachment = piece.attachment
                        self.tables.append(piece)
        self._flush()

    def _div_start(self, attrs: list[tuple[str, str | None]], line: int) -> bool:
        """A div of an ARIA table: `role="table"` starts it, `role="row"` a row, a `role="cell"` (or any
        div directly inside a row) a cell. False for a div outside such a table, read as a block."""
        role = (dict(attrs).get("role") or "").lower()
        if not self._divs:
            if role not in ("table", "grid") or self._table is not None:
                return False
            self._divs.append("table")
            self._start_table(line)
            columns = self._style.columns_of(_classes(attrs))
            self._grid = GridRows(columns) if columns else None
            return True
        parent = self._divs[-1]
        if parent == "table" and self._grid is not None and role not in ("row", "rowgroup"):
            # A CSS-grid cell: it starts a row when the row before it is full.
            rowspan, colspan = self._style.spans_of(_classes(attrs))
            self._end_cell()
            if self._grid.place(rowspan, colspan):
                self._div_row(line, attrs)
            self._div_cell(line, rowspan, colspan)
        elif role == "row" or (role in ("", "rowgroup") and parent == "table" and _has_rows_class(attrs)):
            self._end_cell()
            self._div_row(line, attrs)
            self._divs.append("row")
        elif role in CELL_ROLES or (parent == "row" and self._cell is None):
            self._end_cell()
            if self._row is None:
                self._div_row(line, [])
            self._div_cell(line, _span_attr(attrs, "aria-rowspan"), _span_attr(attrs, "aria-colspan"))
        else:
            self._end_cell_line()
            self._divs.append("")
        return True

    def _div_row(self, line: int, attrs: list[tuple[str, str | None]]) -> None:
        """Start a row of the div table (a `thead`-classed one is a header row)."""
        self._row = Row(line, part="head" if _is_head(attrs) else "")
        if self._table is not None:
            self._table.rows.append(self._row)

    def _div_cell(self, line: int, rowspan: int, colspan: int) -> None:
        """Open a cell of the div table in the current row; its div is the cell's."""
        self._cell = GridCell(line, rowspan, colspan)
        if self._row is not None:
            self._row.cells.append(self._cell)
        self._divs.append("cell")

    def _div_end(self) -> None:
        kind = self._divs.pop()
        if kind == "cell":
            self._end_cell()
        elif kind == "row":
            self._end_cell()
            self._row = None
        elif kind == "table":
            self._grid = None
            self._end_table()
        else:
            self._end_cell_line()

    def _end_cell_line(self) -> None:
        if self._cell is not None and (line := self._cell_text.take()) is not None:
            self._cell.lines.append(line)

    def _end_cell(self) -> None:
        self._end_cell_line()
        self._cell = None


CELL_ROLES = frozenset({"cell", "gridcell", "columnheader", "rowheader"})


def _classes(attrs: list[tuple[str, str | None]]) -> set[str]:
    return set((dict(attrs).get("class") or "").lower().split())


def _has_rows_class(attrs: list[tuple[str, str | None]]) -> bool:
    """A div classed as a table row (`tr`, `row`) in an ARIA table whose rows carry no role."""
    return bool(_classes(attrs) & {"tr", "row", "table-row"})


def _is_head(attrs: list[tuple[str, str | None]]) -> bool:
    return bool(_classes(attrs) & {"thead", "head", "header"})


def _clean(lines: list[SourceLine], tables: list[Table]) -> tuple[list[SourceLine], CleanReport]:
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


# The foot of an official document: who else receives it, who printed it and when.
DOCUMENT_FOOT = re.compile(r"^(?:抄送|抄報|抄报|分送)|印發$|印发$|^(?:校對|校对|打印)[:：]")


def _attachment_pieces(table: Table) -> list[Table]:
    """A layout table that holds a whole document (a spreadsheet saved as a web page): cut at each row
    that marks an attachment (附件2), so that the rows after it, from the first with two or more cells,
    are that attachment's table, spans kept; the mark, the title rows and the rows before the first mark
    stay text. The table unchanged when no row marks an attachment."""
    pieces: list[Table] = []
    text = Table(table.line, None)
    current: Table | None = None
    for row in table.rows:
        cells = [c for c in row.cells if c.lines]
        joined = " ".join(ln.text for c in cells for ln in c.lines).strip()
        mark = ATTACHMENT_MARK.match(joined) if len(cells) == 1 else None
        if mark and not ATTACHMENT_LIST.match(joined):
            number = int(mark.group(1)) if mark.group(1) else (current.attachment or 0) + 1 if current else 1
            current = Table(row.line, number)
            pieces += [text, current]
            text = Table(row.line, None)
            text.rows.append(row)
        elif current is not None and current.rows and DOCUMENT_FOOT.search(joined):
            current = None  # 抄送 / …印发: the document's foot, after the last attachment
            text.rows.append(row)
        elif current is not None and (current.rows or len(cells) >= 2):
            current.rows.append(row)
        else:
            text.rows.append(row)
    pieces.append(text)
    if not any(p.attachment is not None for p in pieces):
        return [table]
    return [p for p in pieces if p.rows]


def _flatten(table: Table) -> list[SourceLine]:
    """A layout table's text as lines: a row of one-line cells is one line, other cells keep their lines."""
    out: list[SourceLine] = []
    for row in table.rows:
        cells = [c for c in row.cells if c.lines]
        if cells and all(len(c.lines) == 1 for c in cells):
            out.append(SourceLine(no=cells[0].lines[0].no, text=" ".join(c.lines[0].text for c in cells)))
        else:
            out += [ln for c in cells for ln in c.lines]
    return out


def _is_data_table(table: Table) -> bool:
    """A table outside any attachment is data when its first row names at least two table columns."""
    if not table.rows:
        return False
    first = [c for c in table.rows[0].cells if c.lines]
    known = sum(1 for c in first if role_of(label_of(c)) or parent_kind(label_of(c)) or period_of(label_of(c)))
    return known >= 2 and is_header_row(first)


# A table's title line: …安排表, …清单, …一览表, with the unit note (单位：万元) it often carries after it.
TABLE_TITLE = re.compile(r"^(?P<title>[^。；;，,]{4,40}?(?:表|清单|一览|明细))(?:\s*[（(]?单位[:：][^）)]*[）)]?)?\s*$")
TITLE_LINES_ABOVE = 3


def _title_above(lines: list[SourceLine], at: int) -> str:
    """The title printed just above a table that sits in the body, outside any attachment (资金安排表)."""
    above = [ln for ln in lines if ln.no < at][-TITLE_LINES_ABOVE:]
    for ln in reversed(above):
        m = TABLE_TITLE.match(ln.text.strip())
        if m:
            return m.group("title").strip()
    return ""


def build_plan_from_html(raw: str, source_name: str = "", aliases: dict[str, list[str]] | None = None) -> Plan:
    """The reconstructed plan of an HTML page: same cleaning, body parser and cell rules as the text path."""
    parser = _PageParser(grid_style(raw))
    parser.feed(raw)
    parser.close()
    lines, report = _clean(parser.lines, parser.tables)
    body = parse_body(lines)
    marked = {b.no for b in body.attachments}
    numbers: list[int] = []
    unmarked: dict[int, str] = {}
    for t in parser.tables:
        if t.attachment is None or t.attachment not in marked:
            if t.attachment is None:
                t.attachment = max([*marked, *numbers, 0]) + 1
                if t.attachment not in unmarked and (title := _title_above(lines, t.line)):
                    unmarked[t.attachment] = title
        if t.attachment not in numbers:
            numbers.append(t.attachment)
    assembly = Assembly()
    titles = {**unmarked, **{b.no: b.title for b in body.attachments}}
    for no, title in unmarked.items():
        body.metadata.setdefault(f"attachment_{no}_title", title)
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
    last_table = max((c.span[1] for t in parser.tables for r in t.rows for c in r.cells), default=0)
    last_block = max((b.no for b in body.attachments if b.no in numbers), default=None)
    has_notice = any(x.id == "sec-notice" for x in body.sections)
    for block in body.attachments:
        if block.no in numbers:
            closing = [ln for ln in block.lines if block.no == last_block and ln.no > last_table]
            closing = closing[leading_notes(closing):]  # a 说明 list under the last table is its notes
            body.sections += read_closing(closing, body.metadata, has_notice)
            # Text around the table (说明 / 注 lists, 单位 lines) is the attachment's notes: kept as its text and
            # read for the roles and deadlines it gives the rows; the title line is the attachment's name.
            notes = [ln for ln in block.lines if ln not in closing and ln.text.strip() != block.title.strip()]
            table_read = next((r for n, _, r, _ in assembly.read if n == block.no), None)
            if notes and table_read is not None:
                table_read.notes = notes
                assembly.text_sections.append(text_section(block.no, block.title, notes))
    untabled = read_blocks([b for b in body.attachments if b.no not in numbers])
    assembly.read += untabled.read
    assembly.text_sections += untabled.text_sections
    assembly.warnings += untabled.warnings
    report.removed.sort(key=lambda r: r.line)
    report.suspect.sort(key=lambda s: s.line)
    return assemble(body, assembly, report, raw, source_name, aliases)
