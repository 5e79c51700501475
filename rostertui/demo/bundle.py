"""Writing Sjöstads kommun's rows, and one night's OneRoster bundle: `write_demo_bundle`.

Why a module of its own: this is where the plan, the planted faults and the month's cast become
rows, in file order (orgs, sessions, classes, pupils class by class, staff, then the year's new
records), so the order of the random draws, and with it every name and id, is fixed here.
`write_demo_bundle` streams those rows straight to the files through the last night's view,
so a 100 000-person bundle never sits in memory.
"""

from __future__ import annotations

import random
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import floor
from pathlib import Path
from typing import Any

from rostertui.demo.calendar import SchoolYear, iso, summer_start
from rostertui.demo.events import State, View, choose_cast, planted_on
from rostertui.demo.faults import PLANTED_CODES, plant, wrong_term_id
from rostertui.demo.files import (
    DISTRICT_ID,
    DISTRICT_NAME,
    DOMAIN,
    HEADERS,
    MANIFEST_TEXT,
    POLICY_TOML,
    Tables,
    Viewed,
    csv_writer,
    write_text,
)
from rostertui.demo.ids import grade_code, personnummer, user_sourced_id
from rostertui.demo.plan import MIN_PEOPLE, SUBJECTS, School, make_plan
from rostertui.demo.rows import RegistryRows


@dataclass(frozen=True)
class DemoBundle:
    """Where the demo was written and what was planted in it, for tests and the demo script."""

    folder: Path
    policy_path: Path
    as_of: date
    planted: dict[str, list[str]]
    anna_id: str
    cast: dict[str, str] = field(default_factory=dict)  # who the month's events happen to


