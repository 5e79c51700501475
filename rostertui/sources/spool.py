"""Memberships, and the raw rows of persons and groups, kept packed, in memory and then on disk.

A district's enrollments file holds ten million rows; as objects they cost half a kilobyte
each, 5 GB. Here they are plain tuples marshalled in chunks of 5,000 (about 200 bytes a row),
and past `IN_MEMORY` bytes the chunks go to a temporary file that is gone when the roster is.
The evaluator walks them two or three times (see domain/links.py); each walk makes the
objects again, one chunk at a time, and lets them go.

A million persons' raw rows are 250 MB of text that only the store reads, once, in the order
they were read: they wait the same way (`PackedRows`, `SpooledRow`).
"""

from __future__ import annotations

import marshal
import struct
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from datetime import date

from rostertui.domain.model import Membership, RawRow, SourceIssue, SourceRow
from rostertui.sources.files import CsvFile, no_room_for

CHUNK = 5_000
_SIZE = struct.Struct("<Q")
"""Each chunk is its length, then its marshalled rows: read whole and unmarshalled from bytes,
since marshal.load from a file reads it a few bytes a call."""
IN_MEMORY = 16 * 1024 * 1024
"""Bytes of packed memberships kept in memory before they go to a temporary file: a school's
or a small municipality's night never touches the disk."""


class _Chunks:
    """Rows appended in order, marshalled `CHUNK` to a piece into a spooled temporary file
    (deleted when this is collected), read back a chunk at a time: what both packed stores
    keep their rows in. `what` and `cost` name them when the temporary folder has no room."""

    def __init__(self, what: str, cost: str) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY, prefix="rostertui-")  # noqa: SIM115
        self._what, self._cost = what, cost
        self.pending: list = []
        self.starts = array("Q")  # where each written chunk begins in the file
        self.count = 0

    def add(self, row: object) -> int:
        """Append a row; its number (0, 1, …) comes back."""
        self.pending.append(row)
        self.count += 1
        if len(self.pending) >= CHUNK:
            self.flush()
        return self.count - 1

    def flush(self) -> None:
        if self.pending:
            packed = marshal.dumps(self.pending)
            try:
                self._file.seek(0, 2)
                self.starts.append(self._file.tell())
                self._file.write(_SIZE.pack(len(packed)))
                self._file.write(packed)
            except OSError as exc:
                raise no_room_for(self._what, self._cost, exc) from exc
            self.pending = []

    def chunk(self, number: int) -> list:
        """The `number`th chunk written (seeking first: another walk may have moved the file)."""
        self._file.seek(self.starts[number])
        (length,) = _SIZE.unpack(self._file.read(_SIZE.size))
        return marshal.loads(self._file.read(length))

    def walk(self) -> Iterator[list]:
        """Every chunk in order, the rows still pending written out first."""
        self.flush()
        for number in range(len(self.starts)):
            yield self.chunk(number)


class PackedRows:
    """One file's raw rows kept by number, packed like the memberships: the values in chunks,
    the lines in an array, the file's header and name once. The store reads them back in the
    order they were added, so a chunk is unmarshalled once for 5,000 reads."""

    def __init__(self, table: CsvFile | None) -> None:
        self._chunks = _Chunks("the raw rows of users and classes", "about 250 bytes a row")
        self._cached: tuple[int, list[str]] = (-1, [])
        self.lines = array("I")
        self.header, self.origin = (table.header, table.name) if table else ((), "")

    def keep(self, row: RawRow) -> SourceRow:
        """`row`, a row of this file, with its values kept here instead of in memory."""
        assert row.header is self.header and row.origin == self.origin  # ours: one file
        self.lines.append(row.line)
        return SpooledRow(self, self._chunks.add(row.packed))

    def text(self, number: int) -> str:
        chunk, at = divmod(number, CHUNK)
        if chunk == len(self._chunks.starts):  # not yet written: no chunk ends early
            return self._chunks.pending[at]
        if self._cached[0] != chunk:
            self._cached = (chunk, self._chunks.chunk(chunk))
        return self._cached[1][at]


