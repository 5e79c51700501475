"""OneRoster 1.1 / 1.2 / 1.2.1 CSV bundles (folder or .zip) into the canonical Roster.

Real exports break the spec in small ways; each break becomes a finding on the row it is in
(SOURCE_ROW_MALFORMED when the value cannot be used, SOURCE_VALUE_NONSTANDARD when it can),
never a crash. Only a bundle that is not a roster at all fails the run.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from rostertui.domain.identity import login_ids_without_civic_no
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
from rostertui.domain.packing import pack
from rostertui.domain.policy import Policy
from rostertui.sources.files import (
    Bundle,
    CsvFile,
    beyond_header,
    decode,
    nul_removed,
    parse_csv,
    unnamed_columns,
)
from rostertui.sources.spool import PackedMemberships, PackedRows

_COMMON = ("sourcedId", "status", "dateLastModified")
# file -> (columns that must be in the header, every column the 1.1/1.2 specs know)
_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "orgs.csv": (
        ("sourcedId", "name", "type"),
        (*_COMMON, "name", "type", "identifier", "parentSourcedId", "metadata"),
    ),
    "academicSessions.csv": (
        ("sourcedId", "title", "type", "startDate", "endDate"),
        (*_COMMON, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"),
    ),
    "classes.csv": (
        ("sourcedId", "title", "classType", "schoolSourcedId"),
        (
            *_COMMON,
            *("title", "grades", "courseSourcedId", "classCode", "classType", "location"),
            *("schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"),
            "resources",
        ),
    ),
    "users.csv": (
        ("sourcedId", "givenName", "familyName"),
        (
            *_COMMON,
            *("enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName"),
            *("familyName", "middleName", "identifier", "email", "sms", "phone"),
            *("agentSourcedIds", "grades", "password", "userMasterIdentifier"),
            *("resourceSourcedIds", "preferredGivenName", "preferredMiddleName"),
            *("preferredFamilyName", "primaryOrgSourcedId", "pronouns"),
        ),
    ),
    "roles.csv": (
        ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"),
        (
            *_COMMON,
            *("userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId"),
            "userProfileSourcedId",
        ),
    ),
    "enrollments.csv": (
        ("sourcedId", "classSourcedId", "userSourcedId", "role"),
        (
            *_COMMON,
            *("classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary"),
            *("beginDate", "endDate"),
        ),
    ),
    "demographics.csv": (
        ("sourcedId",),
        (
            *_COMMON,
            *("birthDate", "sex", "americanIndianOrAlaskaNative", "asian"),
            *("blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white"),
            *("demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity"),
            *("countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth"),
            "publicSchoolResidenceStatus",
        ),
    ),
    "courses.csv": (
        ("sourcedId",),
        (
            *_COMMON,
            *("schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId"),
            *("subjects", "subjectCodes", "resources"),
        ),
    ),
}
_KIND_OF_FILE = {
    "orgs.csv": "school",
    "users.csv": "person",
    "roles.csv": "person",
    "classes.csv": "group",
    "enrollments.csv": "membership",
}
_USER_ROLES = {
    "student": "student",
    "teacher": "teacher",
    "administrator": "admin",
    "principal": "admin",
    "siteadministrator": "admin",
    "districtadministrator": "admin",
    "systemadministrator": "admin",
    "aide": "staff",
    "counselor": "staff",
    "proctor": "staff",
    "guardian": "guardian",
    "parent": "parent",
    "relative": "relative",
}
CIVIC_NO_PRONE = ("identifier", "userIds")
"""User columns where Swedish registries often put the personnummer: masked in the raw row,
never a login id, whatever the policy's civic_no_field says."""
_CLASS_TYPES = {"homeroom": "class", "scheduled": "teaching group"}
_MANIFEST_FILES = (
    *("academicSessions", "categories", "classes", "classResources", "courses"),
    *("courseResources", "demographics", "enrollments", "lineItems", "orgs", "resources"),
    *("results", "users", "roles", "userProfiles", "userResources", "scoreScales"),
    *("lineItemScoreScales", "resultScoreScales", "lineItemLearningObjectiveIds"),
    "resultLearningObjectiveIds",
)
"""Every file a OneRoster 1.1 or 1.2 manifest names (`file.<name>`)."""
_MANIFEST_PROPERTIES = (
    *("manifest.version", "oneroster.version", "source.systemName", "source.systemCode"),
    *(f"file.{name}" for name in _MANIFEST_FILES),
)
_FILE_MODES = ("bulk", "delta", "absent")
_ORG_TYPES = {"school", "district", "department", "local", "state", "national", "dept"}


