"""Tables as grids of cells — real `<table>`s, `|`-separated rows, or aligned flattened lines — read by their header.

A grid row has one cell per column (a rowspan/colspan cell repeats where it spans); the header rows say
what each column means (columns.py), and the row readers turn rows into task, milestone or generic records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.errors import ParseError
from assistant.ingest.columns import (
    Layout,
    classify,
    fold_label,
    is_area_target,
    is_place,
    is_place_kind,
    label_role,
    parent_kind,
    period_of,
    role_of,
)
from assistant.ingest.table_pairs import join_reads
from assistant.ingest.tables import (
    LOOSE_ITEM,
    Cell,
    TableRead,
    cell_items,
    numbered,
    reform_id,
    split_inline,
    task_from_cells,
    task_id,
)
from assistant.models import NOT_APPLICABLE_CELL, Lines, Period, Reform, SourceLine, Task

LABEL_FOLD = str.maketrans("（）", "()")
UNIT_SPLIT = re.compile(r"[、，,；;]\s*|\s+")
MAX_HEADER_ROWS = 4
# A cell of a figures table: a number with its measure word (260, 260张, 95%), two figures of a column that
# counts two things (30/12: 新建/改造), a figure with a footnote mark (80*, 120①), or not applicable (--).
FIGURE = re.compile(r"^(?:\d+(?:\.\d+)?(?:\s*[/／]\s*\d+(?:\.\d+)?)?\s*[%％]?\s*[\u4e00-\u9fff]{0,2}"
                    r"\s*[*＊※\u2460-\u2473]?|-{1,2}|—{1,2}|－{1,2}|/|／)$")
NOT_APPLICABLE = NOT_APPLICABLE_CELL


@dataclass(eq=False)
class GridCell:
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
class Row:
    line: int
    cells: list[GridCell] = field(default_factory=list)
    part: str = ""  # "head" or "foot" for a row of a `<thead>`/`<tfoot>`: the page says what it is


@dataclass(eq=False)
class Table:
    line: int
    attachment: int | None
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class GridRow:
    """One row of the expanded grid: a cell per column (None where the row is short)."""

    line: int
    cells: list[GridCell | None]
    part: str = ""

    @property
    def last(self) -> int:
        """The last source line any of the row's cells reaches."""
        return max(c.span[1] for c in self.cells if c is not None)


def expand(table: Table, where: str) -> list[GridRow]:
    """Expand rowspan/colspan: every column of a row points at the cell covering it."""
    carried: dict[int, tuple[GridCell, int]] = {}
    rows: list[tuple[Row, dict[int, GridCell]]] = []
    for row in table.rows:
        placed: dict[int, GridCell] = {}
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
    grid = [[placed.get(c) for c in range(width)] for _, placed in rows]
    # Columns no row tells apart are one column: a spreadsheet sheet holding several tables gives the
    # narrower ones cells merged over two or three of its columns, in every row alike.
    keep = [c for c in range(width) if c == 0 or any(cells[c] is not cells[c - 1] for cells in grid)]
    return [GridRow(row.line, [cells[c] for c in keep], row.part) for (row, _), cells in zip(rows, grid, strict=True)]


def label_of(cell: GridCell | None) -> str:
    return re.sub(r"\s+", "", cell.flat).translate(LABEL_FOLD) if cell is not None else ""


def logical_lines(texts: list[str], each_line_an_item: bool) -> list[str]:
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


def cell_text(cell: GridCell) -> str:
    """A task cell as text: wrapped fragments rejoined, a numbered list one item per line."""
    return "\n".join(logical_lines([ln.text for ln in cell.lines], each_line_an_item=False))


def cell_items_of(cell: GridCell) -> list[str]:
    """A reform cell's items: split by line breaks and/or numbering, without the `1.` markers."""
    fragments = [part for ln in cell.lines for part in split_inline(ln.text)]
    return [item for item in cell_items("\n".join(logical_lines(fragments, each_line_an_item=True))) if item]




def is_label(text: str) -> bool:
    folded = re.sub(r"\s+", "", text)
    return bool(folded) and len(folded) <= 16 and (
        role_of(folded) is not None or period_of(folded) is not None or parent_kind(folded) is not None
        or is_place(folded) or is_place_kind(folded)
    )


