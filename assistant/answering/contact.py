"""The `contact` answer: the phone number or contact person the notice prints (联系人：…，联系电话：…).

A notice names whom to ask; the page footer's switchboard (地址…联系电话) is the portal's, not the plan's, so
only body passages (the notice, its sections) are read. Nothing is answered when the plan prints no
contact, and the person-name check in `scope` still refuses questions about people it does not name.
"""

from __future__ import annotations

import re

from assistant.answering.finish import finish
from assistant.answering.view import PlanView
from assistant.evidence import Evidence
from assistant.models import Answer
from assistant.understand import Understanding

# 该打哪个电话, 联系电话是多少, 怎么联系, whom to call, contact number.
CONTACT_ASKED = re.compile(
    r"电话(?:号码)?(?:是|为)?(?:多少|什么|哪)|哪个电话|什么电话|联系方式|怎么联系|如何联系|联系人是谁|联系谁|找谁咨询|"
    r"phone number|telephone|contact (?:number|person|details)|whom? (?:should|do|can) i (?:call|contact)|"
    r"whom? to (?:call|contact)|how (?:can|do) i contact", re.IGNORECASE)
PHONE = re.compile(r"(?<!\d)(?:\d{3,4}-)?\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)")
CONTACT_WORDS = re.compile(r"联系|聯系|聯繫|咨询|諮詢|电话|電話|热线|熱線")
BODY_KINDS = ("notice", "preamble", "subsection", "chapter", "signature")
CLOSING = "sec-closing"


def answer_contact(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """The clauses of the plan's own text that give a contact number, each cited; None when none does."""
    if not CONTACT_ASKED.search(u.normalized):
        return None
    found: list[tuple[str, str]] = []
    for chunk in view.chunks.values():
        if chunk.kind not in BODY_KINDS or chunk.record_id == CLOSING:
            continue  # text after the last table is the page's foot: its 联系电话 is the portal's
        for sentence in view.sentences(chunk.id):
            for clause in re.split(r"(?<=[）)。；;])|\n", sentence):
                clause = clause.strip()
                if clause and PHONE.search(clause) and CONTACT_WORDS.search(clause):
                    found.append((chunk.id, clause))
    if not found:
        return None
    v = ev.voice
    lines = [f"{v.quote(text)} {ev.cite(cid, text, view.label_for(view.chunks[cid]))}" for cid, text in found[:3]]
    lead = v.say("计划写明的联系方式：", "The contact the plan gives:")
    return finish(view, ev, lead + "\n" + "\n".join(lines), True, "lookup")
