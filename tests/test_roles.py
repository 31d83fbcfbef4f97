"""Bodies named in a cell's or a sentence's own words (由…牵头, 联合…, 会同…) as typed, cited roles."""

from __future__ import annotations

import pytest

from assistant.roles import Role, text_roles
from assistant.service import Assistant
from assistant.verify import unsupported_numbers


@pytest.mark.parametrize(("text", "roles"), [
    ("由市殯葬協會和市消費者協會牽頭舉辦培訓班", [Role("市殯葬協會", "lead"), Role("市消費者協會", "lead")]),
    ("会同市公安局、市市场监管局开展联合检查", [Role("市公安局", "jointly"), Role("市市场监管局", "jointly")]),
    ("联合公安、市监等部门开展整治", [Role("公安、市监等部门", "jointly")]),
    ("聯合發改、衛健部門申報省級銀發經濟特色園區", [Role("發改、衛健部門", "jointly")]),
    ("由区民政局牵头，各街道配合", [Role("区民政局", "lead")]),
    ("完成全市养老机构消防安全达标", []),
])
def test_roles_are_read_in_the_texts_own_script(text: str, roles: list[Role]) -> None:
    assert text_roles(text) == roles


@pytest.fixture
def assistant(seed_assistant: Assistant) -> Assistant:
    return seed_assistant


def test_a_step_that_names_its_leads_answers_before_the_column(assistant: Assistant) -> None:
    answer = assistant.ask("殡葬服务机构从业人员培训班由谁牵头举办?")
    first, second = answer.answer.split("\n")[:2]
    assert "由市殡葬协会、市消费者协会牵头" in first and "联合市场监管部门" in first
    assert "责任单位是：市民政局" in second and unsupported_numbers(answer) == []
    assert [c.id for c in answer.citations] == ["task-8-1", "task-8-1"]


def test_a_row_asked_about_as_a_whole_keeps_its_column(assistant: Assistant) -> None:
    answer = assistant.ask("冬暖夏凉送电项目谁负责?")
    assert "牵头" not in answer.answer.split("\n")[0]
    assert "市慈善总会" in answer.answer and answer.citations[0].id == "task-4-3"


def test_partners_and_doers_named_in_words() -> None:
    from assistant.roles import text_roles

    assert [(r.body, r.role) for r in text_roles("与区妇联等部门联动,实施婚姻辅导项目")] == [("区妇联", "jointly")]
    assert [(r.body, r.role) for r in text_roles("由基层网格员开展走访、动态监测")] == [("基层网格员", "doer")]
    assert [(r.body, r.role) for r in text_roles("聯合發改、衛健部門申報")] == [("發改、衛健部門", "jointly")]


def test_a_question_about_partners_is_answered_by_the_sentence_that_names_them(seed_assistant) -> None:  # type: ignore[no-untyped-def]
    answer = seed_assistant.ask("新北区申报银发经济特色园区要和哪些部门一起合作?")
    assert answer.answerable and "联合发改、卫健部门" in answer.answer.replace("發改、衛健部門", "发改、卫健部门")


def test_units_cells_that_say_they_lead_or_join_a_step_answer_who_does_it(seed_assistant) -> None:  # type: ignore[no-untyped-def]
    # 附件1 序号11-1: 钟楼区's cell says 牵头钟武线联检, 武进区's 配合开展钟武线联检; 新北区 leads another line.
    a = seed_assistant.ask("钟武线联检谁牵头,谁配合?")
    assert "钟楼区：牵头钟武线联检" in a.answer and "武进区：配合开展钟武线联检" in a.answer
    assert "常泰线" not in a.answer
    assert {c.text for c in a.citations} >= {"鐘樓區 牽頭鐘武線聯檢;統籌推進“平安邊界”建設"}
