"""The channels pane: an agent's channels with the age of their last update and a private marker."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from doover_tui.api.models import Channel
from doover_tui.literal import printable
from doover_tui.widgets.status_bar import age_words


class ChannelList(DataTable[Text]):
    """An agent's channels, sorted by name; enter opens one.

    | key | action |
    | --- | --- |
    | up/down | move |
    | enter | open the channel (focus its detail) |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Open", id="channels.open"),
    ]

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
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._clock = clock
        self._channels: list[Channel] = []

    def on_mount(self) -> None:
        """Columns: name, age, privacy."""
        self.add_column("channel", key="name")
        self.add_column("age", key="age")
        self.add_column("", key="private")

    @property
    def channels(self) -> list[Channel]:
        """The channels shown, in order."""
        return list(self._channels)

    @property
    def highlighted_channel(self) -> Channel | None:
        """The channel under the cursor."""
        if not self._channels or not 0 <= self.cursor_row < len(self._channels):
            return None
        return self._channels[self.cursor_row]

    def show(self, channels: Sequence[Channel]) -> None:
        """Show these channels, keeping the cursor on the same channel name when it is still there."""
        current = self.highlighted_channel
        self._channels = sorted(channels, key=lambda channel: channel.name.casefold())
        now_ms = self._clock() * 1000
        self.clear()
        for channel in self._channels:
            updated = channel.aggregate.last_updated if channel.aggregate is not None else None
            age = age_words((now_ms - updated) / 1000) if updated is not None else "–"
            private = Text("private", style="italic") if channel.is_private else Text("")
            self.add_row(Text(printable(channel.name)), Text(age, justify="right"), private, key=channel.name)
        if current is not None:
            self.select_channel(current.name)

    def select_channel(self, name: str) -> bool:
        """Move the cursor to the channel called ``name``; False when there is none."""
        for index, channel in enumerate(self._channels):
            if channel.name == name:
                self.move_cursor(row=index)
                return True
        return False

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Say which channel the cursor is on, as a channel (not a row index)."""
        event.stop()
        channel = self.highlighted_channel
        if channel is not None:
            self.post_message(self.ChannelHighlighted(self, channel))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """A click or enter on a row chooses the channel."""
        event.stop()
        self.action_choose()

    def action_choose(self) -> None:
        """Choose the channel under the cursor."""
        channel = self.highlighted_channel
        if channel is not None:
            self.post_message(self.ChannelChosen(self, channel))
