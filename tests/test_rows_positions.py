"""The query layer's pages from anywhere in a view: after a row, before a row, the last rows,
or an offset. The console's virtual rows view scrolls over these; every way of reaching a
stretch of rows must give the same rows as walking there from the top, in every kind of view."""

from __future__ import annotations

import sqlite3

import pytest

from rostertui.store.queries import Queries

CODE = "MEMBERSHIP_PERSON_NOT_IMPORTED"
VIEWS = {
    "all users": dict(kind="person"),
    "every record": dict(),
    "a code, new first": dict(kind="membership", code=CODE, severity="error"),
    "a code, every severity": dict(code=CODE),
    "removed": dict(change="removed"),
    "filtered by a group's name": dict(kind="person", text="9B"),
    "skipped": dict(kind="person", status="skipped"),
}


@pytest.fixture(scope="module")
def q(demo_db):
    with Queries.open(demo_db) as queries:
        yield queries


def identity(rows) -> list[tuple]:
    return [(r.kind, r.key, getattr(r, "new", False)) for r in rows]


@pytest.mark.parametrize("view", VIEWS)
def test_every_way_to_a_page_gives_the_rows_walked_from_the_top(q, view):
    filters = VIEWS[view]
    whole = identity(q.rows(12, **filters, limit=100_000))
    count = q.count_rows(12, **filters)
    assert count.total == len(whole) > 0
    assert count.new == sum(new for _, _, new in whole)
    page = 7
    assert identity(q.rows(12, **filters, last=True, limit=page)) == whole[-page:]
    rows = q.rows(12, **filters, limit=100_000)
    for start in (0, 1, page, len(whole) // 2, len(whole) - page, len(whole) - 1):
        at = identity(q.rows(12, **filters, offset=start, limit=page))
        assert at == whole[start : start + page], start
        if start:
            after = identity(q.rows(12, **filters, after=rows[start - 1], limit=page))
            assert after == whole[start : start + page], start
            before = identity(q.rows(12, **filters, before=rows[start], limit=page))
            assert before == whole[max(0, start - page) : start], start


def test_a_code_view_counts_its_new_rows_and_they_come_first(q):
    count = q.count_rows(12, kind="membership", code=CODE, severity="error")
    rows = q.rows(12, kind="membership", code=CODE, severity="error", limit=count.total)
    assert 0 < count.new < count.total
    assert [r.new for r in rows] == [True] * count.new + [False] * (count.total - count.new)
    # a jump that lands across the border between the new rows and the rest
    across = q.rows(12, kind="membership", code=CODE, severity="error", offset=count.new - 2,
                    limit=4)  # fmt: skip
    assert [r.new for r in across] == [True, True, False, False]


def test_a_view_with_nothing_in_it_counts_zero_and_has_no_pages(q):
    assert q.count_rows(12, kind="person", text="no such person anywhere").total == 0
    assert q.rows(12, kind="person", text="no such person anywhere", last=True) == []


def test_a_question_nobody_waits_for_any_more_stops_mid_statement(q):
    """The console's workers pass `cancelled`; a count whose view was replaced ends at once."""
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return True

    with pytest.raises(sqlite3.OperationalError, match="interrupted"), q.stopping_when(cancelled):
        q.count_rows(12, text="no such person anywhere")
    assert asked  # SQLite asked while it worked
    assert q.count_rows(12, kind="person").total > 0  # and the connection serves the next one


@pytest.mark.parametrize(
    "filters",
    [dict(kind="person", change="removed"), dict(kind="membership", status="skipped"),
     dict(change="updated"), dict(kind="person", change="absent")],
)  # fmt: skip
def test_a_short_list_among_many_walks_its_own_index_not_every_record(q, filters):
    """18 removed of a million must not read the million: the query SQLite runs for a page
    of a status or change list uses the partial index of those records."""
    statements: list[str] = []
    q.db.conn.set_trace_callback(statements.append)
    try:
        q.rows(12, **filters, limit=10)
    finally:
        q.db.conn.set_trace_callback(None)
    (page,) = [s for s in statements if "ORDER BY" in s and "LIMIT" in s]
    plan = " ".join(row[-1] for row in q.db.execute(f"EXPLAIN QUERY PLAN {page}"))
    assert "records_noteworthy" in plan, plan
