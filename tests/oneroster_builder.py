"""Write OneRoster CSV bundles from Python data, so a test can plant one defect in a clean roster.

    bundle = clean_roster()                         # a valid municipality, as of 2026-11-22
    bundle.row("users", "p1")["givenName"] = ""     # plant one defect
    folder = bundle.write(tmp_path / "bundle")      # manifest.csv + the CSV files

Rows are plain dicts keyed by column name. `write` puts the spec's header (for the bundle's
version) first, in the spec's order, then every `metadata.*` column any row uses; a key that is
neither a spec column nor `metadata.*` raises, so a typo in a test cannot silently become an
empty column. Anything deliberately broken (a misspelled header, a line with the wrong number of
fields, a cp1252 file, a missing manifest) has its own explicit knob.
"""

from __future__ import annotations

import copy
import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

Row = dict[str, str]
Version = Literal["1.1", "1.2"]

AS_OF = date(2026, 11, 22)
"""The night every rule test runs on: inside academic year 2026-07-01 … 2027-06-30 ("2027")."""

_COMMON = ("sourcedId", "status", "dateLastModified")
_ORGS = (*_COMMON, "name", "type", "identifier", "parentSourcedId")
_SESSIONS = (*_COMMON, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear")
_COURSES = (
    *_COMMON,
    *("schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects"),
    "subjectCodes",
)
_CLASSES = (
    *_COMMON,
    *("title", "grades", "courseSourcedId", "classCode", "classType", "location"),
    *("schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"),
)
_ENROLLMENTS = (
    *_COMMON,
    *("classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate"),
    "endDate",
)
_DEMOGRAPHICS = (
    *_COMMON,
    *("birthDate", "sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican"),
    *("nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces"),
    *("hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation"),
    *("cityOfBirth", "publicSchoolResidenceStatus"),
)
_USERS_11 = (
    *_COMMON,
    *("enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName", "familyName"),
    *("middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades"),
    "password",
)
_USERS_12 = (
    *_COMMON,
    *("enabledUser", "username", "userIds", "givenName", "familyName", "middleName"),
    *("identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password"),
    *("userMasterIdentifier", "resourceSourcedIds", "preferredGivenName"),
    *("preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns"),
)
_ROLES = (
    *_COMMON,
    *("userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId"),
    "userProfileSourcedId",
)

SPEC_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "1.1": {
        "orgs": _ORGS,
        "academicSessions": _SESSIONS,
        "courses": _COURSES,
        "classes": _CLASSES,
        "users": _USERS_11,
        "enrollments": _ENROLLMENTS,
        "demographics": _DEMOGRAPHICS,
    },
    "1.2": {
        "orgs": _ORGS,
        "academicSessions": _SESSIONS,
        "courses": _COURSES,
        "classes": _CLASSES,
        "users": _USERS_12,
        "roles": _ROLES,
        "enrollments": _ENROLLMENTS,
        "demographics": _DEMOGRAPHICS,
    },
}
"""The spec's columns per version and file (base name, without .csv), in the spec's order."""

_MANIFEST_FILES: dict[str, tuple[str, ...]] = {
    "1.1": (
        *("academicSessions", "categories", "classes", "classResources", "courses"),
        *("courseResources", "demographics", "enrollments", "lineItems", "orgs", "resources"),
        *("results", "users"),
    ),
    "1.2": (
        *("academicSessions", "categories", "classes", "classResources", "courses"),
        *("courseResources", "demographics", "enrollments", "lineItemLearningObjectiveIds"),
        *("lineItems", "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds"),
        *("results", "resultScoreScales", "roles", "scoreScales", "userResources", "users"),
        "userProfiles",
    ),
}

_TABLES = {
    "orgs": "orgs",
    "academicSessions": "academic_sessions",
    "courses": "courses",
    "classes": "classes",
    "users": "users",
    "roles": "roles",
    "enrollments": "enrollments",
    "demographics": "demographics",
}
"""OneRoster file base name → Bundle attribute."""


