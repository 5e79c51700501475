"""Old nights shrink to what history needs: summaries, findings and changes, not every row.

The newest `keep` runs with records stay whole. In older runs a record that was unchanged and
clean is deleted (it tells no story), and the rest lose their raw source row; the per-import
summaries, every finding and every created/updated/removed record stay, so "when did she stop
coming through?" can still be answered a year later.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from rostertui.store.schema import FTS_COLUMNS, rows_of_run


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
    old_runs = [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT run_id FROM records WHERE run_id < ? AND raw IS NOT NULL",
            [oldest_kept],
        ).fetchall()
    ]
    deleted = 0
    with db.conn:
        for run_id in old_runs:
            deleted += _prune_run(db, run_id)
    return PruneResult(len(old_runs), deleted)


def _prune_run(db: sqlite_utils.Database, run_id: int) -> int:
    """Walks the run in id order: in key order, a million UUID ids meant rewriting rows all
    over the table, 16 s for one night's raw rows."""
    run, params = rows_of_run(db, run_id)
    quiet = (
        f"{run} AND change = 'unchanged' "
        "AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.record_id = records.id)"
    )
    db.execute(
        f"INSERT INTO records_fts (records_fts, rowid, {FTS_COLUMNS}) "
        f"SELECT 'delete', id, {FTS_COLUMNS} FROM records WHERE {quiet} "
        "AND kind != 'membership'",
        params,
    )
    cursor = db.execute(f"DELETE FROM records WHERE {quiet}", params)
    db.execute(f"UPDATE records SET raw = NULL WHERE {run} AND raw IS NOT NULL", params)
    return cursor.rowcount
