"""The evaluation harness: run a question set, score it, compare with a textbook RAG baseline, gate on it.

One module per job: `batch` runs questions through an answerer, `scoring` turns answers into figures
(pure functions), `baseline` is the plain LangChain pipeline we measure ourselves against, `report`
runs everything and writes eval/reports/, `gate` decides whether a report is good enough to ship.
"""

from __future__ import annotations

from assistant.config import PROJECT_ROOT

EVAL_DIR = PROJECT_ROOT / "eval"
QUESTIONS_PATH = EVAL_DIR / "questions.jsonl"
REPORTS_DIR = EVAL_DIR / "reports"
THRESHOLDS_PATH = EVAL_DIR / "thresholds.toml"