def is_header_row(cells: list[GridCell]) -> bool:
    """A row of column labels: no row number, and at least half its cells are labels of this field."""
    texts = [label_of(c) for c in cells if c.lines]
    if not texts or any(t.isdigit() for t in texts):
        return False
    return sum(1 for t in texts if is_label(t)) * 2 >= len(texts)


def distinct(cells: list[GridCell | None]) -> list[GridCell]:
    out: list[GridCell] = []
    for c in cells:
        if c is not None and not any(c is x for x in out):
            out.append(c)
    return out


def layout_of(grid: list[GridRow]) -> tuple[Layout, int] | None:
    """The layout named by the grid's header rows, and how many rows the header takes."""
    k = 0
    while k < min(len(grid), MAX_HEADER_ROWS) and is_header_row(distinct(grid[k].cells)):
        k += 1
    marked = 0  # rows the page put in `<thead>`: header rows whatever their labels say
    while marked < min(len(grid) - 1, MAX_HEADER_ROWS) and grid[marked].part == "head":
        marked += 1
    if not k and not marked and _plain_header(grid):
        k = 1
    if not k and not marked:
        return None
    if marked > k:
        k = marked
        stems = _stem_row(grid, k - 1)  # the last `<thead>` row may be the bare names under their kind
    else:
        stems = k < MAX_HEADER_ROWS and _stem_row(grid, k)
        k += stems
    width = len(grid[0].cells)
    labels, parents = [], []
    for col in range(width):
        leaf = grid[k - 1].cells[col]
        if not label_of(leaf):  # a `|`-table writes a label once, in its top row, and leaves the cells under it empty
            leaf = next((grid[r].cells[col] for r in range(k - 2, -1, -1) if label_of(grid[r].cells[col])), leaf)
        parent = next(
            (grid[r].cells[col] for r in range(k - 1)
             if grid[r].cells[col] is not None and grid[r].cells[col] is not leaf),
            None,
        )
        label = label_of(leaf)
        kind = grid[k - 2].cells[col] if stems else None
        if kind is not None and kind is not leaf:
            label += fold_label(label_of(kind))  # 新华 under 街道 → 新华街道
        labels.append(label)
        parents.append(label_of(parent) if parent is not None else None)
    return classify(labels, parents), k


# The kind of place a header cell groups its columns under (街道 over 新华 | 新雅 …).
PLACE_SUFFIXES = ("街道", "镇", "乡", "社区", "村", "县", "市", "区")
PLACE_STEM = re.compile(r"[\u4e00-\u9fff]{1,5}")


def _stem_row(grid: list[GridRow], k: int) -> bool:
    """A header row of bare place names (新华 | 新雅 | 花山) under cells naming their kind (街道 | 镇): the
    third header row of a 任务分解 › 街道/镇 › names table, which the kind completes."""
    if k < 2 or k >= len(grid):
        return False
    row, above = grid[k].cells, grid[k - 1].cells
    own = [col for col, c in enumerate(row) if c is not None and c is not above[col]]
    if len(own) < 2:
        return False
    return all(PLACE_STEM.fullmatch(label_of(row[col])) and above[col] is not None
               and fold_label(label_of(above[col])) in PLACE_SUFFIXES for col in own)


def _plain_header(grid: list[GridRow]) -> bool:
    """A first row of short labels, one of them a label of this field, above rows that hold figures:
    the header of a table whose other labels are its own (地区 | 新增养老床位（张） | 老年助餐点（个）)."""
    if len(grid) < 2:
        return False
    first = [label_of(c) for c in distinct(grid[0].cells)]
    if len(first) < 2 or any(not t or len(t) > 20 or FIGURE.match(t) or re.search(r"[。；;]", t) for t in first):
        return False
    below = [label_of(c) for row in grid[1:] for c in distinct(row.cells)]
    return any(is_label(t) for t in first) and sum(bool(FIGURE.match(t)) for t in below) * 3 >= len(below)


def cell_of(row: GridRow, layout: Layout, role: str) -> GridCell | None:
    i = layout.index(role)
    return row.cells[i] if i is not None and i < len(row.cells) else None


