"""Writing export rows to a file: CSV, JSON lines, or the customer's .xlsx validation file.

The file is written beside its final name and renamed into place, so an interrupted export never
leaves half a validation file where the customer expects a whole one.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from rostertui.domain.catalogue import RULES
from rostertui.domain.model import KIND_LABELS
from rostertui.domain.verdict import SEVERITY_ORDER
from rostertui.store.queries import EXPORT_COLUMNS

SUFFIXES = (".csv", ".jsonl", ".xlsx")
_SHEET_ROWS = 1_048_575  # Excel's limit, less the header row
_SHEETS = {**KIND_LABELS, "run": "Run and files", "file": "Run and files"}


class ExportError(Exception):
    """The export cannot be written where asked; the message says why."""


def write_export(
    output: Path, rows: Iterable[dict[str, str]], described: dict[str, str] | None = None
) -> int:
    """Write `rows` to `output` by its suffix; `described` (what the rows are: run, filters)
    heads the summary sheet of an .xlsx."""
    suffix = output.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportError(f"{output}: the file name must end in {', '.join(SUFFIXES)}")
    partial = output.with_name(output.name + ".part")
    try:
        if suffix == ".xlsx":
            count = _xlsx(partial, rows, described or {})
        else:
            count = {".csv": _csv, ".jsonl": _jsonl}[suffix](partial, rows)
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ExportError(f"{output}: cannot write ({exc.strerror})") from exc
    except BaseException:  # the rows could not be read to the end: no half file stays
        partial.unlink(missing_ok=True)
        raise
    return count


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


def _xlsx(path: Path, rows: Iterable[dict[str, str]], described: dict[str, str]) -> int:
    """One sheet per import type in the order rows arrive, each with the contract's columns, an
    autofilter and column widths; then a summary sheet, the one the file opens on: what the
    view was, and its rows per code with the fix and who owns it (once a code, not once a row:
    a million memberships would repeat the same sentence a million times). Streamed
    (write-only). openpyxl is imported here: every other command would pay its 0.3 s import
    for nothing."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    current: dict[str, list] = {}  # import type → [the sheet being written, its rows, type]
    written: list[list] = []
    counts: Counter[tuple[str, str, str]] = Counter()
    count = 0
    for row in rows:
        count += 1
        counts[row["kind"], row["code"], row["severity"]] += 1
        title = _SHEETS.get(row["kind"], row["kind"])
        entry = current.get(title)
        if entry is None or entry[1] >= _SHEET_ROWS:  # first row of this type, or sheet full
            part = sum(1 for e in written if e[2] == title)
            name = f"{title} {part + 1}" if part else title
            entry = current[title] = [_data_sheet(workbook, name), 0, title]
            written.append(entry)
        entry[0].append([_cell(row[c]) for c in EXPORT_COLUMNS])
        entry[1] += 1
    if not written:
        written.append([_data_sheet(workbook, "Findings"), 0, ""])
    for sheet, used, _ in written:
        sheet.auto_filter.ref = f"A1:{_letter(len(EXPORT_COLUMNS))}{used + 1}"
        sheet.sheet_view.tabSelected = False
    summary = workbook.create_sheet("Summary")
    summary.sheet_view.tabSelected = True
    _summary(summary, described, counts, count)
    workbook.active = len(written)  # the file opens on its summary
    workbook.save(path)
    return count


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


def _summary(sheet, described: dict[str, str], counts: Counter, total: int) -> None:
    """What the file holds (the view's run and filters) and its rows per code, with the fix and
    its owner (domain/catalogue.py)."""
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 34
    sheet.column_dimensions["E"].width = 60
    for name, value in described.items():
        sheet.append([name, _cell(value)])
    sheet.append(["rows", total])
    sheet.append([])
    sheet.append(["kind", "code", "severity", "rows", "fix", "owner"])
    for (kind, code, severity), rows in sorted(
        counts.items(), key=lambda item: (SEVERITY_ORDER.get(item[0][2], 9), -item[1])
    ):
        rule = RULES.get(code)
        fix, owner = (rule.fix, rule.owner) if rule else ("", "")
        sheet.append([kind, code or "(no finding)", severity, rows, _cell(fix), owner])


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
