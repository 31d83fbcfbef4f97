"""The evaluation harness: scoring rules on hand-made rows, the batch contract, the baseline, the gate,
and the real evaluation, which must pass its gate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings
from assistant.errors import InputError
from assistant.evaluation import QUESTIONS_PATH, THRESHOLDS_PATH
from assistant.evaluation.batch import RESULT_KEYS, load_questions, run_batch
from assistant.evaluation.gate import Thresholds, check_gate, load_thresholds
from assistant.evaluation.report import compare, render_markdown, run_eval, write_reports
from assistant.evaluation.scoring import (
    citations_support,
    fold,
    group_stats,
    missing_facts,
    percentile,
    score_answer,
    score_context,
    summarize,
)
from assistant.models import Answer, ChatMessage, Citation

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "assistant.cli"]


def gold(facts: list[list[str]] | None = None, answerable: bool = True, **extra: Any) -> dict[str, Any]:
    row = {"id": "q1", "question": "新北区的养老服务设施?", "answerable": answerable, "category": "district_quota",
           "language": "zh-Hans", "facts": facts or []}
    return {**row, **extra}


def result(answer: str, answerable: bool = True, citations: list[dict[str, str]] | None = None,
           **extra: Any) -> dict[str, Any]:
    return {"id": "q1", "answer": answer, "answerable": answerable, "route": "lookup",
            "citations": citations or [], "latency_ms": 5.0, **extra}


def cite(text: str, label: str = "附件1 · 序號1") -> dict[str, str]:
    return {"id": "task-1", "label": label, "text": text, "location": "L1-L2"}


# ---- folding and fact matching -----------------------------------------------------------------------

def test_a_fact_is_present_when_any_of_its_alternatives_occurs() -> None:
    assert missing_facts("新增老年助餐点 53 个", [["五十三", "53"]]) == []
    assert missing_facts("新增老年助餐点若干", [["五十三", "53"]]) == [["五十三", "53"]]


def test_every_fact_must_be_present() -> None:
    facts = [["新北区", "Xinbei"], ["3500"]]
    assert missing_facts("新北区 3500 张", facts) == []
    assert missing_facts("新北区若干张", facts) == [["3500"]]


def test_traditional_answer_matches_simplified_fact_and_back() -> None:
    assert missing_facts("新北區養老服務設施布局規劃", [["新北区养老服务设施"]]) == []
    assert missing_facts("新北区养老服务设施布局规划", [["新北區養老服務設施"]]) == []


def test_width_whitespace_and_case_are_folded() -> None:
    assert fold("３ ５００ 张\nXinBei") == fold("3500张xinbei")
    assert missing_facts("Target: ３，５００ beds in XINBEI", [["3,500"], ["xinbei"]]) == []


# ---- per-question verdicts ---------------------------------------------------------------------------

def test_answer_passes_with_matching_flag_and_all_facts() -> None:
    s = score_answer(gold([["3500"]]), result("3500 张 [1]", citations=[cite("床位3500張")]))
    assert s.passed and s.citation_ok is True and s.unsupported == []


def test_wrong_answerable_flag_fails_even_with_the_facts() -> None:
    assert not score_answer(gold([["3500"]]), result("3500 [1]", answerable=False, citations=[cite("3500")])).passed


def test_unanswerable_question_passes_on_abstention_that_shows_the_nearest_facts() -> None:
    row = gold([["市本级", "市本級"], ["溧阳", "溧陽"]], answerable=False, category="unanswerable")
    shows = result("计划没有给出新北区的福彩销售目标；只有市本级、溧阳市等有目标。", answerable=False)
    bare = result("计划没有说。", answerable=False)
    assert score_answer(row, shows).passed
    assert not score_answer(row, bare).passed
    assert score_answer(gold(answerable=False), bare).passed  # no facts: the flag alone decides


def test_an_error_row_fails_and_is_not_an_abstention() -> None:
    s = score_answer(gold(answerable=False), result("", answerable=False, error="RuntimeError: boom"))
    assert not s.passed and not s.abstained


def test_numbers_missing_from_the_citations_are_unsupported() -> None:
    s = score_answer(gold([["3500"]]), result("新北区 3500 张，另有 42 张 [1]", citations=[cite("3500張")]))
    assert s.unsupported == ["42"]
    assert group_stats([s])["unsupported_numbers"] == 1


def test_citation_correctness_needs_each_stated_fact_in_a_cited_text_or_label() -> None:
    facts = [["新北区"], ["3500"]]
    in_label = [Citation(**cite("3500張", label="附件1 · 序號3 · 新北區"))]
    assert citations_support("新北区 3500 张 [1]", facts, in_label)
    uncited = [Citation(**cite("另有內容", label="附件1 · 序號3"))]
    assert not citations_support("新北区 3500 张 [1]", facts, uncited)


def test_a_total_the_answer_computes_from_cited_numbers_counts_as_cited() -> None:
    cited = [Citation(**cite("金壇區874名")), Citation(**cite("溧陽市840名"))]
    assert citations_support("合计 1714名：874 + 840 = 1714 [1][2]", [["1714"]], cited)
    assert not citations_support("合计 1714名 [1][2]", [["1714"]], cited)


def test_abstention_precision_and_recall_treat_abstaining_as_positive() -> None:
    scores = [
        score_answer(gold(answerable=False), result("没有", answerable=False)),  # true positive
        score_answer(gold(answerable=False), result("有", answerable=True)),  # false negative
        score_answer(gold([["x"]]), result("没有", answerable=False)),  # false positive
        score_answer(gold([["x"]]), result("x")),  # true negative
    ]
    stats = group_stats(scores)
    assert stats["abstention_precision"] == 0.5
    assert stats["abstention_recall"] == 0.5
    assert stats["answered_unanswerable"] == 1
    assert stats["accuracy"] == 0.5


def test_percentiles_interpolate_linearly() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([1.0] * 19 + [100.0], 95) == pytest.approx(5.95)
    assert percentile([], 50) is None


def test_summary_groups_by_category_and_language() -> None:
    scores = [
        score_answer(gold([["a"]], id="1", language="en"), result("a")),
        score_answer(gold([["a"]], id="2", category="milestone"), result("b")),
    ]
    summary = summarize(scores)
    assert summary["overall"]["accuracy"] == 0.5
    assert summary["by_category"]["district_quota"]["accuracy"] == 1.0
    assert summary["by_category"]["milestone"]["accuracy"] == 0.0
    assert set(summary["by_language"]) == {"en", "zh-Hans"}


def test_retrieved_context_passes_when_its_chunks_hold_every_fact_but_never_abstains() -> None:
    chunks = ["新北區 養老服務", "床位 3500 張"]
    assert score_context(gold([["新北区"], ["3500"]]), chunks, 1.0).passed
    assert not score_context(gold([["服务床位"]]), chunks, 1.0).passed  # not across the seam of two chunks
    assert not score_context(gold(answerable=False), chunks, 1.0).passed


# ---- the batch contract ------------------------------------------------------------------------------

def test_run_batch_keeps_order_times_each_row_and_survives_a_raising_question() -> None:
    def ask(question: str, history: list[ChatMessage] | None) -> Answer:
        if question == "boom":
            raise RuntimeError("engine failure")
        return Answer(answer=f"{question}/{len(history or [])}", answerable=True, route="lookup",
                      citations=[Citation(id="x", label="L", text="t", location="1")])

    rows = [{"id": 1, "question": "a"}, {"id": 2, "question": "boom"},
            {"id": 3, "question": "c", "history": [{"role": "user", "content": "a"}]}]
    out = run_batch(ask, rows)
    assert [r["id"] for r in out] == [1, 2, 3]
    assert out[0]["answer"] == "a/0" and out[2]["answer"] == "c/1"
    assert out[1]["answerable"] is False and out[1]["route"] == "error" and "engine failure" in out[1]["error"]
    assert all(set(RESULT_KEYS) <= set(r) and r["latency_ms"] >= 0 for r in out)
    assert out[0]["citations"] == [{"id": "x", "label": "L", "text": "t", "location": "1"}]


def test_a_bad_question_file_is_reported_with_its_line_number(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": 1, "question": "a"}\n{"id": 2, "question": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"q\.jsonl:2: invalid JSON"):
        load_questions(path)
    path.write_text('{"id": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r":1: .*\"question\""):
        load_questions(path)
    with pytest.raises(InputError, match="not found"):
        load_questions(tmp_path / "missing.jsonl")


def test_cli_names_the_bad_line_in_one_line_and_exits_nonzero(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": 1, "question": "a"}\nnot json\n', encoding="utf-8")
    done = subprocess.run([*CLI, "eval", "--questions", str(path), "--out", str(tmp_path / "o.jsonl")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "q.jsonl:2: invalid JSON" in done.stderr


def test_cli_batch_contract_on_three_real_questions(tmp_path: Path, retriever: Any) -> None:
    """The subprocess reads ASSISTANT_INDEX_DIR, which the session fixtures point at the index they built."""
    rows = load_questions(QUESTIONS_PATH, gold=True)
    picked = [rows[0], next(r for r in rows if r.get("history")), next(r for r in rows if not r["answerable"])]
    path = tmp_path / "three.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in picked), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = subprocess.run([*CLI, "eval", "--questions", str(path), "--out", str(out)], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == [r["id"] for r in picked]
    for r in results:
        assert list(r) == list(RESULT_KEYS)
        assert isinstance(r["answer"], str) and r["answer"]
        assert isinstance(r["answerable"], bool) and isinstance(r["route"], str)
        assert all(set(c) == {"id", "label", "text", "location"} for c in r["citations"])
        assert isinstance(r["latency_ms"], float | int) and r["latency_ms"] > 0
    assert results[2]["answerable"] is False


# ---- the gate ----------------------------------------------------------------------------------------

def test_thresholds_file_sets_an_accuracy_floor() -> None:
    assert 0 < load_thresholds(THRESHOLDS_PATH).min_overall_accuracy <= 1


def test_a_broken_answerer_fails_the_gate_with_every_reason_listed() -> None:
    def broken(question: str, history: list[ChatMessage] | None) -> Answer:
        return Answer(answer="The plan funds 9999 new elder-care beds in every district.", answerable=True,
                      route="lookup")

    rows = load_questions(QUESTIONS_PATH, gold=True)
    scores = [score_answer(g, r) for g, r in zip(rows, run_batch(broken, rows), strict=True)]
    verdict = check_gate(scores, load_thresholds(THRESHOLDS_PATH))
    assert not verdict.passed
    text = "\n".join(verdict.reasons)
    assert "below min_overall_accuracy" in text
    assert "unanswerable question(s) answered" in text
    assert "unsupported number(s)" in text


def test_the_gate_fails_on_a_crash_even_when_accuracy_holds() -> None:
    scores = [score_answer(gold([["a"]], id=str(i)), result("a")) for i in range(9)]
    scores.append(score_answer(gold(id="9"), result("", answerable=False, error="KeyError: 'x'")))
    verdict = check_gate(scores, Thresholds(min_overall_accuracy=0.8))
    assert not verdict.passed and verdict.reasons == ["1 question(s) raised an error: 9"]


# ---- the real evaluation -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_report(settings: Settings, retriever: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The real eval, in-process: our Assistant and the baseline on eval/questions.jsonl, in one run."""
    report = run_eval(settings)
    report["_written"] = write_reports(report, tmp_path_factory.mktemp("reports"))
    return report


