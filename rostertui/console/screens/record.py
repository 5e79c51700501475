"""One record: why (each finding, its fix and owner, the root-cause chain, when it appears),
its fields with the failing ones marked, related records to jump to, its history across
nights, and the raw source row with its location."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Collapsible, Static

from rostertui.console.screens.base import RosterScreen
from rostertui.console.widgets.breadcrumb import Breadcrumb
from rostertui.console.widgets.keybar import KeyBar
from rostertui.console.widgets.members import MembersPanel
from rostertui.console.widgets.rows_view import Column, RowsView
from rostertui.render import (
    fields_table,
    findings_view,
    raw_table,
    record_head,
    status_text,
    timeline_text,
)
from rostertui.store.answers import RecordDetail, RecordRow


class RecordScreen(RosterScreen):
    help_text = (
        "Why this record has its status, who fixes it and when it appears. Tab to the related "
        "records (a group's members: filter them by name, role or status) and Enter to jump "
        "to one."
    )

    def __init__(
        self,
        run_id: int,
        kind: str,
        key: str,
        fetched: tuple[RecordDetail | None] | None = None,
    ) -> None:
        """`fetched`: the answer asked before the screen opened, the record or None when the
        night has no such record (the console's way: the screen is then laid out once, with
        its content); without it the screen asks itself."""
        super().__init__()
        self.run_id, self.kind, self.key = run_id, kind, key
        self.crumb = key
        self.fetched = fetched

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
                yield RowsView(RELATED_COLUMNS, _related_cells, id="related")
            yield Static(id="history")
            yield Static(id="fields")
            with Collapsible(title="Raw source row (Enter to open)", collapsed=True, id="raw-box"):
                yield Static(id="raw")
        yield KeyBar()

    def on_mount(self) -> None:
        if self.fetched is not None:
            self.show(*self.fetched)
        else:
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
        for view in self.query("#related").results(RowsView):  # a group lists its members
            view.reset(len(detail.related), list(detail.related))
        self.query_one("#history", Static).update(timeline_text(detail.timeline))
        box = self.query_one("#raw-box", Collapsible)
        box.display = bool(detail.raw) and not detail.withheld
        if not detail.withheld:
            self.query_one("#fields", Static).update(fields_table(detail))
        if box.display:
            self.query_one("#raw", Static).update(raw_table(detail))
            box.title = f"Raw source row — {detail.source_place} (Enter to open)"
        self.query_one("#record").focus()

    def on_rows_view_chosen(self, event: RowsView.Chosen) -> None:
        row: RecordRow = event.row
        self.roster.open_record(self.run_id, row.kind, row.key)

    def export_filters(self):
        return None


RELATED_COLUMNS = [
    Column("Kind", 10, shrink=False),
    Column("Key", 36),
    Column("Name / group", 40, grow=True),
    Column("Status", 8, shrink=False),
]


def _related_cells(row: RecordRow) -> list[Text | str]:
    name = row.group if row.kind == "membership" else row.name
    return [row.kind, Text(row.key), Text(name), status_text(row.status)]
