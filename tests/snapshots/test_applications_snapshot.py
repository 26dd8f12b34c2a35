"""Snapshots of the applications screen on the frozen demo fleet (see tests/snapshots/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Markdown
from textual.widgets.markdown import MarkdownBlock

import doover_tui
from doover_tui.api.models import Agent
from doover_tui.emulator.server import RunningEmulator
from doover_tui.screens.applications import ApplicationsScreen
from doover_tui.screens.applications_form import ApplicationFormModal
from doover_tui.screens.applications_preview import ApplicationPreviewModal
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.store import Store
from doover_tui.widgets.application_table import ApplicationTable, InstallTable
from screenshots.make import AGENT, frozen_app
from tests.app.harness import until
from tests.snapshots.conftest import MAIN_SIZE


class FrozenApplications(App[None]):
    """The applications screen alone, over the frozen demo fleet's store, with the browser's agent fixed."""

    CSS_PATH = str(Path(doover_tui.__file__).parent / "styles" / "app.tcss")

    def __init__(self, store: Store, options: BrowserOptions) -> None:
        super().__init__()
        self.store = store
        self.options = options
        self.agent: Agent | None = None
        self.animation_level = "none"

    def on_mount(self) -> None:
        self.run_worker(self._open(), exit_on_error=False)

    async def _open(self) -> None:
        agents = (await self.store.agents()).value.agents
        self.agent = next(agent for agent in agents if agent.label == AGENT)
        await self.push_screen(ApplicationsScreen(self.store, self.options, lambda: self.agent))

    async def on_unmount(self) -> None:
        await self.store.aclose()


def frozen_applications(live: RunningEmulator) -> FrozenApplications:
    shell = frozen_app(live)
    return FrozenApplications(shell.store, shell.options)


async def applications_scene(pilot: Pilot[Any]) -> None:
    """pump_controller selected: the agent's installs listed, the long description rendered."""

    def ready() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, ApplicationsScreen) or screen.application is None:
            return False
        markdown = screen.query_one(Markdown)
        return bool(markdown.query(MarkdownBlock)) and len(screen.query_one(InstallTable).rows) > 0

    await until(pilot, ready, "the applications, installs and long description")
    screen = pilot.app.screen
    assert isinstance(screen, ApplicationsScreen)
    table = screen.query_one(ApplicationTable)
    table.select_application(next(app.id for app in table.rows if app.name == "pump_controller"))
    await until(pilot, lambda: screen.application is not None and screen.application.name == "pump_controller", "pc")
    await until(pilot, lambda: bool(screen.query_one(Markdown).query(MarkdownBlock)), "its long description")


async def preview_scene(pilot: Pilot[Any]) -> None:
    """The edit preview: the display name old → new, waiting for y."""
    await applications_scene(pilot)
    await pilot.press("e")
    await until(pilot, lambda: isinstance(pilot.app.screen, ApplicationFormModal), "the form")
    pilot.app.screen.query_one("#app-form-display_name", Input).value = "Pump Controller v2"
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(pilot.app.screen, ApplicationPreviewModal), "the preview")


def compare(snap_compare: Callable[..., bool], live: RunningEmulator, scene: Callable[..., Any]) -> bool:
    app = frozen_applications(live)

    async def run_before(pilot: Pilot[Any]) -> None:
        await scene(pilot)
        for screen in app.screen_stack:
            for box in screen.query(Input):
                box.cursor_blink = False
        await pilot.pause()

    return snap_compare(app, terminal_size=MAIN_SIZE, run_before=run_before)


def test_applications_screen(frozen_live: RunningEmulator, snap_compare: Callable[..., bool]) -> None:
    """Table with type and visibility in words, the agent's installs, and the selected application's detail."""
    assert compare(snap_compare, frozen_live, applications_scene)


def test_application_edit_preview(frozen_live: RunningEmulator, snap_compare: Callable[..., bool]) -> None:
    """The preview before an application's display name is changed."""
    assert compare(snap_compare, frozen_live, preview_scene)


def test_applications_screen_at_80_by_24(frozen_live: RunningEmulator, snap_compare: Callable[..., bool]) -> None:
    """The narrow layout: the table and installs fill the screen (enter shows the detail alone)."""
    app = frozen_applications(frozen_live)

    async def run_before(pilot: Pilot[Any]) -> None:
        await applications_scene(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
