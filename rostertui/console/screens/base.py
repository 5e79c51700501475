"""What every console screen shares: a breadcrumb, Esc to go back, `e` to export the view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from rostertui.console.app import RosterApp


class RosterScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("e", "export", "Export"),
    ]
    crumb = ""
    help_text = ""

    @property
    def roster(self) -> RosterApp:
        return self.app  # type: ignore[return-value]

    def export_filters(self) -> tuple[int, dict[str, str | None]] | None:
        """(run id, kind/code/status filters) of what this screen shows, for `e`."""
        return None

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_export(self) -> None:
        from rostertui.console.screens.export import ExportScreen

        filters = self.export_filters()
        if filters is None:
            self.notify("Nothing to export on this screen", severity="warning")
            return
        self.app.push_screen(ExportScreen(*filters))
