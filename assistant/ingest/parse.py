"""Cleaned lines → header metadata, the notice, the body's section tree and the attachment blocks.

Every part is optional: a page may have no header block, no notice (a body-only plan), no attachments.
What the reader recognises is field-wide (header field names, 关于印发《…》的通知, 附件N markers,
signature lines); what it cannot place is kept as body text and reported as a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.ingest.header import CN_DATE, is_field_name, iso_date, label_row, paired_row, parse_header_line
from assistant.ingest.structure import heading_of, section_tree
from assistant.models import ReaderWarning, Section, SourceLine
from assistant.text import to_simplified

NOTICE_TITLE = re.compile(
    r"^(?P<issuer>[^，。；《》:：\s]{2,30}?)?关于(?:印发|印送|下发|转发)?.*?《(.+?)》.*的通知$|^(?P<issuer2>[^，。；《》:：\s]{2,30}?)?关于(.+)的通知$"
)
PLAN_TITLE = re.compile(r"(要点|计划|方案|安排|规划|意见|任务|清单|举措)$")
ATTACHMENT_LIST = re.compile(r"^附件\s*[:：]\s*\S")
LISTED_ATTACHMENT = re.compile(r"^(?:附件\s*[:：]\s*)?(\d{1,2})\s*[.．、]\s*(\S.{1,80})$")
ATTACHMENT_MARK = re.compile(r"^附\s*件\s*(\d{1,2})?\s*(?:[:：、.．]\s*(?!\d{1,2}\s*[.．、])(.{2,80}))?$")
SIGNATURE_BODY = re.compile(r"(局|会|會|委|委员会|委員會|政府|办公室|辦公室|厅|廳|中心|处|處|站)$")
SIGNATURE_NOTE = re.compile(r"^[(（].{2,12}[)）]$")
NOTICE_SEARCH_LINES = 80
# A date with its clock time (2026年3月9日 18:30, 2026-03-09 18:30): when a page was posted.
STAMPED = re.compile(r"(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2})\s*(?=\d{1,2}:\d{2})")
# How far below a page title that repeats the notice title the notice itself may start.
REPEATED_TITLE_LINES = 15
# The first lines of a notice that may still be header fields (发布时间：… under the title).
NOTICE_HEADER_LINES = 8
# A document number printed on its own line (under the title of a page with no header block).
DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,10}[〔\[(（［]\s*\d{4}\s*[〕\])）］]\s*\d{1,4}\s*[号號]$")


@dataclass(frozen=True)
class AttachmentBlock:
    """The lines of one attachment after its marker: a title line, then its table (or text)."""

    no: int
    title: str
    marker_line: int
    lines: list[SourceLine]


@dataclass
class ParsedBody:
    """Everything the text lines say outside the attachment tables, and those tables' lines."""

    metadata: dict[str, str]
    sections: list[Section]
    attachments: list[AttachmentBlock]
    warnings: list[ReaderWarning] = field(default_factory=list)


def norm_title(text: str) -> str:
    """Compare titles across the scripts a page mixes (要点 in the notice, 要點 in the heading)."""
    return re.sub(r"\s+", "", to_simplified(text)).strip("《》")


def _section(sid: str, path: list[str], kind: str, heading: str, lines: list[SourceLine]) -> Section:
    return Section(
        id=sid, path=path, kind=kind, heading=heading, text="\n".join(ln.text for ln in lines),
        lines=(lines[0].no, lines[-1].no),
    )


def _is_standalone_title(text: str) -> bool:
    simple = to_simplified(text)
    return len(simple) <= 50 and not re.search(r"[。；;，,：:]", simple) and bool(PLAN_TITLE.search(simple))


def _notice_title(text: str) -> str | None:
    """The plan title a notice line announces, or None when the line is not a notice title."""
    m = NOTICE_TITLE.match(to_simplified(text))
    if not m:
        return None
    quoted = re.search(r"《(.+?)》", text)
    if quoted:
        return quoted.group(1)
    # 关于印发2024年全市民政工作要点的通知: the plan is what is 印发-ed, in the line's own script.
    bare = re.search(r"关于(?:印发|印送|下发|转发|印發|轉發)(.+)的通知$", text)
    if bare and PLAN_TITLE.search(to_simplified(bare.group(1))):
        return bare.group(1)
    return text


