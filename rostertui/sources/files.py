"""Reading CSV files out of a folder or a .zip, the way registries really export them.

Shared by every file-based source: it decodes (UTF-8, else cp1252 with a warning), parses with
the csv module while remembering the physical line each row starts on, and refuses archives
that are not archives, whose members point outside the bundle, or that would inflate to absurd
sizes (zip bombs). It also reads headers as spreadsheet tools write them (trailing empty cells)
and takes NUL bytes out of values, saying where.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from rostertui.domain.model import FileFinding, SourceError

csv.field_size_limit(1 << 24)


@dataclass(slots=True)
class CsvFile:
    """One CSV file: its header, and its rows as a one-pass stream of (line, values).

    Rows are parsed lazily, so a large file never sits in memory twice; a reader keeps each
    row's values packed in its RawRow and interns only the ids it holds on to.
    """

    name: str
    header: tuple[str, ...]
    rows: Iterator[tuple[int, list[str]]]
    unnamed: int = 0
    """Empty cells that ended the header line, left out of `header` (see `parse_csv`)."""
    nul_cells: dict[int, tuple[int, ...]] | None = None
    """None when the file holds no NUL byte; else, filled as rows are read: line → positions
    of the values NULs were taken out of (a reader pops its line to report them)."""


MAX_MEMBER_BYTES = 4 * 1024**3
"""No file of a bundle or workbook inflates past 4 GiB. A million people's users.csv is a few
hundred MB and a municipality's enrollments.csv rarely passes 1 GB: a larger member is no
export."""
MAX_RATIO = 100
"""Deflate squeezes a CSV export (or a worksheet's XML) 5 to 20 times; 100 leaves room for very
repetitive files. A zip bomb inflates about 1,000 times (a run of zeros)."""
RATIO_CHECKED_ABOVE = 8 * 1024**2
"""The ratio is judged only for members declaring more than 8 MiB: a small file may compress
absurdly well (a header and blank lines), and inflating it costs nothing."""


class Bundle:
    """A folder or a .zip of CSV files, addressed by base file name.

    A .zip's members are checked for size when it is opened and inflated only when read, so a
    member the reader never asks for (results.csv, lineItems.csv …) costs no memory.
    """

    def __init__(
        self,
        label: str,
        members: dict[str, Path | zipfile.ZipInfo],
        archive: Path | None = None,
    ) -> None:
        self.label = label
        self._members = members
        self._archive = archive

    @classmethod
    def open(cls, path: Path) -> Bundle:
        if not path.exists():
            raise SourceError("SOURCE_UNREADABLE", f"{path}: no such file or folder")
        if path.is_dir():
            members: dict[str, Path | zipfile.ZipInfo] = {
                p.name: p for p in sorted(path.iterdir()) if p.suffix.lower() == ".csv"
            }
            return cls(str(path), members)
        if path.suffix.lower() == ".zip":
            return cls(str(path), _zip_members(path), archive=path)
        raise SourceError(
            "SOURCE_UNREADABLE",
            f"{path}: not a OneRoster bundle (expected a folder or a .zip of CSV files)",
        )

    def names(self) -> set[str]:
        return set(self._members)

    def stream(self, name: str) -> BinaryIO | None:
        """A member to read from the start, not its bytes: a district's enrollments file is
        gigabytes, read a piece at a time (a zip member is inflated into a temporary file)."""
        member = self._members.get(name)
        if member is None:
            return None
        if isinstance(member, Path):
            try:
                return member.open("rb")
            except OSError as exc:
                raise SourceError("SOURCE_UNREADABLE", f"{member}: {exc.strerror}") from exc
        assert self._archive is not None
        return _inflate(self._archive, member)


def _zip_members(path: Path) -> dict[str, Path | zipfile.ZipInfo]:
    if not zipfile.is_zipfile(path):
        raise SourceError(
            "SOURCE_UNREADABLE", f"{path}: not a zip archive (damaged or mislabelled)"
        )
    members: dict[str, Path | zipfile.ZipInfo] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                inner = PurePosixPath(info.filename.replace("\\", "/"))
                if inner.is_absolute() or ".." in inner.parts:
                    raise SourceError(
                        "SOURCE_UNREADABLE",
                        f"{path}: member {info.filename!r} points outside the bundle; "
                        "refusing to read this archive",
                    )
                if info.is_dir() or inner.suffix.lower() != ".csv":
                    continue
                members[inner.name] = info
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SourceError("SOURCE_UNREADABLE", f"{path}: damaged zip archive ({exc})") from exc
    refuse_zip_bombs(str(path), members.values())
    return members


def refuse_zip_bombs(label: str, members: Iterable[zipfile.ZipInfo]) -> None:
    """Refuse, from the sizes the archive declares and before inflating a byte, a member that
    would inflate past MAX_MEMBER_BYTES or more than MAX_RATIO times its compressed size."""
    for info in members:
        declared, packed = info.file_size, info.compress_size
        if declared > MAX_MEMBER_BYTES:
            why = f"more than the {_size(MAX_MEMBER_BYTES)} one file may hold"
        elif declared > RATIO_CHECKED_ABOVE and declared > MAX_RATIO * packed:
            why = (
                f"{declared / max(packed, 1):,.0f} times its compressed size; "
                f"real exports compress less than {MAX_RATIO}:1"
            )
        else:
            continue
        raise SourceError(
            "SOURCE_UNREADABLE",
            f"{label}: member {info.filename!r} would inflate from {_size(packed)} to "
            f"{_size(declared)}, {why}; refusing to inflate it (a zip bomb or a broken archive)",
        )


def _inflate(path: Path, info: zipfile.ZipInfo) -> BinaryIO:
    """One member's bytes, never more than it declares: a member whose header understates its
    size stops there (zipfile then finds the checksum wrong) and is refused as damaged."""
    member = (
        f"{path}: member {info.filename!r} ({_size(info.compress_size)} compressed, "
        f"declares {_size(info.file_size)})"
    )
    try:
        with zipfile.ZipFile(path) as archive, archive.open(info) as stream:
            return copy_capped(stream, info.file_size, member)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SourceError("SOURCE_UNREADABLE", f"{member} is damaged: {exc}") from exc


def copy_capped(stream: BinaryIO, limit: int, what: str) -> BinaryIO:
    """All of `stream`, copied a piece at a time into a temporary file (in memory while small)
    and rewound; refused once it gives more than `limit` bytes (at most MAX_MEMBER_BYTES): the
    cap holds whatever a header claimed."""
    limit = min(limit, MAX_MEMBER_BYTES)
    copy = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY, prefix="rostertui-")  # noqa: SIM115
    copied = 0
    while piece := stream.read(_PIECE):
        copied += len(piece)
        if copied > limit:
            copy.close()
            raise SourceError(
                "SOURCE_UNREADABLE",
                f"{what} inflates past {_size(limit)}; refusing to read on (a zip bomb or a "
                "broken archive)",
            )
        try:
            copy.write(piece)
        except OSError as exc:
            copy.close()
            raise no_room_for(what, "about its own size", exc) from exc
    copy.seek(0)
    return copy  # type: ignore[return-value]


def no_room_for(what: str, needed: str, exc: OSError) -> SourceError:
    """The night fails when the temporary folder cannot take what is read (full, missing, or
    not writable), and says which folder and how to name another."""
    return SourceError(
        "SOURCE_UNREADABLE",
        f"{what} could not be kept in the temporary folder {tempfile.gettempdir()} while it "
        f"was read: {exc.strerror or exc} ({needed} is needed there; TMPDIR names another)",
    )


_PIECE = 1 << 20
"""How much of a file is read at a time where it is scanned or copied whole."""
_IN_MEMORY = 16 * 1024 * 1024
"""An inflated member larger than this waits in a temporary file, not in memory."""


def _pieces(data: BinaryIO) -> Iterator[bytes]:
    """The file from its start, a piece at a time."""
    data.seek(0)
    while piece := data.read(_PIECE):
        yield piece


def _size(count: int) -> str:
    """A byte count as people read it, exact below a KiB: "2.0 GiB", "12.3 MiB", "917 bytes"."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}"
    return f"{count:,} bytes"


def decode(name: str, data: BinaryIO) -> tuple[str, list[FileFinding]]:
    """The encoding to read with: UTF-8 (BOM tolerated), else cp1252 — the usual Excel or
    registry export — with a warning that says where the first non-UTF-8 byte is."""
    bad = _first_bad_byte(data)
    if bad is None:
        return "utf-8-sig", []
    line = _newlines_before(data, bad) + 1
    warning = FileFinding(
        "SOURCE_ENCODING",
        "file",
        name,
        f"{name} is not UTF-8 (first bad byte on line {line}); read as Windows-1252",
        f"{name}:{line}",
    )
    return "cp1252", [warning]


def _first_bad_byte(data: BinaryIO) -> int | None:
    """Where the first byte that is not UTF-8 sits, if any. Checked a piece at a time:
    decoding a 1.7 GB enrollments file whole made a second copy of it, as text, only to be
    thrown away."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    end = 0  # where the piece given to the decoder ends
    try:
        for piece in _pieces(data):
            end += len(piece)
            decoder.decode(piece)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return end - len(exc.object) + exc.start  # exc.object: what was held back + the piece
    return None


def _newlines_before(data: BinaryIO, offset: int) -> int:
    counted = 0
    for piece in _pieces(data):
        counted += piece[:offset].count(b"\n")
        offset -= len(piece)
        if offset <= 0:
            break
    return counted


def _holds(data: BinaryIO, *wanted: bytes) -> set[bytes]:
    """Which of these single bytes the file holds anywhere."""
    found: set[bytes] = set()
    for piece in _pieces(data):
        found |= {byte for byte in wanted if byte in piece}
        if len(found) == len(wanted):
            break
    return found


def parse_csv(name: str, data: BinaryIO, encoding: str, delimiter: str = ",") -> CsvFile:
    """Read the header now and the rows on demand; an unclosed quote fails the file.

    Empty cells ending the header line (`…,orgSourcedId,,` as spreadsheet tools save a sheet
    with formatted empty columns) are left out of the header, and a row's cells under them are
    dropped when they are empty too; a row holding a value there keeps it, so the reader sees a
    row longer than its header and reports it (see `beyond_header`). A file holding NUL bytes
    has them taken out of its values, each noted in `nul_cells`.
    """
    if not any(piece.strip() for piece in _pieces(data)):
        raise SourceError(
            "SOURCE_HEADER_INVALID", f"{name}: the file is empty (no header row)", name
        )
    present = _holds(data, *_NEEDS_THE_CSV_MODULE)
    data.seek(0)
    stream = io.TextIOWrapper(data, encoding=encoding, errors="replace", newline="")
    if not present:
        lines = iter(stream)
        return _table(name, _fields(next(lines), delimiter), _plain_rows(lines, delimiter))
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    try:
        cells = next(reader)
    except csv.Error as exc:
        raise _unclosed(name, data, encoding, 1, exc) from exc
    rows = _rows(name, data, encoding, reader)
    if b"\0" not in present:
        return _table(name, cells, rows)
    nul_cells: dict[int, tuple[int, ...]] = {}
    return _table(name, cells, _without_nuls(rows, nul_cells), nul_cells)


def _table(
    name: str,
    cells: list[str],
    rows: Iterator[tuple[int, list[str]]],
    nul_cells: dict[int, tuple[int, ...]] | None = None,
) -> CsvFile:
    """The file with its header's trailing empty cells set aside; only then do its rows pay
    for a look at the cells under them (the clean file's rows pass straight through)."""
    header = [cell.strip() for cell in cells]
    named = named_width(header)
    if named < len(header):
        rows = _without_unnamed(rows, named)
    return CsvFile(name, tuple(header[:named]), rows, len(header) - named, nul_cells)


def named_width(cells: Sequence[str]) -> int:
    """How many cells are left once the trailing empty ones are set aside: spreadsheet tools
    save formatted-but-empty columns on every row."""
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1
    return width


def _without_unnamed(
    rows: Iterator[tuple[int, list[str]]], named: int
) -> Iterator[tuple[int, list[str]]]:
    for line, values in rows:
        if len(values) > named and not any(value.strip() for value in values[named:]):
            del values[named:]
        yield line, values


def _without_nuls(
    rows: Iterator[tuple[int, list[str]]], nul_cells: dict[int, tuple[int, ...]]
) -> Iterator[tuple[int, list[str]]]:
    """NUL is never part of a name, an id or a date: an exporter's padding or a stray byte.
    Taken out here, so neither a record nor its raw row carries one into the database."""
    for line, values in rows:
        positions = tuple(p for p, value in enumerate(values) if "\0" in value)
        if positions:
            for position in positions:
                values[position] = values[position].replace("\0", "")
            nul_cells[line] = positions
        yield line, values


def unnamed_columns(name: str, line: int, named: int, unnamed: int) -> FileFinding:
    """The warning for a header that ends in `unnamed` empty cells after `named` columns."""
    first, last = named + 1, named + unnamed
    columns = f"column {first}" if first == last else f"columns {first}-{last}"
    return FileFinding(
        "SOURCE_HEADER_INVALID",
        "file",
        name,
        f"{name}:{line}: the header ends in {unnamed} empty cell{'s' if unnamed > 1 else ''} "
        f"({columns}, as spreadsheet tools save formatted empty columns); ignored, and a row "
        "with a value there is reported on its own",
        f"{name}:{line}",
    )


def beyond_header(values: Sequence[str], width: int) -> str | None:
    """What a row holds past its header's last named column, as the row's error: a value no
    column names, perhaps one pushed along by an unquoted separator in an earlier field."""
    for position in range(width, len(values)):
        if values[position].strip():
            return f"column {position + 1} holds {values[position]!r} but has no header"
    return None


def nul_removed(column: str) -> str:
    """The message for a value a NUL byte was taken out of (the value itself is not shown: it
    may be a protected person's name)."""
    return f"{column} held a NUL byte (an invisible control character); removed"


def _rows(name: str, data: BinaryIO, encoding: str, reader) -> Iterator[tuple[int, list[str]]]:
    start = reader.line_num + 1
    try:
        for values in reader:
            if values:
                yield start, values
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _unclosed(name, data, encoding, start, exc) from exc


_NEEDS_THE_CSV_MODULE = (b'"', b"\r", b"\0")
"""Without quotes, carriage returns and NULs, a row is one line and its fields are what lies
between the delimiters: splitting it is four times quicker than the csv module, which is a
second a night at a million enrollments. (These bytes are single bytes in UTF-8 and cp1252.)"""


def _plain_rows(lines: Iterator[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(lines, start=2):
        if fields := _fields(line, delimiter):  # skipped when empty, its number still counts
            yield number, fields


def _fields(line: str, delimiter: str) -> list[str]:
    """A line's fields, as the csv module reads a line without quotes: none for an empty one."""
    return line.rstrip("\n").split(delimiter) if line != "\n" else []


def _unclosed(name: str, data: BinaryIO, encoding: str, start: int, exc: csv.Error) -> SourceError:
    data.seek(0)  # the file once more, whole: only to say which column the quote opened in
    column = _unclosed_quote_column(data.read().decode(encoding, errors="replace"), start)
    where = f"{name}:{start}" + (f", column {column}" if column else "")
    return SourceError(
        "SOURCE_ROW_MALFORMED",
        f"{where}: unclosed quote (the field runs to the end of the file): {exc}",
        f"{name}:{start}",
    )


def _unclosed_quote_column(text: str, line_no: int) -> int | None:
    """1-based index of the field whose opening quote is never closed, for the error line."""
    lines = text.splitlines()
    if not 0 < line_no <= len(lines):
        return None
    line = lines[line_no - 1]
    column, in_quotes = 1, False
    opened_at = None
    for char in line:
        if char == '"':
            in_quotes = not in_quotes
            opened_at = column if in_quotes else None
        elif char == "," and not in_quotes:
            column += 1
    return opened_at
