"""DooverApp: the Textual application shell — screens, global bindings, theme, last-resort errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState

from doover_tui.config.connection import Connection
from doover_tui.screens.browser import BrowserScreen
from doover_tui.store import Store


class DooverApp(App[int]):
    """The doover-tui application. The store and connection come in from the command line."""

    TITLE = "doover-tui"
    CSS_PATH = "styles/app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    SCREENS_WITH_BINDINGS = (BrowserScreen,)
    """Every screen whose binding ids the keymap may name."""

    def __init__(
        self,
        store: Store,
        connection: Connection,
        *,
        theme: str = "textual-dark",
        keymap: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.connection = connection
        self._requested_theme = theme
        self._requested_keymap = dict(keymap or {})

    def on_mount(self) -> None:
        """Apply theme and keymap (saying what was not understood) and open the browser."""
        if self._requested_theme in self.available_themes:
            self.theme = self._requested_theme
        else:
            self.notify(f"unknown theme {self._requested_theme!r}; using {self.theme}", severity="warning")
        unknown = sorted(set(self._requested_keymap) - self.binding_ids())
        if unknown:
            self.notify(f"keymap names unknown binding ids: {', '.join(unknown)}", severity="warning", markup=False)
        self.set_keymap(self._requested_keymap)
        self.push_screen(BrowserScreen(self.store, self.connection))

    @classmethod
    def binding_ids(cls) -> set[str]:
        """The ids of every binding of the app and its screens (what a keymap may remap)."""
        owners = (cls, *cls.SCREENS_WITH_BINDINGS)
        return {b.id for owner in owners for b in owner.BINDINGS if isinstance(b, Binding) and b.id}

    async def on_unmount(self) -> None:
        """Close connections when the app ends."""
        await self.store.aclose()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Last resort: a worker that died of something unexpected is reported, not fatal."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.log.error("worker failed", worker=event.worker.name, error=repr(error))
            self.notify(
                f"{type(error).__name__}: {error}",
                title="Unexpected error",
                severity="error",
                markup=False,
            )
