"""Writing one run: every record and finding in one transaction, diffed against the last good run.

A run row is committed first as "running" so that a crash leaves a trace; its records are written
in a second transaction that either lands whole (state good) or not at all (state failed, with
the reason). Nothing here ever touches an earlier run's rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain

import sqlite_utils

from rostertui.domain.describe import FIELD_NAMES, Describer, field_values
from rostertui.domain.holds import Removals, mass_removal_hold
from rostertui.domain.identity import normalise_civic_no
from rostertui.domain.links import Positions
from rostertui.domain.model import RECORD_KINDS, FileFinding, Person
from rostertui.domain.packing import UNIT, pack, unpack
from rostertui.domain.verdict import Evaluation, KnownPersons, Verdict
from rostertui.store.known import HashedKeys, KeysByValue
from rostertui.store.schema import FTS_COLUMNS, rows_of_run

_BATCH = 20_000
_LOGIN_IDS = len(FIELD_NAMES["person"]) - 1
"""Where a person's login ids sit among its fields: last, added after the first schema (_change
compares older nights by that). They are also a column of their own, for the search index."""
assert FIELD_NAMES["person"][_LOGIN_IDS] == "login_ids"


class RunError(Exception):
    """A run cannot be changed as asked (accepting a run that is not held …)."""


Progress = Callable[[str, int], None]


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
    """The last good run's imported persons by e-mail and civic hash (PERSON_ID_CHANGED), and
    the hashed ids of every person any run withheld as protected (None: nothing known yet)."""
    protected = frozenset(_protected_ids(db.conn))
    previous = latest_good_run(db)
    if previous is None:
        return KnownPersons(frozenset(), {}, {}, protected) if protected else None
    imported = "FROM records WHERE run_id = ? AND kind = 'person' AND status = 'imported'"
    conn = db.conn

    def keys_by(column: str, normalise: Callable[[str], str]) -> KeysByValue:
        """`column`'s values (as the evaluator asks for them) with their records' ids."""
        rows = conn.execute(f"SELECT {column}, id {imported} AND {column} != ''", [previous])

        def fetch(record_id: int) -> tuple[str, str] | None:
            row = conn.execute(f"SELECT key, {column} FROM records WHERE id = ?", [record_id])
            found = row.fetchone()
            return (found[0], normalise(found[1])) if found and found[1] else None

        return KeysByValue(((normalise(value), rid) for value, rid in rows), fetch)

    return KnownPersons(
        ids=HashedKeys(key for (key,) in conn.execute(f"SELECT key {imported}", [previous])),
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
            "INSERT INTO findings (run_id, kind, key, code, severity, message, source_ref) "
            "VALUES (?, ?, ?, ?, 'error', ?, ?)",
            [run_id, kind, key, code, message, ref],
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
    the domain's judgement of the diff holds it (then the reason comes back with the state)."""
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
        written = _write_records(conn, run_id, evaluation, hasher, previous, progress)
        _write_file_findings(conn, run_id, evaluation.file_findings)
        _remember_protected(conn, run_id, evaluation.protected_hashes)
        if previous is not None:
            _diff(conn, run_id, previous, night.delta_kinds, written, hasher)
        conn.execute(
            f"INSERT INTO records_fts (rowid, {FTS_COLUMNS}) SELECT id, {FTS_COLUMNS} "
            "FROM records WHERE run_id = ? AND kind != 'membership'",
            [run_id],
        )
        _summarise(conn, run_id, written)
        removals = _removals(conn, run_id, previous)
        held = mass_removal_hold(removals, night.removal_threshold) if removals else None
        if held:
            _write_file_findings(conn, run_id, [held])
        state = "held" if held else "good"
        conn.execute(
            "UPDATE runs SET state = ?, finished_at = ?, error = ? WHERE id = ?",
            [state, now(), held.message if held else None, run_id],
        )
    return state, held.message if held else None


