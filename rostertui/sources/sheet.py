"""Spreadsheet upload lists (.xlsx or .csv) into the canonical Roster.

The simple vendor format is one row per person —
`Email, FirstName, LastName, Class, School, Municipality, Role[, SSOID]` — typed by hand in
Excel by somebody at a school office, so everything about it is loose: headers in any case and
order, Swedish role words, blank spacer rows, merged cells, a CSV saved under an .xlsx name,
cp1252 from an old Excel. Each such fault becomes a finding on the row or the file it is in,
never a crash; only a file that cannot be a list at all (missing, not a workbook, no usable
header) raises SourceError and fails the run.

Keys follow DESIGN.md "Spreadsheet keys": a person is its SSOID, else its e-mail in lower case,
else `row:<n>`; a school is `<municipality>/<school>`; a class `<school id>/<class>`; a
membership `<person>/<group>`. A sheet carries no dates and no teacher–class links, and its
Role column only knows students and teachers: `Capabilities` says so, so the evaluator does not
invent findings the format has no data for.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

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
from rostertui.domain.policy import Policy
from rostertui.sources.files import (
    beyond_header,
    decode,
    named_width,
    nul_removed,
    parse_csv,
    refuse_zip_bombs,
    unnamed_columns,
)

REQUIRED_COLUMNS = ("Email", "FirstName", "LastName", "Class", "School", "Municipality", "Role")
OPTIONAL_COLUMNS = ("SSOID",)
MERGE_CHECK_LIMIT = 5 * 1024 * 1024
"""Only a workbook smaller than this is opened a second time, fully, to look for merged cells:
read-only mode cannot see them, and a full load of a large workbook costs minutes and memory."""

_ROLES = {
    "student": "student",
    "elev": "student",
    "pupil": "student",
    "teacher": "teacher",
    "lärare": "teacher",
    "larare": "teacher",
}
_CAPABILITIES = Capabilities(
    dates=False,
    teacher_links=False,
    memberships=True,
    school_year=False,
    export_flag=False,
    roles=frozenset({"student", "teacher"}),
)
_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: old .xls, or an encrypted .xlsx
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_SNIFF_BYTES = 64 * 1024
_NO_CELLS: frozenset[int] = frozenset()

SheetRow = tuple[int, tuple[str, ...], frozenset[int]]
"""(sheet row number, the cells as text, positions of cells that could not be read)."""


def read_sheet(path: Path, policy: Policy) -> Roster:
    """Read a spreadsheet list; raises SourceError when the file cannot be a list at all.

    `policy` is taken for the dispatcher's uniform signature: the format has no columns a
    policy could name (no export flag, marking or civic number).
    """
    head = _head(path)
    kind = _sniff(path.name, head)
    findings: list[FileFinding] = []
    expected = "csv" if path.suffix.lower() == ".csv" else "xlsx"
    if kind != expected:
        findings.append(
            FileFinding(
                "SOURCE_VALUE_NONSTANDARD",
                "file",
                path.name,
                f"{path.name} is {'a CSV file' if kind == 'csv' else 'an .xlsx workbook'} "
                f"named {path.suffix or 'without a suffix'}; read as {kind.upper()}",
                path.name,
            )
        )
    roster = Roster(
        source=str(path),
        format=f"sheet {kind}",
        capabilities=_CAPABILITIES,
        as_of_hint=_as_of_hint(path, findings),
    )
    opener = _xlsx_table if kind == "xlsx" else _csv_table
    with opener(path, findings) as table:
        index = _columns(table, findings)
        if table.unnamed:
            findings.append(
                unnamed_columns(table.name, table.header_line, len(table.header), table.unnamed)
            )
        roster.headers = {table.name: table.header}
        _ListReader(table, index, roster, findings).read()
    roster.file_findings = findings
    return roster


# -- what the file is ----------------------------------------------------------------------


def _head(path: Path) -> bytes:
    """The first bytes, enough to tell a workbook from text; a missing file fails here."""
    if not path.exists():
        raise SourceError("SOURCE_UNREADABLE", f"{path}: no such file")
    if path.is_dir():
        raise SourceError("SOURCE_UNREADABLE", f"{path}: is a folder, not a spreadsheet list")
    try:
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise SourceError("SOURCE_UNREADABLE", f"{path}: {exc.strerror}") from exc


def _sniff(name: str, head: bytes) -> str:
    """Which reader, "xlsx" or "csv", by content and not by name: lists get renamed by hand."""
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.startswith(_CFB_MAGIC):
        if _ENCRYPTED_MARK in head:
            raise SourceError(
                "SOURCE_UNREADABLE",
                f"{name} is password-protected; save it from Excel without a password",
            )
        raise SourceError(
            "SOURCE_UNREADABLE",
            f"{name} is an old Excel 97-2003 (.xls) workbook; save it as .xlsx or CSV UTF-8",
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(
            "SOURCE_UNREADABLE",
            f"{name} is UTF-16 text (Excel's 'Unicode Text'); save it as CSV UTF-8 or .xlsx",
        )
    if not head.strip():
        raise SourceError("SOURCE_HEADER_INVALID", f"{name}: the file is empty (no header row)")
    if _looks_like_text(head):
        return "csv"
    raise SourceError(
        "SOURCE_UNREADABLE",
        f"{name} is not an .xlsx workbook (neither a zip-based workbook nor CSV text)",
    )


def _looks_like_text(head: bytes) -> bool:
    """Hardly any control characters: what every CSV export looks like. A stray NUL in a name
    is that row's problem (reported on it); UTF-16 or a binary file is full of them."""
    controls = sum(1 for byte in head if byte < 0x20 and byte not in b"\t\r\n\x0c")
    return controls <= len(head) // 100


