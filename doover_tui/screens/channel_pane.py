"""The channel detail pane: Aggregate / Messages / Chart / Info tabs, following the channel live.

The tabs and their views are imported and built when the first channel opens: at start-up
nothing is open, and building them then would delay the first painted agents by ~100 ms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

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
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.worker_errors import report_failed_worker
from doover_tui.store import Store
from doover_tui.store_events import (
    AggregateChanged,
    MessageChanged,
    MessagesArrived,
    ResourceRefreshed,
    StoreEvent,
)
from doover_tui.widgets.message_table import MessageTable

if TYPE_CHECKING:
    from doover_tui.screens.aggregate_view import AggregateView
    from doover_tui.screens.chart_view import ChartView
    from doover_tui.screens.info_view import InfoView
    from doover_tui.screens.messages_view import MessagesView

LIVE_REFRESH_SECONDS = 0.1
"""Live data reaches the screen at most this often (10 Hz): bursts are coalesced in between."""
TABS = ("aggregate", "messages", "chart", "info")


@dataclass(frozen=True, slots=True)
class _Views:
    """The four tabs' views, once built."""

    aggregate: AggregateView
    messages: MessagesView
    chart: ChartView
    info: InfoView


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
        self._views: _Views | None = None
        """None until the first channel opens (see the module docstring)."""
        self._composed: _Views | None = None
        self._author_names: dict[str, str] = {}
        # Whether compose builds the tabs. A channel named on the command line opens at once: with the screen, then.
        self._tabs_wanted = options.channel is not None
        self._focus_when_built = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported (worker messages do not bubble to the app)."""
        report_failed_worker(self, event)

    def compose(self) -> ComposeResult:
        """The four tabs, once a channel is to be shown; nothing before."""
        if not self._tabs_wanted:
            return
        from doover_tui.screens.aggregate_view import AggregateView
        from doover_tui.screens.chart_view import ChartView
        from doover_tui.screens.info_view import InfoView
        from doover_tui.screens.messages_view import MessagesView

        views = _Views(
            AggregateView(self.store, self.options, id="aggregate-view"),
            MessagesView(self.store, self.options, id="messages-view"),
            ChartView(id="chart-view"),
            InfoView(self.store, id="info-view"),
        )
        with TabbedContent(id="channel-tabs"):
            with TabPane("Aggregate", id="tab-aggregate"):
                yield views.aggregate
            with TabPane("Messages", id="tab-messages"):
                yield views.messages
            with TabPane("Chart", id="tab-chart"):
                yield views.chart
            with TabPane("Info", id="tab-info"):
                yield views.info
        self._composed = views

    @property
    def views(self) -> _Views | None:
        """The tabs' views, or None while no channel has been opened yet."""
        return self._views

    async def _build(self, force: bool) -> None:
        """Build the tabs, then show the channel opened meanwhile."""
        await self.recompose()
        self._views = self._composed  # only now mounted: events may reach them from here on
        if self._views is None:
            return
        self.set_author_names(self._author_names)
        if self.ref is not None:
            self._open_views(self._views, self.ref, force)
        if self._focus_when_built:
            self.focus_tab()

    def on_mount(self) -> None:
        """Hear the store's live events for the channel on screen."""
        self._stop_listening = self.store.listen(self._on_store_event)
        if self._composed is not None:
            self._views = self._composed  # built with the screen (a channel was named at start)
            if self.ref is not None:
                self._open_views(self._views, self.ref, False)

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
            if previous is not None:
                self.unfollow(previous)
            self.follow(ref)
        if self._views is not None:
            if previous != ref:
                self._views.chart.reset()
            self._open_views(self._views, ref, force)
        elif not self._tabs_wanted:
            self._tabs_wanted = True
            self.call_later(self._build, force)

    def set_author_names(self, names: dict[str, str]) -> None:
        """Show message authors by these names (agent id → label), now or once the tabs are built."""
        self._author_names = names
        if self._views is not None:
            for table in self._views.messages.query(MessageTable):  # none while the app is closing
                table.set_author_names(names)

    @staticmethod
    def _open_views(views: _Views, ref: ChannelRef, force: bool) -> None:
        views.aggregate.open(ref, force=force)
        views.messages.open(ref, force=force)
        views.info.open(ref, force=force)

    def clear(self) -> None:
        """Show no channel (another agent was chosen) and stop following the old one."""
        if self.ref is not None:
            self.unfollow(self.ref)
        self.ref = None
        self.border_title = Text("no channel chosen")
        self._pending_aggregate, self._pending_messages = None, []
        if self._views is not None:
            self._views.aggregate.clear()
            self._views.messages.clear()
            self._views.info.clear()
            self._views.chart.reset()

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
            if self._views is not None:
                self._views.messages.replace(event.message)
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
            if self._views is not None:
                self._views.info.show(event.value)
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
        views = self._views
        if views is None:
            return  # the views load the channel themselves when they are built
        with self.app.batch_update():
            if aggregate is not None:
                views.aggregate.show(aggregate)
            if messages:
                views.messages.add_live(messages)
                if self.active_tab == "chart":
                    views.chart.show_messages(views.messages.window.messages)

    @property
    def active_tab(self) -> str:
        """The tab on screen: aggregate, messages, chart or info (aggregate before any channel opened)."""
        if self._views is None:
            return "aggregate"
        return self.query_one(TabbedContent).active.removeprefix("tab-")

    def action_tab(self, tab: str) -> None:
        """Switch tab and put the keyboard in it."""
        if self._views is not None:
            self.query_one(TabbedContent).active = f"tab-{tab}"
            self.focus_tab()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        if self._views is not None and self.active_tab == "chart":
            self._views.chart.show_messages(self._views.messages.window.messages)

    def focus_tab(self) -> None:
        """Focus the main widget of the tab on screen (once the tabs are built)."""
        if self._views is None:
            self._focus_when_built = True
            return
        targets = {"aggregate": "#tree", "messages": "#messages", "chart": "#chart-view", "info": "#info-view"}
        self.query_one(targets[self.active_tab]).focus()


def _nothing_to_stop() -> None:
    """What stops listening before the store was listened to."""
