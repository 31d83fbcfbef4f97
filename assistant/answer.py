"""The router and extractive composer: question → route → cited answer, or an honest 'the plan does not say'.

Routes: `lookup` (table cells, computed aggregates, metadata), `retrieval` (paragraphs and rows found by
hybrid search), `abstain` (the plan does not say; nearest passages shown), `refused` (prompt
injection or spam). Every sentence that states a fact carries a citation to a record.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from assistant import compose
from assistant.chunks import Chunk
from assistant.errors import InputError
from assistant.evidence import Evidence
from assistant.ingest.clean import spam_signals
from assistant.lexicon import expand_english, question_words
from assistant.lookup import deadline_items, numeric_tasks
from assistant.models import QUARTERS, Answer, ChatMessage, Finding, Plan, Reform, Task
from assistant.render import Voice
from assistant.text import normalize, tokenize
from assistant.understand import Understanding, has_any, understand

OFF_TOPIC_CUES = (
    "天气", "气温", "下雨", "weather", "temperature", "工资", "薪水", "薪资", "待遇", "salary", "wage", "股票", "stock price",
    "电影", "movie", "足球", "football", "菜谱", "recipe", "彩票中奖", "中奖号码", "winning number", "房价", "house price",
)
PERSON_CUES = ("局长", "市长", "书记", "主任是谁", "负责人是谁", "叫什么名字", "名字", "姓名", "director", "mayor",
               "secretary", "name of", "whose name", "联系电话", "手机号", "phone number")
MONEY_CUES = ("预算", "经费", "资金多少", "拨款", "多少钱", "花多少", "投入多少", "budget", "funding", "how much money", "cost")
OTHER_CITIES = ("北京", "上海", "天津", "重庆", "南京", "苏州", "无锡", "南通", "扬州", "镇江", "泰州", "徐州", "盐城", "淮安",
                "连云港", "宿迁", "杭州", "广州", "深圳", "武汉", "成都", "西安", "合肥", "宁波", "郑州", "长沙",
                "beijing", "shanghai", "nanjing", "suzhou", "wuxi", "hangzhou", "guangzhou", "shenzhen")
QUESTION_WORDS = {
    "什么", "哪些", "哪个", "多少", "几个", "怎么", "如何", "是否", "有没有", "请问", "一下", "计划", "工作", "要点", "全市",
    "要求", "安排", "情况", "内容", "进行", "开展", "今年", "2025", "年", "目标", "任务", "哪", "几", "谁", "吗", "呢",
    "负责", "责任", "单位", "部门", "项目", "最多", "最少", "最高", "最低", "一共", "合计", "加起来", "总共", "分别", "各区",
    "哪个区", "多少个", "多少户", "多少张", "多少名", "截止", "时间", "什么时候", "完成", "进度", "改革", "季度",
}
SUPPORT_THRESHOLD = 0.34
REFUSAL_ZH = "我只回答关于常州市《全市民政工作要点》这份计划的问题，不会执行改变这一设定的指令，也不处理与计划无关的内容。"
REFUSAL_EN = ("I only answer questions about the Changzhou civil-affairs work plan (全市民政工作要點); I don't follow "
              "instructions that change that, and I don't handle unrelated content.")


class Hit(Protocol):
    id: str
    text: str
    score: float
    kind: str


class Searcher(Protocol):
    def search(
        self, query: str, k: int = 8, district: str | None = None, quarter: str | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list: ...  # type: ignore[type-arg]


def informative_tokens(question: str, language: str) -> set[str]:
    """Tokens that carry the question's topic: for English, the Chinese terms the glossary adds.

    Question words, numbers, single characters and district/quarter names are dropped: district names
    occur in every task row, so they say nothing about whether a passage is on topic.
    """
    text = expand_english(question) if language == "en" else question
    tokens = set(tokenize(text))
    if language == "en":
        tokens = {t for t in tokens if re.search(r"[\u4e00-\u9fff]", t)}
    skip = {normalize(w) for w in entity_terms()} | QUESTION_WORDS | {normalize(w) for w in question_words()}
    return {t for t in tokens if len(t) > 1 and not t.isdigit() and t not in skip}


def entity_terms() -> set[str]:
    """District and quarter words (all aliases), excluded from topic support."""
    from assistant.lexicon import district_aliases, quarter_aliases

    return set(district_aliases()) | set(quarter_aliases())


def support(question_tokens: set[str], text: str) -> float:
    """Share of the question's topic tokens that the passage contains (0 when there are none)."""
    if not question_tokens:
        return 0.0
    norm = normalize(text)
    return sum(1 for t in question_tokens if t in norm) / len(question_tokens)


