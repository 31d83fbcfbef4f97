"""Decided before routing: questions to refuse, and reasons the plan cannot answer at all.

Another year, another city, a person's name, money, or a count of something the page never names —
each gives `abstain` a reason, so no route is tempted to answer with a near miss.
"""

from __future__ import annotations

import re

from assistant.answering.view import PlanView
from assistant.ingest.clean import spam_signals
from assistant.lexicon import vocabulary
from assistant.models import Plan
from assistant.places import english_places, foreign_places
from assistant.text import normalize, to_simplified, tokenize
from assistant.topic import alternatives
from assistant.understand import AMOUNT_CUES, Understanding, has_any

OFF_TOPIC_CUES = (
    "天气", "气温", "下雨", "weather", "temperature", "工资", "薪水", "薪资", "待遇", "salary", "wage", "股票", "stock price",
    "电影", "movie", "足球", "football", "菜谱", "recipe", "彩票中奖", "中奖号码", "winning number", "房价", "house price",
)
PERSON_CUES = ("局长", "市长", "书记", "主任是谁", "负责人是谁", "姓名", "签发人", "签字人", "who is the director",
               "who is the mayor", "whose name", "电话", "手机号", "phone", "email", "邮箱", "地址在哪")
# 「叫什么名字」 asks a person's name only about a person: a programme or an attachment has a name too.
NAME_CUES = ("叫什么名字", "名字", "name of the", "what is the name", "called")
PERSON_WORDS = ("局长", "科长", "处长", "主任", "负责人", "联系人", "书记", "领导", "签发", "director", "head of", "chief",
                "contact person", "official", "mayor", "leader", "person")
UNIT_ASKED = ("哪个单位", "哪个部门", "which unit", "which department", "which bureau")
# Money asked for: a phrase that asks an amount, or a money word with an amount question (资金 … 多少).
MONEY_ASKS = ("多少钱", "多少元", "几元", "花多少", "投入多少", "补贴标准", "补贴多少", "补多少", "发多少", "how much money",
              "how much is the subsidy", "yuan", "rmb", "allowance amount", "what is the subsidy", "cost")
MONEY_WORDS = ("预算", "经费", "资金", "拨款", "投资", "工资", "费用", "电费", "收费", "奖金", "budget", "funding", "invest", "spend",
               "subsidy", "fee", "prize money")
# A question about what has happened or exists now (实际卖了多少, 现在有多少, how many … are there): a plan
# states what is to be done, so only a passage that states a present or past figure answers it.
CURRENT_CUES = ("实际", "实际上", "已经完成", "完成了多少", "已完成", "现在有多少", "目前有多少", "现有多少", "现有",
                "目前已", "截至目前", "so far", "are there", "currently", "to date", "has been achieved",
                "have been built", "did it sell", "was sold", "were sold")
# "How many did it actually sell" asks an outcome; "make sure they actually get both subsidies" does not.
ACTUALLY_DONE = re.compile(r"\bactually\b.*\b(?:did|done|was|were|sold|built|spent|made|met|\w+ed)\b"
                           r"|\b(?:did|was|were|has|have)\b.*\bactually\b")
CURRENT_STATED = re.compile(r"现有|已有|目前|已建成|已达|现状|截至|截止|累计已|已经|去年|上年|\b20\d\d年(?:底|末)")
# An amount in yuan: 5.78亿元 in a sentence, or a cell under a 金额（万元） column.
MONEY_AMOUNT = re.compile(r"\d[\d.]*\s*[億亿萬万]?元|[億亿萬万]?元\s*[)）]?\s*[:：]\s*\d")
# A rate asked for (每张补贴多少, the subsidy per bed) and a rate stated (每张补贴3000元, 3000元/张).
RATE_ASKED = re.compile(r"每(?:张|个|人|户|名|床|位|月|年)|\bper\b|\beach\b", re.IGNORECASE)
RATE_STATED = re.compile(r"每[\u4e00-\u9fff]{0,10}\d[\d.]*\s*[萬万]?元|\d[\d.]*\s*[萬万]?元\s*/|(?:标准|標準)[^。；]{0,12}\d[\d.]*\s*[萬万]?元")
# A count of people, households or things asked for (how many households … the electricity subsidy): a
# money word beside it names the programme, it does not ask an amount of money.
COUNT_ASKED = re.compile(r"how many (?!yuan|rmb|dollars?)[a-z]+|多少(?:户|人|名|张|个|家|所|处|项|次|床)|几(?:户|个|名|张|家|所|处)",
                         re.IGNORECASE)
