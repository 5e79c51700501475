"""A NUL inside a value sent over JSON (`"An\\u0000na"`): taken out before anything is stored,
and reported on the record that held it, as the CSV readers do."""

from __future__ import annotations

import pytest

from rostertui.store.queries import Queries
from tests.servers.harness import (
    fast_http,
    oneroster_server,
    or_url,
    policy_file,
    run,
    ss12000_server,
    ss_url,
)
from tests.servers.world import small_world
from tests.stored import db_bytes


def _poisoned(records: list[dict], person_id: str, key: str) -> None:
    person = next(r for r in records if r.get("id", r.get("sourcedId")) == person_id)
    person[key] = person[key][:2] + "\x00" + person[key][2:]


@pytest.mark.parametrize("source", ["ss12000", "oneroster"])
def test_a_nul_in_a_given_name_is_taken_out_and_reported_on_the_person(
    tmp_path, monkeypatch, source
):
    fast_http(monkeypatch)
    world = small_world()
    if source == "ss12000":
        data = world.ss12000()
        _poisoned(data["persons"], "t1", "givenName")
        serving, url = ss12000_server(monkeypatch, data=data), ss_url
    else:
        data = world.oneroster_json("1.2")
        _poisoned(data["users"], "t1", "givenName")
        serving, url = oneroster_server(monkeypatch, data=data), or_url
    db = tmp_path / "r.db"
    with serving as server:
        result = run(db, url(server), policy_file(tmp_path))
    assert result.state == "good", result
    with Queries.open(db) as q:
        karin = q.record(result.run_id, "person", "t1")
    assert karin is not None
    assert karin.row.status == "imported"  # a NUL is not a reason to keep a teacher out
    assert karin.fields["given_name"] == "Karin"
    assert [(f.code, f.message) for f in karin.findings] == [
        (
            "SOURCE_VALUE_NONSTANDARD",
            "givenName held a NUL byte (an invisible control character); removed",
        )
    ]
    assert b"Ka\x00rin" not in db_bytes(db)
