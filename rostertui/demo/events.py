"""The month's events: whom they happen to, when, and how one night reads the year's rows.

Why a module of its own: the registry changes between nights (a pupil moves away every Tuesday,
one joins every Thursday, every other Wednesday a pupil leaves a group, new teaching groups appear
on fixed dates; a rename, a re-issued id and two fixes on nights the month schedules). The cast is
chosen once, with its own random stream so it never shifts a name or id; the rows are generated
once as a superset of every night, and `View` turns them into one night's files. `planted_on`
says which planted faults that night's bundle still holds.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from rostertui.demo.calendar import SchoolYear, drop_day, iso, school_mondays, summer_start
from rostertui.demo.files import DOMAIN, POLICY
from rostertui.demo.ids import FAMILY_NAMES, class_sourced_id, user_sourced_id
from rostertui.demo.plan import EXTRA_PUPILS, SPECIAL_USERS, ExtraGroup, Plan

JOINER_ROOM = 60
"""User ids after the base population kept for the year's weekly new pupils (≤ 53)."""

UNDATED_EVENTS = frozenset(("renamed", "fixed", "reissued"))


@dataclass(frozen=True, slots=True)
class Week:
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
class TermGroup:
    """A teaching group the registry adds on a fixed date, ahead of the term it starts in."""

    group: ExtraGroup
    added: date
    start: date
    members: list[int]
    teacher: str


@dataclass(slots=True)
class Cast:
    """Whom the events happen to; pupils are plan indices (their user id is index + 1)."""

    base_next: int  # the first user number after the base population
    weeks: list[Week]
    term_groups: list[TermGroup]
    reissued: int
    fixed_missing: int
    fixed_invalid: int
    renamed: str
    rename_to: tuple[str, str]
    enrolments: dict[str, list[str]] = field(default_factory=dict)  # filled while writing

    def joiner_id(self, week: int) -> str:
        return user_sourced_id(self.base_next + week)

    @property
    def reissued_new(self) -> str:
        return user_sourced_id(self.base_next + JOINER_ROOM)

    @property
    def watch(self) -> frozenset[int]:
        """Pupils whose rows the events reuse, kept while the pupils stream past."""
        droppers = (w.dropper for w in self.weeks if w.dropper is not None)
        return frozenset((self.reissued, *droppers))

    def roles(self, nine_b: str) -> dict[str, str]:
        return {
            "nine_b": nine_b,
            "renamed_teacher": self.renamed,
            "reissued_old": user_sourced_id(self.reissued + 1),
            "reissued_new": self.reissued_new,
            "fixed_missing_email": user_sourced_id(self.fixed_missing + 1),
            "fixed_invalid_email": user_sourced_id(self.fixed_invalid + 1),
            **{
                f"term_group_{t.group.terms.rpartition('-')[2]}": t.group.id
                for t in self.term_groups
            },
        }


@dataclass(frozen=True, slots=True)
class State:
    """Where the month stands on one night; by default as on its last night: every undated
    event done, 9B unticked again."""

    night: date
    done: frozenset[str] = UNDATED_EVENTS
    nine_b_exported: bool = False
    truncated: bool = False
    id_changed: bool = False


def plan_term_groups(plan: Plan, year: SchoolYear) -> list[tuple[ExtraGroup, int, date, date]]:
    """(group, level, added on, starts on): three groups the registry sets up ahead of time.

    Between them some group is pending on every night outside the term-start windows, and in
    each window one is read early: Franska 6 (added in July, starts with HT), Spanska 7 (added
    1 September, starts with VT: appears on the first night of the January window), summer
    school (added after the January window, starts the Monday after VT ends).
    """
    base = len(plan.classes) * plan.block
    school_id = plan.schools[0].id
    summer = summer_start(year)
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
        (ExtraGroup(class_sourced_id(base + 7 + n), title, school_id, "scheduled", level,
                    terms, "Ja", subject), level, added, start)
        for n, (title, level, terms, added, start, subject) in enumerate(specs)
    ]  # fmt: skip


