"""`assistant bench --quick` end to end: every phase runs for real on loopback and the report says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.config import PROJECT_ROOT

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def bench_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("bench")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    cmd = [sys.executable, "-m", "assistant.cli", "bench", "--quick", "--clients", "8", "--duration", "2",
           "--reports", str(out)]
    done = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "wrote" in done.stdout and "warm rebuild" in done.stdout
    return json.loads((out / "bench.json").read_text(encoding="utf-8")), (out / "bench.md").read_text(encoding="utf-8")


def test_every_phase_was_measured_without_errors(bench_report: tuple[dict, str]) -> None:  # type: ignore[type-arg]
    report, _ = bench_report
    assert report["quick"] and report["questions"] == 61  # every 5th of the 301 questions
    assert report["build"]["chunks"] == 146 and report["build"]["cold_s"] > report["build"]["warm_in_process_s"]
    assert report["in_process"]["all"]["n"] == report["http"]["single"]["all"]["n"] == 61
    assert report["http"]["single"]["errors"] == 0
    assert report["baseline"]["retrieval_ms"]["n"] == 61 and report["baseline"]["retrieval_ms"]["p95"] > 0
    loads = [report["http"]["load"], report["http"]["load_uncached"]]
    if "skipped" not in report["workers"]:
        loads.append(report["workers"]["load"])
        assert report["workers"]["load"]["workers"] == 2
    for load in loads:
        assert load["clients"] == 8 and load["requests"] > 0 and load["errors"] == 0, load
    assert report["http"]["rss_mb"]["after_load"]["peak"] > 100


def test_the_new_question_rows_send_only_questions_no_cache_has_seen(bench_report: tuple[dict, str]) -> None:  # type: ignore[type-arg]
    report, markdown = bench_report
    new = report["http"]["new_questions"]
    for load in (new["single"], new["load"]):
        assert load["requests"] > 0 and load["errors"] == 0 and load["repeated"] == 0, load
    assert new["single"]["clients"] == 1 and new["load"]["clients"] == 8
    assert new["caches"]["answers"]["hits"] == 0
    # Questions whose terms BM25 settles are not embedded at all (lexical_first); the rest embed a vector
    # no earlier question had: the vector cache serves next to nothing.
    vectors = new["caches"]["vectors"]
    assert vectors["misses"] > 0 and vectors["hits"] <= max(5, vectors["misses"] // 10), vectors
    assert new["long"]["chat_ms"]["n"] == new["long"]["search_ms"]["n"] == 5
    assert "new questions only" in markdown


def test_targets_are_judged_from_the_figures_of_the_same_run(bench_report: tuple[dict, str]) -> None:  # type: ignore[type-arg]
    report, markdown = bench_report
    targets = {t["name"]: t for t in report["targets"]}
    http_p95 = report["http"]["single"]["all"]["p95"]
    base_p95 = report["baseline"]["retrieval_ms"]["p95"]
    first = targets["answer p95 over HTTP, one client"]
    assert first["met"] == (http_p95 <= 2 * base_p95) and f"{2 * base_p95:.1f} ms" in first["target"]
    warm = targets["warm rebuild (`assistant ingest`, unchanged page)"]
    assert warm["met"] == (report["build"]["warm_s"] <= 2.0)
    for t in report["targets"]:
        assert t["name"] in markdown and ("**missed**" in markdown or all(x["met"] is not False for x in report["targets"]))
