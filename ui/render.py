"""HTML for the chat: questions, answers and their numbered sources.

The chatbot shows these strings as HTML (markdown rendering is off), so every piece of text that comes
from a person or from the plan — questions, answers, labels, quotes, raw lines — goes through
`html.escape` here, and nothing else builds chat HTML. Markup in a question or in the plan is shown
as text, never run.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.models import Answer, Citation
from assistant.text import to_simplified, to_traditional

SCRIPTS: list[tuple[str, str]] = [("原文", "auto"), ("简", "hans"), ("繁", "hant")]
"""Display choices: as written, all Simplified, all Traditional."""


@dataclass
class Turn:
    """One exchange as the chat shows it: the answer is partial while streaming, `error` if it failed."""

    question: str
    text: str = ""
    answer: Answer | None = None
    sources: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    error: str | None = None


def convert(text: str, script: str) -> str:
    """The text in the chosen display script ('auto' leaves it as written)."""
    if script == "hans":
        return to_simplified(text)
    if script == "hant":
        return to_traditional(text)
    return text


def text_html(text: str) -> str:
    """Plain text as escaped HTML on one line: newlines become <br>, leading spaces stay visible."""
    out = []
    for line in text.split("\n"):
        body = line.lstrip(" ")
        out.append("&nbsp;" * (len(line) - len(body)) + html.escape(body))
    return "<br>".join(out)


def question_html(question: str, script: str = "auto") -> str:
    """A user message."""
    return f'<div class="pa-question">{text_html(convert(question, script))}</div>'


def answer_html(text: str, script: str = "auto", answerable: bool = True) -> str:
    """The answer text (which ends with its 来源 line), escaped, in the display script."""
    badge = "" if answerable else f'<div class="pa-badge">{html.escape(convert("计划未明确说明", script))}</div>'
    return f'{badge}<div class="pa-answer">{text_html(convert(text, script))}</div>'


def sources_html(
    citations: Sequence[Citation],
    source_lines: dict[str, list[tuple[int, str]]] | None = None,
    script: str = "auto",
) -> str:
    """The numbered sources as collapsible entries: label, the quoted text, its location and raw lines.

    Labels follow the display script; quotes and raw lines stay as published, since they are quotes.
    """
    if not citations:
        return ""
    items = []
    for n, c in enumerate(citations, start=1):
        lines = (source_lines or {}).get(c.id, [])
        raw = "".join(
            f'<li><span class="pa-lineno">L{no}</span> {html.escape(text.strip())}</li>' for no, text in lines
        )
        items.append(
            '<details class="pa-source">'
            f"<summary>[{n}] {html.escape(convert(c.label, script))}</summary>"
            f'<blockquote class="pa-quote">{text_html(c.text)}</blockquote>'
            f'<div class="pa-loc">{html.escape(c.location)} · {html.escape(c.id)}</div>'
            + (f'<ul class="pa-lines">{raw}</ul>' if raw else "")
            + "</details>"
        )
    title = html.escape(convert("来源", script))
    header = f'<div class="pa-sources-title">{title} ({len(citations)})</div>'
    return f'<div class="pa-sources">{header}{"".join(items)}</div>'


def turn_messages(turn: Turn, script: str = "auto") -> list[dict[str, str]]:
    """One turn as chatbot messages (role/content); a streaming turn shows its text so far."""
    messages = [{"role": "user", "content": question_html(turn.question, script)}]
    if turn.error:
        body = f'<div class="pa-error">{text_html(turn.error)}</div>'
    elif turn.answer is not None:
        body = answer_html(turn.answer.answer, script, turn.answer.answerable)
        body += sources_html(turn.answer.citations, turn.sources, script)
    else:
        body = answer_html(turn.text or "…", script)
    messages.append({"role": "assistant", "content": body})
    return messages


def conversation(turns: Sequence[Turn], script: str = "auto") -> list[dict[str, str]]:
    """The whole conversation as chatbot messages."""
    return [m for t in turns for m in turn_messages(t, script)]
