"""What the rules need to know of millions of memberships, kept small.

The evaluator walks the memberships more than once instead of holding them: a district of a
million persons sends ten million, and as objects they cost half a kilobyte each. Between the
walks it keeps only what the rules ask: which persons have a running group (STUDENT_NO_CLASS,
TEACHER_NO_GROUP), the few memberships that might give them one later, where each person's and
group's memberships sit in the night (the store's `members`), and which ids repeat.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from datetime import date
from typing import NamedTuple

from rostertui.domain.model import Membership
from rostertui.domain.verdict import Verdict

_BUCKETS = 256


class Candidate(NamedTuple):
    """A membership that is not both running and in an imported group: when a person has no
    running group, these say whether one is coming (a start date) or which group is blocked."""

    start: date | None
    end: date | None
    group: Verdict


class PersonLinks:
    """Per person: whether a running membership in an imported class / any group exists, and
    otherwise the candidates, in source order. A person with a running group keeps only her id
    in a set: the usual pupil costs a few dozen bytes however many groups she has."""

    def __init__(self) -> None:
        self.satisfied: dict[bool, set[str]] = {True: set(), False: set()}
        self.candidates: dict[bool, dict[str, list[Candidate]]] = {
            True: defaultdict(list),
            False: defaultdict(list),
        }

    def add(
        self, person_id: str, start: date | None, end: date | None, group: Verdict, running: bool
    ) -> None:
        """One membership of the person that is neither deleted nor ended, in its group."""
        in_class = group.record.type == "class"  # type: ignore[union-attr]
        for classes_only in (False, True) if in_class else (False,):
            satisfied = self.satisfied[classes_only]
            if person_id in satisfied:
                continue
            if running:
                satisfied.add(person_id)
                self.candidates[classes_only].pop(person_id, None)
            else:
                self.candidates[classes_only][person_id].append(Candidate(start, end, group))

    def running(self, person_id: str, classes_only: bool) -> bool:
        return person_id in self.satisfied[classes_only]

    def others(self, person_id: str, classes_only: bool) -> list[Candidate]:
        return self.candidates[classes_only].get(person_id, [])


class Positions:
    """Where each person's and group's memberships sit among the night's memberships (0, 1, …
    in the order they are judged): 4 bytes each, where a list of their ids cost 60."""

    def __init__(self) -> None:
        self.of_person: dict[str, array] = {}
        self.of_group: dict[str, array] = {}
        self.count = 0

    def add(self, membership: Membership) -> None:
        position = self.count
        for table, key in (
            (self.of_person, membership.person_id),
            (self.of_group, membership.group_id),
        ):
            found = table.get(key)
            if found is None:
                table[key] = array("I", (position,))
            else:
                found.append(position)
        self.count += 1

    def of(self, kind: str) -> dict[str, array]:
        return self.of_person if kind == "person" else self.of_group


class Repeats:
    """Which ids occur more than once among millions, without keeping the ids: each id's
    32-bit hash goes into one of 256 arrays, and only a hash seen twice makes its ids suspects.
    A walk then counts the suspects exactly (`Occurrences`); the rest are first and only. (Ten
    million ids share some 12,000 hashes by chance: those few are counted exactly too.)"""

    def __init__(self) -> None:
        self._buckets = [array("I") for _ in range(_BUCKETS)]
        self.suspects: frozenset[int] = frozenset()

    def add(self, record_id: str) -> None:
        digest = _digest(record_id)
        self._buckets[digest % _BUCKETS].append(digest)

    def settle(self) -> None:
        """Find the repeated hashes, then let the arrays go."""
        repeated: set[int] = set()
        for bucket in self._buckets:
            distinct = set(bucket)
            if len(distinct) != len(bucket):
                seen: set[int] = set()
                for digest in bucket:
                    if digest in seen:
                        repeated.add(digest)
                    seen.add(digest)
        self._buckets = []
        self.suspects = frozenset(repeated)

    def walk(self) -> Occurrences:
        return Occurrences(self.suspects)


def _digest(record_id: str) -> int:
    return hash(record_id) & 0xFFFFFFFF


class Occurrences:
    """One walk's count of each suspect id: 1 for the first row of an id, 2 for its repeat …,
    and where the first row was (the duplicate finding names it)."""

    def __init__(self, suspects: frozenset[int]) -> None:
        self.suspects = suspects
        self.counts: dict[str, int] = {}
        self.first: dict[str, Membership] = {}

    def count(self, membership: Membership) -> int:
        if not self.suspects or _digest(membership.id) not in self.suspects:
            return 1
        number = self.counts[membership.id] = self.counts.get(membership.id, 0) + 1
        self.first.setdefault(membership.id, membership)
        return number