def _remember_protected(conn, run_id: int, hashes: list[tuple[str, str]]) -> None:
    """Keyed hashes of tonight's protected persons, kept across runs (pruning leaves them): a
    later night whose file lacks her row still knows her id. An id's hash stays an id's."""
    conn.executemany(
        "INSERT INTO protected_hashes (hash, what, last_run) VALUES (?, ?, ?) "
        "ON CONFLICT (hash) DO UPDATE SET last_run = excluded.last_run, "
        "what = CASE excluded.what WHEN 'id' THEN 'id' ELSE what END",
        [(digest, what, run_id) for digest, what in hashes],
    )


def _removals(conn, run_id: int, previous: int | None) -> Removals | None:
    """The users the last good night imported and how many of them tonight removes, as the
    summary counted them: what the domain judges a hold by. None on a first night."""
    if previous is None:
        return None
    before, removed = conn.execute(
        "SELECT (SELECT imported FROM imports WHERE run_id = ? AND kind = 'person'), "
        "(SELECT removed FROM imports WHERE run_id = ? AND kind = 'person')",
        [previous, run_id],
    ).fetchone()
    if before is None or removed is None:
        return None
    return Removals(run_id, previous, before, removed)


def accept_held(db: sqlite_utils.Database, run_id: int) -> None:
    """A human has looked: the held run becomes the latest good run, removals and all."""
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
    with db.conn:
        db.execute(
            "UPDATE runs SET state = 'good', error = ? WHERE id = ?",
            [f"held, then accepted on {now()}", run_id],
        )


def _write_records(conn, run_id, evaluation, hasher, previous, progress) -> dict[str, range]:
    """Write every verdict as a record, kind by kind; each kind's record ids come back."""
    by_kind = evaluation.by_kind()
    written: dict[str, range] = {}
    next_id = (conn.execute("SELECT max(id) FROM records").fetchone()[0] or 0) + 1
    for kind, verdicts in by_kind.items():
        written[kind] = range(next_id, next_id + len(verdicts))
        next_id = written[kind].stop
    describer = Describer(evaluation)
    members = _members(evaluation.positions, written["membership"].start)
    for kind, verdicts in by_kind.items():
        insert = _insert_sql(run_id, kind, previous)
        row_of = _membership_row if kind == "membership" else _record_row
        of_kind = members.get(kind, _no_members)
        records: list[tuple] = []
        findings: list[tuple] = []
        ids = written[kind]
        for record_id, verdict in zip(ids, verdicts, strict=True):
            records.append(row_of(record_id, verdict, describer, hasher, of_kind))
            if verdict.findings:
                ref = verdict.record.raw.ref if verdict.record and verdict.record.raw else ""
                findings.extend(_finding_rows(record_id, run_id, verdict, evaluation, ref))
            if len(records) >= _BATCH:
                _flush(conn, insert, records, findings)
                if progress:
                    progress(kind, record_id - ids.start + 1)
        _flush(conn, insert, records, findings)
        if progress:
            progress(kind, len(verdicts))
    return written


def _members(positions: Positions, first_id: int) -> dict[str, Callable[[str], str | None]]:
    """The record ids each person's and group's memberships will get, as the text they are
    stored as, made as each row is written.

    Records are written kind by kind, so a membership's id is known before it is written; a
    person or group row carries its memberships' ids, which spares the store two indexes over a
    million rows (built in random order, they cost more than everything else in a night).
    """

    def ids_of(kind: str) -> Callable[[str], str | None]:
        def ids(key: str) -> str | None:
            found = positions.of(kind, key)
            return ",".join([str(first_id + p) for p in found]) if found else None

        return ids

    return {kind: ids_of(kind) for kind in ("person", "group")}


_MEMBERSHIP_COLUMNS = (
    *("person_key", "group_key", "status", "appears_on", "source_file", "source_line"),
    *("fields", "raw"),
)
_RECORD_COLUMNS = (
    *("name", "email", "school", "grp", "status", "appears_on", "source_file", "source_line"),
    *("fields", "raw", "civic_hash", "members", "login_ids"),
)
"""What a row of each shape holds after its id and key, in order (_membership_row,
_record_row)."""

Statement = tuple[str, str]
"""An INSERT's text before and after its VALUES list, which holds as many rows as are sent."""


