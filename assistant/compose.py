"""Composers for structured answers: one function per kind of question, each citing the cells it uses."""

from __future__ import annotations

import re
from decimal import Decimal

from assistant.chunks import numbered, task_row
from assistant.evidence import Evidence
from assistant.lexicon import vocabulary
from assistant.lookup import (
    Quantity,
    Ranked,
    deadline_items,
    district_value,
    parse_quantity,
    periods_for,
    rank,
    reforms_of,
)
from assistant.models import QUARTER_LABELS, Plan, Reform, Task, not_applicable
from assistant.render import Voice
from assistant.roles import Role


def short(text: str, limit: int = 26) -> str:
    """A task sentence short enough for a citation label."""
    text = text.rstrip("。")
    return text if len(text) <= limit else text[:limit] + "…"


def task_label(t: Task, district: str | None = None) -> str:
    """附件1 · 序號3-1 · …: the row number the Plan tab and the export show (group-seq), not just the group."""
    parts = [f"附件{t.table}", f"序號{t.group_no}-{t.seq}", short(t.content)]
    return " · ".join([*parts, district] if district else parts)


def table_source(table: int) -> str:
    """Where a record's table is: 附件N, or 正文 for milestone rows the body writes as items (table 0)."""
    return f"附件{table}" if table else "正文"


def reform_label(r: Reform, column: str) -> str:
    label = QUARTER_LABELS.get(column) or vocabulary().periods.get(column, column)
    return " · ".join(x for x in [table_source(r.table), f"序號{r.no}", r.district, label] if x)


def cite_task_cell(ev: Evidence, t: Task, district: str) -> tuple[str | None, str]:
    """A district's cell of a task with its citation marker; (None, marker) when the row has no value."""
    value = district_value(t, district)
    if value is not None:
        return value, ev.cite(t.id, f"{district} {value}" if t.districts else f"{district}{value}", task_label(t, district))
    return None, ev.cite(t.id, t.content, task_label(t))


def breakdown_quote(t: Task) -> str:
    """The whole 任務分解 of a row as it appears in its chunk: one citation covering every district."""
    if t.districts:
        return "任務分解: " + "; ".join(f"{d} {v}" for d, v in t.districts.items())
    return t.citywide.replace("\n", " ") if t.citywide else ""


