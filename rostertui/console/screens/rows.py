"""The records behind one findings line (a code at a severity), one change (created, updated,
removed) or one import type, paged from SQLite and filterable.

Pages are keyset pages loaded through `fetch` as the cursor nears the end: a million rows never
sit in memory or in the table at once. A code's rows whose finding is new since the last good
night come first, marked "new"; a change list says which fields changed.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Static

from rostertui.console.screens.base import RosterScreen
from rostertui.console.widgets.breadcrumb import Breadcrumb
from rostertui.console.widgets.keybar import KeyBar
from rostertui.domain.model import KIND_LABELS
from rostertui.render import status_text
from rostertui.store.answers import RecordRow, RunInfo

PAGE = 100  # rows a keyset page adds: small enough that a page load never stutters


class RowsScreen(RosterScreen):
    help_text = (
        "The records behind the line you opened; a code's rows new since the last good night "
        "come first, marked new. f (or Tab) to the filter and type; Enter opens a record; "
        "e exports exactly the rows of this view."
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
        self.last_row: RecordRow | None = None
        self.exhausted = False
        self.fetching = False
        self.new_rows = 0

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield Input(placeholder="Filter: name, e-mail, id or group", id="filter")
        yield DataTable(id="rows", cursor_type="row", zebra_stripes=True)
        yield Static(id="count")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        membership = self.kind == "membership"
        columns = [("New", "new")] if self.code else []
        columns += [
            ("Key", "key"),
            ("Name", "name"),
            ("Group" if membership else "E-mail", "detail"),
            ("School", "school"),
            ("Status", "status"),
            ("Change", "change"),
        ]
        if self.change == "updated":  # what changed; a removed record's status says why
            columns.insert(2, ("Changed", "changed"))
        for label, key in columns:
            table.add_column(label, key=key)
        self.load_page()
        table.focus()

    def load_page(self) -> None:
        self.fetching = True
        after, text = self.last_row, self.text
        self.fetch(
            lambda q: q.rows(
                self.run.id,
                kind=self.kind,
                code=self.code,
                severity=self.severity,
                status=self.status,
                change=self.change,
                text=text,
                after=after,
                limit=PAGE,
            ),
            lambda rows: self.add_page(text, rows),
            group="page",
        )

    def show_failure(self, line: str) -> None:
        self.fetching = False
        self.query_one("#count", Static).update(Text(f"Cannot read these rows: {line}"))

    def add_page(self, text: str, rows: list[RecordRow]) -> None:
        self.fetching = False
        if text != self.text:
            return  # the filter changed while this page loaded
        table = self.query_one(DataTable)
        for row in rows:
            new = getattr(row, "new", False)
            self.new_rows += new
            cells: list = [Text("new", style="bold yellow") if new else ""] if self.code else []
            cells += [Text(row.key), Text(row.name)]
            if self.change == "updated":
                cells.append(_changed_text(getattr(row, "changed", ())))
            detail = row.group if row.kind == "membership" else row.email
            cells += [Text(detail), Text(row.school), status_text(row.status), row.change or ""]
            table.add_row(*cells, key=f"{row.kind}\x1f{row.key}")
        if rows:
            self.last_row = rows[-1]
        self.exhausted = len(rows) < PAGE
        more = "" if self.exhausted else "+ (more load as you scroll)"
        new = f", {self.new_rows:,} new since the last good night (first)" if self.new_rows else ""
        rows_word = "row" if table.row_count == 1 and not more else "rows"
        self.query_one("#count", Static).update(f"{table.row_count:,}{more} {rows_word}{new}")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        near_end = event.cursor_row >= event.data_table.row_count - 40
        if near_end and not self.exhausted and not self.fetching:
            self.load_page()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self.last_row, self.exhausted, self.new_rows = None, False, 0
        self.query_one(DataTable).clear()
        self.load_page()

    def action_filter(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            kind, key = event.row_key.value.split("\x1f", 1)
            self.roster.open_record(self.run.id, kind, key)

    def export_filters(self):
        """Exactly this view: its line, its change and the filter as typed."""
        filters = {"kind": self.kind, "code": self.code, "severity": self.severity}
        filters |= {"status": self.status, "change": self.change, "text": self.text or None}
        return self.run.id, filters


def _changed_text(changed: tuple[tuple[str, str, str], ...]) -> Text:
    """ "family_name: Axelsson → Danielsson; email: …", source text kept literal."""
    text = Text()
    for n, (field, before, after) in enumerate(changed):
        text.append("; " if n else "")
        text.append(f"{field}: ", style="bold")
        text.append(f"{before} → {after}")
    return text
