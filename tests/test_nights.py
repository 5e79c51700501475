"""Three nights in a row: every change, a re-issued id, two fixes, then a truncated export that
is held until a human accepts it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rostertui.cli import app
from rostertui.store.queries import Queries
from tests.oneroster_builder import CLASS, Bundle, clean_roster, enrollment, user

runner = CliRunner()
AS_OF = ("2026-11-20", "2026-11-21", "2026-11-22")
PUPILS = [f"p{n}" for n in range(3, 21)]


def base() -> Bundle:
    """The clean roster plus 18 pupils in 9B; p3 has no e-mail and p4 a broken one."""
    bundle = clean_roster()
    for pupil in PUPILS:
        bundle.add("users", user(pupil, "student", "Elev", pupil.upper(), f"{pupil}@skola.se"))
        bundle.add("enrollments", enrollment(f"e-{pupil}", pupil, CLASS))
    bundle.row("users", "p3")["email"] = ""
    bundle.row("users", "p4")["email"] = "p4@@skola.se"
    return bundle


def second(bundle: Bundle) -> Bundle:
    """p5 and p6 leave, the teacher is renamed, Anna's id is re-issued, p3 and p4 are fixed."""
    bundle.drop("users", "p5", "p6")
    bundle.drop("enrollments", "e-p5", "e-p6")
    bundle.row("users", "t1")["familyName"] = "Lundqvist"
    bundle.row("users", "p1")["sourcedId"] = "p1-new"
    for row in bundle.table("enrollments"):
        if row["userSourcedId"] == "p1":
            row["userSourcedId"] = "p1-new"
    bundle.row("users", "p3")["email"] = "p3@skola.se"
    bundle.row("users", "p4")["email"] = "p4@skola.se"
    return bundle


def sync(folder: Path, db: Path, policy: Path, night: int) -> tuple[int, str]:
    args = ["sync", str(folder), "--db", str(db), "--policy", str(policy)]
    result = runner.invoke(app, [*args, "--as-of", AS_OF[night]])
    return result.exit_code, result.stderr


@pytest.fixture(scope="module")
def nights(tmp_path_factory) -> tuple[Path, dict[str, tuple[int, str]]]:
    tmp = tmp_path_factory.mktemp("nights")
    db, policy = tmp / "r.db", tmp / "policy.toml"
    policy.write_text("mass_removal_threshold = 0.25\n", encoding="utf-8")
    outcomes = {
        "base": sync(base().write(tmp / "n1"), db, policy, 0),
        "second": sync(second(base()).write(tmp / "n2"), db, policy, 1),
    }
    truncated = second(base())
    truncated.users = truncated.users[:8]  # a cut-off export: 8 of 19 users
    outcomes["truncated"] = sync(truncated.write(tmp / "n3"), db, policy, 2)
    return db, outcomes


def changes(db: Path, run_id: int, kind: str) -> dict[str, tuple[str, str]]:
    with Queries.open(db) as q:
        return {r.key: (r.status, r.change or "") for r in q.rows(run_id, kind=kind, limit=500)}


def test_first_night_creates_everything_that_passes(nights):
    db, outcomes = nights
    assert outcomes["base"][0] == 0
    persons = changes(db, 1, "person")
    assert persons["p3"] == ("skipped", "none")
    assert persons["p4"] == ("skipped", "none")
    assert {v for k, v in persons.items() if k not in ("p3", "p4")} == {("imported", "created")}


def test_second_night_changes(nights):
    db, outcomes = nights
    assert outcomes["second"][0] == 0
    persons = changes(db, 2, "person")
    assert persons["p5"] == persons["p6"] == ("absent", "removed")
    assert persons["p1"] == ("absent", "removed")
    assert persons["p1-new"] == ("imported", "created")
    assert persons["p3"] == persons["p4"] == ("imported", "created")  # fixed overnight
    assert persons["t1"] == ("imported", "updated")
    assert persons["p2"] == persons["p7"] == ("imported", "unchanged")
    memberships = changes(db, 2, "membership")
    assert memberships["e-p5"] == ("absent", "removed")
    assert memberships["e3"] == ("imported", "updated")  # Anna's, now under her new id
    with Queries.open(db) as q:
        teacher = q.record(2, "person", "t1")
        anna = q.record(2, "person", "p1-new")
        summary = {s.kind: s for s in q.imports(2)}
        codes = {(c.kind, c.code): c for c in q.findings_by_code(2)}
    assert teacher is not None and teacher.changes == {"family_name": ["Lund", "Lundqvist"]}
    assert anna is not None
    reissued = [f for f in anna.findings if f.code == "PERSON_ID_CHANGED"]
    assert reissued and "same e-mail as 'p1'" in reissued[0].message
    users = summary["person"]
    assert (users.created, users.updated, users.removed, users.absent) == (3, 1, 3, 3)
    assert codes[("person", "PERSON_ID_CHANGED")].new == 1
    assert codes[("person", "PERSON_MISSING_EMAIL")].rows == 0


