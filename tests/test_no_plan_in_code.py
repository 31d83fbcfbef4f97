"""The plan is data: no package source names the seed plan's city or districts (either script, or pinyin)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_NAMES = re.compile(
    r"溧陽|溧阳|金壇|金坛|武進|武进|新北區|新北区|天寧|天宁|鐘樓|钟楼|經開區|经开区|常州|"
    r"Changzhou|Xinbei|Wujin|Liyang|Jintan|Tianning|Zhonglou",
)  # case-sensitive: the default source *path* in config.py is configuration, not a name in the code


def test_package_sources_name_no_seed_place() -> None:
    hits = []
    for folder in ("assistant", "ui"):
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or path.suffix not in (".py", ".json", ".txt", ".md", ".css", ".js", ".html"):
                continue
            if path.name == "jieba_base.txt":  # jieba's general dictionary, not ours
                continue
            for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if SEED_NAMES.search(line):
                    hits.append(f"{path.relative_to(ROOT)}:{no}: {line.strip()[:80]}")
    assert hits == []
