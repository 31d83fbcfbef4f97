"""HTML for the chat: questions, answers with clickable [n] markers, one sources block, copy and feedback.

The conversation is shown by a gr.HTML component, so every piece of text that comes from a person or
from the plan — questions, answers, labels, quotes, raw lines — goes through `html.escape` here, and
nothing else builds chat HTML. Markup in a question or in the plan is shown as text, never run. The
page script (ui/static/chat.js) only moves this HTML around (into the source panel) and reads text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.models import Answer, Citation
from assistant.text import to_simplified, to_traditional
from ui.i18n import t

SCRIPT_CODES = ("auto", "hans", "hant")
"""Display choices: as written, all Simplified, all Traditional."""

PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
ESCAPED_PRIVATE_USE = re.compile(r"\\u([eE][0-9a-fA-F]{3}|[fF][0-8][0-9a-fA-F]{2})")
GARBLED_MARK = "⍰"
FOOTER_HEADS = ("来源：", "來源：", "Sources: ")
MARKER = re.compile(r"\[(\d+)\]")
Badge = str  # "answered" | "not_in_plan" | "refused"
_THUMB = ("M2 9h4v12H2zM22 10a2 2 0 0 0-2-2h-6.3l1-4.6V3a1.5 1.5 0 0 0-.4-1L13.2 1 7.6 6.6A2 2 0 0 0 7 8v11a2 2 0 0 0"
          " 2 2h9a2 2 0 0 0 1.8-1.2l3-7.1A2 2 0 0 0 23 12z")
THUMB_UP = f'<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="{_THUMB}"/></svg>'
THUMB_DOWN = (f'<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false" style="transform: rotate(180deg)">'
              f'<path d="{_THUMB}"/></svg>')
"""Icons drawn inline: no emoji font is needed (headless and minimal systems often lack one)."""


def script_choices(lang: str) -> list[tuple[str, str]]:
    """The 原文/简/繁 toggle's choices in the interface language."""
    return [(t(f"script_{code}", lang), code) for code in SCRIPT_CODES]


@dataclass
class SourceView:
    """What the sources panel shows besides the citation: raw lines, the plan, the Plan-tab row to open."""

    lines: list[tuple[int, str]] = field(default_factory=list)
    plan: str = ""
    row: str | None = None


@dataclass
class Turn:
    """One exchange as the chat shows it: the answer is partial while streaming, `error` if it failed."""

    question: str
    id: str = ""
    text: str = ""
    answer: Answer | None = None
    sources: dict[str, SourceView] = field(default_factory=dict)
    error: str | None = None


def convert(text: str, script: str) -> str:
    """The text in the chosen display script ('auto' leaves it as written)."""
    if script == "hans":
        return to_simplified(text)
    if script == "hant":
        return to_traditional(text)
    return text


def unescape_private_use(text: str) -> str:
    """Literal `\\ue08f` escapes (as a repr() prints them) back to the character, so they get the marker."""
    return ESCAPED_PRIVATE_USE.sub(lambda m: chr(int(m.group(1), 16)), text)


def garbled_count(text: str) -> int:
    """How many private-use code points (characters the page's encoding lost) the text holds."""
    return len(PRIVATE_USE.findall(unescape_private_use(text)))


def escape(text: str, lang: str = "zh") -> str:
    """Escaped HTML of one piece of text; a garbled character becomes a visible, labelled marker."""
    parts = PRIVATE_USE.split(unescape_private_use(text))
    mark = f'<span class="pa-garbled" role="img" aria-label="{html.escape(t("garbled", lang))}">{GARBLED_MARK}</span>'
    return mark.join(html.escape(p) for p in parts)


def text_html(text: str, lang: str = "zh") -> str:
    """Plain text as escaped HTML on one line: newlines become <br>, leading spaces stay visible."""
    out = []
    for line in text.split("\n"):
        body = line.lstrip(" ")
        out.append("&nbsp;" * (len(line) - len(body)) + escape(body, lang))
    return "<br>".join(out)


def garbled_note(text: str, lang: str) -> str:
    """A note under text that holds garbled characters, saying what the marker means."""
    n = garbled_count(text)
    return f'<div class="pa-note">{html.escape(t("garbled_note", lang).format(n=n))}</div>' if n else ""


def question_html(question: str, script: str = "auto", lang: str = "zh") -> str:
    """A user message."""
    return f'<div class="pa-question">{text_html(convert(question, script), lang)}</div>'


