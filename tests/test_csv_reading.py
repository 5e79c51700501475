"""The quote-free fast path reads a file exactly as the csv module does (both then set aside the
empty cells that end a header line, by one rule: `unnamed` below)."""

from __future__ import annotations

import csv
import io
from unittest.mock import patch

from hypothesis import example, given
from hypothesis import strategies as st

from rostertui.sources import files
from rostertui.sources.files import parse_csv


def read_with_the_csv_module(text: str, delimiter: str) -> tuple[tuple, list]:
    """The oracle: the csv module's header, and its rows numbered by the line they start on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = [cell.strip() for cell in next(reader)]
    rows, start = [], reader.line_num + 1
    for values in reader:
        if values:
            rows.append((start, values))
        start = reader.line_num + 1
    return unnamed(header, rows)


def unnamed(header: list[str], rows: list) -> tuple[tuple, list]:
    """The header without its trailing empty cells; a row's cells under them go when they are
    all empty, and stay (for the reader to report) when one holds a value. A header without
    such cells leaves every row as it is."""
    named = len(header)
    while named and not header[named - 1]:
        named -= 1
    for _, values in rows if named < len(header) else ():
        if not any(value.strip() for value in values[named:]):
            del values[named:]
    return tuple(header[:named]), rows


@given(
    text=st.text(alphabet="ab å;,\t\n\x0c\x1c\x85\u2028", min_size=1),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
@example(text="\nsourcedId,name\n\nx,y\n\n", delimiter=",")
@example(text="a,b\n,,\n  \nc,d", delimiter=",")
@example(text="a,b,, \n1,2,,\n3,4\n5,6,,x\n", delimiter=",")
def test_a_file_without_quotes_reads_as_the_csv_module_reads_it(text: str, delimiter: str):
    data = text.encode()
    if not data.strip():
        return  # an empty file is refused before either reader sees it
    table = parse_csv("x.csv", io.BytesIO(data), "utf-8", delimiter)
    assert (table.header, list(table.rows)) == read_with_the_csv_module(text, delimiter)


@given(
    st.binary(max_size=40),
    st.sampled_from([b"\xff", b"\xc3", b"\xe2\x82", b"\xc3\xa5"]),
    st.binary(max_size=40),
    st.integers(min_value=1, max_value=7),
)
def test_the_first_bad_byte_is_found_where_a_whole_decode_finds_it(before, odd, after, piece):
    """The encoding check reads a file a piece at a time (not as a second copy in memory),
    and still names the line of the first byte that is not UTF-8, across piece borders."""
    data = before + odd + after
    try:
        data.decode("utf-8")
        expected = None
    except UnicodeDecodeError as exc:
        expected = exc.start
    with patch.object(files, "_PIECE", piece):
        assert files._first_bad_byte(io.BytesIO(data)) == expected
