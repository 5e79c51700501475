"""The planted faults: the fixed set of records that break the rules, one per catalogue code.

Why a module of its own: the demo exists to show the engine finding faults, so which records are
bent, and how, is decided here in one place, right after the plan and before any row is written.
The set does not grow with the population ("12 problems among 100 000 people"), and each victim
is a pupil nothing else happens to, so each planted record triggers its own code and no other.
"""

from __future__ import annotations

import random

from rostertui.demo.calendar import SchoolYear
from rostertui.demo.ids import class_sourced_id, user_sourced_id
from rostertui.demo.plan import Class, ExtraGroup, Plan

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


def wrong_term_id(year: SchoolYear) -> str:
    """The term that runs through `year` but claims last year's schoolYear (a rolled-over
    registry that forgot the year: GROUP_WRONG_ACADEMIC_YEAR)."""
    return f"as-{year.previous().label}-helar"


def plant(
    plan: Plan, rng: random.Random, year: SchoolYear, planted: dict[str, list[str]]
) -> tuple[str, list[str]]:
    """Decide which pupils carry which fault and create the planted groups.

    Victims are drawn from regular pupils outside 9B and outside the planted groups, so each
    planted record triggers its own code and nothing else by accident. Records the planted ids
    in `planted` and returns 9B's id and its pupils' ids (Anna first).
    """
    nine_b = plan.nine_b
    nine_b_id = plan.homeroom_id(nine_b)
    planted["GROUP_NOT_EXPORTED"].append(nine_b_id)
    anna = nine_b.first_pupil + rng.randrange(nine_b.size)
    plan.person_faults[anna] = "anna"
    reserved = set(range(nine_b.first_pupil, nine_b.first_pupil + nine_b.size))
    nine_b_ids = [user_sourced_id(p + 1) for p in [anna, *sorted(reserved - {anna})]]
    planted["STUDENT_NO_CLASS"] += nine_b_ids
    _plant_groups(plan, year, planted, reserved)
    _plant_person_faults(plan, rng, reserved)
    return nine_b_id, nine_b_ids


def _plant_groups(
    plan: Plan, year: SchoolYear, planted: dict[str, list[str]], reserved: set[int]
) -> None:
    school_id = [s.id for s in plan.schools]
    unknown_school = f"sch-{len(plan.schools) + 900:03d}"
    base = len(plan.classes) * plan.block
    current, wrong, ended = year.term_ids, wrong_term_id(year), year.previous().term_ids
    specs = [
        ("class_nine", "9", school_id[1], "homeroom", 9, year.session_id, ("", "")),
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
        group = ExtraGroup(
            class_sourced_id(base + offset), title, school, kind, level, terms, "Ja", subject
        )
        plan.extra_groups[key] = group
        planted[codes[key]].append(group.id)
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


def _plant_person_faults(plan: Plan, rng: random.Random, reserved: set[int]) -> None:
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
    for candidate in rng.sample(range(plan.pupils), len(faults) + len(reserved) + 10):
        if candidate not in reserved and len(victims) < len(faults):
            victims.append(candidate)
    source, copy = sorted(victims[4:6])  # the original e-mail holder comes first
    victims[4:6] = [source, copy]
    unknown_group = class_sourced_id(len(plan.classes) * plan.block + 100)
    for pupil, fault in zip(victims, faults, strict=True):
        cls = plan.class_of(pupil)
        school_id = plan.schools[cls.school].id
        if fault == "ended":
            other = _neighbour(plan, cls)
            plan.extra_enrolments[pupil] = [
                (plan.subject_id(other, 0), school_id, "MEMBERSHIP_ENDED")
            ]
        elif fault == "unknown_group":
            plan.extra_enrolments[pupil] = [(unknown_group, school_id, "MEMBERSHIP_UNKNOWN_GROUP")]
        else:
            plan.person_faults[pupil] = fault


def _neighbour(plan: Plan, cls: Class) -> Class:
    """Another class at the same school: the pupil moved from its Sv group to their own."""
    classes = plan.classes_of(cls.school)
    position = classes.index(cls)
    return classes[(position + 1) % len(classes)]
