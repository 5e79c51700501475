"""The demo municipality, Sjöstads kommun, written as a OneRoster 1.1 bulk CSV bundle.

Why it exists: the console only convinces on data that looks like a real night — thousands of
ordinary, clean pupils and teachers and a handful of the faults support really sees — and the
benchmark needs the same shape at 100 000 people. So the generator streams rows straight to the
CSV files (only per-class numbers stay in memory) and plants a fixed set of faults that does not
grow with the population: "12 problems among 100 000 people" is the realistic picture.

The content depends only on (seed, people): the as-of date moves dates, never names or ids, so
bundles written for consecutive nights of one school year diff cleanly against each other.
Every planted fault is recorded in `DemoBundle.planted` under its catalogue code, so tests and the
demo script can check that the engine finds exactly what was put there.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import ceil, floor
from pathlib import Path
from typing import Any

__all__ = ["MIN_PEOPLE", "DemoBundle", "write_demo_bundle"]

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
    "PERSON_PROTECTED_IDENTITY",
    "PERSON_INACTIVE",
    "PERSON_INVALID_CIVIC_NO",
    "PERSON_NO_SCHOOL",
    "STUDENT_ENROLMENT_NOT_STARTED",
    "STUDENT_NO_CLASS",
    "TEACHER_NO_GROUP",
    "GROUP_UNKNOWN_SCHOOL",
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
SPECIAL_USERS = 4  # guardian, parent, teacher without groups, aide at the district only

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
        folder: Path,
        as_of: date,
        people: int,
        seed: int,
        memberships_per_person: int | None,
    ) -> None:
        self.folder = folder
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
        self.users.writerow(
            (user_id, "", "", enabled, org, role, username, "", given, family, "", "",
             email, "", "", agents, grades, "", civic, marking)
        )  # fmt: skip
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

    def write(self) -> DemoBundle:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.plant()
        self.write_manifest()
        self.write_orgs()
        self.write_sessions()
        self.write_classes()
        with ExitStack() as stack:
            self.users = stack.enter_context(
                _csv_writer(self.folder / "users.csv", HEADERS["users.csv"])
            )
            self.enrolments = stack.enter_context(
                _csv_writer(self.folder / "enrollments.csv", HEADERS["enrollments.csv"])
            )
            self.write_pupils()
            self.write_extra_pupils()
            self.write_staff()
        policy_path = self.folder / "policy.toml"
        policy_path.write_text(POLICY_TOML, encoding="utf-8")
        return DemoBundle(
            folder=self.folder,
            policy_path=policy_path,
            as_of=self.as_of,
            planted={code: ids for code, ids in self.planted.items() if ids},
            anna_id=self.anna_id,
        )

    def write_manifest(self) -> None:
        with _csv_writer(self.folder / "manifest.csv", ("propertyName", "value")) as writer:
            writer.writerows(MANIFEST)

    def write_orgs(self) -> None:
        with _csv_writer(self.folder / "orgs.csv", HEADERS["orgs.csv"]) as writer:
            writer.writerow((DISTRICT_ID, "", "", DISTRICT_NAME, "district", "", ""))
            for school in self.plan.schools:
                writer.writerow(
                    (school.id, "", "", school.name, "school", school.code, DISTRICT_ID)
                )

    def write_sessions(self) -> None:
        """This year and last year, each a schoolYear with HT and VT terms, plus one bad term.

        The bad term runs through this school year but claims last year's schoolYear: the
        registry rolled the dates and forgot the year (GROUP_WRONG_ACADEMIC_YEAR).
        """
        path = self.folder / "academicSessions.csv"
        with _csv_writer(path, HEADERS["academicSessions.csv"]) as writer:
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

    @property
    def wrong_term_id(self) -> str:
        return f"as-{self.last.label}-helar"

    def write_classes(self) -> None:
        plan = self.plan
        subjects = SUBJECTS[: plan.subjects_per_class]
        not_exported = self.planted["GROUP_NOT_EXPORTED"]
        with _csv_writer(self.folder / "classes.csv", HEADERS["classes.csv"]) as writer:
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
            for group in plan.extra_groups.values():
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
        """The first of a month at least 46 days ahead: past any look-ahead, stable for weeks."""
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
        for role in ("guardian", "parent"):
            given, family = self.random_name()
            user_id = self.user(org=school_id, role=role, given=given, family=family, agents=child)
            self.planted["PERSON_UNKNOWN_ROLE"].append(user_id)
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
        cls = next(c for c in plan.classes if c.first_pupil <= original < c.first_pupil + c.size)
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

    # -- choosing the victims ---------------------------------------------------------------

    def plant(self) -> None:
        """Decide which pupils carry which fault and create the planted groups.

        Victims are drawn from regular pupils outside 9B and outside the planted groups, so each
        planted record triggers its own code and nothing else by accident.
        """
        plan = self.plan
        nine_b = next(c for c in plan.classes if c.school == 0 and c.title == "9B")
        self.planted["GROUP_NOT_EXPORTED"].append(plan.homeroom_id(nine_b))
        anna = nine_b.first_pupil + self.rng.randrange(nine_b.size)
        plan.person_faults[anna] = "anna"
        reserved = set(range(nine_b.first_pupil, nine_b.first_pupil + nine_b.size))
        self.planted["STUDENT_NO_CLASS"] += [
            _user_id(p + 1) for p in [anna, *sorted(reserved - {anna})]
        ]
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
            cls = next(c for c in plan.classes if c.first_pupil <= pupil < c.first_pupil + c.size)
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
    return _Demo(Path(folder), as_of, people, seed, memberships_per_person).write()
