"""The demo generator alone: a valid OneRoster 1.1 bundle whose only faults are the planted ones.

These tests read the CSV files back with the csv module rather than with rostertui's reader, so a
bug in the reader cannot hide a bug in the demo (the demo is what the reader is tested against).
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from rostertui.demo import DemoBundle, write_demo_bundle

AS_OF = date(2026, 11, 22)
FILES = ("orgs.csv", "academicSessions.csv", "classes.csv", "users.csv", "enrollments.csv")
HEADERS = {
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
PERSON_CODES = {
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
    "PERSON_NO_SCHOOL",
    "STUDENT_ENROLMENT_NOT_STARTED",
    "STUDENT_NO_CLASS",
    "TEACHER_NO_GROUP",
}
GROUP_CODES = {
    "GROUP_UNKNOWN_SCHOOL",
    "GROUP_NOT_STARTED",  # the month's new VT group, pending on 2026-11-22
    "GROUP_ENDED",
    "GROUP_WRONG_ACADEMIC_YEAR",
    "GROUP_NOT_EXPORTED",
    "GROUP_CLASS_NAME_NOT_SPECIFIC",
    "GROUP_NO_TEACHER",
    "GROUP_NO_MEMBERS",
}
MEMBERSHIP_CODES = {
    "MEMBERSHIP_UNKNOWN_PERSON",
    "MEMBERSHIP_UNKNOWN_GROUP",
    "MEMBERSHIP_NOT_STARTED",
    "MEMBERSHIP_ENDED",
}


def luhn_ok(civic_no: str) -> bool:
    """Personnummer check: Luhn over YYMMDDNNNC, and a real calendar date."""
    digits = civic_no.replace("-", "")
    if len(digits) != 12 or not digits.isdigit():
        return False
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    total = 0
    for position, char in enumerate(digits[2:]):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> DemoBundle:
    return write_demo_bundle(tmp_path_factory.mktemp("demo") / "sjostad", as_of=AS_OF)


@pytest.fixture(scope="module")
def users(bundle: DemoBundle) -> list[dict[str, str]]:
    return rows(bundle.folder, "users.csv")


@pytest.fixture(scope="module")
def classes(bundle: DemoBundle) -> list[dict[str, str]]:
    return rows(bundle.folder, "classes.csv")


@pytest.fixture(scope="module")
def enrollments(bundle: DemoBundle) -> list[dict[str, str]]:
    return rows(bundle.folder, "enrollments.csv")


def test_bundle_has_the_six_files_with_oneroster_1_1_headers(bundle: DemoBundle) -> None:
    for name in FILES:
        with (bundle.folder / name).open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == HEADERS[name].split(","), name
    with (bundle.folder / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        manifest = dict(csv.reader(handle))
    assert manifest["propertyName"] == "value"
    assert manifest["manifest.version"] == "1.0"
    assert manifest["oneroster.version"] == "1.1"
    for kind in ("orgs", "users", "classes", "enrollments", "academicSessions"):
        assert manifest[f"file.{kind}"] == "bulk"
    assert {v for k, v in manifest.items() if k.startswith("file.")} == {"bulk", "absent"}
    assert bundle.policy_path == bundle.folder / "policy.toml"
    assert 'group_export_flag = "metadata.tillLMS"' in bundle.policy_path.read_text("utf-8")


def test_same_seed_gives_byte_identical_bundles(tmp_path: Path) -> None:
    first = write_demo_bundle(tmp_path / "a", as_of=AS_OF, people=800)
    second = write_demo_bundle(tmp_path / "b", as_of=AS_OF, people=800)
    other = write_demo_bundle(tmp_path / "c", as_of=AS_OF, people=800, seed=8)
    names = sorted(p.name for p in first.folder.iterdir())
    assert names == sorted(p.name for p in second.folder.iterdir())
    for name in names:
        assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes(), name
    assert first.planted == second.planted and first.anna_id == second.anna_id
    users = (first.folder / "users.csv").read_bytes()
    assert users != (other.folder / "users.csv").read_bytes()


def test_people_sets_the_user_count_and_bulk_rows_leave_status_empty(
    users: list[dict[str, str]], enrollments: list[dict[str, str]]
) -> None:
    assert 2000 <= len(users) <= 2010
    assert all(u["status"] == "" and u["dateLastModified"] == "" for u in users)
    roles = Counter(u["role"] for u in users)
    assert 0.85 < roles["student"] / len(users) < 0.91
    assert 0.08 < roles["teacher"] / len(users) < 0.10
    assert roles["administrator"] >= 8 and roles["aide"] > 0
    assert 4 <= len(enrollments) / roles["student"] <= 7


def test_every_planted_id_is_in_the_files(
    bundle: DemoBundle,
    users: list[dict[str, str]],
    classes: list[dict[str, str]],
    enrollments: list[dict[str, str]],
) -> None:
    user_ids = Counter(u["sourcedId"] for u in users)
    class_ids = {c["sourcedId"] for c in classes}
    enrollment_ids = {e["sourcedId"] for e in enrollments}
    assert set(bundle.planted) == PERSON_CODES | GROUP_CODES | MEMBERSHIP_CODES
    for code, ids in bundle.planted.items():
        assert ids, code
        for planted_id in ids:
            if code in PERSON_CODES:
                plain, _, copy = planted_id.partition("#")
                assert user_ids[plain] == (int(copy) if copy else 1), (code, planted_id)
            elif code in GROUP_CODES:
                assert planted_id in class_ids, (code, planted_id)
            else:
                assert planted_id in enrollment_ids, (code, planted_id)


def test_faults_stay_a_handful(bundle: DemoBundle) -> None:
    limits = {
        "STUDENT_NO_CLASS": 40,  # 9B's whole class lacks a class
        "MEMBERSHIP_ENDED": 4,  # three planted, and the month's pupil who left a group
    }
    for code, ids in bundle.planted.items():
        assert len(ids) <= limits.get(code, 3), code


def test_anna_svensson_is_in_9b_at_centralskolan_which_is_not_exported(
    bundle: DemoBundle,
    users: list[dict[str, str]],
    classes: list[dict[str, str]],
    enrollments: list[dict[str, str]],
) -> None:
    annas = [u for u in users if (u["givenName"], u["familyName"]) == ("Anna", "Svensson")]
    assert [u["sourcedId"] for u in annas] == [bundle.anna_id]
    anna = annas[0]
    assert anna["email"] == "anna.svensson@edu.sjostad.se" and anna["role"] == "student"
    centralskolan = next(o for o in rows(bundle.folder, "orgs.csv") if o["name"] == "Centralskolan")
    assert anna["orgSourcedIds"] == centralskolan["sourcedId"]
    by_id = {c["sourcedId"]: c for c in classes}
    hers = [
        by_id[e["classSourcedId"]] for e in enrollments if e["userSourcedId"] == anna["sourcedId"]
    ]
    homerooms = [c for c in hers if c["classType"] == "homeroom"]
    assert [c["title"] for c in homerooms] == ["9B"]
    nine_b = homerooms[0]
    assert nine_b["schoolSourcedId"] == centralskolan["sourcedId"]
    assert nine_b["metadata.tillLMS"] == ""
    assert 2 <= sum(c["classType"] == "scheduled" for c in hers) <= 3
    assert bundle.planted["GROUP_NOT_EXPORTED"] == [nine_b["sourcedId"]]
    assert bundle.anna_id in bundle.planted["STUDENT_NO_CLASS"]


def test_every_other_class_is_exported(bundle: DemoBundle, classes: list[dict[str, str]]) -> None:
    not_exported = [c["sourcedId"] for c in classes if c["metadata.tillLMS"] != "Ja"]
    assert not_exported == bundle.planted["GROUP_NOT_EXPORTED"]


def test_civic_numbers_pass_luhn_except_the_planted_ones(
    bundle: DemoBundle, users: list[dict[str, str]]
) -> None:
    invalid = {
        u["sourcedId"]
        for u in users
        if u["metadata.civicNo"] and not luhn_ok(u["metadata.civicNo"])
    }
    assert invalid == set(bundle.planted["PERSON_INVALID_CIVIC_NO"])
    assert luhn_ok("19811218-9876") and not luhn_ok("19811218-9875")
    assert any("0230-" in u["metadata.civicNo"] for u in users)


def test_pupils_are_born_for_their_year_group(users: list[dict[str, str]]) -> None:
    for user in users:
        if user["role"] == "student" and user["grades"] == "09":
            assert user["metadata.civicNo"].startswith("2011"), user
        if user["role"] == "student" and user["grades"] == "KG":
            assert user["metadata.civicNo"].startswith("2020"), user


def test_emails_are_unique_ascii_and_in_the_domain_except_the_planted(
    bundle: DemoBundle, users: list[dict[str, str]]
) -> None:
    planted = set(bundle.planted["PERSON_MISSING_EMAIL"]) | set(
        bundle.planted["PERSON_INVALID_EMAIL"]
    )
    seen: Counter[str] = Counter()
    for user in users:
        if user["sourcedId"] in planted:
            continue
        local, _, domain = user["email"].partition("@")
        assert domain == "edu.sjostad.se" and local.isascii() and local == local.lower(), user
        assert ".." not in local and local.count(".") >= 1
        seen[user["email"]] += 1
    assert [email for email, n in seen.items() if n > 1] == [
        next(
            u["email"] for u in users if u["sourcedId"] in bundle.planted["PERSON_DUPLICATE_EMAIL"]
        )
    ]
    assert any(any(ch in u["familyName"] for ch in "åäöÅÄÖ") for u in users)


def test_enrollment_dates_are_ordered_and_the_planted_ones_are_out_of_range(
    bundle: DemoBundle, enrollments: list[dict[str, str]]
) -> None:
    by_id = {e["sourcedId"]: e for e in enrollments}
    for enrollment in enrollments:
        begin = date.fromisoformat(enrollment["beginDate"])
        end = date.fromisoformat(enrollment["endDate"])  # exclusive
        assert begin < end, enrollment
    for enrollment_id in bundle.planted["MEMBERSHIP_ENDED"]:
        assert date.fromisoformat(by_id[enrollment_id]["endDate"]) <= AS_OF
    for enrollment_id in bundle.planted["MEMBERSHIP_NOT_STARTED"]:
        assert (date.fromisoformat(by_id[enrollment_id]["beginDate"]) - AS_OF).days > 30


def test_sessions_cover_the_current_school_year(bundle: DemoBundle) -> None:
    sessions = {s["sourcedId"]: s for s in rows(bundle.folder, "academicSessions.csv")}
    year = next(
        s for s in sessions.values() if s["type"] == "schoolYear" and s["schoolYear"] == "2027"
    )
    assert (year["startDate"], year["endDate"]) == ("2026-07-01", "2027-06-30")
    terms = sorted(
        (s["startDate"], s["endDate"])
        for s in sessions.values()
        if s["parentSourcedId"] == year["sourcedId"]
    )
    assert terms == [
        ("2026-08-17", "2026-12-20"),
        ("2027-01-08", "2027-06-12"),
        ("2027-06-14", "2027-06-30"),  # summer school, for the month's summer-school group
    ]


def test_memberships_per_person_sets_the_enrollment_count(tmp_path: Path) -> None:
    demo = write_demo_bundle(
        tmp_path / "bench", as_of=AS_OF, people=1000, memberships_per_person=10
    )
    count = len(rows(demo.folder, "enrollments.csv"))
    assert 9_500 <= count <= 10_500


def test_too_few_people_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        write_demo_bundle(tmp_path / "tiny", as_of=AS_OF, people=50)
