"""Typo correction of questions: sound-alike Chinese slips and misspelt English, never a known word."""

from __future__ import annotations

import pytest

from assistant.spelling import Speller, question_vocabulary

PLAN_TEXT = ("新建1300张家庭养老床位。新建老年助餐点100个。完成特殊困难老年人家庭适老化改造3500户。"
             "改造提升乡村互助养老睦邻点50个。各辖市、区分解任务。溧阳市一季度完成调研。")


@pytest.fixture(scope="module")
def speller() -> Speller:
    from assistant.text import tokenize

    chinese, english = question_vocabulary()
    return Speller({t for t in tokenize(PLAN_TEXT) if len(t) >= 2} | chinese, PLAN_TEXT, english)


@pytest.mark.parametrize(("typed", "meant"), [
    ("天宁今年家庭养老床未要建多少张", "天宁今年家庭养老床位要建多少张"),
    ("钟楼那边老年住餐点新增几个?", "钟楼那边老年助餐点新增几个?"),
    ("溧阳的乡村互助养老睦临点要改造多少个", "溧阳的乡村互助养老睦邻点要改造多少个"),
    ("适老话改造任务不少于800户的有哪几个区", "适老化改造任务不少于800户的有哪几个区"),
    ("适老化改造谁负则", "适老化改造谁负责"),
    ("How many rural cemetaries are planned?", "How many rural cemeteries are planned?"),
])
def test_a_slip_is_read_as_the_word_meant(speller: Speller, typed: str, meant: str) -> None:
    assert speller.correct(typed) == meant


@pytest.mark.parametrize("question", [
    "哪个区助餐点最多?",  # 个区 sounds like 各区, but 哪个 is a word
    "溧阳市一季度改革攻坚进度是什么?",  # 市一 sounds like 十一: the plan writes it
    "2025年和2026年的床位任务有什么变化?",  # 的 is too common to be a slip of 底
    "周市镇居家养老上门服务对象是多少名?",  # a place's name is not corrected
    "What is Changle Town's welfare lottery sales target?",  # capitalised: a name
    "How much should the subdistrict raise this year?",
])
def test_a_question_without_slips_is_left_as_asked(speller: Speller, question: str) -> None:
    assert speller.correct(question) == question


def test_a_capitalised_name_one_letter_off_is_the_plans_name() -> None:
    chinese, english = question_vocabulary()
    names = ["tianning", "jintan", "liyang", "zhonglou"]
    speller = Speller(chinese, PLAN_TEXT, english, names=names)
    assert speller.correct("Tianing's elderly-care centre") == "Tianning's elderly-care centre"
    assert speller.correct("How many beds does Jintann get?") == "How many beds does Jintan get?"
    assert speller.correct("Zhonglu and Liyan") == "Zhonglou and Liyang"
    assert speller.correct("Which district, Tianxin?") == "Which district, Tianxin?"  # two edits: another name


def test_a_capitalised_word_spelling_one_run_of_the_plan_in_pinyin_is_that_run() -> None:
    """English names a programme by its pinyin (Quanlinghui): the plan's one run that reads so; a place
    (a run the plan writes with a place suffix) stays as typed, and so does a spelling two runs share."""
    chinese, english = question_vocabulary()
    text = PLAN_TEXT + "全龄汇颐养中心正式运营。依托江苏省平台。安居、美居、乐居。党政机关安局。"
    speller = Speller(chinese, text, english)
    assert speller.correct("When does the Quanlinghui centre open?") == "When does the 全龄汇 centre open?"
    assert speller.correct("What about the Jiangsu platform?") == "What about the Jiangsu platform?"
    assert speller.correct("And the Anju project?") == "And the Anju project?"  # 安居 or 安局
