"""The router and extractive composer: question → route → cited answer, or an honest 'the plan does not say'.

Routes: `lookup` (table cells, computed aggregates, metadata), `retrieval` (paragraphs and rows found by
hybrid search), `abstain` (the plan does not say; nearest passages shown), `refused` (prompt
injection or spam). Every sentence that states a fact carries a citation to a record.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal, Protocol

from assistant import compose
from assistant.chunks import Chunk, is_heading_only
from assistant.errors import InputError
from assistant.evidence import Evidence
from assistant.ingest.clean import spam_signals
from assistant.lexicon import Vocabulary, expand_english, use_vocabulary, vocabulary
from assistant.lookup import deadline_items, numeric_tasks
from assistant.models import Answer, ChatMessage, Finding, Plan, Reform, Task
from assistant.places import english_places, english_places_in_text, foreign_places
from assistant.render import Voice
from assistant.text import normalize, to_simplified, tokenize
from assistant.topic import alternatives, numbers_in, support, topic_tokens
from assistant.understand import AMOUNT_CUES, Understanding, has_any, understand

OFF_TOPIC_CUES = (
    "天气", "气温", "下雨", "weather", "temperature", "工资", "薪水", "薪资", "待遇", "salary", "wage", "股票", "stock price",
    "电影", "movie", "足球", "football", "菜谱", "recipe", "彩票中奖", "中奖号码", "winning number", "房价", "house price",
)
PERSON_CUES = ("局长", "市长", "书记", "主任是谁", "负责人是谁", "叫什么名字", "名字", "姓名", "who is the director",
               "who is the mayor", "name of the", "whose name", "电话", "手机号", "phone", "email", "邮箱", "地址在哪")
MONEY_CUES = ("预算", "经费", "资金", "拨款", "多少钱", "多少元", "几元", "花多少", "投入多少", "投资", "补贴标准", "补贴多少",
              "发多少", "工资", "budget", "funding", "how much money", "how much is the subsidy", "cost", "yuan", "rmb",
              "invest", "spend", "allowance amount")
# An amount in yuan: 5.78亿元 in a sentence, or a cell under a 金额（万元） column.
MONEY_AMOUNT = re.compile(r"\d[\d.]*\s*[億亿萬万]?元|[億亿萬万]?元\s*[)）]?\s*[:：]\s*\d")
CONTACT_DATA = re.compile(r"\d{3,4}-\d{7,8}|(?<!\d)1[3-9]\d{9}(?!\d)|(联系人|联络员|姓名)\s*[:：]")
DUE_DATE = re.compile(r"\d{1,2}\s*月(?:\d{1,2}\s*日|底|中旬|上旬|下旬)?前|年底前|年内|\d{1,2}\s*月底")
ASKED_MEASURE = re.compile(r"(?:多少|几)(张|个|名|户|人次|人|家|所|块|场|对|支|元|万元|亿元|处|项|条|次)")
TEXT_DATE = "text:"
LIST_DEADLINE_CUES = ("哪些时间节点", "时间节点有哪些", "时间安排", "哪些节点", "which deadlines", "what deadlines",
                      "milestones", "timeline", "schedule")
BARE_NUMBER = re.compile(r"\d+(?:\.\d+)?")
LISTED_PLACE = re.compile(r"(?<=[、，,在和与及])([\u4e00-\u9fff]{2,3}(?:区|县|市|镇|街道))(?=[、，,。；和与及等])")
COUNTED_THING = re.compile(r"(?:多少|几)(?:张|个|名|户|家|所|块|场|对|支|处|项|条)([\u4e00-\u9fff]{2,12}?)(?:[?？。，,的]|$|呢|吗)")
BODY_NAME = re.compile(r"[\u4e00-\u9fff]{1,10}(?:局|常委会|委员会|委|办公室|政府|部门|中心|联合会|总会|协会|法院|检察院)")
UNDERSTOOD_CHARS = 300
SUPPORT_THRESHOLD = 0.34
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def refusal(plan: Plan) -> tuple[str, str]:
    """The refusal to injected instructions and spam, naming the loaded plan."""
    title = plan.metadata.get("plan_title") or plan.metadata.get("title") or "工作计划"
    # No figures in a refusal: it cites nothing, so a year from the title would be an unsupported number.
    title = re.sub(r"\d+", "", re.sub(r"^\d{4}\s*年(度)?", "", title)).strip() or "工作计划"
    city = vocabulary().city[:1]
    where = to_simplified(city[0]) if city else ""
    return (
        f"我只回答关于{where}《{to_simplified(title)}》这份计划的问题，不会执行改变这一设定的指令，也不处理与计划无关的内容。",
        f"I only answer questions about the plan “{title}”; I don't follow instructions that change that, "
        "and I don't handle unrelated content.",
    )


def plan_years(plan: Plan) -> set[int]:
    """The years a plan is about: those in its title (2025年…要点), else the year it was signed."""
    title = plan.metadata.get("plan_title") or plan.metadata.get("title", "")
    years = {int(y) for y in YEAR.findall(title)}
    if not years:
        for key in ("signed", "published", "generated"):
            if plan.metadata.get(key, "")[:4].isdigit():
                return {int(plan.metadata[key][:4])}
    return years


class Hit(Protocol):
    id: str
    text: str
    score: float
    kind: str


class Searcher(Protocol):
    def search(
        self, query: str, k: int = 8, district: str | None = None, quarter: str | None = None,
        kinds: Sequence[str] | None = None, mode: Literal["hybrid", "bm25", "dense"] = "hybrid",
    ) -> list: ...  # type: ignore[type-arg]


def informative_tokens(question: str, language: str) -> set[str]:
    """Topic tokens of a question (see assistant.topic)."""
    return topic_tokens(question, language)


class Answerer:
    """Answers one question at a time from the plan, its chunks and a hybrid retriever."""

    def __init__(self, plan: Plan, chunks: list[Chunk], retriever: Searcher) -> None:
        self.plan = plan
        self.chunks = {c.id: c for c in chunks}
        self.retriever = retriever
        self.tasks = {t.id: t for t in plan.tasks}
        self.reforms = {r.id: r for r in plan.reforms}
        self.numeric = {t.id for t in numeric_tasks(plan)}
        use_vocabulary(Vocabulary.from_plan(plan))
        self.document_text = normalize(" ".join(c.text for c in chunks))
        # Names and phone numbers only when the page has them (a 联络员名单): then contact questions are asked.
        self.has_contacts = CONTACT_DATA.search(self.document_text) is not None
        # Places the text lists (在上城区、拱墅区开展…) that are no unit of the plan's tables.
        self.text_places = {m.group(1) for m in LISTED_PLACE.finditer(self.document_text)} - {
            normalize(a) for names in vocabulary().units.values() for a in names}
        self.years = plan_years(plan)

    # ---- entry point -------------------------------------------------------------------------
    def answer(self, question: str, history: list[ChatMessage] | None = None) -> Answer:
        """The cited answer to the last question of a conversation."""
        if not question or not question.strip():
            raise InputError("the question is empty; ask something about the plan")
        # What a question asks is in its first few hundred characters; reading a 2,000-character paste in
        # full (tokens, places, support over every passage) costs several times more and finds nothing more.
        asked = question.strip()[:UNDERSTOOD_CHARS]
        u = understand(asked, history)
        voice = Voice.for_question(u.language, u.script)
        ev = Evidence(self.chunks, voice, self.plan.source_name)
        if u.intent == "refuse" or self._is_spam(question):
            return Answer(answer=voice.say(*refusal(self.plan)), answerable=False, route="refused")
        reason = self._out_of_scope(u)
        if reason:
            return self._abstain(u, ev, reason)
        result = self._route(u, ev)
        if result.route == "abstain" and history and not u.followup and len(informative_tokens(u.topic, u.language)) <= 3:
            merged = understand(asked, history, merge=True)
            retry = self._route(merged, Evidence(self.chunks, voice, self.plan.source_name))
            if retry.answerable:
                return retry
        return result

    def _route(self, u: Understanding, ev: Evidence) -> Answer:
        """The route's handler for the intent; the general answer when it has nothing."""
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
        """Reasons the plan cannot answer, decided before routing: another year, city, person, or money."""
        text = u.normalized
        other_years = [y for y in u.years if y not in self.years and str(y) not in self.document_text]
        if other_years:
            return f"year:{other_years[0]}"
        for place, stem in foreign_places(u.question):
            # Named in passing (a study visit to another city) is not covering it: the best passage must name it.
            if stem not in self.document_text or not any(stem in normalize(h.text) for h in self._search(u, k=1)):
                return f"city:{place}"
        others = english_places(u.question, self.document_text)
        if others:
            return f"city:{others[0]}"
        if has_any(text, OFF_TOPIC_CUES):
            return "off-topic"
        if (has_any(text, PERSON_CUES) and not self.has_contacts
                and not has_any(text, ("哪个单位", "哪个部门", "which unit", "which department", "which bureau"))):
            return "person"
        counted = COUNTED_THING.search(text)
        if counted and len(counted.group(1)) >= 2:
            thing = counted.group(1)
            # 「多少个儿童之家」 on a page that never names 儿童之家: no passage can hold that count.
            parts = [p for p in re.split(r"[和与及、或]", thing) if len(p) >= 2]
            def named(word: str) -> bool:
                return any(a in self.document_text for a in alternatives(word))

            # A part is named when the page has it, or every word of it (开服务点 → 服务 … 点).
            if parts and not any(named(p) or all(named(t) for t in tokenize(p) if len(t) >= 2)
                                 and any(len(t) >= 2 for t in tokenize(p)) for p in parts):
                return "no-support: the plan never names what is counted"
        if has_any(text, MONEY_CUES):
            if not any(MONEY_AMOUNT.search(h.text) for h in self._search(u, k=5)):
                return "money"
        return None

    # ---- search helpers ----------------------------------------------------------------------
    def _search(self, u: Understanding, kinds: Sequence[str] | None = None, k: int = 8, use_district: bool = True):  # type: ignore[no-untyped-def]
        district = u.districts[0] if use_district and len(u.districts) == 1 else None
        hits = self.retriever.search(u.topic, k=k, district=district, kinds=kinds)
        expanded = self._query(u)
        if expanded != u.topic:
            seen = {h.id for h in hits}
            # Lexical only: the glossary terms matter for exact words, while the dense ranking of the topic
            # already covers paraphrase, and a second question vector would double the embedding time.
            more = self.retriever.search(expanded, k=k, district=district, kinds=kinds, mode="bm25")
            hits += [h for h in more if h.id not in seen]
        return hits

    @staticmethod
    def _query(u: Understanding) -> str:
        """The search text: the topic plus the plan's own terms for what the asker called it (福彩 → 福利彩票)."""
        extra = sorted({a for t in topic_tokens(u.topic, u.language) for a in alternatives(t)} - {u.topic})
        missing = [a for a in extra if a not in u.topic]
        return u.topic + (" " + " ".join(missing) if missing else "")

    def _supported(self, u: Understanding, hit_text: str) -> bool:
        return support(informative_tokens(u.topic, u.language), hit_text) >= SUPPORT_THRESHOLD

    def _best_task(self, u: Understanding, numeric_only: bool = False) -> Task | None:
        return next((t for t in self._ranked_tasks(u, numeric_only)), None)

    def _ranked_tasks(self, u: Understanding, numeric_only: bool = False) -> list[Task]:
        """Supported task rows, best first; a row naming a number the question names goes first."""
        tokens = informative_tokens(u.topic, u.language)
        wanted = numbers_in(u.topic)
        scored = []
        for rank_no, hit in enumerate(self._search(u, kinds=["task"], k=10, use_district=False)):
            t = self.tasks.get(hit.id)
            if not t or (numeric_only and t.id not in self.numeric):
                continue
            sup = support(tokens, hit.text)
            if sup < SUPPORT_THRESHOLD:
                continue
            numbers = bool(wanted) and wanted <= numbers_in(t.content)
            scored.append((not numbers, -round(sup, 1), rank_no, t))
        return [t for *_, t in sorted(scored, key=lambda x: x[:3])]

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
                f"注意：正文写的是「…{v.quote(f.evidence[0])}…」{body_marker}，附件{task.table}写的是「{v.quote(task.content)}」"
                f"{table_marker}，两处不一致。",
                f"Note: the body says “…{f.evidence[0]}…” {body_marker} while attachment {task.table} says “{task.content}” "
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
            "publisher": ("发布机构", "发文机关", "谁发布", "哪个部门发布", "哪个单位发", "哪个机构", "什么机构", "publisher",
                          "issued by", "who issued"),
            "issuer": ("发文单位", "落款", "谁发布", "哪个单位发", "issued by", "who issued", "发文机关"),
            "generated": ("生成日期", "generated", "created"),
            "published": ("公开日期", "发布日期", "什么时候发布", "何时发布", "哪天发布", "什么时候公开", "published",
                          "publication date"),
            "signed": ("成文日期", "印发日期", "什么时候印发", "哪天印发", "何时印发", "issue date", "signed", "落款"),
            "attachments": ("附件", "attachment", "annex"),
            "outline": ("章节", "几个部分", "哪几部分", "哪些部分", "框架", "结构", "chapters", "outline", "structure",
                        "main parts", "main sections"),
            "addressees": ("主送", "发给谁", "发给哪些", "通知对象", "addressed to"),
            "expiry": ("废止", "有效期", "still valid", "expire"),
            "title": ("文件名称", "标题", "title"),
            "disclosure": ("公开方式",),
            "category": ("公开分类",),
        }
        wanted = [key for key, cues in fields.items() if has_any(u.normalized, cues)
                  and (key in self.plan.metadata or key in ("attachments", "outline"))]
        if not wanted:
            wanted = [k for k in ("title", "doc_number", "publisher", "signed", "published") if k in self.plan.metadata]
        v = ev.voice
        lines = []
        for key in wanted:
            if key == "attachments":
                lines += self._attachments(ev)
                continue
            if key == "outline":
                lines += self._coverage(ev)
                continue
            if key == "signed":
                lines.append(self._signed(ev))
                continue
            label = META_LABELS[key]
            value = self.plan.metadata[key]
            marker = ev.cite("meta", f"{label}: {value}", "文件信息")
            lines.append(f"{v.label(label) if not v.english else key.replace('_', ' ')}: {v.quote(value)} {marker}")
        return self._finish(ev, "\n".join(lines), True, "lookup", u)

    def _attachments(self, ev: Evidence) -> list[str]:
        """The attachment list as the notice gives it."""
        section = self.chunks.get("sec-attachments")
        if section is None:
            return []
        body = section.text.split(": ", 1)[-1]
        return [f"{ev.voice.quote(line)} {ev.cite(section.id, line, '正文 · 附件')}" for line in body.split("\n")]

    def _signed(self, ev: Evidence) -> str:
        """The signing date as the notice or its closing signature prints it, with its ISO form; else the
        header's 成文日期 field."""
        v = ev.voice
        label = v.say("成文日期", "signed")
        signed = self.plan.metadata.get("signed", "")
        for sid, where in (("sec-signature", "正文 · 落款"), ("sec-notice", "正文 · 通知")):
            section = self.chunks.get(sid)
            date = re.search(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", section.text) if section else None
            if section is None or date is None:
                continue
            marker = ev.cite(section.id, date.group(0), where)
            issuer = self.plan.metadata.get("issuer", "")
            if issuer and issuer in section.text:
                marker += ev.cite(section.id, issuer, where)
            return f"{label}: {v.quote(issuer)} {date.group(0)} ({signed}) {marker}"
        meta = self.chunks.get("meta")
        if signed and meta is not None and signed in meta.text:
            from assistant.chunks import META_LABELS

            quote = f"{META_LABELS['signed']}: {signed}"
            if quote in meta.text:
                return f"{label}: {signed} {ev.cite('meta', quote, '文件信息')}"
        return ""

    def _milestone(self, u: Understanding, ev: Evidence) -> Answer | None:
        districts = u.districts
        if not districts:
            hits = self._search(u, kinds=["milestone", "reform_target"], k=5)
            if not hits or not self._supported(u, hits[0].text) or len(u.quarters) == 4:
                if not u.quarters:
                    return None
                districts = list(dict.fromkeys(r.district for r in self.plan.reforms))
            else:
                districts = [self.reforms[self.chunks[hits[0].id].record_id].district]
        if not any(r.district in districts for r in self.plan.reforms):
            return self._abstain(u, ev, "no-support: the milestone table has no row for this unit")
        body = compose.milestones(self.plan, ev, districts, u.quarters)
        return self._finish(ev, body, True, "lookup", u)

    def _reform_target(self, u: Understanding, ev: Evidence) -> Answer | None:
        districts = u.districts
        if not districts:
            hits = self._search(u, kinds=["reform_target"], k=3)
            if not hits or not self._supported(u, hits[0].text):
                return None
            districts = [self.reforms[self.chunks[hits[0].id].record_id].district]
        if not any(r.district in districts for r in self.plan.reforms):
            return self._abstain(u, ev, "no-support: the milestone table has no row for this unit")
        return self._finish(ev, compose.reform_targets(self.plan, ev, districts), True, "lookup", u)

    def _responsible(self, u: Understanding, ev: Evidence) -> Answer | None:
        tokens = informative_tokens(u.topic, u.language)
        hits = [h for h in self._search(u, kinds=["task", "reform_target"], k=8, use_district=False)
                if self._supported(u, h.text)]
        if not hits:
            return self._responsible_in_text(u, ev, tokens)
        # A task row names its responsible bodies; a reform row only its unit: between equally good
        # matches the task row answers "who is responsible".
        rank = {h.id: i for i, h in enumerate(hits)}

        def fit(h) -> tuple[float, int]:  # type: ignore[no-untyped-def]
            score = round(support(tokens, h.text), 2)
            if h.kind == "task":
                score += 0.1
            elif u.districts and h.district in u.districts:
                score += 0.3  # 「宝应县改革项目的责任处室」: the named unit's own row
            return score, -rank[h.id]

        hit = max(hits, key=fit)
        if hit.kind == "task":
            return self._finish(ev, compose.responsible(ev, self.tasks[hit.id]), True, "lookup", u)
        reform: Reform = self.reforms[self.chunks[hit.id].record_id]
        return self._finish(ev, compose.reform_owner(ev, reform), True, "lookup", u)

    def _responsible_in_text(self, u: Understanding, ev: Evidence, tokens: set[str]) -> Answer | None:
        """A plan without a task table names who does what in its sentences (市民政局…组织开展年度考核)."""
        best: tuple[float, int, str, str] | None = None
        for rank_no, hit in enumerate(self._search(u, k=10)):
            if hit.kind not in ("subsection", "preamble", "notice"):
                continue
            for sentence in self._sentences(hit.id):
                if not BODY_NAME.search(sentence):
                    continue
                score = support(tokens, sentence)
                if score >= SUPPORT_THRESHOLD and (best is None or (score, -rank_no) > best[:2]):
                    best = (score, -rank_no, hit.id, sentence)
        if best is None:
            return None
        _, _, chunk_id, sentence = best
        marker = ev.cite(chunk_id, sentence, self._label_for(self.chunks[chunk_id]))
        return self._finish(ev, f"{ev.voice.quote(sentence)} {marker}", True, "retrieval", u)

    def _aggregate(self, u: Understanding, ev: Evidence) -> Answer | None:
        task = self._best_task(u, numeric_only=True)
        if task is None:
            return None
        body, ok = compose.aggregate(ev, task, u.aggregate or "rank", u.districts)
        if not body:
            return None
        return self._finish(ev, body, ok, "lookup", u)

    def _deadline(self, u: Understanding, ev: Evidence) -> Answer | None:
        """The dated item that matches best (「3月底前…」), or the quarter of the reform milestone that does."""
        tokens = informative_tokens(u.topic, u.language)
        best: tuple[float, int, Any, str | None] | None = None
        candidate: tuple[float, int, Any, str | None]
        for rank_no, hit in enumerate(self._search(u, k=8)):
            if not self._supported(u, hit.text):
                continue
            if hit.kind == "task":
                task = self.tasks[hit.id]
                items = deadline_items(task.citywide or "")
                if not items and compose.columns_of(task.extra, ("deadline",)):
                    # A 完成时限 column: the row's own due date, as good as the row matches the question.
                    candidate = (support(tokens, hit.text), -rank_no, hit, "")
                    if best is None or candidate[:2] > best[:2]:
                        best = candidate
                    continue
                if not items:
                    continue
                item = max(items, key=lambda x: support(tokens, x))
                score = (support(tokens, hit.text) + support(tokens, item)) / 2 if support(tokens, item) else 0.0
                candidate = (score, -rank_no, hit, item)
            elif hit.kind == "milestone":
                candidate = (support(tokens, hit.text) * 0.9, -rank_no, hit, None)
            elif hit.kind in ("subsection", "preamble", "notice"):
                dated_sentences = [x for x in self._sentences(hit.id) if DUE_DATE.search(x)]
                if not dated_sentences:
                    continue
                asked = set(DUE_DATE.findall(u.normalized))  # 「9月底前要完成多少」: the sentence with that date

                def fit(x: str, asked: set[str] = asked) -> float:
                    return support(tokens, x) + 0.5 * bool(asked & set(DUE_DATE.findall(x)))

                sentence = max(dated_sentences, key=fit)
                candidate = (fit(sentence), -rank_no, hit, TEXT_DATE + sentence)
            else:
                continue
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        if best is None or best[0] == 0:
            return None
        _, _, hit, dated = best
        if dated is not None and dated.startswith(TEXT_DATE):
            return self._finish(ev, self._dated_text(u, ev, hit.id, dated[len(TEXT_DATE):]), True, "retrieval", u)
        if dated == "":
            return self._finish(ev, compose.due_column(ev, self.tasks[hit.id]), True, "lookup", u)  # type: ignore[attr-defined]
        if dated is not None:
            return self._finish(ev, compose.deadlines(ev, self.tasks[hit.id], dated) or "", True, "lookup", u)  # type: ignore[attr-defined]
        return self._reform_hit_answer(u, ev, hit)

    def _sentences(self, chunk_id: str) -> list[str]:
        """A body passage's sentences (split after 。 and ；)."""
        chunk = self.chunks[chunk_id]
        body = chunk.text.split(": ", 1)[1] if ": " in chunk.text else chunk.text
        return [x.strip() for x in re.split(r"(?<=[。;；])", body) if x.strip()]

    def _dated_text(self, u: Understanding, ev: Evidence, chunk_id: str, sentence: str) -> str:
        """The dated sentence that answers "by when"; for "which deadlines", every dated sentence of the
        passage and of the numbered items under it."""
        chunk = self.chunks[chunk_id]
        label = self._label_for(chunk)
        lines = [f"{ev.voice.quote(sentence)} {ev.cite(chunk_id, sentence, label)}"]
        if has_any(u.normalized, LIST_DEADLINE_CUES):
            depth = len(chunk.section_path)
            family = [c for c in self.chunks.values() if c.kind == "subsection" and c.section_path[:depth]
                      == chunk.section_path and len(c.section_path) in (depth, depth + 1)] if depth else [chunk]
            for c in family:
                for x in self._sentences(c.id):
                    if DUE_DATE.search(x) and x != sentence:
                        lines.append(f"{ev.voice.quote(x)} {ev.cite(c.id, x, self._label_for(c))}")
        return "\n".join(lines)

    def _district_quota(self, u: Understanding, ev: Evidence) -> Answer | None:
        """A district's figure for a task row, unless the district's own reform rows match the question better."""
        tokens = informative_tokens(u.topic, u.language)
        task = self._best_task(u)
        reform_hit = None
        if len(u.districts) == 1:
            for hit in self._search(u, kinds=["reform_target", "milestone"], k=5):
                if hit.district == u.districts[0] and self._supported(u, hit.text):
                    reform_hit = hit
                    break
        task_support = support(tokens, self.chunks[task.id].text) if task else 0.0
        reform_support = support(tokens, reform_hit.text) if reform_hit is not None else -1.0
        citywide_task = task is not None and not task.districts and not task.unit_values
        if reform_hit is not None and (reform_support > task_support or (citywide_task and reform_support == task_support)):
            return self._reform_hit_answer(u, ev, reform_hit)
        if task is None:
            return None
        body, ok = compose.quota(self.plan, ev, task, u.districts)
        return self._finish(ev, body, ok, "lookup", u)

    def _reform_hit_answer(self, u: Understanding, ev: Evidence, hit) -> Answer:  # type: ignore[no-untyped-def]
        """Answer from one reform row: its targets, or the quarter cell that matched."""
        r = self.reforms[self.chunks[hit.id].record_id]
        if hit.kind == "milestone":
            body = compose.milestone_cell(ev, r, self.chunks[hit.id].quarter or "")
        else:
            body = compose.reform_row_targets(ev, r)
        return self._finish(ev, body, True, "lookup", u)

    def _general(self, u: Understanding, ev: Evidence) -> Answer:
        hits = self._search(u, k=8)
        good = [h for h in hits if self._supported(u, h.text)]
        if not good:
            return self._abstain(u, ev, "no-support", hits)
        top = self._prefer_heading_match(u, good)
        if u.all_districts and top.kind != "task":
            # 「哪些镇街没有…任务」, 「各区分别…」: a breakdown across the units answers it, not one unit's row.
            tokens = informative_tokens(u.topic, u.language)
            bar = 0.8 * support(tokens, top.text)
            top = next((h for h in good if h.kind == "task" and self.tasks[h.id].districts
                        and support(tokens, h.text) >= bar), top)
        unnamed = self._place_without_figure(u, good)
        if unnamed:
            return self._abstain(u, ev, f"unit:{unnamed}", good)
        computed = self._row_aggregate(u, ev, good, top)
        if computed:
            return self._finish(ev, computed, True, "lookup", u)
        rows = self._row_answer(u, ev, good, top)
        if rows:
            return self._finish(ev, rows, True, "retrieval", u)
        if has_any(u.normalized, AMOUNT_CUES) and top.kind != "task":
            task = self._best_task(u)
            tokens = informative_tokens(u.topic, u.language)
            if task is not None and support(tokens, self.chunks[task.id].text) >= support(tokens, top.text):
                top = next((h for h in self._search(u, kinds=["task"], k=10, use_district=False) if h.id == task.id), top)
        v = ev.voice
        if top.kind == "subsection" and self._heading_support(u, top.id) >= 0.6 and not has_any(u.normalized, AMOUNT_CUES):
            return self._finish(ev, self._paragraph(ev, top.id), True, "retrieval", u)
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
                q = self.chunks[top.id].quarter or ""
                return self._finish(ev, compose.milestones(self.plan, ev, [r.district], [q]), True, "retrieval", u)
            return self._finish(ev, compose.reform_targets(self.plan, ev, [r.district]), True, "retrieval", u)
        return self._finish(ev, self._extract_sentences(u, ev, good[:4]), True, "retrieval", u)

    def _heading_support(self, u: Understanding, section_id: str) -> float:
        """How much of a subsection's heading (「完善老齡工作機制」) the question repeats."""
        section = next((x for x in self.plan.sections if x.id == section_id), None)
        if section is None:
            return 0.0
        heading = topic_tokens(section.heading, "zh")
        question = u.topic if u.language == "zh" else expand_english(u.topic)
        return max(support(heading, question), support(informative_tokens(u.topic, u.language), section.heading))

    def _place_without_figure(self, u: Understanding, good: list) -> str:  # type: ignore[type-arg]
        """A place a "how many" question names that none of the best passages mentions: the plan gives only
        a figure for the whole city (or another breakdown), so no figure for that place may be answered."""
        vocab = vocabulary()
        places = {d: [normalize(a) for a in vocab.units.get(d, (d,))] for d in u.districts}
        if has_any(u.normalized, AMOUNT_CUES):
            places |= {place: [place, stem] for place, stem in foreign_places(u.question)}
            places |= {name: [name] for name in english_places_in_text(u.question, self.document_text)}
            places |= {name: [name] for name in self.text_places if name in u.normalized and name not in places}
        if not places or not good:
            return ""
        tokens = informative_tokens(u.topic, u.language)
        bar = 0.8 * support(tokens, good[0].text)
        relevant = [h for h in good[:3] if support(tokens, h.text) >= bar]  # the passages an answer would use
        # Of a body passage, only its sentences that carry the topic: 「在鼓楼区…开展试点」 beside
        # 「新增床位2000张」 does not give 鼓楼区 a figure.
        texts = []
        for h in relevant:
            if h.kind in ("subsection", "preamble", "chapter"):
                sentences = self._sentences(h.id)
                top = max((support(tokens, x) for x in sentences), default=0.0)
                texts += [normalize(x) for x in sentences if top and support(tokens, x) >= 0.8 * top]
            else:
                texts.append(normalize(h.text))
        for place, aliases in places.items():
            if not any(h.district == place for h in relevant) and not any(a in t for a in aliases for t in texts):
                return place
        return ""

    def _row_answer(self, u: Understanding, ev: Evidence, good: list, top) -> str:  # type: ignore[no-untyped-def, type-arg]
        """Rows of a table of another kind (a fund table, a contact list), whole and cited.

        A row whose cell the question names (社会救助处) answers it; else, when a row is the best match,
        every row that matches about as well — 「哪些项目使用福彩公益金」 wants all of them.
        """
        rows = [h for h in good if h.kind == "row"]
        if not rows:
            return ""
        tokens = informative_tokens(u.topic, u.language)
        named = [h for h in rows if any(len(c) >= 3 and c in u.normalized for c in self._row_cells(h.id))]
        labels = self._row_labels()
        asks_column = any(alternatives(t) & labels for t in tokens)  # the question names a column (联系人, 资金来源)
        if named and (top.kind == "row" or asks_column):
            picked = named[:3]
        elif asks_column and top.kind != "row":
            best = max(support(tokens, h.text) for h in rows)
            picked = [h for h in rows if support(tokens, h.text) >= 0.8 * best][:6]
        elif top.kind == "row":
            best = support(tokens, top.text)
            picked = [h for h in rows if support(tokens, h.text) >= 0.8 * best][:6]
        else:
            return ""
        lines = []
        for h in picked:
            chunk = self.chunks[h.id]
            cells = chunk.text.split(" · ", 1)[1] if " · " in chunk.text else chunk.text
            lines.append(f"{ev.voice.quote(cells)} {ev.cite(h.id, cells, self._label_for(chunk))}")
        return "\n".join(lines)

    def _row_aggregate(self, u: Understanding, ev: Evidence, good: list, top) -> str:  # type: ignore[no-untyped-def, type-arg]
        """Most, least or total of a numeric column of a table of another kind (金额（万元）), cited row by row."""
        if u.aggregate not in ("max", "min", "sum", "rank") or top.kind != "row":
            return ""
        info = next((t for t in self.plan.tables if t.attachment == self.chunks[top.id].table and t.rows), None)
        if info is None:
            return ""
        tokens = informative_tokens(u.topic, u.language)
        numeric = [c for c in info.columns if sum(bool(BARE_NUMBER.fullmatch(r.cells.get(c, "").strip()))
                                                 for r in info.rows) >= max(2, len(info.rows) // 2)]
        numeric = [c for c in numeric if not re.search(r"序号|序號|编号", c)]
        if not numeric:
            return ""
        column = next((c for c in numeric if tokens & ({normalize(c)} | set(tokenize(c)))), numeric[0])
        name_col = next((c for c in info.columns if re.search(r"名称|名稱|项目|項目|内容|內容|事项|事項", c)),
                        info.columns[1] if len(info.columns) > 1 else info.columns[0])
        values = [(r, Decimal(r.cells[column].strip())) for r in info.rows
                  if BARE_NUMBER.fullmatch(r.cells.get(column, "").strip())]
        v = ev.voice

        def cite(r) -> str:  # type: ignore[no-untyped-def]
            chunk = self.chunks[r.id]
            quote = f"{column}: {r.cells[column]}"
            return ev.cite(r.id, quote if quote in chunk.text else chunk.text.split(" · ", 1)[-1], self._label_for(chunk))

        if u.aggregate == "sum":
            total = sum(x for _, x in values)
            parts = " + ".join(f"{x}" for _, x in values)
            markers = "".join(cite(r) for r, _ in values)
            return v.say(f"「{v.quote(column)}」各行合计：{parts} = {total} {markers}",
                         f"Total of “{column}” over the rows: {parts} = {total} {markers}")
        ordered = sorted(values, key=lambda rv: rv[1], reverse=u.aggregate != "min")
        if u.aggregate == "rank":
            lines = [f"{i}. {v.quote(r.cells.get(name_col, ''))} {x} {cite(r)}" for i, (r, x) in enumerate(ordered, 1)]
            return v.say(f"按「{v.quote(column)}」从高到低：\n", f"By “{column}”, highest first:\n") + "\n".join(lines)
        r, x = ordered[0]
        return v.say(f"「{v.quote(column)}」{'最多' if u.aggregate == 'max' else '最少'}的是"
                     f"{v.quote(r.cells.get(name_col, ''))}：{x} {cite(r)}",
                     f"{'Highest' if u.aggregate == 'max' else 'Lowest'} “{column}”: {r.cells.get(name_col, '')}, "
                     f"{x} {cite(r)}")

    def _row_labels(self) -> set[str]:
        """The column labels of the page's tables of other kinds, in matching form (with their words)."""
        if not hasattr(self, "_labels"):
            labels = {normalize(c) for t in self.plan.tables for c in t.columns if t.rows}
            labels |= {w for c in labels for w in tokenize(c) if len(w) >= 2}
            # A title's own words (联络员名单 → 联络员) too, but not those the body's headings use (民政).
            headed = {w for x in self.plan.sections for w in tokenize(x.heading)}
            titles = [normalize(t.title) for t in self.plan.tables if t.rows and t.title]
            self._labels = labels | set(titles) | {w for x in titles for w in tokenize(x) if len(w) >= 2} - headed
        return self._labels

    def _row_cells(self, row_id: str) -> list[str]:
        """A generic row's cell values in matching form."""
        if not hasattr(self, "_cells"):
            self._cells = {r.id: [normalize(v) for v in r.cells.values()] for t in self.plan.tables for r in t.rows}
        return self._cells.get(row_id, [])

    def _prefer_heading_match(self, u: Understanding, good: list):  # type: ignore[no-untyped-def]
        """A body subsection whose heading the question names beats a table row that merely shares words —
        unless the question asks for a quantity, which table rows state and paragraphs only summarise."""
        if has_any(u.normalized, AMOUNT_CUES) or has_any(u.topic, AMOUNT_CUES) or u.all_districts:
            return good[0]
        for hit in good[:4]:
            if hit.kind == "subsection" and self._is_title(hit.id) and self._heading_support(u, hit.id) >= 0.6:
                return hit
        return good[0]

    def _is_title(self, section_id: str) -> bool:
        """A heading that names a topic (深化殡葬改革), not a numbered item that is a whole sentence."""
        section = next((x for x in self.plan.sections if x.id == section_id), None)
        return section is not None and len(section.heading) <= 24 and not re.search(r"[，,；;]", section.heading)

    def _paragraph(self, ev: Evidence, section_id: str) -> str:
        """A whole body paragraph, cited once: policy questions want all of it, not three sentences."""
        chunk = self.chunks[section_id]
        body = chunk.text.split(": ", 1)[1]
        label = self._label_for(chunk)
        out = [f"{ev.voice.quote(body)} {ev.cite(section_id, body, label)}"]
        if is_heading_only(body) and chunk.section_path:
            # A heading with numbered items under it (（一）深化殡葬改革 / 1. … / 2. …): the items are the answer.
            depth = len(chunk.section_path)
            for child in self.chunks.values():
                if (len(child.section_path) == depth + 1 and child.section_path[:depth] == chunk.section_path
                        and child.kind == "subsection" and ": " in child.text):
                    text = child.text.split(": ", 1)[1]
                    out.append(f"  {ev.voice.quote(text)} {ev.cite(child.id, text, self._label_for(child))}")
        return "\n".join(out)

    def _extract_sentences(self, u: Understanding, ev: Evidence, hits: list) -> str:  # type: ignore[type-arg]
        """The sentences of the best paragraphs that share most with the question, in document order.

        Sentences compete across the paragraphs: a dated sentence wins a "when" question and one with a
        figure in the asked measure (多少张 → …张) a "how many" one, wherever it sits.
        """
        tokens = informative_tokens(u.topic, u.language)
        dated = u.intent == "deadline"
        measure = ASKED_MEASURE.search(u.normalized) or ASKED_MEASURE.search(u.topic)
        pattern = re.compile(rf"\d[\d.,]*\s*(?:{measure.group(1)})") if measure else None
        asked_dates = set(DUE_DATE.findall(u.normalized))
        found: list[tuple[float, int, int, object, str]] = []
        for rank, hit in enumerate(hits):
            for pos, sentence in enumerate(self._sentences(hit.id)):
                score = support(tokens, sentence)
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
            return ""
        if dated or pattern is not None or asked_dates:
            best = max(f[0] for f in found)
            picked = sorted(sorted((f for f in found if f[0] >= 0.6 * best), key=lambda f: -f[0])[:4],
                            key=lambda f: (f[1], f[2]))
        else:  # "how"/"what" questions: the three best sentences of each of the two best paragraphs
            picked = []
            for rank in sorted({f[1] for f in found})[:2]:
                mine = [f for f in found if f[1] == rank]
                picked += sorted(sorted(mine, key=lambda f: -f[0])[:3], key=lambda f: f[2])
        lines = []
        for _, _, _, hit, sentence in picked:
            label = self._label_for(self.chunks[hit.id])  # type: ignore[attr-defined]
            lines.append(f"{ev.voice.quote(sentence)} {ev.cite(hit.id, sentence, label)}")  # type: ignore[attr-defined]
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
            "money": v.say("计划没有给出这方面的金额。", "The plan gives no money amount for this. "),
            "city": self._only_city(v, reason.partition(":")[2]),
            "unit": v.say(f"计划没有给出{reason.partition(':')[2]}的这项数字。",
                          f"The plan gives no figure for {reason.partition(':')[2]} on this. "),
        }.get(kind, "")
        if kind == "year":
            title = self.plan.metadata.get("title") or self.plan.metadata.get("plan_title", "")
            holder = next((c for c in self.chunks.values() if title and title in c.text), None)
            marker = ev.cite(holder.id, title, self._label_for(holder)) if holder else ""
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

    def _only_city(self, v: Voice, asked: str = "") -> str:
        """「计划没有提到X；计划只涉及某市」 for the loaded plan's place, or a plain sentence when it names none."""
        from assistant.ingest.profile import pinyin

        city = vocabulary().city
        named = v.say(f"计划中没有提到{asked}。", f"The plan does not mention {asked}. ") if asked else ""
        if not city:
            return named or v.say("计划没有其他地方的内容。", "The plan covers no other place. ")
        return named + v.say(f"计划只涉及{city[0]}。", f"The plan covers {pinyin(city[-1])} only. ")

    def _coverage(self, ev: Evidence) -> list[str]:
        """The plan's chapters and attachments, each cited: what the assistant can answer about."""
        lines: list[str] = []
        seen: set[str] = set()
        chapters = [s.path[-1] for s in self.plan.sections if s.kind == "chapter"]
        for chunk in self.chunks.values():
            if chunk.kind != "subsection":
                continue
            chapter = next((c for c in chunk.section_path if c in chapters), None)
            if chapter is None or chapter in seen or chapter not in chunk.text:
                continue
            seen.add(chapter)
            lines.append(f"- {ev.voice.quote(chapter)} {ev.cite(chunk.id, chapter, '正文 · ' + chapter)}")
        for att in sorted(k for k in self.plan.metadata if k.startswith("attachment_") and k.endswith("_title")):
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
            items = r.milestones.get(chunk.quarter or "", []) or next(iter(r.milestones.values()), [])
            return items[0] if items else r.item
        if chunk.kind == "reform_target":
            return self.reforms[chunk.record_id].item
        body = chunk.text.split(": ", 1)[-1]
        sentences = [x.strip() for x in re.split(r"(?<=[。])", body) if len(x.strip()) > 12] or [body[:120]]
        tokens = informative_tokens(u.topic, u.language)
        # Between equally matching sentences, the one with a figure, then the fuller one: a heading that
        # repeats the topic says less than the sentence under it.
        return max(sentences, key=lambda x: (support(tokens, x), bool(re.search(r"\d", x)), len(x)))

    def _label_for(self, chunk: Chunk) -> str:
        if chunk.kind == "task":
            return compose.task_label(self.tasks[chunk.id])
        if chunk.kind in ("milestone", "reform_target"):
            r = self.reforms[chunk.record_id]
            return compose.reform_label(r, chunk.quarter or "任務目標")
        if chunk.kind == "meta":
            return "文件信息"
        if chunk.kind == "row":
            return f"附件{chunk.table} · {chunk.text.split(' · ', 2)[1] if ' · ' in chunk.text else chunk.id}"
        return "正文 · " + (chunk.section_path[-1] if chunk.section_path else chunk.id)
