"""Chunks: one self-contained text per paragraph, task row, reform target and milestone cell.

Each chunk names its place in the plan in words (attachment, 序號, district, quarter), so a hit read
on its own — by BM25, by the embedding model, or by a person in the sources panel — makes sense.
Ids are the record ids (stable across rebuilds of the same plan).
"""

from __future__ import annotations

from pydantic import BaseModel

from assistant.models import QUARTER_LABELS, QUARTERS, Plan

META_LABELS = {
    "title": "信息名稱",
    "doc_number": "文件編號",
    "publisher": "發布機構",
    "issuer": "發文單位",
    "index_no": "索引號",
    "generated": "生成日期",
    "published": "公開日期",
    "signed": "成文日期",
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
    return " · ".join(parts)


def task_text(plan_title: str, t) -> str:  # type: ignore[no-untyped-def]
    """A task row in words, headed by its attachment, 序號 and group."""
    return f"附件1 {plan_title}重點任務清單 · 序號{t.group_no} {t.group} · {task_row(t)}"


def build_chunks(plan: Plan) -> list[Chunk]:
    """All chunks of a plan, in document order."""
    title = plan.metadata.get("plan_title", "")
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
        )
    )
    for s in plan.sections:
        if s.kind == "chapter":
            continue
        place = " › ".join(s.path)
        chunks.append(Chunk(id=s.id, kind=s.kind, record_id=s.id, text=f"{place}: {s.text}", lines=s.lines))
    for t in plan.tasks:
        chunks.append(Chunk(id=t.id, kind="task", record_id=t.id, text=task_text(title, t), lines=t.lines))
    for r in plan.reforms:
        head = f"附件2 各轄市(區)民政工作改革攻堅事項 · 序號{r.no} · {r.district} · 改革事項: {r.item}"
        target = numbered(r.targets)
        chunks.append(
            Chunk(
                id=f"{r.id}-target",
                kind="reform_target",
                record_id=r.id,
                text=f"{head} · 任務目標: {target}",
                district=r.district,
                lines=r.cell_lines.get("item", r.lines)[:1] + r.cell_lines.get("target", r.lines)[1:],
            )
        )
        for q in QUARTERS:
            items = numbered(r.milestones[q])
            chunks.append(
                Chunk(
                    id=f"{r.id}-{q.lower()}",
                    kind="milestone",
                    record_id=r.id,
                    text=f"{head} · {QUARTER_LABELS[q]}({q})進度: {items}",
                    district=r.district,
                    quarter=q,
                    lines=r.cell_lines.get(q, r.lines),
                )
            )
    return chunks
