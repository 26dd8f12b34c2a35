"""Snapshots of the main layouts at fixed sizes on a frozen demo fleet (see tests/snapshots/conftest.py)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from doover_tui.emulator.server import RunningEmulator
from doover_tui.screens.api_log_modal import ApiLogModal
from doover_tui.screens.info_view import InfoView
from doover_tui.widgets.message_table import MessageTable
from screenshots.make import aggregate_scene, channel_open, chart_scene, frozen_app, messages_scene, until
from tests.snapshots.conftest import NARROW_SIZE, Snap


def test_aggregate_tree_with_nodes_expanded(frozen_live: RunningEmulator, snap: Snap) -> None:
    """Agents, channels and the telemetry aggregate with pump and pump.motor expanded."""
    assert snap(frozen_app(frozen_live), aggregate_scene)


def test_messages_tab(frozen_live: RunningEmulator, snap: Snap) -> None:
    """The first page of telemetry messages, newest first, in UTC."""
    assert snap(frozen_app(frozen_live), messages_scene)


def test_chart_tab(frozen_live: RunningEmulator, snap: Snap) -> None:
    """The suggested field (pump.rpm) charted over the loaded messages."""
    assert snap(frozen_app(frozen_live), chart_scene)


async def info_scene(pilot: Pilot[Any]) -> None:
    await channel_open(pilot)
    await pilot.press("i")
    info = pilot.app.screen.query_one(InfoView)
    await until(pilot, lambda: info.channel is not None, "the channel settings")


def test_info_tab_with_a_schema(frozen_live: RunningEmulator, snap: Snap) -> None:
    """The config channel's settings, with its aggregate schema."""
    assert snap(frozen_app(frozen_live, channel="config"), info_scene)


async def api_log_scene(pilot: Pilot[Any]) -> None:
    await channel_open(pilot)
    screen = pilot.app.screen
    table, info = screen.query_one(MessageTable), screen.query_one(InfoView)
    await until(pilot, lambda: len(table.rows) >= 100 and info.channel is not None, "every request of the channel")
    await pilot.press("L")
    await until(pilot, lambda: isinstance(pilot.app.screen, ApiLogModal), "the API log")


def test_api_log_modal(frozen_live: RunningEmulator, snap: Snap) -> None:
    """The API log over the browser after opening a channel (times, latencies and port normalised)."""
    assert snap(frozen_app(frozen_live), api_log_scene)


def test_narrow_terminal(frozen_live: RunningEmulator, snap: Snap) -> None:
    """The browser opened on a channel in an 80x24 terminal."""
    assert snap(frozen_app(frozen_live), channel_open, NARROW_SIZE)
