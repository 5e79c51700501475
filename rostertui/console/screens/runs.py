"""Pick an earlier night."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from rostertui.store.queries import RunInfo


class RunPicker(ModalScreen[int | None]):
    BINDINGS = [("escape", "dismiss(None)", "Close")]

    def compose(self) -> ComposeResult:
        yield Static("Pick a run (Enter), Esc to close", classes="caption")
        yield DataTable(id="runs", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Run", "As of", "State", "Source"):
            table.add_column(label)
        runs: list[RunInfo] = self.app.ask(lambda q: q.runs())  # type: ignore[attr-defined]
        for run in runs:
            table.add_row(
                str(run.id), run.as_of, run.state.upper(), Text(run.source), key=str(run.id)
            )
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(int(event.row_key.value or 0) or None)
