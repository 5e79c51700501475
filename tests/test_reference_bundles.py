"""The public OneRoster test bundles: both sync, and every defect the reference README names
comes out as a finding with the row it is on."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rostertui.cli import app

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "oneroster"
runner = CliRunner()


def sync_and_export(tmp_path: Path, bundle: str) -> list[dict[str, str]]:
    db = tmp_path / "r.db"
    synced = runner.invoke(app, ["sync", str(REFERENCE / bundle), "--db", str(db)])
    assert synced.exit_code == 0, synced.output
    target = tmp_path / "f.csv"
    exported = runner.invoke(app, ["export", "--db", str(db), "-o", str(target)])
    assert exported.exit_code == 0, exported.output
    with target.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def found(rows: list[dict[str, str]], code: str, text: str) -> list[tuple[str, str]]:
    return [(r["key"], r["source_ref"]) for r in rows if r["code"] == code and text in r["message"]]


@pytest.fixture(scope="module")
def full_set(tmp_path_factory) -> list[dict[str, str]]:
    return sync_and_export(tmp_path_factory.mktemp("full"), "Test_full_data_set.zip")


def test_status_filled_in_a_bulk_file(full_set):
    rows = found(full_set, "SOURCE_VALUE_NONSTANDARD", "should be blank in a bulk file")
    assert ("usr-222-123456", "users.csv:2") in rows
    assert ("cls-222-123478", "classes.csv:3") in rows
    # Mary Jones's row leaves them blank, as a bulk file should
    assert not [r for r in rows if r[0] == "usr-222-66778899"]


def test_status_inactive_from_oneroster_1_0(full_set):
    assert found(full_set, "SOURCE_VALUE_NONSTANDARD", "status 'inactive' is OneRoster 1.0") == [
        ("academicSessions.csv", "academicSessions.csv:4")
    ]


def test_class_type_in_the_wrong_case(full_set):
    assert found(full_set, "SOURCE_VALUE_NONSTANDARD", "classType 'Scheduled'") == [
        ("cls-222-123456", "classes.csv:2")
    ]


def test_date_only_date_last_modified(full_set):
    rows = found(full_set, "SOURCE_VALUE_NONSTANDARD", "is a date; the spec wants a date-time")
    assert ("usr-222-123456", "users.csv:2") in rows
    assert ("academicSessions.csv", "academicSessions.csv:4") in rows


def test_the_only_org_is_a_department_with_a_missing_parent(full_set):
    assert found(full_set, "SOURCE_REFERENCE_UNKNOWN", "parentSourcedId 'org-sch-222-3456'") == [
        ("orgs.csv", "orgs.csv:2")
    ]
    no_school = found(full_set, "PERSON_NO_SCHOOL", "is a department, not a school")
    assert len(no_school) == 5  # the sixth user is a parent: left out for the role, not placed
    assert ("usr-222-567891", "users.csv:7") in no_school
    assert len(found(full_set, "GROUP_UNKNOWN_SCHOOL", "is a department, not a school")) == 2


def test_references_to_courses_marked_absent(full_set):
    assert found(full_set, "SOURCE_REFERENCE_UNKNOWN", "courses.csv is absent") == [
        ("cls-222-123456", "classes.csv:2"),
        ("cls-222-123478", "classes.csv:3"),
    ]


def test_full_set_statuses(full_set):
    persons = {r["key"]: r["status"] for r in full_set if r["kind"] == "person"}
    assert persons.pop("usr-222-1234561") == "excluded"  # the parent, left out on purpose
    assert set(persons.values()) == {"skipped"}
    assert found(full_set, "PERSON_ROLE_NOT_IMPORTED", "role 'parent'") == [
        ("usr-222-1234561", "users.csv:4")
    ]
    assert not found(full_set, "PERSON_UNKNOWN_ROLE", "")
    groups = {r["key"]: r["status"] for r in full_set if r["kind"] == "group"}
    assert groups == {"cls-222-123456": "excluded", "cls-222-123478": "excluded"}


def test_oneroster_1_2_delta_bundle(tmp_path):
    """1.2.1 users header with TRUE, roles.csv for the role, demographics and userProfiles."""
    rows = sync_and_export(tmp_path, "oneroster_test_data.zip")
    by_key = {(r["kind"], r["key"]): r for r in rows}
    assert by_key[("school", "ORG_1")]["status"] == "imported"
    bruce = [r for r in rows if r["key"] == "USER_0"]
    assert {r["code"] for r in bruce} >= {"PERSON_MISSING_EMAIL"}
    assert all(r["name"] == "Bruce Wayne" and r["status"] == "skipped" for r in bruce)
    assert found(rows, "GROUP_ENDED", "ended on 2024-01-26") == [("CLASS_001", "classes.csv:2")]
    membership = [r for r in rows if r["kind"] == "membership"]
    assert {r["root_code"] for r in membership} == {"PERSON_MISSING_EMAIL", "GROUP_ENDED"}
