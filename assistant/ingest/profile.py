"""A plan's own vocabulary, derived at ingest and stored with the plan: never written per plan.

- unit aliases: both scripts (OpenCC), short forms (昆山 for 昆山市), romanised forms (pypinyin: Kunshan,
  Kunshan City), the usual English descriptors, zone names with and without the city;
- responsible bodies: both scripts, the name without its level prefix (民政局 for 市民政局), English
  names from the field's body list (`data/bodies.json`);
- the city (or district) the plan is about, from its issuer;
- domain words for the tokenizer: unit and body names, task names, quoted “…” and 《…》 names, and the
  plan's coined names the dictionary does not know (全龄汇, 织密兜牢): runs it would cut into single characters.

The profile is a `dict[str, list[str]]` so it stores as JSON beside the plan. Optional extra aliases
for a page (names the page itself never spells out) can ride along in a sidecar file, see `read_plan`.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from assistant.models import Plan
from assistant.text import to_simplified, to_traditional

ISSUER = re.compile(r"^(.{1,12}?(?:市|区|區|县|縣|州|镇|鎮|乡|鄉|街道)(?:市|区|區|县|縣)?)"
                    r"(?:民政局|民政和|人民政府|政府|办事处|辦事處|.{0,8}局)")
GOVERNMENT = re.compile(r"^(?:人民政府|政府)")
QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,16})[”\"」』]|《([^》]{2,30})》")


@lru_cache(maxsize=1)
def _places() -> dict[str, object]:
    raw = json.loads((resources.files("assistant") / "data" / "place_descriptors.json").read_text(encoding="utf-8"))
    return raw


@lru_cache(maxsize=1)
def _bodies() -> dict[str, object]:
    return json.loads((resources.files("assistant") / "data" / "bodies.json").read_text(encoding="utf-8"))


def pinyin(name: str) -> str:
    """A Chinese name romanised as one capitalised word (昆山 → Kunshan, 张家港 → Zhangjiagang)."""
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(to_simplified(name)) if s.isascii() and s.isalpha()]
    return "".join(syllables).capitalize()


MAX_READINGS = 4
# Characters that join words rather than make them: a run of single characters holding one is no coined name.
JOINING_CHARACTERS = frozenset("的和与及或在等为对了将并把从向以按由于至各每其之是有个年月日度中上下内外"
                               "一二三四五六七八九十百千万")
# Uses a coined name needs: one written once is as likely a slip of segmentation, and a pair of single
# characters (率达 of 覆盖率达) joins by chance more often than a run of three.
COINED_MIN_USES = {2: 3}
COINED_MIN_USES_LONGER = 2


def pinyin_readings(name: str) -> list[str]:
    """Every romanisation of a name whose characters have more than one reading (长坡 → Zhangpo, Changpo):
    pypinyin's first choice is not always the place's; a few variants at most."""
    from itertools import product

    from pypinyin import Style
    from pypinyin import pinyin as readings

    options = [[s for s in dict.fromkeys(r) if s.isascii() and s.isalpha()]
               for r in readings(to_simplified(name), style=Style.NORMAL, heteronym=True)]
    options = [o for o in options if o]
    out: list[str] = []
    for combo in product(*options):
        out.append("".join(combo).capitalize())
        if len(out) >= MAX_READINGS:
            break
    return out


def abbreviation(zone: str) -> str:
    """A zone's short name: the first character of each two-character word, then 区 (经济开发区 → 3 chars)."""
    if not zone.endswith("区") or len(zone) < 5:
        return zone
    body = zone[:-1]
    return "".join(body[i] for i in range(0, len(body), 2)) + "区"


@lru_cache(maxsize=1)
def zone_forms() -> dict[str, list[str]]:
    """Zone names (full and abbreviated) → every form of that zone's name, from place_descriptors.json."""
    zones: dict[str, list[str]] = _places()["zones"]  # type: ignore[assignment]
    out: dict[str, list[str]] = {}
    for full, forms in zones.items():
        names = [full, abbreviation(full), *forms]
        for key in (full, abbreviation(full)):
            out[key] = names
    return out


