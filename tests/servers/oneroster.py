"""A OneRoster REST-shaped API (1.1 or 1.2 rostering), fed from fixtures, behind OAuth2.

Collections are paged with `limit`/`offset` and counted in `X-Total-Count`; the token endpoint
takes client credentials by HTTP Basic and issues short-lived bearer tokens, and `revoke()`
makes the API refuse the tokens issued so far, as a server does when they expire early.
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Mapping
from typing import Any

from tests.servers.base import Request, Response

COLLECTIONS = ("orgs", "users", "classes", "enrollments", "academicSessions")
TOKEN_PATH = "/oauth/token"


class OneRosterApp:
    def __init__(
        self,
        data: Mapping[str, list[dict[str, Any]]],
        *,
        base: str = "/ims/oneroster/v1p1",
        client_id: str | None = None,
        client_secret: str | None = None,
        token_lifetime: int = 3600,
        max_limit: int = 1000,
        total_count: bool = True,
    ) -> None:
        self.data = {name: list(data.get(name, [])) for name in COLLECTIONS}
        self.base = base
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self.max_limit = max_limit
        self.total_count = total_count
        self.tokens: set[str] = set()
        self.token_requests = 0
        self._lock = threading.Lock()

    def revoke(self) -> None:
        with self._lock:
            self.tokens.clear()

    def __call__(self, request: Request) -> Response:
        if request.path == TOKEN_PATH:
            return self._token(request)
        if self.client_id is not None:
            header = request.headers.get("authorization", "")
            with self._lock:
                valid = header.startswith("Bearer ") and header[7:] in self.tokens
            if not valid:
                return Response.json(
                    401, {"imsx_codeMajor": "failure", "imsx_description": "token"}
                )
        if request.method != "GET" or not request.path.startswith(self.base + "/"):
            return Response.json(404, {"imsx_codeMajor": "failure"})
        name = request.path[len(self.base) + 1 :]
        if name not in self.data:
            return Response.json(404, {"imsx_codeMajor": "failure"})
        try:
            limit = min(int(request.param("limit") or 100), self.max_limit)
            offset = int(request.param("offset") or 0)
        except ValueError:
            return Response.json(400, {"imsx_codeMajor": "failure"})
        items = self.data[name]
        headers = {"X-Total-Count": str(len(items))} if self.total_count else {}
        return Response.json(200, {name: items[offset : offset + limit]}, **headers)

    def _token(self, request: Request) -> Response:
        with self._lock:
            self.token_requests += 1
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.method != "POST" or request.headers.get("authorization") != f"Basic {expected}":
            return Response.json(401, {"error": "invalid_client"})
        if b"grant_type=client_credentials" not in request.body:
            return Response.json(400, {"error": "unsupported_grant_type"})
        token = secrets.token_hex(16)
        with self._lock:
            self.tokens.add(token)
        return Response.json(
            200, {"access_token": token, "token_type": "bearer", "expires_in": self.token_lifetime}
        )
