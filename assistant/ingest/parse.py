"""Parse cleaned lines into metadata, the notice and the body's section tree, and find the tables."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.errors import ParseError
from assistant.models import Section, SourceLine

META_KEYS: dict[str, str] = {
    "信息名稱": "title",
    "索引號": "index_no",
    "法定主動公開分類": "category",
    "公開方式": "disclosure",
    "文件編號": "doc_number",
    "發布機構": "publisher",
    "生成日期": "generated",
    "公開日期": "published",
    "廢止日期": "expiry",
    "內容概述": "summary",
}
META_KEY = re.compile(
    r"(" + "|".join(r"\s*".join(map(re.escape, k)) for k in META_KEYS) + r")\s*[:：]\s*"
)
CN_NUMERALS = "一二三四五六七八九十"
CHAPTER = re.compile(rf"^([{CN_NUMERALS}]+)、(.+)$")
SUBSECTION = re.compile(rf"^[(（]([{CN_NUMERALS}]+)[)）](.+?)。")
NOTICE_TITLE = re.compile(r"^關[于於]印發《(.+)》的通知$")
CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
ATTACHMENT_LIST = re.compile(r"^附件\s*[:：]")
ATTACHMENT_MARK = re.compile(r"^附件\s*(\d+)$")


@dataclass(frozen=True)
class ParsedBody:
    """Everything before the attachment tables, plus the line ranges of the two tables."""

    metadata: dict[str, str]
    sections: list[Section]
    attachments: dict[int, list[SourceLine]]


def cn_number(text: str) -> int:
    """一..十九 as an int; the plan never numbers past that."""
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + CN_NUMERALS.index(text[1]) + 1
    if text.endswith("十"):
        return (CN_NUMERALS.index(text[0]) + 1) * 10
    return CN_NUMERALS.index(text) + 1


def iso_date(text: str) -> str | None:
    """2025-3-18 or 2025年3月18日 as 2025-03-18."""
    m = ISO_DATE.search(text) or CN_DATE.search(text)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def parse_metadata_line(text: str) -> dict[str, str]:
    """Key:value pairs of the page's header block; several can share a line."""
    found = list(META_KEY.finditer(text))
    out: dict[str, str] = {}
    for i, m in enumerate(found):
        key = META_KEYS[re.sub(r"\s+", "", m.group(1))]
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        value = text[m.end() : end].strip()
        out[key] = iso_date(value) or value if key in ("generated", "published") else value
    return out


def _norm(text: str) -> str:
    """Compare titles across the scripts the page mixes (要点 in the notice, 要點 in the heading)."""
    return text.replace("點", "点").replace("關", "关").strip()


def parse_body(lines: list[SourceLine]) -> ParsedBody:
    """Walk the cleaned lines once: header block, notice, preamble, chapters, attachment tables."""
    metadata: dict[str, str] = {}
    sections: list[Section] = []
    i, n = 0, len(lines)
    while i < n and META_KEY.match(lines[i].text):
        metadata.update(parse_metadata_line(lines[i].text))
        i += 1
    if "doc_number" not in metadata:
        raise ParseError("no header block with 文件編號 found at the top of the page")
    if i >= n or not NOTICE_TITLE.match(lines[i].text):
        raise ParseError(f"line {lines[i].no if i < n else '?'}: expected the notice title 關于印發《…》的通知")
    plan_title = NOTICE_TITLE.match(lines[i].text).group(1)  # type: ignore[union-attr]
    start = i
    while i < n and _norm(lines[i].text) != _norm(plan_title):
        i += 1
    if i >= n:
        raise ParseError(f"the plan heading {plan_title} never follows the notice")
    notice = lines[start:i]
    sections.append(_section("sec-notice", [notice[0].text], "notice", notice[0].text, notice))
    for ln in notice:
        if (d := CN_DATE.fullmatch(ln.text)) and "signed" not in metadata:
            metadata["signed"] = iso_date(d.group(0)) or ""
        elif ln.text.endswith(":") or ln.text.endswith("："):
            metadata["addressees"] = ln.text.rstrip(":：")
        elif ln.text.endswith(("局", "會")) and len(ln.text) <= 12:
            metadata["issuer"] = ln.text
    heading = lines[i]
    metadata["plan_title"] = heading.text
    i += 1
    pre_start = i
    while i < n and not CHAPTER.match(lines[i].text):
        i += 1
    if i > pre_start:
        sections.append(
            _section("sec-preamble", [heading.text], "preamble", heading.text, lines[pre_start:i])
        )
    chapter_path: list[str] = []
    chapter_no = 0
    while i < n and not ATTACHMENT_LIST.match(lines[i].text):
        ln = lines[i]
        if m := CHAPTER.match(ln.text):
            chapter_no = cn_number(m.group(1))
            chapter_path = [heading.text, ln.text]
            sections.append(_section(f"sec-{chapter_no}", chapter_path, "chapter", m.group(2), [ln]))
            i += 1
            continue
        if (m := SUBSECTION.match(ln.text)) and chapter_no:
            j = i + 1
            while j < n and not (
                SUBSECTION.match(lines[j].text) or CHAPTER.match(lines[j].text) or ATTACHMENT_LIST.match(lines[j].text)
            ):
                j += 1
            sub_no = cn_number(m.group(1))
            label = ln.text[: m.end(2)]
            sections.append(
                _section(f"sec-{chapter_no}-{sub_no}", [*chapter_path, label], "subsection", m.group(2), lines[i:j])
            )
            i = j
            continue
        raise ParseError(f"line {ln.no}: text outside any chapter or subsection: {ln.text[:30]}")
    att_start = i
    while i < n and not ATTACHMENT_MARK.match(lines[i].text):
        i += 1
    if att_start < i:
        sections.append(
            _section("sec-attachments", ["附件"], "attachment-list", "附件", lines[att_start:i])
        )
    attachments: dict[int, list[SourceLine]] = {}
    while i < n:
        m = ATTACHMENT_MARK.match(lines[i].text)
        if not m:
            raise ParseError(f"line {lines[i].no}: expected an attachment marker 附件N")
        j = i + 1
        while j < n and not ATTACHMENT_MARK.match(lines[j].text):
            j += 1
        block = lines[i + 1 : j]
        if not block:
            raise ParseError(f"line {lines[i].no}: attachment {m.group(1)} is empty")
        metadata[f"attachment_{m.group(1)}_title"] = block[0].text
        attachments[int(m.group(1))] = block[1:]
        i = j
    return ParsedBody(metadata=metadata, sections=sections, attachments=attachments)


def _section(sid: str, path: list[str], kind: str, heading: str, lines: list[SourceLine]) -> Section:
    return Section(
        id=sid,
        path=path,
        kind=kind,
        heading=heading,
        text="\n".join(ln.text for ln in lines),
        lines=(lines[0].no, lines[-1].no),
    )
