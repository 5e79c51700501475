"""One roster as plain data, rendered three ways: SS 12000 JSON, OneRoster REST JSON and a
OneRoster CSV bundle. The equivalence test serves one World over all three and expects the same
answers; the bench builds a large World from the demo bundle and serves it.

Dates here are inclusive everywhere; each renderer writes its format's convention (OneRoster
role and enrollment end dates are exclusive).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests import oneroster_builder as ob

MODIFIED = "2026-11-21T02:00:00Z"
META = {"created": "2026-01-10T08:00:00Z", "modified": MODIFIED}
SS_DUTY = {"teacher": "Lärare", "admin": "Rektor", "staff": "Annan personal"}
OR_ROLE = {"teacher": "teacher", "admin": "administrator", "staff": "aide", "student": "student"}
OR_ROLE_BACK = {
    "student": "student",
    "teacher": "teacher",
    "administrator": "admin",
    "principal": "admin",
    "aide": "staff",
}


@dataclass
class WSchool:
    id: str
    name: str
    code: str = ""


@dataclass
class WPlacement:
    school: str
    start: date
    end: date | None = None


@dataclass
class WPerson:
    id: str
    given: str
    family: str
    email: str
    role: str  # student, teacher, admin, staff ("" = a person the formats give no role)
    placements: list[WPlacement]
    civic: str = ""
    marking: str = ""  # "" or "Ingen" = not protected
    emigrated: bool = False


@dataclass
class WGroup:
    id: str
    name: str
    kind: str  # "class" or "teaching group"
    school: str
    start: date
    end: date | None = None
    export: str = "Ja"


@dataclass
class WMember:
    person: str
    group: str
    role: str  # student or teacher
    start: date
    end: date | None = None

    @property
    def key(self) -> str:
        return f"{self.person}/{self.group}"


@dataclass
class World:
    owner_id: str
    owner_name: str
    schools: list[WSchool] = field(default_factory=list)
    persons: list[WPerson] = field(default_factory=list)
    groups: list[WGroup] = field(default_factory=list)
    members: list[WMember] = field(default_factory=list)

    def schools_of_groups(self) -> dict[str, str]:
        """Each group's school (a membership of a group the roster lacks finds none)."""
        return {g.id: g.school for g in self.groups}

    # -- SS 12000 ---------------------------------------------------------------------------

    def ss12000(self) -> dict[str, list[dict[str, Any]]]:
        """The five endpoints' records. Teachers reach their groups through /activities (one
        activity per group, its teachers' duties assigned), pupils through groupMemberships."""
        organisations = [
            {
                "id": self.owner_id,
                "meta": META,
                "displayName": self.owner_name,
                "organisationType": "Huvudman",
            }
        ] + [
            {
                "id": s.id,
                "meta": META,
                "displayName": s.name,
                "organisationType": "Skolenhet",
                "schoolUnitCode": s.code,
                "parentOrganisation": {"id": self.owner_id},
                "schoolTypes": ["GR"],
            }
            for s in self.schools
        ]
        persons, duties = [], []
        for p in self.persons:
            persons.append(self._ss_person(p))
            if p.role in SS_DUTY:
                for place in p.placements:
                    duties.append(
                        _dated(
                            {
                                "id": _duty_id(p.id, place.school),
                                "meta": META,
                                "person": {"id": p.id, "displayName": f"{p.given} {p.family}"},
                                "dutyAt": {"id": place.school},
                                "dutyRole": SS_DUTY[p.role],
                            },
                            place.start,
                            place.end,
                        )
                    )
        groups, activities = [], []
        by_group: dict[str, list[WMember]] = {}
        for m in self.members:
            by_group.setdefault(m.group, []).append(m)
        for g in self.groups:
            pupils = [m for m in by_group.get(g.id, []) if m.role != "teacher"]
            teachers = [m for m in by_group.get(g.id, []) if m.role == "teacher"]
            group = _dated(
                {
                    "id": g.id,
                    "meta": META,
                    "displayName": g.name,
                    "groupType": "Klass" if g.kind == "class" else "Undervisning",
                    "schoolType": "GR",
                    "organisation": {"id": g.school},
                },
                g.start,
                g.end,
            )
            group["groupMemberships"] = [
                _dated({"person": {"id": m.person}}, m.start, m.end) for m in pupils
            ]
            groups.append(group)
            if teachers:
                activity = _dated(
                    {
                        "id": f"act-{g.id}",
                        "meta": META,
                        "displayName": g.name,
                        "calendarEventsRequired": False,
                        "activityType": "Undervisning",
                        "groups": [{"id": g.id}],
                        "organisation": {"id": g.school},
                    },
                    g.start,
                    g.end,
                )
                activity["teachers"] = [
                    _dated({"duty": {"id": _duty_id(m.person, g.school)}}, m.start, m.end)
                    for m in teachers
                ]
                activities.append(activity)
        return {
            "organisations": organisations,
            "persons": persons,
            "duties": duties,
            "groups": groups,
            "activities": activities,
        }

    @staticmethod
    def _ss_person(p: WPerson) -> dict[str, Any]:
        person: dict[str, Any] = {
            "id": p.id,
            "meta": META,
            "givenName": p.given,
            "familyName": p.family,
            "securityMarking": p.marking or "Ingen",
            "personStatus": "Utvandrad" if p.emigrated else "Aktiv",
        }
        if p.civic:
            person["civicNo"] = {"value": p.civic.replace("-", ""), "nationality": "SE"}
        if p.email:
            kind = "Skola elev" if p.role == "student" else "Skola personal"
            person["emails"] = [{"value": p.email, "type": kind}]
        if p.role == "student":
            person["enrolments"] = [
                _dated(
                    {"enroledAt": {"id": place.school}, "schoolType": "GR"}, place.start, place.end
                )
                for place in p.placements
            ]
        return person

    # -- OneRoster --------------------------------------------------------------------------

    def oneroster_json(self, version: str = "1.2") -> dict[str, list[dict[str, Any]]]:
        """The five collections as a OneRoster REST server sends them."""
        orgs = [
            _or({"name": self.owner_name, "type": "district", "identifier": ""}, self.owner_id)
        ] + [
            _or(
                {
                    "name": s.name,
                    "type": "school",
                    "identifier": s.code,
                    "parent": _ref(self.owner_id, "org"),
                },
                s.id,
            )
            for s in self.schools
        ]
        sessions = [
            _or(
                {
                    "title": t.title,
                    "type": t.kind,
                    "startDate": t.start,
                    "endDate": t.end,
                    "schoolYear": t.school_year,
                },
                t.id,
            )
            for t in self.terms()
        ]
        term_of = {(t.start, t.end): t.id for t in self.terms()}
        classes = [
            _or(
                {
                    "title": g.name,
                    "classCode": g.name.replace(" ", ""),
                    "classType": "homeroom" if g.kind == "class" else "scheduled",
                    "school": _ref(g.school, "org"),
                    "terms": [_ref(term_of[_span(g)], "academicSession")],
                    "metadata": {"tillLMS": g.export},
                },
                g.id,
            )
            for g in self.groups
        ]
        users = [self._or_user(p, version) for p in self.persons]
        school_of = self.schools_of_groups()
        enrollments = [
            _or(
                {
                    "user": _ref(m.person, "user"),
                    "class": _ref(m.group, "class"),
                    "school": _ref(school_of.get(m.group, ""), "org"),
                    "role": m.role,
                    "primary": m.role == "teacher",
                    "beginDate": m.start.isoformat(),
                    "endDate": _exclusive(m.end),
                },
                m.key,
            )
            for m in self.members
        ]
        return {
            "orgs": orgs,
            "academicSessions": sessions,
            "classes": classes,
            "users": users,
            "enrollments": enrollments,
        }

    @staticmethod
    def _or_user(p: WPerson, version: str) -> dict[str, Any]:
        user: dict[str, Any] = {
            "username": p.email.split("@")[0] if p.email else p.id,
            "enabledUser": not p.emigrated if version == "1.2" else str(not p.emigrated).lower(),
            "givenName": p.given,
            "familyName": p.family,
            "identifier": p.id.upper(),
            "email": p.email,
            "metadata": {"securityMarking": p.marking, "civicNo": p.civic},
        }
        role = OR_ROLE.get(p.role, p.role)
        if version == "1.1":
            user["role"] = role
            user["orgs"] = [_ref(place.school, "org") for place in p.placements]
        else:
            user["roles"] = [
                {
                    "roleType": "primary" if n == 0 else "secondary",
                    "role": role,
                    "org": _ref(place.school, "org"),
                    "beginDate": place.start.isoformat(),
                    "endDate": _exclusive(place.end),
                }
                for n, place in enumerate(p.placements)
            ]
        return _or(user, p.id)

    def terms(self) -> list[_Term]:
        """One academicSession per distinct group span (its end is inclusive)."""
        spans = sorted({_span(g) for g in self.groups}, key=lambda s: (s[0], s[1] or date.max))
        return [_Term(f"term-{n}", start, end) for n, (start, end) in enumerate(spans, start=1)]

    def oneroster_csv(self, folder: Path) -> Path:
        """The same roster as a OneRoster 1.2 CSV bundle (via tests/oneroster_builder)."""
        bundle = ob.Bundle(version="1.2")
        data = self.oneroster_json("1.2")
        bundle.orgs = [
            ob.org(
                o["sourcedId"],
                o["name"],
                o["type"],
                parent=o.get("parent", {}).get("sourcedId", ""),
            )
            for o in data["orgs"]
        ]
        for row in bundle.orgs:
            row["identifier"] = next((s.code for s in self.schools if s.id == row["sourcedId"]), "")
        bundle.academic_sessions = [
            ob.session(t["sourcedId"], t["startDate"], t["endDate"], t["schoolYear"], parent="")
            for t in data["academicSessions"]
        ]
        bundle.classes = [
            ob.klass(
                c["sourcedId"],
                c["title"],
                c["classType"],
                school=c["school"]["sourcedId"],
                term=c["terms"][0]["sourcedId"],
                export=c["metadata"]["tillLMS"],
            )
            for c in data["classes"]
        ]
        bundle.users = []
        bundle.roles = []
        for p in self.persons:
            row = ob.user(
                p.id, "", p.given, p.family, p.email, version="1.2", orgs=p.placements[0].school
            )
            row["enabledUser"] = str(not p.emigrated).lower()
            row["metadata.securityMarking"] = p.marking
            row["metadata.civicNo"] = p.civic
            bundle.users.append(row)
            for n, place in enumerate(p.placements):
                bundle.roles.append(
                    ob.role(
                        p.id,
                        OR_ROLE.get(p.role, p.role),
                        org_id=place.school,
                        begin=place.start.isoformat(),
                        end=_exclusive(place.end),
                        role_type="primary" if n == 0 else "secondary",
                    )
                )
        school_of = self.schools_of_groups()
        bundle.enrollments = [
            ob.enrollment(
                m.key,
                m.person,
                m.group,
                m.role,
                begin=m.start.isoformat(),
                end=_exclusive(m.end),
                school=school_of.get(m.group, ""),
            )
            for m in self.members
        ]
        return bundle.write(folder)


