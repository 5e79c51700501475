"""Writing one run: its records and findings in one transaction, diffed against the last good run.

A run row is committed first as "running" so that a crash leaves a trace; its records are written
in a second transaction that either lands whole (state good) or not at all (state failed, with
the reason). A good night writes the versions that changed (night.py) and closes the ones they
replace, in that same transaction: a crash leaves the last good night as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

from rostertui.domain.holds import Removals, mass_removal_hold
from rostertui.domain.model import RECORD_KINDS, FileFinding
from rostertui.domain.verdict import Evaluation, KnownPersons
from rostertui.store.known import HashedKeys, KeysByValue
from rostertui.store.night import NightWriter, Progress, Tally
from rostertui.store.schema import FTS_COLUMNS, OPEN, run_span


class RunError(Exception):
    """A run cannot be changed as asked (accepting a run that is not held …)."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def latest_good_run(db: sqlite_utils.Database) -> int | None:
    row = db.execute("SELECT max(id) FROM runs WHERE state = 'good'").fetchone()
    return row[0]


def begin_run(db: sqlite_utils.Database, source: str, as_of: str, policy: dict) -> int:
    with db.conn:
        cursor = db.execute(
            "INSERT INTO runs (state, source, as_of, started_at, policy) VALUES (?, ?, ?, ?, ?)",
            ["running", source, as_of, now(), json.dumps(policy, default=str)],
        )
    return cursor.lastrowid


def known_persons(db: sqlite_utils.Database) -> KnownPersons | None:
    """The last good run's imported persons (its current versions) by e-mail and civic hash
    (PERSON_ID_CHANGED), and the hashed ids of every person any run withheld as protected
    (None: nothing known yet)."""
    protected = frozenset(_protected_ids(db.conn))
    if latest_good_run(db) is None:
        return KnownPersons(frozenset(), {}, {}, protected) if protected else None
    imported = f"FROM records WHERE kind = 'person' AND status = 'imported' AND last_run = {OPEN}"
    conn = db.conn

    def keys_by(column: str, normalise: Callable[[str], str]) -> KeysByValue:
        """`column`'s values (as the evaluator asks for them) with their records' ids."""
        rows = conn.execute(f"SELECT {column}, id {imported} AND {column} != ''")

        def fetch(record_id: int) -> tuple[str, str] | None:
            row = conn.execute(f"SELECT key, {column} FROM records WHERE id = ?", [record_id])
            found = row.fetchone()
            return (found[0], normalise(found[1])) if found and found[1] else None

        return KeysByValue(((normalise(value), rid) for value, rid in rows), fetch)

    return KnownPersons(
        ids=HashedKeys(key for (key,) in conn.execute(f"SELECT key {imported}")),
        by_email=keys_by("email", str.lower),
        by_civic_hash=keys_by("civic_hash", str),
        protected_ids=protected,
    )


def _protected_ids(conn) -> Iterator[str]:
    return (row[0] for row in conn.execute("SELECT hash FROM protected_hashes WHERE what = 'id'"))


def close_interrupted(db: sqlite_utils.Database) -> None:
    """Runs left "running" by a sync that died: with the writer lock held, none is alive."""
    with db.conn:
        db.execute(
            "UPDATE runs SET state = 'failed', finished_at = ?, "
            "error = 'interrupted: the sync stopped before it finished' WHERE state = 'running'",
            [now()],
        )


def fail_run(
    db: sqlite_utils.Database, run_id: int, code: str, message: str, ref: str = ""
) -> None:
    """Record why a run failed, with its run- or file-level finding; nothing else of it stays."""
    db.conn.rollback()
    in_file = ref and "://" not in ref  # "users.csv:17" names a file; a URL is the whole run
    kind, key = ("file", ref.rsplit(":", 1)[0]) if in_file else ("run", str(run_id))
    with db.conn:
        db.execute(
            "UPDATE runs SET state = 'failed', finished_at = ?, error = ? WHERE id = ?",
            [now(), message, run_id],
        )
        db.execute(
            "INSERT INTO findings (run_id, last_run, kind, key, code, severity, message, "
            "source_ref) VALUES (?, ?, ?, ?, ?, 'error', ?, ?)",
            [run_id, run_id, kind, key, code, message, ref],
        )


@dataclass(frozen=True, slots=True)
class RunToWrite:
    """Everything a sync hands the store to write one night: the run, its judged roster, how
    the source was read, the hash that keys protected and civic values, and the policy's
    removal threshold the diff is judged against."""

    run_id: int
    evaluation: Evaluation
    source_format: str
    headers: dict[str, tuple[str, ...]]
    delta_kinds: frozenset[str]
    hasher: Callable[[str], str]
    removal_threshold: float


