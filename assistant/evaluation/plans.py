"""Per-page evaluation: every plan page of another shape, each in its own index, scored on its own golds.

Pages live in `tests/fixtures/plans/`, their gold questions in `eval/plans/<page stem>.jsonl`. Each page is
ingested into a fresh index directory exactly as a user would (`ASSISTANT_SOURCE` + `ASSISTANT_INDEX_DIR`),
so the figures say how the general reader and answerer do on pages nobody tuned for.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.evaluation.batch import load_questions, run_batch
from assistant.evaluation.scoring import score_answer, summarize
from assistant.ingest.pipeline import is_page_file


@dataclass(frozen=True)
class PageResult:
    """One page's figures and its failing questions."""

    page: str
    summary: dict[str, Any]
    failures: list[dict[str, Any]]
    warnings: int
    counts: dict[str, int]
    routes: dict[str, list[int]] = field(default_factory=dict)
    """Per route: [answers it gave, of them passing] — the route's precision on this page."""
    error: str | None = None
    """Why the page could not be read at all (every question then fails); None when it was read."""


def pages_with_questions(pages: Path, questions: Path) -> list[tuple[Path, Path]]:
    """(page, gold file) pairs: every page that has a gold file of the same stem."""
    out = []
    for page in sorted(pages.iterdir()):
        gold = questions / f"{page.stem}.jsonl"
        if is_page_file(page) and gold.exists():
            out.append((page, gold))
    return out


def evaluate_page(page: Path, gold: Path, base: Settings, work: Path) -> PageResult:
    """Ingest one page into its own index under `work`, answer its golds, score them."""
    from assistant.service import Assistant, build

    settings = base.model_copy(update={"source": page, "index_dir": work / page.stem})
    report = build(settings)
    assistant = Assistant.load(settings, build_if_missing=False)
    rows = load_questions(gold, gold=True)
    results = run_batch(assistant.ask, rows)
    scores = [score_answer(g, r) for g, r in zip(rows, results, strict=True)]
    failures = [
        {"id": g["id"], "question": g["question"], "missing": s.missing, "answer": r["answer"][:300],
         "answerable": r["answerable"], "gold_answerable": g["answerable"], "unsupported": s.unsupported}
        for g, r, s in zip(rows, results, scores, strict=True) if not s.passed or s.unsupported
    ]
    plan = report.plan
    counts = {"sections": len(plan.sections), "tasks": len(plan.tasks), "reforms": len(plan.reforms),
              "rows": sum(len(t.rows) for t in plan.tables), "units": len(plan.units)}
    routes: dict[str, list[int]] = {}
    for result, score in zip(results, scores, strict=True):
        tally = routes.setdefault(str(result["route"]), [0, 0])
        tally[0] += 1
        tally[1] += int(score.passed)
    return PageResult(page=page.name, summary=summarize(scores), failures=failures, warnings=len(plan.warnings),
                      counts=counts, routes=routes)


def unreadable_page(page: Path, gold: Path, exc: Exception) -> PageResult:
    """A page the reader refused: each of its questions scored as failed, with the reader's message."""
    rows = load_questions(gold, gold=True)
    result = {"answer": "", "answerable": False, "route": "error", "citations": [], "error": str(exc)}
    scores = [score_answer(g, result) for g in rows]
    failures = [{"id": g["id"], "question": g["question"], "missing": s.missing,
                 "answer": f"(page not read: {exc})"[:300], "answerable": False,
                 "gold_answerable": g["answerable"], "unsupported": s.unsupported}
                for g, s in zip(rows, scores, strict=True) if not s.passed]
    return PageResult(page=page.name, summary=summarize(scores), failures=failures, warnings=0,
                      counts={"sections": 0, "tasks": 0, "reforms": 0, "rows": 0, "units": 0},
                      routes={"error": [len(rows), sum(s.passed for s in scores)]}, error=str(exc))


def run_plan_evals(pages: Path, questions: Path, reports: Path, base: Settings) -> list[PageResult]:
    """Evaluate every page with golds; write `<questions folder>.md` and `.json` under `reports`."""
    results: list[PageResult] = []
    with tempfile.TemporaryDirectory(prefix="plan-evals-") as tmp:
        for page, gold in pages_with_questions(pages, questions):
            try:
                results.append(evaluate_page(page, gold, base, Path(tmp)))
            except AssistantError as exc:  # one unreadable page fails its questions, not the whole run
                results.append(unreadable_page(page, gold, exc))
    reports.mkdir(parents=True, exist_ok=True)
    stem = questions.name or "plans"
    (reports / f"{stem}.json").write_text(
        json.dumps([r.__dict__ for r in results], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (reports / f"{stem}.md").write_text(render(results), encoding="utf-8")
    return results


def render(results: list[PageResult]) -> str:
    """The per-page table and every failing question."""
    lines = ["# Plan pages of other shapes", "",
             "Each page ingested into its own index with no code or data change; golds beside it as "
             "`<page stem>.jsonl`. A question listed below failed, or passed with a number its citations do not "
             "support.", "",
             "| page | questions | passed | accuracy | unsupported numbers | reader warnings | tasks "
             "| milestone rows | generic rows |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        o = r.summary["overall"]
        lines.append(
            f"| {r.page} | {o['n']} | {o['passed']} | {o['accuracy'] * 100:.1f} % | {o['unsupported_numbers']} | "
            f"{r.warnings} | {r.counts['tasks']} | {r.counts['reforms']} | {r.counts['rows']} |"
        )
    lines += route_precision(results)
    lines += [f"\n**{r.page} was not read:** {r.error}" for r in results if r.error]
    for r in results:
        if r.failures:
            lines += ["", f"## Failing on {r.page}", ""]
            for f in r.failures:
                unsupported = f"; unsupported numbers {f['unsupported']}" if f.get("unsupported") else ""
                lines.append(f"- **{f['id']}** {f['question']} — missing {f['missing']}; "
                             f"answerable {f['answerable']} (gold {f['gold_answerable']}){unsupported}: "
                             f"{f['answer'][:160]!r}")
    return "\n".join(lines) + "\n"


def route_precision(results: list[PageResult]) -> list[str]:
    """Per-route precision over every page: of the answers a route gave, how many passed."""
    total: dict[str, list[int]] = {}
    for r in results:
        for route, (n, ok) in r.routes.items():
            tally = total.setdefault(route, [0, 0])
            tally[0] += n
            tally[1] += ok
    if not total:
        return []
    lines = ["", "## Per-route precision", "", "Of the answers each route gave (abstentions are routes too), the "
             "share that passed.", "", "| route | answers | passed | precision |", "|---|---:|---:|---:|"]
    for route, (n, ok) in sorted(total.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"| {route} | {n} | {ok} | {ok / n * 100:.1f} % |")
    return lines
