"""Rich renderables and JSON shapes for the CLI's answers.

Every piece of source text goes through `Text(...)`, never markup, so a name like
`[bold red]x` or one holding escape codes prints literally.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from difflib import get_close_matches
from pathlib import PurePath
from typing import Any

from rich import box
from rich.console import Group as Stack
from rich.console import RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rostertui.domain.catalogue import RULES, Rule, rule
from rostertui.domain.model import KIND_LABELS
from rostertui.domain.verdict import SEVERITY_OF_STATUS, SEVERITY_ORDER
from rostertui.store.answers import (
    CodeSummary,
    FindingDetail,
    HistoryEntry,
    ImportSummary,
    Night,
    RecordDetail,
    RecordRow,
    RunInfo,
    SearchHit,
    SearchResult,
    Timeline,
    Withheld,
)
from rostertui.store.search import Sighting

STATE_STYLE = {
    "good": "green",
    "held": "yellow",
    "failed": "bold red",
    "interrupted": "bold red",
    "running": "cyan",
}
ALARM_STATES = frozenset({"held", "failed", "interrupted"})
"""The states a night cannot be trusted in: the console's home puts them in an alarm box."""
SEVERITY_STYLE = {"error": "bold red", "exclude": "yellow", "pending": "cyan", "warning": "blue"}
STATUS_STYLE = {
    "imported": "green",
    "skipped": "red",
    "excluded": "yellow",
    "pending": "cyan",
    "absent": "magenta",
}
SUMMARY_COLUMNS = (
    "total", "imported", "created", "updated", "removed", "skipped", "excluded", "pending",
    "absent", "errors", "warnings",
)  # fmt: skip


def safe(value: object) -> Text:
    """Source text as data: control characters shown, never interpreted."""
    text = "" if value is None else str(value)
    cleaned = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return Text(cleaned)


TREND_BARS = "▁▂▃▄▅▆▇█"


def error_trend(nights: list[Night], shown: int | None) -> Text:
    """Errors per night, oldest first, as one line of bars on a log scale, so that a held
    night's spike (1,184 errors) does not flatten the ordinary nights (20-40) to one row of ▁.
    The night on screen is reversed and named with its count; a held or failed night takes its
    state's colour, and one that failed before judging anything is ×."""
    line = Text("Errors per night, log scale: ")
    if not nights:
        return line.append("(no nights yet)", style="dim")
    oldest_first = list(reversed(nights))
    scale = math.log1p(max(n.errors for n in oldest_first)) or 1.0
    line.append(f"{oldest_first[0].run.as_of[5:]} ", style="dim")  # MM-DD: it fits 80 columns
    for night in oldest_first:
        level = min(7, round(math.log1p(night.errors) / scale * 7))
        style = STATE_STYLE.get(night.run.state, "") if night.run.state != "good" else ""
        style += " reverse" if night.run.id == shown else ""
        line.append(TREND_BARS[level] if night.judged else "×", style=style.strip())
    line.append(f" {oldest_first[-1].run.as_of[5:]}", style="dim")
    chosen = next((n for n in oldest_first if n.run.id == shown), None)
    if chosen is not None and not chosen.judged:
        line.append(f"  run {chosen.run.id}: {chosen.run.state}, nothing judged")
    elif chosen is not None:
        state = f", {chosen.run.state}" if chosen.run.state != "good" else ""
        line.append(f"  run {chosen.run.id}: {chosen.errors:,}{state}")
    return line


def state_text(state: str) -> Text:
    """A run's state in words (INTERRUPTED, not a colour alone)."""
    return Text(state.upper(), style=STATE_STYLE.get(state, ""))


def run_line(run: RunInfo, latest_good: int | None) -> Text:
    line = Text()
    line.append(f"Run {run.id} ")
    line.append_text(state_text(run.state))
    line.append(f"  as of {run.as_of}  started {run.started_at[:16].replace('T', ' ')}  from ")
    line.append_text(safe(_source_name(run.source)))
    if latest_good != run.id:
        line.append(
            f"\nLatest good run: {latest_good}" if latest_good else "\nNo good run yet",
            style="bold",
        )
    if run.error:
        line.append("\nReason: ", style="bold")
        line.append_text(safe(_ADVICE.sub("", run.error).rstrip(" .;") + "."))
    if run.state == "held":
        line.append_text(held_advice(run, latest_good))
    return line


