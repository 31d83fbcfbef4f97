"""Saved pages that wrap the page in a container: the page inside, as the reader reads pages.

A browser's "save as single file" writes MHTML (.mht, .mhtml): a MIME message whose text/html part,
often quoted-printable in the site's own charset, is the page. A crawler that saved what a CMS article
API returned writes JSON (.json): the article's HTML is one string field and its 文号, 索引号 and dates
are other fields, named by keys rather than printed; they are read as the header block a page prints,
under the labels `assistant/data/header_fields.json` gives the keys.
"""

from __future__ import annotations

import email
import email.policy
import html
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.ingest.header import header_data

MHTML_SUFFIXES = (".mht", ".mhtml")
JSON_SUFFIXES = (".json",)
TITLE_LABEL = "标题"  # the article's title is also its page's heading
HTML_TAG = re.compile(r"<(?:p|div|table|tr|td|br|span|h\d|strong|section)\b", re.IGNORECASE)
BLOCK_END = re.compile(r"</(?:p|div|tr|table|h\d|li|ul|ol|section|thead|tbody|tfoot)>(?!\n)", re.IGNORECASE)
# Charsets a part declares that Python knows under a wider name (GB18030 holds GBK and GB2312).
WIDER_CHARSET = {"gbk": "gb18030", "gb2312": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030"}


def mhtml_page(data: bytes, path: Path) -> str:
    """The HTML page of an MHTML file: its first text/html part, decoded by the part's charset."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    part = next((p for p in message.walk() if p.get_content_type() == "text/html"), None)
    if part is None:
        raise InputError(f"{path}: an MHTML file with no text/html part; save the page as HTML instead")
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise InputError(f"{path}: the text/html part of this MHTML file is empty")
    charset = (part.get_content_charset() or "").lower()
    if charset:
        try:
            return payload.decode(WIDER_CHARSET.get(charset, charset))
        except (LookupError, UnicodeDecodeError):
            pass  # a part that misstates its charset: read it as an HTML page is read
    from assistant.ingest.pipeline import decode

    return decode(payload, path, html=True)


def json_page(data: bytes, path: Path) -> tuple[str, bool]:
    """A CMS API response as a page: the header fields its keys name, then its article.

    Returns (text, is_html): the article is HTML when its content field is, else plain text."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); save the API response as it came") from exc
    found = max(_content_fields(document), key=lambda x: len(x[1]), default=None)
    if found is None:
        raise InputError(f"{path}: no article text in this JSON (no string field holding the page's text)")
    article, content = found
    header = _header_lines(article)
    title = next((v for k, v in article.items() if api_labels().get(_key(k)) == TITLE_LABEL and isinstance(v, str)), "")
    if HTML_TAG.search(content):
        rows = "\n".join(f"<p>{html.escape(line)}</p>" for line in header)
        # An API's HTML is one line; a line per block gives its passages line numbers of their own to cite.
        lines = BLOCK_END.sub(lambda m: m.group(0) + "\n", content)
        heading = f"<h1>{html.escape(title)}</h1>\n" if title and title not in content else ""
        return (f"<html><body>\n<div class=\"article-header\">\n{rows}\n</div>\n{heading}{lines}\n</body></html>",
                True)
    return "\n".join([*header, *([title] if title and title not in content else []), content]), False


def holds_article(path: Path) -> bool:
    """Whether a .json file found in a folder of pages is a saved article (a field long enough to be one),
    not a settings or notes file that happens to sit beside the pages."""
    try:
        return any(True for _ in _content_fields(json.loads(path.read_bytes().decode("utf-8-sig"))))
    except (OSError, UnicodeDecodeError, ValueError):
        return False


def _content_fields(node: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """(object, string) for every long string field of the JSON: candidates for the article's text."""
    if isinstance(node, dict):
        for value in node.values():
            if isinstance(value, str) and len(value) > 200:
                yield node, value
            else:
                yield from _content_fields(value)
    elif isinstance(node, list):
        for value in node:
            yield from _content_fields(value)


def _header_lines(article: dict[str, Any]) -> list[str]:
    """`label：value` for each key of the article object that names a header field."""
    labels = api_labels()
    lines = []
    for key, value in article.items():
        label = labels.get(_key(key))
        if label and isinstance(value, str | int) and str(value).strip():
            lines.append(f"{label}：{str(value).strip()}")
    return lines


def _key(key: object) -> str:
    """An API key as the field's list writes it: lower case, without _ - or spaces (publish_time → publishtime)."""
    return re.sub(r"[_\-\s]", "", str(key)).lower()


@lru_cache(maxsize=1)
def api_labels() -> dict[str, str]:
    """API key (lower case, no separators) → the header label it stands for."""
    return {key: label for label, keys in header_data()["api_fields"].items() if not label.startswith("_")
            for key in keys}

