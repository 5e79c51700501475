"""Every bad input of the sync issue: one clear line, exit 1, and the last good run untouched."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rostertui.cli import app
from rostertui.sources import files
from rostertui.store.lock import writer_lock
from rostertui.store.queries import Queries
from tests.oneroster_builder import clean_roster

runner = CliRunner()
AS_OF = "2026-11-22"


@pytest.fixture
def good(tmp_path: Path) -> tuple[Path, Path, int]:
    """A database holding one good run of a clean OneRoster 1.1 bundle, and that bundle."""
    folder = clean_roster().write(tmp_path / "bundle")
    db = tmp_path / "r.db"
    result = runner.invoke(app, ["sync", str(folder), "--db", str(db), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    return db, folder, 1


def sync_fails(db: Path, source: Path | str, *extra: str) -> str:
    """Run a sync that must fail; return its one line of error."""
    result = runner.invoke(app, ["sync", str(source), "--db", str(db), "--as-of", AS_OF, *extra])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def assert_good_run_untouched(db: Path, good_run: int, reason: str) -> None:
    with Queries.open(db) as q:
        assert q.latest_good_run_id() == good_run
        latest = q.latest_run()
        assert latest.state == "failed"
        assert reason in (latest.error or "")
        persons = q.rows(good_run, kind="person")
        assert [p.status for p in persons] == ["imported"] * 3  # the good run is all there


def rewrite(folder: Path, name: str, text: str, encoding: str = "utf-8") -> None:
    (folder / name).write_bytes(text.encode(encoding))


def test_missing_path(good, tmp_path):
    db, _, run = good
    line = sync_fails(db, tmp_path / "nowhere")
    assert "nowhere: no such file or folder" in line
    assert_good_run_untouched(db, run, "no such file or folder")


def test_folder_with_no_roster(good, tmp_path):
    db, _, run = good
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("nothing here")
    line = sync_fails(db, empty)
    assert "no OneRoster files here" in line
    assert_good_run_untouched(db, run, "no OneRoster files")


def test_zip_that_is_not_a_zip(good, tmp_path):
    db, _, run = good
    fake = tmp_path / "roster.zip"
    fake.write_text("sourcedId,name\n")
    line = sync_fails(db, fake)
    assert "roster.zip: not a zip archive" in line
    assert_good_run_untouched(db, run, "not a zip archive")


def test_zip_member_outside_the_bundle(good, tmp_path):
    db, folder, run = good
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, path.name)
        archive.writestr("../x.csv", "sourcedId\n")
    line = sync_fails(db, evil)
    assert "'../x.csv' points outside the bundle" in line
    assert not (tmp_path / "x.csv").exists()
    assert_good_run_untouched(db, run, "points outside")


def _users_with_header(folder: Path, old: str, new: str) -> None:
    text = (folder / "users.csv").read_text()
    header, rest = text.split("\n", 1)
    rewrite(folder, "users.csv", header.replace(old, new) + "\n" + rest)


def test_missing_required_column(good):
    db, folder, run = good
    _users_with_header(folder, ",givenName,", ",")
    text = (folder / "users.csv").read_text().splitlines()
    rewrite(folder, "users.csv", "\n".join(text[:1]) + "\n")
    line = sync_fails(db, folder)
    assert "users.csv:1: required column 'givenName' is missing" in line
    assert_good_run_untouched(db, run, "givenName")


def test_misspelled_header(good):
    db, folder, run = good
    _users_with_header(folder, "givenName", "givenNmae")
    line = sync_fails(db, folder)
    assert "users.csv:1, column 9: header 'givenNmae' is not a OneRoster column" in line
    assert "did you mean 'givenName'?" in line
    assert_good_run_untouched(db, run, "givenNmae")


def test_empty_file(good):
    db, folder, run = good
    rewrite(folder, "classes.csv", "")
    line = sync_fails(db, folder)
    assert "classes.csv: the file is empty (no header row)" in line
    assert_good_run_untouched(db, run, "empty")


def test_header_only_users_holds_after_a_good_night(good):
    """An empty users file after a good night is a truncated export: hold, remove nobody."""
    db, folder, run = good
    header = (folder / "users.csv").read_text().splitlines()[0]
    rewrite(folder, "users.csv", header + "\n")
    result = runner.invoke(app, ["sync", str(folder), "--db", str(db), "--as-of", AS_OF])
    assert result.exit_code == 3, result.output
    assert "held" in result.stderr and "--accept-held 2" in result.stderr
    with Queries.open(db) as q:
        assert q.latest_good_run_id() == run
        assert q.latest_run().state == "held"
        codes = {(f[0], f[2]) for f in q.run_findings(2)}
    assert ("run", "MASS_REMOVAL_HELD") in codes and ("file", "SOURCE_FILE_EMPTY") in codes


def test_header_only_users_on_a_first_night(tmp_path):
    folder = clean_roster().write(tmp_path / "bundle")
    header = (folder / "users.csv").read_text().splitlines()[0]
    rewrite(folder, "users.csv", header + "\n")
    line = sync_fails(tmp_path / "first.db", folder)
    assert "users.csv:2: the file has a header but no rows; on a first night" in line


def test_unclosed_quote(good):
    db, folder, run = good
    lines = (folder / "users.csv").read_text().splitlines()
    lines[2] = lines[2].replace(",Anna,", ',"Anna,', 1)
    rewrite(folder, "users.csv", "\n".join(lines) + "\n")
    line = sync_fails(db, folder)
    assert "users.csv:3, column 9: unclosed quote" in line
    assert_good_run_untouched(db, run, "unclosed quote")


def test_policy_with_unknown_key(good, tmp_path):
    db, folder, run = good
    policy = tmp_path / "policy.toml"
    policy.write_text("lookahed_days = 3\n")
    line = sync_fails(db, folder, "--policy", str(policy))
    assert "unknown key 'lookahed_days'" in line
    assert "did you mean 'lookahead_days'" in line
    assert_good_run_untouched(db, run, "lookahed_days")


def test_impossible_date_skips_only_that_row(good):
    """DESIGN.md: a malformed row that still has an id is a finding on that record, not a
    failed run — the rest of the night's roster still lands."""
    db, folder, _ = good
    text = (folder / "enrollments.csv").read_text()
    rewrite(folder, "enrollments.csv", text.replace("2026-08-17", "2026-02-30", 1))
    result = runner.invoke(app, ["sync", str(folder), "--db", str(db), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    with Queries.open(db) as q:
        run = q.latest_run()
        assert run.state == "good"
        rows = list(q.export_rows(run.id, kind="membership"))
    broken = [r for r in rows if r["code"] == "SOURCE_ROW_MALFORMED"]
    assert [(r["key"], r["status"], r["source_ref"]) for r in broken] == [
        ("e1", "skipped", "enrollments.csv:2")
    ]
    assert "beginDate '2026-02-30' is not a date" in broken[0]["message"]
    assert {r["status"] for r in rows if r["key"] != "e1"} == {"imported"}


def test_cp1252_file_reads_with_a_warning(good):
    db, folder, _ = good
    text = (folder / "users.csv").read_text().replace("Erik,Berg", "Åsa,Öberg")
    rewrite(folder, "users.csv", text, encoding="cp1252")
    result = runner.invoke(app, ["sync", str(folder), "--db", str(db), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    with Queries.open(db) as q:
        run = q.latest_run()
        names = {r.name for r in q.rows(run.id, kind="person")}
        warnings = [r for r in q.export_rows(run.id, kind="file") if r["code"] == "SOURCE_ENCODING"]
    assert "Åsa Öberg" in names
    assert len(warnings) == 1 and "users.csv is not UTF-8" in warnings[0]["message"]


def test_export_to_unknown_suffix_is_a_usage_error(good, tmp_path):
    db, _, _ = good
    result = runner.invoke(app, ["export", "--db", str(db), "-o", str(tmp_path / "f.txt")])
    assert result.exit_code == 2
    assert "must end in .csv, .jsonl, .xlsx" in result.stderr
    assert not (tmp_path / "f.txt").exists()


@pytest.mark.parametrize("in_memory", [64 * 1024 * 1024, 64], ids=["in memory", "on disk"])
def test_zip_bundle_reads_like_a_folder(good, tmp_path, monkeypatch, in_memory):
    """A member is inflated into a temporary file, in memory while small: both read alike."""
    monkeypatch.setattr(files, "_IN_MEMORY", in_memory)
    db, folder, _ = good
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, f"export/{path.name}")
    (tmp_path / "nested.zip").write_bytes(packed.getvalue())
    result = runner.invoke(
        app, ["sync", str(tmp_path / "nested.zip"), "--db", str(db), "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output
    with Queries.open(db) as q:
        persons = q.rows(q.latest_run().id, kind="person")
    assert [(p.status, p.change) for p in persons] == [("imported", "unchanged")] * 3


def test_a_zip_member_with_no_room_to_inflate_fails_the_night_naming_the_folder(
    good, tmp_path, monkeypatch
):
    db, folder, _ = good
    archive_path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, path.name)
    monkeypatch.setattr(files, "_IN_MEMORY", 64)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    with Queries.open(db) as q:
        good_night = q.latest_good_run_id()
    result = runner.invoke(app, ["sync", str(archive_path), "--db", str(db), "--as-of", AS_OF])
    assert result.exit_code != 0
    assert "could not be kept in the temporary folder" in result.output
    assert "no-such-folder" in result.output and "TMPDIR" in result.output
    with Queries.open(db) as q:
        assert q.latest_good_run_id() == good_night  # the last good night stays the latest


def test_two_syncs_at_once_the_second_refuses(good):
    db, folder, run = good
    with writer_lock(db):  # a first sync is busy writing
        line = sync_fails(db, folder)
    assert "a sync (pid " in line and "is writing to this database" in line
    with Queries.open(db) as q:
        assert [r.id for r in q.runs()] == [run]  # the refused sync recorded nothing
    result = runner.invoke(app, ["sync", str(folder), "--db", str(db), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output  # once the first is done, it runs


def test_credentials_in_the_url_are_refused_and_never_stored(tmp_path):
    db = tmp_path / "r.db"
    source = "ss12000+https://admin:hunter2@registry.example/v2.1"
    result = runner.invoke(app, ["sync", source, "--db", str(db)])
    assert result.exit_code == 2
    assert "credentials never go on the command line" in result.stderr
    assert "hunter2" not in result.output
    assert not db.exists()
