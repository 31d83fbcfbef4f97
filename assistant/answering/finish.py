"""Turning a route's cited body into an Answer: the audit's caveats for the cited records, then sources.

A caveat is added only when the answer cites a record the audit found inconsistent, so its numbers are
always about what the answer says.
"""

from __future__ import annotations

import re

from assistant import compose
from assistant.answering.view import PlanView
from assistant.evidence import Evidence
from assistant.models import Answer, Finding
from assistant.verify import MARKER, NUMBER


def finish(view: PlanView, ev: Evidence, body: str, answerable: bool, route: str,
           caveat_refs: set[str] | None = None) -> Answer:
    """The answer: body, caveats on the records it cites, and the sources line."""
    caveats = _caveats(view, ev, caveat_refs or {c.id for c in ev.citations}, body)
    text = "\n".join(x for x in (body, caveats, ev.footer()) if x)
    return Answer(answer=text, answerable=answerable, route=route, citations=ev.citations, degraded=view.degraded)


def _caveats(view: PlanView, ev: Evidence, refs: set[str], body: str) -> str:
    """Audit notes on the cited records whose disputed numbers the answer states (no note about 3500 vs
    3100 under an answer that quotes neither)."""
    said = set(NUMBER.findall(MARKER.sub("", body)))
    notes = [_caveat_text(view, ev, f) for f in view.plan.findings
             if f.status == "mismatch" and refs.intersection(f.refs)
             and said.intersection(NUMBER.findall(" ".join(f.evidence)))]
    return "\n".join(n for n in notes if n)


def _caveat_text(view: PlanView, ev: Evidence, f: Finding) -> str:
    v = ev.voice
    if f.kind == "body-vs-table" and len(f.refs) == 2:
        sec_id, task_id = f.refs
        section = view.chunks[sec_id]
        where = section.section_path[-1] if section.section_path else sec_id
        body_marker = ev.cite(sec_id, f.evidence[0], f"正文 · {where}")
        task = view.tasks[task_id]
        table_marker = ev.cite(task_id, task.content, compose.task_label(task))
        return v.say(
            f"注意：正文写的是「…{v.quote(f.evidence[0])}…」{body_marker}，附件{task.table}写的是「{v.quote(task.content)}」"
            f"{table_marker}，两处不一致。",
            f"Note: the body says “…{f.evidence[0]}…” {body_marker} while attachment {task.table} says “{task.content}” "
            f"{table_marker}; the two disagree.",
        )
    if f.kind == "table-total" and f.refs:
        task = view.tasks[f.refs[0]]
        arithmetic = f.evidence[-1]
        ev.cite(task.id, task.content, compose.task_label(task))
        for part in arithmetic.split(" = ")[0].split(" + "):
            name, _, value = part.partition(" ")
            if task.districts and name in task.districts:
                ev.cite(task.id, f"{name} {value}", compose.task_label(task, name))
        expr = re.sub(r"\s+", " ", re.sub(r"[^\d+=. ]", "", arithmetic)).strip()
        return v.say(
            f"注意：该行写明「{v.quote(task.content.rstrip('。'))}」，但各区数值合计为 {expr}，与所写总数不一致。",
            f"Note: the row states “{task.content}”, but the district values add up to {expr}, which differs.",
        )
    return ""
