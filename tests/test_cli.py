"""The CLI contract on the demo municipality: status, why, export, rules as a script sees them."""

from __future__ import annotations

import csv
import json
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from rostertui import render
from rostertui.cli import app
from rostertui.demo import DemoBundle, write_demo_bundle
from rostertui.domain.catalogue import RULES
from rostertui.store.queries import EXPORT_COLUMNS, Queries

AS_OF = date(2026, 11, 22)
runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, DemoBundle]:
    folder = tmp_path_factory.mktemp("demo")
    bundle = write_demo_bundle(folder / "bundle", as_of=AS_OF, people=2000)
    db = folder / "demo.db"
    result = runner.invoke(
        app,
        [
            "sync",
            str(bundle.folder),
            "--db",
            str(db),
            "--policy",
            str(bundle.policy_path),
            "--as-of",
            AS_OF.isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Run 1 good:")
    return db, bundle


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "100"})
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout


def anna_row(bundle: DemoBundle) -> dict[str, str]:
    with (bundle.folder / "users.csv").open(encoding="utf-8") as handle:
        return next(r for r in csv.DictReader(handle) if r["sourcedId"] == bundle.anna_id)


def test_status_json_has_the_contract_shape(demo):
    db, _ = demo
    code, output = invoke("status", "--db", str(db), "--json")
    assert code == 0
    status = json.loads(output)
    assert status["run"]["state"] == "good"
    assert status["run"]["as_of"] == "2026-11-22"
    assert status["latest_good_run"] == status["run"]["id"] == 1
    kinds = [entry["kind"] for entry in status["imports"]]
    assert kinds == ["school", "person", "group", "membership"]
    users = status["imports"][1]
    assert users["label"] == "Users"
    assert set(users) == {
        "kind", "label", "total", "imported", "created", "updated", "unchanged", "removed",
        "skipped", "excluded", "pending", "absent", "errors", "warnings",
    }  # fmt: skip
    assert (
        users["total"]
        == users["imported"] + users["skipped"] + users["excluded"] + users["pending"]
    )
    assert users["created"] == users["imported"]  # the first night creates everything
    codes = {(f["kind"], f["code"]): f for f in status["findings"]}
    assert codes[("group", "GROUP_NOT_EXPORTED")]["rows"] == 1
    assert codes[("group", "GROUP_NOT_EXPORTED")]["severity"] == "exclude"


def test_status_fail_on(demo):
    db, _ = demo
    assert invoke("status", "--db", str(db), "--fail-on", "error")[0] == 1
    assert runner.invoke(app, ["status", "--db", str(db), "--fail-on", "loud"]).exit_code == 2


def test_status_table_names_every_import_type(demo):
    db, _ = demo
    code, output = invoke("status", "--db", str(db))
    assert code == 0
    assert "Run 1 GOOD" in output
    for label in ("Schools", "Users", "Groups", "Memberships", "GROUP_NOT_EXPORTED"):
        assert label in output


@pytest.mark.parametrize("how", ["name", "email", "id", "personnummer"])
def test_why_anna_answers_with_root_cause_and_owner(demo, how):
    db, bundle = demo
    row = anna_row(bundle)
    query = {
        "name": "Anna Svensson",
        "email": row["email"],
        "id": row["sourcedId"],
        "personnummer": row["metadata.civicNo"],
    }[how]
    code, output = invoke("why", query, "--db", str(db), "--json")
    assert code == 0
    answer = json.loads(output)
    assert answer["found"] is True
    anna = answer["matches"][0]
    assert (anna["key"], anna["status"], anna["in_source"]) == (bundle.anna_id, "skipped", True)
    assert anna["change"] == "none"
    finding = next(f for f in anna["findings"] if f["code"] == "STUDENT_NO_CLASS")
    assert finding["severity"] == "error"
    assert finding["owner"] == "registry"
    assert finding["fix"] and finding["explanation"]
    assert finding["root"]["code"] == "GROUP_NOT_EXPORTED"
    assert finding["root"]["name"] == "9B"
    assert "GROUP_NOT_EXPORTED" in anna["answer"]
    memberships = [r for r in anna["related"] if r["kind"] == "membership"]
    assert {r["group"] for r in memberships} >= {"9B"}


def test_why_rich_form_reads_like_an_answer(demo):
    db, _ = demo
    code, output = invoke("why", "anna.svensson@edu.sjostad.se", "--db", str(db))
    assert code == 0
    assert "Not imported (skipped): STUDENT_NO_CLASS" in output
    assert "9B" in output and "GROUP_NOT_EXPORTED" in output
    assert "Fix (registry)" in output
    assert "In source: yes users.csv:" in output


