"""Questions no cache has seen: generated variations of the eval questions, for the new-question rows.

The load rows that replay eval/questions.jsonl mostly measure the caches (finished answers and question
vectors) after the first lap. A server meets new questions all day, so these rows send only text it has
never answered nor embedded: each eval question wrapped in a polite prefix and suffix of the asker's
language, every variant distinct in its matching form (`text.normalize`), which is what both caches key on.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from assistant.text import detect_language, normalize

ZH_PREFIXES = ("", "请问", "想问一下，", "麻烦问下：", "您好，", "我想了解：", "打扰一下，", "咨询一下，",
               "再确认一下，", "帮我查一下：", "同事让我问：", "领导想知道：")
ZH_SUFFIXES = ("", " 谢谢", " 多谢", "，麻烦了", " 辛苦了", "（请注明出处）", " 急", "，谢谢您")
EN_PREFIXES = ("", "Please tell me: ", "Quick question: ", "Hello, ", "I would like to know: ", "Could you check: ",
               "My colleague asks: ", "One more thing: ", "Help me find out: ", "Sorry to bother you: ",
               "For a report: ", "Just checking: ")
EN_SUFFIXES = ("", " Thanks.", " Thank you.", " Please cite the source.", " Cheers.", " Many thanks.", " Urgent.",
               " Thanks a lot.")


def variations(rows: Sequence[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Up to `count` single-turn question rows, all distinct after normalisation and none an eval question.

    Round-robin over the questions (so every route is represented in any slice), one prefix/suffix pair
    per lap; follow-up questions are skipped, since their history would repeat.
    """
    questions = [r for r in rows if not r.get("history")]
    seen = {normalize(r["question"]) for r in questions}
    out: list[dict[str, Any]] = []
    pairs = [(p, s) for p, s in itertools.product(range(len(ZH_PREFIXES)), range(len(ZH_SUFFIXES))) if p or s]
    for lap, (p, s) in enumerate(pairs):
        for row in questions:
            english = detect_language(row["question"]) == "en"
            prefix = (EN_PREFIXES if english else ZH_PREFIXES)[p]
            suffix = (EN_SUFFIXES if english else ZH_SUFFIXES)[s]
            question = f"{prefix}{row['question']}{suffix}"
            key = normalize(question)
            if key in seen:
                continue
            seen.add(key)
            out.append({"id": f"{row.get('id', 'q')}-v{lap}", "question": question})
            if len(out) >= count:
                return out
    return out
