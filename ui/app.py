"""The web UI: chat with streamed, cited answers; a plan browser; the audit findings.

Built once per server with a callable that returns the loaded Assistant (or raises NotReadyError while
the index is still loading), so the page can be served before the Assistant is ready.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import gradio as gr
import pandas as pd
from fastapi import FastAPI

from assistant.chunks import numbered
from assistant.errors import AssistantError
from assistant.models import QUARTER_LABELS, ChatMessage, Finding, Plan, Reform, Task
from assistant.service import Assistant
from assistant.stream import split_segments
from assistant.text import to_simplified
from ui.plan_view import ALL, example_questions, period_choices, unit_choices
from ui.render import SCRIPTS, Turn, conversation

log = logging.getLogger(__name__)
GetAssistant = Callable[[], Assistant]
ChatUpdate = tuple[list[dict[str, str]], list[Turn], str]

DISTRICT_CHOICES = [("全部", ALL)]
QUARTER_CHOICES = [("全部", ALL)] + [(label, code) for code, label in QUARTER_LABELS.items()]
TASK_HEADERS = ["序号", "任务组", "主要内容", "责任单位", "任务分解"]
REFORM_HEADERS = ["序号", "地区", "改革事项", "季度", "进度安排"]
FINDING_HEADERS = ["状态", "类型", "说明", "依据"]
STATUS_LABELS = {"mismatch": "不一致", "ambiguous": "有歧义", "info": "说明", "checked": "已核对"}
STATUS_ORDER = list(STATUS_LABELS)

UI_CSS = """
.pa-answer { line-height: 1.65; }
.pa-badge { display: inline-block; font-size: .8em; padding: 0 .5em; margin-bottom: .3em; border-radius: 4px;
  background: var(--color-accent-soft); color: var(--body-text-color); }
.pa-sources { margin-top: .7em; padding-top: .4em; border-top: 1px solid var(--border-color-primary);
  font-size: .92em; }
.pa-sources-title { font-weight: 600; margin-bottom: .2em; }
.pa-source summary { cursor: pointer; padding: .15em 0; }
.pa-quote { margin: .3em 0 .3em .8em; padding-left: .6em; border-left: 3px solid var(--color-accent); }
.pa-loc, .pa-lines { color: var(--body-text-color-subdued); font-size: .85em; }
.pa-lines { list-style: none; margin: .2em 0 .4em .8em; padding: 0; }
.pa-lineno { font-family: var(--font-mono); margin-right: .4em; }
.pa-error { color: var(--error-text-color); }
"""


# ---- table rows -------------------------------------------------------------------------------
def task_breakdown(task: Task, district: str) -> str:
    """The 任务分解 cell: the district's value, or every district's value, or the city-wide text."""
    values = {**(task.districts or {}), **(task.unit_values or {})}
    if district != ALL:
        return values.get(district, "")
    parts = [f"{d} {v}" for d, v in values.items()]
    if task.citywide:
        parts.append(task.citywide)
    if task.unassigned_values:
        parts.append("未标明地区: " + "、".join(task.unassigned_values))
    return "; ".join(parts)


def task_rows(plan: Plan, district: str = ALL) -> pd.DataFrame:
    """Attachment 1 as table rows; with a district, only rows giving it a value (`--` counts as none)."""
    rows = []
    for t in plan.tasks:
        value = task_breakdown(t, district)
        if district != ALL and value.strip() in ("", "--"):
            continue
        rows.append([f"{t.group_no}-{t.seq}", t.group, t.content, "、".join(t.responsible), value])
    return pd.DataFrame(rows, columns=TASK_HEADERS)


def reform_rows(plan: Plan, district: str = ALL, quarter: str = ALL) -> pd.DataFrame:
    """Attachment 2 as one row per reform item and quarter."""
    rows = []
    for r in plan.reforms:
        if district != ALL and r.district != district:
            continue
        rows.extend(reform_quarters(r, quarter))
    return pd.DataFrame(rows, columns=REFORM_HEADERS)


def reform_quarters(r: Reform, quarter: str) -> list[list[str]]:
    """One reform's milestone rows, for one quarter or all."""
    codes = list(r.milestones) if quarter == ALL else [quarter]
    return [
        [str(r.no), r.district, r.item, QUARTER_LABELS.get(q, q), numbered(r.milestones[q])]
        for q in codes
        if r.milestones.get(q)
    ]


