"""The quote-free fast path reads a file exactly as the csv module does."""

from __future__ import annotations

import csv
import io

from hypothesis import example, given
from hypothesis import strategies as st

from rostertui.sources.files import parse_csv


def read_with_the_csv_module(text: str, delimiter: str) -> tuple[tuple, list]:
    """The oracle: the csv module's header, and its rows numbered by the line they start on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = tuple(cell.strip() for cell in next(reader))
    rows, start = [], reader.line_num + 1
    for values in reader:
        if values:
            rows.append((start, values))
        start = reader.line_num + 1
    return header, rows


@given(
    text=st.text(alphabet="ab å;,\t\n\x0c\x1c\x85\u2028", min_size=1),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
@example(text="\nsourcedId,name\n\nx,y\n\n", delimiter=",")
@example(text="a,b\n,,\n  \nc,d", delimiter=",")
def test_a_file_without_quotes_reads_as_the_csv_module_reads_it(text: str, delimiter: str):
    data = text.encode()
    if not data.strip():
        return  # an empty file is refused before either reader sees it
    table = parse_csv("x.csv", data, "utf-8", delimiter)
    assert (table.header, list(table.rows)) == read_with_the_csv_module(text, delimiter)