# A 责任单位 cell that names its roles itself: 牵头：养老服务股；配合：市残联 (either script).
ROLE_PREFIX = re.compile(
    r"(?P<label>(?:牵|牽)(?:头|頭)(?:单位|單位|部门|部門|科室|股室|处室|處室)?|主(?:责|責)(?:单位|單位)?|"
    r"(?:责|責)任(?:单位|單位|部门|部門)?|配合(?:单位|單位|部门|部門)?|(?:协|協)(?:办|辦|同)(?:单位|單位)?|"
    r"(?:参|參)(?:与|與)(?:单位|單位)?)\s*[:：]"
)


def labelled_bodies(cell: GridCell | None) -> list[tuple[str, list[SourceLine]]]:
    """The bodies of a cell under each role label it writes (牵头：… 配合：…), in order; empty when the
    cell writes no label."""
    if cell is None:
        return []
    out: list[tuple[str, list[SourceLine]]] = []
    for ln in cell.lines:
        marks = list(ROLE_PREFIX.finditer(ln.text))
        if not marks and not out:
            return []
        if not marks:  # a wrapped line goes on with the label above
            out[-1][1].extend(SourceLine(no=ln.no, text=p) for p in UNIT_SPLIT.split(ln.text.strip("。")) if p)
            continue
        if ln.text[: marks[0].start()].strip(" ；;。") and out:
            out[-1][1].extend(SourceLine(no=ln.no, text=p)
                              for p in UNIT_SPLIT.split(ln.text[: marks[0].start()]) if p.strip("。"))
        for k, m in enumerate(marks):
            end = marks[k + 1].start() if k + 1 < len(marks) else len(ln.text)
            parts = [p.strip("。") for p in UNIT_SPLIT.split(ln.text[m.end() : end])]
            out.append((m.group("label"), [SourceLine(no=ln.no, text=p) for p in parts if p]))
    return out


def responsible_lines(cell: GridCell | None) -> list[SourceLine]:
    """Responsible bodies one per fragment, whether the cell breaks lines or separates them with 、; where the
    cell labels its roles (牵头：… 配合：…), only the leading ones."""
    if cell is None:
        return []
    if labelled := labelled_bodies(cell):
        return [ln for label, lines in labelled if label_role(label) != "cooperating" for ln in lines]
    out: list[SourceLine] = []
    for ln in cell.lines:
        out += [SourceLine(no=ln.no, text=part) for part in UNIT_SPLIT.split(ln.text) if part]
    return out


def cooperating_in(cell: GridCell | None) -> dict[str, str]:
    """The bodies a responsible cell labels as cooperating (配合：市残联), by the cell's own label."""
    out: dict[str, str] = {}
    for label, lines in labelled_bodies(cell):
        if label_role(label) == "cooperating" and lines:
            out[label] = "、".join([*([out[label]] if label in out else []), *(ln.text for ln in lines)])
    return out


def extras(row: GridRow, layout: Layout) -> tuple[dict[str, str], dict[str, Lines]]:
    """Cells of the columns that are neither structure nor units (完成时限, 配合单位, 备注 …), by label."""
    extra: dict[str, str] = {}
    spans: dict[str, Lines] = {}
    for i, role in enumerate(layout.roles):
        if role in ("deadline", "cooperating", "note", "extra", "total") and i < len(row.cells):
            cell = row.cells[i]
            if cell is not None and cell.lines and layout.labels[i]:
                # Bodies one per line (市财政局<br>市卫生健康委) are a list, not one wrapped name.
                if role == "cooperating" and len(cell.lines) > 1:
                    extra[layout.labels[i]] = "、".join(x.text for x in responsible_lines(cell))
                else:
                    extra[layout.labels[i]] = cell_text(cell)
                spans[layout.labels[i]] = cell.span
    return extra, spans


# A target cell that is only a figure: 1600张, ≥30个, 不少于15家.
BARE_FIGURE = re.compile(r"^(?:[≥≤>＞<＜]|不少于|不低于|不超过|达到)?\s*\d[\d.,]*\s*"
                         r"[\u4e00-\u9fff%‰]{0,3}(?:以上|以内)?$")


