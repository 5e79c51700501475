"""Memberships are walked, not held: the CSV reader keeps them packed (on disk past a size),
the evaluator keeps compact links between its walks, and the store writes verdicts as they are
judged. A district's night must judge exactly as a school's does."""

from __future__ import annotations

import tempfile
from datetime import date

from rostertui.domain.evaluate import evaluate
from rostertui.domain.links import Positions
from rostertui.domain.model import (
    Capabilities,
    Group,
    Membership,
    Person,
    Placement,
    RawRow,
    Roster,
    School,
    SourceIssue,
)
from rostertui.domain.policy import Policy
from rostertui.sources import read_source, spool
from rostertui.sources.files import CsvFile
from rostertui.sources.spool import PackedMemberships, PackedRows
from rostertui.store.queries import Queries
from rostertui.sync import sync
from tests.oneroster_builder import clean_roster, enrollment

NIGHT = date(2026, 11, 22)
HEADER = ("sourcedId", "userSourcedId", "classSourcedId")


def hashed(value: str) -> str:
    return f"h:{value}"


def membership(number: int, person: str = "anna", group: str = "g-9b", **more) -> Membership:
    raw = RawRow.of(HEADER, [f"m{number}", person, group], "enrollments.csv", number + 1)
    return Membership(f"m{number}", person, group, "student", raw=raw, **more)


def odd_memberships() -> list[Membership]:
    """One of everything a membership rule looks at, and an id sent twice far apart."""
    return [
        membership(1),
        membership(2, "olle", "g-9a", start=date(2027, 1, 10)),  # not started
        membership(3, "tina", "g-9b", end=date(2026, 6, 1)),  # ended
        membership(4, "nobody"),  # unknown person
        membership(5, "olle", "g-gone"),  # unknown group
        membership(6, "olle", "g-9a", deleted=True),
        membership(
            7, "olle", "g-9a", issues=(SourceIssue("SOURCE_VALUE_NONSTANDARD", "odd", "role"),)
        ),
        *(membership(n, "olle", "g-9a") for n in range(8, 3000)),
        membership(1, "olle", "g-9a"),  # m1 again, after thousands of others
        Membership("m9000", "tina", "g-9a", "teacher"),  # no raw row (an API's record)
    ]


def roster(memberships) -> Roster:
    school = School("sch-1", "Centralskolan")
    persons = [
        Person("anna", "Anna", "Svensson", "anna@edu.se", "student", [Placement("sch-1")]),
        Person("olle", "Olle", "Olsson", "olle@edu.se", "student", [Placement("sch-1")]),
        Person("tina", "Tina", "Lärare", "tina@edu.se", "teacher", [Placement("sch-1")]),
    ]
    groups = [
        Group("g-9b", "9B", "class", "sch-1", export_flag="Ja"),
        Group("g-9a", "9A", "class", "sch-1", export_flag="Ja"),
    ]
    return Roster(
        "memory",
        "test",
        schools=[school],
        persons=persons,
        groups=groups,
        memberships=memberships,
        capabilities=Capabilities(export_flag=True),
    )


def judged(evaluation) -> list[tuple]:
    return [
        (v.kind, v.key, v.status, [(f.code, f.message, f.cause) for f in v.findings])
        for verdicts in evaluation.by_kind().values()
        for v in verdicts
    ]


def test_packed_memberships_walk_as_often_as_asked_even_once_they_spill_to_disk(monkeypatch):
    monkeypatch.setattr(spool, "IN_MEMORY", 4096)
    originals = odd_memberships()
    packed = PackedMemberships(originals)
    assert len(packed) == len(originals)
    first_walk = iter(packed)
    assert next(first_walk) == originals[0]
    assert packed._chunks._file._rolled  # past 4 KiB: in a temporary file, not in memory
    assert list(packed) == originals  # a second walk, while the first is under way
    assert list(first_walk) == originals[1:]


def test_a_roster_judges_the_same_from_a_list_and_from_packed_memberships(monkeypatch):
    monkeypatch.setattr(spool, "IN_MEMORY", 4096)
    policy = Policy(student_requires_class=True, teacher_requires_group=True)
    from_list = evaluate(roster(odd_memberships()), policy, NIGHT, hashed)
    packed = evaluate(roster(PackedMemberships(odd_memberships())), policy, NIGHT, hashed)
    assert judged(packed) == judged(from_list)
    by_key = {v.key: v for v in packed.memberships}
    assert by_key["m1"].status == "imported"
    repeat = by_key["m1#2"]
    assert (repeat.status, repeat.findings[0].code) == ("skipped", "MEMBERSHIP_DUPLICATE_ID")
    assert "enrollments.csv:2" in repeat.findings[0].message  # the first row, named
    assert {f.code for f in by_key["m4"].findings} == {"MEMBERSHIP_UNKNOWN_PERSON"}
    assert by_key["m2"].status == "pending"
    assert by_key["m6"].status == "excluded"
    assert len(packed.memberships) == len(odd_memberships())


