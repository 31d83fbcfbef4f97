"""Tables a scrape laid out in columns of spaces: each row a line, long cells wrapped onto indented lines.

A text-mode browser or a `pre` block prints a table as fixed-width columns: the header's labels start
where their columns start (counted in display columns, a Chinese character being two wide), a row starts
with its 序号, and a cell too long for its column goes on under it on the next lines, whose first column
is empty. Rebuilt here into one list of cells per row, the form `tables.pipe_rows` gives, so the grid
readers take it from there.
"""

from __future__ import annotations

import re
import unicodedata

from assistant.ingest.tables import NOTE_LINE
from assistant.models import SourceLine

MIN_COLUMNS = 4
MAX_LABEL = 14
ROW_NUMBER = re.compile(r"^\d{1,3}[.、．]?$")
TOLERANCE = 1
MAX_HEADER_LINES = 3  # a label wrapped over at most three printed lines


def width(text: str) -> int:
    """Display width: East Asian wide and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def segments(raw: str) -> list[tuple[int, str]]:
    """(display column, text) of each run of a line that two or more spaces set apart."""
    out: list[tuple[int, str]] = []
    for m in re.finditer(r"(?:(?<=^)|(?<=\s\s)|(?<=\u3000))\S(?:\S|\s(?=\S))*", raw):
        out.append((width(raw[: m.start()]), m.group(0)))
    return out


def _join(a: str, b: str) -> str:
    """A wrapped cell's pieces: Chinese runs on without a space, Latin words with one."""
    return f"{a} {b}" if a and a[-1].isascii() and a[-1].isalnum() and b[:1].isascii() and b[:1].isalnum() else a + b


def _label_line(line: SourceLine, starts: list[int]) -> list[tuple[int, str]] | None:
    """A header's second line (`号` under `序`, `街道` under `淳溪`): short pieces, each where a column starts;
    None for the first row or anything else."""
    pieces = segments(line.raw)
    if not pieces or ROW_NUMBER.match(pieces[0][1]) or any(len(text) > MAX_LABEL for _, text in pieces):
        return None
    out = []
    for col, text in pieces:
        column = next((i for i, s in enumerate(starts) if abs(s - col) <= TOLERANCE), None)
        if column is None:
            return None
        out.append((column, text))
    return out


def fixed_width_rows(lines: list[SourceLine]) -> tuple[list[list[SourceLine]], list[SourceLine]] | None:
    """The header and body rows of a space-aligned table, one SourceLine per cell, and the lines that are
    no rows (a 注 under it); None when the lines are not such a table."""
    if not lines or any(not ln.raw for ln in lines):
        return None
    head_at = next((k for k, ln in enumerate(lines[:3]) if len(segments(ln.raw)) >= MIN_COLUMNS), None)
    if head_at is None:
        return None
    header = segments(lines[head_at].raw)
    if any(len(text) > MAX_LABEL for _, text in header):
        return None
    starts = [col for col, _ in header]
    labels = [text for _, text in header]
    body_at = head_at + 1
    while body_at < len(lines) and body_at - head_at < MAX_HEADER_LINES:
        more = _label_line(lines[body_at], starts)
        if more is None:
            break
        for i, text in more:
            labels[i] = _join(labels[i], text)
        body_at += 1
    header_texts = {ln.text for ln in lines[head_at:body_at]}
    rows: list[list[str]] = []
    row_lines: list[int] = []
    notes: list[SourceLine] = []
    for ln in lines[body_at:]:
        if ln.text in header_texts and not notes:
            continue  # the header printed again at the top of the next page
        if notes or NOTE_LINE.match(ln.text):
            notes.append(ln)
            continue
        cells = [(max((i for i, s in enumerate(starts) if s <= col + TOLERANCE), default=0), text)
                 for col, text in segments(ln.raw)]
        if cells and cells[0][0] == 0 and ROW_NUMBER.match(cells[0][1]):
            rows.append([""] * len(starts))
            row_lines.append(ln.no)
        elif not rows or (cells and cells[0][0] == 0):
            notes.append(ln)  # text above the first row, or a line that is no continuation of a row
            continue
        for i, text in cells:
            rows[-1][i] = _join(rows[-1][i], text)
    if len(rows) < 2 or sum(1 for r in rows for c in r if c) * 2 < len(rows) * len(starts):
        return None
    out = [[SourceLine(no=lines[head_at].no, text=text) for text in labels]]
    out += [[SourceLine(no=no, text=c) for c in r] for no, r in zip(row_lines, rows, strict=True)]
    return out, notes
