"""The router: question → understanding → scope checks → one route's handler → cited Answer.

Routes answer as `lookup` (table cells, computed aggregates, metadata), `retrieval` (passages found by
hybrid search), `abstain` (the plan does not say; nearest passages shown) or `refused` (prompt
injection or spam). Every sentence that states a fact carries a citation to a record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from assistant.answering.abstain import abstain
from assistant.answering.contact import answer_contact
from assistant.answering.contest import adopt, better, contested, run
from assistant.answering.deadlines import answer_deadline
from assistant.answering.due_by import answer_due_by
from assistant.answering.frequency import answer_frequency
from assistant.answering.general import answer_general
from assistant.answering.metadata import answer_metadata
from assistant.answering.milestones import answer_milestone, answer_reform_target
from assistant.answering.quota import answer_aggregate, answer_quota
from assistant.answering.responsible import answer_responsible
from assistant.answering.scope import is_spam, out_of_scope, refusal
from assistant.answering.view import PlanView, Searcher, tokens_of
from assistant.chunks import Chunk
from assistant.errors import InputError
from assistant.evidence import Evidence
from assistant.ingest.columns import PHASE_LABEL, fold_label
from assistant.models import Answer, ChatMessage, Plan
from assistant.render import Voice
from assistant.understand import AMOUNT_CUES, Understanding, has_any, understand

Route = Callable[[Understanding, PlanView, Evidence], Answer | None]

ROUTES: dict[str, Route] = {
    "metadata": answer_metadata,
    "milestone": answer_milestone,
    "reform_target": answer_reform_target,
    "responsible": answer_responsible,
    "aggregate": answer_aggregate,
    "deadline": answer_deadline,
    "district_quota": answer_quota,
}
# What a question asks is in its first few hundred characters; reading a 2,000-character paste in full
# (tokens, places, support over every passage) costs several times more and finds nothing more.
UNDERSTOOD_CHARS = 300


QUESTION_END = re.compile(r"(?<=[?？])\s*")
MIN_PART_CHARS = 4


def compound_parts(question: str) -> tuple[str, str] | None:
    """Two questions asked in one message, each ending in a question mark; None for one question."""
    parts = [x.strip() for x in QUESTION_END.split(question) if x.strip()]
    if len(parts) != 2 or not all(x.endswith(("?", "？")) and len(x) > MIN_PART_CHARS for x in parts):
        return None
    return parts[0], parts[1]


# 「A和B这两块,五月底前要交啥」「both A and B」: one question about two things, each its own question.
PAIRED = re.compile(r"^(?P<a>.{2,30}?)(?:和|与|跟|及|以及|、)(?P<b>.{2,30}?)(?:这|那)?(?:两|2)(?:块|项|个|件|方面|类|条|样)"
                    r"(?!区|县|市|镇|乡|街道|地区|单位|部门|处|科)(?:工作|任务|事)?(?P<rest>.*)$")
PAIRED_EN = re.compile(r"(?i)^(?P<head>.*?)\bboth (?P<a>.{3,60}?) and (?P<b>.{3,60}?)(?P<rest>[,?].*)?$")


def paired_parts(question: str) -> tuple[str, str] | None:
    """A question about two named things (「消防避难设施和混合经营建筑这两项…」), as one question per thing;
    None when it names one. Only an explicit pair (这两…, both … and …) splits: 「困难群众和低保对象」 is
    one topic."""
    m = PAIRED.match(question.strip())
    if m:
        rest = m.group("rest").lstrip("，,、 ")
        return f"{m.group('a')}{rest}", f"{m.group('b')}{rest}"
    m = PAIRED_EN.match(question.strip())
    if m:
        rest = m.group("rest") or "?"
        return f"{m.group('head')}{m.group('a')}{rest}", f"{m.group('head')}{m.group('b')}{rest}"
    return None


def route(u: Understanding, view: PlanView, ev: Evidence) -> Answer:
    """The answer of the route the question's form proposes, unless the passages' own answer is clearly
    better supported by its evidence (see `contest`); the passages' answer when the route has none."""
    u = _checkpoints(_items_asked(u, view), view)
    held = run(_proposed, u, view, ev)
    if held.answer is None:
        return answer_general(u, view, ev)
    if contested(u, held):
        passages = run(answer_general, u, view, ev)
        if better(passages, held):
            return adopt(ev, passages)
    return adopt(ev, held)


