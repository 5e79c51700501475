"""OneRoster REST (1.1 `…/ims/oneroster/v1p1`, 1.2 `…/ims/oneroster/rostering/v1p2`) into the
canonical Roster.

The platforms (Microsoft SDS, ClassLink, Clever-style services) serve the same data as the CSV
bundles, as JSON collections paged with `limit`/`offset` and counted in `X-Total-Count`, behind
OAuth2 client credentials. A record means what the same row would mean in a CSV bundle, so the
mapping and the defect checks are the CSV reader's own (`oneroster_csv`'s role words, classType
and org type checks, status handling, exclusive end dates): a roster gives the same answers
whichever way it arrives. The JSON shape adds nested references (`{"sourcedId": …}`), arrays
instead of comma lists, and a `metadata` object whose keys become `metadata.<key>` fields, as
the CSV extension columns are.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpx

from rostertui.domain.model import (
    Capabilities,
    FileFinding,
    Group,
    Membership,
    Person,
    Placement,
    RawRow,
    Roster,
    School,
    SourceError,
    SourceIssue,
)
from rostertui.domain.policy import Policy
from rostertui.sources.credentials import Credentials, Secret
from rostertui.sources.files import CsvFile
from rostertui.sources.http import (
    UNREADABLE,
    Cancelled,
    HttpClient,
    HttpSettings,
    NoAuth,
    Page,
    PageCounter,
    Progress,
    empty_endpoint,
    flatten,
    host_of,
    is_loopback,
    json_value,
    nul_issues,
    raw_rows,
    record_without_id,
    run_parallel,
    source_url,
)
from rostertui.sources.oneroster_csv import (
    CIVIC_NO_PRONE,
    _membership,
    _membership_role,
    _Row,
    _status,
    group_of,
    org_of,
    person_of,
)

PREFIX = "oneroster"
COLLECTIONS = {
    "/orgs": "orgs",
    "/users": "users",
    "/classes": "classes",
    "/enrollments": "enrollments",
    "/academicSessions": "academicSessions",
}
"""Endpoint → the key of its list in the answer (the same in 1.1 and 1.2)."""
SCOPES = {
    "1.1": "https://purl.imsglobal.org/spec/or/v1p1/scope/roster-core.readonly",
    "1.2": "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly",
}
MODE = "delta"
"""REST records always carry status and dateLastModified: read them as a delta file's rows, so
the CSV checks do not flag them as "should be blank in a bulk file"."""


def read_oneroster_rest(
    spec: str,
    policy: Policy,
    credentials: Credentials,
    *,
    settings: HttpSettings | None = None,
    progress: Progress | None = None,
) -> Roster:
    """Read the five collections to their last page, then build the Roster; raises SourceError."""
    base = source_url(spec, PREFIX)
    version = "1.2" if "v1p2" in base else "1.1"
    with HttpClient(
        host_of(base),
        settings,
        auth=oauth2(credentials, SCOPES[version]),
        verify=httpx.create_ssl_context(),  # honours SSL_CERT_FILE: a platform's own CA
        scrub=credentials.scrub,
        progress=progress,
    ) as client:
        fetched = run_parallel(
            client,
            {
                endpoint: (lambda e=endpoint: _collection(client, base, e))
                for endpoint in COLLECTIONS
            },
        )
    return _Builder(spec, base, version, policy, fetched).build()


# -- OAuth2 ------------------------------------------------------------------------------------


class OAuth2ClientCredentials:
    """An access token from the token URL (HTTP Basic with the client id and secret), fetched
    when first needed, again shortly before it expires, and once more when the API says 401."""

    hint = "ROSTERTUI_ONEROSTER_TOKEN_URL, _CLIENT_ID and _CLIENT_SECRET"

    def __init__(
        self,
        token_url: Secret,
        client_id: Secret,
        client_secret: Secret,
        scope: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def __repr__(self) -> str:
        return "OAuth2ClientCredentials(***)"

    def present(self) -> bool:
        return True

    def headers(self, client: HttpClient) -> dict[str, str]:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._fetch(client)
            return {"Authorization": f"Bearer {self._token}"}

    def refresh(self, client: HttpClient, sent: Mapping[str, str]) -> bool:
        with self._lock:
            if sent.get("Authorization") == f"Bearer {self._token}":
                self._token = None
        return True

    def _fetch(self, client: HttpClient) -> None:
        url = self._token_url.reveal()
        response = client.send(
            "POST",
            url,
            data={"grant_type": "client_credentials", "scope": self._scope},
            basic=(self._client_id.reveal(), self._client_secret.reveal()),
            endpoint="token",
            authorise=False,
            refused="client id/secret rejected",
        )
        body = client.decode(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceError(UNREADABLE, f"{url}: the token answer has no access_token")
        client.remember_secret(token)
        lifetime = body.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) and lifetime > 0 else 3600
        self._token = token
        self._renew_at = self._clock() + seconds - min(60.0, seconds / 10)


def oauth2(credentials: Credentials, scope: str) -> OAuth2ClientCredentials | NoAuth:
    parts = {
        "ROSTERTUI_ONEROSTER_TOKEN_URL": credentials.oneroster_token_url,
        "ROSTERTUI_ONEROSTER_CLIENT_ID": credentials.oneroster_client_id,
        "ROSTERTUI_ONEROSTER_CLIENT_SECRET": credentials.oneroster_client_secret,
    }
    missing = [key for key, value in parts.items() if value is None]
    if len(missing) == len(parts):
        return NoAuth(OAuth2ClientCredentials.hint)
    if missing:
        raise SourceError(
            UNREADABLE,
            f"OAuth2 client credentials are incomplete: {', '.join(missing)} not set",
        )
    token_url, client_id, secret = parts.values()
    assert token_url is not None and client_id is not None and secret is not None
    target = urlsplit(token_url.reveal())
    if target.scheme not in ("http", "https") or not target.hostname:
        raise SourceError(UNREADABLE, "ROSTERTUI_ONEROSTER_TOKEN_URL is not an http(s) URL")
    if target.scheme == "http" and not is_loopback(target.hostname):
        raise SourceError(
            UNREADABLE,
            f"ROSTERTUI_ONEROSTER_TOKEN_URL sends the client secret to {target.hostname} over "
            "plain http; use https",
        )
    return OAuth2ClientCredentials(token_url, client_id, secret, scope)


# -- paging ------------------------------------------------------------------------------------


def _collection(client: HttpClient, base: str, endpoint: str) -> tuple[list[Page], int | None]:
    """Every page of one collection. With X-Total-Count the remaining pages are fetched in
    parallel (the client bounds how many at once); without it, page after page until a short
    or empty one. The first page's length is the step: a server may cap `limit` lower."""
    size = client.settings.page_size
    url = base + endpoint
    first = _page(client, url, endpoint, 0, size)
    step, total = len(first.page.items), first.total
    progress = PageCounter(client, endpoint, total)
    progress.add(first.page)
    pages = [first.page]
    if total is not None and step:
        with ThreadPoolExecutor(max_workers=client.settings.concurrency) as pool:
            futures = [
                pool.submit(_page, client, url, endpoint, offset, size)
                for offset in range(step, total, step)
            ]
            try:
                for future in futures:
                    pages.append(progress.add(future.result().page))
            except BaseException:
                client.cancelled.set()
                raise
        _check_offset_honoured(pages[:-1], pages[-1])
    elif step:
        while len(pages[-1].items) >= step:
            page = _page(client, url, endpoint, progress.records, size).page
            _check_offset_honoured(pages, page)
            pages.append(progress.add(page))
    progress.done()
    return pages, total