def test_why_a_cascade_names_who_fixes_its_root_cause(demo, tmp_path):
    """A membership left out because its pupil was: the catalogue gives a cascade no owner of
    its own, so its fix names the root cause's owner rather than a dash."""
    db, _ = demo
    rows = tmp_path / "cascades.csv"
    code, _ = invoke(
        "export", "--db", str(db), "--code", "MEMBERSHIP_PERSON_NOT_IMPORTED", "-o", str(rows)
    )
    key = next(csv.DictReader(rows.open(encoding="utf-8")))["key"]
    code, output = invoke("why", key, "--db", str(db))
    assert code == 0
    assert "MEMBERSHIP_PERSON_NOT_IMPORTED" in output
    assert "Fix (registry, at the root cause):" in " ".join(output.split())
    assert "Fix (—)" not in output


def test_why_a_name_that_matches_nobody(demo):
    db, _ = demo
    code, output = invoke("why", "Zlatan Nobody", "--db", str(db))
    assert code == 1
    assert "No record matches 'Zlatan Nobody' in run 1" in output
    code, output = invoke("why", "Zlatan Nobody", "--db", str(db), "--json")
    assert code == 1
    assert json.loads(output)["found"] is False


def test_why_never_shows_a_protected_person(demo):
    db, bundle = demo
    with (bundle.folder / "users.csv").open(encoding="utf-8") as handle:
        hidden = next(r for r in csv.DictReader(handle) if r["metadata.securityMarking"].strip())
    for query in (hidden["sourcedId"], hidden["email"], hidden["familyName"]):
        _, output = invoke("why", query, "--db", str(db), "--json")
        matches = json.dumps(json.loads(output)["matches"])
        assert hidden["email"] not in matches
        assert hidden["sourcedId"] not in matches


def test_export_csv_has_the_contract_columns(demo, tmp_path):
    db, bundle = demo
    target = tmp_path / "validation.csv"
    result = runner.invoke(app, ["export", "--db", str(db), "-o", str(target)])
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
        rows = list(reader)
    anna = [r for r in rows if r["key"] == bundle.anna_id]
    assert [(r["status"], r["code"], r["root_code"], r["root_key"]) for r in anna] == [
        (
            "skipped",
            "STUDENT_NO_CLASS",
            "GROUP_NOT_EXPORTED",
            bundle.planted["GROUP_NOT_EXPORTED"][0],
        )
    ]
    assert anna[0]["source_ref"].startswith("users.csv:")
    her_memberships = [
        r for r in rows if r["kind"] == "membership" and r["name"] == "Anna Svensson"
    ]
    assert her_memberships and all(r["root_code"] == "GROUP_NOT_EXPORTED" for r in her_memberships)
    assert all(r["school"] == "Centralskolan" for r in her_memberships)
    clean = [r for r in rows if r["kind"] == "school"]
    assert clean and all(r["code"] == "" and r["status"] == "imported" for r in clean)


