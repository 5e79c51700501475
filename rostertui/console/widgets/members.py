"""A group's members by name, role and status, filterable and paged: "class 9B is missing"
answered with its pupils' names, not its membership ids. Enter opens the member."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from rostertui.console.screens.base import fetch
from rostertui.render import status_text
from rostertui.store.queries import Member, MemberPage

PAGE = 100


class MembersPanel(Vertical):
    def __init__(self, run_id: int, group_key: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.run_id, self.group_key = run_id, group_key
        self.text = ""
        self.last: Member | None = None
        self.exhausted = False
        self.fetching = False

    def compose(self) -> ComposeResult:
        yield Static("Members", id="members-caption", classes="caption")
        yield Input(placeholder="Filter members: name, id, role or status", id="member-filter")
        yield DataTable(id="members", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (
            ("Name", "name"),
            ("Role", "role"),
            ("Membership", "status"),
            ("Person", "person"),
            ("Change", "change"),
            ("Id", "key"),
        ):
            table.add_column(label, key=key)
        self.load_page()

    def load_page(self) -> None:
        self.fetching = True
        after, text = self.last, self.text
        fetch(
            self,
            lambda q: q.group_members(
                self.run_id, self.group_key, text=text, after=after, limit=PAGE
            ),
            lambda page: self.add_page(text, page),
            self.show_failure,
            group="members",
        )

    def add_page(self, text: str, page: MemberPage) -> None:
        self.fetching = False
        if text != self.text:
            return
        table = self.query_one(DataTable)
        for member in page.members:
            table.add_row(
                Text(member.name),
                Text(member.role),
                status_text(member.status),
                status_text(member.person_status) if member.person_status else "not here",
                member.change or "",
                Text(member.person_key),
                key=member.person_key + f"\x1f{member.id}",
            )
        if page.members:
            self.last = page.members[-1]
        self.exhausted = len(page.members) < PAGE
        matching = f" matching '{text}'" if text else ""
        caption = f"Members: {page.total:,}{matching}, by name"
        if not self.exhausted:
            caption += f" (first {table.row_count:,}; more load as you scroll)"
        self.query_one("#members-caption", Static).update(Text(caption))

    def show_failure(self, line: str) -> None:
        self.fetching = False
        self.query_one("#members-caption", Static).update(Text(f"Cannot list members: {line}"))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.text = event.value.strip()
        self.last, self.exhausted = None, False
        self.query_one(DataTable).clear()
        self.load_page()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(DataTable).focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        near_end = event.cursor_row >= event.data_table.row_count - 20
        if near_end and not self.exhausted and not self.fetching:
            self.load_page()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            person_key = event.row_key.value.split("\x1f", 1)[0]
            self.app.open_record(self.run_id, "person", person_key)  # type: ignore[attr-defined]
