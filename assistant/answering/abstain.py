"""The honest "the plan does not say": why, then the nearest things the plan does say, each cited."""

from __future__ import annotations

import re

from assistant import compose
from assistant.answering.view import BODY_KINDS, Hit, PlanView, tokens_of
from assistant.chunks import Chunk
from assistant.evidence import Evidence
from assistant.lexicon import vocabulary
from assistant.models import Answer
from assistant.render import Voice
from assistant.text import normalize
from assistant.topic import support
from assistant.understand import Understanding


def abstain(u: Understanding, view: PlanView, ev: Evidence, reason: str, hits: list | None = None) -> Answer:  # type: ignore[type-arg]
    """Say the plan does not answer this (`reason` as `kind:detail`), then show what it says nearest."""
    v = ev.voice
    kind, _, detail = reason.partition(":")
    covered = kind == "off-topic"  # the plan's outline is shown, not passages near the question
    if kind in ("person", "off-topic"):
        # Who signed or heads it is not given, nor a wage; the body that issued it is, and what the plan says
        # on the question's own topic (专兼职养老顾问 → 培养1000名); the outline when it says nothing on it.
        topical = [h for h in view.search(u, k=3) if view.supported(u, h.text)] if tokens_of(u) else []
        nearest = (issuer_line(view, ev) if kind == "person" else []) + [
            _nearest_line(view, ev, h, u) for h in topical[:2]]
        covered = not nearest
        nearest = nearest or coverage(view, ev)
    elif kind == "no-support" and not tokens_of(u):
        nearest = coverage(view, ev)
    elif kind == "no-row":
        nearest = units_with_rows(view, ev)
    else:
        zone = zone_note(view, ev, detail) if kind == "unit" else []
        if hits is None:
            hits = view.search(u, k=3)
        counting, _, phrase = detail.partition("|") if kind == "which" else ("", "", "")
        if kind == "which":  # the passage that counts them (or sets a site to choose) first
            hits = sorted(hits, key=lambda h: h.id != counting)
        if u.districts and not any(view.supported(u, h.text) for h in hits[:2]):
            # Nothing of the named unit's says it (江油市's share of the charity target): what the plan says
            # anywhere — the city-wide figure — is the nearest thing.
            wider = [h for h in view.search(u, k=5, use_district=False) if view.supported(u, h.text)]
            hits = wider + [h for h in hits if h.id not in {x.id for x in wider}]
        nearest = [_nearest_line(view, ev, hit, u, phrase if hit.id == counting else "") for hit in hits[:2]]
        if zone:  # the sentence on the zone first, then the nearest passage that is not the same sentence
            nearest = zone + [x for x in nearest if x.split(" [")[0] != zone[0].split(" [")[0]][:1]
    why = {
        "off-topic": v.say("这个问题与计划内容无关。", "This question is outside the plan. "),
        "person": v.say("计划中没有提到任何人的姓名或联系方式。", "The plan names no people or contact details. "),
        "money": v.say("计划没有给出这方面的金额。", "The plan gives no money amount for this. "),
        "figure": v.say("计划没有给出这项的具体数字，只写了相关的做法。",
                        "The plan gives no figure for this, only what is to be done about it. "),
        "city": only_city(v, detail),
        "no-row": v.say(f"计划的改革（项目）推进表中没有{'、'.join(v.district(d) for d in detail.split('、'))}的事项。",
                        f"The plan's schedule table has no item for {', '.join(v.district(d) for d in detail.split('、'))}. "),
        "unit": v.say(f"计划没有给出{v.district(detail)}的这项数字。",
                      f"The plan gives no figure for {v.district(detail)} on this. "),
        "which": v.say("计划只写了数量或要做的事，没有写明具体是哪些、在哪里。",
                       "The plan states how many (or that a site is to be chosen), not which ones or where. "),
    }.get(kind, "")
    if kind == "year":
        why = _other_year(view, ev)
    head = why + v.say("计划中没有写明这个问题的答案。", "The plan does not say.")
    if nearest:
        lead = (v.say("计划涵盖以下内容：", "What the plan covers:") if covered
                else v.say("表中列出事项的单位：", "Units the table does list:") if kind == "no-row"
                else v.say("计划中最接近的内容：", "Nearest things the plan does say:"))
        head += "\n" + lead + "\n" + "\n".join(nearest)
    text = "\n".join(x for x in (head, ev.footer()) if x)
    return Answer(answer=text, answerable=False, route="abstain", citations=ev.citations, degraded=view.degraded)