def quota(plan: Plan, ev: Evidence, t: Task, districts: list[str]) -> tuple[str, bool]:
    """A district's value for a task; honest about city-wide rows, unassignable values and absent units."""
    v = ev.voice
    name = v.quote(t.content.rstrip("。"))
    lines: list[str] = []
    answerable = True
    if t.ambiguous and t.unassigned_values:
        marker = ev.cite(t.id, t.content, task_label(t)) + ev.cite(t.id, "、".join(t.unassigned_values), task_label(t))
        lines.append(
            v.say(
                f"「{name}」这一行只列出 {len(t.unassigned_values)} 项数值（{'、'.join(v.quote(x) for x in t.unassigned_values)}），"
                f"对应表中 {len(vocabulary().units)} 个单位，计划没有写明哪个数值属于哪个单位，因此无法给出"
                f"{'、'.join(v.district(d) for d in districts)}的数量 {marker}。",
                f"The row “{name}” lists only {len(t.unassigned_values)} values "
                f"({', '.join(t.unassigned_values)}) for {len(vocabulary().units)} units and does not say which unit each "
                f"belongs to, so the plan does not give a figure for {', '.join(v.district(d) for d in districts)} "
                f"{marker}.",
            )
        )
        return "\n".join(lines), False
    if t.citywide is not None and not t.unit_values:
        # The whole requirement is quoted: every figure of the listed items is then in the citation.
        marker = ev.cite(t.id, breakdown_quote(t), task_label(t))
        body = v.quote(t.citywide)
        lines.append(
            v.say(
                f"「{name}」没有按区分解，全市统一要求（适用于{'、'.join(v.district(d) for d in districts)}）：{marker}\n{body}",
                f"“{name}” is not broken down by district; the city-wide requirement "
                f"(applies to {', '.join(v.district(d) for d in districts)}) is {marker}:\n{body}",
            )
        )
        return "\n".join(lines), True
    ev.cite(t.id, t.content, task_label(t))
    for d in districts:
        value, marker = cite_task_cell(ev, t, d)
        if value is None:
            listed = "、".join(v.district(x) for x in (t.unit_values or {}))
            answerable = False
            if not listed:
                lines.append(v.say(f"计划没有给出{v.district(d)}的这项指标：「{name}」没有按单位分解 {marker}。",
                                   f"The plan gives no figure for {v.district(d)}: “{name}” is not broken down by unit "
                                   f"{marker}."))
                continue
            lines.append(
                v.say(
                    f"计划没有给出{v.district(d)}的这项指标：「{name}」只列出了 {listed} 的数值 {marker}。",
                    f"The plan gives no figure for {v.district(d)}: “{name}” lists values only for {listed} {marker}.",
                )
            )
        elif not_applicable(value):
            mark = value.strip()
            lines.append(
                v.say(
                    f"{v.district(d)}：表中为“{mark}”，即不适用（「{name}」）{marker}。",
                    f"{v.district(d)}: “{mark}” in the table, i.e. not applicable (“{name}”) {marker}.",
                ) if mark else v.say(
                    f"{v.district(d)}：表中此格为空，即不承担此项（不适用，「{name}」）{marker}。",
                    f"{v.district(d)}: the cell is empty in the table, i.e. not applicable (“{name}”) {marker}.",
                )
            )
        else:
            lines.append(
                v.say(
                    f"{v.district(d)}：{v.quote(value)}（「{name}」）{marker}",
                    f"{v.district(d)}: {value} (“{name}”) {marker}",
                )
            )
        if value is not None:
            note = unit_note(ev, t, d)
            if note:
                lines.append(note)
    return "\n".join(lines), answerable


NOTE_COLUMNS = ("备注", "備註", "说明", "說明", "附注")


def unit_note(ev: Evidence, t: Task, unit: str) -> str:
    """The row's own note about this unit (「院前社区…由芙蓉街社区代为承接」 in a 备注 cell), cited; else ""."""
    stem = unit[:-2] if unit.endswith(("社区", "街道")) and len(unit) > 3 else unit[:-1] if len(unit) > 2 else unit
    text = ev.chunks[t.id].text if t.id in ev.chunks else ""
    for column, note in t.extra.items():
        if any(k in column for k in NOTE_COLUMNS) and note and stem in note and note in text:
            marker = ev.cite(t.id, note, task_label(t, unit))
            return ev.voice.say(f"  {column}：{ev.voice.quote(note)} {marker}", f"  {column}: {note} {marker}")
    return ""


def fmt_q(v: Voice, q: Quantity) -> str:
    return v.quote(str(q))


