"""Chunks: one self-contained text per paragraph, task row, reform target and milestone cell.

Each chunk names its place in the plan in words (attachment, 序號, district, quarter), so a hit read
on its own — by BM25, by the embedding model, or by a person in the sources panel — makes sense.
Ids are the record ids (stable across rebuilds of the same plan).
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from assistant.models import QUARTER_LABELS, Plan

META_LABELS = {
    "title": "信息名稱",
    "doc_number": "文件編號",
    "publisher": "發布機構",
    "issuer": "發文單位",
    "index_no": "索引號",
    "generated": "生成日期",
    "published": "公開日期",
    "signed": "成文日期",
    "printed": "印發日期",
    "expiry": "廢止日期",
    "category": "法定主動公開分類",
    "disclosure": "公開方式",
    "summary": "內容概述",
    "addressees": "主送",
}


class Chunk(BaseModel):
    """A retrievable unit with the metadata filters and citations need."""

    id: str
    kind: str
    record_id: str
    text: str
    district: str | None = None
    quarter: str | None = None
    lines: tuple[int, int]
    field: str = ""
    section_path: list[str] = []
    table: int | None = None
    # The record's own words without the place prefix (a paragraph's text, a row's cells), and a generic
    # row's first cell (序号: 3): what answers quote and label, so nothing re-splits `text`.
    body: str = ""
    key: str = ""


def numbered(items: list[str]) -> str:
    """A cell's items as one line, the form chunks hold and citations quote."""
    return "; ".join(f"{i}. {x}" for i, x in enumerate(items, start=1))


def task_row(t) -> str:  # type: ignore[no-untyped-def]
    """A task row's cells in words — content, units, every district value or the city-wide text.

    It is the tail of the task's chunk text, so one citation can quote a whole row.
    """
    parts = [f"主要內容: {t.content}", f"責任單位: {'、'.join(t.responsible)}"]
    if t.districts:
        parts.append("任務分解: " + "; ".join(f"{d} {v}" for d, v in t.districts.items()))
    if t.citywide:
        parts.append("任務分解(全市): " + t.citywide.replace("\n", " "))
    if t.unassigned_values:
        parts.append("任務分解(未標明轄區): " + "、".join(t.unassigned_values))
    parts += [f"{label}: {value}" for label, value in t.extra.items()]
    return " · ".join(parts)


def table_name(plan: Plan, table: int) -> str:
    """An attachment's title as chunks name it: without its leading year and trailing 清单."""
    title = plan.metadata.get(f"attachment_{table}_title", "")
    return re.sub(r"(清單|清单|表)$", "", re.sub(r"^\d{4}\s*年(度)?", "", title))


def task_text(plan: Plan, t) -> str:  # type: ignore[no-untyped-def]
    """A task row in words, headed by its attachment, 序號 and group."""
    title = plan.metadata.get(f"attachment_{t.table}_title", "")
    return f"附件{t.table} {title} · 序號{t.group_no} {t.group} · {task_row(t)}"


def is_heading_only(text: str) -> bool:
    """A chapter line with no paragraph of its own (一、总体要求): nothing to retrieve."""
    return "\n" not in text and not text.rstrip().endswith("。") and len(text) <= 60


def build_chunks(plan: Plan) -> list[Chunk]:
    """All chunks of a plan, in document order."""
    chunks: list[Chunk] = []
    meta_lines = [f"{label}: {plan.metadata[key]}" for key, label in META_LABELS.items() if key in plan.metadata]
    notice = next((s for s in plan.sections if s.kind == "notice"), None)
    chunks.append(
        Chunk(
            id="meta",
            kind="meta",
            record_id="meta",
            text="文件信息 · " + " · ".join(meta_lines),
            lines=(1, notice.lines[0] - 1 if notice else 1),
            body=" · ".join(meta_lines),
        )
    )
    for s in plan.sections:
        if s.kind == "chapter" and is_heading_only(s.text):
            continue
        place = " › ".join(s.path)
        kind = "subsection" if s.kind == "chapter" else s.kind
        chunks.append(Chunk(id=s.id, kind=kind, record_id=s.id, text=f"{place}: {s.text}", lines=s.lines,
                            field="text", section_path=s.path, body=s.text))
    for t in plan.tasks:
        chunks.append(Chunk(id=t.id, kind="task", record_id=t.id, text=task_text(plan, t), lines=t.lines,
                            field="row", table=t.table, body=task_row(t)))
    for r in plan.reforms:
        unit = f" · {r.district}" if r.district else ""
        where = f"附件{r.table} {table_name(plan, r.table)}" if r.table else "正文"
        head = f"{where} · 序號{r.no}{unit} · 改革事項: {r.item}"
        target = numbered(r.targets)
        chunks.append(
            Chunk(
                id=f"{r.id}-target",
                kind="reform_target",
                record_id=r.id,
                text=f"{head} · 任務目標: {target}" + "".join(f" · {k}: {v}" for k, v in r.extra.items()),
                district=r.district or None,
                lines=r.cell_lines.get("item", r.lines)[:1] + r.cell_lines.get("target", r.lines)[1:],
                field="target",
                table=r.table,
                body=target,
            )
        )
        for p in plan.periods:
            q = p.code
            items = numbered(r.milestones.get(q, []))
            label = f"{QUARTER_LABELS[q]}({q})" if q in QUARTER_LABELS else p.label
            chunks.append(
                Chunk(
                    id=f"{r.id}-{q.lower()}",
                    kind="milestone",
                    record_id=r.id,
                    text=f"{head} · {label}進度: {items}",
                    district=r.district or None,
                    quarter=q,
                    lines=r.cell_lines.get(q, r.lines),
                    field=q,
                    table=r.table,
                    body=items,
                )
            )
    for info in plan.tables:
        name = table_name(plan, info.attachment) or info.title
        for row in info.rows:
            pairs = [f"{k}: {v}" for k, v in row.cells.items()]
            cells = " · ".join(pairs)
            chunks.append(Chunk(id=row.id, kind="row", record_id=row.id, text=f"附件{info.attachment} {name} · {cells}",
                                lines=row.lines, field="row", table=info.attachment, body=cells,
                                key=pairs[0] if pairs else row.id))
    return chunks
