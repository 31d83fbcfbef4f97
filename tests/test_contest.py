"""Routes compete on evidence: a cue word proposes a route, the cited records' coverage of the question
decides (see `assistant.answering.contest`)."""

from __future__ import annotations

from pathlib import Path

from assistant.answering import Answerer
from assistant.answering.abstain import nearest_quote
from assistant.answering.contest import ENOUGH, HELD_CEILING, MARGIN, Scored, better, form_only
from assistant.chunks import build_chunks
from assistant.config import get_settings
from assistant.evidence import Evidence
from assistant.ingest.pipeline import read_plan
from assistant.models import Answer
from assistant.render import Voice
from assistant.retrieve import BM25Index, HybridRetriever
from assistant.service import Assistant
from assistant.understand import understand

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _answerer(page: Path) -> Answerer:
    """A page's answerer over the in-memory BM25 half of the retriever (no index to build)."""
    plan = read_plan(page)
    chunks = build_chunks(plan)
    return Answerer(plan, chunks, HybridRetriever(chunks, BM25Index(chunks), None, get_settings()))


def _scored(support: float | None, answered: bool = True) -> Scored:
    answer = Answer(answer="…", answerable=True, route="lookup") if answered else None
    return Scored(answer, Evidence({}, Voice("hans"), "page.txt"), support)


def test_a_challenger_wins_only_by_a_clear_margin_and_with_most_of_the_question() -> None:
    assert better(_scored(1.0), _scored(0.5))
    assert not better(_scored(0.8), _scored(0.8 - MARGIN + 0.05))  # a near tie keeps the proposed route
    assert not better(_scored(ENOUGH - 0.05), _scored(0.0))  # covering little is no better
    assert not better(_scored(1.0), _scored(None))  # nothing to weigh: the route stands
    assert not better(_scored(1.0), _scored(HELD_CEILING + 0.05))  # covering more than half, it answers
    assert not better(_scored(None), _scored(0.0))
    assert not better(_scored(1.0, answered=False), _scored(0.0))


def test_a_unit_and_how_many_do_not_make_a_cell_answer_something_else(seed_assistant: Assistant) -> None:
    # 天宁 + 几家 proposes the unit's cell; the nearest cell (公益项目 15个以上) is another task. The plan
    # gives the list's size only for the whole city, so the answer says the unit's figure is not given.
    a = seed_assistant.ask("天宁区有几家社会组织能进优质社会组织名录?")
    assert not a.answerable and a.answer.startswith("计划没有给出天宁区的这项数字")
    assert "優質社會組織名錄" in a.citations[0].text and "200家" in a.citations[0].text  # quoted as published
    assert "15个以上" not in a.answer


def test_who_inside_a_sentence_is_answered_by_the_sentence(seed_assistant: Assistant) -> None:
    # 「由谁来开展」 proposes the 责任单位 column, whose row (健全老龄工作协调机制) does not mention the
    # research; the body sentence does, and names who carries it out.
    a = seed_assistant.ask("老龄工作课题研究由谁来开展?")
    assert a.answerable and "老龄协会" in a.answer
    assert any("課題研究" in c.text for c in a.citations)  # the sentence, quoted as published


def test_a_route_its_evidence_supports_is_kept(seed_assistant: Assistant) -> None:
    a = seed_assistant.ask("天宁区要新建多少张家庭养老床位?")
    assert a.route == "lookup" and "99张" in a.answer
    b = seed_assistant.ask("冬暖夏凉送电项目谁负责?")
    assert b.route == "lookup" and b.answerable


def test_a_near_milestone_is_quoted_from_its_own_period_even_when_that_cell_is_empty() -> None:
    # The passages' answer, tried against the proposed one, may abstain near a milestone whose period
    # cell is empty (琼海's 2026 schedule); its quote must come from that record, never another period's.
    view = _answerer(FIXTURES / "heldout10" / "qionghai-2026-pre-boxtable.html").view
    u = understand("And by the end of the year?")
    milestones = [c for c in view.chunks.values() if c.kind == "milestone"]
    empty = [c for c in milestones if not view.reforms[c.record_id].milestones.get(c.quarter or "")]
    assert empty, "the page has an empty period cell"
    for chunk in milestones:
        assert nearest_quote(view, chunk, u) in chunk.text, chunk.id


def test_a_passage_covering_more_beats_one_units_row_for_a_citywide_question(seed_assistant: Assistant) -> None:
    # The search's first hit is 天宁区's reform row (困难群众, 救助); the body sentence on 非本地户籍 people
    # (外地户口 in the glossary) holds more of the question, which names no district.
    a = seed_assistant.ask("外地户口的困难群众,救助这块管不管?")
    assert a.answerable and "非本地户籍" in a.answer
    assert not a.citations[0].id.startswith("reform-")


def test_words_that_ask_for_a_schedule_are_no_topic_to_weigh() -> None:
    # 「改革推进计划」 asks for 梁溪区's Q3 milestones; 推进 and 计划 are words of the question's form, so a
    # 巡检计划 row that happens to share them does not outweigh the milestone the question names.
    assert form_only("推进计划") and form_only("时间节点") and not form_only("殡葬改革") and not form_only("负责人")
    answerer = _answerer(FIXTURES / "plans" / "wuxi-2026-plan.html")
    a = answerer.answer("梁溪区第三季度的改革推进计划是什么?")
    assert a.answerable and "中央厨房投入使用" in a.answer and "再建成3个社区助餐点" in a.answer
