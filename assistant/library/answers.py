"""Answers that span the library: a plan named as the source, two years compared, rows new or dropped,
a plan the library lacks. Each plan's own facts come from that plan's answerer or records, cited to it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.chunks import Chunk
from assistant.compose import decimal_text, task_label
from assistant.library.entries import PlanEntry
from assistant.library.rows import counterpart, unmatched
from assistant.lookup import district_value, parse_quantity
from assistant.models import Answer, Citation, Plan, Task
from assistant.render import Voice

MARKER = re.compile(r"\[(\d+)\]")
MAX_ROWS = 12


@dataclass
class PlanSide:
    """One plan as a library answer uses it: its entry, records and chunks."""

    entry: PlanEntry
    plan: Plan
    chunks: dict[str, Chunk]


def shift_markers(text: str, offset: int) -> str:
    """Renumber an answer's [n] markers by `offset`, for joining two plans' answers under one list."""
    return MARKER.sub(lambda m: f"[{int(m.group(1)) + offset}]", text) if offset else text


def title_citation(side: PlanSide) -> Citation | None:
    """A citation of the plan's own title (or document number), so the plan named in an answer is cited."""
    wanted = [w for w in (side.entry.title, side.entry.doc_number, side.entry.issuer) if w]
    for chunk in side.chunks.values():
        for quote in wanted:
            if quote in chunk.text:
                return Citation(id=chunk.id, label=side.entry.label, text=quote, plan=side.entry.id,
                                location=f"{side.plan.source_name}:L{chunk.lines[0]}-L{chunk.lines[1]}")
    return None


def labelled(answer: Answer, side: PlanSide, voice: Voice, others: list[PlanSide]) -> Answer:
    """An answer from one plan, saying which plan it is from; every citation carries the plan id."""
    citations = [c.model_copy(update={"plan": side.entry.id}) for c in answer.citations]
    head = voice.say(f"依据{side.entry.label}", f"From {side.entry.label}")
    title = title_citation(side)
    if title is not None:
        citations.append(title)
        head += f" [{len(citations)}]"
    text = f"{head}：\n{answer.answer}" if not voice.english else f"{head}:\n{answer.answer}"
    if others:
        # Named by issuer only, uncited: citing another plan would mix two plans in one answer, and its
        # title's year would be a number no citation of this answer supports.
        issuers = list(dict.fromkeys(o.entry.issuer or o.entry.id for o in others))
        same = [i for i in issuers if i == side.entry.issuer]
        names = ("、" if not voice.english else "; ").join(
            voice.say(f"{i}的其他年份计划", f"other years' plans of {i}") if i in same else i for i in issuers)
        text += "\n" + voice.say(f"资料库中另有{names}也可能涉及此问题；在问题中写明年份或发文单位即可查询。",
                                 f"The library also holds {names}, which may cover this too; name the year or "
                                 "issuer to ask it.")
    return answer.model_copy(update={"answer": text, "citations": citations, "plan": side.entry.id})


def joined(parts: list[tuple[PlanSide, Answer]], voice: Voice, route: str) -> Answer:
    """Two plans' answers one after the other, each under its plan's name, markers renumbered."""
    lines: list[str] = []
    citations: list[Citation] = []
    for side, answer in parts:
        title = title_citation(side)
        block = shift_markers(answer.answer, len(citations))
        citations += [c.model_copy(update={"plan": side.entry.id}) for c in answer.citations]
        mark = ""
        if title is not None:
            citations.append(title)
            mark = f" [{len(citations)}]"
        lines.append(f"【{side.entry.label}】{mark}\n{block}")
    answerable = all(a.answerable for _, a in parts)
    return Answer(answer="\n\n".join(lines), answerable=answerable, route=route, citations=citations,
                  plan=parts[-1][0].entry.id)