def _insert_sql(run_id: int, kind: str, previous: int | None) -> Statement:
    """One statement per kind. The run id, kind and previous run are ours, not source text, so
    they are written into the SQL once instead of being bound a million times.

    Each record's change against the last good run is worked out as it is inserted, by one
    lookup in the key index: setting it afterwards rewrote every row of the night.
    """
    assert isinstance(run_id, int) and kind in RECORD_KINDS
    names = _MEMBERSHIP_COLUMNS if kind == "membership" else _RECORD_COLUMNS
    value = {name: f"column{number}" for number, name in enumerate(names, start=3)}
    change = _change(kind, previous, value["status"], value["fields"], value.get("login_ids"))
    return (
        f"INSERT INTO records (id, run_id, kind, key, {', '.join(names)}, change) "
        f"SELECT column1, {run_id}, '{kind}', column2, {', '.join(value.values())}, {change} "
        "FROM (",
        ")",
    )


def _change(
    kind: str, previous: int | None, status: str, fields: str, login_ids: str | None
) -> str:
    """created / updated / unchanged / removed / none, from this record's status and fields
    and those of the same kind and key (column2) in the last good run.

    A person written before login ids were kept (login_ids NULL) has fields that end before
    them, the last field: it is compared as if it had tonight's, so the upgrade alone updates
    nobody."""
    first_seen = f"CASE {status} WHEN 'imported' THEN 'created' ELSE 'none' END"
    if previous is None:
        return first_seen
    assert isinstance(previous, int)
    differs = f"p.fields != {fields}"
    if kind == "person":
        differs += (
            f" AND (p.login_ids IS NOT NULL "
            f"OR p.fields || char({ord(UNIT)}) || {login_ids} != {fields})"
        )
    return f"""coalesce((
        SELECT CASE
            WHEN {status} = 'imported' AND p.status != 'imported' THEN 'created'
            WHEN {status} = 'imported' AND ({differs}) THEN 'updated'
            WHEN {status} = 'imported' THEN 'unchanged'
            WHEN p.status = 'imported' THEN 'removed'
            ELSE 'none' END
        FROM records p WHERE p.run_id = {previous} AND p.kind = '{kind}' AND p.key = column2
    ), {first_seen})"""


_INSERT_FINDINGS: Statement = (
    "INSERT INTO findings (run_id, record_id, kind, key, code, severity, field, message, "
    "source_ref, cause_kind, cause_key, cause_code, root_kind, root_key, root_code) ",
    "",
)
_ROWS_PER_STATEMENT = 500


def _insert(conn, statement: Statement, rows: list[tuple]) -> None:
    """Rows go in 500 to an INSERT: SQLite steps once for them all, where executemany steps
    (and Python binds, resets and checks) once a row. A million memberships: ~4.4 s → ~2.5 s.
    An older SQLite allows only 999 parameters a statement: then fewer rows go in at a time."""
    if not rows:
        return
    width = len(rows[0])
    allowed = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width
    size = max(1, min(_ROWS_PER_STATEMENT, allowed))
    head, tail = statement
    row = "(" + ",".join("?" * width) + ")"

    def sql(count: int) -> str:
        return f"{head}VALUES {','.join([row] * count)}{tail}"

    full = sql(size)
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        conn.execute(full if len(batch) == size else sql(len(batch)), [*chain(*batch)])


def _flush(conn, insert: Statement, records: list[tuple], findings: list[tuple]) -> None:
    _insert(conn, insert, records)
    _insert(conn, _INSERT_FINDINGS, findings)
    records.clear()
    findings.clear()


def _no_members(_key: str) -> None:
    """A school's row: no memberships are listed on it."""


def _membership_row(record_id: int, verdict: Verdict, describer, hasher, members) -> tuple:
    """A million of these a night: the names are joined in at read time (shown_records)."""
    membership = verdict.record
    raw = membership.raw  # type: ignore[union-attr]
    appears = verdict.appears_on
    return (
        record_id,
        verdict.key,
        membership.person_id,  # type: ignore[union-attr]
        membership.group_id,  # type: ignore[union-attr]
        verdict.status,
        appears.isoformat() if appears else None,
        raw.origin if raw else None,
        raw.line if raw else None,
        pack(field_values(verdict)),
        raw.packed if raw else None,
    )


