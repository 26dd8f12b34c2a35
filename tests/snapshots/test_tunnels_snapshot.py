"""Snapshots of the tunnels screen on the frozen demo fleet: the list, the activation question, a refused form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from textual.pilot import Pilot
from textual.widgets import Input

from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints, new_http_client
from doover_tui.api.models import Agent
from doover_tui.emulator.server import RunningEmulator
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.tunnels_form import TunnelFormModal
from doover_tui.store import Store
from doover_tui.widgets.tunnel_table import TunnelTable
from screenshots.make import AGENT, STORE_CLOCK, TOKEN, SteadyRequestLog
from tests.app.harness import until
from tests.app.test_tunnels import TunnelsApp
from tests.snapshots.conftest import MAIN_SIZE

Scene = Callable[[Pilot[Any]], Awaitable[None]]


def frozen_tunnels_app(live: RunningEmulator) -> TunnelsApp:
    """The tunnels screen on the demo fleet's pump, with the store's clock stopped."""
    urls = live.urls
    reply = httpx.get(f"{urls.control}/agents/", headers={"Authorization": f"Bearer {TOKEN}"})
    pump = next(Agent.from_json(agent) for agent in reply.json()["agents"] if agent["display_name"] == AGENT)
    log = SteadyRequestLog(urls.root)
    client = DooverClient(
        Endpoints(urls.data, urls.control, urls.gateway), StaticToken(TOKEN), new_http_client(10), on_request=log.record
    )
    store = Store(client, request_log=log, clock=lambda: STORE_CLOCK)
    app = TunnelsApp(store, pump)
    app.animation_level = "none"
    return app


def shoot(snap_compare: Callable[..., bool], live: RunningEmulator, scene: Scene) -> bool:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, TunnelsApp)
        rows = app.tunnels.query_one(TunnelTable)
        await until(pilot, lambda: len(rows.rows) == 3, "the pump's tunnels")
        rows.select_key(next(row.tunnel.id for row in rows.rows if row.tunnel.name == "ssh"))
        await scene(pilot)
        for box in app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    return snap_compare(frozen_tunnels_app(live), terminal_size=MAIN_SIZE, run_before=run_before)


async def nothing(pilot: Pilot[Any]) -> None:
    await pilot.pause()


async def activation_question(pilot: Pilot[Any]) -> None:
    await pilot.press("t")
    await until(pilot, lambda: isinstance(pilot.app.screen, ChoiceModal), "the question")


async def refused_form(pilot: Pilot[Any]) -> None:
    await pilot.press("n")
    await until(pilot, lambda: isinstance(pilot.app.screen, TunnelFormModal), "the form")
    form = pilot.app.screen
    form.query_one("#tunnel-name", Input).value = "grafana"
    form.query_one("#tunnel-port", Input).value = "70000"
    await pilot.press("ctrl+s")


def test_tunnels_of_the_pump(frozen_live: RunningEmulator, snap_compare: Callable[..., bool]) -> None:
    """The pump's three tunnels, ssh highlighted with its details below."""
    assert shoot(snap_compare, frozen_live, nothing)


def test_activation_asks_what_it_exposes(frozen_live: RunningEmulator, snap_compare: Callable[..., bool]) -> None:
    """t on an inactive tunnel: the question names the target, endpoint and who may connect."""
    assert shoot(snap_compare, frozen_live, activation_question)


def test_new_tunnel_form_refuses_a_bad_port(frozen_live: RunningEmulator, snap_compare: Callable[..., bool]) -> None:
    """n, a port of 70000, ctrl+s: the problem beside the field, nothing sent."""
    assert shoot(snap_compare, frozen_live, refused_form)
