"""Pick an earlier night."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from rostertui.console.screens.base import fetch
from rostertui.render import state_text
from rostertui.store.answers import RunInfo


class RunPicker(ModalScreen[int | None]):
    BINDINGS = [("escape", "dismiss(None)", "Close")]

    def compose(self) -> ComposeResult:
        yield Static("Pick a run (Enter), Esc to close", id="pick-caption", classes="caption")
        yield DataTable(id="runs", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Run", "As of", "State", "Source"):
            table.add_column(label)
        fetch(self, lambda q: q.runs(), self.show, self.show_failure)

    def show(self, runs: list[RunInfo]) -> None:
        table = self.query_one(DataTable)
        for run in runs:
            table.add_row(
                str(run.id), run.as_of, state_text(run.state), Text(run.source), key=str(run.id)
            )
        table.focus()

    def show_failure(self, line: str) -> None:
        self.query_one("#pick-caption", Static).update(Text(f"Cannot list the runs: {line}"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(int(event.row_key.value or 0) or None)
