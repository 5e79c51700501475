"""Reading CSV files out of a folder or a .zip, the way registries really export them.

Shared by every file-based source: it decodes (UTF-8, else cp1252 with a warning), parses with
the csv module while remembering the physical line each row starts on, and refuses archives
that are not archives or whose members point outside the bundle.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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


class Bundle:
    """A folder or a .zip of CSV files, addressed by base file name."""

    def __init__(self, label: str, members: dict[str, bytes | Path]) -> None:
        self.label = label
        self._members = members

    @classmethod
    def open(cls, path: Path) -> Bundle:
        if not path.exists():
            raise SourceError("SOURCE_UNREADABLE", f"{path}: no such file or folder")
        if path.is_dir():
            members: dict[str, bytes | Path] = {
                p.name: p for p in sorted(path.iterdir()) if p.suffix.lower() == ".csv"
            }
            return cls(str(path), members)
        if path.suffix.lower() == ".zip":
            return cls(str(path), _zip_members(path))
        raise SourceError(
            "SOURCE_UNREADABLE",
            f"{path}: not a OneRoster bundle (expected a folder or a .zip of CSV files)",
        )

    def names(self) -> set[str]:
        return set(self._members)

    def read(self, name: str) -> bytes | None:
        member = self._members.get(name)
        if member is None:
            return None
        if isinstance(member, Path):
            try:
                return member.read_bytes()
            except OSError as exc:
                raise SourceError("SOURCE_UNREADABLE", f"{member}: {exc.strerror}") from exc
        return member


def _zip_members(path: Path) -> dict[str, bytes | Path]:
    if not zipfile.is_zipfile(path):
        raise SourceError(
            "SOURCE_UNREADABLE", f"{path}: not a zip archive (damaged or mislabelled)"
        )
    members: dict[str, bytes | Path] = {}
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
                members[inner.name] = archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SourceError("SOURCE_UNREADABLE", f"{path}: damaged zip archive ({exc})") from exc
    return members


def decode(name: str, data: bytes) -> tuple[str, list[FileFinding]]:
    """The encoding to read with: UTF-8 (BOM tolerated), else cp1252 — the usual Excel or
    registry export — with a warning that says where the first non-UTF-8 byte is."""
    try:
        data.decode("utf-8-sig")
        return "utf-8-sig", []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        warning = FileFinding(
            "SOURCE_ENCODING",
            "file",
            name,
            f"{name} is not UTF-8 (first bad byte on line {line}); read as Windows-1252",
            f"{name}:{line}",
        )
        return "cp1252", [warning]


def parse_csv(name: str, data: bytes, encoding: str, delimiter: str = ",") -> CsvFile:
    """Read the header now and the rows on demand; an unclosed quote fails the file."""
    if not data.strip():
        raise SourceError(
            "SOURCE_HEADER_INVALID", f"{name}: the file is empty (no header row)", name
        )
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    if not any(byte in data for byte in _NEEDS_THE_CSV_MODULE):
        lines = iter(stream)
        header = tuple(cell.strip() for cell in _fields(next(lines), delimiter))
        return CsvFile(name, header, _plain_rows(lines, delimiter))
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    try:
        header = tuple(cell.strip() for cell in next(reader))
    except csv.Error as exc:
        raise _unclosed(name, data, encoding, 1, exc) from exc
    return CsvFile(name, header, _rows(name, data, encoding, reader))


def _rows(name: str, data: bytes, encoding: str, reader) -> Iterator[tuple[int, list[str]]]:
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


def _unclosed(name: str, data: bytes, encoding: str, start: int, exc: csv.Error) -> SourceError:
    column = _unclosed_quote_column(data.decode(encoding, errors="replace"), start)
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
