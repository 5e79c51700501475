"""Sync throughput against a raw baseline, in one run.

    uv run python bench/sync_bench.py [--people 100000] [--memberships 10] [--repeat 5]
                                      [--uuid-ids]

Writes the demo municipality as a OneRoster bundle with N persons (~10 memberships each), then,
each in its own process so peak RSS is its own:
  * baseline: parse every CSV with the csv module and insert the same rows with executemany in
    one transaction (no rules, no indexes);
  * sync: `rostertui sync` end to end (read, judge, diff, store with indexes and search).
The two alternate `--repeat` times; prints each pair, then the medians of both times, their ratio,
rows/s and peak RSS; then times a second night of the same bundle (the diff against the first).
`--uuid-ids` gives every record (schools, users, classes, enrollments, sessions) a random UUID,
as most registries send, instead of the demo's numbers in file order; references follow.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

AS_OF = date(2026, 11, 22)


def baseline(folder: Path, db: Path) -> int:
    conn = sqlite3.connect(db)
    rows_written = 0
    with conn:
        for path in sorted(folder.glob("*.csv")):
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                table = path.stem.replace(".", "_")
                columns = ", ".join(f'"{c}"' for c in header)
                conn.execute(f'CREATE TABLE "{table}" ({columns})')
                marks = ", ".join("?" for _ in header)
                rows = list(reader)
                conn.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
                rows_written += len(rows)
    conn.close()
    return rows_written


def child(mode: str, folder: Path, db: Path) -> None:
    """Runs in its own process: time one side and report JSON on stdout. Modules are imported
    before the clock starts on both sides (csv and sqlite3 at the top of this file)."""
    if mode != "baseline":
        from rostertui.sync import sync
    started = time.perf_counter()
    if mode == "baseline":
        rows = baseline(folder, db)
        seconds = time.perf_counter() - started
    else:
        night = AS_OF + timedelta(days=1 if mode == "night2" else 0)
        result = sync(db, str(folder), policy_path=folder / "policy.toml", as_of=night)
        seconds = time.perf_counter() - started
        assert result.state == "good", result
        rows = sum(1 for p in folder.glob("*.csv") for _ in p.open()) - len(
            list(folder.glob("*.csv"))
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak_mb}))


def measure(mode: str, folder: Path, db: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(folder), str(db)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _uuid_ids(folder: Path) -> int:
    """The demo numbers its records in file order; real registries mostly send UUIDs, which
    reach the key index in random order. Every record of every file gets one (schools, users,
    classes, enrollments, sessions), and every reference to it (…SourcedId, …SourcedIds) follows,
    so the bundle judges exactly as before. Returns how many ids were replaced."""
    chance = random.Random(12000)
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            tables[path] = list(csv.reader(handle))
    new_id: dict[str, str] = {}
    for rows in tables.values():
        if rows and rows[0] and rows[0][0] == "sourcedId":
            for row in rows[1:]:
                new_id.setdefault(row[0], str(uuid.UUID(int=chance.getrandbits(128), version=4)))
    for path, rows in tables.items():
        header = rows[0] if rows else []
        linked = [n for n, name in enumerate(header) if name.endswith(("sourcedId", "SourcedId"))]
        lists = [n for n, name in enumerate(header) if name.endswith("SourcedIds")]
        for row in rows[1:]:
            for n in linked:
                row[n] = new_id.get(row[n], row[n])  # a planted unknown reference stays unknown
            for n in lists:
                row[n] = ",".join(new_id.get(i, i) for i in row[n].split(",")) if row[n] else ""
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    return len(new_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--memberships", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5, help="baseline/sync pairs; medians shown")
    parser.add_argument(
        "--uuid-ids",
        action="store_true",
        help="give every record a random UUID as its sourcedId, as most registries do",
    )
    parser.add_argument(
        "--child", nargs=3, metavar=("MODE", "FOLDER", "DB"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        mode, folder, db = args.child
        child(mode, Path(folder), Path(db))
        return
    from rostertui.demo import write_demo_bundle

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "bundle"
        started = time.perf_counter()
        write_demo_bundle(
            folder, as_of=AS_OF, people=args.people, memberships_per_person=args.memberships
        )
        if args.uuid_ids:
            print(f"--uuid-ids: {_uuid_ids(folder):,} ids replaced by random UUIDs")
        print(f"bundle: {args.people:,} persons written in {time.perf_counter() - started:.1f} s")
        pairs = []
        for number in range(1, args.repeat + 1):  # alternated, so a slow spell hits both sides
            for db in Path(scratch).glob("*.db*"):
                db.unlink()
            base = measure("baseline", folder, Path(scratch) / "baseline.db")
            synced = measure("sync", folder, Path(scratch) / "sync.db")
            pairs.append((base, synced))
            print(
                f"pair {number}: baseline {base['seconds']:.2f} s, sync {synced['seconds']:.2f} s, "
                f"ratio {synced['seconds'] / base['seconds']:.2f}x"
            )
        size_mb = (Path(scratch) / "sync.db").stat().st_size / 1e6
        second = measure("night2", folder, Path(scratch) / "sync.db")
    rows = pairs[0][0]["rows"]
    base_s = statistics.median(b["seconds"] for b, _ in pairs)
    sync_s = statistics.median(s["seconds"] for _, s in pairs)
    print(f"rows in the bundle:   {rows:,}")
    print(f"medians of {len(pairs)} alternated runs:")
    print(
        f"baseline (csv + executemany): {base_s:.2f} s  {rows / base_s:,.0f} rows/s  "
        f"peak RSS {max(b['peak_mb'] for b, _ in pairs):.0f} MB"
    )
    print(
        f"rostertui sync:               {sync_s:.2f} s  {rows / sync_s:,.0f} rows/s  "
        f"peak RSS {max(s['peak_mb'] for _, s in pairs):.0f} MB"
    )
    print(f"ratio sync / baseline: {sync_s / base_s:.2f}x")
    print(f"database size after one night: {size_mb:.0f} MB")
    print(
        f"a second night of the same bundle (diff against the first): {second['seconds']:.2f} s  "
        f"peak RSS {second['peak_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
