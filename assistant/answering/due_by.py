"""Due-by windows: 「六月底前要完成什么」「三月份有哪些节点」「哪些已经过期」"what is due by the end of June for
its unit?" — every dated obligation in the window (`obligations.py`), grouped by unit, each cited.

Only a question whose words name a window and nothing else is one: 「家庭养老床位什么时候完成」 names a
topic and stays with the deadline route.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from assistant.answering.finish import finish
from assistant.answering.view import PlanView, tokens_of
from assistant.evidence import Evidence
from assistant.models import Answer
from assistant.obligations import Obligation, month_end, plan_year, select
from assistant.topic import support
from assistant.understand import Understanding, has_any

WINDOW_CUES = ("要完成什么", "要完成哪些", "完成哪些", "完成什么", "有哪些事", "哪些事", "什么事", "哪些工作", "哪些任务",
               "什么任务", "哪些节点", "什么节点", "时间节点", "到期", "过期", "逾期", "超期", "要做什么", "要干什么",
               "哪几项", "有哪些", "有啥", "弄完啥", "做完啥", "干完啥", "做完哪些", "弄完哪些", "干完哪些", "办完哪些", "要交差", "交差", "都有啥", "是啥", "哪几件",
               "which tasks", "what tasks", "which items", "what items", "deadline at", "deadline of",
               "have a deadline", "has a deadline", "what has to be", "what must", "what needs", "what should",
               "what is to be", "what's to be",
               "what is due", "what's due", "what are due", "what comes due", "due by", "due in", "due this",
               "overdue", "past due", "what must be done", "what needs to be done", "what has to be done",
               "what must be finished", "what should be done", "what should be finished", "deadlines in",
               "deadlines by", "what deadlines")
OVERDUE_CUES = ("过期", "逾期", "超期", "已经过了", "overdue", "past due", "missed")
THIS_MONTH_CUES = ("本月", "这个月", "当月", "this month")
# A figure asked (多少, 几个) is no listing; 哪几项 is.
AMOUNT_ASKED = re.compile(r"多少|(?<!哪)几(?!项|件)|\bhow (?:many|much)\b|\bnumber of\b")
# The words of a window question that are no topic: what remains must be empty for it to be one.
WINDOW_WORDS = frozenset({
    "完成", "任务", "工作", "事情", "事项", "节点", "时间节点", "月底", "年底", "年中", "月份", "底前", "季度", "上半年",
    "下半年", "过期", "逾期", "到期", "超期", "需要", "要做", "做", "哪些", "什么", "已经", "本月", "这个月", "当月",
    "截至", "截止", "之前", "以前", "期限", "截止时间", "时间", "哪几项", "几项", "交差", "弄完", "做完", "干完", "民政",
    "这边", "都有", "有啥", "要交", "事項", "due", "done", "finished", "completed", "overdue", "deadline",
    "deadlines", "items", "tasks", "things", "work", "month", "quarter", "end", "year", "half", "past", "missed",
    "task", "item", "thing",
})
MAX_LISTED = 60
TOPIC_SUPPORT = 0.5
MONTH_WORD = re.compile(r"^[一二三四五六七八九十\d]{0,2}月(?:份|底|末)?$")


@dataclass(frozen=True)
class Window:
    start: date | None
    end: date | None
    overdue: bool = False
    # A by-when window (「六月底前要做完哪些」) runs from the start of the year; `focus` is the first day of the
    # period it names, whose items are listed first, the earlier ones after them.
    focus: date | None = None


# 「六月底前」「5月底之前」「到三季度末」「by the end of June」: everything due by then, not only that month's.
BY_CUES = re.compile(r"底前|底之前|末前|末之前|之前|以前|(?:^|[^\d])到[^,，。?？]{0,6}(?:底|末)|结束前|\bby (?:the )?end\b"
                     r"|\bby (?:the )?(?:close|end) of\b|\bbefore the end\b")


def window_topic(u: Understanding, view: PlanView) -> set[str]:
    """What a window question names besides the window and its units (殡葬, 数字地名): a filter."""
    return {t for t in tokens_of(u) - WINDOW_WORDS
            if not MONTH_WORD.match(t) and not any(t in name for name in view.unit_names)}


def window_of(u: Understanding, view: PlanView, as_of: date) -> Window | None:
    """The date window a due-by question names, or None when it is no such question."""
    text = u.normalized
    if (not has_any(text, WINDOW_CUES) or AMOUNT_ASKED.search(text)
            or u.intent in ("metadata", "responsible", "refuse", "aggregate")):
        return None
    year = plan_year(view.plan)
    if year is None:
        return None
    if has_any(text, OVERDUE_CUES):
        return Window(None, as_of - timedelta(days=1), overdue=True)
    if has_any(text, THIS_MONTH_CUES):
        return Window(as_of.replace(day=1), month_end(as_of.year, as_of.month))
    # 「六月底前要完成什么」 asks what falls due at the end of June (what is due in June, and the milestones of
    # the period ending then), not everything due since January; 上半年 names its six months itself.
    by = BY_CUES.search(text) is not None
    if u.months:
        first = date(year, min(u.months), 1)
        return Window(date(year, 1, 1) if by else first, month_end(year, max(u.months)), focus=first)
    spans = [_months_of(code, view) for code in u.quarters]
    months = [m for m in spans if m is not None]
    if months:  # a quarter, or a period code of the plan's own (上半年, 第二阶段（5—8月）)
        first = date(year, min(a for a, _ in months), 1)
        return Window(date(year, 1, 1) if by else first, month_end(year, max(b for _, b in months)), focus=first)
    return None


def _months_of(code: str, view: PlanView) -> tuple[int, int] | None:
    """The first and last month of a period code: the plan's own period, else a calendar quarter."""
    period = next((p for p in view.plan.periods if p.code == code), None)
    if period is not None:
        return period.months
    if re.fullmatch(r"Q[1-4]", code):
        return 3 * int(code[1]) - 2, 3 * int(code[1])
    return None


