"""Raw document → Plan: clean, parse, rebuild tables, audit. Pure: reads nothing but its argument."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from assistant.errors import InputError, ParseError
from assistant.ingest.audit import audit
from assistant.ingest.clean import clean
from assistant.ingest.parse import parse_body
from assistant.ingest.tables import parse_reform_table, parse_task_table
from assistant.models import Plan


def build_plan(raw: str, source_name: str = "") -> Plan:
    """The reconstructed plan of a flattened-text page."""
    cleaned = clean(raw)
    body = parse_body(cleaned.lines)
    for needed in (1, 2):
        if needed not in body.attachments:
            raise ParseError(f"attachment {needed} is missing from the page")
    plan = Plan(
        metadata=body.metadata,
        sections=body.sections,
        tasks=parse_task_table(body.attachments[1]),
        reforms=parse_reform_table(body.attachments[2]),
        cleaning=cleaned.report,
        source_name=source_name,
        source_sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
    )
    plan.findings = audit(plan)
    return plan


def read_plan(path: Path) -> Plan:
    """Read a .txt or .html page from disk and reconstruct the plan."""
    if not path.exists():
        raise InputError(f"{path} does not exist; pass the path of a .txt or .html plan page")
    suffix = path.suffix.lower()
    raw = decode(path.read_bytes(), path, html=suffix in (".html", ".htm"))
    if suffix in (".html", ".htm"):
        from assistant.ingest.html import build_plan_from_html

        return build_plan_from_html(raw, path.name)
    if suffix != ".txt":
        raise InputError(f"{path}: unsupported file type {suffix!r}; use .txt or .html")
    return build_plan(raw, path.name)


CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def decode(data: bytes, path: Path, html: bool) -> str:
    """UTF-8, or for HTML the page's declared charset (Chinese sites often serve GBK), else a clear error."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        declared = CHARSET.search(data[:4096]) if html else None
        if declared:
            name = declared.group(1).decode("ascii").lower()
            name = "gb18030" if name in ("gbk", "gb2312") else name
            try:
                return data.decode(name)
            except (LookupError, UnicodeDecodeError):
                pass
        raise InputError(
            f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); convert it to UTF-8 "
            "(or, for HTML, declare its charset in a <meta> tag)"
        ) from exc
