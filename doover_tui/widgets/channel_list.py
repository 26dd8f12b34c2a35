"""The channels pane: an agent's channels with the age of their last update and a private marker."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual.message import Message

from doover_tui.api.models import Aggregate, Channel
from doover_tui.literal import printable
from doover_tui.widgets.row_list import Column, RowList
from doover_tui.widgets.status_bar import age_words


class ChannelList(RowList[Channel]):
    """An agent's channels, sorted by name; the name column shrinks (with an ellipsis) to fit.

    | key | action |
    | --- | --- |
    | up/down, g/G | move |
    | enter | open the channel (focus its detail) |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"channel-list--private"}
    DEFAULT_CSS = """
    ChannelList > .channel-list--private {
        color: $text-warning;
        text-style: italic;
    }
    """

    class ChannelHighlighted(Message):
        """The cursor moved to a channel."""

        def __init__(self, channel_list: ChannelList, channel: Channel) -> None:
            super().__init__()
            self.channel_list = channel_list
            self.channel = channel

        @property
        def control(self) -> ChannelList:
            """The list that posted this."""
            return self.channel_list

    class ChannelChosen(ChannelHighlighted):
        """Enter (or a click) on a channel."""

    def __init__(self, *, clock: Callable[[], float] = time.time, **kwargs: Any) -> None:
        columns = (Column("Channel"), Column("Updated", width=7, justify="right"), Column("", width=4))
        super().__init__(columns, **kwargs)
        self._clock = clock

    @property
    def channels(self) -> list[Channel]:
        """The channels shown, in order."""
        return list(self.rows)

    @property
    def highlighted_channel(self) -> Channel | None:
        """The channel under the cursor."""
        return self.cursor_row

    def show(self, channels: Sequence[Channel]) -> None:
        """Show these channels, keeping the cursor on the same channel name when it is still there."""
        self.set_rows(sorted(channels, key=lambda channel: channel.name.casefold()))

    def update_aggregate(self, name: str, aggregate: Aggregate) -> None:
        """A channel's aggregate changed (live): its age starts again from the new value's time."""
        rows = list(self.rows)
        for index, channel in enumerate(rows):
            if channel.name == name:
                if aggregate.last_updated is None:
                    aggregate = replace(aggregate, last_updated=int(self._clock() * 1000))
                rows[index] = replace(channel, aggregate=aggregate)
                self.set_rows(rows)
                return

    def select_channel(self, name: str) -> bool:
        """Move the cursor to the channel called ``name``; False when there is none."""
        return self.select_key(name)

    def row_key(self, row: Channel) -> Hashable:
        """Channels are keyed by name (unique per agent)."""
        return row.name

    def row_is_heading(self, row: Channel) -> bool:
        """No headings here."""
        return False

    def row_cells(self, row: Channel) -> Sequence[Text]:
        """Name, age of the aggregate's last update, and "priv" for a private channel."""
        updated = row.aggregate.last_updated if row.aggregate is not None else None
        age = age_words(self._clock() - updated / 1000) if updated is not None else "–"
        private_style = self.get_component_rich_style("channel-list--private", partial=True)
        private = Text("priv", style=private_style) if row.is_private else Text("")
        return [Text(printable(row.name)), Text(age), private]

    def cursor_moved(self, index: int) -> None:
        """Say which channel the cursor is on."""
        self.post_message(self.ChannelHighlighted(self, self.rows[index]))

    def row_chosen(self, index: int) -> None:
        """Say which channel was chosen."""
        self.post_message(self.ChannelChosen(self, self.rows[index]))
