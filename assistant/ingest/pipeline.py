"""Raw page → Plan: clean, parse, read tables by their headers, derive units, audit.

Pure: reads nothing but its argument. Whatever a table reader cannot understand is kept as body text
(a section the assistant can search and cite) and reported as a warning with its line number, so one odd
table never stops an ingest.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

from assistant.errors import InputError, ParseError
from assistant.ingest.audit import audit
from assistant.ingest.body_milestones import body_reforms
from assistant.ingest.clean import clean
from assistant.ingest.columns import Layout, is_place, is_place_kind
from assistant.ingest.containers import JSON_SUFFIXES, MHTML_SUFFIXES, holds_article, json_page, mhtml_page
from assistant.ingest.header import iso_date
from assistant.ingest.markdown import from_markdown, is_markdown
from assistant.ingest.parse import AttachmentBlock, ParsedBody, parse_body
from assistant.ingest.profile import build_profile
from assistant.ingest.structure import BREAKDOWN, breakdown_items
from assistant.ingest.table_notes import apply_table_notes
from assistant.ingest.tables import TableRead, read_text_table
from assistant.ingest.unit_names import expand_short_units
from assistant.models import (
    CleanReport,
    GenericRow,
    Period,
    Plan,
    ReaderWarning,
    Reform,
    Section,
    SourceLine,
    TableInfo,
    Task,
)


@dataclass
class Assembly:
    """Records gathered from a page's tables, in page order."""

    read: list[tuple[int, str, TableRead, tuple[int, int]]] = field(default_factory=list)
    text_sections: list[Section] = field(default_factory=list)
    warnings: list[ReaderWarning] = field(default_factory=list)


def text_section(no: int, title: str, lines: list[SourceLine]) -> Section:
    """An attachment the reader could not read as a table, kept as searchable text."""
    return Section(
        id=f"sec-att{no}", path=[f"附件{no}", title] if title else [f"附件{no}"], kind="subsection",
        heading=title or f"附件{no}", text="\n".join(ln.text for ln in lines),
        lines=(lines[0].no, lines[-1].no),
    )


def read_blocks(blocks: list[AttachmentBlock]) -> Assembly:
    """Read every attachment block of a flattened page; unreadable ones become text sections."""
    out = Assembly()
    for block in blocks:
        if not block.lines:
            out.warnings.append(ReaderWarning(line=block.marker_line, message=f"attachment {block.no} has no content"))
            continue
        try:
            read = read_text_table(block.lines, block.no)
        except ParseError as exc:
            out.warnings.append(ReaderWarning(line=block.marker_line, message=f"{exc}; kept as text"))
            out.text_sections.append(text_section(block.no, block.title, block.lines))
            continue
        out.warnings += [ReaderWarning(line=ln, message=msg) for ln, msg in read.warnings]
        if not (read.tasks or read.reforms or read.rows):
            out.warnings.append(
                ReaderWarning(line=block.marker_line, message=f"attachment {block.no}: no rows read; kept as text")
            )
            out.text_sections.append(text_section(block.no, block.title, block.lines))
            continue
        out.read.append((block.no, block.title, read, (block.lines[0].no, block.lines[-1].no)))
        if read.notes:
            out.text_sections.append(text_section(block.no, block.title, read.notes))
    return out


def _table_info(no: int, title: str, read: TableRead, lines: tuple[int, int]) -> TableInfo:
    layout: Layout = read.layout
    kind = "task" if read.tasks else "milestone" if read.reforms else "generic"
    rows = [
        GenericRow(id=f"table{no}-row{k}", cells=cells, lines=span)
        for k, (cells, span) in enumerate(read.rows, start=1)
    ]
    return TableInfo(id=f"table{no}", kind=kind, attachment=no, title=title, columns=layout.labels, lines=lines,
                     rows=rows)