def _read_notice(lines: list[SourceLine], metadata: dict[str, str]) -> None:
    """Addressees, issuer, signing date and a 文号 under the title from the notice's own lines."""
    for k, ln in enumerate(lines):
        if DOC_NUMBER.match(ln.text.strip()) and "doc_number" not in metadata:
            metadata["doc_number"] = ln.text.strip()
        elif k <= NOTICE_HEADER_LINES and (fields := parse_header_line(ln.text)):
            for key, value in fields.items():  # 发布时间：… printed under the title, above the notice text
                metadata.setdefault(key, value)
        elif (d := CN_DATE.fullmatch(ln.text)) and "signed" not in metadata:
            metadata["signed"] = iso_date(d.group(0)) or ""
        elif ln.text.endswith((":", "：")) and "addressees" not in metadata:
            metadata["addressees"] = ln.text.rstrip(":：")
        elif SIGNATURE_BODY.search(ln.text) and len(ln.text) <= 20 and not heading_of(ln.text):
            metadata["issuer"] = ln.text


def _notice_end(lines: list[SourceLine], start: int, stop: int) -> int:
    """Where a notice with no repeated plan title ends: after its date line (and a （此件公开发布） note)."""
    for i in range(start + 1, stop):
        if CN_DATE.fullmatch(lines[i].text):
            j = i + 1
            if j < stop and SIGNATURE_NOTE.match(lines[j].text):
                j += 1
            return j
    return start + 1


def _trailing_signature(lines: list[SourceLine]) -> int:
    """Index where a body's closing signature (issuer line, date line) starts, or len(lines)."""
    n = len(lines)
    k = n
    if k and SIGNATURE_NOTE.match(lines[k - 1].text):
        k -= 1
    if k and CN_DATE.fullmatch(lines[k - 1].text):
        k -= 1
        if k and SIGNATURE_BODY.search(lines[k - 1].text) and len(lines[k - 1].text) <= 20:
            k -= 1
        return k
    return n


def read_closing(lines: list[SourceLine], metadata: dict[str, str], has_notice: bool) -> list[Section]:
    """Text after the last attachment's table: pages that print the notice and its signature at the end
    (after the attachments) keep them as sections, and the issuer and date are read from them."""
    if not lines:
        return []
    sections: list[Section] = []
    for ln in lines:  # a page that prints its 政府信息公开 fields under the text (文号：… 主题分类：…)
        for key, value in parse_header_line(ln.text).items():
            metadata.setdefault(key, value)
    date_at = next((k for k, ln in enumerate(lines) if CN_DATE.fullmatch(ln.text)), None)
    before, after = lines, []
    _read_notice(lines[:date_at] if date_at is not None else lines, metadata)  # addressees; the signature wins
    if date_at is not None:
        start = date_at
        if date_at and SIGNATURE_BODY.search(lines[date_at - 1].text) and len(lines[date_at - 1].text) <= 20:
            start -= 1
        signature = lines[start : date_at + 1]
        _read_notice(signature, metadata)
        sections.append(_section("sec-signature", ["落款"], "signature", "落款", signature))
        before, after = lines[:start], lines[date_at + 1 :]
    titled = next((ln for ln in before if NOTICE_TITLE.match(to_simplified(ln.text))), None)
    if titled is not None and not has_notice:
        metadata.setdefault("title", titled.text)
        sections.insert(0, _section("sec-notice", [titled.text], "notice", titled.text, before))
        before = []
    rest = before + after
    if rest:
        sections.append(_section("sec-closing", ["结尾"], "subsection", "结尾", rest))
    return sections