def _check_offset_honoured(earlier: list[Page], page: Page) -> None:
    """A server that ignores `offset` sends page one again and again: every record would be
    read as its own duplicate, or the paging would never end."""
    first = _first_id(page)
    if first is not None and any(_first_id(p) == first for p in earlier):
        raise SourceError(
            UNREADABLE,
            f"{page.url}: the server ignores offset (this page repeats an earlier one)",
        )


def _first_id(page: Page) -> Any:
    item = page.items[0] if page.items else None
    return item.get("sourcedId") if isinstance(item, dict) else None


@dataclass(slots=True)
class _Fetched:
    page: Page
    total: int | None


def _page(client: HttpClient, url: str, endpoint: str, offset: int, size: int) -> _Fetched:
    if client.cancelled.is_set():
        raise Cancelled
    body, response = client.get_json(url, {"limit": size, "offset": offset}, endpoint)
    page_url = str(response.request.url)
    key = COLLECTIONS[endpoint]
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise SourceError(UNREADABLE, f"{page_url}: not a OneRoster answer (no {key!r} list)")
    return _Fetched(Page.of(page_url, items, response), _total(response))


def _total(response: httpx.Response) -> int | None:
    try:
        return int(response.headers.get("x-total-count", ""))
    except ValueError:
        return None


# -- building ----------------------------------------------------------------------------------


class _JsonRow(_Row):
    """The CSV reader's row, over a JSON record: its checks (`_status`, `_enum`, `date`) read
    columns by their CSV names, found among the record's fields or derived from references."""

    __slots__ = ("derived", "flat")

    def __init__(self, file: CsvFile, line: int, flat: dict[str, str], derived: dict[str, str]):
        super().__init__(file, {}, line, ())
        self.flat = flat
        self.derived = derived

    def __getitem__(self, column: str) -> str:
        value = self.derived.get(column)
        if value is None:
            value = self.flat.get(column, "")
        return value.strip()