def read_oneroster_csv(path: Path, policy: Policy) -> Roster:
    """Read a OneRoster CSV bundle; raises SourceError when it cannot be a roster."""
    return _BundleReader(Bundle.open(path), policy).read()


@dataclass(slots=True)
class _Row:
    """One row being read: column access by name, and the issues found so far."""

    file: CsvFile
    index: dict[str, int]
    line: int
    values: Sequence[str]
    issues: list[SourceIssue] = field(default_factory=list)

    def __getitem__(self, column: str) -> str:
        """The value stripped; "" for a column the file lacks or a short row leaves out."""
        try:
            return self.values[self.index[column]].strip()
        except (KeyError, IndexError):
            return ""

    @property
    def ref(self) -> str:
        return f"{self.file.name}:{self.line}"

    def raw(self, masked: str | None = None, may_hold_civic_no: tuple[str, ...] = ()) -> RawRow:
        return RawRow.of(
            self.file.header,
            self.values,
            self.file.name,
            self.line,
            masked=masked,
            may_hold_civic_no=may_hold_civic_no,
        )

    def malformed(self, column: str, message: str) -> None:
        self.issues.append(SourceIssue("SOURCE_ROW_MALFORMED", message, column))

    def nonstandard(self, column: str, message: str) -> None:
        self.issues.append(SourceIssue("SOURCE_VALUE_NONSTANDARD", message, column))

    def date(self, column: str, *, exclusive: bool = False) -> date | None:
        """An inclusive date; OneRoster's exclusive end dates lose a day here, once."""
        text = self[column]
        if not text:
            return None
        try:
            value = date.fromisoformat(text[:10])
            if len(text) > 10:
                datetime.fromisoformat(text.replace("Z", "+00:00"))
                self.nonstandard(column, f"{column} {text!r} should be a date (YYYY-MM-DD)")
        except ValueError:
            self.malformed(column, f"{column} {text!r} is not a date (YYYY-MM-DD)")
            return None
        return value - timedelta(days=1) if exclusive else value