def assemble(
    body: ParsedBody, assembly: Assembly, report: CleanReport, raw: str, source_name: str,
    aliases: dict[str, list[str]] | None = None,
) -> Plan:
    """The Plan from a parsed body and its read tables: units and periods come from the tables."""
    for _, _, r, _ in assembly.read:
        apply_table_notes(r.tasks, r.notes)
    tasks = [t for _, _, r, _ in assembly.read for t in r.tasks]
    renamed = distinct_ids(tasks)
    units: list[str] = []
    for _, _, r, _ in assembly.read:
        units += [u for u in r.layout.units if u not in units]
        units += [u for u in expand_short_units(r.tasks, raw) if u not in units]  # 城關 → 城關區
    reforms = shared_rows_split([x for _, _, r, _ in assembly.read for x in r.reforms], units)
    units += list(dict.fromkeys(x.district for x in reforms if x.district and x.district not in units))
    units += [u for u in units_in_breakdowns(body.sections) if u not in units]
    periods: list[Period] = []
    for _, _, r, _ in assembly.read:
        if r.reforms and not periods:
            periods = list(r.layout.periods)
    if not reforms:  # no milestone table: a body that schedules each unit's project by quarter stands for one
        reforms, periods = body_reforms(body.sections, units)
    printed = next((m for sec in body.sections if (m := PRINTED.search(sec.text))), None)
    if printed is not None and "printed" not in body.metadata and (day := iso_date(printed.group("date"))):
        body.metadata["printed"] = day  # the 版记's 印发 date: when the document was printed and sent out
    plan = Plan(
        metadata=body.metadata,
        sections=body.sections + assembly.text_sections,
        tasks=tasks,
        reforms=reforms,
        cleaning=report,
        source_name=source_name,
        source_sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        units=units,
        periods=periods,
        tables=[_table_info(no, title, r, span) for no, title, r, span in assembly.read],
        warnings=sorted(body.warnings + assembly.warnings + renamed, key=lambda w: w.line),
    )
    plan.findings = audit(plan)
    plan.profile = build_profile(plan, aliases)
    return plan


# The foot of an official document (版记): 「安顺市民政局办公室 2026年3月2日印发」.
PRINTED = re.compile(r"(?m)^(?P<office>[^\n\d]{2,30}?)?\s*"
                     r"(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*印[发發]\s*$")


def distinct_ids(tasks: list[Task]) -> list[ReaderWarning]:
    """Give a row whose id an earlier row has (a 序号 the page repeats, a misread group) an id of its own,
    so that every row can be stored and cited; a warning per renamed row."""
    seen: set[str] = set()
    warnings: list[ReaderWarning] = []
    for t in tasks:
        if t.id in seen:
            k = 2
            while f"{t.id}-{k}" in seen:
                k += 1
            warnings.append(ReaderWarning(line=t.lines[0], message=f"row numbered like an earlier one ({t.id}); "
                                                                  f"read as {t.id}-{k}"))
            t.id = f"{t.id}-{k}"
        seen.add(t.id)
    return warnings


UNIT_LIST = re.compile(r"\s*[、，,/和及]\s*")
BREAKDOWN_ITEM = re.compile(r"^(?P<place>[\u4e00-\u9fff]{3,12}?)各?\s*\d")
MIN_BREAKDOWN_UNITS = 2


def units_in_breakdowns(sections: list[Section]) -> list[str]:
    """The places a body sentence breaks a target down by (其中：A县N个、B市M个): units of the plan as
    much as a table's columns are, on a plan that prints its quotas in the text."""
    found: list[str] = []
    for section in sections:
        for m in BREAKDOWN.finditer(section.text):
            places = [x.group("place") for part in breakdown_items(m.group(0))
                      if (x := BREAKDOWN_ITEM.match(part)) and is_place(x.group("place"))
                      and not is_place_kind(x.group("place"))]
            if len(places) >= MIN_BREAKDOWN_UNITS:
                found += [p for p in places if p not in found]
    return found


def shared_rows_split(reforms: list[Reform], units: list[str]) -> list[Reform]:
    """A milestone row whose unit cell names two units (鯉城區、豐澤區) is each unit's row: one record per
    unit, the same cells, so 「豐澤區的改革項目」 finds it."""
    out: list[Reform] = []
    for r in reforms:
        parts = [x for x in UNIT_LIST.split(r.district) if x] if r.district else []
        if len(parts) < 2 or not all(x in units or is_place(x) for x in parts):
            out.append(r)
            continue
        out += [r.model_copy(update={"id": r.id if k == 0 else f"{r.id}-u{k + 1}", "district": x})
                for k, x in enumerate(parts)]
    return out


def build_plan(raw: str, source_name: str = "", aliases: dict[str, list[str]] | None = None) -> Plan:
    """The reconstructed plan of a flattened-text page (a Markdown scrape read without its marks)."""
    cleaned = clean(from_markdown(raw) if is_markdown(raw) else raw)
    if not cleaned.lines:
        raise ParseError("the page is empty once site chrome is removed; nothing reads as a plan")
    body = parse_body(cleaned.lines)
    return assemble(body, read_blocks(body.attachments), cleaned.report, raw, source_name, aliases)


