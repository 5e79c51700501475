"""Drills show what the line says: a code's rows at its severity, new ones first; a group's
members; what changed; and an export that holds exactly the view. The query layer on its own,
over the demo's twelve nights."""

from __future__ import annotations

import pytest

from rostertui.store.queries import DrillRow, Queries, QueryError

CODE = "MEMBERSHIP_PERSON_NOT_IMPORTED"
CLASS_9B = "cls-00141"


@pytest.fixture
def q(demo_db):
    with Queries.open(demo_db) as queries:
        yield queries


def every_page(ask, limit: int) -> list:
    rows, after = [], None
    while True:
        page = ask(after, limit)
        rows += page
        if len(page) < limit:
            return rows
        after = page[-1]


def test_a_code_at_a_severity_lists_exactly_its_line_new_first(q):
    line = next(
        c for c in q.findings_by_code(12, "membership") if (c.code, c.severity) == (CODE, "error")
    )
    rows = q.rows(12, kind="membership", code=CODE, severity="error", limit=1000)
    assert len(rows) == line.rows and sum(r.new for r in rows) == line.new > 0
    assert all(isinstance(r, DrillRow) for r in rows)
    assert [r.new for r in rows] == sorted((r.new for r in rows), reverse=True)  # new first
    assert {r.status for r in rows} <= {"skipped"} | {"excluded"}
    every = q.rows(12, kind="membership", code=CODE, limit=1000)  # every severity: more rows
    assert len(every) > len(rows)
    previous = q.run(12).previous_run
    before = {r["key"] for r in q.export_rows(previous, kind="membership", code=CODE)}
    assert {r.key for r in rows if r.new} == {r.key for r in rows} - before


@pytest.mark.parametrize("limit", [1, 7, 24, 25, 100])
def test_pages_walk_across_the_new_and_the_old_rows_alike(q, limit):
    whole = q.rows(12, kind="membership", code=CODE, severity="error", limit=1000)
    paged = every_page(
        lambda after, n: q.rows(
            12, kind="membership", code=CODE, severity="error", after=after, limit=n
        ),
        limit,
    )
    assert [(r.id, r.new) for r in paged] == [(r.id, r.new) for r in whole]


def test_the_first_night_has_nothing_new(q):
    assert not any(r.new for r in q.rows(1, code="GROUP_NO_TEACHER", limit=1000))


def test_a_group_lists_its_members_by_name_role_and_status(q):
    page = q.group_members(12, CLASS_9B)
    names = [m.name for m in page.members]
    assert page.total == len(names) > 0 and names == sorted(names)
    assert "Anna Svensson" in names
    anna = next(m for m in page.members if m.name == "Anna Svensson")
    assert (anna.role, anna.status, anna.person_status) == ("student", "excluded", "skipped")
    assert q.group_members(12, CLASS_9B, text="svensson").members == [anna]
    paged = every_page(
        lambda after, n: q.group_members(12, CLASS_9B, after=after, limit=n).members, 2
    )
    assert paged == page.members
    assert q.group_members(12, "no-such-group").total == 0


def test_the_users_filter_matches_the_names_of_their_groups(q):
    pupils = {m.person_key for m in q.group_members(12, CLASS_9B).members}
    found = {r.key for r in q.rows(12, kind="person", text="9B", limit=1000)}
    assert pupils <= found
    exported = {r["key"] for r in q.export_rows(12, kind="person", text="9B")}
    assert exported == found


def test_what_changed_lists_those_records_with_their_fields(q):
    removed = q.rows(12, kind="person", change="removed", limit=1000)
    summary = next(i for i in q.imports(12) if i.kind == "person")
    assert len(removed) == summary.removed > 0
    assert {r.change for r in removed} == {"removed"}
    (updated,) = q.rows(4, kind="person", change="updated")
    assert updated.changed == (("family_name", "Axelsson", "Danielsson"),)
    every_kind = q.rows(12, change="removed", limit=1000)
    assert len(every_kind) == sum(i.removed for i in q.imports(12))


def test_export_lists_a_change_as_the_console_does(q):
    removed = {r.key for r in q.rows(12, change="removed", limit=1000)}
    assert {r["key"] for r in q.export_rows(12, change="removed")} == removed
    assert {r["change"] for r in q.export_rows(12, change="removed")} == {"removed"}
    assert {r["status"] for r in q.export_rows(10, change="absent")} == {"absent"}
    assert not list(q.export_rows(12, change="created"))
    with pytest.raises(QueryError, match="no change 'deleted': use one of created, updated"):
        list(q.export_rows(12, change="deleted"))


def test_export_of_a_code_line_holds_that_line(q):
    rows = list(q.export_rows(12, kind="membership", code=CODE, severity="error"))
    shown = q.rows(12, kind="membership", code=CODE, severity="error", limit=1000)
    assert {r["key"] for r in rows} == {r.key for r in shown}
    assert {(r["code"], r["severity"]) for r in rows} == {(CODE, "error")}
