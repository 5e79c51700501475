"""Writing one night's records as versions: a good night writes only what changed.

A record's row is a version: it holds from the run it was first written in (`run_id`) to
`last_run` (OPEN while it is current). A good night looks up each record's current version by
key, a batch at a time, and writes a new version only when the checksum of what it holds
differs (fields, status, findings, members, the raw row …); the version it replaces, and every
current version tonight's source lacks, close at the run before. A first night and a held night
are written whole; a held night's rows hold for that night alone, so the good nights around it
read as they did.

Memberships are written first: a person's or group's row lists its memberships' record ids, and
an unchanged membership keeps the id of its current version. Each kind gets an id range of its
own, so a night's new rows still come in the order school, person, group, membership.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from rostertui.domain.describe import FIELD_NAMES, Describer, field_values
from rostertui.domain.identity import normalise_civic_no
from rostertui.domain.model import RECORD_KINDS, Person
from rostertui.domain.packing import UNIT, pack, unpack
from rostertui.domain.verdict import Evaluation, Verdict
from rostertui.store.rows import Statement, insert_rows
from rostertui.store.schema import OPEN

_BATCH = 20_000
_LOGIN_IDS = len(FIELD_NAMES["person"]) - 1
"""Where a person's login ids sit among its fields: last, added after the first schema (the
change compares older nights by that). They are also a column of their own, for search."""
assert FIELD_NAMES["person"][_LOGIN_IDS] == "login_ids"

_WRITE_ORDER = ("membership", "school", "person", "group")
_COLUMNS = (
    *("name", "email", "school", "grp", "status", "appears_on", "source_file", "source_line"),
    *("fields", "raw", "civic_hash", "members", "login_ids", "person_key", "group_key"),
)
"""What a version holds after its id, run, kind and key, as `_content` lists it. A membership
leaves name … grp NULL: shown records join them in from its person and group."""
_SOURCE_LINE = _COLUMNS.index("source_line")
_STATUS = _COLUMNS.index("status")
_FIELDS = _COLUMNS.index("fields")
_APPEARS = _COLUMNS.index("appears_on")
_RAW = _COLUMNS.index("raw")
_NO_FINDINGS: list[tuple] = []

Progress = Callable[[str, int], None]


@dataclass(slots=True)
class Tally:
    """The records whose version holds on from before, counted as they are compared (they are
    not written, so not counted where they are): per kind, by status and by change, and their
    findings by severity."""

    records: dict[str, Counter] = field(
        default_factory=lambda: {kind: Counter() for kind in RECORD_KINDS}
    )

    def count(self, kind: str, status: str, change: str, findings: list[tuple]) -> None:
        """One record, with its findings as stored (severity is their fourth value)."""
        counter = self.records[kind]
        counter["total"] += 1
        counter[status] += 1
        counter[change] += 1
        for finding in findings:
            counter[f"finding:{finding[3]}"] += 1


@dataclass(frozen=True, slots=True)
class _Prior:
    """A record's current version: what tonight's is compared with."""

    id: int
    checksum: int | None
    status: str


class _Compared(NamedTuple):
    """Tonight's record beside its current version: `same` when that version holds on."""

    verdict: Verdict
    content: tuple
    findings: list[tuple]
    prior: _Prior | None
    checksum: int
    same: bool
    forced: bool  # a protected person's withheld record, said removed


