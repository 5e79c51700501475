"""The console driven by keyboard, as the two people in DESIGN.md use it."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from rostertui.console.app import RosterApp
from rostertui.console.screens.record import RecordScreen
from rostertui.console.screens.rows import RowsScreen
from rostertui.console.screens.search import SearchScreen
from rostertui.console.screens.status import StatusScreen
from rostertui.console.widgets.keybar import KeyBar


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app) -> str:
    """What the screen shows: every Static that is displayed (its containers too)."""
    shown = [
        s
        for s in app.screen.query(Static)
        if all(getattr(node, "display", True) for node in s.ancestors_with_self)
    ]
    return "\n".join(str(s.render()) for s in shown)


async def test_support_agent_finds_why_anna_is_missing(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"Anna Svensson")
        await pilot.press("enter")  # search
        await settle(pilot)
        await pilot.press("enter")  # open the one match
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        text = screen_text(app)
        assert "Not imported (skipped): STUDENT_NO_CLASS" in text
        assert "GROUP_NOT_EXPORTED" in text and "Fix owner: registry" in text
        assert "In source: yes users.csv:" in text
        related = app.screen.query_one("#related", DataTable)
        assert related.row_count >= 2


async def test_admin_reaches_the_rows_of_the_largest_new_error(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)
        assert "Run 12 GOOD" in screen_text(app)
        await pilot.press("enter")  # the codes table is focused, largest new error first
        await settle(pilot)
        assert isinstance(app.screen, RowsScreen)
        table = app.screen.query_one("#rows", DataTable)
        assert table.row_count > 0
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)


async def test_the_mouse_drills_in_and_presses_the_keys_on_the_key_bar(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        assert "esc Back" in str(bar.render()) and "/ Search" in str(bar.render())
        start = str(bar.render()).index("/ Search")
        await pilot.click(KeyBar, offset=(start + 2, 0))
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.click(
            KeyBar, offset=(str(app.screen.query_one(KeyBar).render()).index("esc"), 0)
        )
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)
        codes = app.screen.query_one("#codes", DataTable)
        await pilot.click(codes, offset=(4, 1))  # the first finding's row
        await pilot.click(codes, offset=(4, 1))  # a second click on the cursor row selects it
        await settle(pilot)
        assert isinstance(app.screen, RowsScreen)


async def test_a_miss_says_so_and_offers_near_matches(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"Ana Svenson", "enter")
        await settle(pilot)
        summary = str(app.screen.query_one("#summary", Static).render())
        assert "No record matches 'Ana Svenson' in run 12" in summary
        assert "Did you mean" in summary
        results = app.screen.query_one("#results", DataTable)
        names = [str(results.get_row_at(i)[2]) for i in range(results.row_count)]
        assert "Anna Svensson" in names


async def test_rows_filter_as_you_type(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(RowsScreen(app.screen.run, kind="person"))
        await settle(pilot)
        table = app.screen.query_one("#rows", DataTable)
        assert table.row_count == 100  # one page, more on scroll
        await pilot.press("f", *"svensson")
        await settle(pilot)
        assert app.screen.query_one(Input).value == "svensson"
        names = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert names and all("Svensson" in n for n in names)


async def test_export_the_current_view(demo_db, tmp_path):
    app = RosterApp(demo_db)
    target = tmp_path / "view.csv"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # rows of the top code
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        field = app.screen.query_one(Input)
        field.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("run_id,kind,key")
    assert len(lines) > 1


def test_theme_follows_the_terminal():
    from rostertui.console.app import terminal_theme

    assert terminal_theme({"COLORFGBG": "0;15"}) == "textual-light"
    assert terminal_theme({"COLORFGBG": "15;0"}) == "textual-dark"
    assert terminal_theme({}) == "textual-dark"


async def test_protected_person_shows_details_withheld(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(RowsScreen(app.screen.run, kind="person", code="PERSON_PROTECTED_IDENTITY"))
        await settle(pilot)
        table = app.screen.query_one("#rows", DataTable)
        assert table.row_count == 2
        assert all(str(table.get_row_at(i)[1]) == "" for i in range(table.row_count))
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "details withheld" in text
        assert "Raw source row" not in text


async def test_source_text_is_never_markup_on_screen(tmp_path):
    from datetime import date

    from rostertui.sync import sync
    from tests.oneroster_builder import clean_roster

    bundle = clean_roster()
    bundle.row("users", "p1")["givenName"] = "[bold red]Anna[/]"
    db = tmp_path / "r.db"
    sync(db, str(bundle.write(tmp_path / "b")), as_of=date(2026, 11, 22))
    app = RosterApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_record(1, "person", "p1")
        await settle(pilot)
        assert "User [bold red]Anna[/] Svensson" in screen_text(app)