class _BundleReader:
    def __init__(self, bundle: Bundle, policy: Policy) -> None:
        self.bundle = bundle
        self.policy = policy
        self.findings: list[FileFinding] = []
        self.modes: dict[str, str] = {}
        self.version = ""
        self.row_counts: dict[str, int] = {}

    def read(self) -> Roster:
        self._read_manifest()
        roster = Roster(source=self.bundle.label, format=f"oneroster-csv {self.version}")
        orgs = self._load("orgs.csv", required=True)
        users = self._load("users.csv", required=True)
        roles = self._load("roles.csv", required=self.version.startswith("1.2"))
        classes = self._load("classes.csv", required=True)
        enrollments = self._load("enrollments.csv", required=True)
        sessions = self._load("academicSessions.csv", required=False)
        courses = self._load("courses.csv", required=False)
        self._load("demographics.csv", required=False)  # header checked; rostertui needs no rows
        self._check_policy_columns(users, classes)
        roster.schools = self._orgs(orgs)
        roster.persons = self._users(users, roles)
        for table in (orgs, users):
            if (
                table
                and not self.row_counts.get(table.name)
                and self.modes.get(table.name) != "delta"
            ):
                self.findings.append(
                    FileFinding(
                        "SOURCE_FILE_EMPTY",
                        "file",
                        table.name,
                        f"{table.name}:2: the file has a header but no rows",
                        f"{table.name}:2",
                    )
                )
        roster.groups = self._classes(classes, sessions, courses)
        roster.memberships = self._enrollments(enrollments)
        roster.file_findings = self.findings
        roster.headers = {t.name: t.header for t in (orgs, users, roles, classes, enrollments) if t}
        roster.capabilities = Capabilities(
            school_year=sessions is not None,
            export_flag=bool(self.policy.group_export_flag),
        )
        roster.delta_kinds = frozenset(
            kind for name, kind in _KIND_OF_FILE.items() if self.modes.get(name) == "delta"
        )
        return roster

    # -- files ------------------------------------------------------------------------------

    def _read_manifest(self) -> None:
        names = self.bundle.names()
        if not names & {"manifest.csv", "orgs.csv", "users.csv"}:
            raise SourceError(
                "SOURCE_UNREADABLE",
                f"{self.bundle.label}: no OneRoster files here "
                "(no manifest.csv, orgs.csv or users.csv)",
            )
        data = self.bundle.stream("manifest.csv")
        if data is None:
            self.findings.append(
                FileFinding(
                    "SOURCE_VALUE_NONSTANDARD",
                    "file",
                    "manifest.csv",
                    "manifest.csv is missing; read every file present as a bulk file",
                )
            )
        else:
            self._manifest_properties(data)
        if not self.version:
            header = b""
            if users := self.bundle.stream("users.csv"):
                with users:
                    header = users.readline()
            self.version = "1.1" if b"orgSourcedIds" in header else "1.2"

    def _manifest_properties(self, data: BinaryIO) -> None:
        """The version and each file's mode. A property the spec does not name, or a mode that
        is not one, is a warning naming it (and the property it is closest to): a misspelled
        `file.usres` must neither pass in silence nor stop a night whose files are all there."""
        encoding, _ = decode("manifest.csv", data)
        manifest = parse_csv("manifest.csv", data, encoding)
        if manifest.unnamed:
            self.findings.append(
                unnamed_columns("manifest.csv", 1, len(manifest.header), manifest.unnamed)
            )
        for line, values in manifest.rows:
            key, value = values[0].strip(), "".join(values[1:2]).strip()
            if not key:
                continue
            problem = _manifest_problem(key, value)
            if problem is None and key == "oneroster.version":
                self.version = value.lower()
            elif problem is None and key.startswith("file."):
                self.modes[f"{key[5:]}.csv"] = value.lower()
            elif problem:
                self.findings.append(
                    FileFinding(
                        "SOURCE_VALUE_NONSTANDARD",
                        "file",
                        "manifest.csv",
                        f"manifest.csv:{line}: {problem}",
                        f"manifest.csv:{line}",
                    )
                )

    def _load(self, name: str, *, required: bool) -> CsvFile | None:
        mode = self.modes.get(name, "bulk" if name in self.bundle.names() else "absent")
        data = self.bundle.stream(name)
        if data is None or mode == "absent":
            if required and "delta" not in self.modes.values():
                why = "the manifest marks it absent" if data is not None else "it is missing"
                raise SourceError(
                    "SOURCE_UNREADABLE",
                    f"{self.bundle.label}: {name} is required for a bulk roster, but {why}",
                )
            return None
        encoding, encoding_findings = decode(name, data)
        self.findings.extend(encoding_findings)
        table = parse_csv(name, data, encoding)
        problem = self._header_problem(table)
        if problem:
            if required:
                raise SourceError("SOURCE_HEADER_INVALID", problem, f"{name}:1")
            self.findings.append(
                FileFinding(
                    "SOURCE_HEADER_INVALID", "file", name, f"{problem}; file skipped", f"{name}:1"
                )
            )
            return None
        if table.unnamed:
            self.findings.append(unnamed_columns(name, 1, len(table.header), table.unnamed))
        return table

    def _header_problem(self, table: CsvFile) -> str | None:
        """A required column missing or a header repeated; unknown columns only warn, and so
        does an empty header cell between named ones (its values are not read)."""
        name, header = table.name, table.header
        must, known = _COLUMNS[name]
        seen: dict[str, int] = {}
        for position, column in enumerate(header, start=1):
            if not column:
                self.findings.append(
                    FileFinding(
                        "SOURCE_VALUE_NONSTANDARD",
                        "file",
                        name,
                        f"{name}:1, column {position} has no header; its values are ignored",
                        f"{name}:1",
                    )
                )
                continue
            if column in seen:
                return (
                    f"{name}:1, column {position}: header {column!r} appears twice "
                    f"(columns {seen[column]} and {position})"
                )
            seen[column] = position
        unknown = [c for c in seen if c not in known and not c.startswith("metadata.")]
        for column in must:
            if column not in seen:
                guess = difflib.get_close_matches(column, unknown, n=1, cutoff=0.6)
                if guess:
                    return (
                        f"{name}:1, column {seen[guess[0]]}: header {guess[0]!r} is not a "
                        f"OneRoster column; did you mean {column!r}?"
                    )
                return f"{name}:1: required column {column!r} is missing"
        for column in unknown:
            self.findings.append(
                FileFinding(
                    "SOURCE_VALUE_NONSTANDARD",
                    "file",
                    name,
                    f"{name}:1, column {seen[column]}: unknown column {column!r} ignored "
                    "(extension columns must start with 'metadata.')",
                    f"{name}:1",
                )
            )
        return None

    def _check_policy_columns(self, users: CsvFile | None, classes: CsvFile | None) -> None:
        """Fail closed: a flag the policy relies on but the export lacks must stop the run."""
        checks = (
            (classes, "group_export_flag", self.policy.group_export_flag),
            (users, "protected_identity_field", self.policy.protected_identity_field),
        )
        for table, key, column in checks:
            if table is not None and column and column not in table.header:
                raise SourceError(
                    "SOURCE_HEADER_INVALID",
                    f"{table.name}:1: the policy's {key} names column {column!r}, "
                    "which this file does not have",
                    f"{table.name}:1",
                )
        civic = self.policy.civic_no_field
        if users is not None and civic and civic not in users.header:
            self.findings.append(
                FileFinding(
                    "SOURCE_HEADER_INVALID",
                    "file",
                    users.name,
                    f"users.csv:1: the policy's civic_no_field {civic!r} is not a column; "
                    "civic numbers not read",
                    "users.csv:1",
                )
            )

    # -- records ----------------------------------------------------------------------------

    def _orgs(self, table: CsvFile | None) -> list[School]:
        rows = list(self._rows_with_status(table))
        org_ids = {row["sourcedId"] for row, _ in rows}
        orgs: list[School] = []
        for row, deleted in rows:
            org = org_of(row, deleted, org_ids, self.findings, "parentSourcedId", "orgs.csv")
            org.raw = row.raw()
            orgs.append(org)
        return orgs

    def _users(self, users: CsvFile | None, roles: CsvFile | None) -> list[Person]:
        role_rows = self._roles(roles)
        persons: list[Person] = []
        raws = PackedRows(users)
        # nothing changes a Placement, or a list of them, once read: one per school, and one
        # list per set of schools, stand for a million persons'
        undated: dict[str, Placement] = {}
        placed_at: dict[str, list[Placement]] = {}
        for row, deleted in self._rows_with_status(users):

            def placed(row: _Row = row) -> tuple[str, list[Placement]]:
                if "role" in row.index:  # 1.1: the user row names role and orgs
                    orgs = row["orgSourcedIds"]
                    at = placed_at.get(orgs)
                    if at is None:
                        at = placed_at[orgs] = [
                            undated.get(org) or undated.setdefault(org, Placement(org))
                            for org in _split(orgs)
                        ]
                    return _membership_role(row["role"]), at
                return role_rows.get(row["sourcedId"], ("", []))

            person = person_of(row, deleted, placed, self.policy, "users.csv")
            person.raw = raws.keep(row.raw(self.policy.civic_no_field, CIVIC_NO_PRONE))
            persons.append(person)
        return persons

    def _roles(self, table: CsvFile | None) -> dict[str, tuple[str, list[Placement]]]:
        """OneRoster 1.2: the primary role names the person's role; every row is a placement."""
        by_user: dict[str, tuple[str, list[Placement]]] = {}
        for row, deleted in self._rows_with_status(table):
            if deleted:
                continue
            role, placements = by_user.get(row["userSourcedId"], ("", []))
            if row["roleType"].lower() == "primary" or not role:
                role = _membership_role(row["role"])
            start, end = row.date("beginDate"), row.date("endDate", exclusive=True)
            placements.append(Placement(sys.intern(row["orgSourcedId"]), start, end))
            by_user[row["userSourcedId"]] = (role, placements)
        return by_user

    def _classes(
        self, table: CsvFile | None, sessions: CsvFile | None, courses: CsvFile | None
    ) -> list[Group]:
        terms = {
            row["sourcedId"]: (row.date("startDate"), row.date("endDate"), row["schoolYear"])
            for row, _ in self._unrecorded(sessions)
        }
        course_ids = {row["sourcedId"] for row, _ in self._unrecorded(courses)}
        groups: list[Group] = []
        raws = PackedRows(table)
        for row, deleted in self._rows_with_status(table):

            def course_known(row: _Row = row) -> None:
                course = row["courseSourcedId"]
                if course and course not in course_ids:
                    where = (
                        "courses.csv is absent" if courses is None else "it is not in courses.csv"
                    )
                    row.issues.append(
                        SourceIssue(
                            "SOURCE_REFERENCE_UNKNOWN",
                            f"courseSourcedId {course!r} cannot be resolved ({where})",
                            "courseSourcedId",
                        )
                    )

            group = group_of(row, deleted, terms, "academicSessions.csv", self.policy, course_known)
            group.raw = raws.keep(row.raw())
            groups.append(group)
        return groups

    def _enrollments(self, table: CsvFile | None) -> PackedMemberships:
        """The million-row file: a clean row takes a fast path; anything odd the careful one.
        The memberships are kept packed, not as objects (sources/spool.py)."""
        memberships = PackedMemberships()
        if table is None:
            return memberships
        header, name = table.header, table.name
        index = {column: position for position, column in enumerate(header)}
        mode = self.modes.get(name, "bulk")
        wanted = ("sourcedId", "status", "dateLastModified", "classSourcedId", "userSourcedId")
        wanted += ("role", "beginDate", "endDate")
        pick = _picker(header, wanted)
        dates = _DateCache()
        starts, ends, roles = dates.starts, dates.ends, _ROLE_WORDS
        width, count, intern = len(header), 0, sys.intern
        fast = mode == "bulk" and table.nul_cells is None  # a NUL is reported on its row
        for line, values in table.rows:
            count += 1
            if len(values) == width and fast:
                sid, status, modified, group, user, role, begin, end = pick(values)
                start = starts[begin] if begin in starts else dates.inclusive(begin)
                stop = ends[end] if end in ends else dates.exclusive(end)
                if sid and not status and not modified and start is not _BAD and stop is not _BAD:
                    memberships.append_clean(
                        # a person's and a group's id repeat: one copy
                        (sid.strip(), intern(user.strip()), intern(group.strip())),
                        roles.get(role) or _membership_role(role),
                        (start, stop),  # type: ignore[arg-type]
                        (header, pack(values), name, line),
                    )
                    continue
            read = self._row(table, index, mode, line, values)
            if read is not None:
                memberships.append(_membership(*read))
        self.row_counts[name] = count
        return memberships

    def _unrecorded(self, table: CsvFile | None):
        """Rows of files that make no records of their own: their defects become file findings."""
        for row, deleted in self._rows_with_status(table):
            yield row, deleted
            self.findings.extend(
                FileFinding(issue.code, "file", row.file.name, issue.message, row.ref)
                for issue in row.issues
            )

    def _rows_with_status(self, table: CsvFile | None):
        """Rows with a usable id, each with whether the source marks it deleted."""
        if table is None:
            return
        index = {column: position for position, column in enumerate(table.header)}
        mode = self.modes.get(table.name, "bulk")
        for line, values in table.rows:
            yielded = self._row(table, index, mode, line, values)
            if yielded is not None:
                yield yielded

    def _row(self, table: CsvFile, index: dict[str, int], mode: str, line: int, values):
        """One row with its issues and deleted flag, or None when it has no usable id."""
        self.row_counts[table.name] = self.row_counts.get(table.name, 0) + 1
        row = _Row(table, index, line, values)
        width = len(table.header)
        if len(values) != width:
            unnamed = beyond_header(values, width) if table.unnamed else None
            row.malformed("", unnamed or f"row has {len(values)} fields, the header has {width}")
        if table.nul_cells:
            for position in table.nul_cells.pop(line, ()):
                column = table.header[position] if position < width else f"column {position + 1}"
                row.nonstandard(column, nul_removed(column))
        if not row["sourcedId"]:
            self.findings.append(
                FileFinding(
                    "SOURCE_ROW_MALFORMED",
                    "file",
                    table.name,
                    "row has no sourcedId and cannot be read",
                    row.ref,
                )
            )
            return None
        return row, _status(row, mode)