HTML_SUFFIXES = (".html", ".htm")
PAGE_SUFFIXES = (".txt", *HTML_SUFFIXES, *MHTML_SUFFIXES, *JSON_SUFFIXES)


ALIASES_SIDECAR = ".aliases.json"  # data about a page beside it (see read_aliases), never a page itself


def is_page_file(path: Path) -> bool:
    """Whether a file in a folder of pages is a page to read (not a sidecar, a README or a hidden file)."""
    name = path.name.lower()
    if path.suffix.lower() not in PAGE_SUFFIXES or name.endswith(ALIASES_SIDECAR) or name.startswith("."):
        return False
    return name != "readme.txt" and (path.suffix.lower() not in JSON_SUFFIXES or holds_article(path))


def read_plan(path: Path) -> Plan:
    """Read a plan page from disk (text, HTML, a saved MHTML page or API JSON) and reconstruct the plan."""
    raw, html = page_text(path)
    aliases = read_aliases(path)
    if html:
        from assistant.ingest.html import build_plan_from_html

        return build_plan_from_html(raw, path.name, aliases)
    return build_plan(raw, path.name, aliases)


def page_text(path: Path) -> tuple[str, bool]:
    """A page file's text and whether it is HTML: decoded, and taken out of its container if saved in one."""
    kinds = "a .txt, .html, .mht or .json plan page"
    if not path.exists():
        raise InputError(f"{path} does not exist; pass the path of {kinds}")
    if path.is_dir():
        raise InputError(f"{path} is a folder; pass the path of {kinds}")
    suffix = path.suffix.lower()
    if suffix not in PAGE_SUFFIXES:
        raise InputError(f"{path}: unsupported file type {suffix!r}; use {', '.join(PAGE_SUFFIXES)}")
    data = path.read_bytes()
    if suffix in MHTML_SUFFIXES:
        return mhtml_page(data, path), True
    if suffix in JSON_SUFFIXES:
        return json_page(data, path)
    html = suffix in HTML_SUFFIXES
    return decode(data, path, html=html), html


def read_aliases(page: Path) -> dict[str, list[str]]:
    """Optional names a page never spells out, from a sidecar `<page stem>.aliases.json` beside it.

    `{"aliases": {"<unit or body as the page writes it>": ["other name", ...]}}` — e.g. the name a
    district is also known by. Data about one page, kept with the page; absent for most pages.
    """
    sidecar = page.with_name(page.stem + ALIASES_SIDECAR)
    if not sidecar.exists():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        return {str(k): [str(x) for x in v] for k, v in data.get("aliases", {}).items()}
    except (ValueError, AttributeError, TypeError) as exc:
        raise InputError(
            f"{sidecar.name}: not a valid aliases file ({exc}); expected {{\"aliases\": {{name: [...]}}}}"
        ) from exc


CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


# Byte-order marks, longest first (a UTF-32 LE mark begins with the UTF-16 LE one).
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# What a Chinese page without a BOM or a declaration is written in, when it is not UTF-8.
CHINESE_ENCODINGS = ["gb18030", "big5", "utf_16_le", "utf_16_be"]


def decode(data: bytes, path: Path, html: bool) -> str:
    """A page's text: by its byte-order mark (UTF-8, UTF-16, UTF-32); else UTF-8; for HTML its declared
    charset (GB18030 when none); for text the Chinese encoding `charset_normalizer` finds most plausible
    (GB18030, Big5, UTF-16 without a mark); else a clear error."""
    for bom, name in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name)
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        candidates: list[str] = []
        declared = CHARSET.search(data[:4096]) if html else None
        if declared:
            name = declared.group(1).decode("ascii").lower()
            candidates.append("gb18030" if name in ("gbk", "gb2312", "gb_2312-80") else name)
        elif html:
            candidates.append("gb18030")  # an HTML page that declares nothing: the usual Chinese-site encoding
        else:
            guess = charset_normalizer.from_bytes(data, cp_isolation=CHINESE_ENCODINGS).best()
            if guess is not None:
                candidates.append(guess.encoding)
        for name in dict.fromkeys(candidates):
            try:
                return data.decode(name)
            except (LookupError, UnicodeDecodeError):
                continue
        raise InputError(
            f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); convert it to UTF-8 "
            "(or, for HTML, declare its charset in a <meta> tag)"
        ) from exc
