"""The `metadata` route: the document's own facts (文号, 发布机构, dates, attachments, outline), cited."""

from __future__ import annotations

import re

from assistant.answering.abstain import coverage
from assistant.answering.finish import finish
from assistant.answering.view import PlanView
from assistant.chunks import META_LABELS
from assistant.evidence import Evidence
from assistant.models import Answer
from assistant.understand import Understanding, has_any

# Metadata key → how askers name it. "attachments" and "outline" come from the body, not the header.
FIELD_CUES: dict[str, tuple[str, ...]] = {
    "doc_number": ("文件编号", "文号", "发文字号", "document number", "reference number"),
    "index_no": ("索引号", "index number"),
    "publisher": ("发布机构", "发文机关", "谁发布", "哪个部门发布", "哪个单位发", "哪个机构", "什么机构", "publisher",
                  "put this out", "put it out", "who published", "哪个局发",
                  "issued by", "who issued", "issuing body", "issuing authority", "which body issued", "agency issued",
                  "which agency", "issuing agency"),
    "issuer": ("发文单位", "落款", "谁发布", "哪个单位发", "issued by", "who issued", "发文机关", "agency issued", "which agency",
               "issuing agency", "issuing body", "which body issued"),
    "generated": ("生成日期", "generated", "created"),
    "published": ("公开日期", "发布日期", "什么时候发布", "何时发布", "哪天发布", "什么时候公开", "published",
                  "publication date"),
    "printed": ("印发日期", "什么时候印发", "哪天印发", "何时印发", "printed"),
    "signed": ("成文日期", "印发日期", "什么时候印发", "哪天印发", "何时印发", "issue date", "signed", "落款",
               "date of writing", "was it written", "was written", "document written", "when was it issued"),
    "attachments": ("附件", "attachment", "annex"),
    "outline": ("章节", "几个部分", "哪几部分", "哪些部分", "框架", "结构", "chapters", "outline", "structure",
                "main parts", "main sections"),
    "addressees": ("主送", "发给谁", "发给哪些", "通知对象", "addressed to", "收到这份", "收到通知", "发到哪", "下发给",
                   "sent to", "recipients", "who received"),
    "expiry": ("废止", "有效期", "still valid", "expire"),
    "title": ("文件名称", "标题", "title"),
    "disclosure": ("公开方式",),
    "category": ("公开分类",),
}
DEFAULT_FIELDS = ("title", "doc_number", "publisher", "signed", "published")
SIGNING_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


def answer_metadata(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """The fields the question names (or the usual ones), each cited to the header or the notice."""
    meta = view.plan.metadata
    wanted = [key for key, cues in FIELD_CUES.items() if has_any(u.normalized, cues)
              and (key in meta or key in ("attachments", "outline"))]
    if not wanted:
        wanted = [k for k in DEFAULT_FIELDS if k in meta]
    v = ev.voice
    lines: list[str] = []
    for key in wanted:
        if key == "attachments":
            lines += attachments(view, ev)
        elif key == "outline":
            lines += coverage(view, ev)
        elif key == "signed":
            lines.append(signed(view, ev))
        else:
            label = META_LABELS[key]
            marker = ev.cite("meta", f"{label}: {meta[key]}", "文件信息")
            lines.append(f"{v.label(label) if not v.english else key.replace('_', ' ')}: {v.quote(meta[key])} {marker}")
    lines = [x for x in lines if x]
    if not lines:
        return None  # nothing the page records answers it: let the general route find it or abstain
    return finish(view, ev, "\n".join(lines), True, "lookup")


def attachments(view: PlanView, ev: Evidence) -> list[str]:
    """The attachment list as the notice gives it."""
    section = view.chunks.get("sec-attachments")
    if section is None:
        return []
    return [f"{ev.voice.quote(line)} {ev.cite(section.id, line, '正文 · 附件')}" for line in section.body.split("\n")]


def signed(view: PlanView, ev: Evidence) -> str:
    """The signing date as the notice or its closing signature prints it, with its ISO form; else the
    header's 成文日期 field."""
    v = ev.voice
    label = v.say("成文日期", "signed")
    date_iso = view.plan.metadata.get("signed", "")
    for sid, where in (("sec-signature", "正文 · 落款"), ("sec-notice", "正文 · 通知")):
        section = view.chunks.get(sid)
        date = SIGNING_DATE.search(section.text) if section else None
        if section is None or date is None:
            continue
        marker = ev.cite(section.id, date.group(0), where)
        issuer = view.plan.metadata.get("issuer", "")
        if issuer and issuer in section.text:
            marker += ev.cite(section.id, issuer, where)
        return f"{label}: {v.quote(issuer)} {date.group(0)} ({date_iso}) {marker}"
    meta = view.chunks.get("meta")
    quote = f"{META_LABELS['signed']}: {date_iso}"
    if date_iso and meta is not None and quote in meta.text:
        return f"{label}: {date_iso} {ev.cite('meta', quote, '文件信息')}"
    return ""