_ADVICE = re.compile(r"\.?\s*If the removals are real, accept it with `[^`]*`\.?")
"""The advice a held night's reason was written with: whether it still holds is said anew."""


def can_accept(run: RunInfo, latest_good: int | None) -> bool:
    """What `sync --accept-held` accepts (store/runs.py): a held night with no newer good one."""
    return run.state == "held" and (latest_good is None or latest_good < run.id)


def held_advice(run: RunInfo, latest_good: int | None) -> Text:
    """A held night changed nothing; advice only when the CLI would take it."""
    text = Text("\nNothing was applied: its counts are what accepting it would do. ")
    if can_accept(run, latest_good):
        text.append(f"If the removals are real, accept it: rostertui sync --accept-held {run.id}")
    else:
        text.append(
            f"It can no longer be accepted: run {latest_good} is a newer good night (accepting "
            "this one would step back in time)."
        )
    return text


_WRITERS = {
    "sync": "A sync is running",
    "prune": "A prune is running",
    "accept-held": "A held run is being accepted",
}


def writer_banner(
    holder: str, writing: RunInfo | None, shown: RunInfo, following: bool, now: datetime
) -> Text:
    """Who is writing to the database and which night is shown meanwhile: "A sync is running
    (since 16:40 UTC, run 25); showing the last good night, run 24 of 2026-12-06. This view
    refreshes when it ends." `holder` is the lock holder's own words ("a sync (pid 12, since
    2026-12-07 16:40:02 UTC)"), `writing` the night being written, `following` whether the
    view follows the latest night (rather than one picked)."""
    named = re.match(r"an? ([\w-]+) \(", holder)
    kind = named[1] if named else ""
    stamp = re.search(r"since (\d{4}-\d\d-\d\d \d\d:\d\d)", holder)
    if kind == "prune":
        writing = None  # a night left as running by a killed sync is not the prune's
    details = []
    if writing:
        details = [_since(datetime.fromisoformat(writing.started_at), now), f"run {writing.id}"]
    elif stamp:
        details = [_since(datetime.fromisoformat(f"{stamp[1]}+00:00"), now)]
    headline = _WRITERS.get(kind) or f"{holder[:1].upper()}{holder[1:]} is writing"
    line = safe(headline + (f" ({', '.join(details)})" if details else ""))
    line.stylize("bold")
    if kind == "prune":
        line.append("; it shrinks old nights, no night is being written.")
    elif writing and shown.id != writing.id:
        if not following:
            night = f"run {shown.id}"
        elif shown.state == "good":
            night = f"the last good night, run {shown.id}"
        else:
            night = f"the latest finished night (there is no good one), run {shown.id}"
        line.append(f"; showing {night} of {shown.as_of}.")
    elif writing:
        line.append("; this night has no import types until it ends.")
    else:
        line.append(".")
    line.append(" This view refreshes when it ends.")
    return line


def _since(moment: datetime, now: datetime) -> str:
    """The time alone today ("since 16:40 UTC"), with the date on another day."""
    moment = moment.astimezone(UTC)
    same_day = moment.date() == now.astimezone(UTC).date()
    return f"since {moment.strftime('%H:%M' if same_day else '%Y-%m-%d %H:%M')} UTC"


def _source_name(source: str) -> str:
    """A URL as given; a file or folder by its name (the full path is in `status --json`)."""
    return source if "://" in source else PurePath(source).name or source


