"""What a test reads back from disk: the bytes a sync left behind."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path


def db_bytes(db_path: Path) -> bytes:
    """The database file and its WAL, as stored on disk."""
    return b"".join(p.read_bytes() for p in sorted(db_path.parent.glob(db_path.name + "*")))


def copy_of(db_path: Path, folder: Path) -> Path:
    """A copy of a database and its key file in `folder`, for a test that adds a night to it
    (the original, shared by other tests, is read through a read-only connection)."""
    copy_path = folder / db_path.name
    with (
        closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as original,
        closing(sqlite3.connect(copy_path)) as copy,
    ):
        original.backup(copy)
    key = db_path.with_name(db_path.name + ".key")
    shutil.copy(key, folder / key.name)
    return copy_path
