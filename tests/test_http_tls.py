"""TLS as registries deploy it: a server certificate from the municipality's own CA (trusted
through SSL_CERT_FILE), and a client certificate for mutual TLS. A certificate problem is named
as one and is not retried; the certificate's path never appears in a message."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.servers.base import FixtureServer
from tests.servers.harness import fast_http, policy_file, run, ss_url
from tests.servers.ss12000 import SS12000App
from tests.servers.world import small_world
from tests.stored import db_bytes

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, on EC keys (fast)."""
    folder = tmp_path_factory.mktemp("pki")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=Kommunens test-CA", cwd=folder)  # fmt: skip
    (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    (folder / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name in ("server", "client"):
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN=rostertui {name}", cwd=folder)  # fmt: skip
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", "2",
                 "-extfile", f"{name}.ext", cwd=folder)  # fmt: skip
    return folder


def _server(pki: Path, *, require_client: bool) -> FixtureServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki / "server.pem", pki / "server.key")
    if require_client:
        context.load_verify_locations(pki / "ca.pem")
        context.verify_mode = ssl.CERT_REQUIRED
    return FixtureServer(SS12000App(small_world().ss12000()), tls=context)


def test_mutual_tls_with_the_municipalitys_ca_reads_the_roster(tmp_path, monkeypatch, pki):
    fast_http(monkeypatch)
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / "ca.pem"))
    monkeypatch.setenv("ROSTERTUI_SS12000_CERT", str(pki / "client.pem"))
    monkeypatch.setenv("ROSTERTUI_SS12000_KEY", str(pki / "client.key"))
    with _server(pki, require_client=True) as server:
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "good", result


def test_an_untrusted_server_certificate_fails_at_once(tmp_path, monkeypatch, pki):
    fast_http(monkeypatch, attempts=3, backoff=1.0)
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / "server.pem"))  # not the CA: untrusted
    with _server(pki, require_client=False) as server:
        started = time.monotonic()
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
        elapsed = time.monotonic() - started
    assert result.state == "failed"
    assert result.error == (
        f"{server.url}/v2.1/organisations?limit=1000: TLS with 127.0.0.1:{server.port} failed: "
        "certificate not trusted (unable to get local issuer certificate)"
    )
    assert elapsed < 1.0, "a certificate problem is not retried"


def test_a_server_that_wants_a_client_certificate_says_so(tmp_path, monkeypatch, pki):
    fast_http(monkeypatch)
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / "ca.pem"))
    with _server(pki, require_client=True) as server:
        result = run(tmp_path / "r.db", ss_url(server), policy_file(tmp_path))
    assert result.state == "failed"
    assert result.error is not None
    assert f"TLS with 127.0.0.1:{server.port} failed: " in result.error
    assert "certificate required" in result.error


def test_a_missing_client_certificate_file_is_named_by_its_variable(tmp_path, monkeypatch):
    fast_http(monkeypatch)
    secret_path = tmp_path / "hemlig-katalog" / "client.pem"
    monkeypatch.setenv("ROSTERTUI_SS12000_CERT", str(secret_path))
    policy = policy_file(tmp_path)
    half = run(tmp_path / "r.db", "ss12000+https://127.0.0.1:9/v2.1", policy)
    assert half.error == (
        "a client certificate needs both a certificate and a key: ROSTERTUI_SS12000_KEY is not set"
    )
    monkeypatch.setenv("ROSTERTUI_SS12000_KEY", str(secret_path.with_suffix(".key")))
    missing = run(tmp_path / "r.db", "ss12000+https://127.0.0.1:9/v2.1", policy)
    assert missing.error == (
        "the client certificate or key (ROSTERTUI_SS12000_CERT / _KEY) does not exist"
    )
    stored = db_bytes(tmp_path / "r.db")
    assert b"hemlig-katalog" not in stored
