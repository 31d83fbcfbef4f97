"""Unit columns headed by short names: a table whose columns read 城關 / 七里河 / 皋蘭 while the page writes
城關區, 七里河區, 皋蘭縣 elsewhere.

The columns' labels name no kind of place, so the column reader keeps them as other columns. A label that
the page writes, somewhere, followed by a place suffix (in one way only) is read as that unit, and the
table's columns of such labels become its unit breakdown under the full names.
"""

from __future__ import annotations

import re
from collections import Counter

from assistant.ingest.columns import _vocabulary, fold_label, is_place, role_of
from assistant.models import NOT_APPLICABLE_CELL, Task
from assistant.text import to_simplified

MIN_COLUMNS = 2  # one column that happens to expand is no breakdown
FIGURE = re.compile(r"^\s*[\d,，.]+\s*[\u4e00-\u9fff%]{0,3}\s*$")


def full_name(label: str, text: str, folded: str | None = None) -> str | None:
    """The one full name the page writes for a short label (城關 → 城關區), or None when it writes none
    or several. `folded` is the text in Simplified, when the caller has it already."""
    places: tuple[str, ...] = _vocabulary()["places"]  # type: ignore[assignment]
    suffixes = "|".join(re.escape(s) for s in sorted(places, key=len, reverse=True))
    # Matched across scripts (the suffixes are Simplified); the name is taken as the page writes it.
    folded = to_simplified(text) if folded is None else folded
    same_length = len(folded) == len(text)
    pattern = rf"{re.escape(to_simplified(label))}[\u4e00-\u9fff]{{0,2}}?(?:{suffixes})"
    found = Counter(text[m.start():m.end()] if same_length else m.group(0) for m in re.finditer(pattern, folded))
    names = [n for n in found if n != label and is_place(n)]
    return names[0] if len(names) == 1 else None


def expand_short_units(tasks: list[Task], text: str) -> list[str]:
    """Move a task table's short-named unit columns from `extra` into `districts` under their full names;
    the full names, in column order (empty when the table has no such columns)."""
    if not tasks or any(t.districts for t in tasks):
        return []
    labels = [k for k in tasks[0].extra if all(k in t.extra for t in tasks)]
    figures = [k for k in labels if role_of(k) is None and len(fold_label(k)) >= 2
               and all(FIGURE.match(v) or NOT_APPLICABLE_CELL.match(v.strip()) or not v.strip()
                       for v in (t.extra[k] for t in tasks))]
    folded = to_simplified(text) if figures else ""  # once for the table, not once per column
    expanded = {k: n for k in figures if (n := full_name(k, text, folded)) is not None}
    if len(expanded) < MIN_COLUMNS:
        return []
    # A figure column between two that name units is a unit the page never writes in full (紅古): its label.
    first, last = labels.index(next(iter(expanded))), labels.index(list(expanded)[-1])
    names = {k: expanded.get(k, k) for k in labels[first:last + 1] if k in figures}
    for t in tasks:
        t.districts = {names[k]: t.extra.pop(k) for k in list(t.extra) if k in names}
        for short, name in names.items():
            if short in t.cell_lines:
                t.cell_lines[name] = t.cell_lines.pop(short)
    return list(names.values())
