"""What each part of the English path adds on pages nobody tuned for: the field glossary, the romanised
unit names, and the dense half of the retriever — each switched off in turn, English golds only.

    .venv/bin/python eval/tools/english_ablation.py [--out eval/reports/english_ablation.md]

Pages and golds: tests/fixtures/heldout{,2,3} with eval/heldout{,2,3}. Each variant ingests every page into
its own index (the embedding cache is shared, so only the first variant embeds).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = [("heldout", "heldout"), ("heldout2", "heldout2"), ("heldout3", "heldout3")]


@contextlib.contextmanager
def no_glossary() -> Iterator[None]:
    """Only the glossary's question words and table terms stay (understanding needs them), no domain terms."""
    from assistant import lexicon

    kept = tuple(e for e in lexicon.glossary() if e.topic in ("question", "tables"))
    with mock.patch.object(lexicon, "glossary", lambda: kept):
        for f in (lexicon._phrase_index, lexicon.question_words):
            f.cache_clear()
        yield
    for f in (lexicon._phrase_index, lexicon.question_words):
        f.cache_clear()


@contextlib.contextmanager
def no_pinyin() -> Iterator[None]:
    """Units keep their Chinese names and short forms; no romanised alias, no English name."""
    from assistant.ingest import profile

    original = profile.unit_aliases

    def chinese_only(name: str, city: list[str]) -> tuple[list[str], str]:
        aliases, _ = original(name, city)
        return [a for a in aliases if not a.isascii()], name

    with mock.patch.object(profile, "unit_aliases", chinese_only):
        yield


@contextlib.contextmanager
def no_dense() -> Iterator[None]:
    """The retriever ranks by BM25 alone."""
    from assistant.retrieve import HybridRetriever

    original = HybridRetriever.search

    def bm25(self, query, k=8, district=None, quarter=None, kinds=None, mode="hybrid"):  # type: ignore[no-untyped-def]
        return original(self, query, k, district, quarter, kinds, "bm25" if mode == "hybrid" else mode)

    with mock.patch.object(HybridRetriever, "search", bm25):
        yield


VARIANTS = [("everything", contextlib.nullcontext), ("no domain glossary", no_glossary),
            ("no romanised names", no_pinyin), ("no dense retrieval", no_dense)]


def english_only(load):  # type: ignore[no-untyped-def]
    def load_english(path, gold=False):  # type: ignore[no-untyped-def]
        return [r for r in load(path, gold=gold) if r.get("language") == "en"]
    return load_english


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "english_ablation.md")
    args = parser.parse_args()
    from assistant.config import get_settings
    from assistant.evaluation import plans

    rows: dict[str, dict[str, tuple[int, int]]] = {}
    with mock.patch.object(plans, "load_questions", english_only(plans.load_questions)):
        for name, variant in VARIANTS:
            with variant():
                for pages, golds in FOLDERS:
                    results = plans.run_plan_evals(ROOT / "tests" / "fixtures" / pages, ROOT / "eval" / golds,
                                                   Path("/tmp") / "english-ablation" / name.replace(" ", "-"),
                                                   get_settings())
                    for r in results:
                        o = r.summary["overall"]
                        rows.setdefault(r.page, {})[name] = (o["passed"], o["n"])
                print(name, "done", file=sys.stderr)
    names = [n for n, _ in VARIANTS]
    lines = ["# English questions on unseen pages: what each part adds", "",
             "English gold questions of the ten held-out pages (tests/fixtures/heldout, heldout2, heldout3), "
             "answered with everything on, then with one part switched off (`eval/tools/english_ablation.py`).", "",
             "| page | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    totals = {n: [0, 0] for n in names}
    for page, by in sorted(rows.items()):
        cells = []
        for n in names:
            passed, total = by.get(n, (0, 0))
            totals[n][0] += passed
            totals[n][1] += total
            cells.append(f"{passed}/{total}")
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    lines.append("| **all** | " + " | ".join(f"**{p}/{t} ({100 * p / max(t, 1):.1f} %)**" for p, t in totals.values())
                 + " |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
