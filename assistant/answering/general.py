"""The general route: what the best passages say when no table route applies — a whole paragraph for a
policy question, a task row, a milestone, generic rows, or the sentences that share most with the question."""

from __future__ import annotations

import re
from decimal import Decimal

from assistant import compose
from assistant.answering.abstain import abstain
from assistant.answering.finish import finish
from assistant.answering.rows import row_aggregate, row_answer
from assistant.answering.view import Hit, PlanView, tokens_of
from assistant.chunks import is_heading_only
from assistant.evidence import Evidence
from assistant.ingest.structure import BREAKDOWN, breakdown_items
from assistant.lexicon import CITYWIDE_FORMS, expand_english, vocabulary
from assistant.lookup import DUE_DATE
from assistant.models import Answer, Task
from assistant.places import (
    GENERIC_PLACE_CHARS,
    described_places,
    english_places_in_text,
    foreign_places,
    place_key,
)
from assistant.text import normalize, word_spans
from assistant.topic import numbers_in, support, topic_tokens
from assistant.understand import AMOUNT_CUES, Understanding, has_any

ASKED_MEASURE = re.compile(r"(?:多少|几)(张|个|名|户|人次|人|家|所|块|场|对|支|元|万元|亿元|处|项|条|次)")
PASSAGE_KINDS = ("subsection", "preamble", "chapter")
CLAUSE = re.compile(r"[，,；;。]")
# 「提高了多少」 asks for a change; 「由每人每月960元提高到1000元」 states one.
CHANGE_ASKED = re.compile(r"(?:提高|增加|增长|上涨|上调|提升|减少|降低|下降|下调)了?(?:多少|几)|how much (?:higher|more|lower|less)"
                          r"|(?:rise|raised|increase|increased|go up|grow|grown)\s+by", re.IGNORECASE)
FROM_TO = re.compile(r"由[^。；]{0,20}?(\d+(?:\.\d+)?)\s*([万亿]?元|%|张|个|人|户|名)?[^。；\d]{0,6}?"
                     r"(?:提高|增加|提升|调整|上调|增长|降低|减少|下调|下降)(?:到|至)[^。；\d]{0,8}?(\d+(?:\.\d+)?)")


