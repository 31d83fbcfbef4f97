"""The body's section tree, from whatever numbering the page uses.

Chinese official documents number headings 一、 → （一） → 1. → （1） → ①, but a plan may start at any
of them, skip a level, or use only two. Levels are therefore not fixed per style: the first style seen
is level 1, a style not yet open nests one deeper, and a style already open closes everything below it
(the usual reading of 公文 numbering).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.models import Section, SourceLine

CN_NUMERALS = "一二三四五六七八九十百零〇"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^第\s*([{CN_NUMERALS}]+)\s*(?:部分|篇|章)[、.．:：\s]*(?=\S)")),
    ("cn", re.compile(rf"^([{CN_NUMERALS}]+)\s*[、.．]\s*(?=\S)")),
    ("paren-cn", re.compile(rf"^[(（]\s*([{CN_NUMERALS}]+)\s*[)）]\s*(?=\S)")),
    # 1. / 1、 — and 1.3月底前…, item 1 that starts with a month (a decimal never counts months).
    ("num", re.compile(r"^(\d{1,2})\s*(?:、|[.．](?:(?!\d)|(?=\d{1,2}\s*月)))\s*(?=\S)")),
    ("paren-num", re.compile(r"^[(（]\s*(\d{1,2})\s*[)）]\s*(?=\S)")),
    ("circled", re.compile(rf"^([{CIRCLED}])\s*(?=\S)")),
)
HEADING_END = re.compile(r"[。；;：:！!？?]")
MAX_LABEL = 40


def cn_number(text: str) -> int:
    """一..九十九 as an int (十二 = 12, 二十 = 20, 二十三 = 23), or digit by digit (二〇二六 = 2026; ○ stands
    for 〇 where a charset lacks it)."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "○": 0}
    if "十" not in text:
        return int("".join(str(digits[c]) for c in text)) if all(c in digits for c in text) else 0
    tens, _, ones = text.partition("十")
    return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)


@dataclass(frozen=True)
class Heading:
    """A numbered line: its style, number, the label it starts with, and the label without its number."""

    style: str
    number: int
    label: str
    title: str


def heading_of(text: str) -> Heading | None:
    """The heading a line starts with, if it starts with a numbering of any known style."""
    for style, pattern in STYLES:
        m = pattern.match(text)
        if not m:
            continue
        raw = m.group(1)
        number = CIRCLED.index(raw) + 1 if style == "circled" else int(raw) if raw.isdigit() else cn_number(raw)
        rest = text[m.end() :]
        end = HEADING_END.search(rest)
        if end is None:
            title = rest if len(rest) <= 60 else rest[:MAX_LABEL]
        else:
            title = rest[: end.start()] if end.start() <= MAX_LABEL else rest[:MAX_LABEL]
        title = title.strip() or rest[:MAX_LABEL]
        return Heading(style=style, number=number, label=text[: m.end()].rstrip() + title, title=title)
    return None


def is_heading_only(text: str, heading: Heading) -> bool:
    """A heading that stands alone on its line (一、总体要求) rather than opening a paragraph."""
    return len(text) <= len(heading.label) + 1 and not text.rstrip().endswith("。")


@dataclass
class _Open:
    style: str
    id: str
    path: list[str]


def section_tree(root: str, lines: list[SourceLine]) -> tuple[list[Section], list[SourceLine]]:
    """Sections of the body lines under `root` (the plan title); the lines before the first heading.

    A heading line opens a section that runs to the next heading of any level. Level-1 headings are
    `chapter`s, deeper ones `subsection`s; ids follow the numbers (`sec-2`, `sec-2-1`, `sec-2-1-3`), made
    unique when a page repeats a number.
    """
    sections: list[Section] = []
    stack: list[_Open] = []
    starts = [i for i, ln in enumerate(lines) if heading_of(ln.text)]
    preamble = lines[: starts[0]] if starts else list(lines)
    used: set[str] = set()
    for pos, i in enumerate(starts):
        end = starts[pos + 1] if pos + 1 < len(starts) else len(lines)
        ln = lines[i]
        h = heading_of(ln.text)
        assert h is not None
        depth = next((k for k, o in enumerate(stack) if o.style == h.style), len(stack))
        del stack[depth:]
        parent_id = stack[-1].id if stack else "sec"
        sid = f"{parent_id}-{h.number}"
        while sid in used:
            sid += "b"
        used.add(sid)
        parent_path = stack[-1].path if stack else [root] if root else []
        label = ln.text if depth == 0 and is_heading_only(ln.text, h) else h.label
        path = [*parent_path, label]
        body = lines[i:end]
        kind = "chapter" if depth == 0 else "subsection"
        sections.append(
            Section(
                id=sid, path=path, kind=kind, heading=h.title, text="\n".join(x.text for x in body),
                lines=(body[0].no, body[-1].no),
            )
        )
        stack.append(_Open(style=h.style, id=sid, path=path))
    return sections, preamble


# 新增床位1100张（其中：袁州区200张、樟树市120张、…）: a target broken down by unit inside the body text.
BREAKDOWN = re.compile(r"[（(]\s*其中\s*[:：]([^（()）]{4,600})[）)]")


def breakdown_items(text: str) -> list[str]:
    """The items of every 其中：… list in a text (袁州区200张, 樟树市120张 …), in order."""
    return [part.strip() for m in BREAKDOWN.finditer(text) for part in re.split(r"[、，,；;]", m.group(1))
            if part.strip()]
