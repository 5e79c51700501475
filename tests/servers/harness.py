"""What the network tests share: fast retry settings, a served roster, a real sync, and the
outcome read back through the query layer the console and the CLI use."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rostertui.sources import http
from rostertui.sources.credentials import KEYS
from rostertui.store.queries import Queries
from rostertui.sync import SyncResult, sync
from tests.servers.base import FixtureServer
from tests.servers.oneroster import OneRosterApp
from tests.servers.ss12000 import SS12000App
from tests.servers.world import World, small_world

AS_OF = date(2026, 11, 22)
SS_TOKEN = "ss12k-Bearer-7f3a9c1e5b2d4a68"
CLIENT_ID = "rostertui-client-8c1d"
CLIENT_SECRET = "oneroster-Secret-5e7b2a9f0c3d"
OR11 = "/ims/oneroster/v1p1"
OR12 = "/ims/oneroster/rostering/v1p2"
POLICY = (
    'protected_identity_field = "metadata.securityMarking"\ncivic_no_field = "metadata.civicNo"\n'
)


def fast_http(monkeypatch: pytest.MonkeyPatch, **changes: Any) -> http.HttpSettings:
    """Retries in milliseconds, not seconds; every credential variable cleared."""
    settings = http.HttpSettings(
        **{
            "connect_timeout": 2.0,
            "read_timeout": 2.0,
            "attempts": 3,
            "backoff": 0.01,
            "backoff_max": 0.05,
            "retry_after_max": 5.0,
            **changes,
        }
    )
    monkeypatch.setattr(http, "DEFAULT_SETTINGS", settings)
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    return settings


def credentials_file(path: Path, text: str, mode: int = 0o600) -> Path:
    """A credentials file, private (0600) unless `mode` says otherwise."""
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def policy_file(folder: Path, text: str = POLICY) -> Path:
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def ss12000_server(
    monkeypatch: pytest.MonkeyPatch,
    world: World | None = None,
    *,
    data: dict | None = None,
    token: str | None = SS_TOKEN,
    **options: Any,
) -> Iterator[FixtureServer]:
    """An SS 12000 server with the roster, and the token in the environment."""
    served = data if data is not None else (world or small_world()).ss12000()
    with FixtureServer(SS12000App(served, token=token, **options)) as server:
        if token is not None:
            monkeypatch.setenv("ROSTERTUI_SS12000_TOKEN", token)
        yield server


@contextmanager
def oneroster_server(
    monkeypatch: pytest.MonkeyPatch,
    world: World | None = None,
    *,
    version: str = "1.2",
    data: dict | None = None,
    **options: Any,
) -> Iterator[FixtureServer]:
    """A OneRoster server behind OAuth2, with the client credentials in the environment."""
    served = data if data is not None else (world or small_world()).oneroster_json(version)
    base = OR12 if version == "1.2" else OR11
    app = OneRosterApp(
        served, base=base, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **options
    )
    with FixtureServer(app) as server:
        monkeypatch.setenv("ROSTERTUI_ONEROSTER_TOKEN_URL", f"{server.url}/oauth/token")
        monkeypatch.setenv("ROSTERTUI_ONEROSTER_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("ROSTERTUI_ONEROSTER_CLIENT_SECRET", CLIENT_SECRET)
        yield server


def ss_url(server: FixtureServer, scheme: str | None = None, version: str = "v2.1") -> str:
    """The SS 12000 source for `server`, in its own scheme unless another is asked for."""
    return f"ss12000+{scheme or server.scheme}://127.0.0.1:{server.port}/{version}"


def or_url(server: FixtureServer, version: str = "1.2") -> str:
    return f"oneroster+{server.url}{OR12 if version == '1.2' else OR11}"


def run(db: Path, source: str, policy: Path, **options: Any) -> SyncResult:
    return sync(db, source, policy_path=policy, as_of=options.pop("as_of", AS_OF), **options)


@dataclass(frozen=True)
class Outcome:
    """A run as a user sees it: each record's status and codes, and the run-level findings."""

    state: str
    error: str | None
    records: dict[tuple[str, str], tuple[str, frozenset[str]]]
    run_findings: list[tuple[str, str, str]]  # (kind, code, message)

    def status(self, kind: str, key: str) -> str:
        return self.records[(kind, key)][0]

    def codes(self, kind: str, key: str) -> frozenset[str]:
        return self.records[(kind, key)][1]

    @property
    def run_messages(self) -> set[tuple[str, str]]:
        """(code, message) of each run- or file-level finding."""
        return {(code, message) for _, code, message in self.run_findings}


def outcome(db: Path, run_id: int) -> Outcome:
    with Queries.open(db) as q:
        info = q.run(run_id)
        records: dict[tuple[str, str], tuple[str, set[str]]] = {}
        findings = []
        for row in q.export_rows(run_id):
            kind, key, code = row["kind"], row["key"], row["code"]
            if kind in ("run", "file"):
                findings.append((kind, code, row["message"]))
                continue
            _, codes = records.setdefault((kind, key), (row["status"], set()))
            if code:
                codes.add(code)
    return Outcome(
        info.state,
        info.error,
        {k: (status, frozenset(codes)) for k, (status, codes) in records.items()},
        findings,
    )
