"""Search from anywhere: name, e-mail, id, login id or personnummer. A miss says so plainly,
says when the person was last seen, and offers near matches."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Static

from rostertui.console.screens.base import RosterScreen
from rostertui.console.widgets.breadcrumb import Breadcrumb
from rostertui.console.widgets.keybar import KeyBar
from rostertui.render import miss_text, status_text
from rostertui.store.answers import RecordRow, RunInfo
from rostertui.store.queries import QueryError
from rostertui.store.search import Sighting


class SearchScreen(RosterScreen):
    help_text = (
        "Type a name, e-mail, id, login id or personnummer and press Enter; Enter again opens it."
    )

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.crumb = "Search"
        self.initial = text
        self.run: RunInfo | None = None

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield Input(
            self.initial, placeholder="Name, e-mail, id, login id or personnummer", id="query"
        )
        yield Static(id="summary")
        yield DataTable(id="results", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Status", "Kind", "Name", "E-mail", "School", "Key"):
            table.add_column(label)
        self.query_one(Input).focus()
        if self.initial:
            self.search(self.initial)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.search(event.value.strip())

    @work(thread=True, exclusive=True)
    def search(self, text: str) -> None:
        def ask(q):
            run = q.run_with_records()
            found = q.search(run.id, text)
            if found:
                return run, found, None, []
            return run, [], q.last_sighting(text, run.id), q.near_matches(run.id, text)

        try:
            answer = self.roster.ask(ask)
        except QueryError as exc:
            self.app.call_from_thread(self.query_one("#summary", Static).update, Text(str(exc)))
            return
        self.app.call_from_thread(self.show, text, *answer)

    def show(
        self,
        text: str,
        run: RunInfo,
        found: list[RecordRow],
        sighting: Sighting | None,
        near: list[RecordRow],
    ) -> None:
        self.run = run
        summary = self.query_one("#summary", Static)
        rows = found or near
        if found:
            summary.update(Text(f"{len(found)} match(es) in run {run.id} (as of {run.as_of})"))
        else:
            miss = miss_text(text, run, sighting)
            summary.update(miss.append("\nDid you mean:") if near else miss)
        table = self.query_one(DataTable)
        table.clear()
        for row in rows:
            table.add_row(
                status_text(row.status),
                row.kind,
                Text(row.name),
                Text(row.email),
                Text(row.school),
                Text(row.key),
                key=f"{row.kind}\x1f{row.key}",
            )
        if rows:
            table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value and self.run is not None:
            kind, key = event.row_key.value.split("\x1f", 1)
            self.roster.open_record(self.run.id, kind, key)
