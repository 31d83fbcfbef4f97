"""The web UI's rendering and table functions, without a browser."""

from __future__ import annotations

from assistant.models import Answer, Citation, Plan
from ui.render import Turn, answer_html, conversation, question_html, sources_html, text_html

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


def test_sources_html_escapes_every_field_and_raw_line() -> None:
    citation = Citation(id=f"id{SCRIPT}", label=f"附件2 · 序号7 {SCRIPT}", text=f"牡丹物業 {IMG}", location=f"L1{SCRIPT}")
    out = sources_html([citation], {citation.id: [(1018, f"原文 {SCRIPT}")]})
    assert "<script" not in out and "<img" not in out
    assert out.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 4
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in out
    assert "<details class=\"pa-source\"><summary>[1] 附件2 · 序号7 " in out
    assert "L1018" in out


def test_answer_and_question_html_escape_markup_and_keep_line_breaks() -> None:
    out = answer_html(f"第一行 {SCRIPT}\n  1. 缩进 & 项目", answerable=True)
    assert "<script" not in out and "&lt;script&gt;" in out
    assert "<br>&nbsp;&nbsp;1. 缩进 &amp; 项目" in out
    assert "\n" not in out  # one line: Gradio's cleandoc cannot re-indent it
    assert "<script" not in question_html(f"{SCRIPT}新北区三季度进度")
    assert text_html('"quoted" \'single\'') == "&quot;quoted&quot; &#x27;single&#x27;"


def test_script_toggle_converts_the_answer_and_labels_but_quotes_stay_as_published() -> None:
    citation = Citation(id="reform-7-q3", label="附件2 · 序号7 · 新北区 · 三季度", text="在國企牡丹物業公司試點", location="L1020")
    answer = Answer(answer="在国企牡丹物业公司试点\n来源：[1] 附件2 · 序号7", answerable=True, route="lookup",
                    citations=[citation])
    turn = Turn(question="新北区第三季度的改革进度?", answer=answer)
    hant = "".join(m["content"] for m in conversation([turn], "hant"))
    assert "牡丹物業" in hant and "序號7" in hant and "新北區第三季度的改革進度" in hant
    hans = "".join(m["content"] for m in conversation([turn], "hans"))
    assert "牡丹物业公司试点" in hans and "在國企牡丹物業公司試點" in hans  # the quote is verbatim
    assert conversation([turn], "auto") == conversation([turn])


def test_a_streaming_turn_shows_its_text_so_far_without_sources() -> None:
    user, bot = conversation([Turn(question="问", text="第一行\n")])
    assert user["role"] == "user" and bot["role"] == "assistant"
    assert "第一行" in bot["content"] and "pa-sources" not in bot["content"]
    assert "pa-error" in conversation([Turn(question="问", error="still loading")])[1]["content"]


def test_unanswerable_answers_are_flagged() -> None:
    assert "pa-badge" in answer_html("计划没有给出新北区的福彩销售目标", answerable=False)
    assert "pa-badge" not in answer_html("有", answerable=True)


def test_task_table_district_filter_keeps_rows_with_a_value(plan: Plan) -> None:
    from ui.app import ALL, audit_summary, finding_rows, reform_rows, task_rows

    every = task_rows(plan, ALL)
    liyang = task_rows(plan, "溧陽市")
    assert len(every) == len(plan.tasks) and 0 < len(liyang) < len(every)
    assert liyang.set_index("序号").loc["3-1", "任务分解"] == "353張"
    assert "3-9" not in set(task_rows(plan, "天寧區")["序号"])  # `--` there
    xinbei_q3 = reform_rows(plan, "新北區", "Q3")
    assert list(xinbei_q3["序号"]) == ["7", "8"] and set(xinbei_q3["季度"]) == {"三季度"}
    findings = finding_rows(plan.findings)
    assert findings.iloc[0]["状态"] == "不一致"
    assert "不一致 3 项" in audit_summary(plan.findings)
