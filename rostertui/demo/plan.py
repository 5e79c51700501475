"""The fictional municipality's plan: its schools, classes, head counts and teaching groups.

Why a module of its own: everything about the population is decided before the first row is
written, from (people, seed) alone, so names and ids never depend on the as-of date. The plan is
also where the planted faults and the month's cast are placed, so it is the shared map the other
modules read: which pupil sits in which class, and which ids a class's groups have.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from math import ceil

from rostertui.demo.calendar import SchoolYear
from rostertui.demo.ids import class_sourced_id

MIN_PEOPLE = 500
"""Below this the fixed set of planted faults would no longer be a sprinkling."""

SUBJECTS: tuple[tuple[str, str, str], ...] = (
    ("Sv", "Svenska", "SVE"),
    ("Ma", "Matematik", "MA"),
    ("En", "Engelska", "ENG"),
    ("No", "Naturorienterande ämnen", "NO"),
    ("So", "Samhällsorienterande ämnen", "SO"),
    ("Idh", "Idrott och hälsa", "IDH"),
    ("Bl", "Bild", "BL"),
    ("Mu", "Musik", "MU"),
    ("Sl", "Slöjd", "SL"),
    ("Tk", "Teknik", "TK"),
    ("Hkk", "Hem- och konsumentkunskap", "HKK"),
    ("Bi", "Biologi", "BI"),
    ("Fy", "Fysik", "FY"),
    ("Ke", "Kemi", "KE"),
    ("Ge", "Geografi", "GE"),
    ("Hi", "Historia", "HI"),
    ("Re", "Religionskunskap", "RE"),
    ("Sh", "Samhällskunskap", "SH"),
    ("Ml", "Moderna språk", "M2"),
)
"""Teaching groups follow this order: pupils with fewer groups still get Sv, Ma and En."""

FIRST_SCHOOLS = (
    "Centralskolan",
    "Björkhagens skola",
    "Ängsskolan",
    "Åkerby skola",
    "Sjöstads gymnasium",
    "Ekbackens skola",
    "Lövångers skola",
    "Östra skolan",
)
_NAME_STEMS = ("Björk", "Ek", "Lind", "Gran", "Tall", "Asp", "Rönn", "Hassel", "Lönn", "Al")
_NAME_STEMS2 = ("Sälg", "Alm", "Ask", "Bok", "Lärk", "Sol", "Sjö", "Strand", "Berg", "Kvarn")
_PLACE_ENDINGS = ("backens", "dalens", "hagens", "vikens", "lundens", "åsens", "torpets", "ängens")
GYMNASIUM_PROGRAMMES = ("NA", "SA", "TE", "EK")

SCHOOLS_PER_PEOPLE = 1250  # one school unit per this many people, at least eight
CLASS_SIZE = 25
CENTRAL_WEIGHT = 3  # Centralskolan is the big school: three times the pupils per year group
TEACHER_SHARE = 0.09
STAFF_SHARE = 0.02
DEFAULT_GROUPS_PER_PUPIL = 4.0
EXTRA_PUPILS = 4  # three in the class named "9", one who has not started yet
SPECIAL_USERS = 4  # guardian, unknown role, teacher without groups, aide at the district only


@dataclass(frozen=True, slots=True)
class School:
    """One school unit; every eighth, from the fifth on, is a gymnasium."""

    index: int
    id: str
    name: str
    code: str
    gymnasium: bool


@dataclass(frozen=True, slots=True)
class Class:
    """One homeroom class; its teaching groups are the ids right after its own."""

    index: int
    school: int
    level: int  # 0 = förskoleklass, 1–9 grundskola, 10–12 gymnasium year 1–3
    title: str
    first_pupil: int  # global index of its first pupil
    size: int


@dataclass(frozen=True, slots=True)
class ExtraGroup:
    """A planted class or group that is not one of the regular per-class teaching groups."""

    id: str
    title: str
    school_id: str
    class_type: str
    level: int
    terms: str
    export: str
    subject: tuple[str, str] = ("", "")


@dataclass(slots=True)
class Plan:
    """Everything decided before the first user row is written."""

    schools: list[School]
    classes: list[Class]
    pupils: int  # regular pupils, seated in classes
    teachers_per_school: list[int]
    staff: int
    groups_per_pupil: float
    subjects_per_class: int
    person_faults: dict[int, str] = field(default_factory=dict)
    extra_enrolments: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)
    extra_groups: dict[str, ExtraGroup] = field(default_factory=dict)

    @property
    def block(self) -> int:
        """Ids per class: the homeroom and its teaching groups."""
        return 1 + self.subjects_per_class

    def homeroom_id(self, cls: Class) -> str:
        return class_sourced_id(cls.index * self.block + 1)

    def subject_id(self, cls: Class, subject: int) -> str:
        return class_sourced_id(cls.index * self.block + 2 + subject)

    def classes_of(self, school: int) -> list[Class]:
        return [c for c in self.classes if c.school == school]

    def first_class(self, school: int, level: int) -> Class:
        return next(c for c in self.classes if c.school == school and c.level == level)

    @property
    def nine_b(self) -> Class:
        """Centralskolan's 9B, whose "Till LMS" tick the story takes away."""
        return next(c for c in self.classes if c.school == 0 and c.title == "9B")

    def class_of(self, pupil: int) -> Class:
        return next(c for c in self.classes if c.first_pupil <= pupil < c.first_pupil + c.size)