@dataclass(frozen=True)
class _Term:
    id: str
    start: date
    end: date | None

    @property
    def title(self) -> str:
        return self.id.upper()

    @property
    def kind(self) -> str:
        return "term"

    @property
    def school_year(self) -> str:
        """OneRoster's convention: the calendar year the school year ends in."""
        last = self.end or self.start
        return str(last.year if last.month < 7 else last.year + 1)


def _span(g: WGroup) -> tuple[date, date | None]:
    return (g.start, g.end)


def _duty_id(person: str, school: str) -> str:
    return f"duty-{person}-{school}"


def _dated(record: dict[str, Any], start: date | None, end: date | None) -> dict[str, Any]:
    if start is not None:
        record["startDate"] = start.isoformat()
    if end is not None:
        record["endDate"] = end.isoformat()
    return record


def _exclusive(end: date | None) -> str:
    return (end + timedelta(days=1)).isoformat() if end else ""


def _ref(sourced_id: str, kind: str) -> dict[str, str]:
    return {"href": f"/{kind}s/{sourced_id}", "sourcedId": sourced_id, "type": kind}


def _or(record: dict[str, Any], sourced_id: str) -> dict[str, Any]:
    for key, value in list(record.items()):
        if isinstance(value, date):
            record[key] = value.isoformat()
        elif value is None:
            record[key] = ""
    return {"sourcedId": sourced_id, "status": "active", "dateLastModified": MODIFIED, **record}