def _as_of_hint(path: Path, findings: list[FileFinding]) -> date:
    """The list's date: `Vendor_Municipality_yyyymmdd` in the file name, else its mtime.

    A date-shaped name that is not a date is worth a warning: the night will be judged at the
    modification date instead, which may surprise whoever named the file.
    """
    last = path.stem.rsplit("_", 1)[-1]
    if len(last) == 8 and last.isascii() and last.isdigit():
        try:
            return date(int(last[:4]), int(last[4:6]), int(last[6:]))
        except ValueError:
            findings.append(
                FileFinding(
                    "SOURCE_VALUE_NONSTANDARD",
                    "file",
                    path.name,
                    f"{path.name}: {last!r} in the file name is not a date (yyyymmdd); "
                    "used the file's modification date",
                    path.name,
                )
            )
    return datetime.fromtimestamp(path.stat().st_mtime).date()


# -- tables: a header and its rows, whichever format ------------------------------------------


@dataclass(slots=True)
class _Table:
    """A sheet reduced to what the list reader needs, the same for .xlsx and .csv.

    `fixed_columns` is True for a workbook, whose cells cannot slide into the wrong column; in a
    CSV an unquoted separator shifts every later field, so a row of the wrong width can't be
    trusted to name a school or class. `unnamed` counts the empty cells that ended the header
    row; `nul_cells` is the CSV's own (see `CsvFile`).
    """

    name: str
    header_line: int
    header: tuple[str, ...]
    rows: Iterator[SheetRow]
    fixed_columns: bool
    unnamed: int = 0
    nul_cells: dict[int, tuple[int, ...]] | None = None


@contextlib.contextmanager
def _csv_table(path: Path, findings: list[FileFinding]) -> Iterator[_Table]:
    """The CSV through the shared helpers; the separator is whichever the header line uses."""
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError("SOURCE_UNREADABLE", f"{path}: {exc.strerror}") from exc
    encoding, encoding_findings = decode(name, io.BytesIO(data))
    findings.extend(encoding_findings)
    first_line = data.split(b"\n", 1)[0]
    delimiter = ";" if first_line.count(b";") > first_line.count(b",") else ","
    table = parse_csv(name, io.BytesIO(data), encoding, delimiter)
    header_lines = 1 + sum(cell.count("\n") for cell in table.header)
    rows = _csv_rows(table.rows, header_lines + 1)
    yield _Table(name, 1, table.header, rows, False, table.unnamed, table.nul_cells)


