"""The real public SS 12000 sample (../shared/reference/samples/ss12000-demo-sis-minimal), served
page by page from the loopback SS 12000 server: data nobody on this project wrote.

What it holds, as registries send it: duties at a `Skola` (not the Skolenhet), guardians who are
only pupils' `responsibles`, mentors named in the duties' `assignmentRole`, activity teachers
named by person instead of by duty, login ids in `eduPersonPrincipalNames`, and two protected
pupils. Each test pins what a support agent would read about it.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rostertui.cli import app
from rostertui.store.queries import Queries
from tests.servers.harness import Outcome, fast_http, outcome, run, ss12000_server, ss_url
from tests.stored import db_bytes

SAMPLE = Path(__file__).resolve().parents[2] / "shared/reference/samples/ss12000-demo-sis-minimal"
ENDPOINTS = ("organisations", "persons", "duties", "groups", "activities")
AS_OF = date(2026, 12, 3)  # the day after the dump
SKOLA = "52fd833f-630e-5fc0-8851-5a72f3668ed0"
UNIT = "f4304bd2-8a8d-5699-91ba-058daac54fc4"

pytestmark = pytest.mark.skipif(not SAMPLE.is_dir(), reason="shared/reference is not beside us")


@cache
def _sample() -> dict[str, list[dict[str, Any]]]:
    return {name: json.loads((SAMPLE / f"{name}.json").read_text("utf-8")) for name in ENDPOINTS}


def sample() -> dict[str, list[dict[str, Any]]]:
    """A fresh copy for a test to change."""
    return copy.deepcopy(_sample())


def staff_ids(data: dict) -> set[str]:
    return {duty["person"]["id"] for duty in data["duties"]}


def guardian_ids(data: dict) -> set[str]:
    named = {r["person"]["id"] for p in data["persons"] for r in p.get("responsibles", [])}
    return {
        p["id"]
        for p in data["persons"]
        if p["id"] in named and not p.get("enrolments") and p["id"] not in staff_ids(data)
    }


def synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: dict, policy_text: str = ""
) -> tuple[Path, Outcome]:
    """A night of `data`; the policy's defaults unless `policy_text` says more."""
    fast_http(monkeypatch, page_size=50)  # several pages of persons
    db = tmp_path / "sample.db"
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_text, encoding="utf-8")
    with ss12000_server(monkeypatch, data=data, base="/v2") as server:
        result = run(db, ss_url(server, version="v2"), policy, as_of=AS_OF)
    assert result.state == "good", result
    return db, outcome(db, result.run_id)


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> tuple[Path, Outcome]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        return synced(tmp_path_factory.mktemp("sample"), monkeypatch, sample())


def test_every_staff_member_is_placed_at_the_skolas_unit_and_imported(night) -> None:
    db, seen = night
    staff = staff_ids(_sample())
    assert len(staff) == 8
    for person_id in staff:
        codes = seen.codes("person", person_id)
        assert "PERSON_NO_SCHOOL" not in codes, person_id
        # the sample's made-up personnummer fail the Luhn check: a warning, nothing more
        assert (seen.status("person", person_id), codes - {"PERSON_INVALID_CIVIC_NO"}) == (
            "imported",
            set(),
        )
    with Queries.open(db) as q:
        teacher = q.record(q.latest_run().id, "person", "739c5623-4cdc-50df-aa4a-7fee52244cd8")
    assert teacher is not None
    assert teacher.row.school == "Demoskolan Grundskola"
    assert teacher.fields["role"] == "teacher"
    assert teacher.fields["school"] == UNIT  # the duty said the Skola; its one unit is meant


def test_every_group_has_its_teachers(night) -> None:
    _, seen = night
    groups = {g["id"] for g in _sample()["groups"]}
    staff = staff_ids(_sample())
    taught = {
        key.split("/")[1]
        for kind, key in seen.records
        if kind == "membership"
        and key.split("/")[0] in staff
        and seen.status(kind, key) == "imported"
    }
    assert taught == groups
    for group_id in groups:
        assert (seen.status("group", group_id), seen.codes("group", group_id)) == (
            "imported",
            frozenset(),
        )
    # class 7A's only teacher is its mentor, named in her duty's assignmentRole
    mentor, class_7a = (
        "bee56d45-a270-5199-ba11-99168b23e7e4",
        "bb5628ef-5a1a-571f-b905-2379ca2ece9e",
    )
    assert seen.status("membership", f"{mentor}/{class_7a}") == "imported"