def compared_values(older: PlanSide, newer: PlanSide, task: Task, units: list[str], voice: Voice) -> Answer | None:
    """One task's values in two plans for the named units (or the city-wide target), with the change shown."""
    match, _ = counterpart(task, older.plan.tasks)
    if match is None:
        return None
    citations: list[Citation] = []

    def cite(side: PlanSide, t: Task, quote: str, unit: str | None) -> str:
        chunk = side.chunks.get(t.id)
        if chunk is None or quote not in chunk.text:
            quote = t.content
        for n, c in enumerate(citations, start=1):
            if c.id == t.id and c.plan == side.entry.id and c.text == quote:
                return f"[{n}]"
        lines = chunk.lines if chunk else t.lines
        citations.append(Citation(id=t.id, label=f"{side.entry.label} · {task_label(t, unit)}", text=quote,
                                  plan=side.entry.id, location=f"{side.plan.source_name}:L{lines[0]}-L{lines[1]}"))
        return f"[{len(citations)}]"

    name = voice.quote(task.content.rstrip("。"))
    rows = [voice.say(f"「{name}」两年对比：", f"“{name}”, year on year:")]
    each: list[str | None] = [*units] if units else [None]
    for unit in each:
        values = []
        for side, t in ((older, match), (newer, task)):
            value: str | None
            if unit is None:
                value = t.content
                quote = value
            else:
                value = district_value(t, unit)
                quote = (f"{unit} {value}" if t.districts else f"{unit}{value}") if value else t.content
            values.append((side, t, value, cite(side, t, quote.replace("\n", " ") if quote else t.content, unit)))
        who = voice.district(unit) if unit else voice.say("全市", "city-wide")
        (s1, _, v1, m1), (s2, _, v2, m2) = values
        year1, year2 = s1.entry.year or "", s2.entry.year or ""
        shown1 = voice.quote(v1) if v1 else voice.say("未列出", "not listed")
        shown2 = voice.quote(v2) if v2 else voice.say("未列出", "not listed")
        rows.append(voice.say(f"{who}：{year1}年 {shown1} {m1} → {year2}年 {shown2} {m2}",
                              f"{who}: {year1} {shown1} {m1} → {year2} {shown2} {m2}"))
        change = _change(v1, v2, voice) if unit else _content_change(v1 or "", v2 or "", voice)
        if change:
            rows.append("  " + change)
    return Answer(answer="\n".join(rows), answerable=True, route="library_compare", citations=citations,
                  plan=newer.entry.id)


QUANTITY_IN_TEXT = re.compile(r"(\d+(?:\.\d+)?)\s*([萬万億亿]?[张張个個名户戶家人次元所处處条條项項场場支%]+)")


def _content_change(old: str, new: str, voice: Voice) -> str:
    """The figures that changed between two versions of one sentence, paired in order when both have as many."""
    a, b = QUANTITY_IN_TEXT.findall(old), QUANTITY_IN_TEXT.findall(new)
    if not a or len(a) != len(b):
        return ""
    pairs = [(x + ux, y + uy) for (x, ux), (y, uy) in zip(a, b, strict=True) if (x, ux) != (y, uy)]
    if not pairs:
        return voice.say("数字没有变化。", "The figures are unchanged.")
    sep = ": " if voice.english else "："
    return "\n  ".join(f"{voice.quote(x)} → {voice.quote(y)}{sep}{_change(x, y, voice)}" for x, y in pairs)


def _change(old: str | None, new: str | None, voice: Voice) -> str:
    a, b = parse_quantity(old or ""), parse_quantity(new or "")
    if a is None or b is None or a.unit != b.unit:
        return "" if a is None or b is None else voice.say("（单位不同，未计算差值）", "(different units; no difference computed)")
    diff = b.value - a.value
    if diff == 0:
        return voice.say("没有变化。", "Unchanged.")
    x, y, d = decimal_text(b.value), decimal_text(a.value), decimal_text(abs(diff))
    if diff > 0:
        return voice.say(f"增加 {d}{b.unit}（{x} − {y} = {d}）。", f"Up by {d} ({x} − {y} = {d}).")
    return voice.say(f"减少 {d}{b.unit}（{y} − {x} = {d}）。", f"Down by {d} ({y} − {x} = {d}).")


