"""Search from the command palette too: type a name, pick "Search records for …"."""

from __future__ import annotations

from textual.command import Hit, Hits, Provider


class SearchCommands(Provider):
    async def search(self, query: str) -> Hits:
        if query.strip():
            yield Hit(
                1.0,
                f"Search records for {query!r}",
                lambda: self.app.action_search(query),  # type: ignore[attr-defined]
                help="Name, e-mail, id, login id or personnummer",
            )
