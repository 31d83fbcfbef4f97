"""What a failure may say to the network: the cause and the fix, without the server's insides.

Messages are written for the person who can act on them, and many name files or settings. A client
must not learn where the server keeps its files, which environment variables configure it or which
exception a library raised; the server log keeps all of that. `public_message` rewrites a message for a
response, and `describe_failure` turns an unexpected exception into a sentence that names its cause.
"""

from __future__ import annotations

import errno
import re
import shutil
import sqlite3
from pathlib import Path

_PATH = re.compile(r"(?<![\w.:/])(?:file:)?/((?:[^\s'\"(),;:/]+/)*)([^\s'\"(),;:/]*)")
ROUTES = frozenset({"api", "v1", "admin", "docs", "redoc", "readyz", "healthz", "gradio_api", "openapi.json", "config"})
"""First segments of this server's own routes: a message may name them (/docs, /api/search)."""


def _cut(match: re.Match[str]) -> str:
    """An absolute file path → its last part; a route of this server → unchanged."""
    dirs, name = match.group(1), match.group(2)
    first = (dirs.split("/", 1)[0] if dirs else name)
    if first in ROUTES:
        return match.group(0)
    return name or "a server path"
_ENV = re.compile(r"\$?\bASSISTANT_[A-Z0-9_]+\b")
_CLASS = re.compile(r"\b(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception)\b(?::\s*)?")


def public_message(message: str) -> str:
    """The message with absolute paths cut to their last part, setting names and exception names left out."""
    text = _PATH.sub(_cut, message)
    text = _ENV.sub("the server's configuration", text)
    return _CLASS.sub("", text).strip()


FULL_BYTES = 1 << 20
"""Less free space than this where the index lives, and a failed write is put down to a full disk."""


def disk_full(where: Path | None) -> bool:
    """True when the file system holding `where` (or its nearest existing parent) is all but full."""
    if where is None:
        return False
    path = Path(where)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free < FULL_BYTES
    except OSError:
        return False


def describe_failure(exc: BaseException, index_dir: Path | None = None) -> str:
    """A sentence naming what went wrong, for an exception no layer turned into an AssistantError.

    Libraries do not always say that a disk is full (Chroma reports a failed compaction), so when the
    index dir's file system has next to no space left, that is named as the cause.
    """
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "disk is full" in str(exc) \
            or "No space left" in str(exc) or disk_full(index_dir):
        return "the disk holding the index is full (no space left on the device); free some space"
    if isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) \
            or "readonly database" in str(exc) or "read-only file system" in str(exc).lower():
        return "the index dir is not writable (read-only or no permission), and the index needs to be (re)built there"
    if isinstance(exc, sqlite3.DatabaseError):
        return f"an index database could not be used ({exc})"
    if isinstance(exc, OSError):
        return f"a file of the index could not be used ({exc.strerror or exc})"
    return f"an unexpected error ({exc})"
