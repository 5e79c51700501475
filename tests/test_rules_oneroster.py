"""Every rule OneRoster CSV can express, planted in a clean roster and read back as a user would.

Each test writes a bundle (tests/oneroster_builder.py), runs the real path — `rostertui.sync.sync`
into a real SQLite file — and asks the query layer what the console and the CLI would show: the
record's status, the code, the root cause (export columns and the record's chain) and, for
pending records, the day they appear. The expectations are DESIGN.md's, not the engine's.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from rostertui.domain.catalogue import RULES
from rostertui.store.answers import FindingDetail, RecordDetail
from rostertui.store.queries import Queries
from rostertui.sync import SyncResult, sync
from tests.oneroster_builder import (
    AS_OF,
    SPEC_HEADERS,
    Bundle,
    Version,
    clean_roster,
    enrollment,
    klass,
    org,
    session,
    user,
)
from tests.stored import db_bytes

# --- coverage bookkeeping ----------------------------------------------------------------------

NOT_EXPRESSIBLE: set[str] = set()
COVERED: set[str] = set()


def plants(*codes: str) -> Callable[[Callable], Callable]:
    """Declare the codes a test plants and asserts; the coverage test checks the union."""
    COVERED.update(codes)
    return lambda test: test


# --- running a night ---------------------------------------------------------------------------

FLAG = {"group_export_flag": "metadata.tillLMS"}
Root = tuple[str, str, str]
Edit = Callable[[Bundle], None]
DELETED_AT = "2026-11-21T22:00:00Z"
_SEVERITY_OF_STATUS = {
    "skipped": "error",
    "excluded": "exclude",
    "pending": "pending",
    "imported": "warning",
}
ALL_RECORDS = {
    ("school", "dist1"),  # not a school, but a record: the district Centralskolan belongs to
    ("school", "sch1"),
    ("person", "t1"),
    ("person", "p1"),
    ("person", "p2"),
    ("group", "9b"),
    ("group", "ma9b"),
    *(("membership", f"e{n}") for n in range(1, 7)),
}


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def policy_toml(policy: dict[str, object]) -> str:
    return "".join(f"{key} = {_toml_value(value)}\n" for key, value in policy.items())


@dataclass
class Night:
    """One sync's outcome, read back through the query layer."""

    result: SyncResult
    db_path: Path
    q: Queries

    @property
    def run_id(self) -> int:
        return self.result.run_id

    @property
    def state(self) -> str:
        return self.q.run(self.run_id).state

    def record(self, kind: str, key: str) -> RecordDetail:
        detail = self.q.record(self.run_id, kind, key)
        assert detail is not None, f"no {kind} {key!r} in run {self.run_id}"
        return detail

    def status(self, kind: str, key: str) -> str:
        return self.record(kind, key).row.status

    def codes(self, kind: str, key: str) -> list[str]:
        return [f.code for f in self.record(kind, key).findings]

    def export(self, **filters: str) -> list[dict[str, str]]:
        return list(self.q.export_rows(self.run_id, **filters))

    def export_row(self, kind: str, key: str, code: str) -> dict[str, str]:
        """The export row of the record's first finding with this code."""
        rows = [r for r in self.export(kind=kind, code=code) if r["key"] == key]
        assert rows, f"{kind} {key}: no export row for {code}"
        return rows[0]

    def keys(self, kind: str) -> set[str]:
        return {r.key for r in self.q.rows(self.run_id, kind=kind, limit=1000)}

    def not_imported(self) -> set[tuple[str, str]]:
        """Records (not run/file findings) that this night did not import."""
        return {
            (r["kind"], r["key"])
            for r in self.export()
            if r["kind"] not in ("run", "file") and r["status"] != "imported"
        }

    def run_findings(self) -> list[tuple[str, str, str]]:
        """(kind, key, code) of the run- and file-level findings."""
        return [(kind, key, code) for kind, key, code, _, _ in self.q.run_findings(self.run_id)]

    def warnings_only(self) -> bool:
        return all(r["severity"] in ("", "warning") for r in self.export())

    def expect(
        self,
        kind: str,
        key: str,
        code: str,
        *,
        status: str,
        severity: str | None = None,
        root: Root | None = None,
        appears_on: date | None = None,
    ) -> FindingDetail:
        """Assert what the record screen and the export say: status, code, root, appears_on."""
        detail = self.record(kind, key)
        codes = [f.code for f in detail.findings]
        assert detail.row.status == status, f"{kind} {key}: {detail.row.status} ({codes})"
        found = [f for f in detail.findings if f.code == code]
        assert found, f"{kind} {key}: {code} not among {codes}"
        finding = found[0]
        assert finding.severity == (severity or _SEVERITY_OF_STATUS[status]), finding
        row = self.export_row(kind, key, code)
        assert row["status"] == status
        assert (row["root_kind"], row["root_key"], row["root_code"]) == (root or ("", "", ""))
        last = finding.chain[-1] if finding.chain else None
        assert ((last.kind, last.key, last.code) if last else None) == root, finding.chain
        shown = appears_on.isoformat() if appears_on else ""
        assert row["appears_on"] == shown
        assert (detail.row.appears_on or "") == shown
        return finding


def chain_of(finding: FindingDetail) -> list[Root]:
    return [(step.kind, step.key, step.code) for step in finding.chain]


@pytest.fixture
def night(tmp_path: Path) -> Iterator[Callable[..., Night]]:
    """Sync a bundle (or any source) into tmp_path/r.db with a policy written as TOML."""
    opened: list[Queries] = []
    counter = itertools.count(1)

    def run(
        bundle: Bundle | None = None,
        *,
        source: str | None = None,
        policy_text: str | None = None,
        **policy: object,
    ) -> Night:
        number = next(counter)
        if source is None:
            assert bundle is not None
            source = str(bundle.write(tmp_path / f"bundle{number}"))
        policy_path = tmp_path / f"policy{number}.toml"
        text = policy_text if policy_text is not None else policy_toml(policy)
        policy_path.write_text(text, encoding="utf-8")
        db_path = tmp_path / "r.db"
        result = sync(db_path, source, policy_path=policy_path, as_of=AS_OF)
        queries = Queries.open(db_path)
        opened.append(queries)
        return Night(result, db_path, queries)

    yield run
    for queries in opened:
        queries.close()


# --- edits -------------------------------------------------------------------------------------


def edit(file: str, key: str, /, **values: str) -> Edit:
    """Set columns of one row (metadata columns via **{"metadata.x": …})."""
    return lambda bundle: bundle.row(file, key).update(values)


def delete(file: str, key: str) -> Edit:
    """Mark a row tobedeleted the way the spec allows it: in a delta file, with a timestamp."""

    def apply(bundle: Bundle) -> None:
        bundle.row(file, key).update(status="tobedeleted", dateLastModified=DELETED_AT)
        bundle.modes[file] = "delta"

    return apply


def steps(*edits: Edit) -> Edit:
    def apply(bundle: Bundle) -> None:
        for one in edits:
            one(bundle)

    return apply


def planted(*edits: Edit, version: Version = "1.1") -> Bundle:
    bundle = clean_roster(version)
    steps(*edits)(bundle)
    return bundle


def add_org(sourced_id: str, name: str, kind: str = "school") -> Edit:
    def apply(bundle: Bundle) -> None:
        bundle.add("orgs", org(sourced_id, name, kind))

    return apply


def duplicate(file: str, key: str, /, **changes: str) -> Edit:
    """Append a second row with the same sourcedId."""

    def apply(bundle: Bundle) -> None:
        bundle.copy_row(file, key, **changes)

    return apply


