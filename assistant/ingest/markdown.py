"""Pages saved by a reader-mode or html-to-markdown tool: the Markdown marks taken off, line for line.

Such a scrape writes headings as `## 一、…`, labels as `**发布时间：**`, links as `[首页](http://…)`,
tables as `| a | b |` rows under a `|---|---|` rule, and escapes list markers (`1\\.`). With the marks
removed the page is a flattened text page like any other (`|` rows are read by `tables.pipe_rows`).
Every input line stays one output line, so line numbers still point into the page as saved.
"""

from __future__ import annotations

import re

from assistant.text import split_lines

HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
RULE_ROW = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
THEMATIC_BREAK = re.compile(r"^\s*(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
IMAGE = re.compile(r"!\[[^\]]*\]\((?:\\.|[^()\\]|\([^)]*\))*\)")
LINK = re.compile(r"\[([^\]]*)\]\((?:\\.|[^()\\]|\([^)]*\))*\)")
STRONG = re.compile(r"(\*\*|__)(.+?)\1")
EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
BULLET = re.compile(r"^\s*[*+-]\s+")
ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
MIN_MARKS = 3


def is_markdown(raw: str) -> bool:
    """A page in Markdown: a table rule row, or several headings, bold labels or links."""
    lines = split_lines(raw)
    if any(RULE_ROW.match(x) and "|" in x for x in lines):
        return True
    marks = sum(1 for x in lines if HEADING.match(x) or STRONG.search(x) or LINK.search(x))
    return marks >= MIN_MARKS


def plain_line(line: str) -> str:
    """One Markdown line as the text a browser shows (a table rule or a thematic break is empty)."""
    if RULE_ROW.match(line) and ("|" in line or "-" in line) or THEMATIC_BREAK.match(line):
        return ""
    text = IMAGE.sub("", line)
    text = LINK.sub(lambda m: m.group(1), text)
    text = HEADING.sub("", text)
    text = BULLET.sub("", text)
    text = STRONG.sub(lambda m: m.group(2), text)
    text = EMPHASIS.sub(lambda m: m.group(1), text)
    text = BREAK_TAG.sub("、", text)
    return ESCAPED.sub(lambda m: m.group(1), text)


def from_markdown(raw: str) -> str:
    """The page's text without Markdown marks, one line per input line."""
    return "\n".join(plain_line(x) for x in split_lines(raw))
