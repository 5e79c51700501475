"""Spreadsheet upload lists: the vendor format read into a Roster, judged by the real evaluator,
and every way a hand-made list goes wrong — each with a clear message and nothing else lost."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rostertui.domain.evaluate import evaluate
from rostertui.domain.model import Capabilities, Roster, SourceError
from rostertui.domain.policy import Policy
from rostertui.domain.verdict import Evaluation, Verdict
from rostertui.sources.sheet import read_sheet

AS_OF = date(2026, 11, 22)
HEADER = ("Email", "FirstName", "LastName", "Class", "School", "Municipality", "Role", "SSOID")
Cell = str | int | float | datetime | None

# Row 1 is the header, so BINOGI_ROWS[i] is sheet row i + 2; row 7 is blank on purpose.
BINOGI_ROWS: list[tuple[Cell, ...]] = [
    ("anna.aberg@sjostad.se", "Anna", "Åberg", "9A", "Centralskolan", "Sjöstad", "Elev", None),
    ("Bo.Ek@Sjostad.se", "Bo", "Ek", "9A", "Centralskolan", "Sjöstad", "student", None),
    ("cecilia.ost@sjostad.se", "Cecilia", "Öst", 9, "Centralskolan", "Sjöstad", "Pupil", None),
    ("david.lind@sjostad.se", "David", "Lind", None, "Centralskolan", "Sjöstad", "Teacher", None),
    (
        "eva.strom@sjostad.se",
        "Eva",
        "Ström",
        None,
        "Barn- och utbildningsförvaltningen",
        "Sjöstad",
        "Lärare",
        None,
    ),
    (None,) * 8,
    (
        "fredrik.holm@sjostad.se",
        "Fredrik",
        "Holm",
        None,
        "Centralskolan",
        "Sjöstad",
        "Rektor",
        None,
    ),
    (None, "Gustav", "Nyström", "8B", "Ängskolan", "Sjöstad", "elev", 100234),
    (None, "Hanna", "Ödman", "8B", "Ängskolan", "Sjöstad", "ELEV", None),
    ("ANNA.ABERG@sjostad.se", "Anna", "Åberg", "9A", "Centralskolan", "Sjöstad", "Elev", None),
    ("bo.ek@sjostad.se", "Bo", "Ek", "9A", "Centralskolan", "Sjöstad", "Student", "binogi-2002"),
    ("ivar.akesson@sjostad.se", "Ivar", "Åkesson", "7C", "Ängskolan", "Sjöstad", " LÄRARE ", None),
]
GOOD_ROWS: list[tuple[Cell, ...]] = [
    ("asa.oberg@sjostad.se", "Åsa", "Öberg", "7A", "Centralskolan", "Sjöstad", "Elev"),
    ("bertil.ahl@sjostad.se", "Bertil", "Ahl", "7A", "Centralskolan", "Sjöstad", "Elev"),
    ("carin.lund@sjostad.se", "Carin", "Lund", "", "Centralskolan", "Sjöstad", "Lärare"),
]
GOOD_KEYS = ["asa.oberg@sjostad.se", "bertil.ahl@sjostad.se", "carin.lund@sjostad.se"]


# -- builders -----------------------------------------------------------------------------


def write_xlsx(
    path: Path,
    rows: Iterable[Sequence[Cell]],
    header: Sequence[str | None] = HEADER[:7],
    *,
    merge: str = "",
    more_sheets: int = 0,
) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Elever"
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    for number in range(more_sheets):
        workbook.create_sheet(f"Blad{number + 2}")["A1"] = "instructions"
    workbook.save(path)
    return path


def write_csv(
    path: Path,
    lines: Iterable[str],
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    newline: str = "\r\n",
) -> Path:
    text = newline.join(lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def csv_line(values: Sequence[Cell], delimiter: str = ",") -> str:
    return delimiter.join("" if value is None else str(value) for value in values)


def read(path: Path) -> Roster:
    return read_sheet(path, Policy())


def read_fails(path: Path) -> SourceError:
    with pytest.raises(SourceError) as caught:
        read(path)
    assert "\n" not in caught.value.message
    return caught.value


def judged(roster: Roster) -> Evaluation:
    return evaluate(roster, Policy(), AS_OF, lambda _: "0" * 64)


def verdicts(evaluation: Evaluation) -> dict[tuple[str, str], Verdict]:
    every = [*evaluation.schools, *evaluation.groups, *evaluation.persons]
    return {(v.kind, v.key): v for v in [*every, *evaluation.memberships]}


def codes(verdict: Verdict) -> set[str]:
    return {finding.code for finding in verdict.findings}


def messages(roster: Roster, code: str) -> list[str]:
    return [f.message for f in roster.file_findings if f.code == code]


@pytest.fixture
def binogi(tmp_path: Path) -> Roster:
    return read(write_xlsx(tmp_path / "Binogi_Sjostad_20261122.xlsx", BINOGI_ROWS, HEADER))


# -- a Binogi-style list, read and judged ----------------------------------------------------


def test_binogi_persons_keys_and_roles(binogi: Roster) -> None:
    people = [(p.id, p.role, p.raw.line if p.raw else 0) for p in binogi.persons]
    assert people == [
        ("anna.aberg@sjostad.se", "student", 2),
        ("bo.ek@sjostad.se", "student", 3),
        ("cecilia.ost@sjostad.se", "student", 4),
        ("david.lind@sjostad.se", "teacher", 5),
        ("eva.strom@sjostad.se", "teacher", 6),
        ("fredrik.holm@sjostad.se", "rektor", 8),
        ("100234", "student", 9),  # an SSOID typed as a number: no "100234.0"
        ("row:10", "student", 10),  # neither SSOID nor e-mail
        ("anna.aberg@sjostad.se", "student", 11),  # the same e-mail again
        ("binogi-2002", "student", 12),
        ("ivar.akesson@sjostad.se", "teacher", 13),
    ]
    bo = binogi.persons[1]
    assert (bo.given_name, bo.family_name, bo.email) == ("Bo", "Ek", "Bo.Ek@Sjostad.se")
    assert binogi.persons[2].family_name == "Öst"
    assert binogi.persons[5].placements[0].school_id == "Sjöstad/Centralskolan"
    assert all(p.issues == () for p in binogi.persons)


def test_binogi_schools_groups_memberships(binogi: Roster) -> None:
    schools = [(s.id, s.name, s.parent) for s in binogi.schools]
    assert schools == [
        ("Sjöstad/Centralskolan", "Centralskolan", "Sjöstad"),
        (
            "Sjöstad/Barn- och utbildningsförvaltningen",
            "Barn- och utbildningsförvaltningen",
            "Sjöstad",
        ),
        ("Sjöstad/Ängskolan", "Ängskolan", "Sjöstad"),
    ]
    eva = binogi.persons[4]
    assert [p.school_id for p in eva.placements] == ["Sjöstad/Barn- och utbildningsförvaltningen"]
    groups = [(g.id, g.name, g.type, g.school_id) for g in binogi.groups]
    assert groups == [
        ("Sjöstad/Centralskolan/9A", "9A", "class", "Sjöstad/Centralskolan"),
        ("Sjöstad/Centralskolan/9", "9", "class", "Sjöstad/Centralskolan"),
        ("Sjöstad/Ängskolan/8B", "8B", "class", "Sjöstad/Ängskolan"),
    ]  # no 7C: Ivar is a teacher, and a teacher's class makes no group
    assert [(m.id, m.role) for m in binogi.memberships] == [
        ("anna.aberg@sjostad.se/Sjöstad/Centralskolan/9A", "student"),
        ("bo.ek@sjostad.se/Sjöstad/Centralskolan/9A", "student"),
        ("cecilia.ost@sjostad.se/Sjöstad/Centralskolan/9", "student"),
        ("100234/Sjöstad/Ängskolan/8B", "student"),
        ("row:10/Sjöstad/Ängskolan/8B", "student"),
        ("binogi-2002/Sjöstad/Centralskolan/9A", "student"),
    ]  # row 11 repeats Anna's key: its class link must not attach to row 2's Anna twice
    dated = [*binogi.schools, *binogi.groups, *binogi.memberships]
    assert all(r.start is None and r.end is None for r in dated)
    assert all(p.start is None and p.end is None for x in binogi.persons for p in x.placements)


def test_binogi_run_facts(binogi: Roster, tmp_path: Path) -> None:
    name = "Binogi_Sjostad_20261122.xlsx"
    assert binogi.as_of_hint == date(2026, 11, 22)
    assert binogi.format == "sheet xlsx"
    assert binogi.source == str(tmp_path / name)
    assert binogi.headers == {name: HEADER}
    assert binogi.capabilities == Capabilities(
        dates=False,
        teacher_links=False,
        memberships=True,
        school_year=False,
        export_flag=False,
        roles=frozenset({"student", "teacher"}),
    )
    assert [(f.code, f.kind, f.key, f.message, f.ref) for f in binogi.file_findings] == [
        ("SOURCE_VALUE_NONSTANDARD", "file", name, "row 7 is blank; skipped", f"{name}:7")
    ]


def test_binogi_raw_rows(binogi: Roster) -> None:
    gustav = binogi.persons[6]
    assert gustav.raw is not None
    assert gustav.raw.ref == "Binogi_Sjostad_20261122.xlsx:9"
    assert gustav.raw.as_dict() == {
        "Email": "",
        "FirstName": "Gustav",
        "LastName": "Nyström",
        "Class": "8B",
        "School": "Ängskolan",
        "Municipality": "Sjöstad",
        "Role": "elev",
        "SSOID": "100234",
    }
    assert binogi.persons[2].raw.as_dict()["Class"] == "9"  # type: ignore[union-attr]
    assert binogi.persons[10].raw.as_dict()["Role"] == " LÄRARE "  # type: ignore[union-attr]
    group_9 = binogi.groups[1]
    assert group_9.raw is not None and group_9.raw.ref.endswith(":4")
    assert binogi.schools[2].raw.ref.endswith(":9")  # type: ignore[union-attr]
    assert binogi.memberships[-1].raw.ref.endswith(":12")  # type: ignore[union-attr]


def test_binogi_judged_by_the_real_evaluator(binogi: Roster) -> None:
    evaluation = judged(binogi)
    by_key = verdicts(evaluation)
    persons = {v.key: (v.status, codes(v)) for v in evaluation.persons}
    assert persons == {
        "anna.aberg@sjostad.se": ("imported", set()),
        "bo.ek@sjostad.se": ("imported", set()),
        "cecilia.ost@sjostad.se": ("imported", {"STUDENT_NO_CLASS"}),  # her class "9" is skipped
        "david.lind@sjostad.se": ("imported", set()),
        "eva.strom@sjostad.se": ("imported", set()),
        "fredrik.holm@sjostad.se": ("skipped", {"PERSON_UNKNOWN_ROLE"}),
        "100234": ("skipped", {"PERSON_MISSING_EMAIL"}),
        "row:10": ("skipped", {"PERSON_MISSING_EMAIL"}),
        "anna.aberg@sjostad.se#2": ("skipped", {"PERSON_DUPLICATE_ID"}),
        "binogi-2002": ("skipped", {"PERSON_DUPLICATE_EMAIL"}),
        "ivar.akesson@sjostad.se": ("imported", set()),
    }
    rektor = by_key["person", "fredrik.holm@sjostad.se"].findings[0]
    assert rektor.message == "role 'rektor' is not a known role (student, teacher)"
    duplicate = by_key["person", "binogi-2002"].findings[0]
    assert "bo.ek@sjostad.se" in duplicate.message and ":3" in duplicate.message
    groups = {v.key: (v.status, codes(v)) for v in evaluation.groups}
    assert groups == {
        "Sjöstad/Centralskolan/9A": ("imported", set()),
        "Sjöstad/Centralskolan/9": ("skipped", {"GROUP_CLASS_NAME_NOT_SPECIFIC"}),
        "Sjöstad/Ängskolan/8B": ("imported", {"GROUP_NO_MEMBERS"}),  # both pupils skipped
    }
    assert {v.key: v.status for v in evaluation.schools} == {
        s.id: "imported" for s in binogi.schools
    }
    memberships = {v.key: (v.status, codes(v)) for v in evaluation.memberships}
    assert memberships == {
        "anna.aberg@sjostad.se/Sjöstad/Centralskolan/9A": ("imported", set()),
        "bo.ek@sjostad.se/Sjöstad/Centralskolan/9A": ("imported", set()),
        "cecilia.ost@sjostad.se/Sjöstad/Centralskolan/9": (
            "skipped",
            {"MEMBERSHIP_GROUP_NOT_IMPORTED"},
        ),
        "100234/Sjöstad/Ängskolan/8B": ("skipped", {"MEMBERSHIP_PERSON_NOT_IMPORTED"}),
        "row:10/Sjöstad/Ängskolan/8B": ("skipped", {"MEMBERSHIP_PERSON_NOT_IMPORTED"}),
        "binogi-2002/Sjöstad/Centralskolan/9A": ("skipped", {"MEMBERSHIP_PERSON_NOT_IMPORTED"}),
    }
    every_code = {f.code for v in by_key.values() for f in v.findings}
    assert not every_code & {"TEACHER_NO_GROUP", "GROUP_NO_TEACHER"}  # rules need data
    assert not any("NOT_STARTED" in c or "ENDED" in c for c in every_code)  # no dates


def test_duplicate_email_without_ssoid_is_a_duplicate_id(tmp_path: Path) -> None:
    """With no SSOID the e-mail *is* the key, so a repeated e-mail is a repeated id."""
    rows = [GOOD_ROWS[0], ("Asa.Oberg@Sjostad.se", *GOOD_ROWS[0][1:])]
    evaluation = judged(read(write_xlsx(tmp_path / "Lista.xlsx", rows)))
    assert [(v.key, v.status, codes(v)) for v in evaluation.persons] == [
        ("asa.oberg@sjostad.se", "imported", set()),
        ("asa.oberg@sjostad.se#2", "skipped", {"PERSON_DUPLICATE_ID"}),
    ]


def test_role_words_in_any_case_and_unicode_form(tmp_path: Path) -> None:
    words = ["Student", "ELEV", " pupil ", "Teacher", "LÄRARE", "larare", "La\u0308rare"]
    words += ["Rektor", ""]
    rows = [(f"p{n}@x.se", "A", "B", "", "S", "M", word) for n, word in enumerate(words)]
    roster = read(write_xlsx(tmp_path / "Roller.xlsx", rows))
    assert [p.role for p in roster.persons] == ["student"] * 3 + ["teacher"] * 4 + ["rektor", ""]


# -- the header -------------------------------------------------------------------------------


def test_missing_column_says_which_and_guesses(tmp_path: Path) -> None:
    header = ("Email", "FirstName", "LastName", "Klass", "School", "Municipality", "Role")
    error = read_fails(write_xlsx(tmp_path / "Lista_Sjöstad_20261122.xlsx", GOOD_ROWS, header))
    assert error.code == "SOURCE_HEADER_INVALID"
    assert error.message == (
        "Lista_Sjöstad_20261122.xlsx:1: required column 'Class' is missing "
        "(column 4 reads 'Klass': did you mean 'Class'?)"
    )
    assert error.ref == "Lista_Sjöstad_20261122.xlsx:1"


def test_missing_columns_without_a_near_header(tmp_path: Path) -> None:
    header = ("Email", "FirstName", "LastName", "Skola", "Municipality")
    error = read_fails(write_xlsx(tmp_path / "Lista.xlsx", [r[:5] for r in GOOD_ROWS], header))
    assert error.message == (
        "Lista.xlsx:1: required column 'Class' is missing; "
        "required column 'School' is missing; required column 'Role' is missing"
    )


def test_a_file_that_is_no_list_at_all(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "notes.csv", ["Datum,Händelse", "2026-11-01,Möte"])
    error = read_fails(path)
    assert error.message.startswith("notes.csv:1: no list header here (expected Email, FirstName")
    assert "'Datum', 'Händelse'" in error.message


def test_duplicate_header(tmp_path: Path) -> None:
    header = ("Email", "FirstName", "LastName", "Class", "School", "Municipality", "email ", "Role")
    error = read_fails(write_xlsx(tmp_path / "Lista.xlsx", [], header))
    assert error.code == "SOURCE_HEADER_INVALID"
    assert error.message == "Lista.xlsx:1, column 7: header 'email' appears twice (columns 1 and 7)"


def test_headers_in_any_case_order_and_spacing(tmp_path: Path) -> None:
    header = (
        "  role",
        "SCHOOL ",
        "municipality",
        "Class",
        "lastname",
        "firstName",
        " EMAIL",
        "Phone",
    )
    rows = [(r[6], r[4], r[5], r[3], r[2], r[1], r[0], "070-1234567") for r in GOOD_ROWS]
    roster = read(write_xlsx(tmp_path / "Lista.xlsx", rows, (*header, None, None)))
    assert [(p.id, p.given_name, p.role) for p in roster.persons] == [
        ("asa.oberg@sjostad.se", "Åsa", "student"),
        ("bertil.ahl@sjostad.se", "Bertil", "student"),
        ("carin.lund@sjostad.se", "Carin", "teacher"),
    ]
    assert roster.headers == {"Lista.xlsx": tuple(h.strip() for h in header)}
    assert messages(roster, "SOURCE_VALUE_NONSTANDARD") == [
        "Lista.xlsx:1, column 8 unknown column 'Phone' ignored"
    ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    order=st.permutations(range(len(HEADER))),
    cases=st.lists(st.sampled_from(["lower", "upper", "keep"]), min_size=8, max_size=8),
    pads=st.lists(st.sampled_from(["", " ", "  "]), min_size=8, max_size=8),
    delimiter=st.sampled_from([",", ";"]),
)
def test_any_header_order_case_or_spacing_reads_the_same(
    tmp_path: Path, order: list[int], cases: list[str], pads: list[str], delimiter: str
) -> None:
    def spelled(position: int) -> str:
        name = HEADER[position]
        name = {"lower": name.lower(), "upper": name.upper(), "keep": name}[cases[position]]
        return f"{pads[position]}{name}{pads[position]}"

    rows = [(*row, f"sso-{n}" if n else "") for n, row in enumerate(GOOD_ROWS)]
    lines = [csv_line([spelled(p) for p in order], delimiter)]
    lines += [csv_line([row[p] for p in order], delimiter) for row in rows]
    roster = read(write_csv(tmp_path / f"Lista{delimiter == ';'}.csv", lines))
    assert [(p.id, p.given_name, p.family_name, p.email, p.role) for p in roster.persons] == [
        ("asa.oberg@sjostad.se", "Åsa", "Öberg", "asa.oberg@sjostad.se", "student"),
        ("sso-1", "Bertil", "Ahl", "bertil.ahl@sjostad.se", "student"),
        ("sso-2", "Carin", "Lund", "carin.lund@sjostad.se", "teacher"),
    ]
    assert [g.id for g in roster.groups] == ["Sjöstad/Centralskolan/7A"]
    assert len(roster.memberships) == 2
    assert roster.file_findings == []


# -- rows that go wrong -------------------------------------------------------------------------


def test_merged_cells_are_named_and_every_row_is_still_read(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "Lista.xlsx", GOOD_ROWS, merge="F2:F4")
    roster = read(path)
    assert messages(roster, "SOURCE_VALUE_NONSTANDARD") == [
        "Lista.xlsx: cells F2:F4 are merged; only F2 holds the value, the others read as empty"
    ]
    assert roster.file_findings[0].ref == "Lista.xlsx:2"
    assert [p.id for p in roster.persons] == GOOD_KEYS
    municipalities = [p.raw.as_dict()["Municipality"] for p in roster.persons]  # type: ignore[union-attr]
    assert municipalities == ["Sjöstad", "", ""]  # as openpyxl gives them


def test_blank_rows_in_a_workbook(tmp_path: Path) -> None:
    blank = (None,) * 7
    rows = [GOOD_ROWS[0], blank, blank, GOOD_ROWS[1], blank, GOOD_ROWS[2], blank, blank]
    roster = read(write_xlsx(tmp_path / "Lista.xlsx", rows))
    assert [p.id for p in roster.persons] == GOOD_KEYS
    assert [p.raw.line for p in roster.persons] == [2, 5, 7]  # type: ignore[union-attr]
    assert [(f.message, f.ref) for f in roster.file_findings] == [
        ("rows 3-4 are blank; skipped", "Lista.xlsx:3"),
        ("row 6 is blank; skipped", "Lista.xlsx:6"),
    ]  # the blank rows at the end are not worth a word


def test_blank_lines_in_a_csv(tmp_path: Path) -> None:
    lines = [csv_line(HEADER[:7], ";"), csv_line(GOOD_ROWS[0], ";"), "", ";;;;;;"]
    lines += ['"bertil.ahl@sjostad.se";Bertil;"Ahl\nAhlsson";7A;Centralskolan;Sjöstad;Elev', ""]
    lines += [csv_line(GOOD_ROWS[2], ";"), "", ";;;;;;"]
    roster = read(write_csv(tmp_path / "Lista.csv", lines))
    assert [p.id for p in roster.persons] == GOOD_KEYS
    assert [p.raw.line for p in roster.persons] == [2, 5, 8]  # type: ignore[union-attr]
    assert roster.persons[1].family_name == "Ahl\nAhlsson"
    assert [(f.message, f.ref) for f in roster.file_findings] == [
        ("rows 3-4 are blank; skipped", "Lista.csv:3"),
        ("row 7 is blank; skipped", "Lista.csv:7"),
    ]


def test_header_below_blank_rows(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row_number, row in enumerate((HEADER[:7], *GOOD_ROWS), start=3):
        for column, value in enumerate(row, start=1):
            sheet.cell(row_number, column, value)
    workbook.save(tmp_path / "Lista.xlsx")
    roster = read(tmp_path / "Lista.xlsx")
    assert [p.id for p in roster.persons] == GOOD_KEYS
    assert [p.raw.line for p in roster.persons] == [4, 5, 6]  # type: ignore[union-attr]
    assert roster.file_findings == []


def test_header_only_is_an_empty_list(tmp_path: Path) -> None:
    roster = read(write_xlsx(tmp_path / "Lista.xlsx", [(None,) * 7]))
    assert (roster.persons, roster.schools, roster.groups, roster.memberships) == ([], [], [], [])
    assert [(f.code, f.kind, f.key, f.message, f.ref) for f in roster.file_findings] == [
        (
            "SOURCE_FILE_EMPTY",
            "file",
            "Lista.xlsx",
            "Lista.xlsx:2: the file has a header but no rows",
            "Lista.xlsx:2",
        )
    ]
    assert roster.headers == {"Lista.xlsx": HEADER[:7]}


def test_csv_row_with_too_many_fields_is_malformed_and_invents_nothing(tmp_path: Path) -> None:
    lines = [csv_line(HEADER[:7]), csv_line(GOOD_ROWS[0])]
    lines += ["dana@sjostad.se,Dana,Berg, Lind,7A,Centralskolan,Sjöstad,Elev"]
    lines += [csv_line(GOOD_ROWS[1]), csv_line(GOOD_ROWS[2])]
    roster = read(write_csv(tmp_path / "Lista.csv", lines))
    assert [p.id for p in roster.persons] == [GOOD_KEYS[0], "dana@sjostad.se", *GOOD_KEYS[1:]]
    dana = roster.persons[1]
    assert [(i.code, i.field) for i in dana.issues] == [("SOURCE_ROW_MALFORMED", None)]
    assert dana.issues[0].message == (
        "row has 8 fields, the header has 7 (a value holding the separator needs quotes)"
    )
    assert len(dana.raw.values) == 8  # type: ignore[union-attr]
    assert [s.id for s in roster.schools] == ["Sjöstad/Centralskolan"]  # no school "Sjöstad/7A"
    assert [m.person_id for m in roster.memberships] == GOOD_KEYS[:2]
    evaluation = judged(roster)
    assert [(v.key, v.status) for v in evaluation.persons] == [
        (GOOD_KEYS[0], "imported"),
        ("dana@sjostad.se", "skipped"),
        (GOOD_KEYS[1], "imported"),
        (GOOD_KEYS[2], "imported"),
    ]
    assert "SOURCE_ROW_MALFORMED" in codes(evaluation.persons[1])


def test_csv_row_with_too_few_fields_names_the_first_missing_column(tmp_path: Path) -> None:
    lines = [csv_line(HEADER[:7]), "erik@sjostad.se,Erik,Berg,7A,Centralskolan"]
    lines += [csv_line(row) for row in GOOD_ROWS]
    roster = read(write_csv(tmp_path / "Lista.csv", lines))
    erik = roster.persons[0]
    assert [(i.code, i.message, i.field) for i in erik.issues] == [
        ("SOURCE_ROW_MALFORMED", "row has 5 fields, the header has 7", "Municipality")
    ]
    assert [p.id for p in roster.persons[1:]] == GOOD_KEYS


def test_excel_error_cell_is_malformed_on_its_row_only(tmp_path: Path) -> None:
    rows = [("fia@sjostad.se", "Fia", "Berg", "#N/A", "Centralskolan", "Sjöstad", "Elev")]
    roster = read(write_xlsx(tmp_path / "Lista.xlsx", [*rows, *GOOD_ROWS]))
    fia = roster.persons[0]
    assert [(i.code, i.message, i.field) for i in fia.issues] == [
        (
            "SOURCE_ROW_MALFORMED",
            "Class holds the Excel error '#N/A'; the cell cannot be read",
            "Class",
        )
    ]
    assert fia.raw.as_dict()["Class"] == "#N/A"  # type: ignore[union-attr]
    assert [g.id for g in roster.groups] == ["Sjöstad/Centralskolan/7A"]  # no group "#N/A"
    assert [p.id for p in roster.persons[1:]] == GOOD_KEYS
    assert judged(roster).persons[0].status == "skipped"


def test_a_value_beyond_the_header_in_a_workbook(tmp_path: Path) -> None:
    rows = [(*GOOD_ROWS[0], None, "slutar 1/12"), *GOOD_ROWS[1:]]
    roster = read(write_xlsx(tmp_path / "Lista.xlsx", rows))
    assert [(i.code, i.message) for i in roster.persons[0].issues] == [
        ("SOURCE_ROW_MALFORMED", "column 9 holds 'slutar 1/12' but has no header")
    ]
    assert [g.id for g in roster.groups] == ["Sjöstad/Centralskolan/7A"]  # columns can't shift
    assert [p.id for p in roster.persons] == GOOD_KEYS


def test_excel_values_become_plain_text(tmp_path: Path) -> None:
    header = (*HEADER, "Born", "Score", "Active")
    rows = [(*GOOD_ROWS[0], 7.0, datetime(2012, 3, 4), 4.5, True)]
    roster = read(write_xlsx(tmp_path / "Lista.xlsx", rows, header))
    raw = roster.persons[0].raw.as_dict()  # type: ignore[union-attr]
    assert (raw["SSOID"], raw["Born"], raw["Score"], raw["Active"]) == (
        "7",
        "2012-03-04",
        "4.5",
        "TRUE",
    )
    assert roster.persons[0].id == "7"


def test_teacher_with_a_class_gets_no_group(tmp_path: Path) -> None:
    rows = [("gun@sjostad.se", "Gun", "Ek", "9B", "Centralskolan", "Sjöstad", "Lärare")]
    roster = read(write_xlsx(tmp_path / "Lista.xlsx", rows))
    assert (roster.groups, roster.memberships) == ([], [])
    assert [p.school_id for p in roster.persons[0].placements] == ["Sjöstad/Centralskolan"]


def test_person_without_a_school_has_no_placement(tmp_path: Path) -> None:
    rows = [("hans@sjostad.se", "Hans", "Ek", "9B", "", "Sjöstad", "Elev"), *GOOD_ROWS]
    roster = read(write_xlsx(tmp_path / "Lista.xlsx", rows))
    assert roster.persons[0].placements == []
    assert [g.id for g in roster.groups] == ["Sjöstad/Centralskolan/7A"]
    hans = judged(roster).persons[0]
    assert hans.status == "skipped" and "PERSON_NO_SCHOOL" in codes(hans)


# -- files that are not what they say ---------------------------------------------------------


def test_semicolon_csv_with_bom(tmp_path: Path) -> None:
    lines = [csv_line(HEADER[:7], ";"), *(csv_line(row, ";") for row in GOOD_ROWS)]
    roster = read(write_csv(tmp_path / "Binogi_Sjostad_20261122.csv", lines, bom=True))
    assert roster.format == "sheet csv"
    assert roster.headers == {"Binogi_Sjostad_20261122.csv": HEADER[:7]}
    assert [(p.id, p.given_name, p.family_name) for p in roster.persons] == [
        ("asa.oberg@sjostad.se", "Åsa", "Öberg"),
        ("bertil.ahl@sjostad.se", "Bertil", "Ahl"),
        ("carin.lund@sjostad.se", "Carin", "Lund"),
    ]
    assert roster.as_of_hint == date(2026, 11, 22)
    assert roster.file_findings == []
    assert roster.persons[0].raw.ref == "Binogi_Sjostad_20261122.csv:2"  # type: ignore[union-attr]


def test_cp1252_csv_from_excel(tmp_path: Path) -> None:
    lines = [csv_line(HEADER[:7], ";"), *(csv_line(row, ";") for row in GOOD_ROWS)]
    lines.append("dan.ostlund@sjostad.se;Dan;Östlund;7A;Ängskolan;Sjöstad;Lärare;;")
    roster = read(write_csv(tmp_path / "Lista.csv", lines, encoding="cp1252"))
    assert (roster.persons[0].given_name, roster.persons[0].family_name) == ("Åsa", "Öberg")
    assert [p.id for p in roster.persons] == [*GOOD_KEYS, "dan.ostlund@sjostad.se"]
    assert roster.persons[3].role == "teacher" and roster.persons[3].issues == ()
    assert [s.name for s in roster.schools] == ["Centralskolan", "Ängskolan"]
    assert [(f.code, f.message) for f in roster.file_findings] == [
        (
            "SOURCE_ENCODING",
            "Lista.csv is not UTF-8 (first bad byte on line 2); read as Windows-1252",
        )
    ]


def test_csv_with_trailing_empty_columns(tmp_path: Path) -> None:
    """Ignored, with a warning on the file (issue 10): every person is read as sent."""
    lines = [csv_line(HEADER[:7]) + ",,", *(csv_line(row) + ",," for row in GOOD_ROWS)]
    roster = read(write_csv(tmp_path / "Lista.csv", lines))
    assert roster.headers == {"Lista.csv": HEADER[:7]}
    assert [p.id for p in roster.persons] == GOOD_KEYS
    assert all(p.issues == () for p in roster.persons)
    assert messages(roster, "SOURCE_HEADER_INVALID") == [
        "Lista.csv:1: the header ends in 2 empty cells (columns 8-9, as spreadsheet tools save "
        "formatted empty columns); ignored, and a row with a value there is reported on its own"
    ]
    assert [f.code for f in roster.file_findings] == ["SOURCE_HEADER_INVALID"]


def test_xlsx_that_is_really_a_csv(tmp_path: Path) -> None:
    lines = [csv_line(HEADER[:7], ";"), *(csv_line(row, ";") for row in GOOD_ROWS)]
    roster = read(write_csv(tmp_path / "Binogi_Sjostad_20261122.xlsx", lines))
    assert roster.format == "sheet csv"
    assert messages(roster, "SOURCE_VALUE_NONSTANDARD") == [
        "Binogi_Sjostad_20261122.xlsx is a CSV file named .xlsx; read as CSV"
    ]
    assert [p.id for p in roster.persons] == GOOD_KEYS
    assert roster.as_of_hint == date(2026, 11, 22)


def test_csv_that_is_really_a_workbook(tmp_path: Path) -> None:
    roster = read(write_xlsx(tmp_path / "Lista.csv", GOOD_ROWS))
    assert roster.format == "sheet xlsx"
    assert messages(roster, "SOURCE_VALUE_NONSTANDARD") == [
        "Lista.csv is an .xlsx workbook named .csv; read as XLSX"
    ]
    assert [p.id for p in roster.persons] == GOOD_KEYS


def test_xlsx_that_is_neither(tmp_path: Path) -> None:
    path = tmp_path / "Lista.xlsx"
    path.write_bytes(bytes(range(256)) * 4)
    error = read_fails(path)
    assert error.code == "SOURCE_UNREADABLE"
    assert error.message.startswith("Lista.xlsx is not an .xlsx workbook (")


def test_damaged_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "Lista.xlsx", GOOD_ROWS)
    path.write_bytes(path.read_bytes()[:300])
    error = read_fails(path)
    assert error.code == "SOURCE_UNREADABLE"
    assert error.message.startswith("Lista.xlsx is not an .xlsx workbook (damaged zip")


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "Lista.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("users.csv", "sourcedId\n")
    error = read_fails(path)
    assert error.message.startswith("Lista.xlsx is not an .xlsx workbook (a zip, but")


def test_password_protected_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "Lista.xlsx"
    cfb = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    path.write_bytes(cfb + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 512)
    error = read_fails(path)
    assert (
        error.message == "Lista.xlsx is password-protected; save it from Excel without a password"
    )


def test_old_xls_workbook(tmp_path: Path) -> None:
    path = tmp_path / "Lista.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    assert "old Excel 97-2003 (.xls) workbook" in read_fails(path).message


def test_utf16_text(tmp_path: Path) -> None:
    path = tmp_path / "Lista.csv"
    path.write_bytes("\ufeff".encode("utf-16-le") + "\t".join(HEADER).encode("utf-16-le"))
    assert "UTF-16" in read_fails(path).message


@pytest.mark.parametrize("name", ["Lista.csv", "Lista.xlsx"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"")
    error = read_fails(tmp_path / name)
    assert error.code == "SOURCE_HEADER_INVALID"
    assert error.message == f"{name}: the file is empty (no header row)"


def test_empty_worksheet(tmp_path: Path) -> None:
    openpyxl.Workbook().save(tmp_path / "Lista.xlsx")
    assert read_fails(tmp_path / "Lista.xlsx").message == (
        "Lista.xlsx: the worksheet is empty (no header row)"
    )


def test_missing_file(tmp_path: Path) -> None:
    error = read_fails(tmp_path / "Binogi_Sjostad_20261122.xlsx")
    assert error.code == "SOURCE_UNREADABLE"
    assert error.message == f"{tmp_path / 'Binogi_Sjostad_20261122.xlsx'}: no such file"


def test_only_the_first_worksheet_is_read(tmp_path: Path) -> None:
    roster = read(write_xlsx(tmp_path / "Lista.xlsx", GOOD_ROWS, more_sheets=1))
    assert [p.id for p in roster.persons] == GOOD_KEYS
    assert messages(roster, "SOURCE_VALUE_NONSTANDARD") == [
        "Lista.xlsx has 2 worksheets; only the first ('Elever') was read"
    ]


# -- the list's date --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("Lista.xlsx", False),
        ("Binogi_Sjostad.xlsx", False),
        ("Binogi_Sjostad_2026112.xlsx", False),
        ("Binogi_Sjostad_20261399.xlsx", True),
    ],
)
def test_as_of_falls_back_to_the_modification_date(tmp_path: Path, name: str, note: bool) -> None:
    path = write_xlsx(tmp_path / name, GOOD_ROWS)
    stamp = datetime(2026, 10, 5, 12, 0).timestamp()
    os.utime(path, (stamp, stamp))
    roster = read(path)
    assert roster.as_of_hint == date(2026, 10, 5)
    found = messages(roster, "SOURCE_VALUE_NONSTANDARD")
    assert found == (
        [
            f"{name}: '20261399' in the file name is not a date (yyyymmdd); "
            "used the file's modification date"
        ]
        if note
        else []
    )
