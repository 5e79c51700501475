"""The records behind one code (or one import type), paged from SQLite and filterable.

Pages are keyset pages of 200 loaded in a worker as the cursor nears the end: a million rows
never sit in memory or in the table at once.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
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
        "Records behind the code. f (or Tab) to the filter and type; Enter opens a record; "
        "e exports them all."
    )
    BINDINGS = [("f", "filter", "Filter")]

    def __init__(
        self, run: RunInfo, *, kind: str, code: str | None = None, status: str | None = None
    ) -> None:
        super().__init__()
        self.run, self.kind, self.code, self.status = run, kind, code, status
        self.crumb = code or status or f"all {KIND_LABELS.get(kind, kind).lower()}"
        self.text = ""
        self.last_row: RecordRow | None = None
        self.exhausted = False
        self.fetching = False

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield Input(placeholder="Filter: name, e-mail, id or group", id="filter")
        yield DataTable(id="rows", cursor_type="row", zebra_stripes=True)
        yield Static(id="count")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        membership = self.kind == "membership"
        for label, key in (
            ("Key", "key"),
            ("Name", "name"),
            ("Group" if membership else "E-mail", "detail"),
            ("School", "school"),
            ("Status", "status"),
            ("Change", "change"),
        ):
            table.add_column(label, key=key)
        self.load_page()
        table.focus()

    @work(thread=True, exclusive=True, group="page")
    def load_page(self) -> None:
        self.fetching = True
        after, text = self.last_row, self.text
        rows = self.roster.ask(
            lambda q: q.rows(
                self.run.id,
                kind=self.kind,
                code=self.code,
                status=self.status,
                text=text,
                after=after,
                limit=PAGE,
            )
        )
        self.app.call_from_thread(self.add_page, text, rows)

    def add_page(self, text: str, rows: list[RecordRow]) -> None:
        self.fetching = False
        if text != self.text:
            return  # the filter changed while this page loaded
        table = self.query_one(DataTable)
        for row in rows:
            detail = row.group if self.kind == "membership" else row.email
            table.add_row(
                Text(row.key),
                Text(row.name),
                Text(detail),
                Text(row.school),
                status_text(row.status),
                row.change or "",
                key=f"{row.kind}\x1f{row.key}",
            )
        if rows:
            self.last_row = rows[-1]
        self.exhausted = len(rows) < PAGE
        more = "" if self.exhausted else "+ (more load as you scroll)"
        self.query_one("#count", Static).update(f"{table.row_count:,}{more} rows")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        near_end = event.cursor_row >= event.data_table.row_count - 40
        if near_end and not self.exhausted and not self.fetching:
            self.load_page()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self.last_row, self.exhausted = None, False
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
        return self.run.id, {"kind": self.kind, "code": self.code, "status": self.status}
