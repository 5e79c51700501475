"""Drills show what the line says: a code's rows at its severity, new ones first; a group's
members; what changed; and an export that holds exactly the view. The query layer on its own,
over the demo's twelve nights."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from rostertui.console.app import RosterApp
from rostertui.console.screens.imports import ImportScreen
from rostertui.console.screens.record import RecordScreen
from rostertui.console.screens.rows import RowsScreen
from rostertui.console.screens.search import SearchScreen
from rostertui.console.screens.status import StatusScreen
from rostertui.console.widgets.breadcrumb import Breadcrumb
from rostertui.console.widgets.rows_view import RowsView
from rostertui.domain.catalogue import RULES
from rostertui.store.queries import EXPORT_COLUMNS, DrillRow, Queries, QueryError
from tests.test_console import screen_text, settle

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


# -- the console, driven by keys -------------------------------------------------------------


def column(table: DataTable | RowsView, key: str) -> list[str]:
    if isinstance(table, RowsView):
        return table.column(key.capitalize())
    return [str(cell) for cell in table.get_column(key)]


async def test_enter_on_the_top_findings_line_shows_only_its_rows_new_first(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        top = app.screen.query_one("#codes", RowsView).row(0)
        kind, code, severity = top.kind, top.code, top.severity
        line = ["", code, f"{top.rows:,}", f"{top.new:,}"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RowsScreen)
        table = app.screen.query_one("#rows", RowsView)
        rows, new = int(line[2].replace(",", "")), int(line[3].replace(",", ""))
        assert table.total == rows and new > 0
        assert column(table, "new") == ["new"] * new + [""] * (rows - new)
        with Queries.open(demo_db) as q:
            expected = q.rows(12, kind=kind, code=code, severity=severity, limit=1000)
        assert column(table, "key") == [r.key for r in expected]
        assert f"Row 1 of {rows} · {new} new since the last good night (first)" in screen_text(app)


async def test_a_findings_line_of_an_import_type_opens_that_severity_only(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(ImportScreen(app.screen.run, "membership"))
        await settle(pilot)
        codes = app.screen.query_one("#codes", DataTable)
        keys = [codes.coordinate_to_cell_key((n, 0)).row_key.value for n in range(codes.row_count)]
        position = keys.index(f"{CODE}:error")
        codes.move_cursor(row=position)
        await settle(pilot)
        assert "root cause" in screen_text(app)
        line = [str(c) for c in codes.get_row_at(position)]
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#rows", RowsView)
        assert table.total == int(line[2])  # not the other severities' rows of the code
        assert set(column(table, "status")) <= {"SKIPPED", "EXCLUDED"}
        assert column(table, "new")[0] == "new"
        assert str(app.screen.query_one(Breadcrumb).render()).endswith(f"{CODE} (error)")


async def test_class_9b_opened_from_the_rows_lists_its_pupils_by_name(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(RowsScreen(app.screen.run, kind="group"))
        await settle(pilot)
        await pilot.press("f", "9", "B", "enter")
        await settle(pilot)
        assert column(app.screen.query_one("#rows", RowsView), "name")[0] == "9B"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        members = app.screen.query_one("#members", DataTable)
        names = column(members, "name")
        assert "Anna Svensson" in names and names == sorted(names)
        anna = names.index("Anna Svensson")
        assert [str(c) for c in members.get_row_at(anna)[:4]] == [
            "Anna Svensson", "student", "EXCLUDED", "SKIPPED",
        ]  # fmt: skip
        assert f"Members: {len(names)}, by name" in screen_text(app)
        app.screen.query_one("#member-filter", Input).focus()
        await pilot.press(*"svens")
        await settle(pilot)
        assert column(members, "name") == ["Anna Svensson"]
        assert "Members: 1 matching 'svens', by name" in screen_text(app)
        await pilot.press("enter", "enter")  # to the list, then open her
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen) and app.screen.key == "usr-000143"


async def test_filtering_all_users_by_a_class_name_finds_its_people(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(RowsScreen(app.screen.run, kind="person"))
        await settle(pilot)
        await pilot.press("f", "9", "B")
        await settle(pilot)
        assert "Anna Svensson" in column(app.screen.query_one("#rows", RowsView), "name")


async def open_count(pilot, kind_row: int, count: str) -> None:
    """Enter on one count of the home's import types table."""
    imports = pilot.app.screen.query_one("#imports", DataTable)
    imports.focus()
    imports.move_cursor(row=kind_row, column=imports.get_column_index(count))
    await pilot.press("enter")
    await settle(pilot)


