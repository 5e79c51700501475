"""Search tells the whole truth, as the support agent sees it on the demo: the true total, exact
names first, a pupil removed beside her namesakes, and a protected pupil's exact identifier
answered "a record matches; its details are withheld", never "not in the source"."""

from __future__ import annotations

import csv
import json
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rostertui.cli import app
from rostertui.console.app import RosterApp
from rostertui.console.screens.record import RecordScreen
from rostertui.console.screens.search import SearchScreen
from rostertui.console.widgets.breadcrumb import Breadcrumb
from rostertui.console.widgets.rows_view import RowsView
from rostertui.store.queries import Queries
from rostertui.sync import sync
from tests.test_console import screen_text, settle

runner = CliRunner()
LAST_NIGHT = "2026-11-22"


def why(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["why", *args, "--db", str(db)], env={"COLUMNS": "100"})
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout + result.stderr


def flat(text: str) -> str:
    """The words as one line: the terminal wraps them anywhere."""
    return " ".join(text.split())


def protected_pupils(demo_db: Path) -> list[dict[str, str]]:
    users = demo_db.parent / "month" / LAST_NIGHT / "users.csv"
    with users.open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["metadata.securityMarking"]]


def identifiers(pupil: dict[str, str]) -> list[str]:
    """What a ticket quotes: the source id, the e-mail, the personnummer (two layouts) and
    the login id, in another case."""
    civic = pupil["metadata.civicNo"]
    return [pupil["sourcedId"], pupil["email"], civic, civic[2:], pupil["username"].upper()]


async def search(app: RosterApp, pilot, text: str) -> RowsView:
    await settle(pilot)
    await pilot.press("slash")
    await settle(pilot)
    assert isinstance(app.screen, SearchScreen)
    await pilot.press(*text, "enter")
    await settle(pilot)
    return app.screen.query_one("#results", RowsView)


def cells(table: RowsView) -> list[list[str]]:
    return [[str(cell) for cell in table.cells(hit)] for hit in table.held_rows()]


# -- the true total, exact names first ----------------------------------------------------


async def test_a_search_with_more_matches_than_shown_states_the_true_total(demo_db):
    with Queries.open(demo_db) as q:
        every = q.search(12, "edu", limit=100_000)
        gone = q.find(12, "edu").gone  # beside them: those gone from the source lately
    assert len(every) > 50  # every pupil's e-mail is at edu.sjostad.se
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await search(app, pilot, "edu")
        assert table.total == 50 + len(gone)
        assert f"First 50 of {len(every):,} records match 'edu' in run 12" in screen_text(app)
    code, output = why(demo_db, "edu")
    assert code == 0 and f"First 50 of {len(every):,} records match 'edu'" in output
    code, output = why(demo_db, "edu", "--json")
    assert json.loads(output)["total"] == len(every)


def test_the_total_is_what_the_index_holds_for_that_night(demo_db):
    """Every night keeps its own records: the count is one night's, not the index's."""
    with Queries.open(demo_db) as q:
        for run_id in (1, 7, 12):
            found = q.find(run_id, "Anna", limit=3)
            assert found.total == len(q.search(run_id, "Anna", limit=1000)) > 3
            assert len(found.hits) == 3


async def test_an_exact_name_comes_first(demo_db):
    """'NA26a' is a class; 'En NA26a' and the others sort before it, but it is what was asked."""
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await search(app, pilot, "na26a")
        rows = cells(table)
        assert rows[0][1:3] == ["group", "NA26a"] and len(rows) > 1
        assert all(row[2] != "NA26a" for row in rows[1:])


async def test_each_result_shows_class_or_role_school_and_change(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(160, 40)) as pilot:
        table = await search(app, pilot, "Anna Svensson")
        status, _, name, placement, school, key, change = cells(table)[0]
        assert (status, name, placement, school) == (
            "SKIPPED",
            "Anna Svensson",
            "9B",
            "Centralskolan",
        )
        assert change == "removed 2026-11-22, last imported run 11" and key == "usr-000143"
        table = await search(app, pilot, "Söderström")
        roles = {row[2]: row[3] for row in cells(table)}
        assert roles["Göran Söderström"] == "teacher"


# -- removed, beside namesakes who are fine -----------------------------------------------


async def test_a_pupil_removed_last_night_shows_as_removed_among_her_namesakes(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(160, 40)) as pilot:
        table = await search(app, pilot, "Märta Håkansson")
        rows = {row[5]: row for row in cells(table)}
        assert set(rows) == {"usr-000145", "usr-000213"}
        assert rows["usr-000145"][0] == "SKIPPED"
        assert rows["usr-000145"][6] == "removed 2026-11-22, last imported run 11"
        assert rows["usr-000213"][0] == "IMPORTED" and rows["usr-000213"][6] == "unchanged"