def write_run(
    db: sqlite_utils.Database, night: RunToWrite, progress: Progress | None = None
) -> tuple[str, str | None]:
    """Store the evaluation as its run, diff it and summarise it; mark it good, or held when
    the domain's judgement of what it would remove holds it (then the reason comes back with
    the state). The hold is judged before anything is written: a held night is written whole,
    for itself alone, and the last good night's versions stay current."""
    run_id, evaluation, hasher = night.run_id, night.evaluation, night.hasher
    previous = latest_good_run(db)
    conn = db.conn
    with conn:
        conn.execute(
            "UPDATE runs SET format = ?, previous_run = ?, as_of = ? WHERE id = ?",
            [night.source_format, previous, evaluation.as_of.isoformat(), run_id],
        )
        conn.executemany(
            "INSERT INTO source_headers (run_id, file, header) VALUES (?, ?, ?)",
            [(run_id, name, json.dumps(header)) for name, header in night.headers.items()],
        )
        _remember_protected(conn, run_id, evaluation.protected_hashes)
        protected = _ProtectedGone(conn, hasher)
        removals, withheld = _removals(conn, run_id, previous, evaluation, night, protected)
        held = mass_removal_hold(removals, night.removal_threshold) if removals else None
        writer = NightWriter(
            conn,
            run_id,
            evaluation,
            hasher,
            previous=previous,
            whole=held is not None or previous is None,
            removed_withheld=withheld,
            progress=progress,
        )
        first_finding = (conn.execute("SELECT max(id) FROM findings").fetchone()[0] or 0) + 1
        writer.write()
        after = (conn.execute("SELECT max(id) FROM records").fetchone()[0] or 0) + 1
        if previous is not None:
            _gone(conn, writer, night.delta_kinds, protected)
            for hidden in sorted(withheld - writer.marked):  # no withheld row tonight
                conn.execute(
                    "INSERT INTO records (run_id, last_run, kind, key, status, change) "
                    "VALUES (?, ?, 'person', ?, 'absent', 'removed')",
                    [run_id, run_id, hidden],
                )
            _close(conn, run_id, writer.closing)
        conn.execute(
            f"INSERT INTO records_fts (rowid, {FTS_COLUMNS}) SELECT id, {FTS_COLUMNS} "
            "FROM records WHERE id >= ? AND kind != 'membership'",
            [writer.first_id],
        )
        _summarise(conn, run_id, writer, after, first_finding)
        _write_file_findings(conn, run_id, evaluation.file_findings)
        if held:
            _write_file_findings(conn, run_id, [held])
        state = "held" if held else "good"
        conn.execute(
            "UPDATE runs SET state = ?, finished_at = ?, error = ? WHERE id = ?",
            [state, now(), held.message if held else None, run_id],
        )
    return state, held.message if held else None


def _removals(
    conn, run_id: int, previous: int | None, evaluation: Evaluation, night: RunToWrite, protected
) -> tuple[Removals | None, frozenset[str]]:
    """The users the last good night imported (its current versions) and how many of them
    tonight would not import: what the domain judges a hold by (None on a first night); and
    the withheld keys of those removed because a night has since withheld them as protected
    (her row tonight, if any, has that key, not her id)."""
    if previous is None:
        return None, frozenset()
    row = conn.execute(
        "SELECT imported FROM imports WHERE run_id = ? AND kind = 'person'", [previous]
    ).fetchone()
    persons = evaluation.index.get("person", {})
    gone_counts = "person" not in night.delta_kinds
    removed = 0
    withheld: set[str] = set()
    for (key,) in conn.execute(
        "SELECT key FROM records INDEXED BY records_open WHERE kind = 'person' "
        f"AND status = 'imported' AND last_run = {OPEN}"  # current versions, not every one
    ):
        verdict = persons.get(key)
        if verdict is None:
            removed += gone_counts
            if protected.is_protected(key):
                withheld.add(f"protected:{night.hasher(key)[:12]}")
        elif verdict.status != "imported":
            removed += 1
    if row is None:
        return None, frozenset(withheld)
    return Removals(run_id, previous, row[0], removed), frozenset(withheld)