def _manifest_problem(key: str, value: str) -> str | None:
    """Why a manifest row is ignored: a property the spec does not name, or a file mode that
    is not one; the reader then goes by whether the file is there."""
    if key not in _MANIFEST_PROPERTIES:
        guess = difflib.get_close_matches(key, _MANIFEST_PROPERTIES, n=1, cutoff=0.6)
        hint = f"; did you mean {guess[0]!r}?" if guess else ""
        return f"unknown property {key!r} ignored{hint}"
    if key.startswith("file.") and value.lower() not in _FILE_MODES:
        return f"{key} is {value!r}, not bulk, delta or absent; read by whether the file is there"
    return None


def org_of(
    row: _Row,
    deleted: bool,
    org_ids: set[str],
    findings: list[FileFinding],
    parent_field: str,
    where: str,
) -> School:
    """An org (its raw row for the caller to set): a school, or another type of org.
    A parent not among `org_ids` is the school's own defect, or a file finding for another
    org; `parent_field` and `where` name the field and the file or endpoint as the source
    calls them."""
    org_type = _enum(row, "type", _ORG_TYPES)
    parent = row["parentSourcedId"]
    if parent and parent not in org_ids:
        message = (
            f"{parent_field} {parent!r} of {row['name'] or row['sourcedId']!r} is not in {where}"
        )
        if org_type == "school":
            row.issues.append(SourceIssue("SOURCE_REFERENCE_UNKNOWN", message, "parentSourcedId"))
        else:
            findings.append(
                FileFinding("SOURCE_REFERENCE_UNKNOWN", "file", where, message, row.ref)
            )
    return School(
        id=row["sourcedId"],
        name=row["name"],
        type=org_type or "organisation of no type",
        parent=parent,
        code=row["identifier"],
        deleted=deleted,
        issues=tuple(row.issues),
    )


