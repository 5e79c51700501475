"""The read API that the CLI and the console share: every question a user asks, as one call.

Everything is scoped to a run; pages are keyset-paged by record id so a million rows never load
at once. Source text comes back as plain data for the caller to render literally.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path

import sqlite_utils

from rostertui.domain.describe import FIELD_NAMES
from rostertui.domain.identity import fold_text, normalise_civic_no
from rostertui.domain.packing import unpack
from rostertui.domain.verdict import SEVERITY_ORDER
from rostertui.store.database import open_reader
from rostertui.store.key import hasher_of, reading_key
from rostertui.store.lock import holder, writer_alive
from rostertui.store.schema import rows_of_run

EXPORT_COLUMNS = (
    "run_id", "kind", "key", "name", "email", "school", "group", "status", "change", "code",
    "severity", "message", "root_kind", "root_key", "root_code", "source_ref", "appears_on",
)  # fmt: skip
_RELATED_LIMIT = 200


def _likeness(a: str, b: str) -> float:
    matcher = SequenceMatcher(None, a, b)
    return matcher.ratio() if matcher.quick_ratio() >= 0.7 else 0.0


def _fts_match(query: str) -> str:
    """Every word of the query as a quoted prefix: user text never becomes FTS syntax."""
    return " AND ".join(f'"{token}"*' for token in re.findall(r"\w+", query.lower()))


def _timeline(newest_first: list[HistoryEntry]) -> Timeline:
    history = list(reversed(newest_first))
    events: list[HistoryEntry] = []
    for entry in history:
        before = events[-1] if events else None
        if before is None or (before.status, before.codes) != (entry.status, entry.codes):
            events.append(entry)
    imported = [h for h in history if h.status == "imported"]
    return Timeline(
        history[0] if history else None, imported[-1] if imported else None, tuple(events)
    )


_NOT_A_SYNC = ("a prune (", "an accept-held (")
INTERRUPTED = "interrupted: the sync stopped before it finished (its process is gone)"


class QueryError(Exception):
    """A question that cannot be answered as asked (no such run, no runs yet)."""


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    state: str
    source: str
    format: str
    as_of: str
    started_at: str
    finished_at: str | None
    error: str | None
    previous_run: int | None


@dataclass(frozen=True, slots=True)
class ImportSummary:
    kind: str
    total: int
    imported: int
    created: int
    updated: int
    unchanged: int
    removed: int
    skipped: int
    excluded: int
    pending: int
    absent: int
    errors: int
    warnings: int


@dataclass(frozen=True, slots=True)
class CodeSummary:
    kind: str
    code: str
    severity: str
    rows: int
    new: int
    fixed: int


@dataclass(frozen=True, slots=True)
class RootCause:
    kind: str | None
    key: str | None
    code: str | None
    name: str
    rows: int


@dataclass(frozen=True, slots=True)
class RecordRow:
    id: int
    kind: str
    key: str
    name: str
    email: str
    school: str
    group: str
    status: str
    change: str | None
    appears_on: str | None
    source_ref: str


@dataclass(frozen=True, slots=True)
class ChainStep:
    kind: str
    key: str
    code: str
    name: str
    message: str


@dataclass(frozen=True, slots=True)
class FindingDetail:
    code: str
    severity: str
    field: str | None
    message: str
    source_ref: str
    chain: tuple[ChainStep, ...]  # from the immediate cause to the ultimate root


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    run_id: int
    as_of: str
    state: str
    status: str
    change: str | None
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Timeline:
    """A record across nights, told as events: first seen, each change, last imported."""

    first_seen: HistoryEntry | None
    last_imported: HistoryEntry | None
    events: tuple[HistoryEntry, ...]  # oldest first: nights whose status or codes changed


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where a query was last found when tonight's source doesn't have it."""

    run: RunInfo
    row: RecordRow


