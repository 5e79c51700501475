"""Pick a night: each with its state in words and colour and its totals, the cursor on the night
being viewed. A held night's created/updated/removed are what it would have done, marked "?"."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from rostertui.console.screens.base import fetch
from rostertui.render import state_text
from rostertui.store.answers import Night

COLUMNS = ("Run", "As of", "State", "Imported", "Not imp.", "Errors", "Add", "Upd", "Rem")


class RunPicker(ModalScreen[int | None]):
    BINDINGS = [("escape", "dismiss(None)", "Close")]

    def __init__(self, viewing: int | None = None) -> None:
        super().__init__()
        self.viewing = viewing

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static("Enter opens a night, Esc closes", id="pick-caption", classes="caption")
            yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in COLUMNS:
            table.add_column(label, key=label)
        fetch(self, lambda q: q.nights(), self.show, self.show_failure)

    def show(self, nights: list[Night]) -> None:
        table = self.query_one(DataTable)
        for night in nights:
            run = night.run
            would = "?" if run.state == "held" else ""
            counts = (night.imported, night.not_imported, night.errors)
            changes = (night.created, night.updated, night.removed)
            table.add_row(
                str(run.id),
                run.as_of,
                state_text(run.state),
                *(Text(f"{n:,}" if night.judged else "—", justify="right") for n in counts),
                *(Text(f"{n:,}{would}" if night.judged else "—", justify="right") for n in changes),
                key=str(run.id),
            )
        viewing = next((n for n, night in enumerate(nights) if night.run.id == self.viewing), 0)
        table.move_cursor(row=viewing)
        caption = "Enter opens a night, Esc closes"
        if any(night.run.state == "held" for night in nights):
            caption += "; n? = what a held night would have done"
        self.query_one("#pick-caption", Static).update(Text(caption))
        table.focus()

    def show_failure(self, line: str) -> None:
        self.query_one("#pick-caption", Static).update(Text(f"Cannot list the runs: {line}"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(int(event.row_key.value or 0) or None)
