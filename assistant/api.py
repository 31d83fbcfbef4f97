"""The HTTP service: REST and SSE chat, an OpenAI-compatible endpoint, plan browsing, and the web UI at /.

One `Assistant` per process, loaded off the event loop when the app starts (building the index first
if it is missing), so /healthz answers at once and the other routes say 503 "still loading" until
/readyz turns 200. Errors come back as {"error": {"type", "message"}} with the status their
`AssistantError` class names; bad input is a 4xx, never a 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any, Literal, cast

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.admin import add_admin_routes
from assistant.admin_plans import add_plan_admin_routes
from assistant.api_models import (
    MODEL_ID,
    AuditResponse,
    ChatCompletion,
    ChatCompletionRequest,
    ChatRequest,
    CompletionChoice,
    CompletionMessage,
    DeadlineRow,
    DeadlinesResponse,
    ErrorResponse,
    Health,
    ModelCard,
    ModelList,
    PlanCounts,
    PlanInfo,
    PlansResponse,
    PlanSummary,
    Readiness,
    ReformsResponse,
    SearchResponse,
    SourceResponse,
    StreamSegment,
    TaskRow,
    TasksResponse,
)
from assistant.config import Settings, get_settings
from assistant.docs import add_docs_routes
from assistant.edges import ErrorShapeMiddleware, NoUploadsMiddleware, PublicOriginMiddleware
from assistant.errors import AssistantError, InputError, NotFoundError
from assistant.guards import BodyLimitMiddleware, GuardError, RateLimitMiddleware
from assistant.lexicon import find_districts, resolve_quarter
from assistant.library.service import Library
from assistant.loader import AssistantLoader
from assistant.models import Answer, ChatMessage, Finding, Reform, SourceLine, Task, not_applicable
from assistant.public import public_message
from assistant.service import Assistant
from assistant.stream import split_segments

log = logging.getLogger(__name__)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 404, 408, 413, 422, 429, 503)
}
FINDING_ORDER = {"mismatch": 0, "ambiguous": 1, "info": 2, "checked": 3}


# The dependencies are `async def` because they only read app state: a plain `def` would be run in the
# thread pool, one hop per dependency per request.
async def get_loader(request: Request) -> AssistantLoader:
    """The app's loader."""
    return cast(AssistantLoader, request.app.state.loader)


async def get_library(loader: Annotated[AssistantLoader, Depends(get_loader)]) -> Library:
    """The loaded plans (a library of one for a single-plan index dir); 503 while loading."""
    return loader.get_library()


PlanParam = Annotated[str | None, Query(description="Library: a plan id from GET /api/plans; default: the "
                                                    "default plan.")]


