"""The applications and tunnels areas, built when first shown (their imports are not needed for the first paint)."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen

from doover_tui.api.models import Agent
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.store import Store


class LazyAreas:
    """Screen factories for the app's modes 2 and 3; the Markdown renderer and the rest cost ~40 ms to import."""

    def __init__(self, store: Store, options: BrowserOptions, current_agent: Callable[[], Agent | None]) -> None:
        self.store = store
        self.options = options
        self.current_agent = current_agent
        self._tunnels: Screen[None] | None = None

    def applications(self) -> Screen[None]:
        """A new applications screen (Textual keeps it while the mode lives)."""
        from doover_tui.screens.applications import ApplicationsScreen

        return ApplicationsScreen(self.store, self.options, self.current_agent)

    def tunnels(self) -> Screen[None]:
        """The tunnels screen: one instance, so tunnels opened locally (doover-tunnel) survive switching areas."""
        from doover_tui.screens.tunnels import TunnelsScreen

        if self._tunnels is None:
            self._tunnels = TunnelsScreen(self.store, self.options, self.current_agent)
        return self._tunnels

    @staticmethod
    def screen_classes() -> tuple[type[Screen[None]], ...]:
        """The screens' classes, for listing their binding ids (imports them)."""
        from doover_tui.screens.applications import ApplicationsScreen
        from doover_tui.screens.tunnels import TunnelsScreen

        return (ApplicationsScreen, TunnelsScreen)
