"""Admin routes, live only when ASSISTANT_ADMIN_TOKEN is set: re-ingest the plan without a restart.

Without a token the route still exists but says 404, so a probe learns nothing and the answer is
JSON in the API's shape (an unknown path would fall through to the web UI mounted at /).
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from assistant.api_models import ErrorResponse, ReingestResponse
from assistant.config import Settings, get_settings
from assistant.edges import MESSAGES
from assistant.errors import ForbiddenError, NotFoundError, UnauthorizedError
from assistant.loader import AssistantLoader
from assistant.service import Assistant, build

log = logging.getLogger(__name__)
bearer = HTTPBearer(auto_error=False, description="The value of ASSISTANT_ADMIN_TOKEN.")
NO_SUCH_ROUTE = MESSAGES[404]
ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (401, 403, 404, 503)}


def check_admin(settings: Settings, credentials: HTTPAuthorizationCredentials | None) -> None:
    """404 without a configured token, 401 without a bearer token, 403 with the wrong one."""
    if not settings.admin_token:
        # The same words as any unknown path: a probe learns nothing about the configuration.
        raise NotFoundError(NO_SUCH_ROUTE)
    if credentials is None or not credentials.credentials:
        raise UnauthorizedError("send the admin token as the header `Authorization: Bearer <token>`")
    # Constant-time comparison of bytes: no timing hints, and no TypeError on non-ASCII input.
    if not hmac.compare_digest(credentials.credentials.encode("utf-8"), settings.admin_token.encode("utf-8")):
        raise ForbiddenError("the admin token is not the one this server was started with")


def add_admin_routes(app: FastAPI, settings: Settings) -> None:
    """POST /admin/reingest (listed in /docs only when enabled)."""

    @app.post("/admin/reingest", response_model=ReingestResponse, tags=["admin"], responses=ADMIN_RESPONSES,
              include_in_schema=bool(settings.admin_token))
    async def reingest(
        request: Request,
        settings: Annotated[Settings, Depends(get_settings)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> ReingestResponse:
        """Rebuild plan.sqlite and the vector index from the source page, then answer from the new index.

        Requests already running finish on the old index; the build is idempotent, so an unchanged
        source rewrites nothing.
        """
        check_admin(settings, credentials)
        started = time.perf_counter()
        report = await run_in_threadpool(build, settings)
        assistant = await run_in_threadpool(Assistant.load, settings, False)
        cast(AssistantLoader, request.app.state.loader).replace(assistant)
        seconds = time.perf_counter() - started
        log.info("re-ingested in %.1fs (plan %s, %d vectors upserted)", seconds,
                 "rewritten" if report.plan_written else "unchanged", report.index.upserted)
        return ReingestResponse(
            plan_written=report.plan_written, chunks=report.chunks, chunks_written=report.chunks_written,
            vectors_upserted=report.index.upserted, vectors_deleted=report.index.deleted, seconds=round(seconds, 3),
        )
