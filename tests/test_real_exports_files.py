"""Files as registries really export them (issue 10): zip bombs, headers as spreadsheet tools
write them, misspelled manifests, odd values in fields nobody reads, NUL bytes.

Each bad input is fed through the real `rostertui sync` and read back as a user would see it:
the run's one line of error and the last good run intact, or each record's status and
findings in the export; and nothing else is lost.
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from rostertui.domain.model import SourceError
from rostertui.sources.files import copy_capped
from tests.oneroster_builder import SPEC_HEADERS, Bundle, clean_roster
from tests.stored import db_bytes
from tests.test_bad_input import AS_OF, assert_good_run_untouched, good, sync_fails
from tests.test_rules_oneroster import FLAG, Night, edit, night, planted
from tests.test_sheet import GOOD_KEYS, GOOD_ROWS, HEADER, csv_line, write_csv, write_xlsx

MiB = 1024**2
GiB = 1024**3


__all__ = ["good", "night"]  # fixtures: a good run and its bundle; a night's sync read back


# -- zip bombs ------------------------------------------------------------------------------


def zip_of(folder: Path, target: Path, *, users: int = 0, declares: int = 0) -> Path:
    """The bundle zipped, its users.csv replaced by `users` bytes of zeros (streamed in, never
    held) when given, and the size the archive declares for it rewritten when given."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(folder.iterdir()):
            if path.name != "users.csv" or not users:
                archive.write(path, path.name)
        if users:
            with archive.open("users.csv", "w", force_zip64=True) as member:
                for _ in range(users // MiB):
                    member.write(bytes(MiB))
        if declares:
            archive.getinfo("users.csv").file_size = declares
    return target


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's VmHWM")
def test_a_zip_bomb_is_refused_without_inflating_it(good, tmp_path):
    """256 MiB of zeros in a 1 MiB member (229:1): refused from the sizes alone, in a second,
    by a process that never grows past 200 MB."""
    db, folder, run = good
    bomb = zip_of(folder, tmp_path / "bomb.zip", users=256 * MiB)
    wrapper = (  # VmHWM is this process's own peak; ru_maxrss would count pytest's, forked
        "import sys\n"
        "from pathlib import Path\n"
        "from rostertui.cli import main\n"
        "try:\n    main()\n"
        "finally:\n"
        "    status = Path('/proc/self/status').read_text().splitlines()\n"
        "    print(*[line for line in status if line.startswith('VmHWM')], file=sys.stderr)\n"
    )
    command = [sys.executable, "-c", wrapper, "sync", str(bomb), "--db", str(db)]
    started = time.monotonic()
    done = subprocess.run([*command, "--as-of", AS_OF], capture_output=True, text=True)
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    error, peak = done.stderr.strip().splitlines()
    assert "member 'users.csv' would inflate from 1.1 MiB to 256.0 MiB" in error
    assert "229 times its compressed size; real exports compress less than 100:1" in error
    assert "refusing to inflate it (a zip bomb or a broken archive)" in error
    assert took < 10
    assert int(peak.split()[1]) * 1024 < 200 * 10**6  # "VmHWM:   46412 kB"
    assert_good_run_untouched(db, run, "would inflate")


@pytest.mark.parametrize(
    ("declares", "says"),
    [
        (2 * GiB, "to 2.0 GiB, 9,761,289 times its compressed size; real exports compress less"),
        (5 * GiB, "to 5.0 GiB, more than the 4.0 GiB one file may hold"),
    ],
    ids=["ratio", "size"],
)
def test_a_declared_size_out_of_reason_is_refused(good, tmp_path, declares, says):
    db, folder, run = good
    bomb = zip_of(folder, tmp_path / "bomb.zip", declares=declares)
    line = sync_fails(db, bomb)
    assert "bomb.zip: member 'users.csv'" in line and says in line
    assert_good_run_untouched(db, run, "member 'users.csv'")


def test_a_member_understating_its_size_stops_there(good, tmp_path):
    """A header claiming 1 MiB over 64 MiB of data: inflating stops at 1 MiB, and the member
    is refused as damaged, with its sizes."""
    db, folder, run = good
    liar = zip_of(folder, tmp_path / "liar.zip", users=64 * MiB, declares=MiB)
    started = time.monotonic()
    line = sync_fails(db, liar)
    assert time.monotonic() - started < 10
    assert "liar.zip: member 'users.csv' (" in line
    assert "KiB compressed, declares 1.0 MiB) is damaged: Bad CRC-32" in line
    assert_good_run_untouched(db, run, "is damaged")


def test_inflating_stops_at_the_cap_whatever_the_stream_gives():
    with pytest.raises(SourceError) as refused:
        copy_capped(io.BytesIO(bytes(5000)), 4096, "x.zip: member 'users.csv' (…)")
    assert refused.value.code == "SOURCE_UNREADABLE"
    assert refused.value.message == (
        "x.zip: member 'users.csv' (…) inflates past 4.0 KiB; refusing to read on "
        "(a zip bomb or a broken archive)"
    )
    assert copy_capped(io.BytesIO(bytes(4096)), 4096, "").read() == bytes(4096)


# -- headers as spreadsheet tools write them ---------------------------------------------------

FILES = [
    *(("1.1", name) for name in ("orgs", "academicSessions", "courses", "classes", "users")),
    ("1.1", "enrollments"),
    ("1.2", "roles"),
]


def with_empty_columns(bundle: Bundle, name: str) -> Bundle:
    """The file's header and every row end in two empty cells, as Excel saves a sheet whose
    next columns are formatted."""
    spec = SPEC_HEADERS[bundle.version][name]
    extensions = dict.fromkeys(c for row in bundle.table(name) for c in row if c not in spec)
    bundle.headers[name] = [*spec, *extensions, "", ""]
    return bundle


def header_warnings(n: Night) -> list[tuple[str, str, str, str]]:
    return [
        (r["key"], r["severity"], r["source_ref"], r["message"])
        for r in n.export(kind="file")
        if r["code"] == "SOURCE_HEADER_INVALID"
    ]


@pytest.mark.parametrize(("version", "name"), FILES)
def test_trailing_empty_header_cells_are_ignored_with_a_warning(night, version, name):
    n = night(with_empty_columns(clean_roster(version), name), **FLAG)
    assert n.result.state == "good"
    assert n.not_imported() == set()
    width = len(SPEC_HEADERS[version][name]) + (name == "classes")  # + metadata.tillLMS
    assert header_warnings(n) == [
        (
            f"{name}.csv",
            "warning",
            f"{name}.csv:1",
            f"{name}.csv:1: the header ends in 2 empty cells (columns {width + 1}-{width + 2}, "
            "as spreadsheet tools save formatted empty columns); ignored, and a row with a "
            "value there is reported on its own",
        )
    ]


def test_rows_shorter_than_a_header_with_empty_cells_are_whole(night, tmp_path):
    """Some tools pad the header only: the rows end where the named columns do."""
    folder = with_empty_columns(clean_roster(), "users").write(tmp_path / "short")
    users = folder / "users.csv"
    header, *rows = users.read_text().splitlines()
    users.write_text("\n".join([header, *(row.removesuffix(",,") for row in rows)]) + "\n")
    n = night(source=str(folder))
    assert n.not_imported() == set()
    assert [key for key, *_ in header_warnings(n)] == ["users.csv"]


@pytest.mark.parametrize(
    ("name", "key", "kept_out"),
    [("users", "p2", {"p2", "e5", "e6"}), ("enrollments", "e4", {"e4"})],
)
def test_a_value_under_an_empty_header_cell_is_reported_on_its_row(night, name, key, kept_out):
    """It may be a value pushed along by an unquoted comma, so the row's own fields cannot be
    trusted: that record is skipped with an error naming the column and the value; the rest
    of the file is imported."""
    bundle = with_empty_columns(clean_roster(), name)
    bundle.row(name, key)[""] = "slutar 1/12"
    n = night(bundle)
    assert n.result.state == "good"
    kind = "person" if name == "users" else "membership"
    finding = n.expect(kind, key, "SOURCE_ROW_MALFORMED", status="skipped")
    column = len(SPEC_HEADERS["1.1"][name]) + 1
    assert finding.message == f"column {column} holds 'slutar 1/12' but has no header"
    assert {key for _, key in n.not_imported()} == kept_out
    assert [key for key, *_ in header_warnings(n)] == [f"{name}.csv"]


# -- the manifest ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("file.usres,bulk", "unknown property 'file.usres' ignored; did you mean 'file.users'?"),
        ("file.user,bulk", "unknown property 'file.user' ignored; did you mean 'file.users'?"),
        ("file.users,full", "file.users is 'full', not bulk, delta or absent; read by whether"),
        ("vendor.exportedBy,Extens", "unknown property 'vendor.exportedBy' ignored"),
    ],
    ids=["usres", "user", "mode", "unknown"],
)
def test_a_manifest_property_out_of_the_spec_is_a_warning_naming_it(night, tmp_path, line, says):
    folder = clean_roster().write(tmp_path / "manifest")
    manifest = folder / "manifest.csv"
    manifest.write_text(manifest.read_text().replace("file.users,bulk", line))
    n = night(source=str(folder))
    assert n.result.state == "good"
    assert n.not_imported() == set()
    rows = [r for r in n.export(kind="file") if r["key"] == "manifest.csv"]
    assert [(r["code"], r["severity"]) for r in rows] == [("SOURCE_VALUE_NONSTANDARD", "warning")]
    assert rows[0]["message"].startswith("manifest.csv:16: " + says)
    assert rows[0]["source_ref"] == "manifest.csv:16"


