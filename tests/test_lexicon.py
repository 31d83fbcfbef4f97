"""Districts, scopes, quarters, months, units, glossary and English expansion (assistant.lexicon)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest.pipeline import read_plan
from assistant.lexicon import (
    CITYWIDE,
    Vocabulary,
    district_alias_patterns,
    district_aliases,
    english_terms,
    expand_english,
    find_districts,
    find_months,
    find_quarters,
    find_scopes,
    find_units,
    glossary,
    quarter_alias_patterns,
    quarter_aliases,
    quarter_of_month,
    question_words,
    use_vocabulary,
    vocabulary,
)
from assistant.models import QUARTERS
from assistant.text import normalize

RAW = Path(__file__).resolve().parents[1] / "corpus" / "raw" / "changzhou-2025-civil-affairs-plan.txt"
# The seed's names are read from the page (its profile), as they are for any plan.
SEED = read_plan(RAW)
SEED_VOCABULARY = Vocabulary.from_plan(SEED)
use_vocabulary(SEED_VOCABULARY)
DISTRICTS = tuple(SEED.units)
CITY_LEVEL = "市本級"
SCOPE_ALIASES = vocabulary().scopes
UNIT_ALIASES = vocabulary().bodies
UNIT_ENGLISH = vocabulary().body_english


def test_unit_table_covers_exactly_the_plans_units() -> None:
    assert tuple(vocabulary().units) == DISTRICTS
    assert set(vocabulary().unit_english) >= set(DISTRICTS)


@pytest.mark.parametrize(("alias", "canonical"), sorted(district_aliases().items()))
def test_every_district_alias_resolves(alias: str, canonical: str) -> None:
    assert find_districts(alias) == [canonical]


@pytest.mark.parametrize(("alias", "canonical"), sorted(district_aliases().items()))
def test_every_district_alias_resolves_in_a_sentence(alias: str, canonical: str) -> None:
    question = f"What about {alias}'s meal points?" if alias.isascii() else f"那{alias}的助餐点有几个？"
    assert find_districts(question) == [canonical]


def test_latin_aliases_are_case_insensitive() -> None:
    assert find_districts("XINBEI and jintan and Economic development ZONE") == ["新北區", "金壇區", "經開區"]


def test_xinbei_q3_question_in_english() -> None:
    question = "What is Xinbei's Q3 reform milestone?"
    assert find_districts(question) == ["新北區"]
    assert find_quarters(question) == ["Q3"]


def test_follow_up_names_only_a_district() -> None:
    assert find_districts("那金坛呢?") == ["金壇區"]
    assert find_districts("那經開呢？") == ["經開區"]


def test_districts_come_in_order_of_mention() -> None:
    assert find_districts("武进区和新北区,还有溧阳") == ["武進區", "新北區", "溧陽市"]
    assert find_districts("Compare Jintan district with Wujin and Jintan") == ["金壇區", "武進區"]


def test_table_short_forms_are_recognised() -> None:
    """Attachment 1 writes 「推動與溧陽、金壇救助管理工作一體化發展」 with short forms."""
    assert find_districts("推動與溧陽、金壇救助管理工作一體化發展") == ["溧陽市", "金壇區"]


@pytest.mark.parametrize(
    "text",
    [
        "全市新增53個老年助餐點",
        "What is the welfare lottery target?",
        "已经开始了吗",
        "完全市场化运营",
        "市本级的福彩销售目标",
        "各轄市、區民政局",
        "How many new meal points citywide?",
    ],
)
def test_no_false_positive_district(text: str) -> None:
    assert find_districts(text) == []


def test_district_pattern_strips_names_from_normalised_text() -> None:
    norm = normalize("那金壇區呢")
    for pattern in district_alias_patterns():
        norm = pattern.sub("", norm)
    assert norm == "那呢"


@pytest.mark.parametrize(
    ("scope", "alias"), [(scope, alias) for scope, aliases in SCOPE_ALIASES.items() for alias in aliases]
)
def test_every_scope_alias_resolves(scope: str, alias: str) -> None:
    assert find_scopes(f"{alias}的目标" if not alias.isascii() else f"target at {alias}") == [scope]


def test_scopes_are_not_districts() -> None:
    assert find_scopes("全市新增53個老年助餐點") == [CITYWIDE]
    assert find_scopes("市本級5.78億元,溧陽市1.58億元") == [CITY_LEVEL]
    assert find_scopes("What is the city-level lottery target?") == [CITY_LEVEL]
    assert find_scopes("完全市场化运营") == []


@pytest.mark.parametrize(("alias", "quarter"), sorted(quarter_aliases().items()))
def test_every_quarter_alias_resolves(alias: str, quarter: str) -> None:
    assert find_quarters(alias) == [quarter]
    assert find_quarters(f"新北区{alias}的改革进度") == [quarter]


@pytest.mark.parametrize(
    ("question", "quarters"),
    [
        ("新北區第三季度的改革進度?", ["Q3"]),
        ("Q1和Q2分别做什么", ["Q1", "Q2"]),
        ("What happens in the 4th quarter?", ["Q4"]),
        ("2025Q3", ["Q3"]),
        ("Apr–Jun milestones", ["Q2"]),
        ("7-8月份组织培训", ["Q3"]),
        ("1-6月", ["Q1", "Q2"]),
        ("上半年", ["Q1", "Q2"]),
        ("in the second half of the year", ["Q3", "Q4"]),
        ("年底前完成什么", []),  # a deadline, not a quarter: see find_quarters' docstring
        ("by year-end", []),
        ("四季如春", []),
        ("每季度一次", []),
        ("2021-2035年规划", []),
        ("生成日期:2025-03-18", []),
    ],
)
def test_find_quarters(question: str, quarters: list[str]) -> None:
    assert find_quarters(question) == quarters


def test_quarter_pattern_strips_quarters_from_normalised_text() -> None:
    norm = normalize("经开区第三季度呢")
    for pattern in quarter_alias_patterns():
        norm = pattern.sub("", norm)
    assert norm == "经开区呢"


@pytest.mark.parametrize(("month", "quarter"), [(1, "Q1"), (3, "Q1"), (4, "Q2"), (6, "Q2"), (7, "Q3"), (9, "Q3"),
                                               (10, "Q4"), (12, "Q4")])
def test_quarter_of_month(month: int, quarter: str) -> None:
    assert quarter_of_month(month) == quarter
    assert quarter in QUARTERS


@pytest.mark.parametrize("month", [0, 13, -1])
def test_quarter_of_month_rejects_non_months(month: int) -> None:
    with pytest.raises(ValueError):
        quarter_of_month(month)


@pytest.mark.parametrize(
    ("question", "months"),
    [("3月底前完成什么", [3]), ("12月底前", [12]), ("十二月", [12]), ("1-3月", [1, 2, 3]),
     ("What is due by the end of March?", [3]), ("by May", [5]), ("What may happen?", []), ("3个月", [])],
)
def test_find_months(question: str, months: list[int]) -> None:
    assert find_months(question) == months


def test_unit_table_has_english_names() -> None:
    named = {u for u in UNIT_ALIASES if not u.startswith("各") and u != "先鋒匯成員單位"}
    assert named <= set(UNIT_ENGLISH)


@pytest.mark.parametrize(
    ("unit", "alias"), [(unit, alias) for unit, aliases in UNIT_ALIASES.items() for alias in (unit, *aliases)]
)
def test_every_unit_alias_resolves(unit: str, alias: str) -> None:
    assert find_units(alias) == [unit]


def test_units_in_a_responsibility_question() -> None:
    assert find_units("市衛健委和市殘聯負責什麼?") == ["市衛健委", "市殘聯"]
    assert find_units("What does the Fire and Rescue Detachment do?") == ["市消防救援支隊"]
    assert find_units("各慈善总会负责哪些项目") == ["各慈善總會"]


def test_glossary_is_large_and_well_formed() -> None:
    entries = glossary()
    assert len(entries) >= 60
    for entry in entries:
        assert entry.en and entry.zh and entry.topic
        assert len(entry.zh_hans) == len(entry.zh)


def test_glossary_terms_are_chinese_and_unique_per_entry() -> None:
    for e in glossary():
        assert all(any("\u4e00" <= ch <= "\u9fff" or ch.isdigit() for ch in z) for z in e.zh), e.topic  # 96444
        assert len(set(e.zh)) == len(e.zh), e.topic


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("How are party-building and political organs strengthened?", "政治機關建設"),
        ("How many seniors get smart technology training?", "智能技術"),
        ("How many family elderly-care beds will be built?", "家庭養老床位"),
        ("home visit care for disabled elderly", "居家養老上門服務"),
        ("neighbourhood mutual-aid points", "睦鄰點"),
        ("age-friendly home modification households", "適老化改造"),
        ("How many elderly care advisers?", "養老顧問"),
        ("nursing homes passing the grade assessment", "等級評定"),
        ("silver economy industrial park", "銀發經濟"),
        ("minimum living allowance standard", "低保"),
        ("destitute people care action", "特困人員"),
        ("winter warm summer cool electricity", "冬暖夏涼"),
        ("vagrants and beggars", "流浪乞討人員"),
        ("child protection workstations", "未保站"),
        ("two disability subsidies", "殘疾人兩項補貼"),
        ("funeral and cemetery reform", "殯葬"),
        ("public welfare cemeteries approval", "公益性公墓"),
        ("marriage registration", "婚姻登記"),
        ("marriage customs reform experimental zone", "婚俗改革"),
        ("place names and toponyms", "地名"),
        ("boundary inspection", "界線聯檢"),
        ("social organisations annual inspection", "社會組織"),
        ("social organizations", "社會組織"),
        ("venture philanthropy projects", "公益創投"),
        ("charity", "慈善"),
        ("welfare lottery sales target", "銷售目標"),
        ("civil affairs service stations", "民政服務站"),
        ("fire safety of nursing homes", "消防"),
        ("petitions and public opinion", "信訪"),
        ("Who is responsible?", "責任單位"),
        ("What is the quota?", "任務分解"),
        ("Who is in charge of the data bureau?", "市數據局"),
    ],
)
def test_english_terms_cover_the_plan(question: str, term: str) -> None:
    assert term in english_terms(question)


def test_expand_english_for_meal_points_superlative() -> None:
    expanded = expand_english("Which district has the most meal points?")
    assert expanded.startswith("Which district has the most meal points?")
    assert "助餐" in expanded and "最多" in expanded and "哪個區" in expanded


@pytest.mark.parametrize(
    "variant", ["meal point", "meal points", "meal-points", "Meal-Point", "MEAL POINTS", "meal‑points"]
)
def test_expand_english_tolerates_plural_case_and_hyphens(variant: str) -> None:
    assert "助餐點" in english_terms(f"How many {variant} in Wujin?")


def test_expand_english_appends_district_and_quarter_labels() -> None:
    expanded = expand_english("What is Xinbei's Q3 reform milestone?")
    assert "新北區" in expanded and "三季度" in expanded and "改革" in expanded


def test_expand_english_prefers_the_longest_phrase() -> None:
    terms = english_terms("marriage customs reform")
    assert "婚俗改革" in terms and "婚姻" not in terms


def test_expand_english_leaves_unknown_questions_alone() -> None:
    assert expand_english("Hello there") == "Hello there"


def test_expand_english_adds_scope() -> None:
    assert "市本級" in expand_english("What is the welfare lottery target at city level?")


def test_question_words_are_separable_from_topic_terms() -> None:
    assert {"多少", "哪个区", "最多", "最少", "一共"} <= question_words()
    assert "助餐点" not in question_words()


def test_a_quoted_programme_name_is_found_by_its_pinyin() -> None:
    """“冬暖夏凉” written romanised, as two words or run together, stands for the page's own name."""
    assert "冬暖夏凉" in english_terms("What is the Dongnuan Xialiang project?")
    assert "冬暖夏凉" in english_terms("who runs the dongnuanxialiang power programme")
    assert "冬暖夏凉" not in english_terms("warm in winter")
