"""What the plan does not say is said so (`answerable: false`), with the nearest thing it does say."""

from __future__ import annotations

import pytest

from assistant.service import Assistant


@pytest.fixture
def assistant(seed_assistant: Assistant) -> Assistant:
    return seed_assistant


def test_a_units_figure_of_a_citywide_row_is_not_given(assistant: Assistant) -> None:
    answer = assistant.ask("武进区分到的养老顾问名额是多少个?")
    assert not answer.answerable and answer.answer.startswith("计划没有给出武进区的这项数字")
    assert "1000" in answer.answer and answer.citations[0].id == "task-3-6"


@pytest.mark.parametrize("question", [
    "这份文件的签发人叫什么名字?",  # a person
    "How much did Changzhou's welfare lottery actually sell in the first half of 2025?",  # an outcome
    "常州现在有多少个精神障碍社区康复服务站点?",  # what exists now
    "冬暖夏凉送电每户能补多少电费",  # a rate never stated
    "How many new meal-assistance points is Wuxi planning this year?",  # another city
])
def test_questions_the_plan_cannot_answer_are_abstained(assistant: Assistant, question: str) -> None:
    assert not assistant.ask(question).answerable


@pytest.mark.parametrize("question", [
    "全市今年要销售多少福利彩票?",
    "新北区要新建多少张家庭养老床位?",
    "冬暖夏凉送电项目谁负责?",
])
def test_what_the_plan_says_is_still_answered(assistant: Assistant, question: str) -> None:
    assert assistant.ask(question).answerable
