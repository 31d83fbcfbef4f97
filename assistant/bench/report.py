"""bench.json and bench.md: the figures of one `assistant bench` run, and the targets met or missed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROUTES = ("lookup", "retrieval", "abstain", "refused")


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _latency_rows(title: str, stats: dict[str, Any]) -> list[str]:
    """One table: all questions, then each route."""
    rows = [f"| {title} | n | p50 ms | p95 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|"]
    routes = stats["routes"]
    for name, s in [("all", stats["all"]), *[(r, routes[r]) for r in ROUTES if r in routes],
                    *[(r, v) for r, v in routes.items() if r not in ROUTES]]:
        rows.append(f"| {name} | {s['n']} | {_ms(s['p50'])} | {_ms(s['p95'])} | {_ms(s['p99'])} | {_ms(s['max'])} |")
    return rows


def _load_row(label: str, load: dict[str, Any]) -> str:
    lat = load["latency_ms"]
    return (f"| {label} | {load['clients']} | {load['duration_s']} | {load['requests']} | {load['throughput_rps']} | "
            f"{_ms(lat['p50'])} | {_ms(lat['p95'])} | {_ms(lat['p99'])} | {load['errors']} |")


def _rss(value: dict[str, float] | None) -> str:
    return "n/a" if not value else f"{value['peak']} MB peak ({value['now']} MB now)"


def render_markdown(report: dict[str, Any]) -> str:
    """The human-readable report."""
    met = [t for t in report["targets"] if t["met"]]
    machine, base = report["machine"], report["baseline"]
    lines = [
        "# Benchmark", "",
        f"Generated {report['generated_at']} by `assistant bench{' --quick' if report['quick'] else ''}` in "
        f"{report['elapsed_s']} s on {machine['cpus']} CPUs, Python {machine['python']} ({machine['platform']}). "
        f"{report['questions']} questions from eval/questions.jsonl; every figure below was measured in this run.",
        "", f"## Targets: {len(met)} of {len(report['targets'])} met", "",
        "| target | goal | measured | |", "|---|---|---|---|",
        *[f"| {t['name']} | {t['target']} | {t['value']} | "
          f"{'met' if t['met'] else 'n/a' if t['met'] is None else '**missed**'} |" for t in report["targets"]],
        "", "## Build", "",
        f"- cold `assistant ingest` (raw page → ready index, empty index dir, empty embedding cache, "
        f"{report['build']['chunks']} chunks, {report['build']['embedding_model']}): {report['build']['cold_s']} s",
        f"- warm `assistant ingest` (nothing changed; the command's wall clock, interpreter start included): "
        f"{report['build']['warm_s']} s — the build itself, in process: {report['build']['warm_in_process_s']} s",
        "", "## Answer latency, one question at a time", "",
        f"In process (Assistant loaded in {report['in_process']['load_s']} s):", "",
        *_latency_rows("in process", report["in_process"]), "",
        f"Over HTTP, `POST /api/chat` to `assistant serve` on 127.0.0.1, one client "
        f"(ready {report['http']['ready_s']} s after start; {report['http']['single']['errors']} errors):", "",
        *_latency_rows("HTTP", report["http"]["single"]), "",
        f"Textbook baseline ({base['pipeline']}, {base['chunks']} chunks), retrieval only — embed the question, "
        f"search Chroma, no answer composed: p50 {_ms(base['retrieval_ms']['p50'])} ms, "
        f"p95 {_ms(base['retrieval_ms']['p95'])} ms, p99 {_ms(base['retrieval_ms']['p99'])} ms.",
        "", "## Load", "",
        "Closed loop: each client sends its next question as soon as the last is answered.", "",
        "| setup | clients | seconds | answered | answers/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        _load_row("one `assistant serve`", report["http"]["load"]),
    ]
    if "load_uncached" in report["http"]:
        lines.append(_load_row("one `assistant serve`, answer cache off", report["http"]["load_uncached"]))
    new = report["http"].get("new_questions")
    if new:
        lines.append(_load_row("one `assistant serve`, new questions only", new["single"]))
        lines.append(_load_row("one `assistant serve`, new questions only", new["load"]))
    workers = report["workers"]
    if "load" in workers:
        lines.append(_load_row("two workers + `chroma run`", workers["load"]))
    lines += ["", "## Memory", "", f"- one server, ready: {_rss(report['http']['rss_mb']['ready'])}",
              f"- one server, after the load: {_rss(report['http']['rss_mb']['after_load'])}"]
    if "rss_mb" in workers:
        lines += [f"- worker {i}, after the load: {_rss(r)}" for i, r in enumerate(workers["rss_mb"], start=1)]
    if "skipped" in workers:
        lines += ["", f"Two workers + Chroma server: skipped ({workers['skipped']})."]
    if new:
        lines += ["", f"New questions: {new['variants']} generated variants of the eval questions (a polite prefix "
                  f"and suffix; all distinct after normalisation), each sent once "
                  f"(repeated: {new['single'].get('repeated', 0)} + {new['load'].get('repeated', 0)}); "
                  f"the server's caches afterwards: `{new.get('caches')}`."]
        if new.get("long"):
            long = new["long"]
            lines += ["", f"A {long['chars']}-character question: chat p50 {_ms(long['chat_ms']['p50'])} ms, max "
                      f"{_ms(long['chat_ms']['max'])} ms; search p50 {_ms(long['search_ms']['p50'])} ms, max "
                      f"{_ms(long['search_ms']['max'])} ms."]
    for load in (report["http"]["load"], report["http"].get("load_uncached") or {}, workers.get("load") or {},
                 *((new["single"], new["load"]) if new else ())):
        for sample in load.get("error_samples", []):
            lines.append(f"- error sample: `{sample}`")
    library = report.get("library")
    if library:
        ip, http = library["in_process"], library["http"]
        lines += ["", f"## Library of {library['plans']} plans", "",
                  "Pages generated from the fixture plans (other years, one unit renamed, figures changed), each "
                  "its own plan in one index dir; the single-plan rows above are this run's too.", "",
                  "| measure | single plan | library |", "|---|---:|---:|",
                  f"| ingest, pages/min (cold embedding cache) | — | {library['pages_per_min_cold']} |",
                  f"| ingest, pages/min (embedding cache warm) | — | {library['pages_per_min_cached']} |",
                  f"| index size, MB | — | {library['index_mb']} |",
                  f"| load, s (in process) | {report['in_process']['load_s']} | {library['load_s']} |",
                  f"| in process p50 / p95 ms, eval questions | {_ms(report['in_process']['all']['p50'])} / "
                  f"{_ms(report['in_process']['all']['p95'])} | {_ms(ip['seed_questions_ms']['p50'])} / "
                  f"{_ms(ip['seed_questions_ms']['p95'])} |",
                  f"| in process p50 / p95 ms, questions naming a plan (year + unit) | — | "
                  f"{_ms(ip['scoped_questions_ms']['p50'])} / {_ms(ip['scoped_questions_ms']['p95'])} |",
                  f"| HTTP one client p50 / p95 ms, eval questions | {_ms(report['http']['single']['all']['p50'])} / "
                  f"{_ms(report['http']['single']['all']['p95'])} | {_ms(http['seed_questions_ms']['p50'])} / "
                  f"{_ms(http['seed_questions_ms']['p95'])} |",
                  f"| HTTP one client p50 / p95 ms, questions naming a plan | — | "
                  f"{_ms(http['scoped_questions_ms']['p50'])} / {_ms(http['scoped_questions_ms']['p95'])} |",
                  f"| server ready, s | {report['http']['ready_s']} | {http['ready_s']} |",
                  f"| server RSS | {_rss(report['http']['rss_mb']['ready'])} | {_rss(http['rss_mb']['after'])} |",
                  "", f"Vocabulary switches in process: {ip['vocabulary_switches']}. HTTP errors: {http['errors']}. "
                  f"Dense search: {library['dense']}."]
        workers = library.get("workers") or {}
        if "load" in workers:
            lines += ["", f"Two workers over one `chroma run` (a collection per plan): ingest {workers['ingest_s']} s "
                      f"with the embedding cache warm; ready {workers['ready_s']} s; one client p50 / p95 "
                      f"{_ms(workers['single_ms']['p50'])} / {_ms(workers['single_ms']['p95'])} ms "
                      f"({workers['errors']} errors); RSS {', '.join(_rss(r) for r in workers['rss_mb'])}.", "",
                      "| setup | clients | seconds | answered | answers/s | p50 ms | p95 ms | p99 ms | errors |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
                      _load_row(f"{library['plans']}-plan library, two workers + `chroma run`", workers["load"])]
        elif workers:
            lines += ["", f"Library on a Chroma server: skipped ({workers.get('skipped')})."]
    lines += ["", "## Method", "",
              "Question vectors are kept in memory per server (`ASSISTANT_QUERY_VECTOR_CACHE_SIZE`); each "
              "answering phase starts from a copy of the passage cache, so every question's first answer pays for "
              "embedding it. The baseline never caches questions. Repeats during the load phases hit the caches "
              "(question vectors and finished answers, `ASSISTANT_ANSWER_CACHE_SIZE`), as repeated questions do in "
              "production; the row with the answer cache off shows the cost of answering every request afresh, and "
              "the new-question rows send only questions no cache has seen. The load generator (asyncio "
              "streams, one keep-alive HTTP/1.1 connection per client; the one-client run uses httpx) runs on "
              "the same machine and shares its CPUs.", ""]
    return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    """Through a temporary file, so a crash never leaves half a report."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_reports(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """bench.json and bench.md in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "bench.json", out_dir / "bench.md"]
    _write(paths[0], json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    _write(paths[1], render_markdown(report))
    return paths
