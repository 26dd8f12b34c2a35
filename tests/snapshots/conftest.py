"""Fixtures for the layout snapshots: the demo fleet frozen in time, local time in UTC, no cursor blink."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from doover_tui.app import DooverApp
from doover_tui.emulator.server import RunningEmulator
from screenshots.make import Scene, frozen_emulator, steady

MAIN_SIZE = (120, 36)
NARROW_SIZE = (80, 24)

Snap = Callable[..., bool]


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """Message times are shown in local time: make that UTC for the test, then restore it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


@pytest.fixture
def frozen_live() -> Iterator[RunningEmulator]:
    """The demo fleet on loopback, seeded as of a fixed time, without simulation."""
    with frozen_emulator() as live:
        yield live


@pytest.fixture
def snap(snap_compare: Callable[..., bool]) -> Snap:
    """``snap(app, scene, size)``: play ``scene``, stop cursor blinking, and compare the screen with its snapshot."""

    def compare(app: DooverApp, scene: Scene, size: tuple[int, int] = MAIN_SIZE) -> bool:
        async def run_before(pilot: Pilot[Any]) -> None:
            await scene(pilot)
            steady(app)

        return snap_compare(app, terminal_size=size, run_before=run_before)

    return compare