def badge_of(answer: Answer) -> Badge:
    """Which state an answer is in: a refusal (prompt injection, spam) is not 'the plan does not say'."""
    if answer.route == "refused":
        return "refused"
    return "answered" if answer.answerable else "not_in_plan"


def badge_html(kind: Badge, lang: str) -> str:
    """The badge above an answer."""
    return f'<div class="pa-badge pa-badge-{kind}">{html.escape(t("badge_" + kind, lang))}</div>'


def body_text(answer_text: str, citations: Sequence[Citation]) -> str:
    """The answer without its trailing 来源 line: the UI shows the sources once, as the sources block."""
    if not citations:
        return answer_text
    head, _, last = answer_text.rpartition("\n")
    return head if head and last.startswith(FOOTER_HEADS) else answer_text


def marker_buttons(escaped: str, turn_no: int, citations: Sequence[Citation], script: str, lang: str) -> str:
    """Turn every [n] of escaped answer HTML into a button that opens source n in the panel."""
    def button(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if not 1 <= n <= len(citations):
            return m.group(0)
        name = f'{t("source_n", lang)} {n}: {convert(citations[n - 1].label, script)}'
        return (f'<button type="button" class="pa-cite" data-turn="{turn_no}" data-n="{n}" '
                f'aria-label="{html.escape(name)}" aria-haspopup="dialog">[{n}]</button>')

    return MARKER.sub(button, escaped)


def answer_html(
    text: str, script: str = "auto", badge: Badge | None = None, lang: str = "zh",
    citations: Sequence[Citation] = (), turn_no: int = 0,
) -> str:
    """The answer text (its 来源 line dropped when the sources block shows), escaped, markers clickable."""
    body = text_html(convert(body_text(text, citations), script), lang)
    body = marker_buttons(body, turn_no, citations, script, lang) if citations else body
    top = badge_html(badge, lang) if badge else ""
    return f'{top}<div class="pa-answer">{body}</div>{garbled_note(text, lang)}'


def highlight_spans(line: str, quote: str) -> list[tuple[int, int]]:
    """Where a raw line shows the quoted words: each piece of the quote (split at its separators) found in
    the line, or the whole line when the quote contains it. Spans are merged and sorted."""
    core = line.strip()
    spans: list[tuple[int, int]] = []
    if len(core) >= 2 and core in quote:
        start = line.index(core)
        spans.append((start, start + len(core)))
    for piece in re.split(r"\s*(?:[;；·|]|\d+\.\s|[:：]\s)\s*", quote):
        piece = piece.strip()
        if len(piece) < 2:
            continue
        at = line.find(piece)
        while at != -1:
            spans.append((at, at + len(piece)))
            at = line.find(piece, at + len(piece))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def highlighted_line(line: str, quote: str, lang: str) -> str:
    """A raw line, escaped, with the quoted words in <mark>."""
    out, pos = [], 0
    for s, e in highlight_spans(line, quote):
        out.append(escape(line[pos:s], lang) + f"<mark>{escape(line[s:e], lang)}</mark>")
        pos = e
    return "".join(out) + escape(line[pos:], lang)


def source_body_html(c: Citation, view: SourceView, lang: str) -> str:
    """One source: the quote as published, plan and location, the Plan-tab link, the raw lines marked."""
    raw = "".join(
        f'<li><span class="pa-lineno">L{no}</span> {highlighted_line(text.strip(), c.text, lang)}</li>'
        for no, text in view.lines
    )
    link = ""
    if view.row:
        row = html.escape(view.row)
        words = html.escape(t("open_in_plan", lang))
        link = f'<a class="pa-plan-link" href="?plan_row={row}" data-row="{row}">{words}</a>'
    key = html.escape(t("plan", lang))
    plan = f'<div class="pa-loc"><span class="pa-key">{key}</span> {escape(view.plan, lang)}</div>'
    return (
        f'<div class="pa-source-body"><blockquote class="pa-quote" aria-label="{html.escape(t("quote", lang))}">'
        f"{text_html(c.text, lang)}</blockquote>{garbled_note(c.text, lang)}"
        + (plan if view.plan else "")
        + f'<div class="pa-loc"><span class="pa-key">{html.escape(t("location", lang))}</span> '
        f"{escape(c.location, lang)} · {escape(c.id, lang)}</div>"
        + link
        + (f'<ol class="pa-lines" aria-label="{html.escape(t("raw_lines", lang))}">{raw}</ol>' if raw else "")
        + "</div>"
    )


def sources_html(
    citations: Sequence[Citation], sources: dict[str, SourceView] | None = None, script: str = "auto",
    lang: str = "zh", turn_no: int = 0,
) -> str:
    """The answer's one sources block: numbered, collapsible; the same entries the [n] markers open.

    Labels follow the display script; quotes and raw lines stay as published, since they are quotes.
    """
    if not citations:
        return ""
    items = []
    for n, c in enumerate(citations, start=1):
        label = html.escape(convert(c.label, script))
        body = source_body_html(c, (sources or {}).get(c.id, SourceView()), lang)
        items.append(
            f'<details class="pa-source" id="pa-src-{turn_no}-{n}" data-title="[{n}] {label}">'
            f"<summary>[{n}] {label}</summary>{body}</details>"
        )
    title = f'{html.escape(t("sources", lang))} ({len(citations)})'
    return f'<div class="pa-sources"><h2 class="pa-sources-title">{title}</h2>{"".join(items)}</div>'


def actions_html(turn: Turn, lang: str) -> str:
    """Copy and 👍/👎 for a finished answer; the page script does the work, the server stores the vote."""
    tid = html.escape(turn.id)
    return (
        f'<div class="pa-actions" data-turn-id="{tid}">'
        f'<button type="button" class="pa-copy">{html.escape(t("copy", lang))}</button>'
        f'<button type="button" class="pa-vote" data-vote="up" aria-pressed="false">{THUMB_UP}'
        f'{html.escape(t("vote_up", lang))}</button>'
        f'<button type="button" class="pa-vote" data-vote="down" aria-pressed="false">{THUMB_DOWN}'
        f'{html.escape(t("vote_down", lang))}</button>'
        '<span class="pa-status" role="status"></span></div>'
    )


def turn_html(turn_no: int, turn: Turn, script: str = "auto", lang: str = "zh") -> str:
    """One exchange: the question, then the answer (streaming, finished, or an error)."""
    if turn.error:
        body = f'<div class="pa-error" role="alert">{text_html(turn.error, lang)}</div>'
    elif turn.answer is not None:
        a = turn.answer
        body = answer_html(a.answer, script, badge_of(a), lang, a.citations, turn_no)
        body += sources_html(a.citations, turn.sources, script, lang, turn_no) + actions_html(turn, lang)
    else:
        so_far = text_html(convert(turn.text, script), lang) or html.escape(t("answering", lang))
        body = f'<div class="pa-answer pa-streaming">{so_far}</div>'
    return (
        f'<div class="pa-turn" data-turn="{turn_no}">'
        f'<section class="pa-msg pa-user" aria-label="{html.escape(t("you_asked", lang))}">'
        f"{question_html(turn.question, script, lang)}</section>"
        f'<section class="pa-msg pa-bot" aria-label="{html.escape(t("assistant_answered", lang))}">{body}</section>'
        "</div>"
    )


def empty_html(examples: Sequence[str], lang: str, ready: bool = True) -> str:
    """The empty chat: a hint and the example questions, each a button that sends it."""
    if not ready:
        return f'<div class="pa-empty"><p>{html.escape(t("not_ready", lang))}</p></div>'
    buttons = "".join(
        f'<li><button type="button" class="pa-example" data-q="{html.escape(q)}">{escape(q, lang)}</button></li>'
        for q in examples
    )
    return (
        f'<div class="pa-empty"><p id="pa-examples-title">{html.escape(t("empty", lang))}</p>'
        f'<ul class="pa-examples" aria-labelledby="pa-examples-title">{buttons}</ul></div>'
    )


def conversation_html(
    turns: Sequence[Turn], script: str = "auto", lang: str = "zh", examples: Sequence[str] = (), ready: bool = True,
) -> str:
    """The whole conversation as one log region; the page script reads its data-* for its own words."""
    inner = "".join(turn_html(k, turn, script, lang) for k, turn in enumerate(turns)) or empty_html(
        examples, lang, ready
    )
    busy = "true" if turns and turns[-1].answer is None and not turns[-1].error else "false"
    words = {key: t(key, lang) for key in ("close", "copied", "copy_failed", "thanks", "comment_label",
                                           "comment_send", "comment_saved", "feedback_failed", "error_connection",
                                           "answering", "you_asked", "assistant_answered")}
    data = " ".join(f'data-t-{k.replace("_", "-")}="{html.escape(v)}"' for k, v in words.items())
    return (
        f'<div class="pa-log" role="log" aria-live="polite" aria-busy="{busy}" lang="{"en" if lang == "en" else "zh"}" '
        f'aria-label="{html.escape(t("conversation", lang))}" data-lang="{html.escape(lang)}" {data}>{inner}</div>'
    )