def finding_rows(findings: list[Finding]) -> pd.DataFrame:
    """Findings, mismatches and ambiguities first."""
    ordered = sorted(findings, key=lambda f: STATUS_ORDER.index(f.status) if f.status in STATUS_ORDER else 99)
    rows = [[STATUS_LABELS.get(f.status, f.status), f.kind, f.message, " | ".join(f.evidence)] for f in ordered]
    return pd.DataFrame(rows, columns=FINDING_HEADERS)


def audit_summary(findings: list[Finding]) -> str:
    """One line counting findings by status."""
    counts = {s: sum(f.status == s for f in findings) for s in STATUS_LABELS}
    parts = "，".join(f"{STATUS_LABELS[s]} {n} 项" for s, n in counts.items() if n)
    return f"共 {len(findings)} 项核对结果：{parts}。数字核对：各区分解之和 vs 合计、正文 vs 附件1。"


# ---- the app ----------------------------------------------------------------------------------
def build_ui(get_assistant: GetAssistant) -> gr.Blocks:
    """The Blocks app; `get_assistant` returns the loaded Assistant or raises NotReadyError."""

    def respond(question: str, turns: list[Turn], script: str) -> Iterator[ChatUpdate]:
        question = (question or "").strip()
        if not question:
            yield conversation(turns, script), turns, ""
            return
        history = [ChatMessage(role=role, content=text) for t in turns if t.answer is not None
                   for role, text in (("user", t.question), ("assistant", t.answer.answer))]
        turn = Turn(question=question)
        turns = [*turns, turn]
        yield conversation(turns, script), turns, ""
        try:
            assistant = get_assistant()
            messages = history[-(assistant.settings.max_messages - 1):] if assistant.settings.max_messages > 1 else []
            answer = assistant.chat([*messages, ChatMessage(role="user", content=question)])
        except AssistantError as exc:
            turn.error = str(exc)
            yield conversation(turns, script), turns, ""
            return
        for segment in split_segments(answer.answer):
            turn.text += segment
            yield conversation(turns, script), turns, ""
        turn.sources = {c.id: assistant.source_lines(c.id) for c in answer.citations}
        turn.answer = answer
        yield conversation(turns, script), turns, ""

    def plan_or_message() -> tuple[Plan | None, str]:
        try:
            return get_assistant().plan, ""
        except AssistantError as exc:
            return None, f"⚠️ {exc}"

    def load_tasks(district: str) -> tuple[pd.DataFrame, str]:
        plan, message = plan_or_message()
        return (task_rows(plan, district) if plan else pd.DataFrame(columns=TASK_HEADERS)), message

    def load_reforms(district: str, quarter: str) -> tuple[pd.DataFrame, str]:
        plan, message = plan_or_message()
        return (reform_rows(plan, district, quarter) if plan else pd.DataFrame(columns=REFORM_HEADERS)), message

    def load_plan(district: str, reform_district: str, quarter: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
        tasks, message = load_tasks(district)
        reforms, _ = load_reforms(reform_district, quarter)
        return tasks, reforms, message

    def load_audit() -> tuple[str, pd.DataFrame]:
        plan, message = plan_or_message()
        if plan is None:
            return message, pd.DataFrame(columns=FINDING_HEADERS)
        return audit_summary(plan.findings), finding_rows(plan.findings)

    def header() -> str:
        plan, _ = plan_or_message()
        title = to_simplified(plan.metadata.get("plan_title") or plan.metadata.get("title", "")) if plan else ""
        number = plan.metadata.get("doc_number", "") if plan else ""
        about = f"关于《{title}》{f'（{number}）' if number else ''}的问答" if title else "关于已载入计划的问答"
        return (f"## 计划助手 · Plan Assistant\n{about}：每个回答都注明出处。"
                "简体、繁體、English 均可提问。 · API: [/docs](/docs) · OpenAI: `/v1`")

    def plan_controls() -> tuple[str, dict[str, object], dict[str, object], dict[str, object]]:
        plan, _ = plan_or_message()
        units = unit_choices(plan) if plan else DISTRICT_CHOICES
        periods = period_choices(plan) if plan and plan.periods else QUARTER_CHOICES
        return header(), gr.update(choices=units), gr.update(choices=units), gr.update(choices=periods)

    initial, _ = plan_or_message()
    examples = example_questions(initial) if initial else ["这份计划的主要内容是什么?"]

    with gr.Blocks(title="Plan Assistant · 计划助手", analytics_enabled=False) as demo:
        page_header = gr.Markdown(
            header(), elem_id="page-header"
        )
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("问答 Chat", id="chat", elem_id="tab-chat"):
                turns = gr.State([])
                script = gr.Radio(SCRIPTS, value="auto", label="显示 简/繁", elem_id="script-toggle")
                chatbot = gr.Chatbot(
                    elem_id="chatbot", label="对话", height=560, render_markdown=False, sanitize_html=True,
                    latex_delimiters=[], buttons=[], feedback_options=None, placeholder="请提问，或点下方的示例问题",
                )
                with gr.Row():
                    question = gr.Textbox(
                        elem_id="chat-input", show_label=False, scale=8, max_length=2000,
                        placeholder="输入问题，回车发送 · Ask in Chinese (简/繁) or English",
                    )
                    send = gr.Button("发送 Send", variant="primary", elem_id="send-button", scale=1)
                    clear = gr.Button("清空", elem_id="clear-button", scale=1)
                gr.Examples([[q] for q in examples], inputs=[question], label="示例问题", elem_id="examples")

            with gr.Tab("计划浏览 Plan", id="plan", elem_id="tab-plan") as plan_tab:
                plan_status = gr.Markdown(elem_id="plan-status")
                gr.Markdown("### 附件1 重点任务清单")
                task_district = gr.Dropdown(DISTRICT_CHOICES, value=ALL, label="地区（只看给该地区分解了任务的行）",
                                            elem_id="task-district")
                task_table = gr.Dataframe(headers=TASK_HEADERS, interactive=False, wrap=True, max_height=520,
                                          column_widths=["6%", "14%", "32%", "16%", "32%"], show_search="search",
                                          elem_id="task-table")
                gr.Markdown("### 附件2 改革攻坚事项清单")
                with gr.Row():
                    reform_district = gr.Dropdown(DISTRICT_CHOICES, value=ALL, label="地区", elem_id="reform-district")
                    reform_quarter = gr.Radio(QUARTER_CHOICES, value=ALL, label="季度", elem_id="reform-quarter")
                reform_table = gr.Dataframe(headers=REFORM_HEADERS, interactive=False, wrap=True, max_height=520,
                                            column_widths=["6%", "8%", "26%", "8%", "52%"], show_search="search",
                                            elem_id="reform-table")

            with gr.Tab("审计 Audit", id="audit", elem_id="tab-audit") as audit_tab:
                audit_text = gr.Markdown(elem_id="audit-summary")
                audit_table = gr.Dataframe(headers=FINDING_HEADERS, interactive=False, wrap=True, max_height=640,
                                           column_widths=["8%", "12%", "42%", "38%"], show_search="search",
                                           elem_id="audit-table")

        chat_in, chat_out = [question, turns, script], [chatbot, turns, question]
        send.click(respond, inputs=chat_in, outputs=chat_out, api_visibility="undocumented")
        question.submit(respond, inputs=chat_in, outputs=chat_out, api_visibility="undocumented")
        clear.click(lambda: ([], [], ""), outputs=[chatbot, turns, question], api_visibility="private")
        chatbot.clear(lambda: [], outputs=[turns], api_visibility="private")  # the chatbot's own trash icon
        script.change(conversation, inputs=[turns, script], outputs=[chatbot], api_visibility="private")

        plan_tab.select(load_plan, inputs=[task_district, reform_district, reform_quarter],
                        outputs=[task_table, reform_table, plan_status], api_visibility="private")
        task_district.change(load_tasks, inputs=[task_district], outputs=[task_table, plan_status],
                             api_visibility="private")
        for control in (reform_district, reform_quarter):
            control.change(load_reforms, inputs=[reform_district, reform_quarter],
                           outputs=[reform_table, plan_status], api_visibility="private")
        audit_tab.select(load_audit, outputs=[audit_text, audit_table], api_visibility="private")
        demo.load(plan_controls, outputs=[page_header, task_district, reform_district, reform_quarter],
                  api_visibility="private")

    # Answers take milliseconds to a few seconds; serve many visitors at once, not one at a time.
    demo.queue(default_concurrency_limit=16)
    return demo


def mount_ui(app: FastAPI, get_assistant: GetAssistant) -> None:
    """Mount the UI at / on `app`; call after the app's own routes, which keep precedence over the mount."""
    # System fonts: the default theme fetches Google Fonts, which offline deployments cannot reach.
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    gr.mount_gradio_app(app, build_ui(get_assistant), path="/", css=UI_CSS, theme=theme, footer_links=["gradio"])
