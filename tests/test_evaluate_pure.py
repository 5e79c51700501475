"""The domain on its own: `evaluate()` on rosters built in memory, and the hold's judgement,
with no source file, no SQL and no screen. What the support agent is told starts here."""

from __future__ import annotations

from datetime import date

import pytest

from rostertui.domain.evaluate import evaluate
from rostertui.domain.holds import Removals, mass_removal_hold
from rostertui.domain.model import (
    Capabilities,
    Group,
    Membership,
    Person,
    Placement,
    Roster,
    School,
)
from rostertui.domain.policy import Policy

NIGHT = date(2026, 11, 22)


def hashed(value: str) -> str:
    return f"h:{value}"


def roster(*, flag_9b: str = "Ja") -> Roster:
    """Centralskolan, class 9B (its export flag as given) and 9A, Anna in 9B, Olle in 9A, and
    their teacher in both."""
    school = School("sch-1", "Centralskolan")
    pupils = [
        Person("anna", "Anna", "Svensson", "anna@edu.se", "student", [Placement("sch-1")]),
        Person("olle", "Olle", "Olsson", "olle@edu.se", "student", [Placement("sch-1")]),
    ]
    teacher = Person("tina", "Tina", "Lärare", "tina@edu.se", "teacher", [Placement("sch-1")])
    groups = [
        Group("g-9b", "9B", "class", "sch-1", export_flag=flag_9b),
        Group("g-9a", "9A", "class", "sch-1", export_flag="Ja"),
    ]
    memberships = [
        Membership("m1", "anna", "g-9b", "student"),
        Membership("m2", "olle", "g-9a", "student"),
        Membership("m3", "tina", "g-9b", "teacher"),
        Membership("m4", "tina", "g-9a", "teacher"),
    ]
    return Roster(
        "memory",
        "test",
        schools=[school],
        persons=[*pupils, teacher],
        groups=groups,
        memberships=memberships,
        capabilities=Capabilities(export_flag=True),
    )


def verdicts(evaluation) -> dict[tuple[str, str], object]:
    return {(v.kind, v.key): v for vs in evaluation.by_kind().values() for v in vs}


def test_a_clean_roster_imports_everyone():
    judged = verdicts(evaluate(roster(), Policy(), NIGHT, hashed))
    assert {v.status for v in judged.values()} == {"imported"}
    assert len(judged) == 1 + 3 + 2 + 4


def test_a_class_not_marked_for_export_keeps_its_pupil_out_and_is_named_as_the_root():
    policy = Policy(student_requires_class=True)
    evaluation = evaluate(roster(flag_9b=""), policy, NIGHT, hashed)
    judged = verdicts(evaluation)
    group = judged[("group", "g-9b")]
    assert group.status == "excluded"
    assert [f.code for f in group.findings] == ["GROUP_NOT_EXPORTED"]
    anna = judged[("person", "anna")]
    assert anna.status == "skipped"
    (no_class,) = [f for f in anna.findings if f.code == "STUDENT_NO_CLASS"]
    root = evaluation.ultimate(no_class)
    assert (root.kind, root.key, root.code) == ("group", "g-9b", "GROUP_NOT_EXPORTED")
    assert judged[("person", "olle")].status == "imported"  # 9A is fine
    assert judged[("person", "tina")].status == "imported"  # she still teaches 9A
    assert judged[("membership", "m1")].status != "imported"


@pytest.mark.parametrize(
    ("before", "removed", "threshold", "held"),
    [(1000, 100, 0.10, False), (1000, 101, 0.10, True), (0, 5, 0.10, False), (10, 10, 1.0, False)],
)
def test_a_night_is_held_when_it_would_remove_more_than_the_policy_allows(
    before, removed, threshold, held
):
    hold = mass_removal_hold(Removals(31, 30, before, removed), threshold)
    assert (hold is not None) == held
    if hold:
        assert hold.code == "MASS_REMOVAL_HELD" and hold.key == "31"
        assert (
            f"would remove {removed:,} of the {before:,} users imported in run 30" in hold.message
        )
        assert "rostertui sync --accept-held 31" in hold.message
