"""One record: why (each finding, its fix and owner, the root-cause chain, when it appears),
its fields with the failing ones marked, related records to jump to, its history across
nights, and the raw source row with its location."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Collapsible, DataTable, Static

from rostertui.console.screens.base import RosterScreen
from rostertui.console.widgets.breadcrumb import Breadcrumb
from rostertui.console.widgets.keybar import KeyBar
from rostertui.console.widgets.members import MembersPanel
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
        "records (a group's members: filter them by name, role or status) and Enter to jump "
        "to one."
    )

    def __init__(self, run_id: int, kind: str, key: str) -> None:
        super().__init__()
        self.run_id, self.kind, self.key = run_id, kind, key
        self.crumb = key

    def shown_run(self) -> int | None:
        return self.run_id

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        with VerticalScroll(id="record"):
            yield Static(id="head")
            yield Static(id="why")
            if self.kind == "group":  # its people, by name, rather than its membership ids
                yield MembersPanel(self.run_id, self.key, id="members-panel")
            else:
                yield Static("Related records", classes="caption")
                yield DataTable(id="related", cursor_type="row")
            yield Static(id="history")
            yield Static(id="fields")
            with Collapsible(title="Raw source row (Enter to open)", collapsed=True, id="raw-box"):
                yield Static(id="raw")
        yield KeyBar()

    def on_mount(self) -> None:
        for table in self.query("#related").results(DataTable):
            for label in ("Kind", "Key", "Name / group", "Status"):
                table.add_column(label)
        self.load()

    def load(self) -> None:
        self.fetch(lambda q: q.record(self.run_id, self.kind, self.key), self.show, group="load")

    def show_failure(self, line: str) -> None:
        self.query_one("#head", Static).update(Text(f"Cannot read {self.key}: {line}"))

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
        self.query_one("#why", Static).update(Group(*findings_view(detail)))
        for table in self.query("#related").results(DataTable):  # a group lists its members
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