# -- only the fields the import uses can skip a record ---------------------------------------


@pytest.mark.parametrize(
    ("fault", "kind", "key", "warned"),
    [
        (edit("users", "p1", dateLastModified="1/05/2023"), "person", "p1", "dateLastModified"),
        (edit("users", "p1", phone="ring skolan", sms="+46 (0)70-x"), "person", "p1", None),
        (edit("enrollments", "e4", dateLastModified="ig"), "membership", "e4", "dateLastModified"),
        (edit("classes", "9b", **{"metadata.terminer": "HT/VT?"}), "group", "9b", None),
        (edit("orgs", "sch1", dateLastModified="2023-13-45"), "school", "sch1", "dateLastModified"),
    ],
    ids=["user-date", "user-phone", "enrollment-date", "unnamed-extension", "org-date"],
)  # fmt: skip
def test_a_bad_value_in_a_field_nobody_reads_only_warns(night, fault, kind, key, warned):
    n = night(planted(fault))
    assert n.result.state == "good"
    assert n.not_imported() == set()  # the record, and everything depending on it, imported
    findings = n.record(kind, key).findings
    if warned is None:
        assert findings == []
    else:
        assert [(f.code, f.severity) for f in findings if f.field == warned] == [
            ("SOURCE_VALUE_NONSTANDARD", "warning")
        ]