def test_a_pupil_whose_only_class_has_not_started_waits_for_it_and_a_teacher_counts():
    """The group rules from the compact links: Anna's only class starts in January (pending,
    with the date); 9A has a teacher and members, 9B has members but no running teacher."""
    memberships = [
        membership(1, "anna", "g-9b", start=date(2027, 1, 10)),
        membership(2, "olle", "g-9a"),
        membership(3, "olle", "g-9b"),
        Membership("t1", "tina", "g-9a", "teacher"),
        Membership("t2", "tina", "g-9b", "teacher", end=date(2026, 1, 1)),
    ]
    policy = Policy(student_requires_class=True)
    evaluation = evaluate(roster(PackedMemberships(memberships)), policy, NIGHT, hashed)
    anna = evaluation.index["person"]["anna"]
    assert anna.status == "pending"
    assert [f.code for f in anna.findings] == ["STUDENT_ENROLMENT_NOT_STARTED"]
    assert "no class until 2027-01-10" in anna.findings[0].message
    codes = {v.key: [f.code for f in v.findings] for v in evaluation.groups}
    assert codes["g-9a"] == []
    assert codes["g-9b"] == ["GROUP_NO_TEACHER"]


def test_every_membership_read_from_a_clean_file_keeps_its_row_and_line(tmp_path):
    """The fast path for clean enrollment rows once stored no source row or line at all: a
    support agent opening a membership saw nothing of what the registry sent."""
    bundle = clean_roster()
    bundle.add("enrollments", enrollment("e-extra", "p1", "c9b-extra"))  # an unknown class
    folder = bundle.write(tmp_path / "bundle")
    memberships = list(read_source(str(folder), Policy()).memberships)
    assert memberships
    assert all(m.raw is not None and m.raw.ref.startswith("enrollments.csv:") for m in memberships)
    db = tmp_path / "r.db"
    sync(db, str(folder), as_of=NIGHT)
    first = memberships[0]
    with Queries.open(db) as queries:
        detail = queries.record(1, "membership", first.id)
    assert detail is not None
    assert detail.row.source_ref == first.raw.ref  # type: ignore[union-attr]
    assert detail.raw is not None and detail.raw["sourcedId"] == first.id


def test_a_temporary_folder_that_cannot_take_the_memberships_fails_the_night_and_says_where(
    tmp_path, monkeypatch
):
    """A full or missing temporary folder: the night fails naming the folder and what it
    needs, and the last good night stays the latest good one, every record of it there."""
    folder = clean_roster().write(tmp_path / "bundle")
    db = tmp_path / "r.db"
    assert sync(db, str(folder), as_of=NIGHT).state == "good"
    kept = [m.id for m in read_source(str(folder), Policy()).memberships]
    monkeypatch.setattr(spool, "IN_MEMORY", 64)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    failed = sync(db, str(folder), as_of=date(2026, 11, 23))
    assert failed.state == "failed"
    assert "enrollments could not be kept in the temporary folder" in failed.error
    assert "no-such-folder" in failed.error
    assert "TMPDIR" in failed.error
    with Queries.open(db) as queries:
        assert queries.latest_good_run_id() == 1
        assert all(queries.record(1, "membership", key) for key in kept)


def test_positions_list_each_persons_and_groups_memberships_in_the_order_judged():
    """The chain the store's `members` column is made from: every position of a key, in
    order, however the memberships of persons and groups interleave; none for a stranger."""
    positions = Positions()
    pairs = [("anna", "9b"), ("olle", "9b"), ("anna", "sv"), ("tina", "9b"), ("anna", "9b")]
    for number, (person, group) in enumerate(pairs):
        positions.add(membership(number, person, group))
    assert positions.of("person", "anna") == [0, 2, 4]
    assert positions.of("person", "tina") == [3]
    assert positions.of("group", "9b") == [0, 1, 3, 4]
    assert positions.of("group", "sv") == [2]
    assert positions.of("person", "nobody") == []
    assert positions.count == 5


