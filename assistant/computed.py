"""Answers computed over one row's unit values: the units past a threshold, the unit at a rank, the units
with no value, and one unit's share of the total — each shown with the values it comes from and the
comparison or arithmetic written out, so the number check (`verify`) can follow every figure."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from assistant.chunks import task_row
from assistant.compose import decimal_text, fmt_q, task_label
from assistant.criteria import ENGLISH_ORDINALS, Criterion, holds
from assistant.evidence import Evidence
from assistant.lookup import Quantity, Ranked, district_value, parse_quantity, rank
from assistant.models import Task

SYMBOLS = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}
NEGATION = {">": "<=", ">=": "<", "<": ">=", "<=": ">"}
ZH_COMPARISON = {">": "超过", ">=": "不少于", "<": "少于", "<=": "不超过"}
EN_COMPARISON = {">": "more than", ">=": "at least", "<": "fewer than", "<=": "at most"}
ZH_DIGITS = "零一二三四五六七八九"
EN_ORDINALS = {n: word for word, n in ENGLISH_ORDINALS.items()}


def zh_ordinal(n: int) -> str:
    """第二, 第十一: a rank in words, so the answer states no number the page does not give."""
    if n < 10:
        return "第" + ZH_DIGITS[n]
    tens, ones = divmod(n, 10)
    return "第" + ("" if tens == 1 else ZH_DIGITS[tens]) + "十" + (ZH_DIGITS[ones] if ones else "")


def computed(ev: Evidence, t: Task, c: Criterion, districts: list[str],
             units: list[str] | None = None) -> tuple[str, bool]:
    """The answer to `c` over the row `t` ("" when the row has too few values to compute it); `units` are
    the plan's units, so a row that lists values for some of them leaves the others without one."""
    ranked = rank(t)
    if c.op == "na":
        return _not_applicable(ev, t, ranked, units or [])
    if c.op == "share" and districts:
        return _share(ev, t, ranked, districts[0])
    if len(ranked.order) < 2:
        return "", False
    if c.op == "filter" and c.value is not None:
        return _filter(ev, t, ranked, c.comparison, c.value)
    if c.op == "nth":
        return _nth(ev, t, ranked, c.position, c.lowest)
    return "", False


def _sep(ev: Evidence) -> str:
    return ev.voice.say("、", ", ")


def _paren(ev: Evidence, text: str) -> str:
    return ev.voice.say(f"（{text}）", f" ({text})")


def _listing(ev: Evidence, ranked: Ranked) -> str:
    v = ev.voice
    values = _sep(ev).join(f"{v.district(d)} {fmt_q(v, q)}" for d, q in ranked.order)
    skipped = _sep(ev).join(f"{v.district(d)} “{v.quote(c)}”" for d, c in ranked.skipped)
    return v.say(f"各单位数值：{values}" + (f"；{skipped}" if skipped else "") + "。",
                 f"All values: {values}" + (f"; {skipped}" if skipped else "") + ".")


def _filter(ev: Evidence, t: Task, ranked: Ranked, comparison: str, threshold: Decimal) -> tuple[str, bool]:
    v = ev.voice
    name = v.quote(t.content.rstrip("。"))
    marker = ev.cite(t.id, task_row(t), task_label(t))
    limit = v.say(v.quote(f"{decimal_text(threshold)}{ranked.unit}"), decimal_text(threshold))
    passed = [(d, q) for d, q in ranked.order if holds(q.value, comparison, threshold)]

    def shown(d: str, q: Quantity, op: str) -> str:
        test = f"{decimal_text(q.value)} {SYMBOLS[op]} {decimal_text(threshold)}"
        return f"{v.district(d)} {fmt_q(v, q)}" + _paren(ev, test)

    if passed:
        who = _sep(ev).join(shown(d, q, comparison) for d, q in passed)
        head = v.say(f"「{name}」{ZH_COMPARISON[comparison]}{limit}的有 {len(passed)} 个单位：{who} {marker}。",
                     f"For “{name}”, {len(passed)} units have {EN_COMPARISON[comparison]} {limit}: {who} {marker}.")
    else:
        closest = ranked.order[0] if comparison in (">", ">=") else ranked.order[-1]
        near = shown(*closest, NEGATION[comparison])
        head = v.say(f"「{name}」没有{ZH_COMPARISON[comparison]}{limit}的单位；最接近的是{near} {marker}。",
                     f"For “{name}”, no unit has {EN_COMPARISON[comparison]} {limit}; the closest is {near} {marker}.")
    return f"{head}\n{_listing(ev, ranked)}", True


