"""`?`: what this screen is for, and its keys."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [("escape", "dismiss", "Close"), ("question_mark", "dismiss", "Close")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False)
        table.add_column(style="bold")
        table.add_column()
        for key, description in _keys(self.under):
            if key != "esc":  # Esc is in the common keys below
                table.add_row(Text(key), Text(description))
        for key, description in (
            ("Enter", "Drill in / open"),
            ("Esc", "Back"),
            ("/", "Search from anywhere"),
            ("ctrl+p", "Command palette (search too)"),
            ("q", "Quit"),
        ):
            table.add_row(key, description)
        with Vertical(id="dialog"):
            yield Static(Text(getattr(self.under, "help_text", "") or ""))
            yield Static(table)
            yield Static(Text("Esc or ? closes this help", style="italic"))


def _keys(screen: Screen) -> list[tuple[str, str]]:
    """Each action bound on the screen and offered now (`check_action`), once, with its key as
    Textual shows keys ("[", "^p")."""
    keys: dict[str, tuple[str, str]] = {}
    for cls in type(screen).__mro__:
        for binding in Binding.make_bindings(getattr(cls, "BINDINGS", [])):
            offered = screen.check_action(binding.action, ()) is not False
            if binding.description and offered and binding.action not in keys:
                shown = screen.app.get_key_display(binding)
                keys[binding.action] = (shown, binding.description)
    return list(keys.values())
