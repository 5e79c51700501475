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
from collections.abc import Callable
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
    otherwise the candidates, in source order. A person with a running group keeps only a
    small number beside her id (a bit for any group, a bit for a class): the usual pupil costs
    a few dozen bytes however many groups she has, and one table of a million ids, not two."""

    _BIT = {False: 1, True: 2}  # classes_only → the bit that says she has a running one

    def __init__(self) -> None:
        self.satisfied: dict[str, int] = {}
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
            bit, held = self._BIT[classes_only], self.satisfied.get(person_id, 0)
            if held & bit:
                continue
            if running:
                self.satisfied[person_id] = held | bit
                self.candidates[classes_only].pop(person_id, None)
            else:
                self.candidates[classes_only][person_id].append(Candidate(start, end, group))

    def running(self, person_id: str, classes_only: bool) -> bool:
        return bool(self.satisfied.get(person_id, 0) & self._BIT[classes_only])

    def others(self, person_id: str, classes_only: bool) -> list[Candidate]:
        return self.candidates[classes_only].get(person_id, [])


class Positions:
    """Where each person's and group's memberships sit among the night's memberships (0, 1, …
    in the order they are judged), as a chain through two arrays: each key holds its latest
    position, each position the one before it of the same person (and of the same group), or
    `_END`. Eight bytes a membership and one number a key, where an array per key cost over a
    hundred bytes more (140 MB at a million persons)."""

    _END = 0xFFFFFFFF

    def __init__(self) -> None:
        self.last: dict[str, dict[str, int]] = {"person": {}, "group": {}}
        self.before: dict[str, array] = {"person": array("I"), "group": array("I")}
        self.count = 0

    def add(self, membership: Membership) -> None:
        position, end = self.count, self._END
        for kind, key in (("person", membership.person_id), ("group", membership.group_id)):
            last = self.last[kind]
            self.before[kind].append(last.get(key, end))
            last[key] = position
        self.count += 1

    def of(self, kind: str, key: str) -> list[int]:
        """The positions of a person's or group's memberships, in order ([] when none)."""
        before, end = self.before[kind], self._END
        found = []
        position = self.last[kind].get(key, end)
        while position != end:
            found.append(position)
            position = before[position]
        found.reverse()
        return found


class ActiveMembers:
    """Per group, the first few persons with a running membership in it, and the first few
    teachers. Once persons are judged, one imported person among them settles that the group
    has members (GROUP_NO_MEMBERS) or a teacher (GROUP_NO_TEACHER), and a group with fewer than
    that many, none imported, has none: only a group whose first few are all left out needs
    its memberships walked again to know."""

    KEPT = 3

    def __init__(self) -> None:
        # tuples: a list keeps room to grow, a third more for a few hundred thousand groups
        self.members: dict[str, tuple[str, ...]] = {}
        self.teachers: dict[str, tuple[str, ...]] = {}

    def add(self, group_id: str, person_id: str, teacher: bool) -> None:
        for table in (self.members, self.teachers) if teacher else (self.members,):
            persons = table.get(group_id, ())
            if len(persons) < self.KEPT:
                table[group_id] = (*persons, person_id)

    def settle(
        self, imported: Callable[[str], bool], asked: Callable[[str], bool]
    ) -> tuple[set[str], set[str]] | None:
        """The groups with an imported member and with an imported teacher, among those
        `asked` about (the imported groups: only they are warned); None when such a group's
        first few cannot tell. A teacher is a member too: a class not exported leaves its
        teaching groups with skipped pupils, and their teacher settles them."""
        with_members: set[str] = set()
        with_teacher: set[str] = set()
        for group_id in self.members.keys() | self.teachers.keys():
            if not asked(group_id):
                continue
            teachers = self.teachers.get(group_id, ())
            if any(map(imported, teachers)):
                with_teacher.add(group_id)
                with_members.add(group_id)
            elif len(teachers) == self.KEPT:
                return None
            if group_id in with_members:
                continue
            members = self.members.get(group_id, ())
            if any(map(imported, members)):
                with_members.add(group_id)
            elif len(members) == self.KEPT:
                return None
        return with_members, with_teacher


class Repeats:
    """Which ids (or e-mails) occur more than once among millions, without keeping them: each id's
    64-bit hash goes into one of 256 arrays, and only a hash seen twice makes its ids suspects.
    A walk then counts the suspects exactly (`Occurrences`); the rest are first and only. No
    suspect at all means no id repeats: the usual night (ten million ids share a 64-bit hash
    once in some 370,000 nights, and then they are only counted exactly)."""

    def __init__(self) -> None:
        self._buckets = [array("q") for _ in range(_BUCKETS)]
        self.suspects: frozenset[int] = frozenset()

    def add(self, record_id: str) -> None:
        digest = hash(record_id)
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


class Occurrences:
    """One walk's count of each suspect id: 1 for the first row of an id, 2 for its repeat …,
    and where the first row was (the duplicate finding names it)."""

    def __init__(self, suspects: frozenset[int]) -> None:
        self.suspects = suspects
        self.counts: dict[str, int] = {}
        self.first: dict[str, Membership] = {}

    def count(self, membership: Membership) -> int:
        if not self.suspects or hash(membership.id) not in self.suspects:
            return 1
        number = self.counts[membership.id] = self.counts.get(membership.id, 0) + 1
        self.first.setdefault(membership.id, membership)
        return number