class _Record:
    """One JSON record: `flat` as sent (its raw row), `row` the same read by CSV column names
    (`school` → `schoolSourcedId`, `terms` → `termSourcedIds` …) for the shared checks."""

    __slots__ = ("flat", "item", "line", "page", "row")
    item: Mapping[str, Any] | None

    def __init__(
        self,
        page: Page,
        line: int,
        item: Mapping[str, Any],
        file: CsvFile,
        shared: dict[tuple, str],
        keep_item: bool = False,
    ) -> None:
        self.page = page
        self.line = line
        self.item = item if keep_item else None  # only users need theirs again (roles)
        self.flat = flatten(item, metadata=True, shared=shared)
        derived: dict[str, str] = {}
        for key, value in item.items():
            if type(value) is dict:
                if "sourcedId" in value:
                    derived[f"{key}SourcedId"] = json_value(value["sourcedId"])
            elif type(value) is list and all(isinstance(v, dict) for v in value):
                ids = [json_value(v.get("sourcedId")) for v in value if v.get("sourcedId")]
                singular = key[:-1] if key.endswith("s") else key
                derived[f"{singular}SourcedIds"] = ",".join(ids)
        self.row = _JsonRow(file, line, self.flat, derived)


class _Builder:
    def __init__(
        self,
        spec: str,
        base: str,
        version: str,
        policy: Policy,
        fetched: dict[str, tuple[list[Page], int | None]],
    ) -> None:
        self.spec = spec
        self.base = base
        self.version = version
        self.policy = policy
        self.fetched = fetched
        self.findings: list[FileFinding] = []
        self.headers: dict[str, tuple[str, ...]] = {}
        self.shared: dict[tuple, str] = {}

    def build(self) -> Roster:
        """One collection at a time, each let go once built: half a million enrollments as
        JSON, flattened fields and records must not all be alive at once."""
        roster = Roster(source=self.spec, format=f"oneroster-rest {self.version}")
        orgs = self._records("/orgs")
        self._not_empty("/orgs", orgs)
        roster.schools = self._orgs(orgs)
        users = self._records("/users", keep_items=True)
        self._not_empty("/users", users)
        self._check_policy_fields("/users", users)
        roster.persons = self._users(users)
        terms = self._terms(self._records("/academicSessions"))
        classes = self._records("/classes")
        self._check_policy_fields("/classes", classes)
        roster.groups = self._classes(classes, terms)
        del orgs, users, classes
        roster.memberships = self._enrollments(self._records("/enrollments"))
        roster.file_findings = self.findings
        roster.headers = self.headers
        roster.capabilities = Capabilities(
            school_year=True, export_flag=bool(self.policy.group_export_flag)
        )
        return roster

    def _not_empty(self, endpoint: str, records: list[_Record]) -> None:
        if not records:
            self.findings.append(empty_endpoint(self.base, endpoint))

    # -- shared ---------------------------------------------------------------------------

    def _records(self, endpoint: str, *, keep_items: bool = False) -> list[_Record]:
        """Records with a usable sourcedId; X-Total-Count disagreeing with what came is said.
        The pages are handed over: after this, only the records hold the data."""
        pages, total = self.fetched.pop(endpoint)
        records: list[_Record] = []
        count = 0
        for page in pages:
            file = CsvFile(page.url, (), iter(()))
            for line, item in enumerate(page.items, start=1):
                count += 1
                sourced_id = item.get("sourcedId") if isinstance(item, dict) else None
                if not isinstance(sourced_id, str) or not sourced_id.strip():
                    ref = f"{page.url}:{line}"
                    self.findings.append(record_without_id(endpoint, line, ref, "sourcedId"))
                    continue
                issues: list[SourceIssue] = []
                if page.nul:
                    item, issues = nul_issues(item)
                record = _Record(page, line, item, file, self.shared, keep_items)
                record.row.issues.extend(issues)
                records.append(record)
            page.items = []
        if total is not None and total != count:
            url = self.base + endpoint
            self.findings.append(
                FileFinding(
                    "SOURCE_VALUE_NONSTANDARD",
                    "file",
                    endpoint,
                    f"{url}: X-Total-Count said {total:,} records, {count:,} came "
                    "(the data changed during the read, or the server pages wrongly)",
                    url,
                )
            )
        return records

    def _raws(
        self,
        endpoint: str,
        records: list[_Record],
        masked: str | None = None,
        may_hold_civic_no: tuple[str, ...] = (),
    ) -> list[RawRow]:
        entries = ((r.flat, r.page.url, r.line) for r in records)
        return raw_rows(
            entries,
            self.headers,
            self.base + endpoint,
            masked=masked,
            may_hold_civic_no=may_hold_civic_no,
        )

    def _check_policy_fields(self, endpoint: str, records: list[_Record]) -> None:
        """Fail closed, as the CSV reader does: a flag the policy relies on that no record
        carries is a misconfiguration, not a night where every class is unflagged."""
        policy = self.policy
        if endpoint == "/classes":
            checks = [("group_export_flag", policy.group_export_flag)]
        else:
            checks = [("protected_identity_field", policy.protected_identity_field)]
        for key, column in checks:
            if records and column and not any(column in r.flat for r in records):
                raise SourceError(
                    "SOURCE_HEADER_INVALID",
                    f"{self.base}{endpoint}: the policy's {key} names {column!r}, "
                    "which no record carries",
                    endpoint,
                )
        civic = policy.civic_no_field
        if endpoint == "/users" and records and civic and not any(civic in r.flat for r in records):
            self.findings.append(
                FileFinding(
                    "SOURCE_HEADER_INVALID",
                    "file",
                    "/users",
                    f"{self.base}/users: the policy's civic_no_field {civic!r} is on no "
                    "record; civic numbers not read",
                    self.base + "/users",
                )
            )

    # -- records --------------------------------------------------------------------------

    def _orgs(self, records: list[_Record]) -> list[School]:
        org_ids = {r.row["sourcedId"] for r in records}
        orgs = [
            org_of(r.row, _status(r.row, MODE), org_ids, self.findings, "parent", "/orgs")
            for r in records
        ]
        for org, raw in zip(orgs, self._raws("/orgs", records), strict=True):
            org.raw = raw
        return orgs

    def _users(self, records: list[_Record]) -> list[Person]:
        persons = [
            person_of(
                record.row,
                _status(record.row, MODE),
                partial(self._role_and_placements, record),
                self.policy,
                "/users",
            )
            for record in records
        ]
        raws = self._raws("/users", records, self.policy.civic_no_field, CIVIC_NO_PRONE)
        for person, raw in zip(persons, raws, strict=True):
            person.raw = raw
        return persons

    def _role_and_placements(self, record: _Record) -> tuple[str, list[Placement]]:
        """1.1: `role` and the `orgs` list (undated). 1.2: the `roles` list, the primary one
        naming the role, each a placement with its dates (endDate exclusive)."""
        row, item = record.row, record.item or {}
        if self.version == "1.1" and "roles" not in item:
            orgs = [org for org in row["orgSourcedIds"].split(",") if org]
            return _membership_role(row["role"]), [Placement(org) for org in orgs]
        role = ""
        placements: list[Placement] = []
        entries = item.get("roles")
        for number, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
            if not isinstance(entry, dict):
                continue
            values = {k: json_value(v) for k, v in entry.items() if not isinstance(v, dict | list)}
            org = entry.get("org")
            org_id = org.get("sourcedId") if isinstance(org, dict) else None
            values["orgSourcedId"] = json_value(org_id)
            index = {column: position for position, column in enumerate(values)}
            part = _Row(row.file, index, row.line, tuple(values.values()))
            if part["roleType"].lower() == "primary" or not role:
                role = _membership_role(part["role"])
            start, end = part.date("beginDate"), part.date("endDate", exclusive=True)
            placements.append(Placement(part["orgSourcedId"], start, end))
            for issue in part.issues:
                issue.message = f"roles[{number}]: {issue.message}"
                row.issues.append(issue)
        return role, placements

    def _terms(self, sessions: list[_Record]) -> dict[str, tuple[date | None, date | None, str]]:
        """Term dates (inclusive) and school year; a session's defects are file findings."""
        terms: dict[str, tuple[date | None, date | None, str]] = {}
        for record in sessions:
            row = record.row
            _status(row, MODE)
            terms[row["sourcedId"]] = (
                row.date("startDate"),
                row.date("endDate"),
                row["schoolYear"],
            )
            self.findings.extend(
                FileFinding(issue.code, "file", "/academicSessions", issue.message, row.ref)
                for issue in row.issues
            )
        return terms

    def _classes(
        self, records: list[_Record], terms: dict[str, tuple[date | None, date | None, str]]
    ) -> list[Group]:
        groups = [
            group_of(record.row, _status(record.row, MODE), terms, "/academicSessions", self.policy)
            for record in records
        ]
        for group, raw in zip(groups, self._raws("/classes", records), strict=True):
            group.raw = raw
        return groups

    def _enrollments(self, records: list[_Record]) -> list[Membership]:
        raws = self._raws("/enrollments", records)
        return [
            _membership(record.row, _status(record.row, MODE), raw)
            for record, raw in zip(records, raws, strict=True)
        ]
