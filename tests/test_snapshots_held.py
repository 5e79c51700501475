"""A held night that can still be accepted, with the confirmation `A` opens, at 80×24 and
120×40: what accepting would do, in the night's own counts, and No focused."""

from __future__ import annotations

import pytest

from rostertui.console.app import RosterApp
from tests.test_accept_held_console import held_template, settle  # noqa: F401 (a fixture)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_held_night_asks_before_accepting(snap_compare, held_template, size):  # noqa: F811
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)

    assert snap_compare(RosterApp(held_template), terminal_size=size, run_before=run_before)
