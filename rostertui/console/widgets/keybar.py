"""The keys of the current screen along the bottom line; click one to press it.

Textual's Footer mounts a styled widget per key and rebuilds them on every change of focus, which
cost each screen about 60 ms before its first paint. One line of text does the same job.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    def on_mount(self) -> None:
        self.spans: list[tuple[int, int, str]] = []  # (from x, to x, key) for clicks
        self.shown: Content | None = None
        self.screen.bindings_updated_signal.subscribe(self, self.show_keys)
        self.show_keys(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def show_keys(self, screen: Screen) -> None:
        if screen is not self.screen:
            return
        active = screen.active_bindings
        keys: list[tuple[str, str, str]] = []
        actions: set[str] = set()
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and enabled and binding.action not in actions:
                actions.add(binding.action)
                shown = self.app.get_key_display(binding)
                keys.append((binding.key, shown, binding.description))
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            keys.append((palette.binding.key, "^p", "palette"))
        parts: list[str | tuple[str, str]] = []
        self.spans = []
        x = 0
        for key, shown, description in keys:
            parts += [(f" {shown} ", "bold $footer-key-foreground"), f"{description} "]
            width = len(shown) + len(description) + 3
            self.spans.append((x, x + width, key))
            x += width
        shown_now = Content.assemble(*parts)
        if shown_now != self.shown:  # a change of focus that changes no key repaints nothing
            self.shown = shown_now
            self.update(shown_now, layout=False)  # one docked line: its size never changes

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self.spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
