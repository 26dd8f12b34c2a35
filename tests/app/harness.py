"""Builds the app over a live emulator and waits for it without sleeping blindly."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.css.query import NoMatches
from textual.pilot import Pilot

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints, new_http_client
from doover_tui.app import DooverApp
from doover_tui.emulator.server import RunningEmulator
from doover_tui.request_log import RequestLog
from doover_tui.screens.browser import BrowserScreen
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.store import Store
from tests.emulator_fixtures import TOKEN

REFUSED_GATEWAY = "ws://127.0.0.1:1/ws"
"""A gateway URL nothing listens on: the app must fall back to polling."""


def build_app(
    live: RunningEmulator,
    *,
    gateway: str | None = None,
    agent: str | None = None,
    channel: str | None = None,
    window: int = 2000,
    read_only: bool = False,
    endpoints: Endpoints | None = None,
    drafts_dir: Path | None = None,
    **store_options: Any,
) -> DooverApp:
    """The app as the command line builds it, against ``live`` (or other ``endpoints``)."""
    urls = live.urls
    endpoints = endpoints or Endpoints(urls.data, urls.control, gateway or urls.gateway)
    request_log = RequestLog()
    client = DooverClient(endpoints, StaticToken(TOKEN), new_http_client(10), on_request=request_log.record)
    store = Store(client, read_only=read_only, message_window=window, request_log=request_log, **store_options)
    options = BrowserOptions(
        source="test emulator",
        host=urls.control.split("://")[-1],
        agent=agent,
        channel=channel,
        message_window=window,
        # Each app its own drafts folder, so one test's kept draft never asks another test's quit.
        drafts_dir=drafts_dir or Path(tempfile.mkdtemp(prefix="doover-tui-test-drafts-")),
    )
    return DooverApp(store, options)


async def until(pilot: Pilot[Any], condition: Callable[[], object], what: str, limit: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + limit
    while not _holds(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        # Wait on the running workers, bounded: one may be waiting for a screen the test has yet to answer
        # (workers.wait_for_complete would then never return, and the deadline above never be checked).
        running = [w._task for w in pilot.app.workers if w._task is not None and not w._task.done()]
        if running:
            await asyncio.wait(running, timeout=max(0.01, min(0.2, deadline - time.monotonic())))
        await pilot.pause()
        await asyncio.sleep(0)  # let socket reads (gateway, HTTP) run between checks


def _holds(condition: Callable[[], object]) -> bool:
    """``condition()``, where a widget not built yet (the channel tabs until a channel opens) means not yet."""
    try:
        return bool(condition())
    except NoMatches:
        return False


def writer(live: RunningEmulator) -> DooverClient:
    """A second client of the emulator: "another user" whose writes the app must see."""
    urls = live.urls
    return DooverClient(Endpoints(urls.data, urls.control, urls.gateway), StaticToken(TOKEN), new_http_client(10))


async def agent_id_of(client: DooverClient, label: str) -> str:
    """The id of the agent shown as ``label``."""
    agents = (await client.control.agents()).agents
    return next(agent.id for agent in agents if agent.label == label)


def browser(app: DooverApp) -> BrowserScreen:
    """The browser screen of ``app``."""
    return app.browser
