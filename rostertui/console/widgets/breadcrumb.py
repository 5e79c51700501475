"""Where you are: Run 31 › Users › STUDENT_NO_CLASS › Anna Svensson."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Breadcrumb(Static):
    def on_mount(self) -> None:
        crumbs = [getattr(s, "crumb", "") for s in self.app.screen_stack]
        text = Text(" › ".join(c for c in crumbs if c))
        self.update(text)