class NightWriter:
    """Writes one evaluation as run `run_id`'s records: `whole` (a first or a held night)
    writes every record, else only new versions. `previous` is the last good run."""

    def __init__(
        self,
        conn,
        run_id: int,
        evaluation: Evaluation,
        hasher: Callable[[str], str],
        *,
        previous: int | None,
        whole: bool,
        removed_withheld: frozenset[str] = frozenset(),
        progress: Progress | None = None,
    ) -> None:
        assert isinstance(run_id, int)
        self.conn = conn
        self.run_id = run_id
        self.evaluation = evaluation
        self.hasher = hasher
        self.previous = previous
        self.whole = whole
        self.progress = progress
        self.removed_withheld = removed_withheld
        """The withheld records of protected persons the last good night imported under their
        own ids: tonight's says removed (her removal must count, her id must not show)."""
        self.marked: set[str] = set()
        self.last_run = run_id if whole and previous is not None else OPEN
        self.tally = Tally()
        self.closing: list[int] = []  # current versions tonight replaces
        self.written: dict[str, range] = {}  # the ids of each kind's new rows
        first = (conn.execute("SELECT max(id) FROM records").fetchone()[0] or 0) + 1
        self.first_id = first
        self.seen = bytearray((first >> 3) + 1)  # current versions tonight still has
        self.describer = Describer(evaluation)

    def write(self) -> None:
        """Write every kind, memberships first; `written` holds each kind's new ids."""
        by_kind = self.evaluation.by_kind()
        ranges: dict[str, range] = {}
        start = self.first_id
        for kind in RECORD_KINDS:
            ranges[kind] = range(start, start + len(by_kind[kind]))  # type: ignore[arg-type]
            start = ranges[kind].stop
        wide = "I" if start < 2**32 else "q"  # 4 bytes a membership while ids allow
        members = array(wide, bytes(array(wide).itemsize * len(ranges["membership"])))
        for kind in _WRITE_ORDER:
            ids = ranges[kind]
            self.written[kind] = range(
                ids.start, self._write_kind(kind, by_kind[kind], ids, members)
            )

    def _members_of(self, members: array) -> Callable[[str, str], str | None]:
        positions = self.evaluation.positions

        def ids(kind: str, key: str) -> str | None:
            if kind not in ("person", "group"):
                return None
            found = positions.of(kind, key)
            return ",".join([str(members[p]) for p in found]) if found else None

        return ids

    def _write_kind(self, kind: str, verdicts: Iterable[Verdict], ids: range, members) -> int:
        """Write one kind's new versions in `ids`, in order; the first id left unused comes
        back."""
        members_of = self._members_of(members)
        next_id = ids.start
        batch: list[tuple[Verdict, tuple]] = []
        done = 0
        for verdict in verdicts:
            batch.append((verdict, self._content(verdict, members_of)))
            if len(batch) >= _BATCH:
                next_id = self._write_batch(kind, batch, next_id, members, done)
                done += len(batch)
                batch.clear()
                if self.progress:
                    self.progress(kind, done)
        next_id = self._write_batch(kind, batch, next_id, members, done)
        done += len(batch)
        if self.progress:
            self.progress(kind, done)
        assert next_id <= ids.stop
        return next_id

    def _content(self, verdict: Verdict, members_of) -> tuple:
        """A version's columns in `_COLUMNS` order."""
        record = verdict.record
        raw = record.raw if record is not None else None
        fields = field_values(verdict)
        appears = verdict.appears_on.isoformat() if verdict.appears_on else None
        origin, line, packed = (raw.origin, raw.line, raw.packed) if raw else (None, None, None)
        if verdict.kind == "membership":
            return (
                *(None, None, None, None, verdict.status, appears, origin, line),
                *(pack(fields), packed, None, None, None),
                record.person_id,  # type: ignore[union-attr]
                record.group_id,  # type: ignore[union-attr]
            )
        civic_hash = login_ids = None
        if isinstance(record, Person):
            login_ids = fields[_LOGIN_IDS]
            canonical = normalise_civic_no(record.civic_no) if record.civic_no else ""
            civic_hash = self.hasher(canonical) if canonical else None
        name, email, school, group = self.describer.display(verdict)
        return (
            *(name, email, school, group, verdict.status, appears, origin, line),
            *(pack(fields), packed, civic_hash, members_of(verdict.kind, verdict.key)),
            *(login_ids, None, None),
        )

    def _write_batch(self, kind, batch, next_id: int, members, done: int) -> int:
        """Compare a batch with the current versions of its keys, write what changed; the next
        free id comes back."""
        if not batch:
            return next_id
        priors = self._priors(kind, [verdict.key for verdict, _ in batch])
        checked = []
        for verdict, content in batch:
            findings = self._finding_rows(verdict) if verdict.findings else _NO_FINDINGS
            prior = priors.get(verdict.key)
            checksum = _checksum(kind, verdict.key, content, findings)
            if prior is not None:
                self._see(prior.id)
            forced = kind == "person" and verdict.key in self.removed_withheld
            same = (
                prior is not None and prior.checksum == checksum and not self.whole and not forced
            )
            checked.append(_Compared(verdict, content, findings, prior, checksum, same, forced))
        before = self._fields_of(
            [
                c.prior.id
                for c in checked
                if c.prior and not c.same and c.content[_STATUS] == "imported" == c.prior.status
            ]
        )
        rows: list[tuple] = []
        finding_rows: list[tuple] = []
        for position, (verdict, content, findings, prior, checksum, same, forced) in enumerate(
            checked, start=done
        ):
            if same:  # the version that holds tonight too: nothing to write
                self.tally.count(kind, verdict.status, _unchanged(verdict.status), findings)
                if kind == "membership":
                    members[position] = prior.id
                continue
            change, changes = self._change(kind, content, prior, before)
            if forced:
                change, changes = "removed", None
                self.marked.add(verdict.key)
            record_id = next_id
            next_id += 1
            if kind == "membership":
                members[position] = record_id
            if prior is not None and not self.whole:
                self.closing.append(prior.id)
            rows.append((record_id, verdict.key, *content, change, changes, checksum))
            finding_rows += [(record_id, *row) for row in findings]
        insert_rows(self.conn, self._insert_sql(kind), rows)
        insert_rows(self.conn, self._findings_sql(), finding_rows)
        return next_id

    def _insert_sql(self, kind: str) -> Statement:
        """The run, kind and last run are ours, not source text: written into the SQL once
        instead of being bound a million times."""
        assert kind in RECORD_KINDS
        columns = ", ".join(_COLUMNS)
        values = ", ".join(f"column{n}" for n in range(3, len(_COLUMNS) + 3))
        more = len(_COLUMNS) + 3
        return (
            f"INSERT INTO records (id, run_id, last_run, kind, key, {columns}, change, changes, "
            f"checksum) SELECT column1, {self.run_id}, {self.last_run}, '{kind}', column2, "
            f"{values}, column{more}, column{more + 1}, column{more + 2} FROM (",
            ")",
        )

    def _findings_sql(self) -> Statement:
        """New versions' findings hold as long as their records do (the run and last run are
        ours, written in once)."""
        return (
            "INSERT INTO findings (run_id, last_run, record_id, kind, key, code, severity, "
            "field, message, source_ref, cause_kind, cause_key, cause_code, root_kind, "
            f"root_key, root_code) SELECT {self.run_id}, {self.last_run}, * FROM (",
            ")",
        )

    def _priors(self, kind: str, keys: list[str]) -> dict[str, _Prior]:
        """The current versions of these keys (none on a first night).

        Each key's versions are walked newest first in the key index, and the walk stops at
        the first current one, usually the newest: a group that changed on most nights of a
        year has hundreds of versions, and reading each to find the current one made a night
        slower every night. (`+last_run` keeps SQLite on the key index.)"""
        if self.previous is None:
            return {}
        assert kind in RECORD_KINDS
        found = self.conn.execute(
            "SELECT o.key, o.id, o.checksum, o.status FROM json_each(?) AS asked "
            "JOIN records o ON o.id = (SELECT v.id FROM records v "
            f"WHERE v.kind = '{kind}' AND v.key = asked.value AND +v.last_run = {OPEN} "
            "ORDER BY v.run_id DESC LIMIT 1)",
            [json.dumps(sorted(keys))],  # in key order, the seeks walk the index forward
        )
        return {key: _Prior(rid, checksum, status) for key, rid, checksum, status in found}

    def _fields_of(self, ids: list[int]) -> dict[int, tuple[str, str | None]]:
        if not ids:
            return {}
        found = self.conn.execute(
            "SELECT id, fields, login_ids FROM records WHERE id IN "
            "(SELECT value FROM json_each(?))",
            [json.dumps(ids)],
        )
        return {rid: (fields, login_ids) for rid, fields, login_ids in found}

    def _change(self, kind, content, prior: _Prior | None, before) -> tuple[str, str | None]:
        """created / updated / unchanged / removed / none against the current version, and
        for an update what changed ({field: [old, new]}).

        A person written before login ids were kept (login_ids NULL) has fields that end before
        them, the last field: compared as if it had tonight's, so the upgrade alone updates
        nobody."""
        status = content[_STATUS]
        imported = status == "imported"
        if prior is None or (imported and prior.status != "imported"):
            return ("created" if imported else "none"), None
        if not imported:
            return ("removed" if prior.status == "imported" else "none"), None
        old, old_login_ids = before[prior.id]
        new = content[_FIELDS]
        differs = old != new
        if kind == "person" and old_login_ids is None:
            differs = differs and old + UNIT + content[_COLUMNS.index("login_ids")] != new
        if not differs:
            return "unchanged", None
        return "updated", json.dumps(_changed(kind, old, new), ensure_ascii=False)

    def _see(self, record_id: int) -> None:
        self.seen[record_id >> 3] |= 1 << (record_id & 7)

    def still_current(self, record_id: int) -> bool:
        """Whether tonight's source still has the record of this current version."""
        return bool(self.seen[record_id >> 3] & (1 << (record_id & 7)))

    def _finding_rows(self, verdict: Verdict) -> list[tuple]:
        """A verdict's findings as stored after their record id (the checksum covers them)."""
        record = verdict.record
        ref = record.raw.ref if record is not None and record.raw else ""
        rows = []
        for finding in verdict.findings:
            cause = finding.cause
            root = self.evaluation.ultimate(finding) if cause else None
            rows.append(
                (
                    *(verdict.kind, verdict.key, finding.code, finding.severity, finding.field),
                    *(finding.message, ref),
                    *((cause.kind, cause.key, cause.code) if cause else (None, None, None)),
                    *((root.kind, root.key, root.code) if root else (None, None, None)),
                )
            )
        return rows


def _unchanged(status: str) -> str:
    """The change of a record whose version holds on from the night before."""
    return "unchanged" if status == "imported" else "none"


def _checksum(kind: str, key: str, content: tuple, findings: list[tuple]) -> int:
    """64 bits of what a version holds, but its source line: a row added near the top of a
    file moves every row below it, and none of them changed. (Joined as text: a tuple's repr
    cost twice as much, a million times a night. A membership's names are NULL: its fields
    hold its person and group.)"""
    if kind == "membership":  # most of a night
        held = "\x1f".join(
            [str(content[_STATUS]), str(content[_APPEARS]), content[_FIELDS], str(content[_RAW])]
        )
    else:
        held = "\x1f".join(map(str, content[:_SOURCE_LINE] + content[_SOURCE_LINE + 1 :]))
    text = f"{key}\x1e{held}\x1e{findings!r}" if findings else f"{key}\x1e{held}"
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _changed(kind: str, old: str, new: str) -> dict[str, list[str]]:
    """Field name -> [old, new] for the fields that differ: "family_name: Berg → Öberg"."""
    names = FIELD_NAMES[kind]
    return {
        name: [before, after]
        for name, before, after in zip(names, unpack(old), unpack(new), strict=False)
        if before != after
    }
