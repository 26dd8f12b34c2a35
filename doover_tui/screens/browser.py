"""The browser screen: for now, the agent list with online state (the full browser builds on it)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from doover_tui.api.errors import DooverError
from doover_tui.api.models import Agent
from doover_tui.config.connection import Connection
from doover_tui.literal import printable
from doover_tui.store import Store

STATE_STYLES = {"ONLINE": "green", "OFFLINE": "red", "UNKNOWN": "yellow"}


class BrowserScreen(Screen[None]):
    """Agents of the account, loaded through the store in a worker.

    | key | action |
    | --- | --- |
    | r | reload from the server |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Reload", id="browser.refresh"),
    ]

    # always_update: a reload that returns equal data must still refresh the status line.
    agents: reactive[tuple[Agent, ...] | None] = reactive(None, always_update=True)
    """The agents on screen; None until the first load."""

    def __init__(self, store: Store, connection: Connection) -> None:
        super().__init__()
        self.store = store
        self.connection = connection

    def compose(self) -> ComposeResult:
        """Agent table, status line, footer."""
        yield DataTable(id="agents", cursor_type="row", zebra_stripes=True)
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Set up the table and start loading."""
        table = self.query_one("#agents", DataTable)
        table.add_columns("agent", "state", "group", "id")
        self._status("loading agents…")
        self.load_agents(force=False)

    def action_refresh(self) -> None:
        """Reload the agents, bypassing the cache."""
        self._status("reloading…")
        self.load_agents(force=True)

    @work(exclusive=True, group="agents", exit_on_error=False, description="load agents")
    async def load_agents(self, force: bool) -> None:
        """Fetch the agents through the store and show them (or say why not)."""
        try:
            result = await self.store.agents(force=force)
        except DooverError as exc:
            self._status(f"{exc.title}: {exc.detail}")
            self.notify(printable(exc.detail), title=exc.title, severity="error", markup=False)
            return
        self.agents = result.value.agents

    def watch_agents(self, agents: tuple[Agent, ...] | None) -> None:
        """Fill the table; device-supplied names are shown literally (Text, never markup)."""
        if agents is None:
            return
        table = self.query_one("#agents", DataTable)
        table.clear()
        for agent in sorted(agents, key=lambda a: a.label.casefold()):
            state = agent.online_state
            table.add_row(
                Text(printable(agent.label)),
                Text(state, style=STATE_STYLES[state]),
                Text(printable(agent.group)),
                Text(printable(agent.id)),
                key=agent.id,
            )
        self._status(f"{len(agents)} agents")

    def _status(self, text: str) -> None:
        host = self.connection.control_url.split("://", 1)[-1]
        mode = " · READ-ONLY" if self.store.read_only else ""
        self.query_one("#status", Static).update(Text(printable(f"{self.connection.source} · {host}{mode} · {text}")))
