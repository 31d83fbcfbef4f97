"""Milestone rows a plan writes as body items instead of a table.

Some plans schedule each unit's project in the text: 「1.宣州区：智慧养老服务平台建设。年度目标：平台接入
服务对象5000人。一季度完成平台建设招标；二季度接入服务对象1500人；三季度…」. Such an item is a milestone
row in all but layout: a unit (the item's heading is a place), a project, a target and one step per
period. Read here into the same `Reform` records a milestone table gives (table 0 = the body), so
「宣州区三季度的进度」 is answered from the step, not from a paragraph search.
"""

from __future__ import annotations

import re

from assistant.ingest.columns import is_place, period_of
from assistant.models import Period, Reform, Section

BODY_TABLE = 0
"""The `table` of a record read from the body; labels say 正文 for it."""

# A period that opens a step: at the start of a clause, 一季度 / 第二季度 / 上半年 / 下半年 / Q3.
STEP_START = re.compile(r"(?:^|(?<=[。；;，,：:]))\s*(?:到|至|截至)?\s*"
                        r"(?P<label>第?[一二三四1-4]季度(?:末|底)?|[上下]半年|Q[1-4])")
TARGET = re.compile(r"(?:年度目标|全年目标|目标任务|目标)[:：]\s*(?P<text>[^。；;]+)")
MIN_STEPS = 2


def _steps(text: str) -> dict[str, tuple[str, str]]:
    """period code → (label, step text) of each period-led clause, in the order written."""
    starts = list(STEP_START.finditer(text))
    out: dict[str, tuple[str, str]] = {}
    for k, m in enumerate(starts):
        period = period_of(m.group("label"))
        if period is None or period.code in out:
            continue
        end = starts[k + 1].start() if k + 1 < len(starts) else len(text)
        out[period.code] = (m.group("label"), text[m.end("label"):end].strip(" ；;。，,"))
    return out


def body_reforms(sections: list[Section], units: list[str]) -> tuple[list[Reform], list[Period]]:
    """The milestone records of body items headed by a unit, with the periods their steps name; nothing
    for a plan whose body has no such item."""
    reforms: list[Reform] = []
    periods: dict[str, Period] = {}
    for s in sections:
        unit = s.heading.strip()
        if not (unit in units or is_place(unit)):
            continue
        rest = s.text.split("：", 1)[1] if "：" in s.text[: len(unit) + 6] else s.text
        steps = _steps(rest)
        if len(steps) < MIN_STEPS:
            continue
        first_step = STEP_START.search(rest)
        head = rest[: first_step.start()] if first_step else rest
        item = re.split(r"[。；;]", head, maxsplit=1)[0].strip()
        target = TARGET.search(head)
        no = len(reforms) + 1
        reforms.append(Reform(
            id=f"reform0-{no}", no=no, district=unit, item=item,
            targets=[target.group("text").strip()] if target else [],
            milestones={code: [step] for code, (_, step) in steps.items()},
            lines=s.lines, cell_lines={"item": s.lines, **{code: s.lines for code in steps}},
            table=BODY_TABLE,
        ))
        for code, (label, _) in steps.items():
            p = period_of(label)
            if p is not None and code not in periods:
                periods[code] = p
    order = sorted(periods.values(), key=lambda p: (p.months[0], p.months[1]))
    return reforms, order