def aggregate(ev: Evidence, t: Task, op: str, districts: list[str]) -> tuple[str, bool]:
    """Max / min / sum / rank / compare across districts, computed here and shown with its arithmetic."""
    v = ev.voice
    ranked: Ranked = rank(t)
    if op == "sum" and len(districts) >= 2:
        ranked = Ranked(task=t, order=[(d, q) for d, q in ranked.order if d in districts],
                        skipped=[(d, c) for d, c in ranked.skipped if d in districts], unit=ranked.unit)
    if len(ranked.order) < 2:
        return "", False
    name = v.quote(t.content.rstrip("。"))
    one = ev.cite(t.id, task_row(t), task_label(t))
    markers = {d: one for d, _ in ranked.order}
    listing = "、".join(f"{v.district(d)} {fmt_q(v, q)}" for d, q in ranked.order)
    skipped = ""
    if ranked.skipped:
        skipped = v.say(
            "；" + "、".join(f"{v.district(d)}为“{v.quote(c)}”（不适用）" for d, c in ranked.skipped),
            "; " + ", ".join(f"{v.district(d)} is “{c}” (not applicable)" for d, c in ranked.skipped),
        )
    if op in ("max", "min"):
        group = ranked.top() if op == "max" else ranked.bottom()
        who = "、".join(f"{v.district(d)}（{fmt_q(v, q)}）{markers[d]}" for d, q in group)
        who_en = ", ".join(f"{v.district(d)} ({q}) {markers[d]}" for d, q in group)
        word = v.say("最多" if op == "max" else "最少", "the highest" if op == "max" else "the lowest")
        head = v.say(f"「{name}」{word}的是{who}。", f"For “{name}”, {word} is {who_en}.")
        tail = v.say(f"各区数值：{listing}{skipped}。", f"All values: {listing}{skipped}.")
        return f"{head}\n{tail}", True
    if op == "sum":
        total = ranked.total
        expr = " + ".join(format(q.value.normalize(), "f") for _, q in ranked.order)
        stated = v.say("", "")
        head = v.say(
            f"「{name}」{'、'.join(v.district(d) for d, _ in ranked.order) if districts else '各区'}合计 {fmt_q(v, total)}：{expr} = {format(total.value.normalize(), 'f')}（{listing}）"
            + one + f"{skipped}。",
            f"“{name}”: the districts add up to {total}: {expr} = {format(total.value.normalize(), 'f')} "
            f"({listing}) " + one + f"{skipped}.",
        )
        return head + stated, True
    if op == "compare" and len(districts) >= 2:
        picked = [(d, q) for d, q in ranked.order if d in districts]
        if len(picked) >= 2:
            (d1, q1), (d2, q2) = picked[0], picked[-1]
            diff = q1.value - q2.value
            if diff == 0:
                return v.say(
                    f"「{name}」：{v.district(d1)}与{v.district(d2)}相同，均为 {fmt_q(v, q1)} {one}。",
                    f"“{name}”: {v.district(d1)} and {v.district(d2)} are equal at {q1} {one}.",
                ), True
            d_txt = format(diff.normalize(), "f")
            return v.say(
                f"「{name}」：{v.district(d1)} {fmt_q(v, q1)} {markers[d1]}，{v.district(d2)} {fmt_q(v, q2)} {markers[d2]}；"
                f"{v.district(d1)}多 {format(q1.value.normalize(), 'f')} − {format(q2.value.normalize(), 'f')} = {d_txt}。",
                f"“{name}”: {v.district(d1)} {q1} {markers[d1]}, {v.district(d2)} {q2} {markers[d2]}; "
                f"{v.district(d1)} has {format(q1.value.normalize(), 'f')} − {format(q2.value.normalize(), 'f')} = {d_txt} more.",
            ), True
    ordered = "\n".join(
        f"{i}. {v.district(d)} {fmt_q(v, q)}" for i, (d, q) in enumerate(ranked.order, start=1)
    )
    return v.say(f"「{name}」按数值从高到低 {one}：\n{ordered}{skipped}", f"“{name}”, highest first {one}:\n{ordered}{skipped}"), True


def milestones(plan: Plan, ev: Evidence, districts: list[str], quarters: list[str]) -> str:
    """Every reform row of each district, every item of each asked quarter — complete, cited to the cell."""
    v = ev.voice
    blocks: list[str] = []
    for d in districts:
        rows = reforms_of(plan, d)
        qs = periods_for(plan, quarters)
        total = sum(len(r.milestones[q]) for r in rows for q in qs)
        when = ("、".join(v.quarter(q, plan.period_label(q)) for q in qs) if quarters
                else v.say("全年四个季度", "all four quarters") if qs == ["Q1", "Q2", "Q3", "Q4"]
                else v.say("全年各阶段", "every period of the year"))
        blocks.append(
            v.say(
                f"{v.district(d)}有 {len(rows)} 项改革攻坚事项，{when}共 {total} 项安排：",
                f"{v.district(d)} has {len(rows)} reform item(s); {when}: {total} scheduled action(s):",
            )
        )
        for i, r in enumerate(rows, start=1):
            blocks.append(f"{v.ordinal(i)}{v.quote(r.item)}")
            if qs and re.search(r"\d", r.item):  # a figure in the item's name (“15分钟”服务圈) is cited too
                blocks[-1] += " " + ev.cite(f"{r.id}-{qs[0].lower()}", f"改革事項: {r.item}", reform_label(r, qs[0]))
            for q in qs:
                marker = ev.cite(f"{r.id}-{q.lower()}", numbered(r.milestones[q]), reform_label(r, q))
                if len(qs) > 1:
                    blocks.append(f"  {v.quarter(q, plan.period_label(q))} {marker}")
                else:
                    blocks[-1] += f" {marker}"
                for k, item in enumerate(r.milestones[q], start=1):
                    blocks.append(f"  {k}. {v.quote(item)}")
    return "\n".join(blocks)


