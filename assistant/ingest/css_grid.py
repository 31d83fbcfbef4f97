"""Tables laid out by CSS grid: a `<div role="table">` whose cells are its direct children, with no row
elements; the page's stylesheet says how many columns the grid has (`grid-template-columns`) and which
cell classes span rows or columns (`.rs2{grid-row:span 2}`).

Only the page's own rules are read, and rules inside `@media` blocks are left out (they restyle the
grid for phones, not the table's shape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)
MEDIA = re.compile(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", re.DOTALL)
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
LAST_CLASS = re.compile(r"\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?(?::[\w-]+)?\s*$")
TEMPLATE = re.compile(r"grid-template-columns\s*:\s*([^;]+)")
SPAN = re.compile(r"grid-(row|column)\s*:\s*span\s+(\d+)")
REPEAT = re.compile(r"repeat\(\s*(\d+)\s*,\s*([^()]*(?:\([^()]*\)[^()]*)*)\)")


@dataclass
class GridStyle:
    """Per class: the grid's column count, and the rows or columns a cell of the class spans."""

    columns: dict[str, int] = field(default_factory=dict)
    row_span: dict[str, int] = field(default_factory=dict)
    column_span: dict[str, int] = field(default_factory=dict)

    def columns_of(self, classes: set[str]) -> int:
        return max((self.columns[c] for c in classes if c in self.columns), default=0)

    def spans_of(self, classes: set[str]) -> tuple[int, int]:
        """(rowspan, colspan) of a cell with these classes."""
        rows = max((self.row_span[c] for c in classes if c in self.row_span), default=1)
        cols = max((self.column_span[c] for c in classes if c in self.column_span), default=1)
        return rows, cols


def track_count(value: str) -> int:
    """How many columns a `grid-template-columns` value makes (40px 1fr repeat(3, 1fr) → 5)."""
    total = 0
    for m in REPEAT.finditer(value):
        total += int(m.group(1)) * track_count(m.group(2))
    rest = REPEAT.sub(" ", value)
    depth, token, tokens = 0, "", []
    for ch in rest:
        depth += ch == "("
        depth -= ch == ")"
        if ch.isspace() and depth == 0:
            tokens.append(token)
            token = ""
        else:
            token += ch
    tokens.append(token)
    return total + sum(1 for t in tokens if t.strip())


def grid_style(raw: str) -> GridStyle:
    """The grid rules of the page's `<style>` blocks; the first rule for a class wins."""
    style = GridStyle()
    css = MEDIA.sub(" ", " ".join(STYLE.findall(raw)))
    for selectors, body in RULE.findall(css):
        for selector in selectors.split(","):
            m = LAST_CLASS.search(selector.strip())
            if not m:
                continue
            name = m.group(1).lower()
            if (t := TEMPLATE.search(body)) and name not in style.columns:
                style.columns[name] = track_count(t.group(1).strip())
            for axis, n in SPAN.findall(body):
                target = style.row_span if axis == "row" else style.column_span
                target.setdefault(name, int(n))
    return style


class GridRows:
    """Splits a grid's cells, in document order, into rows: a row is full when its cells and the cells
    spanning down from rows above fill every column."""

    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.below: list[int] = []  # per row to come: columns taken by cells spanning down into it
        self.used = 0

    def place(self, rowspan: int, colspan: int) -> bool:
        """Account for one cell; True when it starts a new row."""
        new_row = self.used == 0
        if new_row:
            self.used = self.below.pop(0) if self.below else 0
            new_row = True
        self.used += colspan
        for k in range(1, rowspan):
            while len(self.below) < k:
                self.below.append(0)
            self.below[k - 1] += colspan
        if self.used >= self.columns:
            self.used = 0
        return new_row