def zone_words(english: str) -> list[str]:
    """The Chinese words a zone named in English is written with (Binzhou High-tech Industrial Development
    Zone → 开发区; Lanzhou New Area → 新区): the field's descriptors, and zone names, its words contain."""
    asked = english.lower()
    words = [zh for zh, en in _places()["suffixes"] if len(zh) >= 2 and en.lower() in asked]  # type: ignore[union-attr, attr-defined]
    for full, forms in zone_forms().items():
        if any(f.isascii() and f.lower() in asked for f in forms):
            words += [f for f in forms if not f.isascii()] + [full]
    return list(dict.fromkeys(words))


def split_place(name: str) -> tuple[str, str, str]:
    """(stem, suffix, English descriptor) of a unit name: 昆山市 → (昆山, 市, City)."""
    simple = to_simplified(name)
    for suffix, english in _places()["suffixes"]:  # type: ignore[union-attr, attr-defined]
        if simple.endswith(suffix) and len(simple) > len(suffix):
            return simple[: -len(suffix)], suffix, english
    for zone, forms in zone_forms().items():
        if simple.endswith(zone):
            return simple[: -len(zone)], zone, next(f for f in forms if f.isascii())
    return simple, "", ""


def city_of(plan: Plan) -> list[str]:
    """The place the plan is about, from its issuer or publisher (某某市民政局 → 某某市, 某某), then the
    places it lies in: 上海市黄浦区民政局 → 黄浦区, 黄浦, 上海市, 上海 (the district's plan, in its city)."""
    for key in ("issuer", "publisher", "title", "plan_title"):
        value = to_simplified(plan.metadata.get(key, ""))
        if value.startswith(("市", "区", "县")):
            continue
        chain: list[str] = []
        while (m := ISSUER.match(value)) is not None and len(chain) < 3:
            chain.append(m.group(1))
            # 包河区人民政府烟墩街道办事处: the street lies in the district.
            value = GOVERNMENT.sub("", value[m.end(1):])
        if chain:
            return list(dict.fromkeys(n for full in reversed(chain) for n in (full, split_place(full)[0])))
    return []


def city_stem(city: list[str]) -> str:
    """The short name of the plan's own place (黄浦 for 黄浦区): `city_of` lists it second."""
    return city[1] if len(city) > 1 else (city[0] if city else "")


def unit_aliases(name: str, city: list[str]) -> tuple[list[str], str]:
    """Every way a question may name a unit, and its English name."""
    simple = to_simplified(name)
    stem, suffix, english = split_place(name)
    zones = zone_forms()
    levels: dict[str, list[str]] = _places()["city_level"]  # type: ignore[assignment]
    aliases = [name, simple, to_traditional(simple)]
    own_stem = city_stem(city)
    city_en = pinyin(own_stem) if own_stem else ""
    if simple in levels or simple.endswith("本级"):
        forms = levels.get("本级", [])
        return [*aliases, "本级", "本級", *forms], "city level"
    # A short form that is also the plan's own place (千灯村 in 千灯镇's plan) would read every mention of the
    # town as the village: such a unit keeps its full name.
    own = bool(city) and any(to_simplified(c).startswith(stem) for c in city)
    if suffix and len(stem) >= 2 and not own:
        aliases += [stem, to_traditional(stem)]
    zone = next((z for z in zones if simple.endswith(z)), None)
    if zone is not None:
        names = zones[zone]
        en = next(f for f in names if f.isascii())
        prefix = simple[: -len(zone)]
        aliases += [*names, to_traditional(zone)]
        if own_stem and not prefix:
            aliases += [own_stem + simple, own_stem + zone, f"{city_en} {en}"]
            aliases += [f"{city_en} {f}" for f in names if f.isascii()]
        roman = pinyin(prefix) if prefix else pinyin(stem)
        english_name = f"{roman} {en}" if prefix else (f"{city_en} {en}" if city_en else en)
        if prefix:
            # 高淳经济开发区 in 高淳区's plan: bare "Gaochun" is the plan's own place, not the zone.
            aliases += ([] if prefix in city else [roman]) + [english_name]
        else:
            aliases += [roman, f"{roman} District"]
        return list(dict.fromkeys(a for a in aliases if a)), english_name
    roman = pinyin(stem if suffix else simple)
    english_name = f"{roman} {english}" if english else roman
    aliases += [english_name] if own else [roman, english_name]
    for other in pinyin_readings(stem if suffix else simple):
        if other != roman and not own:
            aliases += [other, f"{other} {english}" if english else other]
    if english and (road := road_english(stem)):
        aliases += [road, f"{road} {english}"]  # 南京东路街道: Nanjing East Road Subdistrict
    return list(dict.fromkeys(a for a in aliases if a)), english_name


