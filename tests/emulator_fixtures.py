"""Fixtures that run the emulator: in-process over ASGI for REST, or live on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from doover_tui.emulator.app import Emulator, EmulatorConfig
from doover_tui.emulator.server import RunningEmulator, running

TOKEN = "emulator-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh emulator with the small fleet, in memory, without simulation."""
    emu = Emulator(EmulatorConfig(token=TOKEN, simulate=False))
    yield emu
    emu.close()


@pytest.fixture
async def api(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client calling the emulator in-process, authenticated."""
    transport = httpx.ASGITransport(app=emulator.asgi, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test", headers=AUTH) as client:
        yield client


@pytest.fixture
def live() -> Iterator[RunningEmulator]:
    """A fresh emulator served by uvicorn on 127.0.0.1 (a free port), without simulation."""
    with running(EmulatorConfig(token=TOKEN, simulate=False, activation_delay=0.0)) as server:
        yield server


class Fleet:
    """Handy facts about the seeded small fleet, read through the API."""

    def __init__(self, agents: dict[str, Any]) -> None:
        self.agents = agents["agents"]
        self.devices = [a for a in self.agents if a["type"] == "device"]

    def device(self, name_part: str) -> dict[str, Any]:
        return next(a for a in self.devices if name_part in a["display_name"])


@pytest.fixture
async def fleet(api: httpx.AsyncClient) -> Fleet:
    response = await api.get("/agents/")
    assert response.status_code == 200
    return Fleet(response.json())
