"""The tunnels screen: the selected agent's tunnels (or every device's), toggled, edited and opened locally."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker

from doover_tui.api.errors import DooverError
from doover_tui.api.models import Agent, Tunnel
from doover_tui.literal import printable
from doover_tui.screens.browser_support import BrowserOptions, status_facts
from doover_tui.screens.json_modal import JsonModal
from doover_tui.screens.tunnels_local import LocalTunnels
from doover_tui.screens.tunnels_support import detail, device_for_new, label_of, local_words
from doover_tui.screens.tunnels_writes import TunnelWrites
from doover_tui.screens.worker_errors import notify_failure, report_failed_worker
from doover_tui.store import Store
from doover_tui.store_events import ResourceRefreshed, StoreEvent
from doover_tui.tunnel_rules import PollSchedule, TunnelState, ssh_command, state_of
from doover_tui.widgets.status_bar import StatusBar
from doover_tui.widgets.tunnel_table import TunnelRow, TunnelTable

RECHECK_SECONDS = 15.0
"""How often the list is read again (from the cache, refreshed in the background once it is stale)."""

WRITES = frozenset({"toggle_tunnel", "new", "edit", "delete", "open_local"})
"""Actions refused in a read-only session (doover-tunnel may itself activate a tunnel, so it counts)."""


class TunnelsScreen(Screen[None]):
    """Tunnels of the agent chosen in the browser, or of every device.

    | key | action |
    | --- | --- |
    | a | this agent's tunnels / every device's |
    | t, space | activate (asks first) / deactivate |
    | n / e / d | new / edit / delete (asks first) |
    | c | copy the public endpoint |
    | s | copy an ssh command (tcp tunnels to port 22) |
    | o | open locally through doover-tunnel / close it |
    | enter | every field of the tunnel |
    | r | reload |
    """

    AUTO_FOCUS = "#tunnel-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "scope", "All/agent", id="tunnels.scope"),
        Binding("t,space", "toggle_tunnel", "On/off", id="tunnels.toggle"),
        Binding("n", "new", "New", id="tunnels.new"),
        Binding("e", "edit", "Edit", id="tunnels.edit"),
        Binding("d", "delete", "Delete", id="tunnels.delete"),
        Binding("c", "copy_endpoint", "Copy", id="tunnels.copy"),
        Binding("s", "copy_ssh", "Copy ssh", id="tunnels.ssh"),
        Binding("o", "open_local", "Open locally", id="tunnels.open"),
        Binding("r", "reload", "Reload", show=False, id="tunnels.reload"),
    ]

    DEFAULT_CSS = """
    TunnelsScreen #tunnels-pane { height: 1fr; border: round $panel-lighten-2; border-title-color: $text; }
    TunnelsScreen #tunnel-table { height: 1fr; }
    TunnelsScreen #tunnel-detail { height: auto; max-height: 6; padding: 0 1; color: $text-muted; background: $boost; }
    """

    poll: PollSchedule = PollSchedule()
    """How a toggled tunnel is re-read until it shows the new state (tests shorten it)."""

    def __init__(self, store: Store, options: BrowserOptions, current_agent: Callable[[], Agent | None]) -> None:
        super().__init__()
        self.store = store
        self.options = options
        self.current_agent = current_agent
        self.agent: Agent | None = None
        """The browser's agent when the screen last showed (its tunnels are the default scope)."""
        self.all_devices = False
        self.tunnels: list[Tunnel] = []
        self.writes = TunnelWrites(self)
        """Writes, and toggles under way (their rows say PENDING)."""
        self.local = LocalTunnels(self, self.redraw)
        """The doover-tunnel processes started here."""
        self._loaded = False
        self._note = ""
        self._stop_listening: Callable[[], None] = lambda: None

    @property
    def scope(self) -> str | None:
        """The device whose tunnels are listed, or None for every device's."""
        return None if self.all_devices or self.agent is None else self.agent.id

    def compose(self) -> ComposeResult:
        """The table, the highlighted tunnel's details, the status bar, the footer."""
        with Vertical(id="tunnels-pane"):
            yield TunnelTable(id="tunnel-table")
            yield Static(detail(None, None, None, writable=not self.store.read_only), id="tunnel-detail")
        yield StatusBar(id="tunnels-status")
        yield Footer()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported."""
        report_failed_worker(self, event)

    def on_mount(self) -> None:
        """Listen to the store, keep the list and the status bar current."""
        self._stop_listening = self.store.listen(self._on_store_event)
        self.set_interval(1.0, self.refresh_status)
        self.set_interval(RECHECK_SECONDS, self.recheck)

    def on_screen_resume(self) -> None:
        """Follow the agent chosen in the browser since this screen last showed."""
        agent = self.current_agent()
        if not self._loaded or _id(agent) != _id(self.agent):
            self.agent = agent
            self.all_devices = self.all_devices or agent is None
            self.load()

    async def on_unmount(self) -> None:
        """Stop hearing the store, and stop every doover-tunnel this screen started (bounded)."""
        self._stop_listening()
        await self.local.stop_all()

    # Loading -----------------------------------------------------------------------------

    @work(exclusive=True, group="tunnels-load", exit_on_error=False, description="load tunnels")
    async def load(self, force: bool = False) -> None:
        """Read the tunnels of the scope and show them."""
        scope = self.scope
        self._set_title()
        self.refresh_status("loading tunnels…")
        try:
            result = await self.store.tunnels(scope, force=force)
        except DooverError as exc:
            self.refresh_status(f"{exc.title}: r retries")
            notify_failure(self, exc)
            return
        if scope == self.scope:
            self.show_tunnels(result.value)
        self.refresh_status("")

    @work(exclusive=True, group="tunnels-recheck", exit_on_error=False, description="recheck tunnels")
    async def recheck(self) -> None:
        """Read the list again; the store refreshes it in the background once stale (``ResourceRefreshed``)."""
        scope = self.scope
        try:
            result = await self.store.tunnels(scope)
        except DooverError:
            return  # counted in the status bar; what is on screen stays
        if result.age == 0 and scope == self.scope:
            self.show_tunnels(result.value)

    def _on_store_event(self, event: StoreEvent) -> None:
        if isinstance(event, ResourceRefreshed) and event.key == ("tunnels", self.scope):
            self.show_tunnels(event.value)

    def show_tunnels(self, tunnels: list[Tunnel]) -> None:
        """Show ``tunnels`` (PENDING where a toggle is unconfirmed)."""
        self.tunnels = list(tunnels)
        self._loaded = True
        self.redraw()

    def redraw(self) -> None:
        """Rebuild the rows from the tunnels, pending toggles and local ends; update the title and details."""
        if not self.is_mounted:
            return
        table = self.query_one(TunnelTable)
        table.show([TunnelRow(t, self.state(t), local_words(self.local.get(t.id))) for t in self.tunnels])
        self._set_title()
        self._show_detail()

    def state(self, tunnel: Tunnel) -> TunnelState:
        """What the state column says for ``tunnel``."""
        return state_of(tunnel, pending=tunnel.id in self.writes.pending)

    def _set_title(self) -> None:
        where = "every device" if self.scope is None else printable(self.agent.label if self.agent else "")
        pane = self.query_one("#tunnels-pane")
        pane.border_title = Text(f"Tunnels · {where} ({len(self.tunnels)})")
        pane.border_subtitle = Text("a: this agent only" if self.scope is None else "a: every device")

    @on(TunnelTable.TunnelHighlighted)
    def _show_detail(self) -> None:
        tunnel = self.query_one(TunnelTable).tunnel
        state = self.state(tunnel) if tunnel is not None else None
        local = self.local.get(tunnel.id) if tunnel is not None else None
        self.query_one("#tunnel-detail", Static).update(detail(tunnel, state, local, writable=not self.store.read_only))

    @on(TunnelTable.TunnelChosen)
    def _show_every_field(self, event: TunnelTable.TunnelChosen) -> None:
        """Enter: every field of the tunnel as the API gave it (read-only, copyable)."""
        self.app.push_screen(JsonModal(f"Tunnel {label_of(event.tunnel)}", asdict(event.tunnel)))

    def replace_tunnel(self, tunnel: Tunnel) -> None:
        """Put a freshly read tunnel in place of its old row."""
        self.tunnels = [tunnel if t.id == tunnel.id else t for t in self.tunnels]
        self.redraw()

    def refresh_status(self, note: str | None = None) -> None:
        """Recompute the status bar (every second, and after loads)."""
        if note is not None:
            self._note = note
        facts = status_facts(self.store, self.options, ("tunnels", self.scope), self._note)
        self.query_one(StatusBar).facts = facts

    # Actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Writes are hidden and refused in a read-only session."""
        return not (action in WRITES and self.store.read_only)

    def _highlighted(self) -> Tunnel | None:
        tunnel = self.query_one(TunnelTable).tunnel
        if tunnel is None:
            hint = "a switches the scope" if self.store.read_only else "n creates one, a switches the scope"
            self.notify(f"no tunnel here: {hint}", severity="warning", markup=False)
        return tunnel

    def action_scope(self) -> None:
        """Switch between the agent's tunnels and every device's."""
        if self.all_devices and self.current_agent() is None:
            self.notify("no agent chosen in the browser: press 1 and pick one", severity="warning", markup=False)
            return
        self.agent = self.current_agent()
        self.all_devices = not self.all_devices
        self.tunnels = []  # the other scope's rows must not pass for this one's while it loads
        self.redraw()
        self.load()

    def action_reload(self) -> None:
        """Read the tunnels from the server again."""
        self.load(force=True)

    def action_toggle_tunnel(self) -> None:
        """Deactivate an active tunnel; activate an inactive one after confirmation."""
        tunnel = self._highlighted()
        if tunnel is not None:
            self.writes.toggle(tunnel)

    def action_new(self) -> None:
        """Create a tunnel on the agent's device (or the highlighted tunnel's) through a checked form."""
        agent = self.agent if self.scope is not None else self.current_agent()
        device = device_for_new(agent, self.query_one(TunnelTable).tunnel)
        if isinstance(device, str):
            self.notify(device, severity="warning", markup=False)
        else:
            self.writes.new(*device)

    def action_edit(self) -> None:
        """Change the editable fields of the highlighted tunnel."""
        tunnel = self._highlighted()
        if tunnel is not None:
            self.writes.edit(tunnel)

    def action_delete(self) -> None:
        """Delete the highlighted tunnel after confirmation."""
        tunnel = self._highlighted()
        if tunnel is not None:
            self.writes.delete(tunnel)

    def action_copy_endpoint(self) -> None:
        """Copy the public endpoint."""
        tunnel = self._highlighted()
        if tunnel is None:
            return
        if not tunnel.endpoint:
            self.notify(f"{label_of(tunnel)} has no endpoint yet", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(tunnel.endpoint)
        self.notify(printable(tunnel.endpoint), title="Copied endpoint", markup=False)

    def action_copy_ssh(self) -> None:
        """Copy an ssh command for a tcp tunnel to port 22."""
        tunnel = self._highlighted()
        if tunnel is None:
            return
        try:
            command = ssh_command(tunnel)
        except ValueError as exc:
            self.notify(printable(str(exc)), title="No ssh command", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(command)
        self.notify(printable(command), title="Copied ssh command", markup=False)

    def action_open_local(self) -> None:
        """Open the tunnel locally through doover-tunnel, or close it when it is open."""
        tunnel = self._highlighted()
        if tunnel is not None:
            self.local.toggle(tunnel)


def _id(agent: Agent | None) -> str | None:
    return agent.id if agent is not None else None