ROAD = re.compile(r"^(.{2,6}?)([东西南北中]|[一二三四五六七八九])?路$")
_ROAD_WORDS = {"东": "East", "西": "West", "南": "South", "北": "North", "中": "Middle", "一": "No.1", "二": "No.2",
               "三": "No.3", "四": "No.4", "五": "No.5", "六": "No.6", "七": "No.7", "八": "No.8", "九": "No.9"}


def road_english(stem: str) -> str:
    """A place named after its road, as English writes it: 淮海中路 → Huaihai Middle Road, 瑞金二路 → Ruijin
    No.2 Road; empty when the name is no road's."""
    m = ROAD.match(stem)
    if m is None:
        return ""
    words = [pinyin(m.group(1))] + ([_ROAD_WORDS[m.group(2)]] if m.group(2) else []) + ["Road"]
    return " ".join(words)


def body_aliases(name: str, city: list[str]) -> tuple[list[str], str]:
    """Every way a question may name a responsible body, and its English name."""
    simple = to_simplified(name)
    levels: dict[str, str] = _bodies()["levels"]  # type: ignore[assignment]
    bodies: dict[str, list[str]] = _bodies()["bodies"]  # type: ignore[assignment]
    aliases = [name, simple, to_traditional(simple)]
    level = next((lv for lv in sorted(levels, key=len, reverse=True) if simple.startswith(lv)), "")
    core = simple[len(level):]
    if level and level != "各" and len(core) >= 2:
        aliases += [core, to_traditional(core)]
        if city and level == "市":
            aliases.append(city[0] + core)
    english = ""
    match = next((b for b in sorted(bodies, key=len, reverse=True) if core.endswith(b) or simple.endswith(b)), None)
    if match is not None:
        names = bodies[match]
        if level != "各":
            aliases += names
        lead = levels.get(level, "")
        english = f"{lead} {names[0]}".strip() if lead != "each" else f"each {names[0]}"
        if lead and lead != "each":
            aliases.append(english)
    return list(dict.fromkeys(a for a in aliases if a)), english


def domain_words(plan: Plan) -> list[str]:
    """Terms the tokenizer must keep whole: names of units, bodies and tasks, quoted names."""
    words: list[str] = [*plan.units]
    for t in plan.tasks:
        words += t.responsible
        if t.group and len(t.group) <= 14:
            words.append(t.group)
    for s in plan.sections:
        if s.kind in ("chapter", "subsection") and len(s.heading) <= 12:
            words.append(s.heading)
    texts = [s.text for s in plan.sections] + [t.content for t in plan.tasks] + [r.item for r in plan.reforms]
    for text in texts:
        for m in QUOTED.finditer(text):
            term = m.group(1) or m.group(2)
            if term and not re.search(r"[，,。；;：:、\s]", term):
                words.append(term)
    texts += [x for r in plan.reforms for steps in [r.targets, *r.milestones.values()] for x in steps]
    words += coined_names(texts)
    return list(dict.fromkeys(to_simplified(w) for w in words if 2 <= len(w) <= 30))


def coined_names(texts: list[str]) -> list[str]:
    """Runs of two or more characters the dictionary cuts into single characters, used at least twice:
    the plan's own names for its programmes and places (全龄汇颐养中心 → 全龄汇), kept whole so that a
    question naming one matches the passages that do, instead of by three unrelated characters."""
    from collections import Counter

    from assistant.text import field_tokenizer

    tok = field_tokenizer()
    uses: Counter[str] = Counter()
    for text in texts:
        for run in re.findall(r"[\u4e00-\u9fff]+", to_simplified(text)):
            single: list[str] = []
            for word in [*tok.cut(run, HMM=False), ""]:
                if len(word) == 1 and word not in JOINING_CHARACTERS:
                    single.append(word)
                    continue
                if len(single) >= 2:
                    uses["".join(single)] += 1
                single = []
    kept = {w for w, n in uses.items() if n >= COINED_MIN_USES.get(len(w), COINED_MIN_USES_LONGER)}
    # 提质 and 院提质: a kept name with a neighbour's character glued on is that name, not another one.
    return sorted(w for w in kept if w[1:] not in kept and w[:-1] not in kept)


