"""Structured lookups and the number verifier, on the real plan."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.lookup import deadline_items, district_value, numeric_tasks, parse_quantity, rank, reforms_of
from assistant.models import Answer, Citation, Plan
from assistant.verify import unsupported_numbers


def _task(plan: Plan, tid: str):  # type: ignore[no-untyped-def]
    return next(t for t in plan.tasks if t.id == tid)


@pytest.mark.parametrize(
    ("cell", "value", "unit", "at_least"),
    [("353張", "353", "張", False), ("20個以上", "20", "個", True), ("4000人次", "4000", "人次", False),
     ("5.78億元", "5.78", "億元", False)],
)
def test_parse_quantity_reads_cells(cell: str, value: str, unit: str, at_least: bool) -> None:
    q = parse_quantity(cell)
    assert q is not None and q.value == Decimal(value) and q.unit == unit and q.at_least is at_least


def test_not_applicable_and_text_cells_are_not_numbers() -> None:
    assert parse_quantity("--") is None
    assert parse_quantity("統籌推進“平安邊界”建設") is None


def test_wujin_has_the_most_meal_points_and_zhonglou_the_fewest(plan: Plan) -> None:
    ranked = rank(_task(plan, "task-3-3"))
    assert ranked.top() == [("武進區", parse_quantity("24個"))]
    assert ranked.bottom() == [("鐘樓區", parse_quantity("2個"))]
    assert str(ranked.total) == "53個"


def test_ties_are_all_reported(plan: Plan) -> None:
    ranked = rank(_task(plan, "task-2-1"))
    assert [d for d, _ in ranked.top()] == ["新北區", "天寧區", "鐘樓區"]
    assert str(ranked.total) == "37000人次"


def test_not_applicable_cells_are_set_aside_in_rankings(plan: Plan) -> None:
    ranked = rank(_task(plan, "task-3-9"))
    assert ranked.skipped == [("天寧區", "--"), ("鐘樓區", "--")]
    assert str(ranked.total) == "21家"


def test_lottery_values_only_for_listed_units(plan: Plan) -> None:
    t = _task(plan, "task-14-1")
    assert district_value(t, "武進區") == "2.91億元"
    assert district_value(t, "新北區") is None
    assert str(rank(t).total) == "11.5億元"


def test_ambiguous_row_is_not_numeric_by_district(plan: Plan) -> None:
    ids = {t.id for t in numeric_tasks(plan)}
    assert "task-8-3" not in ids and "task-3-1" in ids and "task-14-1" in ids
    assert district_value(_task(plan, "task-8-3"), "鐘樓區") is None


def test_every_district_has_its_reform_rows(plan: Plan) -> None:
    assert [r.no for r in reforms_of(plan, "新北區")] == [7, 8]
    assert [r.no for r in reforms_of(plan, "經開區")] == [13, 14, 15]


def test_deadline_items_are_the_dated_ones(plan: Plan) -> None:
    items = deadline_items(_task(plan, "task-16-3").citywide or "")
    assert len(items) == 4 and items[0].endswith("4月底前完成情況摸底;")


def _answer(text: str, quotes: list[str]) -> Answer:
    return Answer(
        answer=text, answerable=True, route="lookup",
        citations=[Citation(id="x", label="附件1 · 序號3", text=q, location="f:L1-L1") for q in quotes],
    )


def test_verifier_accepts_cited_numbers_and_shown_arithmetic() -> None:
    ok = _answer("合计 5500户：820 + 760 + 880 + 760 + 820 + 800 + 660 = 5500 [1]",
                 ["溧陽市 820戶", "金壇區 760戶", "武進區 880戶", "天寧區 820戶", "鐘樓區 800戶", "經開區 660戶"])
    assert unsupported_numbers(ok) == []


def test_verifier_flags_invented_and_miscomputed_numbers() -> None:
    assert unsupported_numbers(_answer("新北区 200张 [1]", ["新北區 192張"])) == ["200"]
    wrong_sum = _answer("192 + 149 = 350", ["新北區 192張", "武進區 149張"])
    assert unsupported_numbers(wrong_sum) == ["350"]


def test_verifier_ignores_markers_list_numbers_and_item_counts() -> None:
    text = "新北区有 2 项改革攻坚事项，三季度共 6 项安排：\n  1. 开展等级评估 [1]\n来源：[1] 附件2 · 序號8"
    assert unsupported_numbers(_answer(text, ["開展等級評估"])) == []
