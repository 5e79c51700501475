"""Exports of any size: CSV and JSON lines are written row by row as the rows arrive (memory
stays flat), and an .xlsx type that outgrows Excel's sheet continues on further sheets, said
plainly in the Summary sheet and on the CLI's line."""

from __future__ import annotations

import csv
import json
import tracemalloc
from collections import Counter
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from rostertui import exports
from rostertui.cli import app
from rostertui.exports import EXCEL_ROWS, export_file
from rostertui.store.queries import EXPORT_COLUMNS, Queries

runner = CliRunner()


def latest_rows(db) -> tuple[int, list[tuple]]:
    """The latest run's id and its export rows, as tuples in the contract's column order."""
    with Queries.open(db) as q:
        run = q.run_with_records(None).id
        return run, [tuple(row[c] for c in EXPORT_COLUMNS) for row in q.export_rows(run)]


def as_text(values: tuple) -> tuple[str, ...]:
    """A sheet row as export_rows gave it: the .xlsx keeps run_id a number, a formula-looking
    value quoted, an empty cell empty."""
    return tuple(
        "" if v is None else (v[1:] if isinstance(v, str) and v.startswith("'") else str(v))
        for v in values
    )


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_excel_rows_is_excels_own_limit():
    assert EXCEL_ROWS == 1_048_576


@pytest.mark.parametrize("limit", [50, 602])  # 602: the persons fill exactly one sheet
def test_a_type_larger_than_a_sheet_continues_on_further_sheets(
    demo_db, tmp_path, monkeypatch, limit
):
    from openpyxl import load_workbook

    monkeypatch.setattr(exports, "EXCEL_ROWS", limit)
    run, expected = latest_rows(demo_db)
    kinds = Counter(row[1] for row in expected)
    assert kinds["membership"] > 2 * limit  # the demo run is larger than the sheet here
    target = tmp_path / "big.xlsx"
    result = runner.invoke(app, ["export", "--db", str(demo_db), "-o", str(target)])
    assert result.exit_code == 0, result.output

    book = load_workbook(target, read_only=True)
    *data, summary = book.sheetnames
    assert summary == "Summary"
    seen: list[tuple] = []
    by_type: dict[str, list[str]] = {}
    for name in data:
        header, *rows = book[name].iter_rows(values_only=True)
        assert header == EXPORT_COLUMNS  # every sheet has the header
        assert 0 < len(rows) + 1 <= limit  # … and no more rows than Excel holds, header included
        seen += [as_text(row) for row in rows]
        by_type.setdefault(name.split(" (")[0], []).append(name)
    assert Counter(seen) == Counter(expected)  # every row exactly once, across the sheets
    assert len(seen) == len(expected)

    memberships = by_type["Memberships"]
    pages = -(-kinds["membership"] // (limit - 1))
    assert memberships == ["Memberships", *(f"Memberships ({n})" for n in range(2, pages + 1))]
    assert len(by_type["Users"]) == -(-kinds["person"] // (limit - 1))  # 602: exactly one
    split = [title for title, names in by_type.items() if len(names) > 1]

    said = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row}
    assert said["rows"] == len(expected)
    sheets = said["sheets"]
    assert sheets.startswith(f"{len(data)} sheets: Excel holds {limit:,} rows a sheet")
    assert "Memberships continues on Memberships (2)" in sheets
    assert all(f"{title} continues on" in sheets for title in split)

    line = one_line(result.stderr)
    assert f"Wrote {len(expected):,} rows of run {run} to" in line
    assert f"in {len(data)} sheets: Excel holds {limit:,} rows a sheet" in line
    assert "Memberships continues on Memberships (2)" in line


def test_an_xlsx_that_fits_says_nothing_of_sheets(demo_db, tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "fits.xlsx"
    result = runner.invoke(app, ["export", "--db", str(demo_db), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "sheets" not in result.stderr
    book = load_workbook(target, read_only=True)
    assert book.sheetnames == ["Schools", "Users", "Groups", "Memberships", "Summary"]
    assert "sheets" not in {row[0] for row in book["Summary"].iter_rows(values_only=True) if row}


def test_a_csv_of_the_whole_run_has_a_line_per_row_and_the_header(demo_db, tmp_path):
    run, expected = latest_rows(demo_db)
    target = tmp_path / "all.csv"
    result = runner.invoke(app, ["export", "--db", str(demo_db), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {len(expected):,} rows of run {run}" in one_line(result.stderr)
    with target.open(encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines()
    assert len(lines) == len(expected) + 1
    with target.open(encoding="utf-8", newline="") as handle:
        header, *rows = csv.reader(handle)
    assert tuple(header) == EXPORT_COLUMNS
    assert [tuple(row) for row in rows] == expected


def test_a_jsonl_of_the_whole_run_has_a_line_per_row(demo_db, tmp_path):
    _, expected = latest_rows(demo_db)
    target = tmp_path / "all.jsonl"
    result = runner.invoke(app, ["export", "--db", str(demo_db), "-o", str(target)])
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [tuple(json.loads(line).values()) for line in lines] == expected


def many_rows(count: int) -> Iterator[dict[str, str]]:
    """`count` export rows, made as they are asked for, each its own strings."""
    for n in range(count):
        row = dict.fromkeys(EXPORT_COLUMNS, "")
        row.update(
            run_id="7", kind="membership", key=f"m-{n:08d}", name=f"Person {n}",
            email=f"person{n}@school.example", school="Skola", group="9B", status="imported",
            code="MEMBERSHIP_ROLE_UNKNOWN" if n % 3 else "", severity="warning" if n % 3 else "",
            message=f"the role of membership {n} is not one the policy knows",
        )  # fmt: skip
        yield row


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_text_exports_take_rows_one_at_a_time(tmp_path, suffix):
    """20,000 rows held at once would take some 30 MB; streamed, a few hundred kB."""
    tracemalloc.start()
    try:
        count = export_file(tmp_path / f"many{suffix}", many_rows(20_000)).rows
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < 2_000_000, f"{peak:,} bytes at the peak"


def test_an_xlsx_takes_rows_one_at_a_time_and_splits_them(tmp_path, monkeypatch):
    """openpyxl's write-only sheets: 5,000 rows of cells held would take some 40 MB."""
    monkeypatch.setattr(exports, "EXCEL_ROWS", 2_001)
    tracemalloc.start()
    try:
        written = export_file(tmp_path / "many.xlsx", many_rows(5_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written.rows == 5_000
    assert written.sheets == ("Memberships", "Memberships (2)", "Memberships (3)")
    assert written.split == (("Memberships", written.sheets),)
    assert written.note == (
        "Excel holds 2,001 rows a sheet (the header included), so Memberships continues on "
        "Memberships (2) and Memberships (3)"
    )
    assert peak < 3_000_000, f"{peak:,} bytes at the peak"