def accept_held(db: sqlite_utils.Database, run_id: int) -> None:
    """A human has looked: the held run becomes the latest good run, removals and all. Its
    rows, written whole, become the current versions; those current before it close."""
    row = db.execute("SELECT state FROM runs WHERE id = ?", [run_id]).fetchone()
    if row is None:
        raise RunError(f"no run {run_id} in this database")
    if row[0] != "held":
        raise RunError(f"run {run_id} is {row[0]}, not held; only a held run can be accepted")
    newer = latest_good_run(db)
    if newer is not None and newer > run_id:
        raise RunError(
            f"run {newer} is a newer good run; accepting the older held run {run_id} would "
            "step back in time"
        )
    first, last = run_span(db, run_id)
    with db.conn:
        db.execute(
            f"UPDATE records SET last_run = ? WHERE last_run = {OPEN} AND id < ?",
            [run_id - 1, first],
        )
        db.execute(
            f"UPDATE findings SET last_run = ? WHERE last_run = {OPEN} AND run_id < ?",
            [run_id - 1, run_id],
        )
        db.execute(
            f"UPDATE records SET last_run = {OPEN} WHERE id BETWEEN ? AND ? AND status != 'absent'",
            [first, last],
        )
        db.execute(
            f"UPDATE findings SET last_run = {OPEN} WHERE record_id BETWEEN ? AND ?",
            [first, last],
        )
        db.execute(
            "UPDATE runs SET state = 'good', error = ? WHERE id = ?",
            [f"held, then accepted on {now()}", run_id],
        )


def _close(conn, run_id: int, closing: list[int]) -> None:
    """The versions tonight replaced or lost hold until the run before it."""
    closing.sort()
    conn.executemany(
        "UPDATE records SET last_run = ? WHERE id = ?", [(run_id - 1, rid) for rid in closing]
    )
    conn.executemany(
        "UPDATE findings SET last_run = ? WHERE record_id = ?",
        [(run_id - 1, rid) for rid in closing],
    )


def _gone(conn, writer: NightWriter, delta_kinds: frozenset[str], protected) -> None:
    """The current versions whose record tonight's source lacks: they close (on a good night),
    and those imported are copied in as absent and removed, for this night alone. A kind sent
    as a delta has only its changes tonight: the rest are not in this night, nor absent.

    Not a person whose id a night has since withheld as protected, nor a membership of hers:
    the copy would carry her id, name and groups. Her removal still counts (a marking column
    gone wrong must still hold the run): tonight's withheld record says removed, or, without
    her row tonight, a withheld absent record does."""
    run_id = writer.run_id
    gone = [
        (rid, status == "imported" and kind not in delta_kinds)
        for rid, kind, status in conn.execute(
            f"SELECT id, kind, status FROM records WHERE last_run = {OPEN} AND id < ?",
            [writer.first_id],
        )
        if not writer.still_current(rid)
    ]
    if not writer.whole:
        writer.closing += [rid for rid, _ in gone]
    conn.execute(
        f"""
        INSERT INTO records (run_id, last_run, kind, key, name, email, school, grp, status,
                             change, person_key, group_key, source_file, source_line, fields,
                             civic_hash, members, login_ids)
        SELECT ?, ?, p.kind, p.key, coalesce(p.name, pp.name), coalesce(p.email, pp.email),
               coalesce(p.school, g.school), coalesce(p.grp, g.name), 'absent', 'removed',
               p.person_key, p.group_key, p.source_file, p.source_line, p.fields, p.civic_hash,
               p.members, p.login_ids
        FROM records p
        LEFT JOIN records pp ON p.kind = 'membership' AND pp.kind = 'person'
             AND pp.key = p.person_key AND pp.id < ? AND pp.last_run = {OPEN}
        LEFT JOIN records g ON p.kind = 'membership' AND g.kind = 'group'
             AND g.key = p.group_key AND g.id < ? AND g.last_run = {OPEN}
        WHERE p.id IN (SELECT value FROM json_each(?)) {protected.condition}
        ORDER BY p.id
        """,
        [
            run_id,
            run_id,
            writer.first_id,
            writer.first_id,
            json.dumps([rid for rid, imported in gone if imported]),
        ],
    )


def _remember_protected(conn, run_id: int, hashes: list[tuple[str, str]]) -> None:
    """Keyed hashes of tonight's protected persons, kept across runs (pruning leaves them): a
    later night whose file lacks her row still knows her id. An id's hash stays an id's."""
    conn.executemany(
        "INSERT INTO protected_hashes (hash, what, last_run) VALUES (?, ?, ?) "
        "ON CONFLICT (hash) DO UPDATE SET last_run = excluded.last_run, "
        "what = CASE excluded.what WHEN 'id' THEN 'id' ELSE what END",
        [(digest, what, run_id) for digest, what in hashes],
    )


