"""SS 12000:2020 REST API (OpenAPI 2.0 and 2.1) into the canonical Roster.

The Swedish registries (IST, Tieto Edu, Admentum …) publish the standard's endpoints; a roster
is spread over five of them: /organisations (school units and their owner), /persons (with their
enrolments), /duties (staff at a unit, which says who teaches), /groups (with their members) and
/activities (which teacher duties teach which groups). Every endpoint is paged with `limit` and
an opaque `pageToken` until the token is null. All five are read to the end before anything is
built, so a page that fails fails the run and nothing partial is applied.

Enumerations changed between 2.0 and 2.1 (dutyRole went from 6 values to 19, organisation types
were added): values of either version are read as the standard; anything else is kept, with a
SOURCE_VALUE_NONSTANDARD finding on the record. Every record keeps its JSON object as its raw
row (top-level keys as the header, values as shown on the record screen) and its page URL.
"""

from __future__ import annotations

import re
import ssl
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from rostertui.domain.identity import login_ids_without_civic_no, mask_civic_no
from rostertui.domain.model import (
    WITHHELD,
    Capabilities,
    FileFinding,
    Group,
    Membership,
    Person,
    Placement,
    Roster,
    School,
    SourceError,
    SourceIssue,
)
from rostertui.domain.organisations import units_below
from rostertui.domain.policy import Policy, is_protected_marking
from rostertui.sources.credentials import Credentials, Secret
from rostertui.sources.http import (
    UNREADABLE,
    HttpClient,
    HttpSettings,
    Page,
    PageCounter,
    Progress,
    empty_endpoint,
    flatten,
    host_of,
    json_value,
    nul_issues,
    raw_rows,
    record_without_id,
    run_parallel,
    source_url,
)

PREFIX = "ss12000"
ENDPOINTS = ("/organisations", "/persons", "/duties", "/groups", "/activities")

SCHOOL_UNIT = "Skolenhet"
ORGANISATION_TYPES = frozenset(
    {"Huvudman", "Verksamhetsområde", "Förvaltning", "Rektorsområde", "Skola", SCHOOL_UNIT}
    | {"Varumärke", "Bolag", "Övrigt", "Stadsdel"}  # Stadsdel: 2.0 only
)
TEACHER_DUTIES = frozenset(
    {"Lärare", "Förstelärare", "Speciallärare/specialpedagog", "Förskollärare"}
)
ADMIN_DUTIES = frozenset({"Rektor", "Förskolechef"})
STAFF_DUTIES = frozenset(
    {"Barnskötare", "Bibliotekarie", "Lärarassistent", "Fritidspedagog", "Annan personal"}
    | {"Studie- och yrkesvägledare", "Kurator", "Skolsköterska", "Skolläkare", "Skolpsykolog"}
    | {"Skoladministratör", "Övrig arbetsledning", "Övrig pedagogisk personal"}
)
ASSIGNMENT_TYPES = frozenset(
    {"Mentor", "Förskollärare", "Barnskötare", "Fritidspedagog", "Specialpedagog"}
    | {"Elevhälsopersonal", "Pedagogisk ledare", "Schemaläggare", "Lärarassistent"}
    | {"Administrativ personal"}
)
TEACHING_ASSIGNMENTS = frozenset(
    {"Mentor", "Förskollärare", "Specialpedagog", "Pedagogisk ledare", "Lärare"}
)
"""Assignments that teach or lead the group ("Lärare" is no 2.1 value, but servers send it)."""
GROUP_TYPES = {"Klass": "class", "Undervisning": "teaching group"}
OTHER_GROUP_TYPES = frozenset(
    {"Mentor", "Provgrupp", "Schema", "Avdelning", "Personalgrupp", "Övrigt"}
)
SCHOOL_EMAILS = ("Skola elev", "Skola personal")
INACTIVE_STATUSES = frozenset({"Utvandrad", "Avliden"})
PERSON_STATUSES = frozenset({"Aktiv", *INACTIVE_STATUSES})
ROLE_RANK = {"teacher": 0, "admin": 1, "staff": 2}
"""A person with several duties takes the first of these: a rektor who also teaches needs her
groups in the platform, so teacher wins."""


def read_ss12000(
    spec: str,
    policy: Policy,
    credentials: Credentials,
    *,
    settings: HttpSettings | None = None,
    progress: Progress | None = None,
) -> Roster:
    """Read every endpoint to its last page, then build the Roster; raises SourceError."""
    base = source_url(spec, PREFIX)
    with HttpClient(
        host_of(base),
        settings,
        auth=BearerAuth(credentials.ss12000_token),
        verify=client_tls(credentials),
        scrub=credentials.scrub,
        progress=progress,
    ) as client:
        reader = _Reader(client, base, policy)
        pages = reader.fetch()
    return _Builder(spec, base, pages, scoped=reader.scoped).build()