def answer_general(u: Understanding, view: PlanView, ev: Evidence) -> Answer:
    """The best supported passage answered in its own form; abstain when none shares enough."""
    hits = view.search(u, k=8)
    good = [h for h in hits if view.supported(u, h.text)]
    if not good:
        return abstain(u, view, ev, "no-support", hits)
    tokens = tokens_of(u)
    top = _prefer_heading_match(u, view, good)
    if not u.districts and top.kind in ("milestone", "reform_target") and has_any(u.normalized, CITYWIDE_FORMS):
        # 「全县慈善募集资金的目标」: the whole county's figure is the body's, not one unit's reform row.
        bar = support(tokens, top.text) - 0.1
        passage = next((h for h in good if h.kind in PASSAGE_KINDS and support(tokens, h.text) >= bar), None)
        if passage is not None:
            top, good = passage, [passage, *(h for h in good if h is not passage)]
    if u.all_districts and top.kind != "task":
        # 「哪些镇街没有…任务」, 「各区分别…」: a breakdown across the units answers it, not one unit's row.
        bar = 0.8 * support(tokens, top.text)
        top = next((h for h in good if h.kind == "task" and view.tasks[h.id].districts
                    and support(tokens, h.text) >= bar), top)
    if top.kind != "task" and not u.districts and has_any(u.normalized, PLACES_ASKED):
        top = _naming_places(view, tokens, good, top)
    unnamed = place_without_figure(u, view, good)
    if unnamed:
        return abstain(u, view, ev, f"unit:{unnamed}", good)
    change = change_answer(u, view, ev, good)
    if change:
        return finish(view, ev, change, True, "lookup")
    computed = row_aggregate(u, view, ev, top)
    if computed:
        return finish(view, ev, computed, True, "lookup")
    rows = row_answer(u, view, ev, good, top)
    if rows:
        return finish(view, ev, rows, True, "retrieval")
    # "What is the city-wide … target?" asks a figure too, when the best passage states none.
    amount = has_any(u.normalized, AMOUNT_CUES) or (u.language == "en" and TARGET_ASKED.search(u.normalized) is not None
                                                    and not FIGURE_IN_TEXT.search(top.text))
    if amount and top.kind != "task":
        task = view.best_task(u)
        if task is not None and support(tokens, view.chunks[task.id].text) >= support(tokens, top.text):
            top = next((h for h in view.search(u, kinds=["task"], k=10, use_district=False) if h.id == task.id), top)
    if not amount and top.kind != "task" and has_any(u.normalized, POLICY_ASKED):  # a task row states its own
        said = policy_answer(u, view, ev, good, top)
        if said:
            return finish(view, ev, said, True, "retrieval")
    if top.kind == "subsection" and heading_support(u, view, top.id) >= 0.6 and not amount:
        return finish(view, ev, paragraph(view, ev, top.id), True, "retrieval")
    if top.kind == "task":
        if counted_asked(u) and not u.districts and not task_gives_figure(view.tasks[top.id], u):
            # 「全市一共有多少个婚姻登记处」 finds the row about them, which counts nothing: say so.
            return abstain(u, view, ev, "figure", good)
        return finish(view, ev, _task(u, view, ev, top.id), True, "lookup" if u.all_districts and
                      view.tasks[top.id].districts else "retrieval")
    if top.kind in ("milestone", "reform_target"):
        chunk = view.chunks[top.id]
        r = view.reforms[chunk.record_id]
        if top.kind == "milestone":
            body = compose.milestones(view.plan, ev, [r.district], [chunk.quarter or ""])
        else:
            body = compose.reform_targets(view.plan, ev, [r.district])
        return finish(view, ev, body, True, "retrieval")
    picked = pick_sentences(u, view, [top, *(h for h in good if h is not top)][:4])
    if lead := breakdown_lead(u, view, ev, picked):
        return finish(view, ev, lead, True, "retrieval")
    if amount and picked and not states_a_figure(picked) and not (DATE_ASKED.search(u.normalized)
                                                                  and any(DUE_DATE.search(x) for _, x in picked)):
        # 「低保标准是多少」 where the plan only says how the standard is adjusted: no figure, say so.
        return abstain(u, view, ev, "figure", good)
    return finish(view, ev, "\n".join(f"{ev.voice.quote(s)} {ev.cite(h.id, s, view.label_for(view.chunks[h.id]))}"
                                      for h, s in picked), True, "retrieval")


# 「要在几号前完成」 asks a date, which a dated sentence gives.
DATE_ASKED = re.compile(r"几号|几日|哪天|哪一天|几月几|什么时候|啥时候|何时|截止|when\b|what date|by when", re.IGNORECASE)

# "What is the city-wide … target?": a figure asked for in English without "how many" (the task row states it).
TARGET_ASKED = re.compile(r"\b(?:targets?|quotas?|goal figure)\b")

# 「在哪几个乡镇开展」: the question asks for the places, so the passage that lists them answers.
PLACES_ASKED = ("哪几个乡镇", "哪些乡镇", "哪几个镇", "哪些镇", "哪些地方", "哪几个地方", "哪些地区", "哪几个地区",
                "哪几个区", "哪几个县", "哪些街道", "哪几个街道", "哪些社区", "哪几个村", "在哪里", "在哪儿",
                "which towns", "which places", "where ")


def _naming_places(view: PlanView, tokens: set[str], good: list[Hit], top: Hit) -> Hit:
    """Among the passages as well supported as the best, the one naming most of the plan's units (two at
    least): a milestone row names one unit, the sentence 「在碧阳镇、渔亭镇开展…试点」 names where."""
    bar = support(tokens, top.text) - 0.05

    units = [{normalize(a) for a in aliases if not a.isascii()} for aliases in vocabulary().units.values()]

    def named(h: Hit) -> int:
        text = normalize(h.text)
        return sum(1 for aliases in units if any(a in text for a in aliases))

    best = max((h for h in good if support(tokens, h.text) >= bar), key=named, default=top)
    return best if named(best) >= 2 else top


