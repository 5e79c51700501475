"""Whether a night is held for a human before it becomes the latest good one.

A truncated export or a broken filter in the registry looks like everyone leaving at once; a
night that would remove more users than the policy allows is judged here, from the diff's
counts, and the store writes the finding it is given."""

from __future__ import annotations

from dataclasses import dataclass

from rostertui.domain.model import FileFinding


@dataclass(frozen=True, slots=True)
class Removals:
    """What the diff against the last good night counted, for the hold's judgement."""

    run_id: int
    previous_run: int  # the last good night this one was diffed against
    users_before: int  # users the previous night imported
    users_removed: int  # of those, removed tonight


def mass_removal_hold(removals: Removals, threshold: float) -> FileFinding | None:
    """MASS_REMOVAL_HELD when tonight would remove more than `threshold` (a share) of the users
    the last good night imported; None when it would not, or there were none to remove."""
    before, removed = removals.users_before, removals.users_removed
    if not before:
        return None
    share = removed / before
    if share <= threshold:
        return None
    run, previous = removals.run_id, removals.previous_run
    return FileFinding(
        "MASS_REMOVAL_HELD",
        "run",
        str(run),
        f"this night would remove {removed:,} of the {before:,} users imported in run "
        f"{previous} ({share:.0%}, more than the policy's {threshold:.0%}); the run is held and "
        f"run {previous} stays the latest good one. If the removals are real, accept it with "
        f"`rostertui sync --accept-held {run}`",
    )
