"""The console: a Textual app over one database, from the status log down to one record.

Every query runs in a thread worker and takes turns on one shared connection, so a slow page
never freezes the screen; screens only ever talk to `store.queries`.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import TypeVar

from textual.app import App
from textual.binding import Binding

from rostertui.console.commands import ScreenCommands, SearchCommands
from rostertui.console.home import gather_home
from rostertui.console.screens.base import RosterScreen, fetch
from rostertui.console.screens.help import HelpScreen
from rostertui.console.screens.record import RecordScreen
from rostertui.console.screens.search import SearchScreen
from rostertui.console.screens.status import StatusScreen
from rostertui.store.queries import Queries

T = TypeVar("T")


def terminal_theme(environ: Mapping[str, str]) -> str:
    """Light or dark like the terminal: COLORFGBG ("15;0" dark, "0;15" light) says which."""
    background = environ.get("COLORFGBG", "").rsplit(";", 1)[-1]
    light = background.isdigit() and int(background) in (7, 15)
    return "textual-light" if light else "textual-dark"


class RosterApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "rostertui"
    COMMANDS = App.COMMANDS | {SearchCommands, ScreenCommands}
    BINDINGS = [
        Binding("/", "search", "Search"),
        Binding("question_mark", "help", "Keys"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, db_path: Path, run_id: int | None = None) -> None:
        super().__init__()
        self.db_path = db_path
        self.start_run = run_id
        self.queries: Queries | None = None
        self.query_lock = threading.Lock()
        # opened off the UI thread while Textual starts, so the home's first question finds
        # it ready; a failure here is met again, and shown, by that first question
        threading.Thread(target=self._open, name="rostertui-open", daemon=True).start()

    def _open(self) -> None:
        with self.query_lock, suppress(Exception):
            self._connection()

    def _connection(self) -> Queries:
        """The shared connection, opened by whoever asks first; the caller holds the lock."""
        if self.queries is None:
            self.queries = Queries.open(self.db_path, shared=True)
        return self.queries

    def ask(self, question: Callable[[Queries], T], cancelled: Callable[[], bool]) -> T:
        """Run one question against the database; safe from any worker thread, and stopped
        mid-statement once `cancelled()` says its answer is no longer wanted."""
        with self.query_lock:
            queries = self._connection()
            with queries.stopping_when(cancelled):
                return question(queries)

    def on_mount(self) -> None:
        self.theme = terminal_theme(os.environ)
        run = self.start_run
        fetch(  # the home's night first, then its screen: one layout, with its content
            self,
            lambda q: gather_home(q, run),
            lambda home: self.push_screen(StatusScreen(run, home)),
            lambda _line: self.push_screen(StatusScreen(run)),  # it asks again and says why not
        )
        # Textual and Rich leave a large heap of long-lived objects, and a full collection over
        # it stalled a key press by 100-400 ms. Frozen, the collector skips them; collecting the
        # young generation less often spares frames full of short-lived segments.
        self.collector_thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(10_000, 10, 10)

    def on_unmount(self) -> None:
        with self.query_lock:
            if self.queries is not None:
                self.queries.close()
        gc.unfreeze()
        gc.set_threshold(*self.collector_thresholds)

    def action_search(self, text: str = "") -> None:
        """Search the night on screen: from run 4's home or records, run 4."""
        shown = self.screen.shown_run() if isinstance(self.screen, RosterScreen) else None
        self.push_screen(SearchScreen(text, shown))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def open_record(self, run_id: int, kind: str, key: str) -> None:
        """Fetch the record, then open its screen with it: laid out once, with its content,
        rather than empty and again when the answer comes (half the time to the last frame)."""
        if not isinstance(self.screen, RosterScreen):
            self.push_screen(RecordScreen(run_id, kind, key))
            return
        self.screen.fetch(
            lambda q: q.record(run_id, kind, key),
            lambda detail: self.push_screen(RecordScreen(run_id, kind, key, (detail,))),
            group="open",
            # the record's screen asks again itself and says there what failed
            failed=lambda _line: self.push_screen(RecordScreen(run_id, kind, key)),
        )