def person_of(
    row: _Row,
    deleted: bool,
    placed: Callable[[], tuple[str, list[Placement]]],
    policy: Policy,
    where: str,
) -> Person:
    """A user row as a Person (its raw row for the caller to set). `placed` gives the role and
    placements, as the format carries them; `where` names the file or endpoint in the inactive
    reason."""
    enabled = row["enabledUser"].lower()
    if enabled not in ("", "true", "false"):
        row.malformed("enabledUser", f"enabledUser {row['enabledUser']!r} is not true/false")
    inactive = ""
    if deleted:
        inactive = f"status {row['status']!r} in {where}"
    elif enabled == "false":
        inactive = "enabledUser is false"
    role, placements = placed()
    civic_column, protected_column = policy.civic_no_field, policy.protected_identity_field
    return Person(
        # interned: each of a person's ten memberships names her by the same string object
        id=sys.intern(row["sourcedId"]),
        # names repeat (a district has a few thousand given names): one copy of each
        given_name=sys.intern(row["givenName"]),
        family_name=sys.intern(row["familyName"]),
        email=row["email"],
        role=role,
        placements=placements,
        civic_no=row[civic_column] if civic_column else "",
        protected_marking=row[protected_column] if protected_column else "",
        inactive_reason=inactive,
        login_ids=login_ids_of(row, policy),
        issues=tuple(row.issues),
        refers_to=tuple(i.strip() for i in row["agentSourcedIds"].split(",") if i.strip()),
    )


