"""The command line: parse, call the sync or the query layer, print. Nothing else lives here.

Errors a user can cause are caught here, once, and become one line on stderr with exit 1
(2 for usage errors, as typer does); a traceback reaching a user is a bug.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from rostertui import render
from rostertui.domain.catalogue import RULES
from rostertui.domain.model import RECORD_KINDS
from rostertui.domain.verdict import STATUSES
from rostertui.exports import SUFFIXES, ExportError, export_file
from rostertui.sources import without_userinfo
from rostertui.store.answers import RecordDetail
from rostertui.store.errors import StoreError, failure_line
from rostertui.store.queries import CHANGES, Queries, QueryError
from rostertui.store.runs import RunError
from rostertui.sync import (
    Stopped,
    SyncResult,
    accept_held,
    prune_runs,
    stopping_on_signals,
    sync,
)

app = typer.Typer(
    help="rostertui: why is a pupil or teacher missing after last night's roster sync?",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
)


class _Output(Console):
    """Standard output. On a terminal rich pads every line to the width, which nobody sees; in
    a pipe that padding would be trailing spaces on the lines a script or a reader gets, so
    there each line ends at its last character."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if self.is_terminal:
            super().print(*objects, **kwargs)
            return
        with self.capture() as captured:
            super().print(*objects, **kwargs)
        self.file.write("\n".join(line.rstrip(" ") for line in captured.get().split("\n")))
        self.file.flush()


out = _Output(highlight=False)
err = Console(stderr=True, highlight=False)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="SQLite database (default: $ROSTERTUI_DB, else rostertui.db here).",
        show_default=False,
    ),
]
RunOption = Annotated[int | None, typer.Option("--run", help="Run id (default: the latest).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def db_path(option: Path | None) -> Path:
    return option or Path(os.environ.get("ROSTERTUI_DB", "rostertui.db"))


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(render.safe(f"rostertui: {message}"), soft_wrap=True)
    return typer.Exit(code)


def existing_db(option: Path | None) -> Path:
    """The database a reading command works on; a missing one is said plainly, never created."""
    path = db_path(option)
    if not path.exists():
        raise fail(f"{path}: no database here yet; run `rostertui sync SOURCE` or `rostertui demo`")
    return path


@contextmanager
def queries(option: Path | None) -> Iterator[Queries]:
    path = existing_db(option)
    try:
        q = Queries.open(path)
    except StoreError as exc:
        raise fail(str(exc)) from exc
    try:
        yield q
    except QueryError as exc:
        raise fail(str(exc)) from exc
    except Exception as exc:  # a damaged page, a disk that went away: one line, not a traceback
        line = failure_line(path, exc, "read the database")
        if line is None:
            raise
        raise fail(line) from exc
    finally:
        q.close()


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


@app.callback(invoke_without_command=True)
def default(ctx: typer.Context) -> None:
    """With no command: open the console on the default database."""
    if ctx.invoked_subcommand is None:
        open_console(None)


@app.command("open")
def open_console(db: DbOption = None, run: RunOption = None) -> None:
    """Open the console: status log → import → findings → rows → one record."""
    path = existing_db(db)
    with queries(path):
        pass  # a file that is not a rostertui database is refused before anything is shown
    if not out.is_terminal:  # a script or a pipe: the console needs a screen
        err.print("rostertui: no terminal to open the console in; printing the status instead")
        status(db=path, run=run, as_json=False, fail_on=None)
        return
    from rostertui.console.app import RosterApp

    try:
        RosterApp(path, run).run()
    except StoreError as exc:
        raise fail(str(exc)) from exc


@app.command()
def serve(
    db: DbOption = None,
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8000,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (default: this machine only).")
    ] = "127.0.0.1",
) -> None:
    """The same console in a browser (textual-serve), on 127.0.0.1 by default."""
    path = existing_db(db)
    with queries(path):
        pass  # refused here, in one line, rather than in every browser tab
    from textual_serve.server import Server

    command = f"{shlex.quote(sys.executable)} -m rostertui open --db {shlex.quote(str(path))}"
    Server(command, host=host, port=port, title="rostertui").serve()


@app.command("sync")
def sync_command(
    source: Annotated[
        str | None,
        typer.Argument(
            help="OneRoster folder or .zip, a sheet list (.xlsx or .csv), "
            "ss12000+https://host/v2.1 or oneroster+https://host/ims/oneroster/v1p1."
        ),
    ] = None,
    db: DbOption = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Policy TOML (default: built-in defaults).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge as of this date (YYYY-MM-DD).")
    ] = None,
    credentials: Annotated[
        Path | None,
        typer.Option(
            "--credentials",
            help="Private TOML file (chmod 600) with the ROSTERTUI_* credential keys "
            "(for ss12000+https:// and oneroster+https:// sources).",
        ),
    ] = None,
    accept_held: Annotated[
        int | None,
        typer.Option("--accept-held", help="Apply held run RUN after a human has looked."),
    ] = None,
    new_key: Annotated[
        bool,
        typer.Option(
            "--new-key",
            help="Start a new hash key when the database's key file is lost (protected "
            "persons and personnummer from earlier nights can no longer be matched).",
        ),
    ] = False,
) -> None:
    """Read SOURCE, judge every record, and record one run.

    Exit 0 when the run is recorded, 1 when it failed, 3 when it is held (it would remove more
    users than the policy allows; nothing is removed until `--accept-held RUN`), 128+N when
    signal N (SIGTERM, SIGHUP, SIGINT) stopped it: the night is then recorded as failed.
    The database's hash key is kept in DB.key beside it (or $ROSTERTUI_KEY): back it up with
    the database.
    """
    if accept_held is not None:
        if source is not None:
            raise fail("give either SOURCE or --accept-held RUN, not both", 2)
        _accept(existing_db(db), accept_held)
        return
    if source is None:
        raise fail("missing SOURCE (a OneRoster folder or .zip); see `rostertui sync --help`", 2)
    if without_userinfo(source) != source:
        raise fail(
            "credentials never go on the command line: put them in the environment or in "
            "--credentials FILE (see `rostertui sync --help`)",
            2,
        )
    night = parse_date(as_of)
    try:
        with stopping_on_signals():
            result = _sync_with_progress(db_path(db), source, policy, night, credentials, new_key)
    except StoreError as exc:
        raise fail(str(exc)) from exc
    except Stopped as exc:
        raise fail(
            f"the sync was stopped by {exc}; the night is recorded as failed", 128 + exc.signum
        ) from exc
    _report_sync(db_path(db), result)


