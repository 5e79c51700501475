"""`e`: the current view to CSV or XLSX — the customer's validation file."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from rostertui.exports import ExportError, write_export


class ExportScreen(ModalScreen[None]):
    BINDINGS = [("escape", "dismiss", "Cancel")]

    def __init__(self, run_id: int, filters: dict[str, str | None]) -> None:
        super().__init__()
        self.run_id, self.filters = run_id, filters
        parts = [f"run{run_id}", *(v for v in filters.values() if v)]
        self.default = "rostertui-" + "-".join(parts) + ".xlsx"

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Export this view to (.xlsx, .csv or .jsonl), Enter to write:")
            yield Input(self.default, id="path")
            yield Static(id="result")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.write(Path(event.value.strip()))

    @work(thread=True, exclusive=True)
    def write(self, target: Path) -> None:
        try:
            count = self.app.ask(  # type: ignore[attr-defined]
                lambda q: write_export(target, q.export_rows(self.run_id, **self.filters))
            )
        except ExportError as exc:
            self.app.call_from_thread(self.query_one("#result", Static).update, str(exc))
            return
        self.app.call_from_thread(self.app.notify, f"Wrote {count:,} rows to {target}")
        self.app.call_from_thread(self.dismiss)