def task_rows(rows: list[GridRow], layout: Layout, table: int, read: TableRead) -> None:
    group_no, group, seq = 0, "", 0
    unit_cols = layout.columns("units")
    has_content = "content" in layout.roles
    for row in rows:
        content = cell_of(row, layout, "content") or (None if has_content else cell_of(row, layout, "group"))
        if content is None or not content.lines:
            read.warnings.append((row.line, f"attachment {table}: a row with no 主要内容 cell; skipped"))
            continue
        no_cell, name_cell = cell_of(row, layout, "seq"), cell_of(row, layout, "group")
        number_text = label_of(no_cell) if no_cell is not None else ""
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
        breakdown = distinct([row.cells[c] for c in unit_cols if c < len(row.cells)])
        cells = [Cell(cell_text(c), *c.span) for c in breakdown if c.lines]
        if (len(breakdown) == len(layout.units) > len(cells) and len(cells) * 2 >= len(breakdown)
                and all(FIGURE.match(c.text) for c in cells)):
            # One cell per unit, some left empty: an empty cell is that unit's (a 注 says what blank means).
            cells = [Cell(cell_text(c), *c.span) if c.lines else Cell("", *c.span) for c in breakdown]
        text = cell_text(content)
        if title and BARE_FIGURE.match(text) and not text.startswith(title):
            text = title + text  # 工作任务 新建家庭养老床位 | 目标任务 1600张: the row's content names both
        head = SourceLine(no=content.span[0], text=text)
        owner = cell_of(row, layout, "responsible")
        task = task_from_cells(group_no, group, seq, head, responsible_lines(owner), cells, layout.units, table)
        task.extra, spans = extras(row, layout)
        if owner is not None:
            for label, bodies in cooperating_in(owner).items():
                task.extra.setdefault(label, bodies)
                spans.setdefault(label, owner.span)
        task.cell_lines.update(spans)
        task.lines = (task.lines[0], row.last)
        read.tasks.append(task)


def milestone_rows(rows: list[GridRow], layout: Layout, table: int, read: TableRead) -> None:
    period_cols = layout.columns("period")
    for row in rows:
        item = cell_of(row, layout, "item") or cell_of(row, layout, "content") or cell_of(row, layout, "group")
        unit = cell_of(row, layout, "unit") or cell_of(row, layout, "responsible")
        if item is None or not item.lines:
            read.warnings.append((row.line, f"attachment {table}: a milestone row with no item cell; skipped"))
            continue
        no_cell = cell_of(row, layout, "seq")
        no = int(label_of(no_cell)) if no_cell is not None and label_of(no_cell).isdigit() else len(read.reforms) + 1
        target = cell_of(row, layout, "target")
        steps = {p.code: row.cells[c] for p, c in zip(layout.periods, period_cols, strict=True) if c < len(row.cells)}
        extra, spans = extras(row, layout)
        owner = cell_of(row, layout, "responsible")
        if owner is not None and owner is not unit and owner.lines:
            # A 责任科室 beside the unit column: the office that guides the unit's item, kept by its label.
            label = layout.labels[layout.roles.index("responsible")]
            extra[label], spans[label] = cell_text(owner), owner.span
        district = unit.flat if unit is not None else ""
        if not district and unit is not None and read.reforms:
            district = read.reforms[-1].district  # a merged unit cell, flattened: the rows under it are empty
        rid = reform_id(table, no)
        if any(r.id == rid for r in read.reforms):
            rid += f"-{len(read.reforms) + 1}"
        read.reforms.append(
            Reform(
                id=rid, no=no, district=district, item=item.flat,
                targets=cell_items_of(target) if target is not None else [],
                milestones={code: (cell_items_of(c) if c is not None and c is not target else [])
                            for code, c in steps.items()},
                lines=((no_cell or item).span[0], row.last),
                cell_lines={"item": item.span, **({"target": target.span} if target is not None else {}),
                            **{code: c.span for code, c in steps.items() if c is not None}, **spans},
                extra=extra, table=table,
            )
        )


def generic_rows(rows: list[GridRow], layout: Layout, read: TableRead) -> None:
    for row in rows:
        cells: dict[str, str] = {}
        for label, cell in zip(layout.labels, row.cells, strict=False):
            if cell is not None and cell.lines:
                cells[label or f"列{len(cells) + 1}"] = cell_text(cell)
        if cells:
            read.rows.append((cells, (row.line, row.last)))