def _record_row(
    record_id: int, verdict: Verdict, describer: Describer, hasher, members: Callable
) -> tuple:
    """A school, person or group; `members` holds the membership ids of this kind's records."""
    record = verdict.record
    raw = record.raw if record is not None else None
    fields = field_values(verdict)
    civic_hash = login_ids = None
    if isinstance(record, Person):
        login_ids = fields[_LOGIN_IDS]
        canonical = normalise_civic_no(record.civic_no) if record.civic_no else ""
        civic_hash = hasher(canonical) if canonical else None
    name, email, school, group = describer.display(verdict)
    return (
        record_id,
        verdict.key,
        name,
        email,
        school,
        group,
        verdict.status,
        verdict.appears_on.isoformat() if verdict.appears_on else None,
        raw.origin if raw else None,
        raw.line if raw else None,
        pack(fields),
        raw.packed if raw else None,
        civic_hash,
        members(verdict.key),
        login_ids,
    )


def _finding_rows(record_id, run_id, verdict: Verdict, evaluation: Evaluation, ref) -> Iterator:
    for finding in verdict.findings:
        cause = finding.cause
        root = evaluation.ultimate(finding) if cause else None
        yield (
            run_id,
            record_id,
            verdict.kind,
            verdict.key,
            finding.code,
            finding.severity,
            finding.field,
            finding.message,
            ref,
            cause.kind if cause else None,
            cause.key if cause else None,
            cause.code if cause else None,
            root.kind if root else None,
            root.key if root else None,
            root.code if root else None,
        )


