"""Source → evaluate → store: the one place the three meet.

A run that cannot read its source, or whose policy is wrong, is still recorded (as failed, with
the reason), so the admin checking last night sees the failure instead of silence.
"""

from __future__ import annotations

import dataclasses
import gc
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rostertui.domain.evaluate import evaluate
from rostertui.domain.model import SourceError
from rostertui.domain.policy import Policy, PolicyError, load_policy
from rostertui.sources import read_source, without_userinfo
from rostertui.store import runs
from rostertui.store.lock import writer_lock
from rostertui.store.retention import PruneResult, prune
from rostertui.store.schema import (
    checkpoint_in_background,
    connect,
    defer_checkpoints,
    keyed_hasher,
)


@dataclass(frozen=True, slots=True)
class SyncResult:
    run_id: int
    state: str  # good, held or failed
    error: str | None = None


def sync(
    db_path: Path,
    source: str,
    *,
    policy_path: Path | None = None,
    as_of: date | None = None,
    progress: runs.Progress | None = None,
    credentials_path: Path | None = None,
) -> SyncResult:
    with writer_lock(db_path):
        return _locked_sync(db_path, source, policy_path, as_of, progress, credentials_path)


def prune_runs(db_path: Path, keep: int) -> PruneResult:
    """Shrink runs older than the newest `keep` to summaries, findings and changes."""
    with writer_lock(db_path):
        db = connect(db_path)
        try:
            return prune(db, keep)
        finally:
            db.close()


def accept_held(db_path: Path, run_id: int) -> None:
    """Apply a held run after a human has looked: it becomes the latest good run."""
    with writer_lock(db_path):
        db = connect(db_path)
        try:
            runs.accept_held(db, run_id)
        finally:
            db.close()


def _locked_sync(
    db_path: Path,
    source: str,
    policy_path: Path | None,
    as_of: date | None,
    progress: runs.Progress | None,
    credentials_path: Path | None = None,
) -> SyncResult:
    db = connect(db_path)
    defer_checkpoints(db)
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
        hasher = keyed_hasher(db)
        evaluation = evaluate(roster, policy, night, hasher, runs.known_persons(db))
        state, reason = runs.write_run(
            db,
            run_id,
            evaluation,
            roster.format,
            roster.headers,
            roster.delta_kinds,
            hasher,
            policy.mass_removal_threshold,
            progress,
        )
        checkpoint = checkpoint_in_background(db_path)
        if state == "good":
            prune(db, policy.keep_runs)
        del roster, evaluation  # ~6 M objects freed while the checkpoint writes the night out
        checkpoint.join()
    except SourceError as exc:
        runs.fail_run(db, run_id, exc.code, exc.message, exc.ref)
        return SyncResult(run_id, "failed", exc.message)
    except BaseException as exc:
        runs.fail_run(db, run_id, "SOURCE_UNREADABLE", f"the sync stopped: {exc!r}")
        raise
    finally:
        gc.enable()
        db.close()
    return SyncResult(run_id, state, reason)