class Demo(RegistryRows):
    """One generation of Sjöstads kommun: the plan, the planted faults, the cast, and every row.

    `generate` writes the rows of the whole month, in file order, through the given tables;
    `write` streams them through the last night's view into a bundle folder.
    """

    def __init__(
        self,
        as_of: date,
        people: int,
        seed: int,
        memberships_per_person: int | None,
    ) -> None:
        year = SchoolYear.containing(as_of)
        super().__init__(
            random.Random(f"rostertui-demo:{seed}:{people}"),
            begin=iso(year.ht_start),
            end=iso(year.vt_end + timedelta(days=1)),  # exclusive
        )
        self.as_of = as_of
        self.year = year
        self.last = year.previous()
        self.plan = make_plan(people, self.rng, memberships_per_person, year)
        self.planted: dict[str, list[str]] = {code: [] for code in PLANTED_CODES}
        self.remembered_email = ""
        self.anna_id = ""
        self.watched: dict[int, tuple[tuple[str, ...], list[tuple[str, ...]]]] = {}
        self.nine_b_id, self.nine_b_ids = plant(self.plan, self.rng, year, self.planted)
        self.cast = choose_cast(self.plan, year, seed, people)

    # -- the whole bundle -------------------------------------------------------------------

    def write(self, folder: Path) -> DemoBundle:
        """Stream the bundle as it stands on the month's last night (every event has happened)."""
        folder.mkdir(parents=True, exist_ok=True)
        final = State(self.as_of)
        view = View(self.cast, final, self.nine_b_id)
        with ExitStack() as stack:

            def writer(name: str) -> Any:
                return stack.enter_context(csv_writer(folder / name, HEADERS[name]))

            self.generate(
                Tables(
                    orgs=writer("orgs.csv"),
                    sessions=writer("academicSessions.csv"),
                    classes=Viewed(writer("classes.csv"), view.group),
                    users=Viewed(writer("users.csv"), view.user),
                    enrolments=Viewed(writer("enrollments.csv"), view.enrolment),
                )
            )
        write_text(folder / "manifest.csv", MANIFEST_TEXT)
        return self.bundle(folder, final)

    def generate(self, tables: Tables) -> None:
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

    def bundle(self, folder: Path, state: State, present: Counter[str] | None = None) -> DemoBundle:
        policy_path = folder / "policy.toml"
        write_text(policy_path, POLICY_TOML)
        return DemoBundle(
            folder=folder,
            policy_path=policy_path,
            as_of=state.night,
            planted=planted_on(
                self.planted,
                self.nine_b_ids,
                date.fromisoformat(self.ended_dates()[1]),
                self.cast,
                state,
                present,
            ),
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
                    (session_id, "", "", title, kind, iso(start), iso(end), parent_id, label)
                )
        writer.writerow(
            (wrong_term_id(self.year), "", "", f"Helår {self.year.title}", "term",
             iso(self.year.ht_start), iso(self.year.vt_end),
             self.last.session_id, self.last.label)
        )  # fmt: skip
        writer.writerow(_summer_session(self.year))

    def write_classes(self, writer: Any) -> None:
        plan = self.plan
        subjects = SUBJECTS[: plan.subjects_per_class]
        not_exported = self.planted["GROUP_NOT_EXPORTED"]
        for cls in plan.classes:
            school_id = plan.schools[cls.school].id
            grade = grade_code(cls.level)
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
                (group.id, "", "", group.title, grade_code(group.level), "", "",
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
            grade = grade_code(cls.level)
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
                civic, code = (
                    personnummer(f"{born}0230", 1 + index % 999),
                    "PERSON_INVALID_CIVIC_NO",
                )
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
            return self.begin, iso(fortnight)
        return iso(self.last.vt_start), iso(self.last.vt_end + timedelta(days=1))

    def not_started_dates(self) -> tuple[str, str]:
        """The first of a month at least 46 days ahead: past any look-ahead, stable for weeks.

        `as_of` is the month's last night, so every night of the month still reads it as later.
        """
        later = self.as_of + timedelta(days=45)
        begin = date(later.year + later.month // 12, later.month % 12 + 1, 1)
        end = self.year.vt_end + timedelta(days=1)
        if end <= begin:
            end = begin + timedelta(days=180)
        return iso(begin), iso(end)

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
            grades=grade_code(cls.level),
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

    def write_teaching(self, school: School, teachers: list[str]) -> None:
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
        child = user_sourced_id(plan.first_class(6, 3).first_pupil + 1)
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
            grades=grade_code(cls.level),
            civic=self.civic_no(self.year.start_year - 6 - cls.level),
            user_id=user_sourced_id(original + 1),
        )
        self.planted["PERSON_DUPLICATE_ID"].append(f"{user_id}#2")
        gone = self.next_user + 100
        target = plan.first_class(6, 5)
        for offset in range(2):
            enrolment_id = self.enrol(
                plan.homeroom_id(target), plan.schools[6].id, user_sourced_id(gone + offset)
            )
            self.planted["MEMBERSHIP_UNKNOWN_PERSON"].append(enrolment_id)

    # -- the month's events -----------------------------------------------------------------

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
                grades=grade_code(level),
                civic=self.civic_no(self.year.start_year - 6 - level),
                user_id=cast.joiner_id(w),
            )
            groups = [plan.homeroom_id(cls)]
            groups += [plan.subject_id(cls, n) for n in range(min(3, plan.subjects_per_class))]
            cast.enrolments[f"joined:{w}"] = [
                self.enrol(class_id, school_id, user_id, begin=iso(begin)) for class_id in groups
            ]
        self.write_reissued()
        for term in cast.term_groups:
            group = term.group
            cast.enrolments[group.id] = [
                self.enrol(group.id, group.school_id, term.teacher, "teacher", primary="true"),
                *(
                    self.enrol(group.id, group.school_id, user_sourced_id(p + 1))
                    for p in term.members
                ),
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
    return Demo(as_of, people, seed, memberships_per_person).write(Path(folder))


def _summer_session(year: SchoolYear) -> tuple[str, ...]:
    """Summer school's term, defined with the school year (a registry sets terms up early)."""
    return (
        f"{year.session_id}-sommar", "", "", f"Sommarskola {year.start_year + 1}", "term",
        iso(summer_start(year)), iso(year.end), year.session_id, year.label,
    )  # fmt: skip
