"""Places a question names that the plan does not cover (assistant.places), on plain strings."""

from __future__ import annotations

import pytest

from assistant.places import chinese_places, english_places


@pytest.mark.parametrize(
    ("question", "places"),
    [
        ("鼓楼区今年要新增多少张家庭养老床位", ["鼓楼区"]),
        ("南京要打造的婚俗文化品牌叫什么?", ["南京"]),
        ("臨平區有多少個服務類社會救助項目?", ["临平区"]),
        ("功能区和试点区的任务", []),  # common nouns with a place suffix are no places
        ("全市示范区多少个", []),
        ("新建多少个助餐点", []),  # 新建 is tagged as a place by the dictionary, and is a verb here
        ("哪些镇街没有乡村互助养老睦邻点改造任务?", []),
    ],
)
def test_chinese_places(question: str, places: list[str]) -> None:
    assert chinese_places(question) == places


def test_english_places_only_where_used_as_a_place() -> None:
    assert english_places("Which service follows the Hangzhou model?", "") == []  # an adjective, not the place asked about
    assert english_places("How many beds will Hangzhou add?", "") == ["Hangzhou"]
    assert english_places("What is Hangzhou's target?", "") == ["Hangzhou"]
    assert english_places("How many beds in Hangzhou?", "") == ["Hangzhou"]
    assert english_places("the Jiangsu–Shandong boundary inspection", "") == []
    assert english_places("What is Hangzhou's target?", "杭州市民政局") == []  # the page names it