def parse_body(lines: list[SourceLine]) -> ParsedBody:
    """Walk the cleaned lines once: header block, notice, preamble, body sections, attachments."""
    metadata: dict[str, str] = {}
    sections: list[Section] = []
    warnings: list[ReaderWarning] = []
    n = len(lines)
    # The notice: 关于印发《…》的通知, somewhere near the top; header fields and stray page text before it.
    notice_at = next((k for k in range(min(n, NOTICE_SEARCH_LINES)) if _notice_title(lines[k].text)), None)
    if notice_at is not None:
        # The page's <title> or breadcrumb may print the notice title first; the notice is the last copy
        # near it, and the header fields (发布时间, 文号) between the two belong to the header block.
        first = norm_title(lines[notice_at].text)
        notice_at = max((k for k in range(notice_at, min(n, notice_at + REPEATED_TITLE_LINES))
                         if norm_title(lines[k].text) == first), default=notice_at)
    top_end = 0
    zone = notice_at if notice_at is not None else min(n, NOTICE_SEARCH_LINES)
    stray: list[SourceLine] = []
    stamped: dict[str, str] = {}  # a date and time printed before the notice (a byline), with no field name
    joined: set[int] = set()
    for k in range(zone):
        if k in joined:
            continue
        labels = label_row(lines[k].text)
        fields = {} if labels else parse_header_line(lines[k].text)
        if not fields and k + 1 < zone and is_field_name(lines[k].text) and not is_field_name(lines[k + 1].text):
            fields = parse_header_line(f"{lines[k].text.strip()} {lines[k + 1].text}")
            if fields:
                joined.add(k + 1)
        if labels and k + 1 < zone:
            fields = paired_row(labels, lines[k + 1].text)  # a row of field names over a row of values
            if fields:
                joined.add(k + 1)
        if fields:
            for key, value in fields.items():
                metadata.setdefault(key, value)
            top_end = k + 1
        elif DOC_NUMBER.match(lines[k].text.strip()):
            metadata.setdefault("doc_number", lines[k].text.strip())
        elif notice_at is not None:
            stray.append(lines[k])
            if (stamp := STAMPED.search(lines[k].text)) and (day := iso_date(stamp.group(0))):
                stamped.setdefault("published", day)  # a byline's 2026年3月9日 18:30, when no field says it
    for key, value in stamped.items():
        metadata.setdefault(key, value)
    plan_title = ""
    body_start = top_end
    if notice_at is not None:
        plan_title = _notice_title(lines[notice_at].text) or ""
        heading_at = next(
            (k for k in range(notice_at + 1, n) if norm_title(lines[k].text) == norm_title(plan_title)), None
        )
        notice_stop = heading_at if heading_at is not None else _notice_end(lines, notice_at, n)
        notice = lines[notice_at:notice_stop]
        sections.append(_section("sec-notice", [notice[0].text], "notice", notice[0].text, notice))
        _read_notice(notice, metadata)
        m = NOTICE_TITLE.match(to_simplified(notice[0].text))
        issuer = m and (m.group("issuer") or m.group("issuer2"))
        metadata.setdefault("title", notice[0].text)
        if issuer and SIGNATURE_BODY.search(issuer):
            metadata.setdefault("publisher", notice[0].text[: len(issuer)])
        if heading_at is not None:
            plan_title = lines[heading_at].text
            body_start = heading_at + 1
        else:
            body_start = notice_stop
        for ln in stray:
            warnings.append(
                ReaderWarning(line=ln.no, message=f"text before the notice kept out of the plan: {ln.text[:40]}")
            )
    else:
        title_at = next(
            (k for k in range(top_end, min(n, top_end + NOTICE_SEARCH_LINES))
             if _is_standalone_title(lines[k].text) and not heading_of(lines[k].text)),
            None,
        )
        if title_at is not None and all(not heading_of(x.text) for x in lines[top_end:title_at]):
            plan_title = lines[title_at].text
            body_start = title_at + 1
        elif above := next((ln for ln in lines[:top_end] if _is_standalone_title(ln.text)
                            and not heading_of(ln.text) and not parse_header_line(ln.text)), None):
            plan_title = above.text  # the title printed above the header block
        elif metadata.get("title"):
            plan_title = metadata["title"]
    if plan_title:
        metadata["plan_title"] = plan_title
    # The body runs to the attachment list or the first attachment marker.
    body_end = next(
        (k for k in range(body_start, n)
         if ATTACHMENT_LIST.match(lines[k].text) or ATTACHMENT_MARK.match(lines[k].text)),
        n,
    )
    body_lines = lines[body_start:body_end]
    in_body: list[AttachmentBlock] = []
    if not any(ATTACHMENT_MARK.match(x.text) for x in lines[body_end:]):
        body_lines, in_body = _body_tables(body_lines, metadata)
    sign_at = _trailing_signature(body_lines)
    signature = body_lines[sign_at:]
    body_lines = body_lines[:sign_at]
    tree, preamble = section_tree(plan_title, body_lines)
    if preamble:
        root = [plan_title] if plan_title else []
        sections.append(_section("sec-preamble", root, "preamble", plan_title, preamble))
    sections += tree
    if signature:
        sections.append(_section("sec-signature", ["落款"], "signature", "落款", signature))
        _read_notice(signature, metadata)
    attachments = in_body + _attachments(lines, body_end, metadata, sections, warnings)
    if not tree and not attachments:
        from assistant.errors import ParseError

        raise ParseError(
            "nothing on the page reads as a plan: no numbered headings (一、 …, （一） …, 1. …) and no attachment "
            "tables; is this the plan's page?"
        )
    return ParsedBody(metadata=metadata, sections=sections, attachments=attachments, warnings=warnings)


