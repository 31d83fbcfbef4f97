"""The 政府信息公开 header block: field names of this field, in either script, any separator.

Pages print `索引号：…  发布机构：…` one or several fields per line, with `:`, `：`, `|` or a table cell
boundary (a space) between name and value; some print no header at all. Field names live in
`assistant/data/header_fields.json`, written once for the field.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from assistant.ingest.structure import cn_number
from assistant.text import to_simplified, to_traditional

# 2026年2月10日, and as signatures print it in Chinese numerals: 二〇二六年二月十日 (○ where the charset lacks 〇).
CN_DATE = re.compile(r"(\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*(\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月\s*"
                     r"(\d{1,2}|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])\s*日")
ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
SEPARATOR = r"\s*[:：|｜]\s*"
# Variant characters OpenCC may not map one way or the other (發布 / 發佈, 關于 / 關於).
_VARIANTS = {"布": "佈", "于": "於", "号": "號", "发": "發"}


@lru_cache(maxsize=1)
def header_data() -> dict[str, Any]:
    """assistant/data/header_fields.json, read once."""
    return json.loads((resources.files("assistant") / "data" / "header_fields.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def page_label_pattern() -> re.Pattern[str]:
    """A label the web page prints beside the header (浏览次数：, 字体：), in either script: it ends a value."""
    names = sorted(header_data().get("page_labels", []), key=len, reverse=True)
    alternation = "|".join("".join(_char_class(c) for c in name) for name in names) or "(?!)"
    return re.compile(rf"(?:{alternation})\s*[:：]")


@lru_cache(maxsize=1)
def _fields() -> tuple[dict[str, str], frozenset[str]]:
    raw = header_data()
    names = {re.sub(r"\s+", "", name): key for key, names in raw["fields"].items() for name in names}
    return names, frozenset(raw["date_fields"])


def _char_class(ch: str) -> str:
    forms = {ch, to_traditional(ch), to_simplified(ch)}
    if ch in _VARIANTS:
        forms.add(_VARIANTS[ch])
    return "[" + "".join(sorted(re.escape(f) for f in forms)) + "]" if len(forms) > 1 else re.escape(ch)


@lru_cache(maxsize=1)
def field_pattern() -> re.Pattern[str]:
    """Any field name (longest first), spaces allowed inside it, then a separator or a cell boundary."""
    names, _ = _fields()
    alternation = "|".join(
        r"\s*".join(_char_class(c) for c in name) for name in sorted(names, key=len, reverse=True)
    )
    # A name of three or more characters with a colon may follow a value with no space (…3号主题分类：…);
    # a shorter one (来源, 分类) must not follow a Chinese character: it may be inside a word.
    long_names = "|".join(
        r"\s*".join(_char_class(c) for c in name) for name in sorted(names, key=len, reverse=True) if len(name) >= 3
    )
    # 【索引号】…: a name in brackets is closed by the bracket.
    return re.compile(rf"(?:(?<![\u4e00-\u9fff])[【\[［]?\s*|(?=(?:{long_names})\s*[:：]))({alternation})"
                      rf"(?:\s*[】\]］]\s*|{SEPARATOR}|\s+)")


def field_key(name: str) -> str:
    """The metadata key of a matched field name."""
    names, _ = _fields()
    return names[to_simplified(re.sub(r"\s+", "", name))]


def _numeral(text: str) -> int:
    """12, 十二, 二十五 or a year digit by digit (二〇二六) as a number."""
    return int(text) if text.isdigit() else cn_number(text)  # isdigit: ASCII and full-width digits, no 二


def iso_date(text: str) -> str | None:
    """2025-3-18, 2025/03/18, 2025年3月18日 or 二〇二五年三月十八日 as 2025-03-18."""
    m = ISO_DATE.search(text) or CN_DATE.search(text)
    if not m:
        return None
    return f"{_numeral(m.group(1)):04d}-{_numeral(m.group(2)):02d}-{_numeral(m.group(3)):02d}"


def parse_header_line(text: str) -> dict[str, str]:
    """The fields of one header line; empty when the line does not start with a field name."""
    found = list(field_pattern().finditer(text))
    if not found or text[: found[0].start()].strip(" |｜"):
        return {}
    _, date_fields = _fields()
    out: dict[str, str] = {}
    for i, m in enumerate(found):
        key = field_key(m.group(1))
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        value = text[m.end() : end].strip().strip("|｜").strip()  # also NBSP and ideographic spaces
        # A tab or a wide gap ends a value: what follows is another field (瀏覽次數：) this reader may not know.
        value = re.split(r"\t|\u3000\u3000|\s{3,}|\s+(?=[\u4e00-\u9fff]{2,6}[:：])", value)[0].strip()
        value = page_label_pattern().split(value)[0].strip()
        if not value or key in out:
            continue
        out[key] = (iso_date(value) or value) if key in date_fields else value
    return out


def is_header_line(text: str) -> bool:
    """A line of the header block: it starts with a field name followed by a value."""
    return bool(parse_header_line(text))


def is_field_name(text: str) -> bool:
    """A line that is only a field name and its separator (索引號：): its value is on the next line, as a
    `<dt>`/`<dd>` list or a two-cell table row prints it."""
    m = field_pattern().match(text.strip() + " ")
    return m is not None and m.start() == 0 and not text.strip()[m.end() - 1 :].strip(" :：|｜")


CELL_GAP = re.compile(r"\s*[|｜\t]\s*|\s+")


def label_row(text: str) -> list[str]:
    """The field names of a line made of nothing else (索引号 发布机构 文号 成文日期): a header table whose
    first row labels the columns and whose second row holds the values; empty for any other line."""
    names = [x for x in CELL_GAP.split(text.strip()) if x]
    if len(names) < 2:
        return []
    for name in names:
        m = field_pattern().match(name + " ")
        if m is None or m.end() - 1 != len(name):
            return []
    return names


def paired_row(labels: list[str], text: str) -> dict[str, str]:
    """The fields of a value row under a label row, one value per column; empty unless the counts agree."""
    values = [x for x in CELL_GAP.split(text.strip()) if x]
    if len(values) != len(labels) or label_row(text):
        return {}
    return parse_header_line("  ".join(f"{name}：{value}" for name, value in zip(labels, values, strict=True)))
