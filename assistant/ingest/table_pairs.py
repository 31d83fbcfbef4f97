"""An attachment printed as two tables of different headers: read apart, then joined.

The usual pair is a task list (序号 | 工作任务 | 全区目标 | 责任科室 | 完成时限) followed by its breakdown with
the units down the rows and one figure column per task (街道 | 低保入户复核（户） | 家庭养老床位（张） | …).
The breakdown's columns are the list's tasks: each column's unit figures and 合计 join the task it
names (by its words, or by position when the columns are the tasks one for one). Tables that are no such
pair keep their records side by side.
"""

from __future__ import annotations

import re

from assistant.ingest.tables import TableRead
from assistant.models import Task
from assistant.text import char_pairs, normalize

BREAKDOWN_LABEL = "分解表栏目"  # the breakdown column's own label, which may name its measure (新建/改造，块)
MEASURE = re.compile(r"[（(][^）)]*[）)]")  # 低保入户复核（户）: the measure in brackets is no part of the name


def join_reads(first: TableRead, other: TableRead) -> None:
    """Fold `other` (a later table of the same attachment, with its own header) into `first`."""
    pairs = _breakdown_pairs(first.tasks, other.tasks)
    if pairs:
        for task, column in pairs:
            task.districts = column.districts
            task.cell_lines.update({k: v for k, v in column.cell_lines.items() if k != "content"})
            for name, value in column.extra.items():
                task.extra.setdefault(name, value)
            task.extra.setdefault(BREAKDOWN_LABEL, column.content)
            task.lines = (task.lines[0], max(task.lines[1], column.lines[1]))
    else:
        first.tasks += other.tasks
    first.layout.units = list(dict.fromkeys([*first.layout.units, *other.layout.units]))
    first.reforms += other.reforms
    first.rows += other.rows
    first.warnings += other.warnings


def _breakdown_pairs(tasks: list[Task], columns: list[Task]) -> list[tuple[Task, Task]]:
    """(task, figure column) pairs when `columns` break down `tasks`: the tasks have no unit figures, the
    columns have nothing but, and each column names one task (or they match one for one in order)."""
    if not tasks or not columns or any(t.districts for t in tasks):
        return []
    if any(not c.districts or c.responsible for c in columns):
        return []
    named = [_named_task(c, tasks) for c in columns]
    if all(t is not None for t in named) and len({id(t) for t in named}) == len(named):
        return [(t, c) for t, c in zip(named, columns, strict=True) if t is not None]
    if len(columns) == len(tasks):
        return list(zip(tasks, columns, strict=True))
    return []


def _named_task(column: Task, tasks: list[Task]) -> Task | None:
    """The one task whose name shares most character pairs with the column's label, if any does."""
    label = _pairs(MEASURE.sub("", column.content))

    def shared(t: Task) -> int:
        return len(label & _pairs(f"{t.group} {t.content}"))

    scores = sorted(((shared(t), k) for k, t in enumerate(tasks)), reverse=True)
    if not scores or scores[0][0] == 0 or len(scores) > 1 and scores[1][0] == scores[0][0]:
        return None
    return tasks[scores[0][1]]


def _pairs(text: str) -> set[str]:
    return char_pairs(re.sub(r"[^\u4e00-\u9fff]", "", normalize(text)))
