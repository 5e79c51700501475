"""`?`: what this screen is for, and its keys."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
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
        seen = set()
        for key, description in _keys(self.under):
            if key not in seen and key != "escape":  # Esc is in the common keys below
                seen.add(key)
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


_SHOWN = {"left_square_bracket": "[", "right_square_bracket": "]"}


def _keys(screen: Screen) -> list[tuple[str, str]]:
    keys = []
    for cls in type(screen).__mro__:
        for binding in getattr(cls, "BINDINGS", []):
            if isinstance(binding, tuple):
                key, _, description = binding
            else:
                key, description = binding.key, binding.description
            if description:
                keys.append((_SHOWN.get(key, key), description))
    return keys
