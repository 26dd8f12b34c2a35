"""Write the README's SVG screenshots: the app on the emulator's demo fleet, with a fixed seed and a frozen clock.

Run from the repository root: ``python -m screenshots.make``. Two runs write byte-identical files.
The snapshot tests (tests/snapshots) build their apps with the helpers here, so both stay in step.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints, new_http_client
from doover_tui.api.http import RequestRecord
from doover_tui.app import DooverApp
from doover_tui.emulator.app import EmulatorConfig
from doover_tui.emulator.server import RunningEmulator, running
from doover_tui.request_log import RequestLog
from doover_tui.screens.aggregate_view import AggregateView
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.chart_view import ChartView
from doover_tui.store import Store
from doover_tui.widgets.json_tree import JsonTree
from doover_tui.widgets.message_table import MessageTable
from doover_tui.widgets.status_bar import StatusBar
from tests.app.harness import until

SEED_TIME_MS = 1_773_480_000_000
"""2026-03-14 09:20:00 UTC: where the seeded fleet's history ends, and the wall clock the app reads."""
STORE_CLOCK = 1_000.0
"""The store's monotonic clock, stopped: every age in the status bar reads "0 s"."""
TOKEN = "screenshot-token"
HOST = "demo emulator"
"""Shown in the status bar instead of 127.0.0.1 and the emulator's random port."""
ORIGIN = "http://emulator"
"""Shown in the API log instead of the emulator's real origin (which has the random port)."""
AGENT = "Pump Station Riverside"
SIZE = (150, 42)
OUT = Path(__file__).resolve().parent

Scene = Callable[[Pilot[Any]], Awaitable[None]]


class SteadyRequestLog(RequestLog):
    """A request log that reads the same on every run: fixed time and latency, no port, a stable order."""

    def __init__(self, origin: str) -> None:
        super().__init__()
        self._origin = origin.rstrip("/")

    def record(self, entry: RequestRecord) -> None:
        """Keep the attempt with its run-to-run noise (time, latency, port) replaced."""
        url = entry.url.replace(self._origin, ORIGIN)
        super().record(replace(entry, url=url, latency_ms=12.0, at=SEED_TIME_MS / 1000))

    def entries(self) -> list[RequestRecord]:
        """The attempts by URL: requests made together finish in any order."""
        return sorted(super().entries(), key=lambda entry: (entry.url, entry.method, entry.attempt))


@contextmanager
def frozen_emulator() -> Iterator[RunningEmulator]:
    """The demo fleet on loopback, seeded as of SEED_TIME_MS and publishing nothing by itself."""
    config = EmulatorConfig(
        database=":memory:", token=TOKEN, simulate=False, activation_delay=0.0, seed_time_ms=SEED_TIME_MS
    )
    with running(config) as live:
        yield live


def frozen_app(live: RunningEmulator, *, agent: str = AGENT, channel: str | None = "telemetry") -> DooverApp:
    """The app as ``doover-tui --agent A --channel C`` builds it, with every clock and run-to-run detail fixed."""
    urls = live.urls
    request_log = SteadyRequestLog(urls.root)
    client = DooverClient(
        Endpoints(urls.data, urls.control, urls.gateway),
        StaticToken(TOKEN),
        new_http_client(10),
        on_request=request_log.record,
    )
    store = Store(client, request_log=request_log, clock=lambda: STORE_CLOCK)
    options = BrowserOptions(
        source="demo", host=HOST, agent=agent, channel=channel, wall_clock=lambda: SEED_TIME_MS / 1000
    )
    app = DooverApp(store, options)
    app.animation_level = "none"  # tab underlines land at once
    return app


def steady(app: DooverApp) -> None:
    """Stop every cursor blinking (a blink would show or hide it depending on timing)."""
    for screen in app.screen_stack:
        for box in screen.query(Input):
            box.cursor_blink = False


async def channel_open(pilot: Pilot[Any]) -> None:
    """Wait until the channel's aggregate is on screen and the gateway is live."""
    browser = pilot.app.screen
    await until(pilot, lambda: browser.query_one(AggregateView).aggregate is not None, "the aggregate")
    await until(pilot, lambda: browser.query_one(StatusBar).facts.feed == "LIVE", "the gateway")


