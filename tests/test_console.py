"""The console driven by keyboard, as the two people in DESIGN.md use it."""

from __future__ import annotations

import re
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from rostertui.console.app import RosterApp
from rostertui.console.screens.imports import ImportScreen
from rostertui.console.screens.record import RecordScreen
from rostertui.console.screens.rows import RowsScreen
from rostertui.console.screens.search import SearchScreen
from rostertui.console.screens.status import StatusScreen
from rostertui.console.widgets.keybar import KeyBar
from rostertui.console.widgets.rows_view import RowsView
from rostertui.store.lock import writer_lock


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
        related = app.screen.query_one("#related", RowsView)
        assert related.total >= 2


async def test_admin_reaches_the_rows_of_the_largest_new_error(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)
        assert "Run 12 GOOD" in screen_text(app)
        await pilot.press("enter")  # the codes table is focused, largest new error first
        await settle(pilot)
        assert isinstance(app.screen, RowsScreen)
        table = app.screen.query_one("#rows", RowsView)
        assert table.total > 0
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
        codes = app.screen.query_one("#codes", RowsView)
        await pilot.click(codes, offset=(4, 2))  # the second finding's row: the cursor goes there
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen) and codes.cursor == 1
        await pilot.click(codes, offset=(4, 2))  # a click on the cursor's row opens it
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
        results = app.screen.query_one("#results", RowsView)
        assert "Anna Svensson" in results.column("Name")