def login_ids_of(row: _Row, policy: Policy) -> tuple[str, ...]:
    """`username`, each `userIds` entry and `identifier`, once each, in that order; never the
    columns the policy names for the civic number or the marking, nor a personnummer.

    `userIds` is `{type:id},{type:id}` in CSV and a list of `{"type", "identifier"}` objects
    over REST (kept as its JSON text); the type is a label, the id is what a login uses."""
    withheld = (policy.civic_no_field, policy.protected_identity_field)
    username = "" if "username" in withheld else row["username"]
    user_ids = "" if "userIds" in withheld else row["userIds"]
    identifier = "" if "identifier" in withheld else row["identifier"]
    if not user_ids:  # nearly every row: no list to take apart
        return login_ids_without_civic_no((username, identifier))
    found = [username]
    if user_ids.startswith("["):
        try:
            entries = json.loads(user_ids)
        except ValueError:
            entries = []
        found += [str(e.get("identifier", "")).strip() for e in entries if isinstance(e, dict)]
    else:
        for part in user_ids.split(","):
            label, colon, value = part.strip("{} ").partition(":")
            found.append((value if colon else label).strip())
    found.append(identifier)
    return login_ids_without_civic_no(found)


def group_of(
    row: _Row,
    deleted: bool,
    terms: dict[str, tuple[date | None, date | None, str]],
    sessions: str,
    policy: Policy,
    check: Callable[[], None] = lambda: None,
) -> Group:
    """A class row as a Group (its raw row for the caller to set). `sessions` names where the
    terms come from; `check` adds the format's own reference checks before the issues are
    taken."""
    class_type = _enum(row, "classType", set(_CLASS_TYPES))
    start, end, school_year = term_dates(row, terms, sessions)
    check()
    flag_column = policy.group_export_flag
    return Group(
        id=sys.intern(row["sourcedId"]),
        name=row["title"],
        type=_CLASS_TYPES.get(class_type, class_type),
        school_id=row["schoolSourcedId"],
        start=start,
        end=end,
        school_year=school_year,
        export_flag=row[flag_column] if flag_column else None,
        deleted=deleted,
        issues=tuple(row.issues),
    )


