"""Finding a damaged index before a build and setting it aside, so the build starts clean.

index/ holds built artifacts only, so a damaged plan.sqlite or embedded Chroma store is never worth
saving: a disk that filled up mid-write or a bad copy would otherwise fail every start with an error
deep inside SQLite or Chroma. The damaged parts are renamed to `<name>.corrupt` (replacing an older
one, so repeated failures do not pile up), which keeps them for a post-mortem and lets `build` write
fresh ones. Only SQLite's own verdicts count as damage (not a database, malformed, a failed
quick_check): a file that is merely busy because another worker is writing it is left alone.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from assistant.config import Settings
from assistant.index import manifest_path

log = logging.getLogger(__name__)

DAMAGE_CODES = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})
"""SQLite error names that mean the file itself is broken (as opposed to locked or busy)."""


def sqlite_damage(path: Path) -> str | None:
    """Why the SQLite file at `path` is unusable; None when it is fine or absent (absent is for build)."""
    if not path.exists():
        return None
    if not path.is_file():
        return f"{path} is not a file"
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)) as db:
            row = db.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") in DAMAGE_CODES:
            return f"{path} is damaged ({exc})"
        log.debug("not judging %s: %s", path, exc)
        return None
    verdict = row[0] if row else "no answer"
    return None if verdict == "ok" else f"{path} failed its integrity check ({verdict})"


def index_damage(settings: Settings) -> list[tuple[Path, str]]:
    """(path to set aside, why) for each damaged part of the index: plan.sqlite, the embedded Chroma store."""
    found: list[tuple[Path, str]] = []
    if why := sqlite_damage(settings.sqlite_path):
        found.append((settings.sqlite_path, why))
    if not settings.chroma_url:  # a server's store is the server's business
        chroma = settings.chroma_dir
        if chroma.exists() and not chroma.is_dir():
            found.append((chroma, f"{chroma} is not a directory"))
        elif why := sqlite_damage(chroma / "chroma.sqlite3"):
            found.append((chroma, why))
    return found


def set_aside_damage(settings: Settings) -> list[str]:
    """Rename each damaged part to `<name>.corrupt` and drop the manifest; returns what was wrong."""
    found = index_damage(settings)
    for path, why in found:
        target = path.with_name(path.name + ".corrupt")
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        path.rename(target)
        log.warning("%s: moved it to %s and rebuilding", why, target.name)
    if found:
        # The manifest describes the store just set aside; without it the build checks everything.
        manifest_path(settings).unlink(missing_ok=True)
    return [why for _, why in found]
