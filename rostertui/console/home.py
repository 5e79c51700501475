"""What the home shows: the night asked for, or the latest one, unless a sync is still writing
it; then the last good night, as the running one has no import types yet."""

from __future__ import annotations

from dataclasses import dataclass

from rostertui.console.widgets.writer_banner import Pulse, pulse_of
from rostertui.store.answers import CodeSummary, ImportSummary, Night, RunInfo
from rostertui.store.queries import Queries


@dataclass(frozen=True, slots=True)
class Home:
    """One look at the database: the night shown, and the night being written meanwhile."""

    pulse: Pulse
    run: RunInfo
    writing: RunInfo | None
    latest_good: int | None
    imports: list[ImportSummary]
    codes: list[CodeSummary]
    nights: list[Night]  # the last 20 (what fits 80 columns), newest first: the error trend


def gather_home(q: Queries, run_id: int | None) -> Home:
    """`run_id`, else the latest night; while that one is running, the last good night (else
    the latest that is not running; the running one itself when it is the only one)."""
    pulse = pulse_of(q)
    latest = q.latest_run()
    writing = latest if latest.state == "running" else None
    latest_good = q.latest_good_run_id()
    if run_id is not None:
        run = q.run(run_id)
    elif writing is not None:
        finished = (r for r in q.runs() if r.state != "running")
        run = q.run(latest_good) if latest_good is not None else next(finished, writing)
    else:
        run = latest
    return Home(
        pulse,
        run,
        writing,
        latest_good,
        q.imports(run.id),
        q.findings_by_code(run.id),
        q.nights(20),
    )
