"""A table printed as one card per unit: a heading that names the unit, then `◆ 指标：数值` lines.

Pages written for phones (a WeChat article, a mobile site) cannot show a wide table, so they print each
unit's row as a card:

    01 | 民族路社区
    ◆ 家庭养老床位：8张
    ◆ 困境儿童关爱走访：60人次

The same indicator names recur card after card; that is what makes the lines a table. Rebuilt here into
the HTML path's grid, a unit column (地区) and one column per indicator, so the readers of tables with the
units down the rows take it from there.
"""

from __future__ import annotations

import re
from collections import Counter

from assistant.ingest.columns import is_place
from assistant.ingest.grid import GridCell, Row, Table
from assistant.models import SourceLine

# 01 | 民族路社区 · 一、五一路社区 · 【新华路社区】 · 民族路社区：
HEADING = re.compile(r"^(?:[(（【\[]?(?:\d{1,3}|[一二三四五六七八九十]{1,3})[)）】\]]?\s*[|｜、.．:：\-—·]?\s*)?"
                     r"[【\[]?(?P<name>[^\s：:|｜]{2,14}?)[】\]]?\s*[:：]?$")
ITEM = re.compile(r"^[◆◇●○■□▪▫•·►▶★☆√※\-*]?\s*(?P<key>[^：:。；;]{2,30}?)\s*[：:]\s*(?P<value>\S.*)$")
MIN_CARDS = 2
MIN_ITEMS = 2
UNIT_LABEL = "地区"  # a label the column vocabulary reads as the unit column


def _heading(text: str) -> str | None:
    m = HEADING.match(text.strip())
    return m.group("name") if m and is_place(m.group("name")) else None


def card_table(lines: list[SourceLine], attachment: int) -> tuple[Table, list[SourceLine]] | None:
    """The cards among these lines as a grid, and the lines that are no part of a card (a 街道目标 line
    above them, 任务说明 under them); None when the lines are not cards."""
    cards: list[tuple[SourceLine, str, list[tuple[SourceLine, str, str]]]] = []
    current: list[tuple[SourceLine, str, str]] | None = None  # the open card's items; None once a line breaks it
    for ln in lines:
        if (name := _heading(ln.text)) is not None:
            cards.append((ln, name, []))
            current = cards[-1][2]
        elif (item := ITEM.match(ln.text.strip())) is not None and current is not None:
            current.append((ln, item.group("key").strip(), item.group("value").strip()))
        else:
            current = None
    cards = [c for c in cards if len(c[2]) >= MIN_ITEMS]
    if len(cards) < MIN_CARDS:
        return None
    counts = Counter(key for _, _, items in cards for _, key, _ in items)
    keys = [k for k in dict.fromkeys(key for _, _, items in cards for _, key, _ in items)
            if counts[k] * 2 >= len(cards)]
    if len(keys) < MIN_ITEMS:
        return None
    used = {id(ln) for head, _, items in cards for ln in (head, *(x[0] for x in items))}
    notes = [ln for ln in lines if id(ln) not in used]
    first = cards[0][0]
    table = Table(line=first.no, attachment=attachment)
    table.rows.append(Row(line=first.no, cells=[GridCell(line=first.no, lines=[SourceLine(no=first.no, text=label)])
                                                for label in (UNIT_LABEL, *keys)]))
    for head, name, items in cards:
        row = Row(line=head.no, cells=[GridCell(line=head.no, lines=[SourceLine(no=head.no, text=name)])])
        values = {key: (ln, value) for ln, key, value in items}
        for key in keys:
            ln, value = values.get(key, (head, ""))
            row.cells.append(GridCell(line=ln.no, lines=[SourceLine(no=ln.no, text=value)] if value else []))
        table.rows.append(row)
    table.rows += _attribute_rows(notes, keys)  # under the cards, where a <tfoot> puts them
    return table, notes


# 1．家庭养老床位：10月底前完成建设验收；牵头：社会事务办；配合：社区卫生服务中心。
EXPLAINED = re.compile(r"^(?:\d{1,2}\s*[.．、]\s*)?(?P<key>[^：:]{2,30}?)\s*[：:]\s*(?P<rest>\S.*)$")
DATED = re.compile(r"\d{1,2}\s*月|年底|年内|季度|每月|每周|上半年|下半年")
DEADLINE_LABEL, NOTE_LABEL = "完成时限", "说明"
FIGURE = r"\s*(\d+(?:\.\d+)?\s*[^\d\s，,、；;。（(）)]{0,3})"


def _attribute_rows(notes: list[SourceLine], keys: list[str]) -> list[Row]:
    """Lines under the cards that explain an indicator by name (牵头：…；配合：…；10月底前完成) as rows that
    say something about every indicator column, the way a table's 牵头科室 / 完成时限 rows do."""
    from assistant.ingest.grid import ROLE_PREFIX

    values: dict[str, dict[str, SourceLine]] = {}
    for ln in notes:
        m = EXPLAINED.match(ln.text.strip())
        if m is None:
            continue
        if m.group("key").strip() not in keys:  # 街道目标：家庭养老床位60张，… — a figure per indicator
            found = {k: f.group(1) for k in keys if (f := re.search(re.escape(k) + FIGURE, m.group("rest")))}
            if len(found) >= MIN_ITEMS:
                values[m.group("key").strip()] = {k: SourceLine(no=ln.no, text=v) for k, v in found.items()}
            continue
        for part in re.split(r"[；;]", m.group("rest").strip().rstrip("。")):
            part = part.strip()
            if not part:
                continue
            role = ROLE_PREFIX.match(part)
            label = role.group("label") if role else DEADLINE_LABEL if DATED.search(part) else NOTE_LABEL
            text = part[role.end():].strip() if role else part
            if text:
                values.setdefault(label, {}).setdefault(m.group("key").strip(), SourceLine(no=ln.no, text=text))
    rows = []
    for label, by_key in values.items():
        at = next(iter(by_key.values())).no
        cells = [GridCell(line=at, lines=[SourceLine(no=at, text=label)])]
        cells += [GridCell(line=by_key[k].no, lines=[by_key[k]] if k in by_key else []) for k in keys]
        rows.append(Row(line=at, cells=cells))
    return rows

