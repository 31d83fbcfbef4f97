"""Dated obligations: every "by when" the plan states, as records with the date it resolves to.

Read from the stored plan, so any plan of the field gets them: a row's 完成时限-like cell, the dated steps
inside a row's cells (5月底前完成情况摸底), each milestone cell (due at the end of its period: 二季度 →
June 30, 1—3月 → March 31, 6月底前 → June 30), and the body's dated sentences. Each record keeps the
chunk it is cited from, the exact words quoted, the unit it binds (or none for the whole plan) and the
page lines, so a due-by answer, the API and a calendar all say the same thing.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from assistant.chunks import Chunk
from assistant.models import QUARTER_LABELS, Plan

# (pattern, how it resolves): the first date expression of a text decides its due date.
_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日(?:之)?前")
_MONTH_PART = re.compile(r"(\d{1,2})\s*月(?:\s*(上旬|中旬|下旬|底|末|份))?(?:之)?前|(\d{1,2})\s*月(?:底|末|份)")
_MONTH_RANGE = re.compile(r"(\d{1,2})\s*[-—–~至到]\s*(\d{1,2})\s*月")
_YEAR_END = re.compile(r"年底|年末|年内|全年|12月31日")
_HALF = re.compile(r"(上|下)半年")
_QUARTER = re.compile(r"(?:第)?([一二三四1-4])\s*季度|\bQ([1-4])\b")
QUARTER_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
PART_DAYS = {"上旬": 10, "中旬": 20}


@dataclass(frozen=True)
class Obligation:
    """One dated obligation: what is due, by when, for whom, and where the plan says so."""

    due: date
    when: str  # the date words as the page writes them (5月底前, 完成时限: 11月底前, 二季度)
    text: str  # what is due, quoted verbatim from the cited chunk
    kind: str  # column | step | milestone | body
    record: str  # the chunk id a citation names
    label: str  # the citation's label
    unit: str | None  # the unit it binds; None for the whole plan
    lines: tuple[int, int]

    @property
    def key(self) -> tuple[date, str, str]:
        return self.due, self.unit or "", self.record


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def resolve(text: str, year: int) -> tuple[date, str] | None:
    """The due date of the first date expression in `text`, with the words that gave it."""
    found = resolve_all(text, year)
    return (found[0][1], found[0][2]) if found else None


def resolve_all(text: str, year: int) -> list[tuple[int, date, str]]:
    """Every date expression of `text` as (offset, due date, words), in text order."""
    found: list[tuple[int, date, str]] = []
    if m := _MONTH_RANGE.search(text):
        end = int(m.group(2))
        if 1 <= end <= 12:
            found.append((m.start(), month_end(year, end), m.group(0)))
    for m in _DAY.finditer(text):
        month, day = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
            found.append((m.start(), date(year, month, day), m.group(0)))
    for m in _MONTH_PART.finditer(text):
        month = int(m.group(1) or m.group(3))
        if not 1 <= month <= 12 or any(start <= m.start() < start + len(words) for start, _, words in found):
            continue
        part = m.group(2) or ""
        due = date(year, month, PART_DAYS[part]) if part in PART_DAYS else month_end(year, month)
        found.append((m.start(), due, m.group(0)))
    if m := _HALF.search(text):
        found.append((m.start(), month_end(year, 6 if m.group(1) == "上" else 12), m.group(0)))
    if m := _QUARTER.search(text):
        found.append((m.start(), month_end(year, 3 * QUARTER_NUMBERS[m.group(1) or m.group(2)]), m.group(0)))
    if m := _YEAR_END.search(text):
        found.append((m.start(), date(year, 12, 31), m.group(0)))
    spans = sorted(found, key=lambda x: (x[0], -len(x[2])))
    out: list[tuple[int, date, str]] = []
    for start, due, words in spans:  # 12月31日 is one expression, not also 年底 inside it
        if not out or start >= out[-1][0] + len(out[-1][2]):
            out.append((start, due, words))
    return out


def plan_year(plan: Plan) -> int | None:
    """The year the plan's dates fall in."""
    from assistant.answering.view import plan_years

    years = sorted(plan_years(plan))
    return years[0] if years else None


def obligations(plan: Plan, chunks: dict[str, Chunk]) -> list[Obligation]:
    """Every dated obligation of the plan, in due order (then unit, then record)."""
    year = plan_year(plan)
    if year is None:
        return []
    from assistant.answering.view import sentences_of
    from assistant.compose import dated_columns, reform_label, task_label
    from assistant.lookup import DEADLINE, deadline_items

    out: list[Obligation] = []

    def add(due_words: tuple[date, str] | None, text: str, kind: str, record: str, label: str,
            unit: str | None, when: str | None = None) -> None:
        chunk = chunks.get(record)
        if due_words is None or chunk is None or text not in chunk.text:
            return  # a record the answer could not quote is no record
        out.append(Obligation(due=due_words[0], when=when or due_words[1], text=text, kind=kind, record=record,
                              label=label, unit=unit, lines=chunk.lines))

    for t in plan.tasks:
        for column, value in dated_columns(t.extra):
            add(resolve(value, year), t.content, "column", t.id, task_label(t), None, f"{column}: {value}")
        for item in deadline_items(t.citywide or ""):
            add(resolve(item, year), item, "step", t.id, task_label(t), None)
        for unit, cell in (t.districts or {}).items():
            for item in deadline_items(cell):
                add(resolve(item, year), item, "step", t.id, task_label(t, unit), unit)
    periods = {p.code: p for p in plan.periods}
    for r in plan.reforms:
        for code, items in r.milestones.items():
            period = periods.get(code)
            if period is None or not items:
                continue
            # Said as the milestone chunk says it (四季度 for Q4, the page's own label for other periods), so the
            # answer's date words are in what it cites.
            due = (month_end(year, period.months[1]), QUARTER_LABELS.get(code) or plan.period_label(code))
            for item in items:
                add(due, item, "milestone", f"{r.id}-{code.lower()}", reform_label(r, code), r.district or None)
    for c in chunks.values():
        if c.kind not in ("subsection", "chapter", "preamble", "notice") or not c.body:
            continue
        for sentence in sentences_of(c.body):
            if deadline_items(sentence):
                label = "正文 · " + (c.section_path[-1] if c.section_path else c.id)
                for _, on, said in resolve_all(sentence, year):  # 6月25日前、12月10日前分别报送: two dates
                    if DEADLINE.search(said):  # a date, not a period of the work (上半年和全年工作)
                        add((on, said), sentence, "body", c.id, label, None)
    return sorted(out, key=lambda o: o.key)


def status_of(o: Obligation, as_of: date) -> str:
    """overdue (its date has passed), due (this month), or upcoming."""
    if o.due < as_of:
        return "overdue"
    if (o.due.year, o.due.month) == (as_of.year, as_of.month):
        return "due"
    return "upcoming"


def select(records: list[Obligation], unit: str | None = None, start: date | None = None, end: date | None = None,
           status: str | None = None, as_of: date | None = None) -> list[Obligation]:
    """The records of one unit (plus those of the whole plan), inside [start, end], of one status."""
    today = as_of or date.today()
    return [o for o in records
            if (unit is None or o.unit in (None, unit))
            and (start is None or o.due >= start) and (end is None or o.due <= end)
            and (status in (None, "all") or status_of(o, today) == status)]