def choose_cast(plan: Plan, year: SchoolYear, seed: int, people: int) -> Cast:
    """Whom the month happens to, and when: ordinary pupils and teachers, none with a fault.

    Undated events (a rename, a re-issued id, two e-mail fixes) happen to fixed people on
    nights the month schedules. Dated ones follow the school year's calendar, never today,
    so bundles of consecutive days differ only by what happened in between (see `Week`
    and `plan_term_groups`). A random stream of its own: choosing never shifts a name or id.
    """
    rng = random.Random(f"rostertui-demo-month:{seed}:{people}")
    busy = set(plan.person_faults) | set(plan.extra_enrolments)
    nine_b = plan.nine_b
    busy.update(range(nine_b.first_pupil, nine_b.first_pupil + nine_b.size))
    busy.add(plan.first_class(6, 3).first_pupil)  # the guardians' child
    first_teacher = plan.pupils + EXTRA_PUPILS + 1
    teachers = sum(plan.teachers_per_school)
    term_groups = []
    for number, (group, level, added, start) in enumerate(plan_term_groups(plan, year)):
        cls = plan.first_class(0, level)
        seats = range(cls.first_pupil, cls.first_pupil + cls.size)
        members = [p for p in seats if p not in busy][:8]
        busy.update(members)
        teacher = user_sourced_id(first_teacher + min(1 + number, plan.teachers_per_school[0] - 1))
        term_groups.append(TermGroup(group, added, start, members, teacher))
    pool = [p for p in range(plan.pupils) if p not in busy]
    mondays = school_mondays(year)
    drops = [w for w, monday in enumerate(mondays) if drop_day(year, w, monday)]
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
        weeks.append(Week(monday, next(leavers), joiner, dropper, drop_class))
    return Cast(
        base_next=first_teacher + teachers + plan.staff + len(plan.schools) + SPECIAL_USERS,
        weeks=weeks,
        term_groups=term_groups,
        reissued=reissued,
        fixed_missing=missing,
        fixed_invalid=invalid,
        renamed=user_sourced_id(first_teacher + rng.randrange(teachers)),
        rename_to=(rng.choice(FAMILY_NAMES), rng.choice(FAMILY_NAMES[::-1])),
    )


def planted_on(
    fixed: dict[str, list[str]],
    nine_b_ids: list[str],
    memberships_end: date,
    cast: Cast,
    state: State,
    present: Counter[str] | None = None,
) -> dict[str, list[str]]:
    """The faults a night's bundle holds: the fixed set, bent by the month's events.

    `fixed` is the planted set by code, `nine_b_ids` 9B's pupils (without a class while 9B is
    unticked), `memberships_end` the exclusive endDate of the planted ended memberships.
    `present` (a truncated night: rows per user id) keeps the person faults whose rows
    survived the cut.
    """
    policy, night = POLICY, state.night
    planted = {code: list(ids) for code, ids in fixed.items()}
    if state.nine_b_exported:
        planted["GROUP_NOT_EXPORTED"] = []
        in_nine_b = set(nine_b_ids)
        planted["STUDENT_NO_CLASS"] = [i for i in planted["STUDENT_NO_CLASS"] if i not in in_nine_b]
    if memberships_end > night:  # endDate is exclusive
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
        planted["PERSON_MISSING_EMAIL"].append(user_sourced_id(cast.fixed_missing + 1))
        planted["PERSON_INVALID_EMAIL"].append(user_sourced_id(cast.fixed_invalid + 1))
    if state.id_changed:
        planted["PERSON_ID_CHANGED"].append(cast.reissued_new)
    if present is not None:
        for code in planted:
            if code.startswith(("PERSON_", "STUDENT_", "TEACHER_")):
                planted[code] = [i for i in planted[code] if survives(i, present)]
    return {code: ids for code, ids in planted.items() if ids}


def survives(planted_id: str, present: Counter[str]) -> bool:
    """Whether a person fault's row is in a cut users.csv (`<id>#2` is the id's second row)."""
    user_id, _, copy = planted_id.partition("#")
    return present[user_id] >= (int(copy) if copy else 1)


def renamed_row(row: tuple[str, ...], names: tuple[str, str]) -> tuple[str, ...]:
    new = names[0] if names[0] != row[9] else names[1]
    return (*row[:9], new, *row[10:])


def without_email(row: tuple[str, ...]) -> tuple[str, ...]:
    return (*row[:12], "", *row[13:])


def mistyped_email(row: tuple[str, ...]) -> tuple[str, ...]:
    return (*row[:12], row[12].replace(f"@{DOMAIN}", f"@{DOMAIN.replace('.', ',', 1)}"), *row[13:])


class View:
    """One night's reading of the year's rows: who is in the export, under which id and name.

    Each method takes a row as generated and returns it as that night's file has it, or None.
    """

    def __init__(self, cast: Cast, state: State, nine_b: str) -> None:
        night, done = state.night, state.done
        gone = set()
        for w, week in enumerate(cast.weeks):
            if week.tuesday <= night:
                gone.add(user_sourced_id(week.leaver + 1))
            if week.joiner is not None and week.joiner[2] > night:
                gone.add(cast.joiner_id(w))
        gone.add(user_sourced_id(cast.reissued + 1) if "reissued" in done else cast.reissued_new)
        self.gone = frozenset(gone)
        self.gone_groups = frozenset(t.group.id for t in cast.term_groups if t.added > night)
        self.drops: dict[tuple[str, str], str | None] = {}  # None: cleared from the export
        for week in cast.weeks:
            if week.dropper is not None and week.wednesday <= night:
                ended = None if week.cleared <= night else iso(week.wednesday)
                self.drops[(user_sourced_id(week.dropper + 1), week.drop_class)] = ended
        self.droppers = frozenset(user for user, _ in self.drops)
        self.edits: dict[str, Any] = {}
        if "renamed" in done:
            self.edits[cast.renamed] = partial(renamed_row, names=cast.rename_to)
        if "fixed" not in done:
            self.edits[user_sourced_id(cast.fixed_missing + 1)] = without_email
            self.edits[user_sourced_id(cast.fixed_invalid + 1)] = mistyped_email
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