def change_answer(u: Understanding, view: PlanView, ev: Evidence, good: list[Hit]) -> str:
    """「提高了多少」 answered by the sentence that states from and to (由960元提高到1000元), with the
    difference shown as arithmetic."""
    if not CHANGE_ASKED.search(u.normalized):
        return ""
    tokens = tokens_of(u)
    found = [(support(tokens, x), h, x, m) for h in good if h.kind in PASSAGE_KINDS
             for x in view.sentences(h.id) if (m := FROM_TO.search(x))]
    if not found:
        return ""
    _, hit, sentence, m = max(found, key=lambda f: f[0])
    before, after, unit = m.group(1), m.group(3), m.group(2) or ""
    high, low = sorted((before, after), key=float, reverse=True)
    diff = compose.decimal_text(Decimal(high) - Decimal(low))
    v = ev.voice
    marker = ev.cite(hit.id, sentence, view.label_for(view.chunks[hit.id]))
    word = v.say("提高" if float(after) >= float(before) else "降低", "up" if float(after) >= float(before) else "down")
    return (f"{v.quote(sentence)} {marker}\n"
            + v.say(f"由 {before} 到 {after}，{word} {high} − {low} = {diff}{unit}。",
                    f"From {before} to {after}: {word} {high} − {low} = {diff}{unit}."))


def _task(u: Understanding, view: PlanView, ev: Evidence, task_id: str) -> str:
    """A task row in words: its content, then its breakdown over the units or the city."""
    v = ev.voice
    t = view.tasks[task_id]
    if u.all_districts and t.districts:
        return compose.all_districts_listing(ev, t)
    parts = [f"{v.quote(t.content)} {ev.cite(t.id, t.content, compose.task_label(t))}"]
    total = _total(u, ev, t)
    if total:
        parts.append(total)
    elif t.districts:
        parts.append(compose.all_districts_listing(ev, t))
    elif t.citywide:
        marker = ev.cite(t.id, compose.breakdown_quote(t), compose.task_label(t))
        parts.append(v.say("任务分解（全市）：", "City-wide breakdown: ") + v.quote(t.citywide) + f" {marker}")
    if t.unassigned_values:
        body, _ = compose.quota(view.plan, ev, t, [])
        parts.append(body)
    return "\n".join(parts)


def _total(u: Understanding, ev: Evidence, t: Task) -> str:
    """「全区新建多少张」 of a row that gives only the units' values: its 合计 cell, else their sum shown
    with its arithmetic."""
    if not t.districts or u.districts or not has_any(u.normalized, AMOUNT_CUES) or numbers_in(t.content):
        return ""
    v = ev.voice
    for label, value in compose.columns_of(t.extra, ("total",)):
        marker = ev.cite(t.id, f"{label}: {value}", compose.task_label(t))
        return f"{v.quote(label)}：{v.quote(value)} {marker}\n" + compose.all_districts_listing(ev, t)
    body, _ = compose.aggregate(ev, t, "sum", [])
    return body


def heading_support(u: Understanding, view: PlanView, section_id: str) -> float:
    """How much of a subsection's heading (「完善老齡工作機制」) the question repeats."""
    section = view.sections.get(section_id)
    if section is None:
        return 0.0
    heading = topic_tokens(section.heading, "zh")
    question = u.topic if u.language == "zh" else expand_english(u.topic)
    return max(support(heading, question), support(tokens_of(u), section.heading))


def _prefer_heading_match(u: Understanding, view: PlanView, good: list[Hit]) -> Hit:
    """A body subsection whose heading the question names beats a table row that merely shares words —
    unless the question asks for a quantity, which table rows state and paragraphs only summarise."""
    first = _best_covered(u, good)
    if has_any(u.normalized, AMOUNT_CUES) or has_any(u.topic, AMOUNT_CUES) or u.all_districts:
        return first
    for hit in good[:4]:
        if hit.kind == "subsection" and _is_title(view, hit.id) and heading_support(u, view, hit.id) >= 0.6:
            return hit
    return first