class Answerer:
    """Answers one question at a time from the plan, its chunks and a hybrid retriever."""

    def __init__(self, plan: Plan, chunks: list[Chunk], retriever: Searcher) -> None:
        self.plan = plan
        self.chunks = {c.id: c for c in chunks}
        self.retriever = retriever
        self.tasks = {t.id: t for t in plan.tasks}
        self.reforms = {r.id: r for r in plan.reforms}
        self.numeric = {t.id for t in numeric_tasks(plan)}
        self.document_text = normalize(" ".join(c.text for c in chunks))

    # ---- entry point -------------------------------------------------------------------------
    def answer(self, question: str, history: list[ChatMessage] | None = None) -> Answer:
        """The cited answer to the last question of a conversation."""
        if not question or not question.strip():
            raise InputError("the question is empty; ask something about the plan")
        u = understand(question.strip(), history)
        voice = Voice.for_question(u.language, u.script)
        ev = Evidence(self.chunks, voice, self.plan.source_name)
        if u.intent == "refuse" or self._is_spam(question):
            return Answer(answer=voice.say(REFUSAL_ZH, REFUSAL_EN), answerable=False, route="refused")
        reason = self._out_of_scope(u)
        if reason:
            return self._abstain(u, ev, reason)
        handler = {
            "metadata": self._metadata,
            "milestone": self._milestone,
            "reform_target": self._reform_target,
            "responsible": self._responsible,
            "aggregate": self._aggregate,
            "deadline": self._deadline,
            "district_quota": self._district_quota,
        }.get(u.intent, self._general)
        result = handler(u, ev)
        return result if result is not None else self._general(u, ev)

    # ---- guards ------------------------------------------------------------------------------
    @staticmethod
    def _is_spam(question: str) -> bool:
        signals = spam_signals(question)
        return any(s.startswith("spam vocabulary") for s in signals) and len(signals) >= 2

    def _out_of_scope(self, u: Understanding) -> str | None:
        text = u.normalized
        other_years = [y for y in u.years if y != 2025 and str(y) not in self.document_text]
        if other_years:
            return f"year:{other_years[0]}"
        for city in OTHER_CITIES:
            if city in text and city not in self.document_text:
                return f"city:{city}"
        if has_any(text, OFF_TOPIC_CUES):
            return "off-topic"
        if has_any(text, PERSON_CUES) and not has_any(text, ("单位", "部门", "unit", "department", "bureau")):
            return "person"
        return None

    # ---- search helpers ----------------------------------------------------------------------
    def _search(self, u: Understanding, kinds: Sequence[str] | None = None, k: int = 8, use_district: bool = True):  # type: ignore[no-untyped-def]
        district = u.districts[0] if use_district and len(u.districts) == 1 else None
        return self.retriever.search(u.topic, k=k, district=district, kinds=kinds)

    def _supported(self, u: Understanding, hit_text: str) -> bool:
        return support(informative_tokens(u.topic, u.language), hit_text) >= SUPPORT_THRESHOLD

    def _best_task(self, u: Understanding, numeric_only: bool = False) -> Task | None:
        for hit in self._search(u, kinds=["task"], k=10, use_district=False):
            t = self.tasks.get(hit.id)
            if t and (not numeric_only or t.id in self.numeric) and self._supported(u, hit.text):
                return t
        return None

    def _finish(self, ev: Evidence, body: str, answerable: bool, route: str, u: Understanding,
                caveat_refs: set[str] | None = None) -> Answer:
        caveats = self._caveats(ev, caveat_refs or {c.id for c in ev.citations})
        text = "\n".join(x for x in (body, caveats, ev.footer()) if x)
        return Answer(answer=text, answerable=answerable, route=route, citations=ev.citations,
                      degraded=bool(getattr(self.retriever, "degraded", False)))

    # ---- caveats from the audit ---------------------------------------------------------------
    def _caveats(self, ev: Evidence, refs: set[str]) -> str:
        notes: list[str] = []
        v = ev.voice
        for f in self.plan.findings:
            if f.status != "mismatch" or not refs.intersection(f.refs):
                continue
            notes.append(self._caveat_text(ev, f, v))
        return "\n".join(n for n in notes if n)

    def _caveat_text(self, ev: Evidence, f: Finding, v: Voice) -> str:
        if f.kind == "body-vs-table" and len(f.refs) == 2:
            sec_id, task_id = f.refs
            body_marker = ev.cite(sec_id, f.evidence[0], f"正文 · {self.chunks[sec_id].text.split(':')[0].split(' › ')[-1]}")
            task = self.tasks[task_id]
            table_marker = ev.cite(task_id, task.content, compose.task_label(task))
            return v.say(
                f"注意：正文写的是「…{v.quote(f.evidence[0])}…」{body_marker}，附件1写的是「{v.quote(task.content)}」"
                f"{table_marker}，两处不一致。",
                f"Note: the body says “…{f.evidence[0]}…” {body_marker} while attachment 1 says “{task.content}” "
                f"{table_marker}; the two disagree.",
            )
        if f.kind == "table-total" and f.refs:
            task = self.tasks[f.refs[0]]
            arithmetic = f.evidence[-1]
            ev.cite(task.id, task.content, compose.task_label(task))
            for part in arithmetic.split(" = ")[0].split(" + "):
                name, _, value = part.partition(" ")
                if task.districts and name in task.districts:
                    ev.cite(task.id, f"{name} {value}", compose.task_label(task, name))
            expr = re.sub(r"[^\d+=. ]", "", arithmetic)
            expr = re.sub(r"\s+", " ", expr).strip()
            return v.say(
                f"注意：该行写明「{v.quote(task.content.rstrip('。'))}」，但各区数值合计为 {expr}，与所写总数不一致。",
                f"Note: the row states “{task.content}”, but the district values add up to {expr}, which differs.",
            )
        return ""

    # ---- routes ------------------------------------------------------------------------------
    def _metadata(self, u: Understanding, ev: Evidence) -> Answer | None:
        from assistant.chunks import META_LABELS

        fields = {
            "doc_number": ("文件编号", "文号", "发文字号", "document number", "reference number"),
            "index_no": ("索引号", "index number"),
            "publisher": ("发布机构", "发文机关", "谁发布", "哪个部门发布", "哪个单位发", "publisher", "issued by", "who issued"),
            "issuer": ("发文单位", "落款"),
            "generated": ("生成日期",),
            "published": ("公开日期", "发布日期", "什么时候发布", "何时发布", "哪天发布", "什么时候公开", "published",
                          "publication date"),
            "signed": ("成文日期", "印发日期", "什么时候印发", "issue date", "signed"),
            "addressees": ("主送", "发给谁", "发给哪些", "通知对象", "addressed to"),
            "expiry": ("废止", "有效期", "still valid", "expire"),
            "title": ("文件名称", "标题", "title"),
            "disclosure": ("公开方式",),
            "category": ("公开分类",),
        }
        wanted = [key for key, cues in fields.items() if has_any(u.normalized, cues) and key in self.plan.metadata]
        if not wanted:
            wanted = [k for k in ("title", "doc_number", "publisher", "signed", "published") if k in self.plan.metadata]
        v = ev.voice
        lines = []
        for key in wanted:
            label = META_LABELS[key]
            value = self.plan.metadata[key]
            marker = ev.cite("meta", f"{label}: {value}", "文件信息")
            lines.append(f"{v.label(label) if not v.english else key.replace('_', ' ')}: {v.quote(value)} {marker}")
        return self._finish(ev, "\n".join(lines), True, "lookup", u)

    def _milestone(self, u: Understanding, ev: Evidence) -> Answer | None:
        districts = u.districts
        if not districts:
            hits = self._search(u, kinds=["milestone", "reform_target"], k=5)
            if not hits or not self._supported(u, hits[0].text) or u.quarters == list(QUARTERS):
                if not u.quarters:
                    return None
                districts = list(dict.fromkeys(r.district for r in self.plan.reforms))
            else:
                districts = [self.reforms[self.chunks[hits[0].id].record_id].district]
        body = compose.milestones(self.plan, ev, districts, u.quarters)
        return self._finish(ev, body, True, "lookup", u)

    def _reform_target(self, u: Understanding, ev: Evidence) -> Answer | None:
        districts = u.districts
        if not districts:
            hits = self._search(u, kinds=["reform_target"], k=3)
            if not hits or not self._supported(u, hits[0].text):
                return None
            districts = [self.reforms[self.chunks[hits[0].id].record_id].district]
        return self._finish(ev, compose.reform_targets(self.plan, ev, districts), True, "lookup", u)

    def _responsible(self, u: Understanding, ev: Evidence) -> Answer | None:
        for hit in self._search(u, kinds=["task", "reform_target"], k=8, use_district=False):
            if not self._supported(u, hit.text):
                continue
            if hit.kind == "task":
                return self._finish(ev, compose.responsible(ev, self.tasks[hit.id]), True, "lookup", u)
            reform: Reform = self.reforms[self.chunks[hit.id].record_id]
            return self._finish(ev, compose.reform_owner(ev, reform), True, "lookup", u)
        return None

    def _aggregate(self, u: Understanding, ev: Evidence) -> Answer | None:
        task = self._best_task(u, numeric_only=True)
        if task is None:
            return None
        body, ok = compose.aggregate(ev, task, u.aggregate or "rank", u.districts)
        if not body:
            return None
        return self._finish(ev, body, ok, "lookup", u)

    def _deadline(self, u: Understanding, ev: Evidence) -> Answer | None:
        for hit in self._search(u, k=6):
            if not self._supported(u, hit.text):
                continue
            if hit.kind == "task":
                task = self.tasks[hit.id]
                tokens = informative_tokens(u.topic, u.language)
                items = deadline_items(task.citywide or "")
                best = max(items, key=lambda x: support(tokens, x)) if items else None
                body = compose.deadlines(ev, task, best if best and support(tokens, best) > 0 else None)
                if body:
                    return self._finish(ev, body, True, "lookup", u)
            break
        return None

    def _district_quota(self, u: Understanding, ev: Evidence) -> Answer | None:
        task = self._best_task(u)
        if task is None:
            return None
        body, ok = compose.quota(self.plan, ev, task, u.districts)
        return self._finish(ev, body, ok, "lookup", u)

    def _general(self, u: Understanding, ev: Evidence) -> Answer:
        hits = self._search(u, k=8)
        good = [h for h in hits if self._supported(u, h.text)]
        if not good:
            return self._abstain(u, ev, "no-support", hits)
        top = good[0]
        v = ev.voice
        if top.kind == "task":
            t = self.tasks[top.id]
            if u.all_districts and t.districts:
                return self._finish(ev, compose.all_districts_listing(ev, t), True, "lookup", u)
            marker = ev.cite(t.id, t.content, compose.task_label(t))
            parts = [f"{v.quote(t.content)} {marker}"]
            if t.districts:
                parts.append(compose.all_districts_listing(ev, t))
            elif t.citywide:
                marker = ev.cite(t.id, compose.breakdown_quote(t), compose.task_label(t))
                parts.append(v.say("任务分解（全市）：", "City-wide breakdown: ") + v.quote(t.citywide) + f" {marker}")
            if t.unassigned_values:
                body, _ = compose.quota(self.plan, ev, t, [])
                parts.append(body)
            return self._finish(ev, "\n".join(parts), True, "retrieval", u)
        if top.kind in ("milestone", "reform_target"):
            r = self.reforms[self.chunks[top.id].record_id]
            if top.kind == "milestone":
                q = top.id.rsplit("-", 1)[1].upper()
                return self._finish(ev, compose.milestones(self.plan, ev, [r.district], [q]), True, "retrieval", u)
            return self._finish(ev, compose.reform_targets(self.plan, ev, [r.district]), True, "retrieval", u)
        return self._finish(ev, self._extract_sentences(u, ev, good[:2]), True, "retrieval", u)

    def _extract_sentences(self, u: Understanding, ev: Evidence, hits: list) -> str:  # type: ignore[type-arg]
        """The sentences of the best paragraphs that share most with the question, in document order."""
        tokens = informative_tokens(u.topic, u.language)
        lines: list[str] = []
        for hit in hits:
            chunk = self.chunks[hit.id]
            body = chunk.text.split(": ", 1)[1] if ": " in chunk.text else chunk.text
            sentences = [s for s in re.split(r"(?<=[。;；])", body) if s.strip()]
            scored = sorted(range(len(sentences)), key=lambda i: -support(tokens, sentences[i]))[:3]
            picked = [sentences[i].strip() for i in sorted(scored) if support(tokens, sentences[i]) > 0]
            if not picked:
                continue
            label = "文件信息" if chunk.kind == "meta" else "正文 · " + chunk.text.split(": ", 1)[0].split(" › ")[-1]
            for s in picked:
                lines.append(f"{ev.voice.quote(s)} {ev.cite(hit.id, s, label)}")
        return "\n".join(lines)

    def _abstain(self, u: Understanding, ev: Evidence, reason: str, hits: list | None = None) -> Answer:  # type: ignore[type-arg]
        """Say the plan does not answer this, then show what it does say nearest to the question."""
        v = ev.voice
        kind = reason.split(":")[0]
        if kind in ("off-topic", "person") or (kind == "no-support" and not informative_tokens(u.topic, u.language)):
            nearest = self._coverage(ev)
        else:
            if hits is None:
                hits = self._search(u, k=3)
            nearest = []
            for hit in hits[:2]:
                chunk = self.chunks[hit.id]
                quote = self._nearest_quote(chunk, u)
                nearest.append(f"- {v.quote(quote)} {ev.cite(chunk.id, quote, self._label_for(chunk))}")
        why = {
            "off-topic": v.say("这个问题与计划内容无关。", "This question is outside the plan. "),
            "person": v.say("计划中没有提到任何人的姓名或联系方式。", "The plan names no people or contact details. "),
            "city": v.say("计划只涉及常州市，没有其他城市的内容。", "The plan covers Changzhou only. "),
        }.get(kind, "")
        if kind == "year":
            title = self.plan.metadata.get("title", "")
            marker = ev.cite("meta", f"信息名稱: {title}", "文件信息")
            why = v.say(f"这份计划是「{v.quote(title)}」{marker}，不涉及所问的年份。",
                        f"This plan is “{title}” {marker}; it does not cover the year asked about. ")
        head = why + v.say("计划中没有写明这个问题的答案。", "The plan does not say.")
        if nearest:
            lead = (v.say("计划涵盖以下内容：", "What the plan covers:") if kind in ("off-topic", "person")
                    else v.say("计划中最接近的内容：", "Nearest things the plan does say:"))
            head += "\n" + lead + "\n" + "\n".join(nearest)
        text = "\n".join(x for x in (head, ev.footer()) if x)
        return Answer(answer=text, answerable=False, route="abstain", citations=ev.citations,
                      degraded=bool(getattr(self.retriever, "degraded", False)))

    def _coverage(self, ev: Evidence) -> list[str]:
        """The plan's eight chapters and two attachments, each cited: what the assistant can answer about."""
        lines: list[str] = []
        seen: set[str] = set()
        for chunk in self.chunks.values():
            if chunk.kind != "subsection":
                continue
            chapter = chunk.text.split(" › ")[1]
            if chapter in seen:
                continue
            seen.add(chapter)
            lines.append(f"- {ev.voice.quote(chapter)} {ev.cite(chunk.id, chapter, '正文 · ' + chapter)}")
        for att in ("attachment_1_title", "attachment_2_title"):
            title = self.plan.metadata.get(att)
            first = next((c for c in self.chunks.values() if title and title in c.text), None)
            if title and first:
                lines.append(f"- {ev.voice.quote(title)} {ev.cite(first.id, title, self._label_for(first))}")
        return lines

    def _nearest_quote(self, chunk: Chunk, u: Understanding) -> str:
        if chunk.kind == "task":
            return self.tasks[chunk.id].content
        if chunk.kind == "milestone":
            r = self.reforms[chunk.record_id]
            return r.milestones[chunk.quarter or "Q1"][0]
        if chunk.kind == "reform_target":
            return self.reforms[chunk.record_id].item
        body = chunk.text.split(": ", 1)[-1]
        sentences = [x.strip() for x in re.split(r"(?<=[。])", body) if len(x.strip()) > 12] or [body[:120]]
        tokens = informative_tokens(u.topic, u.language)
        return max(sentences, key=lambda x: support(tokens, x))

    def _label_for(self, chunk: Chunk) -> str:
        if chunk.kind == "task":
            return compose.task_label(self.tasks[chunk.id])
        if chunk.kind in ("milestone", "reform_target"):
            r = self.reforms[chunk.record_id]
            return compose.reform_label(r, chunk.quarter or "任務目標")
        if chunk.kind == "meta":
            return "文件信息"
        return "正文 · " + chunk.text.split(": ", 1)[0].split(" › ")[-1]
