"""Writing export rows to a file: CSV, JSON lines, or the customer's .xlsx validation file.

Every format is written row by row as the rows arrive (a night of 10 M rows is never held in
memory). The file is written beside its final name and renamed into place, so an interrupted
export never leaves half a validation file where the customer expects a whole one.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rostertui.domain.catalogue import RULES
from rostertui.domain.model import KIND_LABELS
from rostertui.domain.verdict import SEVERITY_ORDER
from rostertui.store.queries import EXPORT_COLUMNS

SUFFIXES = (".csv", ".jsonl", ".xlsx")
EXCEL_ROWS = 1_048_576  # the most rows an Excel sheet holds, its header row included
_SHEETS = {**KIND_LABELS, "run": "Run and files", "file": "Run and files"}


class ExportError(Exception):
    """The export cannot be written where asked; the message says why."""


@dataclass(frozen=True)
class Exported:
    """What an export wrote: its rows and, for an .xlsx, its data sheets in order, and each
    import type that filled more than one sheet with the sheets it fills."""

    rows: int
    sheets: tuple[str, ...] = ()
    split: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def note(self) -> str:
        """Why the file has more sheets than import types, in a sentence ("" if it has not)."""
        if not self.split:
            return ""
        parts = "; ".join(
            f"{title} continues on {_and(list(sheets[1:]))}" for title, sheets in self.split
        )
        return f"Excel holds {EXCEL_ROWS:,} rows a sheet (the header included), so {parts}"

    @property
    def in_sheets(self) -> str:
        """ " in 3 sheets: Excel holds …" to end the line that reports the export ("" unsplit):
        a type that outgrew its sheet is said, not left to be found."""
        return f" in {len(self.sheets)} sheets: {self.note}" if self.split else ""


def export_file(
    output: Path, rows: Iterable[dict[str, str]], described: dict[str, str] | None = None
) -> Exported:
    """Write `rows` to `output` by its suffix, one by one as they arrive; `described` (what
    the rows are: run, filters) heads the summary sheet of an .xlsx."""
    suffix = output.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportError(f"{output}: the file name must end in {', '.join(SUFFIXES)}")
    partial = output.with_name(output.name + ".part")
    try:
        if suffix == ".xlsx":
            result = _xlsx(partial, rows, described or {})
        else:
            result = Exported({".csv": _csv, ".jsonl": _jsonl}[suffix](partial, rows))
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ExportError(f"{output}: cannot write ({exc.strerror})") from exc
    except BaseException:  # the rows could not be read to the end: no half file stays
        partial.unlink(missing_ok=True)
        raise
    return result


def _csv(path: Path, rows: Iterable[dict[str, str]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _jsonl(path: Path, rows: Iterable[dict[str, str]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def _xlsx(path: Path, rows: Iterable[dict[str, str]], described: dict[str, str]) -> Exported:
    """One sheet per import type in the order rows arrive, each with the contract's columns, an
    autofilter and column widths; a type with more rows than a sheet holds (EXCEL_ROWS, the
    header included) continues on "Memberships (2)", "Memberships (3)" … each with the header.
    Then a summary sheet, the one the file opens on: what the view was, how the rows were split
    over sheets if they were, and its rows per code with the fix and who owns it (once a code,
    not once a row: a million memberships would repeat the same sentence a million times).
    Streamed (write-only): memory stays flat whatever the rows. openpyxl is imported here:
    every other command would pay its 0.3 s import for nothing."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    per_sheet = EXCEL_ROWS - 1  # read at call time: a test lowers it
    current: dict[str, list] = {}  # import type → [the sheet being written, its rows, type]
    written: list[list] = []
    parts: dict[str, list[str]] = {}  # import type → the names of its sheets
    counts: Counter[tuple[str, str, str]] = Counter()
    count = 0
    for row in rows:
        count += 1
        counts[row["kind"], row["code"], row["severity"]] += 1
        title = _SHEETS.get(row["kind"], row["kind"])
        entry = current.get(title)
        if entry is None or entry[1] >= per_sheet:  # first row of this type, or sheet full
            names = parts.setdefault(title, [])
            name = f"{title} ({len(names) + 1})" if names else title
            names.append(name)
            entry = current[title] = [_data_sheet(workbook, name), 0, title]
            written.append(entry)
        entry[0].append([_cell(row[c]) for c in EXPORT_COLUMNS])
        entry[1] += 1
    if not written:
        written.append([_data_sheet(workbook, "Findings"), 0, ""])
    for sheet, used, _ in written:
        sheet.auto_filter.ref = f"A1:{_letter(len(EXPORT_COLUMNS))}{used + 1}"
        sheet.sheet_view.tabSelected = False
    result = Exported(
        count,
        tuple(entry[0].title for entry in written),
        tuple((title, tuple(names)) for title, names in parts.items() if len(names) > 1),
    )
    summary = workbook.create_sheet("Summary")
    summary.sheet_view.tabSelected = True
    _summary(summary, described, counts, result)
    workbook.active = len(written)  # the file opens on its summary
    workbook.save(path)
    return result


_WIDTHS = {
    "run_id": 7, "kind": 11, "key": 18, "name": 24, "email": 30, "school": 22, "group": 14,
    "status": 10, "change": 10, "code": 32, "severity": 9, "message": 60, "root_kind": 10,
    "root_key": 18, "root_code": 28, "source_ref": 22, "appears_on": 11,
}  # fmt: skip


def _data_sheet(workbook, title: str):
    """A sheet with the header row (bold, frozen, filterable) and set column widths; widths
    must be set before the first row in a streamed sheet."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for n, column in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[_letter(n)].width = _WIDTHS[column]
    bold = Font(bold=True)
    header = []
    for column in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def _summary(sheet, described: dict[str, str], counts: Counter, result: Exported) -> None:
    """What the file holds (the view's run and filters; the sheets, when a type is split over
    several) and its rows per code, with the fix and its owner (domain/catalogue.py)."""
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 34
    sheet.column_dimensions["E"].width = 60
    for name, value in described.items():
        sheet.append([name, _cell(value)])
    sheet.append(["rows", result.rows])
    if result.split:
        sheet.append(["sheets", f"{len(result.sheets)} sheets: {result.note}"])
    sheet.append([])
    sheet.append(["kind", "code", "severity", "rows", "fix", "owner"])
    for (kind, code, severity), rows in sorted(
        counts.items(), key=lambda item: (SEVERITY_ORDER.get(item[0][2], 9), -item[1])
    ):
        rule = RULES.get(code)
        fix, owner = (rule.fix, rule.owner) if rule else ("", "")
        sheet.append([kind, code or "(no finding)", severity, rows, _cell(fix), owner])


def _and(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _letter(column: int) -> str:
    """A column's letter (1 → A); the sheets have fewer than 27 columns."""
    return chr(ord("A") + column - 1)


def _cell(value: str) -> str | int:
    """Numbers stay numbers (run_id); everything else is text, never a formula."""
    if value.isdigit() and len(value) < 10:
        return int(value)
    if value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value
