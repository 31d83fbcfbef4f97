"""Retrieval evaluation: hit@k and MRR of BM25 alone, dense alone and the hybrid, side by side.

Input is eval/retrieval.jsonl, one `{"id", "query", "language", "relevant": [chunk ids]}` per line. A
query scores a hit when any relevant chunk is among the first k results; its reciprocal rank is 1/rank
of the first relevant chunk within the first `MRR_DEPTH` results (0 when none is). Figures are given
overall and per language, and the hybrid is gated by `THRESHOLDS`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.retrieve import HybridRetriever, Mode

MODES: tuple[Mode, ...] = ("bm25", "dense", "hybrid")
MRR_DEPTH = 10
THRESHOLDS = {"hit": 0.95, "mrr": 0.85, "language_hit": 0.90}
"""Acceptance for the hybrid: overall hit@k and MRR, and hit@k of every language."""


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Read and validate the query file; errors name the line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read retrieval eval file {path}: {exc}") from exc
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{no}: not JSON ({exc})") from exc
        ok = (
            isinstance(row, dict)
            and isinstance(row.get("id"), str | int)
            and isinstance(row.get("query"), str)
            and row["query"].strip()
            and isinstance(row.get("relevant"), list)
            and row["relevant"]
            and all(isinstance(r, str) for r in row["relevant"])
        )
        if not ok:
            raise InputError(f"{path}:{no}: need id, a non-empty query and a non-empty list `relevant` of chunk ids")
        if str(row["id"]) in seen:
            raise InputError(f"{path}:{no}: duplicate id {row['id']!r}")
        seen.add(str(row["id"]))
        rows.append(row)
    if not rows:
        raise InputError(f"{path} has no queries")
    return rows


def unknown_ids(rows: Iterable[dict[str, Any]], chunk_ids: set[str]) -> dict[str, list[str]]:
    """Relevant ids that name no chunk, by query id (a stale eval file would silently score 0)."""
    out: dict[str, list[str]] = {}
    for row in rows:
        missing = [r for r in row["relevant"] if r not in chunk_ids]
        if missing:
            out[str(row["id"])] = missing
    return out


def _summary(hits: Sequence[float], rrs: Sequence[float]) -> dict[str, float | int]:
    n = len(hits)
    return {"n": n, "hit": sum(hits) / n if n else 0.0, "mrr": sum(rrs) / n if n else 0.0}


def evaluate(retriever: HybridRetriever, rows: Sequence[dict[str, Any]], k: int = 5) -> dict[str, Any]:
    """hit@k and MRR@10 per mode, overall and per language, with the misses of each mode."""
    per: dict[str, dict[str, list[tuple[float, float]]]] = {m: {} for m in MODES}
    misses: dict[str, list[dict[str, Any]]] = {m: [] for m in MODES}
    degraded = False
    for row in rows:
        relevant = set(row["relevant"])
        language = str(row.get("language") or "unknown")
        for mode in MODES:
            ranked = [h.id for h in retriever.search(row["query"], k=max(k, MRR_DEPTH), mode=mode)]
            degraded = degraded or retriever.degraded
            first = next((i for i, cid in enumerate(ranked[:MRR_DEPTH], start=1) if cid in relevant), None)
            hit = 1.0 if first is not None and first <= k else 0.0
            rr = 1.0 / first if first is not None else 0.0
            per[mode].setdefault(language, []).append((hit, rr))
            if not hit:
                misses[mode].append(
                    {"id": row["id"], "query": row["query"], "relevant": row["relevant"], "top": ranked[:k]}
                )
    modes: dict[str, Any] = {}
    for mode in MODES:
        everything = [pair for pairs in per[mode].values() for pair in pairs]
        modes[mode] = {
            "overall": _summary([h for h, _ in everything], [r for _, r in everything]),
            "by_language": {
                lang: _summary([h for h, _ in pairs], [r for _, r in pairs])
                for lang, pairs in sorted(per[mode].items())
            },
        }
    report = {"k": k, "mrr_depth": MRR_DEPTH, "queries": len(rows), "degraded": degraded, "modes": modes,
              "misses": misses}
    report["gate"] = gate(report)
    return report


def gate(report: dict[str, Any]) -> dict[str, Any]:
    """Whether the hybrid meets `THRESHOLDS`, with a reason per failure."""
    hybrid = report["modes"]["hybrid"]
    k = report["k"]
    reasons = []
    if hybrid["overall"]["hit"] < THRESHOLDS["hit"]:
        reasons.append(f"hybrid hit@{k} {hybrid['overall']['hit']:.3f} < {THRESHOLDS['hit']}")
    if hybrid["overall"]["mrr"] < THRESHOLDS["mrr"]:
        reasons.append(f"hybrid MRR {hybrid['overall']['mrr']:.3f} < {THRESHOLDS['mrr']}")
    for lang, figures in hybrid["by_language"].items():
        if figures["hit"] < THRESHOLDS["language_hit"]:
            reasons.append(f"hybrid hit@{k} for {lang} {figures['hit']:.3f} < {THRESHOLDS['language_hit']}")
    if report.get("degraded"):
        reasons.append("dense retrieval was unavailable during the run (BM25 only)")
    return {"passed": not reasons, "reasons": reasons, "thresholds": THRESHOLDS}


def table_rows(report: dict[str, Any]) -> list[list[str]]:
    """[scope, then hit@k and MRR per mode] rows: overall first, then each language."""
    modes = report["modes"]
    scopes = ["overall", *modes["hybrid"]["by_language"]]
    rows = []
    for scope in scopes:
        cells = [scope]
        for mode in MODES:
            fig = modes[mode]["overall"] if scope == "overall" else modes[mode]["by_language"].get(scope, {})
            cells += [f"{fig.get('hit', 0.0):.3f}", f"{fig.get('mrr', 0.0):.3f}"]
        n = modes["hybrid"]["overall"]["n"] if scope == "overall" else modes["hybrid"]["by_language"][scope]["n"]
        rows.append([*cells, str(n)])
    return rows


def table_header(report: dict[str, Any]) -> list[str]:
    """Column names matching `table_rows`."""
    k = report["k"]
    return ["scope", *[f"{m} {c}" for m in MODES for c in (f"hit@{k}", "MRR")], "n"]


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: the table, the gate, and the hybrid's misses."""
    header = table_header(report)
    lines = [
        "# Retrieval evaluation",
        "",
        f"{report['queries']} queries; hit@{report['k']} and MRR over the top {report['mrr_depth']}.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *["| " + " | ".join(r) + " |" for r in table_rows(report)],
        "",
        "Gate (hybrid): " + ("PASSED" if report["gate"]["passed"] else "FAILED"),
        *[f"- {r}" for r in report["gate"]["reasons"]],
        "",
        f"## Hybrid misses ({len(report['misses']['hybrid'])})",
        "",
    ]
    for miss in report["misses"]["hybrid"]:
        lines.append(f"- `{miss['id']}` {miss['query']} — relevant {', '.join(miss['relevant'])}; "
                     f"got {', '.join(miss['top'])}")
    return "\n".join(lines) + "\n"


def write_reports(report: dict[str, Any], folder: Path) -> list[Path]:
    """Write retrieval.md and retrieval.json into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    md, js = folder / "retrieval.md", folder / "retrieval.json"
    md.write_text(markdown(report), encoding="utf-8")
    js.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [md, js]