def letter(index: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return letters[index] if index < 26 else f"{letters[index % 26]}{index // 26}"


def school_names(count: int) -> Iterator[str]:
    """The eight named schools, then tree-and-place names; numbered once those run out."""
    yield from FIRST_SCHOOLS[:count]
    used = set(FIRST_SCHOOLS)
    stems = [f"{stem}{end}" for stem in _NAME_STEMS + _NAME_STEMS2 for end in _PLACE_ENDINGS]
    produced = len(FIRST_SCHOOLS)
    round_no = 1
    while produced < count:
        for stem in stems:
            if produced >= count:
                return
            kind = "gymnasium" if produced % 8 == 4 else "skola"
            name = f"{stem} {kind}" + (f" {round_no}" if round_no > 1 else "")
            if name in used:
                continue
            used.add(name)
            produced += 1
            yield name
        round_no += 1


def plan_schools(people: int, rng: random.Random) -> list[School]:
    count = max(len(FIRST_SCHOOLS), round(people / SCHOOLS_PER_PEOPLE))
    codes = rng.sample(range(10_000_000, 100_000_000), count)
    return [
        School(i, f"sch-{i + 1:03d}", name, str(codes[i]), i % 8 == 4)
        for i, name in enumerate(school_names(count))
    ]


def spread(total: int, weights: list[int]) -> list[int]:
    """Split total into integer parts proportional to weights, summing exactly to total."""
    whole = sum(weights)
    parts: list[int] = []
    running = 0
    given = 0
    for weight in weights:
        running += weight
        share = round(total * running / whole) - given
        parts.append(share)
        given += share
    return parts


def plan_classes(schools: list[School], pupils: int, start_year: int) -> list[Class]:
    """Year groups (tracks) get pupils in proportion; each track splits into ~25-pupil classes."""
    tracks: list[tuple[int, int, str]] = []  # (school, level, programme)
    for school in schools:
        if school.gymnasium:
            tracks += [(school.index, lv, p) for lv in (10, 11, 12) for p in GYMNASIUM_PROGRAMMES]
        else:
            tracks += [(school.index, level, "") for level in range(10)]
    weights = [CENTRAL_WEIGHT if school == 0 else 1 for school, _, _ in tracks]
    classes: list[Class] = []
    first = 0
    for (school, level, programme), size in zip(tracks, spread(pupils, weights), strict=True):
        parallels = max(1, round(size / CLASS_SIZE))
        if school == 0:
            parallels = max(3, parallels)  # Centralskolan must have a 9B
        parallels = min(parallels, size)
        for parallel, class_size in enumerate(spread(size, [1] * parallels)):
            if programme:
                entry_year = (start_year - (level - 10)) % 100
                title = f"{programme}{entry_year:02d}{letter(parallel).lower()}"
            else:
                title = f"{'F' if level == 0 else level}{letter(parallel)}"
            classes.append(Class(len(classes), school, level, title, first, class_size))
            first += class_size
    return classes


def groups_per_pupil(
    memberships_per_person: int | None, people: int, pupils: int, classes: int
) -> float:
    """Solve pupils·(1+g) + classes·(⌈g⌉+1) ≈ target (teachers: one per group plus a mentor)."""
    if memberships_per_person is None:
        return DEFAULT_GROUPS_PER_PUPIL
    target = memberships_per_person * people
    groups = DEFAULT_GROUPS_PER_PUPIL
    for _ in range(4):
        groups = (target - pupils - classes * (ceil(groups) + 1)) / pupils
        groups = min(max(groups, 2.0), float(len(SUBJECTS)))
    return groups


def make_plan(
    people: int, rng: random.Random, memberships_per_person: int | None, year: SchoolYear
) -> Plan:
    """Head counts, schools and classes; teachers per school follow its number of groups."""
    schools = plan_schools(people, rng)
    teachers = round(people * TEACHER_SHARE)
    staff = max(2, round(people * STAFF_SHARE))
    pupils = people - len(schools) - teachers - staff - EXTRA_PUPILS - SPECIAL_USERS
    classes = plan_classes(schools, pupils, year.start_year)
    groups = groups_per_pupil(memberships_per_person, people, pupils, len(classes))
    subjects = ceil(groups)
    group_counts = [subjects * sum(1 for c in classes if c.school == s.index) for s in schools]
    extra = spread(teachers - len(schools), group_counts)
    return Plan(
        schools=schools,
        classes=classes,
        pupils=pupils,
        teachers_per_school=[1 + n for n in extra],
        staff=staff,
        groups_per_pupil=groups,
        subjects_per_class=subjects,
    )


# ----------------------------------------------------------------------------------- writing