def row_changes(older: PlanSide, newer: PlanSide, kind: str, voice: Voice) -> Answer:
    """Rows of the newer plan with no counterpart in the older (`new`), or the reverse (`dropped`)."""
    source, other = (newer, older) if kind == "new" else (older, newer)
    rows = unmatched(source.plan.tasks, other.plan.tasks)
    # Both plans' titles first: the answer names both years.
    citations: list[Citation] = [c for c in (title_citation(older), title_citation(newer)) if c is not None]
    lines: list[str] = []
    for t in rows[:MAX_ROWS]:
        chunk = source.chunks.get(t.id)
        lines_of = chunk.lines if chunk else t.lines
        citations.append(Citation(id=t.id, label=f"{source.entry.label} · {task_label(t)}", text=t.content,
                                  plan=source.entry.id, location=f"{source.plan.source_name}:L{lines_of[0]}-L{lines_of[1]}"))
        lines.append(f"{len(lines) + 1}. {voice.quote(t.content.rstrip('。'))} [{len(citations)}]")
    y_old, y_new = older.entry.year or "", newer.entry.year or ""
    if not rows:
        text = voice.say(f"按内容逐行比对，{y_new}年计划的重点任务在{y_old}年计划中都有对应行，没有{'新增' if kind == 'new' else '删去'}的任务。",
                         f"Matching rows by what they say, every key task of the {y_new if kind == 'new' else y_old} plan has a "
                         f"counterpart in the {y_old if kind == 'new' else y_new} plan: none was {'added' if kind == 'new' else 'dropped'}.")
        return Answer(answer=text, answerable=True, route=f"library_{kind}", citations=citations, plan=newer.entry.id)
    if kind == "new":
        head = voice.say(f"{newer.entry.label}与{older.entry.label}按内容逐行比对，{y_new}年新增的重点任务有 {len(rows)} 项：",
                         f"Matching rows by what they say, {len(rows)} items of the {y_new} key-task list have no counterpart in "
                         f"the {y_old} plan:")
    else:
        head = voice.say(f"{older.entry.label}与{newer.entry.label}按内容逐行比对，{y_old}年有、{y_new}年不再列入的重点任务有 {len(rows)} 项：",
                         f"Matching rows by what they say, {len(rows)} items of the {y_old} key-task list are no longer in "
                         f"the {y_new} plan:")
    more = len(rows) - MAX_ROWS
    tail = [voice.say(f"……另有 {more} 项", f"… and {more} more")] if more > 0 else []
    return Answer(answer="\n".join([head, *lines, *tail]), answerable=True, route=f"library_{kind}",
                  citations=citations, plan=newer.entry.id)


def missing_plan(issuer: str, sides: list[PlanSide], voice: Voice, reason: str) -> Answer:
    """The library has no plan for what was named: say so, and name (and cite) the plans it has."""
    citations: list[Citation] = []
    names = []
    for side in sides:
        title = title_citation(side)
        if title is not None:
            citations.append(title)
        names.append(side.entry.label + (f" [{len(citations)}]" if title is not None else ""))
    have = ("、" if not voice.english else "; ").join(names)
    # The year asked for is not written out: no citation could support it.
    if reason.startswith("year:"):
        text = voice.say(f"资料库中没有{issuer}所问年份的计划，无法回答该年的问题。现有计划：{have}。",
                         f"The library has no plan of {issuer} for the year asked about, so it cannot answer for "
                         f"that year. Plans it has: {have}.")
    elif reason == "no-earlier":
        text = voice.say(f"资料库中没有{issuer}更早的计划可供比较。现有计划：{have}。",
                         f"The library has no earlier plan of {issuer} to compare with. Plans it has: {have}.")
    else:
        text = voice.say(f"资料库中没有这份计划。现有计划：{have}。", f"The library has no such plan. Plans it has: {have}.")
    return Answer(answer=text, answerable=False, route="library_scope", citations=citations)


def still_listed(older: PlanSide, newer: PlanSide, task: Task, voice: Voice) -> Answer:
    """Whether a row of the older plan is still in the newer one (matched by content), both cited."""
    match, _ = counterpart(task, newer.plan.tasks)
    citations: list[Citation] = [c for c in (title_citation(older), title_citation(newer)) if c is not None]

    def cite(side: PlanSide, t: Task) -> str:
        lines = side.chunks[t.id].lines if t.id in side.chunks else t.lines
        citations.append(Citation(id=t.id, label=f"{side.entry.label} · {task_label(t)}", text=t.content,
                                  plan=side.entry.id, location=f"{side.plan.source_name}:L{lines[0]}-L{lines[1]}"))
        return f"[{len(citations)}]"

    y1, y2 = older.entry.year or "", newer.entry.year or ""
    name = voice.quote(task.content.rstrip("。"))
    first = voice.say(f"{y1}年清单：「{name}」{cite(older, task)}", f"{y1} list: “{name}” {cite(older, task)}")
    if match is None:
        rest = voice.say(f"{y2}年计划的重点任务清单中没有与之对应的任务（按内容逐行比对）。",
                         f"The {y2} plan's key-task list has no counterpart (rows matched by what they say).")
    else:
        other = voice.quote(match.content.rstrip("。"))
        rest = voice.say(f"{y2}年清单仍有对应任务：「{other}」{cite(newer, match)}",
                         f"The {y2} list still has it: “{other}” {cite(newer, match)}")
    return Answer(answer=f"{first}\n{rest}", answerable=True, route="library_still", citations=citations,
                  plan=newer.entry.id)
