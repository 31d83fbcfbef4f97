"""Checks for eval/fresh/changzhou-2025-civil-affairs-plan.jsonl (see eval/fresh/README.md). Run: .venv/bin/python eval/fresh/check.py"""

from __future__ import annotations

import difflib
import json
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

from assistant.evaluation.batch import load_questions
from assistant.evaluation.scoring import fold
from assistant.text import detect_script

ROOT = Path(__file__).resolve().parents[2]
FRESH = ROOT / "eval/fresh/changzhou-2025-civil-affairs-plan.jsonl"
OLD = ROOT / "eval/questions.jsonl"
PAGE = ROOT / "corpus/raw/changzhou-2025-civil-affairs-plan.txt"

# Kinds by id range (the brief's kinds; `category` is the eval/README.md category).
KINDS = [("plain lookup", 1, 25), ("computed", 26, 45), ("due-by window", 46, 60), ("responsibility", 61, 75),
         ("follow-up", 76, 90), ("body/policy", 91, 105), ("unanswerable", 106, 130)]
CATEGORIES = {"district_quota", "citywide", "aggregate", "milestone", "reform_target", "responsible", "deadline",
              "policy", "metadata", "followup", "unanswerable"}
SCRIPT = {"zh-Hans": "hans", "zh-Hant": "hant", "en": "latin"}

# Computed fact alternatives (not expected verbatim in the page): value -> (expression, operands that must be in the page).
COMPUTED = {
    "fresh-q033": {"18": ("24-6", ["24个", "6个"])},
    "fresh-q034": {"547": ("3931-3384", ["3931", "3384"])},
    "fresh-q035": {"2380": ("820+800+760", ["820户", "800户", "760户"])},
    "fresh-q036": {"27.2%": ("353/1300", ["353张", "1300张"])},
    "fresh-q037": {"45.3%": ("24/53", ["24个", "53个"])},
    "fresh-q038": {"50.3%": ("5.78/11.5", ["5.78亿元", "11.5亿元"])},
    "fresh-q039": {"19.2%": ("19/99", ["19家", "99家"])},
    "fresh-q040": {"21": ("5+5+5+4+2", ["5家", "4家", "2家", "21家"])},
    "fresh-q041": {"4000": ("7000-3000", ["7000", "3000"])},
    "fresh-q044": {"1.33": ("2.91-1.58", ["2.91亿元", "1.58亿元"])},
    "fresh-q082": {"1.68": ("2.91-1.23", ["2.91亿元", "1.23亿元"])},
}


def evaluate(expr: str) -> str:
    """Evaluate a+b-c or a/b (share, as a percentage to one decimal) with Decimal."""
    if "/" in expr:
        a, b = (Decimal(x) for x in expr.split("/"))
        return f"{(a / b * 100).quantize(Decimal('0.1'))}%"
    total, sign, num = Decimal(0), 1, ""
    for ch in expr + "+":
        if ch in "+-":
            total += sign * Decimal(num)
            sign, num = (1 if ch == "+" else -1), ""
        else:
            num += ch
    return format(total.normalize(), "f")


def main() -> int:
    problems: list[str] = []
    rows = load_questions(FRESH, gold=True)
    page = fold(PAGE.read_text(encoding="utf-8"))
    old = [json.loads(line) for line in OLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    old_q = {fold(r["question"]): r["id"] for r in old}

    # counts
    by_kind = Counter()
    for r in rows:
        n = int(r["id"].split("q")[-1])
        kind = next(k for k, lo, hi in KINDS if lo <= n <= hi)
        by_kind[kind] += 1
        if r["category"] not in CATEGORIES:
            problems.append(f"{r['id']}: unknown category {r['category']}")
        if (kind == "unanswerable") == r["answerable"]:
            problems.append(f"{r['id']}: answerable flag does not fit its kind")
        if (kind == "follow-up") != bool(r.get("history")):
            problems.append(f"{r['id']}: history present/absent does not fit its kind")
    print("rows:", len(rows))
    print("by kind:", dict(by_kind))
    print("by category:", dict(Counter(r["category"] for r in rows)))
    print("by language:", dict(Counter(r["language"] for r in rows)))
    print("answerable:", dict(Counter(r["answerable"] for r in rows)))

    # facts in page
    computed_seen = 0
    for r in rows:
        comp = COMPUTED.get(r["id"], {})
        for fact in r["facts"]:
            for alt in fact:
                if alt in comp:
                    expr, operands = comp[alt]
                    computed_seen += 1
                    if evaluate(expr) != alt:
                        problems.append(f"{r['id']}: {expr} = {evaluate(expr)}, gold says {alt}")
                    for op in operands:
                        if fold(op) not in page:
                            problems.append(f"{r['id']}: operand {op!r} not in page")
                    if fold(alt) in page:
                        print(f"  note: computed {alt!r} ({r['id']}) also occurs in the page")
                elif fold(alt) not in page:
                    problems.append(f"{r['id']}: fact alternative {alt!r} not in page")
    print("computed alternatives checked by arithmetic:", computed_seen)

    # language
    for r in rows:
        got = detect_script(r["question"])
        if SCRIPT[r["language"]] != got:
            problems.append(f"{r['id']}: language {r['language']} but detect_script says {got}")

    # duplicates against eval/questions.jsonl (exact after fold, and closest by character similarity)
    close = []
    for r in rows:
        fq = fold(r["question"])
        if fq in old_q:
            problems.append(f"{r['id']}: duplicates {old_q[fq]}")
        best = max(old, key=lambda o: difflib.SequenceMatcher(None, fq, fold(o["question"])).ratio())
        ratio = difflib.SequenceMatcher(None, fq, fold(best["question"])).ratio()
        close.append((ratio, r["id"], r["question"], best["id"], best["question"]))
    close.sort(reverse=True)
    print("closest existing questions (character similarity):")
    for ratio, fid, fq, oid, oq in close[:12]:
        print(f"  {ratio:.2f} {fid} {fq} | {oid} {oq}")
    seen = Counter(fold(r["question"]) for r in rows if not r.get("history"))
    for q, n in seen.items():
        if n > 1:
            problems.append(f"question repeated inside the set: {q}")

    # follow-ups: one user and one assistant turn; no fact alternative in the assistant turn
    for r in rows:
        h = r.get("history")
        if not h:
            continue
        if [t["role"] for t in h] != ["user", "assistant"]:
            problems.append(f"{r['id']}: history is not one user + one assistant turn")
            continue
        said = fold(h[1]["content"])
        for fact in r["facts"]:
            for alt in fact:
                if fold(alt) in said:
                    problems.append(f"{r['id']}: fact {alt!r} already in the assistant turn")

    if problems:
        print("\nPROBLEMS:")
        for p in problems:
            print(" ", p)
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
