"""A month of demo nights: the registry's events are in the files on the nights planned, and a
short month synced night by night tells the story the support agent and the admin will see.

The file checks read the CSVs with the csv module (as tests/test_demo.py does); the end-to-end
test goes through the real sync and the query layer.
"""

from __future__ import annotations

import csv
import filecmp
from datetime import date, timedelta
from pathlib import Path

import pytest

from rostertui.demo import DemoNight, write_demo_bundle, write_demo_month
from rostertui.store.queries import Queries
from rostertui.sync import sync

TODAY = date(2026, 11, 22)
FILES = (
    "manifest.csv",
    "orgs.csv",
    "academicSessions.csv",
    "classes.csv",
    "users.csv",
    "enrollments.csv",
    "policy.toml",
)


def rows_of(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rows(night: DemoNight, name: str) -> list[dict[str, str]]:
    return rows_of(night.bundle.folder, name)


def users_by_id(night: DemoNight) -> dict[str, dict[str, str]]:
    return {u["sourcedId"]: u for u in reversed(rows(night, "users.csv"))}  # first row wins


def nights_with(month: list[DemoNight], event: str) -> list[int]:
    """1-based indices of the nights whose story has `event`."""
    return [i for i, night in enumerate(month, 1) if event in night.events]


def same_files(a: Path, b: Path) -> bool:
    return all(filecmp.cmp(a / name, b / name, shallow=False) for name in FILES)


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> list[DemoNight]:
    return write_demo_month(tmp_path_factory.mktemp("month") / "sjostad", today=TODAY)


@pytest.fixture(scope="module")
def cast(month: list[DemoNight]) -> dict[str, str]:
    return month[-1].bundle.cast


@pytest.fixture(scope="module")
def users(month: list[DemoNight]) -> list[dict[str, dict[str, str]]]:
    """Each night's users by id; the truncated night as the full night before it, because the
    events are about the registry, not about the export that lost most of its rows."""
    [cut] = nights_with(month, "export_truncated")
    by_night = [users_by_id(night) for night in month]
    by_night[cut - 1] = by_night[cut - 2]
    return by_night


@pytest.fixture(scope="module")
def enrollments(month: list[DemoNight]) -> list[list[tuple[str, str, str, str, str]]]:
    """Each night's enrollments as (sourcedId, classSourcedId, userSourcedId, beginDate,
    endDate), read once for the tests that follow memberships through the month."""
    wanted = ("sourcedId", "classSourcedId", "userSourcedId", "beginDate", "endDate")
    by_night = []
    for night in month:
        with (night.bundle.folder / "enrollments.csv").open(encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            columns = [header.index(name) for name in wanted]
            by_night.append([tuple(row[c] for c in columns) for row in reader])
    return by_night  # type: ignore[return-value]


# ------------------------------------------------------------------------------- the files


def test_one_folder_per_night_oldest_first_ending_today(month: list[DemoNight]) -> None:
    assert len(month) == 30
    assert [n.as_of for n in month] == [TODAY - timedelta(days=29 - i) for i in range(30)]
    for night in month:
        assert night.bundle.as_of == night.as_of
        assert night.bundle.folder.name == night.as_of.isoformat()
        assert sorted(p.name for p in night.bundle.folder.iterdir()) == sorted(FILES)
        assert night.story and "\n" not in night.story
        assert (night.story == "Ordinary night") == (night.events == ())
    assert sum(n.story == "Ordinary night" for n in month) >= 10


def test_the_month_is_deterministic(tmp_path: Path) -> None:
    first = write_demo_month(tmp_path / "a", today=TODAY, nights=12, people=500)
    second = write_demo_month(tmp_path / "b", today=TODAY, nights=12, people=500)
    other = write_demo_month(tmp_path / "c", today=TODAY, nights=12, people=500, seed=8)
    for a, b in zip(first, second, strict=True):
        assert same_files(a.bundle.folder, b.bundle.folder), a.as_of
        assert (a.story, a.events, a.bundle.planted) == (b.story, b.events, b.bundle.planted)
    assert not filecmp.cmp(
        first[0].bundle.folder / "users.csv", other[0].bundle.folder / "users.csv", shallow=False
    )


def test_the_last_night_is_the_plain_bundle_whatever_the_month_length(
    month: list[DemoNight], tmp_path: Path
) -> None:
    plain = write_demo_bundle(tmp_path / "plain", as_of=TODAY)
    assert same_files(plain.folder, month[-1].bundle.folder)
    assert plain.planted == month[-1].bundle.planted and plain.cast == month[-1].bundle.cast
    small = write_demo_bundle(tmp_path / "small", as_of=TODAY, people=500)
    for nights in (1, 12):
        short = write_demo_month(tmp_path / f"m{nights}", today=TODAY, nights=nights, people=500)
        assert same_files(small.folder, short[-1].bundle.folder), nights


def test_one_truncated_export_about_a_week_before_the_end(month: list[DemoNight]) -> None:
    [truncated] = nights_with(month, "export_truncated")
    assert 25 - 2 <= truncated <= 30 - 5
    counts = [len(rows(night, "users.csv")) for night in month]
    before, cut, after = counts[truncated - 2 : truncated + 1]
    assert cut == round(before * 0.4) or abs(cut / before - 0.4) < 0.005
    assert abs(after - before) <= 2  # complete again; a pupil may have come or gone
    assert f"users.csv has {cut:,} of " in month[truncated - 1].story
    assert nights_with(month, "export_complete") == [truncated + 1]
    full = [c for i, c in enumerate(counts, 1) if i != truncated]
    assert max(full) - min(full) <= 6  # everywhere else only the month's few comings and goings


def test_9b_is_unticked_for_a_week_mid_month_and_again_on_the_last_night(
    month: list[DemoNight], cast: dict[str, str]
) -> None:
    unticked = []
    for index, night in enumerate(month, 1):
        nine_b = next(c for c in rows(night, "classes.csv") if c["sourcedId"] == cast["nine_b"])
        assert nine_b["title"] == "9B" and nine_b["metadata.tillLMS"] in ("", "Ja")
        if nine_b["metadata.tillLMS"] == "":
            unticked.append(index)
            assert night.bundle.planted["GROUP_NOT_EXPORTED"] == [cast["nine_b"]]
        else:
            assert "GROUP_NOT_EXPORTED" not in night.bundle.planted
    assert unticked == [*range(12, 19), 30]
    assert nights_with(month, "class_unexported") == [12, 30]
    assert nights_with(month, "class_exported") == [19]
    assert "Class 9B unticked 'Till LMS' in the registry" in month[11].story
    assert "again" in month[-1].story


def test_anna_stays_in_9b_every_night(
    month: list[DemoNight], cast: dict[str, str], enrollments: list[list[tuple]]
) -> None:
    anna = month[-1].bundle.anna_id
    for night, tonight in zip(month, enrollments, strict=True):
        assert (cast["nine_b"], anna) in {(e[1], e[2]) for e in tonight}, night.as_of


def test_the_re_issued_pupil_gets_a_new_id_with_the_same_email_and_civic_no(
    month: list[DemoNight], users: list[dict[str, dict[str, str]]], cast: dict[str, str]
) -> None:
    old, new = cast["reissued_old"], cast["reissued_new"]
    [switch] = nights_with(month, "id_reissued")
    assert switch not in nights_with(month, "export_truncated")
    for index, by_id in enumerate(users, 1):
        assert (old in by_id, new in by_id) == ((True, False) if index < switch else (False, True))
    before, after = users[switch - 2][old], users[switch - 1][new]
    assert after["email"] == before["email"]
    assert after["metadata.civicNo"] == before["metadata.civicNo"]
    assert (after["givenName"], after["familyName"]) == (before["givenName"], before["familyName"])
    assert month[switch - 1].bundle.planted["PERSON_ID_CHANGED"] == [new]
    assert old in month[switch - 1].story and new in month[switch - 1].story


def test_the_renamed_teacher_changes_family_name_once(
    month: list[DemoNight], users: list[dict[str, dict[str, str]]], cast: dict[str, str]
) -> None:
    teacher = cast["renamed_teacher"]
    names = [by_id[teacher]["familyName"] for by_id in users]
    changes = [i for i in range(1, len(names)) if names[i] != names[i - 1]]
    assert len(changes) == 1
    assert nights_with(month, "teacher_renamed") == [changes[0] + 1]
    assert {by_id[teacher]["email"] for by_id in users} == {users[0][teacher]["email"]}
    assert f"changed family name to {names[-1]}" in month[changes[0]].story


def test_two_email_faults_are_fixed_on_one_night(
    month: list[DemoNight], users: list[dict[str, dict[str, str]]], cast: dict[str, str]
) -> None:
    missing, invalid = cast["fixed_missing_email"], cast["fixed_invalid_email"]
    [fixed] = nights_with(month, "emails_fixed")
    [cut] = nights_with(month, "export_truncated")
    for index, (night, by_id) in enumerate(zip(month, users, strict=True), 1):
        planted = night.bundle.planted
        if index == cut:
            continue  # planted follows the cut file there
        if index < fixed:
            assert by_id[missing]["email"] == ""
            assert by_id[invalid]["email"].endswith("@edu,sjostad.se")
            assert missing in planted["PERSON_MISSING_EMAIL"]
            assert invalid in planted["PERSON_INVALID_EMAIL"]
        else:
            assert by_id[missing]["email"].endswith("@edu.sjostad.se")
            assert by_id[invalid]["email"].endswith("@edu.sjostad.se")
            assert missing not in planted["PERSON_MISSING_EMAIL"]
            assert len(planted["PERSON_INVALID_EMAIL"]) == 2  # the two planted for good


def test_every_user_who_comes_or_goes_is_in_the_story(
    month: list[DemoNight], users: list[dict[str, dict[str, str]]], cast: dict[str, str]
) -> None:
    """Weekly: a pupil moves away on Tuesday, one joins on Thursday; plus the re-issued id."""
    [cut] = nights_with(month, "export_truncated")
    events = [set(night.events) for night in month]
    events[cut] |= events[cut - 1]  # the cut night's users are read as the night before it
    for index in range(2, 31):
        came = set(users[index - 1]) - set(users[index - 2])
        went = set(users[index - 2]) - set(users[index - 1])
        tonight = events[index - 1]
        expected_came = len(tonight & {"pupil_joined", "pupil_registered"})
        if "id_reissued" in tonight:
            assert (cast["reissued_new"] in came, cast["reissued_old"] in went) == (True, True)
            came.discard(cast["reissued_new"])
            went.discard(cast["reissued_old"])
        assert len(came) == expected_came, (month[index - 1].as_of, came)
        assert len(went) == ("pupil_left" in tonight), (month[index - 1].as_of, went)
    assert len(nights_with(month, "pupil_left")) == 4
    assert len(nights_with(month, "pupil_joined")) == 2
    assert len(nights_with(month, "pupil_registered")) == 2
    weekdays = {month[i - 1].as_of.strftime("%a") for i in nights_with(month, "pupil_left")}
    assert weekdays == {"Tue"}


def test_two_new_pupils_are_pending_before_they_start(
    month: list[DemoNight], users: list[dict[str, dict[str, str]]], enrollments: list[list[tuple]]
) -> None:
    for night in nights_with(month, "pupil_registered"):
        [user_id] = set(users[night - 1]) - set(users[night - 2])
        pending = [
            n.as_of
            for n in month
            if user_id in n.bundle.planted.get("STUDENT_ENROLMENT_NOT_STARTED", [])
        ]
        assert pending[0] == month[night - 1].as_of and len(pending) == 4  # Thursday … Sunday
        begins = {e[3] for e in enrollments[-1] if e[2] == user_id}
        assert begins == {(pending[-1] + timedelta(days=1)).isoformat()}  # Monday
        started = month[month.index(next(n for n in month if n.as_of > pending[-1]))]
        assert "pupil_started" in started.events
        assert users[night - 1][user_id]["givenName"] in started.story


def test_every_other_wednesday_a_pupil_leaves_a_group(
    month: list[DemoNight], enrollments: list[list[tuple]]
) -> None:
    left = nights_with(month, "group_left")
    assert len(left) == 2 and {month[i - 1].as_of.strftime("%a") for i in left} == {"Wed"}
    for night in left:
        as_of = month[night - 1].as_of.isoformat()
        before = {e[0]: e[4] for e in enrollments[night - 2]}
        ended = [e[0] for e in enrollments[night - 1] if e[4] == as_of and before[e[0]] != as_of]
        assert len(ended) == 1  # endDate is exclusive: ended yesterday, gone from tonight
        assert ended[0] in month[night - 1].bundle.planted["MEMBERSHIP_ENDED"]
        if night + 14 <= 30:  # the registry clears it two weeks later
            assert ended[0] in {e[0] for e in enrollments[night + 12]}
            assert ended[0] not in {e[0] for e in enrollments[night + 13]}


def test_consecutive_plain_bundles_differ_only_by_the_calendar(tmp_path: Path) -> None:
    """Friday → Saturday nothing happens; Wednesday → Thursday a pupil joins, nothing else."""
    friday, saturday, thursday = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 19)
    bundles = {
        day: write_demo_bundle(tmp_path / day.isoformat(), as_of=day, people=500)
        for day in (thursday - timedelta(days=1), thursday, friday, saturday)
    }
    assert same_files(bundles[friday].folder, bundles[saturday].folder)
    wednesday = thursday - timedelta(days=1)
    before = {u["sourcedId"]: u for u in rows_of(bundles[wednesday].folder, "users.csv")}
    after = {u["sourcedId"]: u for u in rows_of(bundles[thursday].folder, "users.csv")}
    assert len(set(after) - set(before)) == 1 and set(before) <= set(after)
    assert all(after[k] == v for k, v in before.items())


def test_the_next_terms_group_is_pending_outside_a_term_start_window(
    month: list[DemoNight], cast: dict[str, str]
) -> None:
    vt, ht, summer = cast["term_group_vt"], cast["term_group_ht"], cast["term_group_sommar"]
    for night in month:
        classes = {c["sourcedId"]: c for c in rows(night, "classes.csv")}
        assert classes[vt]["termSourcedIds"] == "as-2027-vt"  # VT 2027 starts 2027-01-08
        assert classes[vt]["title"] == "Spanska 7" and ht in classes and summer not in classes
        assert night.bundle.planted["GROUP_NOT_STARTED"] == [vt]


def test_a_month_with_a_new_group_tells_when_it_will_appear(tmp_path: Path) -> None:
    month = write_demo_month(tmp_path / "sep", today=date(2026, 9, 10), people=500)
    [added] = nights_with(month, "group_added")
    assert month[added - 1].as_of == date(2026, 9, 1)
    story = month[added - 1].story
    assert "Spanska 7 at Centralskolan, starting 2027-01-08 (pending until 2027-01-02)" in story


def test_a_month_crossing_a_term_start_window_reads_the_new_group_early(tmp_path: Path) -> None:
    month = write_demo_month(tmp_path / "jan", today=date(2027, 1, 10), people=500)
    [opened] = nights_with(month, "lookahead_opened")
    assert month[opened - 1].as_of == date(2027, 1, 2)  # the window 01-02..01-20 opens
    assert "Spanska 7 (starts 2027-01-08) early" in month[opened - 1].story
    group = month[-1].bundle.cast["term_group_vt"]
    pending = [n.as_of for n in month if group in n.bundle.planted.get("GROUP_NOT_STARTED", [])]
    assert pending and max(pending) == date(2027, 1, 1)


@pytest.mark.parametrize("nights", [1, 2, 3, 5])
def test_short_months_degrade_to_the_plain_bundle(tmp_path: Path, nights: int) -> None:
    month = write_demo_month(tmp_path / "m", today=TODAY, nights=nights, people=500)
    assert [n.as_of for n in month][-1] == TODAY and len(month) == nights
    last = month[-1]
    assert last.bundle.planted["GROUP_NOT_EXPORTED"] == [last.bundle.cast["nine_b"]]
    assert "9B" in last.story
    if nights == 1:
        assert "not ticked 'Till LMS'" in last.story
    truncated = nights_with(month, "export_truncated")
    assert all(2 <= t < nights for t in truncated)


def test_impossible_months_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one night"):
        write_demo_month(tmp_path / "none", today=TODAY, nights=0)
    with pytest.raises(ValueError, match="at least"):
        write_demo_month(tmp_path / "tiny", today=TODAY, people=50)


# ------------------------------------------------------------------------- synced end to end


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory):
    """A short month (12 nights, 500 people) synced night by night into one database."""
    folder = tmp_path_factory.mktemp("synced")
    month = write_demo_month(folder / "sjostad", today=TODAY, nights=12, people=500)
    db = folder / "demo.db"
    results = [
        sync(db, str(n.bundle.folder), policy_path=n.bundle.policy_path, as_of=n.as_of)
        for n in month
    ]
    queries = Queries.open(db)
    yield month, [r.run_id for r in results], [r.state for r in results], queries
    queries.close()


