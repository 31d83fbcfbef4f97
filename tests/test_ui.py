"""The web UI's rendering, tables and plan-derived choices, without a browser."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.models import Answer, Citation, Finding, Plan, Reform, Task
from ui import plan_view
from ui.i18n import STRINGS, lang_from_header, t
from ui.render import (
    SourceView,
    Turn,
    answer_html,
    badge_of,
    conversation_html,
    highlight_spans,
    question_html,
    sources_html,
    text_html,
)
from ui.tables import ALL, audit_summary, finding_message, finding_rows, matching, reform_rows, task_rows

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


def answer(text: str = "有 [1]\n来源：[1] 附件2 · 序号7", **kw: Any) -> Answer:
    citation = Citation(id="reform-7-q3", label="附件2 · 序号7 · 三季度", text="在國企牡丹物業公司試點", location="p.txt:L1020-L1020")
    return Answer(**{"answer": text, "answerable": True, "route": "lookup", "citations": [citation], **kw})


def test_sources_html_escapes_every_field_and_raw_line() -> None:
    citation = Citation(id=f"id{SCRIPT}", label=f"附件2 · 序号7 {SCRIPT}", text=f"牡丹物業 {IMG}", location=f"L1{SCRIPT}")
    out = sources_html([citation], {citation.id: SourceView(lines=[(1018, f"原文 {SCRIPT}")], plan=f"P{SCRIPT}")})
    assert "<script" not in out and "<img" not in out
    assert out.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in out
    assert "<summary>[1] 附件2 · 序号7 " in out and "L1018" in out


def test_answer_and_question_html_escape_markup_and_keep_line_breaks() -> None:
    out = answer_html(f"第一行 {SCRIPT}\n  1. 缩进 & 项目")
    assert "<script" not in out and "&lt;script&gt;" in out
    assert "<br>&nbsp;&nbsp;1. 缩进 &amp; 项目" in out
    assert "\n" not in out
    assert "<script" not in question_html(f"{SCRIPT}三季度进度")
    assert text_html('"quoted" \'single\'') == "&quot;quoted&quot; &#x27;single&#x27;"


def test_markers_become_buttons_and_the_in_text_sources_line_is_dropped() -> None:
    a = answer()
    out = answer_html(a.answer, citations=a.citations, turn_no=3)
    assert 'class="pa-cite" data-turn="3" data-n="1"' in out
    assert "来源：" not in out  # shown once, as the sources block
    assert "[2]" in answer_html("见 [2]", citations=a.citations)  # no citation 2: stays text


def test_the_three_answer_states_have_distinct_badges() -> None:
    assert badge_of(answer()) == "answered"
    assert badge_of(answer(answerable=False, route="abstain")) == "not_in_plan"
    assert badge_of(answer(answerable=False, route="refused", citations=[])) == "refused"
    html_by_state = {k: answer_html("x", badge=k, lang="en") for k in ("answered", "not_in_plan", "refused")}
    assert len({re.sub(r"<[^>]+>", "", v) for v in html_by_state.values()}) == 3


def test_script_toggle_converts_the_answer_and_labels_but_quotes_stay_as_published() -> None:
    turn = Turn(question="第三季度的改革进度?", id="t1", answer=answer("在国企牡丹物业公司试点 [1]\n来源：[1] 附件2 · 序号7"))
    hant = conversation_html([turn], "hant")
    assert "牡丹物業" in hant and "序號7" in hant and "第三季度的改革進度" in hant
    hans = conversation_html([turn], "hans")
    assert "牡丹物业公司试点" in hans and "在國企牡丹物業公司試點" in hans  # the quote is verbatim


def test_a_streaming_turn_shows_its_text_so_far_and_an_error_turn_an_alert() -> None:
    out = conversation_html([Turn(question="问", text="第一行\n")])
    assert "第一行" in out and "pa-sources" not in out and 'aria-busy="true"' in out
    assert 'role="alert"' in conversation_html([Turn(question="问", error="still loading")])


def test_message_labels_are_plain_text_in_the_interface_language() -> None:
    turn = Turn(question=f"{SCRIPT}?", id="t", answer=answer())
    for lang in ("zh", "en"):
        out = conversation_html([turn], lang=lang)
        labels = re.findall(r'aria-label="([^"]*)"', out)
        assert t("you_asked", lang) in labels and t("assistant_answered", lang) in labels
        assert all("<" not in label for label in labels)


def test_garbled_characters_become_a_visible_marker_with_a_note_never_an_escape() -> None:
    for text in ("青春留\ue08f娣", "青春留\\ue08f娣"):
        out = answer_html(text, lang="en")
        assert "pa-garbled" in out and "\\ue08f" not in out and "\ue08f" not in out
        assert "garbled character" in out


def test_highlight_spans_mark_the_quoted_items_in_raw_lines() -> None:
    quote = "1. 开展等级评估; 2. 召开座谈会,听取意见"
    line = "2.召开座谈会,听取意见"
    (start, end), = highlight_spans(line, quote)
    assert line[start:end] == "召开座谈会,听取意见"
    assert highlight_spans("无关的一行", quote) == []


def test_interface_strings_exist_in_both_languages_and_the_browser_picks_the_default() -> None:
    assert all(zh and en for zh, en in STRINGS.values())
    assert lang_from_header("en-US,en;q=0.9,zh;q=0.8") == "en"
    assert lang_from_header("zh-TW,zh;q=0.9") == "zh"
    assert lang_from_header(None) == "zh"


def test_task_table_unit_filter_keeps_rows_with_a_value(plan: Plan) -> None:
    every = task_rows(plan, ALL)
    unit = plan_view.plan_units(SimpleNamespace(plan=plan))[0]  # type: ignore[arg-type]
    some = task_rows(plan, unit)
    assert len(every) == len(plan.tasks) and 0 < len(some) < len(every)
    first = plan.tasks[0]
    assert every[0].cells[0] == f"{first.group_no}-{first.seq}"


def test_matching_narrows_to_one_record_or_to_rows_with_the_words(plan: Plan) -> None:
    rows = task_rows(plan)
    target = plan.tasks[5]
    assert [r.record_id for r in matching(rows, target.id)] == [target.id]
    assert all("养老" in "".join(r.cells).replace("養", "养") for r in matching(rows, "养老"))
    reform = plan.reforms[0]
    assert {r.record_id for r in matching(reform_rows(plan), reform.id)} == {reform.id}


def test_audit_rows_follow_the_interface_language(plan: Plan) -> None:
    zh = finding_rows(plan, "zh")
    assert zh[0].cells[0] == "不一致"
    assert not any(re.search(r"[A-Za-z]{4,} [a-z]{3,}", r.cells[2]) for r in zh)  # no English sentences
    assert finding_rows(plan, "en")[0].cells[0] == "mismatch"
    assert "不一致 3 项" in audit_summary(plan) and "3 mismatch" in audit_summary(plan, "en")
    mojibake = next(f for f in plan.findings if f.kind == "mojibake" and "\\u" in f.message)
    assert "乱码" in finding_message(mojibake, plan, "zh")


def fictional_plan() -> Plan:
    """A plan with other units and rows, to show the choices come from the data."""
    task = Task(id="task-1-1", group_no=1, group="组", seq=1, content="新建20个社区书屋。", responsible=["文化局"],
                districts={"东湖区": "12个", "西山县": "8个"}, lines=(1, 1))
    owned = Task(id="task-2-1", group_no=2, group="组", seq=1, content="完善图书馆服务网络。", responsible=["文化局"],
                 citywide="全年完成", lines=(2, 2))
    reform = Reform(id="reform-1", no=1, district="南岭镇", item="书香改革", targets=["目标"],
                    milestones={"Q1": [], "Q2": [], "Q3": ["开放书屋"], "Q4": []}, lines=(3, 3))
    return Plan(metadata={"plan_title": "2030年文化工作要点"}, sections=[], tasks=[task, owned], reforms=[reform],
                findings=[Finding(kind="table-total", status="checked", message="x", evidence=[], refs=["task-1-1"])])


@pytest.mark.parametrize("make", [fictional_plan, None], ids=["fictional", "seed"])
def test_units_and_examples_come_from_the_loaded_plan(make: Any, plan: Plan) -> None:
    p = make() if make else plan
    assistant: Any = SimpleNamespace(plan=p)
    units = plan_view.plan_units(assistant)
    assert set(units) == {u for r in p.reforms for u in [r.district]} | {
        u for x in p.tasks for u in [*(x.districts or {}), *(x.unit_values or {})]}
    examples = plan_view.example_questions(assistant)
    assert len(examples) >= 4
    named = p.reforms[0].district
    assert any(named in q or named in q.replace("区", "區") for q in examples)
    assert "Q3" in plan_view.plan_quarters(assistant)
    assert p.metadata["plan_title"] in plan_view.plan_title(p)


SEED_NAMES = ["溧阳", "溧陽", "金坛", "金壇", "武进", "武進", "新北", "天宁", "天寧", "钟楼", "鐘樓", "經開區", "经开区",
              "常州", "liyang", "jintan", "wujin", "xinbei", "tianning", "zhonglou", "changzhou"]


def test_ui_sources_name_no_plan_place() -> None:
    """The UI and the modules it adds are written for any plan: no seed place name in any script or pinyin."""
    files = [*ROOT.glob("ui/**/*.py"), *ROOT.glob("ui/static/*"), ROOT / "assistant/feedback.py",
             ROOT / "assistant/docs.py"]
    found = [(f.name, n) for f in files for n in SEED_NAMES if n in f.read_text(encoding="utf-8").lower()]
    assert found == []
