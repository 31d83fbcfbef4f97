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


def test_a_citywide_row_that_sets_each_unit_the_same_figure_answers_for_a_unit(assistant: Assistant) -> None:
    """「各辖市、区…不少于1场」 is every district's figure; 「每个社区培养1名」 answers per community only."""
    each = assistant.ask("金坛今年敬老主题活动起码得办几场")
    assert each.answerable and "不少于1场" in each.answer
    per_community = assistant.ask("经开那边每个社区要培养几个养老顾问？")
    assert per_community.answerable and "每个社区培养1名" in per_community.answer


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


@pytest.mark.parametrize("question", ["低保标准是多少?", "低保标准是多少钱一个月"])
def test_a_figure_the_plan_never_gives_is_said_missing_with_the_nearest_sentence(
        assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.answerable
    assert answer.answer.startswith("计划没有给出")
    assert "低保标准动态调整机制" in answer.answer  # what the plan does say about it


def test_a_how_question_gets_the_sentence_that_answers_not_the_paragraph(assistant: Assistant) -> None:
    answer = assistant.ask("养老护理员岗位津贴怎么发")
    assert answer.answer.startswith("建立与技能等级和职称挂钩的养老护理员岗位津贴制度")
    assert "3500" not in answer.answer and "注意" not in answer.answer  # no caveat about numbers not said
    assert [c.id for c in answer.citations][0].startswith("sec-")


def test_a_caveat_stays_when_the_answer_states_its_numbers(assistant: Assistant) -> None:
    answer = assistant.ask("为多少名经济困难的失能老年人提供居家养老上门服务?")
    assert "3100" in answer.answer and "两处不一致" in answer.answer


def test_an_english_city_wide_target_comes_from_the_task_row(assistant: Assistant) -> None:
    answer = assistant.ask("What is the city-wide welfare lottery sales target?")
    assert answer.answerable and "11.5" in answer.answer
    assert answer.citations[0].id.startswith("task-")


def test_a_count_beside_a_money_word_is_no_money_question(assistant: Assistant) -> None:
    answer = assistant.ask("How many households in Xinbei are covered by the Winter Warm, Summer Cool electricity subsidy?")
    assert answer.answerable and "1905" in answer.answer


def test_a_month_asked_beside_a_fee_word_is_no_money_question(assistant: Assistant) -> None:
    answer = assistant.ask("殡葬这块标准化办事流程和收费项目清单几月份要出来")
    assert answer.answerable and "9月底前" in answer.answer


def test_what_is_counted_is_the_noun_before_the_verb(assistant: Assistant) -> None:
    answer = assistant.ask("经开区要给几家养老机构开通绿色就医通道")  # 养老机构 are counted; the page names them
    assert answer.answerable and "6家" in answer.answer
    assert not assistant.ask("天宁区要建多少个儿童之家?").answerable  # 儿童之家 the page never names


def test_which_ones_of_a_counted_set_is_abstained_quoting_the_count(assistant: Assistant) -> None:
    answer = assistant.ask("全市那8家人才就业市场分别叫什么、具体是哪8家?")
    assert not answer.answerable and answer.answer.startswith("计划只写了数量")
    assert "8家人才就业市场" in answer.answer
    chosen = assistant.ask("各区的乡村著名行动重点镇最后选的是哪个镇?")
    assert not chosen.answerable and "确定一个镇" in chosen.answer


def test_a_place_the_tagger_cuts_from_its_suffix_is_another_place(assistant: Assistant) -> None:
    answer = assistant.ask("江宁区今年新增多少个老年助餐点?")
    assert not answer.answerable and "江宁区" in answer.answer


def test_a_count_asked_of_a_row_that_counts_nothing_is_said_so(assistant: Assistant) -> None:
    a = assistant.ask("全市一共有多少个婚姻登记处?")
    assert not a.answerable and a.answer.startswith("计划没有给出这项的具体数字")
    assert any("婚姻登記處" in c.text for c in a.citations)  # the row's breakdown line that names them


def test_prize_money_never_stated_is_a_money_abstention(assistant: Assistant) -> None:
    a = assistant.ask("老年人智能技术培训有没有奖金,一等奖多少?")
    assert not a.answerable and a.answer.startswith("计划没有给出这方面的金额")


def test_actually_is_no_outcome_question_without_a_past_verb(assistant: Assistant) -> None:
    a = assistant.ask("How will the plan make sure disabled people who qualify actually get both subsidies?")
    assert a.answerable and "應保盡保" in a.answer
    assert not assistant.ask("How many family care beds did Jintan actually finish last year?").answerable


def test_which_bureaus_besides_one_is_a_responsibility_question(assistant: Assistant) -> None:
    a = assistant.ask("地名标志巡检除了民政局,还得哪几个局一起负责")
    assert a.answerable and all(x in a.answer for x in ("市公安局", "市住建局", "市交通运输局"))


def test_a_year_not_covered_shows_the_units_own_cell_for_the_plans_year(assistant: Assistant) -> None:
    a = assistant.ask("How many family care beds did Jintan finish in 2024?")
    assert not a.answerable and "367" in a.answer
    assert any(c.text == "金壇區 367張" for c in a.citations)


def test_how_far_is_answered_by_an_extent_a_count_of_things_is_not(assistant: Assistant) -> None:
    # The same row (附件1 序号9-1) says 全覆盖: it answers 「铺开到多少」, not 「多少个婚姻登记处」.
    a = assistant.ask("婚姻家庭辅导今年要铺开到多少,线上线下都有吗")
    assert a.answerable and "全覆盖" in a.answer
    assert not assistant.ask("全市一共有多少个婚姻登记处?").answerable