def get_assistant(loader: Annotated[AssistantLoader, Depends(get_loader)], plan: PlanParam = None
                  ) -> Iterator[Assistant]:
    """One plan's Assistant, its names made the ones requests are read with for the request's duration.

    A plain `def`: waiting for another plan's questions to finish must not block the event loop.
    """
    library = loader.get_library()
    assistant = library.assistant(plan)
    with library.guard(plan):
        yield assistant


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
LibraryDep = Annotated[Library, Depends(get_library)]
LoaderDep = Annotated[AssistantLoader, Depends(get_loader)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


# ---- helpers ----------------------------------------------------------------------------------
def resolve_district(name: str, units: list[str]) -> str:
    """The plan's spelling of a unit named in either script or pinyin (昆山市, Kunshan → 崑山市)."""
    if name in units:
        return name
    found = [d for d in find_districts(name) if d in units]
    if len(found) != 1:
        raise InputError(f"unknown unit {name!r}; use one of {'、'.join(units)} (either script, or pinyin)")
    return found[0]


def task_value(task: Task, district: str) -> str | None:
    """The district's own value in a task row; `--` (not applicable) counts as none."""
    value = (task.districts or {}).get(district) or (task.unit_values or {}).get(district)
    return value if value and not not_applicable(value) else None


def check_conversation(messages: list[ChatMessage], settings: Settings) -> None:
    """Limits the Assistant itself does not check."""
    if len(messages) > settings.max_messages:
        raise InputError(f"{len(messages)} messages sent; the limit is {settings.max_messages}: drop older turns")


_ANSWERING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


def answering_limiter(threads: int) -> anyio.CapacityLimiter:
    """The running loop's limit on questions answered at once, waiters served in arrival order.

    Answering is CPU-bound Python: with forty threads at it (the default pool) every answer is stretched
    by every other and the slow ones wait seconds; a few at a time keep each answer short and the queue
    fair, for the same throughput.
    """
    loop = asyncio.get_running_loop()
    limiter = _ANSWERING.get(loop)
    if limiter is None:
        limiter = _ANSWERING[loop] = anyio.CapacityLimiter(threads)
    return limiter


async def answer_of(library: Library, messages: list[ChatMessage], plan: str | None = None) -> Answer:
    """A repeated conversation from the answer cache, on the event loop; anything else in a worker thread."""
    if plan is not None:
        library.shelved(plan)  # an unknown plan is a 404 before any work
    cached = library.cached_chat(messages, plan)
    if cached is not None:
        return cached
    limiter = answering_limiter(library.settings.answer_threads)
    return await anyio.to_thread.run_sync(library.chat, messages, plan, limiter=limiter)


def completion_id() -> str:
    """An id in OpenAI's style."""
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def openai_chunks(answer: Answer, cid: str, created: int) -> Iterator[str]:
    """The answer as chat.completion.chunk JSON strings; the last carries finish_reason and citations."""
    def chunk(delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "choices": [choice], **extra}
        return json.dumps(body, ensure_ascii=False)

    yield chunk({"role": "assistant", "content": ""})
    for segment in split_segments(answer.answer):
        yield chunk({"content": segment})
    citations = [c.model_dump() for c in answer.citations]
    yield chunk({}, "stop", answerable=answer.answerable, route=answer.route, citations=citations)


def location_of(loc: tuple[Any, ...]) -> str:
    """('body', 'messages', 0, 'role') → 'messages[0].role'; query/path parameters are named as such."""
    where, *rest = loc or ("body",)
    path = ""
    for part in rest:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    if where in ("query", "path", "header"):
        return f"{where} parameter {path}"
    return path or "request body"


def invalid_json(exc: RequestValidationError) -> bool:
    """True when the body could not be parsed as JSON at all (a 400, as the README says, not a 422)."""
    return any(e.get("type") == "json_invalid" for e in exc.errors())


def validation_message(request: Request, exc: RequestValidationError) -> str:
    """Pydantic's errors as one readable sentence, with the fix for the two common wire-level mistakes."""
    errors = exc.errors()
    if invalid_json(exc):
        return "the request body is not valid JSON; send a JSON object such as {\"messages\": [...]}"
    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and "json" not in content_type:
        return f"send the body as JSON with the header Content-Type: application/json (got {content_type or 'none'!r})"
    problems = [f"{location_of(tuple(e.get('loc', ())))}: {e.get('msg', 'invalid')}" for e in errors]
    return "; ".join(problems) or "invalid request"


def error_response(
    status: int, kind: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The one error shape; 503 says when to retry, 401 which scheme to use."""
    headers = dict(headers or {})
    if status == 503:
        headers.setdefault("Retry-After", "5")
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    body = {"error": {"type": kind, "message": public_message(message), **extra}}
    return JSONResponse(body, status_code=status, headers=headers)


def http_error_message(exc: StarletteHTTPException) -> str:
    """Starlette's detail, or for an unreadable body what to send instead."""
    if isinstance(exc.__cause__, UnicodeDecodeError):
        return "the request body is not valid UTF-8; send JSON encoded as UTF-8, such as {\"messages\": [...]}"
    if exc.status_code == 400 and exc.__cause__ is not None:
        return "the request body could not be read (it is nested too deeply or malformed); send a plain JSON object"
    return str(exc.detail)


def snake(name: str) -> str:
    """InputError → input_error."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure to {"error": {"type", "message"}} with a fitting status."""

    @app.exception_handler(AssistantError)
    async def assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        return error_response(exc.status_code, snake(type(exc).__name__), str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        if invalid_json(exc):
            return error_response(400, "invalid_json", validation_message(request, exc))
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        return error_response(422, "validation_error", validation_message(request, exc), details=details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = exc.kind if isinstance(exc, GuardError) else "http_error"
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, kind, http_error_message(exc), headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "an unexpected error occurred; the server log has the details")


# ---- routes -----------------------------------------------------------------------------------
def add_chat_routes(app: FastAPI) -> None:
    """/api/chat, /api/chat/stream and the OpenAI-compatible /v1 routes."""

    @app.post("/api/chat", response_model=Answer, tags=["chat"], responses=ERROR_RESPONSES)
    async def chat(request: ChatRequest, library: LibraryDep, settings: SettingsDep) -> Answer:
        """Answer the last user message, with numbered citations (in a library: from the plan it names)."""
        messages: list[ChatMessage] = list(request.messages)
        check_conversation(messages, settings)
        return await answer_of(library, messages, request.plan)

    @app.post(
        "/api/chat/stream", tags=["chat"], response_class=EventSourceResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "`segment` events, then `done`"},
                   **ERROR_RESPONSES},
    )
    async def chat_stream(request: ChatRequest, library: LibraryDep, settings: SettingsDep) -> EventSourceResponse:
        """Server-sent events: `segment` {"text"} pieces of the answer, then `done` with the whole Answer."""
        messages: list[ChatMessage] = list(request.messages)
        check_conversation(messages, settings)
        answer = await answer_of(library, messages, request.plan)  # errors become 4xx before streaming

        async def events() -> AsyncIterator[dict[str, str]]:
            for segment in split_segments(answer.answer):
                yield {"event": "segment", "data": StreamSegment(text=segment).model_dump_json()}
            yield {"event": "done", "data": answer.model_dump_json()}

        return EventSourceResponse(events(), sep="\n")

    @app.post(
        "/v1/chat/completions", response_model=ChatCompletion, tags=["openai"],
        responses={200: {"content": {"text/event-stream": {}}}, **ERROR_RESPONSES},
    )
    async def chat_completions(
        request: ChatCompletionRequest, library: LibraryDep, settings: SettingsDep
    ) -> ChatCompletion | EventSourceResponse:
        """OpenAI chat completions (stream or not); the reply ends with its sources, citations ride along."""
        # System, developer and tool messages carry no question; the answerer follows the plan, not a prompt.
        turns = [m for m in request.messages if m.role in ("user", "assistant")]
        messages = [ChatMessage(role=m.role, content=m.text()) for m in turns]
        check_conversation(messages, settings)
        plan = request.model if library.is_library and request.model in library.plans else None
        answer = await answer_of(library, messages, plan)
        cid, created = completion_id(), int(time.time())
        if request.stream:
            async def events() -> AsyncIterator[dict[str, str]]:
                for data in openai_chunks(answer, cid, created):
                    yield {"data": data}
                yield {"data": "[DONE]"}

            return EventSourceResponse(events(), sep="\n")
        return ChatCompletion(
            id=cid, created=created,
            choices=[CompletionChoice(message=CompletionMessage(content=answer.answer))],
            answerable=answer.answerable, route=answer.route, citations=answer.citations,
        )

    started = int(time.time())

    @app.get("/v1/models", response_model=ModelList, tags=["openai"])
    async def models(loader: LoaderDep) -> ModelList:
        """`plan-assistant` (scope from the question) and, for a library, one model per plan."""
        library = loader.library
        plans = list(library.plans) if library is not None and library.is_library else []
        return ModelList(data=[ModelCard(id=m, created=started) for m in [MODEL_ID, *plans]])


def add_plan_routes(app: FastAPI) -> None:
    """Search, plan tables, audit findings and sources."""

    @app.get("/api/search", response_model=SearchResponse, tags=["plan"], responses=ERROR_RESPONSES)
    def search(
        assistant: AssistantDep,
        q: Annotated[str, Query(min_length=1, max_length=2000, description="What to look for, any script/English.")],
        k: Annotated[int, Query(ge=1, le=50, description="How many hits.")] = 8,
        district: Annotated[
            str | None, Query(description="Only this district's reform rows (either script, or pinyin).")
        ] = None,
        quarter: Annotated[str | None, Query(description="Only this quarter's milestones (Q3, 三季度).")] = None,
        mode: Annotated[Literal["hybrid", "bm25", "dense"], Query(description="Which retrievers to use.")] = "hybrid",
    ) -> SearchResponse:
        """Hybrid (BM25 + dense) search over the plan's chunks."""
        from assistant.retrieve import HybridRetriever

        retriever = cast(HybridRetriever, assistant.retriever)
        hits = retriever.search(q, k=k, district=district or None, quarter=quarter or None, mode=mode)
        return SearchResponse(
            query=q, hits=hits, degraded=retriever.degraded
        )

    @app.get("/api/plans", response_model=PlansResponse, tags=["plan"], responses=ERROR_RESPONSES)
    async def plans(library: LibraryDep) -> PlansResponse:
        """The plans this server answers about; `default` is where questions naming no plan go."""
        return PlansResponse(default=library.default, library=library.is_library, plans=[
            PlanSummary(**e.model_dump(include=set(PlanSummary.model_fields) - {"default"}),
                        default=e.id == library.default) for e in library.entries])

    @app.get("/api/plan", response_model=PlanInfo, tags=["plan"], responses=ERROR_RESPONSES)
    def plan_info(assistant: AssistantDep) -> PlanInfo:
        """The plan's metadata and how many sections, tasks, reforms, findings and chunks it has."""
        plan = assistant.plan
        by_status: dict[str, int] = {}
        for f in plan.findings:
            by_status[f.status] = by_status.get(f.status, 0) + 1
        counts = PlanCounts(sections=len(plan.sections), tasks=len(plan.tasks), reforms=len(plan.reforms),
                            findings=len(plan.findings), chunks=len(assistant.chunks))
        return PlanInfo(metadata=plan.metadata, counts=counts, findings_by_status=by_status, districts=list(plan.units),
                        source_name=plan.source_name, source_sha256=plan.source_sha256)

    @app.get("/api/tasks", response_model=TasksResponse, tags=["plan"], responses=ERROR_RESPONSES)
    def tasks(
        assistant: AssistantDep,
        district: Annotated[str | None, Query(description="Only rows giving this district a value.")] = None,
    ) -> TasksResponse:
        """Attachment 1's task rows, optionally only those with a value for one district."""
        if not district:
            return TasksResponse(district=None, tasks=[TaskRow(**t.model_dump()) for t in assistant.plan.tasks])
        name = resolve_district(district, assistant.plan.units)
        rows = [TaskRow(**t.model_dump(), value=v) for t in assistant.plan.tasks if (v := task_value(t, name))]
        return TasksResponse(district=name, tasks=rows)

    @app.get("/api/reforms", response_model=ReformsResponse, tags=["plan"], responses=ERROR_RESPONSES)
    def reforms(
        assistant: AssistantDep,
        district: Annotated[str | None, Query(description="Only this district's reform items.")] = None,
        quarter: Annotated[str | None, Query(description="Only this quarter's milestones.")] = None,
    ) -> ReformsResponse:
        """Attachment 2's reform rows with their quarterly milestones."""
        name = resolve_district(district, assistant.plan.units) if district else None
        code = resolve_quarter(quarter) if quarter else None
        rows: list[Reform] = []
        for r in assistant.plan.reforms:
            if name and r.district != name:
                continue
            if code:
                if code not in r.milestones:
                    continue
                r = r.model_copy(update={"milestones": {code: r.milestones[code]}})
            rows.append(r)
        return ReformsResponse(district=name, quarter=code, reforms=rows)

    @app.get("/api/deadlines", response_model=DeadlinesResponse, tags=["plan"], responses=ERROR_RESPONSES)
    def deadlines(
        assistant: AssistantDep,
        unit: Annotated[str | None, Query(description="Only this unit's obligations and the whole plan's.")] = None,
        start: Annotated[date | None, Query(alias="from", description="Due on or after (YYYY-MM-DD).")] = None,
        end: Annotated[date | None, Query(alias="to", description="Due on or before (YYYY-MM-DD).")] = None,
        as_of: Annotated[date | None, Query(description="The day statuses are judged on (default: today).")] = None,
        status: Annotated[Literal["all", "overdue", "due", "upcoming"], Query(
            description="overdue: due before as_of; due: in as_of's month; upcoming: later.")] = "all",
        format: Annotated[Literal["json", "csv"], Query(description="json, or csv for a spreadsheet.")] = "json",
    ) -> Any:
        """Every dated obligation of the plan (完成时限 cells, dated steps, milestones, dated body sentences)."""
        from assistant.deadline_export import rows, to_csv
        from assistant.obligations import select

        name = resolve_district(unit, assistant.plan.units) if unit else None
        today = as_of or date.today()
        found = select(assistant.obligations(), name, start, end, status, today)
        if format == "csv":
            return Response(to_csv(found, today), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="deadlines.csv"'})
        return DeadlinesResponse(as_of=today.isoformat(), unit=name, count=len(found),
                                 deadlines=[DeadlineRow(**r) for r in rows(found, today)])

    @app.get("/api/deadlines.ics", tags=["plan"], response_class=Response,
             responses={**ERROR_RESPONSES,
                        200: {"content": {"text/calendar": {}}, "description": "An iCalendar feed."}})
    def deadlines_ics(
        assistant: AssistantDep,
        unit: Annotated[str | None, Query(description="Only this unit's obligations and the whole plan's.")] = None,
    ) -> Response:
        """The obligations as an iCalendar feed to subscribe to (one all-day event per due date)."""
        from assistant.deadline_export import to_ics
        from assistant.obligations import select

        name = resolve_district(unit, assistant.plan.units) if unit else None
        plan = assistant.plan
        body = to_ics(select(assistant.obligations(), name), plan.metadata.get("plan_title", ""), plan.source_name)
        return Response(body, media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="deadlines.ics"'})

    @app.get("/api/audit", response_model=AuditResponse, tags=["plan"], responses=ERROR_RESPONSES)
    def audit(assistant: AssistantDep) -> AuditResponse:
        """Cross-checks of the plan's numbers: mismatches and ambiguities first."""
        findings: list[Finding] = sorted(assistant.plan.findings, key=lambda f: FINDING_ORDER.get(f.status, 9))
        counts: dict[str, int] = {}
        for f in findings:
            counts[f.status] = counts.get(f.status, 0) + 1
        return AuditResponse(findings=findings, counts=counts)

    @app.get("/api/sources/{source_id}", response_model=SourceResponse, tags=["plan"], responses=ERROR_RESPONSES)
    def source(source_id: str, assistant: AssistantDep) -> SourceResponse:
        """A cited record: its text, place and the raw lines of the published page."""
        chunk = assistant.chunk(source_id)
        if chunk is None:
            raise NotFoundError(
                f"no source with id {source_id!r}; use an id from an answer's citations or /api/search hits "
                "(e.g. 'reform-7-q3')"
            )
        lines = [SourceLine(no=n, text=t) for n, t in assistant.source_lines(source_id)]
        return SourceResponse(**chunk.model_dump(), source_lines=lines)


def add_health_routes(app: FastAPI) -> None:
    """Liveness and readiness probes."""

    @app.api_route("/healthz", methods=["GET", "HEAD"], response_model=Health, tags=["ops"])
    async def healthz() -> Health:
        """Always ok while the process serves HTTP."""
        return Health()

    @app.api_route("/readyz", methods=["GET", "HEAD"], response_model=Readiness, tags=["ops"],
                   responses={503: {"model": Readiness}})
    def readyz(loader: LoaderDep, response: Response) -> Readiness:
        """200 once the Assistant is loaded and its self-check (a lookup, an answer, a hybrid and a dense
        search) passes; 503 with the build stage and progress while loading, or with what failed."""
        state = loader.readiness()
        if state.status != "ready":
            response.status_code = 503
            response.headers["Retry-After"] = "2"
        return state


def create_app(settings: Settings | None = None, assistant: Assistant | None = None, ui: bool = True) -> FastAPI:
    """The FastAPI app with the web UI mounted at /; loads the Assistant at startup unless one is given."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.loader.start()
        yield

    app = FastAPI(
        title="Plan Assistant",
        summary="Exact, cited answers about government work plans: tables, milestones, deadlines and text.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served offline by add_docs_routes
        redoc_url=None,
    )
    app.state.loader = AssistantLoader(settings, app.state, assistant)
    async def app_settings() -> Settings:
        return settings

    app.dependency_overrides[get_settings] = app_settings
    # Added innermost first: CORS outermost (so a browser can read 413/429 too), then the one error shape,
    # the public origin (no Host reflected), the rate limit, which rejects before the body is read, then
    # the body limit, and inside it the refusal of uploads (which discards a body the limit bounds).
    app.add_middleware(NoUploadsMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s,
                       drain_bytes=settings.max_drain_bytes, path_limits={"/admin/plans": settings.max_upload_bytes})
    if settings.rate_limit_per_minute:
        app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute)
    app.add_middleware(PublicOriginMiddleware, public_url=settings.public_url or f"http://{settings.host}:{settings.port}")
    app.add_middleware(ErrorShapeMiddleware)
    # Always installed, even with no origins (closed: no Access-Control-Allow-Origin for anyone): the
    # mounted Gradio app stands its own permissive CORS down only when its parent has this middleware.
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                       allow_headers=["*"])
    install_error_handlers(app)
    add_health_routes(app)
    add_chat_routes(app)
    add_plan_routes(app)
    add_admin_routes(app, settings)
    add_plan_admin_routes(app, settings)
    add_docs_routes(app)
    if ui:
        from ui.app import mount_ui

        mount_ui(app, app.state.loader.get_library)  # last: the routes above take precedence over the mount at /
    return app
