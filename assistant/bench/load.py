"""Timing answers: one at a time (in process or over HTTP), and many clients at once against a deadline.

Latencies are wall-clock milliseconds around one answer (or one HTTP round trip, body read). The
load test is closed-loop: each of `clients` coroutines sends its next question as soon as the last
one is answered, until the deadline; it then stops by itself (requests in flight finish, bounded by
the per-request timeout, and the whole phase by an outer timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from assistant.errors import InputError
from assistant.evaluation.batch import history_of
from assistant.evaluation.scoring import percentile
from assistant.models import Answer, ChatMessage

Ask = Callable[[str, list[ChatMessage] | None], Answer]
Timing = tuple[str, float]
"""(route, milliseconds) of one answer."""


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    """n, mean, p50, p95, p99 and max of milliseconds, rounded."""
    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 2)

    return {"n": len(values), "mean": r(sum(values) / len(values)) if values else None,
            "p50": r(percentile(values, 50)), "p95": r(percentile(values, 95)), "p99": r(percentile(values, 99)),
            "max": r(max(values)) if values else None}


def by_route(timings: Sequence[Timing]) -> dict[str, Any]:
    """{"all": summary, "routes": {route: summary}} over (route, ms) pairs."""
    routes: dict[str, list[float]] = {}
    for route, ms in timings:
        routes.setdefault(route, []).append(ms)
    return {"all": summary([ms for _, ms in timings]), "routes": {k: summary(v) for k, v in sorted(routes.items())}}


def chat_body(row: dict[str, Any]) -> dict[str, Any]:
    """The /api/chat request for a question row: its history, then the question."""
    history = [m.model_dump() for m in history_of(row) or []]
    return {"messages": [*history, {"role": "user", "content": row["question"]}]}


def time_in_process(ask: Ask, rows: Sequence[dict[str, Any]]) -> list[Timing]:
    """Answer every row once with `ask`, timing each call."""
    out: list[Timing] = []
    for row in rows:
        started = time.perf_counter()
        answer = ask(row["question"], history_of(row))
        out.append((answer.route, (time.perf_counter() - started) * 1000))
    return out


def time_http(base: str, rows: Sequence[dict[str, Any]], timeout: float = 60.0) -> tuple[list[Timing], list[str]]:
    """POST every row to /api/chat once, one at a time over one keep-alive connection; (timings, errors)."""
    out: list[Timing] = []
    errors: list[str] = []
    with httpx.Client(base_url=base, timeout=timeout) as client:
        for row in rows:
            started = time.perf_counter()
            response = client.post("/api/chat", json=chat_body(row))
            ms = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                errors.append(f"{row.get('id')}: HTTP {response.status_code} {response.text[:200]}")
                continue
            out.append((str(response.json().get("route")), ms))
    return out, errors


class KeepAliveConnection:
    """One persistent HTTP/1.1 connection that POSTs pre-encoded JSON and reads the whole reply.

    The load generator shares the machine's CPUs with the server, so it must cost little per request:
    a general client (httpx) spent more CPU per request than the server did on a cached answer, which
    made the measurement a measure of the client. This speaks just the HTTP/1.1 the server answers with
    (Content-Length bodies) and reconnects when the server closes the connection.
    """

    def __init__(self, base: str) -> None:
        """Remember where to connect; nothing is opened until the first request."""
        host, _, port = base.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def request(self, path: str, body: dict[str, Any]) -> bytes:
        """The bytes of one POST (encoded once per question, before the clock starts)."""
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n")
        return head.encode("ascii") + payload

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """(status, body) of one exchange; raises OSError or IncompleteReadError when the line drops."""
        if self.writer is None or self.reader is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(request)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        """Close the connection (the next send opens a new one)."""
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


DROPPED = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError)
"""What a failed exchange raises: refused or reset connections, short replies, timeouts, garbled heads."""


async def _load(bases: Sequence[str], bodies: Sequence[dict[str, Any]], clients: int, duration: float,
                timeout: float, distinct: bool = False) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    repeats = 0
    started = time.monotonic()
    deadline = started + duration

    async def client(n: int) -> None:
        nonlocal repeats
        conn = KeepAliveConnection(bases[n % len(bases)])  # clients are spread over the workers, as a balancer would
        # distinct: each client owns a disjoint slice, so no body is sent twice until a slice runs out.
        mine = bodies[n::clients] if distinct else bodies
        requests = [conn.request("/api/chat", body) for body in mine]
        i = 0 if distinct else n * len(bodies) // clients
        try:
            while time.monotonic() < deadline:
                request = requests[i % len(requests)]
                repeats += distinct and i >= len(requests)
                i += 1
                t0 = time.perf_counter()
                try:
                    status, reply = await asyncio.wait_for(conn.send(request), timeout)
                except DROPPED as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    await conn.close()
                    continue
                if status == 200:
                    latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    errors.append(f"HTTP {status}: {reply[:200].decode('utf-8', 'replace')}")
        finally:
            await conn.close()

    await asyncio.wait_for(asyncio.gather(*(client(n) for n in range(clients))), duration + timeout + 30)
    elapsed = time.monotonic() - started
    return {
        "clients": clients, "workers": len(bases), "duration_s": round(elapsed, 2), "requests": len(latencies),
        "throughput_rps": round(len(latencies) / elapsed, 2), "latency_ms": summary(latencies),
        "errors": len(errors), "error_samples": sorted(set(errors))[:5],
        **({"repeated": repeats} if distinct else {}),
    }


def run_load(bases: Sequence[str], bodies: Sequence[dict[str, Any]], clients: int = 50, duration: float = 30.0,
             timeout: float = 30.0, distinct: bool = False) -> dict[str, Any]:
    """`clients` concurrent closed-loop clients POSTing /api/chat for `duration` seconds; throughput,
    latency of the successful requests, and errors (non-200 answers and transport failures).

    With `distinct`, no body is sent twice (each client works through its own slice) and `repeated`
    counts the requests sent after a slice ran out, which a valid new-question row keeps at 0.
    """
    if not bases or any(not b.startswith("http://127.0.0.1:") for b in bases):
        raise InputError(f"load tests run against 127.0.0.1 only, not {', '.join(bases) or 'nothing'}")
    return asyncio.run(_load(bases, bodies, clients, duration, timeout, distinct))
