"""Where you are: Run 31 › Users › STUDENT_NO_CLASS › Anna Svensson."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Breadcrumb(Static):
    def on_mount(self) -> None:
        """The crumbs of the screens up to this one: a screen refreshed while another is on top
        of it (the home, when a sync ends) must not take that one's crumb."""
        stack = self.app.screen_stack
        below = stack[: stack.index(self.screen) + 1] if self.screen in stack else stack
        crumbs = [getattr(s, "crumb", "") for s in below]
        self.update(Text(" › ".join(c for c in crumbs if c)))
