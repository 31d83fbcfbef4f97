"""Number checks: every number an answer states must come from its citations or from arithmetic it shows.

Used by the evaluation (unsupported-number count) and by the optional LLM verifier.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from assistant.models import Answer, Citation

MARKER = re.compile(r"\[\d+\]")
LIST_MARKER = re.compile(r"(?m)^\s*\d+\s*[.、)]\s*")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
SUM_EXPR = re.compile(r"((?:\d+(?:\.\d+)?\s*[+＋]\s*)+\d+(?:\.\d+)?)\s*=\s*(\d+(?:\.\d+)?)")
DIFF_EXPR = re.compile(r"(\d+(?:\.\d+)?)\s*[−-]\s*(\d+(?:\.\d+)?)\s*=\s*(\d+(?:\.\d+)?)")
COMPARE_EXPR = re.compile(r"(\d+(?:\.\d+)?)\s*(>|≥|<|≤)\s*(\d+(?:\.\d+)?)")
RATIO_EXPR = re.compile(r"(\d+(?:\.\d+)?)\s*÷\s*(\d+(?:\.\d+)?)\s*=\s*(\d+(?:\.\d+)?)\s*%")
COUNT = re.compile(r"\d+\s*(?=项|項|个单位|個單位|items?\b|actions?\b|values?\b|units?\b|reform items?\b|scheduled)")
QUARTER_CODE = re.compile(r"\bQ[1-4]\b")
SOURCES = re.compile(r"(?m)^(来源|來源|Sources)[:：].*$")


def _dec(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def body_of(answer_text: str) -> str:
    """The answer without markers, list numbering, quarter codes, counts of listed items and the footer.

    A count such as 「6 项」 is supported by the items enumerated right after it, not by a citation.
    """
    text = SOURCES.sub("", answer_text)
    text = MARKER.sub("", text)
    text = QUARTER_CODE.sub("", text)
    text = COUNT.sub("", text)
    return LIST_MARKER.sub("", text)


def cited_numbers(citations: list[Citation]) -> set[Decimal]:
    """Numbers that occur in the cited text or labels (labels name 序號 and attachment numbers)."""
    found: set[Decimal] = set()
    for c in citations:
        for m in NUMBER.finditer(f"{c.text} {c.label}"):
            # 「1.4月底前」 is item 1 of a list, month 4: both pieces of a dotted pair occur in the text too.
            for token in (m.group(0), *m.group(0).split(".")):
                value = _dec(token)
                if value is not None:
                    found.add(value)
    return found


def computed_numbers(text: str, known: set[Decimal]) -> set[Decimal]:
    """Results of sums and differences the answer spells out, when the operands are known and the arithmetic holds."""
    derived: set[Decimal] = set()
    for m in SUM_EXPR.finditer(text):
        operands = [_dec(x) for x in re.split(r"[+＋]", m.group(1))]
        result = _dec(m.group(2))
        present = [o for o in operands if o is not None]
        if len(present) == len(operands) and result is not None and all(o in known for o in present):
            if sum(present, Decimal(0)) == result:
                derived.add(result)
    for m in DIFF_EXPR.finditer(text):
        a, b, result = (_dec(m.group(i)) for i in (1, 2, 3))
        if a in known and b in known and result is not None and a is not None and b is not None and a - b == result:
            derived.add(result)
    # A threshold the answer tests a known value against (353 > 200): the comparison is shown and true.
    for m in COMPARE_EXPR.finditer(text):
        a, b = _dec(m.group(1)), _dec(m.group(3))
        if a is not None and b is not None and a in known and _holds(a, m.group(2), b):
            derived.add(b)
    # A share: both operands known or summed above, the percentage right to the shown decimals.
    for m in RATIO_EXPR.finditer(text):
        a, b, result = (_dec(m.group(i)) for i in (1, 2, 3))
        if a is None or b is None or result is None or not b or not {a, b} <= known | derived:
            continue
        exponent = result.as_tuple().exponent
        step = Decimal(1).scaleb(exponent) if isinstance(exponent, int) else Decimal(1)
        if abs(a / b * 100 - result) <= step / 2:
            derived.add(result)
    return derived


def _holds(a: Decimal, symbol: str, b: Decimal) -> bool:
    return {">": a > b, "≥": a >= b, "<": a < b, "≤": a <= b}[symbol]


def unsupported_numbers(answer: Answer) -> list[str]:
    """Numbers in the answer that neither the citations nor shown arithmetic support."""
    text = body_of(answer.answer)
    known = cited_numbers(answer.citations)
    known |= computed_numbers(text, known)
    missing = []
    for m in NUMBER.finditer(text):
        value = _dec(m.group(0))
        if value is not None and value not in known:
            missing.append(m.group(0))
    return missing
