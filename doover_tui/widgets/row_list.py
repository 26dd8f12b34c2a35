"""A fast virtual list of fixed-column rows: rows stay a plain sequence and only visible lines are rendered."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, TypeVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

RowT = TypeVar("RowT")


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its title and width in cells (None: flexible, sharing what the fixed columns leave)."""

    title: str = ""
    width: int | None = None
    justify: Literal["left", "right"] = "left"


@dataclass(frozen=True, slots=True)
class Row:
    """A ready-made row for the plain RowList: a key, its cells, and whether it is a heading."""

    key: Hashable
    cells: tuple[str | Text, ...]
    heading: bool = False


class RowList(ScrollView, Generic[RowT], can_focus=True):
    """A list of rows in fixed columns with a keyboard cursor; renders and caches only the lines on screen.

    Subclasses with their own row type override ``row_key``, ``row_cells`` and ``row_is_heading``,
    and ``cursor_moved`` / ``row_chosen`` to post their own messages.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_move(-1)", "Up", show=False, id="rows.cursor-up"),
        Binding("down", "cursor_move(1)", "Down", show=False, id="rows.cursor-down"),
        Binding("pageup", "cursor_page(-1)", "Page up", show=False, id="rows.page-up"),
        Binding("pagedown", "cursor_page(1)", "Page down", show=False, id="rows.page-down"),
        Binding("home,g", "cursor_top", "Top", show=False, id="rows.top"),
        Binding("end,G", "cursor_bottom", "Bottom", show=False, id="rows.bottom"),
        Binding("enter", "choose", "Open", id="rows.choose"),
    ]
    """
    | Key(s) | Id | Description |
    | :- | :- | :- |
    | up / down | rows.cursor-up / rows.cursor-down | Move the cursor one row (headings are skipped). |
    | pageup / pagedown | rows.page-up / rows.page-down | Move the cursor one page. |
    | home, g | rows.top | Go to the first row. |
    | end, G | rows.bottom | Go to the last row. |
    | enter | rows.choose | Choose the row under the cursor. |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"row-list--cursor", "row-list--header", "row-list--heading"}

    DEFAULT_CSS = """
    RowList {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        & > .row-list--header { background: $panel; color: $foreground; text-style: bold; }
        & > .row-list--heading { color: $text-accent; text-style: bold; }
        & > .row-list--cursor { background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground; text-style: $block-cursor-blurred-text-style; }
        &:focus > .row-list--cursor { background: $block-cursor-background;
            color: $block-cursor-foreground; text-style: $block-cursor-text-style; }
    }
    """

    CLICK_CHOOSES: ClassVar[bool] = True
    """Whether a single click chooses a row (a double click always does)."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another row."""

        row_list: RowList[Any]
        """The list that posted this."""
        index: int
        """The row's position."""
        key: Hashable
        """The row's key."""

        @property
        def control(self) -> RowList[Any]:
            """The list that posted this."""
            return self.row_list

    @dataclass
    class Chosen(Highlighted):
        """Enter or a click chose a row."""

    def __init__(self, columns: Sequence[Column] = (), *, show_header: bool = True, **kwargs: Any) -> None:
        """Columns are fixed for the widget's life; so is whether the header line is shown."""
        super().__init__(**kwargs)
        self.columns: tuple[Column, ...] = tuple(columns) or (Column(),)
        self.header_height = 1 if show_header else 0
        self._rows: Sequence[RowT] = ()
        self._cursor = -1
        self._strips: LRUCache[tuple[Hashable, bool, int], Strip] = LRUCache(1024)
        # Key -> sequence number; a row's index is its number minus _first_seq, so prepending stays cheap.
        self._key_seq: dict[Hashable, int] | None = None
        self._first_seq = 0

    def row_key(self, row: RowT) -> Hashable:
        """The stable identity of ``row``: the cursor follows it across updates."""
        if isinstance(row, Row):
            return row.key
        raise TypeError(f"{type(self).__name__} must override row_key for {type(row).__name__}")

    def row_cells(self, row: RowT) -> Sequence[Text]:
        """The cells of ``row``, one per column (a heading gives one cell spanning the line)."""
        if isinstance(row, Row):
            return [cell if isinstance(cell, Text) else Text(cell) for cell in row.cells]
        raise TypeError(f"{type(self).__name__} must override row_cells for {type(row).__name__}")

    def row_is_heading(self, row: RowT) -> bool:
        """Whether ``row`` is a heading the cursor skips."""
        return isinstance(row, Row) and row.heading

    def cursor_moved(self, index: int) -> None:
        """Report that the cursor is on row ``index``."""
        self.post_message(self.Highlighted(self, index, self.row_key(self._rows[index])))

    def row_chosen(self, index: int) -> None:
        """Report that row ``index`` was chosen."""
        self.post_message(self.Chosen(self, index, self.row_key(self._rows[index])))

    @property
    def rows(self) -> Sequence[RowT]:
        """The rows shown, in order (change them with ``set_rows``, ``prepend_rows``, ``append_rows``)."""
        return self._rows

    @property
    def cursor_index(self) -> int:
        """The position of the cursor row, or -1 when no row can take the cursor."""
        return self._cursor

    @property
    def cursor_row(self) -> RowT | None:
        """The row under the cursor."""
        return self._rows[self._cursor] if self._cursor >= 0 else None

    @property
    def body_height(self) -> int:
        """Lines available for rows, below the header."""
        return max(0, self.scrollable_content_region.height - self.header_height)

    def index_of(self, key: Hashable) -> int | None:
        """The position of the row with ``key``, or None (the key index is built on first use, then maintained)."""
        if self._key_seq is None:
            row_key = self.row_key
            self._key_seq = {row_key(row): index for index, row in enumerate(self._rows)}
            self._first_seq = 0
        seq = self._key_seq.get(key)
        return None if seq is None else seq - self._first_seq

    def _index_rows(self, rows: Sequence[RowT], first_seq: int) -> None:
        if self._key_seq is not None:
            row_key = self.row_key
            self._key_seq.update((row_key(row), first_seq + offset) for offset, row in enumerate(rows))

    def set_rows(self, rows: Sequence[RowT]) -> None:
        """Replace every row, keeping the cursor (and its line on screen) on the same key when it is still there."""
        old_key = self.row_key(self._rows[self._cursor]) if self._cursor >= 0 else None
        line_on_screen = self._cursor - self.scroll_offset.y
        self._rows, self._key_seq = rows, None
        self._strips.clear()
        self._update_virtual_size()
        index = self.index_of(old_key) if old_key is not None else None
        if index is None or self.row_is_heading(rows[index]):
            self.scroll_to(y=0, animate=False, force=True)
            self._move_cursor(self._selectable_from(0, 1))
        else:
            self.scroll_to(y=max(0, index - line_on_screen), animate=False, force=True)
            self._move_cursor(index, report=False)

    def prepend_rows(self, rows: Sequence[RowT]) -> None:
        """Add rows at the top: the view keeps its rows, unless the cursor was on the first row (it stays there)."""
        if not rows:
            return
        at_top = self._cursor <= self._selectable_from(0, 1) and self.scroll_offset.y == 0
        self._rows = [*rows, *self._rows]
        self._first_seq -= len(rows)
        self._index_rows(rows, self._first_seq)
        self._update_virtual_size()
        if at_top:
            self._move_cursor(self._selectable_from(0, 1))
        else:
            self.scroll_to(y=self.scroll_offset.y + len(rows), animate=False, force=True)
            self._move_cursor(self._cursor + len(rows), report=False)

    def append_rows(self, rows: Sequence[RowT]) -> None:
        """Add rows at the bottom without moving the cursor or the view."""
        if not rows:
            return
        start = len(self._rows)
        self._rows = [*self._rows, *rows]
        self._index_rows(rows, self._first_seq + start)
        self._update_virtual_size()
        if self._cursor < 0:
            self._move_cursor(self._selectable_from(start, 1))

    def select_key(self, key: Hashable) -> bool:
        """Put the cursor on the row with ``key``; False when there is no such selectable row."""
        index = self.index_of(key)
        if index is None or self.row_is_heading(self._rows[index]):
            return False
        self._move_cursor(index, report=index != self._cursor)
        return True

    def refresh_rows(self) -> None:
        """Forget rendered lines (rows changed in place) and repaint."""
        self._strips.clear()
        self.refresh()

    def _selectable_from(self, start: int, step: int) -> int:
        """The first selectable row from ``start`` going by ``step``, or -1."""
        index, count = start, len(self._rows)
        while 0 <= index < count:
            if not self.row_is_heading(self._rows[index]):
                return index
            index += step
        return -1

    def _move_cursor(self, index: int, *, report: bool = True) -> None:
        """Put the cursor on ``index`` (-1 for none), scroll it into view, repaint its lines, report the move."""
        old, self._cursor = self._cursor, index
        top, height = self.scroll_offset.y, self.body_height
        if 0 <= index < top:
            self.scroll_to(y=index, animate=False, force=True)
        elif height and index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, force=True)
        for row_index in {old, index} - {-1}:
            self.refresh_line(row_index + self.header_height)
        if report and index >= 0:
            self.cursor_moved(index)

    def action_cursor_move(self, delta: int) -> None:
        """Move the cursor ``delta`` rows (down when positive), skipping headings."""
        if not self._rows:
            return
        step = 1 if delta > 0 else -1
        target = min(max(self._cursor + delta, 0), len(self._rows) - 1)
        index = self._selectable_from(target, step)
        if index < 0:
            index = self._selectable_from(target, -step)
        if index >= 0 and index != self._cursor:
            self._move_cursor(index)

    def action_cursor_page(self, direction: int) -> None:
        """Move the cursor a page down (1) or up (-1)."""
        self.action_cursor_move(direction * max(1, self.body_height - 1))

    def action_cursor_top(self) -> None:
        """Move the cursor to the first row (and show any headings above it)."""
        self.action_cursor_move(-len(self._rows))
        self.scroll_to(y=0, animate=False, force=True)

    def action_cursor_bottom(self) -> None:
        """Move the cursor to the last row."""
        self.action_cursor_move(len(self._rows))

    def action_choose(self) -> None:
        """Choose the row under the cursor."""
        if self._cursor >= 0:
            self.row_chosen(self._cursor)

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self.header_height:
            return
        index = self.scroll_offset.y + offset.y - self.header_height
        if not 0 <= index < len(self._rows) or self.row_is_heading(self._rows[index]):
            return
        self.focus()
        if index != self._cursor:
            self._move_cursor(index)
        if self.CLICK_CHOOSES or event.chain > 1:
            self.row_chosen(index)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(0, len(self._rows) + self.header_height)
        self.refresh()

    def column_widths(self, total: int) -> list[int]:
        """The width of each column in a line ``total`` cells wide (flexible ones share the rest; 0 hides one)."""
        fixed = [column.width for column in self.columns if column.width is not None]
        flexible = len(self.columns) - len(fixed)
        spare = max(0, total - sum(fixed) - (len(self.columns) - 1))
        share = spare // flexible if flexible else 0
        return [share if column.width is None else column.width for column in self.columns]

    def notify_style_update(self) -> None:
        """Styles changed (theme, focus): rendered lines are stale."""
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        """Render line ``y`` of the view: the header, or the row scrolled there (cached per key and cursor)."""
        width = self.scrollable_content_region.width
        if y < self.header_height:
            cells = [Text(column.title) for column in self.columns]
            style = self.rich_style + self.get_component_rich_style("row-list--header")
            return self._strip(self._join(cells, self.column_widths(width)), style, width)
        index = self.scroll_offset.y + y - self.header_height
        if not 0 <= index < len(self._rows):
            return Strip.blank(width, self.rich_style)
        row = self._rows[index]
        cache_key = (self.row_key(row), index == self._cursor, width)
        strip = self._strips.get(cache_key)
        if strip is None:
            strip = self._render_row(row, index == self._cursor, width)
            self._strips.set(cache_key, strip)
        return strip

    def _render_row(self, row: RowT, is_cursor: bool, width: int) -> Strip:
        style = self.rich_style
        if self.row_is_heading(row):
            style += self.get_component_rich_style("row-list--heading")
            text = Text().join(self.row_cells(row))
        else:
            text = self._join(self.row_cells(row), self.column_widths(width))
        if is_cursor:
            style += self.get_component_rich_style("row-list--cursor")
        return self._strip(text, style, width)

    def _join(self, cells: Sequence[Text], widths: list[int]) -> Text:
        """Cells cut (with an ellipsis) or padded to their column widths, one space apart."""
        line = Text(no_wrap=True)
        for index, width in enumerate(widths):
            if width <= 0:  # a column left out (or squeezed to nothing): no cell and no gap
                continue
            cell = cells[index].copy() if index < len(cells) else Text()
            cell.truncate(width, overflow="ellipsis")
            padding = " " * (width - cell.cell_len)
            cell = Text(padding) + cell if self.columns[index].justify == "right" else cell + padding
            if line:
                line.append(" ")
            line.append_text(cell)
        return line

    def _strip(self, text: Text, style: Style, width: int) -> Strip:
        text.truncate(width, overflow="ellipsis")
        strip = Strip(text.render(self.app.console), cell_len(text.plain))
        return strip.apply_style(style).crop_extend(0, width, style)