def status_view(
    run: RunInfo,
    latest_good: int | None,
    imports: list[ImportSummary],
    codes: list[CodeSummary],
    width: int = 80,
) -> RenderableType:
    """Import types as columns (they are few) so the table fits an 80-column terminal; the
    findings' titles only where there is room for them beside the numbers."""
    held = run.state == "held"
    title = "Import types" + (" (held: what accepting the night would do)" if held else "")
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("")
    for summary in imports:
        table.add_column(KIND_LABELS.get(summary.kind, summary.kind), justify="right")
    for column in SUMMARY_COLUMNS:
        table.add_row(
            summary_label(column, run.state),
            *(f"{getattr(summary, column):,}" for summary in imports),
        )
    findings = Table(
        title="Findings by code", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
    )
    code_width = max((len(c.code) for c in codes), default=4)
    findings.add_column("Severity", no_wrap=True, min_width=8)
    findings.add_column("Code", no_wrap=True, min_width=code_width)
    findings.add_column("Import", no_wrap=True, min_width=11)
    for column, values in (
        ("Rows", [c.rows for c in codes]),
        ("New", [c.new for c in codes]),
        ("Fixed", [c.fixed for c in codes]),
    ):
        widest = max([len(column), *(len(f"{value:,}") for value in values)])
        findings.add_column(column, justify="right", no_wrap=True, min_width=widest)
    with_titles = width >= 100
    if with_titles:
        findings.add_column("Title", overflow="ellipsis", no_wrap=True, ratio=1)
    for code in codes:
        findings.add_row(
            code.severity,
            code.code,
            KIND_LABELS.get(code.kind, code.kind),
            f"{code.rows:,}",
            f"{code.new:,}",
            f"{code.fixed:,}",
            *([rule(code.code).title if code.code in RULES else ""] if with_titles else []),
        )
    parts: list[RenderableType] = [run_line(run, latest_good)]
    if imports:
        parts.append(table)
    if codes:
        parts.append(findings)
    return Stack(*parts)


SUMMARY_LABELS = {"total": "rows", "created": "created", "updated": "updated", "removed": "removed"}
SHORT_LABELS = {
    "total": "Rows", "imported": "Imp", "created": "Add", "updated": "Upd", "removed": "Rem",
    "skipped": "Skip", "excluded": "Excl", "pending": "Pend", "absent": "Abs", "errors": "Err",
    "warnings": "Warn",
}  # fmt: skip
"""The console's column heads: "Add" for created records, so "New" stays new findings'."""
_WOULD = {"created": "would add", "updated": "would update", "removed": "would remove"}
_WOULD_SHORT = {"created": "Add?", "updated": "Upd?", "removed": "Rem?"}


def summary_label(column: str, state: str, *, short: bool = False) -> str:
    """What a count of the import table is called. A held night applied nothing: its created,
    updated and removed are what accepting it would do ("would remove 1,184")."""
    if state == "held" and column in _WOULD:
        return (_WOULD_SHORT if short else _WOULD)[column]
    return (SHORT_LABELS if short else SUMMARY_LABELS).get(column, column)


def status_json(
    run: RunInfo, latest_good: int | None, imports: list[ImportSummary], codes: list[CodeSummary]
) -> dict[str, Any]:
    return {
        "run": {
            "id": run.id,
            "state": run.state,
            "source": run.source,
            "as_of": run.as_of,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "error": run.error,
        },
        "latest_good_run": latest_good,
        "imports": [
            {"kind": s.kind, "label": KIND_LABELS.get(s.kind, s.kind)}
            | {c: getattr(s, c) for c in SUMMARY_COLUMNS if c != "total"}
            | {"total": s.total, "unchanged": s.unchanged}
            for s in imports
        ],
        "findings": [
            {
                "kind": c.kind,
                "code": c.code,
                "severity": c.severity,
                "rows": c.rows,
                "new": c.new,
                "fixed": c.fixed,
            }
            for c in codes
        ],
    }


def _finding_json(finding: FindingDetail) -> dict[str, Any]:
    known = RULES.get(finding.code)
    root = finding.chain[-1] if finding.chain else None
    return {
        "code": finding.code,
        "severity": finding.severity,
        "field": finding.field,
        "message": finding.message,
        "source_ref": finding.source_ref,
        "title": known.title if known else "",
        "explanation": known.explanation if known else "",
        "fix": known.fix if known else "",
        "owner": known.owner if known else "",
        "root": {"kind": root.kind, "key": root.key, "code": root.code, "name": root.name}
        if root
        else None,
        "chain": [
            {"kind": s.kind, "key": s.key, "code": s.code, "name": s.name, "message": s.message}
            for s in finding.chain
        ],
    }


def row_json(row: RecordRow) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "key": row.key,
        "name": row.name,
        "email": row.email,
        "school": row.school,
        "group": row.group,
        "status": row.status,
        "change": row.change,
        "appears_on": row.appears_on,
        "source_ref": row.source_ref,
    }