# -- the small roster the equivalence test serves ----------------------------------------------

D = date.fromisoformat
TERM_START, TERM_END = D("2026-08-17"), D("2027-06-11")


def small_world() -> World:
    """Two schools and twelve people, each planted to show one answer on 2026-11-22.

    * t1 teaches 9A and Ma 9A at Centralskolan; t2 teaches 7C at Norrskolan.
    * a1 is Centralskolan's rektor; s1 is staff (kurator) at Norrskolan.
    * p1, p2: ordinary pupils in 9A and Ma 9A. p3 has no e-mail (required). p7's personnummer
      fails the Luhn check. p9 shares p2's e-mail.
    * p4 (7C) has a protected identity. p5's only class, 8X, ended last June (his membership
      did not): the pupil whose class is excluded. p6 starts at Norrskolan on 2027-01-11. p8
      has emigrated.
    """
    world = World("dist1", "Exempel kommun")
    world.schools = [
        WSchool("sch1", "Centralskolan", "12345678"),
        WSchool("sch2", "Norrskolan", "23456789"),
    ]
    since = D("2020-08-01")
    at1, at2 = [WPlacement("sch1", since)], [WPlacement("sch2", since)]
    pupil1 = [WPlacement("sch1", D("2018-08-20"))]
    pupil2 = [WPlacement("sch2", D("2019-08-19"))]
    world.persons = [
        WPerson("t1", "Karin", "Lund", "karin.lund@skola.se", "teacher", at1, "198001152381"),
        WPerson("t2", "Olof", "Ek", "olof.ek@skola.se", "teacher", at2, "197506302384"),
        WPerson("a1", "Eva", "Rask", "eva.rask@skola.se", "admin", at1, "197002149800"),
        WPerson("s1", "Sam", "Berg", "sam.berg@skola.se", "staff", at2, "198812240078"),
        WPerson(
            "p1", "Anna", "Svensson", "anna.svensson@skola.se", "student", pupil1, "201103012389"
        ),
        WPerson("p2", "Erik", "Berg", "erik.berg@skola.se", "student", pupil1, "201105152399"),
        WPerson("p3", "Lisa", "Ek", "", "student", pupil1, "201107202382"),
        WPerson(
            "p4",
            "Hemlig",
            "Person",
            "h.p@skola.se",
            "student",
            pupil2,
            "201301012389",
            "Skyddad folkbokföring",
        ),
        WPerson("p5", "Omar", "Ali", "omar.ali@skola.se", "student", pupil2, "201202022388"),
        WPerson(
            "p6",
            "Maja",
            "Lind",
            "maja.lind@skola.se",
            "student",
            [WPlacement("sch2", D("2027-01-11"))],
            "201304042383",
        ),
        WPerson("p7", "Nils", "Holm", "nils.holm@skola.se", "student", pupil1, "201106062380"),
        WPerson(
            "p8",
            "Sara",
            "Vik",
            "sara.vik@skola.se",
            "student",
            pupil2,
            "201308082385",
            emigrated=True,
        ),
        WPerson("p9", "Ida", "Ström", "erik.berg@skola.se", "student", pupil1, "201109092385"),
    ]
    world.groups = [
        WGroup("9a", "9A", "class", "sch1", TERM_START, TERM_END),
        WGroup("ma9a", "Ma 9A", "teaching group", "sch1", TERM_START, TERM_END),
        WGroup("8x", "8X", "class", "sch2", D("2025-08-18"), D("2026-06-12")),
        WGroup("7c", "7C", "class", "sch2", TERM_START, TERM_END),
    ]
    world.members = [
        WMember("t1", "9a", "teacher", TERM_START),
        WMember("t1", "ma9a", "teacher", TERM_START),
        *(WMember(p, "9a", "student", TERM_START) for p in ("p1", "p2", "p3", "p7", "p9")),
        *(WMember(p, "ma9a", "student", TERM_START) for p in ("p1", "p2")),
        WMember("t2", "7c", "teacher", TERM_START),
        WMember("p4", "7c", "student", TERM_START),
        WMember("p6", "7c", "student", D("2027-01-11")),
        WMember("p8", "7c", "student", TERM_START),
        WMember("p5", "8x", "student", D("2025-08-18")),
    ]
    return world


