"""Structured answers over the reconstructed tables: values, rankings and sums computed in code.

Nothing here guesses: a row whose values cannot be tied to districts yields no per-district value,
and a `--` cell is reported as not applicable rather than zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from assistant.lexicon import vocabulary
from assistant.models import Plan, Reform, Task

QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(萬)?([^\d\s]*?)(以上)?$")
# A due date as sentences and cells write it: 6月底前, 9月30日前, 年底前, 年内.
DUE_DATE = re.compile(r"\d{1,2}\s*月(?:\d{1,2}\s*日|底|中旬|上旬|下旬)?前|年底前|年内|\d{1,2}\s*月底")
DEADLINE = re.compile(r"(\d{1,2})月(?:\d{1,2}日|底|份|中旬|上旬|下旬)?(?:之)?前|年底前|(\d{1,2})-(\d{1,2})月份?")


@dataclass(frozen=True)
class Quantity:
    """A district cell read as a number: `20個以上` is at least 20 個."""

    value: Decimal
    unit: str
    at_least: bool = False

    def __str__(self) -> str:
        text = format(self.value.normalize(), "f")
        return f"{text}{self.unit}" + ("以上" if self.at_least else "")


def parse_quantity(cell: str) -> Quantity | None:
    """The number in a district cell, or None for `--` and for text cells."""
    m = QUANTITY.match(cell.strip())
    if not m:
        return None
    value = Decimal(m.group(1)) * (10000 if m.group(2) else 1)
    return Quantity(value=value, unit=m.group(3), at_least=bool(m.group(4)))


def numeric_tasks(plan: Plan) -> list[Task]:
    """Tasks whose district cells are (mostly) numbers: the ones aggregates make sense for."""
    out = []
    for t in plan.tasks:
        values = t.districts or t.unit_values or {}
        if values and sum(1 for v in values.values() if parse_quantity(v)) >= 2:
            out.append(t)
    return out


@dataclass(frozen=True)
class Ranked:
    """Districts ordered by a task's values, with the cells that are not numbers set aside."""

    task: Task
    order: list[tuple[str, Quantity]]
    skipped: list[tuple[str, str]]
    unit: str

    @property
    def total(self) -> Quantity:
        at_least = any(q.at_least for _, q in self.order)
        return Quantity(sum((q.value for _, q in self.order), Decimal(0)), self.unit, at_least)

    def top(self) -> list[tuple[str, Quantity]]:
        """All districts tied for the highest value."""
        best = self.order[0][1].value
        return [(d, q) for d, q in self.order if q.value == best]

    def bottom(self) -> list[tuple[str, Quantity]]:
        """All districts tied for the lowest value."""
        worst = self.order[-1][1].value
        return [(d, q) for d, q in self.order if q.value == worst]


def rank(task: Task, include_city_level: bool = True) -> Ranked:
    """Districts (or, for the lottery row, the units it lists) by value, highest first."""
    cells = task.districts or task.unit_values or {}
    numeric: list[tuple[str, Quantity]] = []
    skipped: list[tuple[str, str]] = []
    for name, cell in cells.items():
        q = parse_quantity(cell)
        if q is None or (not include_city_level and task.districts is None and name not in vocabulary().units):
            skipped.append((name, cell))
        else:
            numeric.append((name, q))
    numeric.sort(key=lambda item: item[1].value, reverse=True)
    unit = numeric[0][1].unit if numeric else ""
    return Ranked(task=task, order=numeric, skipped=skipped, unit=unit)


def district_value(task: Task, district: str) -> str | None:
    """The cell for a district: its own column, or its share of a per-unit sentence."""
    if task.districts and district in task.districts:
        return task.districts[district]
    if task.unit_values and district in task.unit_values:
        return task.unit_values[district]
    return None


def periods_for(plan: Plan, quarters: list[str]) -> list[str]:
    """The plan's milestone periods that overlap the quarters a question names (all when it names none).

    A quarterly table answers Q3 with its Q3 column; a table by halves answers it with 下半年, one by
    months with the months of Q3.
    """
    codes = plan.period_codes
    if not quarters:
        return codes
    if all(q in codes for q in quarters):
        return list(quarters)
    wanted = [(3 * int(q[1]) - 2, 3 * int(q[1])) for q in quarters if q[:1] == "Q" and q[1:].isdigit()]
    return [p.code for p in plan.periods if any(p.months[0] <= b and a <= p.months[1] for a, b in wanted)]


def reforms_of(plan: Plan, district: str) -> list[Reform]:
    """Every reform row of a district, in table order (a district can have two or three)."""
    return [r for r in plan.reforms if r.district == district]


def cell_items(text: str) -> list[str]:
    """A cell's items: its lines, and the sentences or clauses a 。 or ； ends."""
    return [line.strip() for line in re.split(r"\n|(?<=[;；。])", text) if line.strip()]


def deadline_items(text: str) -> list[str]:
    """The items of a cell that carry a date such as 「5月底前」「7-8月份」「年底前」."""
    return [item for item in cell_items(text) if DEADLINE.search(item)]
