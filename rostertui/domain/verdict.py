"""What the evaluator says of each record: one status, its findings, and their causes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Protocol

from rostertui.domain.model import FileFinding, Group, Membership, Person, School

if TYPE_CHECKING:
    from rostertui.domain.links import Positions

STATUSES = ("imported", "skipped", "excluded", "pending", "absent")

# A cascaded finding takes the status of the record it depends on, expressed as a severity.
SEVERITY_OF_STATUS = {"skipped": "error", "excluded": "exclude", "pending": "pending"}
# Most serious first, wherever findings are listed for a person to read.
SEVERITY_ORDER = {"error": 0, "exclude": 1, "pending": 2, "warning": 3}


@dataclass(frozen=True, slots=True)
class Cause:
    """Points at the finding that caused another: the link in a root-cause chain."""

    kind: str
    key: str
    code: str


@dataclass(slots=True)
class Finding:
    code: str
    severity: str  # error, warning, exclude or pending (a cascade already resolved)
    message: str
    field: str | None = None
    cause: Cause | None = None
    appears_on: date | None = None


@dataclass(slots=True)
class Verdict:
    kind: str
    key: str
    record: School | Person | Group | Membership | None  # None for a protected person
    status: str = "imported"
    findings: list[Finding] | tuple[()] = ()  # a shared empty tuple until the first finding
    appears_on: date | None = None

    def add(self, finding: Finding) -> None:
        """Most of a million records have no finding: they don't each carry an empty list."""
        if self.findings:
            self.findings.append(finding)  # type: ignore[union-attr]
        else:
            self.findings = [finding]

    def decide(self) -> None:
        """Exclusion beats a fault (left out on purpose), a fault beats waiting.

        Except a row the source garbled: an exclusion read from unreadable data can't be trusted.
        """
        if not self.findings:
            self.status = "imported"
            return
        severities = {f.severity for f in self.findings}
        unreadable = any(f.code == "SOURCE_ROW_MALFORMED" for f in self.findings)
        if "exclude" in severities and not unreadable:
            self.status = "excluded"
        elif "error" in severities:
            self.status = "skipped"
        elif "pending" in severities:
            self.status = "pending"
            self.appears_on = max(
                (f.appears_on for f in self.findings if f.appears_on), default=None
            )
        else:
            self.status = "imported"

    @property
    def deciding(self) -> Finding | None:
        """The finding that gave the record its status, which a cascade points back to."""
        wanted = SEVERITY_OF_STATUS.get(self.status)
        return next((f for f in self.findings if f.severity == wanted), None)

    @property
    def imported(self) -> bool:
        return self.status == "imported"


@dataclass(frozen=True, slots=True)
class KnownPersons:
    """The last good run's imported persons, by what identifies a human beyond the source id:
    a person who comes back under a new id would orphan the old account. Before the first good
    run the three are empty.

    `protected_ids` are the keyed hashes of every source id any earlier run withheld as a
    protected identity: a night whose file lacks such a person's row still withholds whatever
    refers to them."""

    ids: Known
    by_email: Lookup  # lower-cased e-mail -> person key
    by_civic_hash: Lookup  # keyed hash of the civic number -> person key
    protected_ids: frozenset[str] = frozenset()


class Known(Protocol):
    """Whether a key is among them, and whether there are any: a frozenset does, and so does
    the store's compact form of a million keys."""

    def __contains__(self, key: object, /) -> bool: ...

    def __len__(self) -> int: ...


class Lookup(Protocol):
    """A person's key by a value that identifies her: a dict does, and so does the store's."""

    def get(self, value: str, /) -> str | None: ...


class JudgedMemberships:
    """The night's membership verdicts, judged as they are walked (by the store as it writes)
    and let go: ten million verdicts held at once cost more than the rest of the night. Each
    walk judges them again, the same way; their number is known before the first."""

    def __init__(self, judge: Callable[[], Iterator[Verdict]], count: int) -> None:
        self._judge = judge
        self._count = count

    def __iter__(self) -> Iterator[Verdict]:
        return self._judge()

    def __len__(self) -> int:
        return self._count


@dataclass(slots=True)
class Evaluation:
    """Every record's verdict for one run, in source order per kind."""

    as_of: date
    schools: list[Verdict]
    groups: list[Verdict]
    persons: list[Verdict]
    memberships: Iterable[Verdict]  # a JudgedMemberships from evaluate(): walked, not held
    file_findings: list[FileFinding]
    index: dict[str, dict[str, Verdict]]
    """Schools, groups and persons by kind, then key: what a cause can point at. (Not one dict
    keyed by (kind, key): a million persons' tuples cost 160 MB.)"""
    positions: Positions
    """Where each person's and group's memberships sit among `memberships` (0, 1, …)."""
    protected_hashes: list[tuple[str, str]] = field(default_factory=list)
    """(keyed hash, what) of each value that identifies a person withheld as protected tonight:
    what is "id", "email", "civic_no" or "login_id". Kept so a later night and a search can
    recognise them without storing them."""

    def by_kind(self) -> dict[str, Iterable[Verdict]]:
        return {
            "school": self.schools,
            "person": self.persons,
            "group": self.groups,
            "membership": self.memberships,
        }

    def ultimate(self, finding: Finding) -> Cause | None:
        """Follow causes until a finding that has none of its own: the root to fix."""
        cause = finding.cause
        seen: set[Cause] = set()
        while cause is not None and cause not in seen:
            seen.add(cause)
            verdict = self.index.get(cause.kind, {}).get(cause.key)
            step = None
            if verdict is not None:
                step = next((f for f in verdict.findings if f.code == cause.code), None)
            if step is None or step.cause is None:
                return cause
            cause = step.cause
        return cause