COUNTED_THING = re.compile(r"(?:多少|(?<!哪)几)(?:张|个|名|户|家|所|块|场|对|支|处|项|条)([\u4e00-\u9fff]{2,12}?)(?:[?？。，,的]|$|呢|吗)")


def refusal(plan: Plan) -> tuple[str, str]:
    """The refusal to injected instructions and spam, naming the loaded plan (Chinese, English)."""
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


def is_spam(question: str) -> bool:
    """Spam vocabulary with at least one more spam signal: refused, not answered."""
    signals = spam_signals(question)
    return any(s.startswith("spam vocabulary") for s in signals) and len(signals) >= 2


def out_of_scope(u: Understanding, view: PlanView) -> str | None:
    """The reason the plan cannot answer (`year:2030`, `city:X`, `person`, `money`…), or None."""
    text = u.normalized
    # A year the plan is not about answers only where the passages that match the question speak of it
    # (2024年已建成…); a link to last year's plan at the page foot does not.
    other_years = [y for y in u.years if y not in view.years and (
        str(y) not in view.document_text or not any(str(y) in h.text and view.supported(u, h.text) for h in view.search(u, k=3)))]
    if other_years:
        return f"year:{other_years[0]}"
    foreign = foreign_places(u.question)
    top = [normalize(h.text) for h in view.search(u, k=1)] if foreign else []
    # 「和湖南浏阳那段的界线联检」: one named place the best passage names (浏阳) places the others (湖南) too.
    placed = bool(foreign) and _placed_by_passage(u.question, top)
    for place, stem in foreign if not placed else []:
        # Named in passing (a study visit to another city) is not covering it: the best passage must name it.
        if stem not in view.document_text or not any(stem in t for t in top):
            return f"city:{place}"
    others = english_places(u.question, view.document_text)
    if others:
        return f"city:{others[0]}"
    if zone := _zone_no_unit(u.question):
        return f"unit:{zone}"
    if has_any(text, OFF_TOPIC_CUES):
        return "off-topic"
    person = has_any(text, PERSON_CUES) or has_any(text, NAME_CUES) and has_any(text, PERSON_WORDS)
    if person and not view.has_contacts and not has_any(text, UNIT_ASKED):
        return "person"
    if (has_any(text, CURRENT_CUES) or ACTUALLY_DONE.search(text)) and not any(CURRENT_STATED.search(normalize(h.text))
                                                for h in view.search(u, k=3) if view.supported(u, h.text)):
        return "no-support: the plan states targets, not what has been done or exists now"
    if _counts_what_is_never_named(text, view):
        return "no-support: the plan never names what is counted"
    if (counted := _asks_which_of_a_count(u, view)) is not None:
        return f"which:{counted}"
    # 「收费项目清单几月份要出来」 asks a month: 几 before 月/日/季度 is no amount.
    asked = re.sub(r"几(?:月|号|日|季度|个月|点)", "", text)
    if has_any(text, MONEY_ASKS) or (has_any(text, MONEY_WORDS) and has_any(asked, AMOUNT_CUES)
                                     and not COUNT_ASKED.search(text)):
        # A total (2400万元) does not answer "how much per bed": a rate question needs a stated rate.
        amount = RATE_STATED if RATE_ASKED.search(u.question) else MONEY_AMOUNT
        if not any(amount.search(h.text) for h in view.search(u, k=5)):
            return "money"
    return None


# 「那8家人才就业市场具体是哪8家」「某区那3个助餐点开在哪些社区」「重点镇选的是哪个镇」: the identities or
# places of things the plan only counts.
WHICH_ONES = re.compile(r"具体(?:是)?(?:哪|在哪)|(?:开|建|设|放|选|定)在哪|在哪(?:儿|里)|选的是哪|定的是哪|"
                        r"哪(?:几|些)(?:个|家|所|处)?(?:地方|门店|医院|商场|企业)"
                        r"|\bwhich (?:ones|communities|towns|villages|sites)\b|\bwhere exactly\b")
COUNT_PHRASE = re.compile(r"(?:\d+|[一两二三四五六七八九十]+)(?:个|家|所|处|座|块)")
LIST_FOLLOWS = re.compile(r"^[^。；;]{0,12}?(?:[:：（(]|分别|包括|即)")
SITE_TO_CHOOSE = re.compile(r"选址|选点|择址")  # 「确定守灵中心选址」: a site to be chosen, none named


