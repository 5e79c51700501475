"""Tokens, client secrets and issued access tokens never reach the database, stdout, stderr or a
log line — not on a good night, not on a retried one, not when the server refuses the token, and
not when a server echoes the Authorization header back in its error page."""

from __future__ import annotations

import base64
import logging
import pickle

import pytest

from rostertui.sources.credentials import Secret, load_credentials
from tests.servers.base import FixtureServer, Request, Response
from tests.servers.harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    SS_TOKEN,
    credentials_file,
    fast_http,
    oneroster_server,
    or_url,
    policy_file,
    run,
    ss12000_server,
    ss_url,
)
from tests.stored import db_bytes

WRONG_SECRET = "a-Wrong-Secret-91d0c7e3"


def test_no_secret_reaches_the_database_the_output_or_the_log(tmp_path, monkeypatch, capfd, caplog):
    caplog.set_level(logging.DEBUG)  # httpx and httpcore at their most talkative, too
    fast_http(monkeypatch)
    db, policy = tmp_path / "r.db", policy_file(tmp_path)
    credentials = credentials_file(
        tmp_path / "creds.toml", f'ROSTERTUI_SS12000_TOKEN = "{SS_TOKEN}"\n'
    )
    issued: set[str] = set()
    with ss12000_server(monkeypatch) as server:
        monkeypatch.delenv("ROSTERTUI_SS12000_TOKEN")  # from the private file only
        server.fault("500", match="/groups")
        server.fault("429", match="/persons", retry_after="0")
        good = run(db, ss_url(server), policy, credentials_path=credentials)
        assert good.state == "good", good
        assert f"Bearer {SS_TOKEN}" in server.authorizations, "the token was not sent"
        server.fault("401", match="/organisations")
        rejected = run(db, ss_url(server), policy, credentials_path=credentials)
        assert rejected.state == "failed"
    with oneroster_server(monkeypatch) as server:
        server.fault("401", match="/users")  # the access token is refused once: refreshed
        refreshed = run(db, or_url(server), policy)
        assert refreshed.state == "good", refreshed
        issued |= server.app.tokens  # type: ignore[attr-defined]
        monkeypatch.setenv("ROSTERTUI_ONEROSTER_CLIENT_SECRET", WRONG_SECRET)
        refused = run(db, or_url(server), policy)
        assert refused.state == "failed"
        assert refused.error is not None and "client id/secret rejected" in refused.error
    with FixtureServer(_echo_authorization) as server:
        monkeypatch.setenv("ROSTERTUI_SS12000_TOKEN", SS_TOKEN)
        echoed = run(db, ss_url(server), policy)
        assert echoed.state == "failed"
        assert echoed.error is not None and "***" in echoed.error
    assert len(issued) == 2
    secrets = {
        SS_TOKEN,
        CLIENT_SECRET,
        WRONG_SECRET,
        *issued,
        base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode(),
    }
    captured = capfd.readouterr()
    shown = captured.out + captured.err + caplog.text
    assert "retry 1" in shown, "the test must have exercised the retry messages"
    stored = db_bytes(tmp_path / "r.db")
    assert len(stored) > 10_000
    for secret in secrets:
        assert secret not in shown
        assert secret.encode() not in stored


def _echo_authorization(request: Request) -> Response:
    """A badly behaved server that quotes the request's credentials in its error page."""
    return Response(400, f"bad request, you sent {request.headers.get('authorization')}".encode())


def test_credentials_show_no_values_in_repr_str_or_pickle(tmp_path):
    path = credentials_file(
        tmp_path / "c.toml",
        f'ROSTERTUI_SS12000_TOKEN = "{SS_TOKEN}"\n'
        f'ROSTERTUI_ONEROSTER_CLIENT_SECRET = "{CLIENT_SECRET}"\n'
        'ROSTERTUI_SS12000_CERT = "/etc/rostertui/client.pem"\n',
    )
    credentials = load_credentials(path, {"ROSTERTUI_ONEROSTER_CLIENT_ID": CLIENT_ID})
    for text in (repr(credentials), str(credentials), f"{credentials.ss12000_token}"):
        assert SS_TOKEN not in text
        assert CLIENT_SECRET not in text
        assert "client.pem" not in text
        assert CLIENT_ID not in text
    assert repr(credentials) == (
        f"Credentials(from {path} and the environment; set: ss12000_token, ss12000_cert, "
        "oneroster_client_id, oneroster_client_secret)"
    )
    assert credentials.scrub(f"echo {SS_TOKEN} and {CLIENT_SECRET}") == "echo *** and ***"
    with pytest.raises(TypeError):
        pickle.dumps(Secret(SS_TOKEN))
