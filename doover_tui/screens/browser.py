"""The browser screen: agents → channels → channel detail, with the status bar."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input
from textual.worker import Worker

from doover_tui.api.errors import DooverError
from doover_tui.api.models import Agent, Channel, ChannelRef
from doover_tui.literal import printable
from doover_tui.screens.browser_support import BrowserOptions, find_agent, shown_key, status_facts
from doover_tui.screens.channel_pane import ChannelPane
from doover_tui.screens.worker_errors import notify_failure, report_failed_worker
from doover_tui.store import Store
from doover_tui.store_events import AggregateChanged, FeedState, FeedStateChanged, ResourceRefreshed, StoreEvent
from doover_tui.widgets.agent_list import AgentList
from doover_tui.widgets.channel_list import ChannelList
from doover_tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from doover_tui.screens.channel_form_modal import ChannelSettings

AGES_TICK_SECONDS = 5.0
"""How often the channel list's "updated" ages are redrawn."""
AGENTS_RECHECK_SECONDS = 30.0
"""How often the agents are read again (from the cache, refreshed in the background once it is stale)."""
SELECTION_SETTLE_SECONDS = 0.15
"""A highlighted agent or channel loads only once the cursor rests this long (arrow-key runs stay fast)."""


class BrowserScreen(Screen[None]):
    """Agents on the left, the highlighted agent's channels, then the chosen channel's detail.

    | key | action |
    | --- | --- |
    | / | filter agents (substring, or /regex/) |
    | v | agents grouped or flat |
    | r | reload what is on screen |
    | n | new channel on the agent |
    | escape | back one pane |
    """

    AUTO_FOCUS = "#agents"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter_agents", "Filter agents", id="browser.filter"),
        Binding("v", "toggle_grouping", "Group/flat", show=False, id="browser.group"),
        Binding("r", "refresh", "Reload", id="browser.refresh"),
        Binding("n", "new_channel", "New channel", show=False, id="browser.new-channel"),
        Binding("escape", "back", "Back", show=False, id="browser.back"),
    ]

    def __init__(self, store: Store, options: BrowserOptions) -> None:
        # The agent list has the keyboard first: starting with its class spares restyling the screen on that focus.
        super().__init__(classes="-in-agents")
        self.store = store
        self.options = options
        self.agents: tuple[Agent, ...] = ()
        """Every agent loaded (the list shows the filtered ones)."""
        self.agent: Agent | None = None
        """The agent whose channels are shown."""
        self.grouped = True
        self._pending_agent = options.agent
        self._pending_channel = options.channel
        self._settle: dict[str, Timer] = {}
        self._note = ""
        self._stop_listening: Callable[[], None] = _nothing_to_stop

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported (worker messages do not bubble to the app)."""
        report_failed_worker(self, event)

    def compose(self) -> ComposeResult:
        """Three panes side by side, the status bar, the footer."""
        with Horizontal(id="panes"):
            with Vertical(id="agents-pane"):
                yield Input(placeholder="filter: text or /regex/", id="agent-filter")
                yield AgentList(id="agents")
            yield ChannelList(clock=self.options.wall_clock, id="channels")
            yield ChannelPane(self.store, self.options, id="detail")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Start loading and keep the status bar current."""
        self.query_one("#agents-pane").border_title = "Agents"
        self.query_one(ChannelList).border_title = "Channels"
        self._stop_listening = self.store.listen(self._on_store_event)
        self.set_interval(1.0, self.refresh_status)
        # Ages in the channel list count on; agents' online state is re-read as its cache ages.
        self.set_interval(AGES_TICK_SECONDS, self.query_one(ChannelList).refresh_rows)
        self.set_interval(AGENTS_RECHECK_SECONDS, self.recheck_agents)
        self.refresh_status("loading agents…")
        self.load_agents(force=False)

    def on_unmount(self) -> None:
        """Stop hearing store events."""
        self._stop_listening()

    NARROW_WIDTH = 110
    """Below this many columns the browser shows two panes (or the detail alone), not three."""

    def on_resize(self, event: events.Resize) -> None:
        """Switch the narrow layout on or off."""
        self.set_class(event.size.width < self.NARROW_WIDTH, "-narrow")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Note which pane has the keyboard (the narrow layout shows panes around it)."""
        pane = "detail" if self.query_one(ChannelPane).has_focus_within else None
        if pane is None:
            pane = "channels" if self.query_one(ChannelList).has_focus else "agents"
        for name in ("agents", "channels", "detail"):
            self.set_class(name == pane, f"-in-{name}")

    # Loading -----------------------------------------------------------------------------

    @work(exclusive=True, group="agents", exit_on_error=False, description="load agents")
    async def load_agents(self, force: bool) -> None:
        """Fetch the agents and show them; open the agent asked for on the command line."""
        try:
            result = await self.store.agents(force=force)
        except DooverError as exc:
            self.refresh_status(f"{exc.title}: {exc.detail}")
            notify_failure(self, exc)
            return
        self.show_agents(result.value.agents)
        if self._pending_agent is not None:
            wanted, self._pending_agent = self._pending_agent, None
            if not self.select_agent(wanted, choose=True):
                self.notify(f"no agent matches '{printable(wanted)}'", severity="warning", markup=False)
        self.refresh_status("")

    @work(exclusive=True, group="agents-recheck", exit_on_error=False, description="recheck agents")
    async def recheck_agents(self) -> None:
        """Read the agents again: the store refreshes them in the background once they are stale.

        A refresh comes back as ``ResourceRefreshed`` (shown by ``_on_store_event``); an unchanged
        cache is not redrawn, so thousands of agents are not re-filtered every half minute.
        """
        try:
            result = await self.store.agents()
        except DooverError:
            return  # the status bar counts the failure; the list on screen stays as it is
        if result.age == 0 and not result.offline:
            self.show_agents(result.value.agents)  # nothing was cached: this was a fetch

    def show_agents(self, agents: tuple[Agent, ...]) -> None:
        """Show the agents through the current filter; an invalid regex is reported, not applied."""
        self.agents = agents
        self._apply_filter()
        # Message authors are agents: show their names rather than ids.
        self.query_one(ChannelPane).set_author_names({agent.id: agent.label for agent in agents})

    def _apply_filter(self) -> None:
        agent_list = self.query_one(AgentList)
        query = self.query_one("#agent-filter", Input).value
        try:
            agent_list.show(self.agents, query=query, grouped=self.grouped)
        except ValueError as exc:
            self.query_one("#agent-filter", Input).add_class("-invalid")
            self.refresh_status(str(exc))
            return
        self.query_one("#agent-filter", Input).remove_class("-invalid")
        shown, total = agent_list.shown_count, agent_list.total_count
        count = f"{shown:,}/{total:,}" if shown != total else f"{total:,}"
        self.query_one("#agents-pane").border_title = Text(f"Agents {count}")

    @on(AgentList.AgentHighlighted)
    def _agent_highlighted(self, event: AgentList.AgentHighlighted) -> None:
        # Any newer highlight replaces a pending one, even when it is the agent already open.
        agent = event.agent
        self._after_settling("agent", lambda: None if self._is_open(agent) else self.open_agent(agent))

    def _is_open(self, agent: Agent) -> bool:
        return self.agent is not None and self.agent.id == agent.id

    @on(AgentList.AgentChosen)
    def _agent_chosen(self, event: AgentList.AgentChosen) -> None:
        self.open_agent(event.agent)
        self.query_one(ChannelList).focus()

    def _after_settling(self, what: str, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the cursor of ``what`` (agent or channel) has rested; a newer move replaces it."""
        previous = self._settle.pop(what, None)
        if previous is not None:
            previous.stop()
        self._settle[what] = self.set_timer(SELECTION_SETTLE_SECONDS, callback)

    def open_agent(self, agent: Agent, *, force: bool = False) -> None:
        """Show an agent's channels."""
        if self.agent is None or agent.id != self.agent.id:
            self.query_one(ChannelList).show(())
            self.query_one(ChannelPane).clear()
        self.agent = agent
        # Text, not str: a str title is read as markup, and agent names come from devices.
        self.query_one(ChannelList).border_title = Text(printable(f"Channels · {agent.label}"))
        self.load_channels(agent, force)

    @work(exclusive=True, group="channels", exit_on_error=False, description="load channels")
    async def load_channels(self, agent: Agent, force: bool) -> None:
        """Fetch an agent's channels and show them, unless another agent was chosen meanwhile."""
        channel_list = self.query_one(ChannelList)
        try:
            result = await self.store.channels(agent.id, force=force)
        except DooverError as exc:
            notify_failure(self, exc)
            if self.agent is not None and agent.id == self.agent.id:
                channel_list.border_subtitle = Text(printable(f"{exc.title}: r retries"))
            return
        channel_list.border_subtitle = ""
        if self.agent is not None and agent.id == self.agent.id:
            self._show_channels(result.value)

    def _show_channels(self, channels: list[Channel]) -> None:
        channel_list = self.query_one(ChannelList)
        channel_list.show(channels)
        if self._pending_channel is not None:
            wanted, self._pending_channel = self._pending_channel, None
            if channel_list.select_channel(wanted):
                self.open_channel(channel_list.highlighted_channel, focus=True)
            else:
                self.notify(f"no channel '{printable(wanted)}' on this agent", severity="warning", markup=False)

    @on(ChannelList.ChannelHighlighted)
    def _channel_highlighted(self, event: ChannelList.ChannelHighlighted) -> None:
        if isinstance(event, ChannelList.ChannelChosen):
            self.open_channel(event.channel, focus=True)
        else:
            channel = event.channel
            self._after_settling("channel", lambda: self.open_channel(channel))

    def open_channel(self, channel: Channel | None, *, focus: bool = False) -> None:
        """Show a channel in the detail pane (and follow it live)."""
        if channel is None or self.agent is None:
            return
        pane = self.query_one(ChannelPane)
        ref = ChannelRef(self.agent.id, channel.name)
        if pane.ref != ref:
            pane.open(ref, title=self.agent.label)
        if focus:
            pane.focus_tab()
        self.refresh_status()

    def _on_store_event(self, event: StoreEvent) -> None:
        if isinstance(event, FeedStateChanged):
            self.refresh_status()
            channel_list = self.query_one(ChannelList)
            if event.state is not FeedState.OFFLINE and self.agent is not None and not channel_list.channels:
                self.load_channels(self.agent, False)  # the API is back: fetch what failed while it was away
        elif isinstance(event, AggregateChanged) and self.agent and event.channel.agent_id == self.agent.id:
            self.query_one(ChannelList).update_aggregate(event.channel.name, event.aggregate)
        elif isinstance(event, ResourceRefreshed) and event.key == ("agents",):
            self.show_agents(event.value.agents)
        elif isinstance(event, ResourceRefreshed) and self.agent and event.key == ("channels", self.agent.id):
            self.query_one(ChannelList).show(event.value)

    # Selection from outside (command line, palette) -----------------------------------------

    @property
    def channels(self) -> list[Channel]:
        """The channels of the agent on screen."""
        return self.query_one(ChannelList).channels if self.is_mounted else []

    def select_agent(self, wanted: str, *, choose: bool = False) -> bool:
        """Move to the agent with this id or name (exact, else a unique part of it); False if none."""
        agent = find_agent(self.agents, wanted)
        if agent is None:
            return self._filter_to(wanted)
        agent_list = self.query_one(AgentList)
        if not agent_list.select_agent(agent.id):
            self.query_one("#agent-filter", Input).value = ""
            self._apply_filter()
            agent_list.select_agent(agent.id)
        self.open_agent(agent)
        (self.query_one(ChannelList) if choose else agent_list).focus()
        return True

    def _filter_to(self, wanted: str) -> bool:
        """Several agents match ``wanted``: filter the list to them and let the user pick."""
        box = self.query_one("#agent-filter", Input)
        previous = box.value
        box.value = wanted
        self._apply_filter()
        shown = self.query_one(AgentList).shown_count
        if not shown:
            box.value = previous
            self._apply_filter()
            return False
        box.add_class("-open")
        self.query_one(AgentList).focus()
        self.notify(f"{shown} agents match '{printable(wanted)}': pick one", markup=False)
        return True

    def select_channel(self, name: str) -> bool:
        """Open a channel of the current agent by name; False if it has none by that name."""
        channel_list = self.query_one(ChannelList)
        if not channel_list.select_channel(name):
            return False
        self.open_channel(channel_list.highlighted_channel, focus=True)
        return True

    # Actions ---------------------------------------------------------------------------------

    def action_filter_agents(self) -> None:
        """Open the agent filter."""
        box = self.query_one("#agent-filter", Input)
        box.add_class("-open")
        # Focus after this key is done with: focused at once, the box would also receive the "/".
        self.call_after_refresh(box.focus)

    @on(Input.Changed, "#agent-filter")
    def _filter_changed(self) -> None:
        self._apply_filter()

    @on(Input.Submitted, "#agent-filter")
    def _filter_done(self) -> None:
        self.query_one(AgentList).focus()

    def action_toggle_grouping(self) -> None:
        """Agents grouped by organisation and group, or one flat list."""
        self.grouped = not self.grouped
        self._apply_filter()

    def action_refresh(self) -> None:
        """Reload agents, channels and the open channel from the server."""
        self.refresh_status("reloading…")
        self.load_agents(force=True)
        if self.agent is not None:
            self.load_channels(self.agent, True)
        pane = self.query_one(ChannelPane)
        if pane.ref is not None:
            pane.open(pane.ref, force=True)

    def action_back(self) -> None:
        """Escape: close the filter, or move the keyboard one pane to the left."""
        box = self.query_one("#agent-filter", Input)
        if box.has_focus:
            box.value = ""
            box.remove_class("-open")
            self.query_one(AgentList).focus()
        elif self.query_one(ChannelPane).has_focus_within:
            self.query_one(ChannelList).focus()
        else:
            self.query_one(AgentList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Creating a channel needs an agent and a writable session."""
        if action == "new_channel":
            return self.agent is not None and not self.store.read_only
        return True

    def action_new_channel(self) -> None:
        """Create a channel on the current agent (form first)."""
        if self.agent is not None:
            agent = self.agent
            from doover_tui.screens.channel_form_modal import ChannelFormModal  # first use only: off the start

            self.app.push_screen(ChannelFormModal(agent.label), lambda form: self._create_channel(agent, form))

    def _create_channel(self, agent: Agent, form: ChannelSettings | None) -> None:
        if form is not None:
            self.save_channel(agent, form)

    @work(exclusive=True, group="channel-write", exit_on_error=False, description="create channel")
    async def save_channel(self, agent: Agent, form: ChannelSettings) -> None:
        """Create a channel, then reload the agent's channels."""
        schemas = {"message_schema": form.message_schema, "aggregate_schema": form.aggregate_schema}
        try:
            await self.store.create_channel(agent.id, form.name, is_private=form.is_private, **schemas)
        except DooverError as exc:
            notify_failure(self, exc)
            return
        self.notify(f"channel {form.name} created", markup=False)
        self.load_channels(agent, True)

    def refresh_status(self, note: str | None = None) -> None:
        """Recompute the status bar from the store (every second, and after loads)."""
        if note is not None:
            self._note = note
        pane = self.query_one(ChannelPane)
        key = shown_key(self.agent, pane.ref)
        self.query_one(StatusBar).facts = status_facts(self.store, self.options, key, self._note)


def _nothing_to_stop() -> None:
    """What stops listening before the store was listened to."""
