"""DooverApp: the Textual application shell — areas (modes), global keys, command line, theme, last-resort errors."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable, Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker

from doover_tui.commands import AgentsProvider, ChannelsProvider
from doover_tui.screens.api_log_modal import ApiLogModal
from doover_tui.screens.areas import LazyAreas
from doover_tui.screens.browser import BrowserScreen
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.channel_pane import ChannelPane
from doover_tui.screens.command_flow import run_command
from doover_tui.screens.command_line_modal import CommandLineModal
from doover_tui.screens.quit_flow import quit_keeping_drafts_safe
from doover_tui.screens.worker_errors import masked_traceback, report_failed_worker
from doover_tui.store import Store

log = logging.getLogger(__name__)


class DooverApp(App[int]):
    """The doover-tui application. The store and options come in from the command line.

    | key | action |
    | --- | --- |
    | 1 / 2 / 3 | browser / applications / tunnels |
    | : | command line |
    | ctrl+p | command palette |
    | ? / f1 | keys of the focused pane |
    | L | API log |
    | q | quit |
    """

    TITLE = "doover-tui"
    CSS_PATH = "styles/app.tcss"
    COMMANDS = App.COMMANDS | {AgentsProvider, ChannelsProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("1", "switch_mode('browser')", "Browser", show=False, id="app.browser"),
        Binding("2", "switch_mode('applications')", "Apps", show=False, id="app.applications"),
        Binding("3", "switch_mode('tunnels')", "Tunnels", show=False, id="app.tunnels"),
        Binding("colon", "command_line", "Command", show=False, id="app.command-line"),
        Binding("question_mark,f1", "toggle_help", "Help", id="app.help"),
        Binding("L", "api_log", "API log", show=False, id="app.api-log"),
    ]

    def __init__(
        self,
        store: Store,
        options: BrowserOptions,
        *,
        theme: str = "textual-dark",
        keymap: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.options = options
        self.browser = BrowserScreen(store, options)
        """The browser area's screen (kept, so the palette and command line can drive it)."""
        self._requested_theme = theme
        self._requested_keymap = dict(keymap or {})
        self.add_mode("browser", lambda: self.browser)
        areas = LazyAreas(store, options, lambda: self.browser.agent)
        self.add_mode("applications", areas.applications)
        self.add_mode("tunnels", areas.tunnels)

    def on_mount(self) -> None:
        """Apply theme and keymap (saying what was not understood) and open the browser."""
        # Over a real network the round trip and TLS handshake then overlap building the screen.
        self.store.prefetch_agents()
        if self._requested_theme in self.available_themes:
            self.theme = self._requested_theme
        else:
            self.notify(f"unknown theme {self._requested_theme!r}; using {self.theme}", severity="warning")
        unknown = sorted(set(self._requested_keymap) - self.binding_ids()) if self._requested_keymap else []
        if unknown:
            self.notify(f"keymap names unknown binding ids: {', '.join(unknown)}", severity="warning", markup=False)
        self.set_keymap(self._requested_keymap)
        self.switch_mode("browser")
        # Everything built so far (modules, classes, the screen) lives as long as the app: moved out of
        # the collector's reach, full collections no longer walk it, and no longer stall a keystroke
        # by 50-100 ms while live messages allocate (bench: keystroke p99).
        self.call_after_refresh(gc.freeze)

    @classmethod
    def binding_ids(cls) -> set[str]:
        """The ids of every binding of the app and its screens (what a keymap may remap)."""
        from doover_tui.screens.messages_view import MessagesView  # built with the first channel: not at start

        owners: tuple[type[DOMNode], ...] = (cls, BrowserScreen, ChannelPane, MessagesView, *LazyAreas.screen_classes())
        return {b.id for owner in owners for b in owner.BINDINGS if isinstance(b, Binding) and b.id}

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Our actions in the palette, next to Textual's own (themes, keys, quit)."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Browser", "agents, channels and live data (1)", lambda: self.switch_mode("browser"))
        yield SystemCommand("Applications", "the application catalogue (2)", lambda: self.switch_mode("applications"))
        yield SystemCommand("Tunnels", "remote-access tunnels (3)", lambda: self.switch_mode("tunnels"))
        yield SystemCommand("Reload", "reload what is on screen (r)", self.browser.action_refresh)
        yield SystemCommand("API log", "recent requests and their status (L)", self.action_api_log)
        yield SystemCommand("Command line", "type a command (:)", self.action_command_line)

    def open_agent(self, wanted: str) -> None:
        """Go to the browser and open an agent by id or name."""
        self.switch_mode("browser")
        if not self.browser.select_agent(wanted, choose=True):
            self.notify(f"no agent matches {wanted!r}", severity="warning", markup=False)

    def open_channel(self, name: str) -> None:
        """Go to the browser and open a channel of the current agent."""
        self.switch_mode("browser")
        if not self.browser.select_channel(name):
            self.notify(f"no channel {name!r} on the agent on screen", severity="warning", markup=False)

    def action_quit(self) -> None:  # type: ignore[override]  # Textual's is async; nothing here awaits
        """Quit, but first say so when unsent drafts are kept (and offer to drop them)."""
        quit_keeping_drafts_safe(self, self.options)

    def action_command_line(self) -> None:
        """Open the ``:`` command line."""
        self.push_screen(CommandLineModal(), self.run_command_line)

    def run_command_line(self, text: str | None) -> None:
        """Do what a ``:`` command says (or say why not)."""
        if text is not None:
            run_command(self, text)

    def action_toggle_help(self) -> None:
        """Show or hide the keys of the focused pane."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_api_log(self) -> None:
        """Open the API log."""
        if not isinstance(self.screen, ApiLogModal):
            self.push_screen(ApiLogModal(self.store.request_log))

    async def on_unmount(self) -> None:
        """Close connections when the app ends, and give the collector back what was frozen at start."""
        await self.store.aclose()
        gc.unfreeze()  # an app run in a longer process (tests, the bench) must not keep its objects forever

    def _handle_exception(self, error: Exception) -> None:
        """An exception outside workers stops the widget that raised it, so Textual exits; log it first.

        (Workers are the place for anything that can fail at run time: see ``report_failed_worker``.)
        """
        log.critical("unhandled exception:\n%s", masked_traceback(error))
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual's crash report shows every frame's locals, which may hold a token: print a masked traceback."""
        self.bell()
        self._exit_renderables.append(Text(masked_traceback(self._exception)))
        self._close_messages_no_wait()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers get the same last resort as the screens'."""
        report_failed_worker(self, event)