# How much more of the question a lower-ranked passage must hold to be preferred to the search's first.
COVERAGE_MARGIN = 0.25


UNIT_ROWS = ("milestone", "reform_target")


def _best_covered(u: Understanding, good: list[Hit]) -> Hit:
    """The search's first passage, unless it is one unit's row for a question that names no unit and one of
    the next few holds clearly more of the question's topic words (「外地户口的困难群众」: the paragraph on
    非本地户籍 over one district's reform row on 困难群众)."""
    if u.districts or good[0].kind not in UNIT_ROWS:
        return good[0]
    tokens = tokens_of(u)
    first = support(tokens, good[0].text)
    best = max(good[:6], key=lambda h: support(tokens, h.text))
    if support(tokens, best.text) - first >= COVERAGE_MARGIN:
        return best
    # As well covered by a passage that is no unit's: the whole plan's words answer a question naming none.
    whole = next((h for h in good[1:6] if h.kind not in UNIT_ROWS and support(tokens, h.text) >= first), None)
    return whole or good[0]


def _is_title(view: PlanView, section_id: str) -> bool:
    """A heading that names a topic (深化殡葬改革), not a numbered item that is a whole sentence."""
    section = view.sections.get(section_id)
    return section is not None and len(section.heading) <= 24 and not re.search(r"[，,；;]", section.heading)


LOCAL_PLACE = re.compile(r"([\u4e00-\u9fff]{2})(社区|村|街道|镇)")
COMMON_STEMS = frozenset({"城乡", "农村", "城市", "示范", "重点", "试点", "相关", "所有", "全部", "每个", "各个", "其他", "这个",
                          "那个", "哪个", "哪些", "多少", "几个", "我们", "你们", "建设", "新建", "改造", "提升", "美丽", "和谐",
                          "幸福", "智慧", "文明", "绿色", "特色", "全域", "老年", "儿童", "养老", "助餐", "困难", "居家"})


def _word_bounds(text: str) -> set[int]:
    """Offsets where the tokenizer's words start or end."""
    return {x for _, start, end in word_spans(text) for x in (start, end)}


def unknown_local_places(text: str, view: PlanView) -> list[str]:
    """某某社区 / 某某村 / 某某镇 a question names that the page never writes and that is none of its units:
    the page can give no figure for it (延福社区 asked of a town whose units are other communities)."""
    aliases = [*view.unit_names, *vocabulary().city]
    bounds = _word_bounds(text)
    out = []
    for m in LOCAL_PLACE.finditer(text):
        name, stem = m.group(0), m.group(1)
        if m.start() not in bounds or m.end() not in bounds:  # 多少个乡村: 少个乡 is no word
            continue
        if set(stem) & GENERIC_PLACE_CHARS or stem in COMMON_STEMS or name in view.document_text:
            continue
        if not any(name in a or a in name for a in aliases if len(a) >= 2):
            out.append(name)
    return out


