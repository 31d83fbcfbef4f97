"""Running the app under uvicorn with the edges set from Settings: trusted proxies and a header-read timeout.

uvicorn by default trusts X-Forwarded-For from 127.0.0.1, so any local proxy or tunnel let a client
pick its own address (and a fresh one per request escaped the rate limit). Here proxy headers are
honoured only from the addresses in `trusted_proxies`, and not at all by default.

uvicorn also arms no timer while a connection sends its request line and headers: a client that sends
half a header held a connection open for as long as it liked. `HeaderTimeoutProtocol` closes a
connection whose request head has not arrived within `header_timeout_s` of the connection opening (or
of the previous response on a kept-alive connection).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.config import Settings

log = logging.getLogger(__name__)


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections that take longer than `header_timeout` to send a request head."""

    header_timeout = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request head."""
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _waiting_for_head(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def data_received(self, data: bytes) -> None:
        """Feed h11; once a request head has been parsed, stop the clock."""
        super().data_received(data)
        if not self._waiting_for_head():
            self._disarm()

    def on_response_complete(self) -> None:
        """A kept-alive connection gets the same time for its next request head."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """No timer outlives its connection."""
        self._disarm()
        super().connection_lost(exc)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._waiting_for_head() and not self.transport.is_closing():
            log.info("closing a connection from %s: no request head within %gs", self.client, self.header_timeout)
            self.transport.close()


def protocol_for(settings: Settings) -> type[HeaderTimeoutProtocol]:
    """The protocol class with the configured header timeout."""
    attrs = {"header_timeout": settings.header_timeout_s}
    return type("ConfiguredHeaderTimeoutProtocol", (HeaderTimeoutProtocol,), attrs)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config keywords for the edges: proxy headers only from trusted proxies, the header timeout."""
    trusted = [p.strip() for p in settings.trusted_proxies if p.strip()]
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or [], "http": protocol_for(settings)}


def run(app: FastAPI, settings: Settings, host: str, port: int) -> None:
    """Serve `app` on host:port until stopped."""
    uvicorn.run(app, host=host, port=port, log_level="info", **uvicorn_options(settings))