def test_the_real_evaluation_passes_the_gate(real_report: dict[str, Any]) -> None:
    assert real_report["gate"]["passed"], real_report["gate"]["reasons"]
    assert real_report["us"]["overall"]["unsupported_numbers"] == 0
    assert real_report["us"]["overall"]["answered_unanswerable"] == 0


def test_the_baseline_is_measured_in_the_same_run_and_reported(real_report: dict[str, Any]) -> None:
    rows = real_report["rows"]
    base = real_report["baseline"]["overall"]
    assert base["n"] == len(rows) == real_report["questions"]
    assert base["passed"] == sum(1 for r in rows if r["baseline_passed"])
    assert not any(r["baseline_passed"] for r in rows if not r["expected_answerable"])  # it cannot abstain
    assert base["latency_p50_ms"] is not None and real_report["baseline"]["pipeline"]["chunks"] > 0
    md = render_markdown(real_report)
    us = real_report["us"]["overall"]
    assert (f"| **overall** | {us['n']} | {us['accuracy']:.1%} ({us['passed']}/{us['n']}) | "
            f"{base['accuracy']:.1%} ({base['passed']}/{base['n']}) |") in md


def test_report_files_are_written(real_report: dict[str, Any]) -> None:
    json_path, md_path, png_path = real_report["_written"]
    assert json.loads(json_path.read_text(encoding="utf-8"))["questions"] == real_report["questions"]
    assert "Textbook RAG" in md_path.read_text(encoding="utf-8")
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_lists_improved_and_regressed_ids(real_report: dict[str, Any]) -> None:
    old = json.loads(json.dumps({k: v for k, v in real_report.items() if k != "_written"}))
    old["rows"][0]["passed"] = not old["rows"][0]["passed"]
    diff = compare(old, real_report)
    moved = diff["improved"] + diff["regressed"]
    assert moved == [real_report["rows"][0]["id"]]


def test_a_page_the_reader_refuses_fails_its_questions_and_the_run_goes_on(tmp_path: Path) -> None:
    from assistant.config import get_settings
    from assistant.evaluation.plans import render, run_plan_evals

    pages, questions = tmp_path / "pages", tmp_path / "golds"
    pages.mkdir()
    questions.mkdir()
    (pages / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    gold = [{"id": "broken-q01", "question": "新建多少张床位?", "answerable": True, "category": "citywide",
             "facts": [["1600"]]}]
    (questions / "broken.jsonl").write_text("\n".join(json.dumps(g, ensure_ascii=False) for g in gold) + "\n",
                                            encoding="utf-8")
    (result,) = run_plan_evals(pages, questions, tmp_path / "reports", get_settings())
    assert result.error and "UTF-8" in result.error
    assert result.summary["overall"]["passed"] == 0 and result.summary["overall"]["n"] == 1
    assert [f["id"] for f in result.failures] == ["broken-q01"]
    assert "broken.txt was not read" in render([result])
