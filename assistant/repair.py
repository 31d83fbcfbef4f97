"""Finding a damaged index before a build and setting it aside, so the build starts clean.

index/ holds built artifacts only, so a damaged plan.sqlite, embedded Chroma store or embedding cache is never worth
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


def sqlite_damage(path: Path, table: str | None = None, columns: tuple[str, ...] = ()) -> str | None:
    """Why the SQLite file at `path` is unusable; None when it is fine or absent (absent is for build).

    With `table`, a file whose `table` exists without all of `columns` counts as damaged too (a file
    of the right name that some other program wrote); a file without the table is merely empty.
    """
    if not path.exists():
        return None
    if not path.is_file():
        return f"{path} is not a file"
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)) as db:
            row = db.execute("PRAGMA quick_check").fetchone()
            have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")} if table else set()  # noqa: S608
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") in DAMAGE_CODES:
            return f"{path} is damaged ({exc})"
        log.debug("not judging %s: %s", path, exc)
        return None
    verdict = row[0] if row else "no answer"
    if verdict != "ok":
        return f"{path} failed its integrity check ({verdict})"
    if have and (lost := [c for c in columns if c not in have]):
        return f"{path} has a {table} table without {', '.join(lost)}"
    return None


def cache_damage(settings: Settings) -> str | None:
    """Why the embedding cache is unusable (damaged, or not a vector cache); None when fine or absent."""
    from assistant.vector_cache import CachedEmbeddings

    return sqlite_damage(settings.embedding_cache_path, "vectors", CachedEmbeddings.COLUMNS)


def index_damage(settings: Settings) -> list[tuple[Path, str]]:
    """(path to set aside, why) for each damaged part: plan.sqlite, the embedded Chroma store, the embedding cache."""
    found: list[tuple[Path, str]] = []
    if why := sqlite_damage(settings.sqlite_path):
        found.append((settings.sqlite_path, why))
    if not settings.chroma_url:  # a server's store is the server's business
        chroma = settings.chroma_dir
        if chroma.exists() and not chroma.is_dir():
            found.append((chroma, f"{chroma} is not a directory"))
        elif why := sqlite_damage(chroma / "chroma.sqlite3"):
            found.append((chroma, why))
    if why := cache_damage(settings):
        found.append((settings.embedding_cache_path, why))
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
        for suffix in ("-wal", "-shm"):  # SQLite's side files belong to the file set aside
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        log.warning("%s: moved it to %s and rebuilding", why, target.name)
    if any(path != settings.embedding_cache_path for path, _ in found):
        # The manifest describes the store just set aside; without it the build checks everything.
        manifest_path(settings).unlink(missing_ok=True)
    return [why for _, why in found]
