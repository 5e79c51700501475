"""A OneRoster REST platform read to the end behind OAuth2: paging with and without
X-Total-Count, token refresh, and the CSV reader's own checks on the JSON records."""

from __future__ import annotations

import json
import re

from rostertui.sources.credentials import Secret
from rostertui.sources.http import HttpClient
from rostertui.sources.oneroster_rest import OAuth2ClientCredentials
from rostertui.store.queries import Queries
from tests.servers.base import FixtureServer, Request, Response
from tests.servers.harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    OR12,
    fast_http,
    oneroster_server,
    or_url,
    outcome,
    policy_file,
    run,
)
from tests.servers.oneroster import OneRosterApp
from tests.servers.world import small_world


def _by_id(records: list[dict], sourced_id: str) -> dict:
    return next(r for r in records if r["sourcedId"] == sourced_id)


def test_version_1_1_and_1_2_read_the_same_roster(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    policy = policy_file(tmp_path)
    seen = {}
    for version in ("1.1", "1.2"):
        world = small_world()
        for person in world.persons:  # 1.1 placements carry no dates: nobody starts later
            person.placements = [type(p)(p.school, p.start) for p in person.placements]
        with oneroster_server(monkeypatch, world, version=version) as server:
            result = run(tmp_path / f"{version}.db", or_url(server, version), policy)
        assert result.state == "good", result
        with Queries.open(tmp_path / f"{version}.db") as q:
            assert q.run(result.run_id).format == f"oneroster-rest {version}"
        seen[version] = outcome(tmp_path / f"{version}.db", result.run_id)
    readable = [{k for k in seen[v].records if "protected:" not in k[1]} for v in ("1.1", "1.2")]
    assert readable[0] == readable[1]
    assert len(readable[0]) == 32  # the district is a record too
    assert seen["1.1"].status("person", "t1") == "imported"


def test_records_keep_their_json_with_metadata_flattened(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    db = tmp_path / "r.db"
    with oneroster_server(monkeypatch) as server:
        result = run(db, or_url(server), policy_file(tmp_path))
    with Queries.open(db) as q:
        anna = q.record(result.run_id, "person", "p1")
        link = q.record(result.run_id, "membership", "t1/9a")
    assert anna is not None and link is not None
    assert anna.row.source_ref == f"{server.url}{OR12}/users?limit=1000&offset=0:5"
    assert anna.raw is not None
    assert anna.raw["metadata.civicNo"] == "20110301-****"
    assert json.loads(anna.raw["roles"])[0]["role"] == "student"
    assert link.raw is not None
    assert json.loads(link.raw["class"])["sourcedId"] == "9a"
    assert link.fields["role"] == "teacher"


def test_pages_are_fetched_in_parallel_when_the_total_is_known(tmp_path, monkeypatch):
    fast_http(monkeypatch, page_size=4)
    db = tmp_path / "r.db"
    with oneroster_server(monkeypatch) as server:
        result = run(db, or_url(server), policy_file(tmp_path))
    assert result.state == "good", result
    users = sorted(t for t in server.targets if "/users" in t)
    assert users == [f"{OR12}/users?limit=4&offset={o}" for o in (0, 12, 4, 8)]
    assert len(outcome(db, result.run_id).records) == 33  # with the district, less p4's membership


def test_without_a_total_pages_are_read_until_a_short_one(tmp_path, monkeypatch):
    """A server that caps page size below what was asked (3 of 1000) and sends no count."""
    fast_http(monkeypatch)
    db = tmp_path / "r.db"
    with oneroster_server(monkeypatch, total_count=False, max_limit=3) as server:
        result = run(db, or_url(server), policy_file(tmp_path))
    assert result.state == "good", result
    assert server.requests_to("/users?") == 5  # 3+3+3+3+1 users
    assert len(outcome(db, result.run_id).records) == 33  # with the district, less p4's membership


def test_one_token_serves_the_night_and_a_refused_one_is_renewed_once(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    db, policy = tmp_path / "r.db", policy_file(tmp_path)
    with oneroster_server(monkeypatch) as server:
        app: OneRosterApp = server.app  # type: ignore[assignment]
        assert run(db, or_url(server), policy).state == "good"
        assert app.token_requests == 1
        app.revoke()  # the platform forgot the token: the next call says 401
        server.fault("401", match="/classes")
        assert run(db, or_url(server), policy).state == "good"
        assert app.token_requests == 3
        server.fault("401", match="/orgs", times=None)
        refused = run(db, or_url(server), policy)
    assert refused.state == "failed"
    assert refused.error == (
        f"token rejected by 127.0.0.1:{server.port} (HTTP 401 Unauthorized at "
        f"{server.url}{OR12}/orgs?limit=1000&offset=0); check "
        "ROSTERTUI_ONEROSTER_TOKEN_URL, _CLIENT_ID and _CLIENT_SECRET"
    )
    assert app.token_requests == 5  # this night's token, and one renewal after the 401


def test_a_token_is_renewed_before_it_expires(monkeypatch):
    fast_http(monkeypatch)
    now = [1000.0]
    app = OneRosterApp({}, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_lifetime=300)
    with FixtureServer(app) as server:
        auth = OAuth2ClientCredentials(
            Secret(f"{server.url}/oauth/token"),
            Secret(CLIENT_ID),
            Secret(CLIENT_SECRET),
            "scope",
            clock=lambda: now[0],
        )
        with HttpClient("test", auth=auth) as client:
            first = auth.headers(client)
            now[0] += 200
            assert auth.headers(client) == first
            now[0] += 80  # 280 s of 300: within the renewal margin
            assert auth.headers(client) != first
    assert app.token_requests == 2
    assert repr(auth) == "OAuth2ClientCredentials(***)"


def test_the_csv_readers_checks_apply_to_json_records(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    data = small_world().oneroster_json("1.2")
    _by_id(data["users"], "p2")["status"] = "tobedeleted"
    _by_id(data["users"], "a1")["roles"][0]["role"] = "principal"
    _by_id(data["classes"], "ma9a")["classType"] = "Scheduled"
    _by_id(data["classes"], "7c")["metadata"]["tillLMS"] = "Nej"
    _by_id(data["classes"], "9a")["terms"].append({"sourcedId": "term-99"})
    _by_id(data["enrollments"], "p1/ma9a")["endDate"] = "2026-11-23"  # exclusive: ends 11-22
    policy = policy_file(
        tmp_path,
        'group_export_flag = "metadata.tillLMS"\n'
        'protected_identity_field = "metadata.securityMarking"\n',
    )
    db = tmp_path / "r.db"
    with oneroster_server(monkeypatch, data=data) as server:
        result = run(db, or_url(server), policy)
    assert result.state == "good", result
    seen = outcome(db, result.run_id)
    assert seen.codes("person", "p2") == {"PERSON_INACTIVE"}
    assert seen.status("person", "a1") == "imported"
    assert seen.codes("group", "ma9a") == {"SOURCE_VALUE_NONSTANDARD"}
    assert seen.codes("group", "7c") == {"GROUP_NOT_EXPORTED"}
    assert seen.codes("group", "9a") == {"SOURCE_REFERENCE_UNKNOWN"}
    assert seen.status("membership", "p1/ma9a") == "imported"
    with Queries.open(db) as q:
        link = q.record(result.run_id, "membership", "p1/ma9a")
        principal = q.record(result.run_id, "person", "a1")
    assert link is not None and principal is not None
    assert link.fields["end"] == "2026-11-22"
    assert principal.fields["role"] == "admin"


def test_a_policy_flag_no_record_carries_fails_closed(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    policy = policy_file(tmp_path, 'group_export_flag = "metadata.exportera"\n')
    with oneroster_server(monkeypatch) as server:
        result = run(tmp_path / "r.db", or_url(server), policy)
    assert result.state == "failed"
    assert result.error == (
        f"{server.url}{OR12}/classes: the policy's group_export_flag names "
        "'metadata.exportera', which no record carries"
    )


def test_a_record_without_a_sourced_id_is_a_file_finding(tmp_path, monkeypatch):
    fast_http(monkeypatch, page_size=5)
    data = small_world().oneroster_json("1.2")
    data["users"].append({"givenName": "No", "familyName": "Id"})
    db = tmp_path / "r.db"
    with oneroster_server(monkeypatch, data=data) as server:
        result = run(db, or_url(server), policy_file(tmp_path))
    assert result.state == "good", result
    findings = outcome(db, result.run_id).run_messages
    assert findings == {
        ("SOURCE_ROW_MALFORMED", "/users: record 4 of the page has no sourcedId and cannot be read")
    }


class _Overcounting(OneRosterApp):
    """Says two more users exist than it serves, as a platform does when records vanish
    between the count and the last page."""

    def __call__(self, request):
        response = super().__call__(request)
        if "/users" in request.path and "X-Total-Count" in response.headers:
            response.headers["X-Total-Count"] = str(len(self.data["users"]) + 2)
        return response


def test_a_total_that_disagrees_with_the_records_is_said(tmp_path, monkeypatch):
    fast_http(monkeypatch, page_size=5)
    app = _Overcounting(small_world().oneroster_json("1.2"), base=OR12)
    db = tmp_path / "r.db"
    with FixtureServer(app) as server:
        result = run(db, or_url(server), policy_file(tmp_path))
    assert result.state == "good", result
    findings = outcome(db, result.run_id).run_messages
    assert findings == {
        (
            "SOURCE_VALUE_NONSTANDARD",
            f"{server.url}{OR12}/users: X-Total-Count said 15 records, 13 came (the data "
            "changed during the read, or the server pages wrongly)",
        )
    }


def test_an_answer_without_the_collection_is_not_oneroster(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with FixtureServer(lambda request: Response.json(200, {"data": []})) as server:
        result = run(tmp_path / "r.db", or_url(server, "1.1"), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error is not None
    assert re.search(
        r"/\w+\?limit=1000&offset=0: not a OneRoster answer \(no '\w+' list\)$", result.error
    )


def test_a_server_that_ignores_offset_is_stopped(tmp_path, monkeypatch):
    """Page one again and again would read every record as its own duplicate."""
    fast_http(monkeypatch, page_size=2)

    def stuck(request: Request) -> Response:
        name = request.path.rsplit("/", 1)[-1]
        items = [{"sourcedId": f"{name}-1"}, {"sourcedId": f"{name}-2"}]
        return Response.json(200, {name: items}, **{"X-Total-Count": "6"})

    with FixtureServer(stuck) as server:
        result = run(tmp_path / "r.db", or_url(server, "1.1"), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error is not None
    assert result.error.endswith(
        "&offset=4: the server ignores offset (this page repeats an earlier one)"
    )
