"""Typed records of the reconstructed plan. Every record keeps the raw line span it came from."""

from __future__ import annotations

from pydantic import BaseModel, Field

DISTRICTS: tuple[str, ...] = ("溧陽市", "金壇區", "武進區", "新北區", "天寧區", "鐘樓區", "經開區")
QUARTERS: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4")
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
    """A kept raw line with its 1-based number."""

    no: int
    text: str


class Section(BaseModel):
    """A paragraph of the notice or body, placed in the section tree by `path`."""

    id: str
    path: list[str]
    kind: str
    heading: str
    text: str
    lines: Lines


class Task(BaseModel):
    """One sub-task row of attachment 1 (重點任務清單)."""

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


class Reform(BaseModel):
    """One row of attachment 2 (改革攻堅事項清單) with its quarterly milestones."""

    id: str
    no: int
    district: str
    item: str
    targets: list[str]
    milestones: dict[str, list[str]]
    lines: Lines
    cell_lines: dict[str, Lines] = Field(default_factory=dict)


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


class Answer(BaseModel):
    """What every interface returns: the answer, whether the plan answers it, how, and from where."""

    answer: str
    answerable: bool
    route: str
    citations: list[Citation] = Field(default_factory=list)
    degraded: bool = False
    flags: list[str] = Field(default_factory=list)


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
