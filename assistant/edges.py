"""The edges of the HTTP service that no route owns: one error shape, a fixed public origin, no uploads.

- `ErrorShapeMiddleware`: every 4xx/5xx leaves as {"error": {"type", "message"}}, whoever made it: the
  API's handlers already do; Gradio's routes, its 404 for unknown paths and Starlette's 405 do not, and
  are rewritten here (their message kept when it is a plain sentence, cleaned of server paths).
- `PublicOriginMiddleware`: the Host header is replaced by the configured public URL's and the
  X-Forwarded-Host/-Proto headers are dropped before any app sees them, so nothing a client sends is
  reflected into links (the UI's /config, its page) or used to build one.
- `NoUploadsMiddleware`: the UI has no upload component, so Gradio's upload routes answer 404 before
  a byte is stored (they would otherwise keep anonymous files in the temp dir for good).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.public import public_message

KINDS = {400: "bad_request", 401: "unauthorized_error", 403: "forbidden_error", 404: "not_found_error",
         405: "method_not_allowed", 408: "request_timeout", 413: "payload_too_large", 422: "validation_error",
         429: "rate_limited", 500: "internal_error", 503: "not_ready_error"}
MESSAGES = {404: "no such page or route; see /docs for the API", 405: "this route does not take that method; see /docs",
            500: "an unexpected error occurred; the server log has the details"}
MAX_ERROR_BODY = 64 * 1024
"""Error bodies longer than this are not parsed for a message (a default one is used)."""

OWN_BODY_PATHS = frozenset({"/readyz"})
"""Routes whose error statuses carry their own documented body (/readyz's 503 is a Readiness)."""

UPLOAD_PATHS = ("/gradio_api/upload", "/upload", "/gradio_api/upload_progress", "/upload_progress")


def error_body(status: int, message: str, kind: str | None = None) -> bytes:
    """The one error shape, encoded."""
    body = {"error": {"type": kind or KINDS.get(status, "http_error"), "message": message}}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def shaped(body: bytes) -> bool:
    """True when `body` already is {"error": {"type": str, "message": str, ...}}."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    error = data.get("error") if isinstance(data, dict) else None
    return isinstance(error, dict) and isinstance(error.get("type"), str) and isinstance(error.get("message"), str)


def message_of(status: int, body: bytes) -> str:
    """A readable message from another framework's error body ({"detail": ...} or {"error": "..."})."""
    default = MESSAGES.get(status) or f"the request failed with HTTP {status}"
    if status >= 500 or len(body) > MAX_ERROR_BODY:
        return default
    try:
        data = json.loads(body)
    except ValueError:
        return default
    detail = data.get("detail") or data.get("error") if isinstance(data, dict) else None
    if isinstance(detail, str) and detail.strip() and detail.lower() != "not found":
        return public_message(detail)[:500]
    return default


class ErrorShapeMiddleware:
    """Rewrites error responses that are not in the one error shape into it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything through, holding back only error responses until their body is complete."""
        if scope["type"] != "http" or scope["method"] == "HEAD" or scope["path"] in OWN_BODY_PATHS:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def shaping_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] < 400:
                    await send(message)
                    return
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            status = start["status"]
            if not shaped(body):
                body = error_body(status, message_of(status, body))
                headers = MutableHeaders(raw=list(start.get("headers", [])))
                headers["content-type"] = "application/json"
                start = {**start, "headers": headers.raw}
            headers = MutableHeaders(raw=list(start.get("headers", [])))
            headers["content-length"] = str(len(body))
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, shaping_send)


class PublicOriginMiddleware:
    """Every request looks as if it came to `public_url`: its Host, its scheme, no forwarded host."""

    DROPPED = frozenset({b"host", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-port", b"forwarded"})

    def __init__(self, app: ASGIApp, public_url: str) -> None:
        """`public_url` such as https://plans.example.org or http://127.0.0.1:7860."""
        self.app = app
        parts = urlsplit(public_url)
        self.scheme = parts.scheme or "http"
        self.host = (parts.netloc or parts.path).encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Rewrite the headers and scheme, then call the app."""
        if scope["type"] in ("http", "websocket"):
            headers = [(k, v) for k, v in scope.get("headers", []) if k not in self.DROPPED]
            headers.append((b"host", self.host))
            scheme = self.scheme if scope["type"] == "http" else ("wss" if self.scheme == "https" else "ws")
            scope = {**scope, "headers": headers, "scheme": scheme}
        await self.app(scope, receive, send)


class NoUploadsMiddleware:
    """404 (in the error shape) for Gradio's upload routes, before the body is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse uploads (after discarding the body, which the body limit bounds); pass everything else."""
        if scope["type"] == "http" and scope["path"].rstrip("/") in UPLOAD_PATHS:
            while (message := await receive())["type"] == "http.request" and message.get("more_body", False):
                pass  # discard: a client still sending would otherwise get a reset instead of the 404
            body = error_body(404, "this server takes no file uploads")
            await send({"type": "http.response.start", "status": 404, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
