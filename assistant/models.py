"""Typed records of the reconstructed plan. Every record keeps the raw line span it came from."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, model_validator

QUARTERS: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4")
NOT_APPLICABLE_CELL = re.compile(r"^(?:-{1,2}|—{1,2}|－{1,2}|/|／|无|不适用)$")
"""A whole cell that says 'not applicable' (--, —, /, 无): the one definition every layer uses."""


def not_applicable(value: str | None) -> bool:
    """Whether a unit's cell says the row does not apply to it: a mark (--, /, 无), or a cell left empty in
    a row whose other units have values (a `<td></td>` the table's note explains)."""
    return value is not None and (not value.strip() or NOT_APPLICABLE_CELL.match(value.strip()) is not None)


QUARTER_LABELS: dict[str, str] = {"Q1": "一季度", "Q2": "二季度", "Q3": "三季度", "Q4": "四季度"}

Lines = tuple[int, int]
"""1-based, inclusive line numbers in the raw document."""


class RemovedLine(BaseModel):
    """A raw line the cleaner dropped, and the rule that dropped it."""

    line: int
    text: str
    reason: str


class SuspectText(BaseModel):
    """Text that looks garbled (mojibake). Reported, never altered."""

    line: int
    text: str
    context: str
    reason: str


class CleanReport(BaseModel):
    """What cleaning removed and what it flagged."""

    removed: list[RemovedLine] = Field(default_factory=list)
    suspect: list[SuspectText] = Field(default_factory=list)


class SourceLine(BaseModel):
    """A kept raw line with its 1-based number (`raw`: the line as the page wrote it, indentation and all,
    for tables laid out in columns of spaces; empty where no such line exists)."""

    no: int
    text: str
    raw: str = ""


class ReaderWarning(BaseModel):
    """Something on the page the reader kept as text (or skipped) because it did not understand it."""

    line: int
    message: str


class Period(BaseModel):
    """A milestone column of a plan: a quarter, a half, a month or a month range, read from its label.

    `code` is Q1..Q4 for quarters (H1/H2 for halves, M3 or M1_3 for months); `months` is the inclusive
    month range it covers, so a question about 上半年 or "by June" finds it whatever the column is called.
    """

    code: str
    label: str
    months: tuple[int, int]


class Section(BaseModel):
    """A paragraph of the notice or body, placed in the section tree by `path`."""

    id: str
    path: list[str]
    kind: str
    heading: str
    text: str
    lines: Lines


class Task(BaseModel):
    """One sub-task row of a key-task table: content, responsible bodies, a value per unit column.

    `districts` maps each unit column (a 辖市/区, a 镇/街道 … as the header names it) to its cell;
    `extra` keeps the other columns the header names (完成时限, 配合单位, 备注 …) by their labels.
    """

    id: str
    group_no: int
    group: str
    seq: int
    content: str
    responsible: list[str]
    districts: dict[str, str] | None = None
    citywide: str | None = None
    unassigned_values: list[str] | None = None
    unit_values: dict[str, str] | None = None
    ambiguous: bool = False
    lines: Lines
    cell_lines: dict[str, Lines] = Field(default_factory=dict)
    extra: dict[str, str] = Field(default_factory=dict)
    table: int = 1


class Reform(BaseModel):
    """One row of a milestone table (e.g. 改革攻堅事項清單): a unit's item, targets and per-period steps."""

    id: str
    no: int
    district: str
    item: str
    targets: list[str]
    milestones: dict[str, list[str]]
    lines: Lines
    cell_lines: dict[str, Lines] = Field(default_factory=dict)
    extra: dict[str, str] = Field(default_factory=dict)
    table: int = 2


class GenericRow(BaseModel):
    """A row of a table that is neither a task nor a milestone table: header label → cell text."""

    id: str
    cells: dict[str, str]
    lines: Lines


class TableInfo(BaseModel):
    """One table of the page as the reader understood it: what kind, where, and its columns."""

    id: str
    kind: str
    attachment: int
    title: str
    columns: list[str]
    lines: Lines
    rows: list[GenericRow] = Field(default_factory=list)


class Finding(BaseModel):
    """An audit result: a mismatch, an ambiguity, or a total that was checked and agrees."""

    kind: str
    status: str
    message: str
    evidence: list[str]
    refs: list[str] = Field(default_factory=list)


class Plan(BaseModel):
    """The whole reconstructed plan, as ingest produces it and export writes it."""

    metadata: dict[str, str]
    sections: list[Section]
    tasks: list[Task]
    reforms: list[Reform]
    findings: list[Finding] = Field(default_factory=list)
    cleaning: CleanReport = Field(default_factory=CleanReport)
    source_name: str = ""
    source_sha256: str = ""
    units: list[str] = Field(default_factory=list)
    periods: list[Period] = Field(default_factory=list)
    tables: list[TableInfo] = Field(default_factory=list)
    warnings: list[ReaderWarning] = Field(default_factory=list)
    profile: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _shape_from_rows(self) -> Plan:
        """A plan built in code (a test, an older store) without units or periods gets them from its rows."""
        if not self.units:
            names = [u for t in self.tasks for u in (t.districts or {})] + [r.district for r in self.reforms]
            self.units = [u for u in dict.fromkeys(names) if u]
        if not self.periods:
            codes = dict.fromkeys(q for r in self.reforms for q in r.milestones)
            self.periods = [Period(code=q, label=QUARTER_LABELS[q], months=(3 * int(q[1]) - 2, 3 * int(q[1])))
                            for q in QUARTERS if q in codes]
        return self

    @property
    def period_codes(self) -> list[str]:
        """The milestone columns' codes in table order (Q1..Q4 for a quarterly table)."""
        return [p.code for p in self.periods]

    def period_label(self, code: str) -> str:
        """A period's column label as the page prints it."""
        return next((p.label for p in self.periods if p.code == code), code)


class ChatMessage(BaseModel):
    """One turn of a conversation, as clients send it."""

    role: str
    content: str


class Citation(BaseModel):
    """A numbered source: `text` is a verbatim substring of the record `id` names."""

    id: str
    label: str
    text: str
    location: str
    plan: str | None = Field(None, exclude_if=lambda v: v is None)
    """The library plan the record belongs to (set when the assistant holds several plans)."""


class Answer(BaseModel):
    """What every interface returns: the answer, whether the plan answers it, how, and from where."""

    answer: str
    answerable: bool
    route: str
    citations: list[Citation] = Field(default_factory=list)
    degraded: bool = False
    flags: list[str] = Field(default_factory=list)
    plan: str | None = Field(None, exclude_if=lambda v: v is None)
    """The library plan answered from (for a comparison, the newer one); None with a single plan."""


class Hit(BaseModel):
    """A retrieved chunk: `score` is the fused score (or the single retriever's, in bm25/dense mode);
    `sources` gives each retriever's 1-based rank for it. The retriever returns these and /api/search
    sends them as they are."""

    id: str
    text: str
    score: float
    kind: str
    district: str | None = None
    quarter: str | None = None
    lines: tuple[int, int]
    sources: dict[str, int] = Field(default_factory=dict)