def test_a_user_with_a_day_month_date_last_modified_keeps_their_memberships(night):
    n = night(planted(edit("users", "p1", dateLastModified="1/05/2023")))
    row = n.export_row("person", "p1", "SOURCE_VALUE_NONSTANDARD")
    assert row["status"] == "imported" and row["severity"] == "warning"
    messages = [f.message for f in n.record("person", "p1").findings]
    assert (
        "dateLastModified '1/05/2023' is not a date-time (YYYY-MM-DDThh:mm:ssZ); not used by "
        "the import, so the record is read"
    ) in messages
    assert {n.status("membership", e) for e in ("e3", "e4")} == {"imported"}


# -- NUL bytes ---------------------------------------------------------------------------------


def test_a_nul_byte_in_a_given_name_is_removed_and_said(night):
    """The NUL is taken out (never stored, neither in the record nor in its raw row), the
    person is imported with a warning naming the field, and the rest of the file is read."""
    n = night(planted(edit("users", "p1", givenName="An\0na"), edit("users", "p2", phone="\0")))
    assert n.result.state == "good"
    finding = n.expect("person", "p1", "SOURCE_VALUE_NONSTANDARD", status="imported")
    assert finding.field == "givenName"
    assert finding.message == (
        "givenName held a NUL byte (an invisible control character); removed"
    )
    anna = n.record("person", "p1")
    assert anna.fields["given_name"] == "Anna" and (anna.raw or {})["givenName"] == "Anna"
    assert [f.field for f in n.record("person", "p2").findings] == ["phone"]
    assert n.not_imported() == set()
    assert b"An\0na" not in db_bytes(n.db_path)


def test_a_nul_byte_in_an_enrollment_id_is_removed_and_said(night):
    """Enrollments with a NUL leave the million-row fast path, which could not report it."""
    n = night(planted(edit("enrollments", "e4", classSourcedId="ma9b\0")))
    finding = n.expect("membership", "e4", "SOURCE_VALUE_NONSTANDARD", status="imported")
    assert finding.field == "classSourcedId"
    assert n.record("membership", "e4").fields["group"] == "ma9b"
    assert n.not_imported() == set()


