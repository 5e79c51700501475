"""What every console screen shares: a breadcrumb, Esc to go back, `e` to export the view, and
`fetch`, the one way a screen asks the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

if TYPE_CHECKING:
    from rostertui.console.app import RosterApp
    from rostertui.store.queries import Queries

T = TypeVar("T")


def fetch(
    owner: DOMNode,
    question: Callable[[Queries], T],
    answer: Callable[[T], object],
    failed: Callable[[str], object],
    group: str = "fetch",
) -> Worker[None]:
    """Ask `question` in a thread worker and hand the answer to `answer` on the UI thread. A
    newer fetch in the same group cancels this one and its answer is dropped; a failure reaches
    `failed` as one line, so a query error never closes the app."""
    app: RosterApp = owner.app  # type: ignore[assignment]

    def ask() -> None:
        worker = get_current_worker()
        try:
            result = app.ask(question, lambda: worker.is_cancelled)
        except Exception as exc:  # the console's edge: a line on the screen, not a traceback
            app.call_from_thread(deliver, worker, failed, str(exc) or type(exc).__name__)
            return
        app.call_from_thread(deliver, worker, answer, result)

    return owner.run_worker(ask, group=group, exclusive=True, thread=True, exit_on_error=False)


def deliver(worker: Worker[None], receiver: Callable[[T], object], value: T) -> None:
    """On the UI thread, where cancelling happens: a cancelled worker's answer is never shown."""
    if not worker.is_cancelled:
        receiver(value)


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

    def fetch(
        self,
        question: Callable[[Queries], T],
        answer: Callable[[T], object],
        group: str = "fetch",
        failed: Callable[[str], object] | None = None,
    ) -> Worker[None]:
        return fetch(self, question, answer, failed or self.show_failure, group)

    def show_failure(self, line: str) -> None:
        """How this screen says a question failed; a screen with a line of its own overrides."""
        self.notify(line, title="Cannot read the database", severity="error", timeout=10)

    def shown_run(self) -> int | None:
        """The night this screen shows (None: not known yet): a search started here searches
        that night, not always the latest."""
        run = getattr(self, "run", None)
        return run.id if run is not None else None

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
