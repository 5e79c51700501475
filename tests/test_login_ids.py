"""Login ids (OneRoster username / userIds / identifier): what a support ticket quotes. They are
kept with the person, shown by `why` and the console, found by search, diffed night to night,
never stored for a protected person, and an older database opens and keeps working."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rostertui.cli import app
from rostertui.console.app import RosterApp
from rostertui.console.screens.record import RecordScreen
from rostertui.console.screens.search import SearchScreen
from rostertui.domain.packing import pack, unpack
from rostertui.store.database import open_writer
from rostertui.store.queries import Queries
from rostertui.store.schema import MIGRATIONS
from tests.oneroster_builder import ANNA, Bundle, clean_roster, user
from tests.stored import db_bytes
from tests.test_console import screen_text, settle

runner = CliRunner()
NIGHTS = ("2026-11-21", "2026-11-22")


def annas_bundle() -> Bundle:
    """The clean roster, Anna logging in as anna.s, or as123 through LDAP."""
    bundle = clean_roster()
    bundle.row("users", ANNA).update(username="anna.s", userIds="{LDAP:as123}")
    return bundle


def sync(bundle: Bundle, tmp: Path, night: int = 0, policy: str = "") -> Path:
    db, policy_path = tmp / "r.db", tmp / "policy.toml"
    policy_path.write_text(policy, encoding="utf-8")
    folder = bundle.write(tmp / f"night{night}")
    args = ["sync", str(folder), "--db", str(db), "--policy", str(policy_path)]
    result = runner.invoke(app, [*args, "--as-of", NIGHTS[night]])
    assert result.exit_code == 0, result.output
    return db


def why(db: Path, query: str, *more: str) -> tuple[int, str]:
    result = runner.invoke(app, ["why", query, "--db", str(db), *more], env={"COLUMNS": "100"})
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout


@pytest.mark.parametrize("query", ["anna.s", "as123", "ANNA.S"])
def test_why_finds_anna_by_a_login_id_and_prints_them(tmp_path, query):
    """Another Anna S. matches the words of "anna.s" too: the exact login id still answers."""
    bundle = annas_bundle()
    bundle.add("users", user("p9", "student", "Anna", "Sundberg", "anna.sundberg@skola.se"))
    db = sync(bundle, tmp_path)
    code, output = why(db, query)
    assert code == 0
    assert "User Anna Svensson" in output
    assert "Login ids: anna.s, as123, P1" in output  # identifier is the builder's id, upper


def test_why_json_carries_the_login_ids(tmp_path):
    db = sync(annas_bundle(), tmp_path)
    code, output = why(db, "as123", "--json")
    assert code == 0
    anna = json.loads(output)["matches"][0]
    assert anna["key"] == ANNA
    assert anna["login_ids"] == ["anna.s", "as123", "P1"]
    assert anna["fields"]["login_ids"] == "anna.s, as123, P1"


def test_an_eppn_answers_with_its_person_alone(tmp_path):
    """An @-query that is exactly a login id (not the e-mail) narrows to that person, as an
    exact e-mail does, though the words of it match others too."""
    bundle = clean_roster()
    bundle.row("users", ANNA)["username"] = "12345@skola.se"
    db = sync(bundle, tmp_path)
    with Queries.open(db) as q:
        found = q.search(q.run_with_records().id, "12345@skola.se")
    assert [row.key for row in found] == [ANNA]


def test_a_changed_login_id_is_an_update(tmp_path):
    sync(annas_bundle(), tmp_path)
    renamed = annas_bundle()
    renamed.row("users", ANNA)["username"] = "anna.svensson"
    db = sync(renamed, tmp_path, night=1)
    anna = json.loads(why(db, "anna.svensson", "--json")[1])["matches"][0]
    assert anna["change"] == "updated"
    assert anna["changes"] == {"login_ids": ["anna.s, as123, P1", "anna.svensson, as123, P1"]}
    assert "login_ids: anna.s, as123, P1 → anna.svensson, as123, P1" in why(db, "as123")[1]


@pytest.mark.parametrize("protected", [False, True])
def test_a_protected_persons_login_ids_never_reach_the_database(tmp_path, protected):
    """Unprotected, the same login ids are in the file: the probe can see them."""
    bundle = annas_bundle()
    bundle.row("users", ANNA).update(
        username="hemlig.elev", userIds="{LDAP:hx9q7}", identifier="HX9Q7-ID"
    )
    bundle.row("users", ANNA)["metadata.securityMarking"] = "Skyddad folkbokföring"
    policy = 'protected_identity_field = "metadata.securityMarking"\n' if protected else ""
    db = sync(bundle, tmp_path, policy=policy)
    stored = db_bytes(db)
    for login_id in (b"hemlig.elev", b"hx9q7", b"HX9Q7-ID"):
        assert (login_id in stored) is not protected
    code, output = why(db, "hemlig.elev")
    assert code == 0  # protected: a record matches, its details withheld (never "not there")
    assert ("details are withheld" in output) is protected


def test_pruning_keeps_the_search_index_whole(tmp_path):
    """Pruning takes records out of the external-content index with the values they went in
    with, login ids included; a mismatch leaves the index corrupt."""
    sync(annas_bundle(), tmp_path)
    db = sync(annas_bundle(), tmp_path, night=1)
    assert runner.invoke(app, ["prune", "--db", str(db), "--keep", "1"]).exit_code == 0
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO records_fts (records_fts) VALUES ('integrity-check')")
    conn.close()
    assert why(db, "as123")[0] == 0


def as_first_schema(db: Path) -> None:
    """Turn a database back into what the first schema made: records not versions (each row of
    its own night), persons' fields without login ids, no login_ids column, a search index over
    key, name and e-mail only, user_version 1."""
    conn = sqlite3.connect(db)
    persons = conn.execute("SELECT id, fields FROM records WHERE kind = 'person' AND fields != ''")
    conn.executemany(
        "UPDATE records SET fields = ? WHERE id = ?",
        [(pack(unpack(fields)[:-1]), record_id) for record_id, fields in persons.fetchall()],
    )
    conn.commit()
    first = MIGRATIONS[0]
    view = first[first.index("CREATE VIEW shown_records") : first.index("CREATE VIRTUAL TABLE")]
    conn.executescript(
        f"""
        DROP INDEX records_open;
        DROP INDEX findings_of_run;
        DROP INDEX records_by_key;
        DROP INDEX findings_by_code;
        DROP INDEX findings_by_code_record;
        ALTER TABLE records DROP COLUMN last_run;
        ALTER TABLE records DROP COLUMN checksum;
        ALTER TABLE findings DROP COLUMN last_run;
        CREATE UNIQUE INDEX records_by_key ON records (run_id, kind, key);
        CREATE INDEX findings_by_code ON findings (run_id, code, kind, key);
        CREATE INDEX findings_by_code_record ON findings (run_id, code, record_id);
        {view}
        DROP TABLE records_fts;
        DROP TABLE protected_hashes;
        DROP INDEX records_noteworthy;
        ALTER TABLE records DROP COLUMN login_ids;
        CREATE VIRTUAL TABLE records_fts USING fts5(
            key, name, email, content='records', content_rowid='id', tokenize='unicode61'
        );
        INSERT INTO records_fts (rowid, key, name, email)
        SELECT id, key, name, email FROM records WHERE kind != 'membership';
        PRAGMA user_version = 1;
        """
    )
    conn.close()


def test_a_database_from_the_first_schema_opens_and_keeps_working(tmp_path):
    db = sync(annas_bundle(), tmp_path)
    as_first_schema(db)
    open_writer(db).close()  # migrates, as the next sync does
    with Queries.open(db) as q:
        assert [row.key for row in q.search(1, "Anna Svensson")] == [ANNA]  # reindexed
        before = q.record(1, "person", ANNA)
        assert before.login_ids == () and "login_ids" not in before.fields  # not kept then
    sync(annas_bundle(), tmp_path, night=1)
    with Queries.open(db) as q:
        persons = q.rows(2, kind="person")
        assert {row.change for row in persons} == {"unchanged"}  # not every user "updated"
        assert [row.key for row in q.search(2, "as123")] == [ANNA]


async def test_console_search_finds_anna_by_login_id_and_shows_them(tmp_path):
    db = sync(annas_bundle(), tmp_path)
    app = RosterApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"as123", "enter")
        await settle(pilot)
        await pilot.press("enter")  # open the match
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        text = screen_text(app)
        assert "User Anna Svensson" in text
        assert "Login ids: anna.s, as123, P1" in text


@pytest.mark.parametrize(
    "columns",
    [
        {"identifier": "200802022384"},
        {"userIds": "{personnummer:20080202-2384},{LDAP:as123}"},
        {"identifier": "080202-2384"},
    ],
    ids=["identifier", "userIds", "ten-digits"],
)
def test_a_civic_number_is_never_a_login_id(tmp_path, columns) -> None:
    """Swedish exports often put the personnummer in `identifier` or `userIds`: it is not a
    login id, and a civic number is never stored in clear."""
    bundle = clean_roster()
    bundle.row("users", ANNA).update(username="anna.s", **columns)
    db = sync(bundle, tmp_path)
    code, output = why(db, "anna.s")
    assert code == 0 and "Login ids: anna.s" in output
    assert "2384" not in output
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT login_ids, fields FROM records WHERE key = ?", [ANNA])
        login_ids, fields = stored.fetchone()
    assert login_ids == "anna.s" or login_ids.startswith("anna.s, ")
    assert "2384" not in login_ids and "2384" not in fields
    stored = db_bytes(db)  # nor anywhere else: the raw user row masks it too
    assert b"0202-2384" not in stored and b"080202238" not in stored
