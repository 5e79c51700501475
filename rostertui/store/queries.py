"""The read API that the CLI and the console share: every question a user asks, as one call.

Everything is scoped to a run; pages are keyset-paged by record id so a million rows never load
at once. Source text comes back as plain data for the caller to render literally.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import sqlite_utils

from rostertui.domain.describe import FIELD_NAMES
from rostertui.domain.packing import unpack
from rostertui.domain.verdict import SEVERITY_ORDER
from rostertui.store.answers import (
    ROW_COLUMNS,
    ROW_COLUMNS_OF,
    ChainStep,
    CodeSummary,
    FindingDetail,
    HistoryEntry,
    ImportSummary,
    Night,
    RecordDetail,
    RecordRow,
    RootCause,
    RowFilter,
    RunInfo,
    record_row,
    stored_login_ids,
)
from rostertui.store.database import open_reader
from rostertui.store.during import During, during
from rostertui.store.key import hasher_of, reading_key
from rostertui.store.lock import holder, writer_alive
from rostertui.store.schema import NOTEWORTHY
from rostertui.store.search import SearchQueries

EXPORT_COLUMNS = (
    "run_id", "kind", "key", "name", "email", "school", "group", "status", "change", "code",
    "severity", "message", "root_kind", "root_key", "root_code", "source_ref", "appears_on",
)  # fmt: skip
_RELATED_LIMIT = 200
_COUNTED = frozenset(
    [
        *("total", "imported", "skipped", "excluded", "pending", "absent"),  # statuses
        *("created", "updated", "removed"),  # changes
    ]
)
"""The imports table's columns that count a view's rows as the night was written."""
CHANGES = ("created", "updated", "removed", "absent")
"""What `rows(change=…)` and `export_rows(change=…)` list: records created, updated or removed
against the last good night, or absent (in that night, not in this source at all)."""


def _new_since(previous: During) -> str:
    """A finding `f` is new when the run it is compared with had no finding of that code on
    that record: what "new" means in the findings table and in a drill to its rows."""
    return (
        "NOT EXISTS (SELECT 1 FROM findings p WHERE p.code = f.code AND p.kind = f.kind "
        f"AND p.key = f.key AND {previous.holds('p')})"
    )


@dataclass(frozen=True, slots=True)
class DrillRow(RecordRow):
    """A row as a drill lists it: in a code's rows, whether its finding is new since the last
    good night; in a change list, the fields that changed (field, before, after)."""

    new: bool = False
    changed: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Member:
    """One member of a group, as the group's record lists it."""

    id: int  # the membership record's id: the keyset
    person_key: str
    name: str
    role: str
    status: str  # the membership's
    person_status: str  # the person's: skipped, excluded … or '' when not in this night
    change: str | None


@dataclass(frozen=True, slots=True)
class MemberPage:
    total: int  # members that match the filter
    members: list[Member]


_NOT_A_SYNC = ("a prune (", "an accept-held (")
INTERRUPTED = "interrupted: the sync stopped before it finished (its process is gone)"


@dataclass(frozen=True, slots=True)
class RowCount:
    """What a view of rows holds: `total` rows, of which `new` are new since the last good
    night (a code's rows; 0 otherwise)."""

    total: int
    new: int


@dataclass(frozen=True, slots=True)
class _Walk:
    """Where a page of rows starts: next to `anchor` (after it, or before it when `backward`),
    else `offset` rows from the top (or the last rows, backward)."""

    anchor: RecordRow | None
    backward: bool
    offset: int

    @property
    def beyond(self) -> str:
        return "<" if self.backward else ">"

    @property
    def descending(self) -> str:
        return " DESC" if self.backward else ""


class QueryError(Exception):
    """A question that cannot be answered as asked (no such run, no runs yet)."""