def read_grid_tables(tables: list[Table], table: int) -> TableRead:
    """One attachment's tables read by their header: a table repeating the header (a page break split
    it) continues the one before; a table with a header of its own is read apart and joined to it."""
    groups: list[tuple[Layout, list[GridRow]]] = []
    for t in tables:
        grid = expand(t, f"attachment {table}")
        found = layout_of(grid)
        if found is not None:
            grid = grid[found[1] :]
            if not groups or _own_header(found[0], groups[-1][0]):
                groups.append((found[0], []))
        elif not groups:
            raise ParseError(f"attachment {table}, table at line {t.line}: no column header row found")
        groups[-1][1].extend(row for row in grid if row.part == "foot" or not is_header_row(distinct(row.cells)))
    read = _read_body(*groups[0], table)
    for layout, body in groups[1:]:
        join_reads(read, _read_body(layout, body, table))
    return read


def _own_header(layout: Layout, before: Layout) -> bool:
    """Whether a table's header is another table's, not the one before it repeated after a page break."""
    return [fold_label(x) for x in layout.labels] != [fold_label(x) for x in before.labels]


def _read_body(layout: Layout, body: list[GridRow], table: int) -> TableRead:
    """The records of one table's rows, by the kind of table its header makes it."""
    read = TableRead(layout=layout)
    kind = layout.kind
    if kind == "task" and not layout.units and long_rows(body, layout, table, read):
        pass  # one row per unit and indicator: the indicators are the tasks
    elif kind == "task":
        task_rows(body, layout, table, read)
    elif kind == "milestone":
        milestone_rows(body, layout, table, read)
    elif not any(read_as(body, layout, table, read) for read_as in UNITS_DOWN_THE_ROWS):
        generic_rows(body, layout, read)
    return read


# What a timeline cell adds to a month label: a year before it, a day or part of the month after it.
CHECKPOINT_EXTRAS = re.compile(r"^\d{4}\s*年|(?<=月)\d{1,2}\s*日|(?<=月)(?:中旬|上旬|下旬)|之(?=前$)")


def _checkpoint(text: str) -> Period | None:
    """The period a timeline cell names, read as a milestone column label is (4月底前 → month 4; 2025年
    4月15日前 and 4月中旬 too), labelled as the cell writes it."""
    folded = re.sub(r"\s+", "", text)
    period = period_of(CHECKPOINT_EXTRAS.sub("", folded))
    return period.model_copy(update={"label": folded}) if period is not None else None


def owner_columns(layout: Layout, *skip: int | None) -> list[int]:
    """The 责任/配合 columns of a milestone table, other than the columns already read as unit or date."""
    return [c for c, r in enumerate(layout.roles) if r in ("responsible", "cooperating") and c not in skip]


def share_periods(read: TableRead, periods: dict[str, Period]) -> None:
    """Every record gets every period the table names, in calendar order, empty where it has no step:
    the table's periods are its columns, whichever rows fill them."""
    ordered = sorted(periods.values(), key=lambda p: (p.months, p.code))
    for r in read.reforms:
        r.milestones = {p.code: r.milestones.get(p.code, []) for p in ordered}
    read.layout.periods = ordered


