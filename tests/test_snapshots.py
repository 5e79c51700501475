"""Every screen as a picture at 80×24 and 120×40; the SVGs live in snapshots/ (look at them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input

from rostertui.console.app import RosterApp
from rostertui.console.screens.imports import ImportScreen
from tests.stored import copy_of

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


@pytest.fixture
def sync_running(demo_db, tmp_path, monkeypatch) -> Iterator[Path]:
    """The demo's twelve nights and a thirteenth being written: a sync holds the lock."""
    from rostertui.store import runs
    from rostertui.store.database import open_writer
    from rostertui.store.lock import writer_lock

    db = copy_of(demo_db, tmp_path)
    monkeypatch.setattr(runs, "now", lambda: "2026-11-23T02:00:00+00:00")
    with writer_lock(db, "sync"):
        writer = open_writer(db)
        try:
            runs.begin_run(writer, "/srv/sis/tonight", "2026-11-23", {})
        finally:
            writer.close()
        yield db


@pytest.mark.parametrize("size", SIZES)
def test_status_log_during_a_sync(snap_compare, sync_running, size):
    assert snap_compare(RosterApp(sync_running), terminal_size=size, run_before=journey())


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
def test_record_pending(snap_compare, demo_db, size):
    """André Eriksson, a pupil whose class starts later: the date he appears, no fix owner."""
    keys = ("slash", *"usr-000522", "enter", "enter")
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_search_miss(snap_compare, demo_db, size):
    keys = ("slash", *"Ana Svenson", "enter")
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_protected_match(snap_compare, demo_db, size):
    """A protected pupil's exact id: a record matches, its details withheld, nothing shown."""
    keys = ("slash", *"usr-000372", "enter")
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_search_removed_among_namesakes(snap_compare, demo_db, size):
    keys = ("slash", *"Söderström", "enter")
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, demo_db, size):
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_export_dialog(snap_compare, demo_db, size):
    keys = ("enter", "e")
    assert snap_compare(RosterApp(demo_db), terminal_size=size, run_before=journey(*keys))
