"""What a night against a misbehaving registry looks like: each fault a real server can throw,
and what the admin reads afterwards in the run log.

Transient faults (429, a 500, a dropped connection, a slow page within the timeout) are retried
and the night is good; permanent ones (a rejected token, a broken body, TLS, a page beyond the
timeout) fail the run at once or after the retries, with one message that names the URL — and
the last good night stays the one the platform is built from.
"""

from __future__ import annotations

import time

from rostertui.store.queries import Queries
from tests.servers.base import FixtureServer
from tests.servers.harness import (
    fast_http,
    outcome,
    policy_file,
    run,
    ss12000_server,
    ss_url,
)


def test_429_is_retried_after_the_servers_retry_after(tmp_path, monkeypatch, capsys):
    fast_http(monkeypatch)
    with ss12000_server(monkeypatch) as server:
        server.fault("429", match="/persons", retry_after="1")
        started = time.monotonic()
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
        waited = time.monotonic() - started
    assert result.state == "good", result
    assert server.requests_to("/persons") == 2
    assert waited >= 1.0, "Retry-After: 1 was not honoured"
    assert "HTTP 429 Too Many Requests; retry 1 in 1.0 s" in capsys.readouterr().err


def test_a_500_once_is_retried_and_the_night_is_good(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with ss12000_server(monkeypatch) as server:
        server.fault("500", match="/groups")
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "good", result
    assert server.requests_to("/groups") == 2
    assert outcome(tmp_path / "r.db", result.run_id).status("group", "9a") == "imported"


def test_a_dropped_connection_is_retried(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with ss12000_server(monkeypatch) as server:
        server.fault("drop", match="/duties")
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "good", result
    assert server.requests_to("/duties") == 2
    assert outcome(tmp_path / "r.db", result.run_id).status("person", "t1") == "imported"


def test_a_slow_page_within_the_read_timeout_is_simply_waited_for(tmp_path, monkeypatch):
    fast_http(monkeypatch, read_timeout=2.0, attempts=1)
    with ss12000_server(monkeypatch) as server:
        server.fault("slow", match="/activities", delay=0.4)
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "good", result
    assert server.requests_to("/activities") == 1


def test_a_page_slower_than_the_read_timeout_fails_the_run_naming_the_url(tmp_path, monkeypatch):
    fast_http(monkeypatch, read_timeout=0.3, attempts=2)
    with ss12000_server(monkeypatch) as server:
        server.fault("slow", match="/activities", delay=1.0, times=None)
        started = time.monotonic()
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
        elapsed = time.monotonic() - started
    assert result.state == "failed"
    assert result.error == (
        f"{server.url}/v2.1/activities?limit=1000: no answer within 0.3 s (read timeout); "
        "gave up after 2 attempts"
    )
    assert server.requests_to("/activities") == 2
    assert elapsed < 2.5, "a timed-out page must not hold the night for the whole delay"


def test_a_broken_body_fails_the_run_and_the_last_good_night_stays(tmp_path, monkeypatch):
    fast_http(monkeypatch, page_size=4)
    db, policy = tmp_path / "r.db", policy_file(tmp_path)
    with ss12000_server(monkeypatch) as server:
        first = run(db, ss_url(server), policy)
        assert first.state == "good", first
        server.fault("broken", match="/persons?limit=4&pageToken", times=None)
        second = run(db, ss_url(server), policy)
    assert second.state == "failed"
    assert second.error is not None
    assert second.error.startswith(f"{server.url}/v2.1/persons?limit=4&pageToken=")
    assert "the answer is broken JSON" in second.error
    failed = outcome(db, second.run_id)
    assert failed.records == {}, "nothing from a partial read may be stored"
    assert [(k, c) for k, c, _ in failed.run_findings] == [("run", "SOURCE_UNREADABLE")]
    with Queries.open(db) as q:
        assert q.latest_good_run_id() == first.run_id
        assert q.latest_run().id == second.run_id


def test_a_rejected_token_fails_at_once_without_retrying(tmp_path, monkeypatch):
    fast_http(monkeypatch, attempts=5, backoff=1.0)
    with ss12000_server(monkeypatch) as server:
        monkeypatch.setenv("ROSTERTUI_SS12000_TOKEN", "an-expired-token-0000")
        started = time.monotonic()
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
        elapsed = time.monotonic() - started
    assert result.state == "failed"
    assert result.error == (
        f"token rejected by 127.0.0.1:{server.port} (HTTP 401 Unauthorized at "
        f"{server.url}/v2.1/organisations?limit=1000); check ROSTERTUI_SS12000_TOKEN"
    )
    assert server.requests_to("/organisations") == 1
    assert elapsed < 1.0


def test_a_401_fault_midway_fails_the_run_naming_the_page(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with ss12000_server(monkeypatch) as server:
        server.fault("401", match="/groups")
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error is not None
    assert result.error.startswith(f"token rejected by 127.0.0.1:{server.port} (HTTP 401")
    assert f"{server.url}/v2.1/groups?limit=1000" in result.error
    assert server.requests_to("/groups") == 1


def test_no_token_at_all_says_which_variable_to_set(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with ss12000_server(monkeypatch) as server:
        monkeypatch.delenv("ROSTERTUI_SS12000_TOKEN")
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error is not None
    assert result.error.startswith(f"127.0.0.1:{server.port} requires credentials and none are set")
    assert result.error.endswith("set ROSTERTUI_SS12000_TOKEN or give --credentials FILE")


def test_403_is_access_denied_and_not_retried(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with ss12000_server(monkeypatch) as server:
        server.fault("403", match="/persons")
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error is not None
    assert result.error.startswith(f"access denied by 127.0.0.1:{server.port} (HTTP 403")
    assert server.requests_to("/persons") == 1


def test_a_persistent_5xx_gives_up_after_the_configured_attempts(tmp_path, monkeypatch):
    fast_http(monkeypatch, attempts=3)
    with ss12000_server(monkeypatch) as server:
        server.fault("503", match="/duties", times=None)
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error == (
        f"{server.url}/v2.1/duties?limit=1000: HTTP 503 Service Unavailable; "
        "gave up after 3 attempts"
    )
    assert server.requests_to("/duties") == 3


def test_a_retry_after_beyond_the_limit_fails_rather_than_stalling(tmp_path, monkeypatch):
    fast_http(monkeypatch, retry_after_max=5.0)
    with ss12000_server(monkeypatch) as server:
        server.fault("429", match="/groups", retry_after="3600", times=None)
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error is not None
    assert "the server asks to wait 3600 s (Retry-After), longer than the 5 s allowed" in (
        result.error
    )
    assert server.requests_to("/groups") == 1


def test_an_html_page_instead_of_json_is_named_for_what_it_is(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with ss12000_server(monkeypatch) as server:
        server.fault("html", match="/organisations")
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error == (
        f"{server.url}/v2.1/organisations?limit=1000: the answer is not JSON (text/html): "
        "starts '<html><head><title>Sign in</title></head><body>proxy</body></html>'"
    )


def test_a_wrong_path_is_a_404_and_not_retried(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with ss12000_server(monkeypatch) as server:
        result = run(tmp_path / "r.db", ss_url(server, version="v9"), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error is not None
    assert result.error.startswith(f"{server.url}/v9/organisations?limit=1000: HTTP 404 Not Found")
    assert len(server.targets) == 1


def test_tls_to_a_plain_http_server_is_a_tls_failure(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with ss12000_server(monkeypatch) as server:
        result = run(tmp_path / "r.db", ss_url(server, "https"), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error is not None
    assert f"TLS with 127.0.0.1:{server.port} failed: " in result.error
    assert result.error.startswith(f"https://127.0.0.1:{server.port}/v2.1/organisations")


def test_nobody_listening_is_retried_then_fails(tmp_path, monkeypatch):
    fast_http(monkeypatch, attempts=2)
    with FixtureServer(lambda request: None) as server:  # type: ignore[arg-type,return-value]
        port = server.port
    result = run(tmp_path / "r.db", f"ss12000+http://127.0.0.1:{port}/v2.1", policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error == (
        f"http://127.0.0.1:{port}/v2.1/organisations?limit=1000: cannot connect "
        "(Connection refused); gave up after 2 attempts"
    )


def test_plain_http_to_another_host_and_passwords_in_urls_are_refused(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    policy = policy_file(tmp_path)
    plain = run(tmp_path / "r.db", "ss12000+http://registry.example.se/v2.1", policy)
    assert plain.state == "failed"
    assert plain.error == (
        "ss12000+http://registry.example.se/v2.1: plain http is only allowed to this machine "
        "(127.0.0.1); use ss12000+https://"
    )
    userinfo = run(
        tmp_path / "r.db", "oneroster+https://me:pw@or.example.com/ims/oneroster/v1p1", policy
    )
    assert userinfo.error is not None
    assert "credentials in the URL are refused" in userinfo.error
    assert "pw@" not in userinfo.error
    unknown = run(tmp_path / "r.db", "ftp://files.example.se/roster.zip", policy)
    assert unknown.error is not None
    assert unknown.error.startswith("ftp:// is not a source rostertui reads")


def test_other_endpoints_stop_when_one_fails(tmp_path, monkeypatch):
    """One clear failure per night: the endpoints still paging are cancelled, not left to
    retry for minutes behind a run that has already failed."""
    fast_http(monkeypatch, page_size=2, attempts=4, backoff=0.5, backoff_max=0.5)
    with ss12000_server(monkeypatch) as server:
        server.fault("401", match="/groups")
        server.fault("500", match="/persons", times=None)
        started = time.monotonic()
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
        elapsed = time.monotonic() - started
    assert result.state == "failed"
    assert result.error is not None
    assert result.error.startswith("token rejected by")
    assert elapsed < 1.0, "without cancelling, /persons would retry for 1.5 s more"