def test_guardians_are_left_out_with_their_own_code_and_no_error(night) -> None:
    _, seen = night
    guardians = guardian_ids(_sample())
    assert len(guardians) == 83
    for person_id in guardians:
        assert seen.status("person", person_id) == "excluded"
        assert seen.codes("person", person_id) == {"PERSON_ROLE_NOT_IMPORTED"}
    errors = [k for k, (status, _) in seen.records.items() if status == "skipped"]
    assert errors == []


def test_activity_teachers_named_by_person_are_read_with_a_warning(night) -> None:
    _, seen = night
    named_by_person = {
        (t["person"]["id"], g["id"])
        for a in _sample()["activities"]
        for t in a["teachers"]
        for g in a["groups"]
    }
    assert named_by_person
    for person_id, group_id in named_by_person:
        key = f"{person_id}/{group_id}"
        assert seen.status("membership", key) == "imported"
        assert "SOURCE_VALUE_NONSTANDARD" in seen.codes("membership", key)


def test_nothing_in_the_sample_goes_unrecorded(night) -> None:
    _, seen = night
    data = _sample()
    protected = {p["id"] for p in data["persons"] if p["securityMarking"] != "Ingen"}
    assert len(protected) == 2
    for org in data["organisations"]:  # the Huvudman and the Skola too
        assert seen.status("school", org["id"]) == "imported"
    for group in data["groups"]:
        assert ("group", group["id"]) in seen.records
    people = [key for kind, key in seen.records if kind == "person"]
    assert len(people) == len(data["persons"]) == 136
    assert {p["id"] for p in data["persons"]} - protected <= set(people)
    withheld = [key for key in people if key.startswith("protected:")]
    assert len(withheld) == 2
    assert not protected & {part for _, key in seen.records for part in key.split("/")}
    assert seen.run_findings == []


