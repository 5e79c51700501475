"""`A` on a held night: say what accepting it does, in its own counts, and ask before doing it.
No has the focus, so an Enter pressed out of habit changes nothing. Yes runs
`sync.accept_held` (the CLI's own rules and writer lock) in a thread worker; a refusal stays on
the dialog as its one line, and the console keeps running."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.worker import get_current_worker

from rostertui.domain.model import KIND_LABELS
from rostertui.store.answers import ImportSummary, RunInfo
from rostertui.sync import accept_held

_VERBS = (("removed", "remove"), ("created", "add"), ("updated", "update"))


def accept_question(run: RunInfo, imports: list[ImportSummary]) -> Text:
    """What accepting `run` would do, from its import summaries' would-be counts."""
    parts = []
    for column, verb in _VERBS:
        counts = [
            f"{getattr(s, column):,} {KIND_LABELS.get(s.kind, s.kind).lower()}"
            for s in imports
            if getattr(s, column)
        ]
        if counts:
            parts.append(f"{verb} {', '.join(counts)}")
    changes = "; ".join(parts) if parts else "change no records"
    text = Text(f"Accept held run {run.id} ({run.as_of})?\n\n", style="bold")
    text.append(
        f"Run {run.id} becomes the latest good night: it would {changes}. The next sync "
        "compares against it. This is what `rostertui sync --accept-held "
        f"{run.id}` does, and it cannot be undone from here.",
        style="not bold",
    )
    return text


class ConfirmAccept(ModalScreen[bool]):
    """Dismisses with True once the run is accepted, with False when the admin says No."""

    DEFAULT_CSS = """
    ConfirmAccept #answers { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmAccept Button { margin-left: 2; }
    ConfirmAccept #outcome { color: $error; }
    """
    BINDINGS = [
        Binding("escape", "answer(False)", "No"),
        Binding("n", "answer(False)", "No", show=False),
        Binding("y", "answer(True)", "Yes", show=False),
    ]

    def __init__(self, run: RunInfo, imports: list[ImportSummary]) -> None:
        super().__init__()
        self.run_id = run.id
        self.question = accept_question(run, imports)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.question, id="question")
            yield Static(id="outcome")
            with Horizontal(id="answers"):
                yield Button("Yes, accept", id="yes", variant="warning")
                yield Button("No", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "yes")

    def action_answer(self, accept: bool) -> None:
        if self.query_one("#yes", Button).disabled:
            return  # accepting: wait for the answer
        if not accept:
            self.dismiss(False)
            return
        self.query_one("#yes", Button).disabled = True
        self.query_one("#outcome", Static).update(Text(f"Accepting run {self.run_id} …"))
        self.run_worker(self.accept, thread=True, exclusive=True, exit_on_error=False)

    def accept(self) -> None:
        worker = get_current_worker()
        try:
            accept_held(self.app.db_path, self.run_id)  # type: ignore[attr-defined]
        except Exception as exc:  # the console's edge: a line on the dialog, not a traceback
            line = str(exc) or type(exc).__name__
            self.app.call_from_thread(self.refused, line)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.accepted)

    def accepted(self) -> None:
        self.dismiss(True)

    def refused(self, line: str) -> None:
        self.query_one("#outcome", Static).update(Text(f"Not accepted: {line}"))
        self.query_one("#yes", Button).disabled = False
        self.query_one("#no", Button).focus()