def _accept(path: Path, run_id: int) -> None:
    try:
        accept_held(path, run_id)
    except (RunError, StoreError) as exc:
        raise fail(str(exc)) from exc
    out.print(f"Run {run_id} accepted: it is now the latest good run.")


def _sync_with_progress(
    path: Path, source: str, policy: Path | None, night, credentials: Path | None, new_key: bool
) -> SyncResult:
    run = partial(
        sync,
        path,
        source,
        policy_path=policy,
        as_of=night,
        credentials_path=credentials,
        new_key=new_key,
    )
    if not err.is_terminal:
        return run()
    with err.status("Reading the source …") as spinner:

        def progress(kind: str, count: int) -> None:
            spinner.update(f"Writing {kind} records: {count:,}")

        return run(progress=progress)


def _report_sync(path: Path, result: SyncResult) -> None:
    if result.warning:
        err.print(render.safe(f"rostertui: warning: {result.warning}"), soft_wrap=True)
    if result.state == "failed":
        raise fail(f"run {result.run_id} failed: {result.error}")
    if result.state == "held":
        raise fail(f"run {result.run_id} held: {result.error}", 3)
    with queries(path) as q:
        summaries = q.imports(result.run_id)
    parts = ", ".join(
        f"{s.total:,} {s.kind}s ({s.imported:,} imported, {s.skipped:,} skipped, "
        f"{s.excluded:,} excluded, {s.pending:,} pending)"
        for s in summaries
    )
    out.print(render.safe(f"Run {result.run_id} {result.state}: {parts}"))