# 「表1 2027年全县民政重点工作任务分解表」: a table printed inside the body, titled by its number.
LONG_ITEM = 24
BODY_TABLE_TITLE = re.compile(r"^表\s*(\d{1,2})\s*[.．、:：]?\s*(\S.{1,60}?表)\s*$")


def _ends_table(text: str) -> bool:
    """A body heading after an in-body table: a chapter-level one (一、 （一） 第二部分), or a numbered item
    too long for a cell (a table's cells may themselves start 1. 2. …)."""
    h = heading_of(text)
    return h is not None and (h.style in ("part", "cn", "paren-cn") or len(text) > LONG_ITEM)


def _body_tables(
    body: list[SourceLine], metadata: dict[str, str]
) -> tuple[list[SourceLine], list[AttachmentBlock]]:
    """Tables a page prints inside its body under 表N titles (a plan with no attachments): each from its
    title to the next numbered heading, read like an attachment; the body keeps the rest."""
    kept: list[SourceLine] = []
    blocks: list[AttachmentBlock] = []
    k = 0
    while k < len(body):
        m = BODY_TABLE_TITLE.match(body[k].text)
        if m is None:
            kept.append(body[k])
            k += 1
            continue
        j = k + 1
        while j < len(body) and not _ends_table(body[j].text):
            j += 1
        no = int(m.group(1))
        metadata[f"attachment_{no}_title"] = m.group(2)
        blocks.append(AttachmentBlock(no=no, title=m.group(2), marker_line=body[k].no, lines=body[k + 1 : j]))
        k = j
    return kept, blocks


def _attachments(
    lines: list[SourceLine], i: int, metadata: dict[str, str], sections: list[Section],
    warnings: list[ReaderWarning],
) -> list[AttachmentBlock]:
    """The attachment list (附件：1. … 2. …) as a section, then one block per 附件N marker."""
    n = len(lines)
    att_start = i
    if i < n and ATTACHMENT_LIST.match(lines[i].text):
        # 附件：标题 followed only by the notice's signature (or more list items) is the list, not the attachment.
        j = i + 1
        while j < n and not ATTACHMENT_MARK.match(lines[j].text):
            j += 1
        between = lines[i + 1 : j]
        if j < n and between and (_trailing_signature(between) == 0
                                   or all(LISTED_ATTACHMENT.match(x.text) for x in between)):
            i = j
    while i < n and not ATTACHMENT_MARK.match(lines[i].text):
        i += 1
    listed: dict[int, str] = {}
    if att_start < i:
        listing = lines[att_start:i]
        sign_at = _trailing_signature(listing)  # the notice's signature may follow its attachment list
        if sign_at < len(listing):
            signature = listing[sign_at:]
            sections.append(_section("sec-signature", ["落款"], "signature", "落款", signature))
            _read_notice(signature, metadata)
            listing = listing[:sign_at]
        if listing:
            sections.append(_section("sec-attachments", ["附件"], "attachment-list", "附件", listing))
        for ln in listing:
            m = LISTED_ATTACHMENT.match(ln.text)
            if m:
                listed[int(m.group(1))] = m.group(2).strip()
            elif len(listing) == 1 and (single := re.match(r"^附件\s*[:：]\s*(\S.{1,80})$", ln.text)):
                listed[1] = single.group(1).strip()
    blocks: list[AttachmentBlock] = []
    while i < n:
        m = ATTACHMENT_MARK.match(lines[i].text)
        assert m is not None
        j = i + 1
        while j < n and not ATTACHMENT_MARK.match(lines[j].text):
            j += 1
        no = int(m.group(1)) if m.group(1) else len(blocks) + 1
        rest = lines[i + 1 : j]
        title = m.group(2) or ""
        if not title and rest:
            title, rest = rest[0].text, rest[1:]
        metadata[f"attachment_{no}_title"] = title
        blocks.append(AttachmentBlock(no=no, title=title, marker_line=lines[i].no, lines=rest))
        i = j
    found = {b.no for b in blocks}
    for no, title in listed.items():
        if no not in found:
            warnings.append(ReaderWarning(
                line=lines[att_start].no,
                message=f"the attachment list names attachment {no} ({title[:40]}) but the page does not contain "
                        "it: the page may be cut short, or the attachment is a separate download",
            ))
    return blocks
