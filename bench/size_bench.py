"""A year of nights on disk, and how fast the oldest and the newest night answer.

    uv run python bench/size_bench.py [--people 100000] [--nights 365] [--change 0.01]
                                      [--memberships 10] [--keep DIR]

Writes the demo municipality once, then syncs it `--nights` times. Every night is judged as of
the same day (the demo's school year would otherwise end halfway and remove every pupil, which
is a hold, not a year). Before each night after the first, about `--change` of the records
change in the registry: that share of the users get a new family name and that share of the
enrollments a new start date (each a record whose fields change), spread over the roster. Every
tenth night, and the last, it prints the database's size (the file after a checkpoint) and the
night's time. After the year it times what a support agent asks of a night, on the oldest and
on the newest: the status page (imports and findings by code), a page of users, the updated
users, one user's record and her history; each the median of 5. Nothing is pruned: every night
stays whole (the policy's keep_runs is the year).
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

FIRST = date(2025, 12, 1)


def changed(folder: Path, share: float, night: int) -> None:
    """About `share` of users and of enrollments change a field, in place, for `night`."""
    pick = random.Random(night)
    for name, column, value in (
        ("users.csv", "familyName", lambda row: f"{row['familyName'].split('-')[0]}-{night}"),
        ("enrollments.csv", "beginDate", lambda row: (FIRST - timedelta(days=night)).isoformat()),
    ):
        path = folder / name
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            rows = list(reader)
        for row in pick.sample(rows, max(1, int(len(rows) * share))):
            row[column] = value(row)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)


def file_mb(db: Path) -> float:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return db.stat().st_size / 1e6


def timed(ask) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        ask()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def answers(db: Path) -> None:
    from rostertui.store.queries import Queries

    with Queries.open(db) as q:
        runs = [r.id for r in q.runs(10_000) if r.state == "good"]
        oldest, newest = min(runs), max(runs)
        print(f"\n{'ms (median of 5)':<28}{'oldest (run ' + str(oldest) + ')':>20}"
              f"{'newest (run ' + str(newest) + ')':>20}")  # fmt: skip
        person = q.rows(newest, kind="person", status="imported", limit=1)[0].key
        asks = {
            "status (imports, codes)": lambda run: (q.imports(run), q.findings_by_code(run)),
            "rows (a page of users)": lambda run: q.rows(run, kind="person", limit=100),
            "rows (updated users)": lambda run: q.rows(run, kind="person", change="updated"),
            "record (one user)": lambda run: q.record(run, "person", person),
            "history (one user)": lambda run: q.history("person", person),
        }
        for what, ask in asks.items():
            cells = "".join(
                f"{timed(lambda run=run, ask=ask: ask(run)):>20.1f}" for run in (oldest, newest)
            )
            print(f"{what:<28}{cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--change", type=float, default=0.01, help="share changed a night")
    parser.add_argument("--memberships", type=int, default=10, help="memberships per person")
    parser.add_argument("--keep", type=Path, help="folder to keep the database in")
    args = parser.parse_args()
    from rostertui.demo import write_demo_bundle
    from rostertui.sync import sync

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        bundle = write_demo_bundle(
            folder / "bundle",
            as_of=FIRST,
            people=args.people,
            memberships_per_person=args.memberships,
        )
        policy = folder / "policy.toml"
        policy.write_text(
            bundle.policy_path.read_text(encoding="utf-8")
            + f"\nkeep_runs = {args.nights}\nmass_removal_threshold = 0.5\n",
            encoding="utf-8",
        )
        db = folder / "year.db"
        print(f"{args.people:,} persons, {args.nights} nights, {args.change:.0%} changed a night")
        print(f"{'night':>6}{'sync s':>10}{'database MB':>14}{'MB a night':>12}")
        before, printed = 0.0, -1
        started_year = time.perf_counter()
        for night in range(args.nights):
            if night:
                changed(bundle.folder, args.change, night)
            started = time.perf_counter()
            result = sync(db, str(bundle.folder), policy_path=policy, as_of=FIRST)
            seconds = time.perf_counter() - started
            assert result.state == "good", result
            if night % 10 == 0 or night == args.nights - 1:
                size = file_mb(db)
                print(f"{night + 1:>6}{seconds:>10.1f}{size:>14.1f}"
                      f"{(size - before) / (night - printed):>12.1f}")  # fmt: skip
                before, printed = size, night
        print(f"the year took {time.perf_counter() - started_year:,.0f} s; "
              f"database {file_mb(db):,.1f} MB")  # fmt: skip
        answers(db)


if __name__ == "__main__":
    main()
