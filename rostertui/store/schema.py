"""Tables, indexes, full-text search and migrations; and the WAL checkpoint after a night.

A record's row is a version that holds over a span of runs (run_id to last_run, migration 5):
a night writes what changed, and a run's records are those whose span covers it (during.py).
The indexes lead with the kind and key, so a record, a page in key order and a code's rows are
index walks on any night. WAL lets the console read while a sync writes.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import sqlite_utils

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        state TEXT NOT NULL,            -- running, good, held, failed
        source TEXT NOT NULL,
        format TEXT NOT NULL DEFAULT '',
        as_of TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        error TEXT,
        previous_run INTEGER,           -- the good run this one was diffed against
        policy TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE imports (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        kind TEXT NOT NULL,
        total INTEGER NOT NULL, imported INTEGER NOT NULL, created INTEGER NOT NULL,
        updated INTEGER NOT NULL, unchanged INTEGER NOT NULL, removed INTEGER NOT NULL,
        skipped INTEGER NOT NULL, excluded INTEGER NOT NULL, pending INTEGER NOT NULL,
        absent INTEGER NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL,
        PRIMARY KEY (run_id, kind)
    );
    CREATE TABLE records (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        name TEXT,                      -- NULL on a membership: shown_records joins them in
        email TEXT,
        school TEXT,
        grp TEXT,
        status TEXT NOT NULL,
        change TEXT,
        changes TEXT,                   -- JSON {field: [old, new]} when updated
        appears_on TEXT,
        source_file TEXT,
        source_line INTEGER,
        source_ref TEXT GENERATED ALWAYS AS (
            CASE WHEN source_line THEN source_file || ':' || source_line
                 ELSE coalesce(source_file, '') END) VIRTUAL,
        fields TEXT NOT NULL DEFAULT '',  -- packed (domain/packing.py), in FIELD_NAMES order
        raw TEXT,                       -- packed values; the header is in source_headers
        civic_hash TEXT,
        person_key TEXT,                -- a membership's person and group
        group_key TEXT,
        members TEXT                    -- a person's or group's memberships: their record ids
    );
    CREATE UNIQUE INDEX records_by_key ON records (run_id, kind, key);  -- lookups and pages
    CREATE INDEX records_by_civic ON records (civic_hash) WHERE civic_hash IS NOT NULL;
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        record_id INTEGER REFERENCES records(id),
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        field TEXT,
        message TEXT NOT NULL,
        source_ref TEXT NOT NULL DEFAULT '',
        cause_kind TEXT, cause_key TEXT, cause_code TEXT,
        root_kind TEXT, root_key TEXT, root_code TEXT
    );
    CREATE INDEX findings_by_code ON findings (run_id, code, kind, key);
    CREATE INDEX findings_by_record ON findings (record_id);
    CREATE INDEX findings_by_code_record ON findings (run_id, code, record_id);
    CREATE TABLE source_headers (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        file TEXT NOT NULL,
        header TEXT NOT NULL,
        PRIMARY KEY (run_id, file)
    );
    -- A membership shows its person's name and e-mail and its group's name and school; they are
    -- joined in here rather than stored a million times.
    CREATE VIEW shown_records AS
    SELECT r.id, r.run_id, r.kind, r.key,
           coalesce(r.name, p.name, '') AS name, coalesce(r.email, p.email, '') AS email,
           coalesce(r.school, g.school, '') AS school, coalesce(r.grp, g.name, '') AS grp,
           r.status, r.change, r.appears_on, r.source_ref, r.person_key, r.group_key
    FROM records r
    LEFT JOIN records p ON r.kind = 'membership' AND p.run_id = r.run_id
                       AND p.kind = 'person' AND p.key = r.person_key
    LEFT JOIN records g ON r.kind = 'membership' AND g.run_id = r.run_id
                       AND g.kind = 'group' AND g.key = r.group_key;
    CREATE VIRTUAL TABLE records_fts USING fts5(
        key, name, email, content='records', content_rowid='id', tokenize='unicode61'
    );
    """,
    # 2: a person's login ids (what a ticket quotes), shown, searched and diffed. Earlier
    # nights keep NULL, "not recorded", which the diff does not count as a change.
    """
    -- the login_ids field, '' = none; NULL = not a person, withheld, or from before it
    ALTER TABLE records ADD COLUMN login_ids TEXT;
    DROP TABLE records_fts;
    CREATE VIRTUAL TABLE records_fts USING fts5(
        key, name, email, login_ids, content='records', content_rowid='id', tokenize='unicode61'
    );
    INSERT INTO records_fts (rowid, key, name, email, login_ids)
    SELECT id, key, name, email, login_ids FROM records WHERE kind != 'membership';
    """,
    # 3: what is known of protected-identity persons, as keyed hashes only (the key lives outside
    # this file): a later night withholds any record that refers to one, even without their row.
    """
    CREATE TABLE protected_hashes (
        hash TEXT PRIMARY KEY,          -- keyed hash of the value (full length)
        what TEXT NOT NULL,             -- id, email, civic_no or login_id
        last_run INTEGER NOT NULL       -- the latest run that saw it
    ) WITHOUT ROWID;
    """,
    # 4: the records a support agent lists by status or change are few among many (18 removed
    # of a million): a partial index holds just those, in key order, so their list opens at
    # once instead of walking every record. Created records are left out: on a first night
    # that is every record, and the index would double the key index's writes.
    """
    CREATE INDEX IF NOT EXISTS records_noteworthy ON records (run_id, kind, key)
    WHERE status != 'imported' OR change IN ('updated', 'removed');
    """,
    # 5: records over time. A record's row is a version: it holds from the run it was first
    # written in (run_id) to last_run (OPEN while it is current), so a night writes only what
    # changed. Nights written before this were written whole: each of their rows holds for its
    # own night, except the latest good night's, which stay current (their checksum is not
    # known, so the next night writes each of them once more). A held night is written whole
    # and holds for itself alone. The indexes lead with the key, since a run is a range.
    f"""
    ALTER TABLE records ADD COLUMN last_run INTEGER NOT NULL DEFAULT {1 << 62};
    ALTER TABLE records ADD COLUMN checksum INTEGER;  -- of what a version holds (runs.py)
    ALTER TABLE findings ADD COLUMN last_run INTEGER NOT NULL DEFAULT {1 << 62};
    UPDATE records SET last_run = run_id
    WHERE run_id IS NOT (SELECT max(id) FROM runs WHERE state = 'good') OR status = 'absent';
    UPDATE findings SET last_run = run_id
    WHERE run_id IS NOT (SELECT max(id) FROM runs WHERE state = 'good') OR record_id IS NULL
       OR record_id IN (SELECT id FROM records WHERE last_run != {1 << 62});
    DROP VIEW shown_records;
    DROP INDEX records_by_key;
    CREATE UNIQUE INDEX records_by_key ON records (kind, key, run_id);
    DROP INDEX records_noteworthy;
    CREATE INDEX records_noteworthy ON records (kind, key, run_id)
    WHERE status != 'imported' OR change IN ('updated', 'removed');
    DROP INDEX findings_by_code;
    CREATE INDEX findings_by_code ON findings (code, kind, key, run_id);
    DROP INDEX findings_by_code_record;
    CREATE INDEX findings_by_code_record ON findings (code, record_id);
    CREATE INDEX findings_of_run ON findings (run_id) WHERE record_id IS NULL;
    CREATE INDEX records_open ON records (id, kind, status) WHERE last_run = {1 << 62};
    """,
]
OPEN = 1 << 62
"""A version's last_run while it is current: it holds for every later good night until one
changes or removes it."""
NOTEWORTHY = "(r.status != 'imported' OR r.first_change IN ('updated', 'removed'))"
"""The index's condition, said again word for word in a query so SQLite may use the index (it
proves a partial index usable only from the same terms): true of every record listed by a
status other than imported, or by the change updated or removed. On a run's shown records
(During.shown) `first_change` is the version's stored change, the index's column."""