async def test_a_pupil_who_left_the_source_is_found_and_opens_on_her_last_night(demo_db):
    """Lena Söderström moved away on 2026-11-17: no record of her tonight, but a recent one."""
    app = RosterApp(demo_db)
    async with app.run_test(size=(160, 40)) as pilot:
        table = await search(app, pilot, "Söderström")
        rows = cells(table)
        lena = next(i for i, row in enumerate(rows) if row[2] == "Lena Söderström")
        assert rows[lena][0] == "ABSENT"
        assert rows[lena][6] == "removed 2026-11-17, last imported run 6"
        assert sum(row[0] == "IMPORTED" for row in rows) >= 5  # her namesakes, fine
        assert "1 more was imported on a recent night and is gone" in screen_text(app)
        table.cursor = lena
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        assert "Lena Söderström" in screen_text(app)


def test_why_tells_when_a_gone_pupil_was_removed_and_still_exits_1(demo_db):
    code, output = why(demo_db, "Lena Söderström")
    assert code == 1  # not in this night's source
    assert "Lena Söderström (usr-000407): removed 2026-11-17, last imported run 6." in output
    assert "Never seen" not in output
    code, output = why(demo_db, "Lena Söderström", "--json")
    answer = json.loads(output)
    assert (answer["found"], answer["withheld"]) == (False, False)
    [gone] = answer["gone"]
    assert (gone["key"], gone["status"], gone["removed_on"], gone["last_imported_run"]) == (
        "usr-000407",
        "absent",
        "2026-11-17",
        6,
    )
    assert gone["class_or_role"] == "8A"


# -- withheld, not absent -----------------------------------------------------------------


def test_the_demo_has_protected_pupils(demo_db):
    assert len(protected_pupils(demo_db)) == 2


@pytest.mark.parametrize("which", range(5), ids=["id", "email", "civic", "civic10", "login"])
async def test_a_protected_pupils_exact_identifier_says_withheld_in_the_console(demo_db, which):
    pupil = protected_pupils(demo_db)[0]
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await search(app, pilot, identifiers(pupil)[which])
        text = screen_text(app)
        assert "its details are withheld" in text
        assert "registry administrator can see why" in text
        assert "not in that night's source" not in text
        assert table.total == 0
        for detail in (pupil["givenName"], pupil["familyName"], "skola", "school"):
            assert detail not in text


@pytest.mark.parametrize("pupil", [0, 1])
def test_why_with_a_protected_pupils_identifier_exits_0_and_says_withheld(demo_db, pupil):
    person = protected_pupils(demo_db)[pupil]
    for query in identifiers(person):
        code, output = why(demo_db, query)
        assert code == 0, (query, output)
        output = flat(output)
        assert "details are withheld" in output and "registry administrator" in output
        assert "not in that night's source" not in output
        for detail in (person["givenName"], person["familyName"], person["orgSourcedIds"]):
            assert detail not in output
        code, output = why(demo_db, query, "--json")
        answer = json.loads(output)
        assert (code, answer["found"], answer["withheld"]) == (0, True, True)
        assert answer["matches"] == answer["results"] == answer["gone"] == []
        assert person["givenName"] not in output and person["familyName"] not in output


def test_a_protected_pupils_name_is_not_matched(demo_db):
    """Only an exact identifier can meet a hash: a name was never kept."""
    person = protected_pupils(demo_db)[0]
    _, output = why(demo_db, f"{person['givenName']} {person['familyName']}", "--json")
    assert json.loads(output)["withheld"] is False


@pytest.fixture
def keyless_db(demo_db, tmp_path, monkeypatch) -> Path:
    """The demo's database copied without its key file."""
    monkeypatch.delenv("ROSTERTUI_KEY", raising=False)
    db = tmp_path / "demo.db"
    with (
        closing(sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True)) as original,
        closing(sqlite3.connect(db)) as copy,
    ):
        original.backup(copy)
    return db


def test_without_the_key_a_miss_says_a_protected_person_cannot_be_recognised(demo_db, keyless_db):
    protected_id = protected_pupils(demo_db)[0]["sourcedId"]
    code, output = why(keyless_db, protected_id)
    assert code == 1
    assert "key file is missing, so a protected person cannot be recognised" in flat(output)
    code, output = why(keyless_db, protected_id, "--json")
    assert json.loads(output)["key_missing"] is True


# -- the held night: what would happen, advice the CLI accepts ----------------------------


def test_a_held_night_speaks_of_what_would_happen_and_advises_nothing_refused(demo_db):
    """Run 10 is held and runs 11 and 12 are good since: accepting it is refused, so never
    advised."""
    result = runner.invoke(app, ["status", "--db", str(demo_db), "--run", "10"])
    assert result.exit_code == 0
    assert "would remove" in result.stdout and "would add" in result.stdout
    assert "Nothing was applied" in result.stdout
    assert "--accept-held" not in result.stdout
    assert "run 12 is a newer good night" in flat(result.stdout)


