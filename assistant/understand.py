"""Question understanding: language, script, intent, districts, quarters, and follow-up resolution.

Everything here works on the normalised (Simplified, half-width, lower-case) question, so one set of
cue words serves Simplified, Traditional and English askers. Cue words describe kinds of questions
(who is responsible, which district has the most), never particular questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from assistant.criteria import Criterion, criterion_of, without_threshold
from assistant.lexicon import find_districts, find_months, find_quarters
from assistant.models import ChatMessage
from assistant.text import detect_language, detect_script, normalize

INJECTION_CUES = (
    "忽略之前", "忽略以上", "忽略上述", "忽略你的", "无视之前", "ignore previous", "ignore all previous",
    "ignore the above", "ignore your instructions", "system prompt", "系统提示", "提示词", "developer mode",
    "越狱", "jailbreak", "你的指令", "your instructions", "reveal your prompt", "扮演",
)
METADATA_CUES = (
    "文件编号", "文号", "发文字号", "索引号", "发布机构", "发文机关", "发文单位", "谁发布", "哪个部门发布", "哪个单位发",
    "生成日期", "公开日期", "附件", "哪个机构", "什么机构", "哪天印发", "何时印发", "印发的", "发布日期", "印发日期", "成文日期", "什么时候发布", "何时发布", "什么时候印发", "哪天发布",
    "什么时候公开", "主送", "发给谁", "发给哪些", "通知对象", "废止", "有效期", "公开方式", "公开分类", "文件名称", "标题",
    "chapters", "章节", "几个部分", "哪几部分", "outline", "generated", "document number", "reference number", "index number", "publisher", "issued by", "who issued", "published",
    "publication date", "issue date", "addressed to", "title of the", "attachment", "annex", "落款", "签发",
    "notice signed", "was the notice", "signed by", "signature", "date of writing", "was it written", "was written", "document written",
    "issuing body", "issuing authority", "which body issued", "agency issued", "which agency", "issuing agency", "when was it issued",
    "was signed", "signed and issued", "went up on", "document itself", "date of the document", "document's date",
    "document dated", "posted", "website", "put online", "uploaded", "sign the", "signed on", "signing date",
    "date of signing", "收到这份", "收到通知", "下发给", "sent to", "recipients", "put this out", "put it out",
    "who published", "哪个局发", "file no", "file number", "doc no", "doc number", "document no",
    "printed and", "was it printed", "document printed",
)
# 「清明祭扫服务保障方案什么时候印发」 asks when another document is due, not when this one was issued.
OTHER_DOCUMENT = re.compile(r"[\u4e00-\u9fff]{2,}(?:方案|办法|细则|意见|指引|规定|标准|制度)")
THIS_DOCUMENT = ("这份", "本文件", "该文件", "这个文件", "此文件", "这篇", "通知", "要点", "this document", "this plan",
                 "the document", "the notice", "the plan")
RESPONSIBLE_CUES = (
    "谁负责", "负责单位", "责任单位", "哪个部门", "哪些部门", "哪个单位", "哪些单位", "牵头", "谁来", "由谁", "谁管",
    "主管", "responsible", "in charge", "which department", "which bureau", "which unit", "who leads", "who handles",
    "who is", "who are", "负责", "处室", "科室", "配合单位", "协办", "责任部门", "which section", "which division",
    "which office", "which units", "assisting", "who carries out", "who organises", "who organizes",
    "股室", "哪个科", "哪个股", "归哪", "归谁", "哪个处", "哪家单位", "哪几个单位", "哪几个部门",
    "跟哪", "和哪个部门", "和哪些部门", "跟谁", "联合哪", "联合了哪", "会同哪", "team up", "teams up", "partner with",
    "partners with", "work together with", "cooperate with", "cooperates with", "collaborate with", "working with",
    "works with",
)
# 「附件3里老年助餐补贴多少」/"in Annex 3 for …" ask what an attachment says, not which attachments there are.
ATTACHMENT_REF = re.compile(r"附件\s*[0-9一二三四五六]|\b(?:annex|attachment|appendix|table)\s*\d")
ATTACHMENT_NAME_CUES = ("名称", "标题", "叫什么", "是什么表", "title", "called", "name of")
# 「前三个季度」 "the first three quarters": cumulative milestones as of that quarter's end.
FIRST_QUARTERS = re.compile(r"前([一二两三2-4])个?季度|\bfirst (two|three|2|3) quarters\b")
QUARTER_COUNT = {"一": 1, "二": 2, "两": 2, "三": 3, "2": 2, "3": 3, "4": 4, "two": 2, "three": 3}
# Words of a date the tokenizer keeps as topic words (12月底 → 月底): a turn naming them names a period.
PERIOD_WORDS = frozenset({"月底", "月初", "月中", "月末", "年底", "年中", "年初", "年末", "底前", "月份", "季度"})
# Asking which unit does something is a responsibility question, unless it asks which unit has the most…
WHICH_UNIT_CUES = ("which unit", "which units", "哪个单位", "哪些单位", "哪几个单位", "哪家单位")
# The words that ask for a date (not "due for renovation", which a figure answers).
WHEN_CUES = ("什么时候", "何时", "截止", "期限", "deadline", "by when", "when ", "when?", "what date", "哪个月", "哪天",
             "几月", "什么时间", "啥时候", "几时", "哪一天", "何日", "几号", "哪号", "几月几日")
DEADLINE_CUES = (
    "什么时候", "何时", "截止", "期限", "月底前", "之前完成", "几月", "时间节点", "deadline", "by when", "when ", "when?",
    "due", "what date", "by what", "哪个月", "时限", "完成时间", "哪天完成", "什么时间", "啥时候", "几时", "多久完成",
    "哪一天", "何日", "几号前", "几号之前", "几号完成", "哪号",
)
MILESTONE_CUES = (
    "改革", "进度", "季度", "序时", "攻坚", "实施方案", "milestone", "progress", "reform", "quarter", "schedule",
)
# A thin follow-up asking for the schedule of what the last turn named (「推进安排如何?」「进度呢?」).
SCHEDULE_CUES = (*MILESTONE_CUES, "推进", "安排", "进展", "时间节点", "节点", "timeline", "plan for")
GOAL_CUES = ("目标", "目的", "target", "aim", "goal", "objective")
TARGET_CUES = ("改革事项", "任务目标", "改革任务", "攻坚事项", "reform item", "reform task", "reform target", "reform goal")
MAX_CUES = ("最多", "最高", "最大", "最多的", "most", "highest", "largest", "biggest", "greatest")
MIN_CUES = ("最少", "最低", "最小", "fewest", "least", "lowest", "smallest")
SUM_CUES = ("一共", "总共", "合计", "加起来", "合起来", "加在一起", "两个加", "总共有", "总计", "总数", "总和", "共计", "in total", "total", "sum", "altogether", "combined")
RANK_CUES = ("排名", "排序", "排行", "排前", "前三", "前几", "top 3", "top three", "从高到低", "从多到少", "rank", "ranking", "order by", "sorted")
COMPARE_CUES = ("比较", "对比", "多几", "少几", "相差", "差多少", "差几", "比,", "比，", "相比较", "哪个多", "谁多", "谁的", "相比", "更多", "更少", "多还是", "少还是", "compare", "versus", " vs",
                "more than", "fewer than", "less than", "多出", "多多少", "高多少", "少多少", "低多少", "高出", "低出",
                "how many more", "how much more", "how many fewer", "how much less", "difference between")
ALL_DISTRICT_CUES = ("各区", "各辖市", "各地", "每个区", "哪个区", "哪些区", "哪些地区", "哪个地区", "哪些辖市", "哪个辖市", "分别", "各个区", "all districts",
                     "each district", "every district", "which district", "which districts", "by district", "per district")
# 各镇、哪些镇街、每个区县 …: every unit of the plan, whatever kind of unit it has.
ALL_UNITS = re.compile(r"(各|每个|每一个|哪个|哪些|哪一个|所有)(地区|地方|辖市|辖区|县区|区县|区镇|镇街|镇|街道|乡镇|县|区|板块)")
SWAP_FORM = re.compile(r"^(那么|那|and |what about |how about ).+(呢|呢\?|呢？)$|^(what|how) about .+\??$")
FOLLOWUP_CUES = ("呢", "那", "那么", "what about", "how about", "and for", "and in", "same for", "and what")
AMOUNT_CUES = ("多少", "几", "how many", "how much", "number of")
# English filler only as whole words: "it" must not be cut out of "cognitive".
FILLER = re.compile(
    r"(那么|那|呢|的|情况|怎么样|如何|又|还有|再|请问|一下|吗|是|多少|"
    r"\b(?:what about|how about|and|the|same|for|in|about|what|is|it)\b|\?|？|,|，|。|!|！|\s)+"
)
YEAR = re.compile(r"((?:19|20)\d{2})\s*年|\b((?:19|20)\d{2})\b")


@dataclass(frozen=True)
class Understanding:
    """What a question asks, after follow-up resolution."""

    question: str
    normalized: str
    language: str
    script: str
    intent: str
    districts: list[str] = field(default_factory=list)
    quarters: list[str] = field(default_factory=list)
    months: list[int] = field(default_factory=list)
    aggregate: str | None = None
    criterion: Criterion | None = None
    all_districts: bool = False
    years: list[int] = field(default_factory=list)
    topic: str = ""
    followup: bool = False


def has_any(text: str, cues: tuple[str, ...]) -> bool:
    """Whether any cue occurs in the (normalised) text; an English cue only at the start of a word (yuan is
    not in Yuyuan, cost is not in Dacost...)."""
    return _cue_pattern(cues).search(text) is not None


@lru_cache(maxsize=512)
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join((r"(?<![a-z])" if c[:1].isascii() and c[:1].isalpha() else "") + re.escape(c)
                               for c in sorted(cues, key=len, reverse=True)) or r"(?!)")


def years_in(text: str) -> list[int]:
    """Four-digit years the question names (2025, 2024年 …)."""
    return [int(a or b) for a, b in YEAR.findall(text)]


# 「甲区比乙区多建多少张」「两地差距有多大」: a difference asked in words no fixed cue lists.
COMPARE_FORM = re.compile(r"比[^,，。?？]{1,10}?(?:多|少)[\u4e00-\u9fff]{0,2}(?:多少|几)|差距|差别|差异|差了多少")


def aggregate_of(text: str) -> str | None:
    """Which computation across districts the question wants, if any."""
    for name, cues in (("rank", RANK_CUES), ("max", MAX_CUES), ("min", MIN_CUES), ("sum", SUM_CUES),
                       ("compare", COMPARE_CUES)):
        if has_any(text, cues):
            return name
    return "compare" if COMPARE_FORM.search(text) else None


def classify(text: str, districts: list[str], quarters: list[str], aggregate: str | None) -> str:
    """The intent, from cue words and what entities the question names."""
    if has_any(text, INJECTION_CUES):
        return "refuse"
    # A unit's own item (「灌云县的…清单什么时候发布」) is not about the document, whose fields name no unit.
    if (has_any(text, METADATA_CUES) and not has_any(text, ("改革", "reform", "养老", "助餐"))
            and not (ATTACHMENT_REF.search(text) and not has_any(text, ATTACHMENT_NAME_CUES))
            and (not OTHER_DOCUMENT.search(text) or has_any(text, THIS_DOCUMENT))
            and (not districts or has_any(text, THIS_DOCUMENT))):
        return "metadata"
    # "What share … is a unit responsible for" asks a computation; so does "which unit has the smallest…".
    only_which_unit = aggregate in ("share", "filter", "nth") or aggregate is not None and not has_any(
        text, tuple(c for c in RESPONSIBLE_CUES if c not in WHICH_UNIT_CUES))
    if has_any(text, RESPONSIBLE_CUES) and not only_which_unit:
        return "responsible"
    if aggregate is not None:
        return "aggregate"
    reformish = has_any(text, MILESTONE_CUES) or has_any(text, TARGET_CUES)
    if quarters and (districts or reformish):
        return "milestone"
    if has_any(text, TARGET_CUES) or (reformish and has_any(text, GOAL_CUES)):
        return "reform_target"
    if districts and has_any(text, MILESTONE_CUES):
        return "milestone"
    if districts and has_any(text, AMOUNT_CUES) and not has_any(text, WHEN_CUES):
        return "district_quota"  # 「how many homes … are due for renovation」 asks for a unit's figure
    if has_any(text, DEADLINE_CUES):
        return "deadline"
    if districts:
        return "district_quota"
    return "general"


def residue(text: str, districts: list[str], quarters: list[str]) -> str:
    """What is left of a question after removing filler — empty for 「那吴江呢?」-style follow-ups."""
    rest = text
    for pattern in _entity_patterns():
        rest = pattern.sub(" ", rest)
    return FILLER.sub(" ", rest).strip()


def _entity_patterns() -> list[re.Pattern[str]]:
    from assistant.lexicon import district_alias_patterns, quarter_alias_patterns

    return [*district_alias_patterns(), *quarter_alias_patterns()]


# 「除了五一路社区，其他7个社区加起来」: the units named are left out, the question is about the others.
EXCEPT = re.compile(r"除了?|除去|不算|不含|不包括|以外|之外|\bexcept\b|\bexcluding\b|\bother than\b|\bapart from\b")
OTHERS = re.compile(r"其他|其它|其余|剩下|别的|\bothers?\b|\bthe rest\b|\bremaining\b")


def excluding(norm: str, districts: list[str]) -> list[str]:
    """The plan's other units when the question leaves the named ones out; the named ones otherwise."""
    from assistant.lexicon import vocabulary

    if not districts or not EXCEPT.search(norm) or not OTHERS.search(norm):
        return districts
    others = [d for d in vocabulary().units if d not in districts]
    return others or districts


