"""Writing export rows to a file: CSV, JSON lines, or the customer's .xlsx validation file.

The file is written beside its final name and renamed into place, so an interrupted export never
leaves half a validation file where the customer expects a whole one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from rostertui.domain.model import KIND_LABELS
from rostertui.store.queries import EXPORT_COLUMNS

SUFFIXES = (".csv", ".jsonl", ".xlsx")
_SHEET_ROWS = 1_048_575  # Excel's limit, less the header row
_SHEETS = {**KIND_LABELS, "run": "Run and files", "file": "Run and files"}


class ExportError(Exception):
    """The export cannot be written where asked; the message says why."""


def write_export(output: Path, rows: Iterable[dict[str, str]]) -> int:
    suffix = output.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportError(f"{output}: the file name must end in {', '.join(SUFFIXES)}")
    partial = output.with_name(output.name + ".part")
    try:
        count = {".csv": _csv, ".jsonl": _jsonl, ".xlsx": _xlsx}[suffix](partial, rows)
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


def _xlsx(path: Path, rows: Iterable[dict[str, str]]) -> int:
    """One sheet per import type, in the order rows arrive; streamed (write-only). openpyxl is
    imported here: every other command would pay its 0.3 s import for nothing."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheets: dict[str, tuple[object, int]] = {}
    bold = Font(bold=True)
    count = 0
    for row in rows:
        count += 1
        title = _SHEETS.get(row["kind"], row["kind"])
        sheet, used = sheets.get(title, (None, _SHEET_ROWS))
        if used >= _SHEET_ROWS:  # first row of this kind, or the sheet is full
            part = sum(1 for name in sheets if name.startswith(title))
            sheet = workbook.create_sheet(title if not part else f"{title} {part + 1}")
            sheet.freeze_panes = "A2"
            header = []
            for column in EXPORT_COLUMNS:
                cell = WriteOnlyCell(sheet, value=column)
                cell.font = bold
                header.append(cell)
            sheet.append(header)
            used = 0
        sheet.append([_cell(row[column]) for column in EXPORT_COLUMNS])
        sheets[title] = (sheet, used + 1)
    if not sheets:
        workbook.create_sheet("Findings").append(list(EXPORT_COLUMNS))
    workbook.save(path)
    return count


def _cell(value: str) -> str | int:
    """Numbers stay numbers (run_id); everything else is text, never a formula."""
    if value.isdigit() and len(value) < 10:
        return int(value)
    if value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value