@dataclass
class Bundle:
    """A OneRoster CSV bundle as data. A table that is None is not written (absent)."""

    version: Version = "1.1"
    orgs: list[Row] | None = field(default_factory=list)
    academic_sessions: list[Row] | None = field(default_factory=list)
    courses: list[Row] | None = None
    classes: list[Row] | None = field(default_factory=list)
    users: list[Row] | None = field(default_factory=list)
    roles: list[Row] | None = None  # OneRoster 1.2 only
    enrollments: list[Row] | None = field(default_factory=list)
    demographics: list[Row] | None = None
    modes: dict[str, str] = field(default_factory=dict)
    """Manifest mode per file base name ("bulk", "delta", "absent"); default from presence."""
    headers: dict[str, list[str]] = field(default_factory=dict)
    """A header to write instead of the spec's (misspelled, duplicated, unknown columns …)."""
    encodings: dict[str, str] = field(default_factory=dict)
    """Encoding per file base name; UTF-8 unless given (e.g. "cp1252")."""
    extra_lines: dict[str, list[str]] = field(default_factory=dict)
    """Raw text lines appended to a file after its rows, verbatim (wrong field counts …)."""
    manifest: bool = True

    # -- editing ----------------------------------------------------------------------------

    def table(self, name: str, /) -> list[Row]:
        """The rows of one file by OneRoster base name ("users", "academicSessions" …)."""
        rows = getattr(self, _TABLES[name])
        if rows is None:
            raise KeyError(f"{name}.csv is absent from this bundle")
        return rows

    def row(self, name: str, sourced_id: str, /) -> Row:
        """The first row of `name` with this sourcedId, for editing in place."""
        for row in self.table(name):
            if row.get("sourcedId") == sourced_id:
                return row
        raise KeyError(f"no row {sourced_id!r} in {name}.csv")

    def add(self, name: str, row: Row, /) -> Row:
        self.table(name).append(row)
        return row

    def copy_row(self, name: str, sourced_id: str, /, **changes: str) -> Row:
        """Append a copy of a row (e.g. a duplicate id), with some values changed."""
        row = copy.deepcopy(self.row(name, sourced_id)) | changes
        return self.add(name, row)

    def drop(self, name: str, /, *sourced_ids: str) -> None:
        rows = self.table(name)
        missing = set(sourced_ids) - {row.get("sourcedId") for row in rows}
        if missing:
            raise KeyError(f"no rows {sorted(missing)} in {name}.csv")
        rows[:] = [row for row in rows if row.get("sourcedId") not in sourced_ids]

    def placement(self, user_id: str) -> Row:
        """Where the user's school is named: the users row (1.1) or its primary role (1.2)."""
        if self.version == "1.1":
            return self.row("users", user_id)
        for row in self.table("roles"):
            if row.get("userSourcedId") == user_id and row.get("roleType") == "primary":
                return row
        raise KeyError(f"no primary role for {user_id!r} in roles.csv")

    # -- writing ----------------------------------------------------------------------------

    def write(self, folder: Path) -> Path:
        """Write manifest.csv (unless disabled) and every present file; returns `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        spec = SPEC_HEADERS[self.version]
        present = {name for name in spec if getattr(self, _TABLES[name]) is not None}
        for name in sorted(present):
            rows: list[Row] = getattr(self, _TABLES[name])
            header = self.headers.get(name) or _header(name, spec[name], rows)
            text = _csv_text(header, rows, name, strict=name not in self.headers)
            text += "".join(f"{line}\r\n" for line in self.extra_lines.get(name, []))
            encoding = self.encodings.get(name, "utf-8")
            (folder / f"{name}.csv").write_bytes(text.encode(encoding))
        if self.manifest:
            manifest = [["propertyName", "value"], ["manifest.version", "1.0"]]
            manifest.append(["oneroster.version", self.version])
            for name in _MANIFEST_FILES[self.version]:
                mode = self.modes.get(name, "bulk" if name in present else "absent")
                manifest.append([f"file.{name}", mode])
            manifest += [["source.systemName", "rostertui tests"], ["source.systemCode", "t"]]
            (folder / "manifest.csv").write_bytes(_rows_text(manifest).encode("utf-8"))
        return folder


def _header(name: str, spec: tuple[str, ...], rows: list[Row]) -> list[str]:
    header = list(spec)
    for row in rows:
        for column in row:
            if column in header:
                continue
            if not column.startswith("metadata."):
                raise ValueError(
                    f"{name}.csv: {column!r} is not a OneRoster column; extension columns "
                    "start with 'metadata.' (or set Bundle.headers to write a bad header)"
                )
            header.append(column)
    return header


def _csv_text(header: list[str], rows: list[Row], name: str, *, strict: bool) -> str:
    """Rows laid out under `header`; with a custom header, unknown keys are simply dropped."""
    lines: list[list[str]] = [header]
    for row in rows:
        if strict:
            _header(name, tuple(header), [row])
        lines.append([row.get(column, "") for column in header])
    return _rows_text(lines)


def _rows_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


# --- the clean roster ----------------------------------------------------------------------------

SCHOOL = "sch1"
CLASS = "9b"  # homeroom "9B", exported
GROUP = "ma9b"  # teaching group "Ma 9B", exported
TERM = "t2026"
SCHOOL_YEAR = "y2027"
TEACHER, ANNA, ERIK = "t1", "p1", "p2"
MEMBERSHIPS = {
    # id: (user, class, role)
    "e1": (TEACHER, CLASS, "teacher"),
    "e2": (TEACHER, GROUP, "teacher"),
    "e3": (ANNA, CLASS, "student"),
    "e4": (ANNA, GROUP, "student"),
    "e5": (ERIK, CLASS, "student"),
    "e6": (ERIK, GROUP, "student"),
}

_PEOPLE = (
    # id, role, given, family, e-mail
    (TEACHER, "teacher", "Karin", "Lund", "karin.lund@skola.se"),
    (ANNA, "student", "Anna", "Svensson", "anna.svensson@skola.se"),
    (ERIK, "student", "Erik", "Berg", "erik.berg@skola.se"),
)


def session(
    sourced_id: str,
    start: str,
    end: str,
    school_year: str = "2027",
    *,
    kind: str = "term",
    parent: str = SCHOOL_YEAR,
) -> Row:
    """An academicSessions row; its endDate is inclusive (unlike enrollment/role endDate)."""
    return {
        "sourcedId": sourced_id,
        "title": sourced_id.upper(),
        "type": kind,
        "startDate": start,
        "endDate": end,
        "parentSourcedId": parent,
        "schoolYear": school_year,
    }


def org(sourced_id: str, name: str, kind: str = "school", parent: str = "dist1") -> Row:
    return {
        "sourcedId": sourced_id,
        "name": name,
        "type": kind,
        "identifier": sourced_id.upper(),
        "parentSourcedId": parent,
    }


def klass(
    sourced_id: str,
    title: str,
    class_type: str = "scheduled",
    *,
    school: str = SCHOOL,
    term: str = TERM,
    export: str = "Ja",
    course: str = "",
) -> Row:
    """A classes row with the export flag column `metadata.tillLMS`."""
    return {
        "sourcedId": sourced_id,
        "title": title,
        "grades": "09",
        "courseSourcedId": course,
        "classCode": title.replace(" ", ""),
        "classType": class_type,
        "schoolSourcedId": school,
        "termSourcedIds": term,
        "metadata.tillLMS": export,
    }


def enrollment(
    sourced_id: str,
    user: str,
    class_id: str,
    role: str = "student",
    *,
    begin: str = "2026-08-17",
    end: str = "",
    school: str = SCHOOL,
) -> Row:
    """An enrollments row; its endDate is exclusive (the last day is the day before)."""
    return {
        "sourcedId": sourced_id,
        "classSourcedId": class_id,
        "schoolSourcedId": school,
        "userSourcedId": user,
        "role": role,
        "primary": "true" if role == "teacher" else "false",
        "beginDate": begin,
        "endDate": end,
    }


def user(
    sourced_id: str,
    role: str,
    given: str,
    family: str,
    email: str,
    *,
    version: Version = "1.1",
    orgs: str = SCHOOL,
) -> Row:
    row = {
        "sourcedId": sourced_id,
        "enabledUser": "true",
        "username": email.split("@")[0],
        "givenName": given,
        "familyName": family,
        "identifier": sourced_id.upper(),
        "email": email,
    }
    if version == "1.1":
        row |= {"orgSourcedIds": orgs, "role": role}
    else:
        row["primaryOrgSourcedId"] = orgs
    return row


def role(
    user_id: str,
    role_name: str,
    *,
    org_id: str = SCHOOL,
    begin: str = "2026-08-01",
    end: str = "",
    role_type: str = "primary",
) -> Row:
    """A OneRoster 1.2 roles row (sourcedId "r-<user>"); endDate is exclusive."""
    return {
        "sourcedId": f"r-{user_id}" if role_type == "primary" else f"r-{user_id}-{org_id}",
        "userSourcedId": user_id,
        "roleType": role_type,
        "role": role_name,
        "beginDate": begin,
        "endDate": end,
        "orgSourcedId": org_id,
    }


def clean_roster(version: Version = "1.1") -> Bundle:
    """A valid minimal municipality that imports without a single finding on 2026-11-22.

    One district, school Centralskolan (sch1), the school year 2026/27 ("2027") with a term
    running 2026-08-15 … 2027-06-15, class 9B (homeroom) and teaching group Ma 9B (scheduled),
    both exported (metadata.tillLMS = "Ja") and linked to course ma9; teacher Karin Lund (t1)
    and pupils Anna Svensson (p1) and Erik Berg (p2), each a member of both groups.
    """
    bundle = Bundle(version=version)
    bundle.orgs = [
        org("dist1", "Exempel kommun", "district", parent=""),
        org(SCHOOL, "Centralskolan"),
    ]
    bundle.academic_sessions = [
        session(SCHOOL_YEAR, "2026-07-01", "2027-06-30", kind="schoolYear", parent=""),
        session(TERM, "2026-08-15", "2027-06-15"),
    ]
    bundle.courses = [
        {
            "sourcedId": "ma9",
            "schoolYearSourcedId": SCHOOL_YEAR,
            "title": "Matematik 9",
            "courseCode": "MA9",
            "grades": "09",
            "orgSourcedId": SCHOOL,
        }
    ]
    bundle.classes = [
        klass(CLASS, "9B", "homeroom", course="ma9"),
        klass(GROUP, "Ma 9B", "scheduled", course="ma9"),
    ]
    bundle.users = [
        user(person_id, person_role, given, family, email, version=version)
        for person_id, person_role, given, family, email in _PEOPLE
    ]
    if version == "1.2":
        bundle.roles = [role(person_id, person_role) for person_id, person_role, *_ in _PEOPLE]
    bundle.enrollments = [
        enrollment(sourced_id, person_id, class_id, member_role)
        for sourced_id, (person_id, class_id, member_role) in MEMBERSHIPS.items()
    ]
    return bundle
