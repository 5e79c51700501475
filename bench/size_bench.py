"""What a night and a year cost on disk.

    uv run python bench/size_bench.py [--people 2000]

Syncs the same demo bundle on four nights, pruning to one whole run after nights 3 and 4, and
measures the database after each step with VACUUM INTO (the size a fresh copy would have). A
whole night is night 2 less night 1; a pruned unchanged night is what pruning night 3 added.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

from rostertui.demo import write_demo_bundle
from rostertui.sync import prune_runs, sync


def vacuumed_mb(db: Path) -> float:
    copy = db.with_suffix(".copy")
    copy.unlink(missing_ok=True)
    connection = sqlite3.connect(db)
    connection.execute("VACUUM INTO ?", [str(copy)])
    connection.close()
    size = copy.stat().st_size / 1e6
    copy.unlink()
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--keep-runs", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        bundle = write_demo_bundle(
            Path(scratch) / "b", as_of=date(2026, 11, 21), people=args.people
        )
        db = Path(scratch) / "size.db"
        sizes: dict[str, float] = {}
        for day in (21, 22, 23, 24):
            sync(db, str(bundle.folder), policy_path=bundle.policy_path, as_of=date(2026, 11, day))
            sizes[f"night {day}"] = vacuumed_mb(db)
            if day >= 23:
                prune_runs(db, 1)
                sizes[f"pruned {day}"] = vacuumed_mb(db)
    for step, size in sizes.items():
        print(f"{step:<10} {size:8.1f} MB")
    whole = sizes["night 22"] - sizes["night 21"]
    pruned = sizes["pruned 24"] - sizes["pruned 23"]
    year = args.keep_runs * whole + (365 - args.keep_runs) * pruned
    print(
        f"a whole night {whole:.1f} MB; a pruned unchanged night {pruned:.2f} MB; "
        f"a year with keep_runs={args.keep_runs}: {year:,.0f} MB"
    )


if __name__ == "__main__":
    main()