def test_a_held_night_that_can_be_accepted_advises_what_the_cli_then_does(demo_db, tmp_path):
    month = demo_db.parent / "month"
    db = tmp_path / "held.db"
    for night in sorted(month.iterdir())[:10]:  # up to the truncated night, which is held
        as_of = date.fromisoformat(night.name)
        state = sync(db, str(night), policy_path=night / "policy.toml", as_of=as_of).state
    assert state == "held"
    status = runner.invoke(app, ["status", "--db", str(db)], env={"COLUMNS": "200"})
    advice = "rostertui sync --accept-held 10"
    assert advice in status.stdout and "would remove" in status.stdout
    accepted = runner.invoke(app, [*advice.split()[1:], "--db", str(db)])
    assert accepted.exit_code == 0, accepted.output


# -- the night searched is the night on screen ------------------------------------------------


async def test_a_search_from_an_earlier_night_searches_that_night_and_says_so(demo_db):
    """Lena Söderström was imported until run 6: from run 5's home she is there, imported."""
    app = RosterApp(demo_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#codes", RowsView).focus()
        for _ in range(7):  # run 12 → run 5, one night at a time
            await pilot.press("left_square_bracket")
            await settle(pilot)
        assert app.screen.run.id == 5
        table = await search(app, pilot, "Lena Söderström")
        assert "in run 5 (as of" in screen_text(app)
        assert [row[0] for row in cells(table)] == ["IMPORTED"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen) and app.screen.run_id == 5
        crumbs = str(app.screen.query_one(Breadcrumb).render())
        assert crumbs.startswith("Run 5 (") and "(run " not in crumbs  # one night throughout


async def test_a_record_from_another_night_names_that_night_in_the_breadcrumb(demo_db):
    app = RosterApp(demo_db)
    async with app.run_test(size=(160, 40)) as pilot:
        table = await search(app, pilot, "Söderström")
        assert "in run 12 (as of" in screen_text(app)
        lena = next(i for i, row in enumerate(cells(table)) if row[2] == "Lena Söderström")
        table.cursor = lena
        await pilot.press("enter")
        await settle(pilot)
        crumbs = str(app.screen.query_one(Breadcrumb).render())
        assert crumbs.startswith("Run 12 (") and crumbs.endswith(
            "Lena Söderström (run 7)"
        )  # removed then


def test_a_name_typed_in_part_finds_the_names_that_begin_so(demo_db):
    """ "Anna S" is what a support agent types before the ticket's surname is spelled out."""
    with Queries.open(demo_db) as q:
        every_anna = q.find(12, "Anna")
        expected = {h.row.key for h in every_anna.hits if h.row.name.startswith("Anna S")}
        for typed in ("Anna S", "anna s", "Anna Sv"):
            found = q.find(12, typed)
            keys = {h.row.key for h in found.hits}
            assert keys and found.total == len(keys), typed
            assert all(h.row.name.lower().startswith(typed.lower()) for h in found.hits), typed
        assert {h.row.key for h in q.find(12, "Anna S").hits} == expected
        assert "usr-000143" in {h.row.key for h in q.find(12, "Anna Sv").hits}  # Anna Svensson


# -- an enrollment's id, as a ticket may quote it -----------------------------------------


def test_an_enrollment_id_is_found_with_its_source_row(demo_db):
    """The full-text index holds no memberships: their ids once answered "not in that
    night's source. Never seen in any earlier run either", of a record that was right there."""
    with Queries.open(demo_db) as q:
        [membership] = q.rows(q.latest_good_run_id(), kind="membership", limit=1)
    _, output = why(demo_db, membership.key)
    assert f"Membership {membership.name}" in output
    assert f"Id: {membership.key}" in flat(output) and "enrollments.csv:" in output
    assert "not in that night's source" not in output


def test_an_enrollment_gone_from_the_source_is_never_called_never_seen(demo_db):
    with Queries.open(demo_db) as q:
        latest = q.latest_good_run_id()
        gone = next(
            row
            for night in range(latest - 1, 0, -1)
            for row in q.rows(night, kind="membership", change="removed", limit=50)
            if q.record(latest, "membership", row.key) is None
        )
    code, output = why(demo_db, gone.key)
    assert code == 1  # not in the latest night's source
    assert "Never seen" not in output
    assert gone.key in output


async def test_an_enrollment_id_searched_in_the_console_shows_whose_it_is(demo_db):
    """The row names the person and the group: a membership's names live on its person and
    group records, and the exact-id lookup once listed a row with none, painted blank."""
    with Queries.open(demo_db) as q:
        [membership] = q.rows(q.latest_good_run_id(), kind="membership", limit=1)
    app = RosterApp(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await search(app, pilot, membership.key)
        [row] = cells(view)
        assert row[1:3] == ["membership", membership.name] and membership.name
        assert membership.key in row
