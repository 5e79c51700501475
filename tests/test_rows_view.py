"""The rows view scrolls over a list it never holds whole: Home and End, page after page, the
total in the footer, narrow terminals, and a page that cannot be read. Driven with Pilot over
the demo's twelve nights."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Input, Static

from rostertui.console.app import RosterApp
from rostertui.console.screens.record import RecordScreen
from rostertui.console.screens.rows import RowsScreen
from rostertui.console.widgets.rows_view import CACHED_PAGES, LOADING, PAGE, RowsView
from rostertui.store.queries import Queries
from tests.test_console import settle

WHOLE_STATUS_THEN_CHANGE = re.compile(r" (EXCLUDED|SKIPPED|ABSENT|IMPORTED) +removed$")


async def all_users(pilot) -> RowsView:
    await settle(pilot)
    pilot.app.push_screen(RowsScreen(pilot.app.screen.run, kind="person"))
    await settle(pilot)
    return pilot.app.screen.query_one("#rows", RowsView)


def footer(app) -> str:
    return str(app.screen.query_one("#count", Static).render())


def on_screen(view: RowsView) -> list[str]:
    return [view.render_line(y).text for y in range(view.room.height)]


async def test_end_goes_to_the_last_row_without_walking_the_list(demo_db):
    with Queries.open(demo_db) as q:
        total = q.count_rows(12, kind="person").total
        last = q.rows(12, kind="person", last=True, limit=1)[0]
    assert total > 3 * PAGE
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await all_users(pilot)
        assert footer(app) == f"Row 1 of {total:,}"
        await pilot.press("end")
        await settle(pilot)
        assert footer(app) == f"Row {total:,} of {total:,}"
        assert last.key in on_screen(view)[-1]
        assert len(view.pages) <= 3  # the first page and the last ones, nothing in between
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen) and app.screen.key == last.key
        await pilot.press("escape", "home")
        await settle(pilot)
        assert footer(app) == f"Row 1 of {total:,}"
        assert on_screen(view)[1].startswith(view.row(0).key)


@pytest.fixture(scope="module")
def every(demo_db) -> list[str]:
    """The keys of every user of the last night, in the list's order."""
    with Queries.open(demo_db) as q:
        return [r.key for r in q.rows(12, kind="person", limit=100_000)]


async def test_paging_down_shows_the_rows_in_order_and_keeps_a_bounded_cache(demo_db, every):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await all_users(pilot)
        for _ in range(len(every) // view.visible_rows + 2):
            await pilot.press("pagedown")
            await settle(pilot)
            shown = on_screen(view)[1:]
            assert LOADING not in "".join(shown)  # pages arrive before they come into sight
            top = round(view.scroll_y)
            assert [line.split(" ", 1)[0] for line in shown] == every[top : top + len(shown)]
            assert len(view.pages) <= CACHED_PAGES
        assert view.cursor == len(every) - 1
        await pilot.press("pageup")
        await settle(pilot)
        assert view.cursor == len(every) - 1 - view.visible_rows


async def test_a_jump_into_the_middle_shows_the_rows_that_are_there(demo_db, every):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await all_users(pilot)
        middle = len(every) // 2
        view.scroll_to(y=middle, animate=False, immediate=True)  # a drag of the scrollbar
        await settle(pilot)
        await settle(pilot)
        assert on_screen(view)[1].split(" ", 1)[0] == every[middle]


async def test_the_footer_counts_a_filter_and_says_when_nothing_matches(demo_db):
    with Queries.open(demo_db) as q:
        svenssons = q.count_rows(12, kind="person", text="svensson").total
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await all_users(pilot)
        await pilot.press("f", *"svensson")
        await settle(pilot)
        assert footer(app) == f"Row 1 of {svenssons}" and view.total == svenssons
        app.screen.query_one(Input).value = "nobody is called this"
        await settle(pilot)
        assert footer(app) == "No rows match this filter" and view.total == 0
        assert on_screen(view)[1].strip() == ""


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_statuses_and_changes_are_never_cut_off(demo_db, size):
    app = RosterApp(demo_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.push_screen(RowsScreen(app.screen.run, kind="membership", change="removed"))
        await settle(pilot)
        view = app.screen.query_one("#rows", RowsView)
        header, *rows = on_screen(view)
        assert header.rstrip().endswith("Status   Change")
        shown = [line.rstrip() for line in rows if line.strip()]
        assert shown and all(WHOLE_STATUS_THEN_CHANGE.search(line) for line in shown)


async def test_a_page_that_cannot_be_read_is_a_line_and_the_next_try_works(demo_db, monkeypatch):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await all_users(pilot)
        real = Queries.rows

        def broken(self, *args, **kwargs):
            raise RuntimeError("database disk image is malformed")

        monkeypatch.setattr(Queries, "rows", broken)
        await pilot.press("end")
        await settle(pilot)
        assert footer(app) == "Cannot read these rows: database disk image is malformed"
        assert LOADING in on_screen(view)[-1] and app.is_running
        monkeypatch.setattr(Queries, "rows", real)
        await pilot.press("up")
        await settle(pilot)
        await settle(pilot)
        assert LOADING not in "".join(on_screen(view))