def test_raw_rows_kept_on_disk_read_back_as_sent_in_any_order(monkeypatch):
    """Persons' and groups' raw rows wait in a temporary file until the store asks: read back
    in order, out of order, before and after they spill, each is the row that was sent."""
    monkeypatch.setattr(spool, "IN_MEMORY", 512)
    monkeypatch.setattr(spool, "CHUNK", 7)
    texts = PackedRows(CsvFile("users.csv", HEADER, iter(())))
    sent = [
        RawRow.of(HEADER, [f"u{n}", "Åsa\x1fÖberg", f"g{n % 3}"], "users.csv", n + 2)
        for n in range(40)
    ]
    kept = [texts.keep(row) for row in sent]
    assert kept[-1].packed == sent[-1].packed  # still in the chunk being filled
    assert texts._chunks._file._rolled
    for number in [*range(40), 39, 0, 21, 3]:
        row = kept[number]
        assert (row.values, row.ref, row.header) == (sent[number].values, sent[number].ref, HEADER)
    assert kept[5].without(["u5"]).values[0] == "(withheld)"


def test_every_person_and_group_read_from_a_file_keeps_its_row(tmp_path):
    """The raw rows of users.csv and classes.csv, kept on disk, reach the store: a support
    agent opening a person sees what the registry sent, on its line."""
    folder = clean_roster().write(tmp_path / "bundle")
    roster = read_source(str(folder), Policy())
    db = tmp_path / "r.db"
    sync(db, str(folder), as_of=NIGHT)
    with Queries.open(db) as queries:
        for kind, record in [("person", roster.persons[-1]), ("group", roster.groups[-1])]:
            detail = queries.record(1, kind, record.id)
            assert detail is not None and detail.raw is not None
            assert detail.raw["sourcedId"] == record.id
            assert detail.row.source_ref == record.raw.ref  # type: ignore[union-attr]


def members_roster(memberships: list[Membership]) -> Roster:
    """9A and 9B at one school; p1–p3 have no given name (skipped), p4 and the teacher are
    fine."""
    unnamed = [
        Person(f"p{n}", "", "Berg", f"p{n}@edu.se", "student", [Placement("sch-1")])
        for n in (1, 2, 3)
    ]
    fine = Person("p4", "Fia", "Ek", "p4@edu.se", "student", [Placement("sch-1")])
    teacher = Person("tina", "Tina", "Lärare", "tina@edu.se", "teacher", [Placement("sch-1")])
    return Roster(
        "memory",
        "test",
        schools=[School("sch-1", "Centralskolan")],
        persons=[*unnamed, fine, teacher],
        groups=[Group("g-9a", "9A", "class", "sch-1"), Group("g-9b", "9B", "class", "sch-1")],
        memberships=PackedMemberships(memberships),
    )


def group_codes(memberships: list[Membership]) -> dict[str, list[str]]:
    evaluation = evaluate(members_roster(memberships), Policy(), NIGHT, hashed)
    return {v.key: [f.code for f in v.findings] for v in evaluation.groups}


def test_a_group_whose_first_members_are_all_left_out_still_counts_a_later_one():
    """The first walk keeps each group's first three running members: all three skipped, the
    fourth (imported) is found by walking again; without her the group has no members."""
    first_three = [Membership(f"m{n}", f"p{n}", "g-9a", "student") for n in (1, 2, 3)]
    teacher = [
        Membership("t1", "tina", "g-9a", "teacher"),
        Membership("t2", "tina", "g-9b", "teacher"),
    ]
    fourth = [Membership("m4", "p4", "g-9a", "student"), Membership("m5", "p4", "g-9b", "student")]
    assert group_codes([*first_three, *fourth, *teacher]) == {"g-9a": [], "g-9b": []}
    assert group_codes([*first_three, fourth[1], teacher[1]]) == {
        "g-9a": ["GROUP_NO_MEMBERS", "GROUP_NO_TEACHER"],
        "g-9b": [],
    }
    assert group_codes([*first_three, *fourth]) == {
        "g-9a": ["GROUP_NO_TEACHER"],
        "g-9b": ["GROUP_NO_TEACHER"],
    }


def test_a_repeated_membership_id_does_not_make_a_member():
    """m1 again, now naming Fia in 9B: the repeat is skipped, so it gives 9B no member."""
    memberships = [
        Membership("m1", "p1", "g-9b", "student"),
        Membership("m1", "p4", "g-9b", "student"),
        Membership("m2", "p4", "g-9a", "student"),
        Membership("t1", "tina", "g-9a", "teacher"),
    ]
    assert group_codes(memberships) == {
        "g-9a": [],
        "g-9b": ["GROUP_NO_MEMBERS", "GROUP_NO_TEACHER"],
    }