def add_norrskolan(bundle: Bundle) -> None:
    """A second school with its own class 7A, teacher t2 and pupil p3."""
    bundle.add("orgs", org("sch2", "Norrskolan"))
    bundle.add("classes", klass("7a", "7A", "homeroom", school="sch2"))
    bundle.add("users", user("t2", "teacher", "Lars", "Ek", "lars.ek@skola.se", orgs="sch2"))
    bundle.add("users", user("p3", "student", "Per", "Holm", "per.holm@skola.se", orgs="sch2"))
    bundle.add("enrollments", enrollment("e7", "t2", "7a", "teacher", school="sch2"))
    bundle.add("enrollments", enrollment("e8", "p3", "7a", school="sch2"))


# --- the clean roster --------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("policy", [{}, FLAG], ids=["default", "export-flag"])
def test_clean_roster_imports_every_record_without_findings(night, version, policy):
    n = night(clean_roster(version), **policy)
    assert n.result.state == "good" and n.state == "good"
    rows = n.export()
    assert {(r["kind"], r["key"]) for r in rows} == ALL_RECORDS
    assert {r["status"] for r in rows} == {"imported"}
    assert {r["change"] for r in rows} == {"created"}
    assert [r for r in rows if r["code"]] == []
    assert n.run_findings() == []
    anna = n.record("person", "p1").row
    assert (anna.name, anna.email, anna.school) == (
        "Anna Svensson",
        "anna.svensson@skola.se",
        "Centralskolan",
    )
    assert n.export_row("membership", "e3", "")["group"] == "9B"


# --- source: run and file level ----------------------------------------------------------------


def _missing_folder(bundle: Bundle, tmp: Path) -> str:
    return str(tmp / "no-such-bundle")