def test_short_month_has_every_event_that_matters(synced) -> None:
    month, _, _, _ = synced
    for event in ("export_truncated", "teacher_renamed", "id_reissued", "emails_fixed"):
        assert len(nights_with(month, event)) == 1, event
    assert nights_with(month, "class_unexported")[-1] == 12


def test_the_truncated_night_is_held_and_the_next_diffs_against_the_last_good(synced) -> None:
    month, run_ids, states, q = synced
    [truncated] = nights_with(month, "export_truncated")
    assert 2 <= truncated < 12
    assert states == ["held" if i == truncated else "good" for i in range(1, 13)]
    held = q.run(run_ids[truncated - 1])
    assert "MASS_REMOVAL_HELD" in {code for _, _, code, _, _ in q.run_findings(held.id)}
    after = q.run(run_ids[truncated])
    assert held.previous_run == after.previous_run == run_ids[truncated - 2]
    users = {i.kind: i for i in q.imports(after.id)}["person"]
    assert users.removed <= 5  # against the last good night, not against the truncated one


def test_the_renamed_teacher_is_updated_with_the_family_name_diff(synced) -> None:
    month, run_ids, _, q = synced
    [night] = nights_with(month, "teacher_renamed")
    teacher = month[-1].bundle.cast["renamed_teacher"]
    record = q.record(run_ids[night - 1], "person", teacher)
    assert record is not None and record.row.change == "updated"
    before = q.record(run_ids[night - 2], "person", teacher)
    assert before is not None
    old = before.fields["family_name"]
    assert record.changes == {"family_name": [old, record.fields["family_name"]]}
    assert old != record.fields["family_name"]


