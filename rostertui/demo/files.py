"""The bundle's files: OneRoster 1.1 headers and manifest, the demo policy, and the CSV sinks.

Why a module of its own: a night's bundle is written two ways, streamed straight to the files
(`write_demo_bundle`) or kept in memory and written night by night (`write_demo_month`). Both go
through the csv writer's API, so the sinks that make that work (`Table`, `Viewed`, `Tables`) sit
here with the formats they write.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rostertui.domain.policy import parse_policy

DOMAIN = "edu.sjostad.se"
DISTRICT_ID = "dist-sjostad"
DISTRICT_NAME = "Sjöstads kommun"

_HEADER_LINES = {
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "academicSessions.csv": (
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear"
    ),
    "classes.csv": (
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
        "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods,metadata.tillLMS"
    ),
    "users.csv": (
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
        "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
        "password,metadata.civicNo,metadata.securityMarking"
    ),
    "enrollments.csv": (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
        "primary,beginDate,endDate"
    ),
}
HEADERS: dict[str, tuple[str, ...]] = {
    name: tuple(line.split(",")) for name, line in _HEADER_LINES.items()
}
"""OneRoster 1.1 headers in spec order, our extension columns to the right."""

MANIFEST: tuple[tuple[str, str], ...] = (
    ("manifest.version", "1.0"),
    ("oneroster.version", "1.1"),
    ("file.academicSessions", "bulk"),
    ("file.categories", "absent"),
    ("file.classes", "bulk"),
    ("file.classResources", "absent"),
    ("file.courses", "absent"),
    ("file.courseResources", "absent"),
    ("file.demographics", "absent"),
    ("file.enrollments", "bulk"),
    ("file.lineItems", "absent"),
    ("file.orgs", "bulk"),
    ("file.resources", "absent"),
    ("file.results", "absent"),
    ("file.users", "bulk"),
    ("source.systemName", "Sjöstads elevregister (demo)"),
    ("source.systemCode", "sjostad-demo"),
)

POLICY_TOML = """\
# Policy for the Sjöstad demo: e-mail required, pupils need a class, teachers need a group.
require_email = true
email_domains = ["edu.sjostad.se"]
student_requires_class = true
teacher_requires_group = true
group_export_flag = "metadata.tillLMS"
protected_identity_field = "metadata.securityMarking"
civic_no_field = "metadata.civicNo"
class_name_pattern = '^(?!\\s*(åk|ak|year|grade|klass)?\\s*\\d{1,2}\\s*$)'
"""


POLICY = parse_policy(POLICY_TOML, "the demo policy")
"""The policy parsed, for the month's story and for which planted records a night still holds."""


@contextmanager
def csv_writer(path: Path, header: tuple[str, ...]) -> Iterator[Any]:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        yield writer


class Table(list):
    """A file's rows kept in memory for the month, written to through the csv writer's API."""

    def writerow(self, row: tuple[str, ...]) -> None:
        self.append(row)

    def writerows(self, rows: list[tuple[str, ...]]) -> None:
        self.extend(rows)


class Viewed:
    """A csv writer that shows every row through a view first, dropping what the view drops."""

    __slots__ = ("view", "writer")

    def __init__(self, writer: Any, view: Any) -> None:
        self.writer = writer
        self.view = view

    def writerow(self, row: tuple[str, ...]) -> None:
        shown = self.view(row)
        if shown is not None:
            self.writer.writerow(shown)

    def writerows(self, rows: list[tuple[str, ...]]) -> None:
        self.writer.writerows([shown for shown in map(self.view, rows) if shown is not None])


@dataclass(slots=True)
class Tables:
    """Where the generator writes each file's rows: csv writers, views of them, or `Table`s."""

    orgs: Any
    sessions: Any
    classes: Any
    users: Any
    enrolments: Any


def csv_text(header: tuple[str, ...], rows: list[tuple[str, ...]] | tuple) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def write_rows(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    with csv_writer(path, header) as writer:
        writer.writerows(rows)


MANIFEST_TEXT = csv_text(("propertyName", "value"), MANIFEST)
