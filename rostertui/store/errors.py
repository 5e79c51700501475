"""What went wrong with a database file, said in one line a person can act on.

SQLite and the OS report a full disk, a read-only folder or a damaged page in their own words
("database or disk is full", "attempt to write a readonly database", "disk image is malformed");
these say which file, what it means and what to do, so no traceback ever reaches a user.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path


class StoreError(Exception):
    """The database cannot be used; the message says what to do."""


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_DAMAGED = ("malformed", "not a database", "corrupt")


def os_error_line(path: Path, exc: OSError, doing: str) -> str:
    """`doing` is what rostertui was trying, e.g. "take the writer lock"."""
    return f"{path}: {os_problem(exc, doing)}"


def os_problem(exc: OSError, doing: str) -> str:
    """The line without the file's name, for a message that names it already."""
    if exc.errno in _FULL:
        return f"cannot {doing}: the disk is full ({exc.strerror}); free some space"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"cannot {doing}: {exc.strerror.lower()} (the file or its folder is read-only for "
            "this user)"
        )
    return f"cannot {doing}: {exc.strerror or exc}"


def is_damage(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.DatabaseError) and any(
        word in str(exc).lower() for word in _DAMAGED
    )


def sqlite_error_line(path: Path, exc: sqlite3.Error, doing: str) -> str:
    """One line for an SQLite failure while `doing` ("read", "write the night" …)."""
    text = str(exc)
    lower = text.lower()
    if is_damage(exc):
        return (
            f"{path}: the database is damaged ({text}); nothing was written to it. Restore it "
            "from a backup (check it with: sqlite3 FILE 'PRAGMA integrity_check')"
        )
    if "full" in lower:
        return f"{path}: cannot {doing}: the disk is full ({text}); free some space"
    if "readonly" in lower or "read-only" in lower:
        return f"{path}: cannot {doing}: the file or its folder is read-only for this user ({text})"
    if "disk i/o error" in lower:
        return (
            f"{path}: cannot {doing}: the disk reported an I/O error (a full disk, a failing "
            f"disk or a lost network share: {text})"
        )
    if "unable to open" in lower:
        return f"{path}: cannot {doing}: SQLite cannot open the file ({text})"
    if "locked" in lower or "busy" in lower:
        return f"{path}: cannot {doing}: another program holds the database ({text})"
    return f"{path}: cannot {doing}: {text}"


def failure_line(path: Path, exc: BaseException, doing: str) -> str | None:
    """The one line for a database or file failure; None for anything else (a bug)."""
    if isinstance(exc, sqlite3.Error):
        return sqlite_error_line(path, exc, doing)
    if isinstance(exc, OSError):
        return os_error_line(path, exc, doing)
    return None