@app.command()
def status(
    db: DbOption = None,
    run: RunOption = None,
    as_json: JsonOption = False,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when the run failed, was interrupted or held, or has findings of "
            "this severity or worse (error|warning).",
        ),
    ] = None,
) -> None:
    """Last night at a glance: the run, its import types, and the findings by code.

    A night still being written shows as running; one whose sync is gone (killed, stopped) as
    interrupted. Reads the database read-only: it is never changed."""
    if fail_on not in (None, "error", "warning"):
        raise typer.BadParameter("--fail-on takes error or warning")
    with queries(db) as q:
        info = q.run(run) if run is not None else q.latest_run()
        good = q.latest_good_run_id()
        imports = q.imports(info.id)
        codes = q.findings_by_code(info.id)
        if as_json:
            out.print_json(json.dumps(render.status_json(info, good, imports, codes)))
        else:
            out.print(render.status_view(info, good, imports, codes, out.width))
    worst = {c.severity for c in codes}
    if info.state in ("failed", "interrupted", "held") and fail_on:
        raise typer.Exit(1)
    if fail_on == "error" and "error" in worst:
        raise typer.Exit(1)
    if fail_on == "warning" and worst & {"error", "warning"}:
        raise typer.Exit(1)


@app.command()
def why(
    query: Annotated[str, typer.Argument(help="Name, e-mail, id, login id or personnummer.")],
    db: DbOption = None,
    run: RunOption = None,
    as_json: JsonOption = False,
) -> None:
    """Why is this person (or group, or school) missing? Exit 1 when nothing matches; a
    protected person's exact id, e-mail, login id or personnummer matches (details withheld)."""
    with queries(db) as q:
        info = q.run_with_records(run)
        result = q.find(info.id, query)
        matches = result.rows
        details = [q.record(info.id, m.kind, m.key) for m in matches[:5]]
        missed = not result.found
        sighting = q.last_sighting(query, info.id) if missed and not result.gone else None
        near = q.near_matches(info.id, query) if missed else []
        if as_json:
            out.print_json(
                json.dumps(
                    _why_json(query, info, result, details, sighting, near), ensure_ascii=False
                )
            )
        elif missed:
            out.print(
                render.miss_view(query, info, sighting, near, result.gone, unkeyed=result.unkeyed)
            )
        else:
            _print_found(query, info, result, details)
    if missed:
        raise typer.Exit(1)


def _print_found(query: str, info, result, details: list[RecordDetail | None]) -> None:
    """One record's answer when the query names one; else the list, with its true count."""
    if result.withheld:
        out.print(render.withheld_text(query, info, result.withheld))
        if not result.hits:
            return
    alone = len(result.hits) == 1 and not result.gone and not result.withheld
    if details and (alone or (result.hits[0].row.kind == "person" and _exact(details[0], query))):
        out.print(render.record_view(details[0]))
        return
    title = render.search_title(query, info, result)
    out.print(render.hits_table(result.hits + result.gone, title=title))
    out.print("Ask again with the id or e-mail of the one you mean.")


def _why_json(query: str, info, result, details, sighting, near) -> dict:
    return {
        "query": query,
        "run": {"id": info.id, "state": info.state, "as_of": info.as_of},
        "found": result.found,
        "withheld": result.withheld is not None,
        "total": result.total,
        "matches": [render.record_json(d) for d in details if d],
        "results": [render.hit_json(hit) for hit in result.hits],
        "gone": [render.hit_json(hit) for hit in result.gone],
        "last_seen": {
            "run_id": sighting.run.id,
            "as_of": sighting.run.as_of,
            **render.row_json(sighting.row),
        }
        if sighting
        else None,
        "near_matches": [render.row_json(r) for r in near],
        "key_missing": result.unkeyed,
    }


def _exact(detail: RecordDetail | None, query: str) -> bool:
    """The query names this record outright: its id, e-mail or one of its login ids."""
    if detail is None:
        return False
    names = (detail.row.key, detail.row.email, *detail.login_ids)
    return query.strip().casefold() in {name.casefold() for name in names}


