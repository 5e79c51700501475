"""The console at 10,000 and at 1,000,000 persons, driven headless with Pilot.

    uv run python bench/console_bench.py [--sizes 10000 1000000] [--keep DIR]

For each size it builds the demo municipality (synced once; `--keep DIR` reuses databases built
before), then times each step a user takes — first paint, open an import type, open its top
code, page down ×20 through every user (the slowest press is reported), open a record, search —
and prints the median of `--repeat` runs at each size and the ratio of the largest to the
smallest. Times include Textual's own rendering as Pilot sees it, not just the queries.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 11, 22)
STEPS = ("first paint", "open import", "open code", "page down", "open record", "search")


def build(folder: Path, people: int) -> Path:
    from rostertui.demo import write_demo_bundle
    from rostertui.sync import sync

    db = folder / f"console-{people}.db"
    if db.exists():
        return db
    started = time.perf_counter()
    bundle = write_demo_bundle(
        folder / f"bundle-{people}", as_of=AS_OF, people=people, memberships_per_person=3
    )
    result = sync(db, str(bundle.folder), policy_path=bundle.policy_path, as_of=AS_OF)
    assert result.state == "good", result
    print(f"built {people:,} persons in {time.perf_counter() - started:.0f} s ({db})")
    return db


async def drive(db: Path) -> dict[str, float]:
    from textual.widgets import DataTable, Input, Static

    from rostertui.console.app import RosterApp
    from rostertui.console.screens.record import RecordScreen
    from rostertui.console.screens.rows import RowsScreen

    times: dict[str, float] = {}

    async def settle(pilot) -> None:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    app = RosterApp(db)
    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#imports", DataTable).row_count
        times["first paint"] = time.perf_counter() - started

        app.screen.query_one("#imports", DataTable).focus()
        await pilot.press("down")  # Users
        started = time.perf_counter()
        await pilot.press("enter")
        await settle(pilot)
        times["open import"] = time.perf_counter() - started

        started = time.perf_counter()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RowsScreen)
        times["open code"] = time.perf_counter() - started

        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("a")  # every user: the million-row list
        await settle(pilot)
        presses = []
        for _ in range(20):
            started = time.perf_counter()
            await pilot.press("pagedown")
            await settle(pilot)
            presses.append(time.perf_counter() - started)
        times["page down"] = max(presses)  # the slowest of 20: pages load as you go
        assert app.screen.query_one("#rows", DataTable).row_count > 300

        started = time.perf_counter()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        assert str(app.screen.query_one("#head", Static).render())
        times["open record"] = time.perf_counter() - started

        await pilot.press("slash")
        await settle(pilot)
        app.screen.query_one("#query", Input).value = "Anna Svensson"
        started = time.perf_counter()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#results", DataTable).row_count
        times["search"] = time.perf_counter() - started
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the databases in")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; medians shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        results = {}
        for size in args.sizes:
            db = build(folder, size)
            runs = [asyncio.run(drive(db)) for _ in range(args.repeat)]
            results[size] = {step: statistics.median(r[step] for r in runs) for step in STEPS}
    small, large = min(args.sizes), max(args.sizes)
    print(f"{'step':<16}" + "".join(f"{size:>14,}" for size in args.sizes) + "   ratio")
    for step in STEPS:
        cells = "".join(f"{results[size][step] * 1000:>12.0f}ms" for size in args.sizes)
        ratio = results[large][step] / results[small][step]
        print(f"{step:<16}{cells}   {ratio:.2f}")


if __name__ == "__main__":
    main()
