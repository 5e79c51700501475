"""One writer per database file: a second sync (or a prune) on the same file refuses, at once.

SQLite would serialise the two transactions anyway, but the second would wait and then diff
against a run the first was still writing. The lock is an flock on a file beside the database's
*resolved* path, so the same database reached through a symlink or another relative path takes
the same lock. The lock file says who holds it (a sync or a prune, pid, since when) and is
removed when they let go; one left by a killed process names a process that is gone and is
harmless: the lock is the flock, not the file, and the kernel drops it with the process.

Readers ask `writer_alive` to tell a night being written from one whose writer died.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from rostertui.store.errors import StoreError, os_error_line

_WAIT = 1.0
"""Seconds a writer retries: a reader's `writer_alive` holds a shared lock for microseconds."""


def real_path(db_path: Path) -> Path:
    """The file behind every symlink: what the lock and the key file sit beside."""
    try:
        return db_path.resolve()
    except (RuntimeError, OSError) as exc:  # a symlink loop
        raise StoreError(f"{db_path}: cannot be followed to a file ({exc})") from exc


def lock_path(db_path: Path) -> Path:
    real = real_path(db_path)
    return real.with_name(real.name + ".lock")


@contextmanager
def writer_lock(db_path: Path, what: str = "sync") -> Iterator[None]:
    """Hold the database's writer lock for `what` ("sync", "prune" …) or refuse with who has it."""
    path = lock_path(db_path)
    fd = _acquire(path, db_path)
    try:
        _describe(fd, what)
        yield
    finally:
        with suppress(OSError):  # a read-only folder: the file is harmless, the flock goes
            path.unlink(missing_ok=True)  # while still holding it: see _acquire
        os.close(fd)


def writer_alive(db_path: Path) -> bool | None:
    """Whether a sync or prune holds the lock now; None when that cannot be told (unreadable)."""
    try:
        fd = os.open(lock_path(db_path), os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    finally:
        os.close(fd)  # also lets go of the shared lock
    return False


def holder(db_path: Path) -> str:
    """What the lock file says of its holder ("a sync (pid 12, since …)"), if it says anything."""
    try:
        return lock_path(db_path).read_text(errors="replace").split("\n", 1)[0].strip()
    except OSError:
        return ""


def _acquire(path: Path, db_path: Path) -> int:
    deadline = time.monotonic() + _WAIT
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError as exc:
            raise StoreError(f"{db_path}: the folder {path.parent} does not exist") from exc
        except OSError as exc:
            doing = f"write the writer lock {path.name} beside it"
            raise StoreError(os_error_line(db_path, exc, doing)) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            who = holder(db_path) or "another rostertui process"
            raise StoreError(
                f"{db_path}: {who} is writing to this database; wait for it to finish"
            ) from None
        # The holder before us unlinks the file as it lets go: if we locked a file that is no
        # longer at the path, a third process may lock the new one; take the path's file again.
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def _describe(fd: int, what: str) -> None:
    """Best effort: the lock holds without its description (a full disk cannot write it)."""
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    text = (
        f"{'an' if what[0] in 'aeiou' else 'a'} {what} (pid {os.getpid()}, since {since} UTC)\n"
        "rostertui's writer lock. Left behind by a killed process it is harmless: the lock is "
        "the process's flock on this file, which ends with the process.\n"
    )
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode(), 0)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS):
            raise