# -- sheets: the same faults in a spreadsheet list ---------------------------------------------


def styled_empty_header_cells(path: Path, count: int = 2) -> Path:
    """The workbook's header row followed by formatted empty cells, as Excel keeps them."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    for column in range(8, 8 + count):
        sheet.cell(1, column).font = Font(bold=True)
    workbook.save(path)
    return path


def test_a_workbook_header_ending_in_formatted_empty_cells_warns(night, tmp_path):
    path = styled_empty_header_cells(write_xlsx(tmp_path / "Lista.xlsx", GOOD_ROWS))
    n = night(source=str(path))
    assert n.result.state == "good"
    assert {key for kind, key in n.not_imported()} == set()
    assert [(key, message) for key, _, _, message in header_warnings(n)] == [
        (
            "Lista.xlsx",
            "Lista.xlsx:1: the header ends in 2 empty cells (columns 8-9, as spreadsheet tools "
            "save formatted empty columns); ignored, and a row with a value there is reported "
            "on its own",
        )
    ]
    assert {r.key for r in n.q.rows(n.run_id, kind="person")} == set(GOOD_KEYS)


def test_a_value_under_a_workbook_header_s_empty_cell_skips_that_row(night, tmp_path):
    rows = [(*GOOD_ROWS[0], "slutar 1/12"), *GOOD_ROWS[1:]]
    path = styled_empty_header_cells(write_xlsx(tmp_path / "Lista.xlsx", rows))
    n = night(source=str(path))
    finding = n.expect("person", GOOD_KEYS[0], "SOURCE_ROW_MALFORMED", status="skipped")
    assert finding.message == "column 8 holds 'slutar 1/12' but has no header"
    assert [n.status("person", key) for key in GOOD_KEYS[1:]] == ["imported"] * 2
    assert [key for key, *_ in header_warnings(n)] == ["Lista.xlsx"]


def test_an_excel_error_in_a_column_the_list_does_not_use_only_warns(night, tmp_path):
    rows = [(*GOOD_ROWS[0], None, "#N/A"), *((*row, None, "2011-04-02") for row in GOOD_ROWS[1:])]
    path = write_xlsx(tmp_path / "Lista.xlsx", rows, (*HEADER, "Born"))
    n = night(source=str(path))
    finding = n.expect("person", GOOD_KEYS[0], "SOURCE_VALUE_NONSTANDARD", status="imported")
    assert (finding.field, finding.message) == (
        "Born",
        "Born holds the Excel error '#N/A'; the cell cannot be read (the list reader does "
        "not use it)",
    )
    assert n.not_imported() == set()


def test_a_nul_byte_in_a_sheet_csv_first_name_is_removed_and_said(night, tmp_path):
    """A stray NUL no longer makes the list "not CSV text": the row says which field held it."""
    rows = [(row[0], row[1].replace("Å", "Å\0"), *row[2:]) if i == 0 else row
            for i, row in enumerate(GOOD_ROWS)]  # fmt: skip
    path = write_csv(tmp_path / "Lista.csv", [csv_line(HEADER[:7]), *map(csv_line, rows)])
    n = night(source=str(path))
    assert n.result.state == "good"
    finding = n.expect("person", GOOD_KEYS[0], "SOURCE_VALUE_NONSTANDARD", status="imported")
    assert (finding.field, finding.message) == (
        "FirstName",
        "FirstName held a NUL byte (an invisible control character); removed",
    )
    assert n.record("person", GOOD_KEYS[0]).fields["given_name"] == "Åsa"
    assert n.not_imported() == set()
    assert "Å\0sa".encode() not in db_bytes(n.db_path)


def test_a_workbook_bomb_is_refused_before_openpyxl_opens_it(good, tmp_path):
    """A workbook is a zip: one part declaring 2 GiB is refused from its header."""
    db, _, run = good
    workbook = write_xlsx(tmp_path / "Lista_src.xlsx", GOOD_ROWS)
    bomb = tmp_path / "Lista.xlsx"
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(bomb, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.getinfo("xl/worksheets/sheet1.xml").file_size = 2 * GiB
    started = time.monotonic()
    line = sync_fails(db, bomb)
    assert time.monotonic() - started < 10
    assert "Lista.xlsx: member 'xl/worksheets/sheet1.xml' would inflate from " in line
    assert "to 2.0 GiB" in line and "refusing to inflate it" in line
    assert_good_run_untouched(db, run, "would inflate")