def answer_due_by(u: Understanding, view: PlanView, ev: Evidence, as_of: date | None = None) -> Answer | None:
    """Every obligation in the window, of the unit asked (and of the whole plan), grouped by unit."""
    today = as_of or date.today()
    window = window_of(u, view, today)
    if window is None:
        return None
    unit = u.districts[0] if len(u.districts) == 1 else None
    found = select(view.obligations, unit, window.start, window.end)
    topic = window_topic(u, view)
    if topic:  # 「殡葬方面九月底前要完成什么」: the window's obligations on that topic, by their record's words
        found = [o for o in found if support(topic, f"{o.text} {view.chunks[o.record].text}") >= TOPIC_SUPPORT]
        if unit is not None and any(o.unit == unit for o in found):
            found = [o for o in found if o.unit == unit]  # a unit with a topic: that unit's own row, not the city's
    v = ev.voice
    if not found:
        return None  # nothing dated in the window: the other routes (or the abstention) say what there is
    if unit is not None and not any(o.unit == unit for o in found) and has_any(u.normalized, view.reform_nouns):
        return None  # 「石洞街道的改革项目上半年进度」: the unit's own items asked, and it has none in the window
    focus = window.focus if window.focus and window.start and window.focus > window.start else None
    current = [o for o in found if focus is None or o.due >= focus]
    earlier = [o for o in found if focus is not None and o.due < focus]
    lines = [v.say(f"按截止时间排列，共 {len(current)} 项：", f"In due order, {len(current)} items:")] if current else []
    room = MAX_LISTED
    lines += _grouped(ev, current[:room])
    room -= min(room, len(current))
    if earlier:
        lines.append(v.say(f"此前已到期、也应在此之前完成的，共 {len(earlier)} 项：",
                           f"Due earlier, and so also to be done by then: {len(earlier)} items:"))
        lines += _grouped(ev, earlier[:room])
    listed = min(len(current), MAX_LISTED) + min(len(earlier), room)
    if len(found) > listed:
        rest = len(found) - listed
        lines.append(v.say(f"另有 {rest} 项，完整清单见 /api/deadlines。", f"{rest} more items: see /api/deadlines."))
    return finish(view, ev, "\n".join(lines), True, "lookup")


def _grouped(ev: Evidence, found: list[Obligation]) -> list[str]:
    """Obligations grouped by unit (the plan-wide ones first), each with its date words and citation."""
    v = ev.voice
    groups: dict[str | None, list[Obligation]] = {}
    for o in found:
        groups.setdefault(o.unit, []).append(o)
    lines = []
    for who in sorted(groups, key=lambda x: (x is not None, x or "")):
        lines.append(v.say("全局（不分单位）：", "Plan-wide:") if who is None else f"{v.district(who)}：")
        for o in groups[who]:
            lines.append(f"  · {_when(ev, o)} {v.quote(o.text)} {ev.cite(o.record, o.text, o.label)}")
    return lines


def _when(ev: Evidence, o: Obligation) -> str:
    """The date words as the page writes them, cited where they are not inside the quoted text."""
    v = ev.voice
    if o.when in o.text or o.kind == "milestone":  # a milestone's label names its period already
        return v.quote(o.when)
    if o.when in ev.chunks[o.record].text:
        return f"{v.quote(o.when)} {ev.cite(o.record, o.when, o.label)}"
    return v.quote(o.when)