def _other_year(view: PlanView, ev: Evidence) -> str:
    """「这份计划是「…」，不涉及所问的年份」, citing the title where a passage holds it."""
    v = ev.voice
    title = view.plan.metadata.get("title") or view.plan.metadata.get("plan_title", "")
    holder = next((c for c in view.chunks.values() if title and title in c.text), None)
    marker = ev.cite(holder.id, title, view.label_for(holder)) if holder else ""
    return v.say(f"这份计划是「{v.quote(title)}」{marker}，不涉及所问的年份。",
                 f"This plan is “{title}” {marker}; it does not cover the year asked about. ")


def only_city(v: Voice, asked: str = "") -> str:
    """「计划没有提到X；计划只涉及某市」 for the loaded plan's place, or a plain sentence when it names none."""
    from assistant.ingest.profile import city_stem, pinyin

    city = vocabulary().city
    named = v.say(f"计划中没有提到{asked}。", f"The plan does not mention {asked}. ") if asked else ""
    if not city:
        return named or v.say("计划没有其他地方的内容。", "The plan covers no other place. ")
    return named + v.say(f"计划只涉及{v.quote(city[0])}。", f"The plan covers {pinyin(city_stem(list(city)))} only. ")


def units_with_rows(view: PlanView, ev: Evidence) -> list[str]:
    """Each unit the milestone table does have rows for, with its items, each cited to its row."""
    v = ev.voice
    lines: list[str] = []
    for unit in dict.fromkeys(r.district for r in view.plan.reforms if r.district):
        rows = [r for r in view.plan.reforms if r.district == unit]
        items = "、".join(f"{v.quote(r.item)} {ev.cite(f'{r.id}-target', r.item, view.label_for(view.chunks[f'{r.id}-target']))}"
                         for r in rows)
        lines.append(f"- {v.district(unit)}：{items}")
    return lines


def _nearest_line(view: PlanView, ev: Evidence, hit: Hit, u: Understanding, phrase: str = "") -> str:
    """One near passage as a cited line: the clause holding `phrase` when given, else its nearest quote."""
    chunk = view.chunks[hit.id]
    quote = (counted_piece(chunk, phrase) if phrase else "") or nearest_quote(view, chunk, u)
    return (f"- {ev.voice.quote(quote)} {ev.cite(chunk.id, quote, view.label_for(chunk))}" + row_total(view, ev, chunk)
            + unit_cells(view, ev, chunk, u))


# 「高新区的民政工作任务计入滨城区，不单列」「新区的任务由市局另行下达」: where a zone's share of the tasks is.
ZONE_WORD = re.compile(r"开发区|园区|软件园|科技园|产业园|新区|度假区|示范区|高新区|景区|管委会")
CARRIED = re.compile(r"计入|纳入|并入|归入|由[^。；]{1,15}(?:承担|负责|下达)|不单列|另行下达|不列入|不再单列")


def zone_note(view: PlanView, ev: Evidence, zone: str) -> list[str]:
    """The plan's sentence that says where a zone with no figures of its own is counted, cited; the one
    naming the asked zone's own words (开发区, 新区) first."""
    from assistant.ingest.profile import zone_words

    words = zone_words(zone)
    found: list[tuple[int, Chunk, str]] = []
    for chunk in view.chunks.values():
        if chunk.kind in BODY_KINDS:
            for sentence in view.sentences(chunk.id):
                folded = normalize(sentence)
                if ZONE_WORD.search(folded) and CARRIED.search(folded):
                    found.append((sum(w in folded for w in words), chunk, sentence))
    if not found:
        return []
    _, chunk, sentence = max(found, key=lambda x: x[0])  # the first of equals: the body states it before a 注
    return [f"- {ev.voice.quote(sentence)} {ev.cite(chunk.id, sentence, view.label_for(chunk))}"]


def issuer_line(view: PlanView, ev: Evidence) -> list[str]:
    """The document's issuing body, cited to its header: what the plan does say about who put it out."""
    issuer = view.plan.metadata.get("issuer") or view.plan.metadata.get("publisher")
    meta = view.chunks.get("meta")
    if not issuer or meta is None or issuer not in meta.text:
        return []
    v = ev.voice
    return [f"- {v.say('发文机关', 'Issued by')}: {v.quote(issuer)} {ev.cite('meta', issuer, '文件信息')}"]