def record_json(detail: RecordDetail) -> dict[str, Any]:
    in_source = detail.row.status != "absent"
    return row_json(detail.row) | {
        "answer": answer(detail),
        "in_source": in_source,
        "details_withheld": detail.withheld,
        "login_ids": list(detail.login_ids),
        "findings": [_finding_json(f) for f in detail.findings],
        "changes": detail.changes,
        "fields": detail.fields,
        "related": [row_json(r) for r in detail.related],
        "timeline": timeline_json(detail.timeline),
    }


def status_text(status: str) -> Text:
    return Text(status.upper(), style=STATUS_STYLE.get(status, ""))


def answer(detail: RecordDetail) -> str:
    """The one sentence a support agent reads first: imported or not, why, who fixes it, when."""
    row = detail.row
    if row.status == "absent":
        return "Not in this source at all; it was imported in the last good run, so it is removed."
    if row.status == "imported":
        warnings = sum(1 for f in detail.findings if f.severity == "warning")
        return "Imported" + (f", with {warnings} warning(s)." if warnings else ".")
    wanted = SEVERITY_OF_STATUS.get(row.status)
    deciding = next((f for f in detail.findings if f.severity == wanted), None)
    if deciding is None:
        return f"Not imported ({row.status})."
    root = deciding.chain[-1] if deciding.chain else None
    owner = fix_owner(detail)
    text = f"Not imported ({row.status}): {deciding.code}"
    if root:
        title = RULES[root.code].title if root.code in RULES else root.code
        text += f", because of {root.kind} {root.name or root.key}: {title} ({root.code})"
    if owner:
        text += f". Fix owner: {owner}"
    return text + "."  # when it appears: the header's next line (appears_when), said once


def record_view(detail: RecordDetail) -> RenderableType:
    """The support agent's answer: in source? imported? if not, why, who fixes it, and when."""
    parts = [record_head(detail), *findings_view(detail)]
    if detail.related:
        parts.append(rows_table(detail.related, title="Related records"))
    parts.append(timeline_text(detail.timeline))
    return Stack(*parts)


def record_head(detail: RecordDetail) -> Text:
    row = detail.row
    head = Text()
    head.append(f"{KIND_LABELS.get(row.kind, row.kind)[:-1]} ")
    head.append_text(safe(row.name or row.key))
    if detail.withheld:
        head.append("  (protected identity: details withheld)", style="italic")
    elif placement := _placement(detail):
        head.append(" — ")
        head.append_text(safe(placement))
    head.append("\n")
    said = safe(answer(detail))
    said.stylize("bold")
    head.append_text(said)
    head.append("\nStatus: ")
    # the gap takes the status's style, so no renderer can drop it between word and label
    head.append(f"{row.status.upper()}   ", style=STATUS_STYLE.get(row.status, ""))
    head.append(f"Change since last good run: {row.change or 'none'}")
    if when := appears_when(detail):
        head.append(f"\n{when}", style="cyan")
    head.append("\nIn source: ")
    if row.status == "absent":
        head.append("NO — was imported in the last good run, missing from this source")
    else:
        head.append("yes ")
        head.append_text(safe(detail.source_place))
    head.append(f"   Run {detail.run.id} ({detail.run.as_of})")
    if not detail.withheld:
        head.append("\nId: ")
        head.append_text(safe(row.key))
        for label, value in (("E-mail", row.email), ("School", row.school), ("Group", row.group)):
            if value:
                head.append(f"   {label}: ")
                head.append_text(safe(value))
        if detail.login_ids:
            head.append("\nLogin ids: ")
            head.append_text(safe(", ".join(detail.login_ids)))
    return head


def _placement(detail: RecordDetail) -> str:
    """A person's role, and a pupil's classes: "student, class 9B" or "student, no class"."""
    if not detail.role:
        return ""
    if detail.role != "student":
        return detail.role
    if not detail.classes:
        return "student, no class"
    label = "classes" if ", " in detail.classes else "class"
    return f"student, {label} {detail.classes}"


def appears_when(detail: RecordDetail) -> str:
    """When a record not imported tonight would be: a pending one on its start date; one that
    waits for a fix after the night's sync that follows the fix."""
    if detail.row.appears_on:
        return f"Appears on {detail.row.appears_on}"
    if detail.row.status == "skipped" or (detail.row.status == "excluded" and fix_owner(detail)):
        return "Appears after the next night's sync once fixed"
    return ""


