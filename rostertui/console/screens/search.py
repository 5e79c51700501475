"""Search from anywhere: name, e-mail, id, login id or personnummer. The summary says how many
match in all ("first 50 of 138"); a recent removal shows beside its namesakes; a protected
person's exact identifier says that a record matches and that its details are withheld; a miss
says so plainly, says when the person was last seen, and offers near matches."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Static

from rostertui.console.screens.base import RosterScreen
from rostertui.console.widgets.breadcrumb import Breadcrumb
from rostertui.console.widgets.keybar import KeyBar
from rostertui.console.widgets.rows_view import Column, RowsView
from rostertui.render import (
    hit_change,
    miss_text,
    search_title,
    status_text,
    withheld_text,
)
from rostertui.store.answers import RecordRow, RunInfo, SearchHit, SearchResult
from rostertui.store.queries import Queries
from rostertui.store.search import Sighting


@dataclass(frozen=True, slots=True)
class Answer:
    """What one search found, with what a miss needs beside it."""

    text: str
    run: RunInfo
    result: SearchResult
    sighting: Sighting | None
    near: list[RecordRow]
    places: dict[int, str]  # the near matches' classes and roles


def ask(q: Queries, text: str, run_id: int | None = None) -> Answer:
    """Search night `run_id` (the one the user was looking at), or the latest night with
    records when that is None or a night without records (failed); the answer names it."""
    run = q.run_with_records(run_id)
    if run.state not in ("good", "held"):
        run = q.run_with_records()
    result = q.find(run.id, text)
    if result.found:
        return Answer(text, run, result, None, [], {})
    sighting = None if result.gone else q.last_sighting(text, run.id)
    near = q.near_matches(run.id, text)
    return Answer(text, run, result, sighting, near, q.placements(near))


class SearchScreen(RosterScreen):
    help_text = (
        "Type a name, e-mail, id, login id or personnummer and press Enter; Enter again opens it."
    )

    def __init__(self, text: str = "", run_id: int | None = None) -> None:
        super().__init__()
        self.crumb = "Search"
        self.initial = text
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield Input(
            self.initial, placeholder="Name, e-mail, id, login id or personnummer", id="query"
        )
        yield Static(id="summary")
        yield RowsView(RESULT_COLUMNS, _cells, id="results")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.initial:
            self.search(self.initial)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.search(event.value.strip())

    def search(self, text: str) -> None:
        self.fetch(lambda q: ask(q, text, self.run_id), self.show, group="search")

    def show_failure(self, line: str) -> None:
        self.query_one("#summary", Static).update(Text(line))

    def shown_run(self) -> int | None:
        return self.run_id

    def show(self, answer: Answer) -> None:
        result, run = answer.result, answer.run
        self.run_id = run.id
        hits = [*result.hits, *result.gone]
        if not hits:  # a miss: its near matches, to pick from
            hits = [SearchHit(row, run.id, answer.places.get(row.id, "")) for row in answer.near]
        self.query_one("#summary", Static).update(self.summary(answer))
        view = self.query_one(RowsView)
        view.reset(len(hits), hits)  # at most 50 hits and 50 gone: one page, all held
        view.display = bool(hits)  # no empty headers under a withheld answer
        if hits:
            view.focus()

    @staticmethod
    def summary(answer: Answer) -> Text:
        result, run, text = answer.result, answer.run, answer.text
        if result.withheld:
            said = withheld_text(text, run, result.withheld)
            return said.append(f"\n{search_title(text, run, result)}") if result.hits else said
        if result.found:
            return Text(search_title(text, run, result))
        miss = miss_text(
            text, run, answer.sighting, unkeyed=result.unkeyed, recently=bool(result.gone)
        )
        if result.gone:
            miss.append("\nImported on a recent night, gone from the source since:")
        elif answer.near:
            miss.append("\nDid you mean:")
        return miss

    def on_rows_view_chosen(self, event: RowsView.Chosen) -> None:
        hit: SearchHit = event.row
        self.roster.open_record(hit.run_id, hit.row.kind, hit.row.key)


RESULT_COLUMNS = [
    Column("Status", 8, shrink=False),
    Column("Kind", 10, hide=2),
    Column("Name", 30, grow=True),
    Column("Class / role", 16),
    Column("School", 24, hide=1),
    Column("Id", 36, hide=3),
    Column("Change", 44),
]
"""A result's columns; on a narrow screen the school goes first, then the kind, then the id
(the record shows it), so the change ("removed 2026-11-17, last imported run 6") keeps its
room."""


def _cells(hit: SearchHit) -> list[Text | str]:
    row = hit.row
    return [
        status_text(row.status),
        row.kind,
        Text(row.name),
        Text(hit.placement),
        Text(row.school),
        Text(row.key),
        Text(hit_change(hit) or row.change or ""),
    ]
