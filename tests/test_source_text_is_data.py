"""Source text is data: markup and escape codes in a name print literally, never styled."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from rostertui.cli import app
from tests.oneroster_builder import clean_roster

runner = CliRunner()
HOSTILE_GIVEN = "[bold red]Anna[/]"
HOSTILE_FAMILY = "Svens\x1b[31mson"


def test_markup_and_escape_codes_print_literally(tmp_path):
    bundle = clean_roster()
    anna = bundle.row("users", "p1")
    anna["givenName"], anna["familyName"] = HOSTILE_GIVEN, HOSTILE_FAMILY
    folder = bundle.write(tmp_path / "bundle")
    db = tmp_path / "r.db"
    synced = runner.invoke(
        app, ["sync", str(folder), "--db", str(db), "--as-of", date(2026, 11, 22).isoformat()]
    )
    assert synced.exit_code == 0, synced.output

    shown = runner.invoke(app, ["why", "p1", "--db", str(db)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "[bold red]Anna[/]" in shown.stdout
    assert "\x1b[31m" not in shown.stdout  # the escape is shown as text, not obeyed
    assert "Svens\\x1b[31mson" in shown.stdout

    as_json = runner.invoke(app, ["why", "p1", "--db", str(db), "--json"])
    assert json.loads(as_json.stdout)["matches"][0]["name"] == f"{HOSTILE_GIVEN} {HOSTILE_FAMILY}"