async def test_the_removed_count_opens_the_removed_records(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        with Queries.open(demo_db) as q:
            users = next(i for i in q.imports(12) if i.kind == "person")
        await open_count(pilot, 1, "removed")  # Users
        assert isinstance(app.screen, RowsScreen)
        table = app.screen.query_one("#rows", RowsView)
        assert table.total == users.removed > 0
        assert set(column(table, "change")) == {"removed"}
        assert "Anna Svensson" in column(table, "name")
        assert str(app.screen.query_one(Breadcrumb).render()).endswith("removed users")
        await pilot.press("escape")
        await settle(pilot)
        await open_count(pilot, 1, "skipped")
        assert set(column(app.screen.query_one("#rows", RowsView), "status")) == {"SKIPPED"}
        await pilot.press("escape")
        await settle(pilot)
        await open_count(pilot, 1, "kind")  # the import type itself: its findings
        assert isinstance(app.screen, ImportScreen)


async def test_the_updated_count_says_which_fields_changed(demo_db):
    app = RosterApp(demo_db, run_id=4)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_count(pilot, 1, "updated")
        table = app.screen.query_one("#rows", RowsView)
        assert column(table, "changed") == ["family_name: Axelsson → Danielsson"]


async def export_view(pilot, target: Path) -> None:
    await pilot.press("e")
    await settle(pilot)
    pilot.app.screen.query_one(Input).value = str(target)
    await pilot.press("enter")
    await settle(pilot)


async def test_e_in_a_filtered_view_writes_exactly_the_filtered_rows(demo_db, tmp_path):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(RowsScreen(app.screen.run, kind="person"))
        await settle(pilot)
        await pilot.press("f", *"svensson", "enter")
        await settle(pilot)
        shown = column(app.screen.query_one("#rows", RowsView), "key")
        assert 0 < len(shown) < 100
        await export_view(pilot, tmp_path / "view.csv")
        assert isinstance(app.screen, RowsScreen)
    with (tmp_path / "view.csv").open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert list(written[0]) == list(EXPORT_COLUMNS)
    assert sorted({r["key"] for r in written}) == sorted(shown)


async def test_e_on_a_findings_line_writes_a_workbook_of_that_line(demo_db, tmp_path):
    from openpyxl import load_workbook

    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the top findings line
        await settle(pilot)
        shown = column(app.screen.query_one("#rows", RowsView), "key")
        code, severity = app.screen.code, app.screen.severity
        await export_view(pilot, tmp_path / "line.xlsx")
    book = load_workbook(tmp_path / "line.xlsx")
    assert book.sheetnames[-1] == "Summary" and book.active.title == "Summary"
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert ("code", code, None, None, None, None) in summary
    assert ("severity", severity, None, None, None, None) in summary
    rule = RULES[code]
    assert (kind_of(rows_of(book)), code, severity, len(shown), rule.fix, rule.owner) in summary
    (sheet,) = (book[name] for name in book.sheetnames[:-1])
    header, *rows = sheet.iter_rows(values_only=True)
    assert header == EXPORT_COLUMNS  # the contract's columns, as in CSV and JSON lines
    assert sheet.auto_filter.ref == f"A1:Q{len(rows) + 1}"
    assert sheet.column_dimensions["L"].width == 60  # message
    assert sorted({r[2] for r in rows}) == sorted(shown)
    assert {(r[9], r[10]) for r in rows} == {(code, severity)}


def rows_of(book) -> list[tuple]:
    return list(book[book.sheetnames[0]].iter_rows(min_row=2, values_only=True))


def kind_of(rows: list[tuple]) -> str:
    (kind,) = {r[1] for r in rows}
    return kind


# -- a failing query is a line on the screen; the app keeps running ---------------------------


def broken(message: str):
    def fail(self, *args, **kwargs):
        raise QueryError(message)

    return fail


async def test_a_failing_home_is_a_line_on_the_home_and_picking_a_night_asks_again(
    demo_db, monkeypatch
):
    monkeypatch.setattr(Queries, "findings_by_code", broken("database disk image is malformed"))
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, StatusScreen)
        assert "database disk image is malformed" in screen_text(app)
        monkeypatch.undo()
        await pilot.press("r")  # the run picker still works: pick the night, asked again
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.run.id == 12 and app.screen.query_one("#codes", RowsView).total > 0