def milestone_cell(ev: Evidence, r: Reform, q: str) -> str:
    """One reform row's items for one quarter: the cell that answers a 'when/what' question."""
    v = ev.voice
    marker = ev.cite(f"{r.id}-{q.lower()}", numbered(r.milestones[q]), reform_label(r, q))
    if re.search(r"\d", r.item):
        marker = ev.cite(f"{r.id}-{q.lower()}", f"改革事項: {r.item}", reform_label(r, q)) + marker
    items = "\n".join(f"  {k}. {v.quote(x)}" for k, x in enumerate(r.milestones[q], start=1))
    return v.say(
        f"{v.district(r.district)}「{v.quote(r.item)}」在{v.quarter(q, vocabulary().periods.get(q))}的安排 {marker}：\n{items}",
        f"{v.district(r.district)}, “{r.item}”, {v.quarter(q, vocabulary().periods.get(q))} {marker}:\n{items}",
    )


def reform_row_targets(ev: Evidence, r: Reform) -> str:
    """One reform row's 改革事項 and 任務目標."""
    v = ev.voice
    if not r.targets:
        return v.say(f"{v.district(r.district)}的改革攻坚事项「{v.quote(r.item)}」：\n",
                     f"{v.district(r.district)} reform item “{r.item}”:\n") + row_schedule(ev, r) + owner_columns(ev, r)
    marker = ev.cite(f"{r.id}-target", f"改革事項: {r.item} · 任務目標: {numbered(r.targets)}", reform_label(r, "任務目標"))
    items = "\n".join(f"  {k}. {v.quote(x)}" for k, x in enumerate(r.targets, start=1))
    return v.say(
        f"{v.district(r.district)}的改革攻坚事项「{v.quote(r.item)}」{marker}，任务目标：\n{items}",
        f"{v.district(r.district)} reform item “{r.item}” {marker}; targets:\n{items}",
    ) + owner_columns(ev, r)


def row_schedule(ev: Evidence, r: Reform) -> str:
    """Every period of one reform row, each cell cited: what a row with no 任务目标 cell plans."""
    v = ev.voice
    lines: list[str] = []
    for q, items in r.milestones.items():
        if not items:
            continue
        marker = ev.cite(f"{r.id}-{q.lower()}", numbered(items), reform_label(r, q))
        lines.append(f"  {v.quarter(q, vocabulary().periods.get(q))} {marker}")
        lines += [f"  {k}. {v.quote(x)}" for k, x in enumerate(items, start=1)]
    return "\n".join(lines)


def owner_columns(ev: Evidence, r: Reform) -> str:
    """A reform row's 责任处室-like columns, one line each, cited to the row."""
    v = ev.voice
    lines = []
    for label, value in owner_cells(r.extra):
        marker = ev.cite(f"{r.id}-target", f"{label}: {value}", reform_label(r, "任務目標"))
        lines.append(f"\n  {v.quote(label)}：{v.quote(one_line(value))} {marker}")
    return "".join(lines)


