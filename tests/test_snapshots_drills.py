"""Drills as pictures at 80×24 and 120×40: a group with its members, and a change list (the
removed users of the last night; the updated user, with the field that changed, of night 4)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from rostertui.console.app import RosterApp
from tests.test_snapshots import SIZES, settle


async def open_count(pilot, kind_row: int, count: str) -> None:
    await settle(pilot)
    imports = pilot.app.screen.query_one("#imports", DataTable)
    imports.focus()
    imports.move_cursor(row=kind_row, column=imports.get_column_index(count))
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_group_with_its_members(snap_compare, demo_db, size):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.open_record(12, "group", "cls-00141")  # class 9B, not marked for export
        await settle(pilot)
        pilot.app.screen.query_one("#members", DataTable).focus()
        pilot.app.screen.query_one("#members-panel").scroll_visible(animate=False)
        await settle(pilot)

    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_change_list_removed(snap_compare, demo_db, size):
    async def run_before(pilot) -> None:
        await open_count(pilot, 1, "removed")

    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_change_list_updated(snap_compare, demo_db, size):
    async def run_before(pilot) -> None:
        await open_count(pilot, 1, "updated")

    assert snap_compare(RosterApp(demo_db, run_id=4), terminal_size=size, run_before=run_before)
