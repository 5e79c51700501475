"""The records behind one findings line (a code at a severity), one change (created, updated,
removed) or one import type, filterable, as a virtual view over SQLite.

The view counts the list and shows its first page; other pages are fetched as they come into
sight and kept in a small cache, so a million rows never sit in memory or on screen at once,
and End is as quick as Home. A code's rows whose finding is new since the last good night come
first, marked "new"; a change list says which fields changed.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Static

from rostertui.console.screens.base import RosterScreen
from rostertui.console.widgets.breadcrumb import Breadcrumb
from rostertui.console.widgets.keybar import KeyBar
from rostertui.console.widgets.rows_view import PAGE, Column, PageRequest, RowsView
from rostertui.domain.model import KIND_LABELS
from rostertui.render import status_text
from rostertui.store.answers import RecordRow, RunInfo
from rostertui.store.queries import RowCount


class RowsScreen(RosterScreen):
    help_text = (
        "The records behind the line you opened; a code's rows new since the last good night "
        "come first, marked new. f (or Tab) to the filter and type; Enter opens a record; "
        "Home and End go to the first and the last row; e exports exactly the rows of this view."
    )
    BINDINGS = [("f", "filter", "Filter")]

    def __init__(
        self,
        run: RunInfo,
        *,
        kind: str | None,
        code: str | None = None,
        severity: str | None = None,
        status: str | None = None,
        change: str | None = None,
    ) -> None:
        super().__init__()
        self.run, self.kind, self.code, self.severity = run, kind, code, severity
        self.status, self.change = status, change
        label = KIND_LABELS.get(kind, kind).lower() if kind else "records"
        if code:
            self.crumb = f"{code} ({severity})" if severity else code
        elif change:
            self.crumb = f"{change} {label}"
        else:
            self.crumb = status or f"all {label}"
        self.text = ""
        self.count = RowCount(0, 0)

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield Input(placeholder="Filter: name, e-mail, id or group", id="filter")
        yield RowsView(self._columns(), self._cells, self.load_page, id="rows")
        yield Static("Counting…", id="count")
        yield KeyBar()

    def _columns(self) -> list[Column]:
        membership = self.kind == "membership"
        columns = [Column("New", 3, shrink=False)] if self.code else []
        columns += [Column("Key", 36), Column("Name", 30, grow=True)]
        if self.change == "updated":  # what changed; a removed record's status says why
            columns.append(Column("Changed", 60))
        columns += [
            Column("Group" if membership else "E-mail", 32, hide=0 if membership else 2),
            Column("School", 24, hide=1),
            Column("Status", 8, shrink=False),
            Column("Change", 9, shrink=False),
        ]
        return columns

    def _cells(self, row: RecordRow) -> list[Text | str]:
        cells: list[Text | str] = []
        if self.code:
            cells.append(Text("new", style="bold yellow") if getattr(row, "new", False) else "")
        cells += [Text(row.key), Text(row.name)]
        if self.change == "updated":
            cells.append(_changed_text(getattr(row, "changed", ())))
        detail = row.group if row.kind == "membership" else row.email
        return [*cells, Text(detail), Text(row.school), status_text(row.status), row.change or ""]

    def on_mount(self) -> None:
        self.reload()
        self.query_one(RowsView).focus()

    def _filters(self, text: str) -> dict:
        return dict(
            kind=self.kind, code=self.code, severity=self.severity, status=self.status,
            change=self.change, text=text,
        )  # fmt: skip

    def reload(self) -> None:
        """Count the view and fetch its first page, in one worker; pages still loading for the
        list before are cancelled."""
        for worker in self.app.workers:
            if worker.node is self and worker.group.startswith("page"):
                worker.cancel()
        filters = self._filters(self.text)
        self.fetch(
            lambda q: (
                q.count_rows(self.run.id, **filters),
                q.rows(self.run.id, **filters, limit=PAGE),
            ),
            lambda answer: self.show_list(filters["text"], *answer),
            group="list",
        )

    def show_list(self, text: str, count: RowCount, first: list[RecordRow]) -> None:
        if text != self.text:
            return  # the filter changed while this list was counted
        self.count = count
        self.query_one(RowsView).reset(count.total, first)

    def load_page(self, request: PageRequest) -> None:
        filters = self._filters(self.text)
        view = self.query_one(RowsView)
        self.fetch(
            lambda q: q.rows(
                self.run.id,
                **filters,
                after=request.after,
                before=request.before,
                last=request.last,
                offset=request.start,
                limit=request.limit,
            ),
            lambda rows: view.add_page(request, rows),
            group=f"page-{request.page}",
            failed=lambda line: (view.page_failed(request), self.show_failure(line)),
        )

    def on_rows_view_moved(self, event: RowsView.Moved) -> None:
        total = event.total
        if not total:
            line = "No rows match this filter" if self.text else "No rows"
        else:
            line = f"Row {event.index + 1:,} of {total:,}"
            if self.count.new:
                line += f" · {self.count.new:,} new since the last good night (first)"
        self.query_one("#count", Static).update(Text(line))

    def show_failure(self, line: str) -> None:
        self.query_one("#count", Static).update(Text(f"Cannot read these rows: {line}"))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self.query_one("#count", Static).update("Counting…")
        self.reload()

    def action_filter(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(RowsView).focus()

    def on_rows_view_chosen(self, event: RowsView.Chosen) -> None:
        row: RecordRow = event.row
        self.roster.open_record(self.run.id, row.kind, row.key)

    def export_filters(self):
        """Exactly this view: its line, its change and the filter as typed."""
        return self.run.id, self._filters(self.text)


def _changed_text(changed: tuple[tuple[str, str, str], ...]) -> Text:
    """ "family_name: Axelsson → Danielsson; email: …", source text kept literal."""
    text = Text()
    for n, (field, before, after) in enumerate(changed):
        text.append("; " if n else "")
        text.append(f"{field}: ", style="bold")
        text.append(f"{before} → {after}")
    return text
