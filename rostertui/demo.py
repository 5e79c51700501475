"""The demo municipality, Sjöstads kommun, written as a OneRoster 1.1 bulk CSV bundle.

Why it exists: the console only convinces on data that looks like a real night — thousands of
ordinary, clean pupils and teachers and a handful of the faults support really sees — and the
benchmark needs the same shape at 100 000 people. So the generator streams rows straight to the
CSV files (only per-class numbers stay in memory) and plants a fixed set of faults that does not
grow with the population: "12 problems among 100 000 people" is the realistic picture.

Names and ids depend only on (seed, people). The as-of date moves dates, and the registry's
calendar adds what really happens between two days (every week a pupil moves away and one joins,
every other week a pupil leaves a group, new teaching groups appear on fixed dates), so bundles
for consecutive nights diff to exactly those events and nothing else. Every planted fault is
recorded in `DemoBundle.planted` under its catalogue code, so tests and the demo script can check
that the engine finds exactly what was put there.

`write_demo_month` writes a month of nights with that calendar plus the undated events a support
desk meets: a teacher changes name, a pupil is re-registered under a new id, two e-mail faults
get fixed, class 9B loses its "Till LMS" tick for a week, and one night's export is truncated.
The rows are generated once, as a superset of every night, and each night is a view of them
(`_View`), so a month costs little more than writing its files. `write_demo_bundle` streams the
same rows through the last night's view: it is always the month's last night, so Anna Svensson's
class 9B is unticked again there and "why is Anna missing?" keeps its answer.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from math import ceil, floor
from pathlib import Path
from typing import Any

from rostertui.domain.policy import parse_policy

__all__ = ["MIN_PEOPLE", "DemoBundle", "DemoNight", "write_demo_bundle", "write_demo_month"]

MIN_PEOPLE = 500
"""Below this the fixed set of planted faults would no longer be a sprinkling."""

DOMAIN = "edu.sjostad.se"
DISTRICT_ID = "dist-sjostad"
DISTRICT_NAME = "Sjöstads kommun"

_HEADER_LINES = {
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "academicSessions.csv": (
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear"
    ),
    "classes.csv": (
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
        "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods,metadata.tillLMS"
    ),
    "users.csv": (
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
        "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
        "password,metadata.civicNo,metadata.securityMarking"
    ),
    "enrollments.csv": (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
        "primary,beginDate,endDate"
    ),
}
HEADERS: dict[str, tuple[str, ...]] = {
    name: tuple(line.split(",")) for name, line in _HEADER_LINES.items()
}
"""OneRoster 1.1 headers in spec order, our extension columns to the right."""

MANIFEST: tuple[tuple[str, str], ...] = (
    ("manifest.version", "1.0"),
    ("oneroster.version", "1.1"),
    ("file.academicSessions", "bulk"),
    ("file.categories", "absent"),
    ("file.classes", "bulk"),
    ("file.classResources", "absent"),
    ("file.courses", "absent"),
    ("file.courseResources", "absent"),
    ("file.demographics", "absent"),
    ("file.enrollments", "bulk"),
    ("file.lineItems", "absent"),
    ("file.orgs", "bulk"),
    ("file.resources", "absent"),
    ("file.results", "absent"),
    ("file.users", "bulk"),
    ("source.systemName", "Sjöstads elevregister (demo)"),
    ("source.systemCode", "sjostad-demo"),
)

POLICY_TOML = """\
# Policy for the Sjöstad demo: e-mail required, pupils need a class, teachers need a group.
require_email = true
email_domains = ["edu.sjostad.se"]
student_requires_class = true
teacher_requires_group = true
group_export_flag = "metadata.tillLMS"
protected_identity_field = "metadata.securityMarking"
civic_no_field = "metadata.civicNo"
class_name_pattern = '^(?!\\s*(åk|ak|year|grade|klass)?\\s*\\d{1,2}\\s*$)'
"""

PLANTED_CODES: tuple[str, ...] = (
    "PERSON_DUPLICATE_ID",
    "PERSON_MISSING_GIVEN_NAME",
    "PERSON_MISSING_FAMILY_NAME",
    "PERSON_MISSING_EMAIL",
    "PERSON_INVALID_EMAIL",
    "PERSON_DUPLICATE_EMAIL",
    "PERSON_UNKNOWN_ROLE",
    "PERSON_ROLE_NOT_IMPORTED",
    "PERSON_PROTECTED_IDENTITY",
    "PERSON_INACTIVE",
    "PERSON_INVALID_CIVIC_NO",
    "PERSON_ID_CHANGED",
    "PERSON_NO_SCHOOL",
    "STUDENT_ENROLMENT_NOT_STARTED",
    "STUDENT_NO_CLASS",
    "TEACHER_NO_GROUP",
    "GROUP_UNKNOWN_SCHOOL",
    "GROUP_NOT_STARTED",
    "GROUP_ENDED",
    "GROUP_WRONG_ACADEMIC_YEAR",
    "GROUP_NOT_EXPORTED",
    "GROUP_CLASS_NAME_NOT_SPECIFIC",
    "GROUP_NO_TEACHER",
    "GROUP_NO_MEMBERS",
    "MEMBERSHIP_UNKNOWN_PERSON",
    "MEMBERSHIP_UNKNOWN_GROUP",
    "MEMBERSHIP_NOT_STARTED",
    "MEMBERSHIP_ENDED",
)
"""Catalogue order; SCHOOL_INACTIVE is missing because 1.1 orgs carry no dates."""

GIVEN_NAMES: tuple[str, ...] = (
    *("Anna", "Åsa", "Björn", "Märta", "Göran", "Linnéa", "Östen", "Erik", "Sara", "Lars"),
    *("Karin", "Maja", "Elsa", "Astrid", "Alice", "Olivia", "Ebba", "Wilma", "Saga", "Alma"),
    *("Selma", "Ella", "Freja", "Agnes", "Signe", "Tyra", "Ines", "Stella", "Vera", "Ida"),
    *("Klara", "Elin", "Hanna", "Julia", "Emma", "Lova", "Nellie", "Liam", "Noah", "William"),
    *("Hugo", "Lucas", "Oliver", "Elias", "Oscar", "Adam", "Axel", "Viktor", "Ludvig", "Nils"),
    *("Vincent", "Theo", "Olle", "Sixten", "Melvin", "Måns", "Åke", "Jöns", "Gösta", "Bengt"),
    *("Ingrid", "Birgitta", "Ulla", "Kerstin", "Lena", "Håkan", "Jörgen", "Per", "Mats"),
    *("Anders", "Johan", "Mikael", "Fredrik", "Sofia", "Malin", "Jenny", "André", "Renée"),
)
FAMILY_NAMES: tuple[str, ...] = (
    *("Svensson", "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson"),
    *("Olsson", "Persson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson"),
    *("Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson"),
    *("Lindqvist", "Lindgren", "Axelsson", "Berg", "Bergström", "Lundberg", "Lind", "Lundgren"),
    *("Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg"),
    *("Sjöberg", "Wallin", "Engström", "Eklund", "Danielsson", "Håkansson", "Lundin", "Björk"),
    *("Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson"),
    *("Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg", "Blomqvist"),
    *("Åberg", "Öberg", "Häggström", "Ström", "Åström", "Sjögren", "Ågren", "Söderström"),
    *("Hägglund", "Östlund", "Grönlund", "Björklund", "Näslund", "Lövgren", "Claesson"),
)

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

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u", " ": ""})
_MMDD = tuple(
    f"{d.month:02d}{d.day:02d}"
    for d in (date(2001, 1, 1) + timedelta(days=offset) for offset in range(365))
)


@dataclass(frozen=True)
class DemoBundle:
    """Where the demo was written and what was planted in it, for tests and the demo script."""

    folder: Path
    policy_path: Path
    as_of: date
    planted: dict[str, list[str]]
    anna_id: str
    cast: dict[str, str] = field(default_factory=dict)  # who the month's events happen to


@dataclass(frozen=True, slots=True)
class _SchoolYear:
    """The academic year (07-01 … 06-30) with the HT and VT terms the groups run on."""

    start_year: int

    @classmethod
    def containing(cls, day: date) -> _SchoolYear:
        return cls(day.year if day.month >= 7 else day.year - 1)

    def previous(self) -> _SchoolYear:
        return _SchoolYear(self.start_year - 1)

    @property
    def label(self) -> str:
        """OneRoster's schoolYear is the year the school year ends in."""
        return str(self.start_year + 1)

    @property
    def title(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.start_year, 7, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 6, 30)

    @property
    def ht_start(self) -> date:
        return date(self.start_year, 8, 17)

    @property
    def ht_end(self) -> date:
        return date(self.start_year, 12, 20)

    @property
    def vt_start(self) -> date:
        return date(self.start_year + 1, 1, 8)

    @property
    def vt_end(self) -> date:
        return date(self.start_year + 1, 6, 12)

    @property
    def session_id(self) -> str:
        return f"as-{self.label}"

    @property
    def term_ids(self) -> str:
        return f"as-{self.label}-ht,as-{self.label}-vt"