def place_without_figure(u: Understanding, view: PlanView, good: list[Hit]) -> str:
    """A place a "how many" question names that none of the best passages mentions: the plan gives only
    a figure for the whole city (or another breakdown), so no figure for that place may be answered."""
    vocab = vocabulary()
    places = {d: [normalize(a) for a in vocab.units.get(d, (d,))] for d in u.districts}
    if has_any(u.normalized, AMOUNT_CUES):
        places |= {place: [place, stem] for place, stem in foreign_places(u.question)}
        places |= {name: [name] for name in english_places_in_text(u.question, view.document_text)}
        places |= {name: [name] for name in view.text_places if name in u.normalized and name not in places}
        places |= {name: [name] for name in view.zones_in(u.normalized) if name not in places}
        places |= {name: [name] for name in unknown_local_places(u.normalized, view) if name not in places}
        for stem, mention in described_places(u.question):
            # Xiaoshan District: the page's own spelling of it if the text names it, else nothing can match.
            places.setdefault(mention, [x for x in view.text_places if place_key(x) == stem] or [mention])
    if not places or not good:
        return ""
    # The topic without the places being checked: a clause that only names 鼓楼区 does not carry 床位.
    names = {normalize(a) for aliases in places.values() for a in aliases} | set(places)
    tokens = {t for t in tokens_of(u) if not any(t in n or n in t for n in names)} or tokens_of(u)
    bar = 0.8 * support(tokens, good[0].text)
    relevant = [h for h in good[:3] if support(tokens, h.text) >= bar]  # the passages an answer would use
    # Of a body passage, only its clauses that carry the topic: 「在鼓楼区…开展试点」 beside
    # 「新增床位2000张」 does not give 鼓楼区 a figure.
    texts = []
    for h in relevant:
        if h.kind in PASSAGE_KINDS:
            clauses = [c for x in view.sentences(h.id) for c in CLAUSE.split(x) if c.strip()]
            best = max((support(tokens, x) for x in clauses), default=0.0)
            texts += [normalize(x) for x in clauses if best and support(tokens, x) >= 0.8 * best]
        else:
            texts.append(normalize(h.text))
    # A target broken down by unit in the text (…2400户（其中：樟树市260户、…）) gives each listed unit a figure.
    # …only a breakdown on the question's topic, read with the heading it stands under.
    framed = [(support(tokens, view.under_heading(h.id, x)), x)
              for h in relevant if h.kind in PASSAGE_KINDS for x in view.sentences(h.id)]
    top = max((f for f, _ in framed), default=0.0)
    texts += [normalize(m.group(1)) for f, x in framed if top and f >= 0.8 * top for m in BREAKDOWN.finditer(x)]
    for place, aliases in places.items():
        if not any(h.district == place for h in relevant) and not any(a in t for a in aliases for t in texts):
            return place
    return ""


def paragraph(view: PlanView, ev: Evidence, section_id: str) -> str:
    """A whole body paragraph, cited once: policy questions want all of it, not three sentences."""
    chunk = view.chunks[section_id]
    out = [f"{ev.voice.quote(chunk.body)} {ev.cite(section_id, chunk.body, view.label_for(chunk))}"]
    lead_in = "\n" not in chunk.body and (len(chunk.body) <= 60 or chunk.body.rstrip().endswith(("：", ":")))
    if is_heading_only(chunk.body) or lead_in:
        # A heading with numbered items under it (（一）深化殡葬改革。 / 1. … / 2. …), or a one-line lead-in
        # (具体要求：): the items are the answer.
        for child in view.children(chunk):
            out.append(f"  {ev.voice.quote(child.body)} {ev.cite(child.id, child.body, view.label_for(child))}")
    return "\n".join(out)


# 「…有什么要求」 "what does the plan say about …": the passage that says it, whole, not three sentences of it.
POLICY_ASKED = ("什么要求", "哪些要求", "怎么说", "怎么规定", "如何规定", "哪些措施", "什么措施", "哪些举措", "什么举措",
                "包括哪些", "包括什么", "包含哪些", "哪些内容", "什么内容", "提到了什么", "怎么部署", "有何部署",
                "what does the plan say", "what does it say", "plan say about", "what does the plan require",
                "what measures", "what steps", "what does the plan do")
POLICY_BAR = 0.1
LONG_PASSAGE = 160
# Where an item begins inside a running paragraph: 一是… 二是…, （1）, ①, 1.
ITEM_START = re.compile(r"[一二三四五六七八九十]是|[（(][一二三四五六七八九十\d]{1,2}[)）]|[①-⑳]|(?<![\d.．])\d{1,2}[.、．](?!\d)")