def _csv_rows(rows: Iterator[tuple[int, list[str]]], first_line: int) -> Iterator[SheetRow]:
    """The rows, with the empty lines the csv module drops put back as blank rows.

    A quoted value can span lines, so the next row is expected after the newlines it holds;
    any line between that and where the next row really starts was empty.
    """
    expected = first_line
    for line, values in rows:
        for blank in range(expected, line):
            yield blank, (), _NO_CELLS
        yield line, tuple(values), _NO_CELLS
        expected = line + 1 + sum(value.count("\n") for value in values)


@contextlib.contextmanager
def _xlsx_table(path: Path, findings: list[FileFinding]) -> Iterator[_Table]:
    """The first worksheet, streamed read-only; the workbook is closed when reading is done."""
    name = path.name
    _refuse_zip_bombs(path)
    if path.stat().st_size < MERGE_CHECK_LIMIT:
        findings.extend(_merged_cells(path))
    with path.open("rb") as handle:
        workbook = _load(name, handle, read_only=True)
        try:
            sheets = workbook.worksheets
            if not sheets:
                raise SourceError("SOURCE_UNREADABLE", f"{name}: the workbook has no worksheet")
            sheet = sheets[0]
            if len(sheets) > 1:
                findings.append(
                    FileFinding(
                        "SOURCE_VALUE_NONSTANDARD",
                        "file",
                        name,
                        f"{name} has {len(sheets)} worksheets; only the first "
                        f"({sheet.title!r}) was read",
                        name,
                    )
                )
            sheet.reset_dimensions()  # some writers record a wrong size; read what is there
            rows = _xlsx_rows(name, sheet.iter_rows())
            header_line, header, unnamed = _xlsx_header(name, rows)
            yield _Table(name, header_line, header, rows, True, unnamed)
        finally:
            workbook.close()


def _refuse_zip_bombs(path: Path) -> None:
    """A workbook is a zip: its parts' declared sizes are checked before openpyxl inflates one
    (the merged-cell check loads a small workbook whole). A damaged zip is left for openpyxl
    to report in its own words."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        return
    refuse_zip_bombs(path.name, members)


def _load(name: str, handle: Any, *, read_only: bool) -> Any:
    """openpyxl's many ways of saying "not a workbook" as one SourceError.

    A file object, not a path: openpyxl refuses a path whose suffix is not .xlsx, and a
    workbook named .csv must still be read.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions, missing default styles
            return load_workbook(handle, read_only=read_only, data_only=True)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise SourceError(
            "SOURCE_UNREADABLE", f"{name} is not an .xlsx workbook (damaged zip: {exc})"
        ) from exc
    except (InvalidFileException, KeyError) as exc:
        raise SourceError(
            "SOURCE_UNREADABLE", f"{name} is not an .xlsx workbook (a zip, but {exc})"
        ) from exc
    except Exception as exc:  # openpyxl raises anything from XML parsers on a corrupt part
        raise SourceError(
            "SOURCE_UNREADABLE",
            f"{name}: the workbook is damaged and cannot be read ({type(exc).__name__}: {exc})",
        ) from exc


def _xlsx_rows(name: str, cells_by_row: Iterator[tuple[Any, ...]]) -> Iterator[SheetRow]:
    """Each row's cells as text, as many as the sheet holds (formatted empty cells too: the
    header's are counted, a row's are trimmed when it is read); Excel error values (#N/A,
    #REF! …) are marked unreadable."""
    line = 0
    try:
        for line, cells in enumerate(cells_by_row, start=1):
            values = tuple(_cell_text(cell.value) for cell in cells)
            errors = frozenset(
                position for position, cell in enumerate(cells) if cell.data_type == "e"
            )
            yield line, values, errors
    except Exception as exc:  # a part that breaks mid-stream: the XML parser's own errors
        raise SourceError(
            "SOURCE_UNREADABLE",
            f"{name}:{line + 1}: the workbook is damaged from this row on "
            f"({type(exc).__name__}: {exc})",
            f"{name}:{line + 1}",
        ) from exc


