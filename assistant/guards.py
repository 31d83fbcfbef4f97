"""Guards in front of every route: a request body size and time limit, and a per-client rate limit.

Both are plain ASGI middleware, so they act before FastAPI reads or validates a byte, and they answer
in the API's one error shape, {"error": {"type", "message"}}, with the status a client library
understands (413, 408, 429 with Retry-After). They also cover the web UI mounted at /.

The client is the peer address as uvicorn reports it. Behind a reverse proxy, uvicorn takes it from
X-Forwarded-For only when the proxy's address is in the trusted-proxies setting (empty by default:
nobody, not even 127.0.0.1, where any local tunnel would let a client choose its own address).

A body over the limit is read and discarded (up to `max_drain_bytes`) before the 413 is sent with
`Connection: close`: a client that is still sending when the server answers and closes would get a
TCP reset instead of the answer (most do, e.g. urllib for bodies of a few MB).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WORK_PREFIXES = ("/api/", "/v1/", "/admin/")
"""Paths whose GETs count toward the rate limit too (every POST counts); pages, assets and probes do not."""

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

MAX_CLIENTS = 10_000
"""Buckets kept before idle ones are dropped, so a flood of addresses cannot grow memory without bound."""


def error_json(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The API's error shape, for responses made before any route runs."""
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status, headers=headers)


class GuardError(HTTPException):
    """An HTTPException that carries its error type, so the API's handler keeps it (FastAPI re-raises these)."""

    kind = "http_error"


class BodyTooLarge(GuardError):
    """The body grew past the limit while it was being read."""

    kind = "payload_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes; send a shorter conversation "
                              "(drop older turns) or a shorter question")


class BodyTimeout(GuardError):
    """The client stopped sending its body."""

    kind = "request_timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request body did not arrive within {seconds:g} seconds; send it again")


def declared_length(scope: Scope) -> int | None:
    """The Content-Length header as a number; None when absent (chunked) or not a number."""
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


async def drain(receive: Receive, limit: int, timeout_s: float, received: int = 0) -> bool:
    """Read and discard the rest of a request body, up to `limit` bytes in all; True when it all arrived."""
    while received <= limit:
        try:
            message = await asyncio.wait_for(receive(), timeout_s)
        except TimeoutError:
            return False
        if message["type"] != "http.request":
            return False
        received += len(message.get("body", b""))
        if not message.get("more_body", False):
            return True
    return False


CLOSE = {"Connection": "close"}


class BodyLimitMiddleware:
    """413 for bodies over `max_bytes` (declared or counted), 408 when a body stalls for `timeout_s`."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float, drain_bytes: int = 8 * 1024 * 1024,
                 path_limits: dict[str, int] | None = None) -> None:
        """`max_bytes=0` turns the size limit off; the time limit always applies. Over-limit bodies are
        discarded up to `drain_bytes` before the 413 goes out. `path_limits`: other limits for some paths
        (a plan page uploaded to /admin/plans is larger than any question)."""
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits or {}
        self.timeout_s = timeout_s
        self.drain_bytes = drain_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the bytes and time the waits as the route reads them."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope["path"].rstrip("/"), self.max_bytes)
        length = declared_length(scope)
        if max_bytes and length is not None and length > max_bytes:
            error = BodyTooLarge(max_bytes)
            if length <= self.drain_bytes:
                await drain(receive, self.drain_bytes, self.timeout_s)
            await error_json(error.status_code, error.kind, error.detail, CLOSE)(scope, receive, send)
            return
        received = 0
        complete = False
        started = False

        async def guarded_receive() -> Message:
            nonlocal received, complete
            if complete:  # after the body: waiting for a disconnect (SSE) has no deadline
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.timeout_s)
            except TimeoutError:
                raise BodyTimeout(self.timeout_s) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if max_bytes and received > max_bytes:
                    if not complete:  # a chunked body past the limit: discard the rest before the 413
                        complete = await drain(receive, self.drain_bytes, self.timeout_s, received)
                    raise BodyTooLarge(max_bytes)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and message["status"] in (408, 413):
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                headers["connection"] = "close"  # the rest of the body is not worth reading
                message = {**message, "headers": headers.raw}
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracked_send)
        except GuardError as exc:  # only apps without the API's handler (the mounted UI) get here
            if started:
                raise
            await error_json(exc.status_code, exc.kind, exc.detail, CLOSE)(scope, receive, send)


class TokenBuckets:
    """One token bucket per client: `per_minute` requests at once, refilled at `per_minute` a minute."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        """Buckets start full; `clock` is injectable for tests."""
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, client: str) -> float:
        """Spend one token: 0.0 when allowed, else the seconds until the next token."""
        now = self.clock()
        tokens, last = self.buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self.buckets[client] = (tokens - 1.0, now)
            if len(self.buckets) > MAX_CLIENTS:
                self._prune(now)
            return 0.0
        self.buckets[client] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        """Forget clients whose bucket has refilled (they lose nothing); if still too many, the idlest half."""
        refill = self.capacity / self.rate
        self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < refill}
        if len(self.buckets) > MAX_CLIENTS:
            recent = sorted(self.buckets.items(), key=lambda kv: kv[1][1])[len(self.buckets) // 2:]
            self.buckets = dict(recent)


class RateLimitMiddleware:
    """429 with Retry-After once a client exceeds its requests per minute on the routes that do work."""

    def __init__(self, app: ASGIApp, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        """`clock` is TokenBuckets' (a test can pass its own)."""
        self.app = app
        self.per_minute = per_minute
        self.buckets = TokenBuckets(per_minute, clock)

    @staticmethod
    def counts(scope: Scope) -> bool:
        """Every POST (chat, the UI's queue) and any request under /api, /v1 or /admin."""
        return scope["method"] in WRITE_METHODS or scope["path"].startswith(WORK_PREFIXES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Spend a token of the client's bucket, or answer 429 without running the route."""
        if scope["type"] != "http" or not self.counts(scope):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        wait = self.buckets.take(key)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        message = f"more than {self.per_minute} requests a minute from {key}; retry in {retry} s"
        await error_json(429, "rate_limited", message, {"Retry-After": str(retry)})(scope, receive, send)