@dataclass(frozen=True, slots=True)
class _School:
    index: int
    id: str
    name: str
    code: str
    gymnasium: bool


@dataclass(frozen=True, slots=True)
class _Class:
    """One homeroom class; its teaching groups are the ids right after its own."""

    index: int
    school: int
    level: int  # 0 = förskoleklass, 1–9 grundskola, 10–12 gymnasium year 1–3
    title: str
    first_pupil: int  # global index of its first pupil
    size: int


@dataclass(frozen=True, slots=True)
class _ExtraGroup:
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
class _Plan:
    """Everything decided before the first user row is written."""

    schools: list[_School]
    classes: list[_Class]
    pupils: int  # regular pupils, seated in classes
    teachers_per_school: list[int]
    staff: int
    groups_per_pupil: float
    subjects_per_class: int
    person_faults: dict[int, str] = field(default_factory=dict)
    extra_enrolments: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)
    extra_groups: dict[str, _ExtraGroup] = field(default_factory=dict)

    @property
    def block(self) -> int:
        """Ids per class: the homeroom and its teaching groups."""
        return 1 + self.subjects_per_class

    def homeroom_id(self, cls: _Class) -> str:
        return _class_id(cls.index * self.block + 1)

    def subject_id(self, cls: _Class, subject: int) -> str:
        return _class_id(cls.index * self.block + 2 + subject)

    def classes_of(self, school: int) -> list[_Class]:
        return [c for c in self.classes if c.school == school]

    def first_class(self, school: int, level: int) -> _Class:
        return next(c for c in self.classes if c.school == school and c.level == level)

    @property
    def nine_b(self) -> _Class:
        """Centralskolan's 9B, whose "Till LMS" tick the story takes away."""
        return next(c for c in self.classes if c.school == 0 and c.title == "9B")

    def class_of(self, pupil: int) -> _Class:
        return next(c for c in self.classes if c.first_pupil <= pupil < c.first_pupil + c.size)


def _class_id(number: int) -> str:
    return f"cls-{number:05d}"


def _user_id(number: int) -> str:
    return f"usr-{number:06d}"


def _iso(day: date) -> str:
    return day.isoformat()


def _grade(level: int) -> str:
    """CEDS grade codes: förskoleklass is KG, gymnasium years are 10–12."""
    return "KG" if level == 0 else f"{level:02d}"