async def test_a_failing_search_is_a_line_under_the_query(demo_db, monkeypatch):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Queries, "find", broken("database is locked"))
        await pilot.press("slash", *"Anna", "enter")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, SearchScreen)
        assert "database is locked" in screen_text(app)


async def test_a_failing_findings_query_is_a_line_on_the_import_screen(demo_db, monkeypatch):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Queries, "findings_by_code", broken("disk I/O error"))
        app.push_screen(ImportScreen(app.screen.run, "person"))
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, ImportScreen)
        assert "Cannot read the findings: disk I/O error" in screen_text(app)


async def test_a_failing_page_is_a_line_on_the_rows_screen(demo_db, monkeypatch):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Queries, "rows", broken("database is locked"))
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, RowsScreen)
        assert "Cannot read these rows: database is locked" in screen_text(app)
        monkeypatch.undo()
        await pilot.press("f", "a")  # a new filter asks again, and the answer shows
        await settle(pilot)
        assert app.screen.query_one("#rows", RowsView).total > 0


async def test_a_failing_record_is_a_line_on_the_record_screen(demo_db, monkeypatch):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Queries, "record", broken("malformed database"))
        app.open_record(12, "person", "usr-000143")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, RecordScreen)
        assert "Cannot read usr-000143: malformed database" in screen_text(app)


async def test_a_failing_member_list_is_a_line_on_the_group(demo_db, monkeypatch):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Queries, "group_members", broken("database is locked"))
        app.open_record(12, "group", CLASS_9B)
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, RecordScreen)
        text = screen_text(app)
        assert "Cannot list members: database is locked" in text and "9B" in text


async def test_a_failing_export_is_a_line_in_the_dialog(demo_db, monkeypatch, tmp_path):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        monkeypatch.setattr(Queries, "export_rows", broken("database disk image is malformed"))
        await export_view(pilot, tmp_path / "x.csv")
        assert app.is_running
        assert "database disk image is malformed" in screen_text(app)
        assert not (tmp_path / "x.csv").exists()
        monkeypatch.undo()
        app.screen.query_one(Input).value = str(tmp_path / "x.txt")
        await pilot.press("enter")  # a wrong suffix: said, not raised
        await settle(pilot)
        assert "the file name must end in .csv, .jsonl, .xlsx" in screen_text(app)


async def test_e_says_when_an_xlsx_type_outgrew_its_sheet(demo_db, tmp_path, monkeypatch):
    from rostertui import exports

    monkeypatch.setattr(exports, "EXCEL_ROWS", 50)  # Excel's 1,048,576, made small
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(RowsScreen(app.screen.run, kind="person"))
        await settle(pilot)
        await export_view(pilot, tmp_path / "users.xlsx")
        said = [n.message for n in app._notifications]
    assert any(
        "rows to" in m and "sheets: Excel holds 50 rows a sheet" in m and "Users (2)" in m
        for m in said
    ), said