class BearerAuth:
    """SS 12000's security scheme: a Bearer token (a JWT in practice), sent as is."""

    hint = "ROSTERTUI_SS12000_TOKEN"

    def __init__(self, token: Secret | None) -> None:
        self._token = token

    def present(self) -> bool:
        return self._token is not None

    def headers(self, client: HttpClient) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.reveal()}"} if self._token else {}

    def refresh(self, client: HttpClient, sent: Mapping[str, str]) -> bool:
        return False  # a static token cannot be refreshed; the 401 is the answer


def client_tls(credentials: Credentials) -> ssl.SSLContext:
    """The TLS context: system trust, plus the client certificate when one is configured.

    Errors name the environment keys, not the paths: DESIGN keeps certificate paths out of
    messages and the database.
    """
    cert, key = credentials.ss12000_cert, credentials.ss12000_key
    if cert is None and key is None:
        return httpx.create_ssl_context()  # honours SSL_CERT_FILE: a municipality's own CA
    if cert is None or key is None:
        missing = "ROSTERTUI_SS12000_CERT" if cert is None else "ROSTERTUI_SS12000_KEY"
        raise SourceError(
            UNREADABLE,
            f"a client certificate needs both a certificate and a key: {missing} is not set",
        )
    context = httpx.create_ssl_context()
    try:
        # No passphrase prompt: at 02:00 nobody is at the terminal to answer it.
        context.load_cert_chain(cert.reveal(), key.reveal(), password=lambda: b"")
    except FileNotFoundError:
        raise SourceError(
            UNREADABLE,
            "the client certificate or key (ROSTERTUI_SS12000_CERT / _KEY) does not exist",
        ) from None
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or "unreadable"
        raise SourceError(
            UNREADABLE,
            f"the client certificate or key (ROSTERTUI_SS12000_CERT / _KEY) cannot be used: "
            f"{str(reason).lower().replace('_', ' ')}",
        ) from None
    return context


# -- reading -----------------------------------------------------------------------------------


Sequences = list[list[Page]]
"""An endpoint's pages, one list per query (several when read school by school)."""


class _Reader:
    """Fetches the five endpoints; the policy's school list narrows the reads the API can narrow."""

    def __init__(self, client: HttpClient, base: str, policy: Policy) -> None:
        self.client = client
        self.base = base
        self.policy = policy
        self.scoped = False  # read school by school: groups outside the list were not asked for

    def fetch(self) -> dict[str, Sequences]:
        organisations = [self._pages("/organisations", {})]
        scope = _scope_ids(self.policy, list(_items(organisations)))
        self.scoped = scope is not None
        if scope is None:
            tasks: dict[str, Callable[[], Sequences]] = {
                endpoint: (lambda e=endpoint: [self._pages(e, {})]) for endpoint in ENDPOINTS[1:]
            }
        else:
            # pageToken cannot be combined with filters, and /persons, /duties and /activities
            # filter on one organisation at a time: one paged query per school in scope.
            tasks = {
                "/persons": lambda: self._per_school(
                    "/persons", "relationship.organisation", scope
                ),
                "/duties": lambda: self._per_school("/duties", "organisation", scope),
                "/groups": lambda: [self._pages("/groups", {"organisation": scope})],
                "/activities": lambda: self._per_school("/activities", "organisation", scope),
            }
        fetched = run_parallel(self.client, tasks)
        return {"/organisations": organisations, **fetched}

    def _per_school(self, endpoint: str, parameter: str, scope: list[str]) -> Sequences:
        return [self._pages(endpoint, {parameter: school}) for school in scope]

    def _pages(self, endpoint: str, filters: Mapping[str, Any]) -> list[Page]:
        """One query paged to the end: `limit` always, `pageToken` alone after the first page."""
        size = self.client.settings.page_size
        url = self.base + endpoint
        params: dict[str, Any] = {"limit": size, **filters}
        pages: list[Page] = []
        counter = PageCounter(self.client, endpoint)
        tokens: set[str] = set()
        while True:
            body, response = self.client.get_json(url, params, endpoint)
            page_url = str(response.request.url)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise SourceError(
                    UNREADABLE, f"{page_url}: not an SS 12000 answer (no 'data' list)"
                )
            pages.append(counter.add(Page.of(page_url, data, response)))
            token = body.get("pageToken")
            if not token:
                break
            if not isinstance(token, str) or token in tokens:
                raise SourceError(
                    UNREADABLE,
                    f"{page_url}: the server repeated a pageToken; paging would never end",
                )
            tokens.add(token)
            params = {"limit": size, "pageToken": token}
        counter.done(total=counter.records)
        return pages


