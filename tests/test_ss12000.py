"""An SS 12000 registry read to the end and judged: what the support agent sees for each record,
where its raw JSON came from, and how 2.0 and 2.1 values, paging and the school list are read."""

from __future__ import annotations

import base64
import copy
import json

from rostertui.store.queries import Queries
from tests.servers.base import FixtureServer, Request, Response
from tests.servers.harness import (
    fast_http,
    outcome,
    policy_file,
    run,
    ss12000_server,
    ss_url,
)
from tests.servers.world import small_world
from tests.stored import db_bytes


def _person(data: dict, person_id: str) -> dict:
    return next(p for p in data["persons"] if p["id"] == person_id)


def test_a_registry_becomes_records_with_their_raw_json_and_page_url(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    db = tmp_path / "r.db"
    with ss12000_server(monkeypatch) as server:
        result = run(db, ss_url(server), policy_file(tmp_path))
    assert result.state == "good", result
    base = f"{server.url}/v2.1"
    with Queries.open(db) as q:
        assert q.run(result.run_id).format == "ss12000 2.1"
        anna = q.record(result.run_id, "person", "p1")
        teacher_link = q.record(result.run_id, "membership", "t1/9a")
        klass = q.record(result.run_id, "group", "9a")
        school = q.record(result.run_id, "school", "sch1")
    assert anna is not None and teacher_link is not None and klass is not None
    assert school is not None
    assert (anna.row.name, anna.row.email, anna.row.school) == (
        "Anna Svensson",
        "anna.svensson@skola.se",
        "Centralskolan",
    )
    assert anna.fields["role"] == "student"
    assert anna.fields["civic_no"] == "20110301-****"
    assert anna.row.source_ref == f"{base}/persons?limit=1000:5"
    assert anna.raw is not None
    assert anna.raw["givenName"] == "Anna"
    assert json.loads(anna.raw["civicNo"]) == {"value": "20110301-****", "nationality": "SE"}
    assert json.loads(anna.raw["enrolments"])[0]["enroledAt"] == {"id": "sch1"}
    assert klass.fields["type"] == "class"
    assert klass.raw is not None
    assert klass.raw["groupMemberships"] == "5 memberships (each its own record)"
    assert teacher_link.fields["role"] == "teacher"
    assert teacher_link.row.source_ref == f"{base}/activities?limit=1000#teachers:1"
    assert teacher_link.raw is not None and teacher_link.raw["activity"] == "act-9a"
    assert school.fields["parent"] == "dist1"
    assert school.fields["code"] == "12345678"


def test_a_protected_pupil_leaves_no_name_in_the_database(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    db = tmp_path / "r.db"
    with ss12000_server(monkeypatch) as server:
        result = run(db, ss_url(server), policy_file(tmp_path, ""))
    seen = outcome(db, result.run_id)
    protected = [k for k in seen.records if k[1].startswith("protected:")]
    assert len(protected) == 1
    assert seen.codes(*protected[0]) == {"PERSON_PROTECTED_IDENTITY"}
    assert ("membership", "p4/7c") not in seen.records
    stored = db_bytes(tmp_path / "r.db")
    for trace in (b"Hemlig", b"h.p@skola.se", b"201301012389", b'"p4"'):
        assert trace not in stored


def test_every_page_is_read_and_filters_are_never_sent_with_a_page_token(tmp_path, monkeypatch):
    """The fixture server answers 400 to a pageToken combined with a filter, as the standard
    says; a school list makes per-school queries, each paged to its end."""
    fast_http(monkeypatch, page_size=3)
    db = tmp_path / "r.db"
    with ss12000_server(monkeypatch) as server:
        result = run(db, ss_url(server), policy_file(tmp_path, 'schools = ["Centralskolan"]'))
    assert result.state == "good", result
    persons = [t for t in server.targets if "/persons" in t]
    assert persons[0] == "/v2.1/persons?limit=3&relationship.organisation=sch1"
    assert all(t.startswith("/v2.1/persons?limit=3&pageToken=") for t in persons[1:])
    assert "/v2.1/groups?limit=3&organisation=sch1" in server.targets
    seen = outcome(db, result.run_id)
    read = {key for kind, key in seen.records if kind == "person"}
    assert read == {"t1", "a1", "p1", "p2", "p3", "p7", "p9"}  # everyone at Centralskolan
    assert seen.status("school", "sch2") == "excluded"
    assert seen.codes("school", "sch2") == {"SCHOOL_NOT_IN_SCOPE"}


def test_a_school_list_naming_an_unknown_school_reads_everything(tmp_path, monkeypatch):
    """A filter on a name that matches nothing would read nothing: read all, let the rules say."""
    fast_http(monkeypatch)
    db = tmp_path / "r.db"
    with ss12000_server(monkeypatch) as server:
        result = run(db, ss_url(server), policy_file(tmp_path, 'schools = ["Sörskolan"]'))
    assert "/v2.1/persons?limit=1000" in server.targets
    seen = outcome(db, result.run_id)
    assert seen.codes("school", "sch1") == {"SCHOOL_NOT_IN_SCOPE"}
    assert seen.codes("person", "p1") == {"PERSON_SCHOOL_NOT_IN_SCOPE"}


def test_values_of_both_versions_are_standard_and_others_are_flagged(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    data = small_world().ss12000()
    duties = {d["person"]["id"]: d for d in data["duties"]}
    duties["s1"]["dutyRole"] = "Övrig pedagogisk personal"  # 2.0 (deprecated in 2.1)
    duties["a1"]["dutyRole"] = "Förskolechef"  # 2.0 and 2.1: a principal
    duties["t2"]["dutyRole"] = "Speciallärare/specialpedagog"  # 2.1 only
    data["duties"].append(
        {
            "id": "duty-v1",
            "person": {"id": "v1"},
            "dutyAt": {"id": "sch2"},
            "dutyRole": "Vaktmästare",  # in neither version
            "startDate": "2020-08-01",
        }
    )
    data["persons"].append(
        {"id": "v1", "givenName": "Ville", "familyName": "Vakt", "emails": [{"value": "v@s.se"}]}
    )
    data["organisations"][0]["organisationType"] = "Stadsdel"  # 2.0's owner-ish unit
    db = tmp_path / "r.db"
    with ss12000_server(monkeypatch, data=data, base="/v2.0") as server:
        result = run(db, f"ss12000+{server.url}/v2.0", policy_file(tmp_path))
    assert result.state == "good", result
    with Queries.open(db) as q:
        assert q.run(result.run_id).format == "ss12000 2.0"
        roles = {
            key: q.record(result.run_id, "person", key).fields["role"]  # type: ignore[union-attr]
            for key in ("s1", "a1", "t2", "v1")
        }
    assert roles == {"s1": "staff", "a1": "admin", "t2": "teacher", "v1": "staff"}
    seen = outcome(db, result.run_id)
    assert "SOURCE_VALUE_NONSTANDARD" not in seen.codes("person", "s1")
    assert seen.codes("person", "v1") == {"SOURCE_VALUE_NONSTANDARD"}
    assert seen.status("person", "v1") == "imported"


def test_person_details_the_registry_encodes_its_own_way(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    data = small_world().ss12000()
    anna = _person(data, "p1")
    anna["emails"] = [
        {"value": "anna@privat.se", "type": "Privat"},
        {"value": "anna.svensson@skola.se", "type": "Skola elev"},
    ]
    _person(data, "p2")["personStatus"] = "Avliden"
    _person(data, "p7")["enrolments"][0]["cancelled"] = True
    _person(data, "p9")["enrolments"][0]["startDate"] = "31/08/2018"
    data["persons"].append({"id": "g1", "givenName": "Gun", "familyName": "Svensson"})
    anna["responsibles"] = [
        {"person": {"id": "g1", "displayName": "Gun Svensson"}, "relationType": "Vårdnadshavare"},
        {
            "person": {
                "id": "g2",
                "displayName": "Skyddad Förälder",
                "securityMarking": "Skyddad folkbokföring",
            },
            "relationType": "Vårdnadshavare",
        },
    ]
    group = next(g for g in data["groups"] if g["id"] == "9a")
    again = copy.deepcopy(group["groupMemberships"][0])  # p1 left 9A and came back
    group["groupMemberships"][0]["endDate"] = "2026-09-30"
    again["startDate"] = "2026-10-15"
    group["groupMemberships"].append(again)
    db = tmp_path / "r.db"
    with ss12000_server(monkeypatch, data=data) as server:
        result = run(db, ss_url(server), policy_file(tmp_path))
    seen = outcome(db, result.run_id)
    with Queries.open(db) as q:
        anna_record = q.record(result.run_id, "person", "p1")
        guardian = q.record(result.run_id, "person", "g1")
        erik = q.record(result.run_id, "person", "p2")
    assert anna_record is not None and guardian is not None and erik is not None
    assert anna_record.row.email == "anna.svensson@skola.se"
    assert anna_record.raw is not None
    assert "Skyddad Förälder" not in anna_record.raw["responsibles"]
    assert "Gun Svensson" in anna_record.raw["responsibles"]
    assert guardian.fields["role"] == "guardian"
    assert seen.codes("person", "g1") == {"PERSON_ROLE_NOT_IMPORTED"}  # not a fault
    assert seen.status("person", "g1") == "excluded"
    assert [f.message for f in erik.findings if f.code == "PERSON_INACTIVE"] == [
        "personStatus 'Avliden'"
    ]
    assert seen.codes("person", "p7") == {"STUDENT_NO_ACTIVE_ENROLMENT", "PERSON_INVALID_CIVIC_NO"}
    assert "SOURCE_ROW_MALFORMED" in seen.codes("person", "p9")
    assert seen.status("membership", "p1/9a") == "imported"
    assert sum(1 for kind, key in seen.records if key == "p1/9a") == 1


def test_reference_defects_are_file_findings_and_the_night_goes_on(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    data = small_world().ss12000()
    data["activities"][0]["teachers"].append({"duty": {"id": "duty-gone"}})
    data["groups"].append({"displayName": "no id", "groupType": "Klass"})
    db = tmp_path / "r.db"
    with ss12000_server(monkeypatch, data=data) as server:
        result = run(db, ss_url(server), policy_file(tmp_path))
    assert result.state == "good", result
    seen = outcome(db, result.run_id)
    findings = seen.run_messages
    # a teacher entry whose duty is unknown is a membership of its own, where 9A's teachers are
    [unknown] = [key for kind, key in seen.records if key.startswith("duty:duty-gone/")]
    assert seen.status("membership", unknown) == "skipped"
    with Queries.open(db) as q:
        detail = q.record(result.run_id, "membership", unknown)
    assert detail is not None
    assert [(f.code, f.message) for f in detail.findings] == [
        (
            "MEMBERSHIP_UNKNOWN_PERSON",
            "duty 'duty-gone' named by activity '9A' is not in the source",
        )
    ]
    assert (
        "SOURCE_ROW_MALFORMED",
        "/groups: record 5 of the page has no id and cannot be read",
    ) in findings


def test_an_empty_person_list_on_the_first_night_is_not_a_roster(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    data = small_world().ss12000()
    data["persons"] = []
    with ss12000_server(monkeypatch, data=data) as server:
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error == (
        f"{server.url}/v2.1/persons: the endpoint returned no records; "
        "on a first night that is not a roster"
    )


def test_a_server_that_repeats_its_page_token_is_stopped(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    loop = base64.b64encode(b"again").decode()

    def looping(request: Request) -> Response:
        return Response.json(200, {"data": [{"id": "x", "displayName": "X"}], "pageToken": loop})

    with FixtureServer(looping) as server:
        result = run(tmp_path / "r.db", f"ss12000+{server.url}/v2.1", policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error == (
        f"{server.url}/v2.1/organisations?limit=1000&pageToken={loop.replace('=', '%3D')}: "
        "the server repeated a pageToken; paging would never end"
    )
    assert len(server.targets) == 2


def test_an_answer_without_a_data_list_is_not_ss12000(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with FixtureServer(lambda request: Response.json(200, {"organisations": []})) as server:
        result = run(tmp_path / "r.db", f"ss12000+{server.url}/v2.1", policy_file(tmp_path))
    assert result.error == (
        f"{server.url}/v2.1/organisations?limit=1000: not an SS 12000 answer (no 'data' list)"
    )