def build_profile(plan: Plan, extra_aliases: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """The plan's vocabulary as stored JSON: `unit:`/`unit_en:`/`body:`/`body_en:` entries, `city`, `words`."""
    city = city_of(plan)
    profile: dict[str, list[str]] = {"city": city}
    shares = [u for t in plan.tasks for u in (t.unit_values or {}) if u not in plan.units]  # e.g. a …本级 share
    for unit in dict.fromkeys([*plan.units, *shares]):
        aliases, english = unit_aliases(unit, city)
        aliases += (extra_aliases or {}).get(unit, [])
        profile[f"unit:{unit}"] = list(dict.fromkeys(aliases))
        profile[f"unit_en:{unit}"] = [english]
    bodies = dict.fromkeys(b for t in plan.tasks for b in t.responsible)
    for body in bodies:
        aliases, english = body_aliases(body, city)
        aliases += (extra_aliases or {}).get(body, [])
        profile[f"body:{body}"] = list(dict.fromkeys(aliases))
        if english:
            profile[f"body_en:{body}"] = [english]
    words = domain_words(plan)
    for key, values in profile.items():
        if key.startswith(("unit:", "body:")):
            words += [to_simplified(v) for v in values if not v.isascii() and len(v) >= 2]
    profile["words"] = list(dict.fromkeys(words + [to_simplified(c) for c in city]))
    profile["issuer"] = issuer_forms(plan, city)
    forms = document_forms(plan)
    if forms:
        profile["forms"] = [f"{variant}\t{published}" for variant, published in forms.items()]
    return profile


ISSUER_BREAK = "市区县镇"


def issuer_forms(plan: Plan, city: list[str]) -> list[str]:
    """The plan's own issuer as a question writes it: 绵阳市民政局, 市民政局, 民政局 — "which section of the
    市民政局 handles it" names the document's author, not what is asked about."""
    full = to_simplified(plan.metadata.get("publisher") or plan.metadata.get("issuer") or "")
    if len(full) < 3:
        return []
    stems = {to_simplified(c) for c in city}
    forms = [full]
    for i in range(1, len(full) - 2):
        if full[i - 1] in ISSUER_BREAK or full[:i] in stems:
            forms.append(full[i:])
            if full[i - 1] in ISSUER_BREAK:
                forms.append(full[i - 1:])
    return list(dict.fromkeys(x for x in forms if len(x) >= 3))


def document_forms(plan: Plan) -> dict[str, str]:
    """Words a Traditional page spells differently from OpenCC's conversion of their Simplified form.

    A name written with 鐘 round-trips through Simplified to 鍾 (钟 stands for both), so an answer in
    Traditional would misspell a name the page itself gives. Each such word, read from the page's own
    text and spelt the same way everywhere, maps OpenCC's form → the page's form.
    """
    from assistant.text import HAN_RUN, to_traditional_plain, word_spans

    seen: dict[str, set[str]] = {}
    for text in page_texts(plan):
        for run in HAN_RUN.findall(text):
            simplified = to_simplified(run)
            if len(simplified) != len(run) or to_traditional_plain(simplified) == run:
                continue
            for word, start, end in word_spans(simplified):
                published = run[start:end]
                variant = to_traditional_plain(word)
                if len(word) >= 2 and len(variant) == len(published) and _traditional_difference(variant, published):
                    seen.setdefault(variant, set()).add(published)
    return {variant: next(iter(forms)) for variant, forms in sorted(seen.items()) if len(forms) == 1}


def page_texts(plan: Plan) -> list[str]:
    """Every piece of text the page gives: headings, passages, table cells."""
    texts = [s.heading for s in plan.sections] + [s.text for s in plan.sections] + list(plan.units)
    for t in plan.tasks:
        texts += [t.content, *t.responsible, *(str(v) for v in (t.extra or {}).values())]
    for r in plan.reforms:
        texts += [r.item, *r.targets, *(line for lines in r.milestones.values() for line in lines)]
    return texts


def _traditional_difference(variant: str, published: str) -> bool:
    """True when the page differs from OpenCC only by other Traditional characters (鐘 for 鍾).

    A scraped page often keeps a Simplified or shared character (范, 于, 干); those are the scrape's
    leftovers, not the page's spelling, and are not taught to the converter.
    """
    differing = [(v, p) for v, p in zip(variant, published, strict=True) if v != p]
    return bool(differing) and all(to_simplified(p) != p for _, p in differing)
