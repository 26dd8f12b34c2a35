"""The Messages tab: a channel's messages newest first, as time · author · one-line summary."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.message import Message as TextualMessage

from doover_tui.api.models import Message
from doover_tui.json_summary import summarize
from doover_tui.literal import printable
from doover_tui.widgets.row_list import Column, RowList

NEAR_BOTTOM = 20
"""Rows from the bottom at which older messages are asked for."""

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class MessageTable(RowList[Message]):
    """A channel's loaded messages, newest first; summaries are built only for rows on screen.

    Keys are RowList's (``rows.*`` ids); enter (or a double click) chooses a message, and
    end/G on the last row asks for older messages.
    """

    CLICK_CHOOSES: ClassVar[bool] = False

    @dataclass
    class MessageChosen(TextualMessage):
        """Enter chose a message."""

        message_table: MessageTable
        """The table that posted this."""
        message: Message
        """The chosen message."""

        @property
        def control(self) -> MessageTable:
            """The table that posted this."""
            return self.message_table

    @dataclass
    class OlderWanted(TextualMessage):
        """The cursor or the view came near the oldest loaded message: load the page before it."""

        message_table: MessageTable
        """The table that posted this."""

        @property
        def control(self) -> MessageTable:
            """The table that posted this."""
            return self.message_table

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        columns = (Column("Local time", width=19), Column("Author", width=19), Column("Summary"))
        super().__init__(columns, name=name, id=id, classes=classes)
        self._summaries: LRUCache[str, str] = LRUCache(4096)
        self._older_armed = True
        self._author_names: Mapping[str, str] = {}

    def set_author_names(self, names: Mapping[str, str]) -> None:
        """Show authors by these names (agent id → label); unknown authors keep their id."""
        self._author_names = names
        self.refresh_rows()

    @property
    def selected_message(self) -> Message | None:
        """The message under the cursor."""
        return self.cursor_row

    def show(self, messages: Sequence[Message]) -> None:
        """Replace every message (given newest first), keeping the cursor on the same message id."""
        self._summaries.clear()
        self._older_armed = True
        self.set_rows(list(messages))
        self._check_near_bottom()

    def prepend(self, messages: Sequence[Message]) -> None:
        """Add newer messages (newest first) at the top; ones already loaded are skipped."""
        self.prepend_rows([message for message in messages if self.index_of(message.id) is None])

    def append(self, messages: Sequence[Message]) -> None:
        """Add older messages (newest first) at the bottom; ones already loaded are skipped."""
        fresh = [message for message in messages if self.index_of(message.id) is None]
        if fresh:
            self._older_armed = True
            self.append_rows(fresh)
            self._check_near_bottom()

    def message_after(self, message: Message) -> Message | None:
        """The next-older loaded message after ``message`` (None for the oldest or an unknown one)."""
        index = self.index_of(message.id)
        if index is None or index + 1 >= len(self.rows):
            return None
        return self.rows[index + 1]

    def row_key(self, row: Message) -> Hashable:
        """Messages are keyed by id."""
        return row.id

    def row_is_heading(self, row: Message) -> bool:
        """No headings here."""
        return False

    def row_cells(self, row: Message) -> Sequence[Text]:
        """Local time, author and the summary of the data (computed once per message id)."""
        created = row.created_at
        when = created.astimezone().strftime(TIME_FORMAT) if created is not None else ""
        summary = self._summaries.get(row.id)
        if summary is None:
            summary = summarize(row.data)
            self._summaries.set(row.id, summary)
        author = self._author_names.get(row.author_id, row.author_id)
        return [Text(when), Text(printable(author)), Text(summary)]

    def cursor_moved(self, index: int) -> None:
        """A cursor near the bottom asks for older messages."""
        self._check_near_bottom()

    def row_chosen(self, index: int) -> None:
        """Say which message was chosen."""
        self.post_message(self.MessageChosen(self, self.rows[index]))

    def action_cursor_bottom(self) -> None:
        """Go to the last row; on the last row already, ask for older messages."""
        if self.rows and self.cursor_index == len(self.rows) - 1:
            self.post_message(self.OlderWanted(self))
        else:
            super().action_cursor_bottom()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolling near the bottom asks for older messages too."""
        super().watch_scroll_y(old_value, new_value)
        self._check_near_bottom()

    def on_resize(self, event: events.Resize) -> None:
        """A taller view may reach the bottom."""
        self._check_near_bottom()

    def _check_near_bottom(self) -> None:
        if not self._older_armed or not self.rows:
            return
        last_visible = self.scroll_offset.y + self.body_height - 1
        if len(self.rows) - 1 - max(self.cursor_index, last_visible) <= NEAR_BOTTOM:
            self._older_armed = False
            self.post_message(self.OlderWanted(self))
