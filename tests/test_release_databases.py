"""Databases written by earlier releases open, answer and take the next night.

Each file in tests/data is a real database one release wrote (three demo nights of 500 persons,
gzipped; its hash key is "cd" * 32). A later schema must read it and migrate it on the next
sync, or this test says so: a migration that works only on a database made by the same code is
not a migration. Add a file here whenever a release changes the schema."""

from __future__ import annotations

import gzip
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from rostertui.store.queries import Queries
from rostertui.store.schema import MIGRATIONS
from rostertui.sync import sync

DATA = Path(__file__).parent / "data"
RELEASES = sorted(DATA.glob("release-*.db.gz"))
TODAY = date(2026, 12, 7)  # the releases' last night


@pytest.fixture(scope="module")
def last_bundle(tmp_path_factory):
    """The demo's night of 2026-12-07 as the releases synced it (the demo is deterministic)."""
    from rostertui.demo import write_demo_month

    folder = tmp_path_factory.mktemp("month")
    return write_demo_month(folder, today=TODAY, nights=3, people=500)[-1].bundle


def unpacked(release: Path, folder: Path) -> Path:
    db = folder / release.name.removesuffix(".gz")
    db.write_bytes(gzip.decompress(release.read_bytes()))
    key = db.with_name(db.name + ".key")
    key.write_text("cd" * 32)
    key.chmod(0o600)
    return db


def schema_of(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("release", RELEASES, ids=[r.name for r in RELEASES])
def test_a_release_database_answers_and_takes_the_next_night(release, last_bundle, tmp_path):
    db = unpacked(release, tmp_path)
    written_by = schema_of(db)
    with Queries.open(db) as q:  # read as it is: a reader never migrates
        latest = q.latest_run()
        assert (latest.id, latest.state, latest.as_of) == (3, "good", TODAY.isoformat())
        users = next(i for i in q.imports(latest.id) if i.kind == "person")
        anyone = q.rows(latest.id, kind="person", status="imported", limit=1)[0]
        assert q.record(latest.id, "person", anyone.key).row.status == "imported"
        assert q.find(latest.id, anyone.name).total >= 1
        assert len(q.history("person", anyone.key)) == 3
    assert schema_of(db) == written_by  # reading wrote nothing

    result = sync(
        db, str(last_bundle.folder), policy_path=last_bundle.policy_path, as_of=date(2026, 12, 8)
    )
    assert result.state == "good", result
    assert schema_of(db) == len(MIGRATIONS)  # the sync migrated it
    with Queries.open(db) as q:
        night = next(i for i in q.imports(4) if i.kind == "person")
        assert night.total == users.total and night.removed == 0  # the same roster again
        assert q.count_rows(4, kind="person", change="removed").total == 0
        assert len(q.history("person", anyone.key)) == 4


def test_there_is_a_release_database_for_the_current_schema():
    """The newest schema has a file made by the code that writes it."""
    assert any(f"schema{len(MIGRATIONS)}" in r.name for r in RELEASES), (
        f"add tests/data/release-<date>-schema{len(MIGRATIONS)}.db.gz, written by this release"
    )