def timeline_rows(body: list[GridRow], layout: Layout, table: int, read: TableRead) -> bool:
    """A milestone table in long form, one row per checkpoint (地区 | 项目 | 时间节点 | 推进内容): the rows
    of one unit's item become one milestone record, each checkpoint a period."""
    at = _unit_column(body, layout)
    when = next((c for c, label in enumerate(layout.labels) if label_role(label) == "deadline"), None)
    if at is None or when is None or not body:
        return False
    item = next((c for c, r in enumerate(layout.roles) if r in ("item", "group") and c not in (at, when)), None)
    texts = [c for c, r in enumerate(layout.roles) if c not in (at, when, item) and r in ("content", "target", "extra")]
    if item is None or not texts:
        return False
    rows = [r for r in body if all(c < len(r.cells) and r.cells[c] is not None for c in (at, when, item, texts[0]))]
    stamps = [_checkpoint(label_of(r.cells[when])) for r in rows]
    if len(rows) < 2 or sum(p is not None for p in stamps) * 5 < 4 * len(rows):
        return False
    owners = owner_columns(layout, at, when)
    periods: dict[str, Period] = {}
    records: dict[tuple[str, str], Reform] = {}
    for row, period in zip(rows, stamps, strict=True):
        if period is None:
            read.warnings.append((row.line, f"attachment {table}: a checkpoint this reader cannot date; skipped"))
            continue
        periods.setdefault(period.code, period)
        unit, name, content = (row.cells[c] for c in (at, item, texts[0]))
        assert unit is not None and name is not None and content is not None
        key = (unit.flat, name.flat)
        if key not in records:
            no = len(records) + 1
            records[key] = Reform(id=reform_id(table, no), no=no, district=unit.flat, item=name.flat, targets=[],
                                  milestones={}, lines=(row.line, row.line), cell_lines={"item": name.span},
                                  table=table)
        r = records[key]
        for c in owners:  # a 责任股室 merged over a project's steps is written once, on one of its rows
            if (x := _cell(row, c)) is not None and x.lines and layout.labels[c] not in r.extra:
                r.extra[layout.labels[c]], r.cell_lines[layout.labels[c]] = cell_text(x), x.span
        r.milestones.setdefault(period.code, []).extend(cell_items_of(content))
        r.cell_lines[period.code] = content.span
        r.lines = (r.lines[0], row.last)
    read.reforms = list(records.values())
    share_periods(read, periods)
    return bool(read.reforms)


def long_rows(body: list[GridRow], layout: Layout, table: int, read: TableRead) -> bool:
    """A figures table in long form, one row per unit and indicator (乡镇 | 指标名称 | 目标值 | 完成时限 |
    责任股室): the rows of one indicator become one task with a value per unit; a column that differs by
    unit (完成时限) is kept per unit, one that does not (责任股室) once."""
    at = _unit_column(body, layout)
    if at is None or not body:
        return False

    def figures(c: int) -> bool:
        return mostly_figures([label_of(r.cells[c]) for r in body if c < len(r.cells) and r.cells[c] is not None])

    value = next((c for c, r in enumerate(layout.roles) if r in ("target", "content") and c != at and figures(c)), None)
    name = next((c for c, r in enumerate(layout.roles) if r in ("content", "item", "group") and c not in (at, value)),
                None)
    if name is None or value is None:
        return False
    rows = [r for r in body if all(c < len(r.cells) and r.cells[c] is not None for c in (at, name, value))]
    keys: list[tuple[str, str]] = []
    for r in rows:  # a merged unit cell, flattened, leaves the rows under it empty: they are the same unit's
        keys.append((label_of(r.cells[at]) or (keys[-1][0] if keys else ""), label_of(r.cells[name])))
    names = list(dict.fromkeys(k[1] for k in keys if k[1]))
    units = list(dict.fromkeys(k[0] for k in keys if k[0]))
    if len(units) < 2 or len(names) < 2 or len(names) * 2 > len(rows):
        return False
    owners = [c for c, r in enumerate(layout.roles) if r == "responsible"]
    others = [c for c in range(len(layout.labels)) if c not in (at, name, value, *owners) and layout.roles[c] != "seq"]
    read.layout.units = units
    by_name: dict[str, list[tuple[str, GridRow]]] = {}
    for row, (unit, item) in zip(rows, keys, strict=True):
        if item and unit:
            by_name.setdefault(item, []).append((unit, row))
    for k, item in enumerate(names, start=1):
        group = by_name[item]
        first = group[0][1]
        task = Task(
            id=task_id(table, k, 1), group_no=k, group=item, seq=1, content=item,
            responsible=list(dict.fromkeys(
                cell_text(x) for _, r in group for o in owners if (x := _cell(r, o)) is not None and x.lines)),
            districts={}, lines=(first.line, group[-1][1].last), table=table,
        )
        for unit, r in group:
            cell = _cell(r, value)
            if cell is not None:
                task.districts[unit], task.cell_lines[unit] = cell_text(cell), cell.span  # type: ignore[index]
        head = _cell(first, name)
        if head is not None:
            task.cell_lines["content"] = head.span
        for c in others:
            per_unit = {unit: cell_text(x) for unit, r in group if (x := _cell(r, c)) is not None and x.lines}
            if len(set(per_unit.values())) == 1:
                task.extra[layout.labels[c]] = next(iter(per_unit.values()))
            elif per_unit:
                task.extra[layout.labels[c]] = "；".join(f"{u}：{v}" for u, v in per_unit.items())
        read.tasks.append(task)
    return True


