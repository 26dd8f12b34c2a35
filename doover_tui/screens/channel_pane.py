"""The channel detail pane: Aggregate / Messages / Chart / Info tabs, following the channel live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import TabbedContent, TabPane
from textual.worker import Worker

from doover_tui.api.errors import DooverError
from doover_tui.api.models import Aggregate, ChannelRef, Message
from doover_tui.literal import printable
from doover_tui.screens.aggregate_view import AggregateView
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.chart_view import ChartView
from doover_tui.screens.info_view import InfoView
from doover_tui.screens.messages_view import MessagesView
from doover_tui.screens.worker_errors import report_failed_worker
from doover_tui.store import Store
from doover_tui.store_events import (
    AggregateChanged,
    MessageChanged,
    MessagesArrived,
    ResourceRefreshed,
    StoreEvent,
)

LIVE_REFRESH_SECONDS = 0.1
"""Live data reaches the screen at most this often (10 Hz): bursts are coalesced in between."""
TABS = ("aggregate", "messages", "chart", "info")


class ChannelPane(Vertical):
    """Shows one channel; follows it over the gateway (or polling) while it is on screen.

    | key | action |
    | --- | --- |
    | a / m / c / i | Aggregate / Messages / Chart / Info tab |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "tab('aggregate')", "Aggregate", show=False, id="channel.tab-aggregate"),
        Binding("m", "tab('messages')", "Messages", show=False, id="channel.tab-messages"),
        Binding("c", "tab('chart')", "Chart", show=False, id="channel.tab-chart"),
        Binding("i", "tab('info')", "Info", show=False, id="channel.tab-info"),
    ]

    def __init__(self, store: Store, options: BrowserOptions, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.options = options
        self.ref: ChannelRef | None = None
        """The channel on screen."""
        self._pending_aggregate: Aggregate | None = None
        self._pending_messages: list[Message] = []
        self._flush_timer: Timer | None = None
        self._stop_listening: Callable[[], None] = _nothing_to_stop

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported (worker messages do not bubble to the app)."""
        report_failed_worker(self, event)

    def compose(self) -> ComposeResult:
        """The four tabs."""
        with TabbedContent(id="channel-tabs"):
            with TabPane("Aggregate", id="tab-aggregate"):
                yield AggregateView(self.store, self.options, id="aggregate-view")
            with TabPane("Messages", id="tab-messages"):
                yield MessagesView(self.store, self.options, id="messages-view")
            with TabPane("Chart", id="tab-chart"):
                yield ChartView(id="chart-view")
            with TabPane("Info", id="tab-info"):
                yield InfoView(self.store, id="info-view")

    def on_mount(self) -> None:
        """Hear the store's live events for the channel on screen."""
        self._stop_listening = self.store.listen(self._on_store_event)

    def on_unmount(self) -> None:
        """Stop hearing events and stop following."""
        self._stop_listening()
        if self.ref is not None:
            self.unfollow(self.ref)

    def open(self, ref: ChannelRef, *, title: str = "", force: bool = False) -> None:
        """Show a channel: load each tab's data (cached at once) and follow it live."""
        previous = self.ref
        self.ref = ref
        # A Text title: a str would be read as markup, and channel names come from devices.
        self.border_title = Text(printable(f"{title} › {ref.name}" if title else ref.name))
        self._pending_aggregate, self._pending_messages = None, []
        if previous != ref:
            self.query_one(ChartView).reset()
            if previous is not None:
                self.unfollow(previous)
            self.follow(ref)
        self.query_one(AggregateView).open(ref, force=force)
        self.query_one(MessagesView).open(ref, force=force)
        self.query_one(InfoView).open(ref, force=force)

    def clear(self) -> None:
        """Show no channel (another agent was chosen) and stop following the old one."""
        if self.ref is not None:
            self.unfollow(self.ref)
        self.ref = None
        self.border_title = Text("no channel chosen")
        self._pending_aggregate, self._pending_messages = None, []
        self.query_one(AggregateView).clear()
        self.query_one(MessagesView).clear()
        self.query_one(InfoView).clear()
        self.query_one(ChartView).reset()

    @work(group="follow", exit_on_error=False, description="follow channel")
    async def follow(self, ref: ChannelRef) -> None:
        """Subscribe to live events for the channel (the store polls when the gateway is down)."""
        try:
            await self.store.follow(ref)
        except DooverError as exc:
            self.notify(exc.detail, title="Live updates unavailable", severity="warning", markup=False)

    @work(group="follow", exit_on_error=False, description="unfollow channel")
    async def unfollow(self, ref: ChannelRef) -> None:
        """Stop live events for a channel no longer on screen."""
        try:
            await self.store.unfollow(ref)
        except DooverError as exc:
            self.log.warning("unfollow failed", channel=ref.name, error=exc.detail)

    def _on_store_event(self, event: StoreEvent) -> None:
        if isinstance(event, ResourceRefreshed):
            self._on_refreshed(event)
            return
        if isinstance(event, AggregateChanged) and event.channel == self.ref:
            self._pending_aggregate = event.aggregate
        elif isinstance(event, MessagesArrived) and event.channel == self.ref:
            self._pending_messages.extend(event.messages)
        elif isinstance(event, MessageChanged) and event.channel == self.ref:
            self.query_one(MessagesView).replace(event.message)
            return
        else:
            return
        self._schedule_flush()

    def _on_refreshed(self, event: ResourceRefreshed) -> None:
        """A background refresh of something on screen (cached data was shown first)."""
        if event.key == ("aggregate", self.ref):
            self._pending_aggregate = event.value
        elif event.key == ("messages", self.ref):
            self._pending_messages.extend(event.value)
        elif event.key == ("channel", self.ref):
            self.query_one(InfoView).show(event.value)
            return
        else:
            return
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(LIVE_REFRESH_SECONDS, self._flush)

    def _flush(self) -> None:
        """Apply everything that arrived since the last flush, in one screen update."""
        self._flush_timer = None
        aggregate, self._pending_aggregate = self._pending_aggregate, None
        messages, self._pending_messages = self._pending_messages, []
        with self.app.batch_update():
            if aggregate is not None:
                self.query_one(AggregateView).show(aggregate)
            if messages:
                view = self.query_one(MessagesView)
                view.add_live(messages)
                if self.active_tab == "chart":
                    self.query_one(ChartView).show_messages(view.window.messages)

    @property
    def active_tab(self) -> str:
        """The tab on screen: aggregate, messages, chart or info."""
        return self.query_one(TabbedContent).active.removeprefix("tab-")

    def action_tab(self, tab: str) -> None:
        """Switch tab and put the keyboard in it."""
        self.query_one(TabbedContent).active = f"tab-{tab}"
        self.focus_tab()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        if self.active_tab == "chart":
            self.query_one(ChartView).show_messages(self.query_one(MessagesView).window.messages)

    def focus_tab(self) -> None:
        """Focus the main widget of the tab on screen."""
        targets = {"aggregate": "#tree", "messages": "#messages", "chart": "#chart-view", "info": "#info-view"}
        self.query_one(targets[self.active_tab]).focus()


def _nothing_to_stop() -> None:
    """What stops listening before the store was listened to."""
