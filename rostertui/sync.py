"""Source → evaluate → store: the one place the three meet.

A run that cannot read its source, or whose policy is wrong, is still recorded (as failed, with
the reason), so the admin checking last night sees the failure instead of silence.
"""

from __future__ import annotations

import dataclasses
import gc
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlite_utils

from rostertui.domain.evaluate import evaluate
from rostertui.domain.model import SourceError
from rostertui.domain.policy import Policy, PolicyError, load_policy
from rostertui.sources import read_source, without_userinfo
from rostertui.store import runs
from rostertui.store.database import open_writer
from rostertui.store.errors import StoreError, is_damage, sqlite_error_line
from rostertui.store.key import Hasher, hasher_of, writing_key
from rostertui.store.lock import writer_lock
from rostertui.store.retention import PruneResult, prune
from rostertui.store.schema import checkpoint_in_background, defer_checkpoints


@dataclass(frozen=True, slots=True)
class SyncResult:
    run_id: int
    state: str  # good, held or failed
    error: str | None = None
    warning: str | None = None  # the night is recorded, but something after it did not finish


_LIKELY = {
    signal.SIGTERM: "a timeout or a shutdown?",
    signal.SIGHUP: "its terminal closed?",
    signal.SIGINT: "Ctrl-C",
}


class Stopped(BaseException):
    """A signal (SIGTERM from systemd or cron's timeout, SIGHUP from a closed terminal, SIGINT)
    stops the sync: the night is recorded as failed, naming it, and the lock let go."""

    def __init__(self, signum: int) -> None:
        name = signal.Signals(signum).name
        super().__init__(f"{name} ({_LIKELY[signum]})" if signum in _LIKELY else name)
        self.signum = signum


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """Turn SIGTERM, SIGHUP and SIGINT into `Stopped` for the duration (main thread only)."""

    def stop(signum: int, _frame: object) -> None:
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in _LIKELY}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def sync(
    db_path: Path,
    source: str,
    *,
    policy_path: Path | None = None,
    as_of: date | None = None,
    progress: runs.Progress | None = None,
    credentials_path: Path | None = None,
    new_key: bool = False,
) -> SyncResult:
    with _writing(db_path, "sync", "write the night") as db:
        hasher = hasher_of(writing_key(db_path, db, new_key=new_key))
        return _night(db, db_path, source, policy_path, as_of, progress, credentials_path, hasher)


def prune_runs(db_path: Path, keep: int) -> PruneResult:
    """Shrink runs older than the newest `keep` to summaries, findings and changes."""
    with _writing(db_path, "prune", "prune") as db:
        return prune(db, keep)


def accept_held(db_path: Path, run_id: int) -> None:
    """Apply a held run after a human has looked: it becomes the latest good run."""
    with _writing(db_path, "accept-held", "accept the run") as db:
        runs.accept_held(db, run_id)


@contextmanager
def _writing(db_path: Path, what: str, doing: str) -> Iterator[sqlite_utils.Database]:
    """The writer lock held for `what`, the database open for writing, and an SQLite failure
    while `doing` turned into its one line."""
    with writer_lock(db_path, what):
        db = open_writer(db_path)
        try:
            yield db
        except sqlite3.Error as exc:
            raise StoreError(sqlite_error_line(db_path, exc, doing)) from exc
        finally:
            db.close()


def _night(
    db: sqlite_utils.Database,
    db_path: Path,
    source: str,
    policy_path: Path | None,
    as_of: date | None,
    progress: runs.Progress | None,
    credentials_path: Path | None,
    hasher: Hasher,
) -> SyncResult:
    defer_checkpoints(db)
    known = runs.known_persons(db)  # read before the night writes: a damaged page refuses here
    runs.close_interrupted(db)
    try:
        policy: Policy | None = load_policy(policy_path)
        policy_error = None
    except PolicyError as exc:
        policy, policy_error = None, str(exc)
    night = as_of or (policy.as_of if policy else None) or date.today()
    settings = dataclasses.asdict(policy) if policy else {}
    run_id = runs.begin_run(db, without_userinfo(source), night.isoformat(), settings)
    if policy is None:
        runs.fail_run(db, run_id, "POLICY_INVALID", policy_error or "invalid policy")
        return SyncResult(run_id, "failed", policy_error)
    gc.disable()  # a million long-lived records and no cycles: the collector only costs time
    try:
        roster = read_source(source, policy, credentials_path)
        empty = [f for f in roster.file_findings if f.code == "SOURCE_FILE_EMPTY"]
        if empty and runs.latest_good_run(db) is None:
            raise SourceError(
                "SOURCE_UNREADABLE",
                f"{empty[0].message}; on a first night that is not a roster",
                empty[0].ref,
            )
        if as_of is None and policy.as_of is None and roster.as_of_hint:
            night = roster.as_of_hint
        evaluation = evaluate(roster, policy, night, hasher, known)
        night_to_write = runs.RunToWrite(
            run_id,
            evaluation,
            roster.format,
            roster.headers,
            roster.delta_kinds,
            hasher,
            policy.mass_removal_threshold,
        )
        state, reason = runs.write_run(db, night_to_write, progress)
        # ~6 M objects freed while the checkpoint writes the night out
        del roster, evaluation, night_to_write
    except SourceError as exc:
        runs.fail_run(db, run_id, exc.code, exc.message, exc.ref)
        return SyncResult(run_id, "failed", exc.message)
    except sqlite3.Error as exc:
        _record_store_failure(db, run_id, exc)
        raise
    except Stopped as exc:
        _stopped(db, run_id, f"the sync was stopped by {exc}")
        raise
    except KeyboardInterrupt:
        _stopped(db, run_id, "the sync was interrupted (Ctrl-C)")
        raise
    except BaseException as exc:
        _stopped(db, run_id, f"the sync stopped: {exc!r}")
        raise
    finally:
        gc.enable()
    return SyncResult(run_id, state, reason, _after_night(db, db_path, state, policy))


def _after_night(db, db_path: Path, state: str, policy: Policy) -> str | None:
    """Prune and checkpoint: the night is committed; a failure here is a warning about the
    file, never a failed night."""
    checkpoint = checkpoint_in_background(db_path)
    problem = None
    try:
        if state == "good":
            prune(db, policy.keep_runs)
    except sqlite3.Error as exc:
        db.conn.rollback()
        problem = sqlite_error_line(db_path, exc, "prune old nights")
    checkpoint.join()
    if checkpoint.error is not None:
        problem = sqlite_error_line(
            db_path, checkpoint.error, "copy the night from the -wal file into the database"
        )
    return problem and f"the night is recorded, but {problem}"


def _record_store_failure(db, run_id: int, exc: sqlite3.Error) -> None:
    """A damaged file gets nothing more (the run row goes again if it can); a full disk or a
    read-only file gets the failure recorded if there is still room, else the run stays
    "running" and reads as interrupted."""
    with suppress(sqlite3.Error):
        if is_damage(exc):
            db.conn.rollback()
            with db.conn:
                db.execute("DELETE FROM runs WHERE id = ?", [run_id])
        else:
            runs.fail_run(
                db, run_id, "SOURCE_UNREADABLE", f"the database could not be written: {exc}"
            )


def _stopped(db, run_id: int, why: str) -> None:
    with suppress(sqlite3.Error):  # else the run stays "running" and reads as interrupted
        runs.fail_run(db, run_id, "SOURCE_UNREADABLE", why)