def _not_a_roster(bundle: Bundle, tmp: Path) -> str:
    folder = tmp / "notes"
    folder.mkdir()
    (folder / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return str(folder)


def _without_enrollments(bundle: Bundle, tmp: Path) -> str:
    bundle.enrollments = None
    return str(bundle.write(tmp / "no-enrollments"))


def _users_without_rows(bundle: Bundle, tmp: Path) -> str:
    bundle.users = []
    return str(bundle.write(tmp / "no-users"))


@plants("SOURCE_UNREADABLE")
@pytest.mark.parametrize(
    "make_source",
    [_missing_folder, _not_a_roster, _without_enrollments],
    ids=["missing-folder", "not-a-roster", "required-file-missing"],
)
def test_source_unreadable_fails_the_run_and_keeps_the_last_good_one(night, tmp_path, make_source):
    good = night(clean_roster())
    bad = night(source=make_source(clean_roster(), tmp_path))
    assert bad.result.state == "failed" and bad.state == "failed"
    assert bad.result.error
    assert "SOURCE_UNREADABLE" in {code for _, _, code in bad.run_findings()}
    assert bad.q.latest_run().id == bad.run_id
    assert bad.q.latest_good_run_id() == good.run_id
    assert bad.q.run_with_records().id == good.run_id


@plants("SOURCE_FILE_EMPTY", "MASS_REMOVAL_HELD")
def test_users_without_rows_after_a_good_night_holds_the_run(night, tmp_path):
    """A truncated export would remove everyone: the night is held, the last good run stays."""
    good = night(clean_roster())
    held = night(source=_users_without_rows(clean_roster(), tmp_path))
    assert held.result.state == "held" and held.state == "held"
    assert "would remove 3 of the 3 users" in (held.result.error or "")
    codes = {code for _, _, code in held.run_findings()}
    assert {"SOURCE_FILE_EMPTY", "MASS_REMOVAL_HELD"} <= codes
    assert held.q.latest_good_run_id() == good.run_id
    assert held.q.run_with_records().id == held.run_id  # why/export still read the held night


def _reissued(bundle: Bundle) -> Bundle:
    """Anna comes back under a new id, with her e-mail, civic number and memberships."""
    anna = bundle.row("users", "p1")
    anna["sourcedId"] = "p1-new"
    anna["metadata.civicNo"] = "20110504-2384"
    for row in bundle.table("enrollments"):
        if row["userSourcedId"] == "p1":
            row["userSourcedId"] = "p1-new"
    return bundle


@plants("PERSON_ID_CHANGED")
def test_reissued_id_is_flagged_and_the_old_one_removed(night):
    policy = {"civic_no_field": "metadata.civicNo", "mass_removal_threshold": 1.0}
    first = clean_roster()
    first.row("users", "p1")["metadata.civicNo"] = "20110504-2384"
    night(first, **policy)
    second = night(_reissued(clean_roster()), **policy)
    new = second.export_row("person", "p1-new", "PERSON_ID_CHANGED")
    assert (new["status"], new["change"], new["severity"]) == ("imported", "created", "warning")
    assert "same e-mail as 'p1'" in new["message"]
    old = second.record("person", "p1")
    assert (old.row.status, old.row.change) == ("absent", "removed")


@pytest.mark.parametrize("use_civic_no", [True, False])
def test_reissued_id_matched_by_personnummer_only_with_use_civic_no(night, use_civic_no):
    policy = {"civic_no_field": "metadata.civicNo", "mass_removal_threshold": 1.0}
    first = clean_roster()
    first.row("users", "p1")["metadata.civicNo"] = "20110504-2384"
    night(first, **policy)
    changed = _reissued(clean_roster())
    changed.row("users", "p1-new")["email"] = "anna.s@skola.se"
    second = night(changed, use_civic_no=use_civic_no, **policy)
    codes = second.codes("person", "p1-new")
    assert ("PERSON_ID_CHANGED" in codes) is use_civic_no
    if use_civic_no:
        message = second.export_row("person", "p1-new", "PERSON_ID_CHANGED")["message"]
        assert "same personnummer as 'p1'" in message
        assert "2384" not in message


def _misspelled_given_name(bundle: Bundle) -> None:
    header = ["givenNme" if c == "givenName" else c for c in _spec(bundle, "users")]
    bundle.headers["users"] = header


def _duplicated_org_name(bundle: Bundle) -> None:
    bundle.headers["orgs"] = [*_spec(bundle, "orgs"), "name"]


def _classes_without_class_type(bundle: Bundle) -> None:
    bundle.headers["classes"] = [c for c in _spec(bundle, "classes") if c != "classType"]


def _roles_misspelled(bundle: Bundle) -> None:
    header = ["userSourceId" if c == "userSourcedId" else c for c in _spec(bundle, "roles")]
    bundle.headers["roles"] = header


def _flag_column_missing(bundle: Bundle) -> None:
    for row in bundle.table("classes"):
        del row["metadata.tillLMS"]


def _spec(bundle: Bundle, name: str) -> list[str]:
    return list(SPEC_HEADERS[bundle.version][name])


@plants("SOURCE_HEADER_INVALID")
@pytest.mark.parametrize(
    ("version", "break_header", "policy", "file", "says"),
    [
        ("1.1", _misspelled_given_name, {}, "users.csv", "did you mean 'givenName'"),
        ("1.1", _duplicated_org_name, {}, "orgs.csv", "appears twice"),
        ("1.1", _classes_without_class_type, {}, "classes.csv", "'classType'"),
        ("1.2", _roles_misspelled, {}, "roles.csv", "did you mean 'userSourcedId'"),
        ("1.1", _flag_column_missing, FLAG, "classes.csv", "metadata.tillLMS"),
    ],
    ids=["users-misspelled", "orgs-duplicated", "classes-missing", "roles-1.2", "flag-column"],
)
def test_required_file_with_invalid_header_fails_the_run(
    night, version, break_header, policy, file, says
):
    n = night(planted(break_header, version=version), **policy)
    assert n.result.state == "failed" and n.state == "failed"
    assert says in (n.result.error or "")
    assert ("file", file, "SOURCE_HEADER_INVALID") in n.run_findings()


@plants("SOURCE_HEADER_INVALID", "SOURCE_REFERENCE_UNKNOWN")
@pytest.mark.parametrize("file", ["courses", "academicSessions", "demographics"])
def test_optional_file_with_invalid_header_is_skipped_with_a_warning(night, file):
    bundle = clean_roster()
    if file == "demographics":
        bundle.demographics = [{"sourcedId": "p1", "birthDate": "2011-05-04", "sex": "female"}]
    header = _spec(bundle, file)
    bundle.headers[file] = ["sourceId" if c == "sourcedId" else c for c in header]
    n = night(bundle)
    assert n.result.state == "good"
    findings = [r for r in n.export(kind="file") if r["code"] == "SOURCE_HEADER_INVALID"]
    assert [(r["key"], r["severity"]) for r in findings] == [(f"{file}.csv", "warning")]
    assert "skipped" in findings[0]["message"]
    assert n.not_imported() == set()
    if file == "courses":  # the classes' course can no longer be resolved: a warning only
        for key in ("9b", "ma9b"):
            n.expect("group", key, "SOURCE_REFERENCE_UNKNOWN", status="imported")


@plants("SOURCE_ENCODING")
def test_cp1252_users_file_is_decoded_with_a_warning(night):
    bundle = planted(
        edit("users", "p1", givenName="Åsa", familyName="Öberg", email="asa.oberg@skola.se")
    )
    bundle.encodings["users"] = "cp1252"
    n = night(bundle)
    assert n.result.state == "good"
    assert ("file", "users.csv", "SOURCE_ENCODING") in n.run_findings()
    [row] = [r for r in n.export(kind="file") if r["code"] == "SOURCE_ENCODING"]
    assert row["severity"] == "warning"
    asa = n.record("person", "p1")
    assert (asa.row.name, asa.row.status) == ("Åsa Öberg", "imported")
    assert asa.fields["family_name"] == "Öberg"
    assert n.not_imported() == set()


def raw_enrollment(key: str, line: str) -> Edit:
    """Replace an enrollment by a hand-written line (a wrong field count …)."""

    def apply(bundle: Bundle) -> None:
        bundle.drop("enrollments", key)
        bundle.extra_lines.setdefault("enrollments", []).append(line)

    return apply


MALFORMED = [
    # (edit, kind, key, the records it keeps out: itself and what depends on it)
    pytest.param(edit("enrollments", "e4", beginDate="2026-02-30"), "membership", "e4",
                 {"e4"}, id="impossible-date"),
    pytest.param(raw_enrollment("e6", "e6,,,ma9b,sch1,p2,student,false,2026-08-17,,EXTRA"),
                 "membership", "e6", {"e6"}, id="too-many-fields"),
    pytest.param(raw_enrollment("e6", "e6,,,ma9b,sch1,p2"), "membership", "e6",
                 {"e6"}, id="too-few-fields"),
    pytest.param(edit("users", "p2", enabledUser="yes"), "person", "p2",
                 {"p2", "e5", "e6"}, id="enabledUser-yes"),
    pytest.param(edit("classes", "ma9b", classType="lecture"), "group", "ma9b",
                 {"ma9b", "e2", "e4", "e6"}, id="classType-lecture"),
]  # fmt: skip


@plants("SOURCE_ROW_MALFORMED", "MEMBERSHIP_GROUP_NOT_IMPORTED", "MEMBERSHIP_PERSON_NOT_IMPORTED")
@pytest.mark.parametrize(("fault", "kind", "key", "affected"), MALFORMED)
def test_malformed_row_with_an_id_skips_that_record(night, fault, kind, key, affected):
    n = night(planted(fault))
    assert n.result.state == "good"
    n.expect(kind, key, "SOURCE_ROW_MALFORMED", status="skipped")
    assert {key for _, key in n.not_imported()} == affected
    cascade = {"person": "MEMBERSHIP_PERSON_NOT_IMPORTED", "group": "MEMBERSHIP_GROUP_NOT_IMPORTED"}
    for membership in affected - {key} if kind in cascade else ():
        n.expect(
            "membership",
            membership,
            cascade[kind],
            status="skipped",
            root=(kind, key, "SOURCE_ROW_MALFORMED"),
        )


@plants("SOURCE_ROW_MALFORMED")
def test_malformed_row_without_an_id_is_a_file_finding(night):
    bundle = clean_roster()
    bundle.extra_lines["enrollments"] = [",,,ma9b,sch1,p2,student,false,2026-08-17,"]
    n = night(bundle)
    assert n.result.state == "good"
    rows = [r for r in n.export(kind="file") if r["code"] == "SOURCE_ROW_MALFORMED"]
    assert [(r["key"], r["severity"]) for r in rows] == [("enrollments.csv", "error")]
    assert rows[0]["source_ref"] == "enrollments.csv:8"
    assert n.not_imported() == set()


# --- schools -----------------------------------------------------------------------------------

SCHOOL_FAULTS = [
    # (edit, policy, the school's status, the school's code, what its people get)
    pytest.param(delete("orgs", "sch1"), {},
                 "excluded", "SCHOOL_INACTIVE", "PERSON_SCHOOL_NOT_IMPORTED", id="tobedeleted"),
    pytest.param(steps(), {"schools": ["Norrskolan"]}, "excluded",
                 "SCHOOL_NOT_IN_SCOPE", "PERSON_SCHOOL_NOT_IN_SCOPE", id="not-in-scope"),
    pytest.param(edit("orgs", "sch1", status="closed"), {},
                 "skipped", "SOURCE_ROW_MALFORMED", "PERSON_SCHOOL_NOT_IMPORTED", id="malformed"),
]  # fmt: skip


@plants(
    "SCHOOL_INACTIVE",
    "SCHOOL_NOT_IN_SCOPE",
    "GROUP_SCHOOL_NOT_IMPORTED",
    "PERSON_SCHOOL_NOT_IMPORTED",
    "PERSON_SCHOOL_NOT_IN_SCOPE",
    "MEMBERSHIP_GROUP_NOT_IMPORTED",
    "MEMBERSHIP_PERSON_NOT_IMPORTED",
)
@pytest.mark.parametrize(("fault", "policy", "status", "code", "person_code"), SCHOOL_FAULTS)
def test_school_not_imported_cascades_with_the_school_as_root(
    night, fault, policy, status, code, person_code
):
    n = night(planted(fault), **policy)
    school = ("school", "sch1", code)
    n.expect("school", "sch1", code, status=status)
    for group in ("9b", "ma9b"):
        finding = n.expect("group", group, "GROUP_SCHOOL_NOT_IMPORTED", status=status, root=school)
        assert chain_of(finding) == [school]
    for person in ("t1", "p1", "p2"):
        n.expect("person", person, person_code, status=status, root=school)
    for membership in ("e1", "e2", "e3", "e4", "e5", "e6"):
        for cascade in ("MEMBERSHIP_GROUP_NOT_IMPORTED", "MEMBERSHIP_PERSON_NOT_IMPORTED"):
            n.expect("membership", membership, cascade, status=status, root=school)
    via_group = next(
        f
        for f in n.record("membership", "e4").findings
        if f.code == "MEMBERSHIP_GROUP_NOT_IMPORTED"
    )
    assert chain_of(via_group) == [("group", "ma9b", "GROUP_SCHOOL_NOT_IMPORTED"), school]
    [cause] = n.q.root_causes(n.run_id, "MEMBERSHIP_GROUP_NOT_IMPORTED")
    assert (cause.kind, cause.key, cause.code, cause.name, cause.rows) == (
        *school,
        "Centralskolan",
        6,
    )


@plants("SCHOOL_NOT_IN_SCOPE", "PERSON_SCHOOL_NOT_IN_SCOPE", "GROUP_SCHOOL_NOT_IMPORTED")
@pytest.mark.parametrize("scope", [["sch1"], [" centralskolan "]], ids=["by-id", "by-name"])
def test_second_school_out_of_scope_leaves_the_first_untouched(night, scope):
    n = night(planted(add_norrskolan), schools=scope)
    root = ("school", "sch2", "SCHOOL_NOT_IN_SCOPE")
    n.expect("school", "sch2", "SCHOOL_NOT_IN_SCOPE", status="excluded")
    n.expect("group", "7a", "GROUP_SCHOOL_NOT_IMPORTED", status="excluded", root=root)
    for person in ("t2", "p3"):
        n.expect("person", person, "PERSON_SCHOOL_NOT_IN_SCOPE", status="excluded", root=root)
    assert n.not_imported() == {
        ("school", "sch2"),
        ("group", "7a"),
        ("person", "t2"),
        ("person", "p3"),
        ("membership", "e7"),
        ("membership", "e8"),
    }


@plants("PERSON_SCHOOL_NOT_IMPORTED")
def test_person_only_at_a_deleted_school_takes_its_status(night):
    n = night(planted(add_norrskolan, delete("orgs", "sch2")))
    root = ("school", "sch2", "SCHOOL_INACTIVE")
    n.expect("person", "p3", "PERSON_SCHOOL_NOT_IMPORTED", status="excluded", root=root)
    n.expect("membership", "e8", "MEMBERSHIP_PERSON_NOT_IMPORTED", status="excluded", root=root)
    assert n.status("person", "p1") == "imported"


@plants("SCHOOL_DUPLICATE_ID")
def test_duplicate_school_id_skips_the_second_row(night):
    bundle = clean_roster()
    bundle.copy_row("orgs", "sch1", name="Centralskolan (gamla)")
    n = night(bundle)
    finding = n.expect("school", "sch1#2", "SCHOOL_DUPLICATE_ID", status="skipped")
    first = n.record("school", "sch1").row
    assert first.source_ref == "orgs.csv:3" and first.source_ref in finding.message
    assert n.not_imported() == {("school", "sch1#2")}


# --- persons -----------------------------------------------------------------------------------

CIVIC = {"civic_no_field": "metadata.civicNo"}
PERSON_FAULTS = [
    # (edit of Anna (p1), policy, code, her status, severity)
    pytest.param(edit("users", "p1", givenName=""), {},
                 "PERSON_MISSING_GIVEN_NAME", "skipped", "error", id="no-given-name"),
    pytest.param(edit("users", "p1", familyName=""), {},
                 "PERSON_MISSING_FAMILY_NAME", "skipped", "error", id="no-family-name"),
    pytest.param(edit("users", "p1", email=""), {},
                 "PERSON_MISSING_EMAIL", "skipped", "error", id="no-email-required"),
    pytest.param(edit("users", "p1", email=""), {"require_email": False},
                 "PERSON_MISSING_EMAIL", "imported", "warning", id="no-email-optional"),
    pytest.param(edit("users", "p1", email="anna.svensson@skola"), {},
                 "PERSON_INVALID_EMAIL", "skipped", "error", id="email-no-tld"),
    pytest.param(edit("users", "p1", email="anna svensson@skola.se"), {},
                 "PERSON_INVALID_EMAIL", "skipped", "error", id="email-space"),
    pytest.param(edit("users", "p1", email="anna.svensson@gmail.com"),
                 {"email_domains": ["skola.se"]},
                 "PERSON_EMAIL_DOMAIN", "skipped", "error", id="email-domain"),
    pytest.param(edit("users", "p1", role="guardian"), {},
                 "PERSON_ROLE_NOT_IMPORTED", "excluded", "exclude", id="role-guardian"),
    pytest.param(edit("users", "p1", role="parent"), {},
                 "PERSON_ROLE_NOT_IMPORTED", "excluded", "exclude", id="role-parent"),
    pytest.param(edit("users", "p1", role="pupil"), {},
                 "PERSON_UNKNOWN_ROLE", "skipped", "error", id="role-pupil"),
    pytest.param(edit("users", "p1", enabledUser="false"), {},
                 "PERSON_INACTIVE", "excluded", "exclude", id="disabled"),
    pytest.param(delete("users", "p1"), {},
                 "PERSON_INACTIVE", "excluded", "exclude", id="tobedeleted"),
    pytest.param(edit("users", "p1", **{"metadata.civicNo": "20110230-2380"}), CIVIC,
                 "PERSON_INVALID_CIVIC_NO", "imported", "warning", id="civic-no-date"),
    pytest.param(edit("users", "p1", **{"metadata.civicNo": "20110504-2381"}), CIVIC,
                 "PERSON_INVALID_CIVIC_NO", "imported", "warning", id="civic-no-luhn"),
    pytest.param(edit("users", "p1", orgSourcedIds="sch9"), {},
                 "PERSON_NO_SCHOOL", "skipped", "error", id="unknown-org"),
    pytest.param(edit("users", "p1", orgSourcedIds=""), {},
                 "PERSON_NO_SCHOOL", "skipped", "error", id="no-org"),
]  # fmt: skip


@plants(
    "PERSON_MISSING_GIVEN_NAME",
    "PERSON_MISSING_FAMILY_NAME",
    "PERSON_MISSING_EMAIL",
    "PERSON_INVALID_EMAIL",
    "PERSON_EMAIL_DOMAIN",
    "PERSON_UNKNOWN_ROLE",
    "PERSON_ROLE_NOT_IMPORTED",
    "PERSON_INACTIVE",
    "PERSON_INVALID_CIVIC_NO",
    "PERSON_NO_SCHOOL",
    "MEMBERSHIP_PERSON_NOT_IMPORTED",
)
@pytest.mark.parametrize(("fault", "policy", "code", "status", "severity"), PERSON_FAULTS)
def test_person_fault_gives_anna_its_code_and_her_memberships_follow(
    night, fault, policy, code, status, severity
):
    n = night(planted(fault), **policy)
    n.expect("person", "p1", code, status=status, severity=severity)
    if status == "imported":
        assert n.not_imported() == set()
        return
    assert n.not_imported() == {("person", "p1"), ("membership", "e3"), ("membership", "e4")}
    for membership in ("e3", "e4"):
        finding = n.expect(
            "membership",
            membership,
            "MEMBERSHIP_PERSON_NOT_IMPORTED",
            status=status,
            root=("person", "p1", code),
        )
        assert chain_of(finding) == [("person", "p1", code)]


@pytest.mark.parametrize(
    ("fault", "policy"),
    [
        (edit("users", "p1", email="Anna.Svensson@SKOLA.se"), {"email_domains": ["@skola.se"]}),
        (
            edit("users", "p1", **{"metadata.civicNo": "20110504-2384"}),
            CIVIC,
        ),
        (edit("users", "p1", role="aide"), {}),
    ],
    ids=["domain-any-case", "valid-civic-no", "aide-is-staff"],
)
def test_person_controls_import_cleanly(night, fault, policy):
    n = night(planted(fault), **policy)
    assert n.codes("person", "p1") == []
    assert n.not_imported() == set()


def test_civic_number_is_searchable_but_never_stored_in_clear(night):
    n = night(
        planted(edit("users", "p1", **{"metadata.civicNo": "20110504-2384"})),
        civic_no_field="metadata.civicNo",
    )
    assert n.record("person", "p1").fields["civic_no"] == "20110504-****"
    assert [r.key for r in n.q.search(n.run_id, "201105042384")] == ["p1"]
    n.q.close()
    stored = db_bytes(n.db_path)
    leaked = [text for text in ("20110504-2384", "201105042384") if text.encode() in stored]
    assert leaked == [], "civic number stored in clear in the database file"


@plants("PERSON_DUPLICATE_ID")
def test_duplicate_person_id_skips_the_second_row(night):
    bundle = clean_roster()
    bundle.copy_row("users", "p1", givenName="Anna-Lena", email="anna-lena@skola.se")
    n = night(bundle)
    finding = n.expect("person", "p1#2", "PERSON_DUPLICATE_ID", status="skipped")
    first = n.record("person", "p1").row
    assert (first.name, first.status) == ("Anna Svensson", "imported")
    assert first.source_ref == "users.csv:3" and first.source_ref in finding.message
    assert n.not_imported() == {("person", "p1#2")}


@plants("PERSON_DUPLICATE_EMAIL")
def test_duplicate_email_skips_the_later_holder_and_names_the_first(night):
    n = night(planted(edit("users", "p2", email="ANNA.Svensson@skola.se")))
    finding = n.expect("person", "p2", "PERSON_DUPLICATE_EMAIL", status="skipped")
    assert "Anna Svensson" in finding.message and "p1" in finding.message
    assert n.codes("person", "p1") == []
    assert n.not_imported() == {("person", "p2"), ("membership", "e5"), ("membership", "e6")}


@pytest.mark.parametrize(
    ("holder", "policy", "code"),
    [
        ({"role": "guardian"}, {}, "PERSON_ROLE_NOT_IMPORTED"),
        ({"enabledUser": "false"}, {}, "PERSON_INACTIVE"),
        (
            {"metadata.securityMarking": "Skyddad folkbokföring"},
            {"protected_identity_field": "metadata.securityMarking"},
            "PERSON_PROTECTED_IDENTITY",
        ),
    ],
    ids=["guardian", "inactive", "protected"],
)
def test_a_holder_who_is_never_imported_does_not_take_the_email_from_a_pupil(
    night, holder, policy, code
):
    """A parent listed before the child, with the child's address: the child is imported."""
    bundle = clean_roster()
    parent = user("g1", "student", "Maria", "Svensson", "anna.svensson@skola.se")
    bundle.table("users").insert(0, {**parent, **holder})
    n = night(bundle, **policy)
    assert n.status("person", "p1") == "imported"
    assert "PERSON_DUPLICATE_EMAIL" not in n.codes("person", "p1")
    assert not {key for kind, key in n.not_imported() if kind == "membership"}
    assert code in {r["code"] for r in n.export() if r["kind"] == "person"}


@plants("PERSON_PROTECTED_IDENTITY")
@pytest.mark.parametrize("marking", ["Skyddad folkbokföring", "Sekretessmarkering", "Okänd"])
def test_protected_identity_is_withheld_everywhere(night, marking):
    bundle = planted(edit("users", "p1", **{"metadata.securityMarking": marking}))
    n = night(bundle, protected_identity_field="metadata.securityMarking")
    assert n.result.state == "good"
    persons = n.keys("person")
    [hidden] = persons - {"t1", "p2"}
    assert re.fullmatch(r"protected:[0-9a-f]{12}", hidden), hidden
    assert "p1" not in persons
    detail = n.record("person", hidden)
    assert detail.withheld and detail.raw is None and detail.fields == {}
    assert (detail.row.name, detail.row.email) == ("", "")
    n.expect("person", hidden, "PERSON_PROTECTED_IDENTITY", status="excluded")
    # her memberships are neither stored nor exported: they would reveal her groups
    assert n.keys("membership") == {"e1", "e2", "e5", "e6"}
    exported = n.export()
    assert {r["key"] for r in exported if r["kind"] == "membership"} == {"e1", "e2", "e5", "e6"}
    assert not any("Svensson" in r["name"] or "anna" in r["email"] for r in exported)
    assert n.q.search(n.run_id, "Svensson") == []
    # group counts leave her out, and everyone else is untouched
    assert n.not_imported() == {("person", hidden)}
    n.q.close()
    stored = db_bytes(n.db_path).lower()
    secrets = ("svensson", "anna.svensson@skola.se", marking.lower())
    leaked = [secret for secret in secrets if secret.encode() in stored]
    assert leaked == [], "protected person's details stored in the database file"


@pytest.mark.parametrize("marking", ["", "Ingen", "INGEN"])
def test_no_marking_is_not_protected(night, marking):
    bundle = planted(edit("users", "p1", **{"metadata.securityMarking": marking}))
    n = night(bundle, protected_identity_field="metadata.securityMarking")
    assert n.codes("person", "p1") == []
    assert n.not_imported() == set()


# --- placements: enrolments and duties (OneRoster 1.2 roles.csv) ------------------------------

PLACEMENTS = [
    # (user, role columns, policy, status, code, appears_on)
    pytest.param(
        "p1", {"endDate": "2026-11-22"}, {}, "excluded", "STUDENT_NO_ACTIVE_ENROLMENT", None,
        id="student-ended-yesterday-exclusive-end",
    ),
    pytest.param(
        "p1", {"endDate": "2026-11-23"}, {}, "imported", None, None,
        id="student-last-day-today",
    ),
    pytest.param(
        "p1", {"beginDate": "2026-11-23"}, {}, "pending", "STUDENT_ENROLMENT_NOT_STARTED",
        date(2026, 11, 23), id="student-starts-tomorrow",
    ),
    pytest.param(
        "p1", {"beginDate": "2027-01-11"}, {}, "pending", "STUDENT_ENROLMENT_NOT_STARTED",
        date(2027, 1, 2), id="student-spring-term-window",
    ),
    pytest.param(
        "p1", {"beginDate": "2027-02-15"}, {}, "pending", "STUDENT_ENROLMENT_NOT_STARTED",
        date(2027, 1, 16), id="student-read-30-days-ahead-inside-window",
    ),
    pytest.param(
        "p1", {"beginDate": "2026-11-25"}, {"lookahead_days": 3}, "imported", None, None,
        id="student-within-lookahead",
    ),
    pytest.param(
        "p1", {"beginDate": "2026-11-30"}, {"lookahead_days": 3}, "pending",
        "STUDENT_ENROLMENT_NOT_STARTED", date(2026, 11, 27), id="student-beyond-lookahead",
    ),
    pytest.param(
        "t1", {"endDate": "2026-10-01"}, {}, "excluded", "STAFF_NO_ACTIVE_DUTY", None,
        id="teacher-ended",
    ),
    pytest.param(
        "t1", {"beginDate": "2026-12-01"}, {}, "pending", "STAFF_DUTY_NOT_STARTED",
        date(2026, 12, 1), id="teacher-starts-in-december",
    ),
    pytest.param(
        "t1", {"beginDate": "2027-08-10"}, {}, "pending", "STAFF_DUTY_NOT_STARTED",
        date(2027, 8, 1), id="teacher-autumn-window-opens",
    ),
    pytest.param(
        "t1", {"beginDate": "2027-09-15"}, {}, "pending", "STAFF_DUTY_NOT_STARTED",
        date(2027, 8, 16), id="teacher-read-30-days-ahead-in-august",
    ),
]  # fmt: skip


@plants(
    "STUDENT_NO_ACTIVE_ENROLMENT",
    "STUDENT_ENROLMENT_NOT_STARTED",
    "STAFF_NO_ACTIVE_DUTY",
    "STAFF_DUTY_NOT_STARTED",
    "MEMBERSHIP_PERSON_NOT_IMPORTED",
    "GROUP_NO_TEACHER",
)
@pytest.mark.parametrize(("person", "dates", "policy", "status", "code", "appears"), PLACEMENTS)
def test_enrolment_and_duty_dates_from_roles_csv(
    night, person, dates, policy, status, code, appears
):
    bundle = clean_roster("1.2")
    bundle.placement(person).update(dates)
    n = night(bundle, **policy)
    if code is None:
        assert n.codes("person", person) == []
        assert n.not_imported() == set()
        return
    n.expect("person", person, code, status=status, appears_on=appears)
    memberships = ("e1", "e2") if person == "t1" else ("e3", "e4")
    for membership in memberships:
        n.expect(
            "membership",
            membership,
            "MEMBERSHIP_PERSON_NOT_IMPORTED",
            status=status,
            root=("person", person, code),
            appears_on=appears,
        )
    if person == "t1":  # the groups lose their only teacher: a warning on each
        for group in ("9b", "ma9b"):
            n.expect("group", group, "GROUP_NO_TEACHER", status="imported")


# --- class and group requirements -------------------------------------------------------------


@plants(
    "STUDENT_NO_CLASS",
    "GROUP_NOT_EXPORTED",
    "MEMBERSHIP_PERSON_NOT_IMPORTED",
    "MEMBERSHIP_GROUP_NOT_IMPORTED",
)
def test_class_not_exported_skips_its_pupils_with_the_class_as_root(night):
    bundle = planted(edit("classes", "9b", **{"metadata.tillLMS": "Nej"}))
    n = night(bundle, student_requires_class=True, **FLAG)
    not_exported = ("group", "9b", "GROUP_NOT_EXPORTED")
    n.expect("group", "9b", "GROUP_NOT_EXPORTED", status="excluded")
    anna = n.expect("person", "p1", "STUDENT_NO_CLASS", status="skipped", root=not_exported)
    assert chain_of(anna) == [not_exported]
    # her other membership: skipped because she is, but the root to fix is 9B's flag
    other = n.expect(
        "membership",
        "e4",
        "MEMBERSHIP_PERSON_NOT_IMPORTED",
        status="skipped",
        root=not_exported,
    )
    assert chain_of(other) == [("person", "p1", "STUDENT_NO_CLASS"), not_exported]
    # her 9B membership is left out on purpose (the group), which beats the fault
    n.expect(
        "membership", "e3", "MEMBERSHIP_GROUP_NOT_IMPORTED", status="excluded", root=not_exported
    )
    n.expect(
        "membership",
        "e3",
        "MEMBERSHIP_PERSON_NOT_IMPORTED",
        status="excluded",
        severity="error",
        root=not_exported,
    )
    assert n.status("person", "t1") == "imported"
    [cause] = n.q.root_causes(n.run_id, "MEMBERSHIP_PERSON_NOT_IMPORTED")
    assert (cause.kind, cause.key, cause.code, cause.name, cause.rows) == (*not_exported, "9B", 4)


@plants("STUDENT_NO_CLASS")
def test_student_whose_class_is_not_exported_is_warned_by_default(night):
    bundle = planted(edit("classes", "9b", **{"metadata.tillLMS": ""}))
    n = night(bundle, **FLAG)
    root = ("group", "9b", "GROUP_NOT_EXPORTED")
    n.expect("person", "p1", "STUDENT_NO_CLASS", status="imported", root=root)
    assert n.status("membership", "e4") == "imported"


@plants("STUDENT_NO_CLASS")
def test_student_with_no_class_membership_at_all(night):
    n = night(planted(lambda b: b.drop("enrollments", "e3")), student_requires_class=True)
    n.expect("person", "p1", "STUDENT_NO_CLASS", status="skipped")
    assert n.status("membership", "e4") == "skipped"


@plants("TEACHER_NO_GROUP", "GROUP_NO_TEACHER")
@pytest.mark.parametrize(("required", "status"), [(True, "skipped"), (False, "imported")])
def test_teacher_without_groups(night, required, status):
    bundle = planted(lambda b: b.drop("enrollments", "e1", "e2"))
    n = night(bundle, teacher_requires_group=required)
    n.expect("person", "t1", "TEACHER_NO_GROUP", status=status)
    for group in ("9b", "ma9b"):
        n.expect("group", group, "GROUP_NO_TEACHER", status="imported")
        assert "GROUP_NO_MEMBERS" not in n.codes("group", group)


# --- groups ------------------------------------------------------------------------------------


@plants("GROUP_DUPLICATE_ID")
def test_duplicate_group_id_skips_the_second_row(night):
    bundle = clean_roster()
    bundle.copy_row("classes", "ma9b", title="Ma 9B (kopia)")
    n = night(bundle)
    finding = n.expect("group", "ma9b#2", "GROUP_DUPLICATE_ID", status="skipped")
    first = n.record("group", "ma9b").row
    assert (first.name, first.status) == ("Ma 9B", "imported")
    assert first.source_ref == "classes.csv:3" and first.source_ref in finding.message
    assert n.not_imported() == {("group", "ma9b#2")}


@plants("GROUP_UNKNOWN_SCHOOL", "MEMBERSHIP_GROUP_NOT_IMPORTED")
@pytest.mark.parametrize(("school", "says"), [("sch9", "not in the source"), ("dist1", "district")])
def test_group_at_an_unknown_school(night, school, says):
    n = night(planted(edit("classes", "ma9b", schoolSourcedId=school)))
    finding = n.expect("group", "ma9b", "GROUP_UNKNOWN_SCHOOL", status="skipped")
    assert says in finding.message
    root = ("group", "ma9b", "GROUP_UNKNOWN_SCHOOL")
    for membership in ("e2", "e4", "e6"):
        n.expect(
            "membership", membership, "MEMBERSHIP_GROUP_NOT_IMPORTED", status="skipped", root=root
        )
    [cause] = n.q.root_causes(n.run_id, "MEMBERSHIP_GROUP_NOT_IMPORTED")
    assert (cause.kind, cause.key, cause.code, cause.name, cause.rows) == (*root, "Ma 9B", 3)


def _term(start: str, end: str, school_year: str = "2027") -> Edit:
    """Give Ma 9B a term of its own."""

    def apply(bundle: Bundle) -> None:
        bundle.add("academicSessions", session("x", start, end, school_year))
        bundle.row("classes", "ma9b")["termSourcedIds"] = "x"

    return apply


GROUP_TERMS = [
    # (term, status, code, appears_on)
    pytest.param(
        _term("2027-01-11", "2027-06-15"), "pending", "GROUP_NOT_STARTED", date(2027, 1, 2),
        id="spring-term",
    ),
    pytest.param(
        _term("2026-11-23", "2027-06-15"), "pending", "GROUP_NOT_STARTED", date(2026, 11, 23),
        id="starts-tomorrow",
    ),
    pytest.param(
        _term("2025-08-15", "2026-06-10", "2026"), "excluded", "GROUP_ENDED", None,
        id="last-year-ended",
    ),
    pytest.param(
        _term("2026-08-15", "2026-11-21"), "excluded", "GROUP_ENDED", None,
        id="ended-yesterday",
    ),
    pytest.param(
        _term("2026-08-15", "2026-11-22"), "imported", None, None, id="last-day-today-inclusive",
    ),
    pytest.param(
        _term("2026-08-15", "2027-06-15", "2026"), "skipped", "GROUP_WRONG_ACADEMIC_YEAR", None,
        id="last-years-school-year-still-running",
    ),
    pytest.param(
        _term("2026-08-15", "2027-06-15", "2028"), "skipped", "GROUP_WRONG_ACADEMIC_YEAR", None,
        id="next-years-school-year",
    ),
    pytest.param(
        _term("2026-08-15", "2027-06-15", "2027"), "imported", None, None, id="current-year",
    ),
]  # fmt: skip


@plants(
    "GROUP_NOT_STARTED",
    "GROUP_ENDED",
    "GROUP_WRONG_ACADEMIC_YEAR",
    "MEMBERSHIP_GROUP_NOT_IMPORTED",
)
@pytest.mark.parametrize(("term", "status", "code", "appears"), GROUP_TERMS)
def test_group_dates_and_school_year_from_its_term(night, term, status, code, appears):
    n = night(planted(term))
    if code is None:
        assert n.codes("group", "ma9b") == []
        assert n.not_imported() == set()
        return
    n.expect("group", "ma9b", code, status=status, appears_on=appears)
    if code == "GROUP_ENDED":  # an ended group is ended, whatever its school year
        assert "GROUP_WRONG_ACADEMIC_YEAR" not in n.codes("group", "ma9b")
    for membership in ("e2", "e4", "e6"):
        n.expect(
            "membership",
            membership,
            "MEMBERSHIP_GROUP_NOT_IMPORTED",
            status=status,
            root=("group", "ma9b", code),
            appears_on=appears,
        )
    assert n.not_imported() == {
        ("group", "ma9b"),
        ("membership", "e2"),
        ("membership", "e4"),
        ("membership", "e6"),
    }


@plants("GROUP_NOT_EXPORTED", "MEMBERSHIP_GROUP_NOT_IMPORTED")
@pytest.mark.parametrize("flag", ["", "Nej", "nej", "N", "0", "false", "no"])
def test_group_not_marked_for_export_is_excluded_with_its_memberships(night, flag):
    n = night(planted(edit("classes", "ma9b", **{"metadata.tillLMS": flag})), **FLAG)
    finding = n.expect("group", "ma9b", "GROUP_NOT_EXPORTED", status="excluded")
    assert finding.field == "metadata.tillLMS"
    root = ("group", "ma9b", "GROUP_NOT_EXPORTED")
    for membership in ("e2", "e4", "e6"):
        n.expect(
            "membership", membership, "MEMBERSHIP_GROUP_NOT_IMPORTED", status="excluded", root=root
        )
    [cause] = n.q.root_causes(n.run_id, "MEMBERSHIP_GROUP_NOT_IMPORTED")
    assert (cause.kind, cause.key, cause.code, cause.name, cause.rows) == (*root, "Ma 9B", 3)
    assert n.not_imported() == {
        ("group", "ma9b"),
        ("membership", "e2"),
        ("membership", "e4"),
        ("membership", "e6"),
    }


@pytest.mark.parametrize("flag", ["Ja", "JA", " ja ", "x", "X", "1", "true", "y", "yes", "j"])
def test_group_marked_for_export_is_imported(night, flag):
    n = night(planted(edit("classes", "ma9b", **{"metadata.tillLMS": flag})), **FLAG)
    assert n.codes("group", "ma9b") == []
    assert n.not_imported() == set()


def test_export_flag_is_ignored_when_the_policy_names_none(night):
    n = night(planted(edit("classes", "ma9b", **{"metadata.tillLMS": "Nej"})))
    assert n.codes("group", "ma9b") == []
    assert n.not_imported() == set()


@plants("GROUP_CLASS_NAME_NOT_SPECIFIC", "STUDENT_NO_CLASS", "MEMBERSHIP_GROUP_NOT_IMPORTED")
@pytest.mark.parametrize("title", ["9", "09", "åk 9", "Åk 9", "Klass 9", " 9 "])
def test_class_named_by_its_year_alone_is_skipped(night, title):
    n = night(planted(edit("classes", "9b", title=title)))
    root = ("group", "9b", "GROUP_CLASS_NAME_NOT_SPECIFIC")
    n.expect("group", "9b", "GROUP_CLASS_NAME_NOT_SPECIFIC", status="skipped")
    for membership in ("e1", "e3", "e5"):
        n.expect(
            "membership", membership, "MEMBERSHIP_GROUP_NOT_IMPORTED", status="skipped", root=root
        )
    for pupil in ("p1", "p2"):  # their only class is gone: a warning by default
        n.expect("person", pupil, "STUDENT_NO_CLASS", status="imported", root=root)


@pytest.mark.parametrize(
    ("group", "title"), [("9b", "9B"), ("9b", "9 B"), ("9b", "Åk 9B"), ("ma9b", "9")]
)
def test_specific_class_names_and_teaching_groups_pass(night, group, title):
    n = night(planted(edit("classes", group, title=title)))
    assert n.codes("group", group) == []
    assert n.not_imported() == set()


@plants("GROUP_NO_TEACHER")
@pytest.mark.parametrize(
    "fault",
    [
        lambda b: b.drop("enrollments", "e2"),
        edit("enrollments", "e2", beginDate="2026-12-01"),
        edit("enrollments", "e2", endDate="2026-11-01"),
    ],
    ids=["no-teacher-membership", "teacher-not-started", "teacher-ended"],
)
def test_group_without_an_active_teacher_is_imported_with_a_warning(night, fault):
    n = night(planted(fault))
    n.expect("group", "ma9b", "GROUP_NO_TEACHER", status="imported")
    assert "GROUP_NO_MEMBERS" not in n.codes("group", "ma9b")
    assert n.status("person", "t1") == "imported"


@plants("GROUP_NO_MEMBERS")
@pytest.mark.parametrize(
    "members",
    [[], [enrollment("e7", "p2", "ma9c")]],
    ids=["nobody", "only-a-skipped-pupil"],
)
def test_group_without_active_imported_members_is_imported_with_a_warning(night, members):
    bundle = clean_roster()
    bundle.add("classes", klass("ma9c", "Ma 9C"))
    bundle.table("enrollments").extend(members)
    if members:  # Erik is skipped, so he does not count
        bundle.row("users", "p2")["email"] = "erik.berg@"
    n = night(bundle)
    n.expect("group", "ma9c", "GROUP_NO_MEMBERS", status="imported")
    n.expect("group", "ma9c", "GROUP_NO_TEACHER", status="imported")  # nobody teaches it either


@plants("GROUP_INACTIVE", "MEMBERSHIP_GROUP_NOT_IMPORTED")
def test_group_marked_deleted_is_excluded_with_its_memberships(night):
    n = night(planted(delete("classes", "ma9b")))
    n.expect("group", "ma9b", "GROUP_INACTIVE", status="excluded")
    root = ("group", "ma9b", "GROUP_INACTIVE")
    for membership in ("e2", "e4", "e6"):
        n.expect(
            "membership", membership, "MEMBERSHIP_GROUP_NOT_IMPORTED", status="excluded", root=root
        )


# --- memberships -------------------------------------------------------------------------------

MEMBERSHIP_FAULTS = [
    # (edit, key, status, code, appears_on)
    pytest.param(
        edit("enrollments", "e4", userSourcedId="p9"), "e4", "skipped",
        "MEMBERSHIP_UNKNOWN_PERSON", None, id="unknown-person",
    ),
    pytest.param(
        edit("enrollments", "e4", classSourcedId="en9b"), "e4", "skipped",
        "MEMBERSHIP_UNKNOWN_GROUP", None, id="unknown-group",
    ),
    pytest.param(
        edit("enrollments", "e4", beginDate="2027-01-11"), "e4", "pending",
        "MEMBERSHIP_NOT_STARTED", date(2027, 1, 2), id="starts-in-spring-window",
    ),
    pytest.param(
        edit("enrollments", "e4", beginDate="2026-11-23"), "e4", "pending",
        "MEMBERSHIP_NOT_STARTED", date(2026, 11, 23), id="starts-tomorrow",
    ),
    pytest.param(
        edit("enrollments", "e4", endDate="2026-11-22"), "e4", "excluded",
        "MEMBERSHIP_ENDED", None, id="ended-yesterday-exclusive-end",
    ),
    pytest.param(
        edit("enrollments", "e4", role="rektor"), "e4", "skipped",
        "MEMBERSHIP_INVALID_ROLE", None, id="invalid-role",
    ),
    pytest.param(
        delete("enrollments", "e4"), "e4", "excluded",
        "MEMBERSHIP_INACTIVE", None, id="tobedeleted",
    ),
    pytest.param(
        duplicate("enrollments", "e4"), "e4#2", "skipped",
        "MEMBERSHIP_DUPLICATE_ID", None, id="duplicate-id",
    ),
]  # fmt: skip


@plants(
    "MEMBERSHIP_UNKNOWN_PERSON",
    "MEMBERSHIP_UNKNOWN_GROUP",
    "MEMBERSHIP_NOT_STARTED",
    "MEMBERSHIP_ENDED",
    "MEMBERSHIP_INVALID_ROLE",
    "MEMBERSHIP_INACTIVE",
    "MEMBERSHIP_DUPLICATE_ID",
)
@pytest.mark.parametrize(("fault", "key", "status", "code", "appears"), MEMBERSHIP_FAULTS)
def test_membership_fault_affects_only_that_membership(night, fault, key, status, code, appears):
    n = night(planted(fault))
    n.expect("membership", key, code, status=status, appears_on=appears)
    assert n.not_imported() == {("membership", key)}
    if code == "MEMBERSHIP_DUPLICATE_ID":
        assert n.status("membership", "e4") == "imported"


@pytest.mark.parametrize(
    "fault",
    [
        edit("enrollments", "e4", endDate="2026-11-23"),
        edit("enrollments", "e4", beginDate="2026-11-22"),
        edit("enrollments", "e4", role="administrator"),
    ],
    ids=["last-day-today", "starts-today", "administrator"],
)
def test_membership_controls_import_cleanly(night, fault):
    n = night(planted(fault))
    assert n.codes("membership", "e4") == []
    assert n.not_imported() == set()


# --- values that break the spec but can be read -----------------------------------------------


@plants("SOURCE_VALUE_NONSTANDARD")
@pytest.mark.parametrize(
    ("fault", "kind", "key", "field"),
    [
        (edit("classes", "ma9b", classType="Scheduled"), "group", "ma9b", "classType"),
        (edit("classes", "9b", classType="HOMEROOM"), "group", "9b", "classType"),
        (edit("users", "p1", status="active"), "person", "p1", "status"),
        (edit("enrollments", "e4", status="Active"), "membership", "e4", "status"),
    ],
    ids=["classType-Scheduled", "classType-HOMEROOM", "status-in-bulk", "status-case"],
)
def test_nonstandard_value_is_read_with_a_warning(night, fault, kind, key, field):
    n = night(planted(fault))
    finding = n.expect(kind, key, "SOURCE_VALUE_NONSTANDARD", status="imported")
    assert finding.field == field
    assert n.not_imported() == set()
    if key == "ma9b":
        assert n.record("group", "ma9b").fields["type"] == "teaching group"
    if key == "9b":
        assert n.record("group", "9b").fields["type"] == "class"


@plants("SOURCE_VALUE_NONSTANDARD")
def test_missing_manifest_and_unknown_column_are_file_warnings(night):
    bundle = clean_roster()
    bundle.manifest = False
    bundle.headers["users"] = [*_spec(bundle, "users"), "nickname"]
    n = night(bundle)
    assert n.result.state == "good"
    found = {
        (kind, key) for kind, key, code in n.run_findings() if code == "SOURCE_VALUE_NONSTANDARD"
    }
    assert found == {("file", "manifest.csv"), ("file", "users.csv")}
    assert n.warnings_only()
    assert n.not_imported() == set()


@plants("SOURCE_REFERENCE_UNKNOWN")
@pytest.mark.parametrize(
    ("fault", "kind", "key", "says"),
    [
        (lambda b: setattr(b, "courses", None), "group", "ma9b", "courses.csv is absent"),
        (edit("classes", "ma9b", courseSourcedId="ma8"), "group", "ma9b", "not in courses.csv"),
        (edit("classes", "ma9b", termSourcedIds="t9"), "group", "ma9b", "t9"),
        (edit("orgs", "sch1", parentSourcedId="dist9"), "school", "sch1", "dist9"),
    ],
    ids=["courses-absent", "course-unknown", "term-unknown", "parent-unknown"],
)
def test_unresolvable_reference_is_a_warning(night, fault, kind, key, says):
    n = night(planted(fault))
    finding = n.expect(kind, key, "SOURCE_REFERENCE_UNKNOWN", status="imported")
    assert says in finding.message
    # with its only school moved under dist9, the district is an organisation nothing is in
    assert n.not_imported() == ({("school", "dist1")} if key == "sch1" else set())


@plants("SCHOOL_OTHER_ORGANISATION")
def test_an_organisation_that_is_not_a_school_is_a_record_and_says_what_it_is(night):
    n = night(
        planted(
            steps(
                add_org("dep1", "Elevhälsan", "department"),
                edit("users", "p1", orgSourcedIds="dep1"),
            )
        )
    )
    finding = n.expect("school", "dep1", "SCHOOL_OTHER_ORGANISATION", status="excluded")
    assert finding.message == (
        "'Elevhälsan' is a department, not a school, and no school unit belongs to it"
    )
    placed = n.expect("person", "p1", "PERSON_NO_SCHOOL", status="skipped")
    assert "'dep1' is a department, not a school" in placed.message
    assert n.status("school", "dist1") == "imported"  # Centralskolan's district: no finding
    assert n.codes("school", "dist1") == []
    assert n.not_imported() == {
        ("school", "dep1"),
        ("person", "p1"),
        ("membership", "e3"),
        ("membership", "e4"),
    }


# --- policy ------------------------------------------------------------------------------------


@plants("POLICY_INVALID")
@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("lookahed_days = 3\n", ["lookahed_days", "lookahead_days"]),
        ('require_email = "yes"\n', ["require_email", "'yes'"]),
        ("schools = [\n", ["not valid TOML"]),
    ],
    ids=["unknown-key", "bad-value", "bad-toml"],
)
def test_invalid_policy_fails_the_run_and_names_the_problem(night, text, says):
    good = night(clean_roster())
    n = night(clean_roster(), policy_text=text)
    assert n.result.state == "failed" and n.state == "failed"
    for word in says:
        assert word in (n.result.error or "")
    assert n.run_findings() == [("run", str(n.run_id), "POLICY_INVALID")]
    assert n.q.latest_good_run_id() == good.run_id


# --- the catalogue is covered -------------------------------------------------------------------


def test_every_oneroster_expressible_code_is_planted_by_a_test():
    codes = set(RULES)
    assert codes >= NOT_EXPRESSIBLE, "a not-expressible code left the catalogue"
    assert codes >= COVERED, f"tests claim unknown codes: {sorted(COVERED - codes)}"
    missing = codes - NOT_EXPRESSIBLE - COVERED
    assert not missing, f"catalogue codes without a OneRoster test: {sorted(missing)}"