def test_the_re_issued_pupil_is_flagged_under_the_new_id(synced) -> None:
    month, run_ids, _, q = synced
    [night] = nights_with(month, "id_reissued")
    cast = month[-1].bundle.cast
    run_id = run_ids[night - 1]
    new = q.record(run_id, "person", cast["reissued_new"])
    assert new is not None and (new.row.status, new.row.change) == ("imported", "created")
    [changed] = [f for f in new.findings if f.code == "PERSON_ID_CHANGED"]
    assert cast["reissued_old"] in changed.message
    old = q.record(run_id, "person", cast["reissued_old"])
    assert old is not None and (old.row.status, old.row.change) == ("absent", "removed")


def test_the_fixed_pupils_are_created_on_the_fix_night(synced) -> None:
    month, run_ids, _, q = synced
    [night] = nights_with(month, "emails_fixed")
    cast = month[-1].bundle.cast
    for key, code in (
        ("fixed_missing_email", "PERSON_MISSING_EMAIL"),
        ("fixed_invalid_email", "PERSON_INVALID_EMAIL"),
    ):
        before = q.record(run_ids[night - 2], "person", cast[key])
        assert before is not None and before.row.status == "skipped"
        assert code in {f.code for f in before.findings}
        fixed = q.record(run_ids[night - 1], "person", cast[key])
        assert fixed is not None and (fixed.row.status, fixed.row.change) == ("imported", "created")


