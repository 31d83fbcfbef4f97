"""The full evaluation: our Assistant and the textbook baseline on the gold set, in one run, written up.

`run_eval` produces one report dict (the content of latest.json); `write_reports` renders it as
eval/reports/latest.md, latest.json and accuracy_by_category.png; `console_tables` gives the compact
view the CLI prints; `compare` diffs two reports by question id. Figures are always measured in the
run that writes them: nothing here reads an older report except `compare`.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from rich.table import Table

from assistant.config import Settings
from assistant.evaluation import QUESTIONS_PATH, THRESHOLDS_PATH
from assistant.evaluation.baseline import CHUNK_OVERLAP, CHUNK_SIZE, TOP_K, run_baseline
from assistant.evaluation.batch import Ask, load_questions, run_batch
from assistant.evaluation.gate import check_gate, load_thresholds
from assistant.evaluation.scoring import RowScore, score_answer, summarize

log = logging.getLogger(__name__)

US = "Plan Assistant"
BASELINE = "Textbook RAG"
ANSWER_PREVIEW = 300


class Progress(Protocol):
    """What the CLI's progress bar implements; `run_eval` reports each stage and each question."""

    def stage(self, name: str, total: int | None) -> None: ...

    def advance(self) -> None: ...


class _Silent:
    def stage(self, name: str, total: int | None) -> None:
        log.info("eval: %s", name)

    def advance(self) -> None:
        return None


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _question_row(gold: dict[str, Any], result: dict[str, Any], ours: RowScore, base: RowScore) -> dict[str, Any]:
    return {
        "id": ours.id,
        "category": ours.category,
        "language": ours.language,
        "question": gold["question"],
        "history_turns": len(gold.get("history") or []),
        "facts": gold.get("facts") or [],
        "expected_answerable": ours.expected_answerable,
        "answer": result["answer"],
        "answerable": result["answerable"],
        "route": result["route"],
        "citations": len(result["citations"]),
        "passed": ours.passed,
        "missing": ours.missing,
        "citation_ok": ours.citation_ok,
        "unsupported": ours.unsupported,
        "latency_ms": ours.latency_ms,
        "error": ours.error,
        "baseline_passed": base.passed,
        "baseline_missing": base.missing,
        "baseline_latency_ms": base.latency_ms,
    }


def run_eval(
    settings: Settings,
    questions_path: Path = QUESTIONS_PATH,
    thresholds_path: Path = THRESHOLDS_PATH,
    progress: Progress | None = None,
    ask: Ask | None = None,
) -> dict[str, Any]:
    """Answer the gold set with our Assistant (or `ask`), run the baseline, score both, apply the gate."""
    from assistant.embeddings import get_embeddings

    progress = progress or _Silent()
    started = time.perf_counter()
    rows = load_questions(questions_path, gold=True)
    thresholds = load_thresholds(thresholds_path)  # before the run: a bad file should not cost two minutes

    progress.stage("loading the assistant", None)
    t0 = time.perf_counter()
    if ask is None:
        from assistant.service import Assistant

        ask = Assistant.load(settings).ask
    load_s = time.perf_counter() - t0

    progress.stage(US, len(rows))
    t0 = time.perf_counter()
    results = run_batch(ask, rows, on_done=lambda _i, _r: progress.advance())
    ours_s = time.perf_counter() - t0
    ours = [score_answer(g, r) for g, r in zip(rows, results, strict=True)]

    embeddings = get_embeddings(settings)
    raw_text = settings.source.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    progress.stage(BASELINE, len(rows))
    base = run_baseline(rows, raw_text, embeddings, on_done=lambda _i: progress.advance())
    baseline_s = time.perf_counter() - t0

    gate = check_gate(ours, thresholds)
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "questions_file": _rel(questions_path),
        "questions": len(rows),
        "source": settings.source.name,
        "embedding_model": getattr(embeddings, "model_id", type(embeddings).__name__),
        "elapsed_s": round(time.perf_counter() - started, 2),
        "timings_s": {"load": round(load_s, 2), "ours": round(ours_s, 2), "baseline": round(baseline_s, 2),
                      "baseline_build": round(base.build_s, 2)},
        "us": summarize(ours),
        "baseline": {
            **summarize(base.scores),
            "pipeline": {"splitter": "RecursiveCharacterTextSplitter", "chunk_size": CHUNK_SIZE,
                         "chunk_overlap": CHUNK_OVERLAP, "top_k": TOP_K, "chunks": base.chunks,
                         "vector_store": "Chroma (in memory)"},
        },
        "gate": {**gate.to_dict(), "min_overall_accuracy": thresholds.min_overall_accuracy},
        "rows": [_question_row(g, r, o, b) for g, r, o, b in zip(rows, results, ours, base.scores, strict=True)],
    }


# ---- rendering ---------------------------------------------------------------------------------------

