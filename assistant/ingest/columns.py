"""What a table's columns mean, from the table's own header labels.

Roles (序号, 主要内容, 责任单位, 完成时限 …) come from `assistant/data/column_roles.json`, written once for
the field. Milestone columns are recognised by their labels (一季度 / 第一季度 / Q1 / 1—3月 / 上半年 / N月).
Unit columns are named by the header: every label under a 任务分解 parent, or a label that names a
place (…市, …区, …镇, …街道). Nothing here knows any particular plan's units.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from assistant.models import QUARTERS, Period
from assistant.text import to_simplified

_FOLD = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "　": None, " ": None, "\n": None})
CN_MONTH = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
            "十一": 11, "十二": 12}
_NUM = r"(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
QUARTER_LABEL = re.compile(r"^(?:第)?([一二三四1-4])季度(?:末|底)?$|^q([1-4])$|^([1-4])q$")
HALF_LABEL = re.compile(r"^(上|下)半年(?:度)?$|^(first|second)half$|^h([12])$")
MONTH_RANGE = re.compile(rf"^{_NUM}月?(?:份)?[-—–~～至到]{_NUM}月(?:份)?(?:底|末)?$")
MONTH_LABEL = re.compile(rf"^{_NUM}月(?:份|底|底前|末|前)?$")
# A phase column that states its months: 第一阶段（1—4月）, 阶段二(5-8月), 第3期（9—12月）.
PHASE_LABEL = re.compile(r"^(?:第?[一二三四五六1-6](?:阶段|期)|阶段[一二三四五六1-6])\((.+)\)$")


def fold_label(label: str) -> str:
    """A header label compared across scripts, widths, spaces and bracket styles."""
    return to_simplified(label).translate(_FOLD).lower()


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, object]:
    raw = json.loads((resources.files("assistant") / "data" / "column_roles.json").read_text(encoding="utf-8"))
    roles = {fold_label(name): role for role, names in raw["roles"].items() for name in names}
    return {
        "roles": roles,
        "breakdown": {fold_label(x) for x in raw["breakdown_parents"]},
        "schedule": {fold_label(x) for x in raw["schedule_parents"]},
        "places": tuple(raw["place_suffixes"]),
    }


def role_of(label: str) -> str | None:
    """The role a column label names (seq, content, responsible …), or None for an unknown label."""
    roles: dict[str, str] = _vocabulary()["roles"]  # type: ignore[assignment]
    folded = fold_label(label)
    # 责任科室（单位）: a known label with a note in brackets after it is that label.
    return roles.get(folded) or roles.get(re.sub(r"[(（][^)）]{1,8}[)）]$", "", folded))


BREAKDOWN_LABEL = re.compile(r"(任务|任務|指标|指標|目标|目標)?(分解|分配)$")


def parent_kind(label: str) -> str | None:
    """'breakdown' for 任务分解-like parents over unit columns, 'schedule' for 序时进度-like ones."""
    folded = fold_label(label)
    if folded in _vocabulary()["breakdown"] or BREAKDOWN_LABEL.search(folded):  # type: ignore[operator]
        return "breakdown"
    if folded in _vocabulary()["schedule"]:  # type: ignore[operator]
        return "schedule"
    return None


def _month(token: str) -> int:
    return int(token) if token.isdigit() else CN_MONTH[token]


CHECKPOINT_LABEL = re.compile(r"^(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月(\d{1,2})日前?$")
FIRST_QUARTERS_LABEL = re.compile(r"^前([一二两三2-3])个?季度(?:累计)?$")
WHOLE_YEAR_LABEL = re.compile(r"^(?:全年|全年累计|年底前?|年末)$")


def period_of(label: str) -> Period | None:
    """The period a milestone column label names: a quarter, a half, a month range or a month."""
    folded = fold_label(label)
    if (phase := PHASE_LABEL.match(folded)) and (inner := period_of(phase.group(1))) is not None:
        return Period(code=inner.code, label=label, months=inner.months)
    if m := QUARTER_LABEL.match(folded):
        raw = next(g for g in m.groups() if g)
        n = "一二三四".index(raw) + 1 if raw in "一二三四" else int(raw)
        return Period(code=QUARTERS[n - 1], label=label, months=(3 * n - 2, 3 * n))
    if m := FIRST_QUARTERS_LABEL.match(folded):  # 前三季度: a cumulative window to the end of that quarter
        n = {"一": 1, "二": 2, "两": 2, "三": 3, "2": 2, "3": 3}[m.group(1)]
        return Period(code=f"M1_{3 * n}", label=label, months=(1, 3 * n))
    if WHOLE_YEAR_LABEL.match(folded):  # 全年 as a column beside 上半年 / 前三季度: the window to year-end
        return Period(code="M1_12", label=label, months=(1, 12))
    if m := HALF_LABEL.match(folded):
        first = m.group(1) == "上" or m.group(2) == "first" or m.group(3) == "1"
        return Period(code="H1" if first else "H2", label=label, months=(1, 6) if first else (7, 12))
    if m := MONTH_RANGE.match(folded):
        a, b = _month(m.group(1)), _month(m.group(2))
        if a <= b:
            if a % 3 == 1 and b == a + 2:
                return Period(code=QUARTERS[b // 3 - 1], label=label, months=(a, b))
            return Period(code=f"M{a}_{b}", label=label, months=(a, b))
    if m := CHECKPOINT_LABEL.match(folded):  # 3月31日前: a checkpoint on a day, read as its month (as 3月底前)
        month = _month(m.group(1))
        return Period(code=f"M{month}", label=label, months=(month, month))
    if m := MONTH_LABEL.match(folded):
        month = _month(m.group(1))
        return Period(code=f"M{month}", label=label, months=(month, month))
    return None


def is_place(label: str) -> bool:
    """A label that names a place: a unit column of a breakdown (昆山市, 玉山镇, 西湖街道, 市本级)."""
    folded = fold_label(label)
    places: tuple[str, ...] = _vocabulary()["places"]  # type: ignore[assignment]
    return 2 <= len(folded) <= 14 and folded.endswith(places) and not re.search(r"[，,。；;：:]", folded)


# The kinds of place a unit column lists: 街道（镇）, 县（市、区）, 乡镇（街道）, 镇街 — a label made only of these.
PLACE_KINDS = re.compile(
    r"^各?(?:所属|辖)?(?:县|市|区|镇|乡|街道|乡镇|镇街|街镇|园区|板块|辖市|辖区|地区|片区|社区|村|[()、,，/])+$")


def is_place_kind(label: str) -> bool:
    """A label that names the kind of unit its column lists (街道（镇）), not one unit (三星镇)."""
    folded = fold_label(label)
    return len(folded) >= 2 and PLACE_KINDS.match(folded) is not None and folded != "市区"


@dataclass
class Layout:
    """The meaning of each column of one table, and what kind of table that makes it."""

    labels: list[str]
    roles: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    parents: list[str | None] = field(default_factory=list)  # each column's group label in a two-row header

    @property
    def kind(self) -> str:
        """'milestone' (per-period columns), 'task' (content with units or bodies), or 'generic'."""
        has = set(self.roles)
        if len(self.periods) >= 2 and ("unit" in has or "item" in has or "content" in has):
            return "milestone"
        if ("content" in has or "group" in has) and ("units" in has or "responsible" in has or "total" in has):
            return "task"
        return "generic"

    def index(self, role: str) -> int | None:
        """The first column with this role."""
        return self.roles.index(role) if role in self.roles else None

    def columns(self, role: str) -> list[int]:
        """Every column with this role, in order."""
        return [i for i, r in enumerate(self.roles) if r == role]


def classify(labels: list[str], parents: list[str | None] | None = None) -> Layout:
    """Roles of leaf header labels; `parents` gives each column's parent label in a two-row header.

    Unit columns get the role `units` and their labels become the table's units; period columns get
    `period`; unknown labels keep the role `extra`.
    """
    parents = parents or [None] * len(labels)
    layout = Layout(labels=list(labels), parents=list(parents))
    for label, parent in zip(labels, parents, strict=True):
        pk = parent_kind(parent) if parent else None
        role = role_of(label) or ("unit" if is_place_kind(label) else None)
        role = role or ("item" if ITEM_HINT.search(fold_label(label)) else None)
        period = period_of(label)
        if period is not None and role is None:
            layout.roles.append("period")
            layout.periods.append(period)
        elif pk == "breakdown" and role not in ("responsible", "deadline", "note", "total"):
            layout.roles.append("units")
            layout.units.append(label)
        elif role is not None:
            layout.roles.append(role)
        elif is_place(label):
            layout.roles.append("units")
            layout.units.append(label)
        else:
            layout.roles.append("extra")
    _pair_group_and_content(layout)
    return layout


TEXT_LIKE = re.compile(r"(目标|目標|要求|内容|內容|任务|任務|举措|舉措|措施)")


def _pair_group_and_content(layout: Layout) -> None:
    """工作任务 | 目标要求: two text columns and no group column make the first the group, the second the content.

    A task table names its topic and then the sentence with the figures; which label each uses varies
    (工作任务 | 目标要求, 重点工作 | 目标任务), so the pair is read by position: the second text column,
    when it is a target or an unknown label that reads like one, holds the row's content.
    """
    roles = layout.roles
    if "units" in roles and "content" not in roles and "group" not in roles and "period" not in roles:
        # 项目 | 目标任务 over unit columns: the project names the row, its target is the content.
        if "target" in roles:
            roles[roles.index("target")] = "content"
        if "item" in roles:
            roles[roles.index("item")] = "group" if "content" in roles else "content"
        return
    if "group" not in roles and roles.count("content") >= 2:
        roles[roles.index("content")] = "group"  # 工作任务 | 主要内容: the topic, then the sentence
        return
    if "group" in roles or "content" not in roles or "units" not in roles and "responsible" not in roles:
        if "group" in roles and "content" not in roles and "target" in roles and "period" not in roles:
            roles[roles.index("target")] = "content"
        return
    at = roles.index("content")
    after = at + 1
    if after < len(roles) and roles[after] in ("target", "extra") and TEXT_LIKE.search(layout.labels[after]):
        roles[at], roles[after] = "group", "content"


# 改革创新事项, 民生实事项目: a label the vocabulary lacks that names what a milestone row is about.
ITEM_HINT = re.compile(r"(?:事项|项目)(?:名称)?$")
ROLE_HINTS = (
    ("cooperating", re.compile(r"(配合|协同|协办|协作|参与)")),
    ("responsible", re.compile(r"(责任|牵头|负责|主责|主办|指导)")),
    ("deadline", re.compile(r"(时限|时间|期限|节点|截止)")),
    ("item", ITEM_HINT),
)


# 全市目标, 街道目标, 全县总目标: the figure for the whole area, a total by another name.
AREA_TARGET = re.compile(r"^(?:全|本)?[\u4e00-\u9fff]{1,3}(?:总?目标|目标任务|任务总数)$")


def is_area_target(label: str) -> bool:
    """A label for the whole area's figure (街道目标 | 60张 under units' figures)."""
    return role_of(label) is None and AREA_TARGET.match(fold_label(label)) is not None


def label_role(label: str) -> str | None:
    """The role of a column label, also for labels the vocabulary lacks (市级责任处室 → responsible)."""
    role = role_of(label)
    if role is not None:
        return role
    folded = fold_label(label)
    return next((name for name, pattern in ROLE_HINTS if pattern.search(folded)), None)
