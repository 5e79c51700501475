"""Every screen as a picture at 80×24 and 120×40; the SVGs live in snapshots/ (look at them)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from rostertui.console.app import RosterApp
from rostertui.console.screens.imports import ImportScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def journey(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_status_log(snap_compare, demo_db, size):
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey())


@pytest.mark.parametrize("size", SIZES)
def test_import_findings(snap_compare, demo_db, size):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(ImportScreen(pilot.app.screen.run, "person"))
        await settle(pilot)

    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_rows(snap_compare, demo_db, size):
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey("enter"))


@pytest.mark.parametrize("size", SIZES)
def test_record_anna(snap_compare, demo_db, size):
    keys = ("slash", *"Anna Svensson", "enter", "enter")
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_search_miss(snap_compare, demo_db, size):
    keys = ("slash", *"Ana Svenson", "enter")
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, demo_db, size):
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_export_dialog(snap_compare, demo_db, size):
    keys = ("enter", "e")
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey(*keys))
