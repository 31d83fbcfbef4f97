"""Batch answering: a JSONL question file in, the RESULTS rows of the `assistant eval` contract out.

RESULTS row: {"id", "answer", "answerable", "route", "citations", "latency_ms"}, one per question, in
input order. A question that raises still gets a row (answerable false, route "error", plus an
"error" field), so one bad question never hides the other 219.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from assistant.errors import InputError
from assistant.models import Answer, ChatMessage

log = logging.getLogger(__name__)

Ask = Callable[[str, list[ChatMessage] | None], Answer]
OnDone = Callable[[int, dict[str, Any]], None]
RESULT_KEYS = ("id", "answer", "answerable", "route", "citations", "latency_ms")
GOLD_CATEGORIES = frozenset({
    "district_quota", "milestone", "reform_target", "responsible", "deadline", "citywide", "aggregate",
    "metadata", "policy", "unanswerable", "followup",
    # library questions (eval/library): which plan, and across plans
    "scope_year", "scope_issuer", "scope_default", "scope_followup", "missing_plan", "compare", "new_rows",
    "dropped_rows",
})
GOLD_LANGUAGES = frozenset({"zh-Hans", "zh-Hant", "en"})


def _check_history(value: Any, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not all(
        isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str) for m in value
    ):
        raise InputError(f'{where}: "history" must be a list of {{"role", "content"}} messages')


def _check_gold(row: dict[str, Any], where: str) -> None:
    """The extra fields a scored question set needs; checked up front so a typo fails before the run."""
    if not isinstance(row.get("answerable"), bool):
        raise InputError(f'{where}: "answerable" must be true or false')
    facts = row.get("facts", [])
    if not isinstance(facts, list) or not all(
        isinstance(f, list) and f and all(isinstance(a, str) and a.strip() for a in f) for f in facts
    ):
        raise InputError(f'{where}: "facts" must be a list of non-empty lists of alternative strings')
    # An unknown category or language only makes one more group in the report: warn, don't stop.
    if row.get("category") not in GOLD_CATEGORIES:
        log.warning("%s: unknown category %r", where, row.get("category"))
    if row.get("language") not in GOLD_LANGUAGES:
        log.warning("%s: unknown language %r", where, row.get("language"))


def load_questions(path: Path, gold: bool = False) -> list[dict[str, Any]]:
    """Read a question file, failing with the file, the line number and what is wrong.

    With `gold`, also check the scoring fields (answerable, facts, category, language) and unique ids.
    """
    if not path.is_file():
        raise InputError(f"question file not found: {path}")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}: invalid JSON ({exc.msg}, column {exc.colno}); one object per line") from exc
            if not isinstance(row, dict):
                raise InputError(f"{where}: expected a JSON object, got {type(row).__name__}")
            if "id" not in row or not isinstance(row.get("question"), str) or not row["question"].strip():
                raise InputError(f'{where}: each question needs an "id" and a non-empty "question"')
            _check_history(row.get("history"), where)
            if gold:
                _check_gold(row, where)
                if str(row["id"]) in seen:
                    raise InputError(f"{where}: duplicate id {row['id']!r}")
                seen.add(str(row["id"]))
            rows.append(row)
    if not rows:
        raise InputError(f"{path}: no questions in the file")
    return rows


def history_of(row: dict[str, Any]) -> list[ChatMessage] | None:
    """The conversation before the question, as the answerer takes it (None for a single turn)."""
    history = row.get("history")
    return [ChatMessage(role=m["role"], content=m["content"]) for m in history] if history else None


def answer_row(ask: Ask, row: dict[str, Any]) -> dict[str, Any]:
    """One RESULTS row; latency covers the answerer call only, not (de)serialisation."""
    started = time.perf_counter()
    try:
        answer = ask(row["question"], history_of(row))
    except Exception as exc:  # any failure becomes a recorded error row; the batch goes on
        latency = (time.perf_counter() - started) * 1000
        log.warning("question %s raised %s: %s", row.get("id"), type(exc).__name__, exc)
        return {
            "id": row["id"], "answer": "", "answerable": False, "route": "error", "citations": [],
            "latency_ms": round(latency, 2), "error": f"{type(exc).__name__}: {exc}",
        }
    latency = (time.perf_counter() - started) * 1000
    return {
        "id": row["id"],
        "answer": answer.answer,
        "answerable": answer.answerable,
        "route": answer.route,
        "citations": [c.model_dump() for c in answer.citations],
        "latency_ms": round(latency, 2),
    }


def run_batch(ask: Ask, rows: Sequence[dict[str, Any]], on_done: OnDone | None = None) -> list[dict[str, Any]]:
    """Answer every row in order; `on_done(index, result)` after each one (progress bars hook in here)."""
    results = []
    for i, row in enumerate(rows):
        result = answer_row(ask, row)
        results.append(result)
        if on_done is not None:
            on_done(i, result)
    return results


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    """One JSON object per line, UTF-8 as is (Chinese stays readable)."""
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
