"""The web UI: chat with streamed, cited answers and a source panel; a plan browser; the audit findings.

Built once per server with a callable that returns the loaded Assistant (or raises NotReadyError while
the index is still loading), so the page can be served before the Assistant is ready. Plan-specific
choices (units, examples, the plan's name) come from ui/plan_view.py; the interface's words from
ui/i18n.py; the chat's HTML from ui/render.py; its page script and styles from ui/static/.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI

from assistant.errors import AssistantError
from assistant.feedback import FeedbackStore, feedback_path
from assistant.library.service import Library
from assistant.models import Answer, ChatMessage
from assistant.service import Assistant
from assistant.stream import split_segments
from assistant.text import to_simplified
from ui import plan_view
from ui.i18n import LANGS, lang_from_header, t
from ui.render import SourceView, Turn, conversation_html, escape, script_choices
from ui.tables import (
    ALL,
    FINDING_COLUMNS,
    REFORM_COLUMNS,
    TASK_COLUMNS,
    audit_summary,
    finding_rows,
    headers,
    matching,
    reform_rows,
    table_html,
    task_rows,
)

log = logging.getLogger(__name__)
GetLibrary = Callable[[], Library]
STATIC = Path(__file__).parent / "static"
RECENT_TURNS = 5000
"""Finished answers remembered per process so a 👍/👎 can store what was shown."""


@dataclass(frozen=True)
class Shown:
    """An answer as a reader saw it, kept for their feedback."""

    question: str
    history: list[ChatMessage]
    answer: Answer


class RecentAnswers:
    """A bounded, thread-safe map from turn id to the answer shown."""

    def __init__(self, size: int = RECENT_TURNS) -> None:
        self.size = size
        self._items: OrderedDict[str, Shown] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, turn_id: str, shown: Shown) -> None:
        with self._lock:
            self._items[turn_id] = shown
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get(self, turn_id: str) -> Shown | None:
        with self._lock:
            return self._items.get(turn_id)


def header_html(lang: str, plan_name: str | None) -> str:
    """The page heading: the assistant, the plan it answers about, the API links."""
    plan = f" {escape(plan_name, lang)}" if plan_name else ""
    return (
        f'<h1>{t("app_title", lang)} · Plan Assistant</h1>'
        f'<p>{escape(t("app_intro", lang), lang)}{plan}</p>'
        f'<nav aria-label="{t("api_links", lang)}">{t("api_links", lang)}: <a href="/docs">/docs</a> · '
        '<a href="/redoc">/redoc</a> · OpenAI: <code>/v1</code></nav>'
    )


def source_view(assistant: Assistant, chunk_id: str, plan_name: str) -> SourceView:
    """Raw lines, plan name and the Plan-tab row of one cited chunk."""
    chunk = assistant.chunk(chunk_id)
    row = chunk.record_id if chunk is not None and chunk.kind in ("task", "reform_target", "milestone") else None
    return SourceView(lines=assistant.source_lines(chunk_id), plan=plan_name, row=row)


# ---- the app ----------------------------------------------------------------------------------
def build_ui(get_library: GetLibrary) -> gr.Blocks:
    """The Blocks app; `get_library` returns the loaded plans or raises NotReadyError."""
    recent = RecentAnswers()

    def chosen(plan: str | None) -> str | None:
        return None if not plan or plan == plan_view.AUTO else plan

    def ready(plan: str | None = None) -> Assistant | None:
        """The selected plan's Assistant (the default plan's when the selector says "from the question")."""
        try:
            library = get_library()
            return library.assistant(chosen(plan) if chosen(plan) in library.plans else None)
        except AssistantError:
            return None

    def library_ready() -> Library | None:
        try:
            return get_library()
        except AssistantError:
            return None

    def chat_view(turns: list[Turn], script: str, lang: str) -> str:
        assistant = ready()
        examples = plan_view.example_questions(assistant) if assistant else []
        return conversation_html(turns, script, lang, examples, ready=assistant is not None)

    def respond(question: str, turns: list[Turn], script: str, lang: str, plan: str | None = None
                ) -> Iterator[tuple[Any, ...]]:
        question = (question or "").strip()
        if not question:
            yield chat_view(turns, script, lang), turns, gr.update(), gr.update()
            return
        history = [ChatMessage(role=role, content=text) for t_ in turns if t_.answer is not None
                   for role, text in (("user", t_.question), ("assistant", t_.answer.answer))]
        turn = Turn(question=question, id=uuid.uuid4().hex)
        turns = [*turns, turn]
        locked = gr.update(interactive=False)
        yield chat_view(turns, script, lang), turns, locked, locked
        try:
            library = get_library()
            limit = library.settings.max_messages
            messages = history[-(limit - 1):] if limit > 1 else []
            wanted = chosen(plan) if chosen(plan) in library.plans else None
            answer = library.chat([*messages, ChatMessage(role="user", content=question)], wanted)
        except AssistantError as exc:
            turn.error = t("error_server", lang) + str(exc)
            yield chat_view(turns, script, lang), turns, gr.update(interactive=True), gr.update(interactive=True)
            return
        for segment in split_segments(answer.answer):
            turn.text += segment
            yield chat_view(turns, script, lang), turns, locked, locked
        turn.sources = {}
        for c in answer.citations:  # each citation shown from the plan it cites
            owner = library.assistant(c.plan if c.plan in library.plans else answer.plan)
            turn.sources[c.id] = source_view(owner, c.id, plan_view.plan_title(owner.plan))
        turn.answer = answer
        recent.put(turn.id, Shown(question=question, history=messages, answer=answer))
        yield chat_view(turns, script, lang), turns, gr.update(value="", interactive=True), gr.update(interactive=True)

    def record_feedback(payload: dict[str, Any]) -> dict[str, Any]:
        """Called by the page script on 👍/👎 with {turn, rating, lang}: store the rating with the answer shown."""
        lang, rating = str(payload.get("lang", "zh")), str(payload.get("rating", ""))
        shown = recent.get(str(payload.get("turn", "")))
        assistant = ready()
        if shown is None or assistant is None:
            return {"ok": False, "message": t("feedback_unknown", lang)}
        try:
            store = FeedbackStore(feedback_path(assistant.settings))
            item = store.record(rating, shown.question, shown.answer, plan=assistant.plan.source_name,
                                plan_sha256=assistant.plan.source_sha256, history=shown.history)
        except AssistantError as exc:
            return {"ok": False, "message": t("feedback_failed", lang) + str(exc)}
        log.info("feedback %s on %r stored as %d", rating, shown.question, item)
        return {"ok": True, "id": item, "message": t("thanks", lang)}

    def add_feedback_comment(payload: dict[str, Any]) -> dict[str, Any]:
        """Called by the page script with {id, comment, lang}: the optional comment on a stored rating."""
        lang = str(payload.get("lang", "zh"))
        assistant = ready()
        if assistant is None:
            return {"ok": False, "message": t("not_ready", lang)}
        try:
            store = FeedbackStore(feedback_path(assistant.settings))
            store.set_comment(int(payload.get("id", 0)), str(payload.get("comment", "")))
        except (AssistantError, ValueError) as exc:
            return {"ok": False, "message": t("feedback_failed", lang) + str(exc)}
        return {"ok": True, "message": t("comment_saved", lang)}

    def plan_updates(lang: str, query: str, task_unit: str, reform_unit: str, quarter: str,
                     plan: str | None = None) -> list[Any]:
        """The Plan tab in `lang`: filter choices from the plan's own units, the two tables, a status line."""
        assistant, library = ready(plan), library_ready()
        if assistant is None or library is None:
            return [gr.update(), gr.update(), gr.update(), "", "", f"<p>⚠️ {t('not_ready', lang)}</p>"]
        with library.guard(chosen(plan) if chosen(plan) in library.plans else None):
            return _plan_updates(assistant, lang, query, task_unit, reform_unit, quarter)

    def _plan_updates(assistant: Assistant, lang: str, query: str, task_unit: str, reform_unit: str,
                      quarter: str) -> list[Any]:
        plan = assistant.plan
        units = [(t("all", lang), ALL)] + [(to_simplified(u), u) for u in plan_view.plan_units(assistant)]
        quarters = [(t("all", lang), ALL)] + [
            (q if lang == "en" else to_simplified(plan.period_label(q)), q) for q in plan_view.plan_quarters(assistant)
        ]
        tasks = matching(task_rows(plan, task_unit or ALL, lang), query)
        reforms = matching(reform_rows(plan, reform_unit or ALL, quarter or ALL), query)
        hit = query.strip() or None
        return [
            gr.update(choices=units, label=t("unit_label", lang)),
            gr.update(choices=units, label=t("reform_unit_label", lang)),
            gr.update(choices=quarters, label=t("quarter_label", lang)),
            table_html("task-table", t("tasks_heading", lang), headers(TASK_COLUMNS, lang), tasks, lang, highlight=hit),
            table_html("reform-table", t("reforms_heading", lang), headers(REFORM_COLUMNS, lang), reforms, lang,
                       highlight=hit),
            "",
        ]

    def timeline_updates(lang: str, unit: str, status: str, plan: str | None = None) -> list[Any]:
        """The Timeline tab: unit choices from the plan, the chart and the list for the chosen filters."""
        assistant, library = ready(plan), library_ready()
        if assistant is None or library is None:
            return [gr.update(), gr.update(), f"<p>⚠️ {t('not_ready', lang)}</p>"]
        from datetime import date

        from ui.timeline import status_choices, timeline_html

        def row_of(chunk_id: str) -> str | None:
            return source_view(assistant, chunk_id, "").row

        units = [(t("all", lang), ALL)] + [(to_simplified(u), u) for u in plan_view.plan_units(assistant)]
        as_of = library.settings.as_of or date.today()
        with library.guard(chosen(plan) if chosen(plan) in library.plans else None):
            body = timeline_html(assistant.obligations(), None if unit in (None, "", ALL) else unit,
                                 status or "all", as_of, lang, row_of)
        return [gr.update(choices=units, label=t("unit_label", lang)),
                gr.update(choices=status_choices(lang), label=t("status_label", lang)), body]

    def audit_updates(lang: str, plan: str | None = None) -> list[str]:
        assistant = ready(plan)
        if assistant is None:
            return [f"<p>⚠️ {t('not_ready', lang)}</p>", ""]
        rows = finding_rows(assistant.plan, lang)
        return [
            f"<p>{escape(audit_summary(assistant.plan, lang), lang)}</p>",
            table_html("audit-table-t", t("audit_heading", lang), headers(FINDING_COLUMNS, lang), rows, lang),
        ]

    with gr.Blocks(title="Plan Assistant · 计划助手", analytics_enabled=False) as demo:
        header = gr.HTML(header_html("zh", None), elem_id="pa-title", js_on_load=None)
        with gr.Row(elem_id="pa-header"):
            lang = gr.Radio(LANGS, value="zh", label=t("lang_label", "zh"), elem_id="lang-toggle", scale=0,
                            min_width=210)
            script = gr.Radio(script_choices("zh"), value="auto", label=t("script_label", "zh"),
                              elem_id="script-toggle", scale=0, min_width=220)
            clear = gr.Button(t("clear", "zh"), elem_id="clear-button", size="sm", scale=0, min_width=90)
        # The seam for a library of plans: shown once there is more than one to choose from.
        plan_select = gr.Dropdown(choices=[], label=t("plan_label", "zh"), visible=False, elem_id="plan-select")
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab(t("tab_chat", "zh"), id="chat", elem_id="tab-chat") as chat_tab:
                turns = gr.State([])
                conversation = gr.HTML(
                    conversation_html([], "auto", "zh", ready=False), elem_id="chatbot",
                    js_on_load=(STATIC / "chat.js").read_text(encoding="utf-8"),
                    server_functions=[record_feedback, add_feedback_comment],
                )
                with gr.Row(elem_id="chat-input-row"):
                    question = gr.Textbox(
                        elem_id="chat-input", label=t("question_label", "zh"), scale=5, max_length=2000, lines=1,
                        placeholder=t("question_placeholder", "zh"), submit_btn=False,
                    )
                    send = gr.Button(t("send", "zh"), variant="primary", elem_id="send-button", scale=0, min_width=72)

            with gr.Tab(t("tab_plan", "zh"), id="plan", elem_id="tab-plan") as plan_tab:
                plan_status = gr.HTML(elem_id="plan-status")
                with gr.Row(elem_id="plan-filters"):
                    plan_filter = gr.Textbox(label=t("filter_label", "zh"), elem_id="plan-filter", scale=3, lines=1)
                    filter_clear = gr.Button(t("filter_clear", "zh"), elem_id="plan-filter-clear", size="sm",
                                             scale=0, min_width=120)
                with gr.Row():
                    task_unit = gr.Dropdown([(t("all", "zh"), ALL)], value=ALL, label=t("unit_label", "zh"),
                                            elem_id="task-district")
                    reform_unit = gr.Dropdown([(t("all", "zh"), ALL)], value=ALL, label=t("reform_unit_label", "zh"),
                                              elem_id="reform-district")
                    reform_quarter = gr.Radio([(t("all", "zh"), ALL)], value=ALL, label=t("quarter_label", "zh"),
                                              elem_id="reform-quarter")
                task_table = gr.HTML(elem_id="task-table")
                reform_table = gr.HTML(elem_id="reform-table")

            with gr.Tab(t("tab_timeline", "zh"), id="timeline", elem_id="tab-timeline") as timeline_tab:
                with gr.Row(elem_id="timeline-filters"):
                    timeline_unit = gr.Dropdown([(t("all", "zh"), ALL)], value=ALL, label=t("unit_label", "zh"),
                                                elem_id="timeline-unit")
                    timeline_status = gr.Radio([(t("status_all", "zh"), "all")], value="all",
                                               label=t("status_label", "zh"), elem_id="timeline-status")
                timeline_chart = gr.HTML(elem_id="timeline-chart")

            with gr.Tab(t("tab_audit", "zh"), id="audit", elem_id="tab-audit") as audit_tab:
                audit_text = gr.HTML(elem_id="audit-summary")
                audit_table = gr.HTML(elem_id="audit-table")

        plan_inputs = [lang, plan_filter, task_unit, reform_unit, reform_quarter, plan_select]
        plan_outputs = [task_unit, reform_unit, reform_quarter, task_table, reform_table, plan_status]
        language_outputs = [header, lang, script, clear, conversation, question, send, chat_tab, plan_tab, audit_tab,
                            timeline_tab, plan_filter, filter_clear, plan_select, *plan_outputs, audit_text,
                            audit_table]

        def language(lang_: str, turns_: list[Turn], script_: str, query: str, tu: str, ru: str, q: str,
                     selected: str | None = None) -> list[Any]:
            """Every label, the chat, both tabs' contents in the interface language."""
            assistant, library = ready(), library_ready()
            choices = plan_view.plan_choices(library, lang_) if library else []
            plan_name = plan_view.plan_title(assistant.plan) if assistant and len(choices) < 2 else None
            return [
                header_html(lang_, plan_name),
                gr.update(label=t("lang_label", lang_)),
                gr.update(choices=script_choices(lang_), label=t("script_label", lang_)),
                gr.update(value=t("clear", lang_)),
                chat_view(turns_, script_, lang_),
                gr.update(label=t("question_label", lang_), placeholder=t("question_placeholder", lang_)),
                gr.update(value=t("send", lang_)),
                gr.Tab(label=t("tab_chat", lang_)),
                gr.Tab(label=t("tab_plan", lang_)),
                gr.Tab(label=t("tab_audit", lang_)),
                gr.Tab(label=t("tab_timeline", lang_)),
                gr.update(label=t("filter_label", lang_)),
                gr.update(value=t("filter_clear", lang_)),
                gr.update(choices=choices, label=t("plan_label", lang_), visible=len(choices) > 1,
                          value=selected if selected in [c[1] for c in choices] else (choices[0][1] if choices else None)),
                *plan_updates(lang_, query, tu, ru, q, selected),
                *audit_updates(lang_, selected),
            ]

        def on_load(turns_: list[Turn], script_: str, tu: str, ru: str, q: str, request: gr.Request) -> list[Any]:
            """Language from ?lang= or the browser; ?plan_row= opens the Plan tab on that row (the no-script link)."""
            params = request.query_params if request else {}
            headers_ = request.headers if request else {}
            asked = str(params.get("lang", ""))
            lang_ = asked if asked in ("zh", "en") else lang_from_header(headers_.get("accept-language"))
            row = params.get("plan_row", "") or ""
            tab = gr.Tabs(selected="plan") if row else gr.Tabs()
            updates = language(lang_, turns_, script_, row, tu, ru, q, str(params.get("plan", "") or "") or None)
            updates[1] = gr.update(value=lang_, label=t("lang_label", lang_))
            updates[11] = gr.update(value=row, label=t("filter_label", lang_))
            return [*updates, tab]

        lang_inputs = [lang, turns, script, plan_filter, task_unit, reform_unit, reform_quarter, plan_select]
        demo.load(on_load, inputs=[turns, script, task_unit, reform_unit, reform_quarter],
                  outputs=[*language_outputs, tabs], api_visibility="private")
        lang.change(language, inputs=lang_inputs, outputs=language_outputs, api_visibility="private")

        chat_in, chat_out = [question, turns, script, lang, plan_select], [conversation, turns, question, send]
        for trigger in (send.click, question.submit):
            # The client half shows the question at once and locks the input; the server half answers.
            trigger(None, js="() => { window.paPending && window.paPending(); }", api_visibility="private")
            event = trigger(respond, inputs=chat_in, outputs=chat_out, api_visibility="undocumented",
                            show_progress="hidden")
            event.failure(None, js="() => { window.paFailed && window.paFailed(); }", api_visibility="private")
        clear.click(lambda lang_, script_: (chat_view([], script_, lang_), []), inputs=[lang, script],
                    outputs=[conversation, turns], api_visibility="private")
        script.change(chat_view, inputs=[turns, script, lang], outputs=[conversation], api_visibility="private",
                      show_progress="hidden")

        def open_row(lang_: str, tu: str, ru: str, q: str, plan: str | None, evt: gr.EventData) -> list[Any]:
            """The sources panel's "show this row" link: the Plan tab, filtered to the cited record."""
            row = str(getattr(evt, "row", "") or "")  # the page script's trigger('select', {row})
            return [gr.Tabs(selected="plan"), row, *plan_updates(lang_, row, tu, ru, q, plan)]

        conversation.select(open_row, inputs=[lang, task_unit, reform_unit, reform_quarter, plan_select],
                            outputs=[tabs, plan_filter, *plan_outputs], api_visibility="private")
        plan_tab.select(plan_updates, inputs=plan_inputs, outputs=plan_outputs, api_visibility="private")
        for control in (plan_filter, task_unit, reform_unit, reform_quarter):
            control.change(plan_updates, inputs=plan_inputs, outputs=plan_outputs, api_visibility="private",
                           show_progress="hidden")
        filter_clear.click(lambda: "", outputs=[plan_filter], api_visibility="private")
        audit_tab.select(audit_updates, inputs=[lang, plan_select], outputs=[audit_text, audit_table],
                         api_visibility="private")
        timeline_inputs = [lang, timeline_unit, timeline_status, plan_select]
        timeline_outputs = [timeline_unit, timeline_status, timeline_chart]
        timeline_tab.select(timeline_updates, inputs=timeline_inputs, outputs=timeline_outputs, api_visibility="private")
        # `.input`, not `.change`: only a reader's choice refreshes the tabs. The selector's value is also set
        # when the page loads (and the language switches); that must not send three more requests each time.
        for control in (timeline_unit, timeline_status, plan_select):
            control.input(timeline_updates, inputs=timeline_inputs, outputs=timeline_outputs,
                          api_visibility="private", show_progress="hidden")
        # Another plan chosen: the Plan and Audit tabs show that plan (the chat asks it from now on).
        plan_select.input(plan_updates, inputs=plan_inputs, outputs=plan_outputs, api_visibility="private",
                          show_progress="hidden")
        plan_select.input(audit_updates, inputs=[lang, plan_select], outputs=[audit_text, audit_table],
                          api_visibility="private", show_progress="hidden")

    # Answers take milliseconds to a few seconds; serve many visitors at once, not one at a time.
    demo.queue(default_concurrency_limit=16)
    return demo


def mount_ui(app: FastAPI, get_library: GetLibrary) -> None:
    """Mount the UI at / on `app`; call after the app's own routes, which keep precedence over the mount."""
    # System fonts: the default theme fetches Google Fonts, which offline deployments cannot reach.
    # A primary colour dark enough for white text (WCAG AA); Gradio's orange gives 2.8:1.
    theme = gr.themes.Default(primary_hue="blue", font=["system-ui", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"]).set(
        button_primary_background_fill="*primary_700", button_primary_background_fill_dark="*primary_700",
        button_primary_background_fill_hover="*primary_800", button_primary_background_fill_hover_dark="*primary_800",
        button_primary_text_color="white", button_primary_text_color_dark="white",
    )
    css = (STATIC / "chat.css").read_text(encoding="utf-8")
    gr.mount_gradio_app(app, build_ui(get_library), path="/", css=css, theme=theme, footer_links=["gradio"])
