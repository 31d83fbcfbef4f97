"""The benchmark's phases, all measured in one run in a temporary directory that is removed afterwards.

1. build: `assistant ingest` from the raw page into an empty index dir with an empty embedding cache
   (cold), then again (warm); both as the command a person runs, wall clock, interpreter start included.
2. in process: the Assistant loaded from that index answers every question once.
3. baseline: the textbook LangChain pipeline (`assistant.evaluation.baseline`) retrieves for every
   question once: retrieval only, no generation.
4. over HTTP: `assistant serve` on loopback answers every question once, one client; then `clients`
   concurrent clients for `duration` seconds; then its peak RSS.
   The load is run again against a server with the answer cache off, to show what the cache buys.
   New questions: a fresh server gets only questions no cache has seen (`bench.fresh.variations`),
   from one client and then from `clients` clients; the server's cache counters confirm no hits.
5. scaled: a `chroma run` server, the index ingested once against it, two `assistant serve` workers
   sharing it, and the same load spread over both.

Question vectors are cached in memory per process (`CachedEmbeddings`), and phases 2 and 4 each start
from a copy of the passage cache: every question's first answer pays for its embedding, and the
baseline never caches its questions. Repeats within the load phases hit the caches (question
vectors, and finished answers), as they would in production.
"""

from __future__ import annotations

import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.bench.fresh import variations
from assistant.bench.load import by_route, chat_body, run_load, summary, time_http, time_in_process
from assistant.bench.procs import ApiServer, ChromaServer, bench_env, chroma_executable, copy_sqlite, peak_rss_mb
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.evaluation import QUESTIONS_PATH
from assistant.evaluation.batch import load_questions

log = logging.getLogger(__name__)
Stage = Callable[[str], None]

WARM_UP = "三季度的改革进度?"  # a question every plan with a milestone table answers
"""What the server asks itself before /readyz turns 200; the in-process and baseline runs do the same."""


@dataclass(frozen=True)
class BenchConfig:
    """How long and how wide to measure."""

    quick: bool = False
    duration_s: float = 30.0
    clients: int = 50
    stride: int = 1
    """Every stride-th question of eval/questions.jsonl is timed (all of them in a full run)."""
    library_plans: int = 100
    """Plans in the library phase (0 skips it)."""
    library_only: bool = False
    """Only the build, the single-plan server and the library phase (what the library rows compare)."""

    @classmethod
    def make(cls, quick: bool, duration_s: float | None = None, clients: int = 50, library_plans: int | None = None,
             library_only: bool = False) -> BenchConfig:
        """The full run, or --quick: 5 s load phases, every 5th question and a 20-plan library."""
        default = 5.0 if quick else 30.0
        plans = library_plans if library_plans is not None else (20 if quick else 100)
        return cls(quick=quick, duration_s=duration_s or default, clients=clients, stride=5 if quick else 1,
                   library_plans=plans, library_only=library_only)


def run_cli(args: list[str], env: dict[str, str], timeout: float = 900.0) -> float:
    """Run `python -m assistant.cli ARGS`; wall-clock seconds, or an error with its stderr."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise AssistantError(f"`assistant {' '.join(args)}` failed ({done.returncode}): {done.stderr[-2000:]}")
    return time.perf_counter() - started


def local(settings: Settings, **update: Any) -> Settings:
    """The configured settings with the benchmark's own paths and no remote services."""
    return settings.model_copy(update={"chroma_url": None, "llm_base_url": None, **update})


def measure_build(settings: Settings, work: Path) -> dict[str, Any]:
    """Cold and warm `assistant ingest` in a fresh index dir with a fresh embedding cache."""
    from assistant.service import build

    index, cache = work / "index", work / "cache.sqlite"
    env = bench_env(ASSISTANT_INDEX_DIR=str(index), ASSISTANT_EMBEDDING_CACHE=str(cache))
    cold = run_cli(["ingest"], env)
    warm = run_cli(["ingest"], env)
    started = time.perf_counter()
    report = build(local(settings, index_dir=index, embedding_cache=cache))
    warm_in_process = time.perf_counter() - started
    if report.plan_written or report.index.changed:
        raise AssistantError("a warm rebuild rewrote the index: the build is not idempotent")
    copy_sqlite(cache, work / "passages.sqlite")  # before any question is embedded
    return {"cold_s": round(cold, 2), "warm_s": round(warm, 2), "warm_in_process_s": round(warm_in_process, 3),
            "chunks": report.chunks, "embedding_model": report.index.model_id}


