"""The pane listing one agent's app installs (reference §5.5); it loads them itself and follows store refreshes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.worker import Worker

from doover_tui.api.errors import DooverError
from doover_tui.api.models import Agent, AppInstall
from doover_tui.literal import printable
from doover_tui.screens.worker_errors import notify_failure, report_failed_worker
from doover_tui.store import Store
from doover_tui.store_events import ResourceRefreshed, StoreEvent
from doover_tui.widgets.application_table import InstallTable

NO_AGENT = "Installs · choose an agent in the browser (1)"


class InstallsPane(Vertical):
    """The installs of the agent the browser has selected; enter on one shows its application."""

    @dataclass
    class InstallsShown(Message):
        """An agent's installs are on screen."""

        installs_pane: InstallsPane
        """The pane that posted this."""
        agent: Agent
        """Whose installs they are."""
        installs: tuple[AppInstall, ...]
        """The installs."""

        @property
        def control(self) -> InstallsPane:
            """The pane that posted this."""
            return self.installs_pane

    def __init__(self, store: Store, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.agent: Agent | None = None
        """The agent whose installs are listed."""
        self._stop_listening: Callable[[], None] = lambda: None

    def compose(self) -> ComposeResult:
        """The install table."""
        yield InstallTable(id="install-table")

    def on_mount(self) -> None:
        """Hear background refreshes of the installs."""
        self.border_title = NO_AGENT
        self._stop_listening = self.store.listen(self._on_store_event)

    def on_unmount(self) -> None:
        """Stop hearing store events."""
        self._stop_listening()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported (worker messages do not bubble to the app)."""
        report_failed_worker(self, event)

    def follow(self, agent: Agent | None) -> None:
        """List ``agent``'s installs, unless they are already listed."""
        if agent is not None and (self.agent is None or agent.id != self.agent.id):
            self.agent = agent
            self.query_one(InstallTable).show(())
            self.load_installs(agent, False)

    def reload(self) -> None:
        """Read the installs again from the server."""
        if self.agent is not None:
            self.load_installs(self.agent, True)

    @work(exclusive=True, group="app-installs", exit_on_error=False, description="load app installs")
    async def load_installs(self, agent: Agent, force: bool) -> None:
        """Fetch an agent's installs and list them, unless another agent was chosen meanwhile."""
        self.border_title = Text(printable(f"Installs on {agent.label} · loading…"))
        try:
            result = await self.store.app_installs(agent.id, force=force)
        except DooverError as exc:
            self.border_title = Text(printable(f"Installs on {agent.label} · {exc.title}"))
            notify_failure(self, exc)
            return
        if self.agent is not None and agent.id == self.agent.id:
            self.show_installs(agent, result.value)

    def show_installs(self, agent: Agent, installs: Sequence[AppInstall]) -> None:
        """List an agent's installs and say so."""
        self.query_one(InstallTable).show(installs)
        self.border_title = Text(printable(f"Installs on {agent.label} · {len(installs)}"))
        self.post_message(self.InstallsShown(self, agent, tuple(installs)))

    def _on_store_event(self, event: StoreEvent) -> None:
        agent = self.agent
        if isinstance(event, ResourceRefreshed) and agent is not None and event.key == ("app_installs", agent.id):
            self.show_installs(agent, event.value)