async def test_rows_filter_as_you_type(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(RowsScreen(app.screen.run, kind="person"))
        await settle(pilot)
        table = app.screen.query_one("#rows", RowsView)
        assert table.total > len(table.held_rows()) == 100  # one page held, more on scroll
        await pilot.press("f", *"svensson")
        await settle(pilot)
        assert app.screen.query_one(Input).value == "svensson"
        names = set(table.column("Name"))
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
        table = app.screen.query_one("#rows", RowsView)
        assert table.total == 2
        names = table.column("Name")
        assert all(str(name) == "" for name in names)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "details withheld" in text
        assert "Raw source row" not in text


async def test_source_text_is_never_markup_on_screen(tmp_path):

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


# -- a sync running while the console is open --------------------------------------------------


def good_night(tmp_path) -> tuple[Path, Path]:
    """A database with one good night (run 1, as of 2026-11-22) from a real sync; its source."""
    from rostertui.sync import sync
    from tests.oneroster_builder import clean_roster

    source = clean_roster().write(tmp_path / "bundle")
    db = tmp_path / "r.db"
    assert sync(db, str(source), as_of=date(2026, 11, 22)).state == "good"
    return db, source


def begin_night(db: Path, as_of: str = "2026-11-23") -> int:
    """What a sync writes first under its lock: a run row in state running."""
    from rostertui.store.database import open_writer
    from rostertui.store.runs import begin_run

    writer = open_writer(db)
    try:
        return begin_run(writer, "/srv/sis/tonight", as_of, {})
    finally:
        writer.close()


async def until(pilot, holds, seconds: float = 8.0) -> None:
    """Let the console run (its poll, its workers) until `holds()`, or fail at the deadline."""
    deadline = time.monotonic() + seconds
    while not holds():
        assert time.monotonic() < deadline, screen_text(pilot.app)
        await pilot.pause(0.1)


async def test_a_running_sync_shows_the_last_good_night_then_the_interrupted_one(tmp_path):
    db, _ = good_night(tmp_path)
    app = RosterApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        with writer_lock(db, "sync"):
            running = begin_night(db)
            # a poll between the lock and the run row sees a writer and no night yet; the next
            # poll sees the night: wait for the banner that names it
            await until(pilot, lambda: "showing the last good night" in screen_text(app))
            text = screen_text(app)
            assert re.search(  # started today: the time alone
                rf"A sync is running \(since \d\d:\d\d UTC, run {running}\); showing the last "
                r"good night, run 1 of 2026-11-22\.",
                text,
            )
            assert "This view refreshes when it ends." in text
            assert "Run 1 GOOD" in text
            assert app.screen.query_one("#imports", DataTable).row_count == 4
            assert not app.screen.query_one("#run-line").has_class("alarm")
            shown = app.screen.run
            await pilot.pause(2.5)  # a poll or two while nothing changes: no repaint
            assert app.screen.run is shown
        # the sync's process is gone and its night was never finished
        await until(pilot, lambda: f"Run {running} INTERRUPTED" in screen_text(app))
        text = screen_text(app)
        assert "A sync is running" not in text
        assert "Reason: interrupted: the sync stopped before it finished" in text
        assert "Latest good run: 1" in text
        assert app.screen.query_one("#run-line").has_class("alarm")
        assert not app.screen.query_one("#banner").has_class("writing")
        await pilot.press("r")
        await settle(pilot)
        runs = app.screen.query_one("#runs", DataTable)
        assert [str(cell) for cell in runs.get_row_at(0)[:3]] == [
            str(running),
            "2026-11-23",
            "INTERRUPTED",
        ]


async def test_opened_during_a_sync_it_follows_the_sync_to_its_good_night(tmp_path):
    import asyncio

    from rostertui.sync import sync

    db, source = good_night(tmp_path)
    app = RosterApp(db)
    with ExitStack() as simulated:
        simulated.enter_context(writer_lock(db, "sync"))
        begin_night(db)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert re.search(r"A sync is running \(since \d\d:\d\d UTC, run 2\); showing", text)
            assert "Run 1 GOOD" in text
            await pilot.press("enter")  # into an import type of the night shown; the home waits
            await settle(pilot)
            assert isinstance(app.screen, ImportScreen)
            simulated.close()  # that sync is gone; the next one runs to the end
            assert (
                await asyncio.to_thread(sync, db, str(source), as_of=date(2026, 11, 24))
            ).state == "good"
            home = app.screen_stack[1]
            await until(pilot, lambda: home.run.id == 3)  # refreshed behind the import screen
            await pilot.press("escape")
            await settle(pilot)
            assert "Run 3 GOOD" in screen_text(app)
            assert str(app.screen.query_one("#crumbs").render()) == "Run 3 (2026-11-24)"
            text = screen_text(app)
            assert "is running" not in text and "Latest good run" not in text
            assert app.screen.query_one("#imports", DataTable).row_count == 4


async def test_a_poll_that_fails_says_so_and_recovers(tmp_path, monkeypatch):
    from rostertui.console.widgets.writer_banner import WriterBanner
    from rostertui.store.queries import Queries

    db, _ = good_night(tmp_path)
    monkeypatch.setattr(WriterBanner, "POLL_SECONDS", 0.1)
    app = RosterApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = app.screen.run

        def unreadable(self):
            raise PermissionError("r.db.lock: permission denied")

        with monkeypatch.context() as broken:
            broken.setattr(Queries, "writer_since", unreadable)
            await until(pilot, lambda: "Cannot tell whether" in screen_text(app))
        assert "Cannot tell whether a sync is running: r.db.lock: permission denied" in (
            screen_text(app)
        )
        assert app.screen.run is shown  # the night stays on screen
        await until(pilot, lambda: "Cannot tell" not in screen_text(app))
        assert "Run 1 GOOD" in screen_text(app)


def test_the_banner_names_the_writer_and_the_night_shown():
    from rostertui.render import writer_banner
    from rostertui.store.answers import RunInfo

    def night(run_id, state, as_of, started="2026-12-07T16:40:02+00:00"):
        return RunInfo(run_id, state, "/srv/sis", "oneroster", as_of, started, None, None, None)

    now = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    running, good = night(25, "running", "2026-12-07"), night(24, "good", "2026-12-06")
    sync = "a sync (pid 4242, since 2026-12-07 16:40:02 UTC)"
    assert str(writer_banner(sync, running, good, True, now)) == (
        "A sync is running (since 16:40 UTC, run 25); showing the last good night, run 24 of "
        "2026-12-06. This view refreshes when it ends."
    )
    yesterday = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
    assert "(since 2026-12-07 16:40 UTC, run 25)" in str(
        writer_banner(sync, running, good, True, yesterday)
    )
    held = night(24, "held", "2026-12-06")
    assert "showing the latest finished night (there is no good one), run 24 of" in str(
        writer_banner(sync, running, held, True, now)
    )
    assert "; showing run 20 of 2026-12-02." in str(
        writer_banner(sync, running, night(20, "good", "2026-12-02"), False, now)
    )
    assert "; this night has no import types until it ends." in str(
        writer_banner(sync, running, running, True, now)
    )
    prune = "a prune (pid 9, since 2026-12-07 03:10:00 UTC)"
    assert str(writer_banner(prune, None, good, True, now)) == (
        "A prune is running (since 03:10 UTC); it shrinks old nights, no night is being "
        "written. This view refreshes when it ends."
    )
    unreadable = "a sync or prune (its lock file cannot be read)"
    assert str(writer_banner(unreadable, None, good, True, now)).startswith(
        "A sync or prune (its lock file cannot be read) is writing."
    )
