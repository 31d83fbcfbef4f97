"""Answers computed over a row's unit values (threshold, rank position, no value, share): the question read
on plain strings, the answer composed on a small plan, every figure followed by the number check."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant.chunks import build_chunks
from assistant.computed import computed, zh_ordinal
from assistant.criteria import Criterion, criterion_of, without_threshold
from assistant.evidence import Evidence
from assistant.ingest.pipeline import read_plan
from assistant.lexicon import Vocabulary, use_vocabulary
from assistant.models import Answer, Plan
from assistant.render import Voice
from assistant.verify import unsupported_numbers

PAGE = Path(__file__).resolve().parent / "fixtures" / "small" / "qingshan-2026-small.txt"


@pytest.mark.parametrize(("question", "units", "expected"), [
    ("床位超过200张的有哪几个区?", 0, Criterion("filter", ">", Decimal(200))),
    ("哪些镇的助餐点在5个以上", 0, Criterion("filter", ">=", Decimal(5))),
    ("哪些区的床位任务不到100张", 0, Criterion("filter", "<", Decimal(100))),
    ("which towns have at least 5 meal points?", 0, Criterion("filter", ">=", Decimal(5))),
    ("家庭养老床位排第二的是哪个区?", 0, Criterion("nth", position=2)),
    ("倒数第二的是哪个区", 0, Criterion("nth", position=2, lowest=True)),
    ("第三少的是哪个街道", 0, Criterion("nth", position=3, lowest=True)),
    ("which district ranks third for meal points?", 0, Criterion("nth", position=3)),
    ("the second lowest county for beds", 0, Criterion("nth", position=2, lowest=True)),
    ("助餐点有几个区是“--”?", 0, Criterion("na")),
    ("溧阳占全市家庭养老床位的比例是多少?", 1, Criterion("share")),
    ("what share of the county total does Anji have?", 1, Criterion("share")),
])
def test_the_computation_asked_is_read_with_its_parameters(question: str, units: int, expected: Criterion) -> None:
    from assistant.text import normalize

    assert criterion_of(normalize(question), units) == expected


@pytest.mark.parametrize(("question", "units"), [
    ("第二季度哪些区要完成验收?", 0),  # a quarter, not a rank
    ("扶持公益项目不少于200个是谁负责?", 0),  # a row's own wording, no set of units asked
    ("护理型床位占比要达到多少?", 0),  # a 占比 target the plan sets
    ("新北区护理型床位占比要达到多少?", 1),
    ("第三部分讲了什么", 0),
])
def test_cue_words_alone_are_no_computation(question: str, units: int) -> None:
    assert criterion_of(question, units) is None


def test_the_threshold_leaves_the_search_terms() -> None:
    assert "200" not in without_threshold("家庭养老床位超过200张的有哪几个区")
    assert "家庭养老床位" in without_threshold("家庭养老床位超过200张的有哪几个区")


def test_ranks_in_words() -> None:
    assert [zh_ordinal(n) for n in (1, 2, 10, 12, 21)] == ["第一", "第二", "第十", "第十二", "第二十一"]


@pytest.fixture
def small_plan() -> Plan:
    p = read_plan(PAGE)
    use_vocabulary(Vocabulary.from_plan(p))
    return p


def answer_of(plan: Plan, row: int, c: Criterion, units: list[str], language: str = "zh") -> tuple[str, Answer]:
    voice = Voice.for_question(language, "hans" if language == "zh" else "latin")
    ev = Evidence({ch.id: ch for ch in build_chunks(plan)}, voice, plan.source_name)
    body, ok = computed(ev, plan.tasks[row], c, units)
    answer = Answer(answer=body, answerable=ok, route="lookup", citations=ev.citations)
    assert unsupported_numbers(answer) == [], body  # thresholds, sums and shares are shown, so they check
    return body, answer


def test_a_threshold_lists_the_units_past_it_with_the_comparison(small_plan: Plan) -> None:
    body, answer = answer_of(small_plan, 0, Criterion("filter", ">", Decimal(90)), [])
    assert body.startswith("「新建家庭养老床位300张」超过90张的有 2 个单位：北湖区 120张（120 > 90）、南塘区 100张（100 > 90）")
    assert "80 > 90" not in body and "西岭区 80张" in body  # every value is shown, the failing one without a test
    assert "西岭区 80张" in answer.citations[0].text


def test_no_unit_past_the_threshold_names_the_closest(small_plan: Plan) -> None:
    body, _ = answer_of(small_plan, 0, Criterion("filter", ">=", Decimal(150)), [])
    assert "没有不少于150张的单位" in body and "北湖区 120张（120 < 150）" in body


def test_a_rank_position_skips_not_applicable_cells(small_plan: Plan) -> None:
    body, _ = answer_of(small_plan, 1, Criterion("nth", position=2), [])
    assert "排第二的是南塘区（10个）" in body
    body, _ = answer_of(small_plan, 1, Criterion("nth", position=3), [])
    assert body.startswith("「新增老年助餐点30个」只有 2 项数值，没有第三名")


def test_units_with_no_value_are_counted_and_named(small_plan: Plan) -> None:
    body, _ = answer_of(small_plan, 1, Criterion("na"), [])
    assert "没有数值的有 1 个单位：西岭区（“--”）" in body
    body, _ = answer_of(small_plan, 0, Criterion("na"), [])
    assert "每个单位都有数值" in body


def test_a_share_shows_the_sum_and_the_division(small_plan: Plan) -> None:
    body, _ = answer_of(small_plan, 0, Criterion("share"), ["北湖区"])
    assert "120 + 100 + 80 = 300" in body and "120 ÷ 300 = 40%" in body
    body, _ = answer_of(small_plan, 0, Criterion("share"), ["西岭区"], language="en")
    assert "80 ÷ 300 = 26.7%" in body


def test_the_number_check_refuses_a_false_comparison_or_share() -> None:
    from assistant.models import Citation

    cite = [Citation(id="t", label="附件1", text="北湖区 120张", location="")]
    wrong = Answer(answer="北湖区 120张（120 > 150）", answerable=True, route="lookup", citations=cite)
    assert unsupported_numbers(wrong) == ["150"]
    share = Answer(answer="120 ÷ 120 = 90%", answerable=True, route="lookup", citations=cite)
    assert unsupported_numbers(share) == ["90"]

