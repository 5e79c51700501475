"""Old nights shrink to what history needs: summaries, findings and changes, not every row.

A record is stored as versions over the nights it held for (night.py), so a year of nights
costs what changed in it, and the newest `keep` runs with records stay whole. A version that
held only for older runs is deleted when it was unchanged and clean (it tells no story); the
rest lose their raw source row. The per-import summaries, every finding and every
created/updated/removed version stay, so "when did she stop coming through?" can still be
answered long after.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from rostertui.store.schema import FTS_COLUMNS


@dataclass(frozen=True, slots=True)
class PruneResult:
    runs_pruned: int
    records_deleted: int


def prune(db: sqlite_utils.Database, keep: int) -> PruneResult:
    if keep < 1:
        raise ValueError("keep at least one run")
    kept = [
        row[0]
        for row in db.execute(
            "SELECT id FROM runs WHERE state IN ('good', 'held') ORDER BY id DESC LIMIT ?", [keep]
        ).fetchall()
    ]
    if len(kept) < keep:
        return PruneResult(0, 0)
    oldest_kept = min(kept)
    old = "last_run < ? AND raw IS NOT NULL"
    old_runs = db.execute(
        f"SELECT count(DISTINCT run_id) FROM records WHERE {old}", [oldest_kept]
    ).fetchone()[0]
    if not old_runs:
        return PruneResult(0, 0)
    quiet = (
        "last_run < ? AND coalesce(change, 'none') IN ('unchanged', 'none') "
        "AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.record_id = records.id)"
    )
    with db.conn:
        db.execute(
            f"INSERT INTO records_fts (records_fts, rowid, {FTS_COLUMNS}) "
            f"SELECT 'delete', id, {FTS_COLUMNS} FROM records WHERE {quiet} "
            "AND kind != 'membership'",
            [oldest_kept],
        )
        deleted = db.execute(f"DELETE FROM records WHERE {quiet}", [oldest_kept]).rowcount
        db.execute(f"UPDATE records SET raw = NULL WHERE {old}", [oldest_kept])
    return PruneResult(old_runs, deleted)