def test_fixed_findings_are_counted(nights):
    db, _ = nights
    result = runner.invoke(app, ["status", "--db", str(db), "--run", "2", "--json"])
    findings = {(f["kind"], f["code"]): f for f in json.loads(result.stdout)["findings"]}
    missing = findings[("person", "PERSON_MISSING_EMAIL")]
    assert (missing["rows"], missing["fixed"], missing["severity"]) == (0, 1, "error")
    assert findings[("person", "PERSON_INVALID_EMAIL")]["fixed"] == 1
    with Queries.open(db) as q:
        history = q.record(2, "person", "p3")
    assert history is not None
    timeline = history.timeline
    assert [(e.run_id, e.status, e.codes) for e in timeline.events] == [
        (1, "skipped", ("PERSON_MISSING_EMAIL",)),
        (2, "imported", ()),
    ]
    assert timeline.first_seen and timeline.first_seen.run_id == 1
    assert timeline.last_imported and timeline.last_imported.run_id >= 2


def test_truncated_export_is_held_and_accepted_by_a_human(nights):
    db, outcomes = nights
    code, stderr = outcomes["truncated"]
    assert code == 3
    assert "run 3 held: this night would remove" in stderr
    status = json.loads(runner.invoke(app, ["status", "--db", str(db), "--json"]).stdout)
    assert (status["run"]["id"], status["run"]["state"], status["latest_good_run"]) == (
        3,
        "held",
        2,
    )
    assert {"code": "MASS_REMOVAL_HELD", "kind": "run"}.items() <= status["findings"][0].items()
    why = json.loads(runner.invoke(app, ["why", "p2", "--db", str(db), "--json"]).stdout)
    assert why["run"]["id"] == 3  # the held night is the one with records to explain

    accepted = runner.invoke(app, ["sync", "--accept-held", "3", "--db", str(db)])
    assert accepted.exit_code == 0, accepted.output
    assert "Run 3 accepted" in accepted.stdout
    with Queries.open(db) as q:
        assert q.latest_good_run_id() == 3
    again = runner.invoke(app, ["sync", "--accept-held", "3", "--db", str(db)])
    assert again.exit_code == 1
    assert "run 3 is good, not held" in again.stderr


def test_accept_needs_a_run_that_exists(nights):
    db, _ = nights
    result = runner.invoke(app, ["sync", "--accept-held", "99", "--db", str(db)])
    assert result.exit_code == 1
    assert "no run 99" in result.stderr


def test_a_sqlite_that_takes_few_parameters_a_statement_still_stores_the_whole_night(
    tmp_path, monkeypatch
):
    """SQLite before 3.32 takes at most 999 parameters a statement; rows then go in fewer at a
    time, and the night stored is the same as with today's SQLite."""
    import sqlite3
    from datetime import date

    import rostertui.sync as sync_module
    from rostertui.demo import write_demo_bundle

    folder = tmp_path / "bundle"
    night = date(2026, 11, 22)
    write_demo_bundle(folder, as_of=night, people=500)

    def stored(db: Path) -> tuple[list, list]:
        result = sync_module.sync(db, str(folder), policy_path=folder / "policy.toml", as_of=night)
        assert result.state == "good", result.error
        with Queries.open(db) as q:
            rows = [
                {k: "protected:…" if v.startswith("protected:") else v for k, v in row.items()}
                for row in q.export_rows(result.run_id)
            ]  # a protected person's key is hashed with the database's own secret
            return q.imports(result.run_id), rows

    today = stored(tmp_path / "today.db")
    opened = sync_module.open_writer

    def old_sqlite(path):
        db = opened(path)
        db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        return db

    monkeypatch.setattr(sync_module, "open_writer", old_sqlite)
    assert stored(tmp_path / "old.db") == today
    assert sum(s.total for s in today[0]) > 999  # many statements' worth of rows