def policy_answer(u: Understanding, view: PlanView, ev: Evidence, good: list[Hit], top: Hit) -> str:
    """The body passage that answers a "what does the plan say about" question: an item under a lead-in
    (具体要求：) is answered by the lead-in and all its items; a long paragraph of 一是…二是… items by the
    item that matches."""
    tokens = tokens_of(u)
    bar = support(tokens, top.text) - POLICY_BAR
    hit = next((h for h in good[:6] if h.kind in PASSAGE_KINDS and support(tokens, h.text) >= bar), None)
    if hit is None:
        return ""
    chunk = view.chunks[hit.id]
    parent = view.parent(chunk)
    if parent is not None and parent.body.rstrip().endswith(("：", ":")):
        return paragraph(view, ev, parent.id)
    body = chunk.body
    if len(body) > LONG_PASSAGE:
        starts = [m.start() for m in ITEM_START.finditer(body)]
        if len(starts) >= 2:
            cuts = [0, *starts, len(body)]
            items = [body[a:b].strip() for a, b in zip(cuts, cuts[1:], strict=False) if body[a:b].strip()]
            item = max(items, key=lambda x: support(tokens, x))
            if support(tokens, item) > 0:
                return f"{ev.voice.quote(item)} {ev.cite(chunk.id, item, view.label_for(chunk))}"
    return paragraph(view, ev, chunk.id)


def extract_sentences(u: Understanding, view: PlanView, ev: Evidence, hits: list[Hit]) -> str:
    """The sentences of the best paragraphs that share most with the question, in document order, cited."""
    return "\n".join(f"{ev.voice.quote(s)} {ev.cite(h.id, s, view.label_for(view.chunks[h.id]))}"
                     for h, s in pick_sentences(u, view, hits))


def breakdown_lead(u: Understanding, view: PlanView, ev: Evidence, picked: list[tuple[Hit, str]]) -> str:
    """The asked unit's own item of a sentence that breaks a target down by unit (樟树市260户), then the
    sentence it stands in, cited; empty when no picked sentence lists the unit."""
    v = ev.voice
    for hit, sentence in picked:
        for d in u.districts:
            aliases = [normalize(a) for a in vocabulary().units.get(d, (d,)) if not a.isascii()]
            items = breakdown_items(sentence)
            item = next((x for x in items if any(normalize(x).startswith(a) for a in aliases)
                         and re.search(r"\d", x)), None)
            if item is not None:
                marker = ev.cite(hit.id, sentence, view.label_for(view.chunks[hit.id]))
                alias = max((a for a in aliases if normalize(item).startswith(a)), key=len)
                figure = item[len(alias):].lstrip("各 ") or item
                return v.say(f"{v.district(d)}：{v.quote(figure)} {marker}\n{v.quote(sentence)} {marker}",
                             f"{v.district(d)}: {figure} {marker}\n{sentence} {marker}")
    return ""


