"""Credentials come from the environment or a file only its owner can read — never from the
command line — and every refusal says what to fix without showing a value."""

from __future__ import annotations

import os

import pytest

from rostertui.sources.credentials import CredentialsError, load_credentials
from tests.servers.harness import (
    SS_TOKEN,
    credentials_file,
    fast_http,
    oneroster_server,
    or_url,
    outcome,
    policy_file,
    run,
    ss12000_server,
    ss_url,
)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_credentials_file_others_can_read_is_refused(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    loose = credentials_file(
        tmp_path / "creds.toml", f'ROSTERTUI_SS12000_TOKEN = "{SS_TOKEN}"\n', 0o644
    )
    with ss12000_server(monkeypatch) as server:
        monkeypatch.delenv("ROSTERTUI_SS12000_TOKEN")
        result = run(
            tmp_path / "r.db",
            ss_url(server),
            policy_file(tmp_path),
            credentials_path=loose,
        )
    assert result.state == "failed"
    assert result.error == (
        f"credentials file {loose} is accessible to group or others (mode 0644); refusing to "
        f"read it. Make it private: chmod 600 {loose}"
    )
    assert server.targets == [], "nothing may be sent with credentials from a refused file"


def test_a_private_credentials_file_is_used(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    private = credentials_file(
        tmp_path / "creds.toml", f'ROSTERTUI_SS12000_TOKEN = "{SS_TOKEN}"\n', 0o600
    )
    with ss12000_server(monkeypatch) as server:
        monkeypatch.delenv("ROSTERTUI_SS12000_TOKEN")
        result = run(
            tmp_path / "r.db",
            ss_url(server),
            policy_file(tmp_path),
            credentials_path=private,
        )
    assert result.state == "good", result
    assert outcome(tmp_path / "r.db", result.run_id).status("person", "p1") == "imported"


def test_the_file_wins_and_the_environment_fills_the_gaps(tmp_path):
    private = credentials_file(
        tmp_path / "c.toml",
        'ROSTERTUI_ONEROSTER_CLIENT_ID = "from-file"\n'
        'ROSTERTUI_ONEROSTER_CLIENT_SECRET = "file-secret"\n',
        0o600,
    )
    environment = {
        "ROSTERTUI_ONEROSTER_CLIENT_ID": "from-env",
        "ROSTERTUI_ONEROSTER_TOKEN_URL": "https://idp.example.com/token",
        "UNRELATED": "x",
    }
    credentials = load_credentials(private, environment)
    assert credentials.oneroster_client_id is not None
    assert credentials.oneroster_client_id.reveal() == "from-file"
    assert credentials.oneroster_token_url is not None
    assert credentials.oneroster_token_url.reveal() == "https://idp.example.com/token"
    assert credentials.ss12000_token is None
    assert load_credentials(None, {}).secrets() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'ROSTERTUI_SS12000_TOKN = "abc-secret-value"\n',
            "unknown key 'ROSTERTUI_SS12000_TOKN' (known: ROSTERTUI_SS12000_TOKEN, ",
        ),
        ("ROSTERTUI_SS12000_TOKEN = 12345678\n", "ROSTERTUI_SS12000_TOKEN must be a string"),
        ('ROSTERTUI_SS12000_TOKEN = "abc-secret-value\n', "is not valid TOML (at line 1, column"),
    ],
)
def test_a_broken_credentials_file_names_the_key_not_the_value(tmp_path, text, expected):
    path = credentials_file(tmp_path / "c.toml", text, 0o600)
    with pytest.raises(CredentialsError) as caught:
        load_credentials(path, {})
    assert expected in str(caught.value)
    assert "abc-secret-value" not in str(caught.value)
    assert "12345678" not in str(caught.value)


def test_a_missing_credentials_file_fails_the_run_plainly(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    missing = tmp_path / "nowhere.toml"
    result = run(
        tmp_path / "r.db",
        "ss12000+http://127.0.0.1:9/v2.1",
        policy_file(tmp_path),
        credentials_path=missing,
    )
    assert result.error == f"credentials file {missing}: No such file or directory"


def test_incomplete_oauth2_credentials_name_what_is_missing(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with oneroster_server(monkeypatch) as server:
        monkeypatch.delenv("ROSTERTUI_ONEROSTER_CLIENT_SECRET")
        result = run(tmp_path / "r.db", or_url(server), policy_file(tmp_path))
    assert result.error == (
        "OAuth2 client credentials are incomplete: ROSTERTUI_ONEROSTER_CLIENT_SECRET not set"
    )
    assert server.targets == []


def test_file_sources_ignore_the_credentials_argument(tmp_path):
    """A bundle sync with --credentials pointing nowhere still reads the bundle."""
    from tests.oneroster_builder import clean_roster

    folder = clean_roster().write(tmp_path / "bundle")
    result = run(
        tmp_path / "r.db",
        str(folder),
        policy_file(tmp_path, ""),
        credentials_path=tmp_path / "missing.toml",
    )
    assert result.state == "good", result


def test_a_client_secret_is_never_sent_over_plain_http_to_another_host(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    with oneroster_server(monkeypatch) as server:
        monkeypatch.setenv("ROSTERTUI_ONEROSTER_TOKEN_URL", "http://idp.example.com/token")
        result = run(tmp_path / "r.db", or_url(server), policy_file(tmp_path))
    assert result.error == (
        "ROSTERTUI_ONEROSTER_TOKEN_URL sends the client secret to idp.example.com over plain "
        "http; use https"
    )
    assert server.targets == []
