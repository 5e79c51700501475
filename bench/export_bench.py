"""`rostertui export` of a whole night to CSV, JSON lines and .xlsx: rows, seconds, peak memory.

    uv run python bench/export_bench.py [--db PATH | --people 100000] [--formats csv jsonl xlsx]

Each format is written by the CLI itself (`python -m rostertui export --db PATH -o FILE`) in a
process of its own, so each peak is that export's alone: the resident set size (RSS) the
kernel reports for that child when it exits (os.wait4). Without `--db` it builds the demo
municipality of `--people` persons (three memberships each) with bench/console_bench.py's
build(), in `--keep DIR` if given (reused when built before) or a scratch folder.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
FLAT = 300  # MB: what "flat memory" promises whatever the night's size


def export(db: Path, target: Path, run: int | None) -> tuple[int, float, float, int]:
    """Rows written, seconds, the child's peak RSS in MB, and the file's size in bytes."""
    command = [sys.executable, "-m", "rostertui", "export", "--db", str(db), "-o", str(target)]
    if run is not None:
        command += ["--run", str(run)]
    log = target.with_name(target.name + ".log")
    with log.open("w+", encoding="utf-8") as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not all children's
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        said = " ".join(output.read().split())
    log.unlink()
    if child.returncode != 0:
        raise SystemExit(f"export to {target.name} failed ({child.returncode}): {said}")
    found = re.search(r"Wrote ([\d,]+) rows", said)
    rows = int(found.group(1).replace(",", "")) if found else -1
    if "sheets:" in said:
        print(f"  {said}")
    return rows, seconds, usage.ru_maxrss / 1024, target.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="an existing database (else one is built)")
    parser.add_argument("--people", type=int, default=100_000, help="persons, when building")
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) a built database")
    parser.add_argument("--run", type=int, help="the run to export (default: the latest)")
    parser.add_argument("--formats", nargs="+", default=["csv", "jsonl", "xlsx"])
    parser.add_argument("--out", type=Path, help="folder for the files (default: scratch)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        db = args.db
        if db is None:
            sys.path.insert(0, str(BENCH))
            from console_bench import build

            folder = args.keep or Path(scratch)
            folder.mkdir(parents=True, exist_ok=True)
            db = build(folder, args.people)
        out = args.out or Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        print(f"{db} ({db.stat().st_size / 2**20:,.0f} MB)")
        print(f"{'format':<8}{'rows':>12}{'seconds':>10}{'rows/s':>10}{'peak RSS':>12}{'file':>10}")
        worst = 0.0
        for name in args.formats:
            target = out / f"export-bench.{name}"
            rows, seconds, peak, size = export(db, target, args.run)
            worst = max(worst, peak)
            print(
                f"{name:<8}{rows:>12,}{seconds:>10.1f}{rows / seconds:>10,.0f}"
                f"{peak:>10.0f}MB{size / 2**20:>8,.0f}MB",
                flush=True,
            )
            target.unlink(missing_ok=True)
    print(f"peak RSS at most {worst:.0f} MB ({'within' if worst <= FLAT else 'OVER'} {FLAT} MB)")


if __name__ == "__main__":
    main()
