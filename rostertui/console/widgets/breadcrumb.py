"""Where you are, and in which night: Run 31 › Users › STUDENT_NO_CLASS › Anna Svensson; a
screen that shows another night than the one below it says which (… › Märta (run 29))."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Breadcrumb(Static):
    def on_mount(self) -> None:
        """The crumbs of the screens up to this one: a screen refreshed while another is on top
        of it (the home, when a sync ends) must not take that one's crumb."""
        stack = self.app.screen_stack
        below = stack[: stack.index(self.screen) + 1] if self.screen in stack else stack
        crumbs, night = [], None
        for screen in below:
            crumb = getattr(screen, "crumb", "")
            shown = screen.shown_run() if hasattr(screen, "shown_run") else None
            if crumb and shown is not None and night is not None and shown != night:
                crumb += f" (run {shown})"
            night = shown if shown is not None else night
            crumbs.append(crumb)
        self.update(Text(" › ".join(c for c in crumbs if c)))
