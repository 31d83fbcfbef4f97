"""The feedback store and `assistant feedback export`: 👎 answers become eval questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.errors import InputError, NotFoundError
from assistant.feedback import FeedbackStore
from assistant.models import Answer, ChatMessage, Citation

ANSWER = Answer(answer="三季度：开展等级评估 [1]", answerable=True, route="lookup",
                citations=[Citation(id="reform-8-q3", label="附件2 · 序號8", text="開展等級評估", location="p.txt:L1-L2")])


def test_a_rating_keeps_question_history_answer_citations_and_plan(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    history = [ChatMessage(role="user", content="先前的问题"), ChatMessage(role="assistant", content="先前的回答")]
    item_id = store.record("down", "三季度呢?", ANSWER, plan="plan.txt", plan_sha256="abc", history=history)
    store.set_comment(item_id, "  少了一项  ")
    (item,) = store.items()
    assert (item.rating, item.comment, item.question, item.plan) == ("down", "少了一项", "三季度呢?", "plan.txt")
    assert item.history == history and item.citations == ANSWER.citations and item.answer == ANSWER.answer


def test_bad_ratings_long_comments_and_unknown_items_are_refused(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite")
    with pytest.raises(InputError):
        store.record("meh", "q", ANSWER, plan="p")
    item_id = store.record("up", "q", ANSWER, plan="p")
    with pytest.raises(InputError):
        store.set_comment(item_id, "x" * 2001)
    with pytest.raises(NotFoundError):
        store.set_comment(item_id + 1, "no such item")


def test_export_writes_thumbs_down_items_in_the_eval_question_format(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path))
    from assistant.config import get_settings
    from assistant.feedback import feedback_path

    get_settings.cache_clear()
    try:
        store = FeedbackStore(feedback_path(get_settings()))
        store.record("up", "好的问题", ANSWER, plan="p")
        store.record("down", "错的问题", ANSWER, plan="p", history=[ChatMessage(role="user", content="前一问")],
                     comment="数字不对")
        out = tmp_path / "cases.jsonl"
        result = CliRunner().invoke(app, ["feedback", "export", "--out", str(out)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    (case,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert case["id"].startswith("feedback-") and case["question"] == "错的问题"
    assert case["history"] == [{"role": "user", "content": "前一问"}] and case["comment"] == "数字不对"
    assert case["rated_answer"] == ANSWER.answer