def _xlsx_header(name: str, rows: Iterator[SheetRow]) -> tuple[int, tuple[str, ...], int]:
    """The first row that is not blank (lists sometimes start a row or two down), without the
    empty cells that end it, and how many those were."""
    for line, values, _ in rows:
        if any(value.strip() for value in values):
            header = _trim(tuple(value.strip() for value in values))
            return line, header, len(values) - len(header)
    raise SourceError(
        "SOURCE_HEADER_INVALID", f"{name}: the worksheet is empty (no header row)", name
    )


def _merged_cells(path: Path) -> list[FileFinding]:
    """Merged ranges of the first sheet: every cell but the top-left one reads as empty."""
    name = path.name
    try:
        with path.open("rb") as handle:
            workbook = _load(name, handle, read_only=False)
    except (SourceError, OSError):
        return []  # the streamed read reports an unreadable workbook; no second opinion needed
    try:
        ranges = sorted(workbook.worksheets[0].merged_cells.ranges, key=lambda r: r.bounds)
    finally:
        workbook.close()
    findings = []
    for cell_range in ranges:
        corner = cell_range.coord.split(":")[0]
        findings.append(
            FileFinding(
                "SOURCE_VALUE_NONSTANDARD",
                "file",
                name,
                f"{name}: cells {cell_range.coord} are merged; only {corner} holds the value, "
                "the others read as empty",
                f"{name}:{cell_range.min_row}",
            )
        )
    return findings


