"""The 100-plan library benchmark: pages generated from the fixture plans (other years, figures and
unit names), ingested into one library, then answered in process and over HTTP beside the single plan.

Generated pages are the fixture pages rewritten consistently — every occurrence of the plan year, of a
renamed unit and of each figure changes together — so each reads as a plan of its own, with its own id.
"""

from __future__ import annotations

import logging
import random
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.bench.load import summary
from assistant.bench.procs import ApiServer, copy_sqlite, peak_rss_mb
from assistant.config import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)
BASE_FOLDERS = (PROJECT_ROOT / "corpus" / "raw", PROJECT_ROOT / "tests" / "fixtures" / "plans")
"""Every plan page in these folders is a base page of the generated library."""
# Fictional unit names a variant gives one of the base page's units (each page keeps its own script).
NEW_NAMES = ("青山区", "白云区", "长乐镇", "东湖区", "南岭镇", "西塘街道", "北溪区", "安平镇", "清河区", "临江镇")
FIGURE = re.compile(r"(?<![\d.〔(])(\d{2,5})(?=\s*(?:张|張|个|個|名|户|戶|家|人次|所))")
Stage = Callable[[str], None]


def variant(text: str, base_year: int, k: int, units: list[str]) -> str:
    """Variant k of a page: year base−k (k ≥ 1), one unit renamed, every count figure raised by k."""
    from assistant.text import detect_script, to_traditional

    year = base_year - k
    out = re.sub(rf"(?<!\d){base_year}(?!\d)", str(year), text)
    if units:
        old = units[k % len(units)]
        new = NEW_NAMES[k % len(NEW_NAMES)]
        new = to_traditional(new) if detect_script(text[:5000]) == "hant" else new
        out = out.replace(old, new)
    return FIGURE.sub(lambda m: str(int(m.group(1)) + k), out)


def generate_pages(folder: Path, count: int) -> list[Path]:
    """`count` pages: the base pages, then variants of each in turn."""
    from assistant.ingest.pipeline import HTML_SUFFIXES, page_text, read_plan
    from assistant.library.entries import plan_year
    from assistant.library.shelf import pages_in

    folder.mkdir(parents=True, exist_ok=True)
    bases = []
    for path in pages_in(list(BASE_FOLDERS)):
        plan = read_plan(path)
        year = plan_year(plan)
        if year is None:
            continue
        raw = path.read_bytes()
        text, html = page_text(path)
        charset = "gbk" if html and b"charset=gb" in raw[:4096].lower() else "utf-8"
        bases.append((path, year, text, charset, plan.units))
    pages = []
    for n in range(count):
        path, year, text, charset, units = bases[n % len(bases)]
        k = n // len(bases)
        suffix = path.suffix if path.suffix.lower() in (".txt", *HTML_SUFFIXES) else ".html" if "<" in text else ".txt"
        out = folder / f"{path.stem}-v{k:02d}{suffix}"  # a container page's variant is the page inside
        body = text if k == 0 else variant(text, year, k, units)
        out.write_bytes(body.encode(charset, errors="replace"))
        pages.append(out)
    return pages


def library_questions(entries: list[Any], n: int, seed: int = 7) -> list[str]:
    """Questions that name a plan (its year and one of its units), spread over the whole library."""
    rng = random.Random(seed)
    asks = ("{year}年{unit}新建多少张家庭养老床位?", "{year}年{unit}的改革攻坚事项有哪些?", "{year}年{unit}新增几个老年助餐点?")
    out = []
    for i in range(n):
        e = entries[rng.randrange(len(entries))]
        unit = e.units[rng.randrange(len(e.units))] if e.units else ""
        place = e.places[0] if e.places else ""
        out.append(asks[i % len(asks)].format(year=e.year, unit=unit or place))
    return out


def _du_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6, 1)