def _proposed(u: Understanding, view: PlanView, ev: Evidence) -> Answer | None:
    """The answer of the route the question's form asks for, or None when no route applies."""
    result = answer_due_by(u, view, ev)  # 「六月底前要完成什么」: a window of dates, whatever the intent read
    if result is None:
        result = answer_contact(u, view, ev)  # 「该打哪个电话」: the notice's 联系电话, whatever the intent read
    if result is None:
        result = answer_frequency(u, view, ev)  # 「多久探访一次」: a rate in time, which only a sentence states
    if result is None:
        handler = ROUTES.get(u.intent)
        result = handler(u, view, ev) if handler else None
    return result


# A phase a question names: 第三阶段, 最后一个阶段, the final phase, phase 2.
PHASE_ASKED = re.compile(r"第([一二三四五六1-6])个?(?:阶段|期)|(最后一个|最后|最终)(?:阶段|一期)|phase\s*([1-6])|"
                         r"(first|second|third|fourth|final|last)\s+(?:phase|stage)")
_ORDINAL = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "first": 1, "second": 2, "third": 3, "fourth": 4}


def _named_phase(u: Understanding, view: PlanView) -> list[str]:
    """The period codes of a phase the question names, on a plan whose milestone columns are phases
    (第一阶段（1—4月）…); empty otherwise."""
    phases = [p for p in view.plan.periods if PHASE_LABEL.match(fold_label(p.label))]
    m = PHASE_ASKED.search(u.normalized)
    if not phases or m is None:
        return []
    word = next(g for g in m.groups() if g)
    n = len(phases) if word in ("最后一个", "最后", "最终", "final", "last") else _ORDINAL.get(word) or int(word)
    return [phases[n - 1].code] if 1 <= n <= len(phases) else []


# Questions a named month or phase does not turn into a milestone lookup.
UNSCHEDULED_INTENTS = ("metadata", "responsible", "refuse")


# 「有哪些…」「…是什么」: the question asks for the rows themselves.
LISTING_ASKED = re.compile(r"哪些|哪几|什么|啥|是哪|清单|列表")


def _items_asked(u: Understanding, view: PlanView) -> Understanding:
    """「豫园街道今年有哪些民生项目?」 names a unit and what the milestone table calls its rows (its title's
    民生项目, its column's 特色项目): the unit's rows and their schedule answer, not a quota cell."""
    if (u.intent == "district_quota" and u.districts and not has_any(u.normalized, AMOUNT_CUES)
            and LISTING_ASKED.search(u.normalized) and any(n in u.normalized for n in view.reform_nouns)):
        return replace(u, intent="milestone")
    return u


def _checkpoints(u: Understanding, view: PlanView) -> Understanding:
    """「炎武社区7月底前要完成什么」 on a plan that schedules by month: the month is a milestone column, so the
    unit's milestone for it answers (a plan by quarters keeps reading 9月底前 as a deadline); 「第三阶段」 on a
    plan that schedules by phases is that phase's column."""
    if u.intent in UNSCHEDULED_INTENTS:
        return u
    if phase := _named_phase(u, view):
        return replace(u, intent="milestone", quarters=phase)
    if not u.districts or not u.months or u.quarters:
        return u
    # A follow-up on a unit's schedule (「那年底呢?」 after 上半年) reads the month as the period holding it.
    schedule_followup = u.followup and u.intent in ("milestone", "reform_target")
    monthly = [p for p in view.plan.periods if p.code.startswith("M") or schedule_followup]
    codes = [p.code for p in monthly if any(p.months[0] <= m <= p.months[1] for m in u.months)]
    if not codes and has_any(u.normalized, AMOUNT_CUES):
        # 「到9月底累计多少个」 on a plan by quarters: the period that ends with that month holds the figure.
        codes = [p.code for p in view.plan.periods if p.months[1] in u.months]
    if not codes or not any(r.district in u.districts for r in view.plan.reforms):
        return u
    return replace(u, intent="milestone", quarters=codes)


