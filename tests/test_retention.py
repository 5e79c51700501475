"""Old nights shrink to summaries, findings and changes; the newest ones stay whole.

Records are versions over the nights they held for, so a record unchanged since an old night
is the newest nights' own version: pruning leaves it, and the old night still shows it."""

from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from rostertui.cli import app
from rostertui.store.queries import Queries
from rostertui.sync import sync
from tests.oneroster_builder import clean_roster

runner = CliRunner()


def three_nights(tmp_path, keep_runs: int):
    policy = tmp_path / "policy.toml"
    policy.write_text(f"keep_runs = {keep_runs}\nmass_removal_threshold = 1.0\n")
    db = tmp_path / "r.db"
    for day in (20, 21, 22):
        bundle = clean_roster()
        if day == 21:
            bundle.row("users", "p2")["email"] = ""  # Erik loses his e-mail for one night
        folder = bundle.write(tmp_path / f"n{day}")
        sync(db, str(folder), policy_path=policy, as_of=date(2026, 11, day))
    return db


def test_sync_prunes_to_keep_runs(tmp_path):
    db = three_nights(tmp_path, keep_runs=1)
    with Queries.open(db) as q:
        first = {r.key: r.change for r in q.rows(1, kind="person")}
        second = {r.key: (r.status, r.change) for r in q.rows(2, kind="person")}
        newest = q.rows(3, kind="person")
        assert {s.kind: s.total for s in q.imports(1)}["person"] == 3  # summaries stay whole
        erik = q.record(3, "person", "p2")
        anna = q.record(2, "person", "p1")  # her version since night 1 is night 3's too
        erik_before = q.record(1, "person", "p2")
    assert anna is not None and anna.raw is not None
    assert erik_before.row.change == "created" and erik_before.raw is None  # old: no raw row
    assert first == {"t1": "created", "p1": "created", "p2": "created"}  # changes stay
    assert second == {  # the night with a finding stays, every row of it
        "t1": ("imported", "unchanged"),
        "p1": ("imported", "unchanged"),
        "p2": ("skipped", "removed"),
    }
    assert len(newest) == 3 and all(r.status == "imported" for r in newest)
    assert erik is not None and erik.raw is not None  # the kept run is whole
    events = [(e.run_id, e.status) for e in erik.timeline.events]
    assert events == [(1, "imported"), (2, "skipped"), (3, "imported")]


def test_prune_command(tmp_path):
    db = three_nights(tmp_path, keep_runs=60)
    result = runner.invoke(app, ["prune", "--db", str(db), "--keep", "2"])
    assert result.exit_code == 0, result.output
    assert "Pruned 1 run(s)" in result.stdout
    with Queries.open(db) as q:
        erik = q.record(1, "person", "p2")  # his first version held for night 1 alone
        anna = q.record(1, "person", "p1")  # hers holds on: the kept nights' own
    assert erik is not None and erik.raw is None  # created stays, its raw row is gone
    assert anna is not None and anna.raw is not None
    assert runner.invoke(app, ["prune", "--db", str(db), "--keep", "0"]).exit_code == 2