def mostly_figures(cells: list[str]) -> bool:
    """Whether four in five of a column's filled cells are figures (120张, 95%, --), and at least half its
    cells are filled: a column of values, where an empty cell is a unit without the task."""
    filled = [x for x in cells if x.strip()]
    return (len(filled) >= 2 and len(filled) * 2 >= len(cells)
            and sum(bool(FIGURE.match(x)) for x in filled) * 5 >= 4 * len(filled))


def _cell(row: GridRow, column: int) -> GridCell | None:
    return row.cells[column] if column < len(row.cells) else None


def _unit_column(body: list[GridRow], layout: Layout) -> int | None:
    """The column that lists the units down the rows: its label names a kind of unit (地区), or most of
    its cells are places (海安市, 三星镇)."""
    if (at := layout.index("unit")) is not None:
        return at
    for c in range(len(layout.labels)):
        names = [label_of(r.cells[c]) for r in body if c < len(r.cells) and r.cells[c] is not None]
        if names and sum(is_place(x) for x in names) * 2 > len(names):
            return c
    return None


def transposed_rows(body: list[GridRow], layout: Layout, table: int, read: TableRead) -> bool:
    """A figures table with the units down the rows and one task per column (地区 | 新增养老床位（张） | …):
    read as one task per figure column, each with a value per unit and the 合计 row as its total."""
    at = _unit_column(body, layout)
    if at is None or not body:
        return False
    rows = [r for r in body if at < len(r.cells) and (cell := r.cells[at]) is not None and cell.lines]
    # 合计, 全市 — and 街道目标 / 全县目标: the figure for the whole area, one per column
    totals = [r for r in rows
              if role_of(label_of(r.cells[at])) == "total" or is_area_target(label_of(r.cells[at]))]
    # Rows that say something about every column (牵头科室 | 养老服务科 | …, 完成时限 | 10月底前 | …), often a
    # `<tfoot>`.
    attributes = [r for r in rows if r not in totals and label_role(label_of(r.cells[at])) in ATTRIBUTE_ROLES]
    units = [r for r in rows if r not in totals and r not in attributes]

    def figures(c: int) -> bool:
        return mostly_figures([label_of(r.cells[c]) if c < len(r.cells) and r.cells[c] is not None else ""
                               for r in units])

    columns = [c for c in range(len(layout.labels)) if c != at and layout.roles[c] != "seq" and figures(c)]
    if len(units) < 2 or not columns:
        return False
    names = [label_of(r.cells[at]) for r in units]
    read.layout.units = list(dict.fromkeys(names))
    for k, c in enumerate(columns, start=1):
        label = layout.labels[c]
        parent = layout.parents[c] if c < len(layout.parents) else None
        cells = {n: r.cells[c] for n, r in zip(names, units, strict=True) if c < len(r.cells)}
        task = Task(
            id=task_id(table, k, 1), group_no=k, group=parent or label, seq=1, content=label,
            responsible=[], districts={n: (cell_text(x) if x is not None else "") for n, x in cells.items()},
            lines=(units[0].line, (totals or units)[-1].line), cell_lines={"content": (units[0].line, units[0].line)},
            table=table,
        )
        task.cell_lines.update({n: x.span for n, x in cells.items() if x is not None})
        for total in totals:
            value = total.cells[c] if c < len(total.cells) else None
            if value is not None:
                name = label_of(total.cells[at])
                task.extra[name], task.cell_lines[name] = cell_text(value), value.span
        for row in attributes:
            value = _cell(row, c)
            if value is None or not value.lines:
                continue
            name = label_of(row.cells[at])
            if label_role(name) == "responsible":
                task.responsible += [x.text for x in responsible_lines(value)]
            else:
                task.extra[name] = cell_text(value)
            task.cell_lines[name] = value.span
        read.tasks.append(task)
    return True


ATTRIBUTE_ROLES = ("responsible", "cooperating", "deadline", "note")


