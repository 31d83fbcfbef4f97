"""Normalisation, script/language detection and jieba tokenisation (assistant.text)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant import text
from assistant.text import (
    detect_language,
    detect_script,
    fold_width,
    normalize,
    to_simplified,
    to_traditional,
    tokenize,
    word_spans,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("question", "script"),
    [
        ("新北区三季度的改革进度?", "hans"),
        ("新北區三季度的改革進度?", "hant"),
        ("新北區三季度的改革進度？", "hant"),
        ("What is Xinbei's Q3 reform milestone?", "latin"),
        ("那金坛呢?", "hans"),
        ("那金壇呢？", "hant"),
        ("家庭养老床位有多少张", "hans"),
        ("家庭養老床位有多少張", "hant"),
        ("三季度", "hans"),  # no distinguishing character: Simplified, the common case
        ("乡村著名行动是什么", "hans"),  # 著 is not a Traditional-only character here
        ("關于社會組織等級評估的範圍", "hant"),
        ("困難群眾的低保標準", "hant"),  # 群 is standard Traditional too
        ("新北區的进度", "mixed"),
    ],
)
def test_detect_script(question: str, script: str) -> None:
    assert detect_script(question) == script


def test_plan_text_reads_as_traditional() -> None:
    """The plan's own sentences (with 于, 并, 范, 干 as published) are detected as Traditional."""
    sentence = "推動黨中央關于民政工作的各項決策部署落到實處,進一步加強新時代廉潔文化建設,并推動黨員干部深入基層"
    assert detect_script(sentence) == "hant"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("新北区三季度的改革进度?", "zh"),
        ("新北區三季度的改革進度?", "zh"),
        ("新北区Q3进度", "zh"),
        ("What is Xinbei's Q3 reform milestone?", "en"),
        ("What is 新北區's Q3 milestone?", "en"),
        ("Q3?", "en"),
        ("经开区 EDZ 的助餐点有几个", "zh"),
    ],
)
def test_detect_language(question: str, language: str) -> None:
    assert detect_language(question) == language


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("新北區三季度的改革進度?", "新北区三季度的改革进度?"),
        ("新北區三季度的改革進度？", "新北区三季度的改革进度?"),
        ("那金壇呢？", "那金坛呢?"),
        ("鐘樓區婚俗改革", "钟楼区婚俗改革"),
        ("經開區新增幾個老年助餐點（社區食堂）", "经开区新增几个老年助餐点(社区食堂)"),
        ("溧陽市　家庭養老床位", "溧阳市 家庭养老床位"),
        ("What is XINBEI’s  Q3  milestone？", "what is xinbei's q3 milestone?"),
    ],
)
def test_normalize_makes_traditional_and_simplified_identical(traditional: str, simplified: str) -> None:
    assert normalize(traditional) == normalize(simplified)


def test_normalize_folds_width_case_and_whitespace() -> None:
    assert normalize("  Ｑ３　ＲＥＦＯＲＭ\n進度  ") == "q3 reform 进度"


@pytest.mark.parametrize(
    ("wide", "narrow"),
    [("（一）", "(一)"), ("，", ","), ("\u3000", " "), ("１２３ＡＢｃ", "123ABc"), ("？！：；", "?!:;"),
     ("1–3月", "1-3月"), ("Xinbei’s", "Xinbei's")],
)
def test_fold_width(wide: str, narrow: str) -> None:
    assert fold_width(wide) == narrow


def test_fold_width_keeps_chinese_punctuation_without_half_width_form() -> None:
    assert fold_width("溧陽、金壇。《條例》") == "溧陽、金壇。《條例》"


def test_to_simplified_is_phrase_aware() -> None:
    assert to_simplified("鄉村著名行動") == "乡村著名行动"
    assert to_simplified("銀發經濟") == "银发经济"


@pytest.mark.parametrize(
    ("simplified", "traditional"),
    [("钟楼区", "鐘樓區"), ("钟爱暖心", "鐘愛暖心"), ("困难群众", "困難群眾"), ("家庭养老床位", "家庭養老床位"),
     ("新北区三季度的改革进度", "新北區三季度的改革進度"), ("经开区", "經開區"), ("金坛区", "金壇區")],
)
def test_to_traditional_uses_the_plans_forms(simplified: str, traditional: str) -> None:
    assert to_traditional(simplified) == traditional


@pytest.mark.parametrize("term", ["助餐点", "家庭养老床位", "睦邻点", "适老化改造", "未保站", "冬暖夏凉", "公益创投"])
def test_tokenize_keeps_domain_terms_whole(term: str) -> None:
    assert term in tokenize(f"全市新增{term}多少个")


def test_tokenize_keeps_terms_from_traditional_text() -> None:
    tokens = tokenize("全市新增53個老年助餐點(社區食堂),建設1300張家庭養老床位")
    assert {"助餐点", "老年助餐点", "社区食堂", "家庭养老床位", "53", "1300"} <= set(tokens)


def test_short_query_overlaps_long_term() -> None:
    """Search mode also yields sub-words, so 助餐 in a question meets 老年助餐点 in a passage."""
    assert set(tokenize("助餐")) & set(tokenize("新增53個老年助餐點"))
    assert set(tokenize("养老床位")) & set(tokenize("建設1300張家庭養老床位"))


def test_tokenize_drops_punctuation_whitespace_and_stopwords() -> None:
    tokens = tokenize("新北区的助餐点呢？ 和 经开区吗?")
    assert tokens and not {"的", "呢", "吗", "和", "?", " ", "？"} & set(tokens)
    assert {"新北区", "助餐点", "经开区"} <= set(tokens)


def test_tokenize_english_drops_stopwords_and_possessive_letter() -> None:
    assert tokenize("What is Xinbei's Q3 reform milestone?") == ["xinbei", "q3", "reform", "milestone"]


def test_tokenize_is_identical_for_both_scripts() -> None:
    assert tokenize("新北區三季度的改革進度?") == tokenize("新北区三季度的改革进度？")


def test_word_spans_do_not_cut_short_names_out_of_ordinary_words() -> None:
    words = [w for w, _, _ in word_spans(normalize("已经开始了吗"))]
    assert "经开" not in words
    spans = word_spans("那经开呢")
    assert ("经开", 1, 3) in spans


@pytest.mark.parametrize("word", text.domain_words())
def test_every_domain_word_is_one_token(word: str) -> None:
    assert [w for w, _, _ in word_spans(word)] == [word]


def test_importing_builds_nothing_and_jieba_stays_quiet() -> None:
    """No converter or tokenizer at import time; first use prints nothing to stderr."""
    code = (
        "import assistant.text as t\n"
        "assert t._tokenizer.cache_info().currsize == 0 and t._converter.cache_info().currsize == 0\n"
        "t.tokenize('新北区三季度的改革进度')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_loading_another_plan_takes_the_last_plans_words_away() -> None:
    """A process that loads plan after plan (a re-ingest, eval-plans) cuts each with its own words only."""
    from assistant.text import use_plan_words

    try:
        use_plan_words(["新增家庭养老床位", "云谷社区筹备组"])
        assert "新增家庭养老床位" in tokenize("全市新增家庭养老床位多少个")
    finally:
        use_plan_words([])
    assert "新增家庭养老床位" not in tokenize("全市新增家庭养老床位多少个")
    assert "家庭养老床位" in tokenize("全市新增家庭养老床位多少个")