# -- a World from a OneRoster 1.1 CSV bundle (the bench's 100,000 people) ----------------------


UNDATED_START = date(2020, 8, 1)


def from_bundle(folder: Path, undated_start: date = UNDATED_START) -> World:
    """The demo bundle as a World. OneRoster 1.1 placements carry no dates; SS 12000 needs a
    start, so they start on `undated_start`."""
    rows = {
        name: list(_csv_rows(folder / f"{name}.csv"))
        for name in ("orgs", "academicSessions", "classes", "users", "enrollments")
    }
    owner = next(r for r in rows["orgs"] if r["type"] == "district")
    world = World(owner["sourcedId"], owner["name"])
    world.schools = [
        WSchool(r["sourcedId"], r["name"], r["identifier"])
        for r in rows["orgs"]
        if r["type"] == "school"
    ]
    terms = {r["sourcedId"]: (D(r["startDate"]), D(r["endDate"])) for r in rows["academicSessions"]}
    for r in rows["classes"]:
        spans = [terms[t] for t in r["termSourcedIds"].split(",") if t in terms]
        start = min((s for s, _ in spans), default=undated_start)
        end = max((e for _, e in spans), default=None)
        kind = "class" if r["classType"].lower() == "homeroom" else "teaching group"
        world.groups.append(
            WGroup(
                r["sourcedId"],
                r["title"],
                kind,
                r["schoolSourcedId"],
                start,
                end,
                r.get("metadata.tillLMS", ""),
            )
        )
    for r in rows["users"]:
        places = [WPlacement(o, undated_start) for o in r["orgSourcedIds"].split(",") if o]
        world.persons.append(
            WPerson(
                r["sourcedId"], r["givenName"], r["familyName"], r["email"],
                OR_ROLE_BACK.get(r["role"].lower(), r["role"].lower()), places,
                r.get("metadata.civicNo", ""), r.get("metadata.securityMarking", ""),
                emigrated=r["enabledUser"].lower() == "false",
            )
        )  # fmt: skip
    for r in rows["enrollments"]:
        end = D(r["endDate"]) - timedelta(days=1) if r["endDate"] else None
        start = D(r["beginDate"]) if r["beginDate"] else undated_start
        world.members.append(
            WMember(r["userSourcedId"], r["classSourcedId"], r["role"], start, end)
        )
    return world


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)