def understand_one(question: str) -> Understanding:
    """Understand a single question with no history."""
    norm = normalize(question)
    districts = excluding(norm, find_districts(question))
    quarters = find_quarters(question)
    criterion = criterion_of(norm, len(districts))
    agg = criterion.op if criterion is not None else aggregate_of(norm)
    if len(districts) == 1 and agg in ("sum", "rank", "max", "min"):
        agg = None  # 「巴东全年一共要建多少」: one unit's own total, not a sum over units
    if not quarters and (m := FIRST_QUARTERS.search(norm)):
        quarters = [f"Q{QUARTER_COUNT[m.group(1) or m.group(2)]}"]  # 「前三个季度累计」: as of the end of the third quarter
    intent = classify(norm, districts, quarters, agg)
    return Understanding(
        question=question,
        normalized=norm,
        language=detect_language(question),
        script=detect_script(question),
        intent=intent,
        districts=districts,
        quarters=quarters,
        months=find_months(question),
        aggregate=agg,
        criterion=criterion,
        all_districts=has_any(norm, ALL_DISTRICT_CUES) or ALL_UNITS.search(norm) is not None or agg is not None,
        years=years_in(norm),
        topic=without_threshold(norm) if criterion is not None and criterion.op == "filter" else norm,
    )


def is_elliptical(u: Understanding) -> bool:
    """A follow-up that only names a new district/quarter or a new question word (「那吴江呢」「谁负责?」)."""
    rest = residue(u.normalized, u.districts, u.quarters)
    short = len(rest) <= 4 if u.language == "zh" else len(rest.split()) <= 2 and len(rest) <= 14
    cue = has_any(u.normalized, FOLLOWUP_CUES)
    only_question_word = u.intent in ("responsible", "deadline") and len(rest) <= 8
    return bool((short and (cue or u.districts or u.quarters)) or (cue and only_question_word))


