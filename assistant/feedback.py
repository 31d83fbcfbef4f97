"""Readers' 👍/👎 on answers, kept so wrong answers can become eval cases.

Its own SQLite file beside the index (`feedback.sqlite`), written only here: a rebuilt or replaced
plan index never loses feedback, and the plan store stays the only writer of plan.sqlite. Each item
keeps what is needed to replay it — the question, the conversation before it, the answer as shown,
its citations and the plan it was about.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.config import Settings
from assistant.errors import InputError, NotFoundError
from assistant.models import Answer, ChatMessage, Citation

Rating = Literal["up", "down"]
MAX_COMMENT_CHARS = 2000

SCHEMA = [
    (
        "001_feedback",
        """
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created REAL NOT NULL,
            rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
            comment TEXT NOT NULL DEFAULT '',
            question TEXT NOT NULL,
            history TEXT NOT NULL,
            answer TEXT NOT NULL,
            answerable INTEGER NOT NULL,
            route TEXT NOT NULL,
            citations TEXT NOT NULL,
            plan TEXT NOT NULL,
            plan_sha256 TEXT NOT NULL
        )
        """,
    ),
]


class FeedbackItem(BaseModel):
    """One reader's verdict on one answer."""

    id: int
    created: float
    rating: Rating
    comment: str = ""
    question: str
    history: list[ChatMessage] = Field(default_factory=list)
    answer: str
    answerable: bool
    route: str
    citations: list[Citation] = Field(default_factory=list)
    plan: str
    plan_sha256: str = ""

    def eval_case(self) -> dict[str, Any]:
        """The item as an `assistant eval --questions` line: id, question, history, plus what went wrong."""
        case: dict[str, Any] = {"id": f"feedback-{self.id}", "question": self.question}
        if self.history:
            case["history"] = [m.model_dump() for m in self.history]
        case.update(
            comment=self.comment, rated_answer=self.answer, rated_answerable=self.answerable,
            rated_route=self.route, rated_citations=[c.model_dump() for c in self.citations], plan=self.plan,
        )
        return case


def feedback_path(settings: Settings) -> Path:
    """Where feedback lives: beside the index, so one index dir holds one deployment's state."""
    return Path(settings.index_dir) / "feedback.sqlite"


class FeedbackStore:
    """Append-mostly store of ratings; the only writer of feedback.sqlite."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10)
        try:
            con.row_factory = sqlite3.Row
            self._migrate(con)
            with con:
                yield con
        finally:
            con.close()

    @staticmethod
    def _migrate(con: sqlite3.Connection) -> None:
        """Apply the named migrations not yet applied, in order."""
        con.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY)")
        done = {r[0] for r in con.execute("SELECT name FROM migrations")}
        for name, sql in SCHEMA:
            if name not in done:
                with con:
                    con.execute(sql)
                    con.execute("INSERT INTO migrations (name) VALUES (?)", (name,))

    def record(
        self, rating: str, question: str, answer: Answer, plan: str, plan_sha256: str = "",
        history: list[ChatMessage] | None = None, comment: str = "",
    ) -> int:
        """Store one rating of one answer; returns its id (for adding a comment later)."""
        if rating not in ("up", "down"):
            raise InputError(f"rating must be 'up' or 'down', not {rating!r}")
        row = (
            time.time(), rating, clean_comment(comment), question,
            json.dumps([m.model_dump() for m in history or []], ensure_ascii=False), answer.answer,
            int(answer.answerable), answer.route,
            json.dumps([c.model_dump() for c in answer.citations], ensure_ascii=False), plan, plan_sha256,
        )
        with self._db() as con:
            cur = con.execute(
                "INSERT INTO feedback (created, rating, comment, question, history, answer, answerable, route,"
                " citations, plan, plan_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid or 0)

    def set_comment(self, item_id: int, comment: str) -> None:
        """Attach (or replace) the optional comment of a stored rating."""
        with self._db() as con:
            cur = con.execute("UPDATE feedback SET comment = ? WHERE id = ?", (clean_comment(comment), item_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"no feedback item {item_id}")

    def items(self, rating: str | None = None) -> list[FeedbackItem]:
        """Stored items in the order they were given, optionally only one rating."""
        sql = "SELECT * FROM feedback"
        args: tuple[str, ...] = ()
        if rating:
            sql, args = sql + " WHERE rating = ?", (rating,)
        with self._db() as con:
            rows = con.execute(sql + " ORDER BY id", args).fetchall()
        return [
            FeedbackItem(
                id=r["id"], created=r["created"], rating=r["rating"], comment=r["comment"],
                question=r["question"], history=json.loads(r["history"]), answer=r["answer"],
                answerable=bool(r["answerable"]), route=r["route"], citations=json.loads(r["citations"]),
                plan=r["plan"], plan_sha256=r["plan_sha256"],
            )
            for r in rows
        ]

    def export_eval_cases(self, out: Path) -> int:
        """Write every 👎 item as one JSONL eval question; returns how many were written."""
        cases = [item.eval_case() for item in self.items("down")]
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as f:
            for case in cases:
                f.write(json.dumps(case, ensure_ascii=False) + "\n")
        return len(cases)


def clean_comment(comment: str) -> str:
    """A comment as stored: trimmed, and refused past the length limit rather than cut silently."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise InputError(f"the comment is {len(comment)} characters long; the limit is {MAX_COMMENT_CHARS}")
    return comment