def term_dates(
    row: _Row, terms: dict[str, tuple[date | None, date | None, str]], sessions: str
) -> tuple[date | None, date | None, str]:
    """Earliest start and latest end over the class's terms, and their school year; an
    unknown term is reported as not in `sessions` (the file or the endpoint)."""
    starts: list[date] = []
    ends: list[date] = []
    years: list[str] = []
    for term_id in _split(row["termSourcedIds"]):
        if term_id not in terms:
            row.issues.append(
                SourceIssue(
                    "SOURCE_REFERENCE_UNKNOWN",
                    f"term {term_id!r} is not in {sessions}",
                    "termSourcedIds",
                )
            )
            continue
        start, end, year = terms[term_id]
        starts += [start] if start else []
        ends += [end] if end else []
        years += [year] if year else []
    return (min(starts, default=None), max(ends, default=None), max(years, default=""))


def _membership(row: _Row, deleted: bool, raw: RawRow | None = None) -> Membership:
    """`raw` when the caller has the row as sent already (a REST record's own fields)."""
    return Membership(
        id=row["sourcedId"],
        person_id=row["userSourcedId"],
        group_id=row["classSourcedId"],
        role=_membership_role(row["role"]),
        start=row.date("beginDate"),
        end=row.date("endDate", exclusive=True),
        deleted=deleted,
        raw=raw or row.raw(),
        issues=tuple(row.issues),
    )