def measure_library_workers(settings: Settings, work: Path, pages: list[Path], questions: list[str], cache: Path,
                            duration_s: float, clients: int = 50) -> dict[str, Any]:
    """The library in one `chroma run` server (a collection per plan), two `assistant serve` workers on it:
    ingest time with the embedding cache warm, one client's latency, then the closed-loop load."""
    from assistant.bench.load import chat_body, run_load, time_http
    from assistant.bench.procs import ChromaServer
    from assistant.bench.run import chroma_executable
    from assistant.library.shelf import add_page

    executable = chroma_executable()
    if executable is None:
        return {"skipped": "the chroma console script is not installed"}
    chroma = ChromaServer(work / "chroma-library", executable)
    servers: list[ApiServer] = []
    try:
        chroma.start()
        index = work / "library-server"
        one = settings.model_copy(update={"index_dir": index, "chroma_url": chroma.url})
        started = time.perf_counter()
        for page in pages:
            add_page(one, page)
        ingest_s = time.perf_counter() - started
        servers = [ApiServer(work, index, cache, chroma.url) for _ in range(2)]
        ready = [s.wait_ready(timeout=1200) for s in servers]
        rows = [{"question": q} for q in questions]
        timings, errors = time_http(servers[0].url, rows)
        load = run_load([s.url for s in servers], [chat_body(r) for r in rows], clients, duration_s)
        rss = [peak_rss_mb(s.pid) for s in servers]
    finally:
        for server in servers:
            server.stop()
        chroma.stop()
    return {"ingest_s": round(ingest_s, 1), "ready_s": [round(r, 1) for r in ready],
            "single_ms": summary([ms for _, ms in timings]), "errors": len(errors), "load": load, "rss_mb": rss}


def measure_library(settings: Settings, work: Path, rows: list[dict[str, Any]], count: int,
                    say: Stage, config_duration: float = 10.0) -> dict[str, Any]:
    """Build a `count`-plan library (cold, then again with the embedding cache warm), answer in process
    and over HTTP; the figures beside the single plan's."""
    from assistant.library.service import Library
    from assistant.library.shelf import add_page

    pages = generate_pages(work / "library-pages", count)
    cache = work / "library-cache.sqlite"
    copy_sqlite(work / "passages.sqlite", cache)
    index = work / "library"
    lib_settings = settings.model_copy(update={"index_dir": index, "embedding_cache": cache, "chroma_url": None,
                                               "llm_base_url": None})
    say(f"library: ingesting {count} generated pages (cold)")
    started = time.perf_counter()
    for page in pages:
        add_page(lib_settings, page)
    cold_s = time.perf_counter() - started
    say(f"library: ingesting the {count} pages again into a fresh library (embedding cache warm)")
    warm_index = work / "library-warm"
    warm_settings = lib_settings.model_copy(update={"index_dir": warm_index})
    started = time.perf_counter()
    for page in pages:
        add_page(warm_settings, page)
    warm_s = time.perf_counter() - started
    shutil.rmtree(warm_index, ignore_errors=True)
    say("library: answering in process")
    started = time.perf_counter()
    library = Library.load(lib_settings.model_copy(update={"answer_cache_size": 0}), build_if_missing=False)
    load_s = time.perf_counter() - started
    scoped = library_questions(library.entries, len(rows))
    library.ask(rows[0]["question"])
    seed_ms: list[float] = []
    scoped_ms: list[float] = []
    for row, question in zip(rows, scoped, strict=False):
        for text, bucket in ((row["question"], seed_ms), (question, scoped_ms)):
            t0 = time.perf_counter()
            library.ask(text)
            bucket.append((time.perf_counter() - t0) * 1000)
    switches = library.gate.switches
    del library
    say("library: one server over HTTP")
    server = ApiServer(work, index, cache)
    try:
        ready_s = server.wait_ready(timeout=1200)
        rss_ready = peak_rss_mb(server.pid)
        from assistant.bench.load import time_http

        timings, errors = time_http(server.url, [{"question": q} for q in scoped])
        seed_timings, seed_errors = time_http(server.url, rows)
        rss = peak_rss_mb(server.pid)
    finally:
        server.stop()
    http_ms = [ms for _, ms in timings]
    errors += seed_errors
    say("library: two workers over one Chroma server")
    workers = measure_library_workers(lib_settings, work, pages, scoped, cache, config_duration)
    return {
        "plans": count, "pages_per_min_cold": round(count / cold_s * 60, 1),
        "pages_per_min_cached": round(count / warm_s * 60, 1), "ingest_cold_s": round(cold_s, 1),
        "ingest_cached_s": round(warm_s, 1), "index_mb": _du_mb(index), "load_s": round(load_s, 1),
        "in_process": {"seed_questions_ms": summary(seed_ms), "scoped_questions_ms": summary(scoped_ms),
                       "vocabulary_switches": switches},
        "http": {"ready_s": round(ready_s, 1), "scoped_questions_ms": summary(http_ms),
                 "seed_questions_ms": summary([ms for _, ms in seed_timings]), "errors": len(errors),
                 "rss_mb": {"ready": rss_ready, "after": rss}},
        "workers": workers,
        "dense": "exact: each plan's collection holds a few hundred vectors, under ef_search "
                 f"({settings.hnsw_ef_search}), so HNSW visits every one",
    }
