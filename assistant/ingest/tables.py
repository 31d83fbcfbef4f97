"""Rebuild the two attachment tables from cell fragments of a flattened page (html.py reads real grids).

The flattened scrape puts each HTML cell fragment on its own line: cells that wrapped in the page
arrive as several lines, rows repeated after a page break arrive twice, and nothing marks where one
column ends. The rules here use what the table itself guarantees: a 主要內容 sentence is always
followed by its responsible units, a district breakdown has seven values, and numbered milestone
items restart at 1 in every cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.errors import ParseError
from assistant.models import DISTRICTS, QUARTERS, Lines, Reform, SourceLine, Task

UNIT_LINE = re.compile(r"(市|各|先鋒)[\u4e00-\u9fff]{1,8}")
UNIT_SUFFIXES = ("局", "會", "委", "聯", "隊", "位", "處", "站", "部", "院", "室", "辦", "所", "中心")
CJK_FRAGMENT = re.compile(r"[\u4e00-\u9fff]{1,4}")
SHORT_TAIL = re.compile(r"[\u4e00-\u9fff]{1,3}")
NUMBERED_ITEM = re.compile(r"^(\d+)\s*[.．、](?!\d)\s*")
UNIT_VALUE = re.compile(r"(市本級|溧陽市|金壇區|武進區|新北區|天寧區|鐘樓區|經開區)\s*(\d+(?:\.\d+)?\s*[億萬]?元)")
TASK_HEADER = ("序號", "工作名稱", "主要內容", "責任單位", "任務分解", *DISTRICTS)
REFORM_HEADER = (
    "序號", "轄市(區)", "改革事項", "任務目標", "實施方案和序時進度", "一季度", "二季度", "三季度", "四季度",
)


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


def skip_header(lines: list[SourceLine], header: tuple[str, ...], where: str) -> int:
    """Check the column header and return the index of the first body line."""
    texts = [ln.text for ln in lines[: len(header)]]
    if tuple(texts) != header:
        raise ParseError(f"{where}: expected the column header {' | '.join(header)}, found {' | '.join(texts)}")
    return len(header)


def is_unit_line(text: str) -> bool:
    """A 責任單位 fragment: a short name of a municipal body (市…局) or a collective (各…)."""
    return UNIT_LINE.fullmatch(text) is not None


def numbered(text: str) -> int | None:
    """The item number of a numbered list line (`1.`, `2 .`, `3、`), else None."""
    m = NUMBERED_ITEM.match(text)
    return int(m.group(1)) if m else None


def _continues_unit(prev: str, text: str) -> bool:
    """`支隊` after `市消防救援`: a short fragment completing a unit name that wrapped."""
    return is_unit_line(prev) and not prev.endswith(UNIT_SUFFIXES) and CJK_FRAGMENT.fullmatch(text) is not None


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
    """A clause that wrapped after a `;` inside one district's cell."""
    return prev.text.endswith((";", "；")) and numbered(prev.text) is None and numbered(cell.text) is None


def breakdown_cells(lines: list[SourceLine]) -> list[Cell]:
    """Join wrapped fragments only while there are more fragments than districts.

    Each pass undoes one kind of wrap (`4000`+`人次`, `20個`+`以上`, `…“平安邊界”`+`建設`, a clause
    after `;`); a pass is kept only when it is needed, so a row that already has seven cells, or a
    numbered city-wide list, is never re-joined.
    """
    cells = [Cell(ln.text, ln.no, ln.no) for ln in lines]
    for joins in (_is_tail, _after_semicolon):
        if len(cells) <= len(DISTRICTS):
            break
        cells = _merge_pass(cells, joins)
    return cells


def task_from_cells(
    group_no: int, group: str, seq: int, content: SourceLine, units: list[SourceLine], cells: list[Cell]
) -> Task:
    """Classify a breakdown: seven district values, a city-wide text, or values that cannot be placed."""
    task = Task(
        id=f"task-{group_no}-{seq}",
        group_no=group_no,
        group=group,
        seq=seq,
        content=content.text,
        responsible=join_units(units),
        lines=(content.no, cells[-1].last if cells else units[-1].no),
        cell_lines={"content": (content.no, content.no), "responsible": (units[0].no, units[-1].no)},
    )
    if not cells:
        raise ParseError(f"attachment 1, line {content.no}: task has no breakdown")
    if len(cells) == len(DISTRICTS):
        task.districts = {d: c.text for d, c in zip(DISTRICTS, cells, strict=True)}
        task.cell_lines.update({d: c.lines for d, c in zip(DISTRICTS, cells, strict=True)})
    elif len(cells) == 1 or all(numbered(c.text) is not None for c in cells):
        task.citywide = "\n".join(c.text for c in cells)
        task.cell_lines["citywide"] = (cells[0].first, cells[-1].last)
        values = dict(UNIT_VALUE.findall(task.citywide))
        if len(values) >= 2:
            task.unit_values = values
    else:
        task.unassigned_values = [c.text for c in cells]
        task.ambiguous = True
        task.cell_lines["unassigned"] = (cells[0].first, cells[-1].last)
    return task


