"""Sync throughput against a raw baseline, in one run.

    uv run python bench/sync_bench.py [--people 100000 [1000000 …]] [--memberships 10]
                                      [--repeat 5] [--ids demo uuid]

Writes the demo municipality as a OneRoster bundle with N persons (~10 memberships each), then,
each in its own process so peak RSS is its own:
  * baseline: parse every CSV with the csv module and insert the same rows with executemany in
    one transaction (no rules, no indexes);
  * sync: `rostertui sync` end to end (read, judge, diff, store with indexes and search).
The two alternate `--repeat` times; prints each pair, then the medians of both times, their ratio,
rows/s and peak RSS; then a second night of the same bundle (the diff against the first), its
time and how much it grew the database. Each size runs with the demo's ids and (`--ids uuid`)
with a random UUID for every record (schools, users, classes, enrollments, sessions), as most
registries send, references following; a table of every size and kind of id ends the run.
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
                before = conn.total_changes
                conn.executemany(f'INSERT INTO "{table}" VALUES ({marks})', reader)  # streamed
                rows_written += conn.total_changes - before
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
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's own peak: VmHWM belongs to the address space exec made. (ru_maxrss
    keeps the parent's peak across fork and exec: after --uuid-ids rewrote ten million rows,
    every child would have reported the parent's gigabytes.)"""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    so the bundle judges exactly as before. Returns how many ids were replaced. Files are
    rewritten row by row: only the map of ids is held."""
    chance = random.Random(12000)
    new_id: dict[str, str] = {}
    paths = sorted(folder.glob("*.csv"))
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            if next(reader, [""])[0] != "sourcedId":
                continue
            for row in reader:
                new_id.setdefault(row[0], str(uuid.UUID(int=chance.getrandbits(128), version=4)))
    for path in paths:
        rewritten = path.with_suffix(".new")
        with (
            path.open(encoding="utf-8", newline="") as source,
            rewritten.open("w", encoding="utf-8", newline="") as target,
        ):
            reader, writer = csv.reader(source), csv.writer(target)
            header = next(reader, [])
            writer.writerow(header)
            linked = [
                n for n, name in enumerate(header) if name.endswith(("sourcedId", "SourcedId"))
            ]
            lists = [n for n, name in enumerate(header) if name.endswith("SourcedIds")]
            for row in reader:
                for n in linked:
                    row[n] = new_id.get(row[n], row[n])  # a planted unknown reference stays
                for n in lists:
                    row[n] = ",".join(new_id.get(i, i) for i in row[n].split(",")) if row[n] else ""
                writer.writerow(row)
        rewritten.replace(path)
    return len(new_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000])
    parser.add_argument("--memberships", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5, help="baseline/sync pairs; medians shown")
    parser.add_argument(
        "--ids",
        nargs="+",
        choices=("demo", "uuid"),
        default=["demo", "uuid"],
        help="the demo's numbers in file order, and/or a random UUID for every record, as most "
        "registries send",
    )
    parser.add_argument(
        "--uuid-ids",
        action="store_true",
        help="the same as --ids uuid",
    )
    parser.add_argument(
        "--child", nargs=3, metavar=("MODE", "FOLDER", "DB"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        mode, folder, db = args.child
        child(mode, Path(folder), Path(db))
        return
    ids = ["uuid"] if args.uuid_ids else args.ids
    results = [
        one_size(people, args.memberships, uuid_ids, args.repeat)
        for people in args.people
        for uuid_ids in (kind == "uuid" for kind in ids)
    ]
    print()
    print(
        "persons    ids   rows        baseline  sync      ratio  peak RSS  base RSS  "
        "2nd night  ÷1st   growth  db after 1st"
    )
    for row in results:
        print(
            f"{row['people']:<10,} {row['ids']:<5} {row['rows']:<11,} {row['base_s']:>7.1f} s "
            f"{row['sync_s']:>7.1f} s {row['ratio']:>5.2f}x {row['peak_mb']:>6.0f} MB "
            f"{row['base_mb']:>6.0f} MB {row['second_s']:>7.1f} s {row['second_ratio']:>5.2f} "
            f"{row['growth_mb']:>6.0f} MB {row['size_mb']:>6.0f} MB"
        )


def one_size(people: int, memberships: int, uuid_ids: bool, repeat: int) -> dict:
    """Write the bundle, time `repeat` alternated baseline/sync pairs, then a second night of
    the same bundle on the last sync's database; print as it goes, return the figures."""
    from rostertui.demo import write_demo_bundle

    label = "uuid" if uuid_ids else "demo"
    print(f"== {people:,} persons, ~{memberships} memberships each, {label} ids")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "bundle"
        started = time.perf_counter()
        write_demo_bundle(folder, as_of=AS_OF, people=people, memberships_per_person=memberships)
        if uuid_ids:
            print(f"--uuid-ids: {_uuid_ids(folder):,} ids replaced by random UUIDs")
        print(f"bundle: {people:,} persons written in {time.perf_counter() - started:.1f} s")
        pairs = []
        for number in range(1, repeat + 1):  # alternated, so a slow spell hits both sides
            for db in Path(scratch).glob("*.db*"):
                db.unlink()
            base = measure("baseline", folder, Path(scratch) / "baseline.db")
            synced = measure("sync", folder, Path(scratch) / "sync.db")
            pairs.append((base, synced))
            print(
                f"pair {number}: baseline {base['seconds']:.2f} s, sync {synced['seconds']:.2f} s, "
                f"ratio {synced['seconds'] / base['seconds']:.2f}x"
            )
        size_mb = _size_mb(Path(scratch), "sync.db")
        second = measure("night2", folder, Path(scratch) / "sync.db")
        growth_mb = _size_mb(Path(scratch), "sync.db") - size_mb
    rows = pairs[0][0]["rows"]
    base_s = statistics.median(b["seconds"] for b, _ in pairs)
    sync_s = statistics.median(s["seconds"] for _, s in pairs)
    result = {
        "people": people,
        "ids": label,
        "rows": rows,
        "base_s": base_s,
        "sync_s": sync_s,
        "ratio": sync_s / base_s,
        "peak_mb": max(max(s["peak_mb"] for _, s in pairs), second["peak_mb"]),
        "base_mb": max(b["peak_mb"] for b, _ in pairs),
        "second_s": second["seconds"],
        "second_ratio": second["seconds"] / sync_s,
        "growth_mb": growth_mb,
        "size_mb": size_mb,
    }
    print(
        f"medians of {len(pairs)} alternated runs: baseline (csv streamed + executemany) "
        f"{base_s:.2f} s, {rows / base_s:,.0f} rows/s; rostertui sync {sync_s:.2f} s, "
        f"{rows / sync_s:,.0f} rows/s; ratio {sync_s / base_s:.2f}x"
    )
    print(
        f"peak RSS: sync {result['peak_mb']:.0f} MB, baseline {result['base_mb']:.0f} MB; "
        f"database after one night {size_mb:.0f} MB; a second night of the same bundle "
        f"{second['seconds']:.2f} s ({result['second_ratio']:.2f}x the first), "
        f"database +{growth_mb:.0f} MB"
    )
    return result


def _size_mb(folder: Path, name: str) -> float:
    """The database with its WAL, as it stands on disk after the process ended."""
    return sum(p.stat().st_size for p in folder.glob(name + "*")) / 1e6


if __name__ == "__main__":
    main()
