"""The banner at the top of the home while a sync or prune writes to the database, and the poll
that notices one start and end: every two seconds, in a worker, it asks who holds the writer
lock (an flock, microseconds) and which night is the latest, and says so when either changed."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker

from rostertui.console.screens.base import fetch
from rostertui.store.queries import Queries, QueryError


@dataclass(frozen=True, slots=True)
class Pulse:
    """What changes when a writer starts or ends: its own words and the latest night's state."""

    writer: str | None
    latest: tuple[int, str] | None  # (run id, state)


def pulse_of(q: Queries) -> Pulse:
    writer = q.writer_since()
    try:
        latest = q.latest_run()
    except QueryError:  # no runs yet: the first sync's night appears in a later pulse
        return Pulse(writer, None)
    return Pulse(writer, (latest.id, latest.state))


class WriterBanner(Static):
    POLL_SECONDS = 2.0
    seen: Pulse | None = None
    failing = False
    polling: Worker[None] | None = None

    class Changed(Message):
        """A writer started or ended, or the latest night changed: the view is out of date."""

    def on_mount(self) -> None:
        self.set_interval(self.POLL_SECONDS, self.poll)

    def show(self, seen: Pulse, text: Text | None) -> None:
        """The banner for what the view was built from (`seen`); None when nobody writes."""
        self.seen, self.failing = seen, False
        self.update(text or "")
        self.set_class(text is not None, "writing")

    def poll(self) -> None:
        if self.polling is not None and self.polling.is_running:
            return  # a long query holds the connection: ask again at the next tick
        self.polling = fetch(self, pulse_of, self.compare, self.show_failure, group="pulse")

    def compare(self, pulse: Pulse) -> None:
        if pulse != self.seen or self.failing:
            self.seen, self.failing = pulse, False
            self.post_message(self.Changed())

    def show_failure(self, line: str) -> None:
        self.failing = True
        self.update(Text(f"Cannot tell whether a sync is running: {line}"))
        self.set_class(True, "writing")
