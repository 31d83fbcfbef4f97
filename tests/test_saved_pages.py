"""Pages saved in a container (MHTML, a CMS API's JSON) and attachments pasted from a spreadsheet
(tests/fixtures/heldout13): read with no code change, then a few answers that depend on what was read."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering import Answerer
from assistant.answering.router import paired_parts
from assistant.chunks import build_chunks
from assistant.config import get_settings
from assistant.errors import InputError
from assistant.ingest.pipeline import page_text, read_plan
from assistant.retrieve import BM25Index, HybridRetriever

HELDOUT13 = Path(__file__).resolve().parent / "fixtures" / "heldout13"
MHTML = HELDOUT13 / "binzhou-2026-mhtml-qp.mht"
API_JSON = HELDOUT13 / "gulou-2027-json-api.json"
TSV = HELDOUT13 / "zigui-2026-tsv-paste.txt"


def _answerer(page: Path) -> Answerer:
    plan = read_plan(page)
    chunks = build_chunks(plan)
    return Answerer(plan, chunks, HybridRetriever(chunks, BM25Index(chunks), None, get_settings()))


def test_an_mhtml_page_is_its_quoted_printable_html_part_in_its_own_charset() -> None:
    text, html = page_text(MHTML)
    assert html and "滨州市民政局" in text and "=B1=F5" not in text
    plan = read_plan(MHTML)
    assert plan.metadata["doc_number"] == "滨民发〔2026〕4号"
    assert plan.metadata["signed"] == "2026-02-27"
    assert len(plan.units) == 8 and len(plan.reforms) == 7


def test_an_api_response_is_read_as_a_page_with_its_fields_as_the_header() -> None:
    plan = read_plan(API_JSON)
    assert plan.metadata["doc_number"] == "鼓民〔2027〕6号"
    assert plan.metadata["index_no"] == "11350102MB0E51736K/2027-00031"
    assert plan.metadata["published"].startswith("2027-03-05")
    assert any(s.heading == "织密兜牢民生保障网" for s in plan.sections)  # the body's chapters, not one blob


def test_a_breakdown_table_under_the_task_list_fills_each_tasks_unit_cells() -> None:
    plan = read_plan(API_JSON)
    signs = next(t for t in plan.tasks if t.group == "地名标志设置")
    assert signs.responsible == ["区划地名科", "鼓楼公安分局"]
    assert signs.districts is not None and signs.districts["南街街道"] == "16/22"
    assert signs.extra["合计"] == "280/140"
    beds = next(t for t in plan.tasks if t.group == "家庭养老床位建设")
    assert beds.districts is not None and beds.districts["洪山镇"] == "120①"
    assert len(plan.tasks) == 8  # the breakdown's rows are no tasks of their own
    assert [r.district for r in plan.reforms].count("华大街道") == 2  # 改革创新事项 names the item column


def test_a_spreadsheet_paste_with_merged_header_cells_and_month_columns() -> None:
    plan = read_plan(TSV)
    assert plan.units[0] == "茅坪镇" and len(plan.units) == 12
    homes = next(t for t in plan.tasks if "儿童之家" in t.content)
    assert homes.districts is not None and homes.districts["屈原镇"] == ""  # blank: the 注 says not applicable
    meals = next(t for t in plan.tasks if "助餐点" in t.content)
    assert meals.responsible == ["养老服务股", "县市场监管局"] and meals.extra["完成时限"] == "8月31日前"
    wedding = next(r for r in plan.reforms if r.district == "屈原镇")
    assert wedding.milestones["M8"] == ["七夕前后累计举办2场"] and wedding.milestones["M7"] == []


def test_a_zone_with_no_figures_is_answered_by_the_sentence_that_says_where_it_is_counted() -> None:
    answer = _answerer(TSV).answer("How many home-based elderly care beds is the Zigui Economic Development Zone assigned?")
    assert not answer.answerable
    assert "计入茅坪镇" in answer.answer


def test_an_unknown_container_or_broken_json_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "page.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        read_plan(bad)
    empty = tmp_path / "page.mht"
    empty.write_bytes(b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello\r\n")
    with pytest.raises(InputError, match="no text/html part"):
        read_plan(empty)
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    with pytest.raises(InputError, match="unsupported file type '.pdf'"):
        read_plan(pdf)


def test_a_question_about_two_named_things_is_asked_of_each() -> None:
    assert paired_parts("养老机构消防避难设施和混合经营建筑这两块,五月底前要先交啥") == (
        "养老机构消防避难设施五月底前要先交啥", "混合经营建筑五月底前要先交啥")
    assert paired_parts("困难群众和低保对象有多少") is None  # no explicit pair: one topic
    assert paired_parts("溧阳和金坛这两个区床位多少") is None  # two units are one question, read together


def test_a_folder_of_pages_lists_pages_not_their_sidecars_or_other_json(tmp_path: Path) -> None:
    from assistant.library.shelf import pages_in

    (tmp_path / "plan.json").write_bytes(API_JSON.read_bytes())
    (tmp_path / "settings.json").write_text("{\"theme\": \"dark\"}", encoding="utf-8")
    (tmp_path / "plan.aliases.json").write_text('{"aliases": {}}', encoding="utf-8")
    (tmp_path / "README.txt").write_text("notes", encoding="utf-8")
    assert pages_in([tmp_path]) == [tmp_path / "plan.json"]