def test_export_jsonl_filtered_by_code(demo, tmp_path):
    db, _ = demo
    target = tmp_path / "f.jsonl"
    result = runner.invoke(
        app, ["export", "--db", str(db), "--code", "PERSON_INVALID_EMAIL", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2
    assert {r["code"] for r in rows} == {"PERSON_INVALID_EMAIL"}
    assert {r["email"] for r in rows} == {"erik.lund@edu", "sara..berg@edu.sjostad.se"}


def test_export_lists_what_changed_since_the_last_good_night(demo_db, tmp_path):
    """The admin's "what changed last night?": a good night's removed records, and only them."""
    with Queries.open(demo_db) as q:
        night = max(
            r.id for r in q.runs() if r.state == "good" and any(s.removed for s in q.imports(r.id))
        )
        removed = sum(s.removed for s in q.imports(night))
    target = tmp_path / "removed.csv"
    args = ["export", "--db", str(demo_db), "--run", str(night), "--change", "removed"]
    result = runner.invoke(app, [*args, "-o", str(target)])
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["change"] for r in rows} == {"removed"}
    assert len({(r["kind"], r["key"]) for r in rows}) == removed
    wrong = runner.invoke(
        app, ["export", "--db", str(demo_db), "--change", "gone", "-o", str(target)]
    )
    assert wrong.exit_code == 2 and "not one of created, updated, removed, absent" in wrong.stderr


def test_a_miss_names_the_night_that_removed_her(demo_db):
    """Asked of a pupil gone longer ago than the recent nights `why` lists: the miss names the
    night she went and the last night that imported her, not "last seen … absent" of the
    night she was already gone. (Within the recent nights, the gone list answers: tested with
    search.)"""
    conn = sqlite3.connect(demo_db)
    run_id, previous, key = conn.execute(
        "SELECT r.run_id, runs.previous_run, r.key FROM records r JOIN runs ON runs.id = r.run_id "
        "WHERE r.kind = 'person' AND r.status = 'absent' AND runs.state = 'good' "
        "AND NOT EXISTS (SELECT 1 FROM records l WHERE l.kind = 'person' AND l.key = r.key "
        "AND l.last_run > r.run_id) LIMIT 1"
    ).fetchone()
    conn.close()
    with Queries.open(demo_db) as q:
        latest = q.run(12)
        said = render.miss_text(key, latest, q.last_sighting(key, latest.id)).plain
    said = " ".join(said.split())
    assert f"Gone from the source since run {run_id} " in said
    assert f"last imported in run {previous}." in said
    assert "absent" not in said


def test_rules_prints_the_whole_catalogue():
    code, output = invoke("rules")
    assert code == 0
    for rule_code in RULES:
        assert rule_code in output


def test_demo_builds_and_prints_status(tmp_path):
    db = tmp_path / "d.db"
    result = runner.invoke(app, ["demo", "--db", str(db), "--people", "500", "--nights", "6"])
    assert result.exit_code == 0, result.output
    assert "Run 6 GOOD" in result.stdout
    nights = [line for line in result.stderr.splitlines() if "  run " in line]
    assert len(nights) == 6
    assert any(" held " in line and "truncated" in line for line in nights)
    assert "rostertui why 'Anna Svensson'" in result.stdout
    assert db.exists()


def test_commands_without_a_database_say_so(tmp_path):
    result = runner.invoke(app, ["status", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "no database here yet" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_export_xlsx_is_a_validation_file_a_real_reader_opens(demo, tmp_path):
    from openpyxl import load_workbook

    db, bundle = demo
    target = tmp_path / "validation.xlsx"
    result = runner.invoke(app, ["export", "--db", str(db), "-o", str(target)])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(target, read_only=True)
    assert workbook.sheetnames[:4] == ["Schools", "Users", "Groups", "Memberships"]
    users = list(workbook["Users"].iter_rows(values_only=True))
    assert users[0] == EXPORT_COLUMNS
    anna = [dict(zip(users[0], row, strict=True)) for row in users if row[2] == bundle.anna_id]
    assert [(a["status"], a["code"], a["root_code"]) for a in anna] == [
        ("skipped", "STUDENT_NO_CLASS", "GROUP_NOT_EXPORTED")
    ]
    assert anna[0]["run_id"] == 1


def test_open_without_a_terminal_prints_the_status(demo):
    db, _ = demo
    result = runner.invoke(app, ["open", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "no terminal to open the console in" in result.stderr
    assert "Run 1 GOOD" in result.stdout


def test_serve_puts_the_console_in_a_browser_on_this_machine_only(demo):
    db, _ = demo
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "rostertui", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = None
        deadline = time.monotonic() + 30
        while page is None and time.monotonic() < deadline:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert page is not None and page.status_code == 200
        assert "textual.js" in page.text  # the page that runs `rostertui open` per visitor
        outside = [a for a in _addresses() if not a.startswith("127.")]
        for address in outside:  # bound to 127.0.0.1: other interfaces refuse
            with pytest.raises(httpx.TransportError):
                httpx.get(f"http://{address}:{port}/", timeout=2)
    finally:
        server.terminate()
        server.wait(timeout=10)
    if not outside:
        pytest.skip("served on 127.0.0.1, but this machine has no other address to try")


def _addresses() -> list[str]:
    """This machine's IPv4 addresses, as a visitor from the network would use them."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            return [sock.getsockname()[0]]
        except OSError:
            return []


def flat(text: str) -> str:
    return " ".join(text.split())


def test_rules_code_prints_that_one_rule():
    code, output = invoke("rules", "STUDENT_NO_CLASS")
    assert code == 0
    entry = RULES["STUDENT_NO_CLASS"]
    for part in (entry.code, entry.title, entry.severity_text, f"fix owner: {entry.owner}"):
        assert part in output
    assert flat(entry.explanation) in flat(output) and flat(entry.fix) in flat(output)
    assert "TEACHER_NO_GROUP" not in output
    assert invoke("rules", "student_no_class") == (code, output)


def test_an_unknown_rule_code_is_one_line_with_near_matches():
    result = runner.invoke(app, ["rules", "STUDENT_NO_CLAS"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "rostertui: no rule 'STUDENT_NO_CLAS'; did you mean STUDENT_NO_CLASS?"
    ]
    result = runner.invoke(app, ["rules", "NOTHING_LIKE_IT"])
    assert result.exit_code == 2 and "`rostertui rules` lists them all" in result.stderr


@pytest.mark.parametrize("columns", ["80", "200"])
def test_rules_piped_at_any_width_cut_nothing(columns):
    """Each rule a block that wraps: no cell cut to a word a line or an ellipsis."""
    result = runner.invoke(app, ["rules"], env={"COLUMNS": columns})
    assert result.exit_code == 0
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= int(columns)
    for entry in RULES.values():
        for text in (entry.title, entry.condition, entry.explanation, entry.fix):
            assert flat(text) in flat(result.stdout)