@app.command()
def export(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="FILE.csv, FILE.jsonl or FILE.xlsx")
    ],
    db: DbOption = None,
    run: RunOption = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="school, person, group, membership, run, file")
    ] = None,
    code: Annotated[str | None, typer.Option("--code", help="Only this rule code.")] = None,
    status_filter: Annotated[
        str | None, typer.Option("--status", help="imported, skipped, excluded, pending, absent")
    ] = None,
    change: Annotated[
        str | None,
        typer.Option(
            "--change",
            help="Only records created, updated or removed since the last good night, or "
            "absent: " + "|".join(CHANGES),
        ),
    ] = None,
) -> None:
    """Write one row per finding (the customer's validation file)."""
    if output.suffix.lower() not in SUFFIXES:
        raise fail(f"{output}: the file name must end in {', '.join(SUFFIXES)}", 2)
    if kind and kind not in (*RECORD_KINDS, "run", "file"):
        raise fail(f"--kind {kind!r}: not one of {', '.join((*RECORD_KINDS, 'run', 'file'))}", 2)
    if status_filter and status_filter not in STATUSES:
        raise fail(f"--status {status_filter!r}: not one of {', '.join(STATUSES)}", 2)
    if change and change not in CHANGES:
        raise fail(f"--change {change!r}: not one of {', '.join(CHANGES)}", 2)
    with queries(db) as q:
        info = q.run_with_records(run)
        rows = q.export_rows(info.id, kind=kind, code=code, status=status_filter, change=change)
        try:
            written = export_file(output, rows)
        except ExportError as exc:
            raise fail(str(exc)) from exc
    line = f"Wrote {written.rows:,} rows of run {info.id} to {output}{written.in_sheets}"
    err.print(render.safe(line))


@app.command()
def prune(
    db: DbOption = None,
    keep: Annotated[
        int,
        typer.Option(
            "--keep", min=1, help="Runs kept whole (older: summaries, findings and changes)."
        ),
    ] = 365,
) -> None:
    """Shrink old runs to summaries, findings and changes. A sync does this by itself with the
    policy's keep_runs; run it by hand after lowering that."""
    path = existing_db(db)
    try:
        result = prune_runs(path, keep)
    except StoreError as exc:
        raise fail(str(exc)) from exc
    out.print(
        f"Pruned {result.runs_pruned} run(s): {result.records_deleted:,} unchanged records "
        f"deleted; the newest {keep} run(s) are whole."
    )


@app.command()
def rules(
    code: Annotated[
        str | None, typer.Argument(help="One rule code, e.g. STUDENT_NO_CLASS (default: all).")
    ] = None,
) -> None:
    """Print the rule catalogue, or one rule: its title, severity, who fixes it, why and how.
    An unknown code is one line with the codes it may have meant, and exit 2."""
    if code is None:
        out.print(render.rules_view())
        return
    entry = RULES.get(code.strip().upper())
    if entry is None:
        near = render.near_codes(code)
        hint = f"did you mean {' or '.join(near)}?" if near else "`rostertui rules` lists them all"
        raise fail(f"no rule {code!r}; {hint}", 2)
    out.print(render.rule_text(entry))


@app.command()
def demo(
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Demo database (default: rostertui-demo.db here; replaced)."),
    ] = None,
    nights: Annotated[
        int, typer.Option("--nights", min=1, max=90, help="Nights of history, ending today.")
    ] = 30,
    people: Annotated[int, typer.Option("--people", min=500, max=200_000)] = 2000,
    no_open: Annotated[bool, typer.Option("--no-open", help="Build it, don't open it.")] = False,
) -> None:
    """Build a month of the Sjöstad demo municipality — pupils coming and going, a class not
    exported, a renamed teacher, a re-issued id, a truncated export that is held — sync it night
    by night, and open the console on it."""
    from rostertui.demo import write_demo_month

    path = db or Path("rostertui-demo.db")
    for suffix in ("", "-wal", "-shm", ".lock", ".key"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    folder = path.with_name(path.stem + "-source")
    shutil.rmtree(folder, ignore_errors=True)
    month = write_demo_month(folder, today=date.today(), nights=nights, people=people)
    with err.status("Syncing the demo month …") as spinner:
        for night in month:
            spinner.update(f"Syncing {night.as_of}: {night.story}")
            bundle = night.bundle
            result = sync(
                path, str(bundle.folder), policy_path=bundle.policy_path, as_of=night.as_of
            )
            err.print(
                render.safe(f"{night.as_of}  run {result.run_id} {result.state:<5} {night.story}")
            )
    if no_open or not out.is_terminal:
        status(db=path, run=None, as_json=False, fail_on=None)
        out.print(
            render.safe(
                f"Try: rostertui why 'Anna Svensson' --db {path}   "
                f"(the source bundles are in {folder})"
            )
        )
    else:
        open_console(db=path, run=None)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("rostertui: interrupted")
        sys.exit(130)
