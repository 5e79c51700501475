"""An SS 12000-shaped API (the 2.0/2.1 list endpoints a roster needs), fed from fixtures.

Paging is the standard's: `limit` and an opaque `pageToken` that cannot be combined with other
filters (the server answers 400 if it is), `pageToken: null` on the last page. Filters are the
ones rostertui uses: /organisations?type, /groups?organisation (a list), /duties?organisation,
/activities?organisation and /persons?relationship.organisation. A Bearer token is required
when one is configured.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from tests.servers.base import Request, Response

ENDPOINTS = ("organisations", "persons", "duties", "groups", "activities")
FILTERS = {
    "organisations": {"type"},
    "groups": {"organisation"},
    "duties": {"organisation"},
    "activities": {"organisation"},
    "persons": {"relationship.organisation"},
}


class SS12000App:
    def __init__(
        self,
        data: Mapping[str, list[dict[str, Any]]],
        *,
        token: str | None = None,
        base: str = "/v2.1",
        max_limit: int = 1000,
    ) -> None:
        self.data = {name: list(data.get(name, [])) for name in ENDPOINTS}
        self.token = token
        self.base = base
        self.max_limit = max_limit

    def __call__(self, request: Request) -> Response:
        if (
            self.token is not None
            and request.headers.get("authorization") != f"Bearer {self.token}"
        ):
            return Response.json(401, {"code": "Unauthorized", "message": "invalid token"})
        if request.method != "GET" or not request.path.startswith(self.base + "/"):
            return Response.json(404, {"code": "NotFound"})
        endpoint = request.path[len(self.base) + 1 :]
        if endpoint not in self.data:
            return Response.json(404, {"code": "NotFound"})
        try:
            limit = min(int(request.param("limit") or self.max_limit), self.max_limit)
        except ValueError:
            return Response.json(400, {"code": "BadRequest", "message": "limit"})
        filters = {k: v for k, v in request.query.items() if k not in ("limit", "pageToken")}
        unknown = set(filters) - FILTERS[endpoint]
        if unknown:
            return Response.json(400, {"code": "BadRequest", "message": f"unknown {unknown}"})
        token = request.param("pageToken")
        if token:
            if filters:
                return Response.json(400, {"code": "BadRequest", "message": "pageToken+filter"})
            state = json.loads(base64.urlsafe_b64decode(token))
            offset, filters = state["offset"], state["filters"]
        else:
            offset = 0
        items = [item for item in self.data[endpoint] if self._matches(endpoint, item, filters)]
        page = items[offset : offset + limit]
        following = offset + limit
        next_token = None
        if following < len(items):
            state = {"offset": following, "filters": filters}
            next_token = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
        return Response.json(200, {"data": page, "pageToken": next_token})

    def _matches(self, endpoint: str, item: dict, filters: dict[str, list[str]]) -> bool:
        for name, wanted in filters.items():
            if name == "type" and item.get("organisationType") not in wanted:
                return False
            if name == "organisation":
                key = {"groups": "organisation", "duties": "dutyAt", "activities": "organisation"}
                if _id(item.get(key[endpoint])) not in wanted:
                    return False
            if name == "relationship.organisation" and not self._related(item, set(wanted)):
                return False
        return True

    def _related(self, person: dict, orgs: set[str]) -> bool:
        """Enrolled at, on duty at, or a member of a group at one of `orgs`."""
        person_id = person.get("id")
        if any(_id(e.get("enroledAt")) in orgs for e in person.get("enrolments", [])):
            return True
        if any(
            _id(d.get("person")) == person_id and _id(d.get("dutyAt")) in orgs
            for d in self.data["duties"]
        ):
            return True
        return any(
            _id(g.get("organisation")) in orgs
            and any(_id(m.get("person")) == person_id for m in g.get("groupMemberships", []))
            for g in self.data["groups"]
        )


def _id(reference: Any) -> str | None:
    return reference.get("id") if isinstance(reference, dict) else None
