"""A long list of rows as a virtual view: only the lines on screen are rendered, from pages
fetched on demand and kept in a small cache, so a million rows cost what forty do (as toolong's
log view does with a file).

The view knows the list's total and asks its owner for pages by position; the owner fetches
each in a worker and hands it back with `add_page`. A page next to one already held is asked for
by its neighbour row (a keyset walk), the last page from the end, and only a jump into the middle
by offset. Rows not yet here show as "(loading)" until their page arrives; nothing waits.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

PAGE = 100  # rows per page: one small query, and a screenful or three
CACHED_PAGES = 40  # pages kept: 4,000 rows around where the user has been
SEPARATOR = " "
LOADING = "(loading)"  # a row whose page is on its way


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its `label`, the most `width` it takes (its rows' widest cell up to that),
    and whether it may `shrink` (names, e-mails, keys) when the screen is narrow; short codes
    and statuses never shrink."""

    label: str
    width: int
    shrink: bool = True
    grow: bool = False  # takes the room to spare (the name, as a rule)
    hide: int = 0  # on a narrow screen, hidden (1 first, then 2 …) rather than cut to nothing


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The rows [start, start + limit) of the list, to be fetched next to a neighbour row if
    one is held (`after` the row above, `before` the row below), from the end when `last`,
    else by offset `start`. `generation` says which list it belongs to."""

    generation: int
    page: int
    start: int
    limit: int
    after: Any = None
    before: Any = None
    last: bool = False


class RowsView(ScrollView, can_focus=True):
    """The rows of one view, `total` of them, scrolled over without loading them all."""

    COMPONENT_CLASSES = {"rows-view--header", "rows-view--cursor", "rows-view--odd"}
    DEFAULT_CSS = """
    RowsView { background: $surface; overflow-x: hidden; overflow-y: auto; }
    RowsView > .rows-view--header { text-style: bold; background: $panel; }
    RowsView > .rows-view--cursor { background: $block-cursor-background;
                                    color: $block-cursor-foreground; }
    RowsView > .rows-view--odd { background: $surface-lighten-1; }
    """
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "choose", "Open", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class Chosen(Message):
        """Enter (or a click on the highlighted row) on a row."""

        def __init__(self, row: Any) -> None:
            super().__init__()
            self.row = row

    class Moved(Message):
        """The cursor moved or the list changed: where the cursor is, of how many."""

        def __init__(self, index: int, total: int) -> None:
            super().__init__()
            self.index, self.total = index, total

    def __init__(
        self,
        columns: Sequence[Column],
        cells: Callable[[Any], Sequence[Text | str]],
        load: Callable[[PageRequest], None] | None = None,
        **kwargs,
    ) -> None:
        """`load` fetches a page the view asks for; None for a short list the owner hands over
        whole to `reset` (search results, a record's related records, the findings lines)."""
        super().__init__(**kwargs)
        self.columns = list(columns)
        self.cells, self.load = cells, load
        self.total = 0
        self.generation = 0
        self.pages: OrderedDict[int, list[Any]] = OrderedDict()
        self.asked: set[int] = set()
        self.lines: dict[tuple[int, bool], Strip] = {}
        self.natural = [len(c.label) for c in self.columns]
        self.widths: list[int] = []
        self.fitted_to = -1  # the width `widths` fit

    # -- the list -------------------------------------------------------------------------

    def reset(self, total: int, first: list[Any]) -> None:
        """A new list (a filter changed): `total` rows, of which `first` are the top ones (a
        page, or the whole list when the owner has it all)."""
        self.generation += 1
        self.total = total
        self.pages.clear()
        self.asked.clear()
        self.lines.clear()
        for start in range(0, len(first), PAGE):  # a list held whole comes as several pages
            self.pages[start // PAGE] = first[start : start + PAGE]
        self.natural = self._natural_widths(first)
        self.fitted_to = -1  # widths are fitted again at the next paint
        self.virtual_size = Size(0, total + 1)  # no width: a resize needs no new layout
        self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor = 0
        self.refresh()

    def add_page(self, request: PageRequest, rows: list[Any]) -> None:
        """A page the owner fetched; one of a list since replaced is dropped."""
        self.asked.discard(request.page)
        if request.generation != self.generation:
            return
        self.pages[request.page] = rows
        while len(self.pages) > CACHED_PAGES:
            self.pages.popitem(last=False)  # its painted lines stay right: the rows are the same
        self.refresh()
        self._ask_for_what_is_near()  # the pages that waited for this one to walk from

    def page_failed(self, request: PageRequest) -> None:
        """The owner could not fetch a page: it is asked for again when next in sight."""
        self.asked.discard(request.page)

    def row(self, index: int) -> Any | None:
        page = self.pages.get(index // PAGE)
        if page is None or index % PAGE >= len(page):
            return None
        self.pages.move_to_end(index // PAGE)
        return page[index % PAGE]

    def held_rows(self) -> list[Any]:
        """The rows held now, in list order (what a test or a screen can read at once)."""
        return [row for page in sorted(self.pages) for row in self.pages[page]]

    def column(self, label: str) -> list[str]:
        """The cells under `label` of the rows held now, as plain text."""
        at = [c.label for c in self.columns].index(label)
        return [str(self.cells(row)[at]) for row in self.held_rows()]

    @property
    def room(self) -> Size:
        """The cells the rows are painted in: the widget less its scrollbar."""
        return self.scrollable_content_region.size

    @property
    def visible_rows(self) -> int:
        return max(1, self.room.height - 1)

    def _ask_for_what_is_near(self) -> None:
        """Ask for the pages on screen and the page on either side, so a page down never lands
        on rows still loading. A page next to one held (or the first or the last) is a keyset
        walk; after a jump, only the page at the top is fetched by offset and the others follow
        from it as it arrives."""
        if not self.total or self.load is None:
            return
        top = round(self.scroll_y)
        first = max(0, top - PAGE // 2) // PAGE
        last = min(self.total - 1, top + self.visible_rows + PAGE // 2) // PAGE
        missing = [p for p in range(first, last + 1) if p not in self.pages]
        walkable = [p for p in missing if self._next_to_known(p)]
        if missing and not walkable and not self.asked.intersection(missing):
            walkable = [min(max(top // PAGE, first), last)]  # a jump: the one offset page
        for page in walkable:
            if page not in self.asked:
                self.asked.add(page)
                self.load(self._request(page))

    def _next_to_known(self, page: int) -> bool:
        return page == 0 or bool(self._anchor(page))

    def _anchor(self, page: int) -> dict[str, Any]:
        """Where a keyset walk to `page` starts: after the full page above, before the page
        below, or from the end for the last page; {} when only an offset reaches it."""
        above, below = self.pages.get(page - 1), self.pages.get(page + 1)
        if above and len(above) == PAGE:
            return {"after": above[-1]}
        if below:
            return {"before": below[0]}
        if (page + 1) * PAGE >= self.total:
            return {"last": True}
        return {}

    def _request(self, page: int) -> PageRequest:
        start = page * PAGE
        limit = min(PAGE, self.total - start)
        return PageRequest(self.generation, page, start, limit, **self._anchor(page))

    # -- painting ---------------------------------------------------------------------------

    def _natural_widths(self, rows: list[Any]) -> list[int]:
        """Each column as wide as its widest cell in `rows` (the first page), up to its most:
        fixed from then on, so columns do not jump as the user scrolls."""
        widths = [len(c.label) for c in self.columns]
        for row in rows:
            for n, cell in enumerate(self.cells(row)):
                length = cell.cell_len if isinstance(cell, Text) else len(cell)
                widths[n] = max(widths[n], length)
        return [
            min(w, c.width) if c.shrink else c.width
            for w, c in zip(widths, self.columns, strict=True)
        ]

    def _fit(self, room: int) -> list[int]:
        """Column widths that fit `room` cells. Spare room goes to the growing column. Short
        of room, the hideable columns go first (a school, an e-mail), until the rest fit whole:
        a name cut to "Anna Svens…" in every column reads worse than one column fewer. Only
        when all of those are gone do the shrinkable ones give up width in proportion, down to
        4, so the statuses at the right edge are never cut off. A hidden column is 0 wide."""
        shown = list(self.natural)

        def needed() -> int:
            return sum(shown) + len(SEPARATOR) * (sum(1 for w in shown if w) - 1)

        for _, n in sorted((c.hide, n) for n, c in enumerate(self.columns) if c.hide):
            if needed() <= room:  # what is left fits whole: nothing is cut
                break
            shown[n] = 0
        spare = room - needed()
        if spare >= 0:
            grow = [n for n, c in enumerate(self.columns) if c.grow and shown[n]]
            if grow:  # up to its most: the rest stays at the right edge, not between columns
                shown[grow[0]] = max(
                    shown[grow[0]], min(shown[grow[0]] + spare, self.columns[grow[0]].width)
                )
            return shown
        flexible = sum(w for w, c in zip(shown, self.columns, strict=True) if c.shrink)
        for n, (width, column) in enumerate(zip(list(shown), self.columns, strict=True)):
            if column.shrink and width and flexible:
                shown[n] = max(4, width + (spare * width) // flexible)
        return shown

    def render_line(self, y: int) -> Strip:
        width = self.room.width
        if width != self.fitted_to:  # a new list or a new size: fit the columns to it
            self.widths, self.fitted_to = self._fit(width), width
            self.lines.clear()
        if y == 0:
            style = self.get_component_rich_style("rows-view--header")
            return self._strip([c.label for c in self.columns], style, width)
        index = round(self.scroll_y) + y - 1
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        chosen = index == self.cursor
        cached = self.lines.get((index, chosen))
        if cached is not None:
            return cached
        row = self.row(index)
        if row is None:
            self.call_after_refresh(self._ask_for_what_is_near)
            return self._strip([LOADING], self.rich_style, width)
        cells = self.cells(row)
        if chosen:  # the cursor's colours over the cells' own, as a DataTable's cursor does
            style = self.get_component_rich_style("rows-view--cursor")
            cells = [str(cell) for cell in cells]
        elif index % 2:
            style = self.get_component_rich_style("rows-view--odd")
        else:
            style = self.rich_style
        strip = self.lines[(index, chosen)] = self._strip(cells, style, width)
        if len(self.lines) > 4 * self.visible_rows:
            self.lines.clear()
        return strip

    def _strip(self, cells: Sequence[Text | str], style: Style, width: int) -> Strip:
        line = Text(no_wrap=True, overflow="ellipsis")
        for cell, cell_width in zip(cells, self.widths, strict=False):
            if not cell_width:
                continue  # hidden: no room for it
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            text.truncate(cell_width, overflow="ellipsis", pad=True)
            line.append(SEPARATOR if line else "")
            line.append_text(text)
        segments = Segment.apply_style(line.render(self.app.console), style=style)
        return Strip(segments).extend_cell_length(width, style).crop(0, width)

    # -- moving ---------------------------------------------------------------------------

    def watch_cursor(self, index: int) -> None:
        top = round(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + self.visible_rows:
            self.scroll_to(y=index - self.visible_rows + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Moved(index, self.total))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._ask_for_what_is_near()

    def action_move(self, step: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + step))

    def action_page(self, direction: int) -> None:
        if self.total:
            step = direction * self.visible_rows
            self.scroll_to(y=self.scroll_y + step, animate=False, immediate=True)
            self.cursor = max(0, min(self.total - 1, self.cursor + step))

    def action_jump(self, where: int) -> None:
        if self.total:
            self.cursor = 0 if where == 0 else self.total - 1

    def action_choose(self) -> None:
        row = self.row(self.cursor) if self.total else None
        if row is not None:
            self.post_message(self.Chosen(row))

    def on_click(self, event: Click) -> None:
        index = round(self.scroll_y) + event.y - 1
        if event.y < 1 or index >= self.total:
            return
        if index == self.cursor:
            self.action_choose()
        else:
            self.cursor = index
