"""The command palette: search (type a name, pick "Search records for …") and every action of
the screen it was opened over — runs, earlier and later nights, filter, export, accept a held
night — offered only where that screen offers it too, so the palette never suggests what the
keys would refuse."""

from __future__ import annotations

from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen


class SearchCommands(Provider):
    async def search(self, query: str) -> Hits:
        if query.strip():
            yield Hit(
                1.0,
                f"Search records for {query!r}",
                lambda: self.app.action_search(query),  # type: ignore[attr-defined]
                help="Name, e-mail, id, login id or personnummer",
            )


def screen_actions(screen: Screen) -> list[tuple[str, Callable[[], object], str]]:
    """(name, what it does, help) of each palette action the screen offers now."""
    actions = []
    if hasattr(screen, "action_pick_run"):
        actions.append(("Runs: pick a night", screen.action_pick_run, "Same as r"))
    if hasattr(screen, "action_step"):
        actions.append(("Earlier night", lambda: screen.action_step(-1), "Same as ["))
        actions.append(("Later night", lambda: screen.action_step(1), "Same as ]"))
    if hasattr(screen, "action_filter"):
        actions.append(("Filter these rows", screen.action_filter, "Same as f"))
    if callable(getattr(screen, "export_filters", None)) and screen.export_filters() is not None:
        actions.append(("Export this view", screen.action_export, "Same as e: .xlsx, .csv, .jsonl"))
    if hasattr(screen, "action_accept_held") and screen.check_action("accept_held", ()):
        run = getattr(screen, "run", None)
        name = f"Accept held run {run.id}" if run is not None else "Accept the held run"
        actions.append((name, screen.action_accept_held, "Same as A; asks first"))
    return actions


class ScreenCommands(Provider):
    async def discover(self) -> Hits:
        for name, action, help_text in screen_actions(self.screen):
            yield DiscoveryHit(name, action, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in screen_actions(self.screen):
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), action, help=help_text)