def fix_owner(detail: RecordDetail) -> str:
    """Who has something to fix, or "" when nobody has: the owner of the root cause of the most
    serious finding that asks for a fix. A pending date asks for none, nor does an exclusion by
    policy (its owner is "policy"); an error always does, falling back to its own rule's owner
    when its root is a policy's."""
    for finding in sorted(detail.findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9)):
        if finding.severity == "pending":
            continue
        codes = [finding.chain[-1].code] if finding.chain else []
        if finding.severity == "error":
            codes.append(finding.code)
        for code in codes or [finding.code]:
            owner = RULES[code].owner if code in RULES else ""
            if owner not in ("", "—", "policy"):
                return owner
    return ""


def findings_view(detail: RecordDetail) -> list[RenderableType]:
    """Each finding, most serious first, then what changed since the last good night."""
    parts: list[RenderableType] = [
        _finding_panel(finding)
        for finding in sorted(detail.findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
    ]
    if detail.changes:
        changes = Text("Changed fields: ", style="bold")
        for name, (old, new) in detail.changes.items():
            changes.append(f"\n  {name}: ")
            changes.append_text(safe(old))
            changes.append(" → ")
            changes.append_text(safe(new))
        parts.append(changes)
    return parts


def fields_table(detail: RecordDetail) -> Table:
    """The canonical fields; the ones a finding points at are marked, in words and colour."""
    failing = {f.field for f in detail.findings if f.field and f.severity != "warning"}
    warned = {f.field for f in detail.findings if f.field and f.severity == "warning"}
    table = Table(title="Fields", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("Field")
    table.add_column("Value")
    table.add_column("")
    for name, value in detail.fields.items():
        mark = "✗ fails" if name in failing else "! warns" if name in warned else ""
        style = "bold red" if name in failing else "yellow" if name in warned else ""
        table.add_row(Text(name, style=style), safe(value), Text(mark, style=style))
    return table


def raw_table(detail: RecordDetail) -> Table:
    table = Table(
        title=Text(f"Raw source row — {detail.source_place}"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("Column")
    table.add_column("Value")
    for column, value in (detail.raw or {}).items():
        table.add_row(safe(column), safe(value))
    return table


def timeline_text(timeline: Timeline) -> Text:
    """First seen, each night its status or codes changed, last imported."""
    text = Text()
    text.append("History: ", style="bold")
    if timeline.first_seen is None:
        return text
    first = timeline.first_seen
    text.append(f"first seen {first.as_of} (run {first.run_id})")
    if timeline.last_imported:
        last = timeline.last_imported
        text.append(f"; last imported {last.as_of} (run {last.run_id})")
    else:
        text.append("; never imported")
    for event in timeline.events[-8:]:
        codes = ", ".join(event.codes) or "no findings"
        text.append(f"\n  {event.as_of} run {event.run_id}: {event.status} ({codes})")
    return text


def timeline_json(timeline: Timeline) -> dict[str, Any]:
    def entry(h: HistoryEntry | None) -> dict[str, Any] | None:
        if h is None:
            return None
        return {
            "run_id": h.run_id,
            "as_of": h.as_of,
            "status": h.status,
            "change": h.change,
            "codes": list(h.codes),
        }

    return {
        "first_seen": entry(timeline.first_seen),
        "last_imported": entry(timeline.last_imported),
        "events": [entry(h) for h in timeline.events],
    }


def miss_text(
    query: str,
    run: RunInfo,
    sighting: Sighting | None,
    *,
    unkeyed: bool = False,
    recently: bool = False,
) -> Text:
    """A miss, said plainly: not in that night's source, and when last seen (`recently`: the
    caller shows the records a recent night imported that are gone since)."""
    text = safe(
        f"No record matches {query!r} in run {run.id} (as of {run.as_of}): "
        "not in that night's source."
    )
    if sighting:
        row, seen = sighting.row, sighting.run
        what = f"{row.kind} {row.name or row.key} ({row.key})"
        text.append("\n")
        if row.status == "absent":  # the night it went, copied from the night before
            before = f"run {seen.previous_run}" if seen.previous_run else "the night before"
            said = (
                f"Gone from the source since run {seen.id} (as of {seen.as_of}), which "
                f"removed {what}: last imported in {before}."
            )
        else:
            said = f"Last seen in run {seen.id} (as of {seen.as_of}) as {what}, {row.status}."
        text.append_text(safe(said))
    elif not recently:
        text.append("\nNever seen in any earlier run either.")
    if unkeyed:
        text.append("\n")
        text.append_text(UNKEYED)
    return text


UNKEYED = Text(
    "The database's key file is missing, so a protected person cannot be recognised (nor "
    "anyone by personnummer): this may be one. Restore DB.key beside the database.",
    style="italic",
)


def miss_view(
    query: str,
    run: RunInfo,
    sighting: Sighting | None,
    near: list[RecordRow],
    gone: list[SearchHit] | None = None,
    *,
    unkeyed: bool = False,
) -> RenderableType:
    parts: list[RenderableType] = [
        miss_text(query, run, None if gone else sighting, unkeyed=unkeyed, recently=bool(gone))
    ]
    if gone:
        parts.append(
            hits_table(gone, title="Imported on a recent night, gone from the source since")
        )
    if near:
        parts.append(rows_table(near, title="Did you mean"))
    return Stack(*parts)


def withheld_text(query: str, run: RunInfo, withheld: Withheld) -> Text:
    """A protected person's exact identifier: that a record matches, and nothing about her."""
    if withheld.last_run >= run.id:
        where = f"in run {run.id} (as of {run.as_of})"
    else:
        where = f"up to run {withheld.last_run} (not in run {run.id}'s source)"
    text = safe(f"A record matches {query!r} {where}; its details are withheld.")
    text.stylize("bold")
    text.append(
        "\nIt is a protected identity: rostertui keeps nothing of it to show. The registry "
        "administrator can see why, and whether it is imported."
    )
    return text


def search_title(query: str, run: RunInfo, result: SearchResult) -> str:
    """ "first 50 of 138 records match 'Anna' in run 12 (as of …)": never a silent cut."""
    shown, total = len(result.hits), result.total
    if shown < total:
        counted = f"First {shown:,} of {total:,} records match"
    else:
        counted = f"{total:,} record{'s match' if total != 1 else ' matches'}"
    title = f"{counted} {query!r} in run {run.id} (as of {run.as_of})"
    if result.gone:
        many = len(result.gone)
        title += (
            f"; {many} more {'were' if many != 1 else 'was'} imported on a recent night and "
            f"{'are' if many != 1 else 'is'} gone from the source"
        )
    return title


def hit_change(hit: SearchHit) -> str:
    """When a recent night removed the record ("removed 2026-11-17, last imported run 6")."""
    departure = hit.departure
    if departure is None:
        return ""
    verb = "would be removed" if departure.held else "removed"
    return f"{verb} {departure.removed_on}, last imported run {departure.last_imported_run}"


def hit_placement(hit: SearchHit) -> str:
    """A pupil's class or a person's role; a group or school says what it is."""
    return hit.placement if hit.row.kind == "person" else hit.row.kind


def _longest_word(values: list[str]) -> int:
    return max((len(word) for value in values for word in value.split()), default=1)


def hits_table(hits: list[SearchHit], title: str = "") -> RenderableType:
    """Search results, one a line, enough to tell namesakes apart, ids and words never cut;
    under the table, when each recent removal happened."""
    table = Table(title=title or None, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Status", no_wrap=True)
    table.add_column("Name")
    table.add_column("Class/role", min_width=_longest_word([hit_placement(h) for h in hits]))
    table.add_column("School", min_width=_longest_word([h.row.school for h in hits]))
    table.add_column("Change", no_wrap=True)
    table.add_column("Id", no_wrap=True, min_width=max((len(h.row.key) for h in hits), default=2))
    notes = Text()
    for hit in hits:
        row = hit.row
        name = row.group if row.kind == "membership" else row.name
        table.add_row(
            status_text(row.status),
            safe(name),
            safe(hit_placement(hit)),
            safe(row.school),
            row.change or "",
            safe(row.key),
        )
        if hit.departure:
            notes.append("\n" if notes else "")
            notes.append_text(safe(f"{name or row.key} ({row.key}): {hit_change(hit)}."))
    return Stack(table, notes) if notes else table


def hit_json(hit: SearchHit) -> dict[str, Any]:
    departure = hit.departure
    return row_json(hit.row) | {
        "run_id": hit.run_id,
        "class_or_role": hit.placement,
        "removed_on": departure.removed_on if departure else None,
        "last_imported_run": departure.last_imported_run if departure else None,
    }


def _fix_owner(finding: FindingDetail, own: Rule) -> str:
    """A cascade has no owner of its own ("—" in the catalogue): the fix is its root cause's,
    so the panel names whoever owns that rather than a dash."""
    root = RULES.get(finding.chain[-1].code) if finding.chain else None
    if own.owner == "—" and root:
        return f"{root.owner}, at the root cause"
    return own.owner


def _finding_panel(finding: FindingDetail) -> Panel:
    known = RULES.get(finding.code)
    body = Text()
    body.append_text(safe(finding.message))
    if finding.source_ref:
        body.append("  (")
        body.append_text(safe(finding.source_ref))
        body.append(")")
    if known:
        body.append(f"\nWhy: {known.explanation}")
        body.append(f"\nFix ({_fix_owner(finding, known)}): {known.fix}")
    if finding.chain:
        body.append("\nRoot cause: ", style="bold")
        for step in finding.chain:
            body.append(f"\n  ← {step.kind} ")
            body.append_text(safe(step.name or step.key))
            body.append(f" [{step.code}] ")
            body.append_text(safe(step.message))
    title = Text(f"{finding.severity.upper()} {finding.code}")
    if known:
        title.append(f" — {known.title}")
    border = SEVERITY_STYLE.get(finding.severity, "blue").removeprefix("bold ")  # a frame: plain
    return Panel(body, title=title, title_align="left", border_style=border)


def severity_text(severity: str) -> Text:
    """The severity in words, coloured as a second signal, never the only one."""
    return Text(severity.upper(), style=SEVERITY_STYLE.get(severity, ""))


def code_cells(code: CodeSummary) -> tuple[Text, str, str, str, str]:
    """Severity, code, rows, new and fixed: the columns every findings-by-code table starts
    with."""
    return (
        severity_text(code.severity),
        code.code,
        f"{code.rows:,}",
        f"{code.new:,}",
        f"{code.fixed:,}",
    )


def rows_table(rows: list[RecordRow], title: str = "") -> Table:
    """A membership is shown by its group: the person is the one being asked about."""
    table = Table(title=title or None, title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("Kind", "Key", "Name / group", "School", "Status", "Change"):
        table.add_column(column, no_wrap=column in ("Status", "Change"))
    for row in rows:
        table.add_row(
            row.kind,
            safe(row.key),
            safe(row.group if row.kind == "membership" else row.name),
            safe(row.school),
            status_text(row.status),
            row.change or "",
        )
    return table


def rule_text(entry: Rule) -> RenderableType:
    """One rule as a block of lines that wrap at any width, indented under its code (a table
    of five columns cut its explanations to a word a line at 80 columns)."""
    head = Text()
    head.append(entry.code, style="bold")
    head.append(f" — {entry.title}")
    body = Text()
    body.append(f"{entry.entity} · ")
    body.append(entry.severity_text, style=SEVERITY_STYLE.get(entry.severity, ""))
    body.append(f" · fix owner: {entry.owner}\n")
    body.append(f"When: {entry.condition}\nWhy: {entry.explanation}\nFix: {entry.fix}")
    return Stack(head, Padding(body, (0, 0, 0, 2), expand=False))


def rules_view() -> RenderableType:
    """The whole catalogue, one block a rule."""
    blocks: list[RenderableType] = [Text(f"Rule catalogue: {len(RULES)} codes", style="bold")]
    for entry in RULES.values():
        blocks += [Text(""), rule_text(entry)]
    return Stack(*blocks)


def near_codes(code: str, limit: int = 3) -> list[str]:
    """Codes a mistyped one may have meant: those containing it, then those spelled alike."""
    wanted = code.strip().upper()
    containing = [known for known in RULES if wanted and wanted in known]
    alike = get_close_matches(wanted, list(RULES), n=limit, cutoff=0.6)
    return list(dict.fromkeys([*alike, *containing]))[:limit]
