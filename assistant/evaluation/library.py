"""Library evaluation: several plans in one index, questions whose answer depends on picking the right plan.

A question passes when it passes the usual scoring (answerable flag, every fact) and its citations name
exactly the plans its gold names (`"plans": ["某市民政局 2026"]`, issuer and year): an answer that is right
but cites another plan too is the mixing the library must never do.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT, Settings
from assistant.evaluation.batch import load_questions, run_batch
from assistant.evaluation.scoring import score_answer, summarize
from assistant.library.entries import PlanEntry
from assistant.text import normalize

LIBRARY_DIR = PROJECT_ROOT / "eval" / "library"
# The day the questions' 今年 / 去年 were written against.
QUESTIONS_AS_OF = date(2026, 12, 2)


def library_pages(listing: Path) -> list[Path]:
    """The pages a listing file names, one per line (# comments), relative to the repository root."""
    lines = [x.strip() for x in listing.read_text(encoding="utf-8").splitlines()]
    return [PROJECT_ROOT / x for x in lines if x and not x.startswith("#")]


def plan_key(label: str, entries: list[PlanEntry]) -> str | None:
    """The id of the plan a gold names as 'issuer year'."""
    issuer, _, year = label.rpartition(" ")
    for e in entries:
        if normalize(e.issuer) == normalize(issuer) and str(e.year) == year:
            return e.id
    return None


def evaluate_library(pages: list[Path], questions: Path, base: Settings, work: Path | None = None) -> dict[str, Any]:
    """Build a library of `pages` in a temp dir, answer the golds, score facts and plan isolation."""
    from assistant.library.service import Library
    from assistant.library.shelf import add_page

    with tempfile.TemporaryDirectory(prefix="library-eval-") as tmp:
        settings = base.model_copy(update={"index_dir": work or Path(tmp), "as_of": base.as_of or QUESTIONS_AS_OF})
        for page in pages:
            add_page(settings, page)
        library = Library.load(settings, build_if_missing=False)
        rows = load_questions(questions, gold=True)
        results = run_batch(library.ask, rows)
        entries = library.entries
    scores, failures = [], []
    for gold, result in zip(rows, results, strict=True):
        score = score_answer(gold, result)
        wanted = {plan_key(p, entries) for p in gold.get("plans", [])}
        cited = {c.get("plan") for c in result["citations"]}
        plans_ok = not gold["answerable"] or cited == wanted
        if not plans_ok:
            score = replace(score, passed=False)
        scores.append(score)
        if not score.passed or score.unsupported:
            failures.append({"id": gold["id"], "question": gold["question"], "category": gold.get("category"),
                             "missing": score.missing, "plans_wanted": sorted(filter(None, wanted)),
                             "plans_cited": sorted(filter(None, cited)), "answer": result["answer"][:300],
                             "answerable": result["answerable"], "unsupported": score.unsupported})
    return {"summary": summarize(scores), "failures": failures, "plans": [e.model_dump() for e in entries],
            "routes": _routes(results)}


def _routes(results: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r["route"]] = counts.get(r["route"], 0) + 1
    return counts


def write_library_report(report: dict[str, Any], reports: Path) -> list[Path]:
    """library.json and library.md under `reports`."""
    import json

    reports.mkdir(parents=True, exist_ok=True)
    data = reports / "library.json"
    data.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    o = report["summary"]["overall"]
    lines = ["# Library evaluation (scope and comparison)", "",
             f"{len(report['plans'])} plans in one index; a question passes when its facts are present, its answerable "
             "flag is right and its citations name exactly the gold's plans.", "",
             f"**{o['passed']}/{o['n']} ({o['accuracy'] * 100:.1f} %)**, unsupported numbers "
             f"{o['unsupported_numbers']}.", "", "| plan | issuer | year | units |", "|---|---|---|---|"]
    lines += [f"| {p['id']} | {p['issuer']} | {p['year']} | {len(p['units'])} |" for p in report["plans"]]
    lines += ["", "| category | n | passed | accuracy |", "|---|---|---|---|"]
    for name, g in sorted(report["summary"]["by_category"].items()):
        lines.append(f"| {name} | {g['n']} | {g['passed']} | {g['accuracy'] * 100:.1f} % |")
    lines += ["", "| language | n | passed | accuracy |", "|---|---|---|---|"]
    for name, g in sorted(report["summary"]["by_language"].items()):
        lines.append(f"| {name} | {g['n']} | {g['passed']} | {g['accuracy'] * 100:.1f} % |")
    lines += ["", "Routes: " + ", ".join(f"{k} {v}" for k, v in sorted(report["routes"].items())), "",
              "## Failures", ""]
    lines += [f"- `{f['id']}` {f['question']} — missing {f['missing']}, cited {f['plans_cited']}, wanted "
              f"{f['plans_wanted']}" for f in report["failures"]] or ["none"]
    md = reports / "library.md"
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [data, md]
