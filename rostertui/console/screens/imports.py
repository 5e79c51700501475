"""One import type's findings grouped by code, with the root causes behind the highlighted one:
"412 memberships ← 1 cause: group 9B not marked for export"."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from rostertui.console.screens.base import RosterScreen
from rostertui.console.screens.rows import RowsScreen
from rostertui.console.widgets.breadcrumb import Breadcrumb
from rostertui.console.widgets.keybar import KeyBar
from rostertui.domain.catalogue import RULES
from rostertui.domain.model import KIND_LABELS
from rostertui.render import code_cells
from rostertui.store.answers import CodeSummary, RootCause, RunInfo


class ImportScreen(RosterScreen):
    help_text = (
        "Findings of one import type, most serious first. The panel below names the root "
        "causes of the highlighted code. Enter lists its rows; 'a' lists every record."
    )
    BINDINGS = [("a", "all_rows", "All records")]

    def __init__(self, run: RunInfo, kind: str) -> None:
        super().__init__()
        self.run, self.kind = run, kind
        self.crumb = KIND_LABELS.get(kind, kind)

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield DataTable(id="codes", cursor_type="row", zebra_stripes=True)
        yield Static(id="causes")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Severity", "Code", "Rows", "New", "Fixed", "Title"):
            table.add_column(label, key=label.lower())
        self.load()

    def load(self) -> None:
        self.fetch(lambda q: q.findings_by_code(self.run.id, self.kind), self.show, group="load")

    def show_failure(self, line: str) -> None:
        self.query_one("#causes", Static).update(Text(f"Cannot read the findings: {line}"))

    def show(self, codes: list[CodeSummary]) -> None:
        table = self.query_one(DataTable)
        for code in codes:
            table.add_row(
                *code_cells(code),
                RULES[code.code].title if code.code in RULES else "",
                key=f"{code.code}:{code.severity}",
            )
        if not codes:
            self.query_one("#causes", Static).update(
                Text("No findings: every record of this import type passed.")
            )
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value:
            self.load_causes(*event.row_key.value.split(":", 1))

    def load_causes(self, code: str, severity: str) -> None:
        """The root causes of the highlighted line: its code at its severity."""
        self.fetch(
            lambda q: q.root_causes(self.run.id, code, self.kind, severity),
            lambda causes: self.show_causes(code, causes),
            group="causes",
        )

    def show_causes(self, code: str, causes: list[RootCause]) -> None:
        total = sum(c.rows for c in causes)
        rooted = [c for c in causes if c.code]
        label = KIND_LABELS.get(self.kind, self.kind).lower()
        text = Text()
        if rooted:
            text.append(
                f"{total:,} {label} ← {len(rooted)} root cause{'s' if len(rooted) > 1 else ''}:",
                style="bold",
            )
            for cause in rooted[:8]:
                title = RULES[cause.code].title if cause.code in RULES else cause.code
                text.append(f"\n  {cause.rows:,} ← {cause.kind} ")
                text.append(cause.name or cause.key or "")
                text.append(f": {title} ({cause.code})")
        else:
            rule = RULES.get(code)
            text.append(f"{total:,} {label}: {code} is its own cause.", style="bold")
            if rule:
                text.append(f"\n{rule.explanation}\nFix ({rule.owner}): {rule.fix}")
        self.query_one("#causes", Static).update(text)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Exactly the line's rows: its code at its severity."""
        if event.row_key.value:
            code, severity = event.row_key.value.split(":", 1)
            self.app.push_screen(RowsScreen(self.run, kind=self.kind, code=code, severity=severity))

    def action_all_rows(self) -> None:
        self.app.push_screen(RowsScreen(self.run, kind=self.kind))

    def export_filters(self):
        return self.run.id, {"kind": self.kind}