async def aggregate_scene(pilot: Pilot[Any]) -> None:
    """The aggregate tree with ``pump`` and ``pump.motor`` expanded, the cursor on ``motor``."""
    await channel_open(pilot)
    # down: pump; right: expand it; right: its first key; down x4: motor; right: expand it.
    await pilot.press("down", "right", "right", "down", "down", "down", "down", "right")
    tree = pilot.app.screen.query_one(JsonTree)

    def motor_open() -> bool:
        node = tree.cursor_node
        return tree.cursor_path == ("pump", "motor") and node is not None and node.is_expanded

    await until(pilot, motor_open, "pump.motor expanded")


async def messages_scene(pilot: Pilot[Any]) -> None:
    """The Messages tab with the first page loaded."""
    await channel_open(pilot)
    await pilot.press("m")
    table = pilot.app.screen.query_one(MessageTable)
    await until(pilot, lambda: len(table.rows) >= 100, "the first page of messages")


async def chart_scene(pilot: Pilot[Any]) -> None:
    """The Chart tab charting the field it suggests."""
    await messages_scene(pilot)
    await pilot.press("c")
    chart = pilot.app.screen.query_one(ChartView)
    await until(pilot, lambda: chart.field is not None, "a charted field")


async def applications_scene(pilot: Pilot[Any]) -> None:
    """Area 2 from the browser: pump_controller chosen, its long description and the agent's installs."""
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownBlock

    from doover_tui.screens.applications import ApplicationsScreen
    from doover_tui.widgets.application_table import ApplicationTable, InstallTable

    await channel_open(pilot)
    await pilot.press("2")
    await until(pilot, lambda: isinstance(pilot.app.screen, ApplicationsScreen), "the applications screen")
    screen = pilot.app.screen
    assert isinstance(screen, ApplicationsScreen)
    table = screen.query_one(ApplicationTable)
    await until(pilot, lambda: any(app.name == "pump_controller" for app in table.rows), "the applications")
    table.select_application(next(app.id for app in table.rows if app.name == "pump_controller"))

    def shown() -> bool:
        chosen = screen.application is not None and screen.application.name == "pump_controller"
        described = bool(screen.query_one(Markdown).query(MarkdownBlock))
        return chosen and described and len(screen.query_one(InstallTable).rows) > 0

    await until(pilot, shown, "pump_controller's detail and installs")


async def tunnels_scene(pilot: Pilot[Any]) -> None:
    """Area 3 from the browser: the agent's tunnels, the cursor on the first."""
    from doover_tui.screens.tunnels import TunnelsScreen
    from doover_tui.widgets.tunnel_table import TunnelTable

    await channel_open(pilot)
    await pilot.press("3")
    await until(pilot, lambda: isinstance(pilot.app.screen, TunnelsScreen), "the tunnels screen")
    table = pilot.app.screen.query_one(TunnelTable)
    await until(pilot, lambda: len(table.rows) > 0, "the agent's tunnels")


async def shoot(live: RunningEmulator, scene: Scene, filename: str, size: tuple[int, int] = SIZE) -> Path:
    """Play ``scene`` in a fresh app and save what is on screen as ``filename`` in OUT."""
    app = frozen_app(live)
    async with app.run_test(size=size) as pilot:
        await scene(pilot)
        steady(app)
        await pilot.pause()
        return Path(app.save_screenshot(filename=filename, path=str(OUT)))


SCREENSHOTS: dict[str, Scene] = {
    "browser-aggregate.svg": aggregate_scene,
    "browser-messages.svg": messages_scene,
    "browser-chart.svg": chart_scene,
    "applications.svg": applications_scene,
    "tunnels.svg": tunnels_scene,
}


async def write_all() -> list[Path]:
    """Write every screenshot, each from a fresh app on one emulator."""
    with frozen_emulator() as live:
        return [await shoot(live, scene, filename) for filename, scene in SCREENSHOTS.items()]


def main() -> int:
    """Write the screenshots and name them."""
    # Message times are shown in local time. Set here rather than at import, so the tests that
    # import this module do not change the time zone of the whole test session.
    os.environ["TZ"] = "UTC"
    time.tzset()
    for path in asyncio.run(write_all()):
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
