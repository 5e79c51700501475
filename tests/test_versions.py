"""Records over time: a night writes what changed, and every night still answers whole.

A record's row is a version that holds from the night it first came to the night before it
changed or left. These tests sync small rosters night after night and check what a user sees on
each night (status, change, the fields, the record's history) and what the file holds (only
the versions that changed were written)."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from rostertui.store.queries import Queries
from rostertui.sync import accept_held, sync
from tests.oneroster_builder import CLASS, Bundle, clean_roster, enrollment, user

NIGHT = date(2026, 11, 20)
PUPILS = [f"p{n}" for n in range(3, 23)]


def roster() -> Bundle:
    """The clean roster plus 20 pupils in 9B."""
    bundle = clean_roster()
    for pupil in PUPILS:
        bundle.add("users", user(pupil, "student", "Elev", pupil.upper(), f"{pupil}@skola.se"))
        bundle.add("enrollments", enrollment(f"e-{pupil}", pupil, CLASS))
    return bundle


def truncated() -> Bundle:
    """An export cut short: 15 of the 20 pupils missing, past any removal threshold."""
    bundle = roster()
    bundle.drop("users", *PUPILS[:15])
    bundle.drop("enrollments", *(f"e-{p}" for p in PUPILS[:15]))
    return bundle


def night(bundle: Bundle, folder: Path, db: Path, n: int, threshold: float = 0.25) -> str:
    policy = folder / "policy.toml"
    policy.write_text(f"mass_removal_threshold = {threshold}\n", encoding="utf-8")
    source = bundle.write(folder / f"n{n}")
    result = sync(db, str(source), policy_path=policy, as_of=NIGHT + timedelta(days=n))
    return result.state


def stored_rows(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM records").fetchone()[0]
    finally:
        conn.close()


def test_an_unchanged_night_writes_no_record_again_and_answers_whole(tmp_path):
    db = tmp_path / "r.db"
    assert night(roster(), tmp_path, db, 0) == "good"
    first = stored_rows(db)
    assert night(roster(), tmp_path, db, 1) == "good"
    assert stored_rows(db) == first  # nothing changed: nothing written
    with Queries.open(db) as q:
        one, two = (q.imports(run) for run in (1, 2))
        assert [(i.kind, i.total, i.imported) for i in one] == [
            (i.kind, i.total, i.imported) for i in two
        ]
        assert all(i.unchanged == i.imported and not i.created for i in two)
        assert [r.key for r in q.rows(2, kind="person", limit=100)] == [
            r.key for r in q.rows(1, kind="person", limit=100)
        ]
        pupil = q.record(2, "person", "p7")
        assert (pupil.row.status, pupil.row.change) == ("imported", "unchanged")
        assert q.record(1, "person", "p7").row.change == "created"
        assert [(h.run_id, h.change) for h in pupil.history] == [(2, "unchanged"), (1, "created")]
        assert q.count_rows(2, change="created").total == 0


def test_a_changed_record_is_a_new_version_and_the_old_night_keeps_the_old_one(tmp_path):
    db = tmp_path / "r.db"
    night(roster(), tmp_path, db, 0)
    before = stored_rows(db)
    renamed = roster()
    renamed.row("users", "p7")["familyName"] = "Öberg"
    assert night(renamed, tmp_path, db, 1) == "good"
    assert stored_rows(db) == before + 1  # her new version, nothing else
    with Queries.open(db) as q:
        old, new = q.record(1, "person", "p7"), q.record(2, "person", "p7")
        assert old.fields["family_name"] == "P7" and old.row.change == "created"
        assert new.fields["family_name"] == "Öberg" and new.row.change == "updated"
        assert new.changes == {"family_name": ["P7", "Öberg"]}
        updated = q.rows(2, change="updated", limit=10)
        assert [(r.kind, r.key) for r in updated] == [("person", "p7")]
        assert q.rows(1, change="updated", limit=10) == []
        # her membership shows her new name on the new night and the old one before
        on = {run: q.rows(run, kind="membership", text="e-p7", limit=1)[0] for run in (1, 2)}
        assert on[1].name.endswith("P7") and on[2].name.endswith("Öberg")
    assert night(renamed, tmp_path, db, 2) == "good"
    with Queries.open(db) as q:
        assert q.record(3, "person", "p7").row.change == "unchanged"
        assert [h.change for h in q.history("person", "p7")] == ["unchanged", "updated", "created"]


def test_a_record_gone_is_absent_that_night_only_and_missing_after(tmp_path):
    db = tmp_path / "r.db"
    night(roster(), tmp_path, db, 0)
    left = roster()
    left.drop("users", "p9")
    left.drop("enrollments", "e-p9")
    assert night(left, tmp_path, db, 1) == "good"
    assert night(left, tmp_path, db, 2) == "good"
    with Queries.open(db) as q:
        assert q.record(1, "person", "p9").row.status == "imported"
        gone = q.record(2, "person", "p9")
        assert (gone.row.status, gone.row.change) == ("absent", "removed")
        assert q.record(3, "person", "p9") is None
        assert next(i for i in q.imports(2) if i.kind == "person").removed == 1
        assert next(i for i in q.imports(3) if i.kind == "person").removed == 0
        assert (
            len(q.rows(3, kind="person", limit=100)) == len(q.rows(1, kind="person", limit=100)) - 1
        )


def test_a_held_night_answers_its_own_rows_and_leaves_the_good_night_current(tmp_path):
    db = tmp_path / "r.db"
    night(roster(), tmp_path, db, 0)
    assert night(truncated(), tmp_path, db, 1) == "held"
    with Queries.open(db) as q:
        assert q.record(2, "person", "p3").row.status == "absent"  # the held night's own
        assert q.record(1, "person", "p3").row.status == "imported"  # the good one's, intact
    # the next good night diffs against the last good one, not the held one
    assert night(roster(), tmp_path, db, 2) == "good"
    with Queries.open(db) as q:
        assert q.record(3, "person", "p3").row.change == "unchanged"
        assert next(i for i in q.imports(3) if i.kind == "person").removed == 0


def test_an_accepted_held_night_becomes_what_the_next_night_is_compared_with(tmp_path):
    db = tmp_path / "r.db"
    night(roster(), tmp_path, db, 0)
    assert night(truncated(), tmp_path, db, 1) == "held"
    accept_held(db, 2)
    assert night(truncated(), tmp_path, db, 2) == "good"
    with Queries.open(db) as q:
        assert q.record(1, "person", "p3").row.status == "imported"
        assert q.record(2, "person", "p3").row.change == "removed"
        assert q.record(3, "person", "p3") is None  # gone since the accepted night
        assert q.record(3, "person", "p22").row.change == "unchanged"
        assert next(i for i in q.imports(3) if i.kind == "person").removed == 0


@pytest.mark.parametrize("rows_before", [1, 5])
def test_a_row_moved_in_the_file_is_not_a_change(tmp_path, rows_before):
    """A source line is where the row was, not what it holds: rows added above move it."""
    db = tmp_path / "r.db"
    night(roster(), tmp_path, db, 0)
    before = stored_rows(db)
    moved = roster()
    users = moved.table("users")
    for _ in range(rows_before):  # the last pupil to the top: every row below moves down
        users.insert(0, users.pop())
    assert night(moved, tmp_path, db, 1) == "good"
    assert stored_rows(db) == before
    with Queries.open(db) as q:  # the line shown is said to be the first night's
        moved_pupil = q.record(2, "person", PUPILS[-1])
        assert moved_pupil.source_place == f"{moved_pupil.row.source_ref} (line as of run 1)"
        assert q.record(1, "person", PUPILS[-1]).source_place == moved_pupil.row.source_ref


def test_a_delta_night_holds_what_it_sent_and_removes_nobody_it_did_not(tmp_path):
    """A users.csv sent as a delta has tonight's changes only: the users it does not name are
    not in that night (as before versions), not absent, and not removed; the next full night
    has them again."""
    db = tmp_path / "r.db"
    night(roster(), tmp_path, db, 0)
    delta = roster()
    delta.table("users")[:] = [row for row in delta.table("users") if row["sourcedId"] == "p7"]
    delta.row("users", "p7")["familyName"] = "Öberg"
    delta.modes["users"] = "delta"
    assert night(delta, tmp_path, db, 1) == "good"
    with Queries.open(db) as q:
        persons = q.rows(2, kind="person", limit=100)
        assert [(r.key, r.change) for r in persons] == [("p7", "updated")]
        summary = next(i for i in q.imports(2) if i.kind == "person")
        assert (summary.total, summary.removed, summary.absent) == (1, 0, 0)
    assert night(roster(), tmp_path, db, 2) == "good"
    with Queries.open(db) as q:
        assert q.record(3, "person", "p8").row.status == "imported"
