"""A failed night and the run picker, as a user sees them: the failed night says so in words on
the home, the picker opens on the night being viewed with every night's state and totals, and
the error trend marks the night on screen. Snapshots at 80×24 and 120×40, and the same things
asserted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.widgets import DataTable

from rostertui.console.app import RosterApp
from rostertui.console.screens.runs import RunPicker
from rostertui.render import TREND_BARS, error_trend
from rostertui.store.answers import Night, RunInfo
from rostertui.store.queries import Queries
from tests.stored import copy_of
from tests.test_console import screen_text
from tests.test_snapshots import SIZES, settle


@pytest.fixture(scope="module")
def failed_night(demo_db, tmp_path_factory) -> Path:
    """The demo's twelve nights and a thirteenth whose export folder was not there."""
    from rostertui.store import runs
    from rostertui.sync import sync

    db = copy_of(demo_db, tmp_path_factory.mktemp("failed"))
    patch = pytest.MonkeyPatch()
    patch.setattr(runs, "now", lambda: "2026-11-23T02:00:00+00:00")
    tonight = "/srv/sis/no-export-tonight"  # not there; a fixed path, so the snapshot is too
    result = sync(db, tonight, as_of=date(2026, 11, 23))
    patch.undo()
    assert result.state == "failed"
    return db


@pytest.mark.parametrize("size", SIZES)
def test_failed_night(snap_compare, failed_night, size):
    assert snap_compare(RosterApp(failed_night), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_run_picker(snap_compare, failed_night, size):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("left_square_bracket", "left_square_bracket")  # back to run 11
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)

    assert snap_compare(RosterApp(failed_night), terminal_size=size, run_before=run_before)


async def test_the_failed_night_says_so_and_the_picker_opens_on_the_night_viewed(failed_night):
    with Queries.open(failed_night) as q:
        nights = {n.run.id: n for n in q.nights()}
    assert nights[13].run.state == "failed" and nights[13].imported == 0
    held = next(n for n in nights.values() if n.run.state == "held")
    app = RosterApp(failed_night)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Run 13 FAILED" in text and app.screen.query_one("#run-line").has_class("alarm")
        assert "run 13: failed, nothing judged" in text
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.screen.run.id == 12 and f"run 12: {nights[12].errors:,}" in screen_text(app)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RunPicker)
        table = app.screen.query_one("#runs", DataTable)
        assert table.cursor_row == 1  # run 12, the night on screen; 13 is above it
        rows = {
            str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)]
            for i in range(table.row_count)
        }
        assert rows["13"][2:] == ["FAILED", "—", "—", "—", "—", "—", "—"]
        assert rows[str(held.run.id)][2] == "HELD"
        assert rows[str(held.run.id)][-1] == f"{held.removed:,}?"  # would have removed
        assert rows["12"][3] == f"{nights[12].imported:,}"
        assert "n? = what a held night would have done" in screen_text(app)
        await pilot.press("down", "enter")  # run 11
        await settle(pilot)
        assert app.screen.run.id == 11


def night(run_id: int, errors: int, state: str = "good", judged: bool = True) -> Night:
    run = RunInfo(run_id, state, "src", "csv", f"2026-11-{run_id:02d}", "", None, None, None)
    return Night(run, 100 if judged else 0, 0, 0, 0, 0, errors)


def test_a_spike_does_not_flatten_the_ordinary_nights_and_the_night_shown_is_marked():
    trend = error_trend([night(4, 30), night(3, 1184, "held"), night(2, 25), night(1, 0)], 4)
    bars = "".join(ch for ch in trend.plain if ch in TREND_BARS)
    assert bars[0] == "▁" and bars[2] == "█"  # none, then the held spike at the top
    assert bars[1] >= "▃" and bars[3] >= "▃"  # 25 and 30 errors still stand up from the floor
    assert trend.plain.endswith("run 4: 30")
    marked = [span for span in trend.spans if "reverse" in str(span.style)]
    assert [trend.plain[s.start : s.end] for s in marked] == [bars[3]]
    assert "×" in error_trend([night(2, 0, "failed", judged=False), night(1, 5)], 2).plain