def _letter(index: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return letters[index] if index < 26 else f"{letters[index % 26]}{index // 26}"


def _luhn_digit(nine: str) -> int:
    """The personnummer check digit over YYMMDDNNN (weights 2, 1, 2 …)."""
    total = 0
    for position, char in enumerate(nine):
        product = (ord(char) - 48) * (2 - position % 2)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def _civic_no(yyyymmdd: str, serial: int) -> str:
    nnn = f"{serial:03d}"
    return f"{yyyymmdd}-{nnn}{_luhn_digit(yyyymmdd[2:] + nnn)}"


# ------------------------------------------------------------------------------------ planning


def _school_names(count: int) -> Iterator[str]:
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


def _plan_schools(people: int, rng: random.Random) -> list[_School]:
    count = max(len(FIRST_SCHOOLS), round(people / SCHOOLS_PER_PEOPLE))
    codes = rng.sample(range(10_000_000, 100_000_000), count)
    return [
        _School(i, f"sch-{i + 1:03d}", name, str(codes[i]), i % 8 == 4)
        for i, name in enumerate(_school_names(count))
    ]


def _spread(total: int, weights: list[int]) -> list[int]:
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


def _plan_classes(schools: list[_School], pupils: int, start_year: int) -> list[_Class]:
    """Year groups (tracks) get pupils in proportion; each track splits into ~25-pupil classes."""
    tracks: list[tuple[int, int, str]] = []  # (school, level, programme)
    for school in schools:
        if school.gymnasium:
            tracks += [(school.index, lv, p) for lv in (10, 11, 12) for p in GYMNASIUM_PROGRAMMES]
        else:
            tracks += [(school.index, level, "") for level in range(10)]
    weights = [CENTRAL_WEIGHT if school == 0 else 1 for school, _, _ in tracks]
    classes: list[_Class] = []
    first = 0
    for (school, level, programme), size in zip(tracks, _spread(pupils, weights), strict=True):
        parallels = max(1, round(size / CLASS_SIZE))
        if school == 0:
            parallels = max(3, parallels)  # Centralskolan must have a 9B
        parallels = min(parallels, size)
        for parallel, class_size in enumerate(_spread(size, [1] * parallels)):
            if programme:
                entry_year = (start_year - (level - 10)) % 100
                title = f"{programme}{entry_year:02d}{_letter(parallel).lower()}"
            else:
                title = f"{'F' if level == 0 else level}{_letter(parallel)}"
            classes.append(_Class(len(classes), school, level, title, first, class_size))
            first += class_size
    return classes


def _groups_per_pupil(
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


def _plan(
    people: int, rng: random.Random, memberships_per_person: int | None, year: _SchoolYear
) -> _Plan:
    """Head counts, schools and classes; teachers per school follow its number of groups."""
    schools = _plan_schools(people, rng)
    teachers = round(people * TEACHER_SHARE)
    staff = max(2, round(people * STAFF_SHARE))
    pupils = people - len(schools) - teachers - staff - EXTRA_PUPILS - SPECIAL_USERS
    classes = _plan_classes(schools, pupils, year.start_year)
    groups = _groups_per_pupil(memberships_per_person, people, pupils, len(classes))
    subjects = ceil(groups)
    group_counts = [subjects * sum(1 for c in classes if c.school == s.index) for s in schools]
    extra = _spread(teachers - len(schools), group_counts)
    return _Plan(
        schools=schools,
        classes=classes,
        pupils=pupils,
        teachers_per_school=[1 + n for n in extra],
        staff=staff,
        groups_per_pupil=groups,
        subjects_per_class=subjects,
    )


# ----------------------------------------------------------------------------------- writing


@contextmanager
def _csv_writer(path: Path, header: tuple[str, ...]) -> Iterator[Any]:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        yield writer


class _Demo:
    """One generation: the plan, the random stream, and the uniqueness registers for ids."""

    def __init__(
        self,
        as_of: date,
        people: int,
        seed: int,
        memberships_per_person: int | None,
    ) -> None:
        self.as_of = as_of
        self.rng = random.Random(f"rostertui-demo:{seed}:{people}")
        self.year = _SchoolYear.containing(as_of)
        self.last = self.year.previous()
        self.plan = _plan(people, self.rng, memberships_per_person, self.year)
        self.planted: dict[str, list[str]] = {code: [] for code in PLANTED_CODES}
        self.local_parts: dict[str, int] = {}
        self.serials: dict[str, list[int]] = {}
        self.remembered_email = ""
        self.next_user = 1
        self.next_enrolment = 1
        self.users: Any = None
        self.enrolments: Any = None
        self.anna_id = ""
        self.begin = _iso(self.year.ht_start)
        self.end = _iso(self.year.vt_end + timedelta(days=1))  # exclusive
        self.nine_b_id = ""
        self.nine_b_ids: list[str] = []
        self.last_user_row: tuple[str, ...] = ()
        self.watched: dict[int, tuple[tuple[str, ...], list[tuple[str, ...]]]] = {}
        self.plant()
        self.cast = self.choose_cast(seed, people)

    # -- ids, names and identity numbers ----------------------------------------------------

    def random_name(self) -> tuple[str, str]:
        """A Swedish name; Anna Svensson is reserved for the support ticket's pupil."""
        given = self.rng.choice(GIVEN_NAMES)
        family = self.rng.choice(FAMILY_NAMES)
        if given == "Anna" and family == "Svensson":
            family = "Sjöberg"
        return given, family

    def local_part(self, given: str, family: str) -> str:
        """given.family, ASCII-folded and lower case, numbered from 2 when already taken."""
        base = f"{given.lower().translate(_FOLD)}.{family.lower().translate(_FOLD)}"
        count = self.local_parts.get(base, 0) + 1
        self.local_parts[base] = count
        return base if count == 1 else f"{base}{count}"

    def civic_no(self, birth_year: int) -> str:
        """A valid personnummer, unique: serials per birth day step by 7 from a random start.

        Serial 000 is never issued, so serials run 001–999.
        """
        day = f"{birth_year}{_MMDD[self.rng.randrange(365)]}"
        register = self.serials.get(day)
        if register is None:
            register = self.serials[day] = [self.rng.randrange(999), 0]
        serial = 1 + (register[0] + 7 * register[1]) % 999
        register[1] += 1
        return _civic_no(day, serial)

    def user(
        self,
        *,
        org: str,
        role: str,
        given: str,
        family: str,
        email: str | None = None,
        username: str = "",
        grades: str = "",
        civic: str = "",
        marking: str = "",
        enabled: str = "true",
        agents: str = "",
        user_id: str = "",
    ) -> str:
        """Write one users.csv row; e-mail and username default to the unique given.family."""
        if not user_id:
            user_id = _user_id(self.next_user)
            self.next_user += 1
        if not username:
            username = self.local_part(given, family)
        if email is None:
            email = f"{username}@{DOMAIN}"
        row = (user_id, "", "", enabled, org, role, username, "", given, family, "", "",
               email, "", "", agents, grades, "", civic, marking)  # fmt: skip
        self.last_user_row = row
        self.users.writerow(row)
        return user_id

    def enrol(
        self,
        class_id: str,
        school_id: str,
        user_id: str,
        role: str = "student",
        *,
        primary: str = "false",
        begin: str = "",
        end: str = "",
    ) -> str:
        enrolment_id = f"enr-{self.next_enrolment:07d}"
        self.next_enrolment += 1
        self.enrolments.writerow(
            (enrolment_id, "", "", class_id, school_id, user_id, role, primary,
             begin or self.begin, end or self.end)
        )  # fmt: skip
        return enrolment_id

    # -- the whole bundle -------------------------------------------------------------------

    def write(self, folder: Path) -> DemoBundle:
        """Stream the bundle as it stands on the month's last night (every event has happened)."""
        folder.mkdir(parents=True, exist_ok=True)
        final = _State(self.as_of)
        view = _View(self.cast, final, self.nine_b_id)
        with ExitStack() as stack:

            def writer(name: str) -> Any:
                return stack.enter_context(_csv_writer(folder / name, HEADERS[name]))

            self.generate(
                _Tables(
                    orgs=writer("orgs.csv"),
                    sessions=writer("academicSessions.csv"),
                    classes=_Viewed(writer("classes.csv"), view.group),
                    users=_Viewed(writer("users.csv"), view.user),
                    enrolments=_Viewed(writer("enrollments.csv"), view.enrolment),
                )
            )
        _write_text(folder / "manifest.csv", _MANIFEST_TEXT)
        return self.bundle(folder, final)

    def generate(self, tables: _Tables) -> None:
        """Every row of the month, in file order, through the given tables (files or lists)."""
        self.users = tables.users
        self.enrolments = tables.enrolments
        self.write_orgs(tables.orgs)
        self.write_sessions(tables.sessions)
        self.write_classes(tables.classes)
        self.write_pupils()
        self.write_extra_pupils()
        self.write_staff()
        self.write_events()

    def bundle(
        self, folder: Path, state: _State, present: Counter[str] | None = None
    ) -> DemoBundle:
        policy_path = folder / "policy.toml"
        _write_text(policy_path, POLICY_TOML)
        return DemoBundle(
            folder=folder,
            policy_path=policy_path,
            as_of=state.night,
            planted=self.planted_on(state, present),
            anna_id=self.anna_id,
            cast=self.cast.roles(self.nine_b_id),
        )

    def write_orgs(self, writer: Any) -> None:
        writer.writerow((DISTRICT_ID, "", "", DISTRICT_NAME, "district", "", ""))
        for school in self.plan.schools:
            writer.writerow((school.id, "", "", school.name, "school", school.code, DISTRICT_ID))

    def write_sessions(self, writer: Any) -> None:
        """This year and last year, each a schoolYear with HT and VT terms, plus one bad term
        and this year's summer-school term.

        The bad term runs through this school year but claims last year's schoolYear: the
        registry rolled the dates and forgot the year (GROUP_WRONG_ACADEMIC_YEAR).
        """
        for year in (self.year, self.last):
            parent, label = year.session_id, year.label
            terms = (
                (parent, f"Läsår {year.title}", "schoolYear", year.start, year.end, ""),
                (f"{parent}-ht", f"HT {year.start_year}", "term", year.ht_start, year.ht_end,
                 parent),
                (f"{parent}-vt", f"VT {year.start_year + 1}", "term", year.vt_start,
                 year.vt_end, parent),
            )  # fmt: skip
            for session_id, title, kind, start, end, parent_id in terms:
                writer.writerow(
                    (session_id, "", "", title, kind, _iso(start), _iso(end), parent_id, label)
                )
        writer.writerow(
            (self.wrong_term_id, "", "", f"Helår {self.year.title}", "term",
             _iso(self.year.ht_start), _iso(self.year.vt_end),
             self.last.session_id, self.last.label)
        )  # fmt: skip
        writer.writerow(_summer_session(self.year))

    @property
    def wrong_term_id(self) -> str:
        return f"as-{self.last.label}-helar"

    def write_classes(self, writer: Any) -> None:
        plan = self.plan
        subjects = SUBJECTS[: plan.subjects_per_class]
        not_exported = self.planted["GROUP_NOT_EXPORTED"]
        for cls in plan.classes:
            school_id = plan.schools[cls.school].id
            grade = _grade(cls.level)
            homeroom = plan.homeroom_id(cls)
            export = "" if homeroom in not_exported else "Ja"
            writer.writerow(
                (homeroom, "", "", cls.title, grade, "", cls.title, "homeroom", "",
                 school_id, self.year.session_id, "", "", "", export)
            )  # fmt: skip
            for number, (short, subject, code) in enumerate(subjects):
                writer.writerow(
                    (plan.subject_id(cls, number), "", "", f"{short} {cls.title}", grade, "",
                     f"{code}-{cls.title}", "scheduled", "", school_id, self.year.term_ids,
                     subject, code, "", "Ja")
                )  # fmt: skip
        for group in (*plan.extra_groups.values(), *(t.group for t in self.cast.term_groups)):
            subject, code = group.subject
            writer.writerow(
                (group.id, "", "", group.title, _grade(group.level), "", "",
                 group.class_type, "", group.school_id, group.terms, subject, code, "",
                 group.export)
            )  # fmt: skip

    # -- people -----------------------------------------------------------------------------

    def write_pupils(self) -> None:
        """Regular pupils, class by class: one user row and its enrolments, streamed.

        A pupil joins the homeroom and `groups_per_pupil` of its teaching groups on average
        (Bresenham-style carry, so totals hit the membership target); a pupil with fewer groups
        skips a different one depending on the seat, so every group has pupils.
        """
        plan = self.plan
        per_class = plan.subjects_per_class
        fraction = plan.groups_per_pupil - floor(plan.groups_per_pupil)
        base_groups = floor(plan.groups_per_pupil)
        carry = 0.0
        faults = plan.person_faults
        extras = plan.extra_enrolments
        begin, end = self.begin, self.end
        enrolments = self.enrolments
        watch = self.cast.watch
        for cls in plan.classes:
            school_id = plan.schools[cls.school].id
            grade = _grade(cls.level)
            birth_year = self.year.start_year - 6 - cls.level
            homeroom = plan.homeroom_id(cls)
            groups = [plan.subject_id(cls, n) for n in range(per_class)]
            for seat in range(cls.size):
                pupil = cls.first_pupil + seat
                carry += fraction
                count = base_groups
                if carry >= 1.0 - 1e-9:
                    carry -= 1.0
                    count += 1
                fault = faults.get(pupil)
                if fault == "anna":
                    count = min(3, per_class)
                user_id = self.pupil(pupil, fault, school_id, grade, birth_year)
                number = self.next_enrolment
                rows = [
                    (f"enr-{number:07d}", "", "", homeroom, school_id, user_id, "student",
                     "false", begin, end)
                ]  # fmt: skip
                chosen = range(count) if count == per_class else _rotated(seat, count, per_class)
                for offset, subject in enumerate(chosen, start=1):
                    rows.append(
                        (f"enr-{number + offset:07d}", "", "", groups[subject], school_id,
                         user_id, "student", "false", begin, end)
                    )  # fmt: skip
                enrolments.writerows(rows)
                self.next_enrolment += len(rows)
                if pupil in watch:
                    self.watched[pupil] = (self.last_user_row, rows)
                for class_id, extra_school, code in extras.get(pupil, ()):
                    self.extra_enrolment(class_id, extra_school, user_id, code)

    def pupil(self, index: int, fault: str | None, school_id: str, grade: str, born: int) -> str:
        """Write one pupil row, bending it to the planted fault it carries, if any."""
        given, family = ("Anna", "Svensson") if fault == "anna" else self.random_name()
        if fault == "invalid_email:erik":
            given, family = "Erik", "Lund"
        elif fault == "invalid_email:sara":
            given, family = "Sara", "Berg"
        username = self.local_part(given, family)
        email: str | None = f"{username}@{DOMAIN}"
        civic = self.civic_no(born)
        marking, enabled = "", "true"
        code = ""
        match fault:
            case "missing_email":
                email, code = "", "PERSON_MISSING_EMAIL"
            case "invalid_email:erik":
                email, code = "erik.lund@edu", "PERSON_INVALID_EMAIL"
            case "invalid_email:sara":
                email, code = f"sara..berg@{DOMAIN}", "PERSON_INVALID_EMAIL"
            case "dup_email_source":
                self.remembered_email = email
            case "dup_email":
                email, code = self.remembered_email, "PERSON_DUPLICATE_EMAIL"
            case "missing_given":
                given, code = "", "PERSON_MISSING_GIVEN_NAME"
            case "missing_family":
                family, code = "", "PERSON_MISSING_FAMILY_NAME"
            case "protected:skyddad":
                marking, code = "Skyddad folkbokföring", "PERSON_PROTECTED_IDENTITY"
            case "protected:sekretess":
                marking, code = "Sekretessmarkering", "PERSON_PROTECTED_IDENTITY"
            case "inactive":
                enabled, code = "false", "PERSON_INACTIVE"
            case "civic_check":
                digit = (int(civic[-1]) + 5) % 10
                civic, code = f"{civic[:-1]}{digit}", "PERSON_INVALID_CIVIC_NO"
            case "civic_date":
                civic, code = _civic_no(f"{born}0230", 1 + index % 999), "PERSON_INVALID_CIVIC_NO"
        user_id = self.user(
            org=school_id,
            role="student",
            given=given,
            family=family,
            email=email,
            username=username,
            grades=grade,
            civic=civic,
            marking=marking,
            enabled=enabled,
        )
        if fault == "anna":
            self.anna_id = user_id
        if code:
            self.planted[code].append(user_id)
        return user_id

    def extra_enrolment(self, class_id: str, school_id: str, user_id: str, code: str) -> None:
        """A planted membership: ended, to an unknown group, or to one of the planted groups."""
        begin = end = ""
        if code == "MEMBERSHIP_ENDED":
            begin, end = self.ended_dates()
        enrolment_id = self.enrol(class_id, school_id, user_id, begin=begin, end=end)
        if code.startswith("MEMBERSHIP_"):
            self.planted[code].append(enrolment_id)

    def ended_dates(self) -> tuple[str, str]:
        """Two weeks of this term once that is over; early in the term, last spring instead.

        Anchored to term dates rather than to as-of so consecutive nights write the same row.
        """
        fortnight = self.year.ht_start + timedelta(days=14)
        if self.as_of > fortnight:
            return self.begin, _iso(fortnight)
        return _iso(self.last.vt_start), _iso(self.last.vt_end + timedelta(days=1))

    def not_started_dates(self) -> tuple[str, str]:
        """The first of a month at least 46 days ahead: past any look-ahead, stable for weeks.

        `as_of` is the month's last night, so every night of the month still reads it as later.
        """
        later = self.as_of + timedelta(days=45)
        begin = date(later.year + later.month // 12, later.month % 12 + 1, 1)
        end = self.year.vt_end + timedelta(days=1)
        if end <= begin:
            end = begin + timedelta(days=180)
        return _iso(begin), _iso(end)

    def write_extra_pupils(self) -> None:
        """Three pupils only in the class named "9", and a newcomer who starts next month."""
        plan = self.plan
        nine = plan.extra_groups["class_nine"]
        nine_school = plan.schools[1]
        for _ in range(3):
            given, family = self.random_name()
            user_id = self.user(
                org=nine_school.id,
                role="student",
                given=given,
                family=family,
                grades="09",
                civic=self.civic_no(self.year.start_year - 15),
            )
            self.enrol(nine.id, nine_school.id, user_id)
            self.planted["STUDENT_NO_CLASS"].append(user_id)
        cls = plan.first_class(2, 7)
        school_id = plan.schools[2].id
        given, family = self.random_name()
        user_id = self.user(
            org=school_id,
            role="student",
            given=given,
            family=family,
            grades=_grade(cls.level),
            civic=self.civic_no(self.year.start_year - 6 - cls.level),
        )
        self.planted["STUDENT_ENROLMENT_NOT_STARTED"].append(user_id)
        begin, end = self.not_started_dates()
        for class_id in (plan.homeroom_id(cls), plan.subject_id(cls, 0), plan.subject_id(cls, 1)):
            enrolment_id = self.enrol(class_id, school_id, user_id, begin=begin, end=end)
            self.planted["MEMBERSHIP_NOT_STARTED"].append(enrolment_id)

    def write_staff(self) -> None:
        """Teachers (with their groups), aides, principals, the planted specials, the dup id."""
        plan = self.plan
        teachers_of: list[list[str]] = []
        for school in plan.schools:
            ids = [
                self.user(
                    org=school.id,
                    role="teacher",
                    given=(name := self.random_name())[0],
                    family=name[1],
                    civic=self.civic_no(self.rng.randrange(1962, 1999)),
                )
                for _ in range(plan.teachers_per_school[school.index])
            ]
            teachers_of.append(ids)
            self.write_teaching(school, ids)
        self.write_planted_teaching(teachers_of)
        inactive_aide = self.rng.randrange(plan.staff)
        for number in range(plan.staff):
            school = plan.schools[number % len(plan.schools)]
            given, family = self.random_name()
            user_id = self.user(
                org=school.id,
                role="aide",
                given=given,
                family=family,
                civic=self.civic_no(self.rng.randrange(1962, 2004)),
                enabled="false" if number == inactive_aide else "true",
            )
            if number == inactive_aide:
                self.planted["PERSON_INACTIVE"].append(user_id)
        for school in plan.schools:
            given, family = self.random_name()
            self.user(
                org=school.id,
                role="administrator",
                given=given,
                family=family,
                civic=self.civic_no(self.rng.randrange(1960, 1986)),
            )
        self.write_specials()

    def write_teaching(self, school: _School, teachers: list[str]) -> None:
        """Teaching groups go round the school's teachers; each class's mentor teaches it Sv.

        With more teachers than groups the extra teachers co-teach, so nobody is left without a
        group by accident (TEACHER_NO_GROUP is planted exactly once).
        """
        plan = self.plan
        classes = plan.classes_of(school.index)
        per_class = plan.subjects_per_class
        groups = [plan.subject_id(c, n) for c in classes for n in range(per_class)]
        for slot in range(max(len(groups), len(teachers))):
            self.enrol(
                groups[slot % len(groups)],
                school.id,
                teachers[slot % len(teachers)],
                "teacher",
                primary="true" if slot < len(groups) else "false",
            )
        for position, cls in enumerate(classes):
            mentor = teachers[(position * per_class) % len(teachers)]
            self.enrol(plan.homeroom_id(cls), school.id, mentor, "teacher", primary="true")

    def write_planted_teaching(self, teachers_of: list[list[str]]) -> None:
        """Teachers for the planted groups that should have one (each also teaches elsewhere)."""
        groups = self.plan.extra_groups
        for key, school in (("class_nine", 1), ("wrong_year", 3), ("unknown_school", 5)):
            group = groups[key]
            self.enrol(group.id, group.school_id, teachers_of[school][0], "teacher", primary="true")

    def write_specials(self) -> None:
        """Users who are faults by themselves, then the row that repeats an earlier id."""
        plan = self.plan
        school_id = plan.schools[6].id
        child = _user_id(plan.first_class(6, 3).first_pupil + 1)
        # A guardian is left out on purpose; "förälder" is no OneRoster role word: a fault.
        for role, code in (
            ("guardian", "PERSON_ROLE_NOT_IMPORTED"),
            ("förälder", "PERSON_UNKNOWN_ROLE"),
        ):
            given, family = self.random_name()
            user_id = self.user(org=school_id, role=role, given=given, family=family, agents=child)
            self.planted[code].append(user_id)
        given, family = self.random_name()
        user_id = self.user(
            org=plan.schools[7].id,
            role="teacher",
            given=given,
            family=family,
            civic=self.civic_no(1988),
        )
        self.planted["TEACHER_NO_GROUP"].append(user_id)
        given, family = self.random_name()
        user_id = self.user(
            org=DISTRICT_ID, role="aide", given=given, family=family, civic=self.civic_no(1979)
        )
        self.planted["PERSON_NO_SCHOOL"].append(user_id)
        self.write_duplicate_and_orphans()

    def write_duplicate_and_orphans(self) -> None:
        """The repeated id (a different person under the same id) and enrolments to nobody."""
        plan = self.plan
        original = next(p for p, f in plan.person_faults.items() if f == "dup_id_source")
        cls = plan.class_of(original)
        given, family = self.random_name()
        user_id = self.user(
            org=plan.schools[cls.school].id,
            role="student",
            given=given,
            family=family,
            grades=_grade(cls.level),
            civic=self.civic_no(self.year.start_year - 6 - cls.level),
            user_id=_user_id(original + 1),
        )
        self.planted["PERSON_DUPLICATE_ID"].append(f"{user_id}#2")
        gone = self.next_user + 100
        target = plan.first_class(6, 5)
        for offset in range(2):
            enrolment_id = self.enrol(
                plan.homeroom_id(target), plan.schools[6].id, _user_id(gone + offset)
            )
            self.planted["MEMBERSHIP_UNKNOWN_PERSON"].append(enrolment_id)

    # -- the month's events -----------------------------------------------------------------

    def choose_cast(self, seed: int, people: int) -> _Cast:
        """Whom the month happens to, and when: ordinary pupils and teachers, none with a fault.

        Undated events (a rename, a re-issued id, two e-mail fixes) happen to fixed people on
        nights the month schedules. Dated ones follow the school year's calendar, never today,
        so bundles of consecutive days differ only by what happened in between (see `_Week`
        and `_term_groups`). A random stream of its own: choosing never shifts a name or id.
        """
        plan, year = self.plan, self.year
        rng = random.Random(f"rostertui-demo-month:{seed}:{people}")
        busy = set(plan.person_faults) | set(plan.extra_enrolments)
        nine_b = plan.nine_b
        busy.update(range(nine_b.first_pupil, nine_b.first_pupil + nine_b.size))
        busy.add(plan.first_class(6, 3).first_pupil)  # the guardians' child
        first_teacher = plan.pupils + EXTRA_PUPILS + 1
        teachers = sum(plan.teachers_per_school)
        term_groups = []
        for number, (group, level, added, start) in enumerate(_term_groups(plan, year)):
            cls = plan.first_class(0, level)
            seats = range(cls.first_pupil, cls.first_pupil + cls.size)
            members = [p for p in seats if p not in busy][:8]
            busy.update(members)
            teacher = _user_id(first_teacher + min(1 + number, plan.teachers_per_school[0] - 1))
            term_groups.append(_TermGroup(group, added, start, members, teacher))
        pool = [p for p in range(plan.pupils) if p not in busy]
        mondays = _mondays(year)
        drops = [w for w, monday in enumerate(mondays) if _drop_day(year, w, monday)]
        anna = next(p for p, fault in plan.person_faults.items() if fault == "anna")
        # Rows that disappear come after Anna's, so "users.csv:<line>" stays her answer.
        removed = rng.sample([p for p in pool if p > anna], 1 + len(mondays))
        reissued, leavers = removed[0], iter(removed[1:])
        taken = set(removed)
        kept = rng.sample([p for p in pool if p not in taken], 2 + len(drops))
        missing, invalid = kept[:2]
        droppers = dict(zip(drops, kept[2:], strict=True))
        schools = [s.index for s in plan.schools[:8] if not s.gymnasium]
        weeks = []
        for w, monday in enumerate(mondays):
            registered = monday + timedelta(days=3)
            begin = max(monday + timedelta(days=7) if w % 2 == 0 else registered, year.ht_start)
            joiner = None
            if registered <= year.end and begin <= year.vt_end:
                joiner = (schools[w % len(schools)], 1 + (4 * w) % 9, registered, begin)
            dropper = droppers.get(w)
            drop_class = ""
            if dropper is not None:
                subject = min(3, plan.subjects_per_class - 1)
                drop_class = plan.subject_id(plan.class_of(dropper), subject)
            weeks.append(_Week(monday, next(leavers), joiner, dropper, drop_class))
        return _Cast(
            base_next=first_teacher + teachers + plan.staff + len(plan.schools) + SPECIAL_USERS,
            weeks=weeks,
            term_groups=term_groups,
            reissued=reissued,
            fixed_missing=missing,
            fixed_invalid=invalid,
            renamed=_user_id(first_teacher + rng.randrange(teachers)),
            rename_to=(rng.choice(FAMILY_NAMES), rng.choice(FAMILY_NAMES[::-1])),
        )

    def write_events(self) -> None:
        """The year's new rows, after everything else, as a registry appends new records: every
        week's new pupil, the re-registered pupil, the new teaching groups' members."""
        plan, cast = self.plan, self.cast
        assert self.next_user == cast.base_next, "the cast's ids assume the base user count"
        for w, week in enumerate(cast.weeks):
            if week.joiner is None:
                continue
            school_index, level, _, begin = week.joiner
            cls = plan.first_class(school_index, level)
            school_id = plan.schools[school_index].id
            given, family = self.random_name()
            user_id = self.user(
                org=school_id,
                role="student",
                given=given,
                family=family,
                grades=_grade(level),
                civic=self.civic_no(self.year.start_year - 6 - level),
                user_id=cast.joiner_id(w),
            )
            groups = [plan.homeroom_id(cls)]
            groups += [plan.subject_id(cls, n) for n in range(min(3, plan.subjects_per_class))]
            cast.enrolments[f"joined:{w}"] = [
                self.enrol(class_id, school_id, user_id, begin=_iso(begin)) for class_id in groups
            ]
        self.write_reissued()
        for term in cast.term_groups:
            group = term.group
            cast.enrolments[group.id] = [
                self.enrol(group.id, group.school_id, term.teacher, "teacher", primary="true"),
                *(self.enrol(group.id, group.school_id, _user_id(p + 1)) for p in term.members),
            ]
        for w, week in enumerate(cast.weeks):
            if week.dropper is not None:
                _, rows = self.watched[week.dropper]
                cast.enrolments[f"dropped:{w}"] = [r[0] for r in rows if r[3] == week.drop_class]

    def write_reissued(self) -> None:
        """Deleted and registered again: the same person and classes under new ids."""
        cast = self.cast
        row, enrolments = self.watched[cast.reissued]
        new_id = cast.reissued_new
        self.users.writerow((new_id, *row[1:]))
        cast.enrolments["reissued"] = [
            self.enrol(r[3], r[4], new_id, r[6], primary=r[7], begin=r[8], end=r[9])
            for r in enrolments
        ]

    def planted_on(
        self, state: _State, present: Counter[str] | None = None
    ) -> dict[str, list[str]]:
        """The faults a night's bundle holds: the fixed set, bent by the month's events.

        `present` (a truncated night: rows per user id) keeps the person faults whose rows
        survived the cut.
        """
        cast, policy, night = self.cast, _POLICY, state.night
        planted = {code: list(ids) for code, ids in self.planted.items()}
        if state.nine_b_exported:
            planted["GROUP_NOT_EXPORTED"] = []
            in_nine_b = set(self.nine_b_ids)
            planted["STUDENT_NO_CLASS"] = [
                i for i in planted["STUDENT_NO_CLASS"] if i not in in_nine_b
            ]
        if date.fromisoformat(self.ended_dates()[1]) > night:  # endDate is exclusive
            planted["MEMBERSHIP_ENDED"] = []  # every planted one ends on the same day
        for w, week in enumerate(cast.weeks):
            if week.dropper is not None and week.wednesday <= night < week.cleared:
                planted["MEMBERSHIP_ENDED"] += cast.enrolments[f"dropped:{w}"]
            joiner = week.joiner
            if joiner and joiner[2] <= night and not policy.is_read_on(joiner[3], night):
                planted["STUDENT_ENROLMENT_NOT_STARTED"].append(cast.joiner_id(w))
                planted["MEMBERSHIP_NOT_STARTED"] += cast.enrolments[f"joined:{w}"]
        for term in cast.term_groups:
            if term.added <= night and not policy.is_read_on(term.start, night):
                planted["GROUP_NOT_STARTED"].append(term.group.id)
        if "fixed" not in state.done:
            planted["PERSON_MISSING_EMAIL"].append(_user_id(cast.fixed_missing + 1))
            planted["PERSON_INVALID_EMAIL"].append(_user_id(cast.fixed_invalid + 1))
        if state.id_changed:
            planted["PERSON_ID_CHANGED"].append(cast.reissued_new)
        if present is not None:
            for code in planted:
                if code.startswith(("PERSON_", "STUDENT_", "TEACHER_")):
                    planted[code] = [i for i in planted[code] if _survives(i, present)]
        return {code: ids for code, ids in planted.items() if ids}

    # -- choosing the victims ---------------------------------------------------------------

    def plant(self) -> None:
        """Decide which pupils carry which fault and create the planted groups.

        Victims are drawn from regular pupils outside 9B and outside the planted groups, so each
        planted record triggers its own code and nothing else by accident.
        """
        plan = self.plan
        nine_b = plan.nine_b
        self.nine_b_id = plan.homeroom_id(nine_b)
        self.planted["GROUP_NOT_EXPORTED"].append(self.nine_b_id)
        anna = nine_b.first_pupil + self.rng.randrange(nine_b.size)
        plan.person_faults[anna] = "anna"
        reserved = set(range(nine_b.first_pupil, nine_b.first_pupil + nine_b.size))
        self.nine_b_ids = [_user_id(p + 1) for p in [anna, *sorted(reserved - {anna})]]
        self.planted["STUDENT_NO_CLASS"] += self.nine_b_ids
        self.plant_groups(reserved)
        self.plant_person_faults(reserved)

    def plant_groups(self, reserved: set[int]) -> None:
        plan = self.plan
        school_id = [s.id for s in plan.schools]
        unknown_school = f"sch-{len(plan.schools) + 900:03d}"
        base = len(plan.classes) * plan.block
        current, wrong, ended = self.year.term_ids, self.wrong_term_id, self.last.term_ids
        specs = [
            ("class_nine", "9", school_id[1], "homeroom", 9, self.year.session_id, ("", "")),
            ("no_teacher", "Modersmål arabiska 7–9", school_id[2], "scheduled", 8, current,
             ("Modersmål", "MLA")),
            ("no_members", "Studiehandledning 8", school_id[2], "scheduled", 8, current,
             ("Studiehandledning", "STH")),
            ("ended", "Ma 9A", school_id[3], "scheduled", 9, ended, ("Matematik", "MA")),
            ("wrong_year", "Sva 7–9", school_id[3], "scheduled", 8, wrong,
             ("Svenska som andraspråk", "SVA")),
            ("unknown_school", "Simskola 4–6", unknown_school, "scheduled", 5, current,
             ("Idrott och hälsa", "IDH")),
        ]  # fmt: skip
        codes = {
            "class_nine": "GROUP_CLASS_NAME_NOT_SPECIFIC",
            "no_teacher": "GROUP_NO_TEACHER",
            "no_members": "GROUP_NO_MEMBERS",
            "ended": "GROUP_ENDED",
            "wrong_year": "GROUP_WRONG_ACADEMIC_YEAR",
            "unknown_school": "GROUP_UNKNOWN_SCHOOL",
        }
        for offset, (key, title, school, kind, level, terms, subject) in enumerate(specs, 1):
            group = _ExtraGroup(
                _class_id(base + offset), title, school, kind, level, terms, "Ja", subject
            )
            plan.extra_groups[key] = group
            self.planted[codes[key]].append(group.id)
        for key, school, levels in (
            ("no_teacher", 2, (7, 8, 9)),
            ("wrong_year", 3, (7, 8, 9)),
            ("unknown_school", 5, (4, 5, 6)),
        ):
            group = plan.extra_groups[key]
            for level in levels:
                pupil = plan.first_class(school, level).first_pupil
                plan.extra_enrolments.setdefault(pupil, []).append((group.id, group.school_id, ""))
                reserved.add(pupil)

    def plant_person_faults(self, reserved: set[int]) -> None:
        plan = self.plan
        faults = [
            "missing_email",
            "missing_email",
            "invalid_email:erik",
            "invalid_email:sara",
            "dup_email_source",
            "dup_email",
            "dup_id_source",
            "missing_given",
            "missing_family",
            "protected:skyddad",
            "protected:sekretess",
            "inactive",
            "civic_check",
            "civic_date",
            "ended",
            "ended",
            "ended",
            "unknown_group",
            "unknown_group",
        ]
        victims: list[int] = []
        for candidate in self.rng.sample(range(plan.pupils), len(faults) + len(reserved) + 10):
            if candidate not in reserved and len(victims) < len(faults):
                victims.append(candidate)
        source, copy = sorted(victims[4:6])  # the original e-mail holder comes first
        victims[4:6] = [source, copy]
        unknown_group = _class_id(len(plan.classes) * plan.block + 100)
        for pupil, fault in zip(victims, faults, strict=True):
            cls = plan.class_of(pupil)
            school_id = plan.schools[cls.school].id
            if fault == "ended":
                neighbour = _neighbour(plan, cls)
                plan.extra_enrolments[pupil] = [
                    (plan.subject_id(neighbour, 0), school_id, "MEMBERSHIP_ENDED")
                ]
            elif fault == "unknown_group":
                plan.extra_enrolments[pupil] = [
                    (unknown_group, school_id, "MEMBERSHIP_UNKNOWN_GROUP")
                ]
            else:
                plan.person_faults[pupil] = fault


def _neighbour(plan: _Plan, cls: _Class) -> _Class:
    """Another class at the same school: the pupil moved from its Sv group to their own."""
    classes = plan.classes_of(cls.school)
    position = classes.index(cls)
    return classes[(position + 1) % len(classes)]


def _rotated(seat: int, count: int, total: int) -> list[int]:
    """`count` of `total` groups, starting at Sv and skipping groups chosen by the seat.

    Sv, Ma and En stay for everybody; the optional ones rotate so each group keeps pupils.
    """
    core = min(3, count)
    optional = list(range(core, total))
    take = count - core
    start = seat % len(optional) if optional else 0
    picked = [optional[(start + i) % len(optional)] for i in range(take)]
    return [*range(core), *sorted(picked)]


def write_demo_bundle(
    folder: Path,
    *,
    as_of: date,
    people: int = 2000,
    seed: int = 7,
    memberships_per_person: int | None = None,
) -> DemoBundle:
    """Write Sjöstads kommun as a OneRoster 1.1 bulk bundle (plus policy.toml) into `folder`.

    Deterministic for (as_of, people, seed); names and ids depend on (people, seed) only.
    `memberships_per_person` sets the enrollments.csv size (about that many rows per person),
    which the benchmark uses; by default pupils get their class and four teaching groups.
    """
    if people < MIN_PEOPLE:
        raise ValueError(f"the demo needs at least {MIN_PEOPLE} people, got {people}")
    return _Demo(as_of, people, seed, memberships_per_person).write(Path(folder))


# ----------------------------------------------------------------------------------- the month

MONTH = 30
"""The canonical month the undated events are laid out on; shorter months squeeze it, longer
ones begin with ordinary nights."""

SCALED_EVENTS: dict[str, int] = {
    "renamed": 8,
    "fixed": 10,
    "nine_b_off": 12,
    "reissued": 16,
    "nine_b_on": 19,
    "truncated": 24,
}
"""Events that write no date into the files, on their night of the canonical month. Whatever
the month's length, by the last night all have happened and 9B is unticked again, so the last
night is always what `write_demo_bundle(today)` writes."""

TRUNCATED_SHARE = 0.4
JOINER_ROOM = 60
"""User ids after the base population kept for the year's weekly new pupils (≤ 53)."""

_EVENTS = frozenset(("renamed", "fixed", "reissued"))
_POLICY = parse_policy(POLICY_TOML, "the demo policy")


@dataclass(frozen=True)
class DemoNight:
    """One night of the demo month: its bundle and what happened in the registry that night."""

    as_of: date
    bundle: DemoBundle
    story: str
    events: tuple[str, ...] = ()  # machine-readable keys of the story's parts, in its order


@dataclass(frozen=True, slots=True)
class _Week:
    """One week of the registry's calendar, from its Monday.

    Tuesday a pupil moves away (the rows disappear). Thursday a new pupil is registered;
    every other one starts the Monday after, so is pending first. Every other Wednesday a pupil
    leaves a group (the enrollment gets that day as its endDate) and the registry clears the
    ended enrollment two weeks later.
    """

    monday: date
    leaver: int
    joiner: tuple[int, int, date, date] | None  # (school, level, registered, placement start)
    dropper: int | None
    drop_class: str

    @property
    def tuesday(self) -> date:
        return self.monday + timedelta(days=1)

    @property
    def wednesday(self) -> date:
        return self.monday + timedelta(days=2)

    @property
    def cleared(self) -> date:
        return self.wednesday + timedelta(days=14)


@dataclass(frozen=True, slots=True)
class _TermGroup:
    """A teaching group the registry adds on a fixed date, ahead of the term it starts in."""

    group: _ExtraGroup
    added: date
    start: date
    members: list[int]
    teacher: str


@dataclass(slots=True)
class _Cast:
    """Whom the events happen to; pupils are plan indices (their user id is index + 1)."""

    base_next: int  # the first user number after the base population
    weeks: list[_Week]
    term_groups: list[_TermGroup]
    reissued: int
    fixed_missing: int
    fixed_invalid: int
    renamed: str
    rename_to: tuple[str, str]
    enrolments: dict[str, list[str]] = field(default_factory=dict)  # filled while writing

    def joiner_id(self, week: int) -> str:
        return _user_id(self.base_next + week)

    @property
    def reissued_new(self) -> str:
        return _user_id(self.base_next + JOINER_ROOM)

    @property
    def watch(self) -> frozenset[int]:
        """Pupils whose rows the events reuse, kept while the pupils stream past."""
        droppers = (w.dropper for w in self.weeks if w.dropper is not None)
        return frozenset((self.reissued, *droppers))

    def roles(self, nine_b: str) -> dict[str, str]:
        return {
            "nine_b": nine_b,
            "renamed_teacher": self.renamed,
            "reissued_old": _user_id(self.reissued + 1),
            "reissued_new": self.reissued_new,
            "fixed_missing_email": _user_id(self.fixed_missing + 1),
            "fixed_invalid_email": _user_id(self.fixed_invalid + 1),
            **{
                f"term_group_{t.group.terms.rpartition('-')[2]}": t.group.id
                for t in self.term_groups
            },
        }


@dataclass(frozen=True, slots=True)
class _State:
    """Where the month stands on one night; by default as on its last night: every undated
    event done, 9B unticked again."""

    night: date
    done: frozenset[str] = _EVENTS
    nine_b_exported: bool = False
    truncated: bool = False
    id_changed: bool = False


def _mondays(year: _SchoolYear) -> list[date]:
    """The Mondays of the school year, from the first one on or after its first day."""
    first = year.start + timedelta(days=(7 - year.start.weekday()) % 7)
    return [first + timedelta(weeks=w) for w in range((year.end - first).days // 7 + 1)]


def _drop_day(year: _SchoolYear, week: int, monday: date) -> bool:
    """Every other Wednesday of term, once the term has run a week."""
    wednesday = monday + timedelta(days=2)
    return week % 2 == 0 and year.ht_start + timedelta(days=7) <= wednesday <= year.vt_end


def _term_groups(plan: _Plan, year: _SchoolYear) -> list[tuple[_ExtraGroup, int, date, date]]:
    """(group, level, added on, starts on): three groups the registry sets up ahead of time.

    Between them some group is pending on every night outside the term-start windows, and in
    each window one is read early: Franska 6 (added in July, starts with HT), Spanska 7 (added
    1 September, starts with VT: appears on the first night of the January window), summer
    school (added after the January window, starts the Monday after VT ends).
    """
    base = len(plan.classes) * plan.block
    school_id = plan.schools[0].id
    summer = _summer_start(year)
    languages = ("Moderna språk", "M2")
    specs = (
        ("Franska 6", 6, f"{year.session_id}-ht", year.start + timedelta(days=9), year.ht_start,
         languages),
        ("Spanska 7", 7, f"{year.session_id}-vt", date(year.start_year, 9, 1), year.vt_start,
         languages),
        (f"Sommarskola Ma 9 {year.start_year + 1}", 9, f"{year.session_id}-sommar",
         date(year.start_year + 1, 1, 21), summer, ("Matematik", "MA")),
    )  # fmt: skip
    return [
        (_ExtraGroup(_class_id(base + 7 + n), title, school_id, "scheduled", level, terms, "Ja",
                     subject), level, added, start)
        for n, (title, level, terms, added, start, subject) in enumerate(specs)
    ]  # fmt: skip


def _summer_start(year: _SchoolYear) -> date:
    """The Monday after VT ends."""
    return year.vt_end + timedelta(days=(7 - year.vt_end.weekday()) % 7 or 7)


def _summer_session(year: _SchoolYear) -> tuple[str, ...]:
    """Summer school's term, defined with the school year (a registry sets terms up early)."""
    return (
        f"{year.session_id}-sommar", "", "", f"Sommarskola {year.start_year + 1}", "term",
        _iso(_summer_start(year)), _iso(year.end), year.session_id, year.label,
    )  # fmt: skip


def _renamed(row: tuple[str, ...], names: tuple[str, str]) -> tuple[str, ...]:
    new = names[0] if names[0] != row[9] else names[1]
    return (*row[:9], new, *row[10:])


def _without_email(row: tuple[str, ...]) -> tuple[str, ...]:
    return (*row[:12], "", *row[13:])


def _mistyped_email(row: tuple[str, ...]) -> tuple[str, ...]:
    return (*row[:12], row[12].replace(f"@{DOMAIN}", f"@{DOMAIN.replace('.', ',', 1)}"), *row[13:])


class _View:
    """One night's reading of the year's rows: who is in the export, under which id and name.

    Each method takes a row as generated and returns it as that night's file has it, or None.
    """

    def __init__(self, cast: _Cast, state: _State, nine_b: str) -> None:
        night, done = state.night, state.done
        gone = set()
        for w, week in enumerate(cast.weeks):
            if week.tuesday <= night:
                gone.add(_user_id(week.leaver + 1))
            if week.joiner is not None and week.joiner[2] > night:
                gone.add(cast.joiner_id(w))
        gone.add(_user_id(cast.reissued + 1) if "reissued" in done else cast.reissued_new)
        self.gone = frozenset(gone)
        self.gone_groups = frozenset(t.group.id for t in cast.term_groups if t.added > night)
        self.drops: dict[tuple[str, str], str | None] = {}  # None: cleared from the export
        for week in cast.weeks:
            if week.dropper is not None and week.wednesday <= night:
                ended = None if week.cleared <= night else _iso(week.wednesday)
                self.drops[(_user_id(week.dropper + 1), week.drop_class)] = ended
        self.droppers = frozenset(user for user, _ in self.drops)
        self.edits: dict[str, Any] = {}
        if "renamed" in done:
            self.edits[cast.renamed] = partial(_renamed, names=cast.rename_to)
        if "fixed" not in done:
            self.edits[_user_id(cast.fixed_missing + 1)] = _without_email
            self.edits[_user_id(cast.fixed_invalid + 1)] = _mistyped_email
        self.nine_b = nine_b
        self.flag = "Ja" if state.nine_b_exported else ""

    def user(self, row: tuple[str, ...]) -> tuple[str, ...] | None:
        if row[0] in self.gone:
            return None
        edit = self.edits.get(row[0])
        return row if edit is None else edit(row)

    def enrolment(self, row: tuple[str, ...]) -> tuple[str, ...] | None:
        user = row[5]
        if user in self.gone or row[3] in self.gone_groups:
            return None
        if user in self.droppers and (user, row[3]) in self.drops:
            ended = self.drops[(user, row[3])]
            return None if ended is None else (*row[:9], ended)
        return row

    def group(self, row: tuple[str, ...]) -> tuple[str, ...] | None:
        if row[0] == self.nine_b:
            return (*row[:14], self.flag)
        return None if row[0] in self.gone_groups else row


class _Table(list):
    """A file's rows kept in memory for the month, written to through the csv writer's API."""

    def writerow(self, row: tuple[str, ...]) -> None:
        self.append(row)

    def writerows(self, rows: list[tuple[str, ...]]) -> None:
        self.extend(rows)


class _Viewed:
    """A csv writer that shows every row through a view first, dropping what the view drops."""

    __slots__ = ("view", "writer")

    def __init__(self, writer: Any, view: Any) -> None:
        self.writer = writer
        self.view = view

    def writerow(self, row: tuple[str, ...]) -> None:
        shown = self.view(row)
        if shown is not None:
            self.writer.writerow(shown)

    def writerows(self, rows: list[tuple[str, ...]]) -> None:
        self.writer.writerows([shown for shown in map(self.view, rows) if shown is not None])


@dataclass(slots=True)
class _Tables:
    orgs: Any
    sessions: Any
    classes: Any
    users: Any
    enrolments: Any


def _csv_text(header: tuple[str, ...], rows: list[tuple[str, ...]] | tuple) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _write_rows(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    with _csv_writer(path, header) as writer:
        writer.writerows(rows)


_MANIFEST_TEXT = _csv_text(("propertyName", "value"), MANIFEST)


def _survives(planted_id: str, present: Counter[str]) -> bool:
    """Whether a person fault's row is in a cut users.csv (`<id>#2` is the id's second row)."""
    user_id, _, copy = planted_id.partition("#")
    return present[user_id] >= (int(copy) if copy else 1)


def _scaled(canonical: int, nights: int) -> int:
    """A canonical night (1…30) in a month of `nights`: squeezed, or the month's last 30."""
    if nights >= MONTH:
        return nights - MONTH + canonical
    return 1 + floor((canonical - 1) * (nights - 1) / (MONTH - 1) + 0.5)


class _Month:
    """The schedule of one month and the writing of its nights from the rows in memory."""

    def __init__(self, demo: _Demo, tables: _Tables, today: date, nights: int) -> None:
        self.demo, self.cast, self.tables = demo, demo.cast, tables
        self.today, self.nights = today, nights
        at = {key: _scaled(night, nights) for key, night in SCALED_EVENTS.items()}
        off, on = at.pop("nine_b_off"), at.pop("nine_b_on")
        on = max(on, off + 1)
        self.unexported = {nights} | (set(range(off, on)) if off >= 2 and on < nights else set())
        truncated = at.pop("truncated")
        self.truncated = truncated if 2 <= truncated < nights else None
        for key in _EVENTS:  # their night must be a good run, to be seen as it happens
            if at[key] == self.truncated:
                at[key] -= 1
        self.at = at
        self.users: dict[str, tuple[str, ...]] = {}
        for row in tables.users:
            self.users.setdefault(row[0], row)
        self.titles = {row[0]: row[3] for row in tables.classes}
        self.static = {
            "manifest.csv": _MANIFEST_TEXT,
            "orgs.csv": _csv_text(HEADERS["orgs.csv"], tables.orgs),
            "academicSessions.csv": _csv_text(HEADERS["academicSessions.csv"], tables.sessions),
        }

    def night(self, index: int) -> date:
        return self.today - timedelta(days=self.nights - index)

    def state(self, index: int) -> _State:
        return _State(
            night=self.night(index),
            done=frozenset(key for key, night in self.at.items() if night <= index),
            nine_b_exported=index not in self.unexported,
            truncated=index == self.truncated,
            id_changed=index == self.at["reissued"] and index >= 2,
        )

    def write(self, root: Path, index: int) -> DemoNight:
        state = self.state(index)
        view = _View(self.cast, state, self.demo.nine_b_id)
        folder = root / f"{state.night:%Y-%m-%d}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.static.items():
            _write_text(folder / name, text)
        tables = self.tables
        users = [row for row in map(view.user, tables.users) if row is not None]
        total = len(users)
        if state.truncated:
            users = users[: round(total * TRUNCATED_SHARE)]
        for name, rows in (
            ("classes.csv", [row for row in map(view.group, tables.classes) if row is not None]),
            ("users.csv", users),
            ("enrollments.csv", [r for r in map(view.enrolment, tables.enrolments) if r]),
        ):
            _write_rows(folder / name, HEADERS[name], rows)
        present = Counter(row[0] for row in users) if state.truncated else None
        bundle = self.demo.bundle(folder, state, present)
        parts = self.story(index, total, len(users))
        story = "; ".join(text for _, text in parts) or "Ordinary night"
        return DemoNight(state.night, bundle, story, tuple(key for key, _ in parts))

    # -- the story --------------------------------------------------------------------------

    def name(self, user_id: str) -> str:
        row = self.users[user_id]
        return f"{row[8]} {row[9]}"

    def placement(self, pupil: int) -> str:
        plan = self.demo.plan
        cls = plan.class_of(pupil)
        return f"{cls.title}, {plan.schools[cls.school].name}"

    def story(self, index: int, total: int, kept: int) -> list[tuple[str, str]]:
        """(event key, plain English) for what changed in the registry tonight. Night 1 is the
        first export anyone sees, so it has no news but 9B's state."""
        parts = self.nine_b_story(index)
        if index == self.truncated:
            parts.append((
                "export_truncated", f"Export truncated: users.csv has {kept:,} of {total:,} rows"
            ))  # fmt: skip
        if self.truncated is not None and index == self.truncated + 1:
            parts.append(("export_complete", "Export complete again"))
        if index >= 2:
            parts += self.calendar_story(self.night(index))
            parts += self.scheduled_story(index)
        return parts

    def nine_b_story(self, index: int) -> list[tuple[str, str]]:
        exported = index not in self.unexported
        if index == 1:
            if exported:
                return []
            return [(
                "class_unexported",
                "Class 9B at Centralskolan (Anna Svensson's class) is not ticked 'Till LMS' in "
                "the registry",
            )]  # fmt: skip
        if exported == (index - 1 not in self.unexported):
            return []
        if exported:
            return [("class_exported", "Class 9B ticked 'Till LMS' again in the registry")]
        again = " again" if any(n < index for n in self.unexported) else ""
        return [(
            "class_unexported",
            f"Class 9B unticked 'Till LMS' in the registry{again} (Anna Svensson's class at "
            "Centralskolan)",
        )]  # fmt: skip

    def calendar_story(self, night: date) -> list[tuple[str, str]]:
        """The registry's weekly rhythm and its new groups, by date."""
        cast, plan, policy = self.cast, self.demo.plan, _POLICY
        yesterday = night - timedelta(days=1)
        parts: list[tuple[str, str]] = []
        started: list[tuple[str, str, date]] = []  # pending new pupils read from tonight
        for w, week in enumerate(cast.weeks):
            if week.tuesday == night:
                who = self.name(_user_id(week.leaver + 1))
                parts.append((
                    "pupil_left",
                    f"Pupil {who} ({self.placement(week.leaver)}) moved away: removed from the "
                    "registry",
                ))  # fmt: skip
            if week.dropper is not None and week.wednesday == night:
                who = self.name(_user_id(week.dropper + 1))
                parts.append((
                    "group_left",
                    f"Pupil {who} ({self.placement(week.dropper)}) leaves "
                    f"{self.titles[week.drop_class]}: enrollment endDate {night}",
                ))  # fmt: skip
            if week.joiner is None:
                continue
            school, level, registered, begin = week.joiner
            where = f"{plan.first_class(school, level).title} at {plan.schools[school].name}"
            who = self.name(cast.joiner_id(w))
            if registered == night:
                if begin <= night:
                    parts.append(("pupil_joined", f"New pupil {who} joins {where}"))
                    continue
                text = f"New pupil {who} registered for {where}, starting {begin}"
                if not policy.is_read_on(begin, night):
                    text += f" (pending until {policy.appears_on(begin, night)})"
                else:
                    text += " (read early: term-start look-ahead)"
                parts.append(("pupil_registered", text))
            elif registered < night and _starts_reading(begin, yesterday, night):
                started.append((who, where, begin))
        if len(started) == 1:
            who, where, begin = started[0]
            early = f" (from {begin}) is read early" if begin > night else " starts"
            parts.append(("pupil_started", f"{who}'s placement in {where}{early}"))
        elif started:
            early = " are read early" if any(b > night for _, _, b in started) else " start"
            names = ", ".join(who for who, _, _ in started)
            parts.append(
                ("pupil_started", f"Placements of {len(started)} new pupils{early}: {names}")
            )
        for term in cast.term_groups:
            group, start = term.group, term.start
            if term.added == night:
                text = f"Registry adds teaching group {group.title} at Centralskolan, starting "
                text += str(start)
                if not policy.is_read_on(start, night):
                    text += f" (pending until {policy.appears_on(start, night)})"
                elif start > night:
                    days = policy.lookahead_on(night)
                    text += f"; the term-start look-ahead ({days} days) imports it early"
                parts.append(("group_added", text))
            elif term.added < night and start > night and _starts_reading(start, yesterday, night):
                parts.append((
                    "lookahead_opened",
                    f"Term-start window opens: the {policy.lookahead_on(night)}-day look-ahead "
                    f"imports {group.title} (starts {start}) early",
                ))  # fmt: skip
        return parts

    def scheduled_story(self, index: int) -> list[tuple[str, str]]:
        """The month's undated events, on the nights the schedule gives them."""
        cast, at = self.cast, self.at
        parts: list[tuple[str, str]] = []
        if at["renamed"] == index:
            row = self.users[cast.renamed]
            new = _renamed(row, cast.rename_to)[9]
            parts.append((
                "teacher_renamed",
                f"Teacher {row[8]} {row[9]} changed family name to {new} in the registry",
            ))  # fmt: skip
        if at["reissued"] == index:
            old = _user_id(cast.reissued + 1)
            parts.append((
                "id_reissued",
                f"Pupil {self.name(old)} re-registered under a new id ({old} → "
                f"{cast.reissued_new}); same e-mail and personnummer",
            ))  # fmt: skip
        if at["fixed"] == index:
            missing = _user_id(cast.fixed_missing + 1)
            invalid = _user_id(cast.fixed_invalid + 1)
            wrong = _mistyped_email(self.users[invalid])[12]
            parts.append((
                "emails_fixed",
                f"Registry fixed two e-mail addresses: {self.name(missing)}'s was empty, "
                f"{self.name(invalid)}'s read {wrong}",
            ))  # fmt: skip
        return parts


def _starts_reading(start: date, yesterday: date, tonight: date) -> bool:
    """A record starting on `start` is read tonight and was not last night."""
    return _POLICY.is_read_on(start, tonight) and not _POLICY.is_read_on(start, yesterday)


def write_demo_month(
    root: Path, *, today: date, nights: int = MONTH, people: int = 2000, seed: int = 7
) -> list[DemoNight]:
    """Write `nights` consecutive nights of Sjöstads kommun, oldest first, the last being today.

    Each night is a complete bundle in `root / YYYY-MM-DD` with a one-line story of what changed
    in the registry. The registry's weekly rhythm and new groups follow the calendar (`_Week`,
    `_term_groups`); a rename, a re-issued id, two fixes, 9B's unticked week and a truncated
    export follow SCALED_EVENTS, squeezed into shorter months (what does not fit happened before
    the first night). The rows are generated once and each night is written from memory.
    Deterministic for (today, nights, people, seed); the last night is always what
    `write_demo_bundle(…, as_of=today)` writes.
    """
    if nights < 1:
        raise ValueError(f"a demo month needs at least one night, got {nights}")
    if people < MIN_PEOPLE:
        raise ValueError(f"the demo needs at least {MIN_PEOPLE} people, got {people}")
    demo = _Demo(today, people, seed, None)
    tables = _Tables(_Table(), _Table(), _Table(), _Table(), _Table())
    demo.generate(tables)
    month = _Month(demo, tables, today, nights)
    root = Path(root)
    return [month.write(root, index) for index in range(1, nights + 1)]