def _nth(ev: Evidence, t: Task, ranked: Ranked, position: int, lowest: bool) -> tuple[str, bool]:
    """The unit(s) at a rank; tied values share a rank (two units at 30 are both second)."""
    v = ev.voice
    name = v.quote(t.content.rstrip("。"))
    marker = ev.cite(t.id, task_row(t), task_label(t))
    order = list(reversed(ranked.order)) if lowest else ranked.order
    direction = v.say("从低到高" if lowest else "从高到低", "lowest first" if lowest else "highest first")
    ordered = "\n".join(f"{i}. {v.district(d)} {fmt_q(v, q)}" for i, (d, q) in enumerate(order, start=1))
    if position > len(order):
        head = v.say(f"「{name}」只有 {len(order)} 项数值，没有{zh_ordinal(position)}名 {marker}。",
                     f"“{name}” has only {len(order)} values, so there is no rank {EN_ORDINALS.get(position, '')} "
                     f"{marker}.")
        return f"{head}\n{ordered}", False
    value = order[position - 1][1].value
    group = [(d, q) for d, q in order if q.value == value]
    rank_of = 1 + sum(1 for _, q in order if (q.value > value if not lowest else q.value < value))
    who = _sep(ev).join(f"{v.district(d)}" + _paren(ev, fmt_q(v, q)) for d, q in group)
    tie = v.say("（并列）" if len(group) > 1 else "", " (tied)" if len(group) > 1 else "")
    en_word = EN_ORDINALS.get(rank_of, f"no. {rank_of}")
    head = v.say(f"「{name}」按数值{direction}，排{zh_ordinal(rank_of)}的是{who}{tie} {marker}。",
                 f"For “{name}”, {direction}, the {en_word} is {who}{tie} {marker}.")
    return f"{head}\n{ordered}", True


def _not_applicable(ev: Evidence, t: Task, ranked: Ranked, units: list[str]) -> tuple[str, bool]:
    v = ev.voice
    name = v.quote(t.content.rstrip("。"))
    marker = ev.cite(t.id, task_row(t), task_label(t))
    if not ranked.order and not ranked.skipped:
        return "", False
    listed = {d for d, _ in ranked.order} | {d for d, _ in ranked.skipped}
    unlisted = [u for u in units if u not in listed] if t.unit_values and not t.districts else []
    if unlisted:  # 「市本级5.78亿元，某某市1.58亿元…」 names some units: the rest get no figure
        who = _sep(ev).join(v.district(d) for d in unlisted)
        head = v.say(f"「{name}」只给出了部分单位的数值，没有给出数值的有 {len(unlisted)} 个单位：{who} {marker}。",
                     f"For “{name}”, the plan gives figures for some units only; {len(unlisted)} units have none: "
                     f"{who} {marker}.")
    elif ranked.skipped:
        who = _sep(ev).join(f"{v.district(d)}" + _paren(ev, f"“{v.quote(c)}”") for d, c in ranked.skipped)
        head = v.say(f"「{name}」没有数值的有 {len(ranked.skipped)} 个单位：{who} {marker}。",
                     f"For “{name}”, {len(ranked.skipped)} units have no figure: {who} {marker}.")
    else:
        head = v.say(f"「{name}」每个单位都有数值，没有“--” {marker}。",
                     f"For “{name}”, every unit has a figure; none is “--” {marker}.")
    return f"{head}\n{_listing(ev, ranked)}", True


def _share(ev: Evidence, t: Task, ranked: Ranked, unit: str) -> tuple[str, bool]:
    """One unit's value over the units' sum, the sum and the division written out."""
    v = ev.voice
    name = v.quote(t.content.rstrip("。"))
    marker = ev.cite(t.id, task_row(t), task_label(t))
    cell = district_value(t, unit)
    own = parse_quantity(cell) if cell is not None else None
    if own is None or len(ranked.order) < 2 or not ranked.total.value:
        return "", False
    total = ranked.total.value
    expr = " + ".join(decimal_text(q.value) for _, q in ranked.order)
    percent = (own.value / total * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    head = v.say(
        f"「{name}」{v.district(unit)} {fmt_q(v, own)}，各单位合计 {expr} = {decimal_text(total)} {marker}；"
        f"占比 {decimal_text(own.value)} ÷ {decimal_text(total)} = {decimal_text(percent)}%。",
        f"“{name}”: {v.district(unit)} {own}; the units add up to {expr} = {decimal_text(total)} {marker}; "
        f"its share is {decimal_text(own.value)} ÷ {decimal_text(total)} = {decimal_text(percent)}%.",
    )
    return f"{head}\n{_listing(ev, ranked)}", True
