"""What the query layer answers with: runs, summaries, rows and one record's detail, as plain
data for the CLI and the console to render; and the row columns they are read with."""

from __future__ import annotations

from dataclasses import dataclass, field


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
class Night:
    """One run with its totals over every import type (all 0 for a night that failed before
    it judged anything): what the run picker and the error trend show."""

    run: RunInfo
    imported: int
    not_imported: int  # skipped, excluded or pending
    created: int
    updated: int
    removed: int
    errors: int

    @property
    def judged(self) -> bool:
        """Whether the night judged any record (one that failed on reading judged none)."""
        return self.imported + self.not_imported > 0


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
    role: str = ""  # a person's role, as the source gives it
    classes: str = ""  # a pupil's class groups, by name ("9B, 9C"); "" when she has none
    line_run: int | None = None
    """The run whose file the source line is of: the night this version of the record came in
    (a record unchanged since keeps its line, though rows added or removed above move it)."""

    @property
    def source_place(self) -> str:
        """Where the row is in the source, and of which night when not this one's."""
        ref = self.row.source_ref
        if ref and self.line_run is not None and self.line_run != self.run.id:
            return f"{ref} (line as of run {self.line_run})"
        return ref

    @property
    def timeline(self) -> Timeline:
        return _timeline(self.history)

    @property
    def withheld(self) -> bool:
        return self.row.key.startswith("protected:")


@dataclass(frozen=True, slots=True)
class RowFilter:
    """Which records a view lists: what its rows, their count and their export all take, so
    the three hold the same records. Each filter left None (or "") takes every record."""

    kind: str | None = None
    code: str | None = None
    severity: str | None = None  # with a code: only its findings of this severity
    status: str | None = None
    change: str | None = None
    text: str = ""

    @classmethod
    def of(cls, filters: dict[str, str | None]) -> RowFilter:
        """The filters a caller named; an unknown one is a TypeError naming it."""
        return cls(**filters)  # type: ignore[arg-type]


ROW_COLUMNS = "id, kind, key, name, email, school, grp, status, change, appears_on, source_ref"
ROW_COLUMNS_OF = {  # the same columns, qualified, for queries that join
    alias: ", ".join(f"{alias}.{c.strip()}" for c in ROW_COLUMNS.split(",")) for alias in "rs"
}


def record_row(values: tuple) -> RecordRow:
    return RecordRow(*values)


def stored_login_ids(stored: str | None) -> tuple[str, ...]:
    """The login ids column holds the person's login_ids field as written ("a, b"); NULL
    before they were kept."""
    return tuple(stored.split(", ")) if stored else ()


@dataclass(frozen=True, slots=True)
class Departure:
    """A record imported on a recent night and not any more: when that changed."""

    removed_on: str  # as-of of the night it stopped being imported
    removed_run: int
    last_imported_run: int
    held: bool = False  # the removing night is held: nothing has been removed yet

    def __str__(self) -> str:
        verb = "would be removed" if self.held else "removed"
        return f"{verb} {self.removed_on}, last imported run {self.last_imported_run}"


@dataclass(frozen=True, slots=True)
class SearchHit:
    row: RecordRow
    run_id: int  # the night the row is from: the one searched, or the last that had it
    placement: str  # a pupil's class, else a person's role; empty for groups and schools
    departure: Departure | None = None


@dataclass(frozen=True, slots=True)
class Withheld:
    """A protected person's keyed hash matched the query: that is all that may be said."""

    last_run: int  # the latest run that saw her


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A search's whole answer: never a silently cut list."""

    hits: list[SearchHit]  # this night's matches, exact ones first, up to the limit
    total: int  # all of this night's matches
    gone: list[SearchHit] = field(default_factory=list)  # imported lately, now not in source
    withheld: Withheld | None = None
    unkeyed: bool = False  # no key file: protected persons and personnummer cannot be matched

    @property
    def found(self) -> bool:
        return bool(self.hits) or self.withheld is not None

    @property
    def rows(self) -> list[RecordRow]:
        return [hit.row for hit in self.hits]
