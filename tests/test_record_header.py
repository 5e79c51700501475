"""The record header (issue 12, item 7): class and role, when the record appears, a fix owner
only when somebody has something to fix, and the run it shows — in `why` and in the console."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rostertui.cli import app
from rostertui.console.app import RosterApp
from rostertui.console.screens.record import RecordScreen
from rostertui.store.answers import RecordRow
from rostertui.store.queries import Queries
from tests.test_console import screen_text, settle

runner = CliRunner()
RUN = "Run 12 (2026-11-22)"


def first_person(db: Path, status: str, code: str | None = None) -> RecordRow:
    queries = Queries.open(db)
    try:
        run_id = queries.latest_run().id
        rows = queries.rows(run_id, kind="person", status=status, code=code, limit=50)
        return next(r for r in rows if not r.key.startswith("protected:"))
    finally:
        queries.close()


def why(db: Path, key: str) -> str:
    result = runner.invoke(app, ["why", key, "--db", str(db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def head_of(output: str) -> str:
    """The header: the lines before the first finding panel or the related records."""
    lines = []
    for line in output.splitlines():
        if line.startswith(("╭", "Related records")):
            break
        lines.append(line)
    return "\n".join(lines)


def test_a_skipped_pupil_names_her_class_owner_and_when_she_appears(demo_db):
    head = head_of(why(demo_db, "Anna Svensson"))
    assert "User Anna Svensson — student, class 9B" in head
    assert "Status: SKIPPED   Change since last good run:" in head
    assert "SKIPPEDChange" not in head
    assert "Fix owner: registry" in head
    assert "Appears after the next night's sync once fixed" in head
    assert RUN in head


def test_a_pending_pupil_says_the_date_and_has_no_fix_owner(demo_db):
    pending = first_person(demo_db, "pending")
    assert pending.appears_on
    head = head_of(why(demo_db, pending.key))
    assert "— student, class" in head
    assert head.count(pending.appears_on) == 1  # said once, on its own line
    assert f"Appears on {pending.appears_on}" in head
    assert "once fixed" not in head
    assert "Fix owner" not in head
    assert RUN in head


def test_an_imported_pupil_has_no_fix_owner_and_no_appears_line(demo_db):
    imported = first_person(demo_db, "imported")
    head = head_of(why(demo_db, imported.key))
    assert "— student, class" in head and "Imported" in head
    assert "Fix owner" not in head and "Appears" not in head
    assert "Status: IMPORTED   Change since last good run:" in head


def test_an_exclusion_by_policy_names_the_role_and_no_fix_owner(demo_db):
    excluded = first_person(demo_db, "excluded", code="PERSON_ROLE_NOT_IMPORTED")
    head = head_of(why(demo_db, excluded.key))
    assert "Not imported (excluded): PERSON_ROLE_NOT_IMPORTED" in head
    assert "Fix owner" not in head and "Appears" not in head
    assert "student" not in head.splitlines()[0]


@pytest.mark.parametrize("status", ["pending", "skipped"])
async def test_the_record_screen_shows_the_header_and_its_run(demo_db, status):
    person = first_person(demo_db, status)
    app_ = RosterApp(demo_db)
    async with app_.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app_.open_record(12, "person", person.key)
        await settle(pilot)
        assert isinstance(app_.screen, RecordScreen)
        text = screen_text(app_)
        assert RUN in text
        assert f"{person.name} — " in text  # the role, and a pupil's class
        if status == "pending":
            assert f"Appears on {person.appears_on}" in text and "Fix owner" not in text
        else:
            assert "Appears after the next night's sync once fixed" in text
            assert "Fix owner: " in text