def _items(sequences: Sequences) -> Iterable[Any]:
    for pages in sequences:
        for page in pages:
            yield from page.items


def _scope_ids(policy: Policy, organisations: list[Any]) -> list[str] | None:
    """The school units the policy names, when every entry names one; else None (read all, and
    let the evaluator say what is out of scope — a filter on a name that matches nothing would
    silently read nothing). The organisations between those units and their Huvudman (a
    Skola …) are read too: staff on duty there work at the units. The Huvudman itself is not:
    a query for it would read the whole municipality."""
    if not policy.schools:
        return None
    tree = [_sketch(item) for item in organisations if isinstance(item, dict)]
    units = [(org.id, org.name) for org in tree if org.type == "school"]
    ids: list[str] = []
    for entry in policy.schools:
        wanted = entry.strip().casefold()
        matches = [i for i, name in units if wanted in (i.casefold(), name.strip().casefold())]
        if not matches:
            return None
        ids += [i for i in matches if i not in ids]
    owners = {org.id for org in tree if org.type == "Huvudman"}
    above = [
        org
        for org, below in units_below(tree).items()
        if org not in owners and any(unit in ids for unit in below)
    ]
    return ids + above


def _sketch(item: Mapping[str, Any]) -> School:
    """An organisation as sent, just enough of it (id, name, type, parent) to find the units
    to read before anything is built."""
    org_type = str(item.get("organisationType") or "")
    unit = org_type == SCHOOL_UNIT or (not org_type and bool(item.get("schoolUnitCode")))
    return School(
        id=str(item.get("id", "")),
        name=str(item.get("displayName", "")),
        type="school" if unit else org_type,
        parent=_ref(item.get("parentOrganisation")),
    )


# -- building ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    """One JSON record being read: typed access, and the defects found so far."""

    data: dict[str, Any]
    ref: str
    issues: list[SourceIssue] = field(default_factory=list)

    def text(self, key: str, data: Mapping[str, Any] | None = None) -> str:
        value = (self.data if data is None else data).get(key)
        if value is None:
            return ""
        return value.strip() if isinstance(value, str) else json_value(value)

    def ref_id(self, key: str, data: Mapping[str, Any] | None = None) -> str:
        value = (self.data if data is None else data).get(key)
        return self.text("id", value) if isinstance(value, dict) else ""

    def date(self, key: str, data: Mapping[str, Any] | None = None, what: str = "") -> date | None:
        text = self.text(key, data)
        if not text:
            return None
        name = f"{what}{key}"
        try:
            value = date.fromisoformat(text[:10])
            if len(text) > 10:
                datetime.fromisoformat(text.replace("Z", "+00:00"))
                self.nonstandard(name, f"{name} {text!r} should be a date (YYYY-MM-DD)")
            return value
        except ValueError:
            self.issues.append(
                SourceIssue("SOURCE_ROW_MALFORMED", f"{name} {text!r} is not a date", name)
            )
            return None

    def nonstandard(self, key: str, message: str) -> None:
        self.issues.append(SourceIssue("SOURCE_VALUE_NONSTANDARD", message, key))

    def enum(self, key: str, allowed: frozenset[str], what: str = "") -> str:
        value = self.text(key)
        if value and value not in allowed:
            self.nonstandard(key, f"{what or key} {value!r} is not an SS 12000 value")
        return value


