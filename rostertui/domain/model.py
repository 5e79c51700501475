"""The canonical roster every source normalises into.

Records keep their raw source row (as values beside a shared header) and its location, because
"show me what the registry actually sent" is half of every support answer. Dates are inclusive
on both ends: sources convert exclusive OneRoster end dates before they get here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from rostertui.domain.identity import mask_civic_no, mask_civic_nos_in
from rostertui.domain.packing import pack, unpack

WITHHELD = "(withheld)"
"""What stands where a protected person's id or name was."""

Kind = str
"""One of "school", "person", "group", "membership" (plus "run" and "file" for findings)."""

RECORD_KINDS: tuple[Kind, ...] = ("school", "person", "group", "membership")
KIND_LABELS: dict[Kind, str] = {
    "school": "Schools",
    "person": "Users",
    "group": "Groups",
    "membership": "Memberships",
}


class SourceRow:
    """A source row as sent: its header, its values packed into one string (domain/packing.py),
    the file or URL it came from and its line. `RawRow` holds them; a source may keep a
    million of them more compactly (sources/spool.py) and answer the same questions."""

    __slots__ = ()
    header: tuple[str, ...]
    packed: str
    origin: str  # "users.csv" or a URL
    line: int

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(unpack(self.packed))

    def without(self, ids: Iterable[str]) -> RawRow:
        """The row with these ids cut out of every value: another person's row that names a
        protected person (a guardian's agentSourcedIds) must not store her id."""
        values = list(self.values)
        for person_id in ids:
            values = [value.replace(person_id, WITHHELD) for value in values]
        return RawRow(self.header, pack(values), self.origin, self.line)

    @property
    def ref(self) -> str:
        return f"{self.origin}:{self.line}" if self.line else self.origin

    def as_dict(self) -> dict[str, str]:
        return dict(zip(self.header, self.values, strict=False))


@dataclass(slots=True)
class RawRow(SourceRow):
    """A source row, held whole. The header and origin are shared by every row of one file,
    the line is kept as a number and the values as one packed string, the form the store
    keeps: a million rows cost one string each, not ten, and are packed only once.
    (Not frozen: a frozen dataclass costs half a microsecond more to build, a second a night.)"""

    header: tuple[str, ...]
    packed: str
    origin: str  # "users.csv" or a URL
    line: int = 0

    @classmethod
    def of(
        cls,
        header: tuple[str, ...],
        values: Sequence[str],
        origin: str,
        line: int = 0,
        *,
        masked: str | None = None,
        may_hold_civic_no: tuple[str, ...] = (),
    ) -> RawRow:
        """The row packed; `masked` names a civic-number column, whose clear number must never
        be stored; in the `may_hold_civic_no` columns any number shaped like one is masked."""
        if masked is not None or may_hold_civic_no:
            values = list(values)
            _mask(header, values, masked, mask_civic_no)
            for column in may_hold_civic_no:
                _mask(header, values, column, mask_civic_nos_in)
        return cls(header, pack(values), origin, line)


def _mask(header: tuple[str, ...], values: list[str], column: str | None, mask) -> None:
    """Mask `column`'s value in place, when the row has it and it is not empty."""
    if column is not None and column in header:
        position = header.index(column)
        if position < len(values) and values[position]:
            values[position] = mask(values[position])


@dataclass(slots=True)
class SourceIssue:
    """A defect the reader saw in one row (malformed, non-standard value, bad reference)."""

    code: str
    message: str
    field: str | None = None


@dataclass(slots=True)
class FileFinding:
    """A defect that belongs to a file or the whole run rather than to one record."""

    code: str
    kind: Kind  # "file" or "run"
    key: str  # file name or run id ("" for a run finding made before the run has an id)
    message: str
    ref: str = ""
    refers_to: tuple[str, ...] = ()
    """The person ids the message names: one who has a protected identity withholds it."""


@dataclass(slots=True)
class Placement:
    """An Enrolment (a pupil at a school) or a Duty (staff at a school); the role says which.

    The id is whatever org the source named: whether it is a known school is the evaluator's call.
    """

    school_id: str
    start: date | None = None
    end: date | None = None


@dataclass(slots=True)
class School:
    """An organisation. `type` is "school" for a school unit; any other organisation the
    source sends (a district, a Huvudman, a Skola …) keeps its own type word and is a record
    too, so nothing the source sent disappears."""

    id: str
    name: str
    type: str = "school"
    parent: str = ""
    code: str = ""
    start: date | None = None
    end: date | None = None
    deleted: bool = False
    raw: SourceRow | None = None
    issues: tuple[SourceIssue, ...] = ()


@dataclass(slots=True)
class Person:
    id: str
    given_name: str
    family_name: str
    email: str
    role: str
    placements: list[Placement] = field(default_factory=list)
    civic_no: str = ""
    protected_marking: str = ""
    inactive_reason: str = ""  # empty = active; else why the source says inactive
    login_ids: tuple[str, ...] = ()
    """What the platform logs the person in with (SS 12000 eduPersonPrincipalNames, OneRoster
    username / userIds / identifier): what a ticket often quotes instead of a name."""
    raw: SourceRow | None = None
    issues: tuple[SourceIssue, ...] = ()
    refers_to: tuple[str, ...] = ()
    """The other persons this row names (OneRoster agentSourcedIds, SS 12000 responsibles): a
    protected one's id is cut out of the raw row before it is stored."""

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass(slots=True)
class Group:
    id: str
    name: str
    type: str  # "class", "teaching group" or the source's own word
    school_id: str
    start: date | None = None
    end: date | None = None
    school_year: str = ""
    export_flag: str | None = None  # None = the source carries no flag
    deleted: bool = False
    raw: SourceRow | None = None
    issues: tuple[SourceIssue, ...] = ()


@dataclass(slots=True)
class Membership:
    id: str  # the source's id, else "person_id/group_id"
    person_id: str
    group_id: str
    role: str
    start: date | None = None
    end: date | None = None
    deleted: bool = False
    person_ref: str = ""
    """How the source named the person when not by a person id (an SS 12000 activity names a
    teacher's duty): what a "not in the source" message must quote."""
    raw: SourceRow | None = None
    issues: tuple[SourceIssue, ...] = ()


@dataclass(slots=True)
class Capabilities:
    """Which rules the source format carries data for ("rules need data")."""

    dates: bool = True
    teacher_links: bool = True
    memberships: bool = True
    school_year: bool = False
    export_flag: bool = False
    roles: frozenset[str] | None = None  # the only roles the format can carry; None = any


class Memberships(Protocol):
    """What a source fills and the evaluator walks: memberships appended in source order,
    their number, and walks over them as often as asked. A list does; so does a source's
    packed store of ten million (sources/spool.py)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Membership]: ...

    def append(self, membership: Membership, /) -> None: ...


@dataclass(slots=True)
class Roster:
    """Everything one source said, in source order (duplicates included)."""

    source: str
    format: str
    schools: list[School] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    memberships: Memberships = field(default_factory=list)
    file_findings: list[FileFinding] = field(default_factory=list)
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    capabilities: Capabilities = field(default_factory=Capabilities)
    as_of_hint: date | None = None  # a sheet's file-name date
    delta_kinds: frozenset[Kind] = frozenset()  # kinds whose file was a delta


class SourceError(Exception):
    """The source cannot be read as a roster at all: the run fails with this finding."""

    def __init__(self, code: str, message: str, ref: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref
