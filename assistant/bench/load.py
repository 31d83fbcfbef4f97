"""Timing answers: one at a time (in process or over HTTP), and many clients at once against a deadline.

Latencies are wall-clock milliseconds around one answer (or one HTTP round trip, body read). The
load test is closed-loop: each of `clients` coroutines sends its next question as soon as the last
one is answered, until the deadline; it then stops by itself (requests in flight finish, bounded by
the per-request timeout, and the whole phase by an outer timeout).
"""

from __future__ import annotations

import asyncio
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


async def _load(bases: Sequence[str], bodies: Sequence[dict[str, Any]], clients: int, duration: float,
                timeout: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        started = time.monotonic()
        deadline = started + duration

        async def client(n: int) -> None:
            base = bases[n % len(bases)]  # clients are spread over the workers, as a balancer would
            i = n * len(bodies) // clients
            while time.monotonic() < deadline:
                body = bodies[i % len(bodies)]
                i += 1
                t0 = time.perf_counter()
                try:
                    response = await http.post(f"{base}/api/chat", json=body)
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                if response.status_code == 200:
                    latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    errors.append(f"HTTP {response.status_code}: {response.text[:200]}")

        await asyncio.wait_for(asyncio.gather(*(client(n) for n in range(clients))), duration + timeout + 30)
        elapsed = time.monotonic() - started
    return {
        "clients": clients, "workers": len(bases), "duration_s": round(elapsed, 2), "requests": len(latencies),
        "throughput_rps": round(len(latencies) / elapsed, 2), "latency_ms": summary(latencies),
        "errors": len(errors), "error_samples": sorted(set(errors))[:5],
    }


def run_load(bases: Sequence[str], bodies: Sequence[dict[str, Any]], clients: int = 50, duration: float = 30.0,
             timeout: float = 30.0) -> dict[str, Any]:
    """`clients` concurrent closed-loop clients POSTing /api/chat for `duration` seconds; throughput,
    latency of the successful requests, and errors (non-200 answers and transport failures)."""
    if not bases or any(not b.startswith("http://127.0.0.1:") for b in bases):
        raise InputError(f"load tests run against 127.0.0.1 only, not {', '.join(bases) or 'nothing'}")
    return asyncio.run(_load(bases, bodies, clients, duration, timeout))