def _write_file_findings(conn, run_id: int, findings: Iterable[FileFinding]) -> None:
    """A run's and its files' own findings hold for that run alone."""
    conn.executemany(
        "INSERT INTO findings (run_id, last_run, kind, key, code, severity, message, "
        "source_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                *(run_id, run_id, f.kind, _file_key(f, run_id), f.code),
                *(_file_severity(f.code), f.message, f.ref),
            )
            for f in findings
        ],
    )


def _file_key(finding: FileFinding, run_id: int) -> str:
    """A run finding made before the run had an id (by the evaluator) is keyed by it here."""
    return finding.key or (str(run_id) if finding.kind == "run" else "")


_FILE_SEVERITIES = {
    "SOURCE_ROW_MALFORMED": "error",
    "MASS_REMOVAL_HELD": "error",
    "PERSON_PROTECTED_IDENTITY": "exclude",  # memberships withheld: left out on purpose
}


def _file_severity(code: str) -> str:
    return _FILE_SEVERITIES.get(code, "warning")


class _ProtectedGone:
    """Whether a record gone tonight is a protected person's or one of her memberships: each
    person id is hashed once, asked of the few records gone only. No condition when no
    protected person is known."""

    def __init__(self, conn, hasher: Callable[[str], str]) -> None:
        self.protected = frozenset(_protected_ids(conn))
        self.hasher = hasher
        self.by_id: dict[str, bool] = {}
        self.condition = ""
        if self.protected:
            conn.create_function("rostertui_withheld", 3, self.withheld)
            self.condition = "AND NOT rostertui_withheld(p.kind, p.key, p.person_key)"

    def is_protected(self, person_id: str) -> bool:
        if not self.protected:
            return False
        found = self.by_id.get(person_id)
        if found is None:
            found = self.by_id[person_id] = self.hasher(person_id) in self.protected
        return found

    def withheld(self, kind: str, key: str, person_key: str | None) -> bool:
        person_id = key if kind == "person" else person_key
        return (
            kind in ("person", "membership")
            and bool(person_id)
            and self.is_protected(
                person_id  # type: ignore[arg-type]
            )
        )


def _summarise(conn, run_id: int, writer: NightWriter, after: int, first_finding: int) -> None:
    """Counts per import type: the versions that hold on from before as the writer counted
    them, and tonight's new rows (and their findings) counted where they were written (the
    absent copies and a protected person's removal are written after the rest)."""
    statuses = ("imported", "skipped", "excluded", "pending", "absent")
    changes = ("created", "updated", "unchanged", "removed")
    totals = ", ".join(
        ["count(*)"]
        + [f"sum(status = '{status}')" for status in statuses]
        + [f"sum(change = '{change}')" for change in changes]
    )
    counted: Tally = writer.tally
    written = {  # each kind's new rows in their own range: no sort of a night's rows by kind
        kind: conn.execute(
            f"SELECT {totals} FROM records WHERE id BETWEEN ? AND ?", [ids.start, ids.stop - 1]
        ).fetchone()
        for kind, ids in writer.written.items()
    }
    for kind, *values in conn.execute(  # the absent copies, from `after` on: few
        f"SELECT kind, {totals} FROM records WHERE id >= ? AND +run_id = ? GROUP BY kind",
        [after, run_id],
    ):
        written[kind] = [(a or 0) + (b or 0) for a, b in zip(written[kind], values, strict=True)]
    findings = {
        kind: values
        for kind, *values in conn.execute(
            "SELECT kind, sum(severity = 'error'), sum(severity = 'warning') FROM findings "
            "WHERE id >= ? AND record_id IS NOT NULL GROUP BY kind",
            [first_finding],
        )
    }
    for kind in RECORD_KINDS:
        held_on = counted.records[kind]
        total, imported, skipped, excluded, pending, absent, *changed = (
            (value or 0) + held_on[name]
            for value, name in zip(
                written.get(kind, (0,) * 10), ("total", *statuses, *changes), strict=True
            )
        )
        errors, warnings = (
            (value or 0) + held_on[f"finding:{severity}"]
            for value, severity in zip(
                findings.get(kind, (0, 0)), ("error", "warning"), strict=True
            )
        )
        conn.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                kind,
                total,
                imported,
                *changed,
                skipped,
                excluded,
                pending,
                absent,
                errors,
                warnings,
            ],
        )