def _membership_role(value: str) -> str:
    """OneRoster's role words mapped to ours; users.csv, roles.csv and enrollments share them."""
    lowered = value.strip().lower()
    return _USER_ROLES.get(lowered, lowered)


_ROLE_WORDS = {word: role for word, role in _USER_ROLES.items() if word.islower()}
_BAD = object()  # a date the fast path cannot read: the row takes the careful path


class _DateCache:
    """Dates repeat across a million enrollments: parse each distinct string once."""

    def __init__(self) -> None:
        self.starts: dict[str, object] = {"": None}
        self.ends: dict[str, object] = {"": None}

    def inclusive(self, text: str) -> object:
        try:
            return self.starts[text]
        except KeyError:
            self.starts[text] = value = _strict_date(text)
            return value

    def exclusive(self, text: str) -> object:
        try:
            return self.ends[text]
        except KeyError:
            value = _strict_date(text)
            self.ends[text] = value = (
                value - timedelta(days=1) if isinstance(value, date) else value
            )
            return value


def _strict_date(text: str) -> object:
    if len(text) != 10:
        return _BAD
    try:
        return date.fromisoformat(text)
    except ValueError:
        return _BAD


def _picker(header: tuple[str, ...], columns: tuple[str, ...]):
    """Pull many columns at once; a column the file lacks reads as the empty string."""
    positions = [header.index(c) if c in header else None for c in columns]
    if all(p is not None for p in positions):
        return itemgetter(*positions)
    return lambda values: tuple("" if p is None else values[p] for p in positions)


def _status(row: _Row, mode: str) -> bool:
    """Whether the row is marked deleted; flags what breaks the spec along the way."""
    status, modified = row["status"], row["dateLastModified"]
    if mode == "bulk" and (status or modified):
        row.nonstandard("status", "status/dateLastModified should be blank in a bulk file")
    if modified:
        try:
            datetime.fromisoformat(modified.replace("Z", "+00:00"))
            if len(modified) == 10:
                row.nonstandard(
                    "dateLastModified",
                    f"dateLastModified {modified!r} is a date; the spec wants a date-time",
                )
        except ValueError:  # nothing rostertui decides reads it: a warning, never a skip
            row.nonstandard(
                "dateLastModified",
                f"dateLastModified {modified!r} is not a date-time (YYYY-MM-DDThh:mm:ssZ); "
                "not used by the import, so the record is read",
            )
    lowered = status.lower()
    if lowered == "inactive":
        row.nonstandard("status", "status 'inactive' is OneRoster 1.0; read as 'tobedeleted'")
        return True
    if lowered not in ("", "active", "tobedeleted"):
        row.malformed("status", f"status {status!r} is not active or tobedeleted")
        return False
    if lowered != status:
        row.nonstandard("status", f"status {status!r} should be lower case")
    return lowered == "tobedeleted"


def _enum(row: _Row, column: str, allowed: set[str]) -> str:
    """The value lower-cased; wrong case warns, a value outside the list is malformed."""
    value = row[column]
    lowered = value.lower()
    if value in allowed:
        return value
    if lowered in allowed:
        row.nonstandard(column, f"{column} {value!r} should be {lowered!r} (wrong case)")
    else:
        row.malformed(column, f"{column} {value!r} is not one of {', '.join(sorted(allowed))}")
    return lowered


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