NEXT_PERIOD = re.compile(r"下(?:一)?个?季度?|下一个|下个阶段|下一阶段|\bnext (?:quarter|one|period|stage)\b|\bthe quarter after\b"
                         r"|\bthe following quarter\b|(?:再)?往后(?:推)?(?:一)?个?(?:季度|阶段)|后一个(?:季度|阶段)"
                         r"|接下来(?:的)?(?:一)?个?(?:季度|阶段)|之后(?:的)?(?:一)?个季度")
PREVIOUS_PERIOD = re.compile(r"上(?:一)?个?季度?|上一个|上个阶段|上一阶段|前一个季度|(?:再)?往前(?:推)?(?:一)?个?季度"
                             r"|\bprevious (?:quarter|one|period|stage)\b"
                             r"|\bthe quarter before\b|\bthe one before\b|\bthe preceding quarter\b")
OTHER_UNITS = re.compile(r"其他(?:的)?(?:区|县|市|镇|街道|乡|单位|地区|地方)|其余(?:的)?(?:区|县|市|镇|街道|单位)?|别的(?:区|县|镇|地方)"
                         r"|\b(?:the )?other (?:districts|counties|towns|units|places)\b|\bthe rest\b|\bthe others\b")


def _relative(current: Understanding, base: Understanding) -> tuple[list[str], list[str]] | None:
    """「下个季度呢?」「那上一个季度呢?」「其他区呢?」: the quarters or units relative to the last turn's,
    or None when the turn names none relatively."""
    from assistant.lexicon import vocabulary

    text = current.normalized
    codes = ["Q1", "Q2", "Q3", "Q4"]
    if base.quarters and all(q in codes for q in base.quarters):
        step = 1 if NEXT_PERIOD.search(text) else -1 if PREVIOUS_PERIOD.search(text) else 0
        if step:
            k = codes.index(max(base.quarters) if step > 0 else min(base.quarters)) + step
            return (base.districts, [codes[k]]) if 0 <= k < len(codes) else None
    if OTHER_UNITS.search(text) and base.districts:
        others = [d for d in vocabulary().units if d not in base.districts]
        return (others, base.quarters) if others else None
    return None


