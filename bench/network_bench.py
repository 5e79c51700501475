"""Network sources against the CSV bundle: the same roster, 100,000 persons, over loopback.

    uv run python bench/network_bench.py [--people 100000] [--memberships N] [--page-size 1000]

Writes the demo municipality as a OneRoster 1.1 bundle, turns it into the same roster as
OneRoster REST JSON and as SS 12000 JSON (tests/servers/world.py), and serves each from its own
process on 127.0.0.1 (so the server does not share the reader's interpreter); a warm-up read
has the server encode every page once, so the figures are the reader's, not the fixture
server's JSON encoding. Then, each in a fresh process so memory and the collector are its own:
  * read:  `read_source` alone — the bundle from disk, or every page over HTTP;
  * sync:  `rostertui sync` end to end (read, judge, diff, store).
Prints times, requests, bytes on the wire, peak RSS and the ratios to the CSV bundle.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.servers: the fixture servers the tests use

AS_OF = date(2026, 11, 22)
TOKEN = "bench-token-not-a-secret"
CLIENT = ("bench-client", "bench-secret")
OR11 = "/ims/oneroster/v1p1"


def serve(kind: str, data: dict, port_out) -> None:
    """The server process: one fixture app, plus /__stats with requests and bytes sent."""
    from tests.servers.base import FixtureServer, Response
    from tests.servers.oneroster import OneRosterApp
    from tests.servers.ss12000 import SS12000App

    if kind == "ss12000":
        app = SS12000App(data, token=TOKEN)
    else:
        app = OneRosterApp(data, base=OR11, client_id=CLIENT[0], client_secret=CLIENT[1])
    stats = {"requests": 0, "bytes": 0}
    pages: dict[str, Response] = {}

    def counted(request):
        """Pages are encoded once (the warm-up read) and then served as bytes: the figures
        are the reader's, not this Python server's JSON encoding."""
        if request.path == "/__stats":
            return Response.json(200, stats)
        if request.method == "GET" and request.target in pages:
            response = pages[request.target]
        else:
            response = app(request)
            if request.method == "GET" and response.status == 200:
                pages[request.target] = response
        stats["requests"] += 1
        stats["bytes"] += len(response.body)
        return response

    with FixtureServer(counted) as server:
        port_out.send(server.port)
        while True:
            time.sleep(3600)


def child(mode: str, source: str, policy: Path, db: Path, page_size: int) -> None:
    """Runs in its own process: time one side and report JSON on stdout."""
    import dataclasses
    import gc

    from rostertui.domain.policy import load_policy
    from rostertui.sources import http, read_source
    from rostertui.sync import sync

    http.DEFAULT_SETTINGS = dataclasses.replace(http.DEFAULT_SETTINGS, page_size=page_size)

    started = time.perf_counter()
    if mode == "read":
        gc.disable()  # as sync does while it reads
        roster = read_source(source, load_policy(policy))
        records = (
            len(roster.schools) + len(roster.persons) + len(roster.groups) + len(roster.memberships)
        )
    else:
        result = sync(db, source, policy_path=policy, as_of=AS_OF)
        assert result.state == "good", result
        records = 0
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "records": records, "peak_mb": peak_mb}))


def measure(
    mode: str, source: str, policy: Path, db: Path, env: dict[str, str], page_size: int
) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, source, str(policy), str(db), str(page_size)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def server_stats(port: int) -> dict:
    import httpx

    return httpx.get(f"http://127.0.0.1:{port}/__stats").json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--memberships", type=int, default=None)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, source, policy, db, page_size = args.child
        child(mode, source, Path(policy), Path(db), int(page_size))
        return
    from rostertui.demo import write_demo_bundle
    from tests.servers.world import from_bundle

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "bundle"
        started = time.perf_counter()
        bundle = write_demo_bundle(
            folder, as_of=AS_OF, people=args.people, memberships_per_person=args.memberships
        )
        world = from_bundle(folder)
        served = {"oneroster-rest": world.oneroster_json("1.1"), "ss12000": world.ss12000()}
        print(
            f"roster: {len(world.persons):,} persons, {len(world.groups):,} groups, "
            f"{len(world.members):,} memberships (built in {time.perf_counter() - started:.1f} s)"
        )
        policy = bundle.policy_path
        size = args.page_size
        results = {"csv": _measure_all(str(folder), policy, Path(scratch), "csv", {}, size)}
        context = multiprocessing.get_context("fork")
        for kind, data in served.items():
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=serve, args=(kind, data, send), daemon=True)
            process.start()
            port = receive.recv()
            try:
                if kind == "ss12000":
                    source = f"ss12000+http://127.0.0.1:{port}/v2.1"
                    credentials = {"ROSTERTUI_SS12000_TOKEN": TOKEN}
                else:
                    source = f"oneroster+http://127.0.0.1:{port}{OR11}"
                    credentials = {
                        "ROSTERTUI_ONEROSTER_TOKEN_URL": f"http://127.0.0.1:{port}/oauth/token",
                        "ROSTERTUI_ONEROSTER_CLIENT_ID": CLIENT[0],
                        "ROSTERTUI_ONEROSTER_CLIENT_SECRET": CLIENT[1],
                    }
                results[kind] = _measure_all(
                    source, policy, Path(scratch), kind, credentials, size, port
                )
            finally:
                process.terminate()
                process.join()
    _report(results)


def _measure_all(
    source: str,
    policy: Path,
    scratch: Path,
    kind: str,
    credentials: dict[str, str],
    page_size: int,
    port: int | None = None,
) -> dict:
    def timed(mode: str, db: str) -> dict:
        return measure(mode, source, policy, scratch / db, credentials, page_size)

    if port:
        timed("read", f"{kind}-warm.db")
    before = server_stats(port) if port else {"requests": 0, "bytes": 0}
    read = timed("read", f"{kind}-read.db")
    after = server_stats(port) if port else {"requests": 0, "bytes": 0}
    synced = timed("sync", f"{kind}.db")
    return {
        "read": read,
        "sync": synced,
        "requests": after["requests"] - before["requests"],
        "bytes": after["bytes"] - before["bytes"],
    }


def _report(results: dict) -> None:
    csv = results["csv"]
    print(f"records read: {csv['read']['records']:,} (schools, persons, groups, memberships)")
    print(f"{'source':<16}{'read s':>9}{'sync s':>9}{'requests':>10}{'MB sent':>9}"
          f"{'read/csv':>10}{'sync/csv':>10}{'peak MB':>9}")  # fmt: skip
    for kind, r in results.items():
        print(
            f"{kind:<16}{r['read']['seconds']:>9.2f}{r['sync']['seconds']:>9.2f}"
            f"{r['requests']:>10,}{r['bytes'] / 1e6:>9.1f}"
            f"{r['read']['seconds'] / csv['read']['seconds']:>9.2f}x"
            f"{r['sync']['seconds'] / csv['sync']['seconds']:>9.2f}x"
            f"{max(r['read']['peak_mb'], r['sync']['peak_mb']):>9.0f}"
        )
    for kind in ("oneroster-rest", "ss12000"):
        records = results[kind]["read"]["records"]
        print(f"{kind}: {records:,} records read in {results[kind]['requests']:,} requests")


if __name__ == "__main__":
    main()
