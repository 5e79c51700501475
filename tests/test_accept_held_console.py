"""Accepting a held night from the console (issue 12, item 6): offered only when
`sync --accept-held` would take it, asked first (No by default), done in a worker, refused with
its one line while the app keeps running."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Button, Static

from rostertui.console.app import RosterApp
from rostertui.console.commands import screen_actions
from rostertui.console.screens.confirm import ConfirmAccept
from rostertui.console.screens.help import HelpScreen, _keys
from rostertui.console.screens.status import StatusScreen
from rostertui.console.widgets.keybar import KeyBar
from rostertui.store.lock import writer_lock
from rostertui.store.queries import Queries


def build_held_db(month: Path, folder: Path) -> Path:
    """The demo month's first ten nights: the tenth (a users.csv cut short) is held, and no good
    night came after it, so the CLI would accept it."""
    from rostertui.store import runs
    from rostertui.sync import sync

    patch = pytest.MonkeyPatch()
    patch.setattr(runs, "now", lambda: "2026-11-20T02:00:00+00:00")
    db = folder / "held.db"
    key = folder / "held.db.key"  # fixed, as the demo database's
    key.write_text("ab" * 32)
    key.chmod(0o600)
    try:
        for night in sorted(month.iterdir())[:10]:
            as_of = date.fromisoformat(night.name)
            state = sync(db, str(night), policy_path=night / "policy.toml", as_of=as_of).state
    finally:
        patch.undo()
    assert state == "held"
    return db


@pytest.fixture(scope="session")
def held_template(demo_db, tmp_path_factory) -> Path:
    return build_held_db(demo_db.parent / "month", tmp_path_factory.mktemp("held"))


@pytest.fixture
def held_db(held_template, tmp_path) -> Path:
    """A fresh copy per test: accepting changes the database."""
    for file in held_template.parent.iterdir():
        shutil.copy2(file, tmp_path / file.name)
    return tmp_path / held_template.name


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown(app) -> str:
    return "\n".join(str(s.render()) for s in app.screen.query(Static))


def keybar(app) -> str:
    return str(app.screen.query_one(KeyBar).render())


def state_of(db: Path, run_id: int) -> str:
    queries = Queries.open(db)
    try:
        return queries.run(run_id).state
    finally:
        queries.close()


# -- not offered where the CLI refuses -----------------------------------------------------


@pytest.mark.parametrize("run_id", [10, None], ids=["held-with-newer-good", "latest-good"])
async def test_accept_is_not_offered_where_the_cli_would_refuse(demo_db, run_id):
    """The demo's run 10 is held, but runs 11 and 12 are good since; run 12 is not held."""
    app = RosterApp(demo_db, run_id=run_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatusScreen)
        assert "Accept" not in keybar(app)
        assert not any("Accept" in name for name, _, _ in screen_actions(screen))
        await pilot.press("A")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Accept held" not in [description for _, description in _keys(screen)]
    assert state_of(demo_db, 10) == "held"


async def test_the_palette_offers_every_action_of_the_screen_and_does_it(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        actions = {name: action for name, action, _ in screen_actions(app.screen)}
        assert list(actions) == [
            "Runs: pick a night", "Earlier night", "Later night", "Export this view",
        ]  # fmt: skip
        actions["Earlier night"]()
        await settle(pilot)
        assert app.screen.run.id == 11
        await pilot.press("enter")  # the top findings line: its rows, with a filter
        await settle(pilot)
        actions = {name: action for name, action, _ in screen_actions(app.screen)}
        assert list(actions) == ["Filter these rows", "Export this view"]
        actions["Filter these rows"]()
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#filter")


# -- offered, asked, done ------------------------------------------------------------------


async def test_a_held_night_offers_accept_in_keys_help_and_palette(held_db):
    app = RosterApp(held_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "Accept held" in keybar(app)
        names = [name for name, _, _ in screen_actions(app.screen)]
        assert "Accept held run 10" in names and "Runs: pick a night" in names
        assert ("A", "Accept held") in _keys(app.screen)


async def test_no_leaves_the_night_held(held_db):
    app = RosterApp(held_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmAccept)
        text = shown(app)
        assert "Run 10 becomes the latest good night: it would remove" in text
        assert app.focused is app.screen.query_one("#no", Button)
        await pilot.press("enter")  # the default answer
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)
        assert "Run 10 HELD" in shown(app)
    assert state_of(held_db, 10) == "held"


async def test_the_palette_accept_asks_too(held_db):
    app = RosterApp(held_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        accept = dict((name, action) for name, action, _ in screen_actions(app.screen))
        accept["Accept held run 10"]()
        await settle(pilot)
        assert isinstance(app.screen, ConfirmAccept)
        await pilot.press("escape")
        await settle(pilot)
    assert state_of(held_db, 10) == "held"


async def test_yes_makes_the_night_good_and_the_home_says_so(held_db):
    app = RosterApp(held_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        await pilot.click("#yes")
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)
        assert "Run 10 GOOD" in shown(app)
        assert "Accept" not in keybar(app)
        assert state_of(held_db, 10) == "good"
        queries = Queries.open(held_db)
        try:
            assert queries.latest_good_run_id() == 10
        finally:
            queries.close()


async def test_a_refused_accept_says_why_and_the_console_keeps_running(held_db):
    app = RosterApp(held_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        with writer_lock(held_db, "sync"):
            await pilot.press("y")
            await settle(pilot)
        assert isinstance(app.screen, ConfirmAccept)
        outcome = str(app.screen.query_one("#outcome", Static).render())
        assert outcome.startswith("Not accepted: ") and "sync" in outcome
        assert app.is_running
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen) and "Run 10 HELD" in shown(app)
    assert state_of(held_db, 10) == "held"