def pct(value: float | None) -> str:
    """A share as a percentage, or n/a when there was nothing to measure."""
    return "n/a" if value is None else f"{value:.1%}"


def ms(value: float | None) -> str:
    """Milliseconds, one decimal."""
    return "n/a" if value is None else f"{value:.1f}"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ⏎ ")


def _groups(report: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(label, our stats, baseline stats) for overall, each category, each language."""
    us, base = report["us"], report["baseline"]
    out = [("overall", us["overall"], base["overall"])]
    out += [(f"category: {k}", v, base["by_category"][k]) for k, v in us["by_category"].items()]
    out += [(f"language: {k}", v, base["by_language"][k]) for k, v in us["by_language"].items()]
    return out


def _acc(stats: dict[str, Any]) -> str:
    return f"{pct(stats['accuracy'])} ({stats['passed']}/{stats['n']})"


def _of(stats: dict[str, Any]) -> str:
    """Citation correctness with the number of questions it was checked on."""
    if not stats["citation_checked"]:
        return "n/a"
    return f"{pct(stats['citation_correctness'])} of {stats['citation_checked']}"


def _facts_text(facts: Sequence[Sequence[str]]) -> str:
    return "; ".join(" / ".join(f"「{alt}」" for alt in fact) for fact in facts) or "(none)"


def render_markdown(report: dict[str, Any]) -> str:
    """latest.md: the comparison table, the quality figures, latency, and every failing question."""
    us, base = report["us"], report["baseline"]
    o = us["overall"]
    gate = report["gate"]
    pipe = base["pipeline"]
    unanswerable = sum(1 for r in report["rows"] if not r["expected_answerable"])
    lines = [
        "# Evaluation report",
        "",
        f"{report['questions']} questions from `{report['questions_file']}` · source `{report['source']}` · "
        f"embedding model `{report['embedding_model']}` · generated {report['generated_at']} · "
        f"run took {report['elapsed_s']:.1f}s.",
        "",
        f"**Gate: {'PASSED' if gate['passed'] else 'FAILED'}** (min_overall_accuracy "
        f"{pct(gate['min_overall_accuracy'])})",
    ]
    lines += [f"- {r}" for r in gate["reasons"]]
    lines += [
        "",
        f"## Accuracy: {US} vs {BASELINE}",
        "",
        f"| Group | n | {US} | {BASELINE} (context upper bound) |",
        "|---|---:|---:|---:|",
    ]
    for label, mine, theirs in _groups(report):
        name = f"**{label}**" if label == "overall" else label
        lines.append(f"| {name} | {mine['n']} | {_acc(mine)} | {_acc(theirs)} |")
    lines += [
        "",
        f"{BASELINE}: `{pipe['splitter']}(chunk_size={pipe['chunk_size']}, chunk_overlap={pipe['chunk_overlap']})` "
        f"over the raw page text ({pipe['chunks']} chunks), {pipe['vector_store']} with the same embeddings, "
        f"top-{pipe['top_k']} similarity search on the last question only. A question counts as passed when "
        "the retrieved chunks contain every gold fact, an upper bound for any LLM reading them. It has no "
        f"abstention mechanism, so its {unanswerable} unanswerable questions count as failed. Measured in this run.",
        "",
        f"## Quality ({US})",
        "",
        "| Group | Abstention precision | Abstention recall | Citation correctness | Unsupported numbers "
        "| Errors | p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, mine, _ in _groups(report):
        name = f"**{label}**" if label == "overall" else label
        lines.append(
            f"| {name} | {pct(mine['abstention_precision'])} | {pct(mine['abstention_recall'])} | "
            f"{_of(mine)} | {mine['unsupported_numbers']} | "
            f"{mine['errors']} | {ms(mine['latency_p50_ms'])} | {ms(mine['latency_p95_ms'])} |"
        )
    t = report["timings_s"]
    lines += [
        "",
        "Abstention: positive class = answered `answerable: false`. Citation correctness: share of passing "
        "answerable questions whose every stated fact also occurs in a citation. Unsupported numbers: "
        "`assistant.verify.unsupported_numbers`, must be 0.",
        "",
        "## Latency",
        "",
        "| System | p50 ms | p95 ms | Setup |",
        "|---|---:|---:|---|",
        f"| {US} (full answer) | {ms(o['latency_p50_ms'])} | {ms(o['latency_p95_ms'])} | "
        f"load {t['load']:.1f}s |",
        f"| {BASELINE} (retrieval only) | {ms(base['overall']['latency_p50_ms'])} | "
        f"{ms(base['overall']['latency_p95_ms'])} | split + embed + index {t['baseline_build']:.1f}s |",
        "",
    ]
    failing = [r for r in report["rows"] if not r["passed"]]
    lines += [f"## Failing questions ({len(failing)})", ""]
    for r in failing:
        answer = r["answer"] if len(r["answer"]) <= ANSWER_PREVIEW else r["answer"][:ANSWER_PREVIEW] + "…"
        why = []
        if r["error"]:
            why.append(f"error: {r['error']}")
        elif r["answerable"] != r["expected_answerable"]:
            why.append(f"answerable {str(r['answerable']).lower()}, expected {str(r['expected_answerable']).lower()}")
        if r["missing"]:
            why.append(f"missing {_facts_text(r['missing'])}")
        lines += [
            f"- **{r['id']}** ({r['category']}, {r['language']}) — {'; '.join(why)}",
            f"  - question: {_cell(r['question'])}" + (f" (after {r['history_turns']} turns)" if r["history_turns"]
                                                        else ""),
            f"  - expected: answerable {str(r['expected_answerable']).lower()}, facts {_facts_text(r['facts'])}",
            f"  - our answer ({r['route']}): {_cell(answer) or '(empty)'}",
        ]
    return "\n".join(lines) + "\n"


def render_chart(report: dict[str, Any], path: Path) -> None:
    """accuracy_by_category.png: grouped bars, us vs baseline, per category plus overall.

    Labels are the English category ids, since CJK fonts may be missing on the machine drawing it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def stats(system: str, cat: str) -> dict[str, Any]:
        return report[system]["overall"] if cat == "overall" else report[system]["by_category"][cat]

    cats = [*report["us"]["by_category"], "overall"]
    xs = list(range(len(cats)))
    width = 0.4
    fig, ax = plt.subplots(figsize=(max(8.0, 0.9 * len(cats) + 2), 4.8))
    systems = ((-width / 2, "us", US, "#2b6cb0"), (width / 2, "baseline", BASELINE, "#a0aec0"))
    for offset, system, label, color in systems:
        values = [100 * (stats(system, c)["accuracy"] or 0.0) for c in cats]
        bars = ax.bar([x + offset for x in xs], values, width, label=label, color=color)
        ax.bar_label(bars, labels=[f"{v:.0f}" for v in values], fontsize=7, padding=1)
    ax.set_xticks(xs, [f"{c} (n={stats('us', c)['n']})" for c in cats], rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 118)
    ax.set_ylabel("accuracy (%)")
    ax.set_title(f"Accuracy by category: {US} vs {BASELINE} (context upper bound)")
    ax.legend(loc="upper center", ncol=2, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)


def _write(path: Path, write: Any) -> None:
    """Write through a temporary file, so a crash never leaves half a report behind."""
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def write_reports(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """latest.json, latest.md and accuracy_by_category.png in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "latest.json", out_dir / "latest.md", out_dir / "accuracy_by_category.png"]
    _write(paths[0], lambda p: p.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", "utf-8"))
    _write(paths[1], lambda p: p.write_text(render_markdown(report), "utf-8"))
    _write(paths[2], lambda p: render_chart(report, p))
    return paths


def console_tables(report: dict[str, Any]) -> list[Table]:
    """The compact view: accuracy side by side, then the quality figures."""
    acc = Table(title=f"Accuracy ({report['questions']} questions)", title_justify="left")
    for col, justify in (("group", "left"), ("n", "right"), (US, "right"), (BASELINE, "right")):
        acc.add_column(col, justify=justify)  # type: ignore[arg-type]
    for label, mine, theirs in _groups(report):
        acc.add_row(label, str(mine["n"]), _acc(mine), _acc(theirs), style="bold" if label == "overall" else None)
    o, b = report["us"]["overall"], report["baseline"]["overall"]
    quality = Table(title="Quality", title_justify="left", show_header=False)
    quality.add_column("metric")
    quality.add_column("value", justify="right")
    quality.add_row("abstention precision / recall",
                    f"{pct(o['abstention_precision'])} / {pct(o['abstention_recall'])}")
    quality.add_row("citation correctness", _of(o))
    quality.add_row("unsupported numbers", str(o["unsupported_numbers"]))
    quality.add_row("errors", str(o["errors"]))
    quality.add_row(f"latency p50 / p95 ({US})", f"{ms(o['latency_p50_ms'])} / {ms(o['latency_p95_ms'])} ms")
    quality.add_row(f"latency p50 / p95 ({BASELINE}, retrieval)",
                    f"{ms(b['latency_p50_ms'])} / {ms(b['latency_p95_ms'])} ms")
    return [acc, quality]


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Questions that now pass but failed before (improved), the reverse (regressed), and id churn."""
    before = {r["id"]: r["passed"] for r in old.get("rows", [])}
    after = {r["id"]: r["passed"] for r in new.get("rows", [])}
    common = [i for i in after if i in before]
    return {
        "improved": [i for i in common if after[i] and not before[i]],
        "regressed": [i for i in common if before[i] and not after[i]],
        "added": [i for i in after if i not in before],
        "removed": [i for i in before if i not in after],
        "accuracy_before": old.get("us", {}).get("overall", {}).get("accuracy"),
        "accuracy_after": new["us"]["overall"]["accuracy"],
    }