def _write_file_findings(conn, run_id: int, findings: Iterable[FileFinding]) -> None:
    conn.executemany(
        "INSERT INTO findings (run_id, kind, key, code, severity, message, source_ref) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (run_id, f.kind, _file_key(f, run_id), f.code, _file_severity(f.code), f.message, f.ref)
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


def _diff(
    conn,
    run_id: int,
    previous: int,
    delta_kinds: frozenset[str],
    written: dict[str, range],
    hasher: Callable[[str], str],
) -> None:
    """What changed in the records the insert marked updated, and the last good run's records
    gone from the source, which become absent.

    The night is walked in id order (the ids `written`, and `+run_id` keeps SQLite off
    the key index), and the runs' keys are compared in the index alone. Walked in key order, a
    million UUID ids meant a million reads from all over the table: 22 s a night at 100,000
    persons.
    """
    updated = conn.execute(
        "SELECT r.id, r.kind, p.fields, r.fields FROM records r JOIN records p "
        "ON p.run_id = ? AND p.kind = r.kind AND p.key = r.key "
        "WHERE r.id BETWEEN ? AND ? AND +r.run_id = ? AND r.change = 'updated'",
        [
            previous,
            min(ids.start for ids in written.values()),
            max(ids.stop for ids in written.values()) - 1,
            run_id,
        ],
    ).fetchall()
    conn.executemany(
        "UPDATE records SET changes = ? WHERE id = ?",
        [
            (json.dumps(_changed(kind, old, new), ensure_ascii=False), rid)
            for rid, kind, old, new in updated
        ],
    )
    _absent(conn, run_id, previous, delta_kinds, hasher)


def _absent(
    conn, run_id: int, previous: int, delta_kinds: frozenset[str], hasher: Callable[[str], str]
) -> None:
    """The last good run's imported records gone tonight, copied in as absent and removed.

    Not a person whose id a night has since withheld as protected, nor a membership of hers:
    the copy would carry her id, name and groups. Her removal still counts (a marking column
    gone wrong must still hold the run): tonight's withheld record says removed, or, without
    her row tonight, a withheld absent record does."""
    skip = ",".join("?" for _ in delta_kinds) or "''"
    protected = _ProtectedGone(conn, hasher)
    conn.execute(
        f"""
        INSERT INTO records (run_id, kind, key, name, email, school, grp, status, change,
                             person_key, group_key, source_file, source_line, fields, civic_hash,
                             members, login_ids)
        SELECT ?, p.kind, p.key, s.name, s.email, s.school, s.grp, 'absent', 'removed',
               p.person_key, p.group_key, p.source_file, p.source_line, p.fields, p.civic_hash,
               p.members, p.login_ids
        FROM (SELECT kind, key FROM records WHERE run_id = ? AND kind NOT IN ({skip})
              EXCEPT SELECT kind, key FROM records WHERE run_id = ?) AS gone
        JOIN records p ON p.run_id = ? AND p.kind = gone.kind AND p.key = gone.key
        JOIN shown_records s ON s.id = p.id
        WHERE p.status = 'imported' {protected.condition}
        """,
        [run_id, previous, *sorted(delta_kinds), run_id, previous],
    )
    for person_id in sorted(protected.removed):
        hidden = f"protected:{hasher(person_id)[:12]}"
        marked = conn.execute(
            "UPDATE records SET change = 'removed' WHERE run_id = ? AND kind = 'person' "
            "AND key = ?",
            [run_id, hidden],
        )
        if not marked.rowcount:
            conn.execute(
                "INSERT INTO records (run_id, kind, key, status, change) "
                "VALUES (?, 'person', ?, 'absent', 'removed')",
                [run_id, hidden],
            )


class _ProtectedGone:
    """Asked by the absent copy, of each record gone tonight only (few), whether it is a
    protected person's: each person id is hashed once. `removed` collects the ids of those
    the last good run imported. No condition when no protected person is known."""

    def __init__(self, conn, hasher: Callable[[str], str]) -> None:
        self.protected = frozenset(_protected_ids(conn))
        self.hasher = hasher
        self.removed: set[str] = set()
        self.by_id: dict[str, bool] = {}
        self.condition = ""
        if self.protected:
            conn.create_function("rostertui_withheld", 4, self.withheld)
            self.condition = "AND NOT rostertui_withheld(p.kind, p.key, p.person_key, p.status)"

    def withheld(self, kind: str, key: str, person_key: str | None, status: str) -> bool:
        person_id = key if kind == "person" else person_key
        if kind not in ("person", "membership") or not person_id:
            return False
        protected = self.by_id.get(person_id)
        if protected is None:
            protected = self.by_id[person_id] = self.hasher(person_id) in self.protected
        if not protected:
            return False
        if kind == "person" and status == "imported":
            self.removed.add(person_id)
        return True


def _changed(kind: str, old: str, new: str) -> dict[str, list[str]]:
    """Field name -> [old, new] for the fields that differ: "family_name: Berg → Öberg"."""
    names = FIELD_NAMES[kind]
    return {
        name: [before, after]
        for name, before, after in zip(names, unpack(old), unpack(new), strict=False)
        if before != after
    }


def _summarise(conn, run_id: int, written: dict[str, range]) -> None:
    """Counts per import type. Each kind was written as one run of ids, read in table order
    without a sort (grouping a million rows by kind cost a sort of them all); the absent
    records the diff added after them are few."""
    statuses = ("imported", "skipped", "excluded", "pending", "absent")
    totals = ", ".join(
        ["count(*)"]
        + [f"sum(status = '{status}')" for status in statuses]
        + [f"sum(change = '{change}')" for change in ("created", "updated", "unchanged", "removed")]
    )
    records = {
        kind: conn.execute(
            f"SELECT {totals} FROM records WHERE id BETWEEN ? AND ?", [ids.start, ids.stop - 1]
        ).fetchone()
        for kind, ids in written.items()
    }
    gone = conn.execute(
        f"SELECT kind, {totals} FROM records WHERE id >= ? AND +run_id = ? GROUP BY kind",
        [max(ids.stop for ids in written.values()), run_id],
    )
    for kind, *more in gone:
        records[kind] = [(a or 0) + b for a, b in zip(records[kind], more, strict=True)]
    in_run, params = rows_of_run(conn, run_id, "findings")
    findings = {
        kind: totals
        for kind, *totals in conn.execute(
            "SELECT kind, sum(severity = 'error'), sum(severity = 'warning') FROM findings "
            f"WHERE {in_run} GROUP BY kind",
            params,
        )
    }
    for kind in RECORD_KINDS:
        total, imported, skipped, excluded, pending, absent, *changed = (
            value or 0 for value in records[kind]
        )
        errors, warnings = findings.get(kind, (0, 0))
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