class _Builder:
    """Turns the fetched pages into a Roster: organisations, then duties (which decide staff
    roles), persons, groups with their pupils, and activities with their teachers."""

    def __init__(
        self, spec: str, base: str, pages: dict[str, Sequences], *, scoped: bool = False
    ) -> None:
        self.spec = spec
        self.scoped = scoped
        self.base = base
        self.pages = pages
        self.findings: list[FileFinding] = []
        self.headers: dict[str, tuple[str, ...]] = {}
        self.person_roles: dict[str, str] = {}
        self.shared: dict[tuple, str] = {}  # see `flatten`
        self.counts: dict[str, int] = {}
        self.units_below: dict[str, list[str]] = {}
        self.assigned: list[Membership] = []  # from the duties' assignmentRole

    def build(self) -> Roster:
        version = re.search(r"v(\d+(?:\.\d+)?)/?$", self.base)
        roster = Roster(
            source=self.spec,
            format=f"ss12000 {version.group(1)}" if version else "ss12000",
            capabilities=Capabilities(
                dates=True, teacher_links=True, memberships=True, school_year=False
            ),
        )
        roster.schools = self._organisations()
        duties, duty_persons = self._duties()
        roster.persons = self._persons(duties)
        memberships = self._groups(roster)
        memberships += self._activities(duty_persons) + self._read_assignments(roster)
        roster.memberships = _merge(memberships)
        for endpoint in ("/organisations", "/persons"):
            if not self.counts.get(endpoint):
                self.findings.append(empty_endpoint(self.base, endpoint))
        roster.file_findings = self.findings
        roster.headers = self.headers
        return roster

    # -- shared ---------------------------------------------------------------------------

    def _records(self, endpoint: str) -> Iterable[tuple[_Item, Page, int]]:
        """Every record with an id, once: a record a previous per-school query already
        returned is the same record, not a duplicate (a duplicate within one query is kept)."""
        seen: set[str] = set()
        self.counts[endpoint] = 0
        for pages in self.pages.pop(endpoint):  # handed over: each endpoint is read once
            this_query: set[str] = set()
            for page in pages:
                self.counts[endpoint] += len(page.items)
                for line, data in enumerate(page.items, start=1):
                    ref = f"{page.url}:{line}"
                    identifier = data.get("id") if isinstance(data, dict) else None
                    if not isinstance(identifier, str) or not identifier.strip():
                        self.findings.append(record_without_id(endpoint, line, ref, "id"))
                        continue
                    identifier = identifier.strip()
                    if identifier in seen and identifier not in this_query:
                        continue
                    this_query.add(identifier)
                    if page.nul:
                        data, issues = nul_issues(data)
                        yield _Item(data, ref, issues), page, line
                    else:
                        yield _Item(data, ref), page, line
            seen |= this_query

    def _raws(self, endpoint: str, entries: list[tuple[Mapping[str, str], str, int]]):
        return raw_rows(entries, self.headers, self.base + endpoint)

    # -- organisations --------------------------------------------------------------------

    def _organisations(self) -> list[School]:
        """Every organisation is a record: school units as schools, the rest (Huvudman, Skola,
        Förvaltning …) under their own type, for the evaluator to say what each one is.
        Remembers which school units lie below each organisation (`units_below`), so a duty or
        enrolment at a Skola can place the person at its units."""
        organisations: list[School] = []
        entries = []
        for item, page, line in self._records("/organisations"):
            organisations.append(
                School(
                    id=item.text("id"),
                    name=item.text("displayName"),
                    type=_organisation_type(item),
                    parent=item.ref_id("parentOrganisation"),
                    code=item.text("schoolUnitCode"),
                    start=item.date("startDate"),
                    end=item.date("endDate"),
                    issues=tuple(item.issues),
                )
            )
            entries.append((flatten(item.data), page.url, line))
        for school, raw in zip(organisations, self._raws("/organisations", entries), strict=True):
            school.raw = raw
        self.units_below = units_below(organisations)
        return organisations

    def _at_units(self, placement: Placement) -> list[Placement]:
        """A placement at a Skola (or any organisation with school units below it) is one at
        each of those units; a placement at a unit, or at an org with none, stays as it is."""
        units = self.units_below.get(placement.school_id)
        if not units:
            return [placement]
        return [Placement(unit, placement.start, placement.end) for unit in units]

    # -- duties and persons ---------------------------------------------------------------

    def _duties(self) -> tuple[dict[str, list[tuple[str, Placement, list]]], dict[str, str]]:
        """Per person: (role, placement, issues) of each duty; and duty id → person id."""
        by_person: dict[str, list[tuple[str, Placement, list]]] = {}
        duty_persons: dict[str, str] = {}
        assigned: list[Membership] = []
        entries = []
        for item, page, _ in self._records("/duties"):
            person_id = item.ref_id("person")
            if not person_id:
                self.findings.append(
                    FileFinding(
                        "SOURCE_ROW_MALFORMED",
                        "file",
                        "/duties",
                        f"duty {item.text('id')!r} names no person",
                        item.ref,
                    )
                )
                continue
            duty_persons[item.text("id")] = person_id
            role = _duty_role(item)
            placement = Placement(
                item.ref_id("dutyAt"), item.date("startDate"), item.date("endDate")
            )
            for issue in item.issues:
                issue.message = f"duty {item.text('id')!r}: {issue.message}"
            for at_unit in self._at_units(placement):
                by_person.setdefault(person_id, []).append((role, at_unit, item.issues))
            for membership, flat in self._assignments(item, person_id, placement):
                assigned.append(membership)
                entries.append((flat, f"{page.url}#assignmentRole", len(entries) + 1))
        raws = self._raws("/duties#assignmentRole", entries)
        for membership, raw in zip(assigned, raws, strict=True):
            membership.raw = raw
        self.assigned = assigned
        return by_person, duty_persons

    def _read_assignments(self, roster: Roster) -> list[Membership]:
        """The duties' assignments; on a read narrowed to the policy's schools, only those to
        groups that were read (a Skola's mentor may also lead a class at a unit out of scope,
        which was never asked for: not a group missing from the source)."""
        if not self.scoped:
            return self.assigned
        read = {group.id for group in roster.groups}
        return [m for m in self.assigned if m.group_id in read]

    def _assignments(
        self, duty: _Item, person_id: str, placement: Placement
    ) -> Iterable[tuple[Membership, dict[str, str]]]:
        """A duty's `assignmentRole`s: the mentor of a class, the teacher of a group. Many
        registries say who leads a class only here, not in /activities; a teaching type makes a
        teacher membership, any other a staff one, for the assignment's dates (else the
        duty's)."""
        for entry in _list(duty.data.get("assignmentRole")):
            if not isinstance(entry, dict) or not _ref(entry.get("group")):
                continue
            own = _Item(entry, duty.ref)
            group_id = _ref(entry.get("group"))
            kind = own.text("assignmentRoleType")
            if kind not in ASSIGNMENT_TYPES:
                own.nonstandard(
                    "assignmentRole",
                    f"assignmentRoleType {kind!r} is not an SS 12000 value; read as "
                    f"{'teacher' if kind in TEACHING_ASSIGNMENTS else 'staff'}",
                )
            membership = Membership(
                id=f"{person_id}/{group_id}",
                person_id=person_id,
                group_id=group_id,
                role="teacher" if kind in TEACHING_ASSIGNMENTS else "staff",
                start=own.date("startDate") or placement.start,
                end=own.date("endDate") or placement.end,
                issues=tuple(own.issues),
            )
            flat = {
                "duty": duty.text("id"),
                "group": group_id,
                **flatten(entry, shared=self.shared),
            }
            yield membership, flat

    def _persons(self, duties: dict[str, list[tuple[str, Placement, list]]]) -> list[Person]:
        records = list(self._records("/persons"))
        children_of: dict[str, list[str]] = {}
        for item, _, _ in records:
            for responsible in _list(item.data.get("responsibles")):
                if isinstance(responsible, dict) and _ref(responsible.get("person")):
                    children_of.setdefault(_ref(responsible.get("person")), []).append(
                        item.text("id")
                    )
        guardians = children_of.keys()
        persons: list[Person] = []
        entries = []
        for item, page, line in records:
            person_id = item.text("id")
            placements = self._enrolments(item)
            person_duties = duties.pop(person_id, [])
            for _, placement, issues in person_duties:
                placements.append(placement)
                item.issues.extend(i for i in issues if i not in item.issues)
            role = _person_role(item, person_duties, person_id in guardians)
            self.person_roles[person_id] = role
            status = item.enum("personStatus", PERSON_STATUSES)
            civic = item.data.get("civicNo")
            civic_no = item.text("value", civic) if isinstance(civic, dict) else ""
            persons.append(
                Person(
                    id=person_id,
                    given_name=item.text("givenName"),
                    family_name=item.text("familyName"),
                    email=_email(item),
                    role=role,
                    placements=placements,
                    civic_no=civic_no,
                    protected_marking=item.text("securityMarking"),
                    inactive_reason=f"personStatus {status!r}"
                    if status in INACTIVE_STATUSES
                    else "",
                    login_ids=_login_ids(item),
                    issues=tuple(item.issues),
                    refers_to=tuple(
                        _ref(r.get("person"))
                        for r in _list(item.data.get("responsibles"))
                        if isinstance(r, dict) and _ref(r.get("person"))
                    ),
                )
            )
            entries.append((_person_raw(item.data), page.url, line))
        for person, raw in zip(persons, self._raws("/persons", entries), strict=True):
            person.raw = raw
        _place_guardians(persons, children_of)
        for person_id, unmatched in duties.items():  # a duty's placements share its issues
            self.findings.append(
                FileFinding(
                    "SOURCE_REFERENCE_UNKNOWN",
                    "file",
                    "/duties",
                    f"{len({id(issues) for *_, issues in unmatched})} duties name person "
                    f"{person_id!r}, who is not in /persons",
                    self.base + "/duties",
                    refers_to=(person_id,),
                )
            )
        return persons

    def _enrolments(self, item: _Item) -> list[Placement]:
        placements = []
        for number, enrolment in enumerate(_list(item.data.get("enrolments")), start=1):
            if not isinstance(enrolment, dict):
                continue
            what = f"enrolments[{number}]."
            school = item.ref_id("enroledAt", enrolment)
            if not school:
                item.issues.append(
                    SourceIssue(
                        "SOURCE_ROW_MALFORMED",
                        f"enrolment {number} names no school unit (enroledAt)",
                        "enrolments",
                    )
                )
                continue
            start = item.date("startDate", enrolment, what)
            end = item.date("endDate", enrolment, what)
            if enrolment.get("cancelled") is True:
                # Cancelled before it began: an enrolment that ended, not a missing school.
                end = start - timedelta(days=1) if start else date.min
            placements += self._at_units(Placement(school, start, end))
        return placements

    # -- groups and activities ------------------------------------------------------------

    def _groups(self, roster: Roster) -> list[Membership]:
        groups: list[Group] = []
        memberships: list[Membership] = []
        entries = []
        member_entries = []
        member_lines: dict[str, int] = {}
        for item, page, line in self._records("/groups"):
            group_id = item.text("id")
            word = item.text("groupType")
            if word and word not in GROUP_TYPES and word not in OTHER_GROUP_TYPES:
                item.nonstandard("groupType", f"groupType {word!r} is not an SS 12000 value")
            groups.append(
                Group(
                    id=group_id,
                    name=item.text("displayName"),
                    type=GROUP_TYPES.get(word, word),
                    school_id=item.ref_id("organisation"),
                    start=item.date("startDate"),
                    end=item.date("endDate"),
                    issues=tuple(item.issues),
                )
            )
            entries.append((_group_raw(item.data), page.url, line))
            origin = f"{page.url}#groupMemberships"
            for member in _list(item.data.get("groupMemberships")):
                if not isinstance(member, dict):
                    continue
                member_lines[origin] = number = member_lines.get(origin, 0) + 1
                membership = self._pupil(item, group_id, member)
                if membership is not None:
                    memberships.append(membership)
                    member_entries.append(
                        (
                            {"group": group_id, **flatten(_by_id(member), shared=self.shared)},
                            origin,
                            number,
                        )
                    )
        for group, raw in zip(groups, self._raws("/groups", entries), strict=True):
            group.raw = raw
        raws = self._raws("/groups#groupMemberships", member_entries)
        for membership, raw in zip(memberships, raws, strict=True):
            membership.raw = raw
        self._groups_to_units(groups, memberships, roster.persons)
        roster.groups = groups
        return memberships

    def _groups_to_units(
        self, groups: list[Group], memberships: list[Membership], persons: list[Person]
    ) -> None:
        """A group at a Skola (any organisation above school units) belongs to one of its
        units: the only one, or the one where most of its members are enrolled (the first on
        a tie), with a warning that says so. Skipping it would skip a whole class."""
        placed = [g for g in groups if g.school_id in self.units_below]
        if not placed:
            return
        members: dict[str, list[str]] = {}
        for membership in memberships:
            members.setdefault(membership.group_id, []).append(membership.person_id)
        schools_of = {p.id: [pl.school_id for pl in p.placements] for p in persons}
        for group in placed:
            org, units = group.school_id, self.units_below[group.school_id]
            votes = Counter(
                unit
                for person_id in members.get(group.id, ())
                for unit in schools_of.get(person_id, ())
                if unit in units
            )
            group.school_id = max(units, key=votes.__getitem__)
            if len(units) > 1:
                message = (
                    f"the group is at {org!r}, which has {len(units)} school units; placed at "
                    f"{group.school_id!r}, where most of its members are enrolled"
                )
                group.issues += (SourceIssue("SOURCE_VALUE_NONSTANDARD", message, "organisation"),)

    def _pupil(self, group: _Item, group_id: str, member: dict) -> Membership | None:
        person_id = group.ref_id("person", member)
        if not person_id:
            self.findings.append(
                FileFinding(
                    "SOURCE_ROW_MALFORMED",
                    "file",
                    "/groups",
                    f"a membership of group {group_id!r} names no person",
                    group.ref,
                )
            )
            return None
        item = _Item(member, group.ref)
        start, end = item.date("startDate"), item.date("endDate")
        role = self.person_roles.get(person_id, "student")
        return Membership(
            id=item.text("id") or f"{person_id}/{group_id}",
            person_id=person_id,
            group_id=group_id,
            role=role if role in ROLE_RANK else "student",
            start=start,
            end=end,
            issues=tuple(item.issues),
        )

    def _activities(self, duty_persons: dict[str, str]) -> list[Membership]:
        """Each teacher duty of an activity joins each of its groups, for the assignment's
        dates (else the activity's)."""
        memberships: list[Membership] = []
        entries = []
        lines: dict[str, int] = {}
        for item, page, _ in self._records("/activities"):
            origin = f"{page.url}#teachers"
            start, end = item.date("startDate"), item.date("endDate")
            group_ids = [_ref(g) for g in _list(item.data.get("groups")) if _ref(g)]
            for assignment in _list(item.data.get("teachers")):
                if not isinstance(assignment, dict):
                    continue
                own = _Item(assignment, item.ref)
                teacher = self._teacher(item, own, duty_persons)
                if teacher is None:
                    continue
                person_id, person_ref = teacher
                own_start, own_end = own.date("startDate"), own.date("endDate")
                for group_id in group_ids:
                    lines[origin] = number = lines.get(origin, 0) + 1
                    memberships.append(
                        Membership(
                            id=f"{person_id}/{group_id}",
                            person_id=person_id,
                            group_id=group_id,
                            role="teacher",
                            start=own_start or start,
                            end=own_end or end,
                            person_ref=person_ref,
                            issues=tuple(item.issues + own.issues),
                        )
                    )
                    flat = {
                        "activity": item.text("id"),
                        "activityName": item.text("displayName"),
                        "group": group_id,
                        **flatten(_by_id(assignment), shared=self.shared),
                    }
                    entries.append((flat, origin, number))
        for membership, raw in zip(
            memberships, self._raws("/activities#teachers", entries), strict=True
        ):
            membership.raw = raw
        return memberships

    def _teacher(
        self, activity: _Item, entry: _Item, duty_persons: dict[str, str]
    ) -> tuple[str, str] | None:
        """(person id, how the entry names the person) of one of an activity's teachers.

        The schema names a duty; some servers name the person (`{"person": …}`): read, with a
        warning (also when the entry names both and the duty is unknown). A duty not in
        /duties, with no person beside it, still makes a membership record, keyed `duty:<id>`, so
        the evaluator reports MEMBERSHIP_UNKNOWN_PERSON where the group's teachers are looked
        for. An entry that names neither has no key at all: a file finding."""
        duty_id, person_id = entry.ref_id("duty"), entry.ref_id("person")
        activity_name = activity.text("displayName") or activity.text("id")
        if duty_id and duty_id in duty_persons:
            return duty_persons[duty_id], ""
        if duty_id and not person_id:
            return f"duty:{duty_id}", f"duty {duty_id!r} named by activity {activity_name!r}"
        if person_id:
            entry.nonstandard(
                "teachers",
                f"teacher given as person {person_id!r}, not as a duty as SS 12000 specifies",
            )
            return person_id, ""
        self.findings.append(
            FileFinding(
                "SOURCE_ROW_MALFORMED",
                "file",
                "/activities",
                f"activity {activity_name!r} has a teacher entry that names neither a duty nor "
                f"a person: {json_value(entry.data)}",
                activity.ref,
            )
        )
        return None


