"""`e`: the current view to CSV or XLSX — the customer's validation file. The view's filters
(its line, its change, the text typed in its filter) go with it, so the file holds exactly the
rows on screen."""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from rostertui.console.screens.base import fetch
from rostertui.exports import Exported, export_file


class ExportScreen(ModalScreen[None]):
    BINDINGS = [("escape", "dismiss", "Cancel")]

    def __init__(self, run_id: int, filters: dict[str, str | None]) -> None:
        super().__init__()
        self.run_id = run_id
        self.filters = {name: value for name, value in filters.items() if value}
        parts = [f"run{run_id}", *(_file_part(v) for v in self.filters.values())]
        self.default = "rostertui-" + "-".join(p for p in parts if p) + ".xlsx"

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Export this view to (.xlsx, .csv or .jsonl), Enter to write:")
            yield Input(self.default, id="path")
            yield Static(id="result")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.write(Path(event.value.strip()))

    def write(self, target: Path) -> None:
        described = {"run": str(self.run_id), **self.filters}
        self.query_one("#result", Static).update(Text(f"Writing {target} …"))
        fetch(
            self,
            lambda q: export_file(
                target, q.export_rows(self.run_id, **self.filters), described=described
            ),
            lambda exported: self.written(target, exported),
            self.show_failure,
            group="export",
        )

    def written(self, target: Path, exported: Exported) -> None:
        self.app.notify(f"Wrote {exported.rows:,} rows to {target}{exported.in_sheets}")
        self.dismiss()

    def show_failure(self, line: str) -> None:
        self.query_one("#result", Static).update(Text(line))


def _file_part(value: str) -> str:
    """A filter's value as a piece of a file name: letters, digits, - and _ only."""
    return re.sub(r"[^\w-]+", "_", value).strip("_")[:40]