def coverage(view: PlanView, ev: Evidence) -> list[str]:
    """The plan's chapters and attachments, each cited: what the assistant can answer about."""
    lines: list[str] = []
    seen: set[str] = set()
    chapters = [s.path[-1] for s in view.plan.sections if s.kind == "chapter"]
    for chunk in view.chunks.values():
        if chunk.kind != "subsection":
            continue
        chapter = next((c for c in chunk.section_path if c in chapters), None)
        if chapter is None or chapter in seen or chapter not in chunk.text:
            continue
        seen.add(chapter)
        lines.append(f"- {ev.voice.quote(chapter)} {ev.cite(chunk.id, chapter, '正文 · ' + chapter)}")
    for att in sorted(k for k in view.plan.metadata if k.startswith("attachment_") and k.endswith("_title")):
        title = view.plan.metadata.get(att)
        first = next((c for c in view.chunks.values() if title and title in c.text), None)
        if title and first:
            lines.append(f"- {ev.voice.quote(title)} {ev.cite(first.id, title, view.label_for(first))}")
    return lines


def row_total(view: PlanView, ev: Evidence, chunk: Chunk) -> str:
    """「（全区: 300）」 after a task row with no figure in its content: the row's own total column."""
    if chunk.kind != "task" or re.search(r"\d", view.tasks[chunk.id].content):
        return ""
    t = view.tasks[chunk.id]
    for label, value in compose.columns_of(t.extra, ("total",)):
        quote = f"{label}: {value}"
        if quote in chunk.text:
            return f"（{ev.voice.quote(quote)} {ev.cite(chunk.id, quote, view.label_for(chunk))}）"
    return ""


def unit_cells(view: PlanView, ev: Evidence, chunk: Chunk, u: Understanding) -> str:
    """「（某区: 367张）」 after a near task row: the asked units' own cells, which the plan does give
    (for its own year, when the question asked another)."""
    if chunk.kind != "task" or not u.districts:
        return ""
    t = view.tasks[chunk.id]
    cells = []
    for d in u.districts:
        if (t.districts or {}).get(d):
            value, marker = compose.cite_task_cell(ev, t, d)
            cells.append(f"{ev.voice.district(d)}: {ev.voice.quote(value or '')} {marker}")
    return f"（{'；'.join(cells)}）" if cells else ""


def counted_piece(chunk: Chunk, phrase: str) -> str:
    """The clause of a passage that holds `phrase` (确定一个镇作为…), as the passage writes it."""
    pieces = [re.sub(r"^[^:：]{1,12}[:：]\s*", "", x.strip())  # a row's 主要内容: label is no part of the text
              for x in re.split(r"[。；;\n·]", chunk.body or chunk.text) if x.strip()]
    own = re.compile(rf"(?<![\d一二两三四五六七八九十]){re.escape(phrase)}")  # 3个, not the end of 53个
    return next((x for x in pieces if own.search(normalize(x))), "")


def nearest_quote(view: PlanView, chunk: Chunk, u: Understanding) -> str:
    """What to quote of a near passage: a row's content, a milestone's first item, a body's best sentence."""
    if chunk.kind == "task":
        # The row's content, unless a line of its city-wide breakdown holds more of the question.
        task = view.tasks[chunk.id]
        lines = [x.strip() for x in (task.citywide or "").split("\n") if x.strip() and x.strip() in chunk.text]
        tokens = tokens_of(u)
        return max([task.content, *lines], key=lambda x: support(tokens, x))  # the content on a tie: it is first
    if chunk.kind == "milestone":
        r = view.reforms[chunk.record_id]
        # The period's first step; a period with none (an empty cell) is quoted by what its record does hold.
        said = [x for x in (*r.milestones.get(chunk.quarter or "", []), r.item) if x and x in chunk.text]
        if not said:
            return chunk.text.strip()[:120]
        tokens = tokens_of(u)  # the step that holds most of the question; max keeps the first on a tie
        return max(said, key=lambda x: support(tokens, x))
    if chunk.kind == "reform_target":
        return view.reforms[chunk.record_id].item
    body = chunk.body or chunk.text
    sentences = [x.strip() for x in re.split(r"(?<=[。])", body) if len(x.strip()) > 12] or [body[:120]]
    tokens = tokens_of(u)
    # Between equally matching sentences, the one with a figure, then the fuller one: a heading that
    # repeats the topic says less than the sentence under it.
    return max(sentences, key=lambda x: (support(tokens, x), bool(re.search(r"\d", x)), len(x)))