def _asks_again(current: Understanding, own_topic: set[str], previous: str) -> bool:
    """「那到12月底累计要服务多少人次?」: a follow-up cue, a new unit or period, and no topic word the last
    question did not have — the last question again, for what the turn names."""
    from assistant.topic import topic_tokens

    if not has_any(current.normalized[:4], FOLLOWUP_CUES) or not (current.districts or current.quarters or current.months):
        return False
    return own_topic - PERIOD_WORDS <= topic_tokens(normalize(previous), detect_language(previous))


def understand(question: str, history: list[ChatMessage] | None = None, merge: bool = False) -> Understanding:
    """Understand the last question of a conversation, resolving follow-ups from earlier user turns.

    An elliptical turn (「那吴江呢?」「四季度呢?」「谁负责?」) keeps the earlier topic and swaps in what it
    names; a turn with its own topic but no district (「上门服务呢?」) keeps the earlier district; a turn
    too thin to search on its own ("Who is responsible for it?") searches on both turns.
    """
    from assistant.topic import topic_tokens

    current = understand_one(question)
    previous_questions = [m.content for m in (history or []) if m.role == "user" and m.content.strip()]
    if not previous_questions or current.intent == "refuse":
        return current
    own_topic = topic_tokens(residue(current.normalized, current.districts, current.quarters), current.language)
    again = _asks_again(current, own_topic, previous_questions[-1])
    elliptical = is_elliptical(current) or again
    # 「那儿童福利处呢?」: a short swapped-in name asks the last question again about it.
    swapped = SWAP_FORM.match(current.normalized) is not None and len(own_topic) <= 3
    thin = (len(own_topic) <= 2 or swapped) and not (current.districts and current.quarters)
    if not (elliptical or thin or merge):
        if current.intent == "general" and SWAP_FORM.match(current.normalized):
            # 「那家庭养老床位呢?」 names a whole new topic but asks what the last question asked (by when, who).
            asked = understand(previous_questions[-1])
            if asked.intent in ("responsible", "deadline"):
                return replace(current, intent=asked.intent, followup=True)
        return current
    base = understand(previous_questions[-1], [ChatMessage(role="user", content=q) for q in previous_questions[:-1]])
    relative = None if current.districts or current.quarters else _relative(current, base)
    if relative is not None:  # the last question again, for the period after / before it or the other units
        return replace(base, question=question, normalized=current.normalized, language=current.language,
                       script=current.script, districts=relative[0], quarters=relative[1],
                       all_districts=len(relative[0]) > 1, followup=True)
    districts = current.districts or base.districts
    if current.aggregate == "compare" and len(current.districts) == 1 and len(base.districts) == 1 \
            and base.districts != current.districts:
        districts = [*base.districts, *current.districts]  # 「比乙区多多少?」: the last turn's unit against this one
    # 「那到年底呢?」 names a month instead of the period it asks about: the earlier period is not kept.
    quarters = current.quarters or ([] if current.months else base.quarters)
    if own_topic and not thin and not merge and not again:
        topic = current.normalized
        intent = classify(current.normalized, districts, quarters, current.aggregate)
        if elliptical and intent == "general" and base.intent in ("responsible", "deadline"):
            intent = base.intent  # 「那家庭养老床位呢?」 after a "by when" question asks the same of another topic
    else:
        topic = base.topic if not own_topic else f"{base.topic} {current.normalized}"
        intent = current.intent if current.intent in ("responsible", "deadline", "aggregate") else base.intent
        if current.districts and has_any(current.normalized, AMOUNT_CUES) and base.intent in ("responsible", "deadline",
                                                                                             "general"):
            intent = "district_quota"
        share_again = base.criterion is not None and base.criterion.op == "share" and len(current.districts) == 1
        if base.intent == "aggregate" and current.districts and not current.aggregate and not share_again:
            intent = "district_quota"
        if base.intent in ("milestone", "reform_target") and current.quarters:
            intent = "milestone"
        if intent in ("district_quota", "general") and districts and has_any(current.normalized, SCHEDULE_CUES):
            intent = "milestone"  # 「豫园街道有哪些项目?」 then 「进度怎么安排?」 asks for that unit's schedule
    aggregate = current.aggregate or (None if current.districts and intent != "aggregate" else base.aggregate)
    if len(districts) == 1 and aggregate in ("sum", "rank", "max", "min") and not current.districts:
        # "And how many in total by year-end?" after one unit's question: that unit's figure again.
        aggregate = None
        intent = base.intent if base.intent != "aggregate" else "district_quota"
    return replace(
        base,
        question=question,
        normalized=current.normalized,
        language=current.language,
        script=current.script,
        intent=intent,
        districts=districts,
        quarters=quarters,
        months=current.months or ([] if current.quarters else base.months),
        aggregate=aggregate,
        criterion=current.criterion if current.aggregate else (None if current.districts and intent != "aggregate"
                                                               else base.criterion),
        all_districts=(base.all_districts and not current.districts) or current.all_districts,
        topic=topic,
        followup=True,
    )
