"""What a test reads back from disk: the bytes a sync left behind."""

from __future__ import annotations

from pathlib import Path


def db_bytes(db_path: Path) -> bytes:
    """The database file and its WAL, as stored on disk."""
    return b"".join(p.read_bytes() for p in sorted(db_path.parent.glob(db_path.name + "*")))