@dataclass(slots=True)
class RecordDetail:
    run: RunInfo
    row: RecordRow
    fields: dict[str, str]
    changes: dict[str, list[str]]
    findings: list[FindingDetail]
    raw: dict[str, str] | None
    related: list[RecordRow] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    login_ids: tuple[str, ...] = ()  # what the platform logs the person in with

    @property
    def timeline(self) -> Timeline:
        return _timeline(self.history)

    @property
    def withheld(self) -> bool:
        return self.row.key.startswith("protected:")


_ROW_COLUMNS = "id, kind, key, name, email, school, grp, status, change, appears_on, source_ref"
_ROW_COLUMNS_OF = {  # the same columns, qualified, for queries that join
    alias: ", ".join(f"{alias}.{c.strip()}" for c in _ROW_COLUMNS.split(",")) for alias in "rs"
}


def _record_row(values: tuple) -> RecordRow:
    return RecordRow(*values)


def _login_ids(stored: str | None) -> tuple[str, ...]:
    """The login ids column holds the person's login_ids field as written ("a, b"); NULL
    before they were kept."""
    return tuple(stored.split(", ")) if stored else ()


class Queries:
    """One database's answers. Open with `Queries.open(path)`."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self.db = db
        self.path = path
        key = reading_key(path, db)
        self._hash = hasher_of(key) if key else None

    @classmethod
    def open(cls, path: Path, *, shared: bool = False) -> Queries:
        """Read-only. `shared`: the console's worker threads take turns on one connection."""
        db = open_reader(path, shared=shared)
        try:
            return cls(db, path)
        except BaseException:
            db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Queries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _all(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        return self.db.execute(sql, list(params)).fetchall()

    # -- runs -------------------------------------------------------------------------------

    def runs(self, limit: int = 60) -> list[RunInfo]:
        return [
            self._as_seen(row)
            for row in self._all(
                "SELECT id, state, source, format, as_of, started_at, finished_at, error, "
                "previous_run FROM runs ORDER BY id DESC LIMIT ?",
                [limit],
            )
        ]

    def run(self, run_id: int) -> RunInfo:
        rows = self._all(
            "SELECT id, state, source, format, as_of, started_at, finished_at, error, "
            "previous_run FROM runs WHERE id = ?",
            [run_id],
        )
        if not rows:
            known = self._all("SELECT min(id), max(id) FROM runs")[0]
            span = f"runs are {known[0]}–{known[1]}" if known[0] else "there are no runs yet"
            raise QueryError(f"no run {run_id} in this database ({span})")
        return self._as_seen(rows[0])

    def _as_seen(self, row: tuple) -> RunInfo:
        """A run stored as running is running only while its writer holds the lock; one whose
        writer is gone (killed, the machine stopped) is interrupted, and said so at once."""
        info = RunInfo(*row)
        if info.state != "running":
            return info
        writer = self.writer_since()
        if info.id == self._newest_run() and writer and not writer.startswith(_NOT_A_SYNC):
            return info  # a prune or an acceptance holding the lock writes no night
        return replace(info, state="interrupted", error=INTERRUPTED)

    def _newest_run(self) -> int | None:
        return self._all("SELECT max(id) FROM runs")[0][0]

    def writer_since(self) -> str | None:
        """Who is writing to the database now ("a sync (pid 12, since …)"), or None. Asked
        anew each time: the console polls it to see a night start and end."""
        alive = writer_alive(self.path)
        if alive is False:
            return None
        return holder(self.path) or "a sync or prune (its lock file cannot be read)"

    def latest_run(self) -> RunInfo:
        """The latest run of any state: a failed or held night must be seen."""
        rows = self._all("SELECT max(id) FROM runs")
        if rows[0][0] is None:
            raise QueryError("no runs yet: run `rostertui sync SOURCE` or `rostertui demo`")
        return self.run(rows[0][0])

    def errors_by_night(self, limit: int = 30) -> list[tuple[int, str, int]]:
        """(run id, as-of, error findings) for the last nights, oldest first: the sparkline."""
        rows = self._all(
            "SELECT runs.id, runs.as_of, coalesce(sum(imports.errors), 0) FROM runs "
            "LEFT JOIN imports ON imports.run_id = runs.id "
            "GROUP BY runs.id ORDER BY runs.id DESC LIMIT ?",
            [limit],
        )
        return list(reversed(rows))

    def latest_good_run_id(self) -> int | None:
        return self._all("SELECT max(id) FROM runs WHERE state = 'good'")[0][0]

    def run_with_records(self, run_id: int | None = None) -> RunInfo:
        """`why` and `export` answer from the latest run that has records (good or held)."""
        if run_id is not None:
            return self.run(run_id)
        rows = self._all("SELECT max(id) FROM runs WHERE state IN ('good', 'held')")
        if rows[0][0] is None:
            raise QueryError("no run with records yet: run `rostertui sync SOURCE` first")
        return self.run(rows[0][0])

    def run_findings(self, run_id: int) -> list[tuple[str, str, str, str, str]]:
        """Run- and file-level findings: (kind, key, code, message, source_ref)."""
        return self._all(
            "SELECT kind, key, code, message, source_ref FROM findings "
            "WHERE run_id = ? AND record_id IS NULL ORDER BY id",
            [run_id],
        )

    # -- summaries --------------------------------------------------------------------------

    def imports(self, run_id: int) -> list[ImportSummary]:
        return [
            ImportSummary(*row[1:])
            for row in self._all(
                "SELECT * FROM imports WHERE run_id = ? ORDER BY CASE kind WHEN 'school' THEN 0 "
                "WHEN 'person' THEN 1 WHEN 'group' THEN 2 ELSE 3 END",
                [run_id],
            )
        ]

    def findings_by_code(self, run_id: int, kind: str | None = None) -> list[CodeSummary]:
        """Rows affected per code, with how many are new since, and fixed since, the last run."""
        previous = self.run(run_id).previous_run
        kind_filter = "AND f.kind = ?" if kind else ""
        params = [run_id, *([kind] if kind else [])]
        rows = self._all(
            f"""
            SELECT f.kind, f.code, f.severity, count(*),
                   sum(NOT EXISTS (SELECT 1 FROM findings p WHERE p.run_id = ? AND
                       p.code = f.code AND p.kind = f.kind AND p.key = f.key))
            FROM findings f WHERE f.run_id = ? {kind_filter}
            GROUP BY f.kind, f.code, f.severity
            """,
            [previous if previous is not None else -1, *params],
        )
        fixed = dict(
            ((k, c), n)
            for k, c, n in self._all(
                """
                SELECT p.kind, p.code, count(*) FROM findings p
                WHERE p.run_id = ? AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.run_id = ?
                      AND f.code = p.code AND f.kind = p.kind AND f.key = p.key)
                GROUP BY p.kind, p.code
                """,
                [previous if previous is not None else -1, run_id],
            )
        )
        summaries = [
            CodeSummary(k, c, s, n, new if previous is not None else 0, fixed.pop((k, c), 0))
            for k, c, s, n, new in rows
        ]
        severities = dict(
            ((k, c), s)
            for k, c, s in self._all(
                "SELECT DISTINCT kind, code, severity FROM findings WHERE run_id = ?",
                [previous if previous is not None else -1],
            )
        )
        summaries += [  # codes fixed everywhere overnight: no rows left, but worth a line
            CodeSummary(k, c, severities.get((k, c), ""), 0, 0, n)
            for (k, c), n in fixed.items()
            if not kind or k == kind
        ]
        summaries.sort(  # the run's own findings (a hold, a failure) before any record's
            key=lambda s: (s.kind != "run", SEVERITY_ORDER.get(s.severity, 9), -s.rows, s.code)
        )
        return summaries

    def root_causes(self, run_id: int, code: str, kind: str | None = None) -> list[RootCause]:
        """ "412 memberships ← 1 cause: group 9B not exported": rows of a code by ultimate root."""
        kind_filter = "AND f.kind = ?" if kind else ""
        rows = self._all(
            f"""
            SELECT f.root_kind, f.root_key, f.root_code, count(*),
                   (SELECT r.name FROM records r WHERE r.run_id = f.run_id
                      AND r.kind = f.root_kind AND r.key = f.root_key)
            FROM findings f WHERE f.run_id = ? AND f.code = ? {kind_filter}
            GROUP BY f.root_kind, f.root_key, f.root_code ORDER BY count(*) DESC LIMIT 50
            """,
            [run_id, code, *([kind] if kind else [])],
        )
        return [RootCause(k, key, c, name or "", n) for k, key, c, n, name in rows]

    # -- rows -------------------------------------------------------------------------------

    def rows(
        self,
        run_id: int,
        *,
        kind: str | None = None,
        code: str | None = None,
        status: str | None = None,
        text: str = "",
        after: RecordRow | None = None,
        limit: int = 200,
    ) -> list[RecordRow]:
        """One keyset page of records, filtered; `after` is the last row of the page before.

        Pages walk an index, so one costs the same at a thousand rows or a million: with a code,
        that code's findings in record order; otherwise the records in (kind, key) order.
        """
        columns = _ROW_COLUMNS_OF["r"]
        where: list[str] = []
        params: list = []
        for column, value in (("r.kind", kind), ("r.status", status)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if text:
            where.append("(r.key LIKE ? OR r.name LIKE ? OR r.email LIKE ? OR r.grp LIKE ?)")
            params += [f"%{text}%"] * 4
        extra = "".join(f" AND {w}" for w in where)
        if code:
            sql = (
                f"SELECT DISTINCT {columns} FROM findings f "
                "JOIN shown_records r ON r.id = f.record_id "
                f"WHERE f.run_id = ? AND f.code = ? AND f.record_id > ?{extra} "
                "ORDER BY f.record_id LIMIT ?"
            )
            after_id = after.id if after else 0
            return [
                _record_row(r) for r in self._all(sql, [run_id, code, after_id, *params, limit])
            ]
        if kind:  # one import type: a straight walk along records_by_key
            sql = (
                f"SELECT {columns} FROM shown_records r WHERE r.run_id = ? AND r.key > ?{extra} "
                "ORDER BY r.key LIMIT ?"
            )
            start: list = [after.key if after else ""]
        else:
            sql = (
                f"SELECT {columns} FROM shown_records r WHERE r.run_id = ? "
                f"AND (r.kind, r.key) > (?, ?){extra} ORDER BY r.kind, r.key LIMIT ?"
            )
            start = [after.kind, after.key] if after else ["", ""]
        return [_record_row(r) for r in self._all(sql, [run_id, *start, *params, limit])]

    # -- one record -------------------------------------------------------------------------

    def record(self, run_id: int, kind: str, key: str) -> RecordDetail | None:
        rows = self._all(
            f"SELECT {_ROW_COLUMNS_OF['s']}, "
            "r.fields, r.changes, r.raw, r.source_file, r.login_ids "
            "FROM shown_records s JOIN records r ON r.id = s.id "
            "WHERE r.run_id = ? AND r.kind = ? AND r.key = ?",
            [run_id, kind, key],
        )
        if not rows:
            return None
        *head, fields, changes, raw, source_file, login_ids = rows[0]
        row = _record_row(tuple(head))
        return RecordDetail(
            run=self.run(run_id),
            row=row,
            fields=dict(zip(FIELD_NAMES[kind], unpack(fields), strict=False)),
            changes=json.loads(changes or "{}"),
            findings=self._findings_of(row.id),
            raw=self._raw(run_id, source_file, raw),
            related=self._related(run_id, row),
            history=self.history(kind, key),
            login_ids=_login_ids(login_ids),
        )

    def _findings_of(self, record_id: int) -> list[FindingDetail]:
        details = []
        for code, severity, fld, message, ref, ck, ckey, ccode, run_id in self._all(
            "SELECT code, severity, field, message, source_ref, cause_kind, cause_key, "
            "cause_code, run_id FROM findings WHERE record_id = ? ORDER BY id",
            [record_id],
        ):
            details.append(
                FindingDetail(
                    code, severity, fld, message, ref, self._chain(run_id, ck, ckey, ccode)
                )
            )
        return details

    def _chain(self, run_id: int, kind, key, code) -> tuple[ChainStep, ...]:
        steps: list[ChainStep] = []
        while kind and len(steps) < 10:
            found = self._all(
                "SELECT r.name, f.message, f.cause_kind, f.cause_key, f.cause_code "
                "FROM findings f JOIN records r ON r.id = f.record_id "
                "WHERE f.run_id = ? AND f.kind = ? AND f.key = ? AND f.code = ? LIMIT 1",
                [run_id, kind, key, code],
            )
            if not found:
                steps.append(ChainStep(kind, key, code, "", ""))
                break
            name, message, next_kind, next_key, next_code = found[0]
            steps.append(ChainStep(kind, key, code, name, message))
            kind, key, code = next_kind, next_key, next_code
        return tuple(steps)

    def _raw(self, run_id: int, source_file: str | None, raw: str | None) -> dict[str, str] | None:
        if raw is None:
            return None
        values = unpack(raw)
        header_rows = self._all(
            "SELECT header FROM source_headers WHERE run_id = ? AND file = ?",
            [run_id, source_file],
        )
        header = json.loads(header_rows[0][0]) if header_rows else []
        names = header + [f"column {n}" for n in range(len(header) + 1, len(values) + 1)]
        return dict(zip(names, values, strict=False))

    def _related(self, run_id: int, row: RecordRow) -> list[RecordRow]:
        """The records one step away: a person's or group's memberships, a membership's person
        and group, a school's groups."""
        sql = f"SELECT {_ROW_COLUMNS} FROM shown_records WHERE "
        if row.kind == "membership":
            found = self._all(
                sql + "run_id = ? AND ((kind = 'person' AND key = (SELECT person_key FROM records "
                "WHERE id = ?)) OR (kind = 'group' AND key = (SELECT group_key FROM records "
                "WHERE id = ?)))",
                [run_id, row.id, row.id],
            )
        elif row.kind == "school":
            found = self._all(
                sql + "run_id = ? AND kind = 'group' AND school = ? LIMIT ?",
                [run_id, row.name, _RELATED_LIMIT],
            )
        else:
            members = self._all("SELECT members FROM records WHERE id = ?", [row.id])[0][0]
            ids = [int(i) for i in (members or "").split(",") if i][:_RELATED_LIMIT]
            found = (
                self._all(sql + f"id IN ({','.join('?' for _ in ids)}) ORDER BY id", ids)
                if ids
                else []
            )
        return [_record_row(r) for r in found]

    def last_sighting(self, query: str, before_run: int) -> Sighting | None:
        """The latest earlier run in which the query matched anything: "last seen on …"."""
        for run_id in self._runs_matching(query, before_run):
            found = self.search(run_id, query, limit=1)
            if found:
                return Sighting(self.run(run_id), found[0])
        return None

    def _runs_matching(self, query: str, before_run: int) -> list[int]:
        match = _fts_match(query)
        if not match:
            return []
        return [
            row[0]
            for row in self._all(
                "SELECT DISTINCT r.run_id FROM records_fts CROSS JOIN records r "
                "ON r.id = records_fts.rowid WHERE records_fts MATCH ? AND r.run_id < ? "
                "ORDER BY r.run_id DESC LIMIT 5",
                [match, before_run],
            )
        ]

    def near_matches(self, run_id: int, query: str, limit: int = 5) -> list[RecordRow]:
        """Typos, å/a and swapped names: candidates share the first letters of every word of
        the query (else of any one); they are ranked by how alike the folded names are, in
        either order."""
        words = [w for w in fold_text(query).split() if len(w) >= 2]
        if not words:
            return []
        wanted, swapped = " ".join(words), " ".join(reversed(words))
        for joiner, letters in ((" AND ", 2), (" OR ", 3)):
            starts = joiner.join(f'"{w[:letters]}"*' for w in words)
            scored = []
            for row in self._all(
                f"SELECT {_ROW_COLUMNS_OF['r']} "
                "FROM records_fts CROSS JOIN records r ON r.id = records_fts.rowid "
                "WHERE records_fts MATCH ? AND r.run_id = ? AND r.kind != 'membership' "
                "ORDER BY records_fts.rowid DESC LIMIT 5000",  # newest runs first
                [starts, run_id],
            ):
                name = fold_text(row[3])
                score = max(_likeness(wanted, name), _likeness(swapped, name))
                if score >= 0.7:
                    scored.append((score, row))
            if scored:
                scored.sort(key=lambda pair: -pair[0])
                return [_record_row(row) for _, row in scored[:limit]]
        return []

    def history(self, kind: str, key: str) -> list[HistoryEntry]:
        rows = self._all(
            """
            SELECT r.run_id, runs.as_of, runs.state, r.status, r.change,
                   (SELECT group_concat(code, ' ') FROM findings f WHERE f.record_id = r.id)
            FROM records r JOIN runs ON runs.id = r.run_id
            WHERE r.run_id IN (SELECT id FROM runs ORDER BY id DESC LIMIT 60)
              AND r.kind = ? AND r.key = ? ORDER BY r.run_id DESC
            """,
            [kind, key],
        )
        return [
            HistoryEntry(rid, as_of, state, status, change, tuple((codes or "").split()))
            for rid, as_of, state, status, change, codes in rows
        ]

    # -- search -----------------------------------------------------------------------------

    def search(self, run_id: int, query: str, limit: int = 20) -> list[RecordRow]:
        """Id, e-mail, login id, personnummer or name; exact answers first, then name matches.
        A query with an @ that is exactly someone's e-mail or login id answers with them alone.
        """
        query = query.strip()
        if not query:
            return []
        found: dict[int, RecordRow] = {}
        exact = self._all(
            f"SELECT {_ROW_COLUMNS} FROM records WHERE run_id = ? "
            "AND kind IN ('person', 'group', 'school') AND key = ?",  # three index seeks
            [run_id, query],
        )
        by_login_id = self._login_id_matches(run_id, query)
        exact += by_login_id
        civic = normalise_civic_no(query) if re.fullmatch(r"[\d\s+-]{10,15}", query) else None
        if civic and self._hash:  # without the key file no personnummer can be matched
            exact += self._all(
                f"SELECT {_ROW_COLUMNS} FROM records WHERE civic_hash = ? AND run_id = ?",
                [self._hash(civic), run_id],
            )
        for row in exact:
            found.setdefault(row[0], _record_row(row))
        match = _fts_match(query)
        if match:
            for row in self._all(
                f"SELECT {_ROW_COLUMNS_OF['r']} "
                "FROM records_fts CROSS JOIN records r ON r.id = records_fts.rowid "
                "WHERE records_fts MATCH ? AND r.run_id = ? "
                "ORDER BY CASE r.kind WHEN 'person' THEN 0 WHEN 'group' THEN 1 ELSE 2 END, "
                "r.name LIMIT ?",
                [match, run_id, limit],
            ):
                found.setdefault(row[0], _record_row(row))
        if "@" in query:
            logs_in = {row[0] for row in by_login_id}
            addressed = [
                r for r in found.values() if r.email.lower() == query.lower() or r.id in logs_in
            ]
            if addressed:
                return addressed
        return list(found.values())[:limit]

    def _check_all_read(self, run_id: int, read: int, kind: str | None, status: str | None) -> None:
        """A damaged page can end a table walk early without an error: count the run's records
        through the key index as well, so an export never ends short without saying so."""
        where = "".join(f" AND {c} = ?" for c, v in (("kind", kind), ("status", status)) if v)
        values = [v for v in (kind, status) if v]
        stored = self._all(
            f"SELECT count(*) FROM records WHERE run_id = ?{where}", [run_id, *values]
        )[0][0]
        if read != stored:
            raise QueryError(
                f"the database is damaged: run {run_id} has {stored:,} records but only {read:,} "
                "could be read; restore it from a backup (check it with: sqlite3 FILE "
                "'PRAGMA integrity_check')"
            )

    def _login_id_matches(self, run_id: int, query: str) -> list[tuple]:
        """Records one of whose login ids is the query, in any case. The full-text index finds
        the candidates (the query's words as a phrase in the login ids); the comparison is made
        here, as the index drops punctuation ("anna.s" and "anna-s" are one phrase to it)."""
        words = re.findall(r"\w+", query.lower())
        if not words:
            return []
        wanted = query.casefold()
        candidates = self._all(
            f"SELECT {_ROW_COLUMNS_OF['r']}, r.login_ids "
            "FROM records_fts CROSS JOIN records r ON r.id = records_fts.rowid "
            "WHERE records_fts MATCH ? AND r.run_id = ? LIMIT 100",
            [f'login_ids : "{" ".join(words)}"', run_id],
        )
        return [
            row[:-1]
            for row in candidates
            if any(login_id.casefold() == wanted for login_id in _login_ids(row[-1]))
        ]

    # -- export -----------------------------------------------------------------------------

    def export_rows(
        self,
        run_id: int,
        *,
        kind: str | None = None,
        code: str | None = None,
        status: str | None = None,
    ) -> Iterator[dict[str, str]]:
        """One row per finding (a record without findings: one row, empty code), per contract.

        A whole run, or its memberships, is read in id order: walked in key order and sorted
        back, 1.1 M rows took 17 s, in id order 5 s.
        """
        if kind in (None, "membership"):
            in_run, params = rows_of_run(self.db, run_id, alias="r")
            where = [in_run]
        else:
            where, params = ["r.run_id = ?"], [run_id]
        for column, value in (("r.kind", kind), ("r.status", status)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        finding_filter = "AND f.code = ?" if code else ""
        join = "JOIN" if code else "LEFT JOIN"
        sql = f"""
            SELECT r.run_id, r.kind, r.key, r.name, r.email, r.school, r.grp, r.status,
                   r.change, f.code, f.severity, f.message, f.root_kind, f.root_key, f.root_code,
                   coalesce(f.source_ref, r.source_ref), r.appears_on
            FROM shown_records r {join} findings f ON f.record_id = r.id {finding_filter}
            WHERE {" AND ".join(where)} ORDER BY r.id, f.id
        """
        params = ([code] if code else []) + params
        records, last = 0, None
        for values in self.db.execute(sql, params):
            records += values[2] != last
            last = values[2]
            yield {
                c: "" if v is None else str(v) for c, v in zip(EXPORT_COLUMNS, values, strict=True)
            }
        if not code:
            self._check_all_read(run_id, records, kind, status)
        if kind in (None, "run", "file") and status is None:
            for values in self._all(
                "SELECT run_id, kind, key, code, severity, message, source_ref FROM findings "
                "WHERE run_id = ? AND record_id IS NULL" + (" AND code = ?" if code else ""),
                [run_id, *([code] if code else [])],
            ):
                rid, fkind, key, fcode, severity, message, ref = values
                if kind and fkind != kind:
                    continue
                row = dict.fromkeys(EXPORT_COLUMNS, "")
                row.update(
                    run_id=str(rid), kind=fkind, key=key, code=fcode, severity=severity,
                    message=message, source_ref=ref or "",
                )  # fmt: skip
                yield row