def test_why_an_eppn_finds_the_staff_member(night) -> None:
    db, _ = night
    teacher = next(
        p for p in _sample()["persons"] if p["id"] == "739c5623-4cdc-50df-aa4a-7fee52244cd8"
    )
    [eppn] = teacher["eduPersonPrincipalNames"]
    result = CliRunner().invoke(app, ["why", eppn, "--db", str(db)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert f"{teacher['givenName']} {teacher['familyName']}" in result.output
    assert eppn in result.output
    assert "imported" in result.output


def test_a_guardian_holding_the_pupils_address_first_does_not_block_the_pupil(
    tmp_path, monkeypatch
) -> None:
    data = sample()
    pupil = next(p for p in data["persons"] if p.get("enrolments"))
    parent_id = pupil["responsibles"][0]["person"]["id"]
    parent = next(p for p in data["persons"] if p["id"] == parent_id)
    parent["emails"] = copy.deepcopy(pupil["emails"])
    data["persons"].remove(parent)
    data["persons"].insert(0, parent)  # the guardian holds the address first
    _, seen = synced(tmp_path, monkeypatch, data)
    assert seen.codes("person", parent_id) == {"PERSON_ROLE_NOT_IMPORTED"}
    assert seen.status("person", pupil["id"]) == "imported"
    assert "PERSON_DUPLICATE_EMAIL" not in seen.codes("person", pupil["id"])


def test_an_organisation_without_a_type_is_a_school_unit_with_a_warning(
    tmp_path, monkeypatch
) -> None:
    """Skolverket's profile sends school units with a schoolUnitCode and no organisationType."""
    data = sample()
    unit = next(o for o in data["organisations"] if o["id"] == UNIT)
    del unit["organisationType"]
    data["organisations"].append(
        {"id": "forv-1", "displayName": "Kultur- och fritidsförvaltningen",
         "organisationType": "Förvaltning", "parentOrganisation": {"id": SKOLA}}
    )  # fmt: skip
    db, seen = synced(tmp_path, monkeypatch, data)
    assert (seen.status("school", UNIT), seen.codes("school", UNIT)) == (
        "imported",
        {"SOURCE_VALUE_NONSTANDARD"},
    )
    with Queries.open(db) as q:
        detail = q.record(q.latest_run().id, "school", UNIT)
        unused = q.record(q.latest_run().id, "school", "forv-1")
    assert detail is not None and unused is not None
    [warning] = detail.findings
    assert "'Demoskolan Grundskola' has a schoolUnitCode (10000001)" in warning.message
    assert "read as a Skolenhet" in warning.message
    assert [(f.code, f.message) for f in unused.findings] == [
        (
            "SCHOOL_OTHER_ORGANISATION",
            "'Kultur- och fritidsförvaltningen' is a Förvaltning, not a school, and no school "
            "unit belongs to it",
        )
    ]
    assert unused.row.status == "excluded"
    assert all("PERSON_NO_SCHOOL" not in seen.codes("person", p) for p in staff_ids(data))


def test_a_school_list_still_reads_the_staff_on_duty_at_the_skola(tmp_path, monkeypatch) -> None:
    """With `schools` set, the reader asks the API school by school; the duties sit at the
    Skola above the unit, so the Skola is asked too."""
    data = sample()
    _, seen = synced(tmp_path, monkeypatch, data, 'schools = ["Demoskolan Grundskola"]\n')
    for person_id in staff_ids(data):
        assert seen.status("person", person_id) == "imported", seen.codes("person", person_id)
    assert all(seen.status("group", g["id"]) == "imported" for g in data["groups"])


def test_an_enrolment_or_a_group_at_the_skola_belongs_to_its_one_unit(tmp_path, monkeypatch):
    data = sample()
    pupil = next(p for p in data["persons"] if p.get("enrolments"))
    pupil["enrolments"][0]["enroledAt"] = {"id": SKOLA}
    group = data["groups"][0]
    group["organisation"] = {"id": SKOLA}
    db, seen = synced(tmp_path, monkeypatch, data)
    assert seen.status("person", pupil["id"]) == "imported"
    assert seen.status("group", group["id"]) == "imported"
    with Queries.open(db) as q:
        placed = q.record(q.latest_run().id, "person", pupil["id"])
        grouped = q.record(q.latest_run().id, "group", group["id"])
    assert placed is not None and grouped is not None
    assert placed.fields["school"] == grouped.fields["school"] == UNIT


def test_a_duty_at_the_huvudman_places_the_person_at_every_unit_below_it(tmp_path, monkeypatch):
    """Two units under the Skola under the Huvudman; the rektor's duty names the Huvudman. A
    group at the Skola can't be at both units: it goes where its pupils are, and says so."""
    data = sample()
    owner = next(o for o in data["organisations"] if o["organisationType"] == "Huvudman")
    second = {
        "id": "unit-2", "displayName": "Demoskolan Gymnasium", "organisationType": "Skolenhet",
        "schoolUnitCode": "10000002", "parentOrganisation": {"id": SKOLA},
    }  # fmt: skip
    data["organisations"].insert(0, second)  # first in source order: votes, not order, decide
    rektor = next(d for d in data["duties"] if d["dutyRole"] == "Rektor")
    rektor["dutyAt"] = {"id": owner["id"]}
    group = data["groups"][0]
    group["organisation"] = {"id": SKOLA}
    db, seen = synced(tmp_path, monkeypatch, data)
    person_id = rektor["person"]["id"]
    assert seen.status("person", person_id) == "imported"
    with Queries.open(db) as q:
        detail = q.record(q.latest_run().id, "person", person_id)
        unplaced = q.record(q.latest_run().id, "group", group["id"])
    assert detail is not None and unplaced is not None
    assert detail.fields["school"] == f"unit-2, {UNIT}"
    assert detail.row.school == "Demoskolan Gymnasium, Demoskolan Grundskola"
    assert unplaced.row.status == "imported"
    assert unplaced.fields["school"] == UNIT
    assert [(f.code, f.message) for f in unplaced.findings] == [
        (
            "SOURCE_VALUE_NONSTANDARD",
            f"the group is at {SKOLA!r}, which has 2 school units; placed at {UNIT!r}, where "
            "most of its members are enrolled",
        )
    ]


def test_a_loop_in_the_organisation_tree_ends_the_walk(tmp_path, monkeypatch):
    data = sample()
    owner = next(o for o in data["organisations"] if o["organisationType"] == "Huvudman")
    owner["parentOrganisation"] = {"id": SKOLA}  # Huvudman under its own Skola
    _, seen = synced(tmp_path, monkeypatch, data)
    assert all(seen.status("person", p) == "imported" for p in staff_ids(data))


def test_a_policy_that_imports_guardians_places_them_at_their_childrens_school(
    tmp_path, monkeypatch
) -> None:
    data = sample()
    policy = 'allowed_roles = ["student", "teacher", "staff", "admin", "guardian"]\n'
    db, seen = synced(tmp_path, monkeypatch, data, policy)
    protected = {p["id"] for p in data["persons"] if p["securityMarking"] != "Ingen"}
    parents_of_protected_only = {
        r["person"]["id"]
        for p in data["persons"]
        if p["id"] in protected
        for r in p.get("responsibles", [])
    } - {
        r["person"]["id"]
        for p in data["persons"]
        if p["id"] not in protected
        for r in p.get("responsibles", [])
    }
    guardians = guardian_ids(data)
    assert len(parents_of_protected_only) == 4
    for person_id in guardians - parents_of_protected_only:
        assert seen.status("person", person_id) == "imported", seen.codes("person", person_id)
    with Queries.open(db) as q:
        for person_id in parents_of_protected_only:  # their child's school stays secret
            detail = q.record(q.latest_run().id, "person", person_id)
            assert detail is not None
            assert detail.fields["school"] == "" and detail.row.school == ""
            assert "PERSON_NO_SCHOOL" in seen.codes("person", person_id)


def test_a_school_list_ignores_assignments_to_groups_it_did_not_read(tmp_path, monkeypatch):
    """The mentor's duty sits at the Skola and names a class at a unit outside the list: that
    class was never asked for, so it is not 'a group missing from the source'."""
    data = sample()
    data["organisations"].append(
        {"id": "unit-2", "displayName": "Demoskolan Gymnasium", "organisationType": "Skolenhet",
         "schoolUnitCode": "10000002", "parentOrganisation": {"id": SKOLA}}
    )  # fmt: skip
    data["groups"].append(
        {"id": "g-2", "displayName": "NA1", "groupType": "Klass",
         "organisation": {"id": "unit-2"}, "groupMemberships": []}
    )  # fmt: skip
    duty = next(d for d in data["duties"] if d.get("assignmentRole"))
    duty["assignmentRole"].append({"group": {"id": "g-2"}, "assignmentRoleType": "Mentor"})
    _, seen = synced(tmp_path, monkeypatch, data, 'schools = ["Demoskolan Grundskola"]\n')
    assert not [key for key, (status, _) in seen.records.items() if status == "skipped"]
    assert not [key for kind, key in seen.records if key.endswith("/g-2")]


def test_a_teacher_entry_with_an_unknown_duty_and_a_person_is_read_by_the_person(
    tmp_path, monkeypatch
):
    data = sample()
    activity = data["activities"][0]
    person_id = activity["teachers"][0]["person"]["id"]
    activity["teachers"][0]["duty"] = {"id": "duty-gone"}
    _, seen = synced(tmp_path, monkeypatch, data)
    key = f"{person_id}/{activity['groups'][0]['id']}"
    assert seen.status("membership", key) == "imported"
    assert not [k for _, k in seen.records if k.startswith("duty:")]


def test_a_name_beside_a_person_reference_is_not_stored_with_the_membership(tmp_path, monkeypatch):
    """Servers leave protected persons out of /persons but name them in groups and activities,
    sometimes with a displayName: the membership keeps the reference's id only."""
    data = sample()
    group = data["groups"][0]
    group["groupMemberships"].append({"person": {"id": "gone-1", "displayName": "Hemlig Elev"}})
    data["activities"][0]["teachers"].append(
        {"person": {"id": "gone-2", "displayName": "Hemlig Lärare"}}
    )
    db, _ = synced(tmp_path, monkeypatch, data)
    stored = db_bytes(db)
    assert b"Hemlig" not in stored