class Queries(SearchQueries):
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

    @contextmanager
    def stopping_when(self, cancelled: Callable[[], bool]) -> Iterator[None]:
        """Abort the statement running (every few thousand steps SQLite asks) once `cancelled()`
        is true, with an OperationalError: a console view replaced while its count of a million
        rows ran does not keep the connection from the view that replaced it."""
        self.db.conn.set_progress_handler(cancelled, 5_000)
        try:
            yield
        finally:
            self.db.conn.set_progress_handler(None, 0)

    def _all(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        return self.db.execute(sql, list(params)).fetchall()

    def _during(self, run_id: int | None) -> During:
        """Which rows are run `run_id`'s (None: no run, so none)."""
        return during(self.db, -1 if run_id is None else run_id)

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

    def nights(self, limit: int = 60) -> list[Night]:
        """The last `limit` runs with their totals, newest first."""
        runs = self.runs(limit)
        totals = {
            run_id: rest
            for run_id, *rest in self._all(
                "SELECT run_id, sum(imported), sum(skipped + excluded + pending), sum(created), "
                "sum(updated), sum(removed), sum(errors) FROM imports WHERE run_id >= ? "
                "GROUP BY run_id",
                [runs[-1].id if runs else 0],
            )
        }
        return [Night(run, *totals.get(run.id, (0,) * 6)) for run in runs]

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
        now, before = self._during(run_id), self._during(previous)
        kind_filter = "AND f.kind = ?" if kind else ""
        rows = self._all(
            f"""
            SELECT f.kind, f.code, f.severity, count(*), sum({_new_since(before)})
            FROM findings f WHERE {now.holds("f")} {kind_filter}
            GROUP BY f.kind, f.code, f.severity
            """,
            [*([kind] if kind else [])],
        )
        fixed = dict(
            ((k, c), n)
            for k, c, n in self._all(
                f"""
                SELECT p.kind, p.code, count(*) FROM findings p
                WHERE {before.holds("p")} AND NOT EXISTS (SELECT 1 FROM findings f
                      WHERE f.code = p.code AND f.kind = p.kind AND f.key = p.key
                      AND {now.holds("f")})
                GROUP BY p.kind, p.code
                """
            )
        )
        summaries = [
            CodeSummary(k, c, s, n, new if previous is not None else 0, fixed.pop((k, c), 0))
            for k, c, s, n, new in rows
        ]
        severities = dict(
            ((k, c), s)
            for k, c, s in self._all(
                f"SELECT DISTINCT f.kind, f.code, f.severity FROM findings f "
                f"WHERE {before.holds('f')}"
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

    def root_causes(
        self, run_id: int, code: str, kind: str | None = None, severity: str | None = None
    ) -> list[RootCause]:
        """ "412 memberships ← 1 cause: group 9B not exported": rows of a code by ultimate root."""
        kind_filter = "AND f.kind = ?" if kind else ""
        severity_filter = "AND f.severity = ?" if severity else ""
        now = self._during(run_id)
        rows = self._all(
            f"""
            SELECT f.root_kind, f.root_key, f.root_code, count(*),
                   (SELECT r.name FROM records r WHERE r.kind = f.root_kind
                      AND r.key = f.root_key AND {now.holds("r")})
            FROM findings f WHERE f.code = ? AND {now.holds("f")} {kind_filter} {severity_filter}
            GROUP BY f.root_kind, f.root_key, f.root_code ORDER BY count(*) DESC LIMIT 50
            """,
            [code, *([kind] if kind else []), *([severity] if severity else [])],
        )
        return [RootCause(k, key, c, name or "", n) for k, key, c, n, name in rows]

    # -- rows -------------------------------------------------------------------------------

    def rows(
        self,
        run_id: int,
        *,
        after: RecordRow | None = None,
        before: RecordRow | None = None,
        last: bool = False,
        offset: int = 0,
        limit: int = 200,
        **filters: str | None,
    ) -> list[RecordRow]:
        """One page of records, filtered, in the view's order. Where it starts: just `after` a
        row (the next page), just `before` one (the page above it), at the `last` rows, or else
        `offset` rows from the top.

        The first three walk an index, so a page costs the same at a thousand rows or a million;
        only an offset (a jump into the middle) walks to its place. With a code: that code's
        findings in record order, those new since the last good night first (rows are
        `DrillRow`s that say so); otherwise the records in (kind, key) order. With a `change`,
        rows say which fields changed. `text` matches key, name, e-mail and group; a person,
        the names of the groups she is a member of too. (`filters` are a RowFilter's.)
        """
        view = RowFilter.of(filters)
        kind, code, change = view.kind, view.code, view.change
        backward = before is not None or last
        walk = _Walk(before if backward else after, backward, 0 if backward or after else offset)
        extra, params = self._record_filter(run_id, view)
        if code:
            return self._code_rows(run_id, code, view.severity, extra, params, walk, limit)
        columns = ROW_COLUMNS_OF["r"]
        if change:
            columns += (
                f", (SELECT c.changes FROM records c WHERE c.id = r.id AND c.run_id = {run_id})"
            )
        keys = ("r.key",) if kind else ("r.kind", "r.key")  # one import type: records_by_key
        bound, start = "", []
        if walk.anchor is not None:
            bound = f" AND ({', '.join(keys)}) {walk.beyond} ({', '.join('?' for _ in keys)})"
            start = [walk.anchor.key] if kind else [walk.anchor.kind, walk.anchor.key]
        order = ", ".join(f"{k}{walk.descending}" for k in keys)
        found = self._all(
            f"SELECT {columns} FROM {self._during(run_id).shown()} r WHERE 1{bound}{extra} "
            f"ORDER BY {order} LIMIT ? OFFSET ?",
            [*start, *params, limit, walk.offset],
        )
        if backward:
            found.reverse()
        if not change:
            return [record_row(r) for r in found]
        return [DrillRow(*r[:-1], changed=_changed_fields(r[-1])) for r in found]

    def count_rows(self, run_id: int, **filters: str | None) -> RowCount:
        """How many rows `rows` would list with these filters, and (with a code) how many of
        them are new since the last good night: the total a view shows and scrolls over."""
        view = RowFilter.of(filters)
        code, status, change = view.code, view.status, view.change
        if not (code or view.text) and not (status and change):
            counted = self._counted(run_id, view.kind, change or status or "total")
            if counted is not None:
                return RowCount(counted, 0)
        extra, params = self._record_filter(run_id, view)
        if not code:
            sql = f"SELECT count(*) FROM {self._during(run_id).shown()} r WHERE 1{extra}"
            return RowCount(self._all(sql, params)[0][0], 0)
        previous = self.run(run_id).previous_run

        def counted(new: bool | None) -> int:
            source, values = self._code_source(run_id, code, view.severity, new, previous)
            return self._records_in(source + extra, [*values, *params])

        return RowCount(counted(None), counted(True) if previous is not None else 0)

    def _record_filter(self, run_id: int, view: RowFilter) -> tuple[str, list]:
        """The conditions (" AND …") on `shown_records r` that a view's filters make, and their
        parameters; rows and the export of the same view share them. (A code is joined in by
        the caller: its findings are the rows.)"""
        kind, status, change, text = view.kind, view.status, view.change, view.text
        where: list[str] = []
        params: list = []
        for column, value in (("r.kind", kind), ("r.status", status)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if change:
            if change not in CHANGES:
                raise QueryError(f"no change {change!r}: use one of {', '.join(CHANGES)}")
            where.append("r.status = 'absent'" if change == "absent" else "r.change = ?")
            params += [] if change == "absent" else [change]
            # a change is its version's first night's: the key index rejects the others itself
            where.append(f"r.first_run = {int(run_id)}")
        if (status and status != "imported") or change in ("updated", "removed", "absent"):
            where.append(NOTEWORTHY)  # a few among many: walk records_noteworthy
        if text:
            like = f"%{text}%"
            matches = "r.key LIKE ? OR r.name LIKE ? OR r.email LIKE ? OR r.grp LIKE ?"
            params += [like] * 4
            if kind in (None, "person"):
                matches += " OR (r.kind = 'person' AND r.key IN (SELECT value FROM json_each(?)))"
                params.append(json.dumps(self._members_of_groups_like(run_id, like)))
            where.append(f"({matches})")
        return "".join(f" AND {w}" for w in where), params

    def _members_of_groups_like(self, run_id: int, like: str) -> list[str]:
        """The person keys of the members of the run's groups whose name is LIKE `like`."""
        ids: list[int] = []
        for (members,) in self._all(
            "SELECT members FROM records r WHERE r.kind = 'group' AND r.name LIKE ? "
            f"AND {self._during(run_id).holds('r')}",
            [like],
        ):
            ids += [int(i) for i in (members or "").split(",") if i]
        if not ids:
            return []
        return [
            key
            for (key,) in self._all(
                "SELECT DISTINCT person_key FROM records WHERE id IN "
                "(SELECT value FROM json_each(?))",
                [json.dumps(ids)],
            )
        ]

    def _counted(self, run_id: int, kind: str | None, column: str) -> int | None:
        """A view without a code or text, counted when the night was written: the imports
        table's count of `column` (a status or a change) for `kind`, or for every kind. None
        when the night has no such count (a column the table lacks)."""
        if column not in _COUNTED:
            return None
        found = self._all(
            f"SELECT sum({column}), count(*) FROM imports WHERE run_id = ?"  # a column we name
            + (" AND kind = ?" if kind else ""),
            [run_id, *([kind] if kind else [])],
        )[0]
        return (found[0] or 0) if found[1] else None

    def _records_in(self, source: str, params: list) -> int:
        """How many records a code's `FROM … WHERE …` holds (a record with two findings of the
        code, on two fields, counts once, as its rows list it once)."""
        return self._all(f"SELECT count(DISTINCT r.id) {source}", params)[0][0]

    def _code_source(
        self, run_id: int, code: str, severity: str | None, new: bool | None, previous: int | None
    ) -> tuple[str, list]:
        """`FROM … WHERE …` over a code's findings at a severity and their records, new since
        the last good night `previous` or not (None: either), and its parameters; a caller adds
        its own conditions after it."""
        now = self._during(run_id)
        where = f"f.code = ? AND {now.holds('f')}" + (" AND f.severity = ?" if severity else "")
        values: list = [code, *([severity] if severity else [])]
        if new is not None:
            where += f" AND {'' if new else 'NOT '}{_new_since(self._during(previous))}"
        return f"FROM findings f JOIN {now.shown()} r ON r.id = f.record_id WHERE {where}", values

    def _code_rows(
        self,
        run_id: int,
        code: str,
        severity: str | None,
        extra: str,
        params: list,
        walk: _Walk,
        limit: int,
    ) -> list[RecordRow]:
        """A code's rows, those whose finding is new since the last good night first: two walks
        along findings_by_code_record, the keyset being (not new, record id)."""
        previous = self.run(run_id).previous_run
        phases: list[bool | None] = [None] if previous is None else [True, False]
        if walk.backward:
            phases.reverse()
        if walk.anchor is not None and previous is not None:
            phases = phases[phases.index(getattr(walk.anchor, "new", False)) :]
        anchor_id = walk.anchor.id if walk.anchor else None
        offset = walk.offset
        found: list[RecordRow] = []
        for new in phases:
            source, values = self._code_source(run_id, code, severity, new, previous)
            if anchor_id is not None:
                source += f" AND f.record_id {walk.beyond} ?"
                values.append(anchor_id)
            page = self._all(
                f"SELECT DISTINCT {ROW_COLUMNS_OF['r']} {source}{extra} "
                f"ORDER BY f.record_id{walk.descending} LIMIT ? OFFSET ?",
                [*values, *params, limit - len(found), offset],
            )
            found += [DrillRow(*r, new=bool(new)) for r in page]
            if len(found) >= limit:
                break
            if offset:  # the jump lands past this phase: go on by what is left of it
                offset = max(0, offset - self._records_in(source + extra, [*values, *params]))
            anchor_id = None
        if walk.backward:
            found.reverse()
        return found

    def group_members(
        self,
        run_id: int,
        group_key: str,
        *,
        text: str = "",
        after: Member | None = None,
        limit: int = 100,
    ) -> MemberPage:
        """A group's members by name (then membership id, the keyset), with their role, the
        membership's status and the person's; `text` matches name, id, e-mail, role, status."""
        now = self._during(run_id)
        found = self._all(
            f"SELECT members FROM records r WHERE r.kind = 'group' AND r.key = ? AND {now.holds()}",
            [group_key],
        )
        ids = [int(i) for i in ((found[0][0] if found else None) or "").split(",") if i]
        where = "s.id IN (SELECT value FROM json_each(?))"
        params: list = [json.dumps(ids)]
        if text:
            where += (
                " AND (s.name LIKE ? OR s.person_key LIKE ? OR s.email LIKE ? OR s.status LIKE ?"
                " OR r.fields LIKE ?)"
            )
            params += [f"%{text}%"] * 5
        source = f"FROM {now.shown()} s JOIN records r ON r.id = s.id WHERE {where}"
        total = self._all(f"SELECT count(*) {source}", params)[0][0] if ids else 0
        start = [after.name, after.id] if after else ["", 0]
        rows = (
            self._all(
                "SELECT s.id, s.person_key, s.name, r.fields, s.status, "
                "coalesce((SELECT p.status FROM records p WHERE p.kind = 'person' "
                f"AND p.key = s.person_key AND {now.holds('p')}), ''), s.change "
                f"{source} AND (s.name, s.id) > (?, ?) ORDER BY s.name, s.id LIMIT ?",
                [*params, *start, limit],
            )
            if ids
            else []
        )
        members = [
            Member(rid, pkey, name, _role(fields), status, pstatus, change)
            for rid, pkey, name, fields, status, pstatus, change in rows
        ]
        return MemberPage(total, members)

    # -- one record -------------------------------------------------------------------------

    def record(self, run_id: int, kind: str, key: str) -> RecordDetail | None:
        now = self._during(run_id)
        rows = self._all(
            f"SELECT {ROW_COLUMNS_OF['s']}, r.fields, "
            f"CASE WHEN r.run_id = {run_id} THEN r.changes END, r.raw, r.source_file, "
            f"r.login_ids, r.run_id FROM {now.shown()} s JOIN records r ON r.id = s.id "
            "WHERE s.kind = ? AND s.key = ?",
            [kind, key],
        )
        if not rows:
            return None
        *head, fields, changes, raw, source_file, login_ids, first_run = rows[0]
        row = record_row(tuple(head))
        values = dict(zip(FIELD_NAMES[kind], unpack(fields), strict=False))
        role = values.get("role", "") if kind == "person" else ""
        placement = self.placements([row]).get(row.id, "") if role == "student" else ""
        return RecordDetail(
            run=self.run(run_id),
            row=row,
            fields=values,
            changes=json.loads(changes or "{}"),
            findings=self._findings_of(row.id, now),
            raw=self._raw(first_run, source_file, raw),
            related=self._related(run_id, row),
            history=self.history(kind, key),
            login_ids=stored_login_ids(login_ids),
            role=role,
            classes="" if placement == "student, no class" else placement,
            line_run=first_run,
        )

    def _findings_of(self, record_id: int, now: During) -> list[FindingDetail]:
        details = []
        for code, severity, fld, message, ref, ck, ckey, ccode in self._all(
            "SELECT code, severity, field, message, source_ref, cause_kind, cause_key, "
            "cause_code FROM findings WHERE record_id = ? ORDER BY id",
            [record_id],
        ):
            details.append(
                FindingDetail(code, severity, fld, message, ref, self._chain(now, ck, ckey, ccode))
            )
        return details

    def _chain(self, now: During, kind, key, code) -> tuple[ChainStep, ...]:
        steps: list[ChainStep] = []
        while kind and len(steps) < 10:
            found = self._all(
                "SELECT r.name, f.message, f.cause_kind, f.cause_key, f.cause_code "
                "FROM findings f JOIN records r ON r.id = f.record_id "
                f"WHERE f.code = ? AND f.kind = ? AND f.key = ? AND {now.holds('f')} LIMIT 1",
                [code, kind, key],
            )
            if not found:
                steps.append(ChainStep(kind, key, code, "", ""))
                break
            name, message, next_kind, next_key, next_code = found[0]
            steps.append(ChainStep(kind, key, code, name, message))
            kind, key, code = next_kind, next_key, next_code
        return tuple(steps)

    def _raw(self, run_id: int, source_file: str | None, raw: str | None) -> dict[str, str] | None:
        """A version's raw row, named by the header of the night it was first written in."""
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
        sql = f"SELECT {ROW_COLUMNS} FROM {self._during(run_id).shown()} WHERE "
        if row.kind == "membership":
            found = self._all(
                sql + "(kind = 'person' AND key = (SELECT person_key FROM records "
                "WHERE id = ?)) OR (kind = 'group' AND key = (SELECT group_key FROM records "
                "WHERE id = ?))",
                [row.id, row.id],
            )
        elif row.kind == "school":
            found = self._all(
                sql + "kind = 'group' AND school = ? LIMIT ?",
                [row.name, _RELATED_LIMIT],
            )
        else:
            members = self._all("SELECT members FROM records WHERE id = ?", [row.id])[0][0]
            ids = [int(i) for i in (members or "").split(",") if i][:_RELATED_LIMIT]
            listed = {record_id: n for n, record_id in enumerate(ids)}
            found = sorted(  # in the order listed: the source's (ids are of versions)
                self._all(sql + f"id IN ({','.join('?' for _ in ids)})", ids) if ids else [],
                key=lambda values: listed[values[0]],
            )
        return [record_row(r) for r in found]

    def history(self, kind: str, key: str) -> list[HistoryEntry]:
        """The record on each of the last 60 runs that had it: each of its versions on every
        good night it held for, a held night's own rows on that night."""
        rows = self._all(
            """
            SELECT runs.id, runs.as_of, runs.state, r.status,
                   CASE WHEN r.run_id = runs.id THEN r.change
                        WHEN r.status = 'imported' THEN 'unchanged' ELSE 'none' END,
                   (SELECT group_concat(code, ' ') FROM findings f WHERE f.record_id = r.id)
            FROM records r JOIN runs
              ON runs.id BETWEEN r.run_id AND r.last_run
             AND (runs.state = 'good' OR runs.id = r.run_id AND r.last_run = r.run_id)
            WHERE runs.id >= (SELECT min(id) FROM (SELECT id FROM runs ORDER BY id DESC LIMIT 60))
              AND r.kind = ? AND r.key = ? ORDER BY runs.id DESC
            """,
            [kind, key],
        )
        return [
            HistoryEntry(rid, as_of, state, status, change, tuple((codes or "").split()))
            for rid, as_of, state, status, change, codes in rows
        ]

    def _check_all_read(self, run_id: int, read: int, kind: str | None, status: str | None) -> None:
        """A damaged page can end a table walk early without an error: count the run's records
        through the key index as well, so an export never ends short without saying so."""
        where = "".join(f" AND r.{c} = ?" for c, v in (("kind", kind), ("status", status)) if v)
        values = [v for v in (kind, status) if v]
        stored = self._all(
            f"SELECT count(*) FROM records r WHERE {self._during(run_id).holds()}{where}", values
        )[0][0]
        if read != stored:
            raise QueryError(
                f"the database is damaged: run {run_id} has {stored:,} records but only {read:,} "
                "could be read; restore it from a backup (check it with: sqlite3 FILE "
                "'PRAGMA integrity_check')"
            )

    # -- export -----------------------------------------------------------------------------

    def export_rows(self, run_id: int, **filters: str | None) -> Iterator[dict[str, str]]:
        """One row per finding (a record without findings: one row, empty code), per contract;
        the filters are those of `rows`, so a view and its export hold the same records (with a
        code, that code's findings, at `severity` if given).

        A whole run, or its memberships, is read in id order: walked in key order and sorted
        back, 1.1 M rows took 17 s, in id order 5 s.
        """
        view = RowFilter.of(filters)
        kind, code, severity, status = view.kind, view.code, view.severity, view.status
        change, text = view.change, view.text
        extra, params = self._record_filter(run_id, view)
        finding_filter = ("AND f.code = ?" if code else "") + (
            " AND f.severity = ?" if code and severity else ""
        )
        join = "JOIN" if code else "LEFT JOIN"
        sql = f"""
            SELECT r.run_id, r.kind, r.key, r.name, r.email, r.school, r.grp, r.status,
                   r.change, f.code, f.severity, f.message, f.root_kind, f.root_key, f.root_code,
                   coalesce(f.source_ref, r.source_ref), r.appears_on
            FROM {self._during(run_id).shown()} r {join} findings f
                 ON f.record_id = r.id {finding_filter}
            WHERE 1{extra} ORDER BY r.id, f.id
        """
        params = [*([code] if code else []), *([severity] if code and severity else []), *params]
        records, last = 0, None
        for values in self.db.execute(sql, params):
            records += values[2] != last
            last = values[2]
            yield {
                c: "" if v is None else str(v) for c, v in zip(EXPORT_COLUMNS, values, strict=True)
            }
        if not (code or change or text):
            self._check_all_read(run_id, records, kind, status)
        if kind in (None, "run", "file") and not (status or change or text):
            for values in self._all(
                "SELECT run_id, kind, key, code, severity, message, source_ref FROM findings "
                "WHERE run_id = ? AND record_id IS NULL"
                + (" AND code = ?" if code else "")
                + (" AND severity = ?" if code and severity else ""),
                [run_id, *([code] if code else []), *([severity] if code and severity else [])],
            ):
                rid, fkind, key, fcode, fseverity, message, ref = values
                if kind and fkind != kind:
                    continue
                row = dict.fromkeys(EXPORT_COLUMNS, "")
                row.update(
                    run_id=str(rid), kind=fkind, key=key, code=fcode, severity=fseverity,
                    message=message, source_ref=ref or "",
                )  # fmt: skip
                yield row


def _changed_fields(stored: str | None) -> tuple[tuple[str, str, str], ...]:
    """records.changes ({field: [before, after]}) as (field, before, after), in field order."""
    changes = json.loads(stored or "{}")
    return tuple((name, str(old), str(new)) for name, (old, new) in changes.items())


_MEMBERSHIP_ROLE = FIELD_NAMES["membership"].index("role")


def _role(fields: str) -> str:
    values = unpack(fields)
    return values[_MEMBERSHIP_ROLE] if len(values) > _MEMBERSHIP_ROLE else ""
