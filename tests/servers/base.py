"""A small HTTP server the tests start on 127.0.0.1, in a thread, with faults to switch on.

The network sources are tested against real sockets, not mocks: keep-alive, a connection the
server drops, a body cut short and a Retry-After header behave as they do at 02:00 against a
registry, and the client cannot tell the difference.

    with FixtureServer(app) as server:
        server.fault("429", match="/persons", retry_after="1")
        sync(db, f"ss12000+{server.url}/v2.1", ...)
"""

from __future__ import annotations

import json
import ssl
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    target: str

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, document: Any, **headers: str) -> Response:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status, body, {"Content-Type": "application/json; charset=utf-8", **headers})


App = Callable[[Request], Response]

FAULT_KINDS = ("429", "500", "503", "401", "403", "slow", "broken", "drop", "html")


@dataclass(slots=True)
class Fault:
    """One switchable fault: fires on requests whose target contains `match`, after letting
    `skip` of them through, `times` times (None = every time)."""

    kind: str
    match: str = ""
    times: int | None = 1
    skip: int = 0
    retry_after: str = "1"
    delay: float = 0.0
    seen: int = 0
    fired: int = 0

    def applies(self, target: str) -> bool:
        if self.match not in target:
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.times is not None and self.fired >= self.times):
            return False
        self.fired += 1
        return True


class FixtureServer:
    """ThreadingHTTPServer on 127.0.0.1 (a free port), serving `app`, with faults and a log of
    every request target (never its headers)."""

    def __init__(self, app: App, tls: ssl.SSLContext | None = None) -> None:
        self.app = app
        self.scheme = "https" if tls else "http"
        self.faults: list[Fault] = []
        self.targets: list[str] = []
        self.authorizations: list[str] = []
        self._lock = threading.Lock()
        self._server = _Quiet(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fault(self, kind: str, **options: Any) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        fault = Fault(kind, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def requests_to(self, fragment: str) -> int:
        with self._lock:
            return sum(1 for target in self.targets if fragment in target)

    def _fault_for(self, target: str) -> Fault | None:
        with self._lock:
            self.targets.append(target)
            return next((f for f in self.faults if f.applies(target)), None)


class _Quiet(ThreadingHTTPServer):
    """A client that gave up on a slow page leaves a broken pipe behind: expected, not noise."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Request(
                self.command,
                parts.path,
                parse_qs(parts.query, keep_blank_values=True),
                {k.lower(): v for k, v in self.headers.items()},
                body,
                self.path,
            )
            with server._lock:
                server.authorizations.append(request.headers.get("authorization", ""))
            fault = server._fault_for(self.path)
            if fault is not None and fault.kind == "drop":
                self.close_connection = True
                return
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay)
            response = self._faulty(fault) if fault is not None else None
            if response is None:
                try:
                    response = server.app(request)
                except Exception as exc:  # a bug in a test app must show, not hang the test
                    response = Response.json(500, {"error": repr(exc)})
            if fault is not None and fault.kind == "broken":
                response.body = response.body[: max(1, len(response.body) // 2)]
            self._send(response)

        def _faulty(self, fault: Fault) -> Response | None:
            kind = fault.kind
            if kind == "429":
                return Response.json(
                    429, {"error": "slow down"}, **{"Retry-After": fault.retry_after}
                )
            if kind in ("500", "503", "401", "403"):
                return Response.json(int(kind), {"error": f"fault {kind}"})
            if kind == "html":
                page = b"<html><head><title>Sign in</title></head><body>proxy</body></html>"
                return Response(200, page, {"Content-Type": "text/html"})
            return None

        def _send(self, response: Response) -> None:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

    return Handler
