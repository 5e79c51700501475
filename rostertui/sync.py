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
from rostertui.sources import read_source
from rostertui.store import runs
from rostertui.store.schema import connect, keyed_hasher


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
) -> SyncResult:
    db = connect(db_path)
    try:
        policy: Policy | None = load_policy(policy_path)
        policy_error = None
    except PolicyError as exc:
        policy, policy_error = None, str(exc)
    night = as_of or (policy.as_of if policy else None) or date.today()
    settings = dataclasses.asdict(policy) if policy else {}
    run_id = runs.begin_run(db, source, night.isoformat(), settings)
    if policy is None:
        runs.fail_run(db, run_id, "POLICY_INVALID", policy_error or "invalid policy")
        return SyncResult(run_id, "failed", policy_error)
    gc.disable()  # a million long-lived records and no cycles: the collector only costs time
    try:
        roster = read_source(source, policy)
        if as_of is None and policy.as_of is None and roster.as_of_hint:
            night = roster.as_of_hint
        hasher = keyed_hasher(db)
        evaluation = evaluate(roster, policy, night, hasher)
        runs.write_run(
            db,
            run_id,
            evaluation,
            roster.format,
            roster.headers,
            roster.delta_kinds,
            hasher,
            progress,
        )
    except SourceError as exc:
        runs.fail_run(db, run_id, exc.code, exc.message, exc.ref)
        return SyncResult(run_id, "failed", exc.message)
    except BaseException as exc:
        runs.fail_run(db, run_id, "SOURCE_UNREADABLE", f"the sync stopped: {exc!r}")
        raise
    finally:
        gc.enable()
        db.close()
    return SyncResult(run_id, "good")