def pick_sentences(u: Understanding, view: PlanView, hits: list[Hit]) -> list[tuple[Hit, str]]:
    """The sentences that answer: those sharing most with the question, across the best paragraphs.

    Sentences compete across the paragraphs: a dated sentence wins a "when" question and one with a
    figure in the asked measure (多少张 → …张) a "how many" one, wherever it sits. A sentence far below
    the best one is left out (the paragraph stays the citation's context), so an unrelated sentence —
    and a caveat about its numbers — does not ride along.
    """
    tokens = tokens_of(u)
    dated = u.intent == "deadline"
    measure = ASKED_MEASURE.search(u.normalized) or ASKED_MEASURE.search(u.topic)
    pattern = re.compile(rf"\d[\d.,]*\s*(?:{measure.group(1)})") if measure else None
    asked_dates = set(DUE_DATE.findall(u.normalized))
    listed = [normalize(a) for d in u.districts for a in vocabulary().units.get(d, (d,)) if not a.isascii()]
    found: list[tuple[float, int, int, Hit, str]] = []
    # How well each sentence matches with the heading it stands under: a breakdown sentence
    # (全市完成改造2400户（其中：樟树市260户…）) may repeat none of the question's words its heading has.
    in_context = {(hit.id, x): support(tokens, view.under_heading(hit.id, x))
                  for hit in hits for x in view.sentences(hit.id)} if listed else {}
    best_context = max(in_context.values(), default=0.0)
    for rank, hit in enumerate(hits):
        for pos, sentence in enumerate(view.sentences(hit.id)):
            score = support(tokens, sentence)
            if (listed and best_context and in_context[(hit.id, sentence)] >= 0.8 * best_context
                    and any(a in normalize(m.group(1)) for m in BREAKDOWN.finditer(sentence) for a in listed)):
                # 其中：樟树市260户、… on the question's topic: the sentence gives the asked unit its own figure
                score += 0.5
            if score <= 0:
                continue
            if dated and DUE_DATE.search(sentence):
                score += 0.3
            if asked_dates and asked_dates & set(DUE_DATE.findall(sentence)):
                score += 0.5
            if pattern is not None and pattern.search(sentence):
                score += 0.3
            found.append((score, rank, pos, hit, sentence))
    if not found:
        return []
    best = max(f[0] for f in found)
    if dated or pattern is not None or asked_dates:
        picked = sorted(sorted((f for f in found if f[0] >= 0.6 * best), key=lambda f: -f[0])[:4],
                        key=lambda f: (f[1], f[2]))
    else:  # "how"/"what" questions: up to three good sentences of each of the two best paragraphs
        picked = []
        kept = [f for f in found if f[0] >= SENTENCE_SHARE * best]
        for rank in sorted({f[1] for f in kept})[:2]:
            mine = [f for f in kept if f[1] == rank]
            picked += sorted(sorted(mine, key=lambda f: -f[0])[:3], key=lambda f: f[2])
    return [(h, s) for _, _, _, h, s in picked]


SENTENCE_SHARE = 0.5
"""A sentence is kept when its share of the question's terms is at least this part of the best sentence's."""
# A figure in a sentence: digits with a measure after them (张, 个, %, 万元 …), not a year, month or list number.
FIGURE_IN_TEXT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?\s*(?![年月日号號季\d.、)）])[\u4e00-\u9fff%‰]")


DATE_CELL = re.compile(r"\d\s*[年月日号]|\d{4}-\d{1,2}")
COUNT_WORDS = re.compile(r"多少(?!钱)|几(?:张|个|名|户|家|所|块|处|项|条|人|次)|\bhow (?:many|much)\b")


def counted_asked(u: Understanding) -> bool:
    """Whether the question asks for a count or amount (not 几月, a date)."""
    return COUNT_WORDS.search(u.normalized) is not None


# 「铺开到多少」 asks how far, which 全覆盖 answers; 「多少个婚姻登记处」 asks a number of things.
ITEMS_COUNTED = re.compile(r"(?:多少|几)(?:张|个|名|户|家|所|块|处|项|条|人|次)|\bhow many\b")
EXTENT = re.compile(r"全覆盖|全覆蓋|全面覆盖|全面覆蓋|全部|所有|应[\u4e00-\u9fff]尽[\u4e00-\u9fff]|應[\u4e00-\u9fff]盡[\u4e00-\u9fff]")


def task_gives_figure(task: Task, u: Understanding | None = None) -> bool:
    """Whether a task row states what a "how many / how much" question asks: a figure in its content, its
    city-wide breakdown, its units' cells or its other columns; or, for a question that counts no things
    (铺开到多少), an extent (全覆盖, 应保尽保)."""
    cells = [*(task.districts or {}).values(), *(task.unit_values or {}).values(),
             *(str(v) for v in (task.extra or {}).values())]
    texts = (task.content, task.citywide or "")
    if u is not None and not ITEMS_COUNTED.search(u.normalized) and any(EXTENT.search(t) for t in texts):
        return True
    # A cell is a bare number (240) more often than not; a date cell (2025年12月底前) gives no count.
    return (any(FIGURE_IN_TEXT.search(t) for t in texts)
            or any(re.search(r"\d", c) and not DATE_CELL.search(c) for c in cells))


def states_a_figure(sentences: list[tuple[Hit, str]]) -> bool:
    """Whether any of the sentences gives a figure (what a "how many / how much" question asks for)."""
    return any(FIGURE_IN_TEXT.search(s) for _, s in sentences)
