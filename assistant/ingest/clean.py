"""Cleaning: drop site chrome and injected spam by rule, flag mojibake without touching it.

The scrape keeps every table cell on its own line with a blank line between, so blank lines carry no
meaning and are skipped; every other dropped line is reported with the rule that dropped it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.models import CleanReport, RemovedLine, SourceLine, SuspectText
from assistant.text import split_lines

# Site chrome, matched on the Simplified form of a line so both scripts are caught.
CHROME_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chrome: breadcrumb prompt", re.compile(r"^您当前的位置\s*[:：]?\s*$")),
    ("chrome: breadcrumb trail", re.compile(r"^首页\s*(>>|>|»)")),
    ("chrome: view counter", re.compile(r"^浏览次数\s*[:：]?\s*\d*\s*$")),
    ("chrome: QR-code prompt", re.compile(r"^扫一扫在手机(上)?打开当前页$")),
    ("chrome: print/close controls", re.compile(r"^(【?打印本页】?|【?关闭窗口】?|【?字体\s*[:：].*)$")),
    ("chrome: page controls", re.compile(
        r"^(\s*【[^】]{1,8}】\s*)+$|^【?字号\s*[:：]?.*[大中小].*$|^((打印本页|关闭窗口|打印|关闭|返回顶部|收藏)\s*)+$"
    )),
    ("chrome: site footer", re.compile(
        r"^(主办单位|主办|承办单位|承办|技术支持|版权所有|网站标识码|网站地图|联系我们)\s*[:：]|ICP备|公网安备|^copyright\b|^©",
        re.IGNORECASE,
    )),
    (
        "chrome: navigation label",
        re.compile(r"^(领导活动|领导信息|机构概况|新闻中心|政务公开|互动交流|网上办事|专题专栏|首页)$"),
    ),
)

SPAM_TERMS: tuple[str, ...] = (
    "在线播放", "在线观看", "无码", "一区二区", "二区三区", "午夜", "成人", "不卡", "性生活",
    "国产", "亚洲", "精品", "av", "视频", "伦理", "日韩", "欧美", "免费观看",
)
SENTENCE_END = re.compile(r"[。;；!！?？]$")
SEPARATORS = re.compile(r"[,，、|｜]")
ASCII_QMARK_IN_CJK = re.compile(r"(?<=[\u3400-\u9fff\u3000-\u303f!？])\?|\?(?=[\u3400-\u9fff!])")


@dataclass(frozen=True)
class CleanResult:
    """Lines kept for parsing (with their raw numbers) and the report of what was dropped or flagged."""

    lines: list[SourceLine]
    report: CleanReport


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2t")


def is_simplified_only(text: str) -> bool:
    """True when converting to Traditional changes the text but converting to Simplified does not."""
    return _s2t().convert(text) != text and _t2s().convert(text) == text


def spam_signals(text: str) -> list[str]:
    """Reasons a line looks like injected keyword stuffing; empty when it looks like content."""
    simplified = _t2s().convert(text).lower()
    parts = [p for p in SEPARATORS.split(simplified) if p.strip()]
    signals: list[str] = []
    if len(parts) >= 3 and not SENTENCE_END.search(simplified.strip()):
        if sum(len(p) for p in parts) / len(parts) <= 14:
            signals.append(f"keyword list of {len(parts)} short phrases")
    hits = [t for t in SPAM_TERMS if t in simplified]
    if hits:
        signals.append("spam vocabulary: " + ", ".join(hits))
    return signals


def is_spam(text: str, document_is_traditional: bool) -> tuple[bool, str]:
    """Keyword stuffing plus spam vocabulary or a script that does not match the document."""
    signals = spam_signals(text)
    if document_is_traditional and is_simplified_only(text):
        signals.append("Simplified script in a Traditional document")
    stuffing = any(s.startswith("keyword list") for s in signals)
    vocab = next((s for s in signals if s.startswith("spam vocabulary")), "")
    strong_vocab = vocab.count(",") >= 2
    if (stuffing and len(signals) >= 2) or strong_vocab:
        return True, "spam: " + "; ".join(signals)
    return False, ""


def chrome_reason(text: str) -> str | None:
    """The chrome rule a line matches, if any."""
    simplified = _t2s().convert(text.strip())
    for reason, pattern in CHROME_PATTERNS:
        if pattern.search(simplified):
            return reason
    return None


def _is_odd_char(ch: str) -> bool:
    """A character typical of GBK/UTF-8 mojibake: ASCII or private-use inside CJK, or a rare CJK glyph.

    "Rare" means outside Big5 or in Big5's less-common block (lead byte >= 0xC9): mis-decoded bytes
    land there far more often than real words do.
    """
    if ch in "?!" or ("a" <= ch.lower() <= "z") or "\ue000" <= ch <= "\uf8ff":
        return True
    if "\u3400" <= ch <= "\u9fff":
        try:
            return ch.encode("cp950")[0] >= 0xC9
        except UnicodeEncodeError:
            return True
    return False


def find_mojibake(text: str) -> list[tuple[str, str]]:
    """Garbled runs around ASCII '?' in Chinese text, each with some surrounding context."""
    positions = [m.start() for m in ASCII_QMARK_IN_CJK.finditer(text)]
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(positions):
        start = end = positions[i]
        while i + 1 < len(positions) and positions[i + 1] - end <= 10:
            i += 1
            end = positions[i]
        while start > 0 and _is_odd_char(text[start - 1]):
            start -= 1
        while end + 1 < len(text) and _is_odd_char(text[end + 1]):
            end += 1
        run = text[start : end + 1]
        context = text[max(0, start - 12) : end + 13]
        found.append((run, context))
        i += 1
    return found


def document_is_traditional(lines: list[str]) -> bool:
    """Whether most Chinese text in the document is Traditional (decides the script-mismatch signal)."""
    sample = "".join(lines)
    return _t2s().convert(sample) != sample and sum(
        1 for ln in lines if ln.strip() and _t2s().convert(ln) != ln
    ) > sum(1 for ln in lines if ln.strip() and is_simplified_only(ln))


def clean_lines(lines: list[SourceLine], traditional: bool, report: CleanReport) -> list[SourceLine]:
    """Drop chrome and spam lines and flag mojibake, recording both in `report`; keeps line numbers."""
    kept: list[SourceLine] = []
    for ln in lines:
        reason = chrome_reason(ln.text)
        if reason is None:
            spam, why = is_spam(ln.text, traditional)
            reason = why if spam else None
        if reason is not None:
            report.removed.append(RemovedLine(line=ln.no, text=ln.text, reason=reason))
            continue
        for run, context in find_mojibake(ln.text):
            report.suspect.append(
                SuspectText(line=ln.no, text=run, context=context, reason="mojibake: ASCII '?' inside Chinese text")
            )
        kept.append(ln)
    return kept


# A printed page's number, as a PDF converted to text keeps it: — 3 —, - 3 -, 第3页, 第3页 共8页.
PAGE_NUMBER = re.compile(r"^(?:[—–\-－]\s*\d{1,3}\s*[—–\-－]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?)$")
MAX_RUNNING_LINE = 40


def page_furniture(lines: list[SourceLine], raw_lines: list[str]) -> dict[int, str]:
    """Page numbers and the running header or footer printed on every page, by line number.

    A running line is one that stands next to a page break (a page number or a form feed) on at least
    two pages with the same words: the plan's own lines never repeat like that.
    """
    found = {ln.no: "page: page number" for ln in lines if PAGE_NUMBER.match(ln.text)}
    feeds = {no for no, line in enumerate(raw_lines, start=1) if "\f" in line}
    beside: dict[str, list[int]] = {}
    for k, ln in enumerate(lines):
        if ln.no in found or len(ln.text) > MAX_RUNNING_LINE:
            continue
        before = lines[k - 1].no if k else 0
        after = lines[k + 1].no if k + 1 < len(lines) else 0
        page_top = ln.no in feeds or any(no in feeds for no in range(before + 1, ln.no)) or before in found
        if page_top or after in found:
            beside.setdefault(ln.text, []).append(ln.no)
    for numbers in beside.values():
        if len(numbers) >= 2:
            found.update((no, "page: running header or footer") for no in numbers)
    return found


def clean(raw: str) -> CleanResult:
    """Split raw text into numbered lines (blank lines carry nothing), then clean them."""
    raw_lines = split_lines(raw)
    report = CleanReport()
    numbered = [SourceLine(no=no, text=line.strip(), raw=line.rstrip().lstrip("\f"))
                for no, line in enumerate(raw_lines, start=1) if line.strip()]
    furniture = page_furniture(numbered, raw_lines)
    report.removed += [RemovedLine(line=ln.no, text=ln.text, reason=furniture[ln.no])
                       for ln in numbered if ln.no in furniture]
    numbered = [ln for ln in numbered if ln.no not in furniture]
    kept = clean_lines(numbered, document_is_traditional(raw_lines), report)
    return CleanResult(lines=kept, report=report)
