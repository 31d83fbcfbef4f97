"""Admin routes of a library: upload a plan page (read now, built in the background), follow the job,
remove a plan. Live only with ASSISTANT_ADMIN_TOKEN, like /admin/reingest."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from fastapi import Depends, FastAPI, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from assistant.admin import ADMIN_RESPONSES, bearer, check_admin
from assistant.config import Settings, get_settings
from assistant.errors import AssistantError, InputError, NotFoundError
from assistant.loader import AssistantLoader

log = logging.getLogger(__name__)
PAGE_NAME = re.compile(r"^[\w\u4e00-\u9fff.（）()\-]{1,120}\.(?:html?|txt|mht(?:ml)?|json)$", re.IGNORECASE)
MAX_JOBS = 100
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


class Job(BaseModel):
    """One upload being ingested: where it stands, and what came of it."""

    id: str
    page: str
    state: Literal["queued", "running", "done", "failed"] = "queued"
    stage: str | None = None
    done: int = 0
    total: int = 0
    plan: str | None = Field(None, description="The plan id the page was read as.")
    result: str | None = Field(None, description="added, replaced or unchanged.")
    warnings: list[str] = Field(default_factory=list, description="The reader's warnings (line: message).")
    error: str | None = None
    started: float = 0.0
    seconds: float | None = None


class Jobs:
    """Upload jobs of this process, newest kept (the oldest finished ones are forgotten past MAX_JOBS)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Lock()  # builds share the encoder and the library lock anyway

    def new(self, page: str) -> Job:
        job = Job(id=uuid.uuid4().hex[:12], page=page, started=time.time())
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS:
                oldest = next(j for j in self._jobs.values() if j.state in ("done", "failed"))
                del self._jobs[oldest.id]
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no upload job {job_id!r} (jobs are kept in memory by the process that ran them)")
        return job


def _jobs(request: Request) -> Jobs:
    state = request.app.state
    if not hasattr(state, "plan_jobs"):
        state.plan_jobs = Jobs()
    return cast(Jobs, state.plan_jobs)


def save_upload(settings: Settings, name: str, body: bytes) -> Path:
    """Keep the uploaded page under INDEX_DIR/pages/ (the library's copy of what it ingested)."""
    if not PAGE_NAME.match(name):
        raise InputError(f"name {name!r}: give the page's file name ending in .html, .htm, .txt, .mht or .json "
                         "(letters, digits, Chinese, . - ( ) only)")
    if not body.strip():
        raise InputError("the request body is empty; send the page's bytes as the body")
    folder = settings.index_dir / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(body)
    return path


def run_job(job: Job, jobs: Jobs, settings: Settings, page: Path, loader: AssistantLoader) -> None:
    """Build the plan into the library, then load the library with it and swap it in."""
    from assistant.library import is_library
    from assistant.library.service import Library
    from assistant.library.shelf import add_page

    def progress(stage: str, done: int, total: int) -> None:
        job.stage, job.done, job.total = stage, done, total

    with jobs._one_at_a_time:
        job.state = "running"
        try:
            if not is_library(settings.index_dir) and settings.sqlite_path.exists() and settings.source.exists():
                # A single-plan index becomes a library: its own plan goes in first, so it is not lost.
                job.stage = "adding the configured plan to the new library"
                add_page(settings, settings.source)
            report = add_page(settings, page, progress=progress)
            job.plan, job.result = report.entry.id, report.state
            job.stage = "loading"
            loader.replace_library(Library.load(settings, build_if_missing=False, reuse=loader.library))
            job.state = "done"
        except Exception as exc:  # the old library keeps answering; the job says why
            job.state, job.error = "failed", str(exc) if isinstance(exc, AssistantError) else f"{type(exc).__name__}: {exc}"
            log.exception("upload job %s failed", job.id)
        finally:
            job.stage = None
            job.seconds = round(time.time() - job.started, 3)


def add_plan_admin_routes(app: FastAPI, settings: Settings) -> None:
    """POST /admin/plans, GET /admin/jobs/{id}, DELETE /admin/plans/{id}."""
    shown = bool(settings.admin_token)

    @app.post("/admin/plans", response_model=Job, status_code=202, tags=["admin"],
              responses={**ADMIN_RESPONSES, 413: ADMIN_RESPONSES[401], 422: ADMIN_RESPONSES[401]},
              include_in_schema=shown)
    async def upload(request: Request, settings: SettingsDep, credentials: Credentials,
                     name: Annotated[str, Query(description="The page's file name (.html .txt .mht .json).")]) -> Job:
        """Add a plan page to the library (the body is the page's bytes, any declared charset).

        The page is read at once: one the reader cannot make a plan of is refused (422, with the reader's
        message) and nothing changes. A readable one is built in the background — follow it at
        /admin/jobs/{id} — and swapped in whole when ready; until then the old plans keep answering.
        """
        check_admin(settings, credentials)
        from starlette.concurrency import run_in_threadpool

        from assistant.ingest.pipeline import read_plan

        body = await request.body()
        page = save_upload(settings, name, body)
        try:
            plan = await run_in_threadpool(read_plan, page)
        except AssistantError:
            page.unlink(missing_ok=True)
            raise
        if not plan.sections and not plan.tasks and not plan.reforms:
            page.unlink(missing_ok=True)
            raise InputError(f"{name}: nothing in it reads as a plan (no headings, no task or milestone table)")
        jobs = _jobs(request)
        job = jobs.new(name)
        job.warnings = [f"{w.line}: {w.message}" for w in plan.warnings]
        loader = cast(AssistantLoader, request.app.state.loader)
        threading.Thread(target=run_job, args=(job, jobs, settings, page, loader), name=f"upload-{job.id}",
                         daemon=True).start()
        return job

    @app.get("/admin/jobs/{job_id}", response_model=Job, tags=["admin"], responses=ADMIN_RESPONSES,
             include_in_schema=shown)
    async def job_status(job_id: str, request: Request, settings: SettingsDep, credentials: Credentials) -> Job:
        """Where an upload stands: queued, running (stage, done/total), done (plan id) or failed (why)."""
        check_admin(settings, credentials)
        return _jobs(request).get(job_id)

    @app.delete("/admin/plans/{plan_id}", tags=["admin"], responses=ADMIN_RESPONSES, include_in_schema=shown)
    async def delete_plan(plan_id: str, request: Request, settings: SettingsDep, credentials: Credentials
                          ) -> dict[str, Any]:
        """Remove one plan from the library (its entry, SQLite and vectors); the others keep answering."""
        check_admin(settings, credentials)
        from starlette.concurrency import run_in_threadpool

        from assistant.library.service import Library
        from assistant.library.shelf import remove_plan

        loader = cast(AssistantLoader, request.app.state.loader)
        entry = await run_in_threadpool(remove_plan, settings, plan_id)
        library = await run_in_threadpool(Library.load, settings, False, None, loader.library)
        loader.replace_library(library)
        return {"removed": entry.id, "plans": list(library.plans)}