FTS_COLUMNS = "key, name, email, login_ids"
"""What records_fts indexes of a record, in its order: an external-content table is told the
same values when a row goes in and when it comes out (pruning), or its index goes wrong."""


def run_span(db, run_id: int, table: str = "records") -> tuple[int, int]:
    """The first and last id of the rows first written in a run (first > last when it has
    none): a held night's whole, a good night's new versions.

    Nights are written one after another, so run_id never falls as the id rises: a binary
    search over the rowid takes some 25 seeks, where min(id) and max(id) of a run read its
    whole index range (80 ms at 100,000 persons)."""
    assert table in ("records", "findings")  # ours

    def first_id_from(run: int) -> int:
        low, high = 1, (db.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0) + 1
        while low < high:
            middle = (low + high) // 2
            found = db.execute(
                f"SELECT run_id FROM {table} WHERE id >= ? ORDER BY id LIMIT 1", [middle]
            ).fetchone()
            if found[0] >= run:
                high = middle
            else:
                low = middle + 1
        return low

    return first_id_from(run_id), first_id_from(run_id + 1) - 1


def defer_checkpoints(db: sqlite_utils.Database) -> None:
    """Keep a night's commit from copying itself out of the WAL there and then (a second write,
    and fsync, of hundreds of MB); `checkpoint_in_background` makes that copy instead."""
    db.execute("PRAGMA wal_autocheckpoint=0")


class Checkpoint(threading.Thread):
    """The copy, in a thread that keeps its failure (a full disk) for the caller to report:
    the night is committed in the WAL either way, and a later checkpoint finishes the copy."""

    def __init__(self, path: Path) -> None:
        super().__init__(name="rostertui-checkpoint")
        self.path = path
        self.error: sqlite3.Error | None = None

    def run(self) -> None:
        try:
            conn = sqlite3.connect(self.path)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                conn.close()
        except sqlite3.Error as exc:
            self.error = exc


def checkpoint_in_background(path: Path) -> Checkpoint:
    """Copy the committed WAL into the database file from another connection, in a thread.
    SQLite lets go of the GIL while it writes, so the copy overlaps the caller's own work."""

    thread = Checkpoint(path)
    thread.start()
    return thread


def migrate(db: sqlite_utils.Database) -> None:
    """Bring the schema up to date, one transaction per step; the caller checked the version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.conn:
            db.conn.executescript(f"BEGIN; {script}; PRAGMA user_version={number}; COMMIT;")