# -- small mappings -----------------------------------------------------------------------------


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _ref(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"].strip()
    return ""


def _organisation_type(item: _Item) -> str:
    """ "school" for a Skolenhet; an organisation with a schoolUnitCode and no type (as
    Skolverket's profile sends them) is one too, with a warning; else the source's own word."""
    org_type = item.enum("organisationType", ORGANISATION_TYPES)
    if org_type == SCHOOL_UNIT:
        return "school"
    if not org_type and item.text("schoolUnitCode"):
        item.nonstandard(
            "organisationType",
            f"{item.text('displayName') or item.text('id')!r} has a schoolUnitCode "
            f"({item.text('schoolUnitCode')}) but no organisationType: read as a Skolenhet",
        )
        return "school"
    return org_type or "organisation of no type"


def _login_ids(item: _Item) -> tuple[str, ...]:
    """eduPersonPrincipalNames: what the platform's login (Skolfederation) knows them by."""
    names = _list(item.data.get("eduPersonPrincipalNames"))
    return login_ids_without_civic_no(n.strip() for n in names if isinstance(n, str))


def _duty_role(item: _Item) -> str:
    word = item.text("dutyRole")
    if word in TEACHER_DUTIES:
        return "teacher"
    if word in ADMIN_DUTIES:
        return "admin"
    if word not in STAFF_DUTIES:
        item.nonstandard("dutyRole", f"dutyRole {word!r} is not an SS 12000 value; read as staff")
    return "staff"


def _place_guardians(persons: list[Person], children_of: dict[str, list[str]]) -> None:
    """A guardian is at their children's schools, for their enrolments' dates: a policy that
    imports guardians (allowed_roles) gets them placed, not PERSON_NO_SCHOOL. A protected
    child's school is never given away through a parent."""
    guardians = [p for p in persons if p.role == "guardian" and not p.placements]
    if not guardians:
        return
    by_id = {p.id: p for p in persons}
    for guardian in guardians:
        children = (by_id.get(child) for child in children_of.get(guardian.id, ()))
        guardian.placements = [
            placement
            for child in children
            if child is not None and not is_protected_marking(child.protected_marking)
            for placement in child.placements
        ]


def _person_role(item: _Item, duties: list[tuple[str, Placement, list]], guardian: bool) -> str:
    """Enrolled → student; else the highest-ranked duty; else guardian when someone names the
    person as responsible; else no role (PERSON_UNKNOWN_ROLE says so)."""
    if _list(item.data.get("enrolments")):
        return "student"
    if duties:
        return min((role for role, _, _ in duties), key=ROLE_RANK.__getitem__)
    return "guardian" if guardian else ""


def _email(item: _Item) -> str:
    """The school address ("Skola elev" / "Skola personal") first, else any address."""
    addresses: list[tuple[str, str]] = []
    for entry in _list(item.data.get("emails")):
        if isinstance(entry, dict) and isinstance(entry.get("value"), str):
            addresses.append((str(entry.get("type", "")), entry["value"].strip()))
    for kind, value in addresses:
        if kind in SCHOOL_EMAILS and value:
            return value
    return next((value for _, value in addresses if value), "")


def _person_raw(data: Mapping[str, Any]) -> dict[str, str]:
    """The person as sent, minus what must not be stored: the civic number is masked, and a
    responsible person marked protected is shown without a name."""
    flat = flatten(data)
    civic = data.get("civicNo")
    if isinstance(civic, dict) and isinstance(civic.get("value"), str):
        flat["civicNo"] = json_value({**civic, "value": mask_civic_no(civic["value"])})
    responsibles = data.get("responsibles")
    if isinstance(responsibles, list):
        flat["responsibles"] = json_value([_withheld(r) for r in responsibles])
    return flat


def _withheld(responsible: Any) -> Any:
    person = responsible.get("person") if isinstance(responsible, dict) else None
    marking = person.get("securityMarking") if isinstance(person, dict) else None
    if not marking or str(marking).strip().casefold() == "ingen":
        return responsible
    return {**responsible, "person": {"id": person.get("id"), "displayName": WITHHELD}}


def _by_id(entry: dict[str, Any]) -> dict[str, Any]:
    """A membership or teacher entry whose person reference is kept to its id: servers add a
    `displayName`, and when the person is protected (and left out of /persons) that name must
    not be stored with the membership."""
    person = entry.get("person")
    if isinstance(person, dict) and len(person) > 1:
        return {**entry, "person": {"id": person.get("id")}}
    return entry


def _group_raw(data: Mapping[str, Any]) -> dict[str, str]:
    """The group as sent, except its member list: each membership is its own record, and a
    list of names here would show protected pupils through their group."""
    flat = flatten(data)
    members = data.get("groupMemberships")
    if isinstance(members, list):
        flat["groupMemberships"] = f"{len(members)} memberships (each its own record)"
    return flat


def _merge(memberships: list[Membership]) -> list[Membership]:
    """One membership per key. SS 12000 has no membership ids, so a pupil who left a group and
    came back, or a teacher in two activities of one group, is one `person/group` record: the
    first row, spanning the earliest start to the latest end (open ends stay open)."""
    by_key: dict[str, Membership] = {}
    for membership in memberships:
        first = by_key.get(membership.id)
        if first is None:
            by_key[membership.id] = membership
            continue
        if first.role != "teacher" and membership.role == "teacher":
            first.role = "teacher"
        first.start = _earliest(first.start, membership.start)
        first.end = (
            None if first.end is None or membership.end is None else max(first.end, membership.end)
        )
        first.issues = first.issues + tuple(i for i in membership.issues if i not in first.issues)
    return list(by_key.values())


def _earliest(a: date | None, b: date | None) -> date | None:
    return None if a is None or b is None else min(a, b)
