"""Request and response models of the HTTP API, so /docs shows what the routes really take and give."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.chunks import Chunk
from assistant.models import ChatMessage, Citation, Finding, Hit, Reform, SourceLine, Task
from assistant.text import strip_controls

MODEL_ID = "plan-assistant"
MAX_CONTENT_CHARS = 20_000
"""Longest single message accepted (a whole earlier answer fits; the question limit is in Settings)."""


# ---- /api -------------------------------------------------------------------------------------
class ChatTurn(ChatMessage):
    """One turn: the last one is the question, earlier ones are context for follow-ups."""

    role: Literal["user", "assistant"] = Field(description="'user' for questions, 'assistant' for earlier answers.")
    content: str = Field(max_length=MAX_CONTENT_CHARS)

    @field_validator("content", mode="before")
    @classmethod
    def _visible(cls, value: Any) -> Any:
        """Control characters and lone surrogates dropped before the checks, as on /v1 (`strip_controls`)."""
        return strip_controls(value) if isinstance(value, str) else value


class ChatRequest(BaseModel):
    """A conversation; the answer is to its last message, which must be from the user."""

    messages: list[ChatTurn] = Field(
        description="Oldest first; the last message is the question.",
        examples=[[{"role": "user", "content": "三季度的改革进度?"}]],
    )
    plan: str | None = Field(
        None, description="Library: answer from this plan (an id from GET /api/plans); unset = the plan the "
        "question names (its year, issuer or places), else the default plan.",
    )


class StreamSegment(BaseModel):
    """Data of a `segment` event of /api/chat/stream: the next piece of the answer text."""

    text: str


class SearchResponse(BaseModel):
    """Hits for a query, best first; `degraded` is true when dense retrieval was unavailable (BM25 only)."""

    query: str
    hits: list[Hit]
    degraded: bool


class DeadlineRow(BaseModel):
    """One dated obligation: due date, status against `as_of`, the unit it binds (none: the whole plan),
    its kind (column, step, milestone, body), the date words, what is due, and the source to cite."""

    due: str
    status: Literal["overdue", "due", "upcoming"]
    unit: str | None
    kind: str
    when: str
    text: str
    source: str
    label: str
    lines: str


class DeadlinesResponse(BaseModel):
    """The plan's dated obligations in due order, narrowed by unit, date range and status."""

    as_of: str
    unit: str | None
    count: int
    deadlines: list[DeadlineRow]


class PlanCounts(BaseModel):
    """How many records the reconstructed plan holds."""

    sections: int
    tasks: int
    reforms: int
    findings: int
    chunks: int


class PlanInfo(BaseModel):
    """The plan's metadata (文件編號, 發布機構, dates, ...) and record counts."""

    metadata: dict[str, str]
    counts: PlanCounts
    findings_by_status: dict[str, int]
    districts: list[str]
    source_name: str
    source_sha256: str


class TaskRow(Task):
    """A task row of attachment 1; `value` is the filtered district's own target, when filtering."""

    value: str | None = None


class TasksResponse(BaseModel):
    """Task rows of attachment 1 (all, or those giving the district a value)."""

    district: str | None
    tasks: list[TaskRow]


class ReformsResponse(BaseModel):
    """Reform rows of attachment 2, milestones narrowed to the quarter when one is given."""

    district: str | None
    quarter: str | None
    reforms: list[Reform]


class AuditResponse(BaseModel):
    """Audit findings: mismatches and ambiguities first, then notes and agreeing checks."""

    findings: list[Finding]
    counts: dict[str, int]


class SourceResponse(Chunk):
    """A citable record: the chunk (its text and where it sits in the plan) and the raw lines it came from."""

    source_lines: list[SourceLine]


class Health(BaseModel):
    """Liveness: the process answers HTTP."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """Readiness: `ready` once the index is loaded; while loading, the current build stage and progress."""

    status: Literal["ready", "loading", "failed"]
    stage: str | None = None
    done: int = 0
    total: int = 0
    seconds: float = Field(description="Seconds since loading started (or that loading took, once ready).")
    error: str | None = None
    checks: dict[str, str] | None = Field(
        None, description="Once loaded: the self-check's verdict per check (lookup, answer, hybrid, dense).")
    problems: list[str] = Field(default_factory=list, description="What is wrong, even when still answering.")
    degraded: bool = Field(False, description="Dense search is unavailable; answers use the tables and BM25.")
    generation: str | None = Field(None, description="The index generation being answered from.")
    caches: dict[str, Any] | None = Field(None, description="Answer- and vector-cache counters, disk failures.")


class ReingestResponse(BaseModel):
    """What POST /admin/reingest did: which layers were rewritten; the new index now answers."""

    status: Literal["ok"] = "ok"
    plan_written: bool
    chunks: int
    chunks_written: bool
    vectors_upserted: int
    vectors_deleted: int
    seconds: float


class ErrorBody(BaseModel):
    """What went wrong, in words that say what to do."""

    type: str
    message: str


class ErrorResponse(BaseModel):
    """Every 4xx/5xx response of the API."""

    error: ErrorBody


# ---- /v1 (OpenAI chat format) ------------------------------------------------------------------
class TextPart(BaseModel):
    """A text part of a multi-part message (other part types are not supported)."""

    type: Literal["text"]
    text: str


class OpenAIMessage(BaseModel):
    """An OpenAI chat message; system/developer/tool messages are accepted and ignored."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        """The content as one string."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content)


class ChatCompletionRequest(BaseModel):
    """The subset of OpenAI's chat-completions request that matters here; other fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(MODEL_ID, description=f"{MODEL_ID!r} (scope from the question) or a plan id from "
                       "/v1/models (answer from that plan); any other name is treated as the first.")
    messages: list[OpenAIMessage]
    stream: bool = False


class CompletionMessage(BaseModel):
    """The assistant's reply; the content ends with the numbered sources line."""

    role: Literal["assistant"] = "assistant"
    content: str


class CompletionChoice(BaseModel):
    """The one choice returned."""

    index: int = 0
    message: CompletionMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    """An OpenAI `chat.completion`, plus the assistant's own `answerable`, `route` and `citations`."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[CompletionChoice]
    answerable: bool
    route: str
    citations: list[Citation]


class ModelCard(BaseModel):
    """One model of /v1/models."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "plan-assistant"


class ModelList(BaseModel):
    """OpenAI's model list: the one model this server speaks as."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


class PlanSummary(BaseModel):
    """One plan of the library."""

    id: str
    title: str
    issuer: str
    year: int | None
    doc_number: str
    source_name: str
    source_sha256: str
    units: list[str]
    added: str
    default: bool = Field(description="Questions that name no plan go to this one.")


class PlansResponse(BaseModel):
    """The plans this server answers about (one, for a single-plan index dir)."""

    default: str
    library: bool = Field(description="True when the index dir holds a library of plans.")
    plans: list[PlanSummary]
