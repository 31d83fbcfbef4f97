"""Who a sentence names as doing the work: 「由市殡葬协会和市消费者协会牵头」 leads, 「联合市场监管部门」
「会同市公安局」 work jointly. Cells, milestones and body sentences say this in words as often as the
责任单位 column does; the field's phrasing is here, the bodies come from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import to_simplified

BODY_END = (r"(?:部门|局|委员会|委|协会|总会|联合会|中心|单位|机构|办公室|办|院|所|站|队|公司|科|处"
            r"|妇联|残联|工商联|文联)")
# 妇联, 残联 stand alone as well as after a place (区妇联); other bodies have a name before their ending.
_BODY = rf"(?:[\u4e00-\u9fff]{{0,12}}?(?:妇联|残联|工商联|文联)|[\u4e00-\u9fff]{{1,14}}?{BODY_END})"
_BODIES = rf"{_BODY}(?:[、和及与]{_BODY})*"
# People who do the work, named by what they are (基层网格员, 社会工作者, 志愿者): 「由基层网格员开展走访」.
_PEOPLE = r"[\u4e00-\u9fff]{1,10}?(?:员|者|社工|人员|队伍|团队)"
LEAD = re.compile(rf"由({_BODIES})(?:共同)?牵头")
JOINT = re.compile(rf"(?:联合|会同|协同|联同|对接)({_BODIES}|[\u4e00-\u9fff、]{{1,20}}?等?部门)"
                   rf"|(?:与|和|同)({_BODIES})(?:等(?:部门|单位))?(?:联动|合作|协作|共同|联合)")
DOER = re.compile(rf"由({_BODIES}|{_PEOPLE})(?:负责|开展|承担|实施|组织|进行|落实)")
SPLIT = re.compile(r"[、和及与]")


@dataclass(frozen=True)
class Role:
    """A body and how the text involves it: lead (牵头) or jointly (联合, 会同)."""

    body: str  # as the text writes it (the page's script)
    role: str  # lead (由…牵头) | jointly (联合…, 与…联动) | doer (由…开展, 由…负责)


def text_roles(text: str) -> list[Role]:
    """The bodies a sentence names as leading or joining the work, in the sentence's own script."""
    simple = to_simplified(text)
    if len(simple) != len(text):
        simple = "".join(to_simplified(ch) for ch in text)
    out: list[Role] = []
    for pattern, role in ((LEAD, "lead"), (JOINT, "jointly"), (DOER, "doer")):
        for m in pattern.finditer(simple):
            group = next(k for k in range(1, (pattern.groups or 1) + 1) if m.group(k))
            start, end = m.span(group)
            phrase = text[start:end]
            if role == "jointly" and "、" in phrase and phrase.endswith(("部门", "部門")):  # 发改、卫健部门
                out.append(Role(phrase, role))
                continue
            pieces = SPLIT.split(to_simplified(phrase))
            offset = start
            for piece in pieces:
                if piece:
                    out.append(Role(text[offset: offset + len(piece)], role))
                offset += len(piece) + 1
    return list(dict.fromkeys(out))