class SpooledRow(SourceRow):
    """A raw row whose values wait in a `PackedRows` until asked for (by the store writing the
    record, or a protected person's id being cut out of it): two references, where a `RawRow`
    holds four and its line and text besides."""

    __slots__ = ("_number", "_rows")

    def __init__(self, rows: PackedRows, number: int) -> None:
        self._rows, self._number = rows, number

    @property
    def header(self) -> tuple[str, ...]:  # type: ignore[override]
        return self._rows.header

    @property
    def origin(self) -> str:  # type: ignore[override]
        return self._rows.origin

    @property
    def line(self) -> int:  # type: ignore[override]
        return self._rows.lines[self._number]

    @property
    def packed(self) -> str:  # type: ignore[override]
        return self._rows.text(self._number)


class PackedMemberships:
    """A list of memberships to append to and walk, any number of times, in order."""

    def __init__(self, memberships: Iterable[Membership] = ()) -> None:
        # lives as long as the roster; the temporary file is deleted when it is collected
        self._chunks = _Chunks("the enrollments", "about 200 bytes a row")
        self._shapes: dict[tuple[tuple[str, ...], str], int] = {}
        self._shape_list: list[tuple[tuple[str, ...], str]] = []
        for membership in memberships:
            self.append(membership)

    def append(self, membership: Membership) -> None:
        raw = membership.raw
        self._chunks.add(
            (
                membership.id,
                membership.person_id,
                membership.group_id,
                membership.role,
                membership.start.toordinal() if membership.start else 0,
                membership.end.toordinal() if membership.end else 0,
                membership.deleted,
                membership.person_ref,
                self._shape(raw.header, raw.origin) if raw else -1,
                raw.packed if raw else "",
                raw.line if raw else 0,
                tuple((i.code, i.message, i.field) for i in membership.issues),
            )
        )

    def append_clean(
        self,
        ids: tuple[str, str, str],
        role: str,
        dates: tuple[date | None, date | None],
        raw: tuple[tuple[str, ...], str, str, int],
    ) -> None:
        """A row the reader found clean, straight from its values: a million such rows are a
        million Membership and RawRow objects not made. `ids` are the membership's, person's
        and group's; `raw` the file's header, the packed values, the file's name and the line."""
        start, end = dates
        header, packed, origin, line = raw
        self._chunks.add(
            (
                *ids,
                role,
                start.toordinal() if start else 0,
                end.toordinal() if end else 0,
                False,
                "",
                self._shape(header, origin),
                packed,
                line,
                (),
            )
        )

    def __len__(self) -> int:
        return self._chunks.count

    def __iter__(self) -> Iterator[Membership]:
        shapes, dates = self._shape_list, _Dates()
        for chunk in self._chunks.walk():
            for (
                record_id,
                person_id,
                group_id,
                role,
                start,
                end,
                deleted,
                person_ref,
                shape,
                packed,
                line,
                issues,
            ) in chunk:
                raw = None
                if shape >= 0:
                    header, origin = shapes[shape]
                    raw = RawRow(header, packed, origin, line)
                yield Membership(
                    record_id,
                    person_id,
                    group_id,
                    role,
                    dates[start],
                    dates[end],
                    deleted,
                    person_ref,
                    raw,
                    tuple(SourceIssue(*issue) for issue in issues) if issues else (),
                )

    def _shape(self, header: tuple[str, ...], origin: str) -> int:
        """A file's header and name, shared by its rows, are kept once."""
        key = (header, origin)
        number = self._shapes.get(key)
        if number is None:
            number = self._shapes[key] = len(self._shape_list)
            self._shape_list.append(key)
        return number


class _Dates(dict):
    """Ordinal → date, made once per walk: a few hundred dates stand for ten million."""

    def __missing__(self, ordinal: int) -> date | None:
        value = self[ordinal] = date.fromordinal(ordinal) if ordinal else None
        return value
