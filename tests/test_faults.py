"""An operator's bad night, through the real command line in its own process: foreign, empty and
damaged files, read-only folders, a full disk, kill -9 and signals, a second writer through a
symlink, and a copy of the database without its key. Each must give one line (never a
traceback), leave what it must not touch byte-identical, and let the next sync work.

Read-only folders and full disks are made for real: a read-only bind mount or a small tmpfs in a
private mount namespace (`unshare`); without one, chmod (not as root) and RLIMIT_FSIZE.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest

from rostertui.demo import write_demo_bundle
from rostertui.store.lock import lock_path, writer_lock
from rostertui.sync import sync

AS_OF = date(2026, 11, 22)


# -- running rostertui as an operator does -----------------------------------------------------


def cli(*args: str | Path, cwd: Path | None = None, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rostertui", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        **options,
    )


def one_line(result: subprocess.CompletedProcess, exit_code: int = 1) -> str:
    """The failure a person sees: exactly one line on stderr, the exit code, no traceback."""
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file in the folder and its content hash: what "left byte-identical" compares."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "other"
        for p in sorted(folder.iterdir())
    }


def namespace() -> list[str] | None:
    """A private mount namespace, as root (`unshare -m`) or as anyone (`unshare -rm`)."""
    if not shutil.which("unshare"):
        return None
    prefix = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def in_namespace(prefix: list[str], *steps: str | list[str | Path]) -> list[tuple[int, str]]:
    """Run the steps in one private mount namespace: a string is a shell step (a mount), a list
    is a rostertui command, whose exit code and stderr come back."""
    lines = []
    for step in steps:
        if isinstance(step, str):
            lines.append(f"{step} || exit 99")
        else:
            command = " ".join(map(_quote, [sys.executable, "-m", "rostertui", *step]))
            lines.append(f"echo '== begin'; {command} 2>&1 >/dev/null; echo \"== rc $?\"")
    done = subprocess.run([*prefix, "sh", "-c", "\n".join(lines)], capture_output=True, text=True)
    assert done.returncode == 0, (done.stdout, done.stderr)
    results = []
    for part in done.stdout.split("== begin\n")[1:]:
        text, code = part.rsplit("== rc ", 1)
        results.append((int(code), text))
    return results


def _quote(part: str | Path) -> str:
    return "'" + str(part).replace("'", "'\\''") + "'"


# -- a database with one good night ------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("faults")
    bundle = write_demo_bundle(folder / "bundle", as_of=AS_OF, people=600)
    db = folder / "db" / "r.db"
    db.parent.mkdir()
    result = sync(db, str(bundle.folder), policy_path=bundle.policy_path, as_of=AS_OF)
    assert result.state == "good"
    return db, bundle.folder


@pytest.fixture
def night(template, tmp_path) -> tuple[Path, Path]:
    """A copy of the one-night database (with its key file) and the source bundle."""
    db, bundle = template
    folder = tmp_path / "db"
    folder.mkdir()
    for suffix in ("", ".key"):
        shutil.copy2(f"{db}{suffix}", folder / f"r.db{suffix}")
    return folder / "r.db", bundle


def sync_args(db: Path, bundle: Path, as_of: str = "2026-11-23") -> list[str | Path]:
    return ["sync", bundle, "--db", db, "--policy", bundle / "policy.toml", "--as-of", as_of]


# -- files that are not rostertui databases ----------------------------------------------------


def _foreign(path: Path, wal: bool = False) -> None:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()


def _zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("users.csv", "sourcedId\n")


def _other_application(path: Path) -> None:
    _foreign(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234")
    conn.commit()
    conn.close()


BAD_FILES = {
    "empty": (lambda p: p.write_bytes(b""), "empty, not a rostertui database"),
    "text": (lambda p: p.write_text("hello\n"), "not an SQLite file (it is text)"),
    "zip": (_zip, "not an SQLite file (a zip file)"),
    "binary": (lambda p: p.write_bytes(bytes(range(255, -1, -1)) * 4), "(binary data)"),
    "foreign": (_foreign, "another program's SQLite database (tables: notes)"),
    "foreign-wal": (lambda p: _foreign(p, wal=True), "another program's SQLite database"),
    "other-app": (_other_application, "another program's SQLite database (application id"),
    "header-only": (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 40), "damaged"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
@pytest.mark.parametrize("command", ["status", "why", "export", "open"])
def test_a_read_command_refuses_a_file_that_is_not_ours_and_leaves_it_as_it_was(
    tmp_path, case, command
):
    make, said = BAD_FILES[case]
    db = tmp_path / "r.db"
    make(db)
    before = fingerprint(tmp_path)
    args = {
        "status": ["status"],
        "why": ["why", "Anna"],
        "export": ["export", "-o", tmp_path / "out.csv"],
        "open": ["open"],
    }[command]
    line = one_line(cli(*args, "--db", db))
    assert said in line and str(db) in line
    assert fingerprint(tmp_path) == before  # no -wal, -shm, tables, or half export


@pytest.mark.parametrize("case", ["text", "zip", "foreign", "foreign-wal", "other-app"])
def test_sync_refuses_another_programs_file_and_writes_nothing(tmp_path, template, case):
    make, said = BAD_FILES[case]
    db = tmp_path / "r.db"
    make(db)
    before = fingerprint(tmp_path)
    line = one_line(cli(*sync_args(db, template[1])))
    assert said in line and "rostertui writes only to its own database" in line
    assert fingerprint(tmp_path) == before


def test_sync_makes_its_database_in_an_empty_file(tmp_path, template):
    db = tmp_path / "r.db"
    db.touch()
    assert cli(*sync_args(db, template[1])).returncode == 0
    assert cli("status", "--db", db).returncode == 0
    assert (tmp_path / "r.db.key").stat().st_mode & 0o777 == 0o600


def test_a_folder_and_a_fifo_are_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "pipe.db")  # reading it would wait forever
    (tmp_path / "dir.db").mkdir()
    assert "not a regular file" in one_line(cli("status", "--db", tmp_path / "pipe.db"))
    assert "not a regular file" in one_line(cli("why", "x", "--db", tmp_path / "dir.db"))


def test_a_database_from_a_newer_rostertui_is_refused(night):
    db, bundle = night
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = fingerprint(db.parent)
    assert "newer than this rostertui knows" in one_line(cli("status", "--db", db))
    assert "upgrade rostertui" in one_line(cli(*sync_args(db, bundle)))
    assert fingerprint(db.parent) == before


# -- a damaged database ------------------------------------------------------------------------


def _damage(db: Path, how: str) -> None:
    size = db.stat().st_size
    with db.open("r+b") as handle:
        if how == "truncated":
            handle.truncate(size // 3)
        elif how == "pages":  # garbage in the middle of many pages, the header intact
            for offset in range(3 * 16384, size, 5 * 16384):
                handle.seek(offset + 200)
                handle.write(bytes((offset + i) % 251 for i in range(3000)))
        else:  # the header's page size
            handle.seek(16)
            handle.write(b"\x00\x07")


@pytest.mark.parametrize("how", ["truncated", "pages", "header"])
def test_a_damaged_database_gives_one_line_to_every_command_and_gets_no_new_run(night, how):
    db, bundle = night
    _damage(db, how)
    before = fingerprint(db.parent)
    for args in (["status"], ["why", "Anna"]):  # they may not touch a damaged page at all
        result = cli(*args, "--db", db)
        if result.returncode != 0 or result.stderr:
            assert "damaged" in one_line(result, exit_code=result.returncode)
    assert "damaged" in one_line(cli("export", "-o", db.parent / "x.jsonl", "--db", db))
    assert not (db.parent / "x.jsonl").exists()  # never a short export that looks whole
    line = one_line(cli(*sync_args(db, bundle)))
    assert "damaged" in line
    after = fingerprint(db.parent)
    for name in ("r.db", "r.db.key"):
        assert after[name] == before[name]  # no run, not even a failed one, was written
    assert not any(name.endswith("-wal") and (db.parent / name).stat().st_size for name in after)


# -- read-only files and folders ---------------------------------------------------------------


def test_a_read_only_folder_is_read_and_a_sync_there_says_why_it_cannot(night):
    db, bundle = night
    before = fingerprint(db.parent)
    prefix = namespace()
    commands = [
        ["status", "--db", db],
        ["why", "Anna", "--db", db],
        ["export", "-o", db.parent.parent / "out.csv", "--db", db],
        sync_args(db, bundle),
    ]
    if os.geteuid() == 0:
        if prefix is None:
            pytest.skip("root ignores chmod and no mount namespace is available here")
        folder = _quote(db.parent)
        setup = f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder}"
        codes, outputs = zip(*in_namespace(prefix, setup, *commands), strict=True)
    else:
        db.parent.chmod(0o555)
        try:
            done = [cli(*c) for c in commands]
        finally:
            db.parent.chmod(0o755)
        codes, outputs = [d.returncode for d in done], [d.stderr for d in done]
    assert list(codes) == [0, 0, 0, 1], outputs
    assert "Traceback" not in "".join(outputs)
    assert "read-only" in outputs[3] and outputs[3].count("\n") == 1
    assert (db.parent.parent / "out.csv").stat().st_size > 10_000  # the whole night exported
    assert fingerprint(db.parent) == before


# -- a full disk -------------------------------------------------------------------------------


def test_a_full_disk_gives_one_line_and_the_next_sync_works_once_there_is_room(night):
    db, bundle = night
    prefix = namespace()
    if prefix is None:
        pytest.skip("no mount namespace for a small tmpfs here (see the RLIMIT_FSIZE test)")
    small = db.parent.parent / "small"
    small.mkdir()
    target = small / "r.db"
    results = in_namespace(
        prefix,
        f"mount -t tmpfs -o size=700k tmpfs {_quote(small)}",
        sync_args(target, bundle, "2026-11-22"),  # the night does not fit
        ["status", "--db", target, "--fail-on", "error"],
        f"mount -o remount,size=64m {_quote(small)}",  # room again
        sync_args(target, bundle, "2026-11-22"),
        ["status", "--db", target],
    )
    (full, said), (monitored, _), (again, _), (fine, _) = results
    assert full == 1 and said.count("\n") == 1 and "Traceback" not in said, said
    assert f"{target}: cannot write the night: the disk is full" in said
    assert monitored == 1  # the failed night fails monitoring
    assert again == 0 and fine == 0, results  # status without --fail-on: the demo has errors


def test_a_file_size_limit_mid_night_gives_one_line_and_keeps_the_good_night(night):
    """RLIMIT_FSIZE: the same failure without mounts (SQLite reports it as an I/O error)."""
    db, bundle = night

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = 100_000  # no file may grow past it: not the -wal, not the database
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    line = one_line(
        subprocess.run(
            [sys.executable, "-m", "rostertui", *map(str, sync_args(db, bundle))],
            capture_output=True,
            text=True,
            preexec_fn=limited,
            timeout=300,
        )
    )
    assert str(db) in line and ("disk" in line or "I/O error" in line)
    status = cli("status", "--db", db, "--json")
    assert status.returncode == 0 and '"latest_good_run": 1' in status.stdout
    assert cli(*sync_args(db, bundle)).returncode == 0  # the cause is gone: the night lands


# -- dead nights: kill -9 and signals ----------------------------------------------------------


@pytest.fixture(scope="module")
def big_bundle(tmp_path_factory) -> Path:
    """Large enough that a sync is still busy a second after it starts."""
    folder = tmp_path_factory.mktemp("big")
    return write_demo_bundle(folder / "bundle", as_of=AS_OF, people=20_000).folder


def _start_sync(db: Path, bundle: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "rostertui", *map(str, sync_args(db, bundle))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not lock_path(db).exists() or not _running_row(db):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    return process


def _running_row(db: Path) -> bool:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return bool(conn.execute("SELECT 1 FROM runs WHERE state = 'running'").fetchone())
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def test_a_killed_sync_reads_as_interrupted_and_fails_monitoring(night, big_bundle):
    db, bundle = night
    process = _start_sync(db, big_bundle)
    process.kill()
    process.wait()
    status = cli("status", "--db", db)
    assert "INTERRUPTED" in status.stdout and "Latest good run: 1" in status.stdout
    assert '"state": "interrupted"' in cli("status", "--db", db, "--json").stdout
    assert cli("status", "--db", db, "--fail-on", "error").returncode == 1
    assert cli("status", "--db", db, "--fail-on", "warning").returncode == 1
    with writer_lock(db, "prune"):  # a prune holding the lock writes no night
        assert "INTERRUPTED" in cli("status", "--db", db).stdout
    night_after = cli(*sync_args(db, bundle, "2026-11-24"))
    assert night_after.returncode == 0, night_after.stderr  # no cleanup needed


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_stops_the_sync_like_ctrl_c(night, big_bundle, sig):
    db, bundle = night
    process = _start_sync(db, big_bundle)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + sig, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    status = cli("status", "--db", db, "--json").stdout
    assert '"state": "failed"' in status
    assert f"stopped by {sig.name}" in status
    assert cli("status", "--db", db, "--fail-on", "error").returncode == 1
    assert not lock_path(db).exists()  # let go, and no stale file naming a dead process
    assert cli(*sync_args(db, bundle, "2026-11-24")).returncode == 0


def test_a_held_night_fails_monitoring(night, tmp_path):
    db, bundle = night
    cut = tmp_path / "cut"
    shutil.copytree(bundle, cut)
    users = (cut / "users.csv").read_text().splitlines(keepends=True)
    (cut / "users.csv").write_text("".join(users[: len(users) // 2]))
    assert cli(*sync_args(db, cut)).returncode == 3
    assert cli("status", "--db", db, "--fail-on", "error").returncode == 1


# -- one writer per file -----------------------------------------------------------------------


def test_a_second_sync_through_a_symlink_is_refused_and_names_the_holder(night):
    db, bundle = night
    link = db.parent.parent / "elsewhere.db"
    link.symlink_to(db)
    with writer_lock(db, "prune"):
        line = one_line(cli(*sync_args(link, bundle)))
    assert "a prune (pid" in line and "is writing to this database" in line
    with writer_lock(link, "sync"):
        assert "a sync (pid" in one_line(cli("prune", "--db", db))
    assert cli(*sync_args(link, bundle)).returncode == 0  # free again: it runs
    assert not lock_path(db).exists()


# -- the hash key lives outside the database ---------------------------------------------------


def test_a_copy_of_the_database_alone_cannot_map_a_protected_key_back_to_an_id(night):
    db, bundle = night
    with (bundle / "users.csv").open(encoding="utf-8") as users:
        marked = [u["sourcedId"] for u in csv.DictReader(users) if u["metadata.securityMarking"]]
    key = (db.parent / "r.db.key").read_text().strip()
    conn = sqlite3.connect(db)
    protected = [k for (k,) in conn.execute("SELECT key FROM records WHERE key LIKE 'protected:%'")]
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    conn.close()
    assert "secret" not in meta and protected
    stored = db.read_bytes()
    assert key.encode() not in stored and bytes.fromhex(key) not in stored
    for person_id in marked:
        ours = hmac.new(bytes.fromhex(key), person_id.encode(), "sha256").hexdigest()
        assert f"protected:{ours[:12]}" in protected  # with the key, her id maps to her key …
        for candidate in meta.values():  # … with anything found in the file, it does not
            guess = hmac.new(candidate.encode(), person_id.encode(), "sha256").hexdigest()
            assert f"protected:{guess[:12]}" not in protected


def test_a_database_from_before_moves_its_key_out_on_the_next_sync(night):
    db, bundle = night
    key = (db.parent / "r.db.key").read_text().strip()
    conn = sqlite3.connect(db)  # as an older rostertui kept it: in the file
    conn.execute("INSERT INTO meta (key, value) VALUES ('secret', ?)", [key])
    conn.execute("DELETE FROM meta WHERE key = 'key_check'")
    conn.commit()
    conn.close()
    (db.parent / "r.db.key").unlink()
    assert cli(*sync_args(db, bundle)).returncode == 0
    assert (db.parent / "r.db.key").read_text().strip() == key
    assert (db.parent / "r.db.key").stat().st_mode & 0o777 == 0o600
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone() is None
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert key.encode() not in db.read_bytes()  # wiped, not just unlinked from the table


def test_a_lost_key_stops_the_sync_until_restored_or_renewed(night):
    db, bundle = night
    key_file = db.parent / "r.db.key"
    saved = key_file.read_text()
    key_file.unlink()
    line = one_line(cli(*sync_args(db, bundle)))
    assert "key file is missing" in line and "--new-key" in line
    assert cli("status", "--db", db).returncode == 0  # reading works without it
    key_file.write_text("00" * 32)
    key_file.chmod(0o600)
    assert "is not this database's key" in one_line(cli(*sync_args(db, bundle)))
    key_file.chmod(0o644)
    assert "chmod 600" in one_line(cli(*sync_args(db, bundle)))
    key_file.write_text(saved)
    key_file.chmod(0o600)
    assert cli(*sync_args(db, bundle)).returncode == 0


def test_a_symlink_loop_and_a_missing_folder_are_one_line(tmp_path, template):
    (tmp_path / "a.db").symlink_to(tmp_path / "b.db")
    (tmp_path / "b.db").symlink_to(tmp_path / "a.db")
    assert "cannot be followed to a file" in one_line(
        cli(*sync_args(tmp_path / "a.db", template[1]))
    )
    assert "no database here yet" in one_line(cli("status", "--db", tmp_path / "a.db"))
    missing = tmp_path / "nowhere" / "r.db"
    said = one_line(cli(*sync_args(missing, template[1])))
    assert f"the folder {missing.parent} does not exist" in said
