"""The extractive composer on small records: exact cells, cited, with shown arithmetic (no index)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import compose
from assistant.chunks import build_chunks
from assistant.evidence import CitationError, Evidence
from assistant.ingest.pipeline import read_plan
from assistant.lexicon import Vocabulary, use_vocabulary
from assistant.models import Plan
from assistant.render import Voice
from assistant.verify import unsupported_numbers

PAGE = Path(__file__).resolve().parent / "fixtures" / "small" / "qingshan-2026-small.txt"


@pytest.fixture
def small_plan() -> Plan:
    p = read_plan(PAGE)
    use_vocabulary(Vocabulary.from_plan(p))
    return p


def evidence(plan: Plan, language: str = "zh", script: str = "hans") -> Evidence:
    return Evidence({c.id: c for c in build_chunks(plan)}, Voice.for_question(language, script), plan.source_name)


def test_quota_quotes_the_cell_and_cites_it(small_plan: Plan) -> None:
    ev = evidence(small_plan)
    body, ok = compose.quota(small_plan, ev, small_plan.tasks[0], ["南塘区"])
    assert ok and "100张" in body and "120张" not in body
    assert [c.text for c in ev.citations] == ["新建家庭养老床位300张", "南塘区 100张"]


def test_quota_in_english_names_the_unit_in_pinyin(small_plan: Plan) -> None:
    ev = evidence(small_plan, "en", "latin")
    body, _ = compose.quota(small_plan, ev, small_plan.tasks[0], ["北湖区"])
    assert "Beihu" in body and "120" in body


def test_sum_shows_its_arithmetic_and_every_number_is_supported(small_plan: Plan) -> None:
    from assistant.models import Answer

    ev = evidence(small_plan)
    body, ok = compose.aggregate(ev, small_plan.tasks[0], "sum", [])
    assert ok and "120 + 100 + 80 = 300" in body
    assert unsupported_numbers(Answer(answer=body, answerable=True, route="lookup", citations=ev.citations)) == []


def test_max_and_not_applicable_cells(small_plan: Plan) -> None:
    ev = evidence(small_plan)
    body, ok = compose.aggregate(ev, small_plan.tasks[1], "max", [])
    assert ok and body.startswith("「新增老年助餐点30个」最多的是北湖区") and "西岭区为“--”（不适用）" in body


def test_due_column_and_dated_note_cells(small_plan: Plan) -> None:
    ev = evidence(small_plan)
    assert "11月底前" in compose.due_column(ev, small_plan.tasks[0])
    assert compose.dated_columns({"备注": "10月底前完成，纳入民生实事"}) == [("备注", "10月底前完成，纳入民生实事")]
    assert compose.dated_columns({"备注": "服务对象须经评估"}) == []


def test_owner_cells_read_a_note_that_names_who_helps() -> None:
    assert compose.owner_cells({"配合单位": "市财政局", "备注": "区慈善总会协同", "说明": "每季度通报"}) == [
        ("配合单位", "市财政局"), ("备注", "区慈善总会协同")]


def test_milestones_of_a_unit_in_one_quarter(small_plan: Plan) -> None:
    ev = evidence(small_plan)
    body = compose.milestones(small_plan, ev, ["北湖区"], ["Q3"])
    assert "建成投用" in body and "完成选址" not in body and [c.id for c in ev.citations] == ["reform-1-q3"]


def test_a_quote_its_record_does_not_hold_is_refused(small_plan: Plan) -> None:
    ev = evidence(small_plan)
    with pytest.raises(CitationError):
        ev.cite("task-1-1", "新建家庭养老床位500张", "附件1")