def reform_targets(plan: Plan, ev: Evidence, districts: list[str]) -> str:
    """A district's reform items and their 任務目標."""
    v = ev.voice
    blocks: list[str] = []
    for d in districts:
        rows = reforms_of(plan, d)
        blocks.append(v.say(f"{v.district(d)}有 {len(rows)} 项改革攻坚事项：", f"{v.district(d)} has {len(rows)} reform item(s):"))
        for i, r in enumerate(rows, start=1):
            if not r.targets:  # a table with no target column: the row's schedule says what it aims at
                blocks.append(f"{v.ordinal(i)}{v.quote(r.item)}")
                blocks.append(row_schedule(ev, r))
            else:
                marker = ev.cite(f"{r.id}-target", f"改革事項: {r.item} · 任務目標: {numbered(r.targets)}",
                                 reform_label(r, "任務目標"))
                blocks.append(f"{v.ordinal(i)}{v.quote(r.item)} {marker}")
                blocks.append(v.say("  任务目标：", "  Targets:"))
                blocks += [f"  {k}. {v.quote(x)}" for k, x in enumerate(r.targets, start=1)]
            extra = owner_columns(ev, r)
            if extra:
                blocks.append(extra.lstrip("\n"))
    return "\n".join(blocks)


def responsible(ev: Evidence, t: Task) -> str:
    """The 責任單位 of a task row, and its 配合单位 / 责任科室 … columns when the table has them."""
    v = ev.voice
    units = "、".join(t.responsible)
    name = v.quote(t.content.rstrip("。"))
    out = ""
    if units:
        marker = ev.cite(t.id, f"主要內容: {t.content} · 責任單位: {units}", task_label(t))
        out = v.say(f"「{name}」的责任单位是：{v.quote(units)} {marker}。", f"Responsible for “{name}”: {units} {marker}.")
    for label, value in owner_cells(t.extra):
        marker = ev.cite(t.id, f"{label}: {value}", task_label(t))
        out += v.say(f"{v.quote(label)}：{v.quote(one_line(value))} {marker}。",
                     f" {label} ({english_role(label)}): {one_line(value)} {marker}.")
    return out


def roles_in_text(ev: Evidence, record: str, sentence: str, label: str, roles: list[Role]) -> str:
    """The bodies a cell's or a sentence's own words name as leading (由…牵头) or working jointly (联合…,
    会同…), cited to that sentence."""
    v = ev.voice
    marker = ev.cite(record, sentence, label)
    lead = "、".join(v.quote(r.body) for r in roles if r.role == "lead")
    joint = "、".join(v.quote(r.body) for r in roles if r.role == "jointly")
    doer = "、".join(v.quote(r.body) for r in roles if r.role == "doer")
    parts = ([v.say(f"由{lead}牵头", f"led by {lead}")] if lead else []) + (
        [v.say(f"联合{joint}", f"jointly with {joint}")] if joint else []) + (
        [v.say(f"由{doer}承担", f"carried out by {doer}")] if doer else [])
    said = v.say("，".join(parts), "; ".join(parts))
    return v.say(f"「{v.quote(sentence.strip())}」：{said} {marker}。", f"“{sentence.strip()}”: {said} {marker}.")


def reform_owner(ev: Evidence, r: Reform) -> str:
    """Reform rows name their unit as the owner, and a 责任科室-like column the office that guides it."""
    v = ev.voice
    marker = ev.cite(f"{r.id}-target", r.item, reform_label(r, "任務目標"))
    out = v.say(
        f"「{v.quote(r.item)}」是{v.district(r.district)}的改革攻坚事项，由{v.district(r.district)}负责实施 {marker}。",
        f"“{r.item}” is a reform item of {v.district(r.district)}, which carries it out {marker}.",
    )
    for label, value in owner_cells(r.extra):
        cell = ev.cite(f"{r.id}-target", f"{label}: {value}", reform_label(r, "任務目標"))
        out += v.say(f"{v.quote(label)}：{v.quote(one_line(value))} {cell}。",
                     f" {label} ({english_role(label)}): {one_line(value)} {cell}.")
    return out


def columns_of(extra: dict[str, str], roles: tuple[str, ...]) -> list[tuple[str, str]]:
    """The extra columns of a row whose labels play one of `roles` (配合单位 → cooperating …)."""
    from assistant.ingest.columns import is_area_target, label_role

    return [(label, value) for label, value in extra.items() if value.strip() and (
        label_role(label) in roles or "total" in roles and label_role(label) is None and is_area_target(label))]