def _cell_text(value: object) -> str:
    """A cell as the person typing it saw it: 9 not 9.0, a date as ISO, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _trim(values: tuple[str, ...]) -> tuple[str, ...]:
    """Without trailing empty cells: Excel keeps formatted-but-empty columns on every row."""
    return values[: named_width(values)]


# -- the header ---------------------------------------------------------------------------


def _columns(table: _Table, findings: list[FileFinding]) -> dict[str, int]:
    """Column name → position, matched ignoring case and spaces; unknown columns only warn."""
    name, line, header = table.name, table.header_line, table.header
    known = {column.casefold(): column for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
    index: dict[str, int] = {}
    first_at: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for position, text in enumerate(header, start=1):
        folded = text.strip().casefold()
        if not folded:
            findings.append(_header_note(table, position, "has no header; its cells are ignored"))
            continue
        if folded in first_at:
            raise SourceError(
                "SOURCE_HEADER_INVALID",
                f"{name}:{line}, column {position}: header {text!r} appears twice "
                f"(columns {first_at[folded]} and {position})",
                f"{name}:{line}",
            )
        first_at[folded] = position
        if folded in known:
            index[known[folded]] = position - 1
        else:
            unknown[text] = position
    missing = [column for column in REQUIRED_COLUMNS if column not in index]
    if missing:
        raise SourceError(
            "SOURCE_HEADER_INVALID", _missing_message(table, missing, unknown), f"{name}:{line}"
        )
    for text, position in unknown.items():
        findings.append(_header_note(table, position, f"unknown column {text!r} ignored"))
    return index


def _missing_message(table: _Table, missing: list[str], unknown: dict[str, int]) -> str:
    """One line that says what is missing and, when a header is close, what it should say."""
    where = f"{table.name}:{table.header_line}"
    if len(missing) == len(REQUIRED_COLUMNS):
        found = ", ".join(repr(text) for text in table.header[:8]) or "nothing"
        return (
            f"{where}: no list header here (expected {', '.join(REQUIRED_COLUMNS)}[, SSOID]; "
            f"the row reads {found})"
        )
    by_folded = {text.strip().casefold(): text for text in unknown}
    parts = []
    for column in missing:
        part = f"required column {column!r} is missing"
        guess = difflib.get_close_matches(column.casefold(), list(by_folded), n=1, cutoff=0.6)
        if guess:
            text = by_folded[guess[0]]
            part += f" (column {unknown[text]} reads {text!r}: did you mean {column!r}?)"
        parts.append(part)
    return f"{where}: " + "; ".join(parts)


def _header_note(table: _Table, position: int, what: str) -> FileFinding:
    return FileFinding(
        "SOURCE_VALUE_NONSTANDARD",
        "file",
        table.name,
        f"{table.name}:{table.header_line}, column {position} {what}",
        f"{table.name}:{table.header_line}",
    )


# -- the rows -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    """One list row being read: its cells by column name, and what is wrong with it."""

    fields: tuple[str, ...]
    index: dict[str, int]
    raw: RawRow
    issues: list[SourceIssue] = field(default_factory=list)
    trusted: bool = True  # False: its values may sit in the wrong columns

    def __getitem__(self, column: str) -> str:
        position = self.index.get(column)
        return "" if position is None else self.fields[position].strip()

    def malformed(self, message: str, column: str | None) -> None:
        self.issues.append(SourceIssue("SOURCE_ROW_MALFORMED", message, column))

    def nonstandard(self, message: str, column: str | None) -> None:
        self.issues.append(SourceIssue("SOURCE_VALUE_NONSTANDARD", message, column))


class _ListReader:
    """Turns rows into records: a person per row, schools and classes once per distinct key."""

    def __init__(
        self, table: _Table, index: dict[str, int], roster: Roster, findings: list[FileFinding]
    ) -> None:
        self.table = table
        self.index = index
        self.read_positions = frozenset(index.values())
        self.roster = roster
        self.findings = findings
        self.schools: dict[str, School] = {}
        self.groups: dict[str, Group] = {}
        self.person_keys: set[str] = set()

    def read(self) -> None:
        """Blank rows between rows are reported and skipped; blank rows at the end are not
        worth a word (Excel keeps formatted empty rows below every list)."""
        blanks: list[int] = []
        rows = 0
        for line, values, unreadable in self.table.rows:
            if not any(value.strip() for value in values):
                blanks.append(line)
                continue
            if blanks:
                self._blank(blanks)
                blanks = []
            rows += 1
            self._record(self._row(line, values, unreadable))
        self.roster.schools = list(self.schools.values())
        self.roster.groups = list(self.groups.values())
        if not rows:
            name, line = self.table.name, self.table.header_line + 1
            self.findings.append(
                FileFinding(
                    "SOURCE_FILE_EMPTY",
                    "file",
                    name,
                    f"{name}:{line}: the file has a header but no rows",
                    f"{name}:{line}",
                )
            )

    def _blank(self, lines: list[int]) -> None:
        name, first, last = self.table.name, lines[0], lines[-1]
        which = f"row {first} is" if first == last else f"rows {first}-{last} are"
        self.findings.append(
            FileFinding(
                "SOURCE_VALUE_NONSTANDARD",
                "file",
                name,
                f"{which} blank; skipped",
                f"{name}:{first}",
            )
        )

    def _row(self, line: int, values: tuple[str, ...], unreadable: frozenset[int]) -> _Row:
        """The row's fields padded to the header, with what is wrong with its width and cells.

        A workbook row is kept padded to the header in its raw row (Excel simply omits empty
        trailing cells); a CSV row is kept exactly as sent, short or long.
        """
        header, table = self.table.header, self.table
        width = len(header)
        shown = values if len(values) <= width else values[:width] + _trim(values[width:])
        padding = ("",) * (width - len(shown))
        raw_values = shown + padding if table.fixed_columns else shown
        raw = RawRow.of(header, raw_values, table.name, line)
        row = _Row(shown[:width] + padding, self.index, raw)
        self._width(row, shown)
        self._cells(row, line, values, unreadable)
        return row

    def _width(self, row: _Row, shown: tuple[str, ...]) -> None:
        """A row wider or (in a CSV) narrower than its header is malformed: in a workbook a
        value no column names, in a CSV fields that may sit in the wrong columns."""
        header, table = self.table.header, self.table
        width = len(header)
        if len(shown) > width and table.fixed_columns:
            row.malformed(beyond_header(shown, width) or "", None)
        elif len(shown) > width:
            row.malformed(
                f"row has {len(shown)} fields, the header has {width} "
                "(a value holding the separator needs quotes)",
                None,
            )
            row.trusted = False
        elif len(shown) < width and not table.fixed_columns:
            row.malformed(
                f"row has {len(shown)} fields, the header has {width}", header[len(shown)]
            )
            row.trusted = False

    def _cells(
        self, row: _Row, line: int, values: tuple[str, ...], unreadable: frozenset[int]
    ) -> None:
        """An Excel error value is an error in a column the list reader reads, and only a
        warning in one it does not (an extra column nobody uses cannot skip a person). A NUL
        byte the CSV reader took out is a warning naming its column."""
        header = self.table.header
        width = len(header)
        for position in sorted(unreadable):
            column = header[position] if position < width else f"column {position + 1}"
            error = values[position]
            message = f"{column} holds the Excel error {error!r}; the cell cannot be read"
            if position in self.read_positions:
                row.malformed(message, column)
            else:
                row.nonstandard(f"{message} (the list reader does not use it)", column)
        if unreadable:
            row.fields = tuple(
                "" if position in unreadable else value for position, value in enumerate(row.fields)
            )
        nul_cells = self.table.nul_cells
        for position in nul_cells.pop(line, ()) if nul_cells else ():
            column = header[position] if position < width else f"column {position + 1}"
            row.nonstandard(nul_removed(column), column)

    def _record(self, row: _Row) -> None:
        """The person, and — from a row whose columns can be trusted — its school and class.

        A teacher's Class is ignored (the format has no teacher–class links, so a class on a
        teacher row makes no group and no membership). A row repeating an earlier person key
        makes its person (the evaluator skips it as a duplicate) but no membership: its class
        link would otherwise attach to the first row's person.
        """
        key = row["SSOID"] or row["Email"].lower() or f"row:{row.raw.line}"
        role = _role(row["Role"])
        school_id = self._school(row) if row["School"] else ""
        self.roster.persons.append(
            Person(
                id=key,
                given_name=row["FirstName"],
                family_name=row["LastName"],
                email=row["Email"],
                role=role,
                placements=[Placement(school_id)] if school_id else [],
                raw=row.raw,
                issues=tuple(row.issues),
            )
        )
        repeated = key in self.person_keys
        self.person_keys.add(key)
        if role != "student" or not row["Class"] or not school_id or not row.trusted:
            return
        group_id = f"{school_id}/{row['Class']}"
        if group_id not in self.groups:
            self.groups[group_id] = Group(
                id=group_id, name=row["Class"], type="class", school_id=school_id, raw=row.raw
            )
        if not repeated:
            self.roster.memberships.append(
                Membership(
                    id=f"{key}/{group_id}",
                    person_id=key,
                    group_id=group_id,
                    role="student",
                    raw=row.raw,
                )
            )

    def _school(self, row: _Row) -> str:
        """The school's id; a garbled row may name a school but never creates one."""
        school_id = f"{row['Municipality']}/{row['School']}"
        if school_id not in self.schools and row.trusted:
            self.schools[school_id] = School(
                id=school_id, name=row["School"], parent=row["Municipality"], raw=row.raw
            )
        return school_id


def _role(value: str) -> str:
    """Swedish and English role words in any case (and either Unicode form of "ä")."""
    lowered = unicodedata.normalize("NFC", value.strip()).lower()
    return _ROLES.get(lowered, lowered)
