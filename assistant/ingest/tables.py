"""Rebuild attachment tables from cell fragments of a flattened page (html.py reads real grids).

The flattened scrape puts each HTML cell fragment on its own line: cells that wrapped in the page
arrive as several lines, rows repeated after a page break arrive twice, and nothing marks where one
column ends. The header lines come first (one label per line, a two-row header as the parent label
then its children) and say what the columns are (see `columns.py`); the rules here use what such a
table guarantees: a 主要内容 sentence is followed by its responsible bodies, a breakdown has one value
per unit column, and numbered milestone items restart at 1 in every cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.errors import ParseError
from assistant.ingest.columns import Layout, classify, parent_kind, period_of, role_of
from assistant.models import Lines, Period, Reform, SourceLine, Task

UNIT_START = re.compile(r"^(市|区|區|县|縣|省|镇|鎮|各|街道|全市|全区|全區)")
UNIT_SUFFIXES = ("局", "會", "会", "委", "聯", "联", "隊", "队", "位", "處", "处", "站", "部", "院", "室", "辦", "办",
                 "所", "科", "股", "组", "中心", "政府", "街道", "協會", "协会", "總會", "总会")
CJK_NAME = re.compile(r"[\u4e00-\u9fff（）()]{1,14}")
CJK_FRAGMENT = re.compile(r"[\u4e00-\u9fff]{1,4}")
SHORT_TAIL = re.compile(r"[\u4e00-\u9fff]{1,3}")
LOOSE_ITEM = re.compile(r"^(\d{1,2})[.．、](?=\d)")
INLINE_ITEM = re.compile(r"(?<=[。；;！!？?])\s*(\d+)\s*[.．、]")
NUMBERED_ITEM = re.compile(r"^(\d+)\s*[.．、](?!\d)\s*")
UNIT_AMOUNT = re.compile(r"^(.{2,12}?)\s*(\d+(?:\.\d+)?\s*[億亿萬万]?元)$")
CITY_LEVEL = re.compile(r"(本級|本级)$")
MAX_HEADER_LINES = 40


@dataclass
class Cell:
    """One reconstructed table cell and the raw lines it was joined from."""

    text: str
    first: int
    last: int

    @property
    def lines(self) -> Lines:
        return (self.first, self.last)

    def extend(self, line: SourceLine, sep: str = "") -> None:
        self.text += sep + line.text
        self.last = line.no


@dataclass
class TableRead:
    """What one attachment's table yielded: records, the layout, and what could not be read."""

    layout: Layout
    tasks: list[Task] = field(default_factory=list)
    reforms: list[Reform] = field(default_factory=list)
    rows: list[tuple[dict[str, str], Lines]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    notes: list[SourceLine] = field(default_factory=list)  # lines beside the table (注：…), kept as text


def is_unit_line(text: str) -> bool:
    """A 责任单位 fragment: a short name of a body (市…局, 区…委, 各…) or one ending like a body's name."""
    return CJK_NAME.fullmatch(text) is not None and (UNIT_START.match(text) is not None or text.endswith(UNIT_SUFFIXES))


def numbered(text: str) -> int | None:
    """The item number of a numbered list line (`1.`, `2 .`, `3、`), else None."""
    m = NUMBERED_ITEM.match(text)
    return int(m.group(1)) if m else None


def _continues_unit(prev: str, text: str) -> bool:
    """`支隊` after `市消防救援`: a short fragment completing a unit name that wrapped."""
    return is_unit_line(prev) and not prev.endswith(UNIT_SUFFIXES) and CJK_FRAGMENT.fullmatch(text) is not None


def _starts_units(body: list[SourceLine], k: int) -> bool:
    """Line k opens a 责任单位 cell: a body's name, or a short fragment the next line completes as one."""
    text = body[k].text
    if is_unit_line(text):
        return True
    return (
        CJK_FRAGMENT.fullmatch(text) is not None
        and k + 1 < len(body)
        and body[k + 1].text.endswith(UNIT_SUFFIXES)
        and CJK_NAME.fullmatch(body[k + 1].text) is not None
        and len(text + body[k + 1].text) <= 10
    )


def join_units(fragments: list[SourceLine]) -> list[str]:
    """Responsible units: a fragment continues the previous one unless that one ends like a name."""
    units: list[str] = []
    for frag in fragments:
        if units and not units[-1].endswith(UNIT_SUFFIXES):
            units[-1] += frag.text
        else:
            units.append(frag.text)
    return units


def _merge_pass(cells: list[Cell], joins: Callable[[Cell, Cell], bool]) -> list[Cell]:
    """Merge each cell into the previous one where `joins(previous, cell)` holds."""
    merged: list[Cell] = []
    for cell in cells:
        if merged and joins(merged[-1], cell):
            merged[-1].text += cell.text
            merged[-1].last = cell.last
        else:
            merged.append(Cell(cell.text, cell.first, cell.last))
    return merged


def _is_tail(prev: Cell, cell: Cell) -> bool:
    """A short unnumbered fragment (`人次`, `以上`, `建設`) that wrapped off the previous cell."""
    return SHORT_TAIL.fullmatch(cell.text) is not None and numbered(prev.text) is None


def _after_semicolon(prev: Cell, cell: Cell) -> bool:
    """A clause that wrapped after a `;` inside one unit's cell."""
    return prev.text.endswith((";", "；")) and numbered(prev.text) is None and numbered(cell.text) is None


def breakdown_cells(lines: list[SourceLine], unit_count: int) -> list[Cell]:
    """Join wrapped fragments only while there are more fragments than unit columns.

    Each pass undoes one kind of wrap (`4000`+`人次`, `20個`+`以上`, `…“平安邊界”`+`建設`, a clause
    after `;`); a pass is kept only when it is needed, so a row that already has one cell per unit, or
    a numbered city-wide list, is never re-joined.
    """
    cells = [Cell(ln.text, ln.no, ln.no) for ln in lines]
    for joins in (_is_tail, _after_semicolon):
        if len(cells) <= unit_count:
            break
        cells = _merge_pass(cells, joins)
    return cells


def unit_amounts(text: str, units: list[str]) -> dict[str, str]:
    """Per-unit amounts written in one sentence (市本级5.78亿元,某市1.58亿元 …), by the plan's units."""
    out: dict[str, str] = {}
    for part in re.split(r"[,，、;；。\n]", text):
        m = UNIT_AMOUNT.match(part.strip())
        if m and (m.group(1) in units or CITY_LEVEL.search(m.group(1))):
            out[m.group(1)] = m.group(2)
    return out


def task_id(table: int, group_no: int, seq: int) -> str:
    """A task row's record id: task-3-2 in attachment 1, task2-3-2 in another."""
    return f"task-{group_no}-{seq}" if table == 1 else f"task{table}-{group_no}-{seq}"


def reform_id(table: int, no: int) -> str:
    """A milestone row's record id: reform-5 in attachment 2, reform3-5 in another."""
    return f"reform-{no}" if table == 2 else f"reform{table}-{no}"


def task_from_cells(
    group_no: int, group: str, seq: int, content: SourceLine, units: list[SourceLine], cells: list[Cell],
    unit_names: list[str], table: int = 1,
) -> Task:
    """Classify a breakdown: one value per unit column, a city-wide text, or values that cannot be placed."""
    task = Task(
        id=task_id(table, group_no, seq),
        group_no=group_no,
        group=group,
        seq=seq,
        content=content.text,
        responsible=join_units(units),
        lines=(content.no, cells[-1].last if cells else (units[-1].no if units else content.no)),
        cell_lines={"content": (content.no, content.no)},
        table=table,
    )
    if units:
        task.cell_lines["responsible"] = (units[0].no, units[-1].no)
    if not cells:
        return task
    if unit_names and len(cells) == len(unit_names):
        task.districts = {d: c.text for d, c in zip(unit_names, cells, strict=True)}
        task.cell_lines.update({d: c.lines for d, c in zip(unit_names, cells, strict=True)})
    elif len(cells) == 1 or all(numbered(c.text) is not None for c in cells) or not unit_names:
        task.citywide = "\n".join(c.text for c in cells)
        task.cell_lines["citywide"] = (cells[0].first, cells[-1].last)
        values = unit_amounts(task.citywide, unit_names)
        if len(values) >= 2:
            task.unit_values = values
    else:
        task.unassigned_values = [c.text for c in cells]
        task.ambiguous = True
        task.cell_lines["unassigned"] = (cells[0].first, cells[-1].last)
    return task


def split_header(lines: list[SourceLine]) -> tuple[list[str], list[str | None], int]:
    """Leaf labels, each one's parent label, and the index of the first body line.

    The header is the run of label lines before the first row number (`1`); a parent label (任务分解,
    序时进度 …) covers the labels after it.
    """
    end = next((k for k, ln in enumerate(lines[:MAX_HEADER_LINES]) if ln.text == "1"), None)
    if end is None:
        end = 0
        while end < min(len(lines), MAX_HEADER_LINES) and _is_label(lines[end].text):
            end += 1
    labels: list[str] = []
    parents: list[str | None] = []
    parent: str | None = None
    for ln in lines[:end]:
        if parent_kind(ln.text):
            parent = ln.text
            continue
        labels.append(ln.text)
        parents.append(parent)
    return *_spanned_last(labels, parents), end


SPAN_SIDE_ROLES = ("total", "note", "deadline", "responsible", "cooperating")


def _spanned_last(labels: list[str], parents: list[str | None]) -> tuple[list[str], list[str | None]]:
    """Put a parent's own labels where its span sits.

    A two-row header flattened row by row lists the first row whole (… 任务分解 合计 备注) and then the
    labels under 任务分解 (镜湖区 弋江区 …), while every body row has its cells in column order (units, then
    合计, 备注). So labels with a role of their own that follow a breakdown parent before its first unit
    label stand to the right of the span: they go after its units.
    """
    first = next((k for k, p in enumerate(parents) if p is not None and parent_kind(p) == "breakdown"), None)
    if first is None:
        return labels, parents
    side = first
    while side < len(labels) and parents[side] == parents[first] and role_of(labels[side]) in SPAN_SIDE_ROLES:
        side += 1
    units = side
    while units < len(labels) and parents[units] == parents[first] and role_of(labels[units]) is None:
        units += 1
    if side == first or units - side < 2:
        return labels, parents
    order = [*range(first), *range(side, units), *range(first, side), *range(units, len(labels))]
    return [labels[k] for k in order], [parents[k] if not first <= k < side else None for k in order]


def _is_label(text: str) -> bool:
    return len(text) <= 12 and (
        role_of(text) is not None or period_of(text) is not None or parent_kind(text) is not None
    )


PIPE = re.compile(r"\s*[|｜]\s*")


def row_cells(text: str) -> list[str]:
    """A one-line table row's cells: split at tabs (a table copied out of Word or a browser keeps them,
    and two tabs in a row are an empty cell) or at `|`."""
    if "\t" in text.strip():
        return [c.strip() for c in text.strip("\n ").split("\t")]
    return [c.strip() for c in PIPE.split(text.strip().strip("|｜"))]


def pipe_rows(lines: list[SourceLine]) -> tuple[list[list[SourceLine]], list[SourceLine]] | None:
    """A table scraped as one row per line with `|` or tabs between cells: each row's cells, and the lines
    that are not rows (a 注 under the table); None when the lines are not such a table."""
    rows = [ln for ln in lines if len(row_cells(ln.text)) >= 2]
    if len(rows) < 2 or len(rows) * 2 < len(lines):
        return None
    cells = [[SourceLine(no=ln.no, text=c) for c in row_cells(ln.text)] for ln in rows]
    return cells, [ln for ln in lines if ln not in rows]


GAP = re.compile(r"\s{2,}")  # two or more spaces (full-width ones included) between a row's cells
MIN_GAP_COLUMNS = 3


def gap_rows(lines: list[SourceLine]) -> tuple[list[list[SourceLine]], list[SourceLine]] | None:
    """A table scraped as one row per line with runs of spaces between cells but not aligned to columns
    (`1　　提高城乡低保标准　　城市低保标准…　　社会救助科`): read like `|` rows when every line that has
    cells has as many as the header, so that no empty cell can have vanished into a gap; None otherwise
    (an aligned layout with wrapped or empty cells is `fixed_width_rows`' to read)."""
    split = [(ln, [c for c in GAP.split(ln.text.strip()) if c]) for ln in lines]
    rows = [(ln, cells) for ln, cells in split if len(cells) >= 2 and not NOTE_LINE.match(ln.text)]
    if len(rows) < 3 or len(rows[0][1]) < MIN_GAP_COLUMNS or any(len(c) != len(rows[0][1]) for _, c in rows):
        return None
    kept = {ln.no for ln, _ in rows}
    cells = [[SourceLine(no=ln.no, text=c) for c in cs] for ln, cs in rows]
    return cells, [ln for ln in lines if ln.no not in kept]


NOTE_LINE = re.compile(r"^\s*(?:注|注释|注釋|說明|说明|备注|備註)\s*[:：]|^\s*注\s*\d\s*[.、．:：]")


def read_text_table(lines: list[SourceLine], table: int) -> TableRead:
    """One attachment's flattened table, read by the layout its header names."""
    from assistant.ingest.box_table import box_table
    from assistant.ingest.card_table import card_table
    from assistant.ingest.csv_table import csv_table
    from assistant.ingest.fixed_width import fixed_width_rows

    if (drawn := box_table(lines, table) or card_table(lines, table)) is not None:
        from assistant.ingest.grid import read_grid_tables

        read = read_grid_tables([drawn[0]], table)
        read.notes = drawn[1]
        return read
    if (comma := csv_table(lines, table)) is not None:
        from assistant.ingest.grid import read_grid_tables

        read = read_grid_tables([comma[0]], table)
        read.notes = comma[1]
        return read
    piped = pipe_rows(lines) or gap_rows(lines) or fixed_width_rows(lines)
    if piped is not None:
        from assistant.ingest.grid import GridCell, Row, Table, read_grid_tables

        grid = Table(line=lines[0].no, attachment=table, rows=[
            Row(line=r[0].no, cells=[GridCell(line=c.no, lines=[c] if c.text else []) for c in r]) for r in piped[0]])
        read = read_grid_tables([grid], table)
        read.notes = piped[1]
        return read
    labels, parents, start = split_header(lines)
    layout = classify(labels, parents)
    body = lines[start:]
    notes = [ln for ln in body if NOTE_LINE.match(ln.text)]  # 注：“--”表示… under the table is no row
    body = [ln for ln in body if ln not in notes]
    read = TableRead(layout=layout, notes=notes)
    if not labels or not body:
        raise ParseError(f"attachment {table}: no column header found (expected label lines such as 序号 | 主要内容)")
    if layout.kind == "milestone":
        lead = [r for r in layout.roles if r != "period"]
        if lead in (["seq", "unit", "item"], ["seq", "unit", "item", "target"]) and layout.roles[-1] == "period":
            read.reforms = parse_milestone_table(body, layout, table, read.warnings)
        else:  # other columns (a 责任处室 after the periods …): align the lines to the header
            from assistant.ingest.flat_grid import grid_rows
            from assistant.ingest.grid import milestone_rows

            rows = grid_rows(body, layout)
            if not rows:
                raise ParseError(f"attachment {table}: the lines do not fit the header's {len(layout.roles)} columns")
            milestone_rows(rows, layout, table, read)  # type: ignore[arg-type]
    elif layout.kind == "task":
        lead = [r for r in layout.roles if r not in ("units", "total")]
        if tuple(lead) == TASK_ORDER:  # the common flattened shape, read by its own rules
            warnings: list[tuple[int, str]] = []
            tasks = parse_task_table(body, layout, table, warnings)
            aligned = TableRead(layout=layout)
            # The rules expect one 序号 and name per group; on a page that numbers every row they glue rows
            # into one group name. Then the lines aligned to the header are the reading, if they fit.
            if any(len(t.group) > LONG_NAME for t in tasks):
                try:
                    read_aligned(body, layout, table, aligned)
                except ParseError:
                    aligned.tasks = []
            if aligned.tasks and _fit(aligned.tasks, layout) >= _fit(tasks, layout):
                read.tasks, read.warnings = aligned.tasks, read.warnings + aligned.warnings
            else:
                read.tasks, read.warnings = tasks, read.warnings + warnings
        else:
            read_aligned(body, layout, table, read)
    elif not _units_down_the_rows(body, layout, table, read):
        read.rows = generic_rows(body, layout, table, read.warnings)
    return read


def _units_down_the_rows(body: list[SourceLine], layout: Layout, table: int, read: TableRead) -> bool:
    """A table with a unit column and no unit columns: a timeline (one row per checkpoint) or a figures
    table (one task per column), read from the lines aligned to the header."""
    if "unit" not in layout.roles:
        return False
    from assistant.ingest.flat_grid import grid_rows
    from assistant.ingest.grid import UNITS_DOWN_THE_ROWS

    rows = grid_rows(body, layout)
    return bool(rows) and any(read_as(rows, layout, table, read) for read_as in UNITS_DOWN_THE_ROWS)  # type: ignore[arg-type]


TASK_ORDER = ("seq", "group", "content", "responsible")
LONG_NAME = 40


def _fit(tasks: list[Task], layout: Layout) -> int:
    """How well a reading placed a table's rows: rows with a value per unit column and short group names."""
    return sum(1 for t in tasks if len(t.group) <= LONG_NAME and (not layout.units or t.districts
                                                                 and len(t.districts) == len(layout.units)))


def read_aligned(body: list[SourceLine], layout: Layout, table: int, read: TableRead) -> None:
    """Any other column order or extra columns: align the lines to the header's columns (flat_grid)."""
    from assistant.ingest.flat_grid import grid_rows
    from assistant.ingest.grid import task_rows

    rows = grid_rows(body, layout)
    if not rows:
        raise ParseError(f"attachment {table}: the lines do not fit the header's {len(layout.roles)} columns")
    task_rows(rows, layout, table, read)  # type: ignore[arg-type]


def parse_task_table(body: list[SourceLine], layout: Layout, table: int, warnings: list[tuple[int, str]]) -> list[Task]:
    """A key-task table from flattened lines: one Task per sub-task row."""
    lead = [r for r in layout.roles if r not in ("units", "total")]
    if tuple(lead[:4]) != TASK_ORDER:
        raise ParseError(
            f"attachment {table}: a flattened task table must start 序号 | 工作名称 | 主要内容 | 责任单位, "
            f"found {' | '.join(layout.labels)}"
        )
    if len(lead) > 4:
        warnings.append((body[0].no, f"attachment {table}: columns {', '.join(layout.labels[len(layout.units) + 4:])} "
                                     "cannot be told apart in flattened text; their cells stay in the breakdown"))
    unit_names = layout.units
    n = len(body)
    content_idx = [
        k
        for k in range(n - 1)
        if not _starts_units(body, k)
        and not body[k].text.isdigit()
        and _starts_units(body, k + 1)
        and not (k > 0 and _continues_unit(body[k - 1].text, body[k].text))
    ]
    if not content_idx:
        raise ParseError(f"attachment {table}: no task rows found (a task sentence followed by its responsible units)")
    tasks: list[Task] = []
    group_no, group = _group_header(body[: content_idx[0]], 0, f"attachment {table} start")
    seq = 0
    for pos, k in enumerate(content_idx):
        j = k + 1
        while j < n and (_starts_units(body, j) or _continues_unit(body[j - 1].text, body[j].text)):
            j += 1
        units = body[k + 1 : j]
        end = content_idx[pos + 1] if pos + 1 < len(content_idx) else n
        values = body[j:end]
        next_header = _find_group_header(values, group_no)
        header_lines: list[SourceLine] = []
        if next_header is not None:
            values, header_lines = values[:next_header], values[next_header:]
        seq += 1
        cells = breakdown_cells(values, len(unit_names))
        tasks.append(task_from_cells(group_no, group, seq, body[k], units, cells, unit_names, table))
        if header_lines:
            new_no, new_title = _group_header(header_lines, group_no, f"attachment {table}, line {header_lines[0].no}")
            if new_no != group_no:
                seq = 0
            elif new_title != group:
                warnings.append((header_lines[0].no, f"attachment {table}: group {new_no} repeated with another title"))
            group_no, group = new_no, new_title
    return tasks


def _find_group_header(values: list[SourceLine], current: int) -> int | None:
    """Index of a group number (current or current+1) followed only by title fragments, if any."""
    for idx in range(len(values) - 1, -1, -1):
        text = values[idx].text
        if text.isdigit() and int(text) in (current, current + 1):
            titles = values[idx + 1 :]
            if titles and all(not any(ch.isdigit() for ch in t.text) for t in titles):
                return idx
    return None


def _group_header(lines: list[SourceLine], current: int, where: str) -> tuple[int, str]:
    """A group's number and its (possibly wrapped) 工作名称."""
    if len(lines) < 2 or not lines[0].text.isdigit():
        raise ParseError(f"{where}: expected a 序号 followed by a 工作名称")
    no = int(lines[0].text)
    if no not in (current, current + 1):
        raise ParseError(f"{where}: 序号 {no} out of sequence after {current}")
    return no, "".join(ln.text for ln in lines[1:])


def split_numbered_cells(lines: list[SourceLine]) -> list[Cell]:
    """Cells of a milestone row: a numbered list restarts at 1 in each cell; an unnumbered line is a cell."""
    cells: list[Cell] = []
    last_no: int | None = None
    for ln in lines:
        no = numbered(ln.text)
        if no is None and (m := LOOSE_ITEM.match(ln.text)) and int(m.group(1)) in (1, (last_no or 0) + 1):
            no = int(m.group(1))  # 2.20张… : the item number, not a decimal, when it is the one due
        if no is not None and no > 1 and last_no == no - 1 and cells:
            cells[-1].extend(ln, "\n")
        else:
            cells.append(Cell(ln.text, ln.no, ln.no))
        last_no = no
    return cells


def split_inline(text: str) -> list[str]:
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


def cell_items(text: str) -> list[str]:
    """A cell's list items with their `1.` markers removed; an unnumbered cell is one item."""
    parts = [p for line in text.split("\n") for p in split_inline(line)]
    out = []
    for k, part in enumerate(parts, start=1):
        m = LOOSE_ITEM.match(part)
        if len(parts) > 1 and m and int(m.group(1)) == k:  # 2.20张…: the second item, whose text starts 20
            out.append(part[m.end():].strip())
        else:
            out.append(NUMBERED_ITEM.sub("", part, count=1).strip())
    return out


def _is_unit_name(text: str) -> bool:
    return 2 <= len(text) <= 14 and numbered(text) is None and not re.search(r"[，,。；;：:\d]", text)


def parse_milestone_table(
    body: list[SourceLine], layout: Layout, table: int, warnings: list[tuple[int, str]]
) -> list[Reform]:
    """A milestone table from flattened lines: 序号 | unit | item | [target] | one column per period."""
    lead = [r for r in layout.roles if r != "period"]
    if lead[:2] != ["seq", "unit"]:
        raise ParseError(
            f"attachment {table}: a flattened milestone table must start 序号 | unit, found {' | '.join(layout.labels)}"
        )
    periods: list[Period] = layout.periods
    has_target = "target" in layout.roles
    starts: list[int] = []
    for k in range(len(body) - 1):
        if body[k].text == str(len(starts) + 1) and _is_unit_name(body[k + 1].text):
            starts.append(k)
    if not starts:
        raise ParseError(f"attachment {table}: no milestone rows found (a 序号 followed by a unit name)")
    reforms: list[Reform] = []
    data_count = len(periods) + (1 if has_target else 0)
    for pos, k in enumerate(starts):
        end = starts[pos + 1] if pos + 1 < len(starts) else len(body)
        no, unit = int(body[k].text), body[k + 1].text
        cells = split_numbered_cells(body[k + 2 : end])
        title_cells, data = cells[:-data_count], cells[-data_count:]
        if not 1 <= len(title_cells) <= 2 or len(data) != data_count:
            warnings.append((body[k].no, f"attachment {table}, row {no}: expected an item, "
                                         f"{'a target, ' if has_target else ''}{len(periods)} period cells; "
                                         f"found {len(cells)} cells — row kept as text"))
            continue
        targets, steps = (data[0], data[1:]) if has_target else (None, data)
        reforms.append(
            Reform(
                id=reform_id(table, no),
                no=no,
                district=unit,
                item="".join(c.text for c in title_cells),
                targets=cell_items(targets.text) if targets else [],
                milestones={p.code: cell_items(c.text) for p, c in zip(periods, steps, strict=True)},
                lines=(body[k].no, body[end - 1].no),
                cell_lines={
                    "item": (title_cells[0].first, title_cells[-1].last),
                    **({"target": targets.lines} if targets else {}),
                    **{p.code: c.lines for p, c in zip(periods, steps, strict=True)},
                },
                table=table,
            )
        )
    return reforms


def generic_rows(
    body: list[SourceLine], layout: Layout, table: int, warnings: list[tuple[int, str]]
) -> list[tuple[dict[str, str], Lines]]:
    """Rows of a table of unknown kind: split at row numbers, cells placed by count when they fit."""
    width = len(layout.labels)
    seq = layout.index("seq")
    groups: list[list[SourceLine]] = []
    if seq == 0:
        for ln in body:
            if ln.text == str(len(groups) + 1):
                groups.append([ln])
            elif groups:
                groups[-1].append(ln)
    elif width:
        groups = [body[i : i + width] for i in range(0, len(body), width)]
    rows: list[tuple[dict[str, str], Lines]] = []
    for g in groups:
        from assistant.ingest.flat_grid import align_row

        aligned = align_row(g, layout) if len(g) != width else None
        if len(g) == width:
            cells = {label: ln.text for label, ln in zip(layout.labels, g, strict=True)}
        elif aligned is not None:
            cells = aligned
        else:
            warnings.append((g[0].no, f"attachment {table}: a row of {len(g)} lines under {width} columns; "
                                      "its cells are kept together"))
            cells = {layout.labels[0]: g[0].text, "内容": "\n".join(ln.text for ln in g[1:])}
        rows.append((cells, (g[0].no, g[-1].no)))
    return rows
