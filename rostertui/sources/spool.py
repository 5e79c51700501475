"""Memberships kept packed, in memory and then on disk, for the evaluator to walk.

A district's enrollments file holds ten million rows; as objects they cost half a kilobyte
each, 5 GB. Here they are plain tuples marshalled in chunks of 5,000 (about 200 bytes a row),
and past `IN_MEMORY` bytes the chunks go to a temporary file that is gone when the roster is.
The evaluator walks them two or three times (see domain/links.py); each walk makes the
objects again, one chunk at a time, and lets them go.
"""

from __future__ import annotations

import marshal
import struct
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date

from rostertui.domain.model import Membership, RawRow, SourceIssue
from rostertui.sources.files import no_room_for

CHUNK = 5_000
_SIZE = struct.Struct("<Q")
"""Each chunk is its length, then its marshalled rows: read whole and unmarshalled from bytes,
since marshal.load from a file reads it a few bytes a call."""
IN_MEMORY = 16 * 1024 * 1024
"""Bytes of packed memberships kept in memory before they go to a temporary file: a school's
or a small municipality's night never touches the disk."""


class PackedMemberships:
    """A list of memberships to append to and walk, any number of times, in order."""

    def __init__(self, memberships: Iterable[Membership] = ()) -> None:
        # lives as long as the roster; the temporary file is deleted when it is collected
        self._file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY, prefix="rostertui-")  # noqa: SIM115
        self._pending: list[tuple] = []
        self._count = 0
        self._shapes: dict[tuple[tuple[str, ...], str], int] = {}
        self._shape_list: list[tuple[tuple[str, ...], str]] = []
        for membership in memberships:
            self.append(membership)

    def append(self, membership: Membership) -> None:
        raw = membership.raw
        self._add(
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
        self._add(
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

    def _add(self, row: tuple) -> None:
        self._pending.append(row)
        self._count += 1
        if len(self._pending) >= CHUNK:
            self._flush()

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Membership]:
        self._flush()
        shapes, dates = self._shape_list, _Dates()
        position = 0
        while True:
            self._file.seek(position)  # another walk may have moved the file meanwhile
            size = self._file.read(_SIZE.size)
            if not size:
                return
            (length,) = _SIZE.unpack(size)
            chunk = marshal.loads(self._file.read(length))
            position += _SIZE.size + length
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

    def _flush(self) -> None:
        if self._pending:
            packed = marshal.dumps(self._pending)
            try:
                self._file.seek(0, 2)
                self._file.write(_SIZE.pack(len(packed)))
                self._file.write(packed)
            except OSError as exc:
                raise no_room_for("the enrollments", "about 200 bytes a row", exc) from exc
            self._pending = []

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