def owner_cells(extra: dict[str, str]) -> list[tuple[str, str]]:
    """A row's 牵头/配合 columns, and a 备注-like cell that names who leads or helps (区慈善总会协同)."""
    from assistant.ingest.columns import ROLE_HINTS, fold_label, label_role

    owners = [pattern for name, pattern in ROLE_HINTS if name in ("responsible", "cooperating")]
    return columns_of(extra, ("responsible", "cooperating")) + [
        (label, value) for label, value in extra.items()
        if label_role(label) in ("note", "extra", None) and any(p.search(fold_label(value)) for p in owners)]


def dated_columns(extra: dict[str, str]) -> list[tuple[str, str]]:
    """A row's 完成时限-like columns; without one, a 备注-like cell that states a due date (10月底前完成)."""
    from assistant.ingest.columns import label_role
    from assistant.lookup import DUE_DATE

    return columns_of(extra, ("deadline",)) or [
        (label, value) for label, value in extra.items()
        if label_role(label) in ("note", "extra", None) and DUE_DATE.search(value)]


def one_line(value: str) -> str:
    return value.replace("\n", "、")


def english_role(label: str) -> str:
    from assistant.ingest.columns import label_role

    return {"responsible": "responsible", "cooperating": "assisting", "deadline": "due"}.get(label_role(label) or "",
                                                                                          "column")


def deadlines(ev: Evidence, t: Task, best: str | None = None) -> str | None:
    """Dated items of a task's breakdown (「5月底前…」), the one closest to the question first."""
    v = ev.voice
    items = deadline_items(t.citywide or "")
    if not items:
        return None
    named = ev.cite(t.id, t.content, task_label(t))  # the row's figures (不少于8名) are cited with its name
    marker = ev.cite(t.id, breakdown_quote(t), task_label(t))
    name = v.quote(t.content.rstrip("。"))
    if best and items == [best]:
        return v.say(f"「{name}」{named}的时间节点：{v.quote(best)} {marker}", f"“{name}” {named}: {best} {marker}")
    body = "\n".join(f"  {v.quote(x)}" for x in items)
    lead = ""
    if best:
        lead = v.say(f"最相关的时间节点：{v.quote(best)} {marker}\n", f"Closest match: {best} {marker}\n")
    return lead + v.say(f"「{name}」{named}的全部时间节点 {marker}：\n{body}",
                        f"All deadlines for “{name}” {named} {marker}:\n{body}")


def due_column(ev: Evidence, t: Task) -> str:
    """A task row's 完成时限-like column: when the row is due."""
    v = ev.voice
    name = v.quote(t.content.rstrip("。"))
    parts = []
    for label, value in dated_columns(t.extra):
        # The row's content is cited too: the answer quotes it, figures (每人每月680元) and all.
        marker = ev.cite(t.id, t.content, task_label(t)) + ev.cite(t.id, f"{label}: {value}", task_label(t))
        parts.append(v.say(f"「{name}」的{v.quote(label)}：{v.quote(one_line(value))} {marker}。",
                           f"“{name}” is due: {one_line(value)} ({label}) {marker}."))
    return "\n".join(parts)


def all_districts_listing(ev: Evidence, t: Task) -> str:
    """Every district's cell of a task (for 「各区分别多少」)."""
    v = ev.voice
    name = v.quote(t.content.rstrip("。"))
    ev.cite(t.id, t.content, task_label(t))
    parts = []
    for d in t.districts or t.unit_values or {}:
        value, marker = cite_task_cell(ev, t, d)
        if value is not None:
            parts.append(f"{v.district(d)} {v.quote(value)} {marker}")
    return v.say(f"「{name}」各区分解：\n", f"“{name}” by district:\n") + "\n".join(parts)


def decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


__all__ = [
    "aggregate", "all_districts_listing", "deadlines", "milestones", "parse_quantity", "quota", "reform_owner",
    "reform_targets", "responsible",
]
