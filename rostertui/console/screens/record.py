"""One record: why (each finding, its fix and owner, the root-cause chain, when it appears),
its fields with the failing ones marked, related records to jump to, its history across
nights, and the raw source row with its location."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Collapsible, DataTable, Static

from rostertui.console.screens.base import RosterScreen
from rostertui.console.widgets.breadcrumb import Breadcrumb
from rostertui.console.widgets.keybar import KeyBar
from rostertui.render import (
    fields_table,
    findings_view,
    raw_table,
    record_head,
    status_text,
    timeline_text,
)
from rostertui.store.answers import RecordDetail


class RecordScreen(RosterScreen):
    help_text = (
        "Why this record has its status, who fixes it and when it appears. Tab to the related "
        "records and Enter to jump to one."
    )

    def __init__(self, run_id: int, kind: str, key: str) -> None:
        super().__init__()
        self.run_id, self.kind, self.key = run_id, kind, key
        self.crumb = key

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        with VerticalScroll(id="record"):
            yield Static(id="head")
            yield Static(id="why")
            yield Static("Related records", classes="caption")
            yield DataTable(id="related", cursor_type="row")
            yield Static(id="history")
            yield Static(id="fields")
            with Collapsible(title="Raw source row (Enter to open)", collapsed=True, id="raw-box"):
                yield Static(id="raw")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Kind", "Key", "Name / group", "Status"):
            table.add_column(label)
        self.load()

    @work(thread=True)
    def load(self) -> None:
        detail = self.roster.ask(lambda q: q.record(self.run_id, self.kind, self.key))
        self.app.call_from_thread(self.show, detail)

    def show(self, detail: RecordDetail | None) -> None:
        if detail is None:
            self.query_one("#head", Static).update(
                Text(f"{self.kind} {self.key} is not in run {self.run_id}.")
            )
            return
        if not detail.withheld:
            self.crumb = detail.row.name or detail.row.key
            self.query_one(Breadcrumb).on_mount()
        self.query_one("#head", Static).update(record_head(detail))
        from rich.console import Group

        self.query_one("#why", Static).update(Group(*findings_view(detail)))
        table = self.query_one(DataTable)
        for row in detail.related:
            table.add_row(
                row.kind,
                Text(row.key),
                Text(row.group if row.kind == "membership" else row.name),
                status_text(row.status),
                key=f"{row.kind}\x1f{row.key}",
            )
        self.query_one("#history", Static).update(timeline_text(detail.timeline))
        box = self.query_one("#raw-box", Collapsible)
        box.display = bool(detail.raw) and not detail.withheld
        if not detail.withheld:
            self.query_one("#fields", Static).update(fields_table(detail))
        if box.display:
            self.query_one("#raw", Static).update(raw_table(detail))
            box.title = f"Raw source row — {detail.row.source_ref} (Enter to open)"
        self.query_one("#record").focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            kind, key = event.row_key.value.split("\x1f", 1)
            self.roster.open_record(self.run_id, kind, key)

    def export_filters(self):
        return None
