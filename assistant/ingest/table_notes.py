"""Roles and deadlines a table's note list gives its rows.

A figures table often leaves who leads and by when to the 说明 under it: 「老年助餐点：养老服务股牵头，
市市场监管局配合，9月底前建成并投入运营。」. Each such note names one or more of the table's tasks before
its colon; the bodies before 牵头 / 负责 are the lead, those before 配合 / 协助 cooperate, and a dated
clause is the deadline (the clause naming a task is that task's own when a note covers several). They
are stored on the tasks as if the table had the columns, so the responsibility and deadline routes and
the deadline records find them, cited to the note's line.
"""

from __future__ import annotations

import re

from assistant.ingest.columns import fold_label
from assistant.models import SourceLine, Task

NOTE_ITEM = re.compile(r"^\s*(?:\d{1,2}\s*[.、．)）]\s*|[（(]\d{1,2}[)）]\s*)?"
                       r"(?P<names>[^：:。]{2,60})[：:](?P<body>.+)$")
NAME_SPLIT = re.compile(r"[、，,/]|和|及")
CLAUSE_SPLIT = re.compile(r"[，,；;。]")
LEAD = re.compile(r"^(?P<bodies>.+?)(?:共同|联合)?(?:牵头|负责|牽頭|負責)")
COOPERATE = re.compile(r"^(?P<bodies>.+?)(?:配合|协助|協助|参与|參與)")
DEADLINE = re.compile(r"(?P<when>(?:\d{4}\s*年)?\d{1,2}\s*月(?:\d{1,2}\s*日|底|末|中旬|份)?\s*(?:之?前)?"
                      r"|年底前|年内|全年)")
BODY_SPLIT = re.compile(r"[、，,]")  # not 和: 社会组织和社会工作股 is one office
COOPERATING_LABEL = "配合单位"
DEADLINE_LABEL = "完成时限"
MIN_NAME = 2
MAX_NOTE = 200  # a note item is a sentence or two, not the page's closing paragraphs


def _core(label: str) -> str:
    """A task's name without its unit in brackets (新增家庭养老床位（张） → 新增家庭养老床位)."""
    return re.sub(r"[（(][^）)]*[）)]$", "", fold_label(label)).strip()


def _tasks_named(name: str, tasks: list[Task]) -> list[Task]:
    """The tasks a note's name stands for: the task whose name holds it, or is held by it."""
    key = fold_label(name)
    if len(key) < MIN_NAME:
        return []
    return [t for t in tasks if (core := _core(t.group or t.content)) and (key in core or core in key)]


def _bodies(text: str) -> list[str]:
    return [b.strip() for b in BODY_SPLIT.split(text) if len(b.strip()) >= MIN_NAME]


def apply_table_notes(tasks: list[Task], notes: list[SourceLine]) -> None:
    """Fill lead, cooperating bodies and deadline of tasks that have none from the table's note lines."""
    for ln in notes:
        m = NOTE_ITEM.match(ln.text)
        if m is None:
            continue
        named = {n.strip(): _tasks_named(n.strip(), tasks) for n in NAME_SPLIT.split(m.group("names")) if n.strip()}
        if not any(named.values()):
            continue
        everyone = [t for ts in named.values() for t in ts]
        for clause in CLAUSE_SPLIT.split(m.group("body")):
            clause = clause.strip()
            if not clause:
                continue
            own = [t for name, ts in named.items() if name in clause for t in ts]
            if (lead := LEAD.match(clause)) and not own:
                for t in everyone:
                    if not t.responsible:
                        t.responsible = _bodies(lead.group("bodies"))
                        t.cell_lines["responsible"] = (ln.no, ln.no)
            elif (helper := COOPERATE.match(clause)) and not own:
                for t in everyone:
                    t.extra.setdefault(COOPERATING_LABEL, "、".join(_bodies(helper.group("bodies"))))
                    t.cell_lines.setdefault(COOPERATING_LABEL, (ln.no, ln.no))
            if (when := DEADLINE.search(clause)) and not LEAD.match(clause):
                for t in own or everyone:
                    if DEADLINE_LABEL not in t.extra:
                        t.extra[DEADLINE_LABEL] = when.group("when").strip()
                        t.cell_lines[DEADLINE_LABEL] = (ln.no, ln.no)


NOTES_HEAD = re.compile(r"^\s*(?:注|注释|说明|說明|备注|備註|附注|填表说明)\s*[:：]")


def leading_notes(lines: list[SourceLine]) -> int:
    """How many of the lines after a page's last table are that table's notes: a 说明：/注： line and the
    note items under it (or one 注：… line); the page's closing text follows them."""
    if not lines or not NOTES_HEAD.match(lines[0].text):
        return 0
    from assistant.ingest.header import parse_header_line

    k = 1
    while (k < len(lines) and NOTE_ITEM.match(lines[k].text) and len(lines[k].text) <= MAX_NOTE
           and not parse_header_line(lines[k].text)):  # 文号：… at the page foot is a header field, no note
        k += 1
    return k