def _asks_which_of_a_count(u: Understanding, view: PlanView) -> str | None:
    """A question for which ones (or where) about things whose number the best passage states with no
    list after it (8家人才就业市场, 确定一个镇): the plan counts them and names none. `chunk id|phrase` of the
    passage, or None."""
    if not WHICH_ONES.search(u.normalized) or u.criterion is not None or u.aggregate is not None:
        return None  # 「20个以上的是哪几个地方」 filters the units by a figure: a computation, not identities
    asked = set(COUNT_PHRASE.findall(u.normalized)) | {"一个"}
    for hit in view.search(u, k=3):
        text = normalize(hit.text)
        if not view.supported(u, hit.text):
            continue
        for m in COUNT_PHRASE.finditer(text):
            if m.group(0) in asked and not LIST_FOLLOWS.match(text[m.end():]):
                return f"{hit.id}|{m.group(0)}"
        if "哪" in u.normalized and (site := SITE_TO_CHOOSE.search(text)):
            return f"{hit.id}|{site.group(0)}"
    return None


# "Zhaoqing New Area", "Wuyishan National Tourist Resort", "the Economic and Technological Development Zone":
# a functional zone, named in English, that may hold no figure of its own.
ZONE = re.compile(r"\b((?:[A-Z][a-z'’]+[ -]){0,3}(?:(?:National|State|Provincial)\s+)?"
                  r"(?:(?:Economic(?:\s+and\s+Technological)?|High[- ]?[Tt]ech(?:nology)?|Tourist|Tourism|Industrial)\s+)*"
                  r"(?:New Area|Development Zone|Resort|(?:Industrial|Software|Science|High-[Tt]ech) Park"
                  r"|Demonstration Zone|Scenic Area))\b")


def _zone_no_unit(question: str) -> str | None:
    """A zone an English question names that none of the plan's units is (by its English names)."""
    vocab = vocabulary()
    known = {a.lower() for names in vocab.units.values() for a in names} | {e.lower() for e in vocab.unit_english.values()}
    for m in ZONE.finditer(question):
        mention = m.group(1).strip().lower()
        core = re.sub(r"^(?:the )", "", mention)
        if not any(core in k or k in core for k in known if len(k) >= 4 and k.isascii()):
            return m.group(1).strip()
    return None


def _placed_by_passage(question: str, passages: list[str]) -> bool:
    """Whether a place word of the question (the general dictionary's place tag: 湖南, 浏阳) that is none of
    the plan's own units or city occurs in one of these passages."""
    from assistant.places import _tagger

    own = {normalize(a) for names in vocabulary().units.values() for a in names} | {normalize(c) for c in vocabulary().city}
    words = [normalize(word) for word, flag in _tagger().lcut(question) if flag == "ns"]
    return any(len(w) >= 2 and w not in own and not any(w in o or o in w for o in own if len(o) >= 2)
               and any(w in t for t in passages) for w in words)


def _noun_part(phrase: str) -> str:
    """What is counted in 「几家养老机构开通绿色就医通道」: the words before the first verb (养老机构)."""
    from assistant.places import _tagger

    out = ""
    for word, flag in _tagger().lcut(phrase):
        if flag.startswith("v") and flag != "vn" and out:
            break
        out += word
    return out


def _counts_what_is_never_named(text: str, view: PlanView) -> bool:
    """「多少个儿童之家」 on a page that never names 儿童之家: no passage can hold that count."""
    counted = COUNTED_THING.search(text)
    if not counted or len(counted.group(1)) < 2:
        return False
    parts = [p for p in re.split(r"[和与及、或]", _noun_part(counted.group(1))) if len(p) >= 2]

    def named(word: str) -> bool:
        if any(a in view.document_text for a in alternatives(word)):
            return True
        # A two-character word the page writes with one character between (老人 → 老年人).
        return len(word) == 2 and re.search(f"{re.escape(word[0])}[\u4e00-\u9fff]{re.escape(word[1])}",
                                            view.document_text) is not None

    def part_named(part: str) -> bool:
        # A part is named when the page has it, or every word of it (开服务点 → 服务 … 点).
        words = [t for t in tokenize(part) if len(t) >= 2]
        return named(part) or bool(words) and all(named(t) for t in tokenize(part) if len(t) >= 2)

    return bool(parts) and not any(part_named(p) for p in parts)