def parse_task_table(lines: list[SourceLine]) -> list[Task]:
    """Attachment 1 from flattened lines (header included): one Task per sub-task row."""
    body = lines[skip_header(lines, TASK_HEADER, "attachment 1") :]
    n = len(body)
    content_idx = [
        k
        for k in range(n - 1)
        if not is_unit_line(body[k].text)
        and is_unit_line(body[k + 1].text)
        and not (k > 0 and _continues_unit(body[k - 1].text, body[k].text))
    ]
    if not content_idx:
        raise ParseError("attachment 1: no task rows found (a task sentence followed by its responsible units)")
    tasks: list[Task] = []
    group_no, group, seq = 0, "", 0
    start = 0
    for pos, k in enumerate(content_idx):
        # Lines before this content line: either the first group's number+title, or the previous
        # task's breakdown possibly followed by a new group's number and title.
        region = body[start:k] if pos == 0 else []
        if pos == 0:
            group_no, group = _group_header(region, 0, "attachment 1 start")
            seq = 0
        j = k + 1
        while j < n and (is_unit_line(body[j].text) or _continues_unit(body[j - 1].text, body[j].text)):
            j += 1
        units = body[k + 1 : j]
        end = content_idx[pos + 1] if pos + 1 < len(content_idx) else n
        values = body[j:end]
        next_header = _find_group_header(values, group_no)
        if next_header is not None:
            values, header_lines = values[:next_header], values[next_header:]
        else:
            header_lines = []
        seq += 1
        tasks.append(task_from_cells(group_no, group, seq, body[k], units, breakdown_cells(values)))
        if header_lines:
            new_no, new_title = _group_header(header_lines, group_no, f"attachment 1, line {header_lines[0].no}")
            if new_no != group_no:
                seq = 0
            elif new_title != group:
                raise ParseError(f"attachment 1: group {new_no} repeated with a different title: {new_title}")
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
    """A group's number and its (possibly wrapped) 工作名稱."""
    if len(lines) < 2 or not lines[0].text.isdigit():
        raise ParseError(f"{where}: expected a 序號 followed by a 工作名稱")
    no = int(lines[0].text)
    if no not in (current, current + 1):
        raise ParseError(f"{where}: 序號 {no} out of sequence after {current}")
    return no, "".join(ln.text for ln in lines[1:])


def split_numbered_cells(lines: list[SourceLine]) -> list[Cell]:
    """Cells of a reform row: a numbered list restarts at 1 in each cell; an unnumbered line is a cell."""
    cells: list[Cell] = []
    last_no: int | None = None
    for ln in lines:
        no = numbered(ln.text)
        if no is not None and no > 1 and last_no == no - 1 and cells:
            cells[-1].extend(ln, "\n")
        else:
            cells.append(Cell(ln.text, ln.no, ln.no))
        last_no = no
    return cells


def cell_items(text: str) -> list[str]:
    """A cell's list items with their `1.` markers removed; an unnumbered cell is one item."""
    return [NUMBERED_ITEM.sub("", part, count=1).strip() for part in text.split("\n")]


def parse_reform_table(lines: list[SourceLine]) -> list[Reform]:
    """Attachment 2 from flattened lines (header included): one Reform per row with Q1–Q4 items."""
    body = lines[skip_header(lines, REFORM_HEADER, "attachment 2") :]
    starts = [
        k for k in range(len(body) - 1) if body[k].text.isdigit() and body[k + 1].text in DISTRICTS
    ]
    if not starts:
        raise ParseError("attachment 2: no reform rows found (a 序號 followed by a district name)")
    reforms: list[Reform] = []
    for pos, k in enumerate(starts):
        end = starts[pos + 1] if pos + 1 < len(starts) else len(body)
        no, district = int(body[k].text), body[k + 1].text
        if no != pos + 1:
            raise ParseError(f"attachment 2, line {body[k].no}: row {no} out of sequence")
        cells = split_numbered_cells(body[k + 2 : end])
        title_cells, data = cells[:-5], cells[-5:]
        if not 1 <= len(title_cells) <= 2 or len(data) != 5:
            raise ParseError(
                f"attachment 2, row {no} (line {body[k].no}): expected 改革事項 + 任務目標 + four quarters, "
                f"found {len(cells)} cells"
            )
        reform = Reform(
            id=f"reform-{no}",
            no=no,
            district=district,
            item="".join(c.text for c in title_cells),
            targets=cell_items(data[0].text),
            milestones={q: cell_items(c.text) for q, c in zip(QUARTERS, data[1:], strict=True)},
            lines=(body[k].no, body[end - 1].no),
            cell_lines={
                "item": (title_cells[0].first, title_cells[-1].last),
                "target": data[0].lines,
                **{q: c.lines for q, c in zip(QUARTERS, data[1:], strict=True)},
            },
        )
        reforms.append(reform)
    return reforms