def measure_in_process(settings: Settings, work: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Load the Assistant in this process and time each answer."""
    from assistant.service import Assistant

    cache = work / "cache-in-process.sqlite"
    copy_sqlite(work / "passages.sqlite", cache)
    started = time.perf_counter()
    assistant = Assistant.load(local(settings, index_dir=work / "index", embedding_cache=cache), build_if_missing=False)
    load_s = time.perf_counter() - started
    assistant.ask(WARM_UP)
    return {"load_s": round(load_s, 2), **by_route(time_in_process(assistant.ask, rows))}


def measure_baseline(settings: Settings, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The textbook pipeline's retrieval latency (question embedding + top-4 Chroma search)."""
    from assistant.embeddings import get_embeddings
    from assistant.evaluation.baseline import CHUNK_OVERLAP, CHUNK_SIZE, TOP_K, TextbookRAG

    embeddings = get_embeddings(settings)  # passages may come from the shared cache: building is not timed
    embeddings.cache_queries = False  # every question is embedded, as a textbook pipeline does
    started = time.perf_counter()
    rag = TextbookRAG(settings.source.read_text(encoding="utf-8"), embeddings)
    build_s = time.perf_counter() - started
    try:
        rag.retrieve(WARM_UP)
        latencies = []
        for row in rows:
            t0 = time.perf_counter()
            rag.retrieve(row["question"])
            latencies.append((time.perf_counter() - t0) * 1000)
    finally:
        rag.close()
    return {"pipeline": f"RecursiveCharacterTextSplitter {CHUNK_SIZE}/{CHUNK_OVERLAP} over the raw page, "
                        f"Chroma in memory, top-{TOP_K}", "chunks": len(rag.chunks), "build_s": round(build_s, 2),
            "retrieval_ms": summary(latencies)}


def measure_server(work: Path, rows: list[dict[str, Any]], config: BenchConfig) -> dict[str, Any]:
    """One `assistant serve` (default config): one client over every question, then the load, then RSS."""
    cache = work / "cache-http.sqlite"
    copy_sqlite(work / "passages.sqlite", cache)
    server = ApiServer(work, work / "index", cache)
    try:
        ready_s = server.wait_ready()
        rss_ready = peak_rss_mb(server.pid)
        timings, errors = time_http(server.url, rows)
        load = run_load([server.url], [chat_body(r) for r in rows], config.clients, config.duration_s)
        rss = peak_rss_mb(server.pid)
    finally:
        server.stop()
    return {"ready_s": round(ready_s, 2), "single": {**by_route(timings), "errors": len(errors),
                                                    "error_samples": errors[:5]},
            "load": load, "rss_mb": {"ready": rss_ready, "after_load": rss}}


def measure_uncached_load(work: Path, rows: list[dict[str, Any]], config: BenchConfig) -> dict[str, Any]:
    """The same load against a server whose answer cache is off: every request is answered afresh."""
    cache = work / "cache-nocache.sqlite"
    copy_sqlite(work / "passages.sqlite", cache)
    server = ApiServer(work, work / "index", cache, ASSISTANT_ANSWER_CACHE_SIZE="0")
    try:
        server.wait_ready()
        return run_load([server.url], [chat_body(r) for r in rows], config.clients, config.duration_s)
    finally:
        server.stop()


NEW_PER_SECOND = 400
"""Variants generated per second of a new-question phase: more than one server can answer, so none repeats."""


def measure_new_questions(work: Path, rows: list[dict[str, Any]], config: BenchConfig) -> dict[str, Any]:
    """One server (default config) answering only never-seen questions: one client, then `clients` clients."""
    cache = work / "cache-new.sqlite"
    copy_sqlite(work / "passages.sqlite", cache)
    bodies = [chat_body(r) for r in variations(rows, int(NEW_PER_SECOND * config.duration_s) + 500)]
    server = ApiServer(work, work / "index", cache)
    try:
        server.wait_ready()
        half = len(bodies) // 4  # the one-client phase answers far fewer; the rest stays unseen for the load
        single = run_load([server.url], bodies[:half], 1, config.duration_s, distinct=True)
        load = run_load([server.url], bodies[half:], config.clients, config.duration_s, distinct=True)
        caches = server_caches(server.url)
        long = measure_long_questions(server.url, rows)
    finally:
        server.stop()
    return {"variants": len(bodies), "single": single, "load": load, "caches": caches, "long": long}


LONG_CHARS = 2000
"""The longest question the server accepts: what one request can make the stages work through."""


def measure_long_questions(base: str, rows: list[dict[str, Any]], n: int = 5) -> dict[str, Any]:
    """Milliseconds for `n` distinct 2,000-character questions, through /api/chat and /api/search."""
    import httpx

    text = " ".join(r["question"] for r in rows)
    chat_ms: list[float] = []
    search_ms: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for i in range(n):
            question = (f"{i} " + text[i * 97:])[:LONG_CHARS]
            started = time.perf_counter()
            client.post("/api/chat", json={"messages": [{"role": "user", "content": question}]}).raise_for_status()
            chat_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            client.get("/api/search", params={"q": question[::-1]}).raise_for_status()
            search_ms.append((time.perf_counter() - started) * 1000)
    return {"chars": LONG_CHARS, "chat_ms": summary(chat_ms), "search_ms": summary(search_ms)}


def server_caches(base: str) -> dict[str, Any] | None:
    """The cache counters a server reports in /readyz (hits must stay 0 for new questions)."""
    import httpx

    try:
        return httpx.get(f"{base}/readyz", timeout=10).json().get("caches")
    except (httpx.HTTPError, ValueError):
        return None


def measure_workers(settings: Settings, work: Path, rows: list[dict[str, Any]], config: BenchConfig) -> dict[str, Any]:
    """Two `assistant serve` workers sharing one `chroma run` server, under the same load."""
    from assistant.service import build

    executable = chroma_executable()
    if executable is None:
        return {"skipped": "the chroma console script is not installed"}
    chroma = ChromaServer(work / "chroma-server", executable)
    servers: list[ApiServer] = []
    try:
        chroma.start()
        index, cache = work / "index-server", work / "cache-workers.sqlite"
        copy_sqlite(work / "passages.sqlite", cache)
        started = time.perf_counter()
        build(local(settings, index_dir=index, embedding_cache=cache).model_copy(update={"chroma_url": chroma.url}))
        ingest_s = time.perf_counter() - started
        servers = [ApiServer(work, index, cache, chroma.url) for _ in range(2)]
        ready = [s.wait_ready() for s in servers]
        load = run_load([s.url for s in servers], [chat_body(r) for r in rows], config.clients, config.duration_s)
        rss = [peak_rss_mb(s.pid) for s in servers]
    finally:
        for server in servers:
            server.stop()
        chroma.stop()
    return {"ingest_s": round(ingest_s, 2), "ready_s": [round(r, 2) for r in ready], "load": load,
            "rss_mb": rss}


def target(name: str, goal: str, value: str, met: bool | None) -> dict[str, Any]:
    """One row of the targets table; `met` None when it could not be measured."""
    return {"name": name, "target": goal, "value": value, "met": met}


def check_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, met or missed, from the figures of this run."""
    http_p95 = report["http"]["single"]["all"]["p95"]
    base_p95 = report["baseline"]["retrieval_ms"]["p95"]
    out = [target("answer p95 over HTTP, one client", f"≤ 2 × baseline retrieval-only p95 = {2 * base_p95:.1f} ms",
                  f"{http_p95:.1f} ms", http_p95 <= 2 * base_p95)]
    loads = [("one server", report["http"]["load"])]
    if "load" in report["workers"]:
        loads.append(("two workers + Chroma server", report["workers"]["load"]))
    for label, load in loads:
        p95 = load["latency_ms"]["p95"]
        met = load["errors"] == 0 and p95 is not None and p95 <= 5 * http_p95
        out.append(target(f"{load['clients']} clients, {label}", f"0 errors, p95 ≤ 5 × one-client p95 = "
                          f"{5 * http_p95:.0f} ms", f"{load['errors']} errors, p95 {p95} ms", met))
    rss = (report["http"]["rss_mb"]["after_load"] or {}).get("peak")
    out.append(target("server peak RSS after load (default config)", "≤ 600 MB",
                      f"{rss} MB" if rss is not None else "n/a (no /proc)", rss <= 600 if rss is not None else None))
    new = report["http"].get("new_questions")
    if new:
        load = new["load"]
        p95, rps = load["latency_ms"]["p95"], load["throughput_rps"]
        met = load["errors"] == 0 and load.get("repeated", 0) == 0 and p95 is not None and rps >= 100 and p95 <= 600
        out.append(target(f"new questions, {load['clients']} clients, one server",
                          "≥ 100 answers/s, p95 ≤ 600 ms, 0 errors, no repeats",
                          f"{rps} answers/s, p95 {p95} ms, {load['errors']} errors", met))
    long = (new or {}).get("long")
    if long:
        worst = max(long["chat_ms"]["max"] or 0, long["search_ms"]["max"] or 0)
        out.append(target(f"a {long['chars']}-character question (chat and search, one client)", "≤ 100 ms",
                          f"max {worst:.1f} ms", worst <= 100))
    library = report.get("library")
    if library:
        single_p95 = report["http"]["single"]["all"]["p95"]
        lib_p95 = max(library["http"]["scoped_questions_ms"]["p95"] or 0, library["http"]["seed_questions_ms"]["p95"] or 0)
        out.append(target(f"answer p95 over HTTP, {library['plans']}-plan library (eval questions and questions "
                          "naming a plan, the slower)",
                          f"≤ 1.5 × single-plan p95 = {1.5 * single_p95:.1f} ms", f"{lib_p95:.1f} ms",
                          lib_p95 is not None and lib_p95 <= 1.5 * single_p95 and library["http"]["errors"] == 0))
    warm = report["build"]["warm_s"]
    out.append(target("warm rebuild (`assistant ingest`, unchanged page)", "≤ 2 s", f"{warm:.2f} s", warm <= 2.0))
    return out


def run_bench(settings: Settings, config: BenchConfig, stage: Stage | None = None) -> dict[str, Any]:
    """Every phase, in order, in a temp dir; the report dict (bench.json)."""
    say = stage or (lambda name: log.info("bench: %s", name))
    rows_all = load_questions(QUESTIONS_PATH)
    rows = rows_all[:: config.stride]
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    report: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "quick": config.quick,
        "questions": len(rows), "clients": config.clients, "load_duration_s": config.duration_s,
        "machine": {"cpus": _cpus(), "python": platform.python_version(), "platform": platform.platform()},
    }
    try:
        say("cold and warm build (assistant ingest)")
        report["build"] = measure_build(settings, work)
        say(f"answering {len(rows)} questions in process")
        report["in_process"] = measure_in_process(settings, work, rows)
        say("textbook baseline: retrieval only")
        report["baseline"] = measure_baseline(settings, rows)
        say(f"one server: one client, then {config.clients} clients for {config.duration_s:g}s")
        report["http"] = measure_server(work, rows, config)
        if not config.library_only:
            say(f"one server, answer cache off: {config.clients} clients for {config.duration_s:g}s")
            report["http"]["load_uncached"] = measure_uncached_load(work, rows, config)
            say(f"one server, new questions only: 1 client, then {config.clients} clients, {config.duration_s:g}s each")
            report["http"]["new_questions"] = measure_new_questions(work, rows_all, config)
            say(f"two workers + a Chroma server: {config.clients} clients for {config.duration_s:g}s")
            report["workers"] = measure_workers(settings, work, rows, config)
        else:
            report["workers"] = {"skipped": "--library-only"}
        if config.library_plans:
            from assistant.bench.library import measure_library

            report["library"] = measure_library(local(settings), work, rows, config.library_plans, say,
                                                config.duration_s)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["targets"] = check_targets(report)
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    return report


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
