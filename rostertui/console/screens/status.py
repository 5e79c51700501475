"""Home: last night at a glance — the run, its import types, and what is new since the night
before. A held, failed or interrupted night says so in words, first. While a sync writes the
next night, the home shows the last good one under a banner and refreshes when the sync ends."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from rostertui.console.home import Home, gather_home
from rostertui.console.screens.base import RosterScreen
from rostertui.console.screens.confirm import ConfirmAccept
from rostertui.console.screens.imports import ImportScreen
from rostertui.console.screens.rows import RowsScreen
from rostertui.console.screens.runs import RunPicker
from rostertui.console.widgets.breadcrumb import Breadcrumb
from rostertui.console.widgets.keybar import KeyBar
from rostertui.console.widgets.rows_view import Column, RowsView
from rostertui.console.widgets.writer_banner import WriterBanner
from rostertui.domain.catalogue import RULES
from rostertui.domain.model import KIND_LABELS
from rostertui.domain.verdict import SEVERITY_ORDER
from rostertui.render import (
    ALARM_STATES,
    SHORT_LABELS,
    SUMMARY_COLUMNS,
    can_accept,
    code_cells,
    error_trend,
    run_line,
    summary_label,
    writer_banner,
)
from rostertui.store.answers import CodeSummary, ImportSummary, RunInfo

_CHANGES = ("created", "updated", "removed")  # counts that open a change list
_STATUSES = ("imported", "skipped", "excluded", "pending", "absent")  # … a status's records


class StatusScreen(RosterScreen):
    AUTO_FOCUS = "#codes"  # what broke last night; opening there spares a second paint
    BINDINGS = [
        Binding("r", "pick_run", "Runs"),
        Binding("A", "accept_held", "Accept held"),
        Binding("left_square_bracket", "step(-1)", "Earlier", show=False),
        Binding("right_square_bracket", "step(1)", "Later", show=False),
    ]
    help_text = (
        "The latest run and its import types. Enter on an import type lists its findings; on a "
        "count (created, updated, removed, skipped …) the records it counts. Enter on a finding "
        "lists its rows. [ and ] step between nights, r picks one."
    )

    def __init__(self, run_id: int | None = None, home: Home | None = None) -> None:
        """`home`: the night, fetched before the screen opened (laid out once, with its
        content); without it the screen fetches it itself."""
        super().__init__()
        self.run_id = run_id
        self.first = home
        self.run: RunInfo | None = None
        self.home: Home | None = None
        self.crumb = "Status"

    def compose(self) -> ComposeResult:
        yield Breadcrumb(id="crumbs")
        yield WriterBanner(id="banner")
        yield Static(id="run-line")
        yield Static(id="trend")
        yield DataTable(id="imports", cursor_type="cell", zebra_stripes=True)
        yield Static("Findings by code — largest new errors first", classes="caption")
        yield RowsView(CODE_COLUMNS, _code_line, id="codes")
        yield KeyBar()

    def on_mount(self) -> None:
        imports = self.query_one("#imports", DataTable)
        imports.add_column("Import", key="kind")
        for column in SUMMARY_COLUMNS:
            imports.add_column(SHORT_LABELS[column], key=column)
        if self.first is not None:
            self.show(self.first)
        else:
            self.load()

    def load(self) -> None:
        self.fetch(lambda q: gather_home(q, self.run_id), self.show, group="load")

    def on_writer_banner_changed(self) -> None:
        self.load()

    def show_failure(self, line: str) -> None:
        self.query_one("#run-line", Static).update(Text(line))

    def show(self, home: Home) -> None:
        run = self.run = home.run
        self.home = home
        self.refresh_bindings()
        banner = None
        if home.pulse.writer is not None:
            following = self.run_id is None
            now = datetime.now(UTC)
            banner = writer_banner(home.pulse.writer, home.writing, run, following, now)
        self.query_one(WriterBanner).show(home.pulse, banner)
        self.crumb = f"Run {run.id} ({run.as_of})"
        self.query_one(Breadcrumb).on_mount()
        line = self.query_one("#run-line", Static)
        line.update(run_line(run, home.latest_good))
        line.set_class(run.state in ALARM_STATES, "alarm")
        imports = self.query_one("#imports", DataTable)
        for column in _CHANGES:  # a held night's are would-be counts
            imports.columns[column].label = Text(summary_label(column, run.state, short=True))
        self.query_one("#trend", Static).update(error_trend(home.nights, run.id))
        self.show_tables(home.imports, home.codes)

    def show_tables(self, imports: list[ImportSummary], codes: list[CodeSummary]) -> None:
        table = self.query_one("#imports", DataTable)
        table.clear()
        for summary in imports:
            table.add_row(
                KIND_LABELS.get(summary.kind, summary.kind),
                *(f"{getattr(summary, c):,}" for c in SUMMARY_COLUMNS),
                key=summary.kind,
            )
        codes_view = self.query_one("#codes", RowsView)
        ordered = sorted(codes, key=_admin_order)
        codes_view.reset(len(ordered), ordered)
        if self.is_current or not ordered:
            (codes_view if ordered else table).focus()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        """An import type's count opens the records it counts; its other cells, its findings."""
        kind, column = event.cell_key.row_key.value, event.cell_key.column_key.value
        if self.run is None or kind is None:
            return
        if column in _CHANGES:
            self.app.push_screen(RowsScreen(self.run, kind=kind, change=column))
        elif column in _STATUSES:
            self.app.push_screen(RowsScreen(self.run, kind=kind, status=column))
        else:
            self.app.push_screen(ImportScreen(self.run, kind))

    def on_rows_view_chosen(self, event: RowsView.Chosen) -> None:
        """A findings line opens exactly its rows: its code at its severity."""
        code: CodeSummary = event.row
        if self.run is None:
            return
        if code.kind in ("run", "file"):
            self.notify(f"{code.code}: see the run line above", severity="information")
            return
        self.app.push_screen(
            RowsScreen(self.run, kind=code.kind, code=code.code, severity=code.severity)
        )

    def action_pick_run(self) -> None:
        def chosen(run_id: int | None) -> None:
            if run_id is not None:
                self.run_id = run_id
                self.load()

        self.app.push_screen(RunPicker(self.run.id if self.run else None), chosen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "accept_held":
            home = self.home
            return home is not None and can_accept(home.run, home.latest_good)
        return True

    def action_accept_held(self) -> None:
        """The CLI's `sync --accept-held`, asked first; the home shows the night GOOD after."""
        if self.home is not None and self.check_action("accept_held", ()):
            confirm = ConfirmAccept(self.home.run, self.home.imports)
            self.app.push_screen(confirm, lambda accepted: accepted and self.load())

    def action_step(self, delta: int) -> None:
        if self.run is not None:
            self.fetch(lambda q: [r.id for r in q.runs()], lambda ids: self.step(ids, delta))

    def step(self, run_ids: list[int], delta: int) -> None:
        if self.run is None or self.run.id not in run_ids:
            return
        position = run_ids.index(self.run.id) - delta  # runs come newest first
        if 0 <= position < len(run_ids):
            self.run_id = run_ids[position]
            self.load()

    def export_filters(self):
        return (self.run.id, {}) if self.run else None


def _admin_order(code: CodeSummary) -> tuple:
    """The run's own findings first, then errors with the most new rows: what broke last night."""
    return (
        code.kind != "run",
        SEVERITY_ORDER.get(code.severity, 9),
        -code.new,
        -code.rows,
        code.code,
    )


CODE_COLUMNS = [
    Column("Severity", 8, shrink=False),
    Column("Code", 36),
    Column("Rows", 7, shrink=False),
    Column("New", 6, shrink=False),
    Column("Fixed", 6, shrink=False),
    Column("Import", 11, hide=2),
    Column("Title", 44, grow=True, hide=1),
]
"""A findings line; at 80 columns the title, then the import type, give way to the counts."""


def _code_line(code: CodeSummary) -> list[Text | str]:
    title = RULES[code.code].title if code.code in RULES else ""
    return [*code_cells(code), KIND_LABELS.get(code.kind, code.kind), title]