class Answerer:
    """Answers one question at a time from one loaded plan."""

    def __init__(self, plan: Plan, chunks: list[Chunk], retriever: Searcher) -> None:
        settings = getattr(retriever, "settings", None)
        self.view = PlanView(plan, chunks, retriever, lexical_first=getattr(settings, "lexical_first", True))
        self.plan = plan
        self.chunks = self.view.chunks

    def answer(self, question: str, history: list[ChatMessage] | None = None) -> Answer:
        """The cited answer to the last question of a conversation."""
        if not question or not question.strip():
            raise InputError("the question is empty; ask something about the plan")
        asked = self.view.speller.correct(question.strip()[:UNDERSTOOD_CHARS])
        parts = compound_parts(asked)
        if parts:
            return self._both(parts, history)
        pair = paired_parts(asked)
        if pair and len(understand(asked, history).districts) < 2:  # two units: one question, read together
            return self._both(pair, history, follows=False)
        u = understand(asked, history)
        voice = Voice.for_question(u.language, u.script)
        if u.intent == "refuse" or is_spam(question):
            return Answer(answer=voice.say(*refusal(self.plan)), answerable=False, route="refused")
        ev = self._evidence(voice)
        reason = out_of_scope(u, self.view)
        if reason:
            return abstain(u, self.view, ev, reason)
        result = route(u, self.view, ev)
        if result.route == "abstain" and history and not u.followup and len(tokens_of(u)) <= 3:
            # A short question after a conversation (「床位呢?」) may lean on it: ask it merged with the last one.
            retry = route(understand(asked, history, merge=True), self.view, self._evidence(voice))
            if retry.answerable:
                return retry
        return result

    def _both(self, parts: tuple[str, str], history: list[ChatMessage] | None, follows: bool = True) -> Answer:
        """Two questions in one message (「一共多少？哪个地区最多？」): each answered in turn, the second read
        as a follow-up of the first (or on its own, for one question about two things), with one numbering
        of citations and one sources line."""
        first_u = understand(parts[0], history)
        second_history = [*(history or []), ChatMessage(role="user", content=parts[0])] if follows else history
        second_u = understand(parts[1], second_history)
        if "refuse" in (first_u.intent, second_u.intent) or is_spam(" ".join(parts)):
            voice = Voice.for_question(first_u.language, first_u.script)
            return Answer(answer=voice.say(*refusal(self.plan)), answerable=False, route="refused")
        ev = self._evidence(Voice.for_question(first_u.language, first_u.script))
        first = self._one(first_u, ev)
        footer = ev.footer()  # the second answer's sources line lists both answers' citations
        head = first.answer[: -len(footer)].rstrip("\n") if footer and first.answer.endswith(footer) else first.answer
        second = self._one(second_u, ev)
        second_head = second.answer[: -len(ev.footer())].rstrip("\n") if ev.footer() else second.answer
        if second_head == head:  # both halves found the same rows (「有哪些项目?进度怎么安排?」): say it once
            return first
        answered = first if first.answerable or not second.answerable else second
        return Answer(answer=f"{head}\n\n{second.answer}", answerable=answered.answerable, route=answered.route,
                      citations=ev.citations, degraded=self.view.degraded)

    def _one(self, u: Understanding, ev: Evidence) -> Answer:
        reason = out_of_scope(u, self.view)
        return abstain(u, self.view, ev, reason) if reason else route(u, self.view, ev)

    def _evidence(self, voice: Voice) -> Evidence:
        return Evidence(self.view.chunks, voice, self.plan.source_name)