def test_anna_is_missing_on_the_last_night_because_of_9b(synced) -> None:
    month, run_ids, _, q = synced
    anna = month[-1].bundle.anna_id
    first = q.record(run_ids[0], "person", anna)
    assert first is not None and first.row.status == "imported"
    last = q.record(run_ids[-1], "person", anna)
    assert last is not None and (last.row.status, last.row.change) == ("skipped", "removed")
    [finding] = [f for f in last.findings if f.code == "STUDENT_NO_CLASS"]
    assert finding.chain[-1].code == "GROUP_NOT_EXPORTED" and finding.chain[-1].name == "9B"


def test_every_planted_fault_is_found_every_night(synced) -> None:
    month, run_ids, _, q = synced

    def kind(code: str) -> str:
        person = code.startswith(("PERSON_", "STUDENT_", "TEACHER_"))
        return "person" if person else code.split("_")[0].lower()

    for night, run_id in zip(month, run_ids, strict=True):
        for code, ids in night.bundle.planted.items():
            if code == "PERSON_PROTECTED_IDENTITY":
                continue  # stored under a keyed hash, never under the source id
            found = {row["key"] for row in q.export_rows(run_id, kind=kind(code), code=code)}
            assert set(ids) <= found, (night.as_of, code, set(ids) - found)
