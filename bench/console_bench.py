"""The console at 10,000 and at 1,000,000 persons, driven headless with Pilot.

    uv run python bench/console_bench.py [--sizes 10000 1000000] [--memberships 3] [--keep DIR]

For each size it builds the demo municipality with `--memberships` per person (synced once;
`--keep DIR` reuses databases built before), then times each step a user takes — first paint,
open an import type, open its top code, page down ×20 through every user (the slowest press is
reported), End (the last user), open a record, search — and prints the median of `--repeat`
runs at each size and the ratio of the largest to the
smallest. Each step is timed two ways, both including Textual's own rendering, not just the
queries:
  * idle:  from the key to when Pilot finds the app idle, workers done. Pilot only looks every
           20 ms and waits through two idle windows per key, so this adds 40-80 ms of its own;
  * frame: from the key to the last frame the app painted for it (what a person sees).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 11, 22)
STEPS = ("first paint", "open import", "open code", "page down", "end", "open record", "search")


def build(folder: Path, people: int, memberships: int = 3) -> Path:
    from rostertui.demo import write_demo_bundle
    from rostertui.sync import sync

    db = folder / (
        f"console-{people}.db" if memberships == 3 else f"console-{people}x{memberships}.db"
    )
    if db.exists():
        return db
    started = time.perf_counter()
    bundle = write_demo_bundle(
        folder / f"bundle-{people}x{memberships}",
        as_of=AS_OF,
        people=people,
        memberships_per_person=memberships,
    )
    result = sync(db, str(bundle.folder), policy_path=bundle.policy_path, as_of=AS_OF)
    assert result.state == "good", result
    print(f"built {people:,} persons in {time.perf_counter() - started:.0f} s ({db})")
    return db


async def drive(db: Path) -> tuple[dict[str, float], dict[str, float]]:
    from textual.widgets import DataTable, Input, Static

    from rostertui.console.app import RosterApp
    from rostertui.console.screens.record import RecordScreen
    from rostertui.console.screens.rows import RowsScreen
    from rostertui.console.widgets.rows_view import RowsView

    idle: dict[str, float] = {}
    frame: dict[str, float] = {}
    started = time.perf_counter()  # before the app exists: it starts opening the database
    app = RosterApp(db)
    frames: list[float] = []  # when each frame was painted
    paint = app._display

    def display(screen, update) -> None:
        if update is not None:
            frames.append(time.perf_counter())
        paint(screen, update)

    app._display = display  # headless, Textual renders each frame and then drops it here

    async def settle(pilot) -> None:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    def took(step: str, started: float) -> tuple[float, float]:
        idle[step] = time.perf_counter() - started
        frame[step] = max(frames[-1] - started, 0.0)
        return idle[step], frame[step]

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#imports", DataTable).row_count
        took("first paint", started)

        app.screen.query_one("#imports", DataTable).focus()
        await pilot.press("down")  # Users
        started = time.perf_counter()
        await pilot.press("enter")
        await settle(pilot)
        took("open import", started)

        started = time.perf_counter()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RowsScreen)
        took("open code", started)

        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("a")  # every user: the million-row list
        await settle(pilot)
        presses = []
        for _ in range(20):
            started = time.perf_counter()
            await pilot.press("pagedown")
            await settle(pilot)
            presses.append(took("page down", started))
        # the slowest of 20: pages load as you go
        idle["page down"] = max(i for i, _ in presses)
        frame["page down"] = max(f for _, f in presses)
        view = app.screen.query_one("#rows", RowsView)
        assert view.cursor >= 20 * view.visible_rows

        started = time.perf_counter()
        await pilot.press("end")
        await settle(pilot)
        assert view.cursor == view.total - 1 and view.row(view.cursor) is not None
        took("end", started)

        started = time.perf_counter()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        assert str(app.screen.query_one("#head", Static).render())
        took("open record", started)

        await pilot.press("slash")
        await settle(pilot)
        app.screen.query_one("#query", Input).value = "Anna Svensson"
        started = time.perf_counter()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#results", RowsView).total
        took("search", started)
    return idle, frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the databases in")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; medians shown")
    parser.add_argument(
        "--memberships", type=int, default=3, help="memberships per person (10: a real district)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        results = {}
        for size in args.sizes:
            db = build(folder, size, args.memberships)
            runs = [asyncio.run(drive(db)) for _ in range(args.repeat)]
            results[size] = [
                {step: statistics.median(r[way][step] for r in runs) for step in STEPS}
                for way in (0, 1)
            ]
    small, large = min(args.sizes), max(args.sizes)
    for way, title in enumerate(("idle (Pilot)", "frame (last paint)")):
        print(f"\n{title:<20}" + "".join(f"{size:>12,}" for size in args.sizes) + "   ratio")
        for step in STEPS:
            cells = "".join(f"{results[size][way][step] * 1000:>10.0f}ms" for size in args.sizes)
            ratio = results[large][way][step] / results[small][way][step]
            print(f"{step:<20}{cells}   {ratio:.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process (every size it drove): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