# A dated step inside one schedule cell: `3月底前：…；6月底前：…`, `2026年9月30日前：…`, `二季度：…`, `年底前：…`.
STEP = re.compile(
    r"(?:^|(?<=[；;。，,\n]))\s*(?P<when>(?:\d{4}\s*年)?\s*(?:\d{1,2}\s*月(?:\s*\d{1,2}\s*日|底|末|中旬|上旬|下旬|份)?"
    r"|第?[一二三四1-4]季度(?:末|底)?|[上下]半年|年底|年末)\s*(?:之?前)?)\s*[：:]")
YEAR_END = re.compile(r"^(?:\d{4}年)?(?:年底|年末)(?:之?前)?$")


def schedule_steps(text: str) -> list[tuple[Period, str]]:
    """The dated steps one cell lists (`3月底前：完成选址；6月底前：建成2个`), each with the period it names."""
    marks = list(STEP.finditer(text))
    out: list[tuple[Period, str]] = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        step = text[m.end() : end].strip().rstrip("；;。，, \n")
        when = re.sub(r"\s+", "", m.group("when"))
        if YEAR_END.match(when):
            period: Period | None = Period(code="M12", label=when, months=(12, 12))
        else:
            period = _checkpoint(when)
        if period is not None and step:
            out.append((period.model_copy(update={"label": when}), step))
    return out


def schedule_rows(body: list[GridRow], layout: Layout, table: int, read: TableRead) -> bool:
    """A milestone table whose steps share one cell per row (县（市、区） | 项目名称 | 年度目标 | 时间节点及进度安排:
    `3月底前：…；6月底前：…`): each dated step becomes the row's milestone for the period it names."""
    at = _unit_column(body, layout)
    if at is None or not body:
        return False
    item = next((c for c, r in enumerate(layout.roles) if r in ("item", "group", "content") and c != at), None)

    def steps_of(row: GridRow, c: int) -> list[tuple[Period, str]]:
        cell = _cell(row, c)
        return schedule_steps("\n".join(ln.text for ln in cell.lines)) if cell is not None else []

    when = next((c for c in range(len(layout.labels)) if c not in (at, item)
                 and sum(len(steps_of(r, c)) >= 2 for r in body) * 5 >= 4 * len(body)), None)
    if item is None or when is None:
        return False
    target = next((c for c, r in enumerate(layout.roles) if r == "target" and c not in (at, item, when)), None)
    owners = owner_columns(layout, at, when)
    periods: dict[str, Period] = {}
    for k, row in enumerate(body, start=1):
        unit, name, plan = _cell(row, at), _cell(row, item), _cell(row, when)
        if name is None or not name.lines or plan is None:
            read.warnings.append((row.line, f"attachment {table}: a schedule row with no item; skipped"))
            continue
        no_cell = cell_of(row, layout, "seq")
        no = int(label_of(no_cell)) if no_cell is not None and label_of(no_cell).isdigit() else k
        milestones: dict[str, list[str]] = {}
        spans: dict[str, Lines] = {"item": name.span}
        for period, text in steps_of(row, when):
            periods.setdefault(period.code, period)
            milestones.setdefault(period.code, []).append(text)
            spans[period.code] = next(((ln.no, ln.no) for ln in plan.lines if text[:8] in ln.text), plan.span)
        goal = _cell(row, target) if target is not None else None
        if goal is not None:
            spans["target"] = goal.span
        extra: dict[str, str] = {}
        for c in owners:
            if (x := _cell(row, c)) is not None and x.lines:
                extra[layout.labels[c]], spans[layout.labels[c]] = cell_text(x), x.span
        rid = reform_id(table, no)
        if any(r.id == rid for r in read.reforms):
            rid += f"-{len(read.reforms) + 1}"
        read.reforms.append(Reform(
            id=rid, no=no, district=unit.flat if unit is not None else "", item=name.flat,
            targets=cell_items_of(goal) if goal is not None else [], milestones=milestones,
            lines=((no_cell or name).span[0], row.last), cell_lines=spans, extra=extra, table=table,
        ))
    share_periods(read, periods)
    return bool(read.reforms)


UNITS_DOWN_THE_ROWS = (schedule_rows, timeline_rows, long_rows, transposed_rows)
"""The readings of a table whose units run down a column, tried in turn (the first that fits wins)."""
